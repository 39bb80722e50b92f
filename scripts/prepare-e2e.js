// Prepares what the end-to-end suites, the demo and the benchmark need:
//  - installPackage(): this package installed the way a user gets it (npm pack, then unpacked into
//    <dir>/node_modules/pulumi-entra-invitation), so Pulumi serializes the provider as users see it;
//  - npmInstallInto(): the `npm install` into a package folder of its own that installPackage does;
//  - preparePulumi(): the Pulumi CLI (built from source if none is on PATH) and the dynamic-provider
//    launcher on PATH, a local backend, no update checks.
"use strict";
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

/**
 * `npm install` of `packages` (tarballs, `name@version`) into <dir>, with their dependencies from npm's
 * cache where it can. <dir> first gets a package.json of its own (if it has none), so Node does not
 * resolve the package name to this checkout. npm's errors go to `stderr`: "inherit" or "pipe" (then
 * they are in the thrown error). Also test/e2e/release.ts's installTarball.
 */
function npmInstallInto(dir, packages, stderr = "inherit") {
  fs.mkdirSync(dir, { recursive: true });
  const pkgJson = path.join(dir, "package.json");
  if (!fs.existsSync(pkgJson))
    fs.writeFileSync(
      pkgJson,
      JSON.stringify({ name: `entra-invitation-${path.basename(dir)}`, private: true }, null, 2) + "\n",
    );
  execFileSync(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--no-save",
      "--no-package-lock",
      "--loglevel=error",
      ...packages,
    ],
    { cwd: dir, stdio: ["ignore", "ignore", stderr] },
  );
}

/**
 * `npm pack` the built package and `npm install` the tarball into <dir> (npmInstallInto), with its
 * dependencies from npm's cache. That is what a user's program has: @pulumi/pulumi and this package
 * side by side. With `typescript`, also TypeScript and Node's types at this checkout's versions, as
 * `pulumi new typescript` puts them beside a TypeScript program.
 */
function installPackage(root, dir, { typescript = false } = {}) {
  root = path.resolve(root);
  dir = path.resolve(dir);
  const out = path.join(root, ".stack");
  fs.mkdirSync(out, { recursive: true });
  const name = execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", out], {
    cwd: root,
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    .pop();
  const extra = typescript
    ? ["typescript", "@types/node"].map(
        (p) => `${p}@${require(path.join(root, "node_modules", p, "package.json")).version}`,
      )
    : [];
  npmInstallInto(dir, [path.join(out, name), ...extra]);
  fs.rmSync(path.join(out, name));
  return path.join(dir, "node_modules", "pulumi-entra-invitation");
}

/**
 * Environment for running the Pulumi CLI (and its Node.js language host) here; with `e2ePackage`,
 * also the package installed into .stack/pkg, where the test kit makes its program folders.
 */
function preparePulumi(root, env = process.env, { e2ePackage = true } = {}) {
  const bin = execFileSync("bash", [path.join(root, "scripts/ensure-pulumi.sh")], {
    cwd: root,
    encoding: "utf8",
    env,
    stdio: ["ignore", "pipe", "inherit"],
  })
    .trim()
    .split("\n")
    .pop();
  if (e2ePackage) installPackage(root, path.join(root, ".stack/pkg"), { typescript: true });
  return {
    PATH: [bin, env.PATH].join(path.delimiter),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    ENTRA_E2E_PACKAGE_DIR: path.join(root, ".stack/pkg"),
  };
}

module.exports = { installPackage, npmInstallInto, preparePulumi };
