/**
 * The paged user list: `GET /users?...` and each `@odata.nextLink` after it (users-list). Pages are
 * read one after the other (each link comes with the page before it); a page of 999 users costs one
 * request.
 */
import { GraphResource } from "./call";
import type { GraphResponse } from "./scheduler";

/** The filter of invited users: guests, and members invited through B2B (the users an invitation made, and the only ones a mark can be on). */
export const INVITED_USERS_FILTER = "userType eq 'Guest' or creationType eq 'Invitation'";

/** Graph's largest page of users. */
export const MAX_PAGE_SIZE = 999;

/** One page of a user list and the path of the next one (relative to the version root), if any. */
export interface UserPage<T> {
  value: T[];
  next?: string;
}

/** `@odata.nextLink` (absolute) as a path relative to the version root, e.g. `/users?$skiptoken=...`. */
export function relativeNextLink(link: string): string {
  const m = /^https?:\/\/[^/]+\/(?:v1\.0|beta)(\/.*)$/i.exec(link);
  if (!m) throw new Error(`Graph returned a nextLink this client cannot follow: ${link.slice(0, 80)}`);
  return m[1];
}

/** The path (relative to the version root, as the scheduler takes it) of a `@odata.nextLink`, followed only on the endpoint's own host and version root. */
export function nextPath(link: string, graphEndpoint: string): string {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw new Error(`Graph returned a next-page link that is not a URL ('${link.slice(0, 100)}')`);
  }
  const base = new URL(graphEndpoint);
  if (url.origin !== base.origin)
    throw new Error(
      `Graph returned a next-page link to another host (${url.origin}, expected ${base.origin}): not followed`,
    );
  const prefix = `${base.pathname.replace(/\/$/, "")}/v1.0/`;
  if (!url.pathname.startsWith(prefix))
    throw new Error(`Graph returned a next-page link outside ${prefix} (${url.pathname}): not followed`);
  return `/${url.pathname.slice(prefix.length)}${url.search}`;
}

interface UsersPage<T> {
  value?: T[];
  "@odata.nextLink"?: string;
}

export class UserListClient extends GraphResource {
  /** One page of `GET /users` (a path from {@link relativeNextLink} or a first query). */
  async page<T>(path: string): Promise<UserPage<T>> {
    const res = await this.call<UsersPage<T>>({ method: "GET", path, lane: "users" });
    const link = res.body["@odata.nextLink"];
    return { value: res.body.value ?? [], next: link ? relativeNextLink(link) : undefined };
  }

  /** Every page from `path` on, following each next link on `graphEndpoint` only ({@link nextPath}); `onPage` after each. */
  async all<T>(
    path: string,
    graphEndpoint: string,
    onPage?: (progress: { users: number; pages: number }) => void,
  ): Promise<{ users: T[]; pages: number }> {
    const users: T[] = [];
    let pages = 0;
    let next: string | undefined = path;
    while (next) {
      const res: GraphResponse<UsersPage<T>> = await this.call<UsersPage<T>>({
        method: "GET",
        path: next,
        lane: "users",
      });
      if (!Array.isArray(res.body?.value)) throw new Error(`GET /users answered ${res.status} without a 'value' list`);
      users.push(...res.body.value);
      pages++;
      onPage?.({ users: users.length, pages });
      const link: string | undefined = res.body["@odata.nextLink"];
      next = link ? nextPath(link, graphEndpoint) : undefined;
    }
    return { users, pages };
  }
}
