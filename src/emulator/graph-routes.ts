/**
 * The Graph v1.0 routes: one request in (top-level or a $batch sub-request), one outcome out.
 * Order of work: injected latency → injected fault → token (401) → route (400/405) →
 * permission (403) → throttle (429) → replication lag (404) → the directory.
 *
 * `GRAPH_ROUTE_TABLE` is the list of routes: method and path pattern → handler. routes.ts exports
 * its "METHOD /path" lines, docs/graph-contract.md has a row per route (the Microsoft document it
 * follows and the test that pins it), and test/emulator/contract-doc.test.ts keeps the three in
 * step. To add a route: a row in the table, a handler beside it, a row in graph-contract.md.
 */
import { randomUUID } from "node:crypto";
import type { TokenClaims } from "./auth";
import { runBatch } from "./batch";
import { EmulatorContext, drawLatency } from "./context";
import { Directory, StoredUser, isGuid } from "./directory";
import { GraphError, badRequest, graphErrorBody, notFound } from "./errors";
import { FilterNode, filterExpressions, MAX_FILTER_EXPRESSIONS, parseFilter } from "./filter";
import { GraphCall, GraphOutcome, INVALID_JSON } from "./graph-call";

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
  return Math.max(
    1,
    base - (opts.select ? 1 : 0) + (opts.expand ? 1 : 0) - (opts.top !== undefined && opts.top < 20 ? 1 : 0),
  );
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
  return {
    segments: path.split("/").filter(Boolean).map(decodeSegment),
    query: new URLSearchParams(rawQuery),
    rawQuery,
  };
}

