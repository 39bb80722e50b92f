/**
 * Expiry dates, pure: parsing `expiresOn` and deciding, for a given time, whether a guest is active,
 * expiring (inside the warning window) or expired. No clock here: callers pass `now` (see src/clock.ts).
 */

/** Default warning window before an expiry, in days. */
export const DEFAULT_EXPIRY_WARNING_DAYS = 14;
/** Dates outside these years are refused (a typo such as 0202 or 20277, not a real expiry). */
export const EXPIRY_YEARS = { min: 2000, max: 2200 } as const;

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;
const FIX =
  "write a date (2027-01-31: the guest is removed from midnight UTC that day) or a date-time with a zone (2027-01-31T17:00:00+01:00)";

/**
 * Parse an `expiresOn` value. A date `YYYY-MM-DD` stays as written (it means midnight UTC of that
 * day); a date-time with a zone (`Z` or `±hh:mm`) becomes its UTC form (`2027-01-31T16:00:00.000Z`).
 * Returns the normal form and the instant, or a reason that says the fix.
 */
export function parseExpiresOn(raw: unknown): { ok: string; at: number } | { reason: string } {
  if (typeof raw !== "string")
    return { reason: `must be a date as text ('2027-01-31'), not ${raw === null ? "null" : typeof raw}: ${FIX}` };
  const v = raw.trim();
  if (!v) return { reason: `is empty: ${FIX}, or leave it out` };
  const d = DATE.exec(v);
  const dt = d ? undefined : DATE_TIME.exec(v);
  const m = d ?? dt;
  if (!m) {
    const zoneless = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/i.test(v);
    return { reason: `'${v}' is not a date${zoneless ? " (a date-time needs a zone, e.g. Z or +01:00)" : ""}: ${FIX}` };
  }
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    return { reason: `'${v}' is not a real date (no day ${day} in month ${month}): ${FIX}` };
  }
  if (year < EXPIRY_YEARS.min || year > EXPIRY_YEARS.max) {
    return { reason: `'${v}': the year ${year} is outside ${EXPIRY_YEARS.min}-${EXPIRY_YEARS.max} (a typo?): ${FIX}` };
  }
  if (d) return { ok: v, at: probe.getTime() };
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)
    return { reason: `'${v}' is not a real time of day: ${FIX}` };
  const at = Date.parse(v.toUpperCase());
  if (Number.isNaN(at)) return { reason: `'${v}' is not a date: ${FIX}` };
  return { ok: new Date(at).toISOString(), at };
}

/** Check a warning window: a whole number of days, 0 to 3650. */
export function checkWarningDays(raw: unknown): { ok: number } | { reason: string } {
  const n = typeof raw === "string" && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 3650) {
    return {
      reason: `must be a whole number of days from 0 to 3650 (how long before expiresOn the preview warns), not ${JSON.stringify(raw)}: e.g. 14`,
    };
  }
  return { ok: n };
}

/** Where a guest stands against its expiry at a time. */
export interface ExpiryStatus {
  /** `active`: no expiry, or not yet in the window; `expiring`: inside the window; `expired`: on or after the date. */
  state: "active" | "expiring" | "expired";
  /** Whole days left (rounded up) while active or expiring; 0 when expired. */
  daysLeft?: number;
}

/**
 * The expiry decision: `expired` at and after the instant (a date's midnight UTC), `expiring` from
 * `warningDays` before it, else `active`. A guest without an expiry is always active.
 */
export function expiryStatus(
  expiresOn: string | undefined,
  now: Date,
  warningDays = DEFAULT_EXPIRY_WARNING_DAYS,
): ExpiryStatus {
  if (expiresOn === undefined) return { state: "active" };
  const p = parseExpiresOn(expiresOn);
  if ("reason" in p) return { state: "active" };
  const left = p.at - now.getTime();
  if (left <= 0) return { state: "expired", daysLeft: 0 };
  const daysLeft = Math.ceil(left / DAY_MS);
  return { state: left <= warningDays * DAY_MS ? "expiring" : "active", daysLeft };
}

/** The date a reviewer reads: a date as written, a date-time as given in UTC. */
export function showExpiry(expiresOn: string): string {
  return expiresOn.replace(/:00\.000Z$/, "Z").replace("T", " ");
}

/**
 * `check` of a resource being created (no old inputs): an invitation whose `expiresOn` has passed is
 * refused, so an expired guest is never invited (or reset). Undefined when it may be created.
 */
export function refuseExpiredCreate(expiresOn: unknown, now: Date): { property: string; reason: string } | undefined {
  if (typeof expiresOn !== "string") return undefined;
  if (expiryStatus(expiresOn, now, 0).state !== "expired") return undefined;
  return {
    property: "expiresOn",
    reason: `expiresOn ${showExpiry(expiresOn)} has passed (now ${now.toISOString()}): an expired guest is not invited. Remove this Invitation from the program (or the entry from its GuestList), or set a later expiresOn`,
  };
}
