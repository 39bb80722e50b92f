/**
 * `check`: every input validated before any Graph call, each failure naming the property and the
 * fix; normalised so that a second `up` is a no-op. Pure. Values unknown during preview pass.
 */
import { parseExpiresOn } from "./expiry";
import { checkMaxReminders, checkRemindAfterDays } from "./reminders";
import { CcRecipient, CheckedInputs, INPUT_KEYS, OnDelete, UNKNOWN, USER_PROPERTY_KEYS, UserProperties } from "./types";

export interface CheckFailure {
  property: string;
  reason: string;
}

export interface CheckOutcome {
  inputs: CheckedInputs;
  failures: CheckFailure[];
}

const FORBIDDEN_LOCAL = /[~!#$%^&*()+=[\]{}\\/|;:"<>?,]/;
// Control and invisible characters are exactly what these patterns are for.
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LANGUAGE = /^[a-z]{2,3}(-[a-z]{4})?(-([a-z]{2}|\d{3}))?$/i;
/** Bidirectional overrides and isolates: they make text read differently from what it is. */
const BIDI = /[\u202a-\u202e\u2066-\u2069]/;
/** Leading characters that make a spreadsheet run a cell as a formula (CSV injection), as GuestList checks. */
const FORMULA_START = /^[=+\-@]/;

/** Graph's limits on the values (user properties as the directory stores them). */
export const LIMITS = {
  email: 254,
  localPart: 64,
  displayName: 256,
  redirectUrl: 2048,
  messageBody: 10_000,
  givenName: 64,
  surname: 64,
  companyName: 64,
  department: 64,
  jobTitle: 128,
  sponsors: 5,
} as const;

const isUnknown = (v: unknown): boolean => v === UNKNOWN;

/** Validate one email address per Graph's rules; returns the normalised address or a reason. */
export function checkEmail(raw: unknown): { ok: string } | { reason: string } {
  if (typeof raw !== "string") return { reason: `must be a string email address, not ${typeName(raw)}` };
  const v = raw.trim();
  if (!v) return { reason: "is empty: give the guest's email address, e.g. jane@contoso.com" };
  if (INVISIBLE.test(v)) return { reason: "contains an invisible or control character: retype the address" };
  if (/\s/.test(v)) return { reason: `'${v}' contains white space: remove it` };
  if (v.length > LIMITS.email)
    return { reason: `is ${v.length} characters long; Graph accepts at most ${LIMITS.email}` };
  const at = v.lastIndexOf("@");
  if (at < 0 || v.indexOf("@") !== at) return { reason: `'${v}' must contain exactly one '@', e.g. jane@contoso.com` };
  const local = v.slice(0, at);
  const domain = v.slice(at + 1);
  if (!local) return { reason: `'${v}' has nothing before the '@': give the mailbox name, e.g. jane@contoso.com` };
  if (local.length > LIMITS.localPart)
    return { reason: `the part before '@' is ${local.length} characters; at most ${LIMITS.localPart}` };
  const bad = local.match(FORBIDDEN_LOCAL);
  if (bad)
    return {
      reason: `'${v}': the character '${bad[0]}' is not allowed before the '@' (Graph rejects ~ ! # $ % ^ & * ( ) + = [ ] { } \\ / | ; : " < > ? ,)`,
    };
  if (/^[.-]|[.-]$/.test(local)) return { reason: `'${v}': the part before '@' may not start or end with '.' or '-'` };
  if (local.includes("..")) return { reason: `'${v}': two dots in a row are not allowed` };
  if (/[^\x21-\x7e]/.test(v))
    return {
      reason: `'${v}' contains non-ASCII characters: use the ASCII (punycode, xn--) form of the domain and an ASCII mailbox name`,
    };
  const labels = domain.split(".");
  if (
    labels.length < 2 ||
    labels.some((l) => !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(l)) ||
    (!/^[a-z]{2,63}$/i.test(labels[labels.length - 1]) && !/^xn--/i.test(labels[labels.length - 1]))
  ) {
    return { reason: `'${v}': '${domain}' is not a valid domain name (e.g. contoso.com)` };
  }
  return { ok: v.toLowerCase() };
}

/** An absolute http(s) URL of reasonable length. */
export function checkRedirectUrl(raw: unknown): { ok: string } | { reason: string } {
  if (typeof raw !== "string") return { reason: `must be a string URL, not ${typeName(raw)}` };
  const v = raw.trim();
  if (!v) return { reason: "is empty: give where the guest lands after redeeming, e.g. https://myapps.microsoft.com" };
  if (INVISIBLE.test(v) || /\s/.test(v))
    return {
      reason: "contains white space or an invisible character: remove it (write a space inside the URL as %20)",
    };
  if (v.length > LIMITS.redirectUrl) return { reason: `is ${v.length} characters; at most ${LIMITS.redirectUrl}` };
  if (v.includes("\\"))
    return { reason: `'${v}' contains a backslash, which browsers read as '/': write the URL with '/' only` };
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return { reason: `'${v}' is not an absolute URL: give it with its scheme, e.g. https://myapps.microsoft.com` };
  }
  if (u.protocol !== "https:" && u.protocol !== "http:")
    return { reason: `'${v}' uses '${u.protocol}': only https (or http) redirect URLs are accepted` };
  if (!u.hostname) return { reason: `'${v}' has no host` };
  if (u.username || u.password)
    return {
      reason: `'${v}' has user info before '@', so the guest would land on ${u.hostname}: give the URL without it, e.g. https://${u.hostname}/`,
    };
  return { ok: v };
}

