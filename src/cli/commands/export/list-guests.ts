/**
 * Lists the tenant's guests page by page through the paged user list of src/graph (`UserListClient`)
 * on the process's Graph scheduler — the same one, with the same budgets, 429 handling and retries,
 * as the provider's. Each user comes with its open extensions (`$expand=extensions`), where a stack's
 * ownership mark is.
 */
import { MAX_PAGE_SIZE, RequestScheduler, UserListClient } from "../../../graph";
import { EXPORT_SELECT, GUEST_FILTER, ListedUser } from "./export-file";

export { MAX_PAGE_SIZE, nextPath } from "../../../graph";

export interface ListOptions {
  /** `$top`: users per page, 1 to 999 (default 999). */
  pageSize?: number;
  /** Called after each page with the users and pages read so far. */
  onPage?: (progress: { users: number; pages: number }) => void;
}

/** Every user `GUEST_FILTER` matches, with the fields of `EXPORT_SELECT` and its open extensions. */
export async function listGuests(
  scheduler: RequestScheduler,
  graphEndpoint: string,
  opts: ListOptions = {},
): Promise<{ users: ListedUser[]; pages: number }> {
  const top = opts.pageSize ?? MAX_PAGE_SIZE;
  const first = `/users?$filter=${encodeURIComponent(GUEST_FILTER)}&$select=${EXPORT_SELECT.join(",")}&$expand=extensions&$top=${top}`;
  return new UserListClient(scheduler).all<ListedUser>(first, graphEndpoint, opts.onPage);
}
