/**
 * `entra-guests summarize`, the pure part: the JSON of `pulumi preview --json` (or `pulumi up
 * --json`) → one row per guest that changes → Markdown for a pull-request comment, or plain text.
 *
 * What the engine's JSON holds (measured with the CLI 3.276): `preview --json` prints one document
 * `{ steps: [{ op, urn, oldState, newState, replaceReasons? }], diagnostics, changeSummary }`, with
 * no step for unchanged resources except the stack; with `--refresh` a `refresh` step for every
 * resource in state comes first. `up --json` prints that document for its preview and then the
 * engine's events, one JSON object a line (`resourcePreEvent`, `resOutputsEvent` with the outputs
 * as applied, `summaryEvent`); with `--skip-preview` only the events. When events of an update are
 * there, they are what happened and are used; else the preview document.
 *
 * A guest is a resource of type `pulumi-nodejs:dynamic/entra:Invitation` (alone or in a
 * `GuestList`), or a guest of a `GuestShard` (a `GuestList` in the shard form), whose step is first
 * made the step its `Invitation` would have (shard-steps.ts). Its row:
 * - `create` → invite; adopt when the provider's preview line says the address exists
 *   (`<address>: exists as <id> → adopted ...`, see src/provider/plan.ts `createPreviewLine`) or, after
 *   `up`, the outputs say so (never "invitation email sent" then); rename when a delete in the same
 *   run had the same address (a key rename: the new key takes the user over, nothing deleted); a
 *   create of a resource that a refresh step shows was in state → re-invite (the guest was deleted out
 *   of band and is not in the recycle bin);
 * - `update` of a guest whose refreshed state holds `inRecycleBin` → restore (the same user);
 * - `update` → update, with the fields that change (input names as guest files write them);
 *   fields that only the refresh changed are marked "changed in Entra, set back";
 * - `replace` → reset redemption, with why: the email change (old → new), `triggers`,
 *   `invitedUser`, or a replacement asked for with `--replace`; switch user when `invitedUser` now
 *   names another user than the old state's (the old one leaves by its `onDelete`);
 * - `delete` → remove, by the old state's `onDelete` (else retain for an adopted guest, else
 *   delete); expire instead when a diagnostic of its GuestList says the guest expired
 *   (`guest '<address or key>' expired on <date>: ...`, on the GuestList's URN);
 * - `update` of a guest whose refreshed state holds `reminderDue` (a reminder is due: the
 *   provider re-issues the invitation) → remind, with `reminder N of M`.
 * Only addresses, field names and policies are printed: never input or output values, so never a
 * redeem URL or a secret (a secret or unknown address prints as such).
 */

import { deletePolicy, PREVIEW_LINE, switchesUser } from "../../../provider/plan";
import { INPUT_KEYS, OnDelete, UNKNOWN, USER_PROPERTY_KEYS } from "../../../provider/types";
import { INVITATION_TYPE, parseUrn, urnType } from "../../../names";
import { expandShardSteps } from "./shard-steps";

/** The type of `GuestList`'s group memberships (`@pulumi/azuread`). */
export const GROUP_MEMBER_TYPE = "azuread:index/groupMember:GroupMember";
/** The key that marks a secret value in the engine's JSON. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** The marker at the top of the Markdown, for finding (and replacing) an earlier comment. */
export const COMMENT_MARKER = "<!-- entra-guests summarize -->";

/** Input that is not the JSON of a Pulumi preview or update, with the fix in the message. */
export class SummaryInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SummaryInputError";
  }
}

