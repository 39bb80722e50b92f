import * as pulumi from "@pulumi/pulumi";
import {
  GuestEntry,
  GuestListError,
  emailName,
  parseGuestFile,
  planGuestList,
  resolveGuests,
} from "../../src/guestlist";

const REDIRECT = "https://myapps.microsoft.com";
const G1 = "11111111-2222-3333-4444-555555555555";
const G2 = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

describe("naming", () => {
  it("names a guest by its key (lower case), else by its normalised email", () => {
    const guests = resolveGuests(
      [
        { key: "Fabrikam-Lead", invitedUserEmailAddress: "avery@fabrikam.com" },
        { invitedUserEmailAddress: "  Sam.Ortiz@Northwind.EXAMPLE " },
        { invitedUserEmailAddress: "o'neil@contoso.com" },
      ],
      { inviteRedirectUrl: REDIRECT },
      "guests",
    );
    expect(guests.map((g) => g.name)).toEqual(["fabrikam-lead", "sam.ortiz@northwind.example", "o_neil@contoso.com"]);
    expect(guests.map((g) => g.email)).toEqual([
      "avery@fabrikam.com",
      "sam.ortiz@northwind.example",
      "o'neil@contoso.com",
    ]);
  });

  it("gives the same names whatever the order", () => {
    const entries: GuestEntry[] = [
      { key: "a", invitedUserEmailAddress: "a@contoso.com" },
      { invitedUserEmailAddress: "b@contoso.com" },
      { invitedUserEmailAddress: "c@contoso.com" },
    ];
    const names = (list: GuestEntry[]): string[] =>
      resolveGuests(list, { inviteRedirectUrl: REDIRECT }, "guests")
        .map((g) => g.name)
        .sort();
    expect(names([...entries].reverse())).toEqual(names(entries));
    expect(names([entries[1], entries[2], entries[0]])).toEqual(["a", "b@contoso.com", "c@contoso.com"]);
  });

  it("keeps a keyed guest's name when its email changes, and remembers the email name as a former name", () => {
    const before = resolveGuests(
      [{ key: "lead", invitedUserEmailAddress: "old@fabrikam.com" }],
      { inviteRedirectUrl: REDIRECT },
      "guests",
    )[0];
    const after = resolveGuests(
      [{ key: "lead", invitedUserEmailAddress: "new@fabrikam.com" }],
      { inviteRedirectUrl: REDIRECT },
      "guests",
    )[0];
    expect(after.name).toBe(before.name);
    expect(after.formerNames).toEqual(["new@fabrikam.com"]);
  });

  it("makes email names Pulumi-safe and deterministic", () => {
    expect(emailName("Jane.O'Brien@Contoso.com")).toBe("jane.o_brien@contoso.com");
    expect(emailName("a`b@x.com")).toBe("a_b@x.com");
  });

  it("needs a key when the email is an Output", () => {
    const email = pulumi.output("late@contoso.com");
    expect(() =>
      resolveGuests([{ invitedUserEmailAddress: email }], { inviteRedirectUrl: REDIRECT }, "guests"),
    ).toThrow(/guests\[0\]: .*the email is not known until deployment \(an Output\): give this guest a 'key'/);
    const [g] = resolveGuests(
      [{ key: "late", invitedUserEmailAddress: email }],
      { inviteRedirectUrl: REDIRECT },
      "guests",
    );
    expect(g.name).toBe("late");
    expect(g.args.invitedUserEmailAddress).toBe(email);
  });
});

