/**
 * Issue 17, item 2, through the plain Pulumi CLI against the aligned emulator (open-extension PATCH
 * replaces; invitations match UPN, mail, proxyAddresses, otherMails; invitedUser converts a member):
 * - after an `onDelete` change and a lost state, the guest is still found as owned by
 *   `entra-guests orphans` (the installed bin) and by the next `up`;
 * - a guest whose address is only in `proxyAddresses` or its UPN is adopted and survives `destroy`;
 * - `invitedUser` naming a member with `resetRedemption` is refused with 0 writes, and accepted with
 *   `convertInternalUserToB2b: true`.
 * (A reminder sends no `invitedUser`: reminders.e2e.test.ts.) Writes are counted from the emulator's log.
 */
import { spawn } from "node:child_process";
import { acceptedGuest, graphWrites, providerEnv, requestsTo, startEmulator, TestStack } from "../../src/testing";
import type { RunningEmulator, RunResult } from "../../src/testing";
import { GUEST_LIST_PROGRAM, INVITATION, redirect } from "./programs";
import { entraGuestsBin } from "./summarize-bin";

jest.setTimeout(600_000);

let emu: RunningEmulator;
const stacks: TestStack[] = [];

const ok = (r: RunResult): RunResult => {
  if (!r.ok) throw new Error(`${r.op} failed: ${r.error}\n${r.stdout}\n${r.stderr}`);
  return r;
};

function newStack(name: string, program: string, files: Record<string, string>): TestStack {
  const s = new TestStack({ name, program, env: providerEnv(emu), files });
  stacks.push(s);
  return s;
}

/** The Invitation resources in state: logical name → id and `adopted`. */
function invitationsInState(s: TestStack): Record<string, { id?: string; adopted?: unknown }> {
  const out: Record<string, { id?: string; adopted?: unknown }> = {};
  for (const r of s.exportState().deployment.resources ?? [])
    if (r.type === INVITATION) out[r.urn.split("::").pop()!] = { id: r.id, adopted: r.outputs?.adopted };
  return out;
}

/** `entra-guests orphans --stack NAME --project NAME --json` in the stack's folder, as a pipeline runs it. */
function orphans(s: TestStack): Promise<{ orphans: { id: string; resource: string; onDelete: string }[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(entraGuestsBin(), ["orphans", "--stack", s.stackName, "--project", s.stackName, "--json"], {
      cwd: s.dir,
      env: s.environment(providerEnv(emu)),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`entra-guests orphans exited ${code}: ${stderr}`)),
    );
  });
}

/** `pulumi stack rm --force` and `stack init`: the state is lost, the tenant keeps the guests. */
async function loseState(s: TestStack): Promise<void> {
  const run = (args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn("pulumi", [...args, "--non-interactive"], {
        cwd: s.dir,
        env: s.environment(),
        stdio: "ignore",
      });
      child.on("error", reject);
      child.on("close", (code) =>
        code === 0 ? resolve() : reject(new Error(`pulumi ${args.join(" ")} exited ${code}`)),
      );
    });
  await run(["stack", "rm", "--force", "--yes", "--stack", s.stackName]);
  await run(["stack", "init", s.stackName]);
}

beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu?.close();
  for (const s of stacks) s.dispose();
});

