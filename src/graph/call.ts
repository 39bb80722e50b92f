/**
 * The one way a Graph call goes out: through a request scheduler (limits, retries, `$batch`); a
 * status outside 2xx and the statuses the caller accepts (a 404 where "not there" is an answer) is an
 * EntraGraphError with the hint of the call. Every resource client (users.ts, invitations.ts,
 * extensions.ts, sponsors.ts, user-list.ts) is built on it.
 */
import { EntraGraphError, permissionHint } from "./errors";
import { pathOnly, GraphRequest, GraphResponse, RequestScheduler } from "./scheduler";
import type { InvitationRequest } from "./types";

/** Sends `req` through `scheduler`; rejects with an EntraGraphError unless the status is 2xx or in `accept`. */
export async function call<T>(
  scheduler: RequestScheduler,
  req: GraphRequest,
  accept: readonly number[] = [],
): Promise<GraphResponse<T>> {
  const res = await scheduler.submit<T>(req);
  if ((res.status >= 200 && res.status < 300) || accept.includes(res.status)) return res;
  throw toError(req, res);
}

/** The EntraGraphError of a refused call: Graph's code, message and request-id, and for a 403 the permission the call needs. */
export function toError(req: GraphRequest, res: GraphResponse): EntraGraphError {
  const body = res.body as
    { error?: { code?: string; message?: string; innerError?: { "request-id"?: string } } } | undefined;
  const err = body?.error;
  return new EntraGraphError({
    status: res.status,
    code: err?.code ?? `HTTP${res.status}`,
    message: err?.message ?? (typeof res.body === "string" ? res.body.slice(0, 200) : "no error body"),
    requestId: err?.innerError?.["request-id"] ?? res.headers["request-id"],
    request: `${req.method} ${pathOnly(req.path)}${req.body && (req.body as InvitationRequest).resetRedemption ? " (resetRedemption)" : ""}`,
    hint: res.status === 403 ? permissionHint(req) : undefined,
  });
}

/** A client of one Graph resource: its calls go through {@link call} on one scheduler. */
export abstract class GraphResource {
  constructor(protected readonly scheduler: RequestScheduler) {}

  protected call<T>(req: GraphRequest, accept: readonly number[] = []): Promise<GraphResponse<T>> {
    return call<T>(this.scheduler, req, accept);
  }
}
