/**
 * The guest list's types: what a program or a file declares (entries, defaults), what validation
 * turns them into (resolved guests), and how problems are reported (one error listing them all).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { InvitationArgs } from "../resource/invitation";

/**
 * One guest: every `Invitation` input, plus
 * - `key`: a stable name for the guest. With a key, the guest's email can change (a redemption
 *   reset of the same user); without one, the guest is named after its email.
 * - `groups`: object ids of groups the guest is added to (needs the optional `@pulumi/azuread`).
 * `inviteRedirectUrl` may come from the defaults instead.
 */
export interface GuestEntry extends Omit<InvitationArgs, "inviteRedirectUrl"> {
  /** Where the guest lands after redeeming; required here or in the defaults. */
  inviteRedirectUrl?: InvitationArgs["inviteRedirectUrl"];
  /** Letters, digits, `.`, `_`, `-` (at most 64, starting with a letter or digit); case-insensitive. */
  key?: string;
  /** Group object ids (GUIDs) the guest is added to, with `@pulumi/azuread`'s `GroupMember` (install `@pulumi/azuread`). Replaces the default groups; `[]` means none. */
  groups?: string[];
}

/** Values every entry gets unless it sets its own. Object fields merge field by field; lists are replaced. */
export interface GuestDefaults {
  /** See {@link InvitationArgs.inviteRedirectUrl}. */
  inviteRedirectUrl?: InvitationArgs["inviteRedirectUrl"];
  /** See {@link InvitationArgs.sendInvitationMessage}. */
  sendInvitationMessage?: InvitationArgs["sendInvitationMessage"];
  /** See {@link InvitationArgs.invitedUserMessageInfo}; merged field by field with the entry's. */
  invitedUserMessageInfo?: InvitationArgs["invitedUserMessageInfo"];
  /** See {@link InvitationArgs.invitedUserType}. */
  invitedUserType?: InvitationArgs["invitedUserType"];
  /** See {@link InvitationArgs.onDelete}. */
  onDelete?: InvitationArgs["onDelete"];
  /** See {@link InvitationArgs.invitedUserSponsors}; an entry's list replaces this one. */
  invitedUserSponsors?: InvitationArgs["invitedUserSponsors"];
  /** See {@link InvitationArgs.userProperties}; merged field by field with the entry's. */
  userProperties?: InvitationArgs["userProperties"];
  /** Group object ids every guest is added to; an entry's list replaces this one. */
  groups?: string[];
  /** See {@link InvitationArgs.expiresOn}: when every guest's access ends, unless an entry sets its own (or `null`). */
  expiresOn?: string;
  /** Days (0-3650) before `expiresOn` from which the preview warns (default 14); for every entry of these defaults. */
  expiryWarningDays?: number;
  /** See {@link InvitationArgs.remindAfterDays}. */
  remindAfterDays?: InvitationArgs["remindAfterDays"];
  /** See {@link InvitationArgs.maxReminders}. */
  maxReminders?: InvitationArgs["maxReminders"];
}

/** The inputs of a {@link GuestList}: `guests`, `file`, or both. */
export interface GuestListArgs {
  /** Guests declared in the program. */
  guests?: GuestEntry[];
  /**
   * A guest file: `.yaml`/`.yml`, `.json`, or `.csv` (plain header row, or the Entra portal's
   * bulk-invite template). Relative paths are resolved from the working directory (the project).
   */
  file?: string;
  /** Defaults for every entry. A file's own `defaults:` section takes precedence over these. */
  defaults?: GuestDefaults;
  /**
   * Days (0-3650) before a guest's `expiresOn` from which each preview and update warns (default 14). The
   * `expiryWarningDays` of `defaults` (the program's, or a file's) wins over this.
   */
  expiryWarningDays?: number;
  /**
   * How the list holds its guests in the stack:
   * - `"invitations"`: one `Invitation` resource per guest (a row per guest in every view).
   * - `"shards"`: the guests in `shards` resources (`GuestShard`, named `<list>-shard-3of16`), each
   *   guest in the shard its name hashes to, so adding a guest rewrites one shard. Every per-guest
   *   rule holds (the same steps run per guest); the preview shows a property path per changed guest
   *   (`guests["kim"].invitedUserDisplayName`). Needed for large lists: on a self-managed backend
   *   (`file://`, `s3://`, `azblob://`) the engine rewrites the whole state twice per resource step,
   *   so one resource per guest grows with the square of the guests.
   * - `"auto"` (the default): `"invitations"` up to 200 guests, `"shards"` above, with a warning
   *   asking to set the form.
   * Changing the form (or `shards`) moves every guest to the new resources with no Graph write: the
   * new ones recognise the guests by their ownership marks, and the old ones' deletes keep them.
   * See docs/guest-lists.md, "Large lists: shards".
   */
  form?: "invitations" | "shards" | "auto";
  /** With the shard form: how many shards (1-1000, default 16). A guest's shard is a stable hash of its name. */
  shards?: number;
}

