/**
 * Every lifecycle row of the brief, through the provider's own methods, against the emulator over
 * HTTPS with the real ClientSecretCredential and the real Graph client. Requests are asserted from
 * the emulator's log.
 */
import { invitationProvider } from "../../src";
import { adminGraphClient, adminInvite, graphWrites, requestsTo, RunningEmulator } from "../../src/testing";
import type { InvitationOutputs } from "../../src/provider/types";
import { INVALID_INVITATION_INPUTS, VALID_BASE } from "./invalid-inputs";
import { resetLifecycleRegistry } from "../../src/provider/replacement";
import { providerAgainstEmulator } from "./emulator-fixture";

type Props = Record<string, unknown>;
const p = invitationProvider;
const redirect = "https://myapps.microsoft.com";
let emu: RunningEmulator;

const fixture = providerAgainstEmulator();
beforeAll(() => void (emu = fixture.emu));

beforeEach(() => {
  emu.reset();
  resetLifecycleRegistry(); // each test is a deployment of its own (a fresh plugin process)
});

async function checked(news: Props): Promise<Props> {
  const r = await p.check!({}, news);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs as Props;
}

async function createGuest(news: Props): Promise<{ id: string; outs: InvitationOutputs }> {
  const r = await p.create(await checked(news));
  return { id: r.id, outs: r.outs as InvitationOutputs };
}

/** What the engine does for a replacement: check, diff, delete (old), create (new). */
async function replace(
  id: string,
  olds: InvitationOutputs,
  news: Props,
): Promise<{ id: string; outs: InvitationOutputs }> {
  // The engine checks the program's inputs against the old inputs from state, then diffs.
  const r0 = await p.check!(olds, news);
  const inputs = r0.inputs as Props;
  const d = await p.diff!(id, olds, inputs);
  expect(d.replaces?.length ?? 0).toBeGreaterThan(0);
  expect(d.deleteBeforeReplace).toBe(true);
  await p.check!({}, news);
  await p.delete!(id, olds);
  const r = await p.create(inputs);
  return { id: r.id, outs: r.outs as InvitationOutputs };
}

