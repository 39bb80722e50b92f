/** Running the Pulumi CLI for one stack, as `doctor --stack` and `orphans --stack` do. */
import { spawnSync } from "node:child_process";
import { CliError, CliIO, oneLine } from "./command";

/** What to run and what to tell the user when it fails. */
export interface PulumiRun {
  /** The command, e.g. `["stack", "export"]`; errors name it (`'pulumi stack export'`). */
  command: string[];
  /** Flags after the command, before `--stack NAME --non-interactive`. */
  flags?: string[];
  /** The way out when the Pulumi CLI is not on PATH, after "install it, or ". */
  withoutCli: string;
  /** The fix when it exits non-zero, after "check the stack name and run where its Pulumi.yaml is". */
  fixSuffix?: string;
  /** Largest stdout accepted, in bytes (child_process's default if not set). */
  maxBuffer?: number;
}

/** `pulumi COMMAND FLAGS --stack STACK --non-interactive`, run in `io.cwd` with `io.env`: its stdout; failures as one line with the fix. */
export function runPulumiForStack(stack: string, io: CliIO, run: PulumiRun): string {
  const name = `pulumi ${run.command.join(" ")}`;
  const r = spawnSync("pulumi", [...run.command, ...(run.flags ?? []), "--stack", stack, "--non-interactive"], {
    cwd: io.cwd,
    env: io.env as NodeJS.ProcessEnv,
    encoding: "utf8",
    ...(run.maxBuffer !== undefined ? { maxBuffer: run.maxBuffer } : {}),
  });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === "ENOENT";
    throw new CliError(
      missing
        ? `--stack needs the Pulumi CLI, which is not on PATH: install it, or ${run.withoutCli}`
        : `could not run '${name}': ${oneLine(r.error.message)}`,
    );
  }
  if (r.status !== 0) {
    throw new CliError(
      `'${name} --stack ${stack}' failed: ${oneLine(r.stderr || r.stdout || `exit ${r.status}`, 400)}: check the stack name and run where its Pulumi.yaml is${run.fixSuffix ?? ""}`,
    );
  }
  return r.stdout;
}
