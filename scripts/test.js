#!/usr/bin/env node
// The README's test command (`npm test`). It prepares what the suites need and then runs jest:
//  1. builds the package (dist/), which the installed copy and the emulator CLI are made from;
//  2. makes a throw-away certificate authority for the emulator and trusts it in the jest process
//     through NODE_EXTRA_CA_CERTS (Node reads that variable only at start, so it is set here);
//  3. for the e2e project: installs the package the way a user does (npm pack) and makes sure the
//     Pulumi CLI is there (scripts/ensure-pulumi.sh).
// Arguments are passed on to jest.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const args = process.argv.slice(2);

function run(cmd, cmdArgs, opts = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: "inherit", ...opts });
  if (r.status !== 0) {
    console.error(`test: '${cmd} ${cmdArgs.join(" ")}' failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
  return r;
}

run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"]);

const caDir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-emulator-ca-"));
const { ensureCa } = require(path.join(root, "dist/emulator/certs.js"));
const ca = ensureCa(caDir);

const env = { ...process.env, ENTRA_EMULATOR_CA_DIR: caDir, NODE_EXTRA_CA_CERTS: ca.certPath };

// --selectProjects takes one or more project names; only `unit` needs neither the CLI nor the install.
// Jest would read a test path right after the names as one more name: such paths move to the front.
const PROJECTS = new Set(["unit", "e2e", "reliability"]);
const selected = [];
if (args.includes("--selectProjects")) {
  const at = args.indexOf("--selectProjects") + 1;
  let end = at;
  while (end < args.length && !args[end].startsWith("-")) end++;
  const names = args.slice(at, end);
  selected.push(...names.filter((n) => PROJECTS.has(n)));
  args.splice(at, end - at, ...selected);
  args.unshift(...names.filter((n) => !PROJECTS.has(n)));
}
if (selected.length === 0 || selected.some((p) => p !== "unit")) {
  const { preparePulumi } = require(path.join(root, "scripts/prepare-e2e.js"));
  Object.assign(env, preparePulumi(root, env));
}

const jest = spawnSync(process.execPath, [require.resolve("jest/bin/jest"), ...args], {
  cwd: root,
  stdio: "inherit",
  env,
});
fs.rmSync(caDir, { recursive: true, force: true });
process.exit(jest.status ?? 1);
