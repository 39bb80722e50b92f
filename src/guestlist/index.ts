/**
 * Declarative guest lists: the `GuestList` component (program side), and the pure parsing and
 * validation behind it (`parseGuestFile`, `resolveGuests`, `planGuestList`), usable on their own,
 * e.g. to lint a guest file in CI before `pulumi preview`.
 */
export { GuestList, GUEST_LIST_TYPE, NO_STATE, countStates, expiryLine, readGuestFile, decodeText } from "./component";
export { parseGuestFile, guestFileFormat } from "./parse";
export { resolveGuests, planGuestList, guestName, emailName } from "./resolve";
export type { GuestSource, GuestListInput } from "./resolve";
export { readCsv, sniffDelimiter, CsvSyntaxError } from "./csv";
export type { CsvRecord, CsvDelimiter } from "./csv";
export { GuestListError, formatIssue } from "./types";
export type {
  GuestEntry,
  GuestDefaults,
  GuestListArgs,
  GuestOutputs,
  GuestFile,
  GuestFileFormat,
  EntryLocation,
  ResolvedGuest,
  GuestListIssue,
} from "./types";
