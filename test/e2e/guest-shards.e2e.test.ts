/**
 * The shard form of a GuestList (`form: "shards"`) through the plain CLI: the per-guest lifecycle
 * (create, an email change resets the same user, a property change in place, removal by onDelete,
 * drift on refresh), the preview's line per changed guest, the conversion per-guest → shards →
 * per-guest with 0 Graph writes, and a partial failure (the guests that succeeded are recorded, the
 * next up creates only the one that failed).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { killTree } from "../reliability/harness";
import { decodeGuest, shardOf } from "../../src/provider/shard-plan";
import { adminGraphClient, graphWrites, providerEnv, requestsTo, startEmulator, TestStack } from "../../src/testing";
import type { RunningEmulator, RunResult } from "../../src/testing";
import { AVERY, guestListProgram, guestsYaml, SAM } from "./programs";

jest.setTimeout(300_000);

const program = (form: "shards" | "invitations", shards = 4): string => guestListProgram({ form, shards });
const JO = "  - email: jo@adatum.example\n    onDelete: disable";
const KIM_ADDRESS = "kim@contoso.example";
const KIM = `  - email: ${KIM_ADDRESS}`;
/** A guest in kim's shard (of 4): a shard step in which one guest fails and another succeeds. */
const LEE_ADDRESS = Array.from({ length: 200 }, (_, i) => `lee${i}@contoso.example`).find(
  (a) => shardOf(a, 4) === shardOf(KIM_ADDRESS, 4),
)!;
const LEE = `  - email: ${LEE_ADDRESS}`;

let emu: RunningEmulator;
let stack: TestStack;

const ok = (r: RunResult): RunResult => {
  if (!r.ok) throw new Error(`${r.op} failed: ${r.error}\n${r.stdout}\n${r.stderr}`);
  return r;
};
const live = (): string[] =>
  emu
    .users()
    .filter((u) => !u.deletedDateTime && u.accountEnabled !== false)
    .map((u) => u.mail!)
    .sort();
const types = (): string[] =>
  [...new Set((stack.exportState().deployment.resources ?? []).map((r) => r.type.split(":").pop()!))].sort();
const guestsOf = (r: RunResult) =>
  r.outputs!.guests.value as Record<string, { userId: string; email: string; externalUserState: string }>;
/** Every shard's redeem links are one secret, encrypted at rest: no link in clear text in the checkpoint. */
const redeemLinksEncrypted = (): boolean =>
  (stack.exportState().deployment.resources ?? [])
    .filter((r) => r.type.endsWith(":GuestShard"))
    .every((r) => {
      const text = JSON.stringify(r.outputs?.redeemUrls);
      return text.includes("4dabf18193072939515e22adb298388d") && !text.includes("redeem");
    });
const writes = (): string[] => graphWrites(emu.requests()).map((w) => `${w.method} ${w.path}`);

beforeAll(async () => {
  emu = await startEmulator();
  stack = new TestStack({
    name: "e2e-guest-shards",
    program: program("shards"),
    env: providerEnv(emu),
    files: { "guests.yaml": guestsYaml([AVERY, SAM, JO]) },
  });
});
afterAll(async () => {
  await emu?.close();
  stack?.dispose();
});

let ids: Record<string, string> = {};

test("up invites the list into shards: one invitation per guest, outputs per guest, no Invitation resources", async () => {
  const r = ok(await stack.up());
  expect(live()).toEqual(["avery@fabrikam.com", "jo@adatum.example", "sam@northwind.example"]);
  expect(requestsTo(emu.requests(), "POST", "/v1.0/invitations")).toHaveLength(3);
  ids = Object.fromEntries(Object.entries(guestsOf(r)).map(([k, v]) => [k, v.userId]));
  expect(Object.keys(ids).sort()).toEqual(["fabrikam-lead", "jo@adatum.example", "sam@northwind.example"]);
  expect(guestsOf(r)["fabrikam-lead"]).toMatchObject({
    email: "avery@fabrikam.com",
    externalUserState: "PendingAcceptance",
  });
  expect(r.outputs!.summary.value).toEqual({ PendingAcceptance: 3 });
  expect(types()).not.toContain("Invitation");
  expect(types()).toContain("GuestShard");
  expect(redeemLinksEncrypted()).toBe(true);
  // Each guest is marked with the name its Invitation would have.
  const marks = await adminGraphClient(emu)
    .api(`/users/${ids["fabrikam-lead"]}/extensions/com.pulumi.entraInvitation`)
    .get();
  expect({ marks, diagnostics: r.diagnostics }).toMatchObject({
    marks: { resource: "partners-fabrikam-lead", stack: "e2e-guest-shards" },
  });
});

