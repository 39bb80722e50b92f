import { canonical, deletePolicy, invitationBody, planDiff, planRead, planUpdate, ReplaceCause, replacementNotice, shortId, userPatch } from "../../src/provider/plan";
import { type CheckedInputs, type InvitationOutputs, UNKNOWN } from "../../src/provider/types";

const inputs: CheckedInputs = { invitedUserEmailAddress: "jane@contoso.com", inviteRedirectUrl: "https://myapps.microsoft.com", invitedUserType: "Guest", sendInvitationMessage: false };
const state: InvitationOutputs = { ...inputs, userId: "u1", adopted: false, externalUserState: "PendingAcceptance" };

describe("planDiff", () => {
  it.each<[string, Partial<CheckedInputs>, { changes: boolean; replaces: string[] }]>([
    ["nothing changed", {}, { changes: false, replaces: [] }],
    ["email changed: replace (reset)", { invitedUserEmailAddress: "jane@fabrikam.com" }, { changes: true, replaces: ["invitedUserEmailAddress"] }],
    ["triggers changed: replace (reset)", { triggers: ["rotate-1"] }, { changes: true, replaces: ["triggers"] }],
    ["invitedUser changed: replace", { invitedUser: "00000000-0000-0000-0000-000000000001" }, { changes: true, replaces: ["invitedUser"] }],
    ["display name: in place", { invitedUserDisplayName: "Jane" }, { changes: true, replaces: [] }],
    ["userType: in place", { invitedUserType: "Member" }, { changes: true, replaces: [] }],
    ["user properties: in place", { userProperties: { jobTitle: "Auditor" } }, { changes: true, replaces: [] }],
    ["redirect: in place", { inviteRedirectUrl: "https://contoso.com" }, { changes: true, replaces: [] }],
    ["message: in place", { invitedUserMessageInfo: { customizedMessageBody: "hi" } }, { changes: true, replaces: [] }],
    ["onDelete: in place", { onDelete: "retain" }, { changes: true, replaces: [] }],
  ])("%s", (_n, change, expected) => {
    const d = planDiff(state, { ...inputs, ...change });
    expect(d).toMatchObject(expected);
    expect(d.deleteBeforeReplace).toBe(true);
  });

  it("treats a missing default in old state as no change", () => {
    const old = { ...state } as Partial<InvitationOutputs>;
    delete old.invitedUserType;
    delete old.sendInvitationMessage;
    expect(planDiff(old, inputs).changes).toBe(false);
  });

  it("ignores key order", () => {
    expect(canonical({ a: 1, b: { c: 2, d: 3 } })).toBe(canonical({ b: { d: 3, c: 2 }, a: 1 }));
  });
});

describe("replacementNotice", () => {
  const id = "467a1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b";
  const kim = { ...inputs, invitedUserEmailAddress: "kim@contoso.com" };
  describe.each<[string, Partial<CheckedInputs>, Partial<CheckedInputs>, ReplaceCause[], string]>([
    ["email change", kim, { invitedUserEmailAddress: "kim@fabrikam.com" }, ["invitedUserEmailAddress"], "kim@contoso.com: email change to kim@fabrikam.com \u2192 redemption reset of the same user 467a1b2c\u2026 (not deleted)"],
    ["triggers change (values never shown)", { ...kim, triggers: { rotate: "secret-1" } }, { triggers: { rotate: "secret-2" } }, ["triggers"], "kim@contoso.com: triggers change \u2192 redemption reset of the same user 467a1b2c\u2026 (not deleted)"],
    ["email and triggers change", kim, { invitedUserEmailAddress: "kim@fabrikam.com", triggers: ["r2"] }, ["triggers", "invitedUserEmailAddress"], "kim@contoso.com: email change to kim@fabrikam.com, triggers change \u2192 redemption reset of the same user 467a1b2c\u2026 (not deleted)"],
    ["email not known until the update", kim, { invitedUserEmailAddress: UNKNOWN }, ["invitedUserEmailAddress"], "kim@contoso.com: email change to [unknown] \u2192 redemption reset of the same user 467a1b2c\u2026 (not deleted)"],
    ["invitedUser change", kim, { invitedUser: "00000000-0000-0000-0000-000000000001" }, ["invitedUser"], "kim@contoso.com: invitedUser change to 00000000\u2026 \u2192 redemption reset of the same user 467a1b2c\u2026 (not deleted)"],
    ["pulumi up --replace (no changed input)", kim, {}, ["requested"], "kim@contoso.com: replace requested \u2192 redemption reset of the same user 467a1b2c\u2026 (not deleted)"],
    ["a line break in old state stays one line", { ...kim, invitedUserEmailAddress: "kim@contoso.com\nx" }, {}, ["triggers"], "kim@contoso.com?x: triggers change \u2192 redemption reset of the same user 467a1b2c\u2026 (not deleted)"],
  ])("%s", (_n, olds, change, causes, expected) => {
    const news = { ...olds, ...change };
    const state: Partial<InvitationOutputs> = { ...olds, userId: id, inviteRedeemUrl: "https://login.microsoftonline.com/redeem?rd=SECRET-TICKET", adopted: false };
    const line = replacementNotice(id, state, news, causes);
    it("reads as a reset of the same user", () => expect(line).toBe(expected));
    it("is one line with no redeem URL or trigger value", () => {
      expect(line).not.toMatch(/[\r\n]|SECRET|redeem\?|secret-/);
    });
  });

  it.each([
    ["467a1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b", "467a1b2c\u2026"],
    ["short-id", "short-id"],
  ])("shortId(%s)", (full, short) => expect(shortId(full)).toBe(short));
});

