/**
 * `resolveGuests(entries, defaults, source)`: entries over defaults, each named, each validated the
 * way the `Invitation` will validate it, and the list as a whole checked (an email or a key only
 * once). Pure, and free of Pulumi: values that are Outputs or promises are treated as unknown, as
 * the engine does in a preview. Every problem is collected; one `GuestListError` lists them all.
 */
import type { InvitationArgs } from "../resource/invitation";
import { checkEmail, checkInputs } from "../provider/validate";
import { UNKNOWN } from "../provider/types";
import { isOutput } from "../sdk";
import { checkWarningDays, DEFAULT_EXPIRY_WARNING_DAYS, parseExpiresOn } from "../provider/expiry";
import { DEFAULT_KEYS, ENTRY_KEYS, fieldPath, OBJECT_FIELDS, suggestField } from "./fields";
import { parseGuestFile } from "./parse";
import {
  EntryLocation,
  GuestDefaults,
  GuestEntry,
  GuestFile,
  GuestListError,
  GuestListIssue,
  ResolvedGuest,
} from "./types";

/** A program's entries are named by `source` (e.g. `guests`); a parsed file carries its own name and lines. */
export type GuestSource = string | GuestFile;

/** A layer of defaults and where it was written. */
export interface DefaultsLayer {
  value: unknown;
  source: string;
  location?: EntryLocation;
}

