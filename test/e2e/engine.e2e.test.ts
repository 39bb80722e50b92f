/**
 * The real Pulumi engine, end to end, against the Graph emulator: every scenario asserts both what
 * Pulumi did and what Graph saw. Runs in `npm test` (CI=true included): scripts/test.js builds the
 * Pulumi CLI if needed and installs the package the way a user does.
 */
import { execSync } from "node:child_process";
import {
  describeRequests,
  graphWrites,
  providerEnv,
  requestsTo,
  TestStack,
  adminGraphClient,
  adminInvite,
} from "../../src/testing";
import type { RunningEmulator, RunResult } from "../../src/testing";
import { redirect } from "./programs";
import { ok, withEmulatedStack } from "./suite";

jest.setTimeout(300_000);

// A TypeScript program as a user writes one (index.ts beside package.json and tsconfig.json), run by
// \`pulumi up\` through the Node.js language host: the guests come from guests.json.
const PROGRAM = `
import * as fs from "fs";
import * as path from "path";
import { Invitation, InvitationArgs } from "pulumi-entra-invitation";

type Guest = { name: string } & InvitationArgs;
const list: Guest[] = JSON.parse(fs.readFileSync(path.join(__dirname, "guests.json"), "utf8"));
export const guests: Record<string, object> = {};
for (const { name, ...args } of list) {
  const inv = new Invitation(name, args);
  guests[name] = { userId: inv.userId, adopted: inv.adopted, state: inv.externalUserState, redeem: inv.inviteRedeemUrl };
}
`;

type Guest = { name: string } & Record<string, unknown>;

let emu: RunningEmulator;
let stack: TestStack;
let guests: Guest[];

function setGuests(list: Guest[]): void {
  guests = list;
  stack.writeFile("guests.json", JSON.stringify(list, null, 2));
}

function userIdOf(r: RunResult, name: string): string {
  const g = (r.outputs?.guests?.value as Record<string, { userId: string }>)[name];
  return g.userId;
}

const liveUsers = (): ReturnType<RunningEmulator["users"]> => emu.users().filter((u) => !u.deletedDateTime);
const invitationType = "pulumi-nodejs:dynamic/entra:Invitation";

withEmulatedStack({ name: "e2e-engine", program: PROGRAM }, (e, s) => {
  emu = e;
  stack = s;
});

const ids: Record<string, string> = {};
const timings: Record<string, number> = {};