test("preview --diff shows a line per changed guest; up resets the same user for an email change and patches a name in place", async () => {
  stack.writeFile(
    "guests.yaml",
    guestsYaml([AVERY.replace("avery@fabrikam.com", "avery.lee@fabrikam.com"), SAM.replace("Sam", "Samuel"), JO]),
  );
  const p = ok(await stack.preview({ diff: true }));
  expect(p.steps.flatMap((s) => Object.keys(s.detailedDiff ?? {})).sort()).toEqual([
    'guests["fabrikam-lead"].invitedUserEmailAddress',
    'guests["sam@northwind.example"].invitedUserDisplayName',
  ]);
  expect(p.stdout).toMatch(/invitedUserDisplayName\s*:\s*"Sam"\s*=>\s*"Samuel"/);
  expect(p.stdout).toMatch(/invitedUserEmailAddress\s*:\s*"avery@fabrikam\.com"\s*=>\s*"avery\.lee@fabrikam\.com"/);
  expect(p.steps.filter((s) => /replace/.test(s.op))).toEqual([]);
  expect(p.diagnostics.map((d) => d.message).join("\n")).toMatch(
    /avery@fabrikam\.com: email change to avery\.lee@fabrikam\.com \u2192 redemption reset of the same user/,
  );
  emu.clearRequests();
  const r = ok(await stack.up());
  expect(guestsOf(r)["fabrikam-lead"]).toMatchObject({ userId: ids["fabrikam-lead"], email: "avery.lee@fabrikam.com" });
  const invitations = requestsTo(emu.requests(), "POST", "/v1.0/invitations");
  expect(invitations).toHaveLength(1);
  expect(JSON.stringify(invitations[0].body)).toContain('"resetRedemption":true');
  expect(emu.users().find((u) => u.id === ids["sam@northwind.example"])!.displayName).toBe("Samuel");
  expect(writes()).not.toContainEqual(expect.stringMatching(/^DELETE/));
});

test("removing a guest applies its onDelete (disable), once", async () => {
  stack.writeFile(
    "guests.yaml",
    guestsYaml([AVERY.replace("avery@fabrikam.com", "avery.lee@fabrikam.com"), SAM.replace("Sam", "Samuel")]),
  );
  emu.clearRequests();
  const r = ok(await stack.up());
  expect(writes()).toEqual([`PATCH /v1.0/users/${ids["jo@adatum.example"]}`]);
  expect(emu.users().find((u) => u.id === ids["jo@adatum.example"])!.accountEnabled).toBe(false);
  // The line is about the shard that held the guest (the engine lists it under that resource).
  expect(
    r.diagnostics.find((d) => d.message.includes("jo@adatum.example") && d.message.includes("sign-in blocked"))?.urn,
  ).toMatch(/GuestShard::partners-shard-\dof4$/);
  expect(Object.keys(guestsOf(r)).sort()).toEqual(["fabrikam-lead", "sam@northwind.example"]);
});

test("refresh reads each guest: drift shows as that guest's change, the next up puts it back", async () => {
  await adminGraphClient(emu).api(`/users/${ids["sam@northwind.example"]}`).patch({ displayName: "Sammy" });
  ok(await stack.refresh());
  const p = ok(await stack.preview({ diff: true }));
  expect(p.stdout).toMatch(/invitedUserDisplayName\s*:\s*"Sammy"\s*=>\s*"Samuel"/);
  emu.clearRequests();
  ok(await stack.up());
  expect(writes()).toEqual([`PATCH /v1.0/users/${ids["sam@northwind.example"]}`]);
  expect(emu.users().find((u) => u.id === ids["sam@northwind.example"])!.displayName).toBe("Samuel");
});

