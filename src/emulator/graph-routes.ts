/**
 * The Graph v1.0 routes: one request in (top-level or a $batch sub-request), one outcome out.
 * Order of work: injected latency → injected fault → token (401) → route (400/405) →
 * permission (403) → throttle (429) → replication lag (404) → the directory.
 *
 * Routes: POST /invitations; GET /users (`$expand=extensions`); GET/PATCH/DELETE /users/{id}
 * (`$expand=sponsors|extensions`); GET /users/{id}/sponsors; POST /users/{id}/sponsors/$ref;
 * DELETE /users/{id}/sponsors/{sid}/$ref; GET/POST /users/{id}/extensions;
 * GET/PATCH/DELETE /users/{id}/extensions/{name};
 * GET /directory/deletedItems/microsoft.graph.user; GET/DELETE /directory/deletedItems/{id};
 * POST /directory/deletedItems/{id}/restore; POST /$batch.
 * Every route is listed in routes.ts and has a row in docs/graph-contract.md (the Microsoft document
 * it follows and the test that pins it); test/emulator/contract-doc.test.ts keeps the three in step.
 */
import { randomUUID } from "node:crypto";
import type { TokenClaims } from "./auth";
import { runBatch } from "./batch";
import { EmulatorContext, drawLatency } from "./context";
import { Directory, StoredUser, isGuid } from "./directory";
import { GraphError, badRequest, graphErrorBody, notFound } from "./errors";
import type { FaultKind } from "./faults";
import { parseFilter } from "./filter";

/** Marks a request body that is not valid JSON. */
export const INVALID_JSON = Symbol("invalid JSON");

/** One Graph request. */
export interface GraphCall {
  /** Upper-case HTTP method. */
  method: string;
  /** Path and query as sent, starting with the version: /v1.0/users/ID?$select=a. */
  target: string;
  /** Parsed JSON body, undefined without a body, INVALID_JSON when it did not parse. */
  body: unknown;
  contentType?: string;
  /** host[:port] the client used (for @odata.context and nextLink). */
  host: string;
  authorization?: string;
  /** The ConsistencyLevel header (`eventual` with `$count=true` makes an advanced query). */
  consistencyLevel?: string;
  /** Claims of the enclosing $batch (sub-requests do not carry their own token). */
  claims?: TokenClaims;
  requestId: string;
  clientRequestId: string;
  /** The sub-request id inside a $batch. */
  inBatch?: string;
}

/** The answer to one Graph request. */
export interface GraphOutcome {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  fault?: FaultKind;
  /** Destroy the socket instead of answering: before ("reset") or after ("drop") the work. */
  action?: "reset" | "drop";
}

const READ = ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];
const WRITE = ["User.ReadWrite.All", "Directory.ReadWrite.All"];
const RESTORE = ["User.ReadWrite.All", "User.DeleteRestore.All", "Directory.ReadWrite.All"];
const INVITE = ["User.Invite.All", "User.ReadWrite.All", "Directory.ReadWrite.All"];

/** throttling-limits: any identity write costs 1 resource unit. */
const WRITE_COST = 1;

/**
 * Resource units of an identity request (throttling-limits): the base cost (`GET users` 2, any
 * other path not in the table 1); "Using $select decreases cost by 1", "Using $expand increases cost
 * by 1", "Using $top with a value of less than 20 decreases cost by 1"; "A request cost can never be
 * lower than 1."
 */
