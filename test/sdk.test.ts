/**
 * The door to the SDK (src/sdk.ts): every private path of `@pulumi/pulumi` it uses is still where it
 * was, in the installed SDK; no other file reaches one; every process-wide key of the package is the
 * door's; docs/compatibility.md lists exactly those paths and keys. A failure names the path and the
 * SDK version, so an SDK upgrade that moves one says which.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isSdkPackage, PROCESS_KEYS, SDK_ENTRIES, SDK_MODULES, SDK_PRIVATE_USES, sdkEntry } from "../src/sdk";

const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const sdkVersion = (JSON.parse(fs.readFileSync(path.join(sdkDir, "package.json"), "utf8")) as { version: string })
  .version;
const pluginDir = path.dirname(sdkEntry("plugin"));

/** Where the plugin finds `file`: a file of the SDK, or a package resolved from the plugin's folder. */
function locate(file: string): string {
  if (!isSdkPackage(file)) return path.join(sdkDir, file);
  try {
    return require.resolve(file, { paths: [pluginDir] });
  } catch {
    return "";
  }
}

function moved(what: string): string {
  return `@pulumi/pulumi ${sdkVersion} (${sdkDir}): ${what}. src/sdk.ts (SDK_PRIVATE_USES) depends on it: adapt the door to this SDK version, or keep the SDK range below it (docs/compatibility.md)`;
}

describe.each(SDK_PRIVATE_USES.map((u) => [u.file, u] as const))("@pulumi/pulumi's %s", (file, use) => {
  const where = locate(file);

  it("is where the door reaches it", () => {
    if (!where || !fs.existsSync(where)) throw new Error(moved(`${file} is gone (used for: ${use.why})`));
    expect(fs.existsSync(where)).toBe(true);
  });

  if (use.members?.length) {
    it.each(use.members.map((m) => [m]))("has %s", (member) => {
      if (!where || !fs.existsSync(where))
        throw new Error(moved(`${file} is gone, so is its ${member} (used for: ${use.why})`));
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK file by path, as the plugin loads it
      const exports = require(where) as Record<string, unknown>;
      let v: unknown = exports;
      for (const part of member.split("."))
        v = v === undefined || v === null ? undefined : (v as Record<string, unknown>)[part];
      if (v === undefined) throw new Error(moved(`${file} has no ${member} any more (used for: ${use.why})`));
      expect(v).toBeDefined();
    });
  }

  if (use.texts?.length) {
    it.each(use.texts.map((t) => [t]))("says %s", (text) => {
      if (!where || !fs.existsSync(where)) throw new Error(moved(`${file} is gone (used for: ${use.why})`));
      const source = fs.readFileSync(where, "utf8");
      if (!source.includes(text)) throw new Error(moved(`${file} no longer contains ${text} (used for: ${use.why})`));
      expect(source).toContain(text);
    });
  }
});

const root = path.resolve(__dirname, "..");
/** The project's own code: what ships (src/), the benchmark, the tests, the scripts. */
function files(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : files(rel);
    return /\.(ts|js)$/.test(e.name) ? [rel] : [];
  });
}
const sources = ["src", "bench", "test", "scripts"].flatMap(files);
const DOOR = "src/sdk.ts";

/** The code of a file without its comments (a comment may name what it does not reach). */
function code(file: string): string {
  return fs
    .readFileSync(path.join(root, file), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:\\])\/\/.*$/gm, "$1");
}

/** What reaching into the SDK looks like in code. */
const REACHES: readonly [what: string, pattern: RegExp][] = [
  ["a private folder of the SDK by package path", /@pulumi\/pulumi\/(?:cmd|proto)\b/],
  ["an entry point of the SDK", /\bcmd\/(?:dynamic-provider|run)/],
  ["a protocol file of the SDK", /\bproto\/\w+_pb\b/],
  ["protobuf as the SDK resolves it", /google-protobuf\//],
  ["a mark of the SDK", /__pulumi[A-Z]\w*/],
  ["the main module (how the door detects the plugin)", /require\.main(?!\s*===\s*module\b)/],
];

describe("no file but the door reaches into the SDK", () => {
  it.each(REACHES.map(([what, re]) => [what, re] as const))("%s", (what, re) => {
    const strays = sources
      .filter((f) => f !== DOOR)
      .flatMap((f) => {
        const m = re.exec(code(f));
        return m ? [`${f}: ${m[0]}`] : [];
      });
    if (strays.length)
      throw new Error(
        `${what} outside ${DOOR}: ${strays.join(", ")}. Reach it through the door (sdkEntry, sdkModule, sdkProcess, or a new function there) and list the path in SDK_PRIVATE_USES`,
      );
    expect(strays).toEqual([]);
  });

  it("the door reaches every file it names through SDK_PRIVATE_USES", () => {
    const listed = new Set(SDK_PRIVATE_USES.map((u) => u.file));
    const named = [...Object.values(SDK_MODULES), ...Object.values(SDK_ENTRIES)].filter((f) => !listed.has(f));
    expect(named).toEqual([]);
  });
});

/** The rows of docs/compatibility.md's table of process-wide keys and private paths: [kind, name]. */
function documented(): [kind: string, name: string][] {
  const text = fs.readFileSync(path.join(root, "docs/compatibility.md"), "utf8");
  const start = text.indexOf("### Process-wide keys and the SDK's private paths");
  if (start < 0)
    throw new Error('docs/compatibility.md has no section "Process-wide keys and the SDK\'s private paths"');
  const section = text.slice(start).split(/\n### /)[0];
  return [...section.matchAll(/^\| (process key|SDK file|SDK module) \| `([^`]+)` \|/gm)].map((m) => [m[1], m[2]]);
}

describe("process-wide keys", () => {
  const used = sources.flatMap((f) =>
    [...code(f).matchAll(/Symbol\.for\("([^"]+)"\)/g)].map((m) => ({ key: m[1], file: f })),
  );
  const keys = Object.values(PROCESS_KEYS);

  it("every Symbol.for in src/, bench/, test/ and scripts/ is one of the door's PROCESS_KEYS", () => {
    const strays = used.filter((u) => !(keys as readonly string[]).includes(u.key)).map((u) => `${u.key} (${u.file})`);
    expect(strays).toEqual([]);
  });
});

describe("docs/compatibility.md's table", () => {
  const expected: [string, string][] = [
    ...Object.values(PROCESS_KEYS).map((k): [string, string] => ["process key", k]),
    ...SDK_PRIVATE_USES.map((u): [string, string] => [isSdkPackage(u.file) ? "SDK module" : "SDK file", u.file]),
  ];
  const show = (r: readonly [string, string]) => `${r[0]} \`${r[1]}\``;

  it.each(expected.map((r) => [show(r), r] as const))("lists %s", (_, row) => {
    expect(documented().map(show)).toContain(show(row));
  });

  it("lists nothing else (every row is a PROCESS_KEYS key or an SDK_PRIVATE_USES path)", () => {
    expect(
      documented()
        .map(show)
        .filter((r) => !expected.map(show).includes(r)),
    ).toEqual([]);
  });
});
