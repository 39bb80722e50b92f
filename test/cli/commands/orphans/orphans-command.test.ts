/**
 * `entra-guests orphans` (src/cli/commands/orphans/) run in-process against the emulator, as
 * src/cli/index.ts runs a command: strict flags, the state from stdin, --file or --stack (a stand-in
 * `pulumi` on PATH), the list, --json, --apply, and bad input as one line with the fix.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { CliError, CliIO, EXIT_FAILURE, oneLine, parseFlags } from "../../../../src/cli/command";
import { orphansCommand, projectOf } from "../../../../src/cli/commands/orphans";
import { adminGraphClient, graphWrites, providerEnv, RunningEmulator, startEmulator } from "../../../../src/testing";
import { expectDeletedAndDisabled } from "./applied";

const TYPE = "pulumi-nodejs:dynamic/entra:Invitation";
const MARK = "com.pulumi.entraInvitation";
let emu: RunningEmulator;
let dir: string;
const ids: Record<string, string> = {};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** What src/cli/index.ts does for one command: flags, --help, run, errors as one line. */
async function run(
  argv: string[],
  o: { stdin?: string; env?: Record<string, string | undefined>; cwd?: string } = {},
): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const stdin = Readable.from(o.stdin === undefined ? [] : [o.stdin]) as NodeJS.ReadableStream & { isTTY?: boolean };
  if (o.stdin === undefined) stdin.isTTY = true;
  const io: CliIO = {
    env: o.env ?? { ...process.env, ...providerEnv(emu) },
    stdin,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd: o.cwd ?? dir,
  };
  try {
    const flags = parseFlags(orphansCommand, argv);
    if (flags.help) {
      io.stdout.write(orphansCommand.help);
      return { code: 0, stdout, stderr };
    }
    return { code: await orphansCommand.run(flags, io), stdout, stderr };
  } catch (e) {
    const err =
      e instanceof CliError ? e : new CliError(oneLine(e instanceof Error ? e.message : String(e)), EXIT_FAILURE);
    stderr += `entra-guests orphans: ${oneLine(err.message, 1000)}\n`;
    return { code: err.exitCode, stdout, stderr };
  }
}

const urn = (name: string, stack = "prod"): string => `urn:pulumi:${stack}::guests::${TYPE}::${name}`;
const stateText = (held: string[], stack = "prod"): string =>
  JSON.stringify({
    version: 3,
    deployment: {
      manifest: {},
      resources: [
        { urn: `urn:pulumi:${stack}::guests::pulumi:pulumi:Stack::guests-${stack}`, type: "pulumi:pulumi:Stack" },
        ...held.map((k) => ({ urn: urn(k, stack), type: TYPE, id: ids[k], outputs: { userId: ids[k] } })),
      ],
    },
  });

