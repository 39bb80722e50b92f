/**
 * WHERE A REPLACEMENT IS DECIDED. A replacement of an `Invitation` is a redemption reset of the same
 * user, which the engine spreads over four calls: `check`, `diff`, `delete` (delete before replace),
 * then `create`. This file is that protocol as one unit: its state diagram (the two tables below),
 * the registry that carries the state from call to call, and one pure transition per engine call
 * (`onCheck`, `onDiff`, `onDelete`, `onCreate`). Each transition
 * reads and moves the registry it is given (in place: a copy per call would cost a list of thousands
 * of guests quadratic time) and returns what the runtime must do; none does I/O. `runtime.ts` only
 * carries the actions out against Graph. The reset itself (whom, whether the address must be put on
 * the user first, convert or reset) is `planReset`, also here. Tests: test/provider/replacement.test.ts.
 *
 * ## States (per guest) and what the registry carries in each
 *
 * | state       | held in the registry as                                                                  |
 * |-------------|------------------------------------------------------------------------------------------|
 * | (none)      | nothing                                                                                  |
 * | declared    | `byEmail[address] = news`, and `declared[fingerprint(olds)] = news` when olds were given |
 * | announced   | declared, and the resource id in `announced`                                             |
 * | pending     | `pendingResets[fingerprint(news)] = { userId, olds, mailPatched }`                       |
 *
 * ## Transitions: engine call → next state, and what the runtime does
 *
 * | from               | engine call                                                    | to          | action                                                             |
 * |--------------------|----------------------------------------------------------------|-------------|--------------------------------------------------------------------|
 * | (none)             | `check(olds, news)`, old inputs given                          | declared    | `update`: nothing to say                                           |
 * | (none)             | `check({}, news)`                                              | declared    | `preview-create`: look the address up for the preview line         |
 * | declared           | `check({}, news)` of declared inputs (the engine re-checks)    | declared    | `replacement-recheck`: not a create, no lookup                     |
 * | declared           | `diff(id, olds, news)` that replaces, inputs checked here      | announced   | `announce`: the preview line, with the user reset (`ResetTarget`)  |
 * | announced          | `delete(id, olds)`, same user                                  | pending     | `keep-user` (guard, PATCH mail)                                    |
 * | declared           | `delete(id, olds)`, same user (`up --replace`: no diff)        | pending     | `keep-user` + `announce` (cause `requested` if no input changed)   |
 * | declared/announced | `delete(id, olds)`, `invitedUser` names another user           | (none)      | `delete-by-policy` (+ `guardNext`: the user the create will reset) |
 * | (none)             | `delete(id, olds)` (destroy, or the guest left the program)    | (none)      | `delete-by-policy`                                                 |
 * | pending            | `create(news)`                                                 | (none)      | `reset` that user; gone: on to the fresh create below              |
 * | (none)             | `create(news)`                                                 | (none)      | `reset` `invitedUser` (with `resetRedemption`), else `look-up`     |
 *
 * Not a replacement, and not in this registry: a delete of a user that another declared resource
 * holds (a key rename, a move between a GuestList's forms) is skipped before `onDelete` is asked;
 * who holds which user is src/provider/holders.ts.
 *
 * What each engine call brings, and why the registry is needed: `check(olds, news)` runs only for
 * resources the program declares (never for one leaving the stack; refresh does not call it), so a
 * delete whose old inputs were checked (or whose address was checked: `pulumi up --replace` calls
 * only `check({}, news)`, measured with the CLI 3.276) is the first half of a replacement. `create`
 * gets only the new inputs: the user to reset travels from `delete` under the new inputs' fingerprint.
 *
 * ## The carrier: one process-wide registry
 *
 * {@link lifecycleRegistry}: `globalThis[Symbol.for("pulumi-entra-invitation.lifecycle.v1")]`, shared
 * by every copy of this package loaded in one plugin process (state written by a linked package holds
 * the provider by value and runs beside the installed version: diff may run in one copy and delete in
 * the other). Its shape only grows: fields added after the first release are optional and made by
 * whoever needs them first; a changed meaning takes a new key (`.v2`) while `.v1` is still served.
 * Listed in docs/compatibility.md. No better carrier exists: the engine passes nothing from a delete
 * to the create that follows it.
 */
