/**
 * What a preview and a delete say when the engine's own word is not the truth (issue 20, items 3-4):
 * a `+ create` that adopts or takes over by a new key, a delete that retains or disables, and a
 * recovery through the mark without a redeem link. Pure decisions, as tables; the engine's output is
 * tested end to end in test/e2e/previews.e2e.test.ts.
 */
import {
  createPreviewLine,
  planCreate,
  planDiff,
  planGone,
  planRead,
  PREVIEW_LINE,
  recoveryWarning,
  reinviteNotice,
  removalLine,
  restoreNotice,
} from "../../src/provider/plan";
import type { CheckedInputs, InvitationOutputs } from "../../src/provider/types";
import { checkedInputs, type MarkOwnerFields, storedMark } from "./plan-fixtures";

const inputs = checkedInputs("kim@contoso.com", { sendInvitationMessage: true });
const self = { project: "guests", stack: "prod", name: "partners-kim2" };
const ID = "3e75249f-1111-4222-8333-444455556666";
const mark = (m: MarkOwnerFields = {}) => storedMark("partners-kim2", m);
const guest = {
  id: ID,
  userType: "Guest",
  externalUserState: "PendingAcceptance",
  creationType: "Invitation",
  accountEnabled: true,
};

describe("createPreviewLine: the preview's line for a create that does not invite", () => {
  type Row = [string, Partial<CheckedInputs>, Record<string, unknown> | undefined, string | undefined];
  it.each<Row>([
    ["nobody has the address: the engine's + create is the truth", {}, undefined, undefined],
    [
      "an unmarked guest: adopted, retained on delete",
      {},
      guest,
      "kim@contoso.com: exists as 3e75249f\u2026 \u2192 adopted (no invitation, retained on delete)",
    ],
    [
      "an unmarked guest with onDelete: adopted, that policy",
      { onDelete: "disable" },
      guest,
      "kim@contoso.com: exists as 3e75249f\u2026 \u2192 adopted (no invitation, onDelete disable)",
    ],
    [
      "another stack's guest: adopted, naming it",
      {},
      { ...guest, extensions: [mark({ stack: "staging", resource: "kim" })] },
      "kim@contoso.com: exists as 3e75249f\u2026, managed by the stack guests/staging (resource kim) \u2192 adopted (no invitation, retained on delete)",
    ],
    [
      "marked by another resource of this stack: a key rename",
      {},
      { ...guest, extensions: [mark({ resource: "partners-kim" })] },
      "kim@contoso.com: exists as 3e75249f\u2026, marked by this stack's partners-kim \u2192 taken over by the new key partners-kim2, not deleted (no invitation)",
    ],
    [
      "marked by this very resource (a replacement, a rerun): nothing",
      {},
      { ...guest, extensions: [mark()] },
      undefined,
    ],
    [
      "a member of the tenant by address: refused by the create, nothing here",
      {},
      { id: "m1", userType: "Member", externalUserState: null, creationType: null },
      undefined,
    ],
  ])("%s", (_n, change, found, expected) => {
    expect(createPreviewLine({ ...inputs, ...change }, found as Parameters<typeof createPreviewLine>[1], self)).toBe(
      expected,
    );
  });

  it("the resource's URN not known (a plugin's first check): a mark cannot be told this stack's or another's", () => {
    expect(
      createPreviewLine(
        inputs,
        { ...guest, extensions: [mark({ resource: "partners-kim" })] } as Parameters<typeof createPreviewLine>[1],
        undefined,
      ),
    ).toBe(
      "kim@contoso.com: exists as 3e75249f\u2026, marked by the stack guests/prod (resource partners-kim) \u2192 no invitation: taken over if that is this stack (a key rename: not deleted), else adopted",
    );
    expect(createPreviewLine(inputs, guest as Parameters<typeof createPreviewLine>[1], undefined)).toBe(
      "kim@contoso.com: exists as 3e75249f\u2026 \u2192 adopted (no invitation, retained on delete)",
    );
  });

  it.each([
    [
      "kim@contoso.com: exists as 3e75249f\u2026 \u2192 adopted (no invitation, retained on delete)",
      ["kim@contoso.com", "3e75249f\u2026", undefined, "adopted"],
    ],
    [
      "info: kim@contoso.com: exists as 3e75249f\u2026, managed by the stack guests/staging (resource kim) \u2192 adopted (no invitation, retained on delete)",
      ["kim@contoso.com", "3e75249f\u2026", undefined, "adopted"],
    ],
    [
      "kim@contoso.com: exists as 3e75249f\u2026, marked by this stack's partners-kim \u2192 taken over by the new key partners-kim2, not deleted (no invitation)",
      ["kim@contoso.com", "3e75249f\u2026", "partners-kim", "taken over by the new key"],
    ],
  ])("PREVIEW_LINE reads %s", (line, expected) => {
    expect(PREVIEW_LINE.exec(line)?.slice(1)).toEqual(expected);
  });
});

