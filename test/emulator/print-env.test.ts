/**
 * `entra-graph-emulator --print-env`: `eval "$(entra-graph-emulator --print-env)"` in a real shell
 * leaves the emulator running in the background and the shell with the variables a stack needs;
 * `entra-guests export` (the provider's settings and credential resolution) then reads the tenant
 * through them, and `kill $ENTRA_EMULATOR_PID` stops it.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { envExports } from "../../src/emulator/cli";

const root = path.resolve(__dirname, "../..");
const emulatorCli = path.join(root, "dist/emulator/cli.js");
const guestsCli = path.join(root, "dist/cli/index.js");

/** The six variables a shell needs to point a stack at the emulator, and the background emulator's pid. */
const NAMES = [
  "ARM_CLIENT_ID",
  "ARM_CLIENT_SECRET",
  "ARM_TENANT_ID",
  "ENTRA_AUTHORITY_HOST",
  "ENTRA_EMULATOR_PID",
  "ENTRA_GRAPH_ENDPOINT",
  "NODE_EXTRA_CA_CERTS",
];

/** This process's environment without anything that points at a Graph or a CA (the test runner sets some). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(ENTRA_|ARM_|AZURE_)/.test(k) || k === "NODE_EXTRA_CA_CERTS") delete env[k];
  return env;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function exited(pid: number): Promise<void> {
  while (alive(pid)) await new Promise((r) => setTimeout(r, 100));
}

test('eval "$(entra-graph-emulator --print-env)" sets the variables; entra-guests export reads through them; kill $ENTRA_EMULATOR_PID stops it', async () => {
  expect(fs.existsSync(emulatorCli)).toBe(true); // built by scripts/test.js
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-print-env-"));
  const script = [
    `eval "$(node ${JSON.stringify(emulatorCli)} --print-env --port 0 --ca-dir ${JSON.stringify(path.join(dir, "ca"))})" || exit 7`,
    `env | grep -E '^(ENTRA_|ARM_|NODE_EXTRA_CA_CERTS=)' | sort > ${JSON.stringify(path.join(dir, "env.txt"))}`,
    `node ${JSON.stringify(guestsCli)} export --out ${JSON.stringify(path.join(dir, "guests.yaml"))}`,
  ].join("\n");
  const run = spawnSync("bash", ["-c", script], { cwd: dir, env: cleanEnv(), encoding: "utf8", timeout: 120_000 });
  const env = Object.fromEntries(
    (fs.existsSync(path.join(dir, "env.txt")) ? fs.readFileSync(path.join(dir, "env.txt"), "utf8") : "")
      .split("\n")
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  const pid = Number(env.ENTRA_EMULATOR_PID);
  try {
    expect({ status: run.status, stderr: run.stderr }).toEqual({
      status: 0,
      stderr: expect.stringContaining("0 guests written to guests.yaml") as unknown,
    });
    expect(Object.keys(env).sort()).toEqual(NAMES);
    expect(env.ENTRA_GRAPH_ENDPOINT).toMatch(/^https:\/\/localhost:\d+$/);
    expect(env.ENTRA_AUTHORITY_HOST).toBe(env.ENTRA_GRAPH_ENDPOINT);
    expect(env.NODE_EXTRA_CA_CERTS).toBe(path.join(dir, "ca", "ca.pem"));
    expect(run.stderr).toContain(`running in the background at ${env.ENTRA_GRAPH_ENDPOINT} (pid ${pid}`);
    // The shell has returned; the emulator has not.
    expect(alive(pid)).toBe(true);
    process.kill(pid, "SIGTERM");
    await exited(pid);
    expect(alive(pid)).toBe(false);
  } finally {
    if (pid > 0 && alive(pid)) process.kill(pid, "SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
    const log = /, log ([^)]+)\)/.exec(run.stderr)?.[1];
    if (log) fs.rmSync(log, { force: true });
  }
});

test("--print-env with a flag it does not know fails before starting anything", () => {
  const run = spawnSync(process.execPath, [emulatorCli, "--print-env", "--nope"], {
    env: cleanEnv(),
    encoding: "utf8",
  });
  expect(run.status).toBe(2);
  expect(run.stdout).toBe("");
  expect(run.stderr).toMatch(/unknown argument '--nope'/);
});

describe("envExports: each value survives the shell", () => {
  const line = {
    graphUrl: "https://localhost:8443",
    authorityHost: "https://localhost:8443",
    tenantId: "t-1",
    clientId: "c-1",
    caCertPath: "/tmp/ca dir/ca.pem",
    port: 8443,
  };
  it.each([
    ["plain", "DrQ8Q~t0GFPGqG8t3kqvl"],
    ["a quote", "it's"],
    ["shell syntax", '$(touch pwned) `x` $HOME; \\ "q"'],
    ["spaces and a newline", "a b\nc"],
  ])("secret with %s", (_, secret) => {
    const text = envExports({ ...line, clientSecret: secret }, 42);
    const out = spawnSync(
      "bash",
      [
        "-c",
        `eval "$1"; printf '%s\\0' "$ARM_CLIENT_SECRET" "$NODE_EXTRA_CA_CERTS" "$ENTRA_EMULATOR_PID" "$ENTRA_GRAPH_ENDPOINT"`,
        "_",
        text,
      ],
      { encoding: "utf8" },
    );
    expect(out.stdout.split("\0").slice(0, 4)).toEqual([secret, "/tmp/ca dir/ca.pem", "42", "https://localhost:8443"]);
    expect(
      text
        .match(/^export [A-Z_]+=/gm)
        ?.map((l) => l.slice(7, -1))
        .sort(),
    ).toEqual(NAMES);
  });
});
