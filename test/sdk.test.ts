/**
 * The door to the SDK (src/sdk.ts): every private path of `@pulumi/pulumi` it uses is still where it
 * was, in the installed SDK; every process-wide key of the package is the door's and documented.
 * A failure names the path and the SDK version, so an SDK upgrade that moves one says which.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROCESS_KEYS, SDK_PRIVATE_USES } from "../src/sdk";

const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const sdkVersion = (JSON.parse(fs.readFileSync(path.join(sdkDir, "package.json"), "utf8")) as { version: string }).version;
const pluginDir = path.join(sdkDir, "cmd/dynamic-provider");

/** Where the plugin finds `file`: a file of the SDK, or a package resolved from the plugin's folder. */
function locate(file: string): string {
  if (!file.startsWith("@")) return path.join(sdkDir, file);
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
      if (!where || !fs.existsSync(where)) throw new Error(moved(`${file} is gone, so is its ${member} (used for: ${use.why})`));
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK file by path, as the plugin loads it
      const exports = require(where) as Record<string, unknown>;
      let v: unknown = exports;
      for (const part of member.split(".")) v = v === undefined || v === null ? undefined : (v as Record<string, unknown>)[part];
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

describe("process-wide keys", () => {
  const srcDir = path.resolve(__dirname, "../src");
  const files = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
  const used = files(srcDir).flatMap((f) => [...fs.readFileSync(f, "utf8").matchAll(/Symbol\.for\("([^"]+)"\)/g)].map((m) => ({ key: m[1], file: path.relative(srcDir, f) })));
  const compatibility = fs.readFileSync(path.resolve(__dirname, "../docs/compatibility.md"), "utf8");
  const keys = Object.values(PROCESS_KEYS);

  it("every Symbol.for in src/ is one of the door's PROCESS_KEYS", () => {
    const strays = used.filter((u) => !(keys as readonly string[]).includes(u.key)).map((u) => `${u.key} (src/${u.file})`);
    expect(strays).toEqual([]);
  });

  it.each(keys.map((k) => [k]))("docs/compatibility.md lists %s", (key) => {
    expect(compatibility).toContain(`\`${key}\``);
  });
});
