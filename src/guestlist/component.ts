/**
 * `GuestList`: a declarative guest list. One `Invitation` per entry (or shards of many: `form`), named from the entry's `key` or
 * else its email, so reordering the list replaces nothing and a keyed guest can change its email (a
 * redemption reset of the same user). Every entry is validated before any resource is declared.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Invitation } from "../resource/invitation";
import { GuestShard } from "../resource/shard";
import { decodeGuest, DEFAULT_SHARDS, MAX_SHARDS, shardName, shardOf, unpackRedeemUrls } from "../provider/shard-plan";
import { now } from "../clock";
import { markRunError } from "../sdk";
import { expiryStatus, showExpiry } from "../provider/expiry";
import { AzureAdModule, loadAzureAd } from "./azuread";
import { planGuestList } from "./resolve";
import { GuestListArgs, GuestListError, GuestOutputs, ResolvedGuest } from "./types";

/** The component's type token. */
export const GUEST_LIST_TYPE = "entra:index:GuestList";

/**
 * Runs `f`; a {@link GuestListError} it throws (bad input: every problem with `file:line`, nothing
 * sent) is marked as the SDK's RunError, so the language host prints its message alone, without
 * "failed with an unhandled exception", a stack trace and an object dump. The same mark as
 * `pulumi.RunError` (`markRunError` in src/sdk.ts), which the SDK checks in whatever copy of it is loaded.
 */
export function asRunError<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof GuestListError) markRunError(e);
    throw e;
  }
}

/** With `form: "auto"` (the default), lists of more guests than this take the shard form. */
export const AUTO_SHARD_THRESHOLD = 200;

/**
 * The form a list of `count` guests takes, and the warning when `auto` chose shards. Pure.
 */
export function chooseForm(
  name: string,
  count: number,
  form: GuestListArgs["form"],
  shards: number | undefined,
): { form: "invitations" | "shards"; shards: number; warning?: string } {
  const n = shards ?? DEFAULT_SHARDS;
  if (!Number.isInteger(n) || n < 1 || n > MAX_SHARDS) {
    throw new GuestListError(
      [{ source: "shards", reason: `must be a whole number from 1 to ${MAX_SHARDS} (got ${String(shards)})` }],
      name,
    );
  }
  if (form !== undefined && form !== "auto" && form !== "invitations" && form !== "shards") {
    throw new GuestListError(
      [{ source: "form", reason: `must be "invitations", "shards" or "auto" (got ${JSON.stringify(form)})` }],
      name,
    );
  }
  if (form === "invitations" || form === "shards") return { form, shards: n };
  if (count <= AUTO_SHARD_THRESHOLD) return { form: "invitations", shards: n };
  return {
    form: "shards",
    shards: n,
    warning: `GuestList '${name}' has ${count} guests (more than ${AUTO_SHARD_THRESHOLD}): held in ${n} shards rather than one Invitation per guest. Set form: "shards" (or "invitations") on the list to choose, and to keep the form when the list shrinks; moving between the forms sends nothing to Graph (docs/guest-lists.md, "Large lists: shards").`,
  };
}

/** The key of guests without an external user state (e.g. an internal user) in `summary`. */
export const NO_STATE = "None";

/**
 * A declarative guest list: one {@link Invitation} per entry of `guests` and of `file`, named
 * `<list>-<key>` or `<list>-<email>` (or, with `form: "shards"`, the guests held in a few
 * {@link GuestShard} resources, each guest with the same lifecycle), plus an `azuread.GroupMember`
 * per group membership. Every entry is checked first; any problem throws one {@link GuestListError}
 * listing them all, before any resource is declared.
 */
export class GuestList extends pulumi.ComponentResource {
  /** Per guest name (key, or normalised email): user id, email, state, and the redeem link (secret). */
  public readonly guests: Record<string, GuestOutputs>;
  /**
   * How many guests are in each external user state, e.g. `{ PendingAcceptance: 3, Accepted: 1 }`;
   * when some guest has an `expiresOn`, also `expiring`: how many expire within the warning window;
   * when some guest has `remindAfterDays`, also `overdue`: how many are still pending that many days
   * or more after their last invitation.
   */
  public readonly summary: pulumi.Output<Record<string, number>>;
  /** The `Invitation` of each guest, by guest name: for wiring your own resources to a guest. */
  public readonly invitations: Record<string, Invitation>;
  /** With the shard form: the `GuestShard` resources, by name (`<list>-shard-3of16`); empty otherwise. */
  public readonly shards: Record<string, GuestShard>;
  /** The `azuread.GroupMember` of each membership, by `guestName/groupObjectId`. */
  public readonly memberships: Record<string, pulumi.CustomResource>;

