/**
 * The calls the provider's lifecycle makes on users and invitations, by the names it calls them,
 * each answered by its resource client (users.ts, invitations.ts) through the one `call` (call.ts).
 * Every failure surfaces as EntraGraphError; a 404 is a value where "not there" is a normal answer.
 */
import { InvitationsClient } from "./invitations";
import type { RequestScheduler } from "./scheduler";
import type { GraphUser, InvitationRequest, InvitationResponse } from "./types";
import { UsersClient } from "./users";

export { toError } from "./call";
export { permissionHint } from "./errors";

export class GraphClient {
  private readonly users: UsersClient;
  private readonly invitations: InvitationsClient;

  constructor(scheduler: RequestScheduler) {
    this.users = new UsersClient(scheduler);
    this.invitations = new InvitationsClient(scheduler);
  }

  /** {@link InvitationsClient.invite}. */
  invite(body: InvitationRequest): Promise<InvitationResponse> {
    return this.invitations.invite(body);
  }

  /** `GET /users/{id}` with `$select` (default the refresh set); undefined when the user is not there. */
  getUser(
    id: string,
    opts: { retryNotFoundUntil?: number; select?: readonly string[] } = {},
  ): Promise<GraphUser | undefined> {
    return this.users.getUser<GraphUser>(id, { select: opts.select, retryNotFoundUntil: opts.retryNotFoundUntil });
  }

  /** {@link UsersClient.isDeleted}. */
  isDeleted(id: string): Promise<boolean> {
    return this.users.isDeleted(id);
  }

  /** {@link UsersClient.restoreUser}. */
  restoreUser(id: string): Promise<boolean> {
    return this.users.restoreUser(id);
  }

  /** {@link UsersClient.findUserByEmail}. */
  findUserByEmail(email: string): Promise<GraphUser | undefined> {
    return this.users.findUserByEmail(email);
  }

  /** {@link UsersClient.patchUser}. */
  patchUser(id: string, patch: Partial<GraphUser>, opts: { retryNotFoundUntil?: number } = {}): Promise<void> {
    return this.users.patchUser(id, patch, opts);
  }

  /** {@link UsersClient.deleteUser}. */
  deleteUser(id: string, opts: { retryNotFoundUntil?: number } = {}): Promise<boolean> {
    return this.users.deleteUser(id, opts);
  }
}