/** A resource's state as the engine's JSON shows it. */
export interface ResourceState {
  id?: string;
  type?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** One step, from the preview document or from the events. */
export interface PlanStep {
  op: string;
  urn: string;
  old?: ResourceState;
  new?: ResourceState;
  /** The inputs that force the replacement (`replaceReasons`, or `keys` in events). */
  replaceReasons?: string[];
  /** Outputs as applied (events of an update only). */
  applied?: Record<string, unknown>;
}

/** A diagnostic the engine reported (warnings and infos too), with the resource's URN when it has one. */
export interface RunDiagnostic {
  urn?: string;
  severity?: string;
  message: string;
}

/** What one run of the engine did or plans to do. */
export interface PulumiRun {
  /** `preview`: the plan; `update`: what an update did (from its events). */
  kind: "preview" | "update";
  steps: PlanStep[];
  /** First line of each error the engine reported. */
  errors: string[];
  /** Every diagnostic (for the expiry lines of a GuestList). */
  diagnostics?: RunDiagnostic[];
}

const PREVIEW_HINT =
  "pipe the JSON of a preview into it: pulumi preview --json | entra-guests summarize (or pulumi up --json)";

/** Every JSON value in `text`, in order (the CLI may print a document and then one event a line). */
export function splitJsonValues(text: string): unknown[] {
  const values: unknown[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i])) i++;
    if (i >= n) break;
    const start = i;
    const c = text[i];
    if (c !== "{" && c !== "[") {
      const line = text.slice(0, start).split("\n").length;
      const sample = text.slice(start, start + 40).split("\n")[0];
      throw new SummaryInputError(
        `stdin is not JSON (line ${line} starts '${sample}'): ${PREVIEW_HINT}; the --json flag is needed`,
      );
    }
    let depth = 0;
    let inString = false;
    for (; i < n; i++) {
      const ch = text[i];
      if (inString) {
        if (ch === "\\") i++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === "{" || ch === "[") depth++;
      else if (ch === "}" || ch === "]") {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    const chunk = text.slice(start, i);
    try {
      values.push(JSON.parse(chunk));
    } catch (e) {
      const line = text.slice(0, start).split("\n").length;
      throw new SummaryInputError(
        `stdin is not valid JSON (the value starting on line ${line}: ${(e as Error).message}): ${PREVIEW_HINT}`,
      );
    }
  }
  return values;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function stateOf(v: unknown): ResourceState | undefined {
  if (!isRecord(v)) return undefined;
  return {
    id: typeof v.id === "string" ? v.id : undefined,
    type: typeof v.type === "string" ? v.type : undefined,
    inputs: isRecord(v.inputs) ? v.inputs : undefined,
    outputs: isRecord(v.outputs) ? v.outputs : undefined,
  };
}

const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined;

/**
 * Reads the output of `pulumi preview --json` or `pulumi up --json`. Throws a
 * {@link SummaryInputError} saying what to pipe in when it is something else.
 */
export function readPulumiJson(text: string): PulumiRun {
  if (!text.trim()) throw new SummaryInputError(`stdin is empty: ${PREVIEW_HINT}`);
  const values = splitJsonValues(text);
  const doc = values.find((v): v is Record<string, unknown> => isRecord(v) && "steps" in v);
  const events = values.filter((v): v is Record<string, unknown> => isRecord(v) && typeof v.sequence === "number");
  if (!doc && !events.length) {
    const first = values[0];
    if (isRecord(first) && "deployment" in first)
      throw new SummaryInputError(`stdin is a stack export (pulumi stack export), not a preview: ${PREVIEW_HINT}`);
    if (isRecord(first) && isRecord(first.error))
      throw new SummaryInputError(
        `stdin is an error, not a preview (${String((first.error as Record<string, unknown>).message ?? "").slice(0, 200)}): ${PREVIEW_HINT}`,
      );
    const keys = isRecord(first)
      ? Object.keys(first).slice(0, 5).join(", ")
      : Array.isArray(first)
        ? "a list"
        : typeof first;
    throw new SummaryInputError(
      `stdin is JSON but not Pulumi's (no 'steps' and no engine events; it has ${keys || "nothing"}): ${PREVIEW_HINT}`,
    );
  }

  const errors: string[] = [];
  const firstLine = (m: unknown): string =>
    String(m ?? "")
      .trim()
      .split("\n")[0]
      .slice(0, 300);

  const diagnostics: RunDiagnostic[] = [];
  const diagnosticOf = (d: Record<string, unknown>): RunDiagnostic | undefined =>
    typeof d.message === "string"
      ? {
          urn: typeof d.urn === "string" ? d.urn : undefined,
          severity: typeof d.severity === "string" ? d.severity : undefined,
          message: d.message,
        }
      : undefined;
  const updateSteps: PlanStep[] = [];
  let applied = false;
  for (const e of events) {
    const pre =
      isRecord(e.resourcePreEvent) && isRecord(e.resourcePreEvent.metadata) ? e.resourcePreEvent.metadata : undefined;
    if (pre && typeof pre.op === "string" && typeof pre.urn === "string") {
      updateSteps.push({
        op: pre.op,
        urn: pre.urn,
        old: stateOf(pre.old),
        new: stateOf(pre.new),
        replaceReasons: strings(pre.keys),
      });
    }
    const out =
      isRecord(e.resOutputsEvent) && isRecord(e.resOutputsEvent.metadata) ? e.resOutputsEvent.metadata : undefined;
    if (out && typeof out.urn === "string" && typeof out.op === "string") {
      const step = [...updateSteps].reverse().find((s) => s.urn === out.urn && s.op === out.op);
      const outputs = stateOf(out.new)?.outputs;
      if (step && outputs) step.applied = outputs;
    }
    const summary = isRecord(e.summaryEvent) ? e.summaryEvent : undefined;
    if (summary && summary.isPreview === false) applied = true;
    if (summary && summary.result === "failed") errors.push("the update failed");
    const diag = isRecord(e.diagnosticEvent) ? e.diagnosticEvent : undefined;
    if (diag && diag.severity === "error") errors.push(firstLine(diag.message));
    const dd = diag ? diagnosticOf(diag) : undefined;
    if (dd) diagnostics.push(dd);
  }

  if (applied || (!doc && updateSteps.length))
    return { kind: applied ? "update" : "preview", steps: updateSteps, errors: unique(errors), diagnostics };

  const rawSteps = doc!.steps;
  if (!Array.isArray(rawSteps))
    throw new SummaryInputError(`stdin is JSON but its 'steps' is not a list: ${PREVIEW_HINT}`);
  const steps: PlanStep[] = rawSteps.map((s, i) => {
    if (!isRecord(s) || typeof s.op !== "string" || typeof s.urn !== "string") {
      throw new SummaryInputError(
        `stdin is JSON but step ${i + 1} has no 'op' and 'urn', as Pulumi's steps have: ${PREVIEW_HINT}`,
      );
    }
    return {
      op: s.op,
      urn: s.urn,
      old: stateOf(s.oldState),
      new: stateOf(s.newState),
      replaceReasons: strings(s.replaceReasons),
    };
  });
  if (Array.isArray(doc!.diagnostics)) {
    diagnostics.length = 0;
    for (const d of doc!.diagnostics) {
      if (!isRecord(d)) continue;
      if (d.severity === "error") errors.push(firstLine(d.message));
      const dd = diagnosticOf(d);
      if (dd) diagnostics.push(dd);
    }
  }
  return { kind: "preview", steps, errors: unique(errors), diagnostics };
}

function unique(xs: string[]): string[] {
  return [...new Set(xs.filter(Boolean))];
}

/** What happens to a guest. */
export type GuestAction =
  | "invite"
  | "adopt"
  | "rename"
  | "restore"
  | "re-invite"
  | "reset"
  | "switch"
  | "update"
  | "remind"
  | "remove"
  | "expire";

/** Order of actions in the table. */
const ACTION_ORDER: GuestAction[] = [
  "invite",
  "adopt",
  "rename",
  "restore",
  "re-invite",
  "reset",
  "switch",
  "update",
  "remind",
  "remove",
  "expire",
];

/** One row of the summary. */
export interface GuestRow {
  action: GuestAction;
  /** For `remove` and `expire`: the policy applied; for `switch`: the old user's. */
  policy?: "delete" | "disable" | "retain";
  /** For `remind`: `N of M` (this reminder, at most). */
  reminder?: string;
  /** The guest's address as text (or `(secret)`, `(known after apply)`), never a value beyond it. */
  guest: string;
  /** The resource's name (`partners-jane@contoso.com`). */
  name: string;
  /** For a reset by an email change: the old address (shown as `old → new`). */
  emailFrom?: string;
  /** Why / what, in words (field names, policy); joined with `; `. */
  notes: string[];
}

/** The whole summary. */
export interface GuestSummary {
  kind: PulumiRun["kind"];
  stack?: string;
  rows: GuestRow[];
  /** Group memberships (GuestList `groups`) added / removed / replaced. */
  memberships: { added: number; removed: number; replaced: number };
  errors: string[];
}

/** Field names as guest files write them (src/guestlist/fields.ts), for `update: ...`. */
const FIELD_NAMES: Record<string, string> = {
  invitedUserEmailAddress: "email",
  inviteRedirectUrl: "redirectUrl",
  invitedUserDisplayName: "displayName",
  invitedUserType: "userType",
  sendInvitationMessage: "sendInvitationMessage",
  "invitedUserMessageInfo.customizedMessageBody": "message",
  "invitedUserMessageInfo.messageLanguage": "messageLanguage",
  "invitedUserMessageInfo.ccRecipients": "cc",
  invitedUserSponsors: "sponsors",
};

/** Inputs that are nested objects whose fields are listed one by one. */
const NESTED = new Set(["userProperties", "invitedUserMessageInfo"]);

/** Inputs whose change is a redemption reset. */
const RESET_KEYS = ["invitedUserEmailAddress", "invitedUser", "triggers"];

function isSecret(v: unknown): boolean {
  return v === "[secret]" || (isRecord(v) && SECRET_SIG in v);
}

/** An address for display: the address, `(secret)` or `(known after apply)`. */
function addressText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (isSecret(v)) return "(secret)";
  if (v === UNKNOWN) return "(known after apply)";
  return typeof v === "string" ? v : undefined;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Input paths in the order the README's input table lists them; unknown ones after, by name. */
const PATH_ORDER = [
  ...INPUT_KEYS.flatMap((k) =>
    k === "userProperties"
      ? USER_PROPERTY_KEYS.map((p) => `userProperties.${p}`)
      : k === "invitedUserMessageInfo"
        ? ["customizedMessageBody", "messageLanguage", "ccRecipients"].map((p) => `${k}.${p}`)
        : [k],
  ),
];
const byInputOrder = (a: string, b: string): number => {
  const ia = PATH_ORDER.indexOf(a);
  const ib = PATH_ORDER.indexOf(b);
  return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib) || cmp(a, b);
};