/** Entries from one place, with the defaults that apply to them (lowest precedence first). */
export interface EntrySet {
  entries: readonly unknown[];
  defaults: readonly DefaultsLayer[];
  source: GuestSource;
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Leading characters that make a spreadsheet run a cell as a formula (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Resolve one list of entries. `defaults` apply to every entry (entries override them). `source` is
 * a parsed file (messages name its lines) or a label for program entries (`guests[2]`).
 * Throws a `GuestListError` listing every problem; returns the guests in list order.
 */
export function resolveGuests(entries: readonly unknown[], defaults: unknown, source: GuestSource): ResolvedGuest[] {
  const layers: DefaultsLayer[] = [];
  if (defaults !== undefined && defaults !== null) {
    layers.push(
      typeof source === "string"
        ? { value: defaults, source: "defaults" }
        : { value: defaults, source: source.fileName, location: source.defaultsLocation },
    );
  }
  return resolveSets([{ entries, defaults: layers, source }]);
}

/** What a `GuestList` is given, with the file already read (so this stays free of I/O). */
export interface GuestListInput {
  guests?: readonly GuestEntry[] | readonly unknown[];
  defaults?: GuestDefaults | unknown;
  file?: { text: string; fileName: string };
  /** The list's warning window before an expiry, in days (default 14); `expiryWarningDays` in defaults wins. */
  expiryWarningDays?: unknown;
}

/**
 * The whole plan of a guest list: the file (if any) parsed, its entries over the file's `defaults:`
 * over the program's `defaults`, the program's entries over the program's `defaults`, all validated
 * together. Throws a `GuestListError` naming `listName`.
 */
export function planGuestList(input: GuestListInput, listName?: string): ResolvedGuest[] {
  const programDefaults: DefaultsLayer[] =
    input.defaults === undefined || input.defaults === null ? [] : [{ value: input.defaults, source: "defaults" }];
  const sets: EntrySet[] = [];
  if (input.file) {
    let file: GuestFile;
    try {
      file = parseGuestFile(input.file.text, input.file.fileName);
    } catch (e) {
      if (e instanceof GuestListError && listName) throw new GuestListError(e.issues, listName);
      throw e;
    }
    const layers = [...programDefaults];
    if (file.defaults) layers.push({ value: file.defaults, source: file.fileName, location: file.defaultsLocation });
    sets.push({ entries: file.guests, defaults: layers, source: file });
  }
  if (input.guests !== undefined) {
    if (!Array.isArray(input.guests)) {
      throw new GuestListError([{ source: "guests", reason: "must be a list of guest entries" }], listName);
    }
    sets.push({ entries: input.guests, defaults: programDefaults, source: "guests" });
  }
  if (!sets.length) {
    throw new GuestListError(
      [
        {
          source: "args",
          reason: "give 'guests' (a list of entries) or 'file' (a .yaml, .json or .csv guest file), or both",
        },
      ],
      listName,
    );
  }
  const warning =
    input.expiryWarningDays === undefined || input.expiryWarningDays === null
      ? undefined
      : checkWarningDays(input.expiryWarningDays);
  if (warning && "reason" in warning) {
    throw new GuestListError([{ source: "args", property: "expiryWarningDays", reason: warning.reason }], listName);
  }
  return resolveSets(sets, listName, warning?.ok);
}

/** What is known of an entry, valid or not, for the checks across entries. */
interface Seen {
  /** The guest as the user wrote it: key, else email, else `#n`. */
  label: string;
  where: string;
  key?: string;
  email?: string;
  name?: string;
  /** Set only when the entry itself is valid. */
  guest?: ResolvedGuest;
}

interface Ctx {
  source: string;
  line?: number;
  index?: number;
  location?: EntryLocation;
}

/** Resolve several entry sets as one list (names, emails and keys unique across all of them). */
export function resolveSets(
  sets: readonly EntrySet[],
  listName?: string,
  expiryWarningDays = DEFAULT_EXPIRY_WARNING_DAYS,
): ResolvedGuest[] {
  const issues: GuestListIssue[] = [];
  const checkedLayers = new Set<DefaultsLayer>();
  const resolved: ResolvedGuest[] = [];
  const byEmail = new Map<string, Seen>();
  const byKey = new Map<string, Seen>();
  const byName = new Map<string, Seen>();

  for (const set of sets) {
    if (typeof set.source !== "string") issues.push(...set.source.issues);
    for (const layer of set.defaults) {
      if (checkedLayers.has(layer)) continue;
      checkedLayers.add(layer);
      checkDefaults(layer, issues);
    }
    const defaults = set.defaults.reduce<Record<string, unknown>>(
      (acc, l) => (isPlainRecord(l.value) ? mergeArgs(acc, l.value) : acc),
      {},
    );
    set.entries.forEach((entry, i) => {
      const file = typeof set.source === "string" ? undefined : set.source;
      const location = file?.locations[i];
      const ctx: Ctx = file
        ? { source: file.fileName, line: location?.line, location }
        : { source: set.source as string, index: i };
      const r = resolveEntry(entry, defaults, ctx, issues, expiryWarningDays);
      if (!r) return;
      const where = (other: Seen): string =>
        other.where.startsWith(`${ctx.source}:`) && ctx.line !== undefined
          ? `on line ${other.where.slice(ctx.source.length + 1)}`
          : `at ${other.where}`;
      const who = (other: Seen): string => `guest '${other.label}'`;
      const at: Omit<GuestListIssue, "reason"> = {
        source: ctx.source,
        line: ctx.line,
        index: ctx.index,
        guest: r.label,
      };
      if (r.email) {
        const other = byEmail.get(r.email);
        if (other)
          issues.push({
            ...at,
            reason: `the email ${r.email} is already listed ${where(other)} (${who(other)}): list each guest once (emails compare case-insensitively)`,
          });
        else byEmail.set(r.email, r);
      }
      if (r.key) {
        const other = byKey.get(r.key.toLowerCase());
        if (other)
          issues.push({
            ...at,
            reason: `the key '${r.key}' is already used ${where(other)} (${who(other)}): keys must be unique (case-insensitively)`,
          });
        else byKey.set(r.key.toLowerCase(), r);
      }
      if (r.name) {
        const other = byName.get(r.name);
        const sameGuest =
          other &&
          ((other.email !== undefined && other.email === r.email) ||
            (other.key !== undefined && other.key.toLowerCase() === r.key?.toLowerCase()));
        if (other && !sameGuest)
          issues.push({
            ...at,
            reason: `its name '${r.name}' is the same as that of the ${who(other)} ${where(other)}: give one of them a 'key'`,
          });
        else if (!other) byName.set(r.name, r);
      }
      if (r.guest) resolved.push(r.guest);
    });
  }
  if (issues.length) throw new GuestListError(sortIssues(issues), listName);
  return resolved;
}

/** By source (in order of appearance), then line or index; stable otherwise. */
function sortIssues(issues: GuestListIssue[]): GuestListIssue[] {
  const order = new Map<string, number>();
  for (const i of issues) if (!order.has(i.source)) order.set(i.source, order.size);
  const pos = (i: GuestListIssue): number => i.line ?? i.index ?? -1;
  return issues
    .map((issue, n) => ({ issue, n }))
    .sort(
      (a, b) =>
        (order.get(a.issue.source) ?? 0) - (order.get(b.issue.source) ?? 0) || pos(a.issue) - pos(b.issue) || a.n - b.n,
    )
    .map((x) => x.issue);
}

/** The Pulumi-safe name of a guest without a key: its normalised email, other characters as `_`. */
export function emailName(email: string): string {
  return email
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._@-]/g, "_");
}

