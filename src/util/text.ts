/**
 * Text as one line of an error or a diagnostic, so that a line break in a message, a name or a value
 * cannot split it; at most `max` characters.
 *
 * - `collapse` (the default, for messages): white space (line breaks included) collapses to one space
 *   and the ends are trimmed.
 * - otherwise (for a line that quotes a value, such as an address from state): each control character
 *   shows as `?` and nothing else changes, so the value reads as it is.
 */
export function oneLine(text: string, max = 600, collapse = true): string {
  const s = collapse
    ? text.replace(/\s+/g, " ").trim()
    : Array.from(text, (ch) => (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f ? "?" : ch)).join("");
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
