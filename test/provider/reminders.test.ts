/**
 * Reminders: the pure decision (a table) and the lifecycle against the emulator with the settable
 * clock (`ENTRA_NOW`): a guest still PendingAcceptance `remindAfterDays` after its last invitation is
 * due; `read` says so, `diff` shows an update, `update` re-issues the invitation (same user, no reset,
 * new redeem link), at most once per N days and at most `maxReminders` times; never to an Accepted guest.
 */
import { invitationProvider } from "../../src";
import { requestsTo, RunningEmulator, graphWrites } from "../../src/testing";
import type { InvitationOutputs } from "../../src/provider/types";
import { reminderDue } from "../../src/provider/reminders";
import { checkInputs } from "../../src/provider/validate";
import { planDiff, planUpdate } from "../../src/provider/plan";
import { resetLifecycleRegistry } from "../../src/provider/replacement";
import { isOverdue } from "../../src/guestlist/component";
import { GuestListError, planGuestList } from "../../src/guestlist";
import { providerAgainstEmulator } from "./emulator-fixture";

type Props = Record<string, unknown>;
const p = invitationProvider;
const redirect = "https://myapps.microsoft.com";
const DAY = 86_400_000;
const T0 = Date.UTC(2027, 0, 1);
const day = (n: number): string => new Date(T0 + n * DAY).toISOString();

describe.each([
  // state, now (days after T0), expected reason (regex) or undefined
  [{ remindAfterDays: 7 }, 6.99, undefined],
  [
    { remindAfterDays: 7 },
    7,
    /^still PendingAcceptance 7 days after the last invitation \(remindAfterDays 7\): reminder 1 of 3$/,
  ],
  [{ remindAfterDays: 7, remindersSent: 2 }, 30, /reminder 3 of 3$/],
  [{ remindAfterDays: 7, remindersSent: 3 }, 30, undefined],
  [{ remindAfterDays: 7, maxReminders: 1, remindersSent: 1 }, 30, undefined],
  [{ remindAfterDays: 7, maxReminders: 0 }, 30, undefined],
  [{ remindAfterDays: 7, externalUserState: "Accepted" }, 30, undefined],
  [{ remindAfterDays: 7, lastInvitationAt: undefined, invitedAt: undefined }, 30, undefined],
  [{ remindAfterDays: 7, lastInvitationAt: undefined }, 7, /reminder 1 of 3/], // old state: invitedAt
  [{}, 300, undefined],
])("reminderDue(%j at day %d)", (extra, at, expected) => {
  it(expected ? "is due" : "is not due", () => {
    const state = {
      externalUserState: "PendingAcceptance",
      lastInvitationAt: day(0),
      invitedAt: day(0),
      ...extra,
    } as Partial<InvitationOutputs>;
    const r = reminderDue(state, new Date(T0 + at * DAY));
    if (expected) expect(r).toMatch(expected);
    else expect(r).toBeUndefined();
  });
});

describe.each([
  [
    { remindAfterDays: -1 },
    "remindAfterDays",
    /remindAfterDays must be a whole number of days from 1 to 365.*e\.g\. 7/,
  ],
  [{ remindAfterDays: 1.5 }, "remindAfterDays", /whole number/],
  [{ remindAfterDays: "7" }, "remindAfterDays", /whole number/],
  [{ remindAfterDays: 0 }, "remindAfterDays", /from 1 to 365/],
  [{ maxReminders: -2 }, "maxReminders", /maxReminders must be a whole number from 0 to 20/],
])("check refuses %j", (bad, property, reason) => {
  it("naming the field and the fix", () => {
    const r = checkInputs({ invitedUserEmailAddress: "kim@contoso.com", inviteRedirectUrl: redirect, ...bad });
    expect(r.failures).toEqual([{ property, reason: expect.stringMatching(reason) }]);
  });
});

