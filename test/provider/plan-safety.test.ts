/**
 * Issue 17, item 2, pure decisions: the provider never harms a user it did not invite. Marks are
 * PATCHed whole; the lookup is the documented one and chooses among several users by a stated rule;
 * a user the invitation answered with that existed before is adopted; a reset of an internal user is
 * refused unless the program opts in; re-issues go by address; statuses as Graph defines them.
 */
import {
  chooseMatch,
  existedBefore,
  FoundUser,
  invitationBody,
  invitationFailure,
  invitationState,
  isInvitedGuest,
  outputsFromInvitation,
  planCreate,
  refuseConversion,
  replacementNotice,
  userPatch,
} from "../../src/provider/plan";
import { isMark, MARK_NAME, readMark, wholeMark } from "../../src/provider/mark";
import { lookupFilter } from "../../src/graph/extensions";
import type { CheckedInputs, InvitationOutputs } from "../../src/provider/types";
import { checkedInputs, foundGuest } from "./plan-fixtures";

const inputs = checkedInputs("jane@contoso.com");
const self = { project: "guests", stack: "prod", name: "jane" };
const markFields = { version: 1, project: "guests", stack: "prod", resource: "jane", onDelete: "delete" };

describe("marks: found by id as well as extensionName, PATCHed whole", () => {
  it.each<[string, Record<string, unknown>, boolean]>([
    ["extensionName", { extensionName: MARK_NAME }, true],
    ["extensionName in another case", { extensionName: MARK_NAME.toUpperCase() }, true],
    ["id alone (a PATCH elsewhere dropped extensionName)", { id: MARK_NAME }, true],
    ["the fully qualified id", { id: `microsoft.graph.openTypeExtension.${MARK_NAME}` }, true],
    ["another extension", { extensionName: "com.contoso.other", id: "com.contoso.other" }, false],
  ])("isMark: %s", (_n, ext, expected) => expect(isMark(ext)).toBe(expected));

  it("readMark reads a mark that has only its id", () => {
    expect(readMark([{ id: MARK_NAME, ...markFields }])).toMatchObject({
      project: "guests",
      stack: "prod",
      resource: "jane",
    });
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>]>([
    [
      "onDelete changed: every other property kept",
      { "@odata.type": "#microsoft.graph.openTypeExtension", extensionName: MARK_NAME, id: MARK_NAME, ...markFields },
      { onDelete: "retain" },
      { ...markFields, onDelete: "retain" },
    ],
    [
      "a property a later version added is kept",
      { extensionName: MARK_NAME, ...markFields, note: "v2" },
      { resource: "kim" },
      { ...markFields, resource: "kim", note: "v2" },
    ],
    [
      "annotations (`@odata.*`, `x@odata.type`) are not sent back",
      { "@odata.context": "c", "tags@odata.type": "#Collection(String)", ...markFields },
      {},
      markFields,
    ],
  ])("wholeMark: %s", (_n, existing, changes, expected) => expect(wholeMark(existing, changes)).toEqual(expected));

  it("planCreate: a take-over that renames the mark PATCHes the whole mark", () => {
    const found = foundGuest({
      extensions: [
        {
          "@odata.type": "#microsoft.graph.openTypeExtension",
          extensionName: MARK_NAME,
          id: MARK_NAME,
          ...markFields,
          resource: "old",
        },
      ],
    });
    expect(planCreate(inputs, found, self)).toMatchObject({
      action: "take",
      adopted: false,
      markChanges: { resource: "jane" },
      markWrite: markFields,
    });
  });

  it("planCreate: nothing to change, nothing to PATCH", () => {
    const found = foundGuest({ extensions: [{ extensionName: MARK_NAME, ...markFields }] });
    expect(planCreate(inputs, found, self)).not.toHaveProperty("markWrite");
  });
});

describe("the lookup before a create", () => {
  it.each<[string, boolean, string]>([
    [
      "wide: the documented 'already invited' query (without signInNames, no v1.0 property)",
      true,
      "userPrincipalName eq 'o''neil@contoso.com' or mail eq 'o''neil@contoso.com' or proxyAddresses/any(x:x eq 'SMTP:o''neil@contoso.com') or otherMails/any(x:x eq 'o''neil@contoso.com')",
    ],
    [
      "narrow: mail and otherMails (a tenant that refuses the wide one)",
      false,
      "mail eq 'o''neil@contoso.com' or otherMails/any(x:x eq 'o''neil@contoso.com')",
    ],
  ])("%s", (_n, wide, expected) => expect(lookupFilter("o'neil@contoso.com", wide)).toBe(expected));

  const guest = (id: string, created: string, extra: Partial<FoundUser> = {}): FoundUser => ({
    id,
    createdDateTime: created,
    creationType: "Invitation",
    externalUserState: "Accepted",
    userType: "Guest",
    ...extra,
  });
  const member = (id: string, created: string): FoundUser => ({
    id,
    createdDateTime: created,
    creationType: null,
    externalUserState: null,
    userType: "Member",
    userPrincipalName: `${id}@contoso.com`,
  });
  const ours = { extensions: [{ extensionName: MARK_NAME, ...markFields }] };
  it.each<[string, FoundUser[], string | undefined, boolean]>([
    ["nobody", [], undefined, false],
    ["one user: that one, no warning", [member("m1", "2020-01-01T00:00:00Z")], "m1", false],
    [
      "a guest over an internal user, even a younger one",
      [member("m1", "2020-01-01T00:00:00Z"), guest("g1", "2024-01-01T00:00:00Z")],
      "g1",
      true,
    ],
    ["two guests: the oldest", [guest("g2", "2024-02-01T00:00:00Z"), guest("g1", "2024-01-01T00:00:00Z")], "g1", true],
    [
      "this stack's mark first, over an older guest",
      [guest("g1", "2020-01-01T00:00:00Z"), guest("g2", "2024-01-01T00:00:00Z", ours)],
      "g2",
      true,
    ],
    ["no creation times: the lowest id", [guest("b", ""), guest("a", "")], "a", true],
  ])("chooseMatch: %s", (_n, users, chosen, warns) => {
    const r = chooseMatch(users, "jane@contoso.com", self);
    expect(r.user?.id).toBe(chosen);
    expect(r.warning !== undefined).toBe(warns);
  });

  it("the warning names every user, the one chosen and the rule", () => {
    const r = chooseMatch(
      [member("m1", "2020-01-01T00:00:00Z"), guest("g1", "2024-01-01T00:00:00Z")],
      "jane@contoso.com",
      self,
    );
    expect(r.warning).toBe(
      "jane@contoso.com is held by 2 users (g1, m1 (m1@contoso.com) [internal user]): using g1 (rule: this stack's mark first, then an invited guest over an internal user, then the oldest). Remove the address from the others, or name the user with invitedUser.",
    );
  });

  const start = new Date("2026-12-05T10:00:00Z");
  it.each<[string, string | undefined, string | undefined, string | undefined]>([
    [
      "a new guest: PendingAcceptance, created after the request",
      "PendingAcceptance",
      "2026-12-05T10:00:01Z",
      undefined,
    ],
    ["a new guest, Graph's clock a few seconds behind", "PendingAcceptance", "2026-12-05T09:59:55Z", undefined],
    [
      "created long before the request: existed",
      "PendingAcceptance",
      "2026-01-01T00:00:00Z",
      "it was created 2026-01-01T00:00:00Z, before the invitation",
    ],
    [
      "Completed (had redeemed): existed",
      "Completed",
      "2026-12-05T10:00:01Z",
      "the invitation answered Completed, not PendingAcceptance",
    ],
    ["InProgress: existed", "InProgress", undefined, "the invitation answered InProgress, not PendingAcceptance"],
    ["no user read (no permission), pending: new", "PendingAcceptance", undefined, undefined],
  ])("existedBefore: %s", (_n, status, created, expected) =>
    expect(existedBefore(status, created === undefined ? undefined : { createdDateTime: created }, start)).toBe(
      expected,
    ),
  );
});

describe("an internal user is never converted unless the program opts in", () => {
  const member: FoundUser = {
    id: "m1",
    userPrincipalName: "ann@contoso.com",
    userType: "Member",
    creationType: null,
    externalUserState: null,
  };
  it.each<[string, Partial<FoundUser>, boolean]>([
    ["an invited guest", { creationType: "Invitation", externalUserState: "Accepted", userType: "Guest" }, true],
    [
      "an invited Member (B2B member)",
      { creationType: "Invitation", externalUserState: "Accepted", userType: "Member" },
      true,
    ],
    ["a pending guest (creationType not read)", { externalUserState: "PendingAcceptance" }, true],
    ["an internal member", { creationType: null, externalUserState: null, userType: "Member" }, false],
    [
      "an internal user of type Guest (not invited)",
      { creationType: null, externalUserState: null, userType: "Guest" },
      false,
    ],
    ["a local account", { creationType: "LocalAccount", externalUserState: null }, false],
  ])("isInvitedGuest: %s", (_n, u, expected) => expect(isInvitedGuest({ id: "x", ...u } as FoundUser)).toBe(expected));

  it("a reset of a member: refused, naming the user, why and the fix", () => {
    expect(refuseConversion(member, inputs, "the redemption reset")).toBe(
      'the redemption reset of user m1 (ann@contoso.com) refused before any change: it is an internal user of this tenant (creationType none, userType Member), not an invited guest, and an invitation naming it converts it to a B2B user when accepted; "Invitation is one-way" (invite-internal-users). Fix: name an invited guest with invitedUser, or leave out resetRedemption (the user is then managed as it is); to convert this user on purpose set convertInternalUserToB2b: true on this resource or guest-list entry.',
    );
  });
  it.each<[string, Partial<CheckedInputs>, FoundUser, boolean]>([
    ["member, no opt-in: refused", {}, member, true],
    ["member, opt-in false: refused", { convertInternalUserToB2b: false }, member, true],
    ["member, opt-in: allowed", { convertInternalUserToB2b: true }, member, false],
    ["invited guest: allowed", {}, { ...member, creationType: "Invitation", externalUserState: "Accepted" }, false],
  ])("refuseConversion: %s", (_n, change, user, refused) =>
    expect(refuseConversion(user, { ...inputs, ...change }, "the reset") !== undefined).toBe(refused),
  );

  const id = "3e75249f-05ed-4af7-b328-494506e83357";
  const olds = { ...inputs, userId: id, adopted: true, externalUserState: null } as InvitationOutputs;
  it.each<[string, Partial<CheckedInputs>, { member: boolean } | undefined, string]>([
    [
      "not known: nothing added",
      {},
      undefined,
      "jane@contoso.com: triggers change \u2192 redemption reset of the same user 3e75249f\u2026 (not deleted)",
    ],
    [
      "an invited guest: nothing added",
      {},
      { member: false },
      "jane@contoso.com: triggers change \u2192 redemption reset of the same user 3e75249f\u2026 (not deleted)",
    ],
    [
      "a member, opted in: converts, one way",
      { convertInternalUserToB2b: true },
      { member: true },
      "jane@contoso.com: triggers change \u2192 redemption reset of the same user 3e75249f\u2026 (not deleted); converts member 3e75249f\u2026 to B2B, one way (convertInternalUserToB2b)",
    ],
    [
      "a member, not opted in: says it will be refused",
      {},
      { member: true },
      "jane@contoso.com: triggers change \u2192 redemption reset of the same user 3e75249f\u2026 (not deleted); refused: 3e75249f\u2026 is an internal user, not an invited guest (a reset converts it to B2B, one way): set convertInternalUserToB2b: true to allow it",
    ],
  ])("replacementNotice: %s", (_n, change, target, line) =>
    expect(replacementNotice(id, olds, { ...inputs, ...change, triggers: 1 }, ["triggers"], target)).toBe(line),
  );
});

describe("invitations: by address when re-issued, statuses as Graph defines them", () => {
  it.each<
    [string, Partial<CheckedInputs>, Parameters<typeof invitationBody>[1], Record<string, unknown> | undefined, boolean]
  >([
    [
      "a reminder of a taken-over user: by address, no invitedUser",
      { invitedUser: "u1" },
      { byAddress: true },
      undefined,
      false,
    ],
    ["a re-issue: by address", {}, { byAddress: true }, undefined, false],
    ["a reset: invitedUser and resetRedemption", {}, { userId: "u1", reset: true }, { id: "u1" }, true],
    ["a conversion (opted in): invitedUser, no resetRedemption", {}, { userId: "u1" }, { id: "u1" }, false],
  ])("invitationBody: %s", (_n, change, opts, invitedUser, reset) => {
    const body = invitationBody({ ...inputs, ...change }, opts);
    expect(body.invitedUser).toEqual(invitedUser);
    expect(body.resetRedemption === true).toBe(reset);
  });

  it.each<[string, string | undefined, { externalUserState: string | null } | undefined, string | null]>([
    ["PendingAcceptance", "PendingAcceptance", undefined, "PendingAcceptance"],
    ["no status (an older answer)", undefined, undefined, "PendingAcceptance"],
    ["Completed, user not read: Accepted", "Completed", undefined, "Accepted"],
    ["Completed, the user says", "Completed", { externalUserState: "Accepted" }, "Accepted"],
    ["InProgress, user not read: not known", "InProgress", undefined, null],
    ["InProgress, the user says", "InProgress", { externalUserState: "PendingAcceptance" }, "PendingAcceptance"],
    ["an unknown status is not taken as Accepted", "Surprise", undefined, null],
  ])("invitationState: %s", (_n, status, user, expected) => expect(invitationState(status, user)).toBe(expected));

  it("outputsFromInvitation: InProgress is not recorded as Accepted", () => {
    const o = outputsFromInvitation(
      inputs,
      { id: "i1", status: "InProgress", invitedUser: { id: "u1" } },
      { adopted: false, now: new Date("2026-12-05T10:00:00Z") },
    );
    expect(o).toMatchObject({ status: "InProgress", externalUserState: null, externalUserStateChangeDateTime: null });
  });

  it.each<[string, string | undefined, boolean]>([
    ["Error: refused", "Error", true],
    ["PendingAcceptance", "PendingAcceptance", false],
    ["Completed", "Completed", false],
  ])("invitationFailure: %s", (_n, status, fails) =>
    expect(invitationFailure({ id: "i1", status, invitedUser: { id: "u1" } }, "jane@contoso.com") !== undefined).toBe(
      fails,
    ),
  );
});

describe("userPatch: usageLocation is not nullable", () => {
  it.each<[string, Partial<CheckedInputs>, Partial<CheckedInputs>, Record<string, unknown>]>([
    ["usageLocation removed: no longer managed, nothing sent", { userProperties: { usageLocation: "DE" } }, {}, {}],
    [
      "usageLocation changed: sent",
      { userProperties: { usageLocation: "DE" } },
      { userProperties: { usageLocation: "FR" } },
      { usageLocation: "FR" },
    ],
    ["jobTitle removed: cleared with null", { userProperties: { jobTitle: "CFO" } }, {}, { jobTitle: null }],
  ])("%s", (_n, olds, news, expected) =>
    expect(userPatch({ ...inputs, ...olds }, { ...inputs, ...news })).toEqual(expected),
  );
});
