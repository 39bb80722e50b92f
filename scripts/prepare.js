#!/usr/bin/env node
// npm's `prepare` hook (runs after `npm install` / `npm ci` in this checkout, and before `npm pack` /
// `npm publish`): builds dist/, then, for an install in this checkout, installs the packed package
// into stack/ so that `pulumi up` of the root stack works right after the README's install command.
// `npm run stack:install` runs the second half again (after changing src/).
//
//   node scripts/prepare.js            build; install into stack/ when run by npm install/ci here
//   node scripts/prepare.js --stack    build and install into stack/ (npm run stack:install)
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const stackOnly = process.argv.includes("--stack");

const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

// npm runs `prepare` for pack and publish too, and in a temporary clone when the package is installed
// from git: only an install run in this checkout fills stack/.
const command = process.env.npm_command;
const here = process.env.INIT_CWD && path.resolve(process.env.INIT_CWD) === root;
const installing = command === "install" || command === "ci";
if (!stackOnly && !(installing && here && !process.env.ENTRA_SKIP_STACK_INSTALL)) process.exit(0);
if (!fs.existsSync(path.join(root, "stack", "index.ts"))) process.exit(0);

const { installPackage } = require("./prepare-e2e.js");
const started = Date.now();
installPackage(root, path.join(root, "stack"), { typescript: true });
console.log(`prepare: installed pulumi-entra-invitation (packed from this checkout) into stack/ in ${((Date.now() - started) / 1000).toFixed(1)} s; after changing src/, run \`npm run stack:install\``);