export function identityCost(base: number, opts: { select?: boolean; expand?: boolean; top?: number }): number {
  return Math.max(1, base - (opts.select ? 1 : 0) + (opts.expand ? 1 : 0) - (opts.top !== undefined && opts.top < 20 ? 1 : 0));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Splits a target into decoded path segments and its query. */
export function splitTarget(target: string): { segments: string[]; query: URLSearchParams; rawQuery: string } {
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  const rawQuery = q < 0 ? "" : target.slice(q + 1);
  return { segments: path.split("/").filter(Boolean).map(decodeSegment), query: new URLSearchParams(rawQuery), rawQuery };
}

/** True for a top-level POST /v1.0/$batch. */
export function isBatchTarget(target: string): boolean {
  const { segments } = splitTarget(target);
  return segments.length === 2 && segments[1] === "$batch";
}

/** Reads a system query option (case-insensitive, "$" optional). */
function option(query: URLSearchParams, name: string): string | undefined {
  for (const [k, v] of query) {
    const key = k.toLowerCase();
    if (key === `$${name}` || key === name) return v;
  }
  return undefined;
}

function errorOutcome(call: GraphCall, e: GraphError, extra: Record<string, string> = {}): GraphOutcome {
  return { status: e.status, headers: { ...extra, ...e.headers }, body: graphErrorBody(e.code, e.message, call.requestId, call.clientRequestId) };
}

function methodNotAllowed(): GraphError {
  return new GraphError(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.");
}

function segmentNotFound(seg: string): GraphError {
  return badRequest(`Resource not found for the segment '${seg}'.`);
}

/**
 * Executes one Graph request, logs it, and returns the outcome (the caller writes it or, for
 * a $batch, collects it).
 */
export async function executeGraph(ctx: EmulatorContext, call: GraphCall): Promise<GraphOutcome> {
  const batch = !call.inBatch && call.method === "POST" && isBatchTarget(call.target);
  if (!batch) {
    const ms = drawLatency(ctx);
    if (ms > 0) await sleep(ms);
  }
  const now = Date.now();
  const fault = ctx.faults.draw(call.inBatch !== undefined, batch);
  let outcome: GraphOutcome;
  if (fault === "reset") {
    outcome = { status: 0, headers: {}, fault, action: "reset" };
  } else if (fault === "429" || fault === "503" || fault === "504") {
    const e =
      fault === "429"
        ? new GraphError(429, "TooManyRequests", "Too many requests. Please retry after the time in the Retry-After header.", { "Retry-After": "1" })
        : fault === "503"
          ? new GraphError(503, "serviceNotAvailable", "The service is temporarily unavailable. Please retry later.", { "Retry-After": "1" })
          : new GraphError(504, "GatewayTimeout", "The gateway did not receive a timely response from the upstream service.");
    outcome = { ...errorOutcome(call, e), fault };
  } else {
    try {
      const claims = call.claims ?? ctx.auth.verify(call.authorization);
      outcome = batch ? await runBatch(ctx, call, claims, (sub) => executeGraph(ctx, sub)) : route(ctx, call, claims, now);
    } catch (e) {
      outcome = e instanceof GraphError ? errorOutcome(call, e) : errorOutcome(call, new GraphError(500, "generalException", `Emulator error: ${String(e)}`));
    }
    if (fault === "drop") outcome = { ...outcome, fault, action: "drop" };
    // The batch ran; only its envelope says 424 (FailedDependency), the responses are all there.
    if (fault === "batch424" && outcome.status === 200) outcome = { ...outcome, status: 424, fault };
  }
  ctx.log.add({
    time: new Date(now).toISOString(),
    method: call.method,
    path: call.target,
    status: outcome.status,
    ...(call.body !== undefined ? { body: call.body === INVALID_JSON ? "<invalid JSON>" : call.body } : {}),
    ...(call.inBatch !== undefined ? { inBatch: call.inBatch } : {}),
    ...(fault ? { fault } : {}),
  });
  return outcome;
}

/** Routes an authenticated request. Never throws: errors become outcomes. */
function route(ctx: EmulatorContext, call: GraphCall, claims: TokenClaims, now: number): GraphOutcome {
  let extra: Record<string, string> = {};
  const roles = new Set(claims.roles);
  const { segments, query } = splitTarget(call.target);
  const base = `https://${call.host}/v1.0`;
  const dir = ctx.directory;

  /**
   * 403 unless the token holds one of `perms`; then the throttle: the invitation manager's limit, or
   * the identity resource units (and, for `extension` requests, the open-extension limit too).
   */
  const guard = (perms: readonly string[], cls: "invitation" | { cost: number; write: boolean; extension?: boolean }): void => {
    if (!perms.some((p) => roles.has(p))) throw new GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
    const d = cls === "invitation" ? ctx.throttle.invitation(ctx.tenantId, now) : ctx.throttle.users(claims.appid, claims.tid, cls.cost, cls.write, now);
    extra = d.headers;
    if (!d.ok) throw new GraphError(429, "TooManyRequests", "Too many requests. Please retry after the time in the Retry-After header.", d.headers);
    if (cls !== "invitation" && cls.extension) {
      const x = ctx.throttle.extension(claims.appid, claims.tid, now);
      if (!x.ok) throw new GraphError(429, "TooManyRequests", "Too many requests. Please retry after the time in the Retry-After header.", { ...extra, ...x.headers });
    }
  };
  const jsonBody = (required: boolean): unknown => {
    if (call.body === INVALID_JSON) {
      throw badRequest("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.");
    }
    if (call.body !== undefined && !call.contentType) {
      throw badRequest("Write requests (excluding DELETE) must contain the Content-Type header declaration.");
    }
    if (call.body !== undefined && !/json/i.test(call.contentType ?? "")) {
      throw new GraphError(415, "UnsupportedMediaType", `Content-Type '${call.contentType}' is not supported; use application/json.`);
    }
    if (required && call.body === undefined) {
      throw badRequest("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.");
    }
    return call.body;
  };
  const visibleUser = (id: string): StoredUser => {
    const u = dir.get(id);
    if (!u || dir.lagging(u, now)) throw notFound(id);
    return u;
  };
  const ok = (status: number, body?: unknown): GraphOutcome => ({ status, headers: extra, ...(body !== undefined ? { body } : {}) });
  const selectContext = (entitySet: string, select: string[] | undefined, entity: boolean): string =>
    `${base}/$metadata#${entitySet}${select ? `(${select.join(",")})` : ""}${entity ? "/$entity" : ""}`;

  try {
    if (segments.length === 0) throw badRequest("Invalid version: the request URL needs a version segment such as /v1.0.");
    if (segments[0] !== "v1.0") throw badRequest(`Invalid version: ${segments[0]}`);
    const s = segments.slice(1);
    if (s.length === 0) throw segmentNotFound("v1.0");
    switch (s[0]) {
      case "$batch":
        throw badRequest(call.inBatch !== undefined ? "A $batch request cannot contain another $batch request." : "The $batch endpoint accepts POST only.");

      case "invitations": {
        if (call.method !== "POST" || s.length !== 1) throw methodNotAllowed();
        const body = jsonBody(true);
        guard(INVITE, "invitation");
        const canReset = WRITE.some((p) => roles.has(p));
        const r = dir.invite(body, canReset, ctx.tenantId, true, claims.oid);
        return ok(201, { "@odata.context": `${base}/$metadata#invitations/$entity`, ...r.invitation });
      }

      case "users": {
        if (s.length === 1) {
          if (call.method !== "GET") throw methodNotAllowed();
          return listUsers(ctx, call, query, guard, ok, `${base}/users`, false);
        }
        const id = s[1];
        if (s.length === 2) {
          if (call.method === "GET") {
            const select = Directory.parseSelect(option(query, "select"));
            const expand = parseExpand(option(query, "expand"), ["sponsors", "extensions"]);
            guard(READ, { cost: identityCost(1, { select: !!select, expand: expand.length > 0 }), write: false, extension: expand.includes("extensions") });
            const u = visibleUser(id);
            const body: Record<string, unknown> = { "@odata.context": selectContext("users", select, true), ...dir.serialize(u, select) };
            if (expand.includes("sponsors")) body.sponsors = sponsorObjects(ctx, u).slice(0, MAX_EXPANDED_ITEMS);
            if (expand.includes("extensions")) Object.assign(body, expandedExtensions(u, `${base}/$metadata#users('${u.id}')/extensions`));
            return ok(200, body);
          }
          if (call.method === "PATCH") {
            const body = jsonBody(true);
            guard(WRITE, { cost: WRITE_COST, write: true });
            visibleUser(id);
            dir.patch(id, body);
            return ok(204);
          }
          if (call.method === "DELETE") {
            guard(WRITE, { cost: WRITE_COST, write: true });
            visibleUser(id);
            dir.remove(id);
            return ok(204);
          }
          throw methodNotAllowed();
        }
        if (s[2] === "extensions") {
          if (s.length === 3) {
            if (call.method === "GET") {
              guard(READ, { cost: identityCost(1, {}), write: false, extension: true });
              const u = visibleUser(id);
              return ok(200, { "@odata.context": `${base}/$metadata#users('${u.id}')/extensions`, value: dir.listExtensions(u.id) });
            }
            if (call.method === "POST") {
              const body = jsonBody(true);
              guard(WRITE, { cost: WRITE_COST, write: true, extension: true });
              const u = visibleUser(id);
              const ext = dir.addExtension(u.id, body, claims.appid);
              return ok(201, { "@odata.context": `${base}/$metadata#users('${u.id}')/extensions/$entity`, ...ext });
            }
            throw methodNotAllowed();
          }
          if (s.length === 4) {
            const name = s[3];
            if (call.method === "GET") {
              guard(READ, { cost: identityCost(1, {}), write: false, extension: true });
              const u = visibleUser(id);
              return ok(200, { "@odata.context": `${base}/$metadata#users('${u.id}')/extensions/$entity`, ...dir.getExtension(u.id, name) });
            }
            if (call.method === "PATCH") {
              const body = jsonBody(true);
              guard(WRITE, { cost: WRITE_COST, write: true, extension: true });
              const u = visibleUser(id);
              dir.updateExtension(u.id, name, body);
              return ok(204);
            }
            if (call.method === "DELETE") {
              guard(WRITE, { cost: WRITE_COST, write: true, extension: true });
              const u = visibleUser(id);
              dir.removeExtension(u.id, name);
              return ok(204);
            }
            throw methodNotAllowed();
          }
          throw segmentNotFound(s[s.length - 1]);
        }
        if (s[2] !== "sponsors") throw segmentNotFound(s[2]);
        if (s.length === 3) {
          if (call.method !== "GET") throw methodNotAllowed();
          guard(READ, { cost: identityCost(1, {}), write: false });
          const u = visibleUser(id);
          return ok(200, { "@odata.context": `${base}/$metadata#directoryObjects`, value: sponsorObjects(ctx, u) });
        }
        if (s.length === 4 && s[3] === "$ref") {
          if (call.method !== "POST") throw methodNotAllowed();
          const body = jsonBody(true);
          guard(WRITE, { cost: WRITE_COST, write: true });
          visibleUser(id);
          const ref = typeof body === "object" && body !== null ? (body as Record<string, unknown>)["@odata.id"] : undefined;
          const m = typeof ref === "string" ? /([0-9a-fA-F-]{36})\/?$/.exec(ref) : null;
          if (!m || !isGuid(m[1])) throw badRequest("The request body needs '@odata.id' with the URL of a user or group, e.g. https://graph.microsoft.com/v1.0/users/{id}.");
          dir.addSponsor(id, m[1]);
          return ok(204);
        }
        if (s.length === 5 && s[4] === "$ref") {
          if (call.method !== "DELETE") throw methodNotAllowed();
          guard(WRITE, { cost: WRITE_COST, write: true });
          visibleUser(id);
          dir.removeSponsor(id, s[3]);
          return ok(204);
        }
        throw segmentNotFound(s[s.length - 1]);
      }

      case "directory": {
        if (s[1] !== "deletedItems") throw segmentNotFound(s[1] ?? "directory");
        if (s.length === 2) throw badRequest("Listing deletedItems needs a type cast, e.g. /directory/deletedItems/microsoft.graph.user.", "Request_BadRequest");
        const id = s[2];
        if (s.length === 3 && id === "microsoft.graph.user") {
          if (call.method !== "GET") throw methodNotAllowed();
          return listUsers(ctx, call, query, guard, ok, `${base}/directory/deletedItems/microsoft.graph.user`, true);
        }
        if (s.length === 3) {
          if (call.method === "GET") {
            const select = Directory.parseSelect(option(query, "select"));
            guard(READ, { cost: identityCost(1, { select: !!select }), write: false });
            const u = dir.getDeleted(id);
            if (!u) throw notFound(id);
            return ok(200, {
              "@odata.context": `${base}/$metadata#directoryObjects/$entity`,
              "@odata.type": "#microsoft.graph.user",
              ...dir.serialize(u, select, ["deletedDateTime"]),
            });
          }
          if (call.method === "DELETE") {
            guard(RESTORE, { cost: WRITE_COST, write: true });
            dir.purge(id);
            return ok(204);
          }
          throw methodNotAllowed();
        }
        if (s.length === 4 && (s[3] === "restore" || s[3] === "microsoft.graph.restore")) {
          if (call.method !== "POST") throw methodNotAllowed();
          jsonBody(false);
          guard(RESTORE, { cost: WRITE_COST, write: true });
          const u = dir.restore(id);
          return ok(200, { "@odata.context": `${base}/$metadata#directoryObjects/$entity`, "@odata.type": "#microsoft.graph.user", ...dir.serialize(u, undefined) });
        }
        throw segmentNotFound(s[s.length - 1]);
      }

      default:
        throw segmentNotFound(s[0]);
    }
  } catch (e) {
    if (e instanceof GraphError) return errorOutcome(call, e, extra);
    return errorOutcome(call, new GraphError(500, "generalException", `Emulator error: ${String(e)}`), extra);
  }
}

/**
 * `$expand` of a user: a comma-separated list of navigation properties from `allowed` (Graph's
 * message for any other). Empty without `$expand`.
 */
function parseExpand(raw: string | undefined, allowed: readonly string[]): string[] {
  if (raw === undefined) return [];
  const out: string[] = [];
  for (const part of raw.split(",")) {
    const name = part.trim();
    if (!name) continue;
    const known = allowed.find((a) => a.toLowerCase() === name.toLowerCase());
    if (!known) throw badRequest(`Parsing OData Select and Expand failed: Could not find a navigation property named '${name}' on type 'microsoft.graph.user'.`);
    if (!out.includes(known)) out.push(known);
  }
  return out;
}

/** The `extensions` of a user as `$expand=extensions` adds them. */
function expandedExtensions(u: StoredUser, context: string): Record<string, unknown> {
  return { "extensions@odata.context": context, extensions: (u.extensions ?? []).slice(0, MAX_EXPANDED_ITEMS).map((e) => Directory.extensionView(e)) };
}

function sponsorObjects(ctx: EmulatorContext, u: StoredUser): Record<string, unknown>[] {
  return u.sponsors.map((sid) => {
    const s = ctx.directory.get(sid);
    if (s) return { "@odata.type": "#microsoft.graph.user", id: s.id, displayName: s.displayName, mail: s.mail, userPrincipalName: s.userPrincipalName };
    const app = ctx.auth.servicePrincipal(sid);
    if (app) return { "@odata.type": "#microsoft.graph.servicePrincipal", id: sid, appId: app.clientId, displayName: app.displayName };
    return { "@odata.type": "#microsoft.graph.directoryObject", id: sid };
  });
}

const SKIPTOKEN_PREFIX = "emu1:";
const OFFSET_PREFIX = "emu2:";
/** query-parameters: "$expand typically returns a maximum of 20 items for the expanded relationship and has no @odata.nextLink". */
export const MAX_EXPANDED_ITEMS = 20;
/** Known issue ("$expand on directory objects: returns a maximum of 100 objects"): a page with $expand holds at most 100 users. */
export const MAX_EXPANDED_PAGE = 100;
/** Properties plain `$orderby` accepts on /users (user resource: "Supports $orderby"). */
const ORDERBY_PROPS = new Map(["displayName", "userPrincipalName"].map((p) => [p.toLowerCase(), p] as const));

function unsupportedQuery(message = "Unsupported Query."): GraphError {
  return new GraphError(400, "Request_UnsupportedQuery", message);
}

/** Parses `$orderby` ("prop" or "prop asc|desc"); undefined without it. */
function parseOrderBy(raw: string | undefined): { prop: string; desc: boolean } | undefined {
  if (raw === undefined) return undefined;
  const m = /^\s*([A-Za-z]+)(?:\s+(asc|desc))?\s*$/i.exec(raw);
  if (!m) throw unsupportedQuery(`Unsupported or invalid $orderby clause '${raw}': the emulator orders by one property.`);
  const prop = ORDERBY_PROPS.get(m[1].toLowerCase());
  if (!prop) throw unsupportedQuery(`Unsupported or invalid query: $orderby on property '${m[1]}' of resource 'User'.`);
  return { prop, desc: (m[2] ?? "asc").toLowerCase() === "desc" };
}

/**
 * GET /users (or deleted users) with $filter, $select, $top, $orderby, $count, $expand and
 * $skiptoken paging, as aad-advanced-queries and query-parameters document them:
 * - `$count=true` without `ConsistencyLevel: eventual` is ignored ("silently ignores the $count query
 *   parameter"); with it (an advanced query) the answer carries `@odata.count`;
 * - plain `$orderby` works; `$filter` with `$orderby` needs an advanced query ("Using $filter and
 *   $orderBy together is supported only with advanced queries");
 * - `$expand` (extensions, sponsors) holds at most 20 items per user and caps the page at 100 users;
 *   it is not served with advanced queries ("$expand is not currently supported with advanced queries");
 * - `$search` needs ConsistencyLevel (Graph's message), and is not served by the emulator; `$skip` is refused.
 */
function listUsers(
  ctx: EmulatorContext,
  call: GraphCall,
  query: URLSearchParams,
  guard: (perms: readonly string[], cls: { cost: number; write: boolean; extension?: boolean }) => void,
  ok: (status: number, body?: unknown) => GraphOutcome,
  url: string,
  deleted: boolean,
): GraphOutcome {
  const eventual = (call.consistencyLevel ?? "").toLowerCase() === "eventual";
  for (const [k] of query) {
    const key = k.toLowerCase().replace(/^\$/, "");
    if (key === "search") {
      if (!eventual) throw unsupportedQuery("Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'");
      throw unsupportedQuery("Unsupported query option '$search': the emulator does not serve it.");
    }
    if (key === "skip") throw new GraphError(400, "Request_BadRequest", "'$skip' is not supported by the service.");
    if (key === "expand" && deleted) throw unsupportedQuery("Unsupported query option '$expand' on deletedItems.");
  }
  const selectRaw = option(query, "select");
  const filterRaw = option(query, "filter");
  const topRaw = option(query, "top");
  const skipToken = option(query, "skiptoken");
  const expandRaw = option(query, "expand");
  const countRaw = option(query, "count");
  const orderRaw = option(query, "orderby");
  if (countRaw !== undefined && !/^(true|false)$/i.test(countRaw)) throw badRequest(`Invalid value '${countRaw}' for $count: use true or false.`);
  const advanced = eventual && /^true$/i.test(countRaw ?? "");
  const select = Directory.parseSelect(selectRaw);
  const expand = parseExpand(expandRaw, ["sponsors", "extensions"]);
  if (expand.length && advanced) throw unsupportedQuery("$expand is not currently supported with advanced queries.");
  const filter = filterRaw !== undefined ? parseFilter(filterRaw) : undefined;
  const orderBy = parseOrderBy(orderRaw);
  if (orderBy && filter && !advanced) throw unsupportedQuery();
  let top = 100;
  if (topRaw !== undefined) {
    top = /^\d+$/.test(topRaw) ? Number(topRaw) : NaN;
    if (!(top >= 1 && top <= 999)) throw badRequest(`Invalid page size specified: '${topRaw}'. Must be between 1 and 999 inclusive.`, "Request_BadRequest");
  }
  const pageSize = expand.length ? Math.min(top, MAX_EXPANDED_PAGE) : top;
  let after: string | undefined;
  let offset: number | undefined;
  if (skipToken !== undefined) {
    const decoded = Buffer.from(skipToken, "base64url").toString("utf8");
    if (decoded.startsWith(SKIPTOKEN_PREFIX) && !orderBy) after = decoded.slice(SKIPTOKEN_PREFIX.length);
    else if (decoded.startsWith(OFFSET_PREFIX) && orderBy && /^\d+$/.test(decoded.slice(OFFSET_PREFIX.length))) offset = Number(decoded.slice(OFFSET_PREFIX.length));
    else throw badRequest("The specified page token value is invalid.", "Request_BadRequest");
  }
  // `GET users` has base cost 2; the deletedItems list is not in the table: 1.
  guard(READ, { cost: identityCost(deleted ? 1 : 2, { select: select !== undefined, expand: expand.length > 0, top }), write: false, extension: expand.includes("extensions") });
  let all = deleted ? ctx.directory.listDeleted(filter) : ctx.directory.list(filter);
  if (orderBy) {
    const key = (u: StoredUser): string => String((u as unknown as Record<string, unknown>)[orderBy.prop] ?? "").toLowerCase();
    all = [...all].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id < b.id ? -1 : 1) * (orderBy.desc ? -1 : 1));
  }
  let start = offset ?? 0;
  if (after !== undefined) {
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (all[mid].id <= after) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const page = all.slice(start, start + pageSize);
  const entitySet = deleted ? "directoryObjects/microsoft.graph.user" : "users";
  const base = `https://${call.host}/v1.0`;
  const body: Record<string, unknown> = {
    "@odata.context": `${base}/$metadata#${entitySet}${select ? `(${select.join(",")})` : ""}`,
  };
  if (advanced) body["@odata.count"] = all.length;
  body.value = page.map((u) => {
    const v = ctx.directory.serialize(u, select, deleted ? ["deletedDateTime"] : []);
    if (expand.includes("sponsors")) v.sponsors = sponsorObjects(ctx, u).slice(0, MAX_EXPANDED_ITEMS);
    if (expand.includes("extensions")) Object.assign(v, expandedExtensions(u, `${base}/$metadata#users('${u.id}')/extensions`));
    return v;
  });
  if (start + pageSize < all.length && page.length > 0) {
    const params: string[] = [];
    if (filterRaw !== undefined) params.push(`$filter=${encodeURIComponent(filterRaw)}`);
    if (selectRaw !== undefined) params.push(`$select=${encodeURIComponent(selectRaw)}`);
    if (expandRaw !== undefined) params.push(`$expand=${encodeURIComponent(expandRaw)}`);
    if (orderRaw !== undefined) params.push(`$orderby=${encodeURIComponent(orderRaw)}`);
    if (advanced) params.push("$count=true");
    if (topRaw !== undefined) params.push(`$top=${top}`);
    const token = orderBy ? `${OFFSET_PREFIX}${start + pageSize}` : SKIPTOKEN_PREFIX + page[page.length - 1].id;
    params.push(`$skiptoken=${Buffer.from(token).toString("base64url")}`);
    body["@odata.nextLink"] = `${url}?${params.join("&")}`;
  }
  return ok(200, body);
}

/** A new request id. */
export function newRequestId(): string {
  return randomUUID();
}
