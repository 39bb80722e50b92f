/**
 * Taking over an existing tenant with the real engine (issue 12): adoption sends nothing, ownership
 * marks, orphans, two stacks declaring one guest. Each step asserts what Pulumi did (steps, summary,
 * diagnostics, state) and what Graph saw (the emulator's request log).
 *
 * 1. A tenant with 20 guests invited before the stack (8 accepted, one Member, one disabled), written
 *    as a guest list by `entra-guests export` (the installed package's bin) and declared with
 *    `sendInvitationMessage: true`: `pulumi up` of that file sends no invitation and marks none
 *    (adopted); a second `up` changes nothing; `destroy` retains them all.
 * 2. Guests the stack invited carry its mark. One dropped with `pulumi state delete`, then the whole
 *    state lost (`pulumi stack rm --force`): orphans lists exactly those; the next `up` finds them
 *    owned (not adopted, nothing sent); `destroy` applies their onDelete.
 * 3. A second stack declaring a guest of the first: adopted, with a warning naming the first stack.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { resolveSettings, schedulerFor } from "../../src/graph";
import { ExtensionClient } from "../../src/graph/extensions";
import {
  findOrphans,
  heldIds,
  listMarkedGuests,
  parseStackExport,
  resolveStack,
} from "../../src/cli/commands/orphans/orphans";
import { adminGraphClient, graphWrites, providerEnv, requestsTo, startEmulator, TestStack } from "../../src/testing";
import type { RunningEmulator, RunResult } from "../../src/testing";

import { INVITING_GUEST_LIST_PROGRAM, INVITATION, redirect } from "./programs";

jest.setTimeout(600_000);

const MARK = "com.pulumi.entraInvitation";
const PASSPHRASE = "adoption e2e passphrase";

const PROGRAM = INVITING_GUEST_LIST_PROGRAM;

interface Entry {
  key: string;
  email: string;
  displayName?: string;
  userType?: "Guest" | "Member";
  onDelete?: string;
}
const yaml = (entries: Entry[]): string =>
  `guests:\n${entries.map((e) => [`  - key: ${e.key}`, `    email: ${e.email}`, ...(["displayName", "userType", "onDelete"] as const).filter((k) => e[k]).map((k) => `    ${k}: ${e[k]}`)].join("\n")).join("\n")}\n`;

let emu: RunningEmulator;
const stacks: TestStack[] = [];

const ok = (r: RunResult): RunResult => {
  if (!r.ok) throw new Error(`${r.op} failed: ${r.error}\n${r.stdout}\n${r.stderr}`);
  return r;
};

function newStack(name: string, entries: Entry[] | string): TestStack {
  const file = typeof entries === "string" ? entries : yaml(entries);
  const s = new TestStack({
    name,
    program: PROGRAM,
    env: { ...providerEnv(emu), PULUMI_CONFIG_PASSPHRASE: PASSPHRASE },
    files: { "guests.yaml": file },
  });
  stacks.push(s);
  return s;
}

/** The plain CLI on a test stack's backend (what TestStack runs operations with). */
function cli(s: TestStack, args: string[]): string {
  const env = {
    ...process.env,
    ...providerEnv(emu),
    PULUMI_BACKEND_URL: `file://${s.stateDir}`,
    PULUMI_HOME: path.join(s.stateDir, "home"),
    PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
  const r = spawnSync("pulumi", [...args, "--non-interactive"], { cwd: s.dir, env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** The Invitation resources in state, by logical name. */
function invitationsInState(s: TestStack): Record<string, { id?: string; outputs: Record<string, unknown> }> {
  const out: Record<string, { id?: string; outputs: Record<string, unknown> }> = {};
  for (const r of s.exportState().deployment.resources ?? [])
    if (r.type === INVITATION) out[r.urn.split("::").pop()!] = { id: r.id, outputs: r.outputs ?? {} };
  return out;
}

/** `entra-guests orphans` as a module: the stack's export, its identity, the tenant's marks. */
async function orphansOf(s: TestStack, project?: string): Promise<string[]> {
  const state = parseStackExport(cli(s, ["stack", "export", "--stack", s.stackName]));
  const stack = resolveStack({ fromState: state.stack, stackFlag: s.stackName, projectFlag: project });
  const x = new ExtensionClient(schedulerFor(resolveSettings(() => undefined, providerEnv(emu))));
  return findOrphans(await listMarkedGuests(x, stack), heldIds(state.resources)).map((o) => o.mark.resource);
}

async function markOf(id: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await adminGraphClient(emu).api(`/users/${id}/extensions/${MARK}`).get()) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const live = (): ReturnType<RunningEmulator["users"]> => emu.users().filter((u) => !u.deletedDateTime);

beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu?.close();
  for (const s of stacks) s.dispose();
});

describe("1. adopting an existing tenant sends nothing", () => {
  const entries: Entry[] = [];
  const ids: Record<string, string> = {};
  let stack: TestStack;

  /** The exported entry's key, by the short name the test gave the guest. */
  const keyOf: Record<string, string> = {};

  test("20 guests invited before the stack (8 accepted, one Member, one disabled), exported with entra-guests export", async () => {
    const admin = adminGraphClient(emu);
    for (let i = 1; i <= 20; i++) {
      const key = `g${String(i).padStart(2, "0")}`;
      const email = `${key}@partner${i % 3}.example`;
      const member = i === 3;
      const inv = (await admin.api("/invitations").post({
        invitedUserEmailAddress: email,
        inviteRedirectUrl: redirect,
        invitedUserDisplayName: `Guest ${i}`,
        ...(member ? { invitedUserType: "Member" } : {}),
      })) as { invitedUser: { id: string } };
      ids[key] = inv.invitedUser.id;
      if (i <= 8) emu.redeem(ids[key]);
      if (i === 20) await admin.api(`/users/${ids[key]}`).patch({ accountEnabled: false });
      entries.push({ key, email, displayName: `Guest ${i}`, ...(member ? { userType: "Member" as const } : {}) });
    }
    expect(live()).toHaveLength(20);

    // The user's way: the installed package's bin writes the tenant's guests as a guest-list file.
    const pkgDir = process.env.ENTRA_E2E_PACKAGE_DIR!;
    const out = path.join(pkgDir, "adopt-export.yaml");
    // Asynchronous: the emulator answers from this process.
    const exp = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(path.join(pkgDir, "node_modules", ".bin", "entra-guests"), ["export", "--out", out], {
        env: { ...process.env, ...providerEnv(emu) },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("close", (code) => resolve({ code, stderr }));
    });
    if (exp.code !== 0) throw new Error(`entra-guests export exited ${exp.code}: ${exp.stderr}`);
    const text = fs.readFileSync(out, "utf8");
    fs.rmSync(out);
    const exported = (
      parse(text) as { guests: { key: string; email: string; displayName?: string; userType?: string }[] }
    ).guests;
    expect(exported.map((g) => g.email).sort()).toEqual(entries.map((e) => e.email).sort());
    for (const e of entries) {
      const g = exported.find((x) => x.email === e.email)!;
      expect({ displayName: g.displayName, userType: g.userType }).toEqual({
        displayName: e.displayName,
        userType: e.userType,
      });
      keyOf[e.key] = g.key;
    }
    expect(text).toMatch(/Accepted/);
    stack = newStack("e2e-adopt", text);
  });

  test("preview shows a create per guest and sends nothing", async () => {
    emu.clearRequests();
    const p = ok(await stack.preview());
    expect(p.steps.filter((s) => s.type === INVITATION).map((s) => s.op)).toEqual(Array(20).fill("create"));
    expect(graphWrites(emu.requests())).toEqual([]);
  });

  test("up: 0 invitations, 0 marks, 0 writes; every guest adopted, same object ids, no redeem URL", async () => {
    emu.clearRequests();
    const r = ok(await stack.up());
    expect(r.summary).toMatchObject({ create: 22 }); // the stack, the list and its 20 guests
    expect(requestsTo(emu.requests(), "POST", "/v1.0/invitations")).toEqual([]);
    expect(requestsTo(emu.requests(), "POST", /\/extensions$/)).toEqual([]);
    expect(graphWrites(emu.requests())).toEqual([]);
    const state = invitationsInState(stack);
    expect(Object.keys(state)).toHaveLength(20);
    for (const e of entries) {
      const s = state[`guests-${keyOf[e.key]}`];
      expect({ key: e.key, id: s.id, adopted: s.outputs.adopted, redeem: s.outputs.inviteRedeemUrl }).toEqual({
        key: e.key,
        id: ids[e.key],
        adopted: true,
        redeem: undefined,
      });
    }
    expect(state[`guests-${keyOf.g01}`].outputs.externalUserState).toBe("Accepted");
    expect(state[`guests-${keyOf.g12}`].outputs.externalUserState).toBe("PendingAcceptance");
    for (const id of [ids.g01, ids.g03, ids.g20]) expect(await markOf(id)).toBeUndefined();
    // The disabled guest is adopted as it is, and the engine shows why it stays disabled.
    expect(r.diagnostics).toContainEqual(
      expect.objectContaining({
        severity: "warning",
        message: expect.stringContaining(`g20@partner2.example (${ids.g20}) is disabled`),
      }),
    );
    expect(live().find((u) => u.id === ids.g20)?.accountEnabled).toBe(false);
  });

  test("a second up changes nothing", async () => {
    emu.clearRequests();
    const r = ok(await stack.up());
    expect(Object.keys(r.summary ?? {})).toEqual(["same"]);
    expect(graphWrites(emu.requests())).toEqual([]);
  });

  test("destroy retains them all", async () => {
    emu.clearRequests();
    const d = ok(await stack.destroy());
    expect(d.summary).toMatchObject({ delete: 22 });
    expect(graphWrites(emu.requests())).toEqual([]);
    expect(
      live()
        .map((u) => u.id)
        .sort(),
    ).toEqual(Object.values(ids).sort());
  });
});

describe("2. ownership marks and orphans", () => {
  let stack: TestStack;
  const entries: Entry[] = [
    { key: "o1", email: "o1@owned.example" },
    { key: "o2", email: "o2@owned.example", onDelete: "disable" },
    { key: "o3", email: "o3@owned.example" },
  ];
  let ids: Record<string, string> = {};

  test("up invites and marks each new guest with project, stack, resource name and onDelete", async () => {
    stack = newStack("e2e-own", entries);
    emu.clearRequests();
    ok(await stack.up());
    expect(requestsTo(emu.requests(), "POST", "/v1.0/invitations")).toHaveLength(3);
    const state = invitationsInState(stack);
    ids = Object.fromEntries(entries.map((e) => [e.key, state[`guests-${e.key}`].id!]));
    for (const e of entries) {
      expect(state[`guests-${e.key}`].outputs.adopted).toBe(false);
      expect(await markOf(ids[e.key])).toEqual({
        "@odata.context": expect.any(String),
        "@odata.type": "#microsoft.graph.openTypeExtension",
        extensionName: MARK,
        id: MARK,
        version: 1,
        project: "e2e-own",
        stack: "e2e-own",
        resource: `guests-${e.key}`,
        onDelete: e.onDelete ?? "delete",
      });
    }
    expect(await orphansOf(stack)).toEqual([]);
  });

  test("a resource dropped with pulumi state delete: orphans lists exactly that guest", async () => {
    const urn = (stack.exportState().deployment.resources ?? []).find(
      (r) => r.type === INVITATION && r.urn.endsWith("::guests-o3"),
    )!.urn;
    cli(stack, ["state", "delete", urn, "--stack", stack.stackName, "--yes"]);
    expect(Object.keys(invitationsInState(stack)).sort()).toEqual(["guests-o1", "guests-o2"]);
    expect(await orphansOf(stack)).toEqual(["guests-o3"]);
  });

  test("the whole state lost: orphans lists them all (the stack named by --stack and its project)", async () => {
    cli(stack, ["stack", "rm", "--force", "--yes", "--stack", stack.stackName]);
    cli(stack, ["stack", "init", stack.stackName]);
    await expect(orphansOf(stack)).rejects.toThrow(/give --stack NAME and --project NAME/);
    expect(await orphansOf(stack, "e2e-own")).toEqual(["guests-o1", "guests-o2", "guests-o3"]);
  });

  test("the next up finds them owned, not adopted: nothing invited, nothing marked again", async () => {
    emu.clearRequests();
    const r = ok(await stack.up());
    expect(r.summary).toMatchObject({ create: 5 });
    expect(graphWrites(emu.requests())).toEqual([]);
    const state = invitationsInState(stack);
    for (const e of entries)
      expect({
        key: e.key,
        id: state[`guests-${e.key}`].id,
        adopted: state[`guests-${e.key}`].outputs.adopted,
      }).toEqual({ key: e.key, id: ids[e.key], adopted: false });
    expect(await orphansOf(stack)).toEqual([]);
  });

  test("destroy applies their onDelete: deleted, disabled", async () => {
    emu.clearRequests();
    ok(await stack.destroy());
    expect(
      requestsTo(emu.requests(), "DELETE", /^\/v1\.0\/users\/[^/]+$/)
        .map((r) => r.path)
        .sort(),
    ).toEqual([`/v1.0/users/${ids.o1}`, `/v1.0/users/${ids.o3}`].sort());
    const byId = Object.fromEntries(emu.users({ includeDeleted: true }).map((u) => [u.id, u]));
    expect(byId[ids.o1].deletedDateTime).toBeTruthy();
    expect(byId[ids.o3].deletedDateTime).toBeTruthy();
    expect(byId[ids.o2]).toMatchObject({ deletedDateTime: null, accountEnabled: false });
  });
});

describe("3. two stacks declaring one guest", () => {
  test("the second adopts it, with a warning that names the first; the first keeps owning it", async () => {
    const first = newStack("e2e-first", [{ key: "shared", email: "shared@both.example" }]);
    ok(await first.up());
    const id = invitationsInState(first)["guests-shared"].id!;
    const second = newStack("e2e-second", [{ key: "shared", email: "shared@both.example" }]);
    emu.clearRequests();
    const r = ok(await second.up());
    expect(invitationsInState(second)["guests-shared"]).toMatchObject({
      id,
      outputs: expect.objectContaining({ adopted: true }),
    });
    expect(graphWrites(emu.requests())).toEqual([]);
    const warning = r.diagnostics.find(
      (d) =>
        d.severity === "warning" &&
        d.message.includes("already managed by the stack e2e-first/e2e-first (resource guests-shared)"),
    );
    expect(warning).toBeDefined();
    expect(warning!.urn).toMatch(/::guests-shared$/);
    expect(r.stdout).toContain(
      "shared@both.example is already managed by the stack e2e-first/e2e-first (resource guests-shared)",
    );
    expect(await markOf(id)).toMatchObject({ stack: "e2e-first", resource: "guests-shared" });

    // The second stack leaves it alone on destroy; the first deletes it.
    emu.clearRequests();
    ok(await second.destroy());
    expect(graphWrites(emu.requests())).toEqual([]);
    ok(await first.destroy());
    expect(emu.users({ includeDeleted: true }).find((u) => u.id === id)?.deletedDateTime).toBeTruthy();
  });
});
