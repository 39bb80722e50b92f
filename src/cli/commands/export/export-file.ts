/**
 * `entra-guests export`, the pure part: the tenant's users (as Graph lists them) → the guests to
 * export (filters, keys, fields) → the text of a guest-list file that `GuestList` loads unchanged.
 *
 * - Which users: those Graph lists for `userType eq 'Guest' or creationType eq 'Invitation'` — every
 *   guest, and members invited through B2B (`invitedUserType: Member`), written with
 *   `userType: Member`. Internal members (not invited) are not guests and never listed.
 * - Address: `mail`, else the first of `otherMails` (what the provider finds a guest by).
 * - Key: the address as Graph spells a guest's user principal name, `jane_contoso.com` for
 *   `jane@contoso.com` (lower case, other characters `-`, at most 64; a suffix from a hash of the
 *   address when that is not unique or too long): stable across exports, readable, and it lets the
 *   entry change its email later (a redemption reset of the same user).
 * - Fields: only those set on the user: `email`, `displayName`, `userType` (only `Member`), and the
 *   user properties (`givenName`, `surname`, `companyName`, `department`, `jobTitle`,
 *   `usageLocation`). A value the guest list would refuse (e.g. one starting with `=`, a formula) is
 *   left out and the guest's comment says so; a user whose address the guest list would refuse is
 *   not exported (listed in the header and on stderr).
 * - Ownership: a guest a stack invited carries that stack's mark (src/provider/mark.ts, read with
 *   `$expand=extensions`). Its `onDelete` is written as the entry's `onDelete` when it is `retain` or
 *   `disable`, so the owning stack that applies the file keeps its policy (without it, a guest the
 *   stack owns falls back to `delete`). `delete` is not written: the owning stack gets it anyway, and
 *   any other stack that applies the file adopts the guest, which it then retains, as it should with
 *   a user it did not invite. The YAML comment names the owning stack and resource.
 * - Order: by address. YAML: each guest's redemption state (and since when), creation date, object
 *   id, whether the account is disabled and the stack that owns it as a comment above it; a `defaults:` block with the
 *   redirect URL the guest list needs. CSV has no comments (the guest-list reader takes every row
 *   as a guest and every column as a field): the same facts are not in the file; use YAML to
 *   review them. Its columns are only those some guest sets, plus `redirectUrl`.
 * The output is checked by parsing and resolving it as `GuestList` does; a file it would refuse is
 * never written.
 */
import { createHash } from "node:crypto";
import * as YAML from "yaml";
import { checkEmail, checkInputs } from "../../../provider/validate";
import { planGuestList } from "../../../guestlist/resolve";
import { GuestListError } from "../../../guestlist/types";
import type { GraphUser } from "../../../graph";
import { INVITED_USERS_FILTER, REDEMPTION_STATE_PROPERTIES, USER_PROFILE_PROPERTIES } from "../../../graph";
import { describeMark, readMark } from "../../../provider/mark";
import type { OwnershipMark } from "../../../provider/mark";

/** A user as `GET /users?$select=...&$expand=extensions` returns it (the fields the export reads): Graph's user, plus three. */
export interface ListedUser extends Omit<GraphUser, "otherMails"> {
  otherMails?: string[] | null;
  creationType?: string | null;
  createdDateTime?: string | null;
  /** The user's open extensions (`$expand=extensions`), where a stack's ownership mark is. */
  extensions?: Record<string, unknown>[] | null;
}

/** What the export asks Graph for. */
export const EXPORT_SELECT = [
  "id",
  "mail",
  "otherMails",
  "displayName",
  "userType",
  "creationType",
  ...REDEMPTION_STATE_PROPERTIES,
  "createdDateTime",
  "accountEnabled",
  ...USER_PROFILE_PROPERTIES,
] as const;

/** Every guest, and members invited through B2B. */
export const GUEST_FILTER = INVITED_USERS_FILTER;

/** The redemption states `--state` accepts. */
export const STATES = ["PendingAcceptance", "Accepted"] as const;
export type RedemptionState = (typeof STATES)[number];

/** Default for the file's `inviteRedirectUrl` (where a guest lands after redeeming). */
export const DEFAULT_REDIRECT_URL = "https://myapps.microsoft.com";

