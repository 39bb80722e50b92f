/**
 * Orphans: guests a stack invited (their ownership mark names the stack) whose ids its state no longer
 * holds — the state was lost or recreated, or the resource was dropped with `pulumi state delete`.
 * The pure part reads `pulumi stack export` and compares; the Graph part lists the tenant's invited
 * users with their marks (paged, through the process's scheduler) and applies an orphan's `onDelete`.
 *
 * What counts: a live user whose mark (src/provider/mark.ts) names the stack's project and stack, and
 * whose object id appears in no resource of the state (as its id or as an output `userId`). Users
 * another stack marked, unmarked users and soft-deleted users are never listed or touched.
 *
 * Run it when no update of the stack is in progress: a guest invited by a running `pulumi up` is
 * marked before the engine writes it to state.
 */
import {
  EntraGraphError,
  ExtensionClient,
  GraphClient,
  INVITED_USERS_FILTER,
  UserWithExtensions,
} from "../../../graph";
import { MARK_NAME, OwnershipMark, parseUrn, readMark, StackIdentity } from "../../../provider/mark";
import type { OnDelete } from "../../../provider/types";

/** A resource of `pulumi stack export` (the fields orphans reads). */
export interface ExportedResource {
  urn: string;
  type?: string;
  id?: string;
  outputs?: Record<string, unknown>;
}

/** `pulumi stack export`, read: the resources, and the stack they name (from their URNs), if any. */
export interface StackExport {
  resources: ExportedResource[];
  stack?: StackIdentity;
}

/** Bad input (a state that is not `pulumi stack export` JSON, a stack that cannot be told): one line with the fix. */
export class OrphansInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OrphansInputError";
  }
}

/** Reads the text of `pulumi stack export` (version 3; a bare `deployment` is accepted too). */
export function parseStackExport(text: string, source = "the state"): StackExport {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const what = text.trim() === "" ? "is empty" : `is not JSON (${(e as Error).message})`;
    throw new OrphansInputError(`${source} ${what}: give the output of 'pulumi stack export' (or use --stack NAME)`);
  }
  const obj = json as { deployment?: { resources?: unknown }; resources?: unknown } | null;
  const deployment = obj && typeof obj === "object" ? (obj.deployment ?? obj) : undefined;
  const resources = (deployment as { resources?: unknown } | undefined)?.resources;
  if (
    !deployment ||
    typeof deployment !== "object" ||
    (resources !== undefined && resources !== null && !Array.isArray(resources))
  ) {
    throw new OrphansInputError(
      `${source} is not the output of 'pulumi stack export' (no deployment with resources): give that, or use --stack NAME`,
    );
  }
  const list: ExportedResource[] = [];
  for (const r of (resources as unknown[] | undefined) ?? []) {
    if (!r || typeof r !== "object" || typeof (r as ExportedResource).urn !== "string") {
      throw new OrphansInputError(
        `${source} has a resource without a URN: give the unchanged output of 'pulumi stack export'`,
      );
    }
    list.push(r as ExportedResource);
  }
  let stack: StackIdentity | undefined;
  for (const r of list) {
    const id = parseUrn(r.urn);
    if (!id) continue;
    if (!stack) stack = { project: id.project, stack: id.stack };
    else if (stack.project !== id.project || stack.stack !== id.stack) {
      throw new OrphansInputError(
        `${source} holds resources of two stacks (${stack.project}/${stack.stack} and ${id.project}/${id.stack}): export one stack`,
      );
    }
  }
  return { resources: list, stack };
}

/**
 * The stack to look for: the one the state names, checked against `--stack` / `--project` when
 * given; from those (and the project of Pulumi.yaml) when the state is empty.
 */
export function resolveStack(o: {
  fromState?: StackIdentity;
  stackFlag?: string;
  projectFlag?: string;
  projectFile?: string;
}): StackIdentity {
  // `--stack org/project/stack`, `org/stack` or `stack`: URNs carry the project and the bare stack name.
  const parts = o.stackFlag?.split("/").filter(Boolean) ?? [];
  const flagStack = parts.length ? parts[parts.length - 1] : undefined;
  const flagProject = o.projectFlag ?? (parts.length === 3 ? parts[1] : undefined);
  if (o.fromState) {
    if (flagStack && flagStack !== o.fromState.stack)
      throw new OrphansInputError(
        `the state is of the stack ${o.fromState.stack}, not ${flagStack}: give the state of ${flagStack}, or leave out --stack`,
      );
    if (flagProject && flagProject !== o.fromState.project)
      throw new OrphansInputError(
        `the state is of the project ${o.fromState.project}, not ${flagProject}: leave out --project`,
      );
    return o.fromState;
  }
  const project = flagProject ?? o.projectFile;
  if (!flagStack || !project) {
    throw new OrphansInputError(
      `the state holds no resources, so it does not say which stack it is: give --stack NAME${project ? "" : " and --project NAME (or run where the stack's Pulumi.yaml is)"}`,
    );
  }
  return { project, stack: flagStack };
}

/** Every user object id the state holds (resource ids and `userId` outputs), lower case. */
export function heldIds(resources: readonly ExportedResource[]): Set<string> {
  const ids = new Set<string>();
  for (const r of resources) {
    if (typeof r.id === "string" && r.id) ids.add(r.id.toLowerCase());
    const uid = r.outputs?.userId;
    if (typeof uid === "string" && uid) ids.add(uid.toLowerCase());
  }
  return ids;
}

