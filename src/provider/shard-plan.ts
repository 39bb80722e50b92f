/**
 * The shard form of a guest list, as pure functions: which shard holds a guest, which guests a shard
 * step adds, updates, resets or removes (from the per-guest {@link planDiff}), and what state a step
 * records when some guests failed. The runtime (shards.ts) carries each guest's step out with the
 * per-guest steps of runtime.ts: one lifecycle, two forms.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { planDiff } from "./plan";
import type { CheckedInputs, InvitationOutputs } from "./types";

/** Shards of a list in the shard form unless the program sets `shards`. */
export const DEFAULT_SHARDS = 16;
/** At most this many shards. */
export const MAX_SHARDS = 1000;

/** FNV-1a (32 bit) of a string's UTF-16 code units: stable across runs, versions and machines. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The shard (0-based) of the guest `name` among `count`: a stable hash, so adding a guest changes one shard. */
export function shardOf(name: string, count: number): number {
  return fnv1a(name.toLowerCase()) % count;
}

/**
 * The resource name of shard `index` (0-based) of `count` in the list `list`: `<list>-shard-3of16`
 * (1-based). The count is part of the name: another count declares other shards, which take the
 * guests over (0 writes) before the old ones are deleted, as a move between the forms does.
 */
export function shardName(list: string, index: number, count: number): string {
  return `${list}-shard-${index + 1}of${count}`;
}

/**
 * A guest in a shard's state: the per-guest outputs without the redeem link (in the shard's one
 * secret), the invitation's id and status and `externalUserStateChangeDateTime`; `adopted` only when
 * true and the inputs `check` defaults only when not at their default.
 */
export type GuestState = Omit<
  InvitationOutputs,
  "inviteRedeemUrl" | "invitationId" | "status" | "externalUserStateChangeDateTime" | "adopted"
> & {
  /** The guest existed before the list (see the `Invitation`'s `adopted`); left out when false. */
  adopted?: boolean;
};

/** A shard's checked inputs. */
export interface ShardInputs {
  /** The list's name: a guest's identity (what its mark names) is `<list>-<guest name>`, as its `Invitation` would be. */
  list: string;
  /** `3of16`: which shard of how many. */
  shard: string;
  /** The guests by name, checked. */
  guests: Record<string, CheckedInputs>;
}

/** A shard's state. */
export interface ShardOutputs {
  list: string;
  shard: string;
  /** The stack's project and name (from the shard's URN at create): the guests' identities in later steps. */
  project?: string;
  stack?: string;
  /** The shard's URN (from its create): the engine's log lines of later steps are about it. */
  urn?: string;
  /** The guests by name. */
  guests: Record<string, GuestState>;
  /** Each guest's redeem link, by name: one secret for the shard (in state packed, see {@link packRedeemUrls}). */
  redeemUrls: Record<string, string>;
  /** Guests whose last step failed (the next diff asks for an update, whatever the inputs say). */
  failed?: string[];
}

/**
 * Inputs whose default `check` fills in, which a guest's state leaves out when they have it and
 * {@link guestOutputs} puts back: the steps get the very outputs they gave (the per-guest
 * replacement's registry keys pending resets by the canonical inputs).
 */
const DEFAULTS: Readonly<Record<string, unknown>> = { invitedUserType: "Guest", sendInvitationMessage: false };

/** The prefix of the redeem links packed by {@link packRedeemUrls} (their format, versioned). */
const PACKED = "z1:";

/**
 * A shard's redeem links as its state holds them: the map by guest name as JSON, deflated, base64.
 * The links of one tenant share most of their text, and the engine encrypts the secret and writes
 * it base64 again: packed, a guest's link costs about 40 % of its bytes in state.
 */
export function packRedeemUrls(urls: Record<string, string>): string {
  return PACKED + deflateRawSync(JSON.stringify(urls), { level: 9 }).toString("base64");
}

/** The redeem links by guest name from a shard's state: packed ({@link packRedeemUrls}), or the plain map a state from before packing holds. */
export function unpackRedeemUrls(stored: unknown): Record<string, string> {
  if (typeof stored === "string" && stored.startsWith(PACKED))
    return JSON.parse(inflateRawSync(Buffer.from(stored.slice(PACKED.length), "base64")).toString("utf8")) as Record<
      string,
      string
    >;
  return stored && typeof stored === "object" && !Array.isArray(stored) ? (stored as Record<string, string>) : {};
}

