/**
 * The examples are runnable programs: each is run with the real engine against the emulator (up,
 * a no-change up, destroy), from its own index.ts, with the package installed as a user has it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { providerEnv, RunningEmulator, startEmulator, TestStack, graphWrites } from "../../src/testing";

jest.setTimeout(300_000);

let emu: RunningEmulator;
beforeAll(async () => (emu = await startEmulator()));
afterAll(async () => emu?.close());

const root = path.resolve(__dirname, "../..");

test.each([
  ["cmdlet-examples", 4],
  ["portal-csv", 4],
])("examples/%s: up invites %i guests, a second up changes nothing, destroy cleans up", async (name, count) => {
  emu.reset();
  const dir = path.join(root, "examples", name);
  const files: Record<string, string> = {};
  for (const f of fs.readdirSync(dir)) if (/\.(csv|ya?ml|json)$/.test(f) && f !== "package.json" && f !== "Pulumi.yaml" && f !== "tsconfig.json") files[f] = fs.readFileSync(path.join(dir, f), "utf8");
  const stack = new TestStack({ name: `example-${name}`, program: fs.readFileSync(path.join(dir, "index.ts"), "utf8"), programFile: "index.ts", env: providerEnv(emu), files });
  try {
    const up = await stack.up();
    if (!up.ok) throw new Error(`${up.error}\n${up.stdout}`);
    expect(emu.users().filter((u) => !u.deletedDateTime)).toHaveLength(count);
    emu.clearRequests();
    const again = await stack.up();
    expect(again.ok).toBe(true);
    expect(graphWrites(emu.requests())).toEqual([]);
    const down = await stack.destroy();
    expect(down.ok).toBe(true);
  } finally {
    stack.dispose();
  }
});
