/**
 * The guest shard provider (pulumi-entra-invitation/provider/shards) through its own methods, against
 * the emulator over HTTPS with the real credential and Graph client: every guest's step is the
 * per-guest step, run per guest; partial failures carry the state of the guests that succeeded; a
 * user another declared resource holds is not deleted.
 */
import * as shards from "../../src/provider/shards";
import { invitationProvider } from "../../src";
import { adminGraphClient, adminInvite, graphWrites, requestsTo } from "../../src/testing";
import { URN_KEY } from "../../src/sdk";
import { decodeGuests, unpackRedeemUrls, type ShardOutputs } from "../../src/provider/shard-plan";
import type { InvitationOutputs } from "../../src/provider/types";
import { freshDeploymentEachTest, providerAgainstEmulator } from "./emulator-fixture";
import { resetLifecycleRegistry } from "../../src/provider/replacement";
import { resetMarkState } from "../../src/provider/runtime";

type Props = Record<string, unknown>;
const redirect = "https://myapps.microsoft.com";
const SHARD_URN =
  "urn:pulumi:prod::guests::entra:index:GuestList$pulumi-nodejs:dynamic/entra:GuestShard::partners-shard-1of4";
const INVITATION_URN = (name: string) =>
  `urn:pulumi:prod::guests::entra:index:GuestList$pulumi-nodejs:dynamic/entra:Invitation::partners-${name}`;
const PROVIDER = "exports.handler = __f0; // serialized provider";

const fixture = providerAgainstEmulator();
const stderr = freshDeploymentEachTest(fixture);
const emu = () => fixture.emu;

const guest = (email: string, extra: Props = {}): Props => ({
  invitedUserEmailAddress: email,
  inviteRedirectUrl: redirect,
  ...extra,
});
const withUrn = <T extends object>(o: T, urn: string): T =>
  Object.defineProperty(o, URN_KEY, { value: urn, enumerable: false });
const news = (guests: Record<string, Props>): Props =>
  withUrn({ list: "partners", shard: "1of4", guests, __provider: PROVIDER }, SHARD_URN);

/** A shard's state as the engine recorded it, each guest decoded (the state holds one string per guest). */
const decoded = <T extends object>(o: T): T & ShardOutputs =>
  ({ ...o, guests: decodeGuests((o as { guests?: unknown }).guests) }) as T & ShardOutputs;

/** What the engine does: check (old inputs, new), then create or diff + update. */
async function checked(olds: Props, next: Props): Promise<Props> {
  const r = await shards.check!(olds, next);
  expect(r.failures ?? []).toEqual([]);
  return withUrn({ ...(r.inputs as Props), __provider: PROVIDER }, SHARD_URN);
}
async function createShard(guests: Record<string, Props>): Promise<{ id: string; outs: ShardOutputs; inputs: Props }> {
  const inputs = await checked({}, news(guests));
  const r = await shards.create(inputs);
  return { id: r.id, outs: decoded(r.outs as ShardOutputs), inputs };
}
async function updateShard(
  id: string,
  oldInputs: Props,
  olds: ShardOutputs,
  guests: Record<string, Props>,
): Promise<{ outs: ShardOutputs; inputs: Props; diff: Awaited<ReturnType<NonNullable<typeof shards.diff>>> }> {
  const inputs = await checked(oldInputs, news(guests));
  const diff = await shards.diff!(id, olds as unknown as Props, inputs);
  const r = await shards.update!(id, olds as unknown as Props, inputs);
  return { outs: decoded(r.outs as ShardOutputs), inputs, diff };
}
/** The next `pulumi` command: a fresh plugin process (nothing remembered from the last). */
const newProcess = (): void => {
  resetLifecycleRegistry();
  resetMarkState();
};
const ext = async (id: string) =>
  (await adminGraphClient(emu()).api(`/users/${id}/extensions/com.pulumi.entraInvitation`).get()) as Props;

describe("check", () => {
  it("refuses bad input per guest, naming the guest and the field, before any Graph call", async () => {
    emu().clearRequests();
    const r = await shards.check!(
      {},
      news({
        kim: guest("kim@contoso.com"),
        bad: guest("not-an-address"),
        lee: guest("lee@contoso.com", { inviteRedirectUrl: "ftp://x" }),
      }),
    );
    expect(r.failures?.map((f) => f.property).sort()).toEqual([
      'guests["bad"].invitedUserEmailAddress',
      'guests["lee"].inviteRedirectUrl',
    ]);
    expect(r.failures?.find((f) => f.property.startsWith('guests["bad"]'))?.reason).toMatch(/^guest 'bad': /);
    expect(graphWrites(emu().requests())).toEqual([]);
  });
});