/** Input paths whose values differ (nested objects by field), `__provider` left out, in input order. */
export function changedInputs(before: Record<string, unknown> = {}, after: Record<string, unknown> = {}): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => k !== "__provider");
  const out: string[] = [];
  for (const k of keys) {
    const a = before[k];
    const b = after[k];
    if (same(a, b)) continue;
    if (
      NESTED.has(k) &&
      (isRecord(a) || a === undefined) &&
      (isRecord(b) || b === undefined) &&
      !isSecret(a) &&
      !isSecret(b)
    ) {
      const ra = (a ?? {}) as Record<string, unknown>;
      const rb = (b ?? {}) as Record<string, unknown>;
      for (const sub of [...new Set([...Object.keys(ra), ...Object.keys(rb)])])
        if (!same(ra[sub], rb[sub])) out.push(`${k}.${sub}`);
    } else out.push(k);
  }
  return out.sort(byInputOrder);
}

/** The name a guest file gives an input path: `displayName`, `companyName`, `message`, ... */
export function fieldName(path: string): string {
  if (FIELD_NAMES[path]) return FIELD_NAMES[path];
  if (path.startsWith("userProperties.")) return path.slice("userProperties.".length);
  return path;
}

function inputAt(inputs: Record<string, unknown> | undefined, path: string): unknown {
  const [top, sub] = path.split(".");
  const v = inputs?.[top];
  return sub === undefined ? v : isRecord(v) ? v[sub] : undefined;
}

