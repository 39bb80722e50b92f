/**
 * Lifecycle decisions as pure functions: inputs and state in, a plan out. The runtime carries the
 * plans out against Graph; these functions never do I/O. A replacement (a redemption reset spread
 * over check, diff, delete and create) is decided in replacement.ts, which uses these.
 */
import type { GraphUser, InvitationRequest, InvitationResponse } from "../graph/types";
import {
  describeMark,
  isMark,
  markChanges,
  MarkOwner,
  markOwner,
  OwnershipMark,
  readMark,
  ResourceIdentity,
  wholeMark,
} from "./mark";
import { reminderDue } from "./reminders";
import { oneLine } from "../util/text";
import {
  CheckedInputs,
  INPUT_KEYS,
  INVITATION_ONLY_KEYS,
  InvitationOutputs,
  OnDelete,
  REPLACE_KEYS,
  UNKNOWN,
  USER_PROPERTY_KEYS,
  UserProperties,
} from "./types";

/** Canonical JSON: object keys sorted, undefined dropped. Equal values give equal strings. */
export function canonical(v: unknown): string {
  if (v === undefined) return "undefined";
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? "null" : canonical(x))).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(",")}}`;
}

/** The inputs alone (no `__provider`, no outputs), for fingerprints and comparisons. */
export function inputsOf(props: Partial<CheckedInputs> & Record<string, unknown>): Partial<CheckedInputs> {
  const out: Record<string, unknown> = {};
  for (const k of INPUT_KEYS) if (props[k] !== undefined) out[k] = props[k];
  return out as Partial<CheckedInputs>;
}

/** A stable identity of a set of checked inputs. */
export function fingerprint(props: Record<string, unknown>): string {
  return canonical(inputsOf(props));
}

export interface DiffPlan {
  changes: boolean;
  /** Changed inputs that force a replacement (a redemption reset of the same user). */
  replaces: string[];
  /** Every changed input. */
  changed: string[];
  stables: string[];
  deleteBeforeReplace: true;
  /** A refresh found a reminder due (`reminderDue` in state) and the program still asks for reminders: an update re-issues the invitation. */
  remind: boolean;
  /** A refresh found the user in the recycle bin (`inRecycleBin` in state): the update restores it. */
  restore: boolean;
}

/** diff(olds = state, news = checked inputs). */
export function planDiff(olds: Partial<InvitationOutputs>, news: Partial<CheckedInputs>): DiffPlan {
  const changed: string[] = [];
  for (const k of INPUT_KEYS) {
    if (canonical(olds[k]) !== canonical(news[k])) changed.push(k);
  }
  // Older state may lack defaults; a missing default is not a change.
  const effective = changed.filter(
    (k) =>
      !(k === "invitedUserType" && (olds[k] ?? "Guest") === (news[k] ?? "Guest")) &&
      !(k === "sendInvitationMessage" && !olds[k] && !news[k]),
  );
  // `invitedUser` forces a replacement only when it may name another user than the one managed: set
  // to that very user, or left out (the resource keeps its user), it is recorded and nothing is sent.
  const replaces = effective.filter(
    (k) => (REPLACE_KEYS as readonly string[]).includes(k) && !(k === "invitedUser" && keepsUser(olds, news)),
  );
  const remind = olds.reminderDue !== undefined && news.remindAfterDays !== undefined;
  return {
    remind,
    restore: olds.inRecycleBin === true,
    changes: effective.length > 0 || remind || olds.inRecycleBin === true,
    replaces,
    changed: effective,
    stables: replaces.length ? [] : ["userId"],
    deleteBeforeReplace: true,
  };
}

/**
 * Why a replacement happens: a changed input that forces it, or `requested` (the engine replaces
 * without such a change: `pulumi up --replace`, `replaceOnChanges`).
 */
export type ReplaceCause = (typeof REPLACE_KEYS)[number] | "requested";

/**
 * A replacement that points the resource at another user: `invitedUser` names a user other than the
 * one it manages (`userId`). That is not a redemption reset of the same user: the old user leaves
 * the stack by its `onDelete`, and the create takes over the new one (reset with `resetRedemption`).
 * An `invitedUser` not known until the update is not counted (the delete half, where it is known,
 * decides).
 */
export function switchesUser(userId: string, news: Partial<CheckedInputs>): boolean {
  const next = news.invitedUser;
  return next !== undefined && next !== UNKNOWN && next.toLowerCase() !== userId.toLowerCase();
}

/** An `invitedUser` change that leaves the resource on its user: removed, or set to that user's id. */
function keepsUser(olds: Partial<InvitationOutputs>, news: Partial<CheckedInputs>): boolean {
  return olds.userId !== undefined && news.invitedUser !== UNKNOWN && !switchesUser(olds.userId, news);
}

/** A user object id as a reviewer needs it: the first group of the GUID. */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}\u2026` : id;
}