describe("removalLine: a delete that leaves the user in Entra says so", () => {
  const state: InvitationOutputs = { ...inputs, userId: ID, adopted: false, externalUserState: "Accepted" };
  it.each<[string, Partial<InvitationOutputs>, string | undefined]>([
    ["owned, default policy: deleted (the engine says it)", {}, undefined],
    [
      "adopted, no onDelete: retained",
      { adopted: true },
      "kim@contoso.com (3e75249f\u2026): retained in Entra, not deleted (adopted: it existed before the stack)",
    ],
    [
      "onDelete retain",
      { onDelete: "retain" },
      "kim@contoso.com (3e75249f\u2026): retained in Entra, not deleted (onDelete retain)",
    ],
    [
      "onDelete disable",
      { onDelete: "disable" },
      "kim@contoso.com (3e75249f\u2026): sign-in blocked (accountEnabled false), not deleted (onDelete disable)",
    ],
    ["adopted with onDelete delete: deleted", { adopted: true, onDelete: "delete" }, undefined],
  ])("%s", (_n, change, expected) => {
    expect(removalLine({ ...state, ...change })).toBe(expected);
  });
});

describe("recoveryWarning: a guest recovered through its mark without a redeem link", () => {
  const URN = "urn:pulumi:prod::guests::entra:index:GuestList$pulumi-nodejs:dynamic/entra:Invitation::partners-kim2";
  it.each<[string, Record<string, unknown>, string | undefined, RegExp | undefined]>([
    [
      "this resource's mark, not redeemed: the way to a new link",
      { ...guest, extensions: [mark()] },
      URN,
      /^kim@contoso\.com \(3e75249f-1111-4222-8333-444455556666\) was recovered through this stack's ownership mark, not invited: the guest has not redeemed and the state has no redeem link\. To issue one: `pulumi up --replace 'urn:pulumi:prod::guests::entra:index:GuestList\$pulumi-nodejs:dynamic\/entra:Invitation::partners-kim2'` \(resets the redemption of the same user and returns a new inviteRedeemUrl\), or change its triggers\.$/,
    ],
    [
      "another resource of this stack (a key rename, said by its own line): nothing",
      { ...guest, extensions: [mark({ resource: "partners-kim" })] },
      URN,
      undefined,
    ],
    [
      "no URN known: a placeholder",
      { ...guest, extensions: [mark()] },
      undefined,
      /pulumi up --replace <urn of this guest>/,
    ],
    [
      "redeemed: no link needed, nothing",
      { ...guest, externalUserState: "Accepted", extensions: [mark()] },
      URN,
      undefined,
    ],
    ["adopted (no mark of this stack): nothing", guest, URN, undefined],
  ])("%s", (_n, found, urn, expected) => {
    const plan = planCreate(inputs, found as unknown as Parameters<typeof planCreate>[1], self);
    const w = recoveryWarning(
      inputs.invitedUserEmailAddress,
      found as unknown as { id: string; externalUserState?: string },
      plan,
      urn,
    );
    if (expected) expect(w).toMatch(expected);
    else expect(w).toBeUndefined();
  });
});

describe("a guest gone at refresh: restore from the recycle bin, or re-invite", () => {
  const state: InvitationOutputs = { ...inputs, userId: ID, adopted: false, externalUserState: "Accepted" };
  it.each<[string, boolean | undefined, object]>([
    [
      "in the recycle bin: kept, marked, restored by the next update",
      true,
      { action: "restore", props: { ...state, inRecycleBin: true } },
    ],
    ["not in the recycle bin (deleted for good): drops out, the next create invites", false, { action: "re-invite" }],
    ["not known (no permission to read deletedItems): drops out, as before", undefined, { action: "re-invite" }],
  ])("%s", (_n, inBin, expected) => {
    expect(planGone(state, inBin)).toEqual(expected);
  });

  it.each<[string, Partial<InvitationOutputs>, boolean, boolean]>([
    ["marked: a change (the update restores), no replacement", { inRecycleBin: true }, true, true],
    ["not marked: no change", {}, false, false],
  ])("planDiff, %s", (_n, extra, changes, restore) => {
    expect(planDiff({ ...state, ...extra }, inputs)).toMatchObject({ changes, restore, replaces: [] });
  });

  it("a user live again (restored by hand) loses the mark at the next refresh", () => {
    expect(
      planRead({ ...state, inRecycleBin: true }, { id: ID, externalUserState: "Accepted" } as Parameters<
        typeof planRead
      >[1]).props,
    ).not.toHaveProperty("inRecycleBin");
  });

  it("the preview's line for a re-invite", () => {
    expect(reinviteNotice("kim@contoso.com")).toBe(
      "kim@contoso.com: deleted out of band, not in the recycle bin \u2192 re-invite (a new user and a new invitation)",
    );
  });

  it("the preview's line", () => {
    expect(restoreNotice(ID, state)).toBe(
      "kim@contoso.com: deleted out of band, in the recycle bin \u2192 restore from the recycle bin (same user 3e75249f\u2026, groups and app assignments kept; no invitation)",
    );
  });
});
