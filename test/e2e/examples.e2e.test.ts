/**
 * The examples are runnable programs: each folder as it is in the repository (Pulumi.yaml's program,
 * package.json, tsconfig.json, index.ts, data files) is run by the plain \`pulumi\` CLI through the
 * Node.js language host against the emulator (up, a no-change up, destroy), with the package
 * installed from its packed tarball as a user has it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  adminGraphClient,
  providerEnv,
  RunningEmulator,
  startEmulator,
  TestStack,
  graphWrites,
  requestsTo,
} from "../../src/testing";

jest.setTimeout(300_000);

let emu: RunningEmulator;
beforeAll(async () => (emu = await startEmulator()));
afterAll(async () => emu?.close());

const root = path.resolve(__dirname, "../..");

test.each([
  // Example 5 resets the redemption of an existing guest: one is invited out of band first.
  ["cmdlet-examples", 5, true],
  ["portal-csv", 4, false],
])(
  "examples/%s: up invites %i guests, a second up changes nothing, destroy cleans up",
  async (name, count, withExistingGuest) => {
    emu.reset();
    const dir = path.join(root, "examples", name);
    const files: Record<string, string> = {};
    for (const f of fs.readdirSync(dir))
      if (/\.(csv|ya?ml|json)$/.test(f)) files[f] = fs.readFileSync(path.join(dir, f), "utf8");
    const stack = new TestStack({
      name: `example-${name}`,
      program: fs.readFileSync(path.join(dir, "index.ts"), "utf8"),
      env: providerEnv(emu),
      files,
    });
    const config: Record<string, string> = {};
    let existingId = "";
    if (withExistingGuest) {
      const pre = (await adminGraphClient(emu).api("/invitations").post({
        invitedUserEmailAddress: "someexternaluser@externaldomain.com",
        inviteRedirectUrl: "https://myapps.microsoft.com",
      })) as { invitedUser: { id: string } };
      existingId = pre.invitedUser.id;
      emu.redeem(existingId);
      config.resetUserObjectId = existingId;
    }
    try {
      emu.clearRequests();
      const up = await stack.up({ config });
      if (!up.ok) throw new Error(`${up.error}\n${up.stdout}`);
      expect(emu.users().filter((u) => !u.deletedDateTime)).toHaveLength(count);
      if (existingId) {
        const resets = requestsTo(emu.requests(), "POST", "/v1.0/invitations").filter(
          (r) => (r.body as { resetRedemption?: boolean }).resetRedemption,
        );
        expect(resets.map((r) => (r.body as { invitedUser?: { id: string } }).invitedUser?.id)).toEqual([existingId]);
        expect(emu.users().find((u) => u.id === existingId)?.externalUserState).toBe("PendingAcceptance");
      }
      emu.clearRequests();
      const again = await stack.up();
      expect(again.ok).toBe(true);
      expect(again.summary).not.toHaveProperty("create");
      expect(graphWrites(emu.requests())).toEqual([]);
      const down = await stack.destroy();
      expect(down.ok).toBe(true);
      // Each guest leaves by its policy: the cmdlet examples' invited guests are deleted and the
      // existing guest of example 5 is kept (onDelete: retain); the portal list disables its guests.
      const live = emu.users().filter((u) => !u.deletedDateTime);
      if (name === "portal-csv") expect(live.map((u) => u.accountEnabled)).toEqual([false, false, false, false]);
      else expect(live.map((u) => u.id)).toEqual([existingId]);
    } finally {
      stack.dispose();
    }
  },
);