/** One line of a diagnostic: control characters (a line break would split it) shown as `?`, never cut. */
const line = (s: string): string => oneLine(s, Infinity, false);

/**
 * The line a preview shows for a replacement, which the engine displays as `+- replace` but which
 * resets the redemption of the same user. Names the guest, the cause and the user, e.g.
 * `kim@contoso.com: email change to kim@fabrikam.com → redemption reset of the same user 467a1b2c… (not deleted)`.
 * Never shows `triggers` values, redeem URLs or other outputs.
 */
export function replacementNotice(
  userId: string,
  olds: Partial<InvitationOutputs>,
  news: Partial<CheckedInputs>,
  causes: readonly ReplaceCause[],
  target?: { member: boolean },
): string {
  return line(noticeText(userId, olds, news, causes) + conversionNote(userId, news, target));
}

/** What the preview line adds when the user a replacement resets is an internal user (`target.member`). */
function conversionNote(userId: string, news: Partial<CheckedInputs>, target: { member: boolean } | undefined): string {
  if (!target?.member) return "";
  const who = shortId(switchesUser(userId, news) ? news.invitedUser! : userId);
  return news.convertInternalUserToB2b === true
    ? `; converts member ${who} to B2B, one way (${CONVERT_OPT_IN})`
    : `; refused: ${who} is an internal user, not an invited guest (a reset converts it to B2B, one way): set ${CONVERT_OPT_IN}: true to allow it`;
}

function noticeText(
  userId: string,
  olds: Partial<InvitationOutputs>,
  news: Partial<CheckedInputs>,
  causes: readonly ReplaceCause[],
): string {
  const show = (v: string | undefined) => (v === undefined || v === UNKNOWN ? "[unknown]" : v);
  const address = olds.invitedUserEmailAddress ?? news.invitedUserEmailAddress;
  const guest = address === undefined ? "guest" : show(address);
  const old = shortId(userId);
  const leaves = `${old} leaves the stack by its onDelete (${deletePolicy(olds)})`;
  if (switchesUser(userId, news)) {
    const next = shortId(news.invitedUser!);
    return `${guest}: invitedUser change to ${next} \u2192 another user: ${next} is taken over ${news.resetRedemption ? "and its redemption reset" : "as it is (no invitation)"}; the old user ${leaves}`;
  }
  if (causes.includes("invitedUser") && news.invitedUser === UNKNOWN) {
    return `${guest}: invitedUser change to [unknown] \u2192 decided in the update: the same user ${old} is reset; another user is taken over and ${leaves}`;
  }
  const reasons: string[] = [];
  for (const c of REPLACE_KEYS) {
    if (!causes.includes(c)) continue;
    if (c === "invitedUserEmailAddress") reasons.push(`email change to ${show(news.invitedUserEmailAddress)}`);
    else if (c === "invitedUser")
      reasons.push(`invitedUser change to ${news.invitedUser === undefined ? "none" : shortId(news.invitedUser)}`);
    else reasons.push("triggers change");
  }
  if (!reasons.length) reasons.push("replace requested");
  return `${guest}: ${reasons.join(", ")} \u2192 redemption reset of the same user ${old} (not deleted)`;
}

/** The user properties a PATCH sets so that the user matches `news` (only what changed, null clears). */
export function userPatch(olds: Partial<CheckedInputs>, news: Partial<CheckedInputs>): Partial<GraphUser> {
  const patch: Record<string, unknown> = {};
  if (news.invitedUserDisplayName !== undefined && news.invitedUserDisplayName !== olds.invitedUserDisplayName)
    patch.displayName = news.invitedUserDisplayName;
  if ((news.invitedUserType ?? "Guest") !== (olds.invitedUserType ?? "Guest"))
    patch.userType = news.invitedUserType ?? "Guest";
  const before: UserProperties = olds.userProperties ?? {};
  const after: UserProperties = news.userProperties ?? {};
  for (const k of USER_PROPERTY_KEYS) {
    if (after[k] === before[k]) continue;
    // usageLocation is not nullable (user resource): removed from the program, it stops being managed.
    if (after[k] === undefined && !NULLABLE_PROPERTIES.has(k)) continue;
    patch[k] = after[k] ?? null;
  }
  return patch as Partial<GraphUser>;
}

/** User properties a PATCH may clear with null. `usageLocation` may not (user resource: "Not nullable"). */
const NULLABLE_PROPERTIES: ReadonlySet<string> = new Set(USER_PROPERTY_KEYS.filter((k) => k !== "usageLocation"));