function typeName(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v;
}

function checkText(v: unknown, max: number, what: string, multiline = false): { ok: string } | { reason: string } {
  if (typeof v !== "string") return { reason: `must be a string, not ${typeName(v)}` };
  const t = v.trim();
  if (!t) return { reason: `is empty: give ${what} or leave it out` };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(t))
    return { reason: "contains a control character: remove it" };
  if (!multiline && /[\t\n\r\u2028\u2029]/.test(t))
    return { reason: "contains a line break or tab: keep it on one line" };
  if (BIDI.test(t))
    return {
      reason:
        "contains a right-to-left or left-to-right override, which makes it read differently from what it is: remove it",
    };
  const f = FORMULA_START.exec(t);
  if (f)
    return {
      reason: `starts with '${f[0]}': a spreadsheet opening an export of the directory would run it as a formula (CSV injection); remove the leading character`,
    };
  if (t.length > max) return { reason: `is ${t.length} characters; at most ${max}` };
  return { ok: t };
}

/** Validate and normalise program inputs. `news` may carry `__provider` and unknown markers. */
export function checkInputs(news: Record<string, unknown>): CheckOutcome {
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string): void => void failures.push({ property, reason });
  const out: Record<string, unknown> = {};
  const known = new Set<string>(INPUT_KEYS);

  for (const key of Object.keys(news)) {
    if (key === "__provider" || known.has(key) || news[key] === undefined) continue;
    fail(key, `'${key}' is not an input of Invitation; known inputs: ${INPUT_KEYS.join(", ")}`);
  }

  const take = <T>(key: string, fn: (v: unknown) => { ok: T } | { reason: string }, required = false): void => {
    const v = news[key];
    if (v === undefined || v === null) {
      if (required) fail(key, `${key} is required`);
      return;
    }
    if (isUnknown(v)) return void (out[key] = v);
    const r = fn(v);
    if ("reason" in r) fail(key, `${key} ${r.reason}`);
    else out[key] = r.ok;
  };

  take("invitedUserEmailAddress", checkEmail, true);
  take("inviteRedirectUrl", checkRedirectUrl, true);
  take("invitedUserDisplayName", (v) => checkText(v, LIMITS.displayName, "a display name"));
  out.invitedUserType = "Guest";
  take("invitedUserType", (v) => {
    const t = typeof v === "string" ? v.trim().toLowerCase() : "";
    if (t === "guest") return { ok: "Guest" };
    if (t === "member") return { ok: "Member" };
    return { reason: `must be "Guest" or "Member", not ${JSON.stringify(v)}` };
  });
  out.sendInvitationMessage = false;
  take("sendInvitationMessage", (v) =>
    typeof v === "boolean" ? { ok: v } : { reason: `must be true or false, not ${JSON.stringify(v)}` },
  );
  take("invitedUserMessageInfo", (v) => checkMessageInfo(v, fail));
  take("invitedUser", (v) => {
    const id = typeof v === "object" && v !== null && "id" in v ? (v as { id: unknown }).id : v;
    if (isUnknown(id)) return { ok: id as string };
    return typeof id === "string" && GUID.test(id.trim())
      ? { ok: id.trim().toLowerCase() }
      : { reason: `must be an existing user's object id (a GUID) or an object with one, not ${JSON.stringify(v)}` };
  });
  take("resetRedemption", (v) =>
    typeof v === "boolean" ? { ok: v } : { reason: `must be true or false, not ${JSON.stringify(v)}` },
  );
  // The opt-in is the literal true: anything else (a string "true" from a file cell was made a boolean by GuestList) is refused, never taken as yes.
  take("convertInternalUserToB2b", (v) =>
    typeof v === "boolean"
      ? { ok: v }
      : {
          reason: `must be true or false (true allows converting an internal user named by invitedUser to B2B, one way), not ${JSON.stringify(v)}`,
        },
  );
  take("invitedUserSponsors", (v) => {
    if (!Array.isArray(v)) return { reason: "must be a list of user or group object ids" };
    if (v.length > LIMITS.sponsors)
      return { reason: `has ${v.length} sponsors; Entra allows at most ${LIMITS.sponsors}` };
    const ids: string[] = [];
    for (const s of v) {
      if (isUnknown(s)) ids.push(s as string);
      else if (typeof s === "string" && GUID.test(s.trim())) ids.push(s.trim().toLowerCase());
      else
        return {
          reason: `entry ${JSON.stringify(s)} is not an object id (GUID): give the sponsor's object id, e.g. azuread.User.objectId`,
        };
    }
    if (new Set(ids).size !== ids.length) return { reason: "lists a sponsor twice: remove the repeat" };
    return { ok: ids };
  });
  take("userProperties", (v) => checkUserProperties(v, fail));
  if (news.triggers !== undefined && news.triggers !== null) out.triggers = news.triggers;
  take("onDelete", (v) =>
    v === "delete" || v === "disable" || v === "retain"
      ? { ok: v as OnDelete }
      : { reason: `must be "delete", "disable" or "retain", not ${JSON.stringify(v)}` },
  );
  take("expiresOn", (v) => {
    const r = parseExpiresOn(v);
    return "reason" in r ? r : { ok: r.ok };
  });
  take("remindAfterDays", checkRemindAfterDays);
  take("maxReminders", checkMaxReminders);

  if (out.convertInternalUserToB2b === true && news.invitedUser === undefined) {
    fail(
      "convertInternalUserToB2b",
      "convertInternalUserToB2b needs invitedUser: name the internal user (object id) to convert to B2B, or leave it out",
    );
  }
  if (out.resetRedemption === true && news.invitedUser === undefined) {
    fail(
      "resetRedemption",
      "resetRedemption needs invitedUser: name the existing user (object id) whose redemption is reset",
    );
  }
  return { inputs: out as unknown as CheckedInputs, failures };
}