describe("create, update, read, delete per guest", () => {
  it("invites each guest once, marked with the name its Invitation would have; adopts an existing guest, sending nothing", async () => {
    const samId = await adminInvite(emu(), "sam@fabrikam.com");
    emu().clearRequests();
    const { id, outs } = await createShard({ kim: guest("kim@contoso.com"), sam: guest("sam@fabrikam.com") });
    expect(id).toBe("partners/1of4");
    expect(requestsTo(emu().requests(), "POST", "/v1.0/invitations")).toHaveLength(1);
    expect(outs.guests.sam).toMatchObject({ userId: samId, adopted: true });
    expect(outs.guests.kim).toMatchObject({ externalUserState: "PendingAcceptance" });
    expect(outs.guests.kim).not.toHaveProperty("inviteRedeemUrl");
    expect(typeof outs.redeemUrls).toBe("string");
    expect(Object.keys(unpackRedeemUrls(outs.redeemUrls))).toEqual(["kim"]);
    expect(await ext(outs.guests.kim.userId)).toMatchObject({
      project: "guests",
      stack: "prod",
      resource: "partners-kim",
    });
  });

  it("an email change resets the same user in place (never a replacement of the shard); a removed guest leaves by its onDelete; an added one is invited", async () => {
    const a = await createShard({
      kim: guest("kim@contoso.com"),
      jo: guest("jo@contoso.com", { onDelete: "disable" }),
    });
    newProcess();
    emu().clearRequests();
    const b = await updateShard(a.id, a.inputs, a.outs, {
      kim: guest("kim@fabrikam.com"),
      lee: guest("lee@contoso.com"),
    });
    expect(b.diff.replaces ?? []).toEqual([]);
    expect(b.diff.changes).toBeUndefined();
    expect(b.outs.guests.kim).toMatchObject({
      userId: a.outs.guests.kim.userId,
      invitedUserEmailAddress: "kim@fabrikam.com",
    });
    const invites = requestsTo(emu().requests(), "POST", "/v1.0/invitations").map((r) => r.body as Props);
    expect(invites).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ invitedUserEmailAddress: "kim@fabrikam.com", resetRedemption: true }),
        expect.objectContaining({ invitedUserEmailAddress: "lee@contoso.com" }),
      ]),
    );
    expect(invites).toHaveLength(2);
    expect(
      emu()
        .users()
        .find((u) => u.id === a.outs.guests.jo.userId),
    ).toMatchObject({ accountEnabled: false, deletedDateTime: null });
    expect(Object.keys(b.outs.guests).sort()).toEqual(["kim", "lee"]);
    expect(stderr.join("")).toMatch(/jo@contoso\.com .*sign-in blocked/);
  });

  it("read brings drift back per guest; a guest deleted for good drops out and the next update invites it again", async () => {
    const a = await createShard({
      kim: guest("kim@contoso.com", { invitedUserDisplayName: "Kim" }),
      sam: guest("sam@contoso.com"),
    });
    await adminGraphClient(emu()).api(`/users/${a.outs.guests.kim.userId}`).patch({ displayName: "Kimberly" });
    await adminGraphClient(emu()).api(`/users/${a.outs.guests.sam.userId}`).delete();
    await adminGraphClient(emu()).api(`/directory/deletedItems/${a.outs.guests.sam.userId}`).delete();
    newProcess();
    // Invited a while ago (a 404 right after an invitation is taken for replication lag).
    for (const g of Object.values(a.outs.guests)) g.invitedAt = "2026-01-01T00:00:00.000Z";
    const r = await shards.read!(a.id, a.outs as unknown as Props);
    const props = decoded(r.props as unknown as ShardOutputs);
    expect(Object.keys(props.guests)).toEqual(["kim"]);
    expect((r.inputs as { guests: Record<string, Props> }).guests.kim).toMatchObject({
      invitedUserDisplayName: "Kimberly",
    });
    emu().clearRequests();
    const b = await updateShard(a.id, r.inputs as Props, props, {
      kim: guest("kim@contoso.com", { invitedUserDisplayName: "Kim" }),
      sam: guest("sam@contoso.com"),
    });
    expect(b.outs.guests.sam.userId).not.toBe(a.outs.guests.sam.userId);
    expect(requestsTo(emu().requests(), "POST", "/v1.0/invitations")).toHaveLength(1);
    expect(requestsTo(emu().requests(), "PATCH", `/v1.0/users/${a.outs.guests.kim.userId}`).map((x) => x.body)).toEqual(
      [{ displayName: "Kim" }],
    );
  });

  it("delete removes every guest by its onDelete", async () => {
    const a = await createShard({ kim: guest("kim@contoso.com"), jo: guest("jo@contoso.com", { onDelete: "retain" }) });
    newProcess();
    await shards.delete!(a.id, a.outs as unknown as Props);
    expect(
      emu()
        .users({ includeDeleted: true })
        .find((u) => u.id === a.outs.guests.kim.userId)?.deletedDateTime,
    ).toBeTruthy();
    expect(
      emu()
        .users()
        .find((u) => u.id === a.outs.guests.jo.userId),
    ).toBeTruthy();
  });
});