import {
  deletePolicy,
  fingerprint,
  FoundUser,
  inputsOf,
  invitationBody,
  isInvitedGuest,
  planDiff,
  refuseConversion,
  ReplaceCause,
  switchesUser,
  userPatch,
} from "./plan";
import type { GraphUser, InvitationRequest } from "../graph/types";
import type { CheckedInputs, InvitationOutputs, OnDelete } from "./types";
import { PROCESS_KEYS, processWide } from "../sdk";

export interface PendingReset {
  /** The user being reset. */
  userId: string;
  /** The state the old resource had. */
  olds: Partial<InvitationOutputs>;
  /** `mail` was already set to the new address by the delete half. */
  mailPatched: boolean;
}

/** Version 1 of the shared registry. Add fields only (optional: an older copy may have made the object); never change their meaning. */
export interface LifecycleRegistryV1 {
  /** Fingerprint of old inputs the program re-registered in this process → their new checked inputs. */
  declared: Map<string, Partial<CheckedInputs>>;
  /** Guest address → the checked inputs the program declares for it in this process. */
  byEmail: Map<string, Partial<CheckedInputs>>;
  /** Fingerprint of new inputs → the reset a replacement's delete half filed for them. */
  pendingResets: Map<string, PendingReset>;
  /** Resource ids whose replacement a diff announced (the delete then says nothing more). Since issue 19. */
  announced?: Set<string>;
}

/** The registry's key: the package and the registry's version. */
export const LIFECYCLE_KEY = Symbol.for(PROCESS_KEYS.lifecycle);

export function lifecycleRegistry(): LifecycleRegistryV1 {
  return processWide<LifecycleRegistryV1>("lifecycle", () => ({
    declared: new Map(),
    byEmail: new Map(),
    pendingResets: new Map(),
  }));
}

const announcedIn = (reg: LifecycleRegistryV1): Set<string> => (reg.announced ??= new Set());

/** Forget everything (tests: each test is its own "deployment"). */
export function resetLifecycleRegistry(): void {
  const reg = lifecycleRegistry();
  reg.declared.clear();
  reg.byEmail.clear();
  reg.pendingResets.clear();
  reg.announced?.clear();
}

// ---------------------------------------------------------------------------------------------
// check

/**
 * What `check` leads to: `preview-create` (a create: the runtime looks the address up to say in the
 * preview when it will not invite), `replacement-recheck` (the engine re-checks the create half of a
 * replacement with no old inputs: not a create), `update` (old inputs: nothing to announce here).
 */
export type CheckAction = { kind: "preview-create" } | { kind: "replacement-recheck" } | { kind: "update" };

/** check(olds, news) of inputs that passed validation: the program declares `news` (old inputs `olds`, empty on a create). */
export function onCheck(
  olds: Record<string, unknown>,
  news: Partial<CheckedInputs>,
  reg = lifecycleRegistry(),
): CheckAction {
  const email = news.invitedUserEmailAddress;
  if (typeof email === "string") reg.byEmail.set(email, news);
  if (Object.keys(inputsOf(olds)).length !== 0) reg.declared.set(fingerprint(olds), news);
  if (olds.invitedUserEmailAddress !== undefined) return { kind: "update" };
  const fp = fingerprint(news as Record<string, unknown>);
  if ([...reg.declared.values()].some((v) => fingerprint(v as Record<string, unknown>) === fp))
    return { kind: "replacement-recheck" };
  return { kind: "preview-create" };
}

// ---------------------------------------------------------------------------------------------
// diff

/**
 * The user a replacement resets, for its preview line: this one, or the one a switching
 * `invitedUser` names with `resetRedemption` (none when it is taken as it is). `read`: whether the
 * runtime must read it to tell an internal user (false: the state says it is an invited guest).
 */
export interface ResetTarget {
  userId: string;
  read: boolean;
}

/**
 * The state says the user is an invited guest: it has a redemption state (`externalUserState`), as
 * Graph gave it at the last create, update or refresh. A user with none may be an internal user
 * (taken over with invitedUser): only then is it read before a replacement.
 */