describe("create", () => {
  it("invites a new guest: one POST /invitations, outputs from Graph, adopted false", async () => {
    const { id, outs } = await createGuest({
      invitedUserEmailAddress: "Jane@Contoso.com",
      inviteRedirectUrl: redirect,
      invitedUserDisplayName: "Jane",
    });
    expect(outs).toMatchObject({
      userId: id,
      adopted: false,
      status: "PendingAcceptance",
      externalUserState: "PendingAcceptance",
      invitedUserEmailAddress: "jane@contoso.com",
    });
    expect(outs.inviteRedeemUrl).toMatch(/^https:\/\//);
    expect(outs.invitationId).toBeTruthy();
    expect(graphWrites(emu.requests()).map((r) => `${r.method} ${r.path}`)).toEqual(["POST /v1.0/invitations"]);
    expect(emu.users()).toEqual([
      expect.objectContaining({
        id,
        mail: "jane@contoso.com",
        displayName: "Jane",
        userType: "Guest",
        creationType: "Invitation",
      }),
    ]);
  });

  it("adopts an existing guest with the same address: same object id, adopted true, display name set", async () => {
    const preId = await adminInvite(emu, "sam@fabrikam.com", { invitedUserDisplayName: "S" });
    const { id, outs } = await createGuest({
      invitedUserEmailAddress: "sam@fabrikam.com",
      inviteRedirectUrl: redirect,
      invitedUserDisplayName: "Sam",
    });
    expect(id).toBe(preId);
    expect(outs.adopted).toBe(true);
    expect(emu.users()).toHaveLength(1);
    expect(emu.users()[0].displayName).toBe("Sam");
  });

  it("applies userProperties after waiting out replication lag", async () => {
    emu.setReplicationLag(1_500);
    const { id } = await createGuest({
      invitedUserEmailAddress: "lag@contoso.com",
      inviteRedirectUrl: redirect,
      userProperties: { companyName: "Contoso", usageLocation: "de" },
    });
    emu.setReplicationLag(0);
    expect(emu.users().find((u) => u.id === id)).toMatchObject({ companyName: "Contoso", usageLocation: "DE" });
    // The read of the new user (is it new, or did it exist before?) waits out the lag; the PATCH follows.
    const reads = requestsTo(emu.requests(), "GET", `/v1.0/users/${id}`);
    const patches = requestsTo(emu.requests(), "PATCH", `/v1.0/users/${id}`);
    expect([...reads, ...patches].filter((r) => r.status === 404).length).toBeGreaterThan(0);
    expect(patches.filter((r) => r.status === 204)).toHaveLength(1);
  });

  it("invites an existing user by object id (invitedUser) and resets with resetRedemption", async () => {
    const preId = await adminInvite(emu, "old@partner.example");
    emu.redeem(preId);
    emu.clearRequests();
    const { id, outs } = await createGuest({
      invitedUserEmailAddress: "new@partner.example",
      inviteRedirectUrl: redirect,
      invitedUser: preId,
      resetRedemption: true,
    });
    expect(id).toBe(preId);
    expect(outs.adopted).toBe(true);
    const writes = graphWrites(emu.requests());
    expect(writes.map((w) => w.method)).toEqual(["PATCH", "POST"]);
    expect(writes[0].body).toEqual({ mail: "new@partner.example" });
    expect(writes[1].body).toMatchObject({ resetRedemption: true, invitedUser: { id } });
    expect(emu.users()[0]).toMatchObject({ externalUserState: "PendingAcceptance", mail: "new@partner.example" });

    // The reset done, the program drops invitedUser and resetRedemption: an update that sends nothing.
    emu.redeem(id);
    emu.clearRequests();
    const later = await checked({ invitedUserEmailAddress: "new@partner.example", inviteRedirectUrl: redirect });
    const d = await p.diff!(id, outs, later);
    expect(d).toMatchObject({ changes: true, replaces: [] });
    const r = await p.update!(id, outs, later);
    expect(graphWrites(emu.requests())).toEqual([]);
    expect(r.outs).toMatchObject({ userId: id, adopted: true });
    expect(r.outs).not.toHaveProperty("invitedUser");
    expect(emu.users()[0]).toMatchObject({ externalUserState: "Accepted" });
  });
});

describe("read (refresh)", () => {
  it("reads drift back into state and inputs; redemption shows as Accepted", async () => {
    const { id, outs } = await createGuest({
      invitedUserEmailAddress: "r@contoso.com",
      inviteRedirectUrl: redirect,
      invitedUserDisplayName: "R",
      userProperties: { jobTitle: "Auditor" },
    });
    await adminGraphClient(emu)
      .api(`/users/${id}`)
      .patch({ displayName: "Changed", jobTitle: "CFO", department: "Finance" });
    emu.redeem(id);
    const r = await p.read!(id, outs);
    expect(r.id).toBe(id);
    expect(r.props).toMatchObject({
      invitedUserDisplayName: "Changed",
      userProperties: { jobTitle: "CFO" },
      externalUserState: "Accepted",
    });
    expect(r.inputs).toMatchObject({ invitedUserDisplayName: "Changed", userProperties: { jobTitle: "CFO" } });
    expect((r.props as InvitationOutputs).userProperties).not.toHaveProperty("department");
    const d = await p.diff!(
      id,
      r.props as InvitationOutputs,
      await checked({
        invitedUserEmailAddress: "r@contoso.com",
        inviteRedirectUrl: redirect,
        invitedUserDisplayName: "R",
        userProperties: { jobTitle: "Auditor" },
      }),
    );
    expect(d).toMatchObject({ changes: true, replaces: [] });
  });

  it("a guest deleted out of band for good (not in the recycle bin) drops out of state (no id)", async () => {
    const { id, outs } = await createGuest({
      invitedUserEmailAddress: "gone@contoso.com",
      inviteRedirectUrl: redirect,
    });
    await adminGraphClient(emu).api(`/users/${id}`).delete();
    await adminGraphClient(emu).api(`/directory/deletedItems/${id}`).delete();
    const r = await p.read!(id, { ...outs, invitedAt: "2020-01-01T00:00:00Z" });
    expect(r.id).toBeUndefined();
  });

  it("a guest deleted out of band and still in the recycle bin stays, and the update restores the same user (no invitation)", async () => {
    const { id, outs } = await createGuest({
      invitedUserEmailAddress: "binned@contoso.com",
      inviteRedirectUrl: redirect,
      invitedUserDisplayName: "Binned",
    });
    await adminGraphClient(emu).api(`/users/${id}`).delete();
    const r = await p.read!(id, { ...outs, invitedAt: "2020-01-01T00:00:00Z" });
    expect(r.id).toBe(id);
    expect(r.props).toMatchObject({ userId: id, inRecycleBin: true });
    const news = await checked({
      invitedUserEmailAddress: "binned@contoso.com",
      inviteRedirectUrl: redirect,
      invitedUserDisplayName: "Binned",
    });
    const d = await p.diff!(id, r.props as InvitationOutputs, news);
    expect(d).toMatchObject({ changes: true, replaces: [] });
    emu.clearRequests();
    const u = await p.update!(id, r.props as InvitationOutputs, news);
    expect(graphWrites(emu.requests()).map((w) => `${w.method} ${w.path}`)).toEqual([
      `POST /v1.0/directory/deletedItems/${id}/restore`,
    ]);
    expect(u.outs).not.toHaveProperty("inRecycleBin");
    expect(emu.users().find((x) => x.id === id)).toMatchObject({ displayName: "Binned", deletedDateTime: null });
  });

  it("a 404 right after the invitation is replication lag, not absence", async () => {
    emu.setReplicationLag(1_000);
    const { id, outs } = await createGuest({
      invitedUserEmailAddress: "fresh@contoso.com",
      inviteRedirectUrl: redirect,
    });
    const r = await p.read!(id, outs);
    emu.setReplicationLag(0);
    expect(r.id).toBe(id);
  });
});

describe("update in place", () => {
  it("PATCHes only what changed; same user", async () => {
    const { id, outs } = await createGuest({
      invitedUserEmailAddress: "u@contoso.com",
      inviteRedirectUrl: redirect,
      userProperties: { jobTitle: "A", department: "D" },
    });
    emu.clearRequests();
    const news = await checked({
      invitedUserEmailAddress: "u@contoso.com",
      inviteRedirectUrl: redirect,
      invitedUserDisplayName: "U",
      userProperties: { department: "D" },
    });
    const d = await p.diff!(id, outs, news);
    expect(d).toMatchObject({ changes: true, replaces: [] });
    const r = await p.update!(id, outs, news);
    expect(r.outs).toMatchObject({ userId: id, invitedUserDisplayName: "U" });
    expect(graphWrites(emu.requests()).map((w) => w.body)).toEqual([{ displayName: "U", jobTitle: null }]);
  });

  it("re-issues the invitation while pending when the message changes (no reset), records it once accepted", async () => {
    const { id, outs } = await createGuest({ invitedUserEmailAddress: "m@contoso.com", inviteRedirectUrl: redirect });
    emu.clearRequests();
    const news = await checked({
      invitedUserEmailAddress: "m@contoso.com",
      inviteRedirectUrl: "https://contoso.com/welcome",
      invitedUserMessageInfo: { customizedMessageBody: "Welcome" },
    });
    const r = await p.update!(id, outs, news);
    const posts = requestsTo(emu.requests(), "POST", "/v1.0/invitations");
    expect(posts).toHaveLength(1);
    expect(posts[0].body).toMatchObject({
      invitedUserEmailAddress: "m@contoso.com",
      inviteRedirectUrl: "https://contoso.com/welcome",
    });
    // By address: invitedUser on a user who is not an invited guest converts it (invite-internal-users).
    expect(posts[0].body).not.toHaveProperty("invitedUser");
    expect(posts[0].body).not.toHaveProperty("resetRedemption");
    expect((r.outs as InvitationOutputs).inviteRedeemUrl).not.toBe(outs.inviteRedeemUrl);

    emu.redeem(id);
    emu.clearRequests();
    const later = await checked({
      invitedUserEmailAddress: "m@contoso.com",
      inviteRedirectUrl: "https://contoso.com/other",
    });
    const r2 = await p.update!(id, r.outs as InvitationOutputs, later);
    expect(graphWrites(emu.requests())).toEqual([]);
    expect(r2.outs).toMatchObject({ inviteRedirectUrl: "https://contoso.com/other", externalUserState: "Accepted" });
  });
});

describe("replace = reset redemption of the same user", () => {
  it("email change: PATCH mail, then resetRedemption with invitedUser.id; never DELETE", async () => {
    const { id, outs } = await createGuest({ invitedUserEmailAddress: "a@contoso.com", inviteRedirectUrl: redirect });
    emu.redeem(id);
    emu.clearRequests();
    const r = await replace(id, outs, { invitedUserEmailAddress: "a@fabrikam.com", inviteRedirectUrl: redirect });
    expect(r.id).toBe(id);
    const writes = graphWrites(emu.requests());
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([`PATCH /v1.0/users/${id}`, "POST /v1.0/invitations"]);
    expect(writes[0].body).toEqual({ mail: "a@fabrikam.com" });
    expect(writes[1].body).toMatchObject({
      invitedUserEmailAddress: "a@fabrikam.com",
      resetRedemption: true,
      invitedUser: { id },
    });
    expect(emu.users()).toEqual([
      expect.objectContaining({ id, mail: "a@fabrikam.com", externalUserState: "PendingAcceptance" }),
    ]);
  });

  it("up --replace (the engine sends only check({}, news), no diff): the delete half keeps the user, the create resets it", async () => {
    const { id, outs } = await createGuest({
      invitedUserEmailAddress: "forced@contoso.com",
      inviteRedirectUrl: redirect,
      onDelete: "delete",
    });
    emu.clearRequests();
    const news = {
      invitedUserEmailAddress: "forced@contoso.com",
      inviteRedirectUrl: redirect,
      onDelete: "delete",
      invitedUserDisplayName: "Changed too",
    };
    const inputs = (await p.check!({}, news)).inputs as Props;
    await p.delete!(id, outs);
    const r = await p.create(inputs);
    expect(r.id).toBe(id);
    const writes = graphWrites(emu.requests());
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual(["POST /v1.0/invitations", `PATCH /v1.0/users/${id}`]);
    expect(writes[0].body).toMatchObject({ resetRedemption: true, invitedUser: { id } });
    expect(writes[1].body).toEqual({ displayName: "Changed too" });
  });

  it("invitedUser changed to another user: the old user leaves by its onDelete, the new one is reset; the old one's redemption is not touched", async () => {
    const { id: oldId, outs } = await createGuest({
      invitedUserEmailAddress: "old@partner.example",
      inviteRedirectUrl: redirect,
      onDelete: "disable",
    });
    emu.redeem(oldId);
    const newId = await adminInvite(emu, "other@partner.example");
    emu.clearRequests();
    const r = await replace(oldId, outs, {
      invitedUserEmailAddress: "other@partner.example",
      inviteRedirectUrl: redirect,
      onDelete: "disable",
      invitedUser: newId,
      resetRedemption: true,
    });
    expect(r.id).toBe(newId);
    const writes = graphWrites(emu.requests());
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([
      `PATCH /v1.0/users/${oldId}`,
      "POST /v1.0/invitations",
    ]);
    expect(writes[0].body).toEqual({ accountEnabled: false });
    expect(writes[1].body).toMatchObject({ resetRedemption: true, invitedUser: { id: newId } });
    expect(emu.users().find((u) => u.id === oldId)).toMatchObject({
      mail: "old@partner.example",
      externalUserState: "Accepted",
      accountEnabled: false,
    });
    expect(r.outs).toMatchObject({ userId: newId, adopted: true });
  });

  it("invitedUser changed to another user, no resetRedemption: the new one is taken as it is (no invitation); an old user the stack invited is deleted by default", async () => {
    const { id: oldId, outs } = await createGuest({
      invitedUserEmailAddress: "first@partner.example",
      inviteRedirectUrl: redirect,
    });
    const otherId = await adminInvite(emu, "second@partner.example");
    emu.clearRequests();
    const r = await replace(oldId, outs, {
      invitedUserEmailAddress: "second@partner.example",
      inviteRedirectUrl: redirect,
      invitedUser: otherId,
    });
    expect(r.id).toBe(otherId);
    const writes = graphWrites(emu.requests()).filter((w) => !w.path.includes("/extensions"));
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([`DELETE /v1.0/users/${oldId}`]);
    expect(emu.users().map((u) => u.id)).toEqual([otherId]);
  });

  it("triggers change: reset without a mail PATCH", async () => {
    const { id, outs } = await createGuest({
      invitedUserEmailAddress: "t@contoso.com",
      inviteRedirectUrl: redirect,
      triggers: [1],
    });
    emu.clearRequests();
    const r = await replace(id, outs, {
      invitedUserEmailAddress: "t@contoso.com",
      inviteRedirectUrl: redirect,
      triggers: [2],
    });
    expect(r.id).toBe(id);
    expect(graphWrites(emu.requests()).map((w) => `${w.method} ${w.path}`)).toEqual(["POST /v1.0/invitations"]);
  });

  it("a delete of a resource the program no longer declares (no check against its old inputs) follows the policy", async () => {
    const { id, outs } = await createGuest({
      invitedUserEmailAddress: "leaver@contoso.com",
      inviteRedirectUrl: redirect,
    });
    resetLifecycleRegistry(); // the next deployment: the program no longer declares it
    // Refresh diffs with the old inputs, but only resources the program declares are checked.
    await p.diff!(id, outs, { ...outs });
    await p.delete!(id, outs);
    expect(requestsTo(emu.requests(), "DELETE", `/v1.0/users/${id}`)).toHaveLength(1);
  });
});

describe("delete by policy", () => {
  it.each([
    ["delete (default for invited guests)", {}, false, { deleted: true, enabled: true }],
    ["disable", { onDelete: "disable" }, false, { deleted: false, enabled: false }],
    ["retain", { onDelete: "retain" }, false, { deleted: false, enabled: true }],
    ["adopted guests are retained by default", {}, true, { deleted: false, enabled: true }],
    ["adopted guest with onDelete delete", { onDelete: "delete" }, true, { deleted: true, enabled: true }],
  ])("%s", async (_n, extra, adopt, expected) => {
    const email = `del-${Math.random().toString(36).slice(2, 8)}@contoso.com`;
    if (adopt) await adminInvite(emu, email);
    const { id, outs } = await createGuest({ invitedUserEmailAddress: email, inviteRedirectUrl: redirect, ...extra });
    expect(outs.adopted).toBe(adopt);
    resetLifecycleRegistry(); // a later deployment, in which the resource left the program
    await p.delete!(id, outs);
    const u = emu.users({ includeDeleted: true }).find((x) => x.id === id)!;
    expect({ deleted: !!u.deletedDateTime, enabled: u.accountEnabled }).toEqual(expected);
  });

  it("404 is success", async () => {
    const { id, outs } = await createGuest({
      invitedUserEmailAddress: "twice@contoso.com",
      inviteRedirectUrl: redirect,
    });
    resetLifecycleRegistry();
    await p.delete!(id, outs);
    await expect(p.delete!(id, outs)).resolves.toBeUndefined();
    await expect(p.delete!(id, { ...outs, onDelete: "disable" })).resolves.toBeUndefined();
  });
});

describe("check sends nothing", () => {
  it("an invalid input is refused before any request", async () => {
    emu.clearRequests();
    const r = await p.check!(
      {},
      { invitedUserEmailAddress: "bad(addr)@x.com", inviteRedirectUrl: "javascript:alert(1)" },
    );
    expect(r.failures?.map((f) => f.property).sort()).toEqual(["inviteRedirectUrl", "invitedUserEmailAddress"]);
    expect(emu.requests()).toEqual([]);
  });
});

describe("every invalid input of the table is refused with no request sent", () => {
  it.each(INVALID_INVITATION_INPUTS)("%s", async (_name, extra, property, reason) => {
    emu.clearRequests();
    const inputs: Props = { ...VALID_BASE, ...extra };
    for (const k of Object.keys(extra)) if (extra[k] === undefined) delete inputs[k];
    const r = await p.check!({}, inputs);
    expect(r.failures?.find((f) => f.property === property)?.reason).toMatch(reason);
    expect(emu.requests()).toEqual([]);
  });
});
