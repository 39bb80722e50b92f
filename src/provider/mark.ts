/**
 * The ownership mark: an open extension a stack puts on every guest it invites, naming the stack's
 * project, the stack and the resource, and the guest's `onDelete` policy (never a secret, never an
 * address). It tells, on a later create, a guest this very stack invited (owned: a rerun after a
 * crash or a lost state keeps applying `onDelete`) from one another stack manages (adopted, with a
 * warning naming that stack) or one nobody marked (adopted); and it lets `entra-guests orphans` find
 * the guests a stack invited but no longer holds. Pure: no I/O.
 *
 * Shape on the user (`GET /users/{id}/extensions/com.pulumi.entraInvitation`):
 * `{ "@odata.type": "#microsoft.graph.openTypeExtension", "extensionName": "com.pulumi.entraInvitation",
 *    "id": "com.pulumi.entraInvitation", "version": 1, "project": "guests", "stack": "prod",
 *    "resource": "partners-kim@contoso.com", "onDelete": "delete" }`.
 * Readers accept any later version that keeps these fields; writers only add fields.
 */
import type { OnDelete } from "./types";
import type { ResourceIdentity } from "../names";

export { parseUrn } from "../names";
export type { ResourceIdentity } from "../names";

/** The extension's name (reverse DNS, not Microsoft's domain, as Graph asks). */
export const MARK_NAME = "com.pulumi.entraInvitation";
/** The version of the mark's fields this package writes. */
export const MARK_VERSION = 1;

/** A stack: project and stack name (as in URNs, without the organization). */
export interface StackIdentity {
  project: string;
  stack: string;
}

/** What a mark says. */
export interface OwnershipMark extends StackIdentity {
  version: number;
  /** The logical name of the resource that invited the guest. */
  resource: string;
  /** What to do with the guest when that resource leaves the stack (`entra-guests orphans --apply` does it). */
  onDelete: OnDelete;
}

/** The data of a new mark (Graph adds `@odata.type` and `extensionName` from the request). */
export function markData(self: ResourceIdentity, onDelete: OnDelete): Record<string, unknown> {
  return { version: MARK_VERSION, project: self.project, stack: self.stack, resource: self.name, onDelete };
}

const ON_DELETE: readonly string[] = ["delete", "disable", "retain"];

/**
 * Whether an open extension is the mark: by `extensionName`, or by `id` (for directory objects the
 * id is the name; Graph also answers the fully qualified `microsoft.graph.openTypeExtension.<name>`).
 * A reader must not depend on `extensionName` alone: a PATCH that left it out may have deleted it
 * (opentypeextension-update: unspecified properties are deleted).
 */
export function isMark(ext: Record<string, unknown>): boolean {
  const name = MARK_NAME.toLowerCase();
  const named = typeof ext.extensionName === "string" && ext.extensionName.toLowerCase() === name;
  const id = typeof ext.id === "string" ? ext.id.toLowerCase() : "";
  return named || id === name || id === `microsoft.graph.openTypeExtension.${MARK_NAME}`.toLowerCase();
}

/** The mark among a user's open extensions (from `$expand=extensions` or a GET of the extension), if any and readable. */
export function readMark(extensions: readonly Record<string, unknown>[] | undefined): OwnershipMark | undefined {
  const ext = extensions?.find(isMark);
  return ext ? parseMark(ext) : undefined;
}

/**
 * The whole data of a mark to PATCH: every property the extension holds now (`existing`, as read;
 * properties a later version added are kept), with `changes` applied. Graph's PATCH of an open
 * extension replaces it: "you must specify all properties in the request body; otherwise, Microsoft
 * Graph will delete the unspecified properties" (opentypeextension-update). Without `@odata.*`,
 * `id` and `extensionName`, which the client adds.
 */
export function wholeMark(
  existing: Record<string, unknown>,
  changes: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(existing)) {
    if (k === "id" || k === "extensionName" || k.startsWith("@odata.") || k.includes("@odata.")) continue;
    out[k] = v;
  }
  return { ...out, ...changes };
}

/** A mark's fields, checked; undefined when they are not a mark (another writer's extension of that name). */
export function parseMark(ext: Record<string, unknown>): OwnershipMark | undefined {
  const { project, stack, resource, onDelete, version } = ext;
  if (typeof project !== "string" || typeof stack !== "string" || typeof resource !== "string" || !project || !stack)
    return undefined;
  return {
    version: typeof version === "number" ? version : 1,
    project,
    stack,
    resource,
    onDelete: typeof onDelete === "string" && ON_DELETE.includes(onDelete) ? (onDelete as OnDelete) : "retain",
  };
}

/**
 * Whose guest a mark says this is, seen from the resource `self`:
 * - `self`: this very resource of this stack;
 * - `stack`: another resource of this stack (a renamed resource, or two declaring one address);
 * - `other`: another stack (or another project);
 * - `none`: no mark (invited by hand, by the portal, by a script, or by a version without marks).
 * Without `self` (this resource's identity is unknown) a mark is always `other`.
 */
export type MarkOwner = "self" | "stack" | "other" | "none";

export function markOwner(mark: OwnershipMark | undefined, self: ResourceIdentity | undefined): MarkOwner {
  if (!mark) return "none";
  if (!self || mark.project !== self.project || mark.stack !== self.stack) return "other";
  return mark.resource === self.name ? "self" : "stack";
}

/** A mark's owner as a reviewer reads it: `guests/prod (resource partners-kim@contoso.com)`. */
export function describeMark(mark: OwnershipMark): string {
  return `${mark.project}/${mark.stack} (resource ${mark.resource})`;
}

/** The properties of a mark to PATCH so that it says `self` and `onDelete`; empty when it does already. */
export function markChanges(mark: OwnershipMark, self: ResourceIdentity, onDelete: OnDelete): Record<string, unknown> {
  const want = markData(self, onDelete);
  const have: Record<string, unknown> = {
    version: mark.version,
    project: mark.project,
    stack: mark.stack,
    resource: mark.resource,
    onDelete: mark.onDelete,
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(want)) if (k !== "version" && have[k] !== v) out[k] = v;
  return out;
}
