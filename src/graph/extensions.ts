/**
 * Open extensions on users (`/users/{id}/extensions`, `openTypeExtension`): where a stack's ownership
 * mark is. A 404 is a value where "not there" is a normal answer; every other failure is an
 * EntraGraphError.
 *
 * Graph's rules (v1.0): POST needs `@odata.type: microsoft.graph.openTypeExtension` and an
 * `extensionName`; for directory objects the extension's `id` is its name; PATCH replaces the whole
 * extension ("you must specify all properties in the request body; otherwise, Microsoft Graph will
 * delete the unspecified properties", opentypeextension-update), so a PATCH carries every property; data is primitive values or arrays of them, at most 2 KB per extension,
 * at most two open extensions per app on one object. Writing needs `User.ReadWrite.All` (app).
 */
import { GraphResource } from "./call";
import type { RequestScheduler } from "./scheduler";
import { SponsorsClient } from "./sponsors";
import { UserListClient, UserPage } from "./user-list";
import { LOOKUP_SELECT, UsersClient, UserWithExtensions } from "./users";

export { LOOKUP_SELECT, LOOKUP_TOP, lookupClauses, lookupFilter } from "./users";
export type { UserWithExtensions } from "./users";
export { relativeNextLink } from "./user-list";
export type { UserPage } from "./user-list";

/** The `@odata.type` of an open extension. */
export const OPEN_EXTENSION_TYPE = "microsoft.graph.openTypeExtension";

/** An open extension as Graph returns it: `extensionName`, `id` and custom data. */
export interface OpenExtension {
  extensionName?: string;
  id?: string;
  [key: string]: unknown;
}

export class ExtensionsClient extends GraphResource {
  /** `POST /users/{id}/extensions`. Throws EntraGraphError (a taken name, 403, 404 after the lag window). */
  async addExtension(
    userId: string,
    name: string,
    data: Record<string, unknown>,
    opts: { retryNotFoundUntil?: number } = {},
  ): Promise<OpenExtension> {
    const body = { "@odata.type": OPEN_EXTENSION_TYPE, extensionName: name, ...data };
    const res = await this.call<OpenExtension>({
      method: "POST",
      path: `/users/${encodeURIComponent(userId)}/extensions`,
      body,
      lane: "users",
      retryNotFoundUntil: opts.retryNotFoundUntil,
    });
    return res.body;
  }

  /** `GET /users/{id}/extensions/{name}`; undefined when the user or the extension is not there. */
  async getExtension(userId: string, name: string): Promise<OpenExtension | undefined> {
    const res = await this.call<OpenExtension>(
      {
        method: "GET",
        path: `/users/${encodeURIComponent(userId)}/extensions/${encodeURIComponent(name)}`,
        lane: "users",
      },
      [404],
    );
    return res.status === 404 ? undefined : res.body;
  }

  /**
   * `PATCH /users/{id}/extensions/{name}` with the extension's whole data: `@odata.type`,
   * `extensionName` and `data` (every custom property it is to keep: Graph deletes the ones left out;
   * see `wholeMark` in provider/mark.ts). False when the extension is not there.
   */
  async updateExtension(userId: string, name: string, data: Record<string, unknown>): Promise<boolean> {
    const body = { "@odata.type": OPEN_EXTENSION_TYPE, extensionName: name, ...data };
    const res = await this.call(
      {
        method: "PATCH",
        path: `/users/${encodeURIComponent(userId)}/extensions/${encodeURIComponent(name)}`,
        body,
        lane: "users",
      },
      [404],
    );
    return res.status !== 404;
  }

  /** `DELETE /users/{id}/extensions/{name}`. False when it was not there. */
  async deleteExtension(userId: string, name: string): Promise<boolean> {
    const res = await this.call(
      {
        method: "DELETE",
        path: `/users/${encodeURIComponent(userId)}/extensions/${encodeURIComponent(name)}`,
        lane: "users",
      },
      [404],
    );
    return res.status !== 404;
  }
}

/**
 * The calls the provider's ownership marks and `entra-guests orphans` make, by the names they call
 * them: the extensions, the users read with their extensions (`$expand=extensions`, the lookup's
 * `$select`), sponsors and the paged user list, each answered by its resource client.
 */
export class ExtensionClient {
  private readonly users: UsersClient;
  private readonly extensions: ExtensionsClient;
  private readonly sponsors: SponsorsClient;
  private readonly list: UserListClient;

  constructor(scheduler: RequestScheduler) {
    this.users = new UsersClient(scheduler);
    this.extensions = new ExtensionsClient(scheduler);
    this.sponsors = new SponsorsClient(scheduler);
    this.list = new UserListClient(scheduler);
  }

  /** {@link UsersClient.findUsersByEmail}. */
  findUsersByEmail(
    email: string,
    opts: { select?: readonly string[]; expand?: boolean; wide?: boolean } = {},
  ): Promise<UserWithExtensions[]> {
    return this.users.findUsersByEmail(email, opts);
  }

  /** `GET /users/{id}` with `$select` (default {@link LOOKUP_SELECT}) and `$expand=extensions` (unless `expand` is false); undefined on 404. */
  getUser(
    id: string,
    opts: { select?: readonly string[]; expand?: boolean; retryNotFoundUntil?: number } = {},
  ): Promise<UserWithExtensions | undefined> {
    return this.users.getUser<UserWithExtensions>(id, {
      ...opts,
      select: opts.select ?? LOOKUP_SELECT,
      expand: opts.expand !== false,
    });
  }

  /** {@link ExtensionsClient.addExtension}. */
  addExtension(
    userId: string,
    name: string,
    data: Record<string, unknown>,
    opts: { retryNotFoundUntil?: number } = {},
  ): Promise<OpenExtension> {
    return this.extensions.addExtension(userId, name, data, opts);
  }

  /** {@link ExtensionsClient.getExtension}. */
  getExtension(userId: string, name: string): Promise<OpenExtension | undefined> {
    return this.extensions.getExtension(userId, name);
  }

  /** {@link ExtensionsClient.updateExtension}. */
  updateExtension(userId: string, name: string, data: Record<string, unknown>): Promise<boolean> {
    return this.extensions.updateExtension(userId, name, data);
  }

  /** {@link ExtensionsClient.deleteExtension}. */
  deleteExtension(userId: string, name: string): Promise<boolean> {
    return this.extensions.deleteExtension(userId, name);
  }

  /** {@link SponsorsClient.sponsorIds}. */
  sponsorIds(userId: string): Promise<string[]> {
    return this.sponsors.sponsorIds(userId);
  }

  /** {@link SponsorsClient.addSponsor}. */
  addSponsor(userId: string, sponsorId: string, graphEndpoint: string): Promise<void> {
    return this.sponsors.addSponsor(userId, sponsorId, graphEndpoint);
  }

  /** {@link UserListClient.page}. */
  listUsers<T = UserWithExtensions>(path: string): Promise<UserPage<T>> {
    return this.list.page<T>(path);
  }
}