export type UpdatePlan = {
  /** PATCH /users/{id} with this, when not empty. */
  patch: Partial<GraphUser>;
  /** Re-issue the invitation (no reset) when the guest has not redeemed yet. */
  reissueIfPending: boolean;
  /** The re-issue is a reminder (counted in `remindersSent`); absent otherwise. */
  reminder?: true;
};

/** update(olds = state, news = checked inputs): what to send. */
export function planUpdate(olds: Partial<InvitationOutputs>, news: Partial<CheckedInputs>): UpdatePlan {
  const { changed, remind } = planDiff(olds, news);
  return {
    patch: userPatch(olds, news),
    reissueIfPending: changed.some((k) => (INVITATION_ONLY_KEYS as readonly string[]).includes(k)) || remind,
    ...(remind ? { reminder: true as const } : {}),
  };
}

/**
 * The `POST /invitations` body for these inputs. `byAddress`: a re-issue to the address alone (a
 * reminder, a changed message): no `invitedUser`, which on a user who is not an invited guest is the
 * documented conversion to B2B (invite-internal-users) and is only needed for a reset.
 */
export function invitationBody(
  inputs: CheckedInputs,
  opts: { userId?: string; reset?: boolean; byAddress?: boolean } = {},
): InvitationRequest {
  const body: InvitationRequest = {
    invitedUserEmailAddress: inputs.invitedUserEmailAddress,
    inviteRedirectUrl: inputs.inviteRedirectUrl,
    invitedUserType: inputs.invitedUserType ?? "Guest",
    sendInvitationMessage: inputs.sendInvitationMessage ?? false,
  };
  if (inputs.invitedUserDisplayName) body.invitedUserDisplayName = inputs.invitedUserDisplayName;
  const info = inputs.invitedUserMessageInfo;
  if (info) {
    body.invitedUserMessageInfo = {};
    if (info.customizedMessageBody) body.invitedUserMessageInfo.customizedMessageBody = info.customizedMessageBody;
    if (info.messageLanguage) body.invitedUserMessageInfo.messageLanguage = info.messageLanguage;
    if (info.ccRecipients?.length)
      body.invitedUserMessageInfo.ccRecipients = info.ccRecipients.map((c) => ({
        emailAddress: c.name ? { address: c.address, name: c.name } : { address: c.address },
      }));
  }
  const userId = opts.byAddress ? undefined : (opts.userId ?? inputs.invitedUser);
  if (userId) body.invitedUser = { id: userId };
  if (opts.reset) body.resetRedemption = true;
  if (inputs.invitedUserSponsors?.length) body.invitedUserSponsors = inputs.invitedUserSponsors.map((id) => ({ id }));
  return body;
}

/**
 * The guest's `externalUserState` after an invitation whose `status` Graph returned. The invitation
 * resource defines four: `PendingAcceptance` (the guest has not redeemed), `Completed` (nothing to
 * redeem: the user had redeemed before), `InProgress` and `Error`. For any but `PendingAcceptance` a
 * user read after the invitation (`user`) says the state; without one, `Completed` is taken as
 * `Accepted` and `InProgress` is not known (null) until a refresh reads the user. `Error` is no state: {@link invitationFailure}.
 * No status at all (an older answer) is `PendingAcceptance`, as before.
 */
export function invitationState(
  status: string | undefined,
  user?: Pick<GraphUser, "externalUserState">,
): string | null {
  const s = status ?? "PendingAcceptance";
  if (s === "PendingAcceptance") return "PendingAcceptance";
  if (user && user.externalUserState !== undefined) return user.externalUserState;
  return s === "Completed" ? "Accepted" : null;
}

/** A refusal when Graph answered an invitation with `status: Error`; undefined otherwise. */
export function invitationFailure(
  res: Pick<InvitationResponse, "status" | "id" | "invitedUser">,
  address: string,
): string | undefined {
  if (res.status !== "Error") return undefined;
  return `the invitation of ${address} (invitation ${res.id}${res.invitedUser?.id ? `, user ${res.invitedUser.id}` : ""}) came back with status Error: nothing is recorded; check the address and the tenant's external collaboration settings (Entra admin center, External Identities), then run \`pulumi up\` again.`;
}

/** Two ISO times within `toleranceMs` of each other. */
export function closeTimes(a: string | null | undefined, b: string | null | undefined, toleranceMs = 5_000): boolean {
  if (!a || !b) return false;
  const d = Math.abs(Date.parse(a) - Date.parse(b));
  return Number.isFinite(d) && d <= toleranceMs;
}