beforeAll(async () => {
  emu = await startEmulator();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-orphans-cli-"));
  const admin = adminGraphClient(emu);
  for (const [key, onDelete, stack] of [
    ["a", "delete", "prod"],
    ["b", "disable", "prod"],
    ["c", "retain", "prod"],
    ["x", "delete", "dev"],
  ] as const) {
    const id = (
      (await admin.api("/invitations").post({
        invitedUserEmailAddress: `${key}@orphans.example`,
        inviteRedirectUrl: "https://myapps.microsoft.com",
      })) as { invitedUser: { id: string } }
    ).invitedUser.id;
    await admin.api(`/users/${id}/extensions`).post({
      "@odata.type": "microsoft.graph.openTypeExtension",
      extensionName: MARK,
      version: 1,
      project: "guests",
      stack,
      resource: key,
      onDelete,
    });
    ids[key] = id;
  }
});
afterAll(async () => {
  await emu.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("listing", () => {
  it("from stdin: the stack's marked guests its state lacks, one line each; nothing written", async () => {
    emu.clearRequests();
    const r = await run([], { stdin: stateText(["a"]) });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `2 guests marked by guests/prod but not in its state:\n${ids.b}\tb@orphans.example\tresource b\tonDelete disable\tPendingAcceptance\tenabled\n${ids.c}\tc@orphans.example\tresource c\tonDelete retain\tPendingAcceptance\tenabled\n`,
    );
    expect(r.stderr).toBe("entra-guests orphans: nothing changed; --apply applies each one's onDelete\n");
    expect(graphWrites(emu.requests())).toEqual([]);
  });

  it("from --file, as JSON", async () => {
    fs.writeFileSync(path.join(dir, "state.json"), stateText(["a", "b"]));
    const r = await run(["--file", "state.json", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      project: "guests",
      stack: "prod",
      applied: false,
      orphans: [expect.objectContaining({ id: ids.c, resource: "c", onDelete: "retain", mail: "c@orphans.example" })],
    });
  });

  it("--stack runs 'pulumi stack export --stack NAME' (a stand-in pulumi on PATH)", async () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "entra-fake-pulumi-"));
    fs.writeFileSync(path.join(bin, "state.json"), stateText(["a", "b", "c"]));
    fs.writeFileSync(
      path.join(bin, "pulumi"),
      `#!/bin/sh\n[ "$1 $2 $3 $4" = "stack export --stack prod" ] || { echo "error: no stack named '$4' found" >&2; exit 255; }\ncat "${bin}/state.json"\n`,
      { mode: 0o755 },
    );
    try {
      const env = { ...process.env, ...providerEnv(emu), PATH: `${bin}${path.delimiter}${process.env.PATH}` };
      const r = await run(["--stack", "prod"], { env });
      expect(r).toMatchObject({ code: 0, stdout: "No orphans: every guest marked by guests/prod is in its state.\n" });
      const bad = await run(["--stack", "nope"], { env });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(
        /^entra-guests orphans: 'pulumi stack export --stack nope' failed: error: no stack named 'nope' found: check the stack name/,
      );
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  it("an empty state (lost and made again): the stack from --stack, the project from --project or ./Pulumi.yaml", async () => {
    const empty = JSON.stringify({ version: 3, deployment: { manifest: {} } });
    const noProject = await run(["--file", "-"], { stdin: empty });
    expect(noProject).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        "the state holds no resources, so it does not say which stack it is: give --stack NAME and --project NAME",
      ),
    });
    const withProject = await run(["--project", "guests", "--file", "-"], { stdin: empty });
    expect(withProject.code).toBe(2); // still no stack
    const named = await run(["--stack", "dev", "--project", "guests", "--file", "-", "--json"], { stdin: empty });
    expect(JSON.parse(named.stdout).orphans.map((o: { resource: string }) => o.resource)).toEqual(["x"]);
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "entra-fake-pulumi-"));
    fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho '${empty}'\n`, { mode: 0o755 });
    const project = fs.mkdtempSync(path.join(os.tmpdir(), "entra-project-"));
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: guests # the project\nruntime: nodejs\n");
    try {
      expect(projectOf(project)).toBe("guests");
      const env = { ...process.env, ...providerEnv(emu), PATH: `${bin}${path.delimiter}${process.env.PATH}` };
      const r = await run(["--stack", "prod"], { env, cwd: project });
      expect(r.code).toBe(0);
      expect(r.stdout.split("\n")[0]).toBe("3 guests marked by guests/prod but not in its state:");
      const dev = await run(["--stack", "dev", "--project", "guests", "--json"], { env, cwd: dir });
      expect(JSON.parse(dev.stdout).orphans.map((o: { resource: string }) => o.resource)).toEqual(["x"]);
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
      fs.rmSync(project, { recursive: true, force: true });
    }
  });
});

describe("--apply", () => {
  it("applies each orphan's onDelete from its mark and says what it did", async () => {
    emu.clearRequests();
    const r = await run(["--apply"], { stdin: stateText(["c"]) });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `entra-guests orphans: deleted ${ids.a} (a@orphans.example, resource a, onDelete delete)\nentra-guests orphans: disabled ${ids.b} (b@orphans.example, resource b, onDelete disable)\n`,
    );
    const byId = expectDeletedAndDisabled(emu, ids.a, ids.b);
    expect(byId[ids.x].deletedDateTime).toBeNull(); // another stack's
  });
});

describe("bad input: one line that says the fix, exit 2, nothing done", () => {
  it.each<[string, string[], string | undefined, RegExp]>([
    ["an unknown flag", ["--aply"], "{}", /^entra-guests orphans: unknown flag '--aply' \(did you mean '--apply'\?\)/],
    ["a positional argument", ["prod"], "{}", /unexpected argument 'prod'/],
    [
      "nothing on stdin",
      [],
      undefined,
      /nothing on stdin: pipe 'pulumi stack export' into entra-guests orphans, or give --stack NAME or --file FILE/,
    ],
    ["stdin that is not JSON", [], "not json", /stdin is not JSON/],
    [
      "a state file that does not exist",
      ["--file", "missing.json"],
      undefined,
      /--file missing\.json does not exist: give the file 'pulumi stack export > FILE' wrote/,
    ],
    ["a state file that is a folder", ["--file", "."], undefined, /--file \. is a folder/],
    ["an empty --stack", ["--stack", ""], undefined, /--stack needs a stack name/],
    [
      "a state of another stack than --stack",
      ["--stack", "dev", "--file", "-"],
      "STATE",
      /the state is of the stack prod, not dev/,
    ],
    ["a bad project name", ["--project", "a b"], "{}", /--project 'a b' is not a project name/],
  ])("%s", async (_n, argv, stdin, message) => {
    emu.clearRequests();
    const r = await run(argv, { stdin: stdin === "STATE" ? stateText([]) : stdin });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stdout).toBe("");
    expect(graphWrites(emu.requests())).toEqual([]);
  });

  it("a tenant without read permission: one line naming the permission, exit 1", async () => {
    const app = emu.addClient({ roles: ["User.Invite.All"] });
    const r = await run([], {
      stdin: stateText([]),
      env: { ...process.env, ...providerEnv({ ...emu, clientId: app.clientId, clientSecret: app.clientSecret }) },
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/Authorization_RequestDenied|User\.Read\.All/);
  });

  it("--help", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: entra-guests orphans [flags]");
  });
});