function checkMessageInfo(
  v: unknown,
  fail: (p: string, r: string) => void,
): { ok: CheckedInputs["invitedUserMessageInfo"] } | { reason: string } {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    return { reason: "must be an object { customizedMessageBody?, messageLanguage?, ccRecipients? }" };
  const o = v as Record<string, unknown>;
  const info: NonNullable<CheckedInputs["invitedUserMessageInfo"]> = {};
  for (const k of Object.keys(o)) {
    if (!["customizedMessageBody", "messageLanguage", "ccRecipients"].includes(k) && o[k] !== undefined) {
      fail(
        `invitedUserMessageInfo.${k}`,
        `'${k}' is not a field of invitedUserMessageInfo; use customizedMessageBody, messageLanguage or ccRecipients`,
      );
    }
  }
  if (o.customizedMessageBody !== undefined && o.customizedMessageBody !== null) {
    if (isUnknown(o.customizedMessageBody)) info.customizedMessageBody = o.customizedMessageBody as string;
    else {
      const r = checkText(o.customizedMessageBody, LIMITS.messageBody, "a message", true);
      if ("reason" in r) fail("invitedUserMessageInfo.customizedMessageBody", `customizedMessageBody ${r.reason}`);
      else info.customizedMessageBody = r.ok;
    }
  }
  if (o.messageLanguage !== undefined && o.messageLanguage !== null) {
    const l = o.messageLanguage;
    if (isUnknown(l)) info.messageLanguage = l as string;
    else if (typeof l === "string" && LANGUAGE.test(l.trim())) info.messageLanguage = l.trim();
    else
      fail(
        "invitedUserMessageInfo.messageLanguage",
        `messageLanguage ${JSON.stringify(l)} is not an ISO 639 language tag; use e.g. "en-US", "de-DE" or "fr"`,
      );
  }
  if (o.ccRecipients !== undefined && o.ccRecipients !== null) {
    const list = o.ccRecipients;
    if (!Array.isArray(list))
      fail("invitedUserMessageInfo.ccRecipients", "ccRecipients must be a list of addresses or { address, name }");
    else if (list.length > 1)
      fail(
        "invitedUserMessageInfo.ccRecipients",
        `ccRecipients has ${list.length} entries; Graph honours only one cc recipient: keep one`,
      );
    else {
      const cc: CcRecipient[] = [];
      for (const entry of list) {
        const address =
          typeof entry === "object" && entry !== null
            ? ((entry as { address?: unknown; emailAddress?: { address?: unknown } }).address ??
              (entry as { emailAddress?: { address?: unknown } }).emailAddress?.address)
            : entry;
        const name = typeof entry === "object" && entry !== null ? (entry as { name?: unknown }).name : undefined;
        if (isUnknown(address)) {
          cc.push({ address: address as string });
          continue;
        }
        const e = checkEmail(address);
        if ("reason" in e) fail("invitedUserMessageInfo.ccRecipients", `cc recipient ${e.reason}`);
        else if (name !== undefined && typeof name !== "string")
          fail("invitedUserMessageInfo.ccRecipients", "cc recipient name must be a string");
        else cc.push(name ? { address: e.ok, name: name.trim() } : { address: e.ok });
      }
      if (cc.length) info.ccRecipients = cc;
    }
  }
  return { ok: Object.keys(info).length ? info : undefined };
}

