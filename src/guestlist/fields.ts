/**
 * The fields a guest entry may have and the names files may use for them: every `Invitation` input,
 * `key` and `groups`, short aliases (`email`, `message`, `companyName`, ...), dotted paths
 * (`userProperties.jobTitle`) and the Entra portal template's bracketed keys (`inviteeEmail`, ...).
 * File field names match case-insensitively; program entries use the canonical names.
 */
import { INPUT_KEYS, USER_PROPERTY_KEYS } from "../provider/types";
import { editDistance } from "../util/edit-distance";

/** Top-level fields of an entry. */
export const ENTRY_KEYS = [...INPUT_KEYS, "key", "groups"] as const;

/** Fields a `defaults` block may set. */
export const DEFAULT_KEYS = [
  "inviteRedirectUrl",
  "sendInvitationMessage",
  "invitedUserMessageInfo",
  "invitedUserType",
  "onDelete",
  "invitedUserSponsors",
  "userProperties",
  "groups",
  "expiresOn",
  "expiryWarningDays",
  "remindAfterDays",
  "maxReminders",
] as const;

/** Object-valued inputs whose fields a file may set one by one, and that merge with the defaults field by field. */
export const OBJECT_FIELDS: Record<string, readonly string[]> = {
  invitedUserMessageInfo: ["customizedMessageBody", "messageLanguage", "ccRecipients"],
  userProperties: USER_PROPERTY_KEYS,
};

/** Fields whose value is a list; a file may write them as one string separated by `;`, `,` or spaces. */
export const LIST_PATHS = new Set(["groups", "invitedUserSponsors", "invitedUserMessageInfo.ccRecipients"]);

/** Fields whose value is true/false; CSV cells `true`/`false`/`yes`/`no`/`1`/`0` (any case) become booleans. */
export const BOOLEAN_PATHS = new Set(["sendInvitationMessage", "resetRedemption", "convertInternalUserToB2b"]);

/** Fields whose value is a whole number; CSV cells of digits become numbers (anything else is kept, and refused with the fix). */
export const NUMBER_PATHS = new Set(["remindAfterDays", "maxReminders", "expiryWarningDays"]);

/** The Entra portal bulk-invite template's keys (as in `Email address to invite [inviteeEmail] Required`). */
export const PORTAL_KEYS: Record<string, string> = {
  inviteeemail: "invitedUserEmailAddress",
  inviteredirecturl: "inviteRedirectUrl",
  sendemail: "sendInvitationMessage",
  customizedmessagebody: "invitedUserMessageInfo.customizedMessageBody",
  inviteename: "invitedUserDisplayName",
};

const ALIASES: Record<string, string> = {
  ...PORTAL_KEYS,
  email: "invitedUserEmailAddress",
  emailaddress: "invitedUserEmailAddress",
  mail: "invitedUserEmailAddress",
  displayname: "invitedUserDisplayName",
  redirecturl: "inviteRedirectUrl",
  usertype: "invitedUserType",
  message: "invitedUserMessageInfo.customizedMessageBody",
  messagelanguage: "invitedUserMessageInfo.messageLanguage",
  language: "invitedUserMessageInfo.messageLanguage",
  cc: "invitedUserMessageInfo.ccRecipients",
  ccrecipients: "invitedUserMessageInfo.ccRecipients",
  sponsors: "invitedUserSponsors",
  expires: "expiresOn",
  expiry: "expiresOn",
  expirydate: "expiresOn",
  expirywarningdays: "expiryWarningDays",
  ...Object.fromEntries(USER_PROPERTY_KEYS.map((k) => [k.toLowerCase(), `userProperties.${k}`])),
};

const CANONICAL: Record<string, string> = Object.fromEntries(ENTRY_KEYS.map((k) => [k.toLowerCase(), k]));

/**
 * The canonical path (`["invitedUserMessageInfo", "customizedMessageBody"]`) of a field name as a
 * file wrote it, or undefined when the name is unknown.
 */
export function fieldPath(name: string): string[] | undefined {
  const n = name.trim().toLowerCase();
  if (!n) return undefined;
  if (CANONICAL[n]) return [CANONICAL[n]];
  if (ALIASES[n]) return ALIASES[n].split(".");
  const dot = n.indexOf(".");
  if (dot > 0) {
    const parent = CANONICAL[n.slice(0, dot)];
    const subs = parent ? OBJECT_FIELDS[parent] : undefined;
    const sub = subs?.find((s) => s.toLowerCase() === n.slice(dot + 1));
    if (parent && sub) return [parent, sub];
  }
  return undefined;
}

/** "did you mean ..." for an unknown field name, or "". */
export function suggestField(name: string): string {
  const n = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z.]/g, "");
  const candidates = [...ENTRY_KEYS, ...Object.keys(ALIASES)];
  let best = "";
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(n, c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  if (bestDistance > Math.max(2, Math.floor(n.length / 3))) return "";
  const path = fieldPath(best);
  const canonical = path ? path.join(".") : best;
  return CANONICAL[best.toLowerCase()]
    ? ` (did you mean '${canonical}'?)`
    : ` (did you mean '${ALIASES[best] ? best : canonical}', i.e. ${canonical}?)`;
}

/** Turn a CSV cell (always text) into the value its field takes. Empty cells are absent. */
export function cellValue(path: readonly string[], raw: string): unknown {
  const p = path.join(".");
  if (raw.trim() === "") return undefined;
  if (BOOLEAN_PATHS.has(p)) {
    const t = raw.trim().toLowerCase();
    if (["true", "yes", "1", "wahr", "vrai"].includes(t)) return true;
    if (["false", "no", "0", "falsch", "faux"].includes(t)) return false;
    return raw;
  }
  if (LIST_PATHS.has(p)) return splitList(raw);
  if (NUMBER_PATHS.has(p) && /^\s*\d+\s*$/.test(raw)) return Number(raw);
  return raw;
}

/** `a; b, c` → ["a", "b", "c"]. */
export function splitList(raw: string): string[] {
  return raw.split(/[;,\s]+/).filter((s) => s !== "");
}
