/**
 * The one clock of the package. The program side (`GuestList`, `Invitation`) and the provider read
 * the time through `now()` only, so tests (and a pipeline that wants to preview a later day) set it
 * with `ENTRA_NOW` (an ISO time with a zone, or a date `YYYY-MM-DD`, i.e. midnight UTC) instead of
 * waiting. The plugin inherits the CLI's environment, so one variable sets both sides.
 */

/** The environment variable that sets the clock. */
export const CLOCK_ENV = "ENTRA_NOW";

/** The current time: `ENTRA_NOW` when set, else the system clock. A malformed `ENTRA_NOW` throws, naming the fix. */
export function now(): Date {
  const raw = process.env[CLOCK_ENV]?.trim();
  if (!raw) return new Date();
  const ok =
    /^\d{4}-\d{2}-\d{2}$/.test(raw) || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(raw);
  const t = ok ? Date.parse(/T/i.test(raw) ? raw : `${raw}T00:00:00Z`) : NaN;
  if (Number.isNaN(t)) {
    throw new Error(
      `${CLOCK_ENV} '${raw}' is not a time: write a date (2027-01-31, midnight UTC) or a date-time with a zone (2027-01-31T12:00:00Z), or unset it to use the system clock`,
    );
  }
  return new Date(t);
}