describe("partial failure", () => {
  it("some guests fail: the error carries id, the state of those that succeeded and __provider; the next update creates only the failed", async () => {
    const member = emu().addUser({
      displayName: "Kim (member)",
      mail: "kim@contoso.com",
      userPrincipalName: "kim@contoso.com",
    });
    const inputs = await checked(
      {},
      news({ kim: guest("kim@contoso.com"), lee: guest("lee@contoso.com"), ann: guest("ann@contoso.com") }),
    );
    let err: (Error & { id?: string; properties?: Props; reasons?: string[] }) | undefined;
    await shards.create(inputs).catch((e: Error) => void (err = e));
    expect(err?.id).toBe("partners/1of4");
    const props = decoded(err!.properties as unknown as ShardOutputs & { __provider: string });
    expect(props.__provider).toBe(PROVIDER);
    expect(Object.keys(props.guests).sort()).toEqual(["ann", "lee"]);
    expect(props.failed).toEqual(["kim"]);
    expect(err!.reasons?.join("\n")).toMatch(/guest 'kim': .*member of this tenant/);
    // The next up: the engine kept the new inputs (init failure), the diff asks for an update anyway.
    await adminGraphClient(emu()).api(`/users/${member.id}`).delete();
    await adminGraphClient(emu()).api(`/directory/deletedItems/${member.id}`).delete();
    emu().clearRequests();
    const diff = await shards.diff!(err!.id!, props as unknown as Props, inputs);
    expect(diff.changes).toBe(true);
    const r = await shards.update!(err!.id!, props as unknown as Props, inputs);
    const outs = decoded(r.outs as ShardOutputs);
    expect(Object.keys(outs.guests).sort()).toEqual(["ann", "kim", "lee"]);
    expect(outs.failed).toBeUndefined();
    expect(
      requestsTo(emu().requests(), "POST", "/v1.0/invitations").map((x) => (x.body as Props).invitedUserEmailAddress),
    ).toEqual(["kim@contoso.com"]);
  });

  it("a create killed after Graph answered converges: the rerun finds its guests by their marks, no second invitation", async () => {
    const first = await createShard({ kim: guest("kim@contoso.com") });
    // The state was lost (killed before the engine wrote it): a fresh process creates the shard again.
    emu().clearRequests();
    const again = await createShard({ kim: guest("kim@contoso.com") });
    expect(again.outs.guests.kim).toMatchObject({ userId: first.outs.guests.kim.userId });
    expect(graphWrites(emu().requests())).toEqual([]);
  });
});