/** A time as Graph writes it: ISO 8601 in UTC with whole seconds. */
export function graphTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** State after an invitation was issued. */
export function outputsFromInvitation(
  inputs: CheckedInputs,
  res: InvitationResponse,
  extra: { adopted: boolean; now: Date; user?: GraphUser; clock?: Date },
): InvitationOutputs {
  const userId = res.invitedUser?.id;
  if (!userId) throw new Error("Graph's invitation response names no invited user");
  const state = invitationState(res.status, extra.user);
  const pending = state === "PendingAcceptance";
  return {
    ...(inputsOf(inputs as unknown as Record<string, unknown>) as CheckedInputs),
    userId,
    inviteRedeemUrl: res.inviteRedeemUrl,
    invitationId: res.id,
    status: res.status,
    externalUserState: state,
    // Graph's form (whole seconds), so that a refresh right after does not show a change of format.
    externalUserStateChangeDateTime: pending
      ? graphTime(extra.now)
      : (extra.user?.externalUserStateChangeDateTime ?? null),
    adopted: extra.adopted,
    invitedAt: extra.now.toISOString(),
    ...(inputs.remindAfterDays !== undefined ? { lastInvitationAt: (extra.clock ?? extra.now).toISOString() } : {}),
  };
}

/**
 * read: the state and the inputs as the guest is now. Only what the program manages is read back
 * (a property the program leaves out stays out), so drift shows in the next preview as a change of
 * exactly that property.
 */
export function planRead(
  olds: InvitationOutputs,
  user: GraphUser,
  now?: Date,
): { props: InvitationOutputs; inputs: Partial<CheckedInputs> } {
  const props: InvitationOutputs = { ...olds };
  if (olds.invitedUserDisplayName !== undefined && user.displayName != null)
    props.invitedUserDisplayName = user.displayName;
  if (user.userType === "Guest" || user.userType === "Member") props.invitedUserType = user.userType;
  if (olds.userProperties) {
    const live: UserProperties = {};
    for (const k of Object.keys(olds.userProperties) as (keyof UserProperties)[]) {
      const v = user[k];
      if (v != null) live[k] = v;
    }
    props.userProperties = Object.keys(live).length ? live : undefined;
  }
  // The change time recorded at the invitation is our clock's estimate of Graph's stamp; while the
  // state is the same and the two agree within a few seconds, keep it, so a refresh shows no change.
  const sameState = (olds.externalUserState ?? null) === (user.externalUserState ?? null);
  props.externalUserState = user.externalUserState ?? null;
  props.externalUserStateChangeDateTime =
    sameState && closeTimes(olds.externalUserStateChangeDateTime, user.externalUserStateChangeDateTime)
      ? (olds.externalUserStateChangeDateTime ?? null)
      : (user.externalUserStateChangeDateTime ?? null);
  // A reminder due now is recorded (with why), so the next diff shows an update; otherwise none is.
  const due = now ? reminderDue(props, now) : undefined;
  if (due !== undefined) props.reminderDue = due;
  else delete props.reminderDue;
  delete props.inRecycleBin; // live again (restored by hand)
  return { props, inputs: inputsOf(props as unknown as Record<string, unknown>) };
}

/**
 * A refresh that finds the guest gone: `restore` when the user is in the recycle bin (the state keeps
 * it, marked `inRecycleBin`, and the next update restores the same user), else `re-invite` (it drops
 * out of state and the next create invites it afresh: a new user). `inBin` undefined: not known (no
 * permission to read deletedItems): as before, it drops out.
 */
export function planGone(
  olds: InvitationOutputs,
  inBin: boolean | undefined,
): { action: "restore"; props: InvitationOutputs } | { action: "re-invite" } {
  return inBin ? { action: "restore", props: { ...olds, inRecycleBin: true } } : { action: "re-invite" };
}

/** The preview's line for a guest a refresh found in the recycle bin (the engine shows `~ update`). */
export function restoreNotice(userId: string, olds: Partial<InvitationOutputs>): string {
  return line(
    `${olds.invitedUserEmailAddress ?? "guest"}: deleted out of band, in the recycle bin \u2192 restore from the recycle bin (same user ${shortId(userId)}, groups and app assignments kept; no invitation)`,
  );
}

/** The preview's line for a guest a refresh found gone for good (the engine shows `+ create`). */
export function reinviteNotice(address: string): string {
  return line(
    `${address}: deleted out of band, not in the recycle bin \u2192 re-invite (a new user and a new invitation)`,
  );
}

/** What delete does with the guest: the policy, with adopted guests retained unless told otherwise. */
export function deletePolicy(state: Partial<InvitationOutputs>): OnDelete {
  return state.onDelete ?? (state.adopted ? "retain" : "delete");
}