export function stateSaysGuest(state: Partial<InvitationOutputs>): boolean {
  return state.externalUserState !== undefined && state.externalUserState !== null;
}

export function resetTargetOf(
  id: string,
  olds: Partial<InvitationOutputs>,
  news: Partial<CheckedInputs>,
): ResetTarget | undefined {
  const switching = switchesUser(id, news);
  const userId = switching ? (news.resetRedemption ? news.invitedUser : undefined) : id;
  if (!userId) return undefined;
  return { userId, read: switching || !stateSaysGuest(olds) };
}

/** These checked inputs passed `check` in this process (not the old inputs a refresh diffs against). */
export function checkedHere(news: Partial<CheckedInputs>, reg = lifecycleRegistry()): boolean {
  const seen = news.invitedUserEmailAddress === undefined ? undefined : reg.byEmail.get(news.invitedUserEmailAddress);
  return (
    seen !== undefined && fingerprint(seen as Record<string, unknown>) === fingerprint(news as Record<string, unknown>)
  );
}

/**
 * What `diff` leads to. `checkedHere`: the inputs passed check in this process (a preview or an up,
 * not a refresh: only then does a diff say anything). `announce`: say now that the replacement is a
 * redemption reset (the engine shows `+- replace`), with its causes and the user it resets.
 */
export interface DiffAction {
  checkedHere: boolean;
  announce?: { causes: ReplaceCause[]; target?: ResetTarget };
}

/** diff(id, olds = state, news = checked inputs) whose `planDiff` found the inputs `replaces`. */
export function onDiff(
  id: string,
  olds: Partial<InvitationOutputs>,
  news: Partial<CheckedInputs>,
  replaces: readonly string[],
  reg = lifecycleRegistry(),
): DiffAction {
  const checked = checkedHere(news, reg);
  if (!replaces.length || !checked) return { checkedHere: checked };
  announcedIn(reg).add(id);
  return {
    checkedHere: checked,
    announce: { causes: replaces as ReplaceCause[], target: resetTargetOf(id, olds, news) },
  };
}

// ---------------------------------------------------------------------------------------------
// delete

/**
 * What `delete` does:
 * - `keep-user`: the first half of a replacement: the user stays; refuse first (`guard`) when the
 *   state does not say it is an invited guest; say the replacement (`announce`, its causes) when no
 *   diff did (`pulumi up --replace`); put the new address on the user (`mail`), so that a run that
 *   dies before the create finds this user by it; the pending reset is filed (`pending`: set its
 *   `mailPatched` once the PATCH is done);
 * - `delete-by-policy`: a real delete, or a replacement that moves to another user (`guardNext`: the
 *   user the create will reset, refused before the old one leaves when it is an internal user).
 */
export type DeleteAction =
  | {
      kind: "keep-user";
      userId: string;
      news: Partial<CheckedInputs>;
      pending: PendingReset;
      guard: boolean;
      announce?: ReplaceCause[];
      mail?: string;
    }
  | { kind: "delete-by-policy"; policy: OnDelete; guardNext?: { userId: string; news: Partial<CheckedInputs> } };