/** The name of a guest: its key in lower case, or else its email's name. */
export function guestName(entry: { key?: string; email?: string }): string | undefined {
  if (entry.key !== undefined) return entry.key.trim().toLowerCase();
  return entry.email !== undefined ? emailName(entry.email) : undefined;
}

function resolveEntry(
  entry: unknown,
  defaults: Record<string, unknown>,
  ctx: Ctx,
  issues: GuestListIssue[],
  listWarningDays: number,
): Seen | undefined {
  const base = { source: ctx.source, line: ctx.line, index: ctx.index };
  if (!isPlainRecord(entry)) {
    issues.push({ ...base, reason: `a guest entry must be an object of fields, not ${describe(entry)}` });
    return undefined;
  }
  const rawEmail = entry.invitedUserEmailAddress;
  const guest =
    typeof entry.key === "string" && entry.key.trim()
      ? entry.key.trim()
      : typeof rawEmail === "string" && rawEmail.trim()
        ? rawEmail.trim()
        : `#${(ctx.index ?? 0) + 1}`;
  const problem = (reason: string, property?: string): void => {
    const top = property?.split(".")[0];
    const line = top !== undefined ? (ctx.location?.fields[top] ?? ctx.line) : ctx.line;
    issues.push({
      ...base,
      line,
      guest,
      property: property === undefined ? undefined : label(property, ctx.location),
      reason,
    });
  };
  const before = issues.length;

  // Fields this list does not know.
  const known = new Set<string>(ENTRY_KEYS);
  const own: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entry)) {
    if (v === undefined) continue;
    if (known.has(k)) own[k] = v;
    else if (k === "expiryWarningDays")
      problem(
        "is set for the whole list, not per guest: put it in the defaults (or the GuestList's expiryWarningDays)",
        k,
      );
    else problem(unknownFieldReason(k, ctx.location === undefined), k);
  }

  // Invitation's check reports leading formula characters too: report each field once.
  const formulas = new Set<string>();
  scanFormulas(own, (path, ch) => {
    formulas.add(path);
    problem(formulaReason(ch), path);
  });

  let key: string | undefined;
  if (own.key !== undefined && own.key !== null) {
    if (typeof own.key !== "string" || !KEY.test(own.key.trim())) {
      const hint =
        typeof own.key === "number"
          ? ' (a number: quote it in the file, e.g. key: "0042", so leading zeros are kept)'
          : "";
      problem(
        `${JSON.stringify(own.key)} is not a valid key${hint}: use text of letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit), e.g. 'fabrikam-auditor'`,
        "key",
      );
    } else key = own.key.trim();
  }

  const groupsValue = own.groups === undefined ? defaults.groups : own.groups;
  const groups = checkGroups(groupsValue, (r) => problem(r, "groups"));

  const merged = mergeArgs(defaults, own);
  delete merged.key;
  delete merged.groups;
  const warning = merged.expiryWarningDays === undefined ? undefined : checkWarningDays(merged.expiryWarningDays);
  const warningDays = warning && "ok" in warning ? warning.ok : listWarningDays;
  delete merged.expiryWarningDays;
  if (isOutput(merged.expiresOn) || isPromiseLike(merged.expiresOn)) {
    problem(
      "must be known when the program runs (the list decides by it whether to declare the guest): give a date as text, e.g. '2027-01-31'",
      "expiresOn",
    );
  }

  const { failures } = checkInputs(toCheckable(merged));
  for (const f of failures) {
    const path = f.property.split(".");
    if (!known.has(path[0])) continue; // reported above as an unknown field
    if (formulas.has(f.property)) continue; // reported above as a formula
    if (getPath(own, path) === undefined && getPath(defaults, path) !== undefined) continue; // reported once, at the defaults
    const required = /is required$/.test(f.reason);
    const reason =
      stripLead(f.reason, path[path.length - 1]) +
      (required && f.property === "inviteRedirectUrl"
        ? ": give it in the entry or in the defaults"
        : required
          ? ": give it in the entry"
          : "");
    problem(reason, f.property);
  }

  let email: string | undefined;
  const mergedEmail = merged.invitedUserEmailAddress;
  if (typeof mergedEmail === "string") {
    const e = checkEmail(mergedEmail);
    if ("ok" in e) email = e.ok;
  } else if (mergedEmail !== undefined && mergedEmail !== null && key === undefined && own.key === undefined) {
    problem(
      "the email is not known until deployment (an Output): give this guest a 'key' to name it by",
      "invitedUserEmailAddress",
    );
  }

  const name = guestName({ key, email });
  const where =
    ctx.line !== undefined
      ? `${ctx.source}:${ctx.line}`
      : ctx.index !== undefined
        ? `${ctx.source}[${ctx.index}]`
        : ctx.source;
  const seen: Seen = { label: guest, where, key, email, name };
  if (issues.length > before || name === undefined) return seen;
  // The list handles expiry itself (it leaves an expired guest out): the Invitation does not get it.
  const expiry = merged.expiresOn === undefined ? undefined : parseExpiresOn(merged.expiresOn);
  delete merged.expiresOn;
  seen.guest = {
    name,
    key,
    email,
    args: merged as unknown as InvitationArgs,
    groups,
    expiresOn: expiry && "ok" in expiry ? expiry.ok : undefined,
    expiryWarningDays: warningDays,
    formerNames: key !== undefined && email !== undefined ? [emailName(email)] : [],
    where,
  };
  return seen;
}

