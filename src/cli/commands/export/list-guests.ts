/**
 * Lists the tenant's guests page by page (`GET /users?$filter=...&$select=...&$top=N`, then each
 * `@odata.nextLink`) through the process's Graph scheduler — the same one, with the same budgets,
 * 429 handling and retries, as the provider's (src/graph). Pages are read one after the other (each
 * link comes with the page before it); a page of 999 users costs one request. Each user comes with
 * its open extensions (`$expand=extensions`), where a stack's ownership mark is.
 */
import { toError } from "../../../graph/client";
import type { RequestScheduler } from "../../../graph";
import type { GraphRequest, GraphResponse } from "../../../graph/scheduler";
import { EXPORT_SELECT, GUEST_FILTER, ListedUser } from "./export-file";

/** Graph's largest page of users. */
export const MAX_PAGE_SIZE = 999;

export interface ListOptions {
  /** `$top`: users per page, 1 to 999 (default 999). */
  pageSize?: number;
  /** Called after each page with the users and pages read so far. */
  onPage?: (progress: { users: number; pages: number }) => void;
}

/** The path (relative to the version root, as the scheduler takes it) of a `@odata.nextLink`. */
export function nextPath(link: string, graphEndpoint: string): string {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw new Error(`Graph returned a next-page link that is not a URL ('${link.slice(0, 100)}')`);
  }
  const base = new URL(graphEndpoint);
  if (url.origin !== base.origin) throw new Error(`Graph returned a next-page link to another host (${url.origin}, expected ${base.origin}): not followed`);
  const prefix = `${base.pathname.replace(/\/$/, "")}/v1.0/`;
  if (!url.pathname.startsWith(prefix)) throw new Error(`Graph returned a next-page link outside ${prefix} (${url.pathname}): not followed`);
  return `/${url.pathname.slice(prefix.length)}${url.search}`;
}

interface UsersPage {
  value?: ListedUser[];
  "@odata.nextLink"?: string;
}

/** Every user `GUEST_FILTER` matches, with the fields of `EXPORT_SELECT` and its open extensions. */
export async function listGuests(scheduler: RequestScheduler, graphEndpoint: string, opts: ListOptions = {}): Promise<{ users: ListedUser[]; pages: number }> {
  const top = opts.pageSize ?? MAX_PAGE_SIZE;
  let path: string | undefined = `/users?$filter=${encodeURIComponent(GUEST_FILTER)}&$select=${EXPORT_SELECT.join(",")}&$expand=extensions&$top=${top}`;
  const users: ListedUser[] = [];
  let pages = 0;
  while (path) {
    const req: GraphRequest = { method: "GET", path, lane: "users" };
    const res: GraphResponse<UsersPage> = await scheduler.submit<UsersPage>(req);
    if (res.status < 200 || res.status >= 300) throw toError(req, res);
    if (!Array.isArray(res.body?.value)) throw new Error(`GET /users answered ${res.status} without a 'value' list`);
    users.push(...res.body.value);
    pages++;
    opts.onPage?.({ users: users.length, pages });
    const link: string | undefined = res.body["@odata.nextLink"];
    path = link ? nextPath(link, graphEndpoint) : undefined;
  }
  return { users, pages };
}