/** True for a top-level POST /v1.0/$batch. */
export function isBatchTarget(target: string): boolean {
  const { segments } = splitTarget(target);
  return segments.length === 2 && segments[0] === "v1.0" && segments[1] === "$batch";
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
  return {
    status: e.status,
    headers: { ...extra, ...e.headers },
    body: graphErrorBody(e.code, e.message, call.requestId, call.clientRequestId),
  };
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
        ? new GraphError(
            429,
            "TooManyRequests",
            "Too many requests. Please retry after the time in the Retry-After header.",
            { "Retry-After": "1" },
          )
        : fault === "503"
          ? new GraphError(503, "serviceNotAvailable", "The service is temporarily unavailable. Please retry later.", {
              "Retry-After": "1",
            })
          : new GraphError(
              504,
              "GatewayTimeout",
              "The gateway did not receive a timely response from the upstream service.",
            );
    outcome = { ...errorOutcome(call, e), fault };
  } else {
    try {
      const claims = call.claims ?? ctx.auth.verify(call.authorization);
      outcome = await route(ctx, call, claims, now);
    } catch (e) {
      outcome =
        e instanceof GraphError
          ? errorOutcome(call, e)
          : errorOutcome(call, new GraphError(500, "generalException", `Emulator error: ${String(e)}`));
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

/** The throttle class of a request: the invitation manager's limit, or identity resource units. */
type ThrottleClass = "invitation" | { cost: number; write: boolean; extension?: boolean };

/**
 * One authenticated Graph request on its way through a handler: the call, its path parameters and
 * query, and the steps every handler takes in Graph's order (body, permission and throttle, the user).
 */
class RouteRequest {
  /** Headers every answer carries: the throttle's, once `guard` ran. */
  extra: Record<string, string> = {};
  readonly roles: Set<string>;
  readonly base: string;
  readonly dir: Directory;

  constructor(
    readonly ctx: EmulatorContext,
    readonly call: GraphCall,
    readonly claims: TokenClaims,
    readonly now: number,
    readonly query: URLSearchParams,
    readonly params: Readonly<Record<string, string>>,
  ) {
    this.roles = new Set(claims.roles);
    this.base = `https://${call.host}/v1.0`;
    this.dir = ctx.directory;
  }

  /**
   * 403 unless the token holds one of `perms`; then the throttle: the invitation manager's limit, or
   * the identity resource units (and, for `extension` requests, the open-extension limit too).
   */
  guard(perms: readonly string[], cls: ThrottleClass): void {
    const { ctx, claims, now } = this;
    if (!perms.some((p) => this.roles.has(p)))
      throw new GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
    const d =
      cls === "invitation"
        ? ctx.throttle.invitation(ctx.tenantId, now)
        : ctx.throttle.users(claims.appid, claims.tid, cls.cost, cls.write, now);
    this.extra = d.headers;
    if (!d.ok)
      throw new GraphError(
        429,
        "TooManyRequests",
        "Too many requests. Please retry after the time in the Retry-After header.",
        d.headers,
      );
    if (cls !== "invitation" && cls.extension) {
      const x = ctx.throttle.extension(claims.appid, claims.tid, now);
      if (!x.ok)
        throw new GraphError(
          429,
          "TooManyRequests",
          "Too many requests. Please retry after the time in the Retry-After header.",
          { ...this.extra, ...x.headers },
        );
    }
  }

  /** The JSON body (Graph's 400 and 415 for a missing, unreadable or non-JSON one). */
  jsonBody(required: boolean): unknown {
    const { call } = this;
    if (call.body === INVALID_JSON) {
      throw badRequest(
        "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
      );
    }
    if (call.body !== undefined && !call.contentType) {
      throw badRequest("Write requests (excluding DELETE) must contain the Content-Type header declaration.");
    }
    if (call.body !== undefined && !/json/i.test(call.contentType ?? "")) {
      throw new GraphError(
        415,
        "UnsupportedMediaType",
        `Content-Type '${call.contentType}' is not supported; use application/json.`,
      );
    }
    if (required && call.body === undefined) {
      throw badRequest(
        "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
      );
    }
    return call.body;
  }

  /** The user `id`, 404 while it does not exist or is not yet replicated. */
  visibleUser(id: string): StoredUser {
    const u = this.dir.get(id);
    if (!u || this.dir.lagging(u, this.now)) throw notFound(id);
    return u;
  }

  ok(status: number, body?: unknown): GraphOutcome {
    return { status, headers: this.extra, ...(body !== undefined ? { body } : {}) };
  }

  selectContext(entitySet: string, select: string[] | undefined, entity: boolean): string {
    return `${this.base}/$metadata#${entitySet}${select ? `(${select.join(",")})` : ""}${entity ? "/$entity" : ""}`;
  }
}

/** One route: a method and a path pattern ({name} matches one segment) → its handler. */
export interface GraphRoute {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** The pattern as docs/graph-contract.md lists it, e.g. `/v1.0/users/{id}`. */
  path: string;
  /** Other spellings of the same path Graph accepts (not listed separately). */
  also?: string[];
  handle(r: RouteRequest): GraphOutcome | Promise<GraphOutcome>;
}

/** A user by id: `$select`, `$expand=sponsors|extensions`. */
function getUser(r: RouteRequest): GraphOutcome {
  const select = Directory.parseSelect(option(r.query, "select"));
  const expand = parseExpand(option(r.query, "expand"), ["sponsors", "extensions"]);
  r.guard(READ, {
    cost: identityCost(1, { select: !!select, expand: expand.length > 0 }),
    write: false,
    extension: expand.includes("extensions"),
  });
  const u = r.visibleUser(r.params.id);
  const body: Record<string, unknown> = {
    "@odata.context": r.selectContext("users", select, true),
    ...r.dir.serialize(u, select),
  };
  if (expand.includes("sponsors")) body.sponsors = sponsorObjects(r.ctx, u).slice(0, MAX_EXPANDED_ITEMS);
  if (expand.includes("extensions"))
    Object.assign(body, expandedExtensions(u, `${r.base}/$metadata#users('${u.id}')/extensions`));
  return r.ok(200, body);
}

/** A deleted user by id. */
function getDeletedUser(r: RouteRequest): GraphOutcome {
  const id = r.params.id;
  const select = Directory.parseSelect(option(r.query, "select"));
  r.guard(READ, { cost: identityCost(1, { select: !!select }), write: false });
  const u = r.dir.getDeleted(id);
  if (!u) throw notFound(id);
  return r.ok(200, {
    "@odata.context": `${r.base}/$metadata#directoryObjects/$entity`,
    "@odata.type": "#microsoft.graph.user",
    ...r.dir.serialize(u, select, ["deletedDateTime"]),
  });
}

/** POST /users/{id}/sponsors/$ref: the body's `@odata.id` names the sponsor. */
function addSponsor(r: RouteRequest): GraphOutcome {
  const id = r.params.id;
  const body = r.jsonBody(true);
  r.guard(WRITE, { cost: WRITE_COST, write: true });
  r.visibleUser(id);
  const ref = typeof body === "object" && body !== null ? (body as Record<string, unknown>)["@odata.id"] : undefined;
  const m = typeof ref === "string" ? /([0-9a-fA-F-]{36})\/?$/.exec(ref) : null;
  if (!m || !isGuid(m[1]))
    throw badRequest(
      "The request body needs '@odata.id' with the URL of a user or group, e.g. https://graph.microsoft.com/v1.0/users/{id}.",
    );
  r.dir.addSponsor(id, m[1]);
  return r.ok(204);
}

/** A write on a user's open extensions, in Graph's order: the body (when it needs one), permission and throttle, the user. */
function extensionWrite(r: RouteRequest, withBody: boolean): { u: StoredUser; body: unknown } {
  const body = withBody ? r.jsonBody(true) : undefined;
  r.guard(WRITE, { cost: WRITE_COST, write: true, extension: true });
  return { u: r.visibleUser(r.params.id), body };
}

/** A read of a user's open extensions, in Graph's order: permission and throttle, the user. */
function extensionRead(r: RouteRequest): StoredUser {
  r.guard(READ, { cost: identityCost(1, {}), write: false, extension: true });
  return r.visibleUser(r.params.id);
}

/** Every Graph route the emulator serves (routes.ts lists them as "METHOD /path"). */
export const GRAPH_ROUTE_TABLE: readonly GraphRoute[] = [
  {
    method: "POST",
    path: "/v1.0/invitations",
    handle: (r) => {
      const body = r.jsonBody(true);
      r.guard(INVITE, "invitation");
      const canReset = WRITE.some((p) => r.roles.has(p));
      const inv = r.dir.invite(body, canReset, r.ctx.tenantId, true, r.claims.oid);
      return r.ok(201, { "@odata.context": `${r.base}/$metadata#invitations/$entity`, ...inv.invitation });
    },
  },
  { method: "GET", path: "/v1.0/users", handle: (r) => listUsers(r, `${r.base}/users`, false) },
  { method: "GET", path: "/v1.0/users/{id}", handle: getUser },
  {
    method: "PATCH",
    path: "/v1.0/users/{id}",
    handle: (r) => {
      const body = r.jsonBody(true);
      r.guard(WRITE, { cost: WRITE_COST, write: true });
      r.visibleUser(r.params.id);
      r.dir.patch(r.params.id, body);
      return r.ok(204);
    },
  },
  {
    method: "DELETE",
    path: "/v1.0/users/{id}",
    handle: (r) => {
      r.guard(WRITE, { cost: WRITE_COST, write: true });
      r.visibleUser(r.params.id);
      r.dir.remove(r.params.id);
      return r.ok(204);
    },
  },
  {
    method: "GET",
    path: "/v1.0/users/{id}/sponsors",
    handle: (r) => {
      r.guard(READ, { cost: identityCost(1, {}), write: false });
      const u = r.visibleUser(r.params.id);
      return r.ok(200, { "@odata.context": `${r.base}/$metadata#directoryObjects`, value: sponsorObjects(r.ctx, u) });
    },
  },
  { method: "POST", path: "/v1.0/users/{id}/sponsors/$ref", handle: addSponsor },
  {
    method: "DELETE",
    path: "/v1.0/users/{id}/sponsors/{sponsorId}/$ref",
    handle: (r) => {
      r.guard(WRITE, { cost: WRITE_COST, write: true });
      r.visibleUser(r.params.id);
      r.dir.removeSponsor(r.params.id, r.params.sponsorId);
      return r.ok(204);
    },
  },
  {
    method: "GET",
    path: "/v1.0/users/{id}/extensions",
    handle: (r) => {
      const u = extensionRead(r);
      return r.ok(200, {
        "@odata.context": `${r.base}/$metadata#users('${u.id}')/extensions`,
        value: r.dir.listExtensions(u.id),
      });
    },
  },
  {
    method: "POST",
    path: "/v1.0/users/{id}/extensions",
    handle: (r) => {
      const { u, body } = extensionWrite(r, true);
      const ext = r.dir.addExtension(u.id, body, r.claims.appid);
      return r.ok(201, { "@odata.context": `${r.base}/$metadata#users('${u.id}')/extensions/$entity`, ...ext });
    },
  },
  {
    method: "GET",
    path: "/v1.0/users/{id}/extensions/{name}",
    handle: (r) => {
      const u = extensionRead(r);
      return r.ok(200, {
        "@odata.context": `${r.base}/$metadata#users('${u.id}')/extensions/$entity`,
        ...r.dir.getExtension(u.id, r.params.name),
      });
    },
  },
  {
    method: "PATCH",
    path: "/v1.0/users/{id}/extensions/{name}",
    handle: (r) => {
      const { u, body } = extensionWrite(r, true);
      r.dir.updateExtension(u.id, r.params.name, body);
      return r.ok(204);
    },
  },
  {
    method: "DELETE",
    path: "/v1.0/users/{id}/extensions/{name}",
    handle: (r) => {
      const { u } = extensionWrite(r, false);
      r.dir.removeExtension(u.id, r.params.name);
      return r.ok(204);
    },
  },
  {
    method: "GET",
    path: "/v1.0/directory/deletedItems/microsoft.graph.user",
    handle: (r) => listUsers(r, `${r.base}/directory/deletedItems/microsoft.graph.user`, true),
  },
  { method: "GET", path: "/v1.0/directory/deletedItems/{id}", handle: getDeletedUser },
  {
    method: "DELETE",
    path: "/v1.0/directory/deletedItems/{id}",
    handle: (r) => {
      r.guard(RESTORE, { cost: WRITE_COST, write: true });
      r.dir.purge(r.params.id);
      return r.ok(204);
    },
  },
  {
    method: "POST",
    path: "/v1.0/directory/deletedItems/{id}/restore",
    also: ["/v1.0/directory/deletedItems/{id}/microsoft.graph.restore"],
    handle: (r) => {
      r.jsonBody(false);
      r.guard(RESTORE, { cost: WRITE_COST, write: true });
      const u = r.dir.restore(r.params.id);
      return r.ok(200, {
        "@odata.context": `${r.base}/$metadata#directoryObjects/$entity`,
        "@odata.type": "#microsoft.graph.user",
        ...r.dir.serialize(u, undefined),
      });
    },
  },
  {
    method: "POST",
    path: "/v1.0/$batch",
    // Only a top-level batch gets here (REFUSALS answers the others); each part runs through executeGraph.
    handle: (r) => runBatch(r.ctx, r.call, r.claims, (sub) => executeGraph(r.ctx, sub)),
  },
];

/**
 * Requests Graph refuses before routing, with its own message (not routes: no row in
 * graph-contract.md). Checked on the segments after the version.
 */
const REFUSALS: readonly {
  when(s: readonly string[], call: GraphCall): boolean;
  error(call: GraphCall): GraphError;
}[] = [
  {
    when: (s, call) => s[0] === "$batch" && !(s.length === 1 && call.method === "POST" && call.inBatch === undefined),
    error: (call) =>
      badRequest(
        call.inBatch !== undefined
          ? "A $batch request cannot contain another $batch request."
          : "The $batch endpoint accepts POST only.",
      ),
  },
  // invitation resource: Create is the only method, on the collection.
  { when: (s) => s[0] === "invitations" && s.length > 1, error: () => methodNotAllowed() },
  {
    when: (s) => s.length === 2 && s[0] === "directory" && s[1] === "deletedItems",
    error: () =>
      badRequest(
        "Listing deletedItems needs a type cast, e.g. /directory/deletedItems/microsoft.graph.user.",
        "Request_BadRequest",
      ),
  },
];

interface CompiledRoute {
  route: GraphRoute;
  /** The pattern's segments after the version. */
  segments: string[];
}

const isParam = (seg: string): boolean => seg.startsWith("{") && seg.endsWith("}");

const COMPILED: readonly CompiledRoute[] = GRAPH_ROUTE_TABLE.flatMap((route) =>
  [route.path, ...(route.also ?? [])].map((p) => ({ route, segments: p.split("/").filter(Boolean).slice(1) })),
);

/** Path parameters when `pattern` matches `s`, else undefined. */
function matchPattern(pattern: readonly string[], s: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== s.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < s.length; i++) {
    if (isParam(pattern[i])) params[pattern[i].slice(1, -1)] = s[i];
    else if (pattern[i] !== s[i]) return undefined;
  }
  return params;
}

/** Orders patterns so that a literal segment wins over a parameter at the first place they differ. */
function moreSpecific(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const pa = isParam(a[i]);
    if (pa !== isParam(b[i])) return pa ? 1 : -1;
  }
  return 0;
}