/** The export's filters; a user must pass all of them. */
export interface ExportFilters {
  /** Address domains (lower case, without `@`); empty: any. */
  domains: readonly string[];
  state?: RedemptionState;
  /** Only users created before this instant. */
  createdBefore?: Date;
}

/** The user properties in file order, with the names guest files use. */
const USER_PROPERTY_FIELDS = USER_PROFILE_PROPERTIES;

/** One guest of the file. */
export interface ExportedGuest {
  key: string;
  email: string;
  /** File fields in file order (short names: `displayName`, `userType`, `companyName`, ...). */
  fields: Record<string, string>;
  /** The facts for the comment: state, since, created, id, disabled, owning stack, fields left out. */
  comment: string;
  id: string;
  /** The ownership mark of the stack that invited the guest, if any. */
  mark?: OwnershipMark;
}

/** A user that is not exported, and why. */
export interface SkippedUser {
  id: string;
  reason: string;
}

/** What {@link selectGuests} made of the listed users. */
export interface Selection {
  guests: ExportedGuest[];
  /** Users that passed the filters but cannot be written (no usable address, address twice). */
  skipped: SkippedUser[];
  /** Users the filters left out. */
  filteredOut: number;
}

/** Leading characters the guest list refuses in any value (a spreadsheet would run them as a formula). */
const FORMULA_START = /^ *[=+\-@\t\r]/;

/** `YYYY-MM-DD` of a Graph time, or undefined. */
function day(t: string | null | undefined): string | undefined {
  if (!t) return undefined;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().slice(0, 10);
}

/** The address a user is exported (and found by the provider) by: `mail`, else the first of `otherMails`. */
export function addressOf(u: ListedUser): string | undefined {
  const m = u.mail?.trim();
  if (m) return m;
  return u.otherMails?.map((x) => x.trim()).find((x) => x !== "");
}

/** True when the user passes the filters. */
export function passes(u: ListedUser, f: ExportFilters): boolean {
  if (f.state && u.externalUserState !== f.state) return false;
  if (f.createdBefore) {
    const created = u.createdDateTime ? Date.parse(u.createdDateTime) : NaN;
    if (!(created < f.createdBefore.getTime())) return false;
  }
  if (f.domains.length) {
    const address = addressOf(u)?.toLowerCase();
    const domain = address?.slice(address.lastIndexOf("@") + 1);
    if (!domain || !f.domains.includes(domain)) return false;
  }
  return true;
}

const hash8 = (s: string): string => createHash("sha256").update(s).digest("hex").slice(0, 8);

/** The key of an address: `jane_contoso.com` for `jane@contoso.com` (see the module comment). */
export function keyOf(email: string): string {
  const base = email
    .trim()
    .toLowerCase()
    .replace("@", "_")
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "");
  if (base && base.length <= 64) return base;
  return `${base.slice(0, 55).replace(/[^a-z0-9]+$/, "") || "guest"}-${hash8(email.trim().toLowerCase())}`;
}

/**
 * The users to export, filtered, checked as the guest list will check them, keyed and sorted by
 * address. Users whose address the guest list would refuse are skipped with the reason.
 */
