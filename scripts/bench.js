#!/usr/bin/env node
// `npm run bench [-- --guests N --latency-ms MS --sizes 100,1000,5000 --engine --json --chart FILE]`:
// the provider at Graph's throttle floor, against the Graph emulator (see bench/index.ts and
// docs/benchmarks.md). A benchmark, not a timed test.
//  1. builds the package (dist/) and the benchmark (bench/, with its own tsconfig, into
//     .stack/bench-dist/: it is not shipped);
//  2. makes a throw-away certificate authority for the emulator and re-runs itself with
//     NODE_EXTRA_CA_CERTS (Node reads it only at start), so the plugin processes trust the emulator;
//  3. installs the package the way a user has it (npm pack) into .stack/bench, where the SDK's
//     dynamic-provider server runs it, and with --engine makes sure the Pulumi CLI is there;
//  4. runs .stack/bench-dist/bench/index.js. With --json its last line of output is one JSON object.
"use strict";
const { execFileSync, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const args = process.argv.slice(2);
const say = (msg) => process.stderr.write(`bench: ${msg}\n`);

function runOrExit(cmd, cmdArgs, opts = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: ["ignore", "inherit", "inherit"], ...opts });
  if (r.status !== 0) {
    say(`'${cmd} ${cmdArgs.join(" ")}' failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
}

if (!process.env.ENTRA_BENCH_CHILD) {
  say("building the package");
  runOrExit(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"]);
  say("building the benchmark (bench/tsconfig.json)");
  runOrExit(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "bench/tsconfig.json"]);
  const caDir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-bench-ca-"));
  const ca = require(path.join(root, "dist/emulator/certs.js")).ensureCa(caDir);
  const r = spawnSync(process.execPath, [__filename, ...args], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ENTRA_BENCH_CHILD: "1", ENTRA_EMULATOR_CA_DIR: caDir, NODE_EXTRA_CA_CERTS: ca.certPath },
  });
  fs.rmSync(caDir, { recursive: true, force: true });
  process.exit(r.status ?? 1);
}

const { installPackage } = require("./prepare-e2e.js");
const pkgDir = path.join(root, ".stack", "bench");
say(`installing the package into ${path.relative(root, pkgDir)} (npm pack + npm install, as a user has it)`);
installPackage(root, pkgDir, { typescript: true });
const env = { ...process.env, ENTRA_BENCH_PACKAGE_DIR: pkgDir };
if (args.some((a) => a.startsWith("--engine"))) {
  // The Pulumi CLI (built from source by scripts/ensure-pulumi.sh when none is on PATH) and the
  // dynamic-provider launcher that ships in @pulumi/pulumi.
  const bin = execFileSync("bash", [path.join(root, "scripts/ensure-pulumi.sh")], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  })
    .trim()
    .split("\n")
    .pop();
  Object.assign(env, {
    PATH: [
      bin,
      path.join(root, "node_modules/@pulumi/pulumi"),
      path.join(root, "node_modules/.bin"),
      process.env.PATH,
    ].join(path.delimiter),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
  });
}
// ENTRA_BENCH_NODE_ARGS: extra Node flags for the benchmark's own process (e.g. "--cpu-prof");
// ENTRA_BENCH_PLUGIN_NODE_ARGS does the same for the plugin processes (bench/grpc.ts).
const nodeArgs = (process.env.ENTRA_BENCH_NODE_ARGS || "").split(/\s+/).filter(Boolean);
const r = spawnSync(process.execPath, [...nodeArgs, path.join(root, ".stack/bench-dist/bench/index.js"), ...args], {
  cwd: root,
  stdio: "inherit",
  env,
});
process.exit(r.status ?? 1);
