/**
 * Reminders through the real engine with the settable clock (`ENTRA_NOW`): a guest-list guest still
 * PendingAcceptance `remindAfterDays` after its last invitation is re-invited by `up --refresh` (same
 * user, no reset), shown first by `preview --refresh` as an update with the reason; at most once per
 * N days and at most `maxReminders` times; never to an Accepted guest; not to a guest without reminders.
 */
import { requestsTo, RunningEmulator, RunResult, TestStack } from "../../src/testing";
import { ok, withEmulatedStack } from "./suite";
import { GUEST_LIST_PROGRAM } from "./programs";

jest.setTimeout(300_000);

const GUESTS = `defaults:
  remindAfterDays: 7
  maxReminders: 2
  sendInvitationMessage: true
guests:
  - email: kim@contoso.com
  - email: sam@contoso.com
  - email: jo@contoso.com
    remindAfterDays: null
`;

const DAY = 86_400_000;
const T0 = Date.UTC(2027, 0, 1, 9);
const day = (n: number) => ({ env: { ENTRA_NOW: new Date(T0 + n * DAY).toISOString() } });

let emu: RunningEmulator;
let stack: TestStack;
const updates = (r: RunResult): string[] =>
  r.steps.filter((s) => s.type.endsWith(":Invitation") && s.op === "update").map((s) => s.urn.split("::").pop()!);
const invitations = () => requestsTo(emu.requests(), "POST", "/v1.0/invitations");
const userId = (mail: string) => emu.users().find((u) => u.mail === mail)!.id;

withEmulatedStack({ name: "e2e-reminders", program: GUEST_LIST_PROGRAM, files: { "guests.yaml": GUESTS } }, (e, s) => {
  emu = e;
  stack = s;
});

test("up invites; sam redeems; before N days a refresh changes nothing", async () => {
  ok(await stack.up(day(0)));
  expect(invitations()).toHaveLength(3);
  emu.redeem(userId("sam@contoso.com"));
  emu.clearRequests();
  const p = ok(await stack.preview({ ...day(6.9), refresh: true }));
  expect(updates(p)).toEqual([]);
});

test("N days after: preview --refresh shows kim's update with the reason; up --refresh re-invites the same user", async () => {
  const p = ok(await stack.preview({ ...day(7), refresh: true }));
  expect(updates(p)).toEqual(["partners-kim@contoso.com"]);
  expect(p.diagnostics.filter((d) => d.severity !== "debug").map((d) => d.message)).toContain(
    "kim@contoso.com: still PendingAcceptance 7 days after the last invitation (remindAfterDays 7): reminder 1 of 2 \u2192 the invitation is re-issued (same user, no reset, a new redeem link; the invitation email goes out)",
  );
  emu.clearRequests();
  const r = ok(await stack.up({ ...day(7), refresh: true }));
  expect(updates(r)).toEqual(["partners-kim@contoso.com"]);
  expect(r.outputs!.summary.value).toEqual({ Accepted: 1, PendingAcceptance: 2, overdue: 0 });
  const kim = userId("kim@contoso.com");
  expect(invitations().map((q) => q.body)).toEqual([
    expect.objectContaining({ invitedUserEmailAddress: "kim@contoso.com", sendInvitationMessage: true }),
  ]);
  // By address: no invitedUser (which would convert a user who is not an invited guest), no reset.
  expect(invitations()[0].body).not.toHaveProperty("invitedUser");
  expect(invitations()[0].body).not.toHaveProperty("resetRedemption");
  expect(
    emu
      .users()
      .filter((u) => u.mail === "kim@contoso.com")
      .map((u) => u.id),
  ).toEqual([kim]);
});

test("at most once per N days, at most maxReminders times, never to the Accepted guest", async () => {
  emu.clearRequests();
  ok(await stack.up({ ...day(13.9), refresh: true })); // 6.9 days after the reminder
  expect(invitations()).toHaveLength(0);
  ok(await stack.up({ ...day(14), refresh: true })); // reminder 2 of 2
  expect(invitations().map((q) => (q.body as { invitedUserEmailAddress: string }).invitedUserEmailAddress)).toEqual([
    "kim@contoso.com",
  ]);
  expect(invitations()[0].body).not.toHaveProperty("invitedUser");
  emu.clearRequests();
  const p = ok(await stack.preview({ ...day(60), refresh: true })); // maxReminders reached
  expect(updates(p)).toEqual([]);
  const r = ok(await stack.up({ ...day(60), refresh: true }));
  expect(invitations()).toHaveLength(0);
  // kim is still pending 46 days after the last reminder: overdue (jo has no reminders, sam accepted).
  expect(r.outputs!.summary.value).toEqual({ Accepted: 1, PendingAcceptance: 2, overdue: 1 });
});
