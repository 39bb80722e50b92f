/** The setup that several end-to-end suites share: an emulator, a {@link TestStack} against it, and the check of a run. */
import { providerEnv, startEmulator, TestStack } from "../../src/testing";
import type { RunningEmulator, RunResult, TestStackOptions } from "../../src/testing";

/** A stack of these options whose provider plugin talks to `emu` (its Graph endpoint and credentials from `providerEnv`). */
export const stackAgainst = (emu: RunningEmulator, o: Omit<TestStackOptions, "env">): TestStack =>
  new TestStack({ ...o, env: providerEnv(emu) });

/**
 * Registers a suite's shared hooks: before all its tests, an emulator and a stack of these options
 * against it, handed to `use` (which keeps them in the suite's variables); after all, the emulator
 * closed and the stack's folder removed.
 */
export function withEmulatedStack(
  o: Omit<TestStackOptions, "env">,
  use: (emu: RunningEmulator, stack: TestStack) => void,
): void {
  let emu: RunningEmulator | undefined;
  let stack: TestStack | undefined;
  beforeAll(async () => {
    emu = await startEmulator();
    stack = stackAgainst(emu, o);
    use(emu, stack);
  });
  afterAll(async () => {
    await emu?.close();
    stack?.dispose();
  });
}

/** The run, when it succeeded; else an error naming the operation, its error and the CLI's output. */
export const ok = (r: RunResult): RunResult => {
  if (!r.ok) throw new Error(`${r.op} failed: ${r.error}\n${r.stdout}\n${r.stderr}`);
  return r;
};
