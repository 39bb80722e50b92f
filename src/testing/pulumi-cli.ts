/**
 * Runs one Pulumi operation on a program folder with the plain `pulumi` CLI, as a user or a pipeline
 * runs it: the CLI starts the Node.js language host, which compiles (TypeScript) and runs the
 * program; the engine plans, steps, keeps state and starts the dynamic-provider plugin. What the CLI
 * printed is kept as it is, and the engine's events (`--event-log`, the JSON the Automation API reads
 * too) are reduced to the steps and the summary.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** One resource step of the engine's plan (or a refresh). */
export interface StepEvent {
  /** The step: `same`, `create`, `update`, `replace`, `delete`, `refresh`, ... */
  op: string;
  /** The resource's URN. */
  urn: string;
  /** The resource's type token. */
  type: string;
  /** The properties that differ, as the provider's diff named them. */
  diffs?: string[];
  /** The properties that force a replacement. */
  keys?: string[];
  /** Per property path, what the change is. */
  detailedDiff?: Record<
    string,
    {
      /** `add`, `update`, `delete`, or the `-replace` forms of them. */
      kind: string;
    }
  >;
  /** For refresh steps: the outputs whose value the refresh changed. */
  refreshedOutputs?: string[];
}

/** A diagnostic the engine showed (under "Diagnostics"), from the program or a provider. */
export interface DiagnosticEvent {
  /** `info`, `warning`, `error`, ... */
  severity: string;
  /** The message, trimmed. */
  message: string;
  /** The resource it is about, if any. */
  urn?: string;
}

/** What one operation did. */
export interface RunResult {
  /** The operation: `up`, `preview`, `refresh`, `destroy` or `cancel`. */
  op: string;
  /** The CLI exited 0. */
  ok: boolean;
  /** Why it failed: the end of what the CLI printed. */
  error?: string;
  /** Everything the CLI printed on stdout (what a person at a terminal reads). */
  stdout: string;
  /** Everything the CLI printed on stderr. */
  stderr: string;
  /** Steps by kind, as the CLI's summary counts them (`same`, `create`, `update`, `replace`, ...). */
  summary?: Record<string, number>;
  /** The resource steps, in the order the engine announced them (the stack itself left out). */
  steps: StepEvent[];
  /** The diagnostics the engine showed. */
  diagnostics: DiagnosticEvent[];
  /** The stack's outputs after `up` (secret ones flagged). */
  outputs?: Record<
    string,
    {
      /** The value, secrets in plain text. */
      value: unknown;
      /** The CLI masks it without `--show-secrets`. */
      secret: boolean;
    }
  >;
  /** Wall-clock time of the whole call, config and stack selection included. */
  seconds: number;
}

/** An operation of the plain CLI. */
export type PulumiOp = "up" | "preview" | "refresh" | "destroy" | "cancel";

/** One operation of {@link runPulumi}. */
export interface PulumiRunOptions {
  /** The folder with Pulumi.yaml. */
  dir: string;
  /** The stack, selected (and created the first time) before the operation. */
  stack: string;
  /** The operation. */
  op: PulumiOp;
  /** `--refresh`. */
  refresh?: boolean;
  /** For preview: `--diff`, every property (the CLI then prints diagnostics inline, with no "Diagnostics:" section). */
  diff?: boolean;
  /** URNs for `--replace`. */
  replace?: string[];
  /** URNs for `--target`. */
  target?: string[];
  /** `--parallel`; the CLI's default (4 × CPUs) when unset. */
  parallel?: number;
  /** Plain and secret stack config set (`pulumi config set`) before the operation. */
  config?: Record<string, string>;
  /** Stack config set with `--secret`. */
  secretConfig?: Record<string, string>;
  /** The whole environment of the CLI (and so of the language host, program and plugins). */
  env: NodeJS.ProcessEnv;
  /** Called with the CLI's process id once it runs (to kill it in tests). */
  onSpawn?: (pid: number) => void;
  /** The CLI is killed (SIGKILL) after this long. Default 10 minutes. */
  timeoutMs?: number;
}