export function selectGuests(
  users: readonly ListedUser[],
  filters: ExportFilters,
  redirectUrl = DEFAULT_REDIRECT_URL,
): Selection {
  const skipped: SkippedUser[] = [];
  let filteredOut = 0;
  const byEmail = new Map<string, { user: ListedUser; email: string }>();
  // Oldest first, so that of two users with one address the older one is kept.
  const ordered = [...users].sort(
    (a, b) => (a.createdDateTime ?? "").localeCompare(b.createdDateTime ?? "") || a.id.localeCompare(b.id),
  );
  for (const u of ordered) {
    if (!passes(u, filters)) {
      filteredOut++;
      continue;
    }
    const raw = addressOf(u);
    if (raw === undefined) {
      skipped.push({ id: u.id, reason: "has no email address (mail and otherMails are empty)" });
      continue;
    }
    const checked = checkEmail(raw);
    if ("reason" in checked) {
      skipped.push({ id: u.id, reason: `its address ${checked.reason}` });
      continue;
    }
    if (FORMULA_START.test(raw)) {
      skipped.push({
        id: u.id,
        reason: `its address '${raw}' starts with a character the guest list refuses (a spreadsheet formula)`,
      });
      continue;
    }
    const other = byEmail.get(checked.ok);
    if (other) {
      skipped.push({
        id: u.id,
        reason: `has the address ${checked.ok} of the older user ${other.user.id}, which is exported`,
      });
      continue;
    }
    byEmail.set(checked.ok, { user: u, email: checked.ok });
  }

  const entries = [...byEmail.values()].sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  const keys = new Map<string, number>();
  for (const e of entries) {
    const k = keyOf(e.email);
    keys.set(k, (keys.get(k) ?? 0) + 1);
  }
  const guests = entries.map(({ user, email }) => {
    let key = keyOf(email);
    if ((keys.get(key) ?? 0) > 1) key = `${key.slice(0, 55)}-${hash8(email)}`;
    const mark = readMark(user.extensions ?? undefined);
    const { fields, leftOut } = fieldsOf(user, email, redirectUrl);
    if (mark && mark.onDelete !== "delete") fields.onDelete = mark.onDelete;
    return { key, email, fields, comment: commentOf(user, leftOut, mark), id: user.id, ...(mark ? { mark } : {}) };
  });
  return { guests, skipped, filteredOut };
}

/** The fields a user sets, each checked as the `Invitation` checks it; refused values are left out with the reason. */
function fieldsOf(
  u: ListedUser,
  email: string,
  redirectUrl: string,
): { fields: Record<string, string>; leftOut: string[] } {
  const fields: Record<string, string> = {};
  const leftOut: string[] = [];
  const candidates: [string, string | null | undefined][] = [
    ["displayName", u.displayName],
    ["userType", u.userType === "Member" ? "Member" : undefined],
    ...USER_PROPERTY_FIELDS.map((k) => [k, u[k]] as [string, string | null | undefined]),
  ];
  for (const [name, value] of candidates) {
    if (value === undefined || value === null || value.trim() === "") continue;
    if (FORMULA_START.test(value)) {
      leftOut.push(
        `${name} (starts with '${value.trimStart()[0].replace("\t", "\\t").replace("\r", "\\r")}', which the guest list refuses as a spreadsheet formula)`,
      );
      continue;
    }
    const reason = invitationCheck(email, redirectUrl, name, value);
    if (reason) {
      leftOut.push(`${name} (${reason})`);
      continue;
    }
    fields[name] = value;
  }
  return { fields, leftOut };
}

/** Why the `Invitation` would refuse this one field, or undefined. */
function invitationCheck(email: string, redirectUrl: string, name: string, value: string): string | undefined {
  const inputs: Record<string, unknown> = { invitedUserEmailAddress: email, inviteRedirectUrl: redirectUrl };
  let property: string;
  if (name === "displayName") inputs[(property = "invitedUserDisplayName")] = value;
  else if (name === "userType") inputs[(property = "invitedUserType")] = value;
  else {
    inputs.userProperties = { [name]: value };
    property = `userProperties.${name}`;
  }
  const failure = checkInputs(inputs).failures.find((f) => f.property === property);
  return failure?.reason;
}

function commentOf(u: ListedUser, leftOut: readonly string[], mark: OwnershipMark | undefined): string {
  const parts: string[] = [];
  const since = day(u.externalUserStateChangeDateTime);
  parts.push(u.externalUserState ? `${u.externalUserState}${since ? ` since ${since}` : ""}` : "no redemption state");
  const created = day(u.createdDateTime);
  if (created) parts.push(`created ${created}`);
  parts.push(`id ${u.id}`);
  if (u.accountEnabled === false) parts.push("disabled (accountEnabled false)");
  if (mark) parts.push(`invited by the stack ${describeMark(mark)} with onDelete ${mark.onDelete}`);
  if (leftOut.length) parts.push(`left out: ${leftOut.join("; ")}`);
  return parts.join(", ");
}

/** What the file's header says. */
export interface FileHeader {
  tenantId?: string;
  filters: ExportFilters;
  skipped: readonly SkippedUser[];
}

