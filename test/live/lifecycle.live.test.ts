/**
 * `npm run test:live`: the provider's lifecycle against a real tenant, through the plain Pulumi CLI
 * (the test kit's TestStack, as the e2e suites run it against the emulator): invite (no email
 * sent), update, an email change (a redemption reset of the same user), drift, adoption of an
 * existing guest, marks after an onDelete change and a lost state, `entra-guests orphans` and
 * `export`, and destroy by each onDelete. Every user carries the run id (./run.ts); afterAll deletes
 * all of them whatever failed. Runs only through scripts/live.js, never in `npm test`.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { readMark } from "../../src/provider/mark";
import { RunResult, TestStack } from "../../src/testing";
import { cleanupRun, liveRun } from "./graph";
import { recordAnswer } from "./observe";
import { runAddress, runDisplayName, targetEnv } from "./run";
import { runCliCaptured } from "../cli/run-cli";

jest.setTimeout(1_800_000);

const { target, runId, graph, secrets, cloud } = liveRun();
const REDIRECT = "https://myapps.microsoft.com";
const NAME = `${runId}-life`;

const PROGRAM = `
import * as fs from "fs";
import * as path from "path";
import { Invitation, InvitationArgs } from "pulumi-entra-invitation";

const guests: Record<string, InvitationArgs> = JSON.parse(fs.readFileSync(path.join(__dirname, "guests.json"), "utf8"));
const made = Object.entries(guests).map(([key, args]) => [key, new Invitation(key, args)] as const);
export const ids = Object.fromEntries(made.map(([key, inv]) => [key, inv.userId]));
export const adopted = Object.fromEntries(made.map(([key, inv]) => [key, inv.adopted]));
`;

type Guest = { email: string; onDelete?: "delete" | "disable" | "retain"; displayName?: string; companyName?: string };
let stack: TestStack;

function guestsJson(gs: Record<string, Guest>): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.entries(gs).map(([k, g]) => [
        k,
        {
          invitedUserEmailAddress: g.email,
          invitedUserDisplayName: g.displayName ?? runDisplayName(runId, k),
          inviteRedirectUrl: REDIRECT,
          sendInvitationMessage: false,
          ...(g.onDelete ? { onDelete: g.onDelete } : {}),
          ...(g.companyName ? { userProperties: { companyName: g.companyName } } : {}),
        },
      ]),
    ),
    null,
    2,
  );
}

function ok(r: RunResult): RunResult {
  if (!r.ok) throw new Error(`${r.op} failed: ${r.error}`);
  return r;
}

const ids = (r: RunResult): Record<string, string> => (r.outputs?.ids?.value ?? {}) as Record<string, string>;
const adoptedOf = (r: RunResult): Record<string, boolean> =>
  (r.outputs?.adopted?.value ?? {}) as Record<string, boolean>;

async function user(id: string): Promise<Record<string, unknown> | undefined> {
  const r = await graph(
    "GET",
    `/users/${id}?$select=id,mail,displayName,companyName,accountEnabled,userType,externalUserState&$expand=extensions`,
  );
  return r.status === 200 ? (r.body as Record<string, unknown>) : undefined;
}

/** Waits for a just-changed user to read back as `want` (replication lag), at most 2 minutes. */
async function settled(
  id: string,
  want: (u: Record<string, unknown> | undefined) => boolean,
): Promise<Record<string, unknown> | undefined> {
  const start = Date.now();
  let u = await user(id);
  while (!want(u) && Date.now() - start < 120_000) {
    await new Promise((r) => setTimeout(r, 1000));
    u = await user(id);
  }
  return u;
}

const addr = (role: string): string => runAddress(runId, role, target.domain);
const guests: Record<string, Guest> = {
  owner: { email: addr("owner"), onDelete: "delete" },
  disabler: { email: addr("disabler"), onDelete: "disable" },
  keeper: { email: addr("keeper"), onDelete: "retain" },
  switcher: { email: addr("switcher"), onDelete: "retain" },
};
const userIds: Record<string, string> = {};

beforeAll(() => {
  stack = new TestStack({
    name: NAME,
    program: PROGRAM,
    env: targetEnv(target),
    files: { "guests.json": guestsJson(guests) },
  });
});

afterAll(async () => {
  try {
    if (stack) await stack.destroy();
  } finally {
    const report = await cleanupRun(target, runId);
    process.stdout.write(
      `live: cleanup of ${runId}: ${report.deleted.length} deleted, ${report.gone.length} already gone, ${report.failed.length} failed\n`,
    );
    stack?.dispose();
  }
});

test("invite: one create per guest, no email, each user a guest carrying the stack's mark", async () => {
  const r = ok(await stack.up());
  expect(r.summary).toMatchObject({ create: 5 }); // the stack and four invitations
  Object.assign(userIds, ids(r));
  for (const [key, id] of Object.entries(userIds)) {
    const u = await settled(id, (x) => !!x);
    expect(u).toMatchObject({ userType: "Guest", mail: guests[key].email });
    expect(readMark(u?.extensions as Record<string, unknown>[])).toMatchObject({
      project: NAME,
      stack: NAME,
      resource: key,
      onDelete: guests[key].onDelete,
    });
  }
  expect(Object.values(adoptedOf(r))).toEqual([false, false, false, false]);
});

test("update: a display name and a user property, in place", async () => {
  guests.owner.displayName = runDisplayName(runId, "owner renamed");
  guests.owner.companyName = "entra-live";
  stack.writeFile("guests.json", guestsJson(guests));
  const r = ok(await stack.up());
  expect(r.summary).toMatchObject({ update: 1 });
  const u = await settled(
    userIds.owner,
    (x) => x?.displayName === guests.owner.displayName && x?.companyName === "entra-live",
  );
  expect(u).toMatchObject({ displayName: guests.owner.displayName, companyName: "entra-live" });
});