/** A user found before a create (by address or `invitedUser`), with its open extensions when read. */
export type FoundUser = GraphUser & { extensions?: Record<string, unknown>[] };

/**
 * What a create does:
 * - `invite`: nobody has the address: `POST /invitations`, then mark the new guest as this resource's;
 * - `take`: the user exists: no invitation, no email, no invitation budget — only the PATCHes that
 *   make the user what the program declares. `adopted` false when the user carries this stack's mark
 *   (a rerun after a crash or a lost state: the stack invited it and keeps applying `onDelete`),
 *   else true (retained on delete unless `onDelete` says otherwise). `warnings` name what a reviewer
 *   should know (another stack's mark, a disabled account);
 * - `refuse`: nothing is sent; `message` says why and what to do.
 */
export type CreatePlan =
  | { action: "invite" }
  | {
      action: "take";
      userId: string;
      adopted: boolean;
      owner: MarkOwner;
      mark?: OwnershipMark;
      patch: Partial<GraphUser>;
      markChanges: Record<string, unknown>;
      /** The mark's whole data to PATCH (its properties as read, with `markChanges`); undefined when nothing changes. */
      markWrite?: Record<string, unknown>;
      warnings: string[];
    }
  | { action: "refuse"; message: string };

/** The `onDelete` a guest this stack owns gets when the program does not say: delete. */
export function ownedOnDelete(inputs: Partial<CheckedInputs>): OnDelete {
  return inputs.onDelete ?? "delete";
}

/**
 * The PATCH that makes an existing user what the program declares: the display name if declared,
 * the user type, and the user properties the program sets (one it leaves out is left alone, as
 * refresh leaves it out). Empty when the user already matches.
 */
export function adoptionPatch(user: GraphUser, inputs: Partial<CheckedInputs>): Partial<GraphUser> {
  const patch: Record<string, unknown> = {};
  if (inputs.invitedUserDisplayName !== undefined && inputs.invitedUserDisplayName !== user.displayName)
    patch.displayName = inputs.invitedUserDisplayName;
  const type = inputs.invitedUserType ?? "Guest";
  if (type !== (user.userType === "Member" ? "Member" : "Guest")) patch.userType = type;
  const props: UserProperties = inputs.userProperties ?? {};
  for (const k of USER_PROPERTY_KEYS) {
    const v = props[k];
    if (v !== undefined && v !== (user[k] ?? undefined)) patch[k] = v;
  }
  return patch as Partial<GraphUser>;
}

/** Sponsors the program declares that the user does not have yet (ids lower case). */
export function sponsorsToAdd(declared: readonly string[] | undefined, existing: readonly string[]): string[] {
  const have = new Set(existing.map((s) => s.toLowerCase()));
  return (declared ?? []).map((s) => s.toLowerCase()).filter((s) => !have.has(s));
}

/**
 * An invited guest: a user who came in through B2B (`creationType` Invitation) or has a redemption
 * state (`externalUserState`). Only such a user is ever reset, re-invited or replaced by this package.
 */
export function isInvitedGuest(user: Pick<FoundUser, "creationType" | "externalUserState">): boolean {
  return user.creationType === "Invitation" || (user.externalUserState ?? null) !== null;
}

/** A member of the tenant (not a B2B guest): never invited, no redemption state. */
export function isTenantMember(user: FoundUser): boolean {
  return !isInvitedGuest(user);
}

/** The input that allows converting an internal user to B2B (a name nobody sets by accident). */
export const CONVERT_OPT_IN = "convertInternalUserToB2b";

/** A user as a reviewer recognises it: object id and, when read, its user principal name. */
export function describeUser(user: Pick<FoundUser, "id" | "userPrincipalName">): string {
  return user.userPrincipalName ? `${user.id} (${user.userPrincipalName})` : user.id;
}

/**
 * Before a reset, a replacement or a re-invite that names `user` with `invitedUser`: the refusal
 * when the user is not an invited guest and the program did not opt in. Such an invitation converts
 * an internal user to a B2B user once accepted, and "Invitation is one-way" (invite-internal-users).
 */
export function refuseConversion(user: FoundUser, inputs: Partial<CheckedInputs>, what: string): string | undefined {
  if (isInvitedGuest(user) || inputs.convertInternalUserToB2b === true) return undefined;
  return (
    `${what} of user ${describeUser(user)} refused before any change: it is an internal user of this tenant ` +
    `(creationType ${user.creationType ?? "none"}, userType ${user.userType ?? "unknown"}), not an invited guest, and an invitation naming it ` +
    `converts it to a B2B user when accepted; "Invitation is one-way" (invite-internal-users). Fix: name an invited guest with invitedUser, ` +
    `or leave out resetRedemption (the user is then managed as it is); to convert this user on purpose set ${CONVERT_OPT_IN}: true on this resource or guest-list entry.`
  );
}

