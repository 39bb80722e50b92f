/**
 * Users (`/users`, `/directory/deletedItems`): reads, the "already invited" lookup, updates, deletes
 * and restores. A 404 is a value where "not there" is a normal answer.
 */
import { GraphResource } from "./call";
import type { OpenExtension } from "./extensions";
import { coalescerFor, odataQuote } from "./lookup-batch";
import { GraphUser, USER_SELECT } from "./types";

/** A user read with `$expand=extensions` (and `creationType`, which tells guests from members of the tenant). */
export interface UserWithExtensions extends GraphUser {
  creationType?: string | null;
  extensions?: OpenExtension[];
}

/** What a lookup before a create reads: the refresh set plus what tells an invited guest from an internal user, and the oldest of several. */
export const LOOKUP_SELECT = [...USER_SELECT, "creationType", "userPrincipalName", "createdDateTime"] as const;

/** How many users one address may match before the lookup stops listing them (below 20: one resource unit less, throttling-limits). */
export const LOOKUP_TOP = 10;

/**
 * The `$filter` of users who already hold an address. Wide (the default): the check Microsoft
 * documents before inviting (customize-invitation-api, "Determine if a user was already invited"):
 * `userPrincipalName`, `mail`, `proxyAddresses` (`SMTP:` entry) and `otherMails`. Its fifth clause,
 * `signInNames`, is no property of the v1.0 user resource and is left out. Narrow: `mail` and
 * `otherMails` only, for a tenant that refuses the wide filter.
 */
export function lookupFilter(email: string, wide = true): string {
  return lookupClauses(email)
    .filter((c) => wide || c.narrow)
    .map((c) => c.filter)
    .join(" or ");
}

/** The clauses of {@link lookupFilter}, each alone (`narrow`: kept by the narrow filter), to name the one a tenant refuses. */
export function lookupClauses(email: string): { name: string; filter: string; narrow: boolean }[] {
  const q = odataQuote(email);
  return [
    { name: "userPrincipalName eq", filter: `userPrincipalName eq '${q}'`, narrow: false },
    { name: "mail eq", filter: `mail eq '${q}'`, narrow: true },
    { name: "proxyAddresses/any", filter: `proxyAddresses/any(x:x eq 'SMTP:${q}')`, narrow: false },
    { name: "otherMails/any", filter: `otherMails/any(x:x eq '${q}')`, narrow: true },
  ];
}

export class UsersClient extends GraphResource {
  /** `GET /users/{id}` with `$select` (default the refresh set) and, with `expand`, `$expand=extensions`; undefined on 404. */
  async getUser<T extends GraphUser = UserWithExtensions>(
    id: string,
    opts: { select?: readonly string[]; expand?: boolean; retryNotFoundUntil?: number } = {},
  ): Promise<T | undefined> {
    const select = (opts.select ?? USER_SELECT).join(",");
    const expand = opts.expand ? "&$expand=extensions" : "";
    const res = await this.call<T>(
      {
        method: "GET",
        path: `/users/${encodeURIComponent(id)}?$select=${select}${expand}`,
        lane: "users",
        retryNotFoundUntil: opts.retryNotFoundUntil,
      },
      [404],
    );
    return res.status === 404 ? undefined : res.body;
  }

  /**
   * The live users who already hold this address, with their open extensions (unless `expand` is
   * false): the documented "already invited" query (customize-invitation-api, {@link lookupFilter});
   * `wide` false asks `mail` and `otherMails` only (a tenant that refuses the wide filter).
   * Concurrent lookups with the same options are sent together (lookup-batch.ts); each gets what
   * its own query answers, and a lookup alone sends its own query.
   */
  findUsersByEmail(
    email: string,
    opts: { select?: readonly string[]; expand?: boolean; wide?: boolean } = {},
  ): Promise<UserWithExtensions[]> {
    const full = { select: opts.select ?? LOOKUP_SELECT, expand: opts.expand !== false, wide: opts.wide ?? true };
    return coalescerFor<UserWithExtensions>(this.scheduler).find(email, full, LOOKUP_TOP, (e) =>
      this.findUsersByOneEmail(e, full),
    );
  }

  /** The one-address lookup of {@link findUsersByEmail}, as sent for a lookup alone. */
  private async findUsersByOneEmail(
    email: string,
    opts: { select: readonly string[]; expand: boolean; wide: boolean },
  ): Promise<UserWithExtensions[]> {
    const filter = encodeURIComponent(lookupFilter(email, opts.wide));
    const expand = opts.expand ? "&$expand=extensions" : "";
    const res = await this.call<{ value: UserWithExtensions[] }>({
      method: "GET",
      path: `/users?$filter=${filter}&$select=${opts.select.join(",")}${expand}&$top=${LOOKUP_TOP}`,
      lane: "users",
    });
    return res.body.value ?? [];
  }

  /** The live user (not deleted) whose `mail` or `otherMails` is this address, if any. */
  async findUserByEmail(email: string): Promise<GraphUser | undefined> {
    const q = odataQuote(email);
    const filter = encodeURIComponent(`mail eq '${q}' or otherMails/any(x:x eq '${q}')`);
    const res = await this.call<{ value: GraphUser[] }>({
      method: "GET",
      path: `/users?$filter=${filter}&$select=${USER_SELECT.join(",")}&$top=2`,
      lane: "users",
    });
    return res.body.value?.[0];
  }

  /** True when the user is in the recycle bin (soft-deleted, restorable). */
  async isDeleted(id: string): Promise<boolean> {
    const res = await this.call(
      { method: "GET", path: `/directory/deletedItems/${encodeURIComponent(id)}?$select=id`, lane: "users" },
      [404],
    );
    return res.status !== 404;
  }

  /**
   * `POST /directory/deletedItems/{id}/restore`: brings a soft-deleted user back with its object id,
   * group memberships and app assignments (directory-deleteditems-restore). False when it is no
   * longer in the recycle bin.
   */
  async restoreUser(id: string): Promise<boolean> {
    const res = await this.call(
      { method: "POST", path: `/directory/deletedItems/${encodeURIComponent(id)}/restore`, lane: "users" },
      [404],
    );
    return res.status !== 404;
  }

  /** `PATCH /users/{id}`. Throws EntraGraphError (notFound on 404). */
  async patchUser(id: string, patch: Partial<GraphUser>, opts: { retryNotFoundUntil?: number } = {}): Promise<void> {
    await this.call({
      method: "PATCH",
      path: `/users/${encodeURIComponent(id)}`,
      body: patch,
      lane: "users",
      retryNotFoundUntil: opts.retryNotFoundUntil,
    });
  }

  /** `DELETE /users/{id}` (soft delete, restorable for 30 days). False when it was already gone. */
  async deleteUser(id: string, opts: { retryNotFoundUntil?: number } = {}): Promise<boolean> {
    const res = await this.call(
      {
        method: "DELETE",
        path: `/users/${encodeURIComponent(id)}`,
        lane: "users",
        retryNotFoundUntil: opts.retryNotFoundUntil,
      },
      [404],
    );
    return res.status !== 404;
  }
}
