#!/usr/bin/env node
// `npm run pack:check`: checks the package as it would be published, before it is.
//  1. `npm pack --json` into a temporary folder (npm runs the `prepack` hook, which builds dist/;
//     without such a hook the package is built first);
//  2. the packed package.json: no `scripts` at all (no `prepare`, which npm lists as an install
//     script in a user's project, no build/test/lint scripts: the `prepack` hook takes them out), and
//     this checkout's package.json unchanged afterwards (the `postpack` hook puts it back);
//     the file list: every public entry point (package.json `exports`, `bin`) with its .d.ts,
//     README.md, LICENSE and package.json must be in it; nothing from src/ or test/, no TypeScript
//     sources, tests, benchmark code or tarballs; and no dist/ file whose source is gone (a stale
//     build would publish a module that no longer exists);
//  3. the types as consumers see them: @arethetypeswrong/cli on the packed tarball, every entry point
//     under node10, node16 (from CommonJS and from ESM) and bundler resolution. No rule is ignored.
// Exits non-zero on any problem; prints the numbers (files, sizes) either way.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const say = (msg) => process.stdout.write(`pack:check: ${msg}\n`);
const problems = [];

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...opts });
}

// The npm that runs this script (`npm run pack:check`), else the one on PATH.
const npm = (args) =>
  process.env.npm_execpath && /\.[cm]?js$/.test(process.env.npm_execpath)
    ? run(process.execPath, [process.env.npm_execpath, ...args])
    : run("npm", args, { shell: process.platform === "win32" });

// 1. Pack.
if (!pkg.scripts?.prepare && !pkg.scripts?.prepack) {
  say("no prepare/prepack hook: building first");
  const b = run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
    stdio: "inherit",
  });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const manifestBefore = fs.readFileSync(path.join(root, "package.json"), "utf8");
const dest = fs.mkdtempSync(path.join(os.tmpdir(), "entra-pack-check-"));
try {
  const packed = npm(["pack", "--json", "--pack-destination", dest]);
  if (packed.status !== 0) {
    process.stderr.write(packed.stdout + packed.stderr);
    throw new Error(`npm pack failed (exit ${packed.status})`);
  }
  // Lifecycle output may precede the JSON: it is the last top-level array on stdout.
  const start = packed.stdout.lastIndexOf("\n[") + 1;
  const [info] = JSON.parse(packed.stdout.slice(start));
  const files = info.files.map((f) => f.path).sort();
  const tarball = path.join(dest, info.filename);

  // 2. The packed package.json, and ours after packing.
  const packedPkg = JSON.parse(
    spawnSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" }).stdout,
  );
  const scripts = Object.keys(packedPkg.scripts ?? {});
  if (scripts.length)
    problems.push(
      `the packed package.json has scripts (${scripts.join(", ")}): a published package needs none, and npm asks users to approve \`prepare\`/install scripts; the prepack hook (scripts/prepare.js --prepack) must take them out`,
    );
  if (fs.readFileSync(path.join(root, "package.json"), "utf8") !== manifestBefore)
    problems.push(
      "package.json differs after npm pack: the postpack hook (scripts/prepare.js --postpack) did not put it back; `git diff package.json`",
    );
  say(
    `packed package.json: ${scripts.length ? `scripts ${scripts.join(", ")}` : "no scripts"}; this checkout's package.json ${fs.readFileSync(path.join(root, "package.json"), "utf8") === manifestBefore ? "unchanged" : "CHANGED"}`,
  );

  // The file list.
  const listed = new Set(files);
  const required = new Set(["package.json", "README.md", "LICENSE"]);
  for (const target of Object.values(pkg.exports ?? {})) {
    for (const t of typeof target === "string" ? [target] : Object.values(target))
      required.add(path.posix.normalize(t));
  }
  for (const t of [pkg.main, pkg.types]) if (t) required.add(path.posix.normalize(t));
  for (const map of Object.values(pkg.typesVersions ?? {}))
    for (const ts of Object.values(map)) for (const t of ts) required.add(path.posix.normalize(t));
  for (const t of Object.values(typeof pkg.bin === "string" ? { [pkg.name]: pkg.bin } : (pkg.bin ?? {})))
    required.add(path.posix.normalize(t));
  // The four entry points by name, whatever `exports` says.
  for (const e of ["dist/index", "dist/provider/index", "dist/emulator/index", "dist/testing/index"]) {
    required.add(`${e}.js`);
    required.add(`${e}.d.ts`);
  }
  for (const f of [...required].sort()) if (!listed.has(f)) problems.push(`missing from the package: ${f}`);

  for (const f of files) {
    if (/^(src|test|scripts|examples|stack|docs|coverage|\.[^/]+)\//.test(f))
      problems.push(`must not be published: ${f}`);
    else if (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)) problems.push(`TypeScript source in the package: ${f}`);
    else if (/(^|\/)[^/]*\.test\.[^/]+$/.test(f) || f.startsWith("dist/bench/"))
      problems.push(`test or benchmark code in the package: ${f}`);
    else if (/\.(tgz|log)$/.test(f) || /(^|\/)\.env/.test(f)) problems.push(`stray file in the package: ${f}`);
    const m = /^dist\/(.+?)(\.d\.ts|\.js)$/.exec(f);
    if (m && !fs.existsSync(path.join(root, "src", `${m[1]}.ts`)))
      problems.push(`stale build output (no src/${m[1]}.ts): ${f}; delete dist/ and pack again`);
  }
  say(
    `${info.filename}: ${files.length} files, ${(info.size / 1024).toFixed(1)} kB packed, ${(info.unpackedSize / 1024).toFixed(1)} kB unpacked`,
  );

  // 3. The types as consumers see them.
  const attwBin = path.join(
    path.dirname(require.resolve("@arethetypeswrong/cli/package.json")),
    require("@arethetypeswrong/cli/package.json").bin.attw,
  );
  const attw = run(
    process.execPath,
    [attwBin, tarball, "--no-definitely-typed", "--format", "table-flipped", "--no-emoji", "--no-color"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const out = (attw.stdout + attw.stderr).trim();
  if (attw.status !== 0) {
    process.stdout.write(`${out}\n`);
    problems.push(`@arethetypeswrong/cli found problems in the types (exit ${attw.status}): see the table above`);
  } else {
    say(
      `@arethetypeswrong/cli: ${/No problems found/.test(out) ? "no problems found" : "passed"} (${Object.keys(pkg.exports ?? {}).length} entry points; node10, node16 from CJS and from ESM, bundler)`,
    );
  }
} finally {
  fs.rmSync(dest, { recursive: true, force: true });
}

if (problems.length) {
  for (const p of problems) process.stderr.write(`pack:check: ${p}\n`);
  process.stderr.write(`pack:check: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n`);
  process.exit(1);
}
say("ok");
