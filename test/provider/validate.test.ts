import { checkInputs } from "../../src/provider/validate";
import { UNKNOWN } from "../../src/provider/types";
import { INVALID_INVITATION_INPUTS, VALID_BASE as base } from "./invalid-inputs";

describe("check: normalises valid inputs", () => {
  it.each([
    [
      "trims and lower-cases the address",
      { invitedUserEmailAddress: "  Jane.Doe@Contoso.COM " },
      { invitedUserEmailAddress: "jane.doe@contoso.com" },
    ],
    ["defaults userType and sendInvitationMessage", {}, { invitedUserType: "Guest", sendInvitationMessage: false }],
    ["accepts userType in any case", { invitedUserType: "member" }, { invitedUserType: "Member" }],
    [
      "accepts '_' anywhere and '.'/'-' inside",
      { invitedUserEmailAddress: "_a.b-c_@x-y.co.uk" },
      { invitedUserEmailAddress: "_a.b-c_@x-y.co.uk" },
    ],
    [
      "turns a cc address into { address }",
      { invitedUserMessageInfo: { ccRecipients: ["Boss@Contoso.com"] } },
      { invitedUserMessageInfo: { ccRecipients: [{ address: "boss@contoso.com" }] } },
    ],
    [
      "keeps a cc name",
      { invitedUserMessageInfo: { ccRecipients: [{ address: "b@c.com", name: " Boss " }] } },
      { invitedUserMessageInfo: { ccRecipients: [{ address: "b@c.com", name: "Boss" }] } },
    ],
    [
      "upper-cases usageLocation",
      { userProperties: { usageLocation: "de", jobTitle: " Auditor " } },
      { userProperties: { usageLocation: "DE", jobTitle: "Auditor" } },
    ],
    [
      "takes invitedUser as an object with id",
      { invitedUser: { id: "AAAAAAAA-1111-2222-3333-444444444444" } },
      { invitedUser: "aaaaaaaa-1111-2222-3333-444444444444" },
    ],
    [
      "lets unknown values through in preview",
      { invitedUserEmailAddress: UNKNOWN, invitedUserDisplayName: UNKNOWN },
      { invitedUserEmailAddress: UNKNOWN, invitedUserDisplayName: UNKNOWN },
    ],
    ["ignores __provider", { __provider: "exports.handler = ..." }, { invitedUserType: "Guest" }],
  ])("%s", (_name, extra, expected) => {
    const r = checkInputs({ ...base, ...extra });
    expect(r.failures).toEqual([]);
    expect(r.inputs).toMatchObject(expected);
    expect(r.inputs).not.toHaveProperty("__provider");
  });

  it("is idempotent: checking checked inputs changes nothing", () => {
    const once = checkInputs({
      ...base,
      invitedUserEmailAddress: " A@B.com ",
      invitedUserMessageInfo: { ccRecipients: ["x@y.com"], messageLanguage: "de-DE" },
    }).inputs;
    const twice = checkInputs(once as unknown as Record<string, unknown>).inputs;
    expect(twice).toEqual(once);
  });
});

describe("check: refuses invalid inputs with the property and a fix", () => {
  it("has at least 30 cases", () => expect(INVALID_INVITATION_INPUTS.length).toBeGreaterThanOrEqual(30));
  it.each(INVALID_INVITATION_INPUTS)("%s", (_name, extra, property, reason) => {
    const inputs: Record<string, unknown> = { ...base, ...extra };
    for (const k of Object.keys(extra)) if (extra[k] === undefined) delete inputs[k];
    const r = checkInputs(inputs);
    const f = r.failures.find((x) => x.property === property);
    expect(f).toBeDefined();
    expect(f!.reason).toMatch(reason);
  });
});
