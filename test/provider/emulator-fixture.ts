/**
 * For the provider's lifecycle tests: the emulator, the plugin's environment pointing at it (restored
 * afterwards) and the provider configured, before a file's (or a describe block's) tests.
 */
import { invitationProvider } from "../../src";
import { providerEnv, RunningEmulator, startEmulator } from "../../src/testing";
import { resetLifecycleRegistry } from "../../src/provider/replacement";
import { resetMarkState } from "../../src/provider/runtime";

/** Starts the emulator and configures the provider against it; `extraEnv` is set too (e.g. ENTRA_NOW). */
export function providerAgainstEmulator(extraEnv: () => Record<string, string> = () => ({})): {
  readonly emu: RunningEmulator;
} {
  let emu: RunningEmulator | undefined;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    emu = await startEmulator();
    for (const [k, v] of Object.entries({ ...providerEnv(emu), ...extraEnv() })) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    await invitationProvider.configure!({ config: { get: () => undefined, require: () => "" } as never });
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await emu?.close();
  });
  return {
    get emu() {
      return emu!;
    },
  };
}

/**
 * Before each test: an empty directory, a new deployment (the lifecycle registry and what the process
 * learnt about marks forgotten) and stderr captured, where the provider writes its warnings when no
 * engine is there to log to. The returned list holds this test's stderr (emptied before each test).
 */
export function freshDeploymentEachTest(fixture: { readonly emu: RunningEmulator }): string[] {
  const stderr: string[] = [];
  beforeEach(() => {
    fixture.emu.reset();
    resetLifecycleRegistry();
    resetMarkState();
    stderr.length = 0;
    jest.spyOn(process.stderr, "write").mockImplementation(((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    }) as typeof process.stderr.write);
  });
  afterEach(() => jest.restoreAllMocks());
  return stderr;
}