function checkDefaults(layer: DefaultsLayer, issues: GuestListIssue[]): void {
  const at = { source: layer.source, line: layer.location?.line };
  const problem = (reason: string, property?: string): void => {
    const top = property?.split(".")[0];
    const line = top !== undefined ? (layer.location?.fields[top] ?? at.line) : at.line;
    issues.push({
      ...at,
      line,
      guest: undefined,
      property: `defaults${property === undefined ? "" : `.${label(property, layer.location)}`}`,
      reason,
    });
  };
  if (!isPlainRecord(layer.value)) {
    problem(`must be an object of fields, not ${describe(layer.value)}`);
    return;
  }
  const allowed = new Set<string>(DEFAULT_KEYS);
  const own: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(layer.value)) {
    if (v === undefined) continue;
    if (allowed.has(k)) own[k] = v;
    else if ((ENTRY_KEYS as readonly string[]).includes(k))
      problem(`'${k}' cannot be a default: each guest sets its own (defaults may set ${DEFAULT_KEYS.join(", ")})`, k);
    else problem(unknownFieldReason(k, layer.location === undefined), k);
  }
  const formulas = new Set<string>();
  scanFormulas(own, (path, ch) => {
    formulas.add(path);
    problem(formulaReason(ch), path);
  });
  if (own.groups !== undefined) checkGroups(own.groups, (r) => problem(r, "groups"));
  if (own.expiryWarningDays !== undefined && own.expiryWarningDays !== null) {
    const w = checkWarningDays(own.expiryWarningDays);
    if ("reason" in w) problem(w.reason, "expiryWarningDays");
  }
  const probe: Record<string, unknown> = { ...own, invitedUserEmailAddress: "placeholder@example.com" };
  delete probe.groups;
  delete probe.expiryWarningDays;
  if (probe.inviteRedirectUrl === undefined || probe.inviteRedirectUrl === null)
    probe.inviteRedirectUrl = "https://example.com";
  for (const f of checkInputs(toCheckable(probe)).failures) {
    const path = f.property.split(".");
    if (getPath(own, path) === undefined || formulas.has(f.property)) continue;
    problem(stripLead(f.reason, path[path.length - 1]), f.property);
  }
}

function checkGroups(value: unknown, fail: (reason: string) => void): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    fail(`must be a list of group object ids (GUIDs), not ${describe(value)}`);
    return [];
  }
  const ids: string[] = [];
  for (const g of value) {
    if (typeof g !== "string" || !GUID.test(g.trim())) {
      fail(
        `${isOutput(g) ? "an Output" : JSON.stringify(g)} is not a group object id: give the group's object id, a GUID such as 00000000-0000-0000-0000-000000000000 (ids must be known when the program runs, to name the memberships)`,
      );
      continue;
    }
    const id = g.trim().toLowerCase();
    if (ids.includes(id)) fail(`lists the group ${id} twice`);
    else ids.push(id);
  }
  return ids;
}