function checkUserProperties(
  v: unknown,
  fail: (p: string, r: string) => void,
): { ok: UserProperties | undefined } | { reason: string } {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    return { reason: `must be an object with ${USER_PROPERTY_KEYS.join(", ")}` };
  const props: Record<string, string> = {};
  for (const [k, raw] of Object.entries(v as Record<string, unknown>)) {
    if (raw === undefined || raw === null) continue;
    const p = `userProperties.${k}`;
    if (!(USER_PROPERTY_KEYS as readonly string[]).includes(k)) {
      fail(p, `'${k}' is not a user property this resource manages; use ${USER_PROPERTY_KEYS.join(", ")}`);
      continue;
    }
    if (isUnknown(raw)) {
      props[k] = raw as string;
      continue;
    }
    if (k === "usageLocation") {
      if (typeof raw === "string" && /^[a-z]{2}$/i.test(raw.trim())) props[k] = raw.trim().toUpperCase();
      else
        fail(p, `usageLocation ${JSON.stringify(raw)} must be a two-letter ISO 3166 country code, e.g. "US" or "DE"`);
      continue;
    }
    const r = checkText(raw, LIMITS[k as keyof typeof LIMITS] as number, `a ${k}`);
    if ("reason" in r) fail(p, `${k} ${r.reason}`);
    else props[k] = r.ok;
  }
  return { ok: Object.keys(props).length ? props : undefined };
}
