/**
 * How a replacement keeps the user. The engine gives `create` only the new inputs, so the old user
 * id travels through this process-wide registry, which old and new versions of this package share
 * (`globalThis[Symbol.for(...)]`, a versioned shape that only grows).
 *
 * - `check` records the fingerprint of every input set the program registered in this process.
 * - `diff(id, olds, news)` against such inputs records that `id` belongs to a resource the program
 *   still declares. (Refresh also calls diff, with the old inputs, which did not pass `check` here
 *   when the resource left the program; so refresh alone never marks an id.)
 * - `delete(id)` of a marked id is the first half of a replacement: the user is kept, and a pending
 *   reset is filed under the new inputs' fingerprint.
 * - `create(news)` finds the pending reset and resets the redemption of that same user.
 */
import { fingerprint } from "./plan";
import type { CheckedInputs, InvitationOutputs } from "./types";

export interface PendingReset {
  /** The user being reset. */
  userId: string;
  /** The state the old resource had. */
  olds: Partial<InvitationOutputs>;
  /** `mail` was already set to the new address by the delete half. */
  mailPatched: boolean;
}

/** Version 1 of the shared registry. Add fields only; never change their meaning. */
export interface LifecycleRegistryV1 {
  checked: Set<string>;
  diffed: Map<string, { news: Partial<CheckedInputs>; olds: Partial<InvitationOutputs> }>;
  pendingResets: Map<string, PendingReset>;
}

const KEY = Symbol.for("pulumi-entra-invitation.lifecycle.v1");

export function lifecycleRegistry(): LifecycleRegistryV1 {
  const g = globalThis as unknown as Record<symbol, LifecycleRegistryV1 | undefined>;
  return (g[KEY] ??= { checked: new Set(), diffed: new Map(), pendingResets: new Map() });
}

export function noteChecked(inputs: Record<string, unknown>, reg = lifecycleRegistry()): void {
  reg.checked.add(fingerprint(inputs));
}

export function noteDiffed(id: string, olds: Partial<InvitationOutputs>, news: Record<string, unknown>, reg = lifecycleRegistry()): void {
  if (reg.checked.has(fingerprint(news))) reg.diffed.set(id, { news: news as Partial<CheckedInputs>, olds });
}

/** At delete: is this the delete half of a replacement? Then file the pending reset and return it. */
export function claimReplacement(id: string, reg = lifecycleRegistry()): { news: Partial<CheckedInputs>; pending: PendingReset } | undefined {
  const d = reg.diffed.get(id);
  if (!d) return undefined;
  reg.diffed.delete(id);
  const pending: PendingReset = { userId: id, olds: d.olds, mailPatched: false };
  reg.pendingResets.set(fingerprint(d.news as Record<string, unknown>), pending);
  return { news: d.news, pending };
}

/** At create: the pending reset for these inputs, if a replacement's delete filed one. */
export function takePendingReset(inputs: Record<string, unknown>, reg = lifecycleRegistry()): PendingReset | undefined {
  const key = fingerprint(inputs);
  const p = reg.pendingResets.get(key);
  if (p) reg.pendingResets.delete(key);
  return p;
}