/** The segment Graph names when no route has the path: the first one no pattern continues with, else the last. */
function unknownSegment(s: readonly string[]): string {
  let alive = COMPILED.map((c) => c.segments);
  for (let i = 0; i < s.length; i++) {
    alive = alive.filter((p) => i < p.length && (isParam(p[i]) || p[i] === s[i]));
    if (alive.length === 0) return s[i];
  }
  return s[s.length - 1];
}

/**
 * Finds the handler of a path and method: the most specific pattern that matches the path; 405 when
 * it has no route for the method; "segment not found" when no pattern matches.
 */
function findRoute(call: GraphCall, s: readonly string[]): { route: GraphRoute; params: Record<string, string> } {
  const refusal = REFUSALS.find((x) => x.when(s, call));
  if (refusal) throw refusal.error(call);
  const matches = COMPILED.map((c) => ({ c, params: matchPattern(c.segments, s) })).filter(
    (m) => m.params !== undefined,
  );
  if (matches.length === 0) throw segmentNotFound(unknownSegment(s));
  matches.sort((a, b) => moreSpecific(a.c.segments, b.c.segments));
  const best = matches[0].c.segments.join("/");
  const hit = matches.find((m) => m.c.segments.join("/") === best && m.c.route.method === call.method);
  if (!hit) throw methodNotAllowed();
  return { route: hit.c.route, params: hit.params as Record<string, string> };
}