  /**
   * @param name The list's name; the prefix of every guest's resource name.
   * @param args The guests, the guest file and the defaults.
   * @param opts Component options; they reach the invitations through `parent`.
   */
  constructor(name: string, args: GuestListArgs, opts?: pulumi.ComponentResourceOptions) {
    super(GUEST_LIST_TYPE, name, {}, opts);
    const all = asRunError(() =>
      planGuestList(
        {
          guests: args.guests,
          defaults: args.defaults,
          file: args.file === undefined ? undefined : readGuestFile(args.file, name),
          expiryWarningDays: args.expiryWarningDays,
        },
        name,
      ),
    );
    // Expiry: an expired guest is left out (the engine then deletes its Invitation per onDelete).
    const at = now();
    let expiring = 0;
    const plan: ResolvedGuest[] = [];
    for (const g of all) {
      const line = expiryLine(g, at);
      if (line) void pulumi.log.warn(line, this);
      const state = expiryStatus(g.expiresOn, at, g.expiryWarningDays).state;
      if (state === "expiring") expiring++;
      if (state !== "expired") plan.push(g);
    }
    const hasExpiry = all.some((g) => g.expiresOn !== undefined);
    // Loaded only when needed: programs without groups never load (or need) @pulumi/azuread.
    const azuread: AzureAdModule | undefined = plan.some((g) => g.groups.length > 0) ? loadAzureAd() : undefined;

    this.invitations = {};
    this.shards = {};
    this.memberships = {};
    this.guests = {};
    const chosen = asRunError(() => chooseForm(name, plan.length, args.form, args.shards));
    if (chosen.warning) void pulumi.log.warn(chosen.warning, this);
    /** Per guest: its user id, state and (with reminders) last invitation time. */
    const outputs: Record<
      string,
      {
        userId: pulumi.Output<string>;
        externalUserState: pulumi.Output<string | null>;
        lastInvitationAt: pulumi.Output<string | undefined>;
      }
    > = {};
    if (chosen.form === "shards") {
      const groups = new Map<number, ResolvedGuest[]>();
      for (const g of plan) {
        const i = shardOf(g.name, chosen.shards);
        groups.set(i, [...(groups.get(i) ?? []), g]);
      }
      for (const [i, members] of [...groups.entries()].sort(([a], [b]) => a - b)) {
        const shardResource = new GuestShard(
          shardName(name, i, chosen.shards),
          {
            list: name,
            shard: `${i + 1}of${chosen.shards}`,
            guests: Object.fromEntries(members.map((g) => [g.name, g.args])),
          },
          { parent: this },
        );
        this.shards[shardName(name, i, chosen.shards)] = shardResource;
        // The redeem links are packed in one secret (unpacked once per shard, not per guest).
        const urls = shardResource.redeemUrls.apply((u) => unpackRedeemUrls(u));
        for (const g of members) {
          const state = shardResource.guests.apply((all) => decodeGuest(all?.[g.name]));
          outputs[g.name] = {
            userId: state.apply((s) => s?.userId as string),
            externalUserState: state.apply((s) => s?.externalUserState ?? null),
            lastInvitationAt: state.apply((s) => s?.lastInvitationAt),
          };
          this.guests[g.name] = {
            userId: outputs[g.name].userId,
            email: state.apply((s) => s?.invitedUserEmailAddress as string),
            inviteRedeemUrl: pulumi.secret(urls.apply((u) => u[g.name])),
            externalUserState: outputs[g.name].externalUserState,
          };
        }
      }
    }
    for (const g of plan) {
      if (chosen.form === "invitations") {
        const invitation = new Invitation(`${name}-${g.name}`, g.args, { parent: this, aliases: aliasesOf(name, g) });
        this.invitations[g.name] = invitation;
        outputs[g.name] = {
          userId: invitation.userId,
          externalUserState: invitation.externalUserState,
          lastInvitationAt: invitation.lastInvitationAt,
        };
        this.guests[g.name] = {
          userId: invitation.userId,
          email: invitation.invitedUserEmailAddress,
          inviteRedeemUrl: pulumi.secret(invitation.inviteRedeemUrl),
          externalUserState: invitation.externalUserState,
        };
      }
      for (const groupObjectId of g.groups) {
        if (!azuread) continue;
        this.memberships[`${g.name}/${groupObjectId}`] = new azuread.GroupMember(
          `${name}-${g.name}-${groupObjectId}`,
          { groupObjectId, memberObjectId: outputs[g.name].userId },
          { parent: this, aliases: aliasesOf(name, g, `-${groupObjectId}`) },
        );
      }
    }
    const states = Object.values(outputs).map((o) => o.externalUserState);
    // Overdue: guests with reminders that are still pending N days or more after their last invitation.
    const reminded = plan.filter((g) => typeof g.args.remindAfterDays === "number");
    const overdue = reminded.length
      ? pulumi
          .all(
            reminded.map((g) => {
              const o = outputs[g.name];
              return pulumi
                .all([o.externalUserState, o.lastInvitationAt])
                .apply(([s, last]) => (isOverdue(s, last, g.args.remindAfterDays as number, at) ? 1 : 0));
            }),
          )
          .apply((ones) => ones.reduce<number>((a, b) => a + b, 0))
      : pulumi.output(0);
    const extras = (counts: Record<string, number>, late: number): Record<string, number> => ({
      ...counts,
      ...(hasExpiry ? { expiring } : {}),
      ...(reminded.length ? { overdue: late } : {}),
    });
    this.summary = pulumi
      .all([states.length ? pulumi.all(states) : pulumi.output([] as (string | null)[]), overdue])
      .apply(([s, late]) => extras(countStates(s), late));
    // Only the summary is recorded in the component's state: `guests` (a secret redeem link per guest,
    // about 500 bytes each in the state file) stays a property of the program's object, and each
    // guest's state is in its Invitation or shard already.
    this.registerOutputs({ summary: this.summary });
  }
}

