#!/usr/bin/env node
// `node scripts/profile-summary.js FILE.cpuprofile [--busiest MS]`: where a process spent its CPU, by
// package (node_modules/<name>, Node's internals, garbage collection) and by function, from a
// profile written by `node --cpu-prof` (see docs/benchmarks.md: ENTRA_BENCH_PLUGIN_NODE_ARGS).
// --busiest MS: only the busiest MS milliseconds of wall time in one stretch (a benchmark phase,
// without the process's start-up and idle time).
"use strict";
const fs = require("node:fs");

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith("--"));
const bi = args.indexOf("--busiest");
const busiest = bi >= 0 ? Number(args[bi + 1]) : 0;
if (!file) {
  process.stderr.write("usage: node scripts/profile-summary.js FILE.cpuprofile [--busiest MS]\n");
  process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(file, "utf8"));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));

// Samples as (time since start in ms, node, duration in ms), idle left out.
const samples = [];
let t = 0;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i] / 1000;
  const node = nodes.get(profile.samples[i]);
  const d = (profile.timeDeltas[i + 1] ?? 0) / 1000;
  if (node.callFrame.functionName !== "(idle)") samples.push([t, node, d]);
}

// The window of `busiest` ms with the most CPU.
let from = -Infinity;
let to = Infinity;
if (busiest > 0) {
  let best = -1;
  let sum = 0;
  let lo = 0;
  for (let hi = 0; hi < samples.length; hi++) {
    sum += samples[hi][2];
    while (samples[hi][0] - samples[lo][0] > busiest) sum -= samples[lo++][2];
    if (sum > best) [best, from, to] = [sum, samples[lo][0], samples[hi][0]];
  }
}

const pkgOf = (url, fn) => {
  if (fn === "(garbage collector)") return "(garbage collection)";
  if (!url) return "(V8 and native)";
  const m = url.match(/node_modules\/((@[^/]+\/)?[^/]+)/);
  if (m) return m[1];
  return url.startsWith("node:") ? "node (http2, streams, tls, ...)" : url;
};
const byPkg = new Map();
const byFn = new Map();
let busy = 0;
for (const [at, node, d] of samples) {
  if (at < from || at > to) continue;
  busy += d;
  const { functionName, url, lineNumber } = node.callFrame;
  const pkg = pkgOf(url, functionName);
  byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + d);
  const fn = `${functionName || "(anonymous)"} ${url.replace(/.*node_modules\//, "")}:${lineNumber + 1}`;
  byFn.set(fn, (byFn.get(fn) ?? 0) + d);
}
const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k);
const span = busiest > 0 ? `${(to - from).toFixed(0)} ms from ${from.toFixed(0)} ms` : `${t.toFixed(0)} ms`;
process.stdout.write(`${file}: ${busy.toFixed(0)} ms of CPU in ${span}\n\nby package:\n`);
for (const [k, v] of top(byPkg, 15))
  process.stdout.write(`${v.toFixed(0).padStart(7)} ms ${((100 * v) / busy).toFixed(0).padStart(3)} %  ${k}\n`);
process.stdout.write("\nby function (self time):\n");
for (const [k, v] of top(byFn, 20)) process.stdout.write(`${v.toFixed(1).padStart(7)} ms  ${k}\n`);
