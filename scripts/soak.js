#!/usr/bin/env node
// The reliability suites (test/reliability, issue 7) in long mode, and a summary of their figures
// for docs/reliability.md.
//
//   node scripts/soak.js                 long mode: 300 guests in the fault soak, 25 killed runs
//   node scripts/soak.js --quick         the sizes `npm test` runs
//   node scripts/soak.js --summary-only  print the summary of the last run's figures
//   SOAK_GUESTS=1000 INTERRUPT_RUNS=50 RELIABILITY_SEED=7 node scripts/soak.js
//
// It runs jest through scripts/test.js (which builds, makes the emulator's CA, installs the package
// and the Pulumi CLI), with RELIABILITY_MODE=long, and reads the figures each suite writes to
// RELIABILITY_OUT (default .stack/reliability). The summary goes to stdout and <out>/summary.md.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const summaryOnly = args.includes("--summary-only");
const out = process.env.RELIABILITY_OUT || path.join(root, ".stack", "reliability");

function jestProjects() {
  try {
    return require(path.join(root, "jest.config.js")).projects.map((p) => p.displayName);
  } catch {
    return [];
  }
}

if (!summaryOnly) {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const env = { ...process.env, RELIABILITY_OUT: out };
  if (!quick) env.RELIABILITY_MODE = "long";
  // A `reliability` jest project when jest.config.js has one; else the e2e project pointed at the folder.
  const select = jestProjects().includes("reliability")
    ? ["--selectProjects", "reliability"]
    : ["--selectProjects", "e2e", "--testMatch", "<rootDir>/test/reliability/**/*.test.ts"];
  const started = Date.now();
  const r = spawnSync(process.execPath, [path.join(root, "scripts", "test.js"), ...select, "--runInBand"], {
    cwd: root,
    env,
    stdio: "inherit",
  });
  console.log(`\nsoak: jest exited ${r.status} after ${((Date.now() - started) / 1000).toFixed(0)} s`);
  process.exitCode = r.status ?? 1;
}

const read = (name) => {
  const f = path.join(out, `${name}.json`);
  return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, "utf8")) : undefined;
};
const soak = read("fault-soak");
const lag = read("replication-lag");
const killed = read("interrupted-runs");
const bad = read("bad-input");
const auth = read("auth");
const any = soak || killed || bad || auth;
if (!any) {
  console.error(`soak: no figures in ${out}`);
  process.exit(process.exitCode || 1);
}

