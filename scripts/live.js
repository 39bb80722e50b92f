#!/usr/bin/env node
// `npm run test:live`: the lifecycle and the open questions against a real tenant (test/live), as
// Terraform's acceptance tests run with TF_ACC. Never part of `npm test`.
//
//   ENTRA_LIVE_TENANT_ID, ENTRA_LIVE_CLIENT_ID, ENTRA_LIVE_CLIENT_SECRET (or
//   ENTRA_LIVE_CLIENT_CERTIFICATE_PATH), ENTRA_LIVE_DOMAIN   the tenant, an app in it, a domain you own
//   npm run test:live                 run the suites; every user they make is deleted afterwards
//   npm run test:live -- --cleanup    delete what earlier runs left (users carrying a run id)
//
// Without the variables it prints one line naming them and exits 0. Other arguments go to jest
// (e.g. a test file or -t NAME). See docs/live-tests.md.
"use strict";
const { spawnSync } = require("node:child_process");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const args = process.argv.slice(2);
const cleanup = args.includes("--cleanup");
const rest = args.filter((a) => a !== "--cleanup");

const has = (k) => !!(process.env[k] && process.env[k].trim());
const missing = [];
if (!has("ENTRA_LIVE_TENANT_ID")) missing.push("ENTRA_LIVE_TENANT_ID");
if (!has("ENTRA_LIVE_CLIENT_ID")) missing.push("ENTRA_LIVE_CLIENT_ID");
if (!has("ENTRA_LIVE_CLIENT_SECRET") && !has("ENTRA_LIVE_CLIENT_CERTIFICATE_PATH"))
  missing.push("ENTRA_LIVE_CLIENT_SECRET or ENTRA_LIVE_CLIENT_CERTIFICATE_PATH");
if (!has("ENTRA_LIVE_DOMAIN")) missing.push("ENTRA_LIVE_DOMAIN");
if (missing.length) {
  console.log(`test:live: skipped, no tenant: set ${missing.join(", ")} to run it (docs/live-tests.md)`);
  process.exit(0);
}

function run(cmd, cmdArgs, opts = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: "inherit", ...opts });
  if (r.status !== 0) {
    console.error(`test:live: '${cmd} ${cmdArgs.join(" ")}' failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
  return r;
}

run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"]);
const env = { ...process.env };
if (!cleanup) {
  // The lifecycle runs the plain Pulumi CLI on the package installed as a user has it.
  const { preparePulumi } = require(path.join(root, "scripts/prepare-e2e.js"));
  Object.assign(env, preparePulumi(root, env));
}
const config = {
  rootDir: root,
  displayName: "live",
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", diagnostics: { warnOnly: false } }] },
  // --cleanup runs cleanup.live.ts alone: it removes every run's users, so it is never part of a run.
  testMatch: cleanup ? ["<rootDir>/test/live/cleanup.live.ts"] : ["<rootDir>/test/live/**/*.live.test.ts"],
  testTimeout: 600000,
};
const jest = spawnSync(
  process.execPath,
  [require.resolve("jest/bin/jest"), "--config", JSON.stringify(config), "--runInBand", ...rest],
  { cwd: root, stdio: "inherit", env },
);
process.exit(jest.status ?? 1);
