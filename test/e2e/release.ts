/**
 * A released version of this package, built from git, for upgrade tests: the package as it was at a
 * commit (the previous release point), packed the way `npm pack` packs it, and installed into a
 * package folder of its own beside a program, as a user who installed that release has it. Then the
 * package in that folder is swapped for another tarball (the working tree's), as `npm update` does.
 *
 * Repository tooling, not part of the published test kit: it needs this checkout's git history and
 * node_modules.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// The one `npm install` into a package folder, shared with the scripts (plain JavaScript, hence require).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { npmInstallInto } = require("../../scripts/prepare-e2e.js") as {
  npmInstallInto: (dir: string, packages: string[], stderr?: "inherit" | "pipe") => void;
};

/** The package's name, as installed in node_modules. */
export const PACKAGE_NAME = "pulumi-entra-invitation";

/** The repository root (this file is test/e2e/release.ts). */
export const REPO_ROOT = path.resolve(__dirname, "../..");

/** A packed package: its tarball and its package.json. */
export interface PackedPackage {
  tarball: string;
  version: string;
  dependencies: Record<string, string>;
  /** What this tarball is: a commit (`e051d87…`) or `working tree`. */
  source: string;
  /** Seconds it took (0 when taken from the cache). */
  seconds: number;
  cached: boolean;
}

function git(args: string[], cwd: string): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/**
 * The full id of `commit`, or an error that says why it is missing: a shallow clone (CI checkouts
 * often are) lacks the history the upgrade test builds the previous release from.
 */
export function resolveCommit(commit: string, root = REPO_ROOT): string {
  try {
    return git(["rev-parse", "--verify", "--quiet", `${commit}^{commit}`], root);
  } catch {
    let shallow = "";
    try {
      shallow = git(["rev-parse", "--is-shallow-repository"], root) === "true" ? " This is a shallow clone." : "";
    } catch {
      shallow = ` ${root} is not a git checkout.`;
    }
    throw new Error(
      `the previous release point, commit ${commit}, is not in this clone.${shallow} The upgrade test builds that release from git, so it needs the history ` +
        `(\`git fetch --unshallow\`, or in GitHub Actions \`actions/checkout\` with \`fetch-depth: 0\`). The test fails rather than skip: an untested upgrade is a breaking change waiting to ship.`,
    );
  }
}

function readPackageJson(tarball: string): { version: string; dependencies: Record<string, string> } {
  const text = execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" });
  const pkg = JSON.parse(text) as { version: string; dependencies?: Record<string, string> };
  return { version: pkg.version, dependencies: pkg.dependencies ?? {} };
}

/**
 * `npm pack` of the package as of `commit`: the commit's files (`git archive`) in a temporary folder,
 * with this checkout's node_modules (a symlink) to compile it with the commit's own
 * tsconfig.build.json. The tarball is kept in `<root>/.stack/releases/<sha>.tgz` (ignored by git): a
 * commit's build does not change, so later runs reuse it.
 */