/** The outputs of one guest. `inviteRedeemUrl` is secret (a bearer link). */
export interface GuestOutputs {
  /** The guest's user object id. */
  userId: pulumi.Output<string>;
  /** The guest's email address (lower case). */
  email: pulumi.Output<string>;
  /** The redemption link (secret). */
  inviteRedeemUrl: pulumi.Output<string | undefined>;
  /** `PendingAcceptance` or `Accepted`, as of the last create, update or refresh. */
  externalUserState: pulumi.Output<string | null>;
}

/** How a guest file was read: `portal-csv` is the Entra portal's bulk-invite template. */
export type GuestFileFormat = "yaml" | "json" | "csv" | "portal-csv";

/** Where an entry (or the defaults) came from, for messages. */
export interface EntryLocation {
  /** 1-based line of the entry. */
  line: number;
  /** Lines of its top-level fields (canonical names), where known. */
  fields: Record<string, number>;
  /** How the file wrote a field, when it differs from the canonical name (e.g. `email`, `[inviteeEmail]`). */
  labels: Record<string, string>;
}

/** A parsed guest file: entries with canonical field names and plain values, and where each came from. */
export interface GuestFile {
  /** The file name used in messages (`guests.csv:4: ...`). */
  fileName: string;
  /** How the file was read. */
  format: GuestFileFormat;
  /** The entries, with canonical field names (`invitedUserEmailAddress`, not `email`). */
  guests: Record<string, unknown>[];
  /** Parallel to `guests`. */
  locations: EntryLocation[];
  /** The file's `defaults:` section (YAML and JSON only), with canonical field names. */
  defaults?: Record<string, unknown>;
  /** Where the `defaults:` section is. */
  defaultsLocation?: EntryLocation;
  /** Problems found while reading (unknown columns, a field given twice, ...): reported with the rest. */
  issues: GuestListIssue[];
}

/** A guest after defaults and validation: what the component declares. */
export interface ResolvedGuest {
  /** The guest's name: its key (lower case) or its normalised email, Pulumi-safe. Unique in the list. */
  name: string;
  /** The entry's key as written, if it has one. */
  key?: string;
  /** Normalised (trimmed, lower-case) email, when known at this point (not an Output). */
  email?: string;
  /** The Invitation's inputs: the entry over the defaults, without `key` and `groups`. */
  args: InvitationArgs;
  /** Group object ids, lower case, without repeats. */
  groups: string[];
  /** When the guest's access ends (normal form: a date as written, a date-time in UTC); not passed to the Invitation. */
  expiresOn?: string;
  /** Days before `expiresOn` from which the list warns. */
  expiryWarningDays: number;
  /** Earlier names of the same guest (the email-derived name of a keyed guest), used as aliases. */
  formerNames: string[];
  /** `guests.yaml:12` or `guests[3]`. */
  where: string;
}

/** One problem of a guest list, printed as `file:line: guest 'x': field: reason`. */
export interface GuestListIssue {
  /** The file name, or `guests` / `defaults` for program values. */
  source: string;
  /** 1-based line in the file, when the issue comes from a file. */
  line?: number;
  /** Index into the program's `guests`, when the entry came from the program. */
  index?: number;
  /** The guest as the user knows it (key or email), when the issue is about one. */
  guest?: string;
  /** The field, as the user wrote it where known. */
  property?: string;
  /** What is wrong and how to fix it. */
  reason: string;
}

/** One issue as one line: `guests.csv:4: guest 'a@contoso.com': displayName: reason`. */
export function formatIssue(i: GuestListIssue): string {
  const where =
    i.line !== undefined ? `${i.source}:${i.line}` : i.index !== undefined ? `${i.source}[${i.index}]` : i.source;
  const who = i.guest !== undefined ? ` guest '${i.guest}':` : "";
  const what = i.property !== undefined ? ` ${i.property}:` : "";
  return `${where}:${who}${what} ${i.reason}`;
}

const MAX_LISTED = 100;

/** Every problem of a guest list at once, thrown before any resource (and so any Graph call) exists. */
export class GuestListError extends Error {
  /** Every problem found, in file order. */
  readonly issues: readonly GuestListIssue[];

  /**
   * @param issues The problems; the message lists the first 100.
   * @param listName The `GuestList`'s name, put at the head of the message.
   */
  constructor(issues: readonly GuestListIssue[], listName?: string) {
    const n = issues.length;
    const sources = [...new Set(issues.map((i) => i.source))].join(", ");
    const head = `${listName ? `GuestList '${listName}': ` : ""}${n} problem${n === 1 ? "" : "s"} in ${sources}; nothing was sent to Microsoft Graph:`;
    const lines = issues.slice(0, MAX_LISTED).map((i) => `  - ${formatIssue(i)}`);
    if (n > MAX_LISTED) lines.push(`  ... and ${n - MAX_LISTED} more`);
    super([head, ...lines].join("\n"));
    this.name = "GuestListError";
    this.issues = issues;
  }
}