test("after an onDelete change and a lost state the guest is still owned: orphans lists it with the new onDelete, the next up takes it back without a write", async () => {
  const stack = newStack("e2e-safety-marks", GUEST_LIST_PROGRAM, {
    "guests.yaml": "guests:\n  - email: ola@owned.example\n",
  });
  ok(await stack.up());
  const id = invitationsInState(stack)["partners-ola@owned.example"].id!;
  emu.clearRequests();
  stack.writeFile("guests.yaml", "guests:\n  - email: ola@owned.example\n    onDelete: disable\n");
  ok(await stack.up());
  const markPatches = requestsTo(emu.requests(), "PATCH", /\/extensions\//);
  expect(markPatches.map((r) => r.body)).toEqual([
    {
      "@odata.type": "microsoft.graph.openTypeExtension",
      extensionName: "com.pulumi.entraInvitation",
      version: 1,
      project: "e2e-safety-marks",
      stack: "e2e-safety-marks",
      resource: "partners-ola@owned.example",
      onDelete: "disable",
    },
  ]);

  await loseState(stack);
  expect((await orphans(stack)).orphans.map((o) => ({ id: o.id, resource: o.resource, onDelete: o.onDelete }))).toEqual(
    [{ id, resource: "partners-ola@owned.example", onDelete: "disable" }],
  );

  emu.clearRequests();
  const again = ok(await stack.up());
  expect(again.summary).toMatchObject({ create: 3 }); // the stack, the GuestList, the Invitation
  expect(invitationsInState(stack)["partners-ola@owned.example"]).toEqual({ id, adopted: false });
  expect(graphWrites(emu.requests())).toEqual([]);
  expect((await orphans(stack)).orphans).toEqual([]);
});

test("guests whose address is only in proxyAddresses or their UPN are adopted (no invitation) and survive destroy", async () => {
  const proxy = emu.addUser(
    acceptedGuest({
      displayName: "Pia",
      mail: "pia@elsewhere.example",
      proxyAddresses: ["SMTP:pia@elsewhere.example", "smtp:pia@partner.example"],
    }),
  );
  const upn = emu.addUser(
    acceptedGuest({
      displayName: "Uma",
      userPrincipalName: "uma@partner.example",
      userType: "Guest",
      mail: null,
      proxyAddresses: [],
    }),
  );
  const stack = newStack("e2e-safety-adopt", GUEST_LIST_PROGRAM, {
    "guests.yaml": "guests:\n  - email: pia@partner.example\n  - email: uma@partner.example\n",
  });
  emu.clearRequests();
  ok(await stack.up());
  expect(invitationsInState(stack)).toEqual({
    "partners-pia@partner.example": { id: proxy.id, adopted: true },
    "partners-uma@partner.example": { id: upn.id, adopted: true },
  });
  expect(graphWrites(emu.requests())).toEqual([]);

  emu.clearRequests();
  ok(await stack.destroy());
  expect(graphWrites(emu.requests())).toEqual([]);
  const live = emu.users().map((u) => u.id);
  expect(live).toEqual(expect.arrayContaining([proxy.id, upn.id]));
});

test("invitedUser naming a member with resetRedemption: refused with 0 writes; accepted with convertInternalUserToB2b", async () => {
  const member = emu.addUser({
    displayName: "Mo",
    userPrincipalName: "mo@contoso.example",
    mail: "mo@contoso.example",
  });
  const program = `
import * as fs from "fs";
import * as path from "path";
import { Invitation, InvitationArgs } from "pulumi-entra-invitation";

const args: InvitationArgs = JSON.parse(fs.readFileSync(path.join(__dirname, "guest.json"), "utf8"));
export const userId = new Invitation("mo", args).userId;
`;
  const args = {
    invitedUserEmailAddress: "mo@contoso.example",
    inviteRedirectUrl: redirect,
    invitedUser: member.id,
    resetRedemption: true,
  };
  const stack = newStack("e2e-safety-member", program, { "guest.json": JSON.stringify(args) });
  emu.clearRequests();
  const refused = await stack.up();
  expect(refused.ok).toBe(false);
  expect(refused.stdout + refused.stderr).toContain(
    `the redemption reset of user ${member.id} (mo@contoso.example) refused before any change`,
  );
  expect(graphWrites(emu.requests())).toEqual([]);
  expect(emu.users().find((u) => u.id === member.id)).toMatchObject({ externalUserState: null, userType: "Member" });

  stack.writeFile("guest.json", JSON.stringify({ ...args, convertInternalUserToB2b: true }));
  emu.clearRequests();
  const r = ok(await stack.up());
  expect(r.outputs?.userId?.value).toBe(member.id);
  const writes = graphWrites(emu.requests());
  expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual(["POST /v1.0/invitations"]);
  expect(writes[0].body).toMatchObject({
    invitedUser: { id: member.id },
    invitedUserEmailAddress: "mo@contoso.example",
  });
  expect(writes[0].body).not.toHaveProperty("resetRedemption");
  expect(emu.users().find((u) => u.id === member.id)).toMatchObject({ externalUserState: "PendingAcceptance" });
});
