/**
 * POST /v1.0/$batch: JSON batching as Graph does it. Up to 20 sub-requests with unique ids;
 * each sub-request is faulted (429/503/504) and throttled on its own, so a 200 batch can hold a
 * 429 with Retry-After; `dependsOn` runs a sub-request after its dependencies and answers 424
 * when one of them failed; responses come back in completion order.
 */
import { randomUUID } from "node:crypto";
import type { TokenClaims } from "./auth";
import type { EmulatorContext } from "./context";
import { GraphError, badRequest, graphErrorBody } from "./errors";
import type { GraphCall, GraphOutcome } from "./graph-call";

/** Graph's limit of sub-requests per batch. */
export const MAX_BATCH_REQUESTS = 20;

const METHODS = new Set(["GET", "POST", "PATCH", "PUT", "DELETE"]);

interface Step {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

function invalid(detail: string): GraphError {
  return badRequest(`Invalid batch payload format. ${detail}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Validates the batch body; throws Graph's 400 for a malformed batch. */
export function parseBatch(body: unknown): Step[] {
  if (!isObject(body) || !Array.isArray(body.requests)) throw invalid("The body needs a 'requests' array.");
  const raw = body.requests;
  if (raw.length === 0) throw invalid("The 'requests' array is empty.");
  if (raw.length > MAX_BATCH_REQUESTS)
    throw badRequest(`The number of batch requests (${raw.length}) exceeds the limit of ${MAX_BATCH_REQUESTS}.`);
  const steps: Step[] = [];
  const ids = new Set<string>();
  for (const r of raw) {
    if (!isObject(r)) throw invalid("Each request must be an object.");
    const id = r.id;
    if (typeof id !== "string" || !id) throw invalid("Each request needs a non-empty string 'id'.");
    if (ids.has(id)) throw badRequest(`Batch request ids must be unique; '${id}' occurs more than once.`);
    ids.add(id);
    const method = typeof r.method === "string" ? r.method.toUpperCase() : "";
    if (!METHODS.has(method)) throw invalid(`Request '${id}' has an invalid 'method'.`);
    const url = r.url;
    if (typeof url !== "string" || !url) throw invalid(`Request '${id}' needs a 'url'.`);
    if (/^[a-z]+:\/\//i.test(url))
      throw badRequest(`Request '${id}': the url must be relative to the version, e.g. /users/{id}.`);
    const headers: Record<string, string> = {};
    if (r.headers !== undefined && r.headers !== null) {
      if (!isObject(r.headers)) throw invalid(`Request '${id}' has invalid 'headers'.`);
      for (const [k, v] of Object.entries(r.headers)) {
        if (typeof v !== "string") throw invalid(`Header '${k}' of request '${id}' must be a string.`);
        headers[k.toLowerCase()] = v;
      }
    }
    const hasBody = r.body !== undefined && r.body !== null;
    if (hasBody && !headers["content-type"])
      throw badRequest(`Write request id : ${id} does not contain Content-Type header or body.`);
    if (
      !hasBody &&
      (method === "POST" || method === "PATCH" || method === "PUT") &&
      !/\/(restore|\$ref)$/.test(url.split("?")[0])
    ) {
      throw badRequest(`Write request id : ${id} does not contain Content-Type header or body.`);
    }
    let dependsOn: string[] = [];
    if (r.dependsOn !== undefined && r.dependsOn !== null) {
      if (!Array.isArray(r.dependsOn) || !r.dependsOn.every((d): d is string => typeof d === "string"))
        throw invalid(`'dependsOn' of request '${id}' must be an array of ids.`);
      dependsOn = [...r.dependsOn];
    }
    steps.push({ id, method, url, headers, body: hasBody ? r.body : undefined, dependsOn });
  }
  for (const s of steps) {
    for (const d of s.dependsOn) {
      if (!ids.has(d) || d === s.id)
        throw badRequest(`Request '${s.id}' depends on '${d}', which is not another request of this batch.`);
    }
  }
  // Reject cycles.
  const state = new Map<string, 1 | 2>();
  const byId = new Map(steps.map((s) => [s.id, s]));
  const visit = (id: string): void => {
    const st = state.get(id);
    if (st === 2) return;
    if (st === 1) throw badRequest(`The dependsOn of the batch requests form a cycle through '${id}'.`);
    state.set(id, 1);
    for (const d of byId.get(id)?.dependsOn ?? []) visit(d);
    state.set(id, 2);
  };
  for (const s of steps) visit(s.id);
  return steps;
}

/** A sub-response of a batch. */
interface SubResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** Runs a batch; `exec` runs one sub-request through the full Graph pipeline. */
export async function runBatch(
  _ctx: EmulatorContext,
  call: GraphCall,
  claims: TokenClaims,
  exec: (sub: GraphCall) => Promise<GraphOutcome>,
): Promise<GraphOutcome> {
  const steps = parseBatch(call.body);
  const responses: SubResponse[] = [];
  const done = new Map<string, Promise<number>>();
  const run = async (s: Step): Promise<number> => {
    const deps = await Promise.all(s.dependsOn.map((d) => done.get(d) as Promise<number>));
    let res: SubResponse;
    if (deps.some((st) => st < 200 || st > 299)) {
      res = {
        id: s.id,
        status: 424,
        headers: { "Content-Type": "application/json" },
        body: graphErrorBody(
          "FailedDependency",
          "The request depends on a request of this batch that failed.",
          randomUUID(),
          call.clientRequestId,
        ),
      };
    } else {
      const out = await exec({
        method: s.method,
        target: `/v1.0${s.url.startsWith("/") ? "" : "/"}${s.url}`,
        body: s.body,
        contentType: s.headers["content-type"],
        consistencyLevel: s.headers.consistencylevel,
        host: call.host,
        claims,
        requestId: randomUUID(),
        clientRequestId: s.headers["client-request-id"] ?? call.clientRequestId,
        inBatch: s.id,
      });
      res = {
        id: s.id,
        status: out.status,
        headers: {
          "Cache-Control": "no-cache",
          ...(out.body !== undefined
            ? { "Content-Type": "application/json;odata.metadata=minimal;odata.streaming=true" }
            : {}),
          ...out.headers,
        },
        ...(out.body !== undefined ? { body: out.body } : {}),
      };
    }
    responses.push(res);
    return res.status;
  };
  // Register every step before awaiting (dependsOn may point forward); dependencies are acyclic.
  const pending: Promise<number>[] = [];
  const started = new Map<string, () => Promise<number>>();
  for (const s of steps) started.set(s.id, () => run(s));
  const get = (id: string): Promise<number> => {
    let p = done.get(id);
    if (!p) {
      const step = steps.find((x) => x.id === id) as Step;
      // Dependencies first, so that done.get(d) is set when run(s) reads it.
      for (const d of step.dependsOn) get(d);
      p = (started.get(id) as () => Promise<number>)();
      done.set(id, p);
    }
    return p;
  };
  for (const s of steps) pending.push(get(s.id));
  await Promise.all(pending);
  return { status: 200, headers: {}, body: { responses } };
}