describe("the real Pulumi engine against the emulator", () => {
  test("1. up invites every guest; redeem URLs are secret; __provider is small and path-free", async () => {
    const t0 = Date.now();
    setGuests([
      {
        name: "alice",
        invitedUserEmailAddress: "alice@contoso.com",
        inviteRedirectUrl: redirect,
        invitedUserDisplayName: "Alice",
      },
      {
        name: "bob",
        invitedUserEmailAddress: "bob@fabrikam.com",
        inviteRedirectUrl: redirect,
        userProperties: { companyName: "Fabrikam" },
      },
      {
        name: "carol",
        invitedUserEmailAddress: "carol@northwind.example",
        inviteRedirectUrl: redirect,
        onDelete: "disable",
      },
    ]);
    const r = ok(await stack.up());
    for (const g of guests) ids[g.name] = userIdOf(r, g.name);
    expect(new Set(Object.values(ids)).size).toBe(3);
    expect(
      liveUsers()
        .map((u) => u.mail)
        .sort(),
    ).toEqual(["alice@contoso.com", "bob@fabrikam.com", "carol@northwind.example"]);
    expect(emu.users().find((u) => u.id === ids.bob)?.companyName).toBe("Fabrikam");
    expect(requestsTo(emu.requests(), "POST", "/v1.0/invitations").length).toBe(3);

    const state = stack.exportState();
    const invs = (state.deployment.resources ?? []).filter((x) => x.type === invitationType);
    expect(invs).toHaveLength(3);
    for (const res of invs) {
      const redeem = res.outputs!.inviteRedeemUrl as Record<string, unknown>;
      expect(redeem).toHaveProperty("4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"); // the secret signature
      expect(redeem).toHaveProperty("ciphertext");
      const provider = res.inputs!.__provider as string;
      expect(provider).toContain('require("pulumi-entra-invitation/provider")');
      expect(Buffer.byteLength(provider)).toBeLessThanOrEqual(1024);
      expect(provider).not.toMatch(/\/(work|home|tmp|Users)\//);
    }
    expect(JSON.stringify(state)).not.toMatch(/redeem\?/i);
    timings.up = Date.now() - t0;
  });

  test("2. a second up changes nothing and sends no write to Graph", async () => {
    emu.clearRequests();
    const r = ok(await stack.up());
    expect(r.summary).toEqual({ same: 4 });
    expect(graphWrites(emu.requests())).toEqual([]);
    // A drift preview with nothing changed out of band shows nothing: no refresh diff, no step.
    const p = ok(await stack.preview({ refresh: true }));
    const refreshed = p.steps.filter((s) => s.type === invitationType && s.op === "refresh");
    expect(refreshed).toHaveLength(3);
    expect(refreshed.flatMap((s) => s.refreshedOutputs ?? ["(no outputs event)"])).toEqual([]);
    expect(p.steps.filter((s) => s.type === invitationType && !["same", "refresh"].includes(s.op))).toEqual([]);
    expect(graphWrites(emu.requests())).toEqual([]);
  });

  test("3. displayName, userType and userProperties change in place: same user, PATCH seen", async () => {
    emu.clearRequests();
    setGuests(
      guests.map((g) =>
        g.name === "alice"
          ? {
              ...g,
              invitedUserDisplayName: "Alice A.",
              invitedUserType: "Member",
              userProperties: { jobTitle: "Auditor" },
            }
          : g,
      ),
    );
    const r = ok(await stack.up());
    expect(r.summary).toMatchObject({ update: 1, same: 3 });
    expect(userIdOf(r, "alice")).toBe(ids.alice);
    const patches = requestsTo(emu.requests(), "PATCH", `/v1.0/users/${ids.alice}`);
    expect(patches.map((p) => p.body)).toEqual([{ displayName: "Alice A.", userType: "Member", jobTitle: "Auditor" }]);
    expect(emu.users().find((u) => u.id === ids.alice)).toMatchObject({
      displayName: "Alice A.",
      userType: "Member",
      jobTitle: "Auditor",
    });
  });

  test("4. an email change replaces: same user id, mail PATCH then resetRedemption, no DELETE", async () => {
    emu.clearRequests();
    setGuests(guests.map((g) => (g.name === "bob" ? { ...g, invitedUserEmailAddress: "bob@fabrikam.example" } : g)));
    // What a reviewer reads: the CLI's "+-" comes with one line under Diagnostics that says it is a reset.
    const p = ok(await stack.preview());
    expect(p.stdout).toMatch(/^ \+- +pulumi-nodejs:dynamic\/entra:Invitation bob replace/m);
    expect(diagnosticsSection(p.stdout)).toEqual([
      `bob@fabrikam.com: email change to bob@fabrikam.example → redemption reset of the same user ${ids.bob.slice(0, 8)}… (not deleted)`,
    ]);
    expect(graphWrites(emu.requests())).toEqual([]);
    const r = ok(await stack.up());
    expect(r.summary).toMatchObject({ replace: 1 });
    expect(userIdOf(r, "bob")).toBe(ids.bob);
    const writes = graphWrites(emu.requests());
    expect(writes.map((w) => `${w.method} ${w.path.split("?")[0]}`)).toEqual([
      `PATCH /v1.0/users/${ids.bob}`,
      "POST /v1.0/invitations",
    ]);
    expect(writes[0].body).toEqual({ mail: "bob@fabrikam.example" });
    expect(writes[1].body).toMatchObject({
      invitedUserEmailAddress: "bob@fabrikam.example",
      resetRedemption: true,
      invitedUser: { id: ids.bob },
    });
    expect(requestsTo(emu.requests(), "DELETE", /\/users\//)).toEqual([]);
    expect(emu.users().find((u) => u.id === ids.bob)).toMatchObject({
      mail: "bob@fabrikam.example",
      externalUserState: "PendingAcceptance",
    });
  });

  test("5. up --replace and a triggers change reset the same user, no DELETE", async () => {
    emu.redeem(ids.carol);
    emu.clearRequests();
    const urn = stack.urn(invitationType, "carol");
    let r = ok(await stack.up({ replace: [urn] }));
    expect(r.summary).toMatchObject({ replace: 1 });
    expect(userIdOf(r, "carol")).toBe(ids.carol);
    let writes = graphWrites(emu.requests());
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual(["POST /v1.0/invitations"]);
    expect(writes[0].body).toMatchObject({ resetRedemption: true, invitedUser: { id: ids.carol } });
    expect(emu.users().find((u) => u.id === ids.carol)?.externalUserState).toBe("PendingAcceptance");

    // `up --replace`: the engine calls no diff, so the line comes from the delete half, in the update.
    expect(diagnosticsSection(r.stdout)).toEqual([
      `carol@northwind.example: replace requested → redemption reset of the same user ${ids.carol.slice(0, 8)}… (not deleted)`,
    ]);

    emu.clearRequests();
    setGuests(guests.map((g) => (g.name === "carol" ? { ...g, triggers: { rotated: "2026-11" } } : g)));
    const p = ok(await stack.preview());
    expect(diagnosticsSection(p.stdout)).toEqual([
      `carol@northwind.example: triggers change → redemption reset of the same user ${ids.carol.slice(0, 8)}… (not deleted)`,
    ]);
    r = ok(await stack.up());
    expect(r.summary).toMatchObject({ replace: 1 });
    expect(userIdOf(r, "carol")).toBe(ids.carol);
    writes = graphWrites(emu.requests());
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual(["POST /v1.0/invitations"]);
    expect(writes[0].body).toMatchObject({ resetRedemption: true, invitedUser: { id: ids.carol } });
  });

  test("6. drift: deleted guest re-invited, renamed guest set back, redemption read back", async () => {
    const admin = adminGraphClient(emu);
    await admin.api(`/users/${ids.alice}`).patch({ displayName: "Mallory" });
    await admin.api(`/users/${ids.bob}`).delete();
    await admin.api(`/directory/deletedItems/${ids.bob}`).delete(); // for good: from the recycle bin it would be restored
    emu.redeem(ids.carol);
    emu.clearRequests();

    const p = ok(await stack.preview({ refresh: true }));
    const ops = Object.fromEntries(
      p.steps.filter((s) => s.type === invitationType).map((s) => [s.urn.split("::").pop(), s.op]),
    );
    expect(ops).toMatchObject({ alice: "update", bob: "create", carol: "same" });
    expect(graphWrites(emu.requests())).toEqual([]);

    const r = ok(await stack.up({ refresh: true }));
    const guestsOut = r.outputs?.guests?.value as Record<string, { userId: string; state: string }>;
    expect(guestsOut.alice.userId).toBe(ids.alice);
    expect(emu.users().find((u) => u.id === ids.alice)?.displayName).toBe("Alice A.");
    expect(guestsOut.bob.userId).not.toBe(ids.bob);
    ids.bob = guestsOut.bob.userId;
    expect(liveUsers().filter((u) => u.mail === "bob@fabrikam.example")).toHaveLength(1);
    expect(guestsOut.carol.state).toBe("Accepted");
  });

  test("7. up --refresh with a guest removed deletes that guest only", async () => {
    emu.clearRequests();
    setGuests(guests.filter((g) => g.name !== "alice"));
    const r = ok(await stack.up({ refresh: true }));
    expect(r.summary).toMatchObject({ delete: 1 });
    const writes = graphWrites(emu.requests());
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([`DELETE /v1.0/users/${ids.alice}`]);
    expect(
      liveUsers()
        .map((u) => u.id)
        .sort(),
    ).toEqual([ids.bob, ids.carol].sort());
  });

  test("9. a run killed between the delete and the create of a replacement converges: none lost, none duplicated", async () => {
    emu.clearRequests();
    setGuests(guests.map((g) => (g.name === "bob" ? { ...g, invitedUserEmailAddress: "bob@fabrikam.net" } : g)));
    emu.setLatency(1_500);
    let pid = 0;
    const run = stack.up({ onSpawn: (p) => (pid = p) });
    // Kill the CLI, the program and the plugin once the delete half (the mail PATCH) is done.
    for (let i = 0; i < 400; i++) {
      if (requestsTo(emu.requests(), "PATCH", `/v1.0/users/${ids.bob}`).length > 0) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(requestsTo(emu.requests(), "POST", "/v1.0/invitations")).toEqual([]);
    killTree(pid);
    const killed = await run;
    expect(killed.ok).toBe(false);
    emu.setLatency(0);
    // What a pipeline does after a killed run: release the lock, then run again.
    ok(await stack.cancel());
    const r = ok(await stack.up({ refresh: true }));
    const bobs = liveUsers().filter((u) => u.mail === "bob@fabrikam.net" || u.mail?.startsWith("bob@"));
    expect(bobs.map((u) => u.id)).toEqual([ids.bob]);
    expect(userIdOf(r, "bob")).toBe(ids.bob);
    // The interrupted replacement's create found the guest by its new address, and the ownership mark
    // on the user names this stack's resource: owned, not adopted, so destroy still removes it.
    expect((r.outputs?.guests?.value as Record<string, { adopted: boolean }>).bob.adopted).toBe(false);
    const again = ok(await stack.up());
    expect(again.summary).toMatchObject({ same: 3 });
  });

  test("8. destroy: invited guests deleted, adopted kept, onDelete disable disables; a second destroy is clean", async () => {
    const daveId = await adminInvite(emu, "dave@partner.example");
    setGuests([
      ...guests,
      { name: "dave", invitedUserEmailAddress: "dave@partner.example", inviteRedirectUrl: redirect },
      { name: "frank", invitedUserEmailAddress: "frank@contoso.com", inviteRedirectUrl: redirect },
    ]);
    const r = ok(await stack.up());
    expect(userIdOf(r, "dave")).toBe(daveId);
    ids.frank = userIdOf(r, "frank");
    expect((r.outputs?.guests?.value as Record<string, { adopted: boolean }>).dave.adopted).toBe(true);

    emu.clearRequests();
    const d = ok(await stack.destroy());
    expect(d.summary).toMatchObject({ delete: 5 });
    const byId = Object.fromEntries(emu.users({ includeDeleted: true }).map((u) => [u.id, u]));
    expect(byId[ids.frank].deletedDateTime).toBeTruthy();
    expect(byId[ids.bob].deletedDateTime).toBeTruthy(); // owned again after scenario 9 (its mark)
    expect(byId[ids.carol]).toMatchObject({ deletedDateTime: null, accountEnabled: false });
    expect(byId[daveId]).toMatchObject({ deletedDateTime: null, accountEnabled: true });
    expect(
      requestsTo(emu.requests(), "DELETE", /\/users\//)
        .map((x) => x.path)
        .sort(),
    ).toEqual([`/v1.0/users/${ids.frank}`, `/v1.0/users/${ids.bob}`].sort());

    emu.clearRequests();
    const d2 = ok(await stack.destroy());
    expect(d2.summary ?? {}).not.toHaveProperty("delete");
    expect(graphWrites(emu.requests())).toEqual([]);
  });

  test("10. secrets: neither the state nor the CLI output holds the client secret, a token or a redeem link", async () => {
    const secret = emu.clientSecret;
    setGuests([{ name: "erin", invitedUserEmailAddress: "erin@contoso.com", inviteRedirectUrl: redirect }]);
    // The secret comes from stack config this time (encrypted there), not the environment.
    const env = providerEnv(emu);
    const s2 = new TestStack({
      name: "e2e-secrets",
      program: PROGRAM,
      env: { ...env, ARM_CLIENT_SECRET: "" },
      files: { "guests.json": JSON.stringify(guests) },
    });
    const r = ok(await s2.up({ secretConfig: { "entra:clientSecret": secret } }));
    const redeemLinks = emu.requests().length; // the emulator's log holds no response bodies; scan by shape instead
    expect(redeemLinks).toBeGreaterThan(0);
    const state = JSON.stringify(s2.exportState());
    const texts = [state, r.stdout, r.stderr];
    for (const t of texts) {
      expect(t).not.toContain(secret);
      expect(t).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/); // a JWT
      expect(t).not.toMatch(/redeem\?/i);
    }
    ok(await s2.destroy());
    s2.dispose();
  });
});

afterAll(() => {
  process.stdout.write(`e2e timings (ms): ${JSON.stringify(timings)}\n`);
  if (process.env.E2E_KEEP !== "1") stack?.dispose();
});

/** The lines the CLI printed under "Diagnostics:" for the stack, without their indentation. */
function diagnosticsSection(stdout: string): string[] {
  const m = /^Diagnostics:\n([\s\S]*?)\n(?:\S|$)/m.exec(stdout);
  if (!m) return [];
  return m[1]
    .split("\n")
    .filter((l) => /^ {4}\S/.test(l))
    .map((l) => l.trim());
}

function killTree(pid: number): void {
  const all = new Set<number>([pid]);
  for (let round = 0; round < 5; round++) {
    const out = execSync("ps -eo pid=,ppid=", { encoding: "utf8" });
    for (const line of out.trim().split("\n")) {
      const [p, pp] = line.trim().split(/\s+/).map(Number);
      if (all.has(pp)) all.add(p);
    }
  }
  for (const p of all) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      /* gone already */
    }
  }
}

void describeRequests;
