/**
 * How a replacement keeps the user. The engine gives `create` only the new inputs, so the old user
 * id travels through this process-wide registry, which old and new versions of this package share
 * (`globalThis[Symbol.for(...)]`, a versioned shape that only grows).
 *
 * - `check(olds, news)` runs only for resources the program declares (never for one leaving the
 *   stack; refresh does not call it). The registry files `news` under the fingerprint of the old
 *   inputs `olds` (empty on a create), and under the guest's address.
 * - `delete(id, props)` is the first half of a replacement when the program declares this guest:
 *   its old inputs were checked as `olds` (an email or `triggers` change), or an input set with the
 *   same address passed check (`pulumi up --replace`: measured with the CLI 3.276, the engine then
 *   calls neither `diff` nor `check` with the old inputs, only `check({}, news)`). The user is kept
 *   and a pending reset is filed under the new inputs' fingerprint, unless the new inputs name
 *   another user with `invitedUser` (`switchesUser`). Any other delete follows the `onDelete` policy.
 * - `create(news)` finds the pending reset and resets the redemption of that same user.
 */
import { fingerprint, inputsOf, switchesUser } from "./plan";
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
  /** Fingerprint of old inputs the program re-registered in this process → their new checked inputs. */
  declared: Map<string, Partial<CheckedInputs>>;
  /** Guest address → the checked inputs the program declares for it in this process. */
  byEmail: Map<string, Partial<CheckedInputs>>;
  /** Fingerprint of new inputs → the reset a replacement's delete half filed for them. */
  pendingResets: Map<string, PendingReset>;
}

const KEY = Symbol.for("pulumi-entra-invitation.lifecycle.v1");

export function lifecycleRegistry(): LifecycleRegistryV1 {
  const g = globalThis as unknown as Record<symbol, LifecycleRegistryV1 | undefined>;
  return (g[KEY] ??= { declared: new Map(), byEmail: new Map(), pendingResets: new Map() });
}

/** At check: the program declares a resource whose old inputs were `olds` (empty on create). */
export function noteChecked(olds: Record<string, unknown>, news: Record<string, unknown>, reg = lifecycleRegistry()): void {
  const email = (news as Partial<CheckedInputs>).invitedUserEmailAddress;
  if (typeof email === "string") reg.byEmail.set(email, news as Partial<CheckedInputs>);
  if (Object.keys(inputsOf(olds)).length === 0) return;
  reg.declared.set(fingerprint(olds), news as Partial<CheckedInputs>);
}

/**
 * At delete: is this the delete half of a replacement? Then file the pending reset and return it.
 * A replacement that switches users returns its new inputs without a pending reset (the old user
 * leaves by its onDelete).
 */
export function claimReplacement(id: string, props: Partial<InvitationOutputs>, reg = lifecycleRegistry()): { news: Partial<CheckedInputs>; pending?: PendingReset } | undefined {
  const key = fingerprint(props as Record<string, unknown>);
  const email = props.invitedUserEmailAddress;
  const news = reg.declared.get(key) ?? (email !== undefined ? reg.byEmail.get(email) : undefined);
  if (!news) return undefined;
  reg.declared.delete(key);
  if (email !== undefined) reg.byEmail.delete(email);
  // `invitedUser` now names another user: not a reset of this one, which leaves the stack.
  if (switchesUser(id, news)) return { news };
  const pending: PendingReset = { userId: id, olds: props, mailPatched: false };
  reg.pendingResets.set(fingerprint(news as Record<string, unknown>), pending);
  return { news, pending };
}

/** At create: the pending reset for these inputs, if a replacement's delete filed one. */
export function takePendingReset(inputs: Record<string, unknown>, reg = lifecycleRegistry()): PendingReset | undefined {
  const key = fingerprint(inputs);
  const p = reg.pendingResets.get(key);
  if (p) reg.pendingResets.delete(key);
  return p;
}

/** Forget everything (tests: each test is its own "deployment"). */
export function resetLifecycleRegistry(): void {
  const reg = lifecycleRegistry();
  reg.declared.clear();
  reg.byEmail.clear();
  reg.pendingResets.clear();
}
