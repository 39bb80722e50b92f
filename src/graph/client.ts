/**
 * Graph operations the provider needs, typed, on top of the process-wide scheduler. Every failure
 * surfaces as EntraGraphError; a 404 is a value where "not there" is a normal answer.
 */
import { EntraGraphError } from "./errors";
import { pathOnly, RequestScheduler, GraphResponse, GraphRequest } from "./scheduler";
import { GraphUser, InvitationRequest, InvitationResponse, USER_SELECT } from "./types";

export class GraphClient {
  constructor(private readonly scheduler: RequestScheduler) {}

  /** `POST /invitations`: invites, re-invites or (with resetRedemption) resets a guest. */
  async invite(body: InvitationRequest): Promise<InvitationResponse> {
    const res = await this.call<InvitationResponse>({ method: "POST", path: "/invitations", body, lane: "invitations" });
    return res.body;
  }

  /** `GET /users/{id}` with `$select`; undefined when the user is not there. */
  async getUser(id: string, opts: { retryNotFoundUntil?: number; select?: readonly string[] } = {}): Promise<GraphUser | undefined> {
    const select = (opts.select ?? USER_SELECT).join(",");
    const res = await this.call<GraphUser>({ method: "GET", path: `/users/${encodeURIComponent(id)}?$select=${select}`, lane: "users", retryNotFoundUntil: opts.retryNotFoundUntil }, [404]);
    return res.status === 404 ? undefined : res.body;
  }

  /** True when the user is in the recycle bin (soft-deleted, restorable). */
  async isDeleted(id: string): Promise<boolean> {
    const res = await this.call({ method: "GET", path: `/directory/deletedItems/${encodeURIComponent(id)}?$select=id`, lane: "users" }, [404]);
    return res.status !== 404;
  }

  /**
   * `POST /directory/deletedItems/{id}/restore`: brings a soft-deleted user back with its object id,
   * group memberships and app assignments (directory-deleteditems-restore). False when it is no
   * longer in the recycle bin.
   */
  async restoreUser(id: string): Promise<boolean> {
    const res = await this.call({ method: "POST", path: `/directory/deletedItems/${encodeURIComponent(id)}/restore`, lane: "users" }, [404]);
    return res.status !== 404;
  }

  /** The live user (not deleted) whose `mail` or `otherMails` is this address, if any. */
  async findUserByEmail(email: string): Promise<GraphUser | undefined> {
    const q = email.replace(/'/g, "''");
    const filter = encodeURIComponent(`mail eq '${q}' or otherMails/any(x:x eq '${q}')`);
    const res = await this.call<{ value: GraphUser[] }>({ method: "GET", path: `/users?$filter=${filter}&$select=${USER_SELECT.join(",")}&$top=2`, lane: "users" });
    return res.body.value?.[0];
  }

  /** `PATCH /users/{id}`. Throws EntraGraphError (notFound on 404). */
  async patchUser(id: string, patch: Partial<GraphUser>, opts: { retryNotFoundUntil?: number } = {}): Promise<void> {
    await this.call({ method: "PATCH", path: `/users/${encodeURIComponent(id)}`, body: patch, lane: "users", retryNotFoundUntil: opts.retryNotFoundUntil });
  }

  /** `DELETE /users/{id}` (soft delete, restorable for 30 days). False when it was already gone. */
  async deleteUser(id: string, opts: { retryNotFoundUntil?: number } = {}): Promise<boolean> {
    const res = await this.call({ method: "DELETE", path: `/users/${encodeURIComponent(id)}`, lane: "users", retryNotFoundUntil: opts.retryNotFoundUntil }, [404]);
    return res.status !== 404;
  }

  private async call<T>(req: GraphRequest, accept: number[] = []): Promise<GraphResponse<T>> {
    const res = await this.scheduler.submit<T>(req);
    if ((res.status >= 200 && res.status < 300) || accept.includes(res.status)) return res;
    throw toError(req, res);
  }
}

/**
 * For a 403: the least-privileged application permission the failed call needs, from the call itself
 * (method, path, body), per each API's permissions table (invitation-post, user-update, user-delete,
 * opentypeextension-post-opentypeextension, user-post-sponsors). Undefined for calls the generic
 * hint covers (reads).
 */
export function permissionHint(req: Pick<GraphRequest, "method" | "path" | "body">): string | undefined {
  const path = pathOnly(req.path);
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (req.method === "POST" && path === "/invitations") {
    if (body.resetRedemption) return "resetting a guest's redemption needs User.ReadWrite.All (application; User.Invite.All is not enough); app-only tokens cannot reset a user who holds a directory role (invitation-post).";
    if (body.invitedUser) return "an invitation naming an existing user with invitedUser (a conversion to B2B) needs User.ReadWrite.All (invite-internal-users); User.Invite.All is not enough.";
    return "inviting needs User.Invite.All (admin-consented). If it is granted, the tenant may restrict invitations to admins (External collaboration settings > Guest invite settings): give the app the Guest Inviter role or relax that setting.";
  }
  if (/^\/users\/[^/]+\/extensions(\/|$)/.test(path)) {
    return "ownership marks (open extensions on users) need User.ReadWrite.All; without it guests are invited unmarked (a lost state then adopts them, and entra-guests orphans cannot find them).";
  }
  if (/^\/users\/[^/]+\/sponsors\/\$ref$/.test(path)) return "adding sponsors needs User.ReadWrite.All (user-post-sponsors).";
  if (req.method === "DELETE" && /^\/users\/[^/]+$/.test(path)) return 'deleting a user needs User.ReadWrite.All (user-delete); with less, use onDelete: "disable" or "retain".';
  if (req.method === "PATCH" && /^\/users\/[^/]+$/.test(path)) {
    const keys = Object.keys(body);
    if (keys.length === 1 && keys[0] === "accountEnabled") return 'disabling a user needs User.EnableDisableAccount.All and User.Read.All (least privileged for accountEnabled, user-update) or User.ReadWrite.All; with neither, use onDelete: "retain".';
    if (keys.includes("mail")) return "setting mail before a redemption reset needs User.ReadWrite.All (user-update).";
    return "updating a user's displayName, userType or userProperties needs User.ReadUpdate.All (least privileged, user-update) or User.ReadWrite.All; with User.Invite.All alone, leave userProperties unset.";
  }
  return undefined;
}

export function toError(req: GraphRequest, res: GraphResponse): EntraGraphError {
  const body = res.body as { error?: { code?: string; message?: string; innerError?: { "request-id"?: string } } } | undefined;
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