/** The prefix of a guest's state stored as one string by {@link encodeGuest} (its format, versioned). */
const GUEST = "g1:";

/**
 * One guest's state as the shard's state records it: `g1:` and the state's JSON, one string. The
 * engine writes its state indented, a line per field at a guest's depth (about 25 bytes of spaces
 * each), and carries each field as its own protobuf value between the engine and the plugin: one
 * string per guest costs neither. Nothing in the engine looks into a guest's outputs (diffs are of
 * the inputs), so only {@link decodeGuest} reads it.
 */
export function encodeGuest(state: GuestState): string {
  return GUEST + JSON.stringify(state);
}

/**
 * A guest's state from a shard's state: the string {@link encodeGuest} writes, or the object states
 * written before it hold; undefined for no guest. A string in a format this version does not know
 * (a state written by a later version) is an error, not a guest dropped from the state.
 */
export function decodeGuest(stored: unknown): GuestState | undefined {
  if (typeof stored === "string") {
    const v = stored.startsWith(GUEST) ? (JSON.parse(stored.slice(GUEST.length)) as unknown) : undefined;
    if (v && typeof v === "object" && !Array.isArray(v)) return v as GuestState;
    throw new Error(
      `a guest of a GuestShard's state is '${stored.slice(0, 12)}...', not a format this version of pulumi-entra-invitation reads (${GUEST}): the state was written by a later version; install that version (or later) and run again.`,
    );
  }
  return stored && typeof stored === "object" && !Array.isArray(stored) ? (stored as GuestState) : undefined;
}

/** A shard's guests as the steps work with them, from its state (either format of {@link decodeGuest}). */
export function decodeGuests(stored: unknown): Record<string, GuestState> {
  const out: Record<string, GuestState> = {};
  if (!stored || typeof stored !== "object" || Array.isArray(stored)) return out;
  for (const [name, v] of Object.entries(stored as Record<string, unknown>)) {
    const g = decodeGuest(v);
    if (g) out[name] = g;
  }
  return out;
}

/** A shard's guests as its state records them (see {@link encodeGuest}). */
export function encodeGuests(guests: Record<string, GuestState>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, g] of Object.entries(guests)) out[name] = encodeGuest(g);
  return out;
}

/**
 * A guest's checked inputs as the shard's inputs record them: the inputs `check` fills with their
 * default left out when they have it (each is a line per guest in the state's inputs, twice per
 * state write). The engine's property-path diff of a changed guest is unchanged: a guest that sets
 * one to another value shows it. {@link withDefaults} puts them back.
 */
export function withoutDefaults<T extends object>(inputs: T): T {
  const out = { ...inputs } as Record<string, unknown>;
  for (const k of Object.keys(DEFAULTS)) if (out[k] === DEFAULTS[k]) delete out[k];
  return out as T;
}

/** A guest's checked inputs as the steps work with them: those {@link withoutDefaults} left out put back. */
export function withDefaults<T extends object>(inputs: T): T {
  const out = { ...inputs } as Record<string, unknown>;
  for (const k of Object.keys(DEFAULTS)) if (out[k] === undefined) out[k] = DEFAULTS[k];
  return out as T;
}

/** The per-guest outputs a step of runtime.ts works with, from a shard's state (what {@link splitOutputs} left out put back). */
export function guestOutputs(
  outs: Pick<ShardOutputs, "guests" | "redeemUrls">,
  name: string,
): InvitationOutputs | undefined {
  const state = outs.guests?.[name];
  if (!state) return undefined;
  const url = outs.redeemUrls?.[name];
  const full = { ...DEFAULTS, ...state, adopted: state.adopted === true } as InvitationOutputs;
  if (url !== undefined) full.inviteRedeemUrl = url;
  return full;
}

/**
 * Splits per-guest outputs into the shard's guest state and its redeem link. Left out, as nothing
 * decides on them and every byte of a guest is written twice per state write: the invitation's id
 * and status and `externalUserStateChangeDateTime` (the guest's `externalUserState` says what
 * matters), `adopted` when false, and the inputs `check` defaults when they have their default.
 */
