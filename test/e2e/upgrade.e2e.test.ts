/**
 * Upgrading the package under an existing stack changes nothing: a stack made by the previous
 * release (built from git at RELEASE_COMMIT, packed, installed as a user has it) with guests of every
 * kind, then the working tree's package put in its place. `pulumi preview --expect-no-changes` passes,
 * `pulumi up --refresh` sends no Graph write and leaves every output as it was. And back: the
 * previous release under state the new one wrote.
 *
 * The compatibility surface and the rule behind this test: docs/compatibility.md. At a release, move
 * RELEASE_COMMIT to the released commit (same file).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  adminGraphClient,
  graphWrites,
  operationArgs,
  providerEnv,
  readEventLog,
  startEmulator,
  TestStack,
} from "../../src/testing";
import type { RunningEmulator, RunResult, StateResource, StepEvent } from "../../src/testing";
import { INVITATION, redirect } from "./programs";
import {
  installedFingerprint,
  installTarball,
  packCommit,
  packedTarball,
  packWorkingTree,
  PackedPackage,
  removeTree,
  REPO_ROOT,
  replaceInstalled,
} from "./release";

jest.setTimeout(300_000);

/** The previous release point: the last commit before the current line of work (0.1.0 as first built). */
const RELEASE_COMMIT = "e051d87";

const PASSPHRASE = "upgrade test passphrase";

/**
 * Guests of every kind, with the inputs normalisation touches (case, spaces, usageLocation), message
 * info with a cc, triggers, an onDelete policy, sponsors, two adopted guests (by address and by
 * `invitedUser` with a reset), and a keyed guest list from YAML with defaults.
 */
const program = (sponsorId: string, existingId: string): string => `
import * as path from "path";
import { GuestList, Invitation } from "pulumi-entra-invitation";

const redirect = "${redirect}";
const invitations = {
  plain: new Invitation("plain", { invitedUserEmailAddress: "plain@contoso.com", inviteRedirectUrl: redirect }),
  withProps: new Invitation("with-props", {
    invitedUserEmailAddress: "  Pat.Props@Fabrikam.COM ",
    inviteRedirectUrl: redirect,
    invitedUserDisplayName: "Pat Props",
    invitedUserType: "Guest",
    userProperties: { givenName: "Pat", surname: "Props", companyName: "Fabrikam", department: "Audit", jobTitle: "Auditor", usageLocation: "de" },
    onDelete: "disable",
  }),
  sponsored: new Invitation("sponsored", {
    invitedUserEmailAddress: "sam@northwind.example",
    inviteRedirectUrl: redirect,
    invitedUserSponsors: ["${sponsorId.toUpperCase()}"],
    sendInvitationMessage: true,
    invitedUserMessageInfo: { customizedMessageBody: "Welcome", messageLanguage: "de-DE", ccRecipients: [{ address: "Lead@Contoso.com", name: "Lead" }] },
    triggers: { rotation: "2026-11" },
  }),
  adopted: new Invitation("adopted", { invitedUserEmailAddress: "existing@adatum.example", inviteRedirectUrl: redirect }),
  adoptedById: new Invitation("adopted-by-id", {
    invitedUserEmailAddress: "reset@adatum.example",
    inviteRedirectUrl: redirect,
    invitedUser: { id: "${existingId}" },
    resetRedemption: true,
    onDelete: "retain",
  }),
};
export const guests = Object.fromEntries(Object.entries(invitations).map(([k, i]) => [k, {
  userId: i.userId, adopted: i.adopted, email: i.invitedUserEmailAddress, displayName: i.invitedUserDisplayName, userType: i.invitedUserType,
  state: i.externalUserState, invitationId: i.invitationId, status: i.status, redeem: i.inviteRedeemUrl,
}]));

const list = new GuestList("partners", { file: path.join(__dirname, "guests.yaml"), defaults: { inviteRedirectUrl: redirect, onDelete: "disable" } });
export const listGuests = list.guests;
export const summary = list.summary;
`;

const guestsYaml = (sponsorId: string): string => `defaults:
  userProperties:
    companyName: Woodgrove
guests:
  - key: woodgrove-lead
    email: Avery@Woodgrove.example
    displayName: Avery
    jobTitle: Lead
  - key: auditor
    email: kim@woodgrove.example
    sponsors: [${sponsorId}]
    userType: Guest
  - email: jo@woodgrove.example
`;

let emu: RunningEmulator;
let stack: TestStack;
let oldPkg: PackedPackage;
let newPkg: PackedPackage;
let oldPrint = "";
const packageDir = path.join(REPO_ROOT, ".stack", "upgrade");
const packDir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-upgrade-pack-"));
const timings: Record<string, number> = {};
const started = Date.now();