test("shards → per-guest → shards → another shard count → per-guest → shards: 0 Graph writes, same users, each form alone in state", async () => {
  emu.clearRequests();
  stack.setProgram(program("invitations"));
  const a = ok(await stack.up());
  expect(writes()).toEqual([]);
  expect(types()).toContain("Invitation");
  expect(types()).not.toContain("GuestShard");
  expect(guestsOf(a)["fabrikam-lead"].userId).toBe(ids["fabrikam-lead"]);
  expect(a.diagnostics.map((d) => d.message).join("\n")).toMatch(/not deleted/);
  stack.setProgram(program("shards"));
  const b = ok(await stack.up());
  expect(writes()).toEqual([]);
  expect(types()).not.toContain("Invitation");
  expect(guestsOf(b)["sam@northwind.example"].userId).toBe(ids["sam@northwind.example"]);
  expect(live()).toEqual(["avery.lee@fabrikam.com", "sam@northwind.example"]);
  // Another shard count: other shards take the guests over, the old ones go; nothing is sent either.
  stack.setProgram(program("shards", 2));
  const c = ok(await stack.up());
  expect(writes()).toEqual([]);
  expect(
    (stack.exportState().deployment.resources ?? [])
      .filter((r) => r.type.endsWith(":GuestShard"))
      .every((r) => /-shard-\dof2$/.test(r.urn)),
  ).toBe(true);
  expect(guestsOf(c)["fabrikam-lead"].userId).toBe(ids["fabrikam-lead"]);
  // And per-guest again (per-guest → shards → per-guest), then back to the suite's 4 shards.
  for (const [form, shards] of [
    ["invitations", 4],
    ["shards", 4],
  ] as const) {
    stack.setProgram(program(form, shards));
    const d = ok(await stack.up());
    expect(writes()).toEqual([]);
    expect(guestsOf(d)["sam@northwind.example"].userId).toBe(ids["sam@northwind.example"]);
  }
  expect(types()).not.toContain("Invitation");
  expect(live()).toEqual(["avery.lee@fabrikam.com", "sam@northwind.example"]);
});

test("partial failure: the guests that succeeded are recorded; the next up invites only the one that failed", async () => {
  // An internal member holds kim's address: the create of that guest is refused (a GuestList does not
  // take over a member by its address); lee's, in the same shard step, succeeds. (In another shard it
  // might not run at all: the engine starts no new step after one failed.)
  const member = emu.addUser({
    displayName: "Kim (member)",
    mail: KIM_ADDRESS,
    userPrincipalName: KIM_ADDRESS,
    userType: "Member",
  });
  stack.writeFile(
    "guests.yaml",
    guestsYaml([AVERY.replace("avery@fabrikam.com", "avery.lee@fabrikam.com"), SAM.replace("Sam", "Samuel"), KIM, LEE]),
  );
  emu.clearRequests();
  const r = await stack.up();
  expect(r.ok).toBe(false);
  expect(`${r.stdout}\n${r.stderr}`).toMatch(/guest 'kim@contoso\.example'.*belongs to a member of this tenant/);
  const recorded = (stack.exportState().deployment.resources ?? [])
    .filter((x) => x.type.endsWith(":GuestShard"))
    .flatMap((x) => Object.keys((x.outputs?.guests ?? {}) as object));
  expect(recorded).toContain(LEE_ADDRESS);
  expect(recorded).not.toContain(KIM_ADDRESS);
  expect(redeemLinksEncrypted()).toBe(true);
  expect(requestsTo(emu.requests(), "POST", "/v1.0/invitations")).toHaveLength(1);
  // The fix: the member's address is taken off; the next up invites kim only (lee is not invited again).
  await adminGraphClient(emu).api(`/users/${member.id}`).delete();
  await adminGraphClient(emu).api(`/directory/deletedItems/${member.id}`).delete();
  emu.clearRequests();
  const again = ok(await stack.up());
  const invited = requestsTo(emu.requests(), "POST", "/v1.0/invitations");
  expect(invited.map((i) => (i.body as { invitedUserEmailAddress: string }).invitedUserEmailAddress)).toEqual([
    KIM_ADDRESS,
  ]);
  expect(emu.users().filter((u) => u.mail === LEE_ADDRESS)).toHaveLength(1);
  expect(Object.keys(guestsOf(again)).sort()).toEqual(
    ["fabrikam-lead", KIM_ADDRESS, LEE_ADDRESS, "sam@northwind.example"].sort(),
  );
});

