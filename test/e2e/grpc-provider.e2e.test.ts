/**
 * The engine's path to our provider, minus the engine: the SDK's own dynamic-provider gRPC server
 * (`@pulumi/pulumi/cmd/dynamic-provider`), started in the installed package's folder, driven with
 * the `__provider` text the SDK serialized from `Invitation`: Configure, Check, Diff, Create, Read,
 * Update, Delete.
 */
import {
  graphWrites,
  invitationUrn,
  providerConfig,
  ProviderServer,
  RunningEmulator,
  serializedInvitationProvider,
  startEmulator,
  requestsTo,
} from "../../src/testing";

jest.setTimeout(120_000);

let emu: RunningEmulator;
let server: ProviderServer;
let provider: string;
const pkgDir = process.env.ENTRA_E2E_PACKAGE_DIR!;

beforeAll(async () => {
  emu = await startEmulator();
  const serialized = serializedInvitationProvider(pkgDir);
  expect(serialized.type).toBe("pulumi-nodejs:dynamic/entra:Invitation");
  provider = serialized.provider;
  server = await ProviderServer.start({
    cwd: pkgDir,
    env: { ...process.env, ARM_CLIENT_SECRET: "", ENTRA_GRAPH_ENDPOINT: "" },
  });
});

afterAll(async () => {
  await server?.close();
  await emu?.close();
});

test("the serialized provider is one require of the package's stable entry point", () => {
  expect(provider).toContain('require("pulumi-entra-invitation/provider")');
  expect(Buffer.byteLength(provider)).toBeLessThanOrEqual(1024);
  expect(provider).not.toMatch(/\/(work|home|tmp|Users)\/|[A-Z]:\\\\/);
  expect(provider).not.toContain(emu.clientSecret);
});

test("Configure, Check, Diff, Create, Read, Update, Delete through the SDK's gRPC server", async () => {
  const urn = invitationUrn("grpc");
  // Stack config reaches the provider through Configure (credentials from `entra:*`, never the state).
  await server.configure(providerConfig(emu));

  const bad = await server.check(
    urn,
    {},
    { __provider: provider, invitedUserEmailAddress: "x(y)@contoso.com", inviteRedirectUrl: "/relative" },
  );
  expect(bad.failures.map((f) => f.property).sort()).toEqual(["inviteRedirectUrl", "invitedUserEmailAddress"]);
  expect(emu.requests()).toEqual([]);

  const news = {
    __provider: provider,
    invitedUserEmailAddress: " Grace@Contoso.com ",
    inviteRedirectUrl: "https://myapps.microsoft.com",
    invitedUserDisplayName: "Grace",
  };
  const checked = await server.check(urn, {}, news);
  expect(checked.failures).toEqual([]);
  expect(checked.inputs).toMatchObject({
    invitedUserEmailAddress: "grace@contoso.com",
    invitedUserType: "Guest",
    __provider: provider,
  });

  const created = await server.create(urn, checked.inputs);
  expect(created.props).toMatchObject({ userId: created.id, adopted: false, externalUserState: "PendingAcceptance" });
  expect(created.props.__provider).toBe(provider);
  expect(emu.users()).toEqual([expect.objectContaining({ id: created.id, displayName: "Grace" })]);

  const same = await server.diff(urn, created.id, created.props, checked.inputs);
  expect(same).toMatchObject({ changes: "none", replaces: [] });

  emu.redeem(created.id);
  const read = await server.read(urn, created.id, created.props, checked.inputs);
  expect(read.id).toBe(created.id);
  expect(read.props).toMatchObject({ externalUserState: "Accepted" });
  expect(read.inputs).toMatchObject({ invitedUserDisplayName: "Grace", __provider: provider });

  const renamed = await server.check(urn, checked.inputs, { ...news, invitedUserDisplayName: "Grace H." });
  const d = await server.diff(urn, created.id, read.props, renamed.inputs);
  expect(d).toMatchObject({ changes: "some", replaces: [] });
  emu.clearRequests();
  const updated = await server.update(urn, created.id, read.props, renamed.inputs);
  expect(updated).toMatchObject({ userId: created.id, invitedUserDisplayName: "Grace H." });
  expect(graphWrites(emu.requests()).map((r) => [r.method, r.body])).toEqual([["PATCH", { displayName: "Grace H." }]]);

  const moved = await server.check(urn, renamed.inputs, {
    ...news,
    invitedUserDisplayName: "Grace H.",
    invitedUserEmailAddress: "grace@fabrikam.com",
  });
  const rd = await server.diff(urn, created.id, updated, moved.inputs);
  expect(rd).toMatchObject({ changes: "some", replaces: ["invitedUserEmailAddress"], deleteBeforeReplace: true });
  emu.clearRequests();
  await server.delete(urn, created.id, updated);
  const replacement = await server.create(
    urn,
    (
      await server.check(
        urn,
        {},
        { ...news, invitedUserDisplayName: "Grace H.", invitedUserEmailAddress: "grace@fabrikam.com" },
      )
    ).inputs,
  );
  expect(replacement.id).toBe(created.id);
  expect(graphWrites(emu.requests()).map((r) => `${r.method} ${r.path}`)).toEqual([
    `PATCH /v1.0/users/${created.id}`,
    "POST /v1.0/invitations",
  ]);

  // A later deployment (a new plugin process) in which the resource left the program: delete by policy.
  await server.close();
  server = await ProviderServer.start({ cwd: pkgDir });
  await server.configure(providerConfig(emu));
  await server.delete(urn, created.id, replacement.props);
  expect(requestsTo(emu.requests(), "DELETE", `/v1.0/users/${created.id}`)).toHaveLength(1);
  expect(server.stderr.join("\n")).not.toContain(emu.clientSecret);
});