describe("moving between the forms: a delete keeps a user another declared resource holds", () => {
  it("per-guest → shard: the shard adopts its own guests with 0 writes; the Invitation's delete then keeps the user", async () => {
    const p = invitationProvider;
    const inv = await p.check!({}, withUrn(guest("kim@contoso.com"), INVITATION_URN("kim")));
    const created = await p.create(withUrn(inv.inputs as Props, INVITATION_URN("kim")));
    emu().clearRequests();
    const shard = await createShard({ kim: guest("kim@contoso.com") });
    expect(shard.outs.guests.kim).toMatchObject({ userId: created.id });
    await p.delete!(created.id, created.outs as InvitationOutputs as unknown as Props);
    expect(graphWrites(emu().requests())).toEqual([]);
    expect(stderr.join("")).toMatch(
      /kim@contoso\.com \(.*\): held by guest kim of the GuestList partners \(shard 1of4\), not deleted/,
    );
  });

  it("shard → per-guest: the Invitation takes its guest with 0 writes; the shard's delete keeps the user", async () => {
    const shard = await createShard({ kim: guest("kim@contoso.com") });
    const p = invitationProvider;
    emu().clearRequests();
    const inv = await p.check!({}, withUrn(guest("kim@contoso.com"), INVITATION_URN("kim")));
    const created = await p.create(withUrn(inv.inputs as Props, INVITATION_URN("kim")));
    expect(created.id).toBe(shard.outs.guests.kim.userId);
    await shards.delete!(shard.id, shard.outs as unknown as Props);
    expect(graphWrites(emu().requests())).toEqual([]);
    expect(
      emu()
        .users()
        .find((u) => u.id === created.id)?.deletedDateTime ?? null,
    ).toBeNull();
  });

  it("a rerun in a fresh process (after a crash between the creates and the deletes) keeps the user too: the shard's diff holds it", async () => {
    const p = invitationProvider;
    const inv = await p.check!({}, withUrn(guest("kim@contoso.com"), INVITATION_URN("kim")));
    const created = await p.create(withUrn(inv.inputs as Props, INVITATION_URN("kim")));
    const shard = await createShard({ kim: guest("kim@contoso.com") });
    // A fresh process: nothing remembered; the engine checks and diffs the declared shard, then deletes the Invitation.
    newProcess();
    emu().clearRequests();
    const inputs = await checked(shard.inputs, news({ kim: guest("kim@contoso.com") }));
    expect((await shards.diff!(shard.id, shard.outs as unknown as Props, inputs)).changes).toBe(false);
    await p.delete!(created.id, created.outs as unknown as Props);
    expect(graphWrites(emu().requests())).toEqual([]);
  });
});

describe("the preview's lookups at check", () => {
  it("a shard with more than 100 new guests: one line, no lookup per guest (the up's own lookup decides)", async () => {
    emu().clearRequests();
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`g${i}`, guest(`g${i}@contoso.com`)]));
    await checked({}, news(many));
    expect(
      emu()
        .requests()
        .filter((r) => r.method === "GET" && r.path.startsWith("/v1.0/users")),
    ).toEqual([]);
    expect(stderr.join("")).toContain("101 new guests in partners shard 1of4: the preview does not look each up");
  });

  it("a few new guests: each is looked up, and an existing one gets its adoption line", async () => {
    await adminInvite(emu(), "sam@fabrikam.com");
    emu().clearRequests();
    await checked({}, news({ sam: guest("sam@fabrikam.com"), kim: guest("kim@contoso.com") }));
    // Both addresses are asked for (concurrent lookups go out together: src/graph/lookup-batch.ts).
    const asked = emu()
      .requests()
      .filter((r) => r.method === "GET" && r.path.startsWith("/v1.0/users"))
      .map((r) => decodeURIComponent(r.path))
      .join("\n");
    expect(asked).toContain("sam@fabrikam.com");
    expect(asked).toContain("kim@contoso.com");
    expect(stderr.join("")).toMatch(/sam@fabrikam\.com: exists as .* \u2192 adopted/);
  });
});

describe("reminders in a shard", () => {
  afterEach(() => void delete process.env.ENTRA_NOW);
  it("a refresh finds a reminder due; the diff asks for an update (state only); the update re-issues that guest's invitation only", async () => {
    process.env.ENTRA_NOW = "2027-01-01T00:00:00Z";
    const a = await createShard({
      kim: guest("kim@contoso.com", { remindAfterDays: 7 }),
      sam: guest("sam@contoso.com"),
    });
    newProcess();
    process.env.ENTRA_NOW = "2027-01-09T00:00:00Z";
    const r = await shards.read!(a.id, a.outs as unknown as Props);
    const props = decoded(r.props as unknown as ShardOutputs);
    expect(props.guests.kim.reminderDue).toMatch(/reminder 1 of 3/);
    emu().clearRequests();
    const b = await updateShard(a.id, r.inputs as Props, props, {
      kim: guest("kim@contoso.com", { remindAfterDays: 7 }),
      sam: guest("sam@contoso.com"),
    });
    expect(b.diff.changes).toBe(true);
    const invites = requestsTo(emu().requests(), "POST", "/v1.0/invitations").map((x) => x.body as Props);
    expect(invites).toEqual([expect.objectContaining({ invitedUserEmailAddress: "kim@contoso.com" })]);
    expect(invites[0]).not.toHaveProperty("resetRedemption");
    expect(b.outs.guests.kim).toMatchObject({ userId: a.outs.guests.kim.userId, remindersSent: 1 });
    expect(b.outs.guests.kim).not.toHaveProperty("reminderDue");
    expect(unpackRedeemUrls(b.outs.redeemUrls).kim).not.toBe(unpackRedeemUrls(a.outs.redeemUrls).kim);
  });
});
