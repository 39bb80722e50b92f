/**
 * Which declared resource holds which user, in this plugin process: the one registry that keeps a
 * delete from removing a user another resource of the stack now manages.
 *
 * The engine checks and diffs every declared resource before it deletes the undeclared ones (the
 * deletes come last, in the same plugin process; measured with the CLI 3.276 by the conversion test
 * test/e2e/guest-shards.e2e.test.ts). So:
 * - `diff` of an `Invitation` records its user (unless the diff switches users), `diff` of a guest
 *   shard records the user of each guest still declared in it;
 * - `create` records the user it invited or took over (a key rename, a move between the forms);
 * - `delete` skips a user held by *another* holder ("held by ..., not deleted").
 * A rerun after a crash between the creates and the deletes is a fresh process: the resources the
 * first run created are declared and in state, so their diffs record them again before the deletes.
 * Last writer wins: the engine's order (refresh, then check/diff/create of the declared, then the
 * deletes) leaves the declared resource as the holder.
 *
 * Shared by every version of this package loaded in the process (`processWide("holders")` of
 * src/sdk.ts, listed in docs/compatibility.md).
 */
import { processWide } from "../sdk";
import type { ResourceIdentity } from "../names";
import type { MarkOwner } from "./mark";

/** Who holds a user. */
export interface Holder {
  /** Unique per resource and guest: `invitation:<user id>` (an Invitation's diff or delete), its URN (its create), `shard:<list>:<shard>/<guest>`. */
  key: string;
  /** How a line names it: `the Invitation guests-kim`, `guest kim of the shard guests-shards-3of16`. */
  label: string;
  /** A create that took the user over by its mark from another resource of the stack (a key rename). */
  rename?: boolean;
}

function registry(): Map<string, Holder> {
  return processWide<Map<string, Holder>>("holders", () => new Map());
}

/** The holder key of an `Invitation` in its diff and delete (which get no URN): its user id. */
export function invitationHolder(userId: string): string {
  return `invitation:${userId.toLowerCase()}`;
}

/**
 * Who holds a user a create took over by its mark (`planCreate`'s "take", by the mark's owner): a
 * user marked by another resource of this stack is handed over from it (a key rename: that
 * resource's delete keeps it); one this very resource marked (a rerun, or the same guest in the
 * other form of its list) is held as this Invitation's. Undefined: nobody new holds it. Pure.
 */
export function takeoverHolder(
  owner: MarkOwner | undefined,
  userId: string,
  self?: ResourceIdentity,
  urn?: string,
): Holder | undefined {
  if (owner === "stack")
    return { key: urn ?? `rename:${userId.toLowerCase()}`, label: self?.name ?? "the new key", rename: true };
  if (owner === "self") return { key: invitationHolder(userId), label: `the Invitation ${self?.name ?? userId}` };
  return undefined;
}

/** `holder` now holds `userId`. */
export function hold(userId: string, holder: Holder): void {
  registry().set(userId.toLowerCase(), holder);
}

/** The holder of `userId` when it is not `self` (another resource holds it); undefined otherwise. */
export function heldByOther(userId: string, self: string): Holder | undefined {
  const h = registry().get(userId.toLowerCase());
  return h && h.key !== self ? h : undefined;
}

/** Forget every holder (tests: each test is a plugin process of its own). */
export function resetHolders(): void {
  registry().clear();
}