/** A guest the stack's mark names, as listed. */
export interface MarkedGuest {
  id: string;
  mail: string | null;
  displayName: string | null;
  userType: string | null;
  externalUserState: string | null;
  accountEnabled: boolean | null;
  mark: OwnershipMark;
}

/** The users (as listed, with `extensions`) whose mark names `stack`. */
export function markedBy(users: readonly UserWithExtensions[], stack: StackIdentity): MarkedGuest[] {
  const out: MarkedGuest[] = [];
  for (const u of users) {
    const mark = readMark(u.extensions);
    if (!mark || mark.project !== stack.project || mark.stack !== stack.stack) continue;
    out.push({
      id: u.id,
      mail: u.mail ?? null,
      displayName: u.displayName ?? null,
      userType: u.userType ?? null,
      externalUserState: u.externalUserState ?? null,
      accountEnabled: u.accountEnabled ?? null,
      mark,
    });
  }
  return out;
}

/** The marked guests whose ids the state does not hold, sorted by resource name, then id. */
export function findOrphans(marked: readonly MarkedGuest[], held: ReadonlySet<string>): MarkedGuest[] {
  return marked
    .filter((g) => !held.has(g.id.toLowerCase()))
    .sort((a, b) => a.mark.resource.localeCompare(b.mark.resource) || a.id.localeCompare(b.id));
}

/** What `--apply` does to an orphan: its mark's `onDelete`. */
export function orphanAction(g: MarkedGuest): OnDelete {
  return g.mark.onDelete;
}

/** The list as people read it: a heading and one line per orphan (tab-separated fields). */
export function formatOrphans(stack: StackIdentity, orphans: readonly MarkedGuest[]): string {
  const name = `${stack.project}/${stack.stack}`;
  if (!orphans.length) return `No orphans: every guest marked by ${name} is in its state.\n`;
  const lines = orphans.map((g) =>
    [
      g.id,
      g.mail ?? "(no mail)",
      `resource ${g.mark.resource}`,
      `onDelete ${g.mark.onDelete}`,
      g.externalUserState ?? "-",
      g.accountEnabled === false ? "disabled" : "enabled",
    ].join("\t"),
  );
  return `${orphans.length} guest${orphans.length === 1 ? "" : "s"} marked by ${name} but not in its state:\n${lines.join("\n")}\n`;
}

/** The filter of invited users: guests, and members invited through B2B (the only users a mark can be on). */
export const INVITED_FILTER = INVITED_USERS_FILTER;
/** What the list reads of each user. */
export const ORPHAN_SELECT = [
  "id",
  "mail",
  "displayName",
  "userType",
  "externalUserState",
  "accountEnabled",
  "creationType",
] as const;

/**
 * Users per page: `$expand` on directory objects caps a page at 100 (query-parameters, a known issue),
 * so asking more would only look like the last page to a client that trusts `$top`.
 */
export const ORPHAN_PAGE_SIZE = 100;

/**
 * The tenant's users whose mark names `stack`: every invited user with `$expand=extensions`, page by
 * page (`pageSize`, default 100) through the scheduler; `onPage` reports progress. A tenant that
 * refuses `$expand` (400 on the first page) is listed without it and each user's mark read apart,
 * as the provider's lookup does; `onNotice` says so once.
 */
export async function listMarkedGuests(
  x: ExtensionClient,
  stack: StackIdentity,
  o: {
    onPage?: (p: { users: number; pages: number }) => void;
    pageSize?: number;
    onNotice?: (message: string) => void;
  } = {},
): Promise<MarkedGuest[]> {
  const first = (expand: boolean) =>
    `/users?$filter=${encodeURIComponent(INVITED_FILTER)}&$select=${ORPHAN_SELECT.join(",")}${expand ? "&$expand=extensions" : ""}&$top=${o.pageSize ?? ORPHAN_PAGE_SIZE}`;
  let expand = true;
  let path: string | undefined = first(true);
  const marked: MarkedGuest[] = [];
  let users = 0;
  let pages = 0;
  while (path) {
    let page: { value: UserWithExtensions[]; next?: string };
    try {
      page = await x.listUsers<UserWithExtensions>(path);
    } catch (e) {
      if (!(expand && pages === 0 && e instanceof EntraGraphError && e.status === 400)) throw e;
      expand = false;
      o.onNotice?.(
        `the tenant refused $expand=extensions on the list of users (${e.code}): listing without it and reading each user's mark apart (one more request per invited user).`,
      );
      path = first(false);
      continue;
    }
    if (!expand) {
      for (const u of page.value) {
        const mark = await x.getExtension(u.id, MARK_NAME);
        u.extensions = mark ? [mark] : [];
      }
    }
    users += page.value.length;
    pages++;
    marked.push(...markedBy(page.value, stack));
    o.onPage?.({ users, pages });
    path = page.next;
  }
  return marked;
}

/** What applying an orphan's `onDelete` did. */
export type ApplyResult = "deleted" | "disabled" | "retained" | "gone";

/** Applies the orphan's `onDelete`: soft delete (restorable 30 days), disable, or nothing. 404 is `gone`. */
export async function applyOnDelete(g: GraphClient, orphan: MarkedGuest): Promise<ApplyResult> {
  switch (orphanAction(orphan)) {
    case "delete":
      return (await g.deleteUser(orphan.id)) ? "deleted" : "gone";
    case "disable":
      try {
        await g.patchUser(orphan.id, { accountEnabled: false });
        return "disabled";
      } catch (e) {
        if (e instanceof EntraGraphError && e.notFound) return "gone";
        throw e;
      }
    case "retain":
      return "retained";
  }
}
