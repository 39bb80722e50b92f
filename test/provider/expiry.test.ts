/**
 * Expiry, pure: `expiresOn` parsing, the expiry decision at a time, the provider's refusal to create
 * an expired invitation, a lone Invitation's message, the guest list's resolution and lines, and the
 * settable clock (`ENTRA_NOW`).
 */
import { now } from "../../src/clock";
import { expiryLine, GuestListError, planGuestList } from "../../src/guestlist";
import { checkWarningDays, expiryStatus, parseExpiresOn, refuseExpiredCreate } from "../../src/provider/expiry";
import { checkInputs } from "../../src/provider/validate";
import { planDiff } from "../../src/provider/plan";
import { expiryMessage } from "../../src/resource/invitation";

const REDIRECT = "https://myapps.microsoft.com";

describe.each([
  ["2027-01-31", "2027-01-31", Date.UTC(2027, 0, 31)],
  [" 2027-01-31 ", "2027-01-31", Date.UTC(2027, 0, 31)],
  ["2027-01-31T17:00:00+01:00", "2027-01-31T16:00:00.000Z", Date.UTC(2027, 0, 31, 16)],
  ["2027-01-31T16:00Z", "2027-01-31T16:00:00.000Z", Date.UTC(2027, 0, 31, 16)],
  ["2027-01-31t16:00:00.5z", "2027-01-31T16:00:00.500Z", Date.UTC(2027, 0, 31, 16, 0, 0, 500)],
  ["2000-01-01", "2000-01-01", Date.UTC(2000, 0, 1)],
  ["2200-12-31", "2200-12-31", Date.UTC(2200, 11, 31)],
])("parseExpiresOn(%j)", (raw, normal, at) => {
  it(`is ${normal}`, () => expect(parseExpiresOn(raw)).toEqual({ ok: normal, at }));
});

