/**
 * Reminders, pure: whether a guest still `PendingAcceptance` is due another invitation. No clock
 * here: callers pass `now` (see src/clock.ts). `read` records the reason in state (`reminderDue`),
 * `diff` then shows an update, and `update` re-issues the invitation (same user, no reset).
 */
import type { InvitationOutputs } from "./types";

/** How many reminders a guest gets at most, unless `maxReminders` says otherwise. */
export const DEFAULT_MAX_REMINDERS = 3;
/** Limits of the inputs. */
export const REMINDER_LIMITS = { days: { min: 1, max: 365 }, max: { min: 0, max: 20 } } as const;

const DAY_MS = 86_400_000;

/**
 * Why a reminder is due at `now`, or undefined: the program asks for reminders (`remindAfterDays`),
 * the guest is `PendingAcceptance`, fewer than `maxReminders` (default 3) were sent, and at least
 * `remindAfterDays` days passed since the last invitation (`lastInvitationAt`, or `invitedAt` in
 * state written before reminders existed). A guest never invited by this resource (adopted) is not reminded.
 */
export function reminderDue(state: Partial<InvitationOutputs>, now: Date): string | undefined {
  const n = state.remindAfterDays;
  if (typeof n !== "number" || n < 1) return undefined;
  if (state.externalUserState !== "PendingAcceptance") return undefined;
  const max = state.maxReminders ?? DEFAULT_MAX_REMINDERS;
  const sent = state.remindersSent ?? 0;
  if (sent >= max) return undefined;
  const last = Date.parse(state.lastInvitationAt ?? state.invitedAt ?? "");
  if (Number.isNaN(last)) return undefined;
  const elapsed = now.getTime() - last;
  if (elapsed < n * DAY_MS) return undefined;
  const days = Math.floor(elapsed / DAY_MS);
  return `still PendingAcceptance ${days} day${days === 1 ? "" : "s"} after the last invitation (remindAfterDays ${n}): reminder ${sent + 1} of ${max}`;
}

/** Check `remindAfterDays`: a whole number of days, 1 to 365. */
export function checkRemindAfterDays(v: unknown): { ok: number } | { reason: string } {
  const { min, max } = REMINDER_LIMITS.days;
  return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max
    ? { ok: v }
    : {
        reason: `must be a whole number of days from ${min} to ${max} (a pending guest is invited again that many days after its last invitation), not ${JSON.stringify(v)}: e.g. 7, or leave it out for no reminders`,
      };
}

/** Check `maxReminders`: a whole number, 0 to 20. */
export function checkMaxReminders(v: unknown): { ok: number } | { reason: string } {
  const { min, max } = REMINDER_LIMITS.max;
  return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max
    ? { ok: v }
    : {
        reason: `must be a whole number from ${min} to ${max} (how many reminders a pending guest gets at most), not ${JSON.stringify(v)}: e.g. ${DEFAULT_MAX_REMINDERS}`,
      };
}