describe("planUpdate", () => {
  it.each<[string, Partial<CheckedInputs>, Partial<CheckedInputs>, { patch: object; reissueIfPending: boolean }]>([
    ["display name", {}, { invitedUserDisplayName: "Jane D" }, { patch: { displayName: "Jane D" }, reissueIfPending: false }],
    ["userType", {}, { invitedUserType: "Member" }, { patch: { userType: "Member" }, reissueIfPending: false }],
    ["property added", {}, { userProperties: { jobTitle: "Auditor" } }, { patch: { jobTitle: "Auditor" }, reissueIfPending: false }],
    ["property removed clears it", { userProperties: { jobTitle: "Auditor", department: "Audit" } }, { userProperties: { department: "Audit" } }, { patch: { jobTitle: null }, reissueIfPending: false }],
    ["message changed", {}, { invitedUserMessageInfo: { customizedMessageBody: "Welcome" } }, { patch: {}, reissueIfPending: true }],
    ["redirect changed", {}, { inviteRedirectUrl: "https://contoso.com" }, { patch: {}, reissueIfPending: true }],
    ["sendInvitationMessage changed", {}, { sendInvitationMessage: true }, { patch: {}, reissueIfPending: true }],
    ["onDelete only", {}, { onDelete: "disable" }, { patch: {}, reissueIfPending: false }],
  ])("%s", (_n, before, after, expected) => {
    expect(planUpdate({ ...state, ...before }, { ...inputs, ...after })).toEqual(expected);
  });
});

describe("deletePolicy", () => {
  it.each<[string, Partial<InvitationOutputs>, string]>([
    ["invited by us: delete", { adopted: false }, "delete"],
    ["adopted: retain", { adopted: true }, "retain"],
    ["adopted but told to delete", { adopted: true, onDelete: "delete" }, "delete"],
    ["told to disable", { adopted: false, onDelete: "disable" }, "disable"],
    ["told to retain", { onDelete: "retain" }, "retain"],
  ])("%s", (_n, s, expected) => expect(deletePolicy(s)).toBe(expected));
});

describe("planRead", () => {
  it("reads back only managed properties and the redemption state", () => {
    const old: InvitationOutputs = { ...state, invitedUserDisplayName: "Jane", userProperties: { jobTitle: "Auditor" } };
    const r = planRead(old, { id: "u1", displayName: "Jane (changed)", userType: "Guest", jobTitle: "CFO", department: "Finance", externalUserState: "Accepted", externalUserStateChangeDateTime: "2026-01-01T00:00:00Z" });
    expect(r.props).toMatchObject({ invitedUserDisplayName: "Jane (changed)", userProperties: { jobTitle: "CFO" }, externalUserState: "Accepted" });
    expect(r.props.userProperties).not.toHaveProperty("department");
    expect(r.inputs).toMatchObject({ invitedUserDisplayName: "Jane (changed)", userProperties: { jobTitle: "CFO" } });
    expect(r.inputs).not.toHaveProperty("userId");
  });
  it.each<[string, Partial<InvitationOutputs>, { externalUserState: string; externalUserStateChangeDateTime: string }, string]>([
    ["keeps the invitation-time estimate when Graph's stamp is a second off", { externalUserState: "PendingAcceptance", externalUserStateChangeDateTime: "2026-11-27T10:00:00Z" }, { externalUserState: "PendingAcceptance", externalUserStateChangeDateTime: "2026-11-27T10:00:01Z" }, "2026-11-27T10:00:00Z"],
    ["takes Graph's time when the state changed", { externalUserState: "PendingAcceptance", externalUserStateChangeDateTime: "2026-11-27T10:00:00Z" }, { externalUserState: "Accepted", externalUserStateChangeDateTime: "2026-11-27T10:00:02Z" }, "2026-11-27T10:00:02Z"],
    ["takes Graph's time when it is far off", { externalUserState: "PendingAcceptance", externalUserStateChangeDateTime: "2026-11-27T10:00:00Z" }, { externalUserState: "PendingAcceptance", externalUserStateChangeDateTime: "2026-11-28T10:00:00Z" }, "2026-11-28T10:00:00Z"],
  ])("change time: %s", (_n, old, live, expected) => {
    expect(planRead({ ...state, ...old }, { id: "u1", userType: "Guest", ...live }).props.externalUserStateChangeDateTime).toBe(expected);
  });

  it("does not invent a display name the program does not manage", () => {
    const r = planRead(state, { id: "u1", displayName: "Someone", userType: "Guest" });
    expect(r.props.invitedUserDisplayName).toBeUndefined();
  });
});

describe("invitationBody", () => {
  it("maps inputs to Graph's fields", () => {
    expect(invitationBody({ ...inputs, invitedUserDisplayName: "Jane", invitedUserMessageInfo: { ccRecipients: [{ address: "b@c.com", name: "Boss" }], messageLanguage: "de-DE" }, invitedUserSponsors: ["s1"] })).toEqual({
      invitedUserEmailAddress: "jane@contoso.com", inviteRedirectUrl: "https://myapps.microsoft.com", invitedUserType: "Guest", sendInvitationMessage: false,
      invitedUserDisplayName: "Jane", invitedUserMessageInfo: { messageLanguage: "de-DE", ccRecipients: [{ emailAddress: { address: "b@c.com", name: "Boss" } }] },
      invitedUserSponsors: [{ id: "s1" }],
    });
  });
  it("resets the named user", () => {
    expect(invitationBody(inputs, { userId: "u1", reset: true })).toMatchObject({ invitedUser: { id: "u1" }, resetRedemption: true });
  });
  it("userPatch sends nothing when nothing changed", () => expect(userPatch(inputs, inputs)).toEqual({}));
});