function describeFilters(f: ExportFilters): string {
  const parts: string[] = [];
  if (f.domains.length) parts.push(`domain ${f.domains.join(" or ")}`);
  if (f.state) parts.push(`state ${f.state}`);
  if (f.createdBefore)
    parts.push(
      `created before ${f.createdBefore
        .toISOString()
        .replace(/T00:00:00\.000Z$/, "")
        .replace(/\.000Z$/, "Z")}`,
    );
  return parts.length ? parts.join(", ") : "none";
}

/** The guest-list file as YAML: header comment, `defaults:` with the redirect URL, one commented entry per guest. */
export function renderYaml(
  guests: readonly ExportedGuest[],
  header: FileHeader,
  redirectUrl = DEFAULT_REDIRECT_URL,
): string {
  const n = guests.length;
  const lines = [
    ` Guest list exported by \`entra-guests export\`${header.tenantId ? ` from tenant ${header.tenantId}` : ""}: ${n} guest${n === 1 ? "" : "s"}, filters: ${describeFilters(header.filters)}.`,
    " Above each guest: its redemption state, creation date and object id (comments; the guest list ignores them).",
    " Declared in a GuestList, a guest that already exists is adopted (the same user, no duplicate) and kept",
    " in Entra when its entry is removed, unless the entry sets onDelete. A guest a stack invited keeps that",
    " stack's onDelete (written when it is not delete) when the stack applies this file; its comment names the stack.",
  ];
  for (const s of header.skipped) lines.push(` Not exported: user ${s.id} ${s.reason}.`);
  const doc = new YAML.Document({
    defaults: { inviteRedirectUrl: redirectUrl },
    guests: guests.map((g) => ({ key: g.key, email: g.email, ...g.fields })),
  });
  doc.commentBefore = lines.join("\n");
  const root = doc.contents as YAML.YAMLMap;
  (root.items[0].key as YAML.Scalar).commentBefore =
    " Where a guest lands after redeeming an invitation (the file's defaults win over the program's).";
  const seq = doc.get("guests", true) as YAML.YAMLSeq;
  seq.items.forEach((item, i) => {
    (item as YAML.YAMLMap).commentBefore = ` ${guests[i].comment}`;
  });
  return doc.toString({ lineWidth: 0 });
}

/** CSV columns in file order. */
const CSV_COLUMNS = [
  "key",
  "email",
  "displayName",
  "userType",
  ...USER_PROPERTY_FIELDS,
  "onDelete",
  "redirectUrl",
] as const;

/** One CSV cell, quoted when it has to be (RFC 4180). */
function csvCell(v: string): string {
  return /[",;\r\n]|^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * The guest-list file as CSV: a header row of the columns some guest sets (plus `key`, `email` and
 * `redirectUrl`), one row per guest, CRLF line ends as spreadsheets write them.
 */
export function renderCsv(guests: readonly ExportedGuest[], redirectUrl = DEFAULT_REDIRECT_URL): string {
  const used = new Set<string>(["key", "email", "redirectUrl"]);
  for (const g of guests) for (const k of Object.keys(g.fields)) used.add(k);
  const columns = CSV_COLUMNS.filter((c) => used.has(c));
  const rows = [columns.join(",")];
  for (const g of guests) {
    const values: Record<string, string> = { key: g.key, email: g.email, redirectUrl, ...g.fields };
    rows.push(columns.map((c) => csvCell(values[c] ?? "")).join(","));
  }
  return rows.join("\r\n") + "\r\n";
}

/**
 * Parses and resolves `text` as `GuestList` would (file name `fileName`, no program defaults) and
 * throws when it would refuse it: the export never writes a file the guest list cannot load.
 */
export function assertLoads(text: string, fileName: string): void {
  try {
    planGuestList({ file: { text, fileName } }, "export");
  } catch (e) {
    const detail =
      e instanceof GuestListError
        ? e.issues
            .slice(0, 3)
            .map((i) => `${i.line ?? ""} ${i.property ?? ""} ${i.reason}`.trim())
            .join("; ")
        : String(e);
    throw new Error(
      `internal error: the exported file would not load as a guest list (${detail}); nothing was written. Please report this.`,
    );
  }
}