describe("diff and update plans", () => {
  const state = {
    invitedUserEmailAddress: "kim@contoso.com",
    inviteRedirectUrl: redirect,
    invitedUserType: "Guest" as const,
    sendInvitationMessage: false,
    remindAfterDays: 7,
    userId: "u",
    adopted: false,
  };
  const news = {
    invitedUserEmailAddress: "kim@contoso.com",
    inviteRedirectUrl: redirect,
    invitedUserType: "Guest" as const,
    sendInvitationMessage: false,
    remindAfterDays: 7,
  };
  it("a reminder due is an update in place that re-issues the invitation", () => {
    expect(planDiff({ ...state, reminderDue: "why" }, news)).toMatchObject({
      changes: true,
      replaces: [],
      changed: [],
      remind: true,
    });
    expect(planUpdate({ ...state, reminderDue: "why" }, news)).toEqual({
      patch: {},
      reissueIfPending: true,
      reminder: true,
    });
  });
  it("no reminder without reminderDue, or once the program drops remindAfterDays (that is an update of the input only)", () => {
    expect(planDiff(state, news)).toMatchObject({ changes: false, remind: false });
    const { remindAfterDays: _r, ...without } = news;
    void _r;
    expect(planDiff({ ...state, reminderDue: "why" }, without)).toMatchObject({
      changes: true,
      changed: ["remindAfterDays"],
      remind: false,
    });
    expect(planUpdate({ ...state, reminderDue: "why" }, without)).toEqual({ patch: {}, reissueIfPending: false });
  });
});

describe.each([
  ["PendingAcceptance", 0, 7, false],
  ["PendingAcceptance", 6.99, 7, false],
  ["PendingAcceptance", 7, 7, true],
  ["Accepted", 30, 7, false],
  [null, 30, 7, false],
])("isOverdue(%s, %d days after the last invitation, remindAfterDays %d)", (state, after, n, expected) => {
  it(`is ${expected}`, () => expect(isOverdue(state, day(0), n, new Date(T0 + after * DAY))).toBe(expected));
});
it("isOverdue is false without a last invitation (adopted guests, old state)", () => {
  expect(isOverdue("PendingAcceptance", undefined, 7, new Date(T0 + 30 * DAY))).toBe(false);
});

describe("guest list", () => {
  it("passes remindAfterDays and maxReminders to the Invitation, from entries and defaults; CSV cells become numbers", () => {
    const csv = planGuestList({
      file: {
        fileName: "g.csv",
        text: "email,redirectUrl,remindAfterDays,maxReminders\na@contoso.com,https://myapps.microsoft.com,7,1\n",
      },
    });
    expect(csv[0].args).toMatchObject({ remindAfterDays: 7, maxReminders: 1 });
    const yaml = planGuestList({
      file: {
        fileName: "g.yaml",
        text: "defaults:\n  inviteRedirectUrl: https://myapps.microsoft.com\n  remindAfterDays: 14\nguests:\n  - email: a@contoso.com\n  - email: b@contoso.com\n    remindAfterDays: null\n",
      },
    });
    expect(yaml.map((g) => g.args.remindAfterDays)).toEqual([14, undefined]);
  });
  it("refuses a negative or non-integer remindAfterDays with file:line, naming the field and the fix", () => {
    const run = () =>
      planGuestList({
        file: {
          fileName: "g.yaml",
          text: "defaults:\n  inviteRedirectUrl: https://myapps.microsoft.com\nguests:\n  - email: a@contoso.com\n    remindAfterDays: -3\n  - email: b@contoso.com\n    remindAfterDays: 2.5\n",
        },
      });
    expect(run).toThrow(GuestListError);
    expect(run).toThrow(
      /g\.yaml:5: guest 'a@contoso\.com': remindAfterDays: must be a whole number of days from 1 to 365/,
    );
    expect(run).toThrow(/g\.yaml:7: guest 'b@contoso\.com': remindAfterDays: must be a whole number/);
  });
});

