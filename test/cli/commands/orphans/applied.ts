/** What the orphans suites check after `--apply` (applyOnDelete) ran on an orphan to delete and one to disable. */
import { EmulatedUser, graphWrites, RunningEmulator } from "../../../../src/testing";

/**
 * Graph saw exactly a DELETE of `deleted` then a PATCH of `disabled`: the first is soft-deleted, the
 * second blocked from sign-in. Returns the emulator's users by id, deleted ones included, for the
 * suite's own checks (what was kept).
 */
export function expectDeletedAndDisabled(
  emu: RunningEmulator,
  deleted: string,
  disabled: string,
): Record<string, EmulatedUser> {
  expect(graphWrites(emu.requests()).map((w) => `${w.method} ${w.path}`)).toEqual([
    `DELETE /v1.0/users/${deleted}`,
    `PATCH /v1.0/users/${disabled}`,
  ]);
  const byId = Object.fromEntries(emu.users({ includeDeleted: true }).map((u) => [u.id, u]));
  expect(byId[deleted].deletedDateTime).toBeTruthy();
  expect(byId[disabled].accountEnabled).toBe(false);
  return byId;
}