/** delete(id, props = state). */
export function onDelete(id: string, props: Partial<InvitationOutputs>, reg = lifecycleRegistry()): DeleteAction {
  const wasAnnounced = announcedIn(reg).delete(id);
  const key = fingerprint(props as Record<string, unknown>);
  const email = props.invitedUserEmailAddress;
  const news = reg.declared.get(key) ?? (email !== undefined ? reg.byEmail.get(email) : undefined);
  if (!news) return { kind: "delete-by-policy", policy: deletePolicy(props) };
  reg.declared.delete(key);
  if (email !== undefined) reg.byEmail.delete(email);
  // `invitedUser` now names another user: not a reset of this one, which leaves the stack.
  if (switchesUser(id, news)) {
    const next = news.invitedUser;
    return {
      kind: "delete-by-policy",
      policy: deletePolicy(props),
      ...(next && news.resetRedemption ? { guardNext: { userId: next, news } } : {}),
    };
  }
  const pending: PendingReset = { userId: id, olds: props, mailPatched: false };
  reg.pendingResets.set(fingerprint(news as Record<string, unknown>), pending);
  const causes = wasAnnounced ? undefined : (planDiff(props, news).replaces as ReplaceCause[]);
  const mail = news.invitedUserEmailAddress;
  return {
    kind: "keep-user",
    userId: id,
    news,
    pending,
    guard: !stateSaysGuest(props),
    ...(causes ? { announce: causes.length ? causes : (["requested"] as ReplaceCause[]) } : {}),
    ...(mail && mail !== props.invitedUserEmailAddress ? { mail } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// create

/**
 * What `create` does first: `reset` a user (the pending reset of a replacement, or the user
 * `invitedUser` names with `resetRedemption`), and if that user is gone, say `goneWarning` and go on
 * with `whenGone`; `refuse` with `message`; or `look-up` the address (then `planCreate` decides).
 */
export type CreateAction =
  | {
      kind: "reset";
      userId: string;
      olds: Partial<InvitationOutputs>;
      mailPatched: boolean;
      goneWarning?: string;
      whenGone: CreateAction;
    }
  | { kind: "refuse"; message: string }
  | { kind: "look-up" };

/** create(news): takes the pending reset filed for these inputs, if a replacement's delete filed one. */
export function onCreate(news: Partial<CheckedInputs>, reg = lifecycleRegistry()): CreateAction {
  const key = fingerprint(news as Record<string, unknown>);
  const pending = reg.pendingResets.get(key);
  const fresh = freshCreate(news);
  if (!pending) return fresh;
  reg.pendingResets.delete(key);
  return {
    kind: "reset",
    userId: pending.userId,
    olds: pending.olds,
    mailPatched: pending.mailPatched,
    goneWarning: `user ${pending.userId} was gone before its redemption could be reset; inviting ${news.invitedUserEmailAddress} afresh.`,
    whenGone: fresh,
  };
}

/** A create that is no replacement's second half: reset `invitedUser` with `resetRedemption`, else look the address up. */
function freshCreate(news: Partial<CheckedInputs>): CreateAction {
  if (!(news.invitedUser && news.resetRedemption)) return { kind: "look-up" };
  return {
    kind: "reset",
    userId: news.invitedUser,
    olds: { adopted: true },
    mailPatched: false,
    whenGone: {
      kind: "refuse",
      message: `invitedUser ${news.invitedUser} does not exist: check the object id, or leave out invitedUser and resetRedemption to invite ${news.invitedUserEmailAddress} as a new guest.`,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// the reset

/**
 * A redemption reset of `userId` (read as `user`), for `inputs`:
 * - `refuse`: the user is not an invited guest and the program did not opt in (`convertInternalUserToB2b`);
 * - `invite`: `patchMail` first when the new address is on neither `mail` nor `otherMails` (Graph
 *   rejects such a reset) and the delete half did not put it there; then `body`. An internal user the
 *   program opted in to convert (`convert`) gets the documented conversion, an invitation naming it
 *   with `invitedUser` and no `resetRedemption` (which applies to invited guests only:
 *   invite-internal-users). Afterwards `patch` (the user properties that changed; the invitation set
 *   the type). `adopted` carries over from the old state.
 */
export type ResetPlan =
  | { kind: "refuse"; message: string }
  | {
      kind: "invite";
      convert: boolean;
      patchMail: boolean;
      body: InvitationRequest;
      patch: Partial<GraphUser>;
      adopted: boolean;
    };

export function planReset(r: {
  userId: string;
  user: FoundUser;
  inputs: CheckedInputs;
  olds: Partial<InvitationOutputs>;
  mailPatched: boolean;
}): ResetPlan {
  const { userId, user, inputs, olds } = r;
  const refusal = refuseConversion(user, inputs, "the redemption reset");
  if (refusal) return { kind: "refuse", message: refusal };
  const convert = !isInvitedGuest(user);
  const has = [user.mail, ...(user.otherMails ?? [])].some((m) => m?.toLowerCase() === inputs.invitedUserEmailAddress);
  const patch = userPatch(olds, inputs);
  delete patch.userType; // the invitation sets it
  return {
    kind: "invite",
    convert,
    patchMail: !has && !r.mailPatched,
    body: invitationBody(inputs, { userId, reset: !convert }),
    patch,
    adopted: olds.adopted ?? false,
  };
}
