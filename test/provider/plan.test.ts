import {
  adoptionPatch,
  canonical,
  deletePolicy,
  invitationBody,
  outputsFromUser,
  planCreate,
  planDiff,
  planMarkUpdate,
  planRead,
  planUpdate,
  ReplaceCause,
  replacementNotice,
  shortId,
  sponsorsToAdd,
  switchesUser,
  userPatch,
} from "../../src/provider/plan";
import { markChanges, markData, MarkOwner, markOwner, parseUrn, readMark } from "../../src/provider/mark";
import { type CheckedInputs, type InvitationOutputs, UNKNOWN } from "../../src/provider/types";
import { checkedInputs, type MarkOwnerFields, storedMark } from "./plan-fixtures";

const inputs = checkedInputs("jane@contoso.com");
const state: InvitationOutputs = { ...inputs, userId: "u1", adopted: false, externalUserState: "PendingAcceptance" };

describe("planDiff", () => {
  it.each<[string, Partial<CheckedInputs>, { changes: boolean; replaces: string[] }]>([
    ["nothing changed", {}, { changes: false, replaces: [] }],
    [
      "email changed: replace (reset)",
      { invitedUserEmailAddress: "jane@fabrikam.com" },
      { changes: true, replaces: ["invitedUserEmailAddress"] },
    ],
    ["triggers changed: replace (reset)", { triggers: ["rotate-1"] }, { changes: true, replaces: ["triggers"] }],
    [
      "invitedUser naming another user: replace (a switch of users)",
      { invitedUser: "00000000-0000-0000-0000-000000000001" },
      { changes: true, replaces: ["invitedUser"] },
    ],
    [
      "invitedUser naming the user it manages: in place, nothing to send",
      { invitedUser: "U1" },
      { changes: true, replaces: [] },
    ],
    [
      "invitedUser not known until the update: replace (the delete half decides)",
      { invitedUser: UNKNOWN },
      { changes: true, replaces: ["invitedUser"] },
    ],
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

  it("invitedUser left out after a reset (the cmdlet's example 5, done): in place, no second reset", () => {
    const reset = { ...state, invitedUser: "u1", resetRedemption: true } as Partial<InvitationOutputs>;
    expect(planDiff(reset, inputs)).toMatchObject({
      changes: true,
      replaces: [],
      changed: ["invitedUser", "resetRedemption"],
    });
    expect(planUpdate(reset, inputs)).toEqual({ patch: {}, reissueIfPending: false });
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
    [
      "email change",
      kim,
      { invitedUserEmailAddress: "kim@fabrikam.com" },
      ["invitedUserEmailAddress"],
      "kim@contoso.com: email change to kim@fabrikam.com \u2192 redemption reset of the same user 467a1b2c\u2026 (not deleted)",
    ],
    [
      "triggers change (values never shown)",
      { ...kim, triggers: { rotate: "secret-1" } },
      { triggers: { rotate: "secret-2" } },
      ["triggers"],
      "kim@contoso.com: triggers change \u2192 redemption reset of the same user 467a1b2c\u2026 (not deleted)",
    ],
    [
      "email and triggers change",
      kim,
      { invitedUserEmailAddress: "kim@fabrikam.com", triggers: ["r2"] },
      ["triggers", "invitedUserEmailAddress"],
      "kim@contoso.com: email change to kim@fabrikam.com, triggers change \u2192 redemption reset of the same user 467a1b2c\u2026 (not deleted)",
    ],
    [
      "email not known until the update",
      kim,
      { invitedUserEmailAddress: UNKNOWN },
      ["invitedUserEmailAddress"],
      "kim@contoso.com: email change to [unknown] \u2192 redemption reset of the same user 467a1b2c\u2026 (not deleted)",
    ],
    [
      "pulumi up --replace (no changed input)",
      kim,
      {},
      ["requested"],
      "kim@contoso.com: replace requested \u2192 redemption reset of the same user 467a1b2c\u2026 (not deleted)",
    ],
    [
      "a line break in old state stays one line",
      { ...kim, invitedUserEmailAddress: "kim@contoso.com\nx" },
      {},
      ["triggers"],
      "kim@contoso.com?x: triggers change \u2192 redemption reset of the same user 467a1b2c\u2026 (not deleted)",
    ],
  ])("%s", (_n, olds, change, causes, expected) => {
    const news = { ...olds, ...change };
    const state: Partial<InvitationOutputs> = {
      ...olds,
      userId: id,
      inviteRedeemUrl: "https://login.microsoftonline.com/redeem?rd=SECRET-TICKET",
      adopted: false,
    };
    const line = replacementNotice(id, state, news, causes);
    it("reads as a reset of the same user", () => expect(line).toBe(expected));
    it("is one line with no redeem URL or trigger value", () => {
      expect(line).not.toMatch(/[\r\n]|SECRET|redeem\?|secret-/);
    });
  });

  it.each<[string, Partial<InvitationOutputs>, Partial<CheckedInputs>, string]>([
    [
      "taken over as it is; the old user was invited by the stack",
      { ...kim, userId: id, adopted: false },
      { ...kim, invitedUser: "00000000-0000-0000-0000-000000000001" },
      "kim@contoso.com: invitedUser change to 00000000\u2026 \u2192 another user: 00000000\u2026 is taken over as it is (no invitation); the old user 467a1b2c\u2026 leaves the stack by its onDelete (delete)",
    ],
    [
      "reset; the old user was adopted",
      { ...kim, userId: id, adopted: true },
      { ...kim, invitedUser: "00000000-0000-0000-0000-000000000001", resetRedemption: true },
      "kim@contoso.com: invitedUser change to 00000000\u2026 \u2192 another user: 00000000\u2026 is taken over and its redemption reset; the old user 467a1b2c\u2026 leaves the stack by its onDelete (retain)",
    ],
    [
      "onDelete disable",
      { ...kim, userId: id, adopted: false, onDelete: "disable" },
      { ...kim, onDelete: "disable", invitedUser: "00000000-0000-0000-0000-000000000001" },
      "kim@contoso.com: invitedUser change to 00000000\u2026 \u2192 another user: 00000000\u2026 is taken over as it is (no invitation); the old user 467a1b2c\u2026 leaves the stack by its onDelete (disable)",
    ],
  ])("invitedUser naming another user (%s): not a reset of the same user", (_n, state, news, expected) => {
    expect(switchesUser(id, news)).toBe(true);
    expect(replacementNotice(id, state, news, ["invitedUser"])).toBe(expected);
  });

  it("invitedUser not known until the update: says both outcomes", () => {
    expect(
      replacementNotice(id, { ...kim, userId: id, adopted: false }, { ...kim, invitedUser: UNKNOWN }, ["invitedUser"]),
    ).toBe(
      "kim@contoso.com: invitedUser change to [unknown] \u2192 decided in the update: the same user 467a1b2c\u2026 is reset; another user is taken over and 467a1b2c\u2026 leaves the stack by its onDelete (delete)",
    );
  });

  it.each<[string, string | undefined, boolean]>([
    ["another user", "00000000-0000-0000-0000-000000000001", true],
    ["the same user, other case", "467A1B2C-3D4E-4F50-8A6B-7C8D9E0F1A2B", false],
    ["none", undefined, false],
    ["not known until the update", UNKNOWN, false],
  ])("switchesUser: invitedUser %s → %s", (_n, invitedUser, expected) => {
    expect(switchesUser(id, { invitedUser })).toBe(expected);
  });

  it.each([
    ["467a1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b", "467a1b2c\u2026"],
    ["short-id", "short-id"],
  ])("shortId(%s)", (full, short) => expect(shortId(full)).toBe(short));
});

describe("planUpdate", () => {
  it.each<[string, Partial<CheckedInputs>, Partial<CheckedInputs>, { patch: object; reissueIfPending: boolean }]>([
    [
      "display name",
      {},
      { invitedUserDisplayName: "Jane D" },
      { patch: { displayName: "Jane D" }, reissueIfPending: false },
    ],
    ["userType", {}, { invitedUserType: "Member" }, { patch: { userType: "Member" }, reissueIfPending: false }],
    [
      "property added",
      {},
      { userProperties: { jobTitle: "Auditor" } },
      { patch: { jobTitle: "Auditor" }, reissueIfPending: false },
    ],
    [
      "property removed clears it",
      { userProperties: { jobTitle: "Auditor", department: "Audit" } },
      { userProperties: { department: "Audit" } },
      { patch: { jobTitle: null }, reissueIfPending: false },
    ],
    [
      "message changed",
      {},
      { invitedUserMessageInfo: { customizedMessageBody: "Welcome" } },
      { patch: {}, reissueIfPending: true },
    ],
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
    const old: InvitationOutputs = {
      ...state,
      invitedUserDisplayName: "Jane",
      userProperties: { jobTitle: "Auditor" },
    };
    const r = planRead(old, {
      id: "u1",
      displayName: "Jane (changed)",
      userType: "Guest",
      jobTitle: "CFO",
      department: "Finance",
      externalUserState: "Accepted",
      externalUserStateChangeDateTime: "2026-01-01T00:00:00Z",
    });
    expect(r.props).toMatchObject({
      invitedUserDisplayName: "Jane (changed)",
      userProperties: { jobTitle: "CFO" },
      externalUserState: "Accepted",
    });
    expect(r.props.userProperties).not.toHaveProperty("department");
    expect(r.inputs).toMatchObject({ invitedUserDisplayName: "Jane (changed)", userProperties: { jobTitle: "CFO" } });
    expect(r.inputs).not.toHaveProperty("userId");
  });
  it.each<
    [string, Partial<InvitationOutputs>, { externalUserState: string; externalUserStateChangeDateTime: string }, string]
  >([
    [
      "keeps the invitation-time estimate when Graph's stamp is a second off",
      { externalUserState: "PendingAcceptance", externalUserStateChangeDateTime: "2026-11-27T10:00:00Z" },
      { externalUserState: "PendingAcceptance", externalUserStateChangeDateTime: "2026-11-27T10:00:01Z" },
      "2026-11-27T10:00:00Z",
    ],
    [
      "takes Graph's time when the state changed",
      { externalUserState: "PendingAcceptance", externalUserStateChangeDateTime: "2026-11-27T10:00:00Z" },
      { externalUserState: "Accepted", externalUserStateChangeDateTime: "2026-11-27T10:00:02Z" },
      "2026-11-27T10:00:02Z",
    ],
    [
      "takes Graph's time when it is far off",
      { externalUserState: "PendingAcceptance", externalUserStateChangeDateTime: "2026-11-27T10:00:00Z" },
      { externalUserState: "PendingAcceptance", externalUserStateChangeDateTime: "2026-11-28T10:00:00Z" },
      "2026-11-28T10:00:00Z",
    ],
  ])("change time: %s", (_n, old, live, expected) => {
    expect(
      planRead({ ...state, ...old }, { id: "u1", userType: "Guest", ...live }).props.externalUserStateChangeDateTime,
    ).toBe(expected);
  });

  it("does not invent a display name the program does not manage", () => {
    const r = planRead(state, { id: "u1", displayName: "Someone", userType: "Guest" });
    expect(r.props.invitedUserDisplayName).toBeUndefined();
  });
});

describe("invitationBody", () => {
  it("maps inputs to Graph's fields", () => {
    expect(
      invitationBody({
        ...inputs,
        invitedUserDisplayName: "Jane",
        invitedUserMessageInfo: { ccRecipients: [{ address: "b@c.com", name: "Boss" }], messageLanguage: "de-DE" },
        invitedUserSponsors: ["s1"],
      }),
    ).toEqual({
      invitedUserEmailAddress: "jane@contoso.com",
      inviteRedirectUrl: "https://myapps.microsoft.com",
      invitedUserType: "Guest",
      sendInvitationMessage: false,
      invitedUserDisplayName: "Jane",
      invitedUserMessageInfo: {
        messageLanguage: "de-DE",
        ccRecipients: [{ emailAddress: { address: "b@c.com", name: "Boss" } }],
      },
      invitedUserSponsors: [{ id: "s1" }],
    });
  });
  it("resets the named user", () => {
    expect(invitationBody(inputs, { userId: "u1", reset: true })).toMatchObject({
      invitedUser: { id: "u1" },
      resetRedemption: true,
    });
  });
  it("userPatch sends nothing when nothing changed", () => expect(userPatch(inputs, inputs)).toEqual({}));
});

describe("planCreate: an existing user is taken over without an invitation", () => {
  const self = { project: "guests", stack: "prod", name: "partners-jane" };
  const mark = (m: MarkOwnerFields = {}) => storedMark("partners-jane", m);
  const guest = {
    id: "u1",
    displayName: "Jane",
    userType: "Guest",
    externalUserState: "Accepted",
    creationType: "Invitation",
    accountEnabled: true,
  };
  type Row = [string, Partial<CheckedInputs>, Record<string, unknown> | undefined, object];
  it.each<Row>([
    ["nobody has the address: invite", {}, undefined, { action: "invite" }],
    [
      "invitedUser that does not exist: refused",
      { invitedUser: "00000000-0000-0000-0000-000000000009" },
      undefined,
      { action: "refuse", message: expect.stringMatching(/^invitedUser 0{8}-.* does not exist: check the object id/) },
    ],
    [
      "an unmarked guest: adopted, nothing to patch",
      {},
      guest,
      { action: "take", userId: "u1", adopted: true, owner: "none", patch: {}, markChanges: {}, warnings: [] },
    ],
    [
      "an unmarked guest, another name: adopted, name patched",
      { invitedUserDisplayName: "Jane Doe" },
      guest,
      { action: "take", adopted: true, patch: { displayName: "Jane Doe" } },
    ],
    [
      "a Member guest declared Member: nothing to patch",
      { invitedUserType: "Member" },
      { ...guest, userType: "Member" },
      { action: "take", adopted: true, patch: {} },
    ],
    [
      "a Member guest declared Guest (the default): userType patched",
      {},
      { ...guest, userType: "Member" },
      { action: "take", patch: { userType: "Guest" } },
    ],
    [
      "marked by this very resource: owned, not adopted",
      {},
      { ...guest, extensions: [mark()] },
      { action: "take", adopted: false, owner: "self", markChanges: {}, warnings: [] },
    ],
    [
      "owned, onDelete now disable: the mark follows",
      { onDelete: "disable" },
      { ...guest, extensions: [mark()] },
      { action: "take", adopted: false, markChanges: { onDelete: "disable" } },
    ],
    [
      "marked by another resource of this stack: owned, the mark names this one",
      {},
      { ...guest, extensions: [mark({ resource: "old-name" })] },
      {
        action: "take",
        adopted: false,
        owner: "stack",
        markChanges: { resource: "partners-jane" },
        warnings: [expect.stringContaining("was marked by the resource old-name of this stack")],
      },
    ],
    [
      "marked by another stack: adopted, with a warning naming that stack",
      {},
      { ...guest, extensions: [mark({ stack: "staging", resource: "jane" })] },
      {
        action: "take",
        adopted: true,
        owner: "other",
        markChanges: {},
        warnings: [
          "jane@contoso.com is already managed by the stack guests/staging (resource jane): adopted, not invited; this stack retains it when the guest leaves the stack, unless onDelete says otherwise.",
        ],
      },
    ],
    [
      "marked by another project's stack of the same name: adopted",
      {},
      { ...guest, extensions: [mark({ project: "other" })] },
      { action: "take", adopted: true, owner: "other" },
    ],
    [
      "another extension of that name that is no mark: adopted, no warning",
      {},
      { ...guest, extensions: [{ extensionName: "com.pulumi.entraInvitation", foo: 1 }] },
      { action: "take", adopted: true, owner: "none", warnings: [] },
    ],
    [
      "a disabled guest: adopted as it is, with a warning",
      {},
      { ...guest, accountEnabled: false },
      {
        action: "take",
        adopted: true,
        warnings: [expect.stringContaining("is disabled (accountEnabled: false): adopted as it is")],
      },
    ],
    [
      "a member of the tenant by address: refused",
      {},
      { id: "m1", userType: "Member", externalUserState: null, creationType: null },
      {
        action: "refuse",
        message: expect.stringContaining("belongs to a member of this tenant, not a guest (object id m1)"),
      },
    ],
    [
      "a member of the tenant named by invitedUser: taken over",
      { invitedUser: "m1" },
      { id: "m1", userType: "Member", externalUserState: null, creationType: null },
      { action: "take", userId: "m1", adopted: true, patch: { userType: "Guest" } },
    ],
  ])("%s", (_n, change, found, expected) => {
    expect(planCreate({ ...inputs, ...change }, found as Parameters<typeof planCreate>[1], self)).toMatchObject(
      expected,
    );
  });

  it("without this resource's identity a mark is never its own", () => {
    expect(planCreate(inputs, { ...guest, extensions: [mark()] }, undefined)).toMatchObject({
      action: "take",
      adopted: true,
      owner: "other",
    });
  });
});

describe("adoptionPatch: only what the program declares", () => {
  const user = {
    id: "u1",
    displayName: "Jane",
    userType: "Guest",
    companyName: "Fabrikam",
    jobTitle: "CFO",
    usageLocation: "DE",
  };
  it.each<[string, Partial<CheckedInputs>, object]>([
    ["nothing declared beyond the defaults", {}, {}],
    [
      "a property the program leaves out is left alone",
      { userProperties: { department: "Audit" } },
      { department: "Audit" },
    ],
    [
      "a declared property that differs",
      { userProperties: { jobTitle: "Auditor", companyName: "Fabrikam" } },
      { jobTitle: "Auditor" },
    ],
    ["display name", { invitedUserDisplayName: "Jane D" }, { displayName: "Jane D" }],
    ["type", { invitedUserType: "Member" }, { userType: "Member" }],
  ])("%s", (_n, change, expected) => expect(adoptionPatch(user, { ...inputs, ...change })).toEqual(expected));
});

describe("sponsorsToAdd", () => {
  it.each<[string, string[] | undefined, string[], string[]]>([
    ["none declared", undefined, ["a"], []],
    ["all there (any case)", ["A", "b"], ["a", "B"], []],
    ["some missing", ["a", "c"], ["a"], ["c"]],
  ])("%s", (_n, declared, existing, expected) => expect(sponsorsToAdd(declared, existing)).toEqual(expected));
});

describe("planMarkUpdate: an owned guest's mark follows onDelete", () => {
  it.each<[string, Partial<InvitationOutputs>, Partial<CheckedInputs>, object]>([
    ["owned, unchanged", { adopted: false }, {}, {}],
    ["owned, disable", { adopted: false }, { onDelete: "disable" }, { onDelete: "disable" }],
    ["owned, explicit delete = the default", { adopted: false }, { onDelete: "delete" }, {}],
    ["owned, back to the default", { adopted: false, onDelete: "retain" }, {}, { onDelete: "delete" }],
    ["adopted: no mark of ours", { adopted: true }, { onDelete: "delete" }, {}],
  ])("%s", (_n, olds, news, expected) =>
    expect(planMarkUpdate({ ...state, ...olds }, { ...inputs, ...news })).toEqual(expected),
  );
});

describe("outputsFromUser: a take-over records no invitation", () => {
  it("has no redeem URL, invitation id, status or invitation time", () => {
    const o = outputsFromUser(
      inputs,
      { id: "u1", externalUserState: "Accepted", externalUserStateChangeDateTime: "2025-01-01T00:00:00Z" },
      true,
    );
    expect(o).toEqual({
      ...inputs,
      userId: "u1",
      externalUserState: "Accepted",
      externalUserStateChangeDateTime: "2025-01-01T00:00:00Z",
      adopted: true,
    });
  });
});

describe("the ownership mark", () => {
  it.each<[string, string, object | undefined]>([
    [
      "a plain resource",
      "urn:pulumi:prod::guests::pulumi-nodejs:dynamic/entra:Invitation::kim",
      { project: "guests", stack: "prod", name: "kim" },
    ],
    [
      "a guest of a list",
      "urn:pulumi:dev::p::entra:index:GuestList$pulumi-nodejs:dynamic/entra:Invitation::partners-kim@contoso.com",
      { project: "p", stack: "dev", name: "partners-kim@contoso.com" },
    ],
    ["a name with ::", "urn:pulumi:dev::p::t::a::b", { project: "p", stack: "dev", name: "a::b" }],
    ["not a URN", "kim", undefined],
    ["too short", "urn:pulumi:dev::p::t", undefined],
  ])("parseUrn: %s", (_n, urn, expected) => expect(parseUrn(urn)).toEqual(expected));

  it("markData holds the project, stack, resource name, onDelete and a version: nothing else", () => {
    expect(markData({ project: "guests", stack: "prod", name: "kim" }, "disable")).toEqual({
      version: 1,
      project: "guests",
      stack: "prod",
      resource: "kim",
      onDelete: "disable",
    });
  });

  it.each<[string, Record<string, unknown>[] | undefined, object | undefined]>([
    ["none", undefined, undefined],
    [
      "another app's extension",
      [{ extensionName: "com.contoso.x", project: "a", stack: "b", resource: "c" }],
      undefined,
    ],
    [
      "the mark (name in any case)",
      [
        {
          extensionName: "COM.PULUMI.ENTRAINVITATION",
          project: "a",
          stack: "b",
          resource: "c",
          onDelete: "disable",
          version: 1,
        },
      ],
      { project: "a", stack: "b", resource: "c", onDelete: "disable", version: 1 },
    ],
    [
      "an unknown onDelete reads as retain (never deletes by mistake)",
      [{ extensionName: "com.pulumi.entraInvitation", project: "a", stack: "b", resource: "c", onDelete: "purge" }],
      { onDelete: "retain" },
    ],
    ["not a mark's fields", [{ extensionName: "com.pulumi.entraInvitation", project: 1 }], undefined],
  ])("readMark: %s", (_n, exts, expected) => {
    const m = readMark(exts);
    if (expected === undefined) expect(m).toBeUndefined();
    else expect(m).toMatchObject(expected);
  });

  const m = { version: 1, project: "p", stack: "s", resource: "r", onDelete: "delete" as const };
  it.each<[string, object | undefined, object | undefined, MarkOwner]>([
    ["no mark", undefined, { project: "p", stack: "s", name: "r" }, "none"],
    ["this resource", m, { project: "p", stack: "s", name: "r" }, "self"],
    ["this stack, another resource", m, { project: "p", stack: "s", name: "r2" }, "stack"],
    ["another stack", m, { project: "p", stack: "s2", name: "r" }, "other"],
    ["another project", m, { project: "p2", stack: "s", name: "r" }, "other"],
    ["identity unknown", m, undefined, "other"],
  ])("markOwner: %s", (_n, mark, self, expected) => expect(markOwner(mark as never, self as never)).toBe(expected));

  it("markChanges: only the fields that differ", () => {
    expect(markChanges(m, { project: "p", stack: "s", name: "r" }, "delete")).toEqual({});
    expect(markChanges(m, { project: "p", stack: "s", name: "r2" }, "retain")).toEqual({
      resource: "r2",
      onDelete: "retain",
    });
  });
});
