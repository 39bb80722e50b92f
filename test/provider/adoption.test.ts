/**
 * Adoption and ownership marks through the provider's own methods, against the emulator over HTTPS
 * (issue 12, items 1 and 2). The engine's URN reaches `create` as it does in the plugin: under
 * URN_KEY on the inputs. Requests are asserted from the emulator's log; warnings from stderr (the
 * provider's fallback when no engine is there to log to).
 */
import { invitationProvider } from "../../src";
import { adminGraphClient, adminInvite, graphWrites, requestsTo, RunningEmulator } from "../../src/testing";
import { resetLifecycleRegistry } from "../../src/provider/replacement";
import { freshDeploymentEachTest, providerAgainstEmulator } from "./emulator-fixture";
import { resetMarkState } from "../../src/provider/runtime";
import { URN_KEY } from "../../src/sdk";
import type { InvitationOutputs } from "../../src/provider/types";

type Props = Record<string, unknown>;
const p = invitationProvider;
const redirect = "https://myapps.microsoft.com";
const MARK = "com.pulumi.entraInvitation";
const TYPE = "pulumi-nodejs:dynamic/entra:Invitation";
const urnOf = (stack: string, name: string, project = "guests"): string =>
  `urn:pulumi:${stack}::${project}::${TYPE}::${name}`;
/** The mark the provider writes (POST or PATCH) for `resource` of guests/prod. */
const markBody = (resource: string, onDelete: string): Record<string, unknown> => ({
  "@odata.type": "microsoft.graph.openTypeExtension",
  extensionName: MARK,
  version: 1,
  project: "guests",
  stack: "prod",
  resource,
  onDelete,
});
let emu: RunningEmulator;

function config(values: Record<string, string>): { get(k: string): string | undefined; require(k: string): string } {
  return { get: (k) => values[k], require: (k) => values[k] };
}

function useApp(clientId: string, clientSecret: string): void {
  process.env.ARM_CLIENT_ID = clientId;
  process.env.ARM_CLIENT_SECRET = clientSecret;
}

const fixture = providerAgainstEmulator();
beforeAll(() => void (emu = fixture.emu));

const stderr = freshDeploymentEachTest(fixture);

afterEach(async () => {
  useApp(emu.clientId, emu.clientSecret);
  await p.configure!({ config: config({}) });
});

/** check, then create as the engine does: the URN of the resource on the inputs. */
async function create(news: Props, urn?: string): Promise<{ id: string; outs: InvitationOutputs }> {
  const r0 = await p.check!({}, news);
  expect(r0.failures ?? []).toEqual([]);
  const inputs = { ...(r0.inputs as Props) };
  if (urn) Object.defineProperty(inputs, URN_KEY, { value: urn, enumerable: false });
  const r = await p.create(inputs);
  return { id: r.id, outs: r.outs as InvitationOutputs };
}

async function markOf(id: string): Promise<Props | undefined> {
  try {
    return (await adminGraphClient(emu).api(`/users/${id}/extensions/${MARK}`).get()) as Props;
  } catch {
    return undefined;
  }
}

const invitations = (): number => requestsTo(emu.requests(), "POST", "/v1.0/invitations").length;