/**
 * The user a lookup before a create means when several users hold the address. The rule: a user
 * carrying this stack's mark, then an invited guest over an internal user, then the oldest
 * (`createdDateTime`), then the lowest object id. With more than one match, a warning names them all.
 */
export function chooseMatch(
  users: readonly FoundUser[],
  address: string,
  self?: ResourceIdentity,
): { user?: FoundUser; warning?: string } {
  if (users.length <= 1) return { user: users[0] };
  const ours = (u: FoundUser): number => {
    const o = markOwner(readMark(u.extensions), self);
    return o === "self" || o === "stack" ? 1 : 0;
  };
  const created = (u: FoundUser): number => {
    const t = Date.parse(u.createdDateTime ?? "");
    return Number.isFinite(t) ? t : Number.MAX_SAFE_INTEGER;
  };
  const sorted = [...users].sort(
    (a, b) =>
      ours(b) - ours(a) ||
      Number(isInvitedGuest(b)) - Number(isInvitedGuest(a)) ||
      created(a) - created(b) ||
      a.id.localeCompare(b.id),
  );
  const user = sorted[0];
  const list = sorted.map((u) => `${describeUser(u)}${isInvitedGuest(u) ? "" : " [internal user]"}`).join(", ");
  return {
    user,
    warning: `${address} is held by ${users.length} users (${list}): using ${user.id} (rule: this stack's mark first, then an invited guest over an internal user, then the oldest). Remove the address from the others, or name the user with invitedUser.`,
  };
}

/**
 * After `POST /invitations` without `invitedUser` for an address the lookup found nobody for: why
 * the user Graph answered with existed before the request (the lookup missed it: replication lag, an
 * address only in `signInNames`, a narrowed lookup), or undefined for a user this invitation created.
 * Existed: the answer's status is not `PendingAcceptance` (a redeemed guest answers `Completed`), or
 * the user's `createdDateTime` is earlier than the request by more than `skewMs` (clocks differ).
 */
export function existedBefore(
  status: string | undefined,
  user: Pick<FoundUser, "createdDateTime"> | undefined,
  requestStart: Date,
  skewMs = 10_000,
): string | undefined {
  if (status !== undefined && status !== "PendingAcceptance")
    return `the invitation answered ${status}, not PendingAcceptance`;
  const created = Date.parse(user?.createdDateTime ?? "");
  if (Number.isFinite(created) && created < requestStart.getTime() - skewMs)
    return `it was created ${user!.createdDateTime}, before the invitation`;
  return undefined;
}

/**
 * After `POST /invitations` (no lookup match): adopt or own the user Graph answered with, and the
 * state (`outs`). `adopt` when it existed before the request ({@link existedBefore}): a warning, no
 * mark, retained when it leaves the stack unless onDelete says otherwise, and only the PATCH that
 * makes it what the program declares. Else `own`: a new guest (the invitation gave it name and type),
 * the user properties to PATCH, then this stack's mark with `onDelete`. `after`: the user read after
 * the invitation; `at`: when the request started, when its answer came (`now`), the package's clock.
 */
export type AfterInvitePlan =
  | { kind: "adopt"; outs: InvitationOutputs; warning: string; patch: Partial<GraphUser> }
  | { kind: "own"; outs: InvitationOutputs; patch: Partial<GraphUser>; onDelete: OnDelete };

export function planAfterInvite(
  inputs: CheckedInputs,
  res: InvitationResponse,
  after: FoundUser | undefined,
  at: { requestStart: Date; now: Date; clock?: Date },
): AfterInvitePlan {
  const existed = existedBefore(res.status, after, at.requestStart);
  const outs = outputsFromInvitation(inputs, res, {
    adopted: existed !== undefined,
    now: at.now,
    clock: at.clock,
    user: existed ? after : undefined,
  });
  if (existed === undefined)
    return {
      kind: "own",
      outs,
      patch: userPatch({}, { userProperties: inputs.userProperties }),
      onDelete: ownedOnDelete(inputs),
    };
  const patch = after ? adoptionPatch(after, inputs) : {};
  delete patch.userType; // the invitation set it
  const who = after ? describeUser(after) : outs.userId;
  return {
    kind: "adopt",
    outs,
    warning: `${inputs.invitedUserEmailAddress}: the invitation answered with the existing user ${who}, which the lookup before it did not find (${existed}): adopted, not marked, retained when it leaves the stack unless onDelete says otherwise.`,
    patch,
  };
}