/**
 * The diagnostic line of a guest's expiry at `at`, or undefined: expired (left out, so removed per
 * onDelete) or expiring within the guest's warning window. Pure.
 */
export function expiryLine(
  g: Pick<ResolvedGuest, "name" | "email" | "expiresOn" | "expiryWarningDays" | "args">,
  at: Date,
): string | undefined {
  if (g.expiresOn === undefined) return undefined;
  const status = expiryStatus(g.expiresOn, at, g.expiryWarningDays);
  const who = `guest '${g.email ?? g.name}'`;
  const od = typeof g.args.onDelete === "string" ? g.args.onDelete : "delete, or retain if it was adopted";
  const when = showExpiry(g.expiresOn);
  if (status.state === "expired")
    return `${who} expired on ${when}: left out of the list, so it is removed per its onDelete (${od}) if the stack holds it`;
  if (status.state === "expiring")
    return `${who} expires on ${when} (in ${status.daysLeft} day${status.daysLeft === 1 ? "" : "s"}): the first up on or after that date removes it per its onDelete (${od})`;
  return undefined;
}

/** Still `PendingAcceptance` `days` or more after the last invitation (`lastInvitationAt`) at `at`. Pure. */
export function isOverdue(
  state: string | null | undefined,
  lastInvitationAt: string | undefined,
  days: number,
  at: Date,
): boolean {
  const last = Date.parse(lastInvitationAt ?? "");
  return state === "PendingAcceptance" && !Number.isNaN(last) && at.getTime() - last >= days * 86_400_000;
}

/** Count guests per state, keys sorted. */
export function countStates(states: readonly (string | null | undefined)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of states) {
    const k = s || NO_STATE;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

function aliasesOf(list: string, g: ResolvedGuest, suffix = ""): pulumi.Alias[] | undefined {
  return g.formerNames.length ? g.formerNames.map((n) => ({ name: `${list}-${n}${suffix}` })) : undefined;
}

/** Read a guest file as text: UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else is an error. */
export function readGuestFile(file: string, listName?: string): { text: string; fileName: string } {
  if (typeof file !== "string" || !file.trim()) {
    throw new GuestListError(
      [{ source: "file", reason: "must be the path of a .yaml, .json or .csv guest file" }],
      listName,
    );
  }
  const abs = path.resolve(file);
  const rel = path.relative(process.cwd(), abs);
  const fileName = rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel.split(path.sep).join("/") : file;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(abs);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new GuestListError(
      [
        {
          source: fileName,
          reason:
            code === "ENOENT"
              ? `no such file${fileName === abs ? "" : ` (looked for ${abs})`}`
              : `cannot be read: ${e instanceof Error ? e.message : String(e)}`,
        },
      ],
      listName,
    );
  }
  return { text: decodeText(bytes, fileName, listName), fileName };
}

/** Decode a file's bytes: UTF-16 LE/BE with a BOM, else strict UTF-8 (a UTF-8 BOM is dropped); anything else throws a {@link GuestListError}. */
export function decodeText(bytes: Uint8Array, fileName = "file", listName?: string): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes.subarray(2));
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new GuestListError(
      [{ source: fileName, reason: "is not UTF-8 text: save it as UTF-8 (in Excel: 'CSV UTF-8 (comma delimited)')" }],
      listName,
    );
  }
}