describe("defaults", () => {
  const defaults = {
    inviteRedirectUrl: REDIRECT,
    sendInvitationMessage: true,
    invitedUserType: "Guest" as const,
    onDelete: "disable" as const,
    invitedUserMessageInfo: { customizedMessageBody: "Welcome", messageLanguage: "en-US" },
    userProperties: { companyName: "Fabrikam" },
    groups: [G1],
  };

  it("apply to entries that don't set the field", () => {
    const [g] = resolveGuests([{ invitedUserEmailAddress: "a@fabrikam.com" }], defaults, "guests");
    expect(g.args).toEqual({
      invitedUserEmailAddress: "a@fabrikam.com",
      inviteRedirectUrl: REDIRECT,
      sendInvitationMessage: true,
      invitedUserType: "Guest",
      onDelete: "disable",
      invitedUserMessageInfo: { customizedMessageBody: "Welcome", messageLanguage: "en-US" },
      userProperties: { companyName: "Fabrikam" },
    });
    expect(g.groups).toEqual([G1]);
  });

  it("are overridden by entries; object fields merge field by field; lists are replaced", () => {
    const [g] = resolveGuests(
      [
        {
          invitedUserEmailAddress: "a@fabrikam.com",
          inviteRedirectUrl: "https://portal.fabrikam.com",
          sendInvitationMessage: false,
          onDelete: "retain",
          invitedUserMessageInfo: { messageLanguage: "de-DE" },
          userProperties: { jobTitle: "Auditor" },
          groups: [G2.toUpperCase()],
        },
      ],
      defaults,
      "guests",
    );
    expect(g.args).toMatchObject({
      inviteRedirectUrl: "https://portal.fabrikam.com",
      sendInvitationMessage: false,
      onDelete: "retain",
      invitedUserMessageInfo: { customizedMessageBody: "Welcome", messageLanguage: "de-DE" },
      userProperties: { companyName: "Fabrikam", jobTitle: "Auditor" },
    });
    expect(g.groups).toEqual([G2]);
  });

  it("are dropped by null in a file entry, and an empty list means no groups", () => {
    const f = parseGuestFile(
      `guests:\n  - email: a@fabrikam.com\n    message: null\n    groups: []\n    onDelete: null\n`,
      "g.yaml",
    );
    const [g] = resolveGuests(f.guests, defaults, f);
    expect(g.args.invitedUserMessageInfo).toEqual({ messageLanguage: "en-US" });
    expect(g.args).not.toHaveProperty("onDelete");
    expect(g.groups).toEqual([]);
  });

  it("layer: entry over the file's defaults over the program's defaults", () => {
    const file = {
      fileName: "guests.yaml",
      text: `defaults:\n  inviteRedirectUrl: https://file.example\nguests:\n  - email: a@contoso.com\n  - email: b@contoso.com\n    redirectUrl: https://entry.example\n`,
    };
    const guests = planGuestList({ file, defaults: { inviteRedirectUrl: REDIRECT, onDelete: "retain" } });
    expect(guests.map((g) => [g.args.inviteRedirectUrl, g.args.onDelete])).toEqual([
      ["https://file.example", "retain"],
      ["https://entry.example", "retain"],
    ]);
  });

  it("from the program apply to program entries, not the file's defaults", () => {
    const file = {
      fileName: "guests.yaml",
      text: `defaults:\n  onDelete: disable\nguests:\n  - email: a@contoso.com\n`,
    };
    const guests = planGuestList({
      file,
      guests: [{ invitedUserEmailAddress: "b@contoso.com" }],
      defaults: { inviteRedirectUrl: REDIRECT },
    });
    expect(guests.map((g) => [g.name, g.args.onDelete, g.where])).toEqual([
      ["a@contoso.com", "disable", "guests.yaml:4"],
      ["b@contoso.com", undefined, "guests[0]"],
    ]);
  });

  it("pass Outputs through untouched (they are checked at deployment)", () => {
    const url = pulumi.output(REDIRECT);
    const [g] = resolveGuests(
      [
        {
          invitedUserEmailAddress: "a@contoso.com",
          invitedUserMessageInfo: { ccRecipients: pulumi.output(["b@contoso.com"]) },
        },
      ],
      { inviteRedirectUrl: url },
      "guests",
    );
    expect(g.args.inviteRedirectUrl).toBe(url);
  });
});

describe("problems are collected and reported together", () => {
  const catchError = (fn: () => unknown): GuestListError => {
    try {
      fn();
    } catch (e) {
      if (e instanceof GuestListError) return e;
      throw e;
    }
    throw new Error("no error");
  };

  it("lists every problem, each with its place, guest and property", () => {
    const e = catchError(() =>
      resolveGuests(
        [
          { invitedUserEmailAddress: "a@contoso.com", invitedUserType: "Owner" },
          { invitedUserEmailAddress: "A@CONTOSO.com" },
          { key: "k", invitedUserEmailAddress: "no-at-sign" },
          { key: "K", invitedUserEmailAddress: "c@contoso.com", invitedUserDisplayName: "=1+1" },
        ],
        { inviteRedirectUrl: REDIRECT },
        "guests",
      ),
    );
    expect(e.issues.map((i) => [i.index, i.guest, i.property])).toEqual([
      [0, "a@contoso.com", "invitedUserType"],
      [1, "A@CONTOSO.com", undefined],
      [2, "k", "invitedUserEmailAddress"],
      [3, "K", "invitedUserDisplayName"],
      [3, "K", undefined],
    ]);
    expect(e.message).toMatch(
      /^5 problems in guests; nothing was sent to Microsoft Graph:\n {2}- guests\[0\]: guest 'a@contoso\.com': invitedUserType: must be "Guest" or "Member", not "Owner"/,
    );
  });

  it("reports a problem of the defaults once, not once per guest", () => {
    const e = catchError(() =>
      resolveGuests(
        [{ invitedUserEmailAddress: "a@contoso.com" }, { invitedUserEmailAddress: "b@contoso.com" }],
        { inviteRedirectUrl: REDIRECT, sendInvitationMessage: "yes" },
        "guests",
      ),
    );
    expect(e.issues).toHaveLength(1);
    expect(e.message).toMatch(/defaults: defaults\.sendInvitationMessage: must be true or false, not "yes"/);
  });

  it("reports CSV injection in program entries too", () => {
    expect(() =>
      resolveGuests(
        [{ invitedUserEmailAddress: "a@contoso.com", userProperties: { department: "+SUM(A1)" } }],
        { inviteRedirectUrl: REDIRECT },
        "guests",
      ),
    ).toThrow(/guests\[0\]: guest 'a@contoso\.com': userProperties\.department: starts with '\+'/);
  });

  it("accepts text that only contains formula characters later on", () => {
    expect(
      resolveGuests(
        [{ invitedUserEmailAddress: "a@contoso.com", invitedUserDisplayName: "Lee - Fabrikam (=external)" }],
        { inviteRedirectUrl: REDIRECT },
        "guests",
      ),
    ).toHaveLength(1);
  });
});