/**
 * Whether to mark a guest this resource just invited: `write`, or `skip` with the one warning for the
 * process (`reason`, `fix`; none when marks were refused before, which said so then).
 */
export type NewGuestMarkPlan =
  { kind: "write"; self: ResourceIdentity } | { kind: "skip"; reason?: string; fix?: string };

export function planNewGuestMark(
  self: ResourceIdentity | undefined,
  o: { canRead: boolean; marksDenied: boolean },
): NewGuestMarkPlan {
  if (!self) {
    return {
      kind: "skip",
      reason: "this resource's stack is not known (no URN from the engine)",
      fix: "Run the program with the Pulumi CLI (the dynamic-provider plugin passes the URN); if it does, this version of @pulumi/pulumi is not supported for marks: please report it.",
    };
  }
  if (!o.canRead)
    return {
      kind: "skip",
      reason: "cannot read users (no User.Read.All), so cannot write them either",
      fix: "Grant User.Read.All and User.ReadWrite.All to mark them.",
    };
  if (o.marksDenied) return { kind: "skip" };
  return { kind: "write", self };
}

/**
 * The mark of a new guest could not be added because one is there (a re-sent request, or a guest the
 * lookup could not see): by its owner, `adopt` (another stack's: kept, the guest adopted, `warning`),
 * `rewrite` (another resource of this stack: it now names this one), `keep` (this resource's own),
 * or `unmarked` (no mark could be read: the guest stays without one).
 */
export type MarkFoundPlan =
  { kind: "adopt"; warning: string } | { kind: "rewrite" } | { kind: "keep" } | { kind: "unmarked" };

export function planMarkFound(userId: string, mark: OwnershipMark | undefined, self: ResourceIdentity): MarkFoundPlan {
  switch (markOwner(mark, self)) {
    case "none":
      return { kind: "unmarked" };
    case "other":
      return {
        kind: "adopt",
        warning: `${userId} turned out to be managed by the stack ${mark!.project}/${mark!.stack} (resource ${mark!.resource}): adopted, its mark kept.`,
      };
    case "stack":
      return { kind: "rewrite" };
    case "self":
      return { kind: "keep" };
  }
}

/**
 * create: what to do, given the user the lookup found (`undefined`: none) and how it was looked up
 * (by `invitedUser`, or by address), from the resource `self` (undefined when its identity is not
 * known: then no mark is this resource's).
 */
export function planCreate(
  inputs: CheckedInputs,
  found: FoundUser | undefined,
  self: ResourceIdentity | undefined,
): CreatePlan {
  const email = inputs.invitedUserEmailAddress;
  if (!found) {
    if (inputs.invitedUser) {
      return {
        action: "refuse",
        message: `invitedUser ${inputs.invitedUser} does not exist: check the object id, or leave out invitedUser to invite ${email} as a new guest.`,
      };
    }
    return { action: "invite" };
  }
  if (!inputs.invitedUser && isTenantMember(found)) {
    return {
      action: "refuse",
      message: `${email} belongs to a member of this tenant, not a guest (object id ${found.id}): an Invitation does not take it over by its address. Name the user with invitedUser to manage it as a guest, or use another address.`,
    };
  }
  const mark = readMark(found.extensions);
  const owner = markOwner(mark, self);
  const owned = owner === "self" || owner === "stack";
  const warnings: string[] = [];
  if (owner === "other" && mark) {
    warnings.push(
      `${email} is already managed by the stack ${describeMark(mark)}: adopted, not invited; this stack retains it when the guest leaves the stack, unless onDelete says otherwise.`,
    );
  }
  if (owner === "stack" && mark && self)
    warnings.push(`${email} was marked by the resource ${mark.resource} of this stack: now managed by ${self.name}.`);
  const changes = owned && mark && self ? markChanges(mark, self, ownedOnDelete(inputs)) : {};
  const raw = found.extensions?.find(isMark);
  if (found.accountEnabled === false)
    warnings.push(
      `${email} (${found.id}) is disabled (accountEnabled: false): ${owned ? "taken over" : "adopted"} as it is; enable it in Entra to let the guest sign in.`,
    );
  return {
    action: "take",
    userId: found.id,
    adopted: !owned,
    owner,
    mark,
    patch: adoptionPatch(found, inputs),
    markChanges: changes,
    ...(Object.keys(changes).length && raw ? { markWrite: wholeMark(raw, changes) } : {}),
    warnings,
  };
}

/** State after a create that took over an existing user: no invitation, so no redeem URL, invitation id or status. */
export function outputsFromUser(inputs: CheckedInputs, user: GraphUser, adopted: boolean): InvitationOutputs {
  return {
    ...(inputsOf(inputs as unknown as Record<string, unknown>) as CheckedInputs),
    userId: user.id,
    externalUserState: user.externalUserState ?? null,
    externalUserStateChangeDateTime: user.externalUserStateChangeDateTime ?? null,
    adopted,
  };
}