/** The summary of a run: one row per guest that changes, sorted by action, address and name. */
export function summarize(input: PulumiRun): GuestSummary {
  // Guest shards: one step per guest, as in the per-guest form.
  const run = { ...input, steps: expandShardSteps(input.steps) };
  const refreshed = new Map<string, PlanStep>();
  for (const s of run.steps) if (s.op === "refresh" && s.old?.id) refreshed.set(s.urn, s);
  const rows: GuestRow[] = [];
  const memberships = { added: 0, removed: 0, replaced: 0 };
  let stack: string | undefined;
  const replaced = new Set(run.steps.filter((s) => s.op === "replace").map((s) => s.urn));
  const expiries = expiryLines(run.diagnostics ?? []);
  const existing = previewLines(run.diagnostics ?? []);
  const guestOf = (st: ResourceState | undefined): string | undefined =>
    addressText(st?.inputs?.invitedUserEmailAddress);
  const isGuest = (st: PlanStep): boolean => (st.new?.type ?? st.old?.type ?? urnType(st.urn)) === INVITATION_TYPE;
  // A key rename: one guest's address leaves with a removed resource and comes with a created one.
  // The create takes the user over by its mark; the delete keeps it (the provider's rule).
  const removedBy = new Map<string, PlanStep>();
  for (const st of run.steps)
    if (st.op === "delete" && isGuest(st) && guestOf(st.old)) removedBy.set(guestOf(st.old)!, st);
  const renamed = new Map<string, PlanStep>();
  for (const st of run.steps) {
    const address = guestOf(st.new);
    if (
      st.op === "create" &&
      isGuest(st) &&
      address &&
      !address.startsWith("(") &&
      removedBy.has(address) &&
      !refreshed.has(st.urn)
    )
      renamed.set(st.urn, removedBy.get(address)!);
  }
  const renamedFrom = new Set([...renamed.values()].map((st) => st.urn));
  // Unkeyed entries whose address changed: a removal and an invitation with the same display name.
  const removedNames = new Map<string, string>();
  for (const st of run.steps) {
    const dn = st.old?.inputs?.invitedUserDisplayName;
    if (st.op === "delete" && isGuest(st) && typeof dn === "string" && !renamedFrom.has(st.urn))
      removedNames.set(dn, guestOf(st.old) ?? "?");
  }

  for (const s of run.steps) {
    const urn = parseUrn(s.urn);
    stack ??= urn?.stack || undefined;
    const type = s.new?.type ?? s.old?.type ?? urnType(s.urn);
    if (type === GROUP_MEMBER_TYPE) {
      if (s.op === "create") memberships.added++;
      else if (s.op === "delete") memberships.removed++;
      else if (s.op === "replace") memberships.replaced++;
      continue;
    }
    if (type !== INVITATION_TYPE) continue;
    const oldIn = s.old?.inputs;
    const newIn = s.new?.inputs;
    const guest =
      addressText(newIn?.invitedUserEmailAddress) ?? addressText(oldIn?.invitedUserEmailAddress) ?? "(no address)";
    const base = { guest, name: urn?.name ?? "" };
    // An update's events show a replacement as replace, plus delete-replaced / create-replacement.
    const op =
      (s.op === "create-replacement" || s.op === "delete-replaced") && !replaced.has(s.urn)
        ? s.op === "create-replacement"
          ? "replace"
          : ""
        : s.op;
    switch (op) {
      case "create": {
        const wasThere = refreshed.get(s.urn);
        if (wasThere) {
          rows.push({
            ...base,
            action: "re-invite",
            notes: ["gone from Entra (deleted out of band): invited again, a new user"],
          });
          break;
        }
        const old = renamed.get(s.urn);
        if (old) {
          rows.push({
            ...base,
            action: "rename",
            notes: [
              `key renamed from ${parseUrn(old.urn)?.name ?? ""}: taken over by the new key, not deleted`,
              "same user, no invitation",
            ],
          });
          break;
        }
        const seen = existing.get(guest);
        const adopted = s.applied !== undefined ? s.applied.adopted === true : seen !== undefined;
        const notes: string[] = [
          adopted
            ? seen && s.applied === undefined
              ? `the address exists (user ${seen}): same user, no invitation`
              : "the address existed: same user, no duplicate"
            : "new guest",
        ];
        if (inputAt(newIn, "invitedUserType") === "Member") notes.push("as a member");
        if (newIn?.sendInvitationMessage === true && !adopted) notes.push("invitation email sent");
        const dn = newIn?.invitedUserDisplayName;
        const twin = !adopted && typeof dn === "string" ? removedNames.get(dn) : undefined;
        if (twin !== undefined && twin !== guest)
          notes.push(
            `hint: ${twin} (same display name) is removed in this run: give both entries the same key to reset the same user's redemption instead`,
          );
        rows.push({ ...base, action: adopted ? "adopt" : "invite", notes });
        break;
      }
      case "update": {
        if (s.old?.outputs?.inRecycleBin === true) {
          const fields = changedInputs(oldIn, newIn).map(fieldName);
          const notes = [
            "deleted out of band, in the recycle bin: restored from the recycle bin (same user, groups and app assignments kept), no invitation",
          ];
          if (fields.length) notes.push(`also ${fields.join(", ")}`);
          rows.push({ ...base, action: "restore", notes });
          break;
        }
        const due = s.old?.outputs?.reminderDue;
        if (typeof due === "string" && newIn?.remindAfterDays !== undefined) {
          const m = /reminder (\d+) of (\d+)/.exec(due);
          const since = /^still PendingAcceptance [^:(]*?after the last invitation/.exec(due)?.[0];
          const fields = changedInputs(oldIn, newIn).map(fieldName);
          const notes = [
            since ?? "still PendingAcceptance",
            `invitation re-issued: same user, no reset${newIn?.sendInvitationMessage === true ? ", invitation email sent" : ""}`,
          ];
          if (fields.length) notes.push(`also ${fields.join(", ")}`);
          rows.push({ ...base, action: "remind", reminder: m ? `${m[1]} of ${m[2]}` : undefined, notes });
          break;
        }
        const before = refreshed.get(s.urn)?.old?.inputs;
        const fields = changedInputs(oldIn, newIn).map((p) => {
          const drift = before !== undefined && same(inputAt(before, p), inputAt(newIn, p));
          return `${fieldName(p)}${drift ? " (changed in Entra, set back)" : ""}`;
        });
        rows.push({
          ...base,
          action: "update",
          notes: [
            fields.length
              ? fields.join(", ")
              : "no input changes (the provider's reason is under the preview's Diagnostics)",
          ],
        });
        break;
      }
      case "replace": {
        const changed = changedInputs(oldIn, newIn);
        const next = newIn?.invitedUser;
        const oldUser = s.old?.id ?? s.old?.outputs?.userId;
        if (typeof next === "string" && typeof oldUser === "string" && switchesUser(oldUser, { invitedUser: next })) {
          // invitedUser names another user: the old one leaves by its onDelete, the new one is taken over.
          const policy = removalPolicy(s.old);
          const taken =
            newIn?.resetRedemption === true
              ? "that user taken over, its redemption reset"
              : "that user taken over as it is (no invitation)";
          rows.push({
            ...base,
            action: "switch",
            policy,
            notes: [
              "invitedUser names another user",
              taken,
              `the old user: ${removalDetails(policy, oldIn?.onDelete === undefined && s.old?.outputs?.adopted === true)}`,
            ],
          });
          break;
        }
        const reasons = new Set([
          ...(s.replaceReasons ?? []).filter((r) => RESET_KEYS.includes(r)),
          ...changed.filter((p) => RESET_KEYS.includes(p)),
        ]);
        const emailFrom = reasons.has("invitedUserEmailAddress")
          ? (addressText(oldIn?.invitedUserEmailAddress) ?? "?")
          : undefined;
        const why: string[] = [];
        if (reasons.has("triggers")) why.push("triggers changed");
        if (reasons.has("invitedUser")) why.push("invitedUser changed");
        if (!why.length && !emailFrom) why.push("replacement asked for (--replace)");
        const others = changed.filter((p) => !RESET_KEYS.includes(p)).map(fieldName);
        const notes = [...why, "same user"];
        if (others.length) notes.push(`also ${others.join(", ")}`);
        rows.push({ ...base, action: "reset", emailFrom, notes });
        break;
      }
      case "delete": {
        if (renamedFrom.has(s.urn)) break; // said by the rename row
        const policy = removalPolicy(s.old);
        const details = removalDetails(policy, oldIn?.onDelete === undefined && s.old?.outputs?.adopted === true);
        const expired = expiries.find((e) => e.who === guest || `${e.list}-${e.who}` === base.name);
        if (expired) rows.push({ ...base, action: "expire", policy, notes: [`expired on ${expired.date}`, details] });
        else rows.push({ ...base, action: "remove", policy, notes: [details] });
        break;
      }
      default:
        break;
    }
  }
  rows.sort(
    (a, b) =>
      ACTION_ORDER.indexOf(a.action) - ACTION_ORDER.indexOf(b.action) || cmp(a.guest, b.guest) || cmp(a.name, b.name),
  );
  return { kind: run.kind, stack, rows, memberships, errors: run.errors };
}

/** What a delete does to a guest: the provider's rule (`deletePolicy`) on the old state as the JSON shows it. */
function removalPolicy(old: ResourceState | undefined): OnDelete {
  const declared = old?.inputs?.onDelete;
  const onDelete = declared === "delete" || declared === "disable" || declared === "retain" ? declared : undefined;
  return deletePolicy({ onDelete, adopted: old?.outputs?.adopted === true });
}

/** A removal's policy in words; `adoptedDefault` when retain comes from the guest being adopted. */
function removalDetails(policy: OnDelete, adoptedDefault: boolean): string {
  if (policy === "delete") return "user deleted (restorable for 30 days)";
  if (policy === "disable") return "sign-in blocked (accountEnabled false); the user stays";
  return `kept in Entra${adoptedDefault ? " (adopted: it existed before the stack)" : ""}`;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The expiry lines of GuestLists (src/guestlist/component.ts `expiryLine`): `guest '<address or
 * key>' expired on <date>: ...`, the message maybe prefixed with its severity, on the list's URN.
 */
function expiryLines(diagnostics: RunDiagnostic[]): { who: string; list: string; date: string }[] {
  const out: { who: string; list: string; date: string }[] = [];
  for (const d of diagnostics) {
    const m = /^(?:\w+: )?guest '(.*)' expired on (\S+): left out of the list/.exec(d.message.trim());
    if (m) out.push({ who: m[1], date: m[2], list: (d.urn && parseUrn(d.urn)?.name) || "" });
  }
  return out;
}

/**
 * The preview's lines about creates that will not invite (src/provider/plan.ts `createPreviewLine`):
 * address → user (short id), for the ones adopted.
 */
function previewLines(diagnostics: RunDiagnostic[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of diagnostics) {
    const m = PREVIEW_LINE.exec(d.message.trim());
    if (m && m[4] === "adopted") out.set(m[1], m[2]);
  }
  return out;
}

/** The action as the table says it. */
export function actionLabel(r: Pick<GuestRow, "action" | "policy" | "reminder">): string {
  switch (r.action) {
    case "reset":
      return "reset redemption";
    case "rename":
      return "rename key";
    case "switch":
      return `switch user (old: ${r.policy})`;
    case "remove":
      return `remove: ${r.policy}`;
    case "expire":
      return `expire (${r.policy})`;
    case "remind":
      return `remind (re-invite${r.reminder ? `, reminder ${r.reminder}` : ""})`;
    default:
      return r.action;
  }
}

const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** `8 guests change: 1 invite, 2 redemption resets, ...` (or `No guest changes`). */
export function totalsLine(s: GuestSummary): string {
  const by = (a: GuestAction): number => s.rows.filter((r) => r.action === a).length;
  const parts: string[] = [];
  if (by("invite")) parts.push(count(by("invite"), "invite"));
  if (by("adopt")) parts.push(count(by("adopt"), "adoption"));
  if (by("rename")) parts.push(count(by("rename"), "key rename"));
  if (by("restore")) parts.push(count(by("restore"), "restore"));
  if (by("re-invite")) parts.push(count(by("re-invite"), "re-invite"));
  if (by("reset")) parts.push(count(by("reset"), "redemption reset"));
  if (by("update")) parts.push(count(by("update"), "update"));
  if (by("remind")) parts.push(count(by("remind"), "reminder"));
  const policies = (action: GuestAction): string =>
    (["delete", "disable", "retain"] as const)
      .map((p) => [p, s.rows.filter((r) => r.action === action && r.policy === p).length] as const)
      .filter(([, n]) => n > 0)
      .map(([p, n]) => `${n} ${p}`)
      .join(", ");
  if (by("switch"))
    parts.push(`${count(by("switch"), "user switch", "user switches")} (old user: ${policies("switch")})`);
  if (by("remove")) parts.push(`${count(by("remove"), "removal")} (${policies("remove")})`);
  if (by("expire")) parts.push(`${count(by("expire"), "expiry", "expiries")} (${policies("expire")})`);
  if (!parts.length) return "No guest changes";
  const verb = s.kind === "update" ? "changed" : s.rows.length === 1 ? "changes" : "change";
  return `${count(s.rows.length, "guest")} ${verb}: ${parts.join(", ")}`;
}

function membershipLine(s: GuestSummary): string | undefined {
  const m = s.memberships;
  const parts = [
    m.added ? `${m.added} added` : "",
    m.removed ? `${m.removed} removed` : "",
    m.replaced ? `${m.replaced} replaced` : "",
  ].filter(Boolean);
  return parts.length ? `Group memberships: ${parts.join(", ")}.` : undefined;
}

function title(s: GuestSummary): string {
  return `Guest changes${s.stack ? ` in stack ${s.stack}` : ""} (${s.kind === "update" ? "applied" : "pulumi preview"})`;
}

/** A row's details in words; `quote` formats an address. */
export function detailsOf(r: GuestRow, quote: (address: string) => string): string {
  const parts =
    r.emailFrom !== undefined ? [`email change ${quote(r.emailFrom)} → ${quote(r.guest)}`, ...r.notes] : r.notes;
  return parts.filter(Boolean).join("; ");
}

/** A Markdown table cell: pipes escaped, one line. */
function cell(text: string): string {
  return text.replace(/\s+/g, " ").replace(/\|/g, "\\|");
}

/** Inline code for an address (backticks in it get a longer fence). */
function code(text: string): string {
  if (text.startsWith("(")) return text;
  const fence = text.includes("`") ? "``" : "`";
  return `${fence}${fence.length > 1 ? " " : ""}${text}${fence.length > 1 ? " " : ""}${fence}`;
}

/**
 * Longest Markdown {@link renderMarkdown} writes by default: GitHub refuses comments over 65,536
 * characters. Rows that do not fit are counted in a last row (the text form lists them all).
 */
export const MAX_MARKDOWN_CHARS = 60_000;

/** Markdown for a pull-request comment, at most `maxChars` long (rows beyond are counted, not listed). */
export function renderMarkdown(s: GuestSummary, maxChars = MAX_MARKDOWN_CHARS): string {
  const out: string[] = [COMMENT_MARKER, `### ${title(s).replace(/stack (\S+)/, "stack `$1`")}`, ""];
  for (const e of s.errors)
    out.push(`> **The ${s.kind === "update" ? "update" : "preview"} reported an error:** ${cell(e)}`, "");
  if (!s.rows.length) {
    out.push(`${totalsLine(s)}.`);
  } else {
    out.push("| Action | Guest | Details |", "|---|---|---|");
    // Room for the header, the totals, the notes and the "more" row.
    let room = maxChars - out.join("\n").length - totalsLine(s).length - 600;
    for (let i = 0; i < s.rows.length; i++) {
      const r = s.rows[i];
      const line = `| ${actionLabel(r)} | ${cell(code(r.guest))} | ${cell(detailsOf(r, code))} |`;
      if (line.length + 1 > room) {
        const left = s.rows.length - i;
        out.push(
          `| … | ${left} more guest${left === 1 ? "" : "s"} | too many for one comment: the job log has them all (\`entra-guests summarize --format text\`) |`,
        );
        break;
      }
      out.push(line);
      room -= line.length + 1;
    }
    out.push("", `**${totalsLine(s)}.**`);
    if (
      s.kind === "preview" &&
      s.rows.some((r) => r.action === "invite") &&
      !s.rows.some((r) => r.action === "adopt")
    ) {
      out.push(
        "",
        "An invite of an address that already exists in the tenant adopts that guest instead (the same user, no duplicate).",
      );
    }
  }
  const m = membershipLine(s);
  if (m) out.push("", m);
  return `${out.join("\n")}\n`;
}

/** Plain text for logs: one aligned line per guest. */
export function renderText(s: GuestSummary): string {
  const out: string[] = [title(s)];
  for (const e of s.errors) out.push(`ERROR: ${e}`);
  if (s.rows.length) {
    const w1 = Math.max(...s.rows.map((r) => actionLabel(r).length));
    const w2 = Math.max(...s.rows.map((r) => r.guest.length));
    for (const r of s.rows)
      out.push(`  ${actionLabel(r).padEnd(w1)}  ${r.guest.padEnd(w2)}  ${detailsOf(r, (a) => a)}`.trimEnd());
  }
  out.push(`${totalsLine(s)}.`);
  const m = membershipLine(s);
  if (m) out.push(m);
  return `${out.join("\n")}\n`;
}