export function splitOutputs(outs: InvitationOutputs): { state: GuestState; url?: string } {
  const {
    inviteRedeemUrl,
    invitationId: _id,
    status: _status,
    externalUserStateChangeDateTime: _since,
    ...rest
  } = outs;
  const state = withoutDefaults(rest) as Partial<GuestState> & Record<string, unknown>;
  for (const k of Object.keys(state)) if (state[k] === undefined) delete state[k];
  if (state.adopted !== true) delete state.adopted;
  return { state: state as GuestState, url: inviteRedeemUrl };
}

/** What a shard step does for one guest. */
export type GuestAction = "create" | "update" | "reset" | "remove" | "keep";

export interface GuestStep {
  name: string;
  action: GuestAction;
  /** Output-only reasons for an update the engine cannot see in the inputs (a reminder due, a user to restore). */
  outputOnly?: boolean;
}

/**
 * What a shard step does for each guest, from the state (`olds`) and the checked inputs (`news`):
 * a guest only declared is created, one only in state is removed, one whose email, `invitedUser` or
 * `triggers` changed is reset (the per-guest replacement: same user, in place; never a replacement of
 * the shard), one with any other change is updated. Names in a stable order (state's, then new ones).
 */
export function planShard(
  olds: Record<string, GuestState> | undefined,
  news: Record<string, Partial<CheckedInputs>>,
): GuestStep[] {
  const steps: GuestStep[] = [];
  const before = olds ?? {};
  for (const name of Object.keys(before)) {
    const next = news[name];
    if (!next) {
      steps.push({ name, action: "remove" });
      continue;
    }
    const plan = planDiff(before[name], next);
    const action: GuestAction = plan.replaces.length ? "reset" : plan.changes ? "update" : "keep";
    steps.push(plan.remind || plan.restore ? { name, action, outputOnly: true } : { name, action });
  }
  for (const name of Object.keys(news)) if (!(name in before)) steps.push({ name, action: "create" });
  return steps;
}

/**
 * A shard's `diff` answer: `false` when no guest changes; otherwise `changes` left undefined, so the
 * engine compares old and new inputs itself and shows a property path per changed guest
 * (`guests["kim"].invitedUserDisplayName`); `true` only when the change is in the state alone (a
 * reminder due, a user to restore, guests that failed last time), which the inputs cannot show.
 */
export function shardChanges(
  steps: readonly GuestStep[],
  failedBefore: readonly string[] | undefined,
): boolean | undefined {
  if (steps.some((s) => s.outputOnly) || (failedBefore?.length ?? 0) > 0) return true;
  return steps.every((s) => s.action === "keep") ? false : undefined;
}

/** How one guest's step ended: its new outputs, `removed`, or an error. */
export type GuestResult =
  { name: string; outs: InvitationOutputs } | { name: string; removed: true } | { name: string; error: unknown };

/**
 * The state after a shard step: each guest that succeeded as its step left it, each that failed as it
 * was before (a failed create: absent, so the next `up` creates it; a failed update, reset or removal:
 * the old state, so the next `up` does it again), guests in the order of `order`. `failed` lists the
 * failures.
 */
export function mergeShard(
  olds: Pick<ShardOutputs, "guests" | "redeemUrls"> | undefined,
  results: readonly GuestResult[],
  order: readonly string[],
): { guests: Record<string, GuestState>; redeemUrls: Record<string, string>; failed: string[] } {
  const byName = new Map(results.map((r) => [r.name, r]));
  const guests: Record<string, GuestState> = {};
  const redeemUrls: Record<string, string> = {};
  const failed: string[] = [];
  const names = [...order, ...Object.keys(olds?.guests ?? {}).filter((n) => !order.includes(n))];
  for (const name of names) {
    const r = byName.get(name);
    let outs: InvitationOutputs | undefined;
    if (!r) outs = olds ? guestOutputs(olds, name) : undefined;
    else if ("error" in r) {
      failed.push(name);
      outs = olds ? guestOutputs(olds, name) : undefined;
    } else if ("outs" in r) outs = r.outs;
    if (!outs) continue;
    const { state, url } = splitOutputs(outs);
    guests[name] = state;
    if (url !== undefined) redeemUrls[name] = url;
  }
  return { guests, redeemUrls, failed };
}
