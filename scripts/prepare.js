#!/usr/bin/env node
// npm lifecycle hooks of this repository, one file:
//  - `prepare` (after `npm install` / `npm ci` in this checkout, and in a temporary clone when the
//    package is installed from git): builds dist/, then, for an install in this checkout, installs the
//    packed package into stack/ so that `pulumi up` of the root stack works right after the README's
//    install command. `npm run stack:install` runs the second half again (after changing src/).
//  - `prepack` / `postpack` (around `npm pack` and `npm publish`): build dist/, then take the
//    repository's `scripts` out of package.json while npm packs it, and put package.json back
//    byte for byte afterwards. A published package.json carries no `prepare` (npm lists it as an
//    install script in every user's project and asks to approve it) and no development scripts
//    (build, test, lint), which mean nothing outside this checkout. `npm run pack:check` asserts both.
//
//   node scripts/prepare.js              build; install into stack/ when run by npm install/ci here
//   node scripts/prepare.js --stack      build and install into stack/ (npm run stack:install)
//   node scripts/prepare.js --prepack    build; package.json without `scripts` (saved in .stack/)
//   node scripts/prepare.js --postpack   package.json back as it was
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const manifest = path.join(root, "package.json");
// The repository's own package.json while npm packs the published one (.stack/ is ignored by git).
const saved = path.join(root, ".stack", "package.json.prepack");

/** The package.json npm publishes: this one without `scripts` (pure: text in, text out). */
function publishedManifest(text) {
  const pkg = JSON.parse(text);
  delete pkg.scripts;
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/** Puts the saved package.json back (a pack that stopped before `postpack` left it out). */
function restore() {
  if (!fs.existsSync(saved)) return false;
  fs.copyFileSync(saved, manifest);
  fs.rmSync(saved);
  return true;
}

function build({ clean = false } = {}) {
  // A pack starts from an empty dist/: files of moved or deleted sources must not ship.
  if (clean) fs.rmSync(path.join(root, "dist"), { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit",
  });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}

function main() {
  if (process.argv.includes("--postpack")) {
    restore();
    return;
  }
  if (process.argv.includes("--prepack")) {
    if (restore()) console.error("prepack: package.json restored from an earlier pack that did not finish");
    build({ clean: true });
    const text = fs.readFileSync(manifest, "utf8");
    fs.mkdirSync(path.dirname(saved), { recursive: true });
    fs.writeFileSync(saved, text);
    fs.writeFileSync(manifest, publishedManifest(text));
    return;
  }
  const stackOnly = process.argv.includes("--stack");
  build();

  // npm runs `prepare` for pack and publish too, and in a temporary clone when the package is installed
  // from git: only an install run in this checkout fills stack/.
  const command = process.env.npm_command;
  const here = process.env.INIT_CWD && path.resolve(process.env.INIT_CWD) === root;
  const installing = command === "install" || command === "ci";
  if (!stackOnly && !(installing && here && !process.env.ENTRA_SKIP_STACK_INSTALL)) return;
  if (!fs.existsSync(path.join(root, "stack", "index.ts"))) return;

  const { installPackage } = require("./prepare-e2e.js");
  const started = Date.now();
  installPackage(root, path.join(root, "stack"), { typescript: true });
  console.log(
    `prepare: installed pulumi-entra-invitation (packed from this checkout) into stack/ in ${((Date.now() - started) / 1000).toFixed(1)} s; after changing src/, run \`npm run stack:install\``,
  );
}

if (require.main === module) main();

module.exports = { publishedManifest };
