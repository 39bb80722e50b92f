/**
 * `pulumi preview --json` (or `pulumi up --json`) of a {@link TestStack}, as a pipeline runs it
 * before `entra-guests summarize`: the plain CLI in the stack's folder, with the stack's own
 * environment (local backend, passphrase, Graph endpoint and credentials), and its stdout kept as
 * printed. `TestStack.preview()` runs with `--event-log` and reduces the events; this keeps the
 * JSON the CLI prints instead.
 */
import { spawn } from "node:child_process";
import type { TestStack } from "./stack";

/** What the CLI printed and how it ended. */
export interface PulumiJsonResult {
  /** Exit code (null when killed). */
  code: number | null;
  /** The JSON as printed: one document for a preview; for `up`, the preview's document and then one event a line. */
  stdout: string;
  stderr: string;
}

/** Options of {@link pulumiJson}. */
export interface PulumiJsonOptions {
  /** `--refresh`: read every resource first (a deleted or drifted guest shows). */
  refresh?: boolean;
  /** `--replace <urn>` for each. */
  replace?: string[];
  /** Environment for this run only, over the stack's. */
  env?: Record<string, string>;
  /** Kill the CLI after this long. Default 5 minutes. */
  timeoutMs?: number;
}

/**
 * Runs `pulumi preview --json` (`op: "preview"`) or `pulumi up --json --yes` (`op: "up"`) on a
 * stack that exists (after a first `up`). Never throws for a failed operation: see `code`.
 */
export function pulumiJson(
  stack: TestStack,
  op: "preview" | "up",
  opts: PulumiJsonOptions = {},
): Promise<PulumiJsonResult> {
  const args = [op, "--json", "--stack", stack.stackName, "--non-interactive"];
  if (op === "up") args.push("--yes");
  if (opts.refresh) args.push("--refresh");
  for (const urn of opts.replace ?? []) args.push("--replace", urn);
  const env = stack.environment(opts.env);
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", args, { cwd: stack.dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 300_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(
        new Error(
          `could not start the Pulumi CLI ('pulumi' on PATH): ${e.message}. Run the tests with \`npm test\` (scripts/test.js puts the CLI on PATH).`,
        ),
      );
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `pulumi preview --json` of the stack (see {@link pulumiJson}). */
export function previewJson(stack: TestStack, opts: PulumiJsonOptions = {}): Promise<PulumiJsonResult> {
  return pulumiJson(stack, "preview", opts);
}
