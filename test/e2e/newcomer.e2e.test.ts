/**
 * A newcomer's first minutes, step by step, on a fresh copy of this repository (the files a clone has,
 * committed into a git repository of its own): the README's install command (`npm install`), which
 * prints no EBADENGINE warning and leaves `git status` clean, then `pulumi stack init dev` and `pulumi up --yes`
 * of the root stack with the emulator's variables set. The plain CLI runs stack/index.ts through the
 * Node.js language host; the stack invites guests.yaml, and the state names the provider by the
 * one-line `require` with no path of this machine in it. Then `pulumi destroy`.
 */
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { providerEnv, RunningEmulator, startEmulator } from "../../src/testing";

jest.setTimeout(600_000);

const root = path.resolve(__dirname, "../..");
let emu: RunningEmulator;
let work: string;
let clone: string;
let env: NodeJS.ProcessEnv;

/** What `git clone` of this checkout would hold: the tracked files (as they are now) and new, unignored ones. */
function copyCheckout(to: string): void {
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    encoding: "utf8",
  })
    .split("\0")
    .filter(Boolean);
  for (const f of files) {
    const from = path.join(root, f);
    if (!fs.existsSync(from)) continue; // deleted in the working tree
    fs.mkdirSync(path.dirname(path.join(to, f)), { recursive: true });
    fs.copyFileSync(from, path.join(to, f));
  }
}

/** Makes the copy a git clone of itself (one commit of every file), so that `git status` says what a command changed. */
function commitCopy(dir: string): void {
  const git = (args: string[]): string =>
    execFileSync("git", ["-c", "user.name=newcomer", "-c", "user.email=newcomer@example.com", ...args], {
      cwd: dir,
      encoding: "utf8",
    });
  git(["init", "-q"]);
  git(["add", "-A"]);
  git(["commit", "-q", "-m", "what a clone holds"]);
}

/** Runs a command in the copy as a person would; asynchronous, since the emulator answers from this process. With `withStderr`, stdout then stderr. */
function sh(cmd: string, args: string[], withStderr = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: clone, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve(withStderr ? `${out}${err}` : out)
        : reject(new Error(`'${cmd} ${args.join(" ")}' exited ${code}:\n${out}\n${err}`)),
    );
  });
}

beforeAll(async () => {
  emu = await startEmulator();
  work = fs.mkdtempSync(path.join(os.tmpdir(), "entra-newcomer-"));
  clone = path.join(work, "pulumi-entra-invitation");
  copyCheckout(clone);
  commitCopy(clone);
  env = {
    ...process.env,
    ...providerEnv(emu),
    PULUMI_BACKEND_URL: `file://${path.join(work, "state")}`,
    PULUMI_HOME: path.join(work, "state", "home"),
    PULUMI_CONFIG_PASSPHRASE: "newcomer",
  };
  // npm's own variables from `npm test` would tell the prepare hook it runs for another command.
  for (const k of Object.keys(env)) if (k.startsWith("npm_")) delete env[k];
  delete env.INIT_CWD;
  fs.mkdirSync(path.join(work, "state"));
});

afterAll(async () => {
  await emu?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test("npm install (no engine warning, the clone left clean), then pulumi stack init dev && pulumi up invites guests.yaml; destroy removes them", async () => {
  const install = await sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], true);
  // No dependency declares a Node.js the package's own engines range does not (package.json engines).
  expect(install).not.toContain("EBADENGINE");
  // npm install changes no tracked file (package-lock.json included) and leaves nothing untracked.
  expect(execFileSync("git", ["status", "--porcelain"], { cwd: clone, encoding: "utf8" })).toBe("");
  expect(
    fs.existsSync(path.join(clone, "stack", "node_modules", "pulumi-entra-invitation", "dist", "provider", "index.js")),
  ).toBe(true);

  await sh("pulumi", ["stack", "init", "dev"]);
  const up = await sh("pulumi", ["up", "--yes", "--color", "never"]);
  expect(up).toMatch(/\+ \d+ created/);

  const declared = (
    parse(fs.readFileSync(path.join(clone, "guests.yaml"), "utf8")) as { guests: { email: string }[] }
  ).guests
    .map((g) => g.email.toLowerCase())
    .sort();
  expect(
    emu
      .users()
      .filter((u) => !u.deletedDateTime)
      .map((u) => u.mail!.toLowerCase())
      .sort(),
  ).toEqual(declared);

  const state = JSON.parse(await sh("pulumi", ["stack", "export"])) as {
    deployment: { resources: { type: string; inputs?: Record<string, unknown> }[] };
  };
  const invitations = state.deployment.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/entra:Invitation");
  expect(invitations).toHaveLength(declared.length);
  for (const r of invitations) {
    const provider = r.inputs!.__provider as string;
    expect(provider).toContain('require("pulumi-entra-invitation/provider")');
    expect(provider).not.toContain(work);
    expect(provider).not.toContain(root);
  }

  const again = await sh("pulumi", ["preview", "--expect-no-changes", "--color", "never"]);
  expect(again).not.toMatch(/to create|to update|to replace|to delete/);

  await sh("pulumi", ["destroy", "--yes", "--color", "never"]);
  expect(emu.users().filter((u) => !u.deletedDateTime && u.accountEnabled !== false)).toEqual([]);
});