/** Routes an authenticated request. Never throws: errors become outcomes. */
async function route(ctx: EmulatorContext, call: GraphCall, claims: TokenClaims, now: number): Promise<GraphOutcome> {
  const { segments, query } = splitTarget(call.target);
  let r: RouteRequest | undefined;
  try {
    if (segments.length === 0)
      throw badRequest("Invalid version: the request URL needs a version segment such as /v1.0.");
    if (segments[0] !== "v1.0") throw badRequest(`Invalid version: ${segments[0]}`);
    const s = segments.slice(1);
    if (s.length === 0) throw segmentNotFound("v1.0");
    const { route: found, params } = findRoute(call, s);
    r = new RouteRequest(ctx, call, claims, now, query, params);
    return await found.handle(r);
  } catch (e) {
    const extra = r?.extra ?? {};
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
    if (!known)
      throw badRequest(
        `Parsing OData Select and Expand failed: Could not find a navigation property named '${name}' on type 'microsoft.graph.user'.`,
      );
    if (!out.includes(known)) out.push(known);
  }
  return out;
}

/** The `extensions` of a user as `$expand=extensions` adds them. */
function expandedExtensions(u: StoredUser, context: string): Record<string, unknown> {
  return {
    "extensions@odata.context": context,
    extensions: (u.extensions ?? []).slice(0, MAX_EXPANDED_ITEMS).map((e) => Directory.extensionView(e)),
  };
}