/** update: the mark's properties to PATCH (its `onDelete`), for a guest this stack owns; empty otherwise. */
export function planMarkUpdate(
  olds: Partial<InvitationOutputs>,
  news: Partial<CheckedInputs>,
): Record<string, unknown> {
  if (olds.adopted) return {};
  const before = ownedOnDelete(olds);
  const after = ownedOnDelete(news);
  return before === after ? {} : { onDelete: after };
}

/**
 * The line a preview shows for a create that will not invite, from the lookup at `check` (the
 * engine shows `+ create` and never calls `create` in a preview). Undefined when the create invites,
 * is refused, or takes over this resource's own guest (a replacement or a rerun: the engine says so).
 * `entra-guests summarize` reads these lines (see {@link PREVIEW_LINE}):
 * - `kim@contoso.com: exists as 3e75249f… → adopted (no invitation, retained on delete)`;
 * - `kim@contoso.com: exists as 3e75249f…, marked by this stack's guests-kim → taken over by the new key guests-kim2, not deleted (no invitation)`.
 */
export function createPreviewLine(
  inputs: CheckedInputs,
  found: FoundUser | undefined,
  self: ResourceIdentity | undefined,
): string | undefined {
  const plan = planCreate(inputs, found, self);
  if (plan.action !== "take" || plan.owner === "self") return undefined;
  const who = `${inputs.invitedUserEmailAddress}: exists as ${shortId(plan.userId)}`;
  // The resource's URN is not known (the first check of a plugin process: the SDK reads the request
  // before this package is loaded): a mark cannot be told this stack's or another's.
  if (!self && plan.mark)
    return line(
      `${who}, marked by the stack ${describeMark(plan.mark)} \u2192 no invitation: taken over if that is this stack (a key rename: not deleted), else adopted`,
    );
  if (plan.owner === "stack" && plan.mark) {
    return line(
      `${who}, marked by this stack's ${plan.mark.resource} \u2192 taken over by the new key ${self?.name ?? "(this resource)"}, not deleted (no invitation)`,
    );
  }
  const other = plan.owner === "other" && plan.mark ? `, managed by the stack ${describeMark(plan.mark)}` : "";
  const keep = inputs.onDelete === undefined ? "retained on delete" : `onDelete ${inputs.onDelete}`;
  return line(`${who}${other} \u2192 adopted (no invitation, ${keep})`);
}

/** The preview lines of {@link createPreviewLine}: address, user, and `adopted` or the old resource a new key takes over from. */
export const PREVIEW_LINE =
  /^(?:\w+: )?(\S+): exists as (\S+?)(?:, marked by this stack's (\S+))?(?:, managed by [^\u2192]*)? \u2192 (adopted|taken over by the new key)/;

/** The line a delete shows when the user stays in Entra (the engine only says `deleted`); undefined when it is deleted. */
export function removalLine(props: Partial<InvitationOutputs>): string | undefined {
  const who = props.invitedUserEmailAddress ?? "guest";
  const user = props.userId ? ` (${shortId(props.userId)})` : "";
  switch (deletePolicy(props)) {
    case "retain":
      return line(
        `${who}${user}: retained in Entra, not deleted (${props.onDelete === undefined ? "adopted: it existed before the stack" : "onDelete retain"})`,
      );
    case "disable":
      return line(`${who}${user}: sign-in blocked (accountEnabled false), not deleted (onDelete disable)`);
    default:
      return undefined;
  }
}

/**
 * After a create that took over a guest through this resource's own mark (a rerun after a killed run
 * or a lost state): the warning when the guest has not redeemed and the state has no redeem link;
 * undefined otherwise (a redeemed guest needs none; a key rename, whose mark names another resource
 * of this stack, says so in its own line).
 */
export function recoveryWarning(
  address: string,
  user: Pick<FoundUser, "id" | "externalUserState">,
  plan: CreatePlan,
  urn: string | undefined,
): string | undefined {
  if (plan.action !== "take" || plan.owner !== "self") return undefined;
  if ((user.externalUserState ?? "PendingAcceptance") !== "PendingAcceptance") return undefined;
  const target = urn ? `'${urn}'` : "<urn of this guest>";
  return line(
    `${address} (${user.id}) was recovered through this stack's ownership mark, not invited: the guest has not redeemed and the state has no redeem link. ` +
      `To issue one: \`pulumi up --replace ${target}\` (resets the redemption of the same user and returns a new inviteRedeemUrl), or change its triggers.`,
  );
}