describe("lifecycle against the emulator", () => {
  let emu: RunningEmulator;
  const at = (iso: string): void => void (process.env.ENTRA_NOW = iso);

  const fixture = providerAgainstEmulator(() => ({ ENTRA_NOW: day(0) }));
  beforeAll(() => void (emu = fixture.emu));
  beforeEach(() => {
    emu.reset();
    resetLifecycleRegistry();
  });

  async function checked(news: Props): Promise<Props> {
    const r = await p.check!({}, news);
    expect(r.failures ?? []).toEqual([]);
    return r.inputs as Props;
  }
  /** What `up --refresh` does with one resource: read, diff against the program, update when it differs. */
  async function upRefresh(
    id: string,
    olds: InvitationOutputs,
    news: Props,
  ): Promise<{ outs: InvitationOutputs; changed: boolean; read: InvitationOutputs }> {
    const r = await p.read!(id, olds);
    const read = r.props as InvitationOutputs;
    const d = await p.diff!(id, read, news);
    if (!d.changes) return { outs: read, changed: false, read };
    expect(d.replaces ?? []).toEqual([]);
    const u = await p.update!(id, read, news);
    return { outs: u.outs as InvitationOutputs, changed: true, read };
  }
  const invitations = () => requestsTo(emu.requests(), "POST", "/v1.0/invitations");

  it("re-invites a pending guest every N days, at most maxReminders times, same user, no reset", async () => {
    at(day(0));
    const news = await checked({
      invitedUserEmailAddress: "kim@contoso.com",
      inviteRedirectUrl: redirect,
      sendInvitationMessage: true,
      remindAfterDays: 7,
      maxReminders: 2,
    });
    const c = await p.create(news);
    const id = c.id;
    let outs = c.outs as InvitationOutputs;
    expect(outs.lastInvitationAt).toBe(day(0));

    emu.clearRequests();
    at(day(6.9));
    let step = await upRefresh(id, outs, news);
    expect(step.changed).toBe(false);
    expect(step.read.reminderDue).toBeUndefined();

    at(day(7));
    const firstUrl = outs.inviteRedeemUrl;
    step = await upRefresh(id, step.outs, news);
    expect(step.read.reminderDue).toBe(
      "still PendingAcceptance 7 days after the last invitation (remindAfterDays 7): reminder 1 of 2",
    );
    expect(step.changed).toBe(true);
    expect(invitations()).toHaveLength(1);
    expect(invitations()[0].body).toMatchObject({
      invitedUserEmailAddress: "kim@contoso.com",
      sendInvitationMessage: true,
    });
    expect(invitations()[0].body).not.toHaveProperty("invitedUser"); // a reminder names no user: by address
    expect(invitations()[0].body).not.toHaveProperty("resetRedemption");
    outs = step.outs;
    expect(outs).toMatchObject({ userId: id, remindersSent: 1, lastInvitationAt: day(7) });
    expect(outs.reminderDue).toBeUndefined();
    expect(outs.inviteRedeemUrl).not.toBe(firstUrl);

    at(day(13.9)); // once per N days
    step = await upRefresh(id, outs, news);
    expect(step.changed).toBe(false);
    at(day(14));
    step = await upRefresh(id, step.outs, news);
    expect(step.changed).toBe(true);
    expect(step.outs).toMatchObject({ remindersSent: 2, lastInvitationAt: day(14) });

    at(day(60)); // maxReminders reached
    step = await upRefresh(id, step.outs, news);
    expect(step.changed).toBe(false);
    expect(invitations()).toHaveLength(2);
    expect(emu.users().filter((u) => u.mail === "kim@contoso.com")).toHaveLength(1);
  });

  it("never reminds an Accepted guest (even with a stale reminderDue in state)", async () => {
    at(day(0));
    const news = await checked({
      invitedUserEmailAddress: "sam@contoso.com",
      inviteRedirectUrl: redirect,
      remindAfterDays: 3,
    });
    const c = await p.create(news);
    emu.redeem(c.id);
    emu.clearRequests();
    at(day(30));
    const step = await upRefresh(c.id, c.outs as InvitationOutputs, news);
    expect(step.changed).toBe(false);
    expect(step.read).toMatchObject({ externalUserState: "Accepted" });
    const u = await p.update!(c.id, { ...(c.outs as InvitationOutputs), reminderDue: "stale" }, news);
    expect(graphWrites(emu.requests())).toEqual([]);
    expect(u.outs).toMatchObject({ externalUserState: "Accepted" });
    expect((u.outs as InvitationOutputs).reminderDue).toBeUndefined();
  });

  it("old state without remindAfterDays: refresh and diff show nothing, whatever the clock", async () => {
    at(day(0));
    const news = await checked({ invitedUserEmailAddress: "old@contoso.com", inviteRedirectUrl: redirect });
    const c = await p.create(news);
    const { lastInvitationAt: _drop, ...oldState } = c.outs as InvitationOutputs;
    void _drop;
    at(day(400));
    const r = await p.read!(c.id, oldState as InvitationOutputs);
    expect(r.props).toEqual(oldState);
    expect((await p.diff!(c.id, r.props as InvitationOutputs, news)).changes).toBe(false);
  });
});