/** `defaults` then `entry`: entries win; `null` in an entry drops the default; object fields merge field by field. */
export function mergeArgs(defaults: Record<string, unknown>, entry: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...defaults };
  for (const [k, v] of Object.entries(entry)) {
    if (v === undefined) continue;
    if (v === null) {
      delete out[k];
      continue;
    }
    const prev = out[k];
    if (OBJECT_FIELDS[k] && isPlainRecord(v) && isPlainRecord(prev)) {
      const merged: Record<string, unknown> = { ...prev };
      for (const [sk, sv] of Object.entries(v)) {
        if (sv === undefined) continue;
        if (sv === null) delete merged[sk];
        else merged[sk] = sv;
      }
      out[k] = merged;
    } else out[k] = v;
  }
  return out;
}

/** Replace Outputs and promises by the engine's unknown marker, so `checkInputs` lets them pass. */
export function toCheckable(args: Record<string, unknown>): Record<string, unknown> {
  const out = convert(args, 0) as Record<string, unknown>;
  const info = out.invitedUserMessageInfo;
  if (isPlainRecord(info) && info.ccRecipients === UNKNOWN) delete info.ccRecipients;
  return out;
}

function convert(v: unknown, depth: number): unknown {
  if (isOutput(v) || isPromiseLike(v)) return UNKNOWN;
  if (depth > 8) return v;
  if (Array.isArray(v)) return v.map((x) => convert(x, depth + 1));
  if (isPlainRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, convert(x, depth + 1)]));
  if (typeof v === "object" && v !== null && "id" in v) return { id: convert((v as { id: unknown }).id, depth + 1) };
  return v;
}

function scanFormulas(v: unknown, found: (path: string, ch: string) => void, path = "", depth = 0): void {
  if (typeof v === "string") {
    const m = FORMULA_START.exec(v) ?? FORMULA_START.exec(v.replace(/^ +/, ""));
    if (m) found(path, m[0]);
    return;
  }
  if (depth > 8 || isOutput(v)) return;
  if (Array.isArray(v)) v.forEach((x) => scanFormulas(x, found, path, depth + 1));
  else if (isPlainRecord(v))
    for (const [k, x] of Object.entries(v)) scanFormulas(x, found, path ? `${path}.${k}` : k, depth + 1);
}

function formulaReason(ch: string): string {
  const shown = ch === "\t" ? "a tab" : ch === "\r" ? "a carriage return" : `'${ch}'`;
  return `starts with ${shown}: a spreadsheet opening an export of the directory would run it as a formula (CSV injection); remove the leading character`;
}

function unknownFieldReason(k: string, program: boolean): string {
  const path = fieldPath(k);
  if (program && path)
    return `unknown field '${k}': program entries use the Invitation's names; write '${path.join(".")}'`;
  return `unknown field '${k}'${suggestField(k)}; a guest has the Invitation's inputs (${ENTRY_KEYS.filter((x) => x !== "key" && x !== "groups").join(", ")}) plus key and groups`;
}

function label(property: string, location?: EntryLocation): string {
  const written = location?.labels[property] ?? location?.labels[property.split(".")[0]];
  if (!written || written.toLowerCase() === property.toLowerCase()) return property;
  return `${written} (${property})`;
}

function stripLead(reason: string, word: string): string {
  return reason.startsWith(`${word} `) ? reason.slice(word.length + 1) : reason;
}

function getPath(o: Record<string, unknown>, path: readonly string[]): unknown {
  let cur: unknown = o;
  for (const p of path) {
    if (!isPlainRecord(cur)) return undefined;
    cur = cur[p];
  }
  return cur === null ? undefined : cur;
}

function describe(v: unknown): string {
  return v === null
    ? "null"
    : Array.isArray(v)
      ? "a list"
      : typeof v === "string"
        ? `the text ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`
        : typeof v;
}

export function isPlainRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isPromiseLike(v: unknown): boolean {
  return typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";
}
