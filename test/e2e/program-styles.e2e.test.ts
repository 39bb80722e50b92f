/**
 * The package in each program style a user picks with `pulumi new` or by hand: TypeScript CommonJS
 * (the `pulumi new typescript` layout), TypeScript ESM, JavaScript CommonJS and JavaScript ESM (as
 * `"type": "module"` with index.js, and as index.mjs). Each is run by the plain `pulumi` CLI through
 * the Node.js language host: up invites two guests, state holds the provider as the one
 * `require("pulumi-entra-invitation/provider")` line with no path (the same text in every style), a
 * preview after it shows no changes, destroy removes the guests.
 *
 * TypeScript ESM needs ts-node in the project: the SDK runs an ESM TypeScript program through
 * `ts-node/esm`, which its own vendored ts-node (7.0.1) lacks. Without it the program does not start
 * (asserted below, with the error a user sees); README "Program styles" says what to install.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { graphWrites, providerEnv, requestsTo, startEmulator, TestStack } from "../../src/testing";
import type { RunningEmulator, RunResult } from "../../src/testing";
import { INVITATION, redirect } from "./programs";
import { TYPESCRIPT_TSCONFIG } from "../../src/testing/stack";
import { installTarball, packWorkingTree, removeTree, REPO_ROOT } from "./release";

jest.setTimeout(300_000);

/** The ts-node a TypeScript ESM project adds (the 10.x line has `ts-node/esm`). */
const TS_NODE = "ts-node@10.9.2";

interface Style {
  /** The test's name for the style. */
  name: string;
  programFile: string;
  program: (domain: string) => string;
  /** package.json (and tsconfig.json) when not TestStack's (`pulumi new typescript`). */
  files?: Record<string, string>;
  /** The project has ts-node installed (a package folder of its own). */
  tsNode?: boolean;
}

const packageJson = (main: string, type?: "module", dev: Record<string, string> = {}): string =>
  JSON.stringify(
    {
      name: "style",
      main,
      ...(type ? { type } : {}),
      devDependencies: { "@types/node": "^20", typescript: "^5", ...dev },
      dependencies: { "@pulumi/pulumi": "^3", "pulumi-entra-invitation": "*" },
    },
    null,
    2,
  ) + "\n";

/** The same two guests in every style; `domain` keeps each style's guests apart. */
const guests = (domain: string, ts: boolean): string => `
const redirect${ts ? ": string" : ""} = "${redirect}";
const guests = ["ana", "ben"].map((n) => new Invitation(n, { invitedUserEmailAddress: \`\${n}@${domain}\`, inviteRedirectUrl: redirect }));
`;
const esmProgram =
  (ts: boolean) =>
  (d: string): string =>
    `import { Invitation } from "pulumi-entra-invitation";\n${guests(d, ts)}\nexport const userIds = guests.map((g) => g.userId);\n`;

const ESM_TSCONFIG =
  JSON.stringify(
    {
      compilerOptions: {
        ...TYPESCRIPT_TSCONFIG.compilerOptions,
        target: "es2022",
        module: "nodenext",
        moduleResolution: "nodenext",
      },
      files: ["index.ts"],
    },
    null,
    2,
  ) + "\n";

const STYLES: Style[] = [
  { name: "TypeScript, CommonJS (pulumi new typescript)", programFile: "index.ts", program: esmProgram(true) },
  {
    name: "TypeScript, ESM (type: module, module: nodenext, ts-node installed)",
    programFile: "index.ts",
    program: esmProgram(true),
    files: {
      "package.json": packageJson("index.ts", "module", { "ts-node": "^10.9.2" }),
      "tsconfig.json": ESM_TSCONFIG,
    },
    tsNode: true,
  },
  {
    name: "JavaScript, CommonJS (require)",
    programFile: "index.js",
    program: (d) =>
      `"use strict";\nconst { Invitation } = require("pulumi-entra-invitation");\n${guests(d, false)}\nexports.userIds = guests.map((g) => g.userId);\n`,
  },
  {
    name: "JavaScript, ESM (type: module, index.js)",
    programFile: "index.js",
    program: esmProgram(false),
    files: { "package.json": packageJson("index.js", "module") },
  },
  {
    name: "JavaScript, ESM (index.mjs)",
    programFile: "index.mjs",
    program: esmProgram(false),
    files: { "package.json": packageJson("index.mjs") },
  },
];