test("email change: the same user, its mail changed and its redemption reset", async () => {
  guests.owner.email = addr("owner2");
  stack.writeFile("guests.json", guestsJson(guests));
  const r = await stack.up();
  recordAnswer(
    "08-reset-through-the-provider",
    {
      via: "the provider's email change (mail PATCH, then invitedUser + resetRedemption) of a guest who has not redeemed",
      upOk: r.ok,
      error: r.ok ? undefined : r.error?.slice(-1500),
    },
    { secrets, cloud },
  );
  ok(r);
  expect(ids(r).owner).toBe(userIds.owner);
  expect(await settled(userIds.owner, (x) => x?.mail === guests.owner.email)).toMatchObject({
    mail: guests.owner.email,
  });
});

test("drift: a display name changed in Entra is seen by refresh and set back", async () => {
  const patch = await graph("PATCH", `/users/${userIds.keeper}`, { displayName: `${runId} changed by hand` });
  expect(patch.status).toBe(204);
  await settled(userIds.keeper, (x) => x?.displayName === `${runId} changed by hand`);
  const p = ok(await stack.preview({ refresh: true }));
  expect(p.steps.filter((s) => s.op === "update").map((s) => s.urn)).toEqual([
    stack.urn("pulumi-nodejs:dynamic/entra:Invitation", "keeper"),
  ]);
  ok(await stack.up({ refresh: true }));
  expect(await settled(userIds.keeper, (x) => x?.displayName === runDisplayName(runId, "keeper"))).toMatchObject({
    displayName: runDisplayName(runId, "keeper"),
  });
});

test("adoption: a guest invited before the stack is adopted (no mark, nothing sent) and kept on destroy", async () => {
  const existing = await graph("POST", "/invitations", {
    invitedUserEmailAddress: addr("adoptee"),
    invitedUserDisplayName: runDisplayName(runId, "adoptee"),
    inviteRedirectUrl: REDIRECT,
    sendInvitationMessage: false,
  });
  expect(existing.status).toBe(201);
  const id = (existing.body as { invitedUser: { id: string } }).invitedUser.id;
  await settled(id, (x) => !!x);
  // No onDelete: an adopted guest is retained by default (an explicit onDelete would apply to it).
  guests.adoptee = { email: addr("adoptee") };
  stack.writeFile("guests.json", guestsJson(guests));
  const r = ok(await stack.up());
  expect(ids(r).adoptee).toBe(id);
  expect(adoptedOf(r).adoptee).toBe(true);
  userIds.adoptee = id;
  expect(readMark((await user(id))?.extensions as Record<string, unknown>[])).toBeUndefined();
});

test("marks after an onDelete change and a lost state: orphans finds them, the next up takes them back as owned", async () => {
  guests.switcher.onDelete = "delete";
  stack.writeFile("guests.json", guestsJson(guests));
  ok(await stack.up());
  const mark = readMark(
    (
      await settled(
        userIds.switcher,
        (x) => readMark(x?.extensions as Record<string, unknown>[])?.onDelete === "delete",
      )
    )?.extensions as Record<string, unknown>[],
  );
  expect(mark).toEqual({ version: 1, project: NAME, stack: NAME, resource: "switcher", onDelete: "delete" });

  const env = stack.environment(targetEnv(target));
  const rm = spawnSync("pulumi", ["stack", "rm", "--force", "--yes", "--stack", NAME, "--non-interactive"], {
    cwd: stack.dir,
    env,
    encoding: "utf8",
  });
  expect(rm.status).toBe(0);
  // The state is lost: orphans gets the export of an empty state, and the stack by name.
  const empty = path.join(stack.dir, "empty-state.json");
  fs.writeFileSync(empty, JSON.stringify({ version: 3, deployment: { manifest: {} } }));
  const listed = await runCliCaptured(
    ["orphans", "--stack", NAME, "--project", NAME, "--file", empty, "--json"],
    env,
    stack.dir,
  );
  expect(listed.code).toBe(0);
  const found = (JSON.parse(listed.stdout) as { orphans: { id: string; resource: string; onDelete: string }[] })
    .orphans;
  expect(Object.fromEntries(found.map((o) => [o.resource, o.onDelete]))).toEqual({
    owner: "delete",
    disabler: "disable",
    keeper: "retain",
    switcher: "delete",
  });

  const again = ok(await stack.up());
  expect(ids(again)).toEqual(userIds);
  expect(adoptedOf(again)).toEqual({ owner: false, disabler: false, keeper: false, switcher: false, adoptee: true });
});

test("export: the run's guests are in the file entra-guests export writes", async () => {
  const out = path.join(stack.dir, "exported.yaml");
  const r = await runCliCaptured(
    ["export", "--domain", target.domain, "--out", out],
    { ...process.env, ...targetEnv(target) },
    stack.dir,
  );
  expect(r.code).toBe(0);
  const text = fs.readFileSync(out, "utf8");
  for (const g of Object.values(guests)) expect(text).toContain(g.email);
});

test("destroy by each onDelete: delete soft-deletes, disable disables, retain and adopted keep", async () => {
  ok(await stack.destroy());
  expect(await settled(userIds.owner, (x) => !x)).toBeUndefined();
  expect(await settled(userIds.switcher, (x) => !x)).toBeUndefined();
  expect((await graph("GET", `/directory/deletedItems/${userIds.owner}`)).status).toBe(200);
  expect(await settled(userIds.disabler, (x) => x?.accountEnabled === false)).toMatchObject({ accountEnabled: false });
  expect(await user(userIds.keeper)).toMatchObject({ accountEnabled: true });
  expect(await user(userIds.adoptee)).toMatchObject({ accountEnabled: true });
});