const lines = [];
const p = (s = "") => lines.push(s);
const fmt = (o) =>
  Object.entries(o || {})
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ") || "none";
p(
  `## Figures (${any.mode} mode, ${any.date.slice(0, 10)}, ${any.machine.cpus} × ${any.machine.cpu}, ${any.machine.memoryGb} GB, Node ${any.machine.node}, ${any.machine.platform})`,
);
p();
if (soak) {
  p(`### Fault soak: ${soak.guests} guests, seed ${soak.seed}`);
  p();
  p(
    `Faults injected at rates ${fmt(soak.faults)} per Graph request, replication lag ${soak.replicationLagMs} ms on every new user.`,
  );
  p();
  p(
    "| phase | steps | Graph requests | faults injected | retries | 404 (lag) | failed, first run | re-drives | lost | duplicated | orphans | seconds |",
  );
  p("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const ph of soak.phases) {
    const failed = Object.values(ph.failedFirstRun).reduce((a, b) => a + b, 0);
    p(
      `| ${ph.phase} | ${fmt(ph.steps)} | ${ph.graph.requests} (+${ph.graph.batches} $batch) | ${fmt(ph.graph.faults)} | ${ph.graph.retries} | ${ph.graph.notFound} | ${failed} | ${ph.redrives} | ${ph.lost} | ${ph.duplicated} | ${ph.orphans} | ${ph.seconds.toFixed(1)} |`,
    );
  }
  p();
  p(
    `Total: ${soak.graphRequests} Graph requests, faults ${fmt(soak.faultsInjected)}, ${soak.retries} retries, ${soak.failedStepsFirstRun} steps failed on the first run (${soak.stillFailing} after re-drives), lost ${soak.lost}, duplicated ${soak.duplicated}, orphans ${soak.orphans}, mismatched ${soak.mismatched}, adopted after a failure ${soak.adoptedAfterFailure}, secret hits ${soak.secretHits} in ${soak.secretScans} scans; ${soak.deployments} plugin processes, gRPC calls ${fmt(soak.grpcCalls)}; ${soak.seconds.toFixed(0)} s.`,
  );
  p();
}
if (lag) {
  p(`### Replication lag (${lag.replicationLagMs} ms): right after the invitation`);
  p();
  for (const [name, r] of Object.entries(lag.results))
    p(
      `- ${name}: ${fmt(r.steps.ops)}; step errors: ${r.errors.length ? r.errors.join(" | ") : "none"}; state holds ${r.inState}; directory: ${(r.directory || []).join("; ")}`,
    );
  p();
}
if (killed) {
  p(`### Interrupted runs: ${killed.rounds} rounds, seed ${killed.seed}`);
  p();
  p(
    `${killed.killedMidRun} killed mid-run (${killed.rounds - killed.killedMidRun} finished before the kill), ${killed.converged}/${killed.rounds} converged (${killed.convergedWithPlainUp} with a plain \`up\`, ${killed.neededUpRefresh} needed \`up --refresh\`); ${killed.backendRepairs || 0} kills left the file backend's checkpoint unreadable (empty \`.attrs\` sidecar, removed before the rerun); ${killed.adoptedByRerun} guests adopted by a rerun (their create or replacement had reached Graph in the killed run), ${killed.retainedAfterLeaving} users retained by policy because of that; secret hits ${killed.secretHits} in ${killed.secretScans} scans; ${killed.seconds.toFixed(0)} s.`,
  );
  p();
  p("| round | changes | kill | writes before the kill | reruns | rerun did | adopted by rerun | converged |");
  p("|---|---|---|---|---|---|---|---|");
  for (const r of killed.rounds_)
    p(
      `| ${r.round} | ${r.changes.join(", ")} | ${r.missed ? "missed (run had finished)" : r.kill} | ${r.writesBeforeKill} | ${r.reruns}${r.backendRepair ? ` (after ${r.backendRepair})` : ""} | ${r.rerunSummaries.map(fmt).join(" / ")} | ${r.adoptedByRerun.join(", ") || "-"} | ${r.converged ? "yes" : `NO: ${r.problems}`} |`,
    );
  p();
}
if (bad) {
  p("### Bad input");
  p();
  const inv = bad.invitation || {};
  const gl = bad.guestList || {};
  p(
    `Invitation: ${inv.refused}/${inv.cases} refused through the plugin's gRPC Check, 0 requests in the emulator's log. GuestList: ${gl.refused}/${gl.cases} refused by the planner and by the component under mocks (no Invitation registered). Total ${(inv.refused || 0) + (gl.refused || 0)}/${(inv.cases || 0) + (gl.cases || 0)}. Gaps this suite found (inputs that were accepted), all refused now and asserted: ${bad.gaps.invitation.length + bad.gaps.guestList.length}.`,
  );
  p();
}
if (auth) {
  p("### Auth and least privilege");
  p();
  if (auth.leastPrivilege) {
    const labels = Object.keys(auth.leastPrivilege);
    p(`| operation | ${labels.join(" | ")} |`);
    p(`|---|${labels.map(() => "---").join("|")}|`);
    for (const op of Object.keys(auth.leastPrivilege[labels[0]])) {
      p(
        `| ${op} | ${labels
          .map((l) => {
            const o = auth.leastPrivilege[l][op];
            return o.ok ? `ok${o.warning ? " (warning)" : ""}${o.adopted ? " (adopted)" : ""}` : "refused (403)";
          })
          .join(" | ")} |`,
      );
    }
    p();
  }
  if (auth.engineShowsPluginWarning)
    p(
      `Plugin warning shown by the engine: stdout ${auth.engineShowsPluginWarning.inStdout}, stderr ${auth.engineShowsPluginWarning.inStderr}.`,
    );
  p();
}
const text = lines.join("\n");
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, "summary.md"), `${text}\n`);
console.log(`\n${text}`);