async function timed<T>(name: string, f: () => T | Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await f();
  } finally {
    timings[name] = (Date.now() - t0) / 1000;
  }
}

const ok = (r: RunResult): RunResult => {
  if (!r.ok) throw new Error(`${r.op} failed: ${r.error}\n${r.stdout}\n${r.stderr}`);
  return r;
};

/** The environment TestStack runs the CLI with (its backend, home and passphrase) plus the emulator's. */
function cliEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${stack.stateDir}`,
    PULUMI_HOME: path.join(stack.stateDir, "home"),
    PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_DEBUG_COMMANDS: "true",
    ...providerEnv(emu),
  };
}

/**
 * `pulumi preview --expect-no-changes` as a pipeline runs it (the test kit has no such flag): its exit
 * code, what it printed, and the steps from the event log.
 */
async function previewExpectNoChanges(): Promise<{ code: number | null; output: string; steps: StepEvent[] }> {
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-upgrade-events-"));
  const eventLog = path.join(logDir, "events.jsonl");
  try {
    const args = [...operationArgs({ op: "preview", stack: stack.stackName }, eventLog), "--expect-no-changes"];
    const r = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn("pulumi", args, { cwd: stack.dir, env: cliEnv(), stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, output }));
    });
    const { steps } = fs.existsSync(eventLog) ? readEventLog(fs.readFileSync(eventLog, "utf8")) : { steps: [] };
    return { ...r, steps };
  } finally {
    fs.rmSync(logDir, { recursive: true, force: true });
  }
}

/** What state keeps of each resource, minus the secret redeem links (re-encrypted at every write). */
function stateOf(): Record<string, { id?: string; outputs: Record<string, unknown>; inputs: Record<string, unknown> }> {
  const out: Record<string, { id?: string; outputs: Record<string, unknown>; inputs: Record<string, unknown> }> = {};
  for (const r of stack.exportState().deployment.resources ?? []) {
    if (r.type !== INVITATION) continue;
    const { inviteRedeemUrl: _secret, ...outputs } = r.outputs ?? {};
    out[r.urn.split("::").pop()!] = { id: r.id, outputs, inputs: r.inputs ?? {} };
  }
  return out;
}

const providers = (): string[] => [
  ...new Set(
    (stack.exportState().deployment.resources ?? [])
      .filter((r: StateResource) => r.type === INVITATION)
      .map((r) => r.inputs!.__provider as string),
  ),
];
const plainOutputs = (r: RunResult): Record<string, unknown> =>
  Object.fromEntries(Object.entries(r.outputs ?? {}).map(([k, v]) => [k, v.value]));

beforeAll(async () => {
  emu = await startEmulator();
});

afterAll(async () => {
  await emu?.close();
  stack?.dispose();
  fs.rmSync(packDir, { recursive: true, force: true });
  const total = (Date.now() - started) / 1000;
  process.stdout.write(
    `upgrade test: ${total.toFixed(1)} s in all; ${Object.entries(timings)
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(", ")}\n`,
  );
});

let firstUp: RunResult;
let stateAfterOld: ReturnType<typeof stateOf>;
let upgradedUp: RunResult;

test(`a stack made by the previous release (${RELEASE_COMMIT}, built from git) with guests of every kind`, async () => {
  // Fails, never skips, when the commit is not in the clone (a shallow clone): release.ts says so.
  oldPkg = await timed("build previous release", () => packCommit(RELEASE_COMMIT));
  // ENTRA_UPGRADE_TO=<tarball>: upgrade to that package (a release candidate) instead of the working tree.
  newPkg = await timed("pack working tree", () =>
    process.env.ENTRA_UPGRADE_TO ? packedTarball(path.resolve(process.env.ENTRA_UPGRADE_TO)) : packWorkingTree(packDir),
  );
  await timed("remove the last run's package folder", () => removeTree(packageDir));
  await timed("install previous release", () => installTarball(packageDir, oldPkg));
  oldPrint = installedFingerprint(packageDir);

  // Out of band, before the first up: a sponsor, and two guests the stack will adopt.
  const t0 = Date.now();
  const admin = adminGraphClient(emu);
  const invite = async (email: string): Promise<string> =>
    (
      (await admin.api("/invitations").post({ invitedUserEmailAddress: email, inviteRedirectUrl: redirect })) as {
        invitedUser: { id: string };
      }
    ).invitedUser.id;
  const sponsorId = await invite("sponsor@contoso.com");
  const existing = await invite("existing@adatum.example");
  const existingById = await invite("reset@adatum.example");
  emu.redeem(existing);
  timings["out-of-band invitations"] = (Date.now() - t0) / 1000;

  stack = new TestStack({
    packageDir,
    name: "upgrade",
    program: program(sponsorId, existingById),
    env: { ...providerEnv(emu), PULUMI_CONFIG_PASSPHRASE: PASSPHRASE },
    files: { "guests.yaml": guestsYaml(sponsorId) },
  });
  firstUp = ok(await timed("up (previous release)", () => stack.up()));
  expect(firstUp.summary).toMatchObject({ create: 10 }); // the stack, 5 invitations, the list and its 3 guests
  const guests = firstUp.outputs!.guests.value as Record<string, { userId: string; adopted: boolean }>;
  expect(guests.adopted).toMatchObject({ userId: existing, adopted: true });
  expect(guests.adoptedById).toMatchObject({ userId: existingById, adopted: true });
  expect(emu.users().find((u) => u.id === guests.sponsored.userId)?.sponsors).toEqual([sponsorId]);
  expect(emu.users().find((u) => u.id === guests.withProps.userId)).toMatchObject({
    mail: "pat.props@fabrikam.com",
    companyName: "Fabrikam",
    usageLocation: "DE",
  });
  const list = firstUp.outputs!.listGuests.value as Record<string, { userId: string }>;
  expect(Object.keys(list).sort()).toEqual(["auditor", "jo@woodgrove.example", "woodgrove-lead"]);
  expect(providers()).toHaveLength(1);
  stateAfterOld = stateOf();
  expect(Object.keys(stateAfterOld)).toHaveLength(8);
});

test("upgraded to the working tree: preview --expect-no-changes passes, up --refresh writes nothing to Graph, outputs unchanged", async () => {
  expect(stateAfterOld).toBeDefined();
  replaceInstalled(packageDir, newPkg);
  expect(installedFingerprint(packageDir)).not.toBe(oldPrint); // the package in place is another build
  const providerBefore = providers();

  emu.clearRequests();
  const preview = await timed("preview --expect-no-changes (upgraded)", () => previewExpectNoChanges());
  if (preview.code !== 0)
    throw new Error(`pulumi preview --expect-no-changes exited ${preview.code} after the upgrade:\n${preview.output}`);
  expect(preview.steps.filter((s) => s.op !== "same")).toEqual([]);
  expect(graphWrites(emu.requests())).toEqual([]);

  emu.clearRequests();
  upgradedUp = ok(await timed("up --refresh (upgraded)", () => stack.up({ refresh: true })));
  expect(graphWrites(emu.requests())).toEqual([]);
  expect(Object.keys(upgradedUp.summary ?? {})).toEqual(["same"]);
  expect(
    upgradedUp.steps
      .filter((s) => s.type === INVITATION && s.op === "refresh")
      .flatMap((s) => s.refreshedOutputs ?? []),
  ).toEqual([]);
  expect(plainOutputs(upgradedUp)).toEqual(plainOutputs(firstUp));
  // State: same ids and outputs (the redeem links, secret, are compared through the stack outputs
  // above); the inputs the new check wrote are the ones the old one wrote; one provider text.
  expect(stateOf()).toEqual(stateAfterOld);
  expect(providers()).toEqual(providerBefore);
});

test("downgraded to the previous release under state the new one wrote: no changes either", async () => {
  expect(upgradedUp).toBeDefined();
  replaceInstalled(packageDir, oldPkg);
  expect(installedFingerprint(packageDir)).toBe(oldPrint);

  emu.clearRequests();
  const preview = await timed("preview --expect-no-changes (downgraded)", () => previewExpectNoChanges());
  if (preview.code !== 0)
    throw new Error(
      `pulumi preview --expect-no-changes exited ${preview.code} after the downgrade:\n${preview.output}`,
    );
  expect(preview.steps.filter((s) => s.op !== "same")).toEqual([]);
  const up = ok(await timed("up --refresh (downgraded)", () => stack.up({ refresh: true })));
  expect(graphWrites(emu.requests())).toEqual([]);
  expect(Object.keys(up.summary ?? {})).toEqual(["same"]);
  expect(plainOutputs(up)).toEqual(plainOutputs(firstUp));
  expect(stateOf()).toEqual(stateAfterOld);

  // The previous release deletes what state the new one wrote, each guest by its policy.
  const ids = firstUp.outputs!.guests.value as Record<string, { userId: string }>;
  ok(await timed("destroy (downgraded)", () => stack.destroy()));
  const user = (id: string) => emu.users({ includeDeleted: true }).find((u) => u.id === id)!;
  expect(user(ids.plain.userId).deletedDateTime).toBeTruthy();
  expect(user(ids.withProps.userId)).toMatchObject({ accountEnabled: false });
  for (const kept of [ids.adopted.userId, ids.adoptedById.userId])
    expect(user(kept)).toMatchObject({ accountEnabled: true, deletedDateTime: null }); // adopted: retained
});