test("a kill in the middle of a shard step converges: the rerun finds the guests already invited by their marks, no duplicate", async () => {
  const base = [AVERY.replace("avery@fabrikam.com", "avery.lee@fabrikam.com"), SAM.replace("Sam", "Samuel"), KIM, LEE];
  const added = Array.from({ length: 6 }, (_, i) => `new${i}@woodgrove.example`);
  stack.writeFile("guests.yaml", guestsYaml([...base, ...added.map((a) => `  - email: ${a}`)]));
  emu.clearRequests();
  emu.setLatency(1_500);
  let pid = 0;
  const run = stack.up({ onSpawn: (p) => (pid = p) });
  for (let i = 0; i < 600 && requestsTo(emu.requests(), "POST", "/v1.0/invitations").length === 0; i++)
    await new Promise((res) => setTimeout(res, 50));
  expect(requestsTo(emu.requests(), "POST", "/v1.0/invitations").length).toBeGreaterThan(0);
  killTree(pid);
  expect((await run).ok).toBe(false);
  emu.setLatency(0);
  ok(await stack.cancel());
  const r = ok(await stack.up());
  for (const a of added) expect(emu.users().filter((u) => u.mail === a)).toHaveLength(1);
  const out = guestsOf(r);
  for (const a of added) expect(out[a]?.userId).toBe(emu.users().find((u) => u.mail === a)!.id);
  expect(ok(await stack.up()).summary).not.toHaveProperty("update");
});

test("a shard state written before the state was cut (every guest an object with every field, inputs with their defaults) is read as it is: no change, 0 Graph writes, same outputs", async () => {
  const before = guestsOf(ok(await stack.up()));
  // Rewrite the state file as main's shard form wrote it: each guest an object (not one string) with
  // the inputs' defaults, `adopted: false` and `externalUserStateChangeDateTime`, and each guest's
  // inputs with the defaults `check` filled in (the redeem links stay as they are: an encrypted secret
  // cannot be rewritten here; the plain map of old is read by unpackRedeemUrls, unit-tested).
  const file = path.join(stack.stateDir, ".pulumi", "stacks", stack.stackName, `${stack.stackName}.json`);
  const doc = JSON.parse(fs.readFileSync(file, "utf8")) as {
    checkpoint: {
      latest: {
        resources: {
          type: string;
          inputs?: { guests?: Record<string, Record<string, unknown>> };
          outputs?: { guests?: Record<string, unknown> };
        }[];
      };
    };
  };
  let rewritten = 0;
  for (const r of doc.checkpoint.latest.resources) {
    if (!r.type.endsWith(":GuestShard")) continue;
    for (const [name, stored] of Object.entries(r.outputs?.guests ?? {})) {
      const g = decodeGuest(stored)!;
      r.outputs!.guests![name] = {
        ...g,
        invitedUserType: "Guest",
        sendInvitationMessage: false,
        adopted: g.adopted === true,
        externalUserStateChangeDateTime: null,
      };
      rewritten++;
    }
    for (const g of Object.values(r.inputs?.guests ?? {}))
      Object.assign(g, {
        invitedUserType: g.invitedUserType ?? "Guest",
        sendInvitationMessage: g.sendInvitationMessage ?? false,
      });
  }
  expect(rewritten).toBeGreaterThan(0);
  fs.writeFileSync(file, JSON.stringify(doc, null, 4));
  emu.clearRequests();
  const p = ok(await stack.preview({ diff: true }));
  expect(p.steps.filter((s) => s.op !== "same")).toEqual([]);
  const r = ok(await stack.up());
  expect(writes()).toEqual([]);
  expect(guestsOf(r)).toEqual(before);
  ok(await stack.refresh());
  expect(writes()).toEqual([]);
});