describe("adoption sends nothing but the PATCHes the program needs", () => {
  it("an accepted guest, sendInvitationMessage true: no invitation, no PATCH, no mark; no redeem URL", async () => {
    const id = await adminInvite(emu, "kim@woodgrove.example", { invitedUserDisplayName: "Kim" });
    emu.redeem(id);
    emu.clearRequests();
    const { id: got, outs } = await create(
      {
        invitedUserEmailAddress: "kim@woodgrove.example",
        inviteRedirectUrl: redirect,
        sendInvitationMessage: true,
        invitedUserDisplayName: "Kim",
      },
      urnOf("prod", "kim"),
    );
    expect(got).toBe(id);
    expect(graphWrites(emu.requests())).toEqual([]);
    expect(outs).toMatchObject({ userId: id, adopted: true, externalUserState: "Accepted" });
    expect(outs.inviteRedeemUrl).toBeUndefined();
    expect(outs.invitationId).toBeUndefined();
    expect(outs.status).toBeUndefined();
    expect(outs.invitedAt).toBeUndefined();
    // The lookup read the marks with the user: one request at check (the preview's line), one at create.
    expect(
      emu
        .requests()
        .filter((r) => r.path.startsWith("/v1.0/"))
        .map((r) => r.path.split("?")[0]),
    ).toEqual(["/v1.0/users", "/v1.0/users"]);
    expect(emu.requests()[emu.requests().length - 1].path).toContain("$expand=extensions");
    expect(await markOf(id)).toBeUndefined();
  });

  it("a guest whose name, type and declared properties differ: one PATCH with exactly those; undeclared properties kept", async () => {
    const id = await adminInvite(emu, "lee@fabrikam.example", {
      invitedUserDisplayName: "L",
      invitedUserType: "Member",
    });
    await adminGraphClient(emu).api(`/users/${id}`).patch({ companyName: "Fabrikam", department: "Audit" });
    emu.clearRequests();
    const { outs } = await create(
      {
        invitedUserEmailAddress: "lee@fabrikam.example",
        inviteRedirectUrl: redirect,
        invitedUserDisplayName: "Lee",
        userProperties: { jobTitle: "Auditor", companyName: "Fabrikam" },
      },
      urnOf("prod", "lee"),
    );
    expect(outs.adopted).toBe(true);
    const writes = graphWrites(emu.requests());
    expect(writes.map((w) => [`${w.method} ${w.path}`, w.body])).toEqual([
      [`PATCH /v1.0/users/${id}`, { displayName: "Lee", userType: "Guest", jobTitle: "Auditor" }],
    ]);
    expect(emu.users()[0]).toMatchObject({
      displayName: "Lee",
      userType: "Guest",
      jobTitle: "Auditor",
      companyName: "Fabrikam",
      department: "Audit",
    });
  });

  it("declared sponsors the guest lacks are added with $ref, no invitation", async () => {
    const sponsor = await adminInvite(emu, "boss@contoso.example");
    const id = await adminInvite(emu, "vendor@fabrikam.example");
    emu.clearRequests();
    await create(
      {
        invitedUserEmailAddress: "vendor@fabrikam.example",
        inviteRedirectUrl: redirect,
        invitedUserSponsors: [sponsor],
      },
      urnOf("prod", "vendor"),
    );
    expect(graphWrites(emu.requests()).map((w) => `${w.method} ${w.path}`)).toEqual([
      `POST /v1.0/users/${id}/sponsors/$ref`,
    ]);
    // The inviting app is the guest's default sponsor (Graph adds the inviter when none is given); the declared one is added beside it.
    expect(emu.users().find((u) => u.id === id)?.sponsors).toEqual([expect.any(String), sponsor]);
  });

  it("invitedUser without resetRedemption adopts that user without an invitation; a missing one fails with nothing sent", async () => {
    const id = await adminInvite(emu, "old@partner.example");
    emu.clearRequests();
    const { id: got, outs } = await create(
      { invitedUserEmailAddress: "old@partner.example", inviteRedirectUrl: redirect, invitedUser: id },
      urnOf("prod", "old"),
    );
    expect(got).toBe(id);
    expect(outs.adopted).toBe(true);
    expect(invitations()).toBe(0);
    emu.clearRequests();
    await expect(
      create(
        {
          invitedUserEmailAddress: "x@partner.example",
          inviteRedirectUrl: redirect,
          invitedUser: "00000000-0000-0000-0000-00000000dead",
        },
        urnOf("prod", "x"),
      ),
    ).rejects.toThrow(/invitedUser 00000000-0000-0000-0000-00000000dead does not exist/);
    expect(graphWrites(emu.requests())).toEqual([]);
  });

  it("invitedUser with resetRedemption (the cmdlet's example 5) still resets", async () => {
    const id = await adminInvite(emu, "reset@partner.example");
    emu.redeem(id);
    emu.clearRequests();
    const { outs } = await create(
      {
        invitedUserEmailAddress: "reset@partner.example",
        inviteRedirectUrl: redirect,
        invitedUser: id,
        resetRedemption: true,
        sendInvitationMessage: true,
      },
      urnOf("prod", "reset"),
    );
    expect(outs.adopted).toBe(true);
    expect(requestsTo(emu.requests(), "POST", "/v1.0/invitations").map((r) => r.body)).toEqual([
      expect.objectContaining({ resetRedemption: true, invitedUser: { id } }),
    ]);
    expect(outs.inviteRedeemUrl).toMatch(/^https:\/\//);
  });

  it("a disabled guest is adopted as it is, with a warning; no invitation (which Graph would refuse)", async () => {
    const id = await adminInvite(emu, "off@fabrikam.example");
    await adminGraphClient(emu).api(`/users/${id}`).patch({ accountEnabled: false });
    emu.clearRequests();
    const { outs } = await create(
      { invitedUserEmailAddress: "off@fabrikam.example", inviteRedirectUrl: redirect },
      urnOf("prod", "off"),
    );
    expect(outs.adopted).toBe(true);
    expect(graphWrites(emu.requests())).toEqual([]);
    expect(stderr.join("")).toMatch(/off@fabrikam\.example .* is disabled \(accountEnabled: false\): adopted as it is/);
  });

  it("a triggers change sends an adopted guest an invitation on purpose: a reset of the same user, with a redeem URL", async () => {
    const id = await adminInvite(emu, "later@fabrikam.example");
    emu.redeem(id);
    const news0 = {
      invitedUserEmailAddress: "later@fabrikam.example",
      inviteRedirectUrl: redirect,
      sendInvitationMessage: true,
    };
    const { outs } = await create(news0, urnOf("prod", "later"));
    expect(outs.inviteRedeemUrl).toBeUndefined();
    resetLifecycleRegistry();
    emu.clearRequests();
    // What the engine does: check against the old inputs, diff, then (delete before replace) delete and create.
    const news = { ...news0, triggers: { invited: "2026-12" } };
    const inputs = (await p.check!(outs, news)).inputs as Props;
    const d = await p.diff!(id, outs, inputs);
    expect(d.replaces).toEqual(["triggers"]);
    await p.check!({}, news);
    await p.delete!(id, outs);
    const r = await p.create(inputs);
    expect(r.id).toBe(id);
    expect(
      graphWrites(emu.requests()).map((w) => [`${w.method} ${w.path}`, (w.body as Props).resetRedemption]),
    ).toEqual([["POST /v1.0/invitations", true]]);
    expect(r.outs).toMatchObject({ adopted: true, status: "PendingAcceptance" });
    expect(r.outs.inviteRedeemUrl).toMatch(/^https:\/\//);
  });

  it("adopted guests are retained on delete", async () => {
    const id = await adminInvite(emu, "keep@fabrikam.example");
    const { outs } = await create(
      { invitedUserEmailAddress: "keep@fabrikam.example", inviteRedirectUrl: redirect },
      urnOf("prod", "keep"),
    );
    emu.clearRequests();
    await p.delete!(id, outs);
    expect(graphWrites(emu.requests())).toEqual([]);
  });
});

describe("ownership marks", () => {
  it("a new guest is invited, then marked with project, stack, resource name and onDelete", async () => {
    const { id, outs } = await create(
      { invitedUserEmailAddress: "new@contoso.example", inviteRedirectUrl: redirect, onDelete: "disable" },
      urnOf("prod", "partners-new"),
    );
    expect(outs.adopted).toBe(false);
    const writes = graphWrites(emu.requests());
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([
      "POST /v1.0/invitations",
      `POST /v1.0/users/${id}/extensions`,
    ]);
    expect(writes[1].body).toEqual(markBody("partners-new", "disable"));
    expect(await markOf(id)).toEqual(
      expect.objectContaining({
        extensionName: MARK,
        id: MARK,
        project: "guests",
        stack: "prod",
        resource: "partners-new",
        onDelete: "disable",
      }),
    );
  });

  it("the mark waits out replication lag after the invitation", async () => {
    emu.setReplicationLag(1_200);
    const { id } = await create(
      { invitedUserEmailAddress: "lag@contoso.example", inviteRedirectUrl: redirect },
      urnOf("prod", "lag"),
    );
    emu.setReplicationLag(0);
    // The read of the new user (did it exist before the invitation?) waits out the lag; the mark follows.
    const reads = requestsTo(emu.requests(), "GET", `/v1.0/users/${id}`);
    const posts = requestsTo(emu.requests(), "POST", `/v1.0/users/${id}/extensions`);
    expect([...reads, ...posts].filter((r) => r.status === 404).length).toBeGreaterThan(0);
    expect(posts.filter((r) => r.status === 201)).toHaveLength(1);
  });

  it("state lost: the rerun finds its own mark, owns the guest (not adopted, nothing sent), and delete deletes it", async () => {
    const urn = urnOf("prod", "crash");
    const first = await create({ invitedUserEmailAddress: "crash@contoso.example", inviteRedirectUrl: redirect }, urn);
    resetLifecycleRegistry(); // a new deployment
    emu.clearRequests();
    const again = await create({ invitedUserEmailAddress: "crash@contoso.example", inviteRedirectUrl: redirect }, urn);
    expect(again.id).toBe(first.id);
    expect(again.outs.adopted).toBe(false);
    expect(graphWrites(emu.requests())).toEqual([]);
    // Not redeemed and no redeem link in the new state: one warning with the way to issue one.
    expect(again.outs.inviteRedeemUrl).toBeUndefined();
    expect(stderr.filter((l) => l.includes("was recovered through this stack's ownership mark"))).toEqual([
      `warning: pulumi-entra-invitation: crash@contoso.example (${first.id}) was recovered through this stack's ownership mark, not invited: the guest has not redeemed and the state has no redeem link. To issue one: \`pulumi up --replace '${urn}'\` (resets the redemption of the same user and returns a new inviteRedeemUrl), or change its triggers.\n`,
    ]);
    resetLifecycleRegistry(); // `pulumi destroy`: a deployment of its own, nothing checked
    emu.clearRequests();
    await p.delete!(again.id, again.outs);
    expect(graphWrites(emu.requests()).map((w) => `${w.method} ${w.path}`)).toEqual([`DELETE /v1.0/users/${first.id}`]);
  });

  it("owned, declared with another onDelete now: the mark follows (PATCH)", async () => {
    const urn = urnOf("prod", "policy");
    const first = await create({ invitedUserEmailAddress: "policy@contoso.example", inviteRedirectUrl: redirect }, urn);
    resetLifecycleRegistry();
    emu.clearRequests();
    await create(
      { invitedUserEmailAddress: "policy@contoso.example", inviteRedirectUrl: redirect, onDelete: "retain" },
      urn,
    );
    expect(graphWrites(emu.requests()).map((w) => [`${w.method} ${w.path}`, w.body])).toEqual([
      [`PATCH /v1.0/users/${first.id}/extensions/${MARK}`, markBody("policy", "retain")],
    ]);
  });

  it("after an onDelete change and a lost state the guest is still this stack's: the mark is PATCHed whole (read, changed, every property sent)", async () => {
    const urn = urnOf("prod", "whole");
    const first = await create({ invitedUserEmailAddress: "whole@contoso.example", inviteRedirectUrl: redirect }, urn);
    emu.clearRequests();
    const news = (
      await p.check!(first.outs, {
        invitedUserEmailAddress: "whole@contoso.example",
        inviteRedirectUrl: redirect,
        onDelete: "disable",
      })
    ).inputs as Props;
    await p.update!(first.id, first.outs, news);
    expect(requestsTo(emu.requests(), "GET", `/v1.0/users/${first.id}/extensions/${MARK}`)).toHaveLength(1);
    expect(await markOf(first.id)).toMatchObject({
      extensionName: MARK,
      version: 1,
      project: "guests",
      stack: "prod",
      resource: "whole",
      onDelete: "disable",
    });
    resetLifecycleRegistry(); // the state is lost: a new deployment creates again
    resetMarkState();
    emu.clearRequests();
    const again = await create(
      { invitedUserEmailAddress: "whole@contoso.example", inviteRedirectUrl: redirect, onDelete: "disable" },
      urn,
    );
    expect(again).toMatchObject({ id: first.id, outs: { adopted: false } });
    expect(graphWrites(emu.requests())).toEqual([]);
  });

  it("update of onDelete on an owned guest patches the mark; on an adopted one it does not", async () => {
    const { id, outs } = await create(
      { invitedUserEmailAddress: "upd@contoso.example", inviteRedirectUrl: redirect },
      urnOf("prod", "upd"),
    );
    const news = (
      await p.check!(outs, {
        invitedUserEmailAddress: "upd@contoso.example",
        inviteRedirectUrl: redirect,
        onDelete: "disable",
      })
    ).inputs as Props;
    emu.clearRequests();
    await p.update!(id, outs, news);
    expect(graphWrites(emu.requests()).map((w) => `${w.method} ${w.path}`)).toEqual([
      `PATCH /v1.0/users/${id}/extensions/${MARK}`,
    ]);
    expect(await markOf(id)).toMatchObject({ onDelete: "disable", resource: "upd" });

    const adoptedId = await adminInvite(emu, "adp@contoso.example");
    const adopted = await create(
      { invitedUserEmailAddress: "adp@contoso.example", inviteRedirectUrl: redirect },
      urnOf("prod", "adp"),
    );
    emu.clearRequests();
    await p.update!(
      adoptedId,
      adopted.outs,
      (
        await p.check!(adopted.outs, {
          invitedUserEmailAddress: "adp@contoso.example",
          inviteRedirectUrl: redirect,
          onDelete: "delete",
        })
      ).inputs as Props,
    );
    expect(graphWrites(emu.requests())).toEqual([]);
  });

  /** The same address created by the resource `first`, then in a later deployment by `second` (request log cleared between). */
  async function createTwice(email: string, first: string, second: string) {
    const news = { invitedUserEmailAddress: email, inviteRedirectUrl: redirect };
    const a = await create(news, first);
    resetLifecycleRegistry();
    emu.clearRequests();
    return { a, b: await create(news, second) };
  }

  it("a guest another stack marked: adopted, with a warning naming that stack; its mark is kept", async () => {
    const { a, b } = await createTwice(
      "shared@contoso.example",
      urnOf("staging", "shared-a"),
      urnOf("prod", "shared-b"),
    );
    expect(b.id).toBe(a.id);
    expect(b.outs.adopted).toBe(true);
    expect(graphWrites(emu.requests())).toEqual([]);
    expect(stderr.join("")).toContain(
      "warning: pulumi-entra-invitation: shared@contoso.example is already managed by the stack guests/staging (resource shared-a)",
    );
    expect(await markOf(a.id)).toMatchObject({ stack: "staging", resource: "shared-a" });
  });

  it("another resource of this stack marked it: owned, and the mark now names this resource", async () => {
    const { a, b } = await createTwice("renamed@contoso.example", urnOf("prod", "old-name"), urnOf("prod", "new-name"));
    expect(b.outs.adopted).toBe(false);
    expect(graphWrites(emu.requests()).map((w) => [`${w.method} ${w.path}`, w.body])).toEqual([
      [`PATCH /v1.0/users/${a.id}/extensions/${MARK}`, markBody("new-name", "delete")],
    ]);
  });

  it("without the engine's URN: invited, not marked, one warning for the process", async () => {
    await create({ invitedUserEmailAddress: "n1@contoso.example", inviteRedirectUrl: redirect });
    await create({ invitedUserEmailAddress: "n2@contoso.example", inviteRedirectUrl: redirect });
    expect(graphWrites(emu.requests()).map((w) => w.path)).toEqual(["/v1.0/invitations", "/v1.0/invitations"]);
    expect(stderr.join("").match(/without an ownership mark/g)).toHaveLength(1);
  });

  it("User.Invite.All + User.Read.All: the first mark gets 403, one warning, later creates do not try; the creates succeed", async () => {
    const app = emu.addClient({ roles: ["User.Invite.All", "User.Read.All"] });
    useApp(app.clientId, app.clientSecret);
    await p.configure!({ config: config({}) });
    const one = await create(
      { invitedUserEmailAddress: "r1@contoso.example", inviteRedirectUrl: redirect },
      urnOf("prod", "r1"),
    );
    const two = await create(
      { invitedUserEmailAddress: "r2@contoso.example", inviteRedirectUrl: redirect },
      urnOf("prod", "r2"),
    );
    expect([one.outs.adopted, two.outs.adopted]).toEqual([false, false]);
    const marks = requestsTo(emu.requests(), "POST", /\/extensions$/);
    expect(marks.map((r) => r.status)).toEqual([403]);
    expect(stderr.join("").match(/cannot write ownership marks \(Authorization_RequestDenied\)/g)).toHaveLength(1);
    expect(stderr.join("")).toContain("Grant User.ReadWrite.All");
  });

  it("User.Invite.All alone: no mark is tried (no write after the invitation), one warning", async () => {
    const app = emu.addClient({ roles: ["User.Invite.All"] });
    useApp(app.clientId, app.clientSecret);
    await p.configure!({ config: config({}) });
    await create(
      { invitedUserEmailAddress: "i1@contoso.example", inviteRedirectUrl: redirect, onDelete: "retain" },
      urnOf("prod", "i1"),
    );
    await create(
      { invitedUserEmailAddress: "i2@contoso.example", inviteRedirectUrl: redirect, onDelete: "retain" },
      urnOf("prod", "i2"),
    );
    expect(graphWrites(emu.requests()).map((w) => w.path)).toEqual(["/v1.0/invitations", "/v1.0/invitations"]);
    expect(stderr.join("").match(/guests are invited without an ownership mark/g)).toHaveLength(1);
  });
});