function sponsorObjects(ctx: EmulatorContext, u: StoredUser): Record<string, unknown>[] {
  return u.sponsors.map((sid) => {
    const s = ctx.directory.get(sid);
    if (s)
      return {
        "@odata.type": "#microsoft.graph.user",
        id: s.id,
        displayName: s.displayName,
        mail: s.mail,
        userPrincipalName: s.userPrincipalName,
      };
    const app = ctx.auth.servicePrincipal(sid);
    if (app)
      return {
        "@odata.type": "#microsoft.graph.servicePrincipal",
        id: sid,
        appId: app.clientId,
        displayName: app.displayName,
      };
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

/** The properties a parsed `$filter` names. */
function filterProps(node: FilterNode): string[] {
  return "left" in node ? [...filterProps(node.left), ...filterProps(node.right)] : [node.prop];
}

/** known-issues, query parameters: with `in`, "a URL length of 2,048 characters when using advanced query capabilities" (applied to every advanced filter: stricter). */
const MAX_ADVANCED_URL_LENGTH = 2048;

function unsupportedQuery(message = "Unsupported Query."): GraphError {
  return new GraphError(400, "Request_UnsupportedQuery", message);
}

/** Parses `$orderby` ("prop" or "prop asc|desc"); undefined without it. */
function parseOrderBy(raw: string | undefined): { prop: string; desc: boolean } | undefined {
  if (raw === undefined) return undefined;
  const m = /^\s*([A-Za-z]+)(?:\s+(asc|desc))?\s*$/i.exec(raw);
  if (!m)
    throw unsupportedQuery(`Unsupported or invalid $orderby clause '${raw}': the emulator orders by one property.`);
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
 * - `$search` needs ConsistencyLevel (Graph's message), and is not served by the emulator; `$skip` is refused;
 * - a `$filter` of more than 15 expressions ({@link filterExpressions}) is refused unless advanced
 *   (known-issues: "limited to 15 expressions in the filter clause by default"; applied to filters
 *   without `in` too, where the page is silent: stricter); with advanced queries the limit is a URL of
 *   2,048 characters instead.
 */
function listUsers(r: RouteRequest, url: string, deleted: boolean): GraphOutcome {
  const { ctx, call, query } = r;
  const eventual = (call.consistencyLevel ?? "").toLowerCase() === "eventual";
  for (const [k] of query) {
    const key = k.toLowerCase().replace(/^\$/, "");
    if (key === "search") {
      if (!eventual)
        throw unsupportedQuery(
          "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
        );
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
  if (countRaw !== undefined && !/^(true|false)$/i.test(countRaw))
    throw badRequest(`Invalid value '${countRaw}' for $count: use true or false.`);
  const advanced = eventual && /^true$/i.test(countRaw ?? "");
  const select = Directory.parseSelect(selectRaw);
  const expand = parseExpand(expandRaw, ["sponsors", "extensions"]);
  if (expand.length && advanced) throw unsupportedQuery("$expand is not currently supported with advanced queries.");
  const filter = filterRaw !== undefined ? parseFilter(filterRaw) : undefined;
  const expressions = filter && !advanced ? filterExpressions(filter) : 0;
  if (expressions > MAX_FILTER_EXPRESSIONS)
    throw unsupportedQuery(
      `Too many expressions in the filter clause: ${expressions}. Max allowed: ${MAX_FILTER_EXPRESSIONS}.`,
    );
  const urlLength = `https://${call.host}${call.target}`.length;
  if (filter && advanced && urlLength > MAX_ADVANCED_URL_LENGTH)
    throw unsupportedQuery(
      `The request URL is ${urlLength} characters long. Max allowed with a filter in an advanced query: ${MAX_ADVANCED_URL_LENGTH}.`,
    );
  const refused = filter && filterProps(filter).find((p) => ctx.refuseFilterOn.has(p.toLowerCase()));
  if (refused)
    throw new GraphError(
      400,
      "Request_UnsupportedQuery",
      `Unsupported or invalid query filter clause specified for property '${refused}' of resource 'User'.`,
    );
  const orderBy = parseOrderBy(orderRaw);
  if (orderBy && filter && !advanced) throw unsupportedQuery();
  let top = 100;
  if (topRaw !== undefined) {
    top = /^\d+$/.test(topRaw) ? Number(topRaw) : NaN;
    if (!(top >= 1 && top <= 999))
      throw badRequest(
        `Invalid page size specified: '${topRaw}'. Must be between 1 and 999 inclusive.`,
        "Request_BadRequest",
      );
  }
  const pageSize = expand.length ? Math.min(top, MAX_EXPANDED_PAGE) : top;
  let after: string | undefined;
  let offset: number | undefined;
  if (skipToken !== undefined) {
    const decoded = Buffer.from(skipToken, "base64url").toString("utf8");
    if (decoded.startsWith(SKIPTOKEN_PREFIX) && !orderBy) after = decoded.slice(SKIPTOKEN_PREFIX.length);
    else if (decoded.startsWith(OFFSET_PREFIX) && orderBy && /^\d+$/.test(decoded.slice(OFFSET_PREFIX.length)))
      offset = Number(decoded.slice(OFFSET_PREFIX.length));
    else throw badRequest("The specified page token value is invalid.", "Request_BadRequest");
  }
  // `GET users` has base cost 2; the deletedItems list is not in the table: 1.
  r.guard(READ, {
    cost: identityCost(deleted ? 1 : 2, { select: select !== undefined, expand: expand.length > 0, top }),
    write: false,
    extension: expand.includes("extensions"),
  });
  let all = deleted ? ctx.directory.listDeleted(filter) : ctx.directory.list(filter);
  if (orderBy) {
    const key = (u: StoredUser): string =>
      String((u as unknown as Record<string, unknown>)[orderBy.prop] ?? "").toLowerCase();
    all = [...all].sort(
      (a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id < b.id ? -1 : 1) * (orderBy.desc ? -1 : 1),
    );
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
    if (expand.includes("extensions"))
      Object.assign(v, expandedExtensions(u, `${base}/$metadata#users('${u.id}')/extensions`));
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
  return r.ok(200, body);
}

/** A new request id. */
export function newRequestId(): string {
  return randomUUID();
}