let emu: RunningEmulator;
/** A package folder with the working tree's package and ts-node, made on first use. */
let tsNodeDir: string | undefined;
const tsNodePackageDir = (): string => {
  if (tsNodeDir) return tsNodeDir;
  const dir = path.join(REPO_ROOT, ".stack", "styles-ts-node");
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "entra-styles-pack-"));
  try {
    removeTree(dir);
    installTarball(dir, packWorkingTree(tmp), REPO_ROOT, [TS_NODE]);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return (tsNodeDir = dir);
};

beforeAll(async () => (emu = await startEmulator()));
afterAll(async () => {
  await emu?.close();
  if (tsNodeDir) removeTree(tsNodeDir);
});

const ok = (r: RunResult): RunResult => {
  if (!r.ok) throw new Error(`${r.op} failed: ${r.error}\n${r.stdout}\n${r.stderr}`);
  return r;
};

const seconds: Record<string, number> = {};
afterAll(() =>
  process.stdout.write(
    `program styles: ${Object.entries(seconds)
      .map(([k, v]) => `${k}: ${v.toFixed(1)} s`)
      .join("; ")}\n`,
  ),
);

/** The provider text state holds, the same in every style (set by the first). */
let providerText: string | undefined;

test.each(STYLES.map((s, i) => [s.name, s, i] as const))(
  "%s: up invites two guests, state holds the one-line provider, no changes after, destroy removes them",
  async (_name, style, i) => {
    const t0 = Date.now();
    const domain = `style${i}.example`;
    const emails = [`ana@${domain}`, `ben@${domain}`];
    const packageDir = style.tsNode ? tsNodePackageDir() : undefined;
    const stack = new TestStack({
      name: `style-${i}`,
      packageDir,
      programFile: style.programFile,
      program: style.program(domain),
      files: style.files,
      env: providerEnv(emu),
    });
    try {
      emu.clearRequests();
      const up = ok(await stack.up());
      expect(requestsTo(emu.requests(), "POST", "/v1.0/invitations")).toHaveLength(2);
      const live = emu.users().filter((u) => !u.deletedDateTime && emails.includes(u.mail!));
      expect(live.map((u) => u.mail).sort()).toEqual(emails);
      expect(new Set(up.outputs!.userIds.value as string[])).toEqual(new Set(live.map((u) => u.id)));
      expect(up.diagnostics.filter((d) => d.severity === "warning" || d.severity === "error")).toEqual([]);

      const invs = (stack.exportState().deployment.resources ?? []).filter((r) => r.type === INVITATION);
      expect(invs).toHaveLength(2);
      for (const r of invs) {
        for (const provider of [r.inputs!.__provider, r.outputs!.__provider] as string[]) {
          // One module reference, the package's stable entry point; no path, small; the same text in
          // every style.
          expect(provider.match(/require\([^)]*\)/g)).toEqual(['require("pulumi-entra-invitation/provider")']);
          expect(provider).not.toMatch(/\/(work|home|tmp|Users|root|private|var)\/|[A-Za-z]:\\|file:/);
          expect(Buffer.byteLength(provider)).toBeLessThanOrEqual(1024);
          providerText ??= provider;
          expect(provider).toBe(providerText);
        }
      }

      emu.clearRequests();
      const preview = ok(await stack.preview());
      expect(preview.steps.filter((s) => s.op !== "same")).toEqual([]);
      expect(preview.steps.filter((s) => s.type === INVITATION)).toHaveLength(2);
      expect(graphWrites(emu.requests())).toEqual([]);

      ok(await stack.destroy());
      expect(emu.users().filter((u) => !u.deletedDateTime && emails.includes(u.mail!))).toEqual([]);
      expect(stack.exportState().deployment.resources ?? []).toEqual([]);
    } finally {
      seconds[style.name] = (Date.now() - t0) / 1000;
      stack.dispose();
    }
  },
);

test("TypeScript ESM without ts-node in the project: the program does not start, no guest is touched (the SDK's limitation)", async () => {
  const stack = new TestStack({
    name: "style-ts-esm-no-ts-node",
    program: esmProgram(true)("nots.example"),
    files: { "package.json": packageJson("index.ts", "module"), "tsconfig.json": ESM_TSCONFIG },
    env: providerEnv(emu),
  });
  try {
    emu.clearRequests();
    const up = await stack.up();
    expect(up.ok).toBe(false);
    expect(up.error).toContain('Unknown file extension ".ts"');
    expect(emu.requests()).toEqual([]);
  } finally {
    stack.dispose();
  }
});
