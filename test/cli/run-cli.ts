/**
 * `entra-guests` run in-process for tests, as bin/entra-guests runs it (src/cli's runCli), with its
 * exit code and output captured.
 */
import { Readable } from "node:stream";
import { runCli } from "../../src/cli";

/** What one run of the CLI gave. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `entra-guests ...argv` with `env` in `cwd`, stdin a terminal with nothing piped (as a pipeline
 * step that pipes nothing): its exit code, stdout and stderr.
 */
export async function runCliCaptured(
  argv: string[],
  env: Record<string, string | undefined>,
  cwd: string,
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const stdin = Readable.from([]) as NodeJS.ReadableStream & { isTTY?: boolean };
  stdin.isTTY = true;
  const code = await runCli(argv, {
    env,
    stdin,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd,
  });
  return { code, stdout, stderr };
}