export function packCommit(commit: string, root = REPO_ROOT): PackedPackage {
  const started = Date.now();
  const sha = resolveCommit(commit, root);
  const cacheDir = path.join(root, ".stack", "releases");
  const tarball = path.join(cacheDir, `${PACKAGE_NAME}-${sha}.tgz`);
  if (fs.existsSync(tarball))
    return { tarball, ...readPackageJson(tarball), source: sha.slice(0, 7), seconds: 0, cached: true };
  fs.mkdirSync(cacheDir, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `entra-release-${sha.slice(0, 7)}-`));
  try {
    const src = path.join(work, "src-tree");
    fs.mkdirSync(src);
    git(["archive", "--format=tar", "-o", path.join(work, "tree.tar"), sha], root);
    execFileSync("tar", ["-xf", path.join(work, "tree.tar"), "-C", src]);
    fs.symlinkSync(path.join(root, "node_modules"), path.join(src, "node_modules"), "dir");
    execFileSync(
      process.execPath,
      [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
      { cwd: src, stdio: ["ignore", "pipe", "pipe"] },
    );
    const name = packInto(src, work);
    // Rename, then move: a concurrent run never sees a half-written tarball.
    const tmp = `${tarball}.${process.pid}`;
    fs.copyFileSync(path.join(work, name), tmp);
    fs.renameSync(tmp, tarball);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return {
    tarball,
    ...readPackageJson(tarball),
    source: sha.slice(0, 7),
    seconds: (Date.now() - started) / 1000,
    cached: false,
  };
}

/** `npm pack --ignore-scripts` of the package in `dir` into `dest`; returns the tarball's file name. */
function packInto(dir: string, dest: string): string {
  const out = execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", dest], {
    cwd: dir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return out.trim().split("\n").pop()!;
}

/**
 * `npm pack` of this checkout's working tree (dist/ as built: scripts/test.js builds it before the
 * tests), into `dest`.
 */
export function packWorkingTree(dest: string, root = REPO_ROOT): PackedPackage {
  const started = Date.now();
  fs.mkdirSync(dest, { recursive: true });
  const tarball = path.join(dest, packInto(root, dest));
  return {
    tarball,
    ...readPackageJson(tarball),
    source: "working tree",
    seconds: (Date.now() - started) / 1000,
    cached: false,
  };
}

/** A tarball made elsewhere (e.g. a release candidate's `npm pack`). */
export function packedTarball(tarball: string): PackedPackage {
  return { tarball, ...readPackageJson(tarball), source: tarball, seconds: 0, cached: false };
}

/**
 * Install a tarball into `dir` as scripts/prepare-e2e.js installPackage does, through its
 * npmInstallInto (`dir` gets a package.json of its own, then `npm install` of the tarball, with its
 * dependencies from npm's cache), with TypeScript and Node's types at this checkout's versions (as
 * `pulumi new typescript` puts them beside a program), and `more` packages (`name@version`). Returns
 * the installed package's folder.
 */
export function installTarball(dir: string, pkg: PackedPackage, root = REPO_ROOT, more: string[] = []): string {
  const version = (p: string): string =>
    (JSON.parse(fs.readFileSync(path.join(root, "node_modules", p, "package.json"), "utf8")) as { version: string })
      .version;
  const extra = [...["typescript", "@types/node"].map((p) => `${p}@${version(p)}`), ...more];
  npmInstallInto(dir, [pkg.tarball, ...extra], "pipe");
  return path.join(dir, "node_modules", PACKAGE_NAME);
}

/**
 * Put `pkg` in place of the package installed in `dir`'s node_modules, as an upgrade (or a
 * downgrade) does when the two versions have the same dependencies: the package's own files change,
 * its dependencies stay. (Two builds of one version number: npm would take the installed one for the
 * same package, so the folder is replaced from the tarball, as npm unpacks it.) Different
 * dependencies go through `npm install`.
 */
export function replaceInstalled(dir: string, pkg: PackedPackage, root = REPO_ROOT): string {
  const target = path.join(dir, "node_modules", PACKAGE_NAME);
  const installed = JSON.parse(fs.readFileSync(path.join(target, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  if (JSON.stringify(installed.dependencies ?? {}) !== JSON.stringify(pkg.dependencies))
    return installTarball(dir, pkg, root);
  const staging = `${target}.next-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  execFileSync("tar", ["-xzf", pkg.tarball, "-C", staging, "--strip-components=1"]);
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(staging, target);
  return target;
}

/** Remove a folder tree (a package folder's node_modules: `rm -rf` is several times faster than fs.rmSync). */
export function removeTree(dir: string): void {
  if (!fs.existsSync(dir)) return;
  if (process.platform === "win32") fs.rmSync(dir, { recursive: true, force: true });
  else execFileSync("rm", ["-rf", dir]);
}

/** A hash of an installed package's files: which build is in place. */
export function installedFingerprint(dir: string): string {
  const target = path.join(dir, "node_modules", PACKAGE_NAME);
  const hash = createHash("sha256");
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else hash.update(`${path.relative(target, p)}\0`).update(fs.readFileSync(p));
    }
  };
  walk(target);
  return hash.digest("hex").slice(0, 16);
}