interface Exec {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function exec(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  onSpawn?: (pid: number) => void,
  timeoutMs = 600_000,
): Promise<Exec> {
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    if (child.pid && onSpawn) onSpawn(child.pid);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(
        new Error(
          `could not start the Pulumi CLI ('pulumi' on PATH): ${e.message}. Run the tests with \`npm test\` (scripts/ensure-pulumi.sh puts the CLI and the language host on PATH).`,
        ),
      );
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

async function execOk(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const r = await exec(args, cwd, env);
  if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code ?? r.signal}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** The flags of one operation, as a pipeline would type them. */
export function operationArgs(
  o: Pick<PulumiRunOptions, "op" | "stack" | "refresh" | "replace" | "target" | "parallel" | "diff">,
  eventLog: string,
): string[] {
  const args: string[] = [o.op, "--stack", o.stack, "--non-interactive", "--color", "never"];
  if (o.op === "cancel") return [...args, "--yes"];
  args.push("--event-log", eventLog);
  if (o.op !== "preview") args.push("--yes", "--skip-preview");
  else if (o.diff) args.push("--diff");
  if (o.refresh) args.push("--refresh");
  for (const u of o.replace ?? []) args.push("--replace", u);
  for (const u of o.target ?? []) args.push("--target", u);
  if (o.parallel) args.push("--parallel", String(o.parallel));
  return args;
}

interface EngineEvent {
  resourcePreEvent?: { metadata: StepEvent & { op: string } };
  resOutputsEvent?: {
    metadata: {
      op: string;
      urn: string;
      type: string;
      old?: { outputs?: Record<string, unknown> };
      new?: { outputs?: Record<string, unknown> };
    };
  };
  summaryEvent?: { resourceChanges?: Record<string, number> };
  diagnosticEvent?: { severity: string; message: string; urn?: string; ephemeral?: boolean };
}

/** Steps, summary and diagnostics from the engine's event log (one JSON event a line). */
export function readEventLog(text: string): Pick<RunResult, "steps" | "summary" | "diagnostics"> {
  const steps: StepEvent[] = [];
  const diagnostics: DiagnosticEvent[] = [];
  let summary: Record<string, number> | undefined;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let e: EngineEvent;
    try {
      e = JSON.parse(line) as EngineEvent;
    } catch {
      continue; // a line cut by a kill
    }
    const m = e.resourcePreEvent?.metadata;
    if (m && m.type !== "pulumi:pulumi:Stack")
      steps.push({ op: m.op, urn: m.urn, type: m.type, diffs: m.diffs, keys: m.keys, detailedDiff: m.detailedDiff });
    const o = e.resOutputsEvent?.metadata;
    if (o && o.op === "refresh" && o.type !== "pulumi:pulumi:Stack") {
      const before = o.old?.outputs ?? {};
      const after = o.new?.outputs ?? {};
      const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
        (k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]),
      );
      const step = steps.find((s) => s.urn === o.urn && s.op === "refresh");
      if (step) step.refreshedOutputs = changed;
      else steps.push({ op: "refresh", urn: o.urn, type: o.type, refreshedOutputs: changed });
    }
    if (e.summaryEvent) summary = e.summaryEvent.resourceChanges ?? {};
    const d = e.diagnosticEvent;
    if (d && !d.ephemeral)
      diagnostics.push({ severity: d.severity, message: d.message.trim(), urn: d.urn || undefined });
  }
  return { steps, summary, diagnostics };
}

/** The stack's outputs; a value is secret where the CLI masks it without --show-secrets. */
async function stackOutputs(
  dir: string,
  stack: string,
  env: NodeJS.ProcessEnv,
): Promise<Record<string, { value: unknown; secret: boolean }>> {
  const args = ["stack", "output", "--stack", stack, "--json", "--non-interactive"];
  const [masked, plain] = await Promise.all([execOk(args, dir, env), execOk([...args, "--show-secrets"], dir, env)]);
  const m = JSON.parse(masked) as Record<string, unknown>;
  const p = JSON.parse(plain) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(p).map(([k, value]) => [k, { value, secret: m[k] === "[secret]" && value !== "[secret]" }]),
  );
}

/** Select the stack, creating it the first time (`pulumi stack select --create`). */
export async function selectStack(dir: string, stack: string, env: NodeJS.ProcessEnv): Promise<void> {
  await execOk(["stack", "select", "--create", stack, "--non-interactive"], dir, env);
}

/** Runs one operation; never throws for a failed operation (ok: false), only when the CLI cannot start. */
export async function runPulumi(o: PulumiRunOptions): Promise<RunResult> {
  const started = Date.now();
  await selectStack(o.dir, o.stack, o.env);
  for (const [k, v] of Object.entries(o.config ?? {}))
    await execOk(["config", "set", "--stack", o.stack, k, v], o.dir, o.env);
  for (const [k, v] of Object.entries(o.secretConfig ?? {}))
    await execOk(["config", "set", "--stack", o.stack, "--secret", k, v], o.dir, o.env);
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-pulumi-events-"));
  const eventLog = path.join(logDir, "events.jsonl");
  try {
    // --event-log is offered with PULUMI_DEBUG_COMMANDS (as the Automation API sets it); it changes
    // nothing else of what the CLI does or prints.
    const r = await exec(
      operationArgs(o, eventLog),
      o.dir,
      { ...o.env, PULUMI_DEBUG_COMMANDS: "true" },
      o.onSpawn,
      o.timeoutMs,
    );
    const events = fs.existsSync(eventLog)
      ? readEventLog(fs.readFileSync(eventLog, "utf8"))
      : { steps: [], diagnostics: [], summary: undefined };
    const ok = r.code === 0;
    const result: RunResult = { op: o.op, ok, stdout: r.stdout, stderr: r.stderr, ...events, seconds: 0 };
    if (!ok)
      result.error = `pulumi ${o.op} exited ${r.code ?? r.signal}: ${`${r.stderr}\n${r.stdout}`.trim().slice(-4000)}`;
    if (ok && o.op === "up") result.outputs = await stackOutputs(o.dir, o.stack, o.env);
    result.seconds = (Date.now() - started) / 1000;
    return result;
  } finally {
    fs.rmSync(logDir, { recursive: true, force: true });
  }
}

/** The stack's outputs now (`pulumi stack output`). */
export function outputs(
  dir: string,
  stack: string,
  env: NodeJS.ProcessEnv,
): Promise<Record<string, { value: unknown; secret: boolean }>> {
  return stackOutputs(dir, stack, env);
}