describe.each([
  ["2027-02-30", /not a real date/],
  ["2027-13-01", /not a real date/],
  ["31.01.2027", /is not a date: write a date \(2027-01-31/],
  ["2027-01-31T16:00:00", /needs a zone/],
  ["2027-01-31T25:00Z", /not a real time/],
  ["1999-12-31", /year 1999 is outside 2000-2200/],
  ["0202-01-31", /year 202 is outside|year 0202|outside 2000-2200/],
  ["2301-01-01", /outside 2000-2200/],
  ["", /is empty/],
  ["tomorrow", /is not a date/],
])("parseExpiresOn(%j) is refused", (raw, reason) => {
  it("with the fix", () => {
    const r = parseExpiresOn(raw);
    expect("reason" in r && r.reason).toMatch(reason);
    expect("reason" in r && r.reason).toMatch(/write a date/);
  });
});

it("refuses a value that is not text", () => {
  expect(parseExpiresOn(20270131)).toEqual({ reason: expect.stringMatching(/not number/) });
});

const T = (iso: string): Date => new Date(iso);
describe.each([
  // expiresOn, now, warning days, state, days left
  [undefined, "2027-01-01T00:00:00Z", 14, "active", undefined],
  ["2027-01-31", "2027-01-01T00:00:00Z", 14, "active", 30],
  ["2027-01-31", "2027-01-17T00:00:00Z", 14, "expiring", 14],
  ["2027-01-31", "2027-01-16T23:59:59Z", 14, "active", 15],
  ["2027-01-31", "2027-01-30T23:59:59Z", 14, "expiring", 1],
  ["2027-01-31", "2027-01-31T00:00:00Z", 14, "expired", 0],
  ["2027-01-31", "2027-02-15T00:00:00Z", 14, "expired", 0],
  ["2027-01-31", "2027-01-30T00:00:00Z", 0, "active", 1],
  ["2027-01-31T16:00:00.000Z", "2027-01-31T15:59:00Z", 14, "expiring", 1],
  ["2027-01-31T16:00:00.000Z", "2027-01-31T16:00:00Z", 14, "expired", 0],
])("expiryStatus(%j at %s, window %d)", (expiresOn, at, days, state, daysLeft) => {
  it(`is ${state}`, () =>
    expect(expiryStatus(expiresOn, T(at), days)).toEqual(daysLeft === undefined ? { state } : { state, daysLeft }));
});

describe.each([
  [14, 14],
  ["7", 7],
  [0, 0],
])("checkWarningDays(%j)", (raw, ok) => it(`is ${ok}`, () => expect(checkWarningDays(raw)).toEqual({ ok })));
describe.each([[-1], [1.5], ["two weeks"], [4000], [null]])("checkWarningDays(%j) is refused", (raw) => {
  it("with the fix", () =>
    expect(checkWarningDays(raw)).toEqual({
      reason: expect.stringMatching(/whole number of days from 0 to 3650.*e\.g\. 14/),
    }));
});

describe("Invitation inputs", () => {
  const base = { invitedUserEmailAddress: "kim@contoso.com", inviteRedirectUrl: REDIRECT };
  it("checks and normalises expiresOn", () => {
    expect(checkInputs({ ...base, expiresOn: "2027-01-31T17:00:00+01:00" }).inputs.expiresOn).toBe(
      "2027-01-31T16:00:00.000Z",
    );
    expect(checkInputs({ ...base, expiresOn: "2027-02-30" }).failures).toEqual([
      { property: "expiresOn", reason: expect.stringMatching(/^expiresOn '2027-02-30' is not a real date/) },
    ]);
    expect(checkInputs({ ...base, expiresOn: "1900-01-01" }).failures).toEqual([
      { property: "expiresOn", reason: expect.stringMatching(/^expiresOn .*outside 2000-2200/) },
    ]);
  });
  it("has no expiresOn when none is given, so old state diffs the same", () => {
    const checked = checkInputs(base).inputs;
    expect("expiresOn" in checked).toBe(false);
    const oldState = { ...checked, userId: "u", adopted: false };
    expect(planDiff(oldState, checked).changes).toBe(false);
  });
  it("adding expiresOn later is an in-place update (no replacement)", () => {
    const checked = checkInputs(base).inputs;
    const plan = planDiff({ ...checked, userId: "u", adopted: false }, { ...checked, expiresOn: "2027-01-31" });
    expect(plan).toMatchObject({ changes: true, replaces: [], changed: ["expiresOn"] });
  });
  describe.each([
    ["2027-01-31", "2027-01-30T23:59:59Z", false],
    ["2027-01-31", "2027-01-31T00:00:00Z", true],
    [undefined, "2099-01-01T00:00:00Z", false],
  ])("refuseExpiredCreate(%j at %s)", (expiresOn, at, refused) => {
    it(refused ? "refuses, naming the field and the fix" : "allows", () => {
      const r = refuseExpiredCreate(expiresOn, T(at));
      if (refused)
        expect(r).toEqual({
          property: "expiresOn",
          reason: expect.stringMatching(
            /^expiresOn 2027-01-31 has passed .*Remove this Invitation .*or set a later expiresOn/,
          ),
        });
      else expect(r).toBeUndefined();
    });
  });
  describe.each([
    ["2027-01-31", "2027-01-01T00:00:00Z", undefined],
    ["2027-01-31", "2027-01-20T00:00:00Z", "warning"],
    ["2027-01-31", "2027-01-31T00:00:00Z", "error"],
    ["garbage", "2027-01-31T00:00:00Z", undefined],
  ])("a lone Invitation with expiresOn %j at %s", (expiresOn, at, severity) => {
    it(`says ${severity ?? "nothing"}`, () => {
      const m = expiryMessage(expiresOn, T(at));
      expect(m?.severity).toBe(severity);
      if (severity === "error")
        expect(m?.text).toMatch(
          /expired on 2027-01-31: the guest is kept until this Invitation is removed from the program/,
        );
      if (severity === "warning") expect(m?.text).toMatch(/expires on 2027-01-31 \(in 11 days\)/);
    });
  });
});

describe("guest list", () => {
  const text = (body: string): { text: string; fileName: string } => ({ text: body, fileName: "guests.yaml" });
  it("takes expiresOn from entries, file defaults and program defaults (entry wins, null drops it) and keeps it off the Invitation", () => {
    const guests = planGuestList(
      {
        defaults: { inviteRedirectUrl: REDIRECT, expiresOn: "2030-01-01" },
        file: text(
          "defaults:\n  expires: 2028-06-30\n  expiryWarningDays: 30\nguests:\n  - email: a@contoso.com\n  - email: b@contoso.com\n    expiresOn: 2027-01-31T17:00:00+01:00\n  - email: c@contoso.com\n    expiresOn: null\n",
        ),
        guests: [{ invitedUserEmailAddress: "d@contoso.com" }],
      },
      "partners",
    );
    expect(guests.map((g) => [g.name, g.expiresOn, g.expiryWarningDays])).toEqual([
      ["a@contoso.com", "2028-06-30", 30],
      ["b@contoso.com", "2027-01-31T16:00:00.000Z", 30],
      ["c@contoso.com", undefined, 30],
      ["d@contoso.com", "2030-01-01", 14],
    ]);
    for (const g of guests) expect("expiresOn" in g.args || "expiryWarningDays" in g.args).toBe(false);
  });
  it("takes the list's expiryWarningDays", () => {
    const [g] = planGuestList({
      guests: [{ invitedUserEmailAddress: "a@contoso.com", inviteRedirectUrl: REDIRECT, expiresOn: "2027-01-31" }],
      expiryWarningDays: 3,
    });
    expect(g.expiryWarningDays).toBe(3);
  });
  it("reports bad dates and windows as file:line errors, nothing sent", () => {
    const run = (): unknown =>
      planGuestList(
        {
          file: text(
            "defaults:\n  inviteRedirectUrl: https://myapps.microsoft.com\n  expiryWarningDays: -3\nguests:\n  - email: a@contoso.com\n    expiresOn: 2027-02-30\n  - email: b@contoso.com\n    expiresOn: 1899-12-31\n  - email: c@contoso.com\n    expiryWarningDays: 5\n",
          ),
        },
        "partners",
      );
    expect(run).toThrow(GuestListError);
    const message = (() => {
      try {
        run();
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })();
    expect(message).toMatch(/guests\.yaml:3: defaults\.expiryWarningDays: must be a whole number of days/);
    expect(message).toMatch(
      /guests\.yaml:6: guest 'a@contoso\.com': expiresOn: '2027-02-30' is not a real date .*write a date/,
    );
    expect(message).toMatch(
      /guests\.yaml:8: guest 'b@contoso\.com': expiresOn: '1899-12-31': the year 1899 is outside 2000-2200/,
    );
    expect(message).toMatch(/guests\.yaml:10: guest 'c@contoso\.com': expiryWarningDays: is set for the whole list/);
    expect(() => planGuestList({ guests: [], expiryWarningDays: 2.5 }, "p")).toThrow(
      /expiryWarningDays: must be a whole number/,
    );
  });
  describe.each([
    ["2027-01-01T00:00:00Z", undefined],
    [
      "2027-01-20T00:00:00Z",
      "guest 'a@contoso.com' expires on 2027-01-31 (in 11 days): the first up on or after that date removes it per its onDelete (disable)",
    ],
    [
      "2027-01-31T00:00:00Z",
      "guest 'a@contoso.com' expired on 2027-01-31: left out of the list, so it is removed per its onDelete (disable) if the stack holds it",
    ],
  ])("expiryLine at %s", (at, line) => {
    it(line ? "says it" : "says nothing", () => {
      const [g] = planGuestList({
        guests: [
          {
            invitedUserEmailAddress: "a@contoso.com",
            inviteRedirectUrl: REDIRECT,
            expiresOn: "2027-01-31",
            onDelete: "disable",
          },
        ],
      });
      expect(expiryLine(g, T(at))).toBe(line);
    });
  });
});

describe("the clock", () => {
  const saved = process.env.ENTRA_NOW;
  afterEach(() => {
    if (saved === undefined) delete process.env.ENTRA_NOW;
    else process.env.ENTRA_NOW = saved;
  });
  it("is ENTRA_NOW when set (a date is midnight UTC), else the system clock", () => {
    process.env.ENTRA_NOW = "2027-01-31T12:00:00+02:00";
    expect(now().toISOString()).toBe("2027-01-31T10:00:00.000Z");
    process.env.ENTRA_NOW = "2027-01-31";
    expect(now().toISOString()).toBe("2027-01-31T00:00:00.000Z");
    delete process.env.ENTRA_NOW;
    expect(Math.abs(now().getTime() - Date.now())).toBeLessThan(1000);
  });
  it("refuses a malformed ENTRA_NOW, naming it", () => {
    process.env.ENTRA_NOW = "next week";
    expect(() => now()).toThrow(/ENTRA_NOW 'next week' is not a time: write a date/);
  });
});
