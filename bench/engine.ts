/**
 * The real-engine part of the benchmark: a TypeScript program that declares N `Invitation`s, run with
 * the plain Pulumi CLI through the Node.js language host (TestStack), against the emulator: `pulumi
 * up`, the state file's size, `pulumi preview --refresh`, `pulumi destroy`. For comparison the same
 * program can run as an Automation API inline program (inline-runner.ts), the way this project ran
 * programs before the language host could be built here.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunResult } from "../src/testing/pulumi-cli";
import { startEmulator, type RunningEmulator } from "../src/emulator";
import { providerEnv } from "../src/testing/graph-admin";
import { TestStack } from "../src/testing/stack";
import { graphFloor, requestShapes, workOf, type GraphFloor, type GraphWork } from "./floors";
import { round, summarizeLog } from "./measure";
import { growthProgram } from "./programs";
import { meanBreakdown, stateBreakdown, type StateBreakdown } from "./state-bytes";

export interface EngineStep {
  ok: boolean;
  seconds: number;
  requests: number;
  operations: number;
  throttled: number;
  error?: string;
  summary?: Record<string, number>;
  /** Seconds from the command's start to its first and its last Graph request (the rest is the engine's own work). */
  firstGraphRequestAt?: number;
  lastGraphRequestAt?: number;
  /** The Graph work Graph admitted in the step, by budget. */
  work?: GraphWork;
  /** The least time Graph's limits let that work take (floors.ts). */
  floor?: GraphFloor;
  /** Graph operations by shape (floors.ts: requestShapes). */
  shapes?: Record<string, number>;
}

/** One guest's resource in state as compact JSON: what the provider returns and what the engine adds. */
export interface StateResourceBytes {
  compactBytes: number;
  inputsAndOutputsBytes: number;
  providerTextBytes: number;
  secretBytes: number;
  engineMetadataBytes: number;
  stackTraceBytes: number;
}

/** The type token of a per-guest `Invitation` in the engine's state. */
export const INVITATION_STATE_TYPE = "pulumi-nodejs:dynamic/entra:Invitation";

export interface EngineResult {
  guests: number;
  /** How the program ran. */
  host: EngineHost;
  skipCheckpoints: boolean;
  /** PULUMI_PARALLEL, or undefined for the CLI's default (4 × GOMAXPROCS). */
  parallel?: number;
  up: EngineStep;
  previewRefresh: EngineStep;
  destroy: EngineStep;
  stateFileBytes: number;
  /** The state file (as the local backend writes it, indented) over the number of guests. */
  stateBytesPerGuest: number;
  /** One guest's resource in state as compact JSON: what the provider returns and what the engine adds. */
  stateResource?: StateResourceBytes;
  /** `__provider` as the engine stored it for the first guest. */
  providerBytes: number;
}

/** How the program runs: the plain CLI and the language host (as users run it), or an Automation API inline program. */
export type EngineHost = "language-host" | "inline";

/** One operation of the inline runner (a child process, as the CLI would be). */
function runInline(
  stack: TestStack,
  op: "up" | "preview" | "destroy",
  refresh: boolean,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<RunResult> {
  const args = [
    path.join(__dirname, "inline-runner.js"),
    "--dir",
    stack.dir,
    "--stack",
    stack.stackName,
    "--op",
    op,
    ...(refresh ? ["--refresh"] : []),
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: stack.dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split("\n").pop() ?? "") as RunResult);
      } catch {
        resolve({
          op,
          ok: false,
          error: `inline runner exited ${code}: ${err.slice(-2000)}`,
          stdout: out,
          stderr: err,
          steps: [],
          diagnostics: [],
          seconds: 0,
        });
      }
    });
  });
}

/**
 * Runs one CLI command and measures it against the emulator's request log: wall time, requests,
 * 429s, the Graph work Graph admitted and its floor (floors.ts), when the first and last Graph
 * request came.
 */
export async function measureStep(
  emu: RunningEmulator,
  name: string,
  run: () => Promise<RunResult>,
  log: (s: string) => void,
): Promise<EngineStep> {
  emu.clearRequests();
  const t0 = performance.now();
  const wall0 = Date.now();
  const r = await run();
  const seconds = round((performance.now() - t0) / 1000);
  const entries = emu.requests();
  const s = summarizeLog(entries);
  const times = entries.filter((e) => e.path.startsWith("/v1.0/")).map((e) => Date.parse(e.time) - wall0);
  const work = workOf(entries);
  const out: EngineStep = {
    ok: r.ok,
    seconds,
    requests: s.requests,
    operations: s.operations,
    throttled: s.throttled,
    summary: r.summary,
    work,
    floor: graphFloor(work),
    shapes: requestShapes(entries),
  };
  if (times.length) {
    out.firstGraphRequestAt = round(Math.min(...times) / 1000, 1);
    out.lastGraphRequestAt = round(Math.max(...times) / 1000, 1);
  }
  if (process.env.ENTRA_BENCH_VERBOSE) {
    const hist: Record<number, number> = {};
    for (const t of times) hist[Math.floor(t / 5000) * 5] = (hist[Math.floor(t / 5000) * 5] ?? 0) + 1;
    log(
      `    Graph operations per 5 s: ${Object.entries(hist)
        .map(([k, v]) => `${k}s:${v}`)
        .join(" ")}`,
    );
  }
  if (!r.ok) out.error = `${r.error ?? ""}\n${r.stderr.slice(-2000)}`;
  log(
    `  engine ${name}: ${r.ok ? "ok" : "FAILED"} in ${seconds}s, ${s.requests} HTTP requests (${s.operations} operations), ${s.throttled} 429s; Graph requests from ${out.firstGraphRequestAt ?? "-"} s to ${out.lastGraphRequestAt ?? "-"} s; Graph floor ${out.floor?.seconds} s (${out.floor?.binding}); operations: ${JSON.stringify(out.shapes)}`,
  );
  return out;
}

/** What a stack's state holds. */
export interface StateAccounting {
  /** The state file as the local backend writes it (indented JSON). */
  stateFileBytes: number;
  /** Resources in state by type: how many, and their compact JSON bytes. */
  byType: Record<string, { count: number; compactBytes: number }>;
  /** Resources of the type asked for. */
  resources: number;
  /** One resource of that type, on average. */
  stateResource?: StateResourceBytes;
  /** `__provider` as the engine stored it for the first of them. */
  providerBytes: number;
  /** Where one resource of that type puts its bytes, part by part (the mean over all of them). */
  breakdown?: StateBreakdown;
}

/** What a stack's state holds: the state file's size, resources by type, and for one of `type`, where its bytes go (compact JSON). */
export function stateAccounting(stack: TestStack, type = INVITATION_STATE_TYPE): StateAccounting {
  const file = path.join(stack.stateDir, ".pulumi", "stacks", stack.stackName, `${stack.stackName}.json`);
  const stateFileBytes = fs.existsSync(file) ? fs.statSync(file).size : 0;
  if (!stateFileBytes) return { stateFileBytes, byType: {}, resources: 0, providerBytes: 0 };
  const all = (stack.exportState().deployment.resources ?? []) as unknown as Record<string, unknown>[];
  const byType: StateAccounting["byType"] = {};
  for (const r of all) {
    const t = (byType[String(r.type)] ??= { count: 0, compactBytes: 0 });
    t.count++;
    t.compactBytes += Buffer.byteLength(JSON.stringify(r));
  }
  const rs = all.filter((r) => r.type === type);
  const providerBytes = Buffer.byteLength(
    String((rs[0]?.outputs as Record<string, unknown> | undefined)?.__provider ?? ""),
  );
  const avg = (f: (r: Record<string, unknown>) => number): number =>
    round(rs.reduce((n, r) => n + f(r), 0) / Math.max(1, rs.length), 0);
  const bytes = (v: unknown): number => (v === undefined ? 0 : Buffer.byteLength(JSON.stringify(v)));
  const stateResource: StateResourceBytes = {
    compactBytes: avg(bytes),
    inputsAndOutputsBytes: avg((r) => bytes(r.inputs) + bytes(r.outputs)),
    providerTextBytes: 2 * providerBytes,
    secretBytes: avg((r) => bytes((r.outputs as Record<string, unknown>).inviteRedeemUrl)),
    engineMetadataBytes: avg((r) => bytes(r) - bytes(r.inputs) - bytes(r.outputs)),
    stackTraceBytes: avg((r) => bytes(r.stackTrace)),
  };
  return {
    stateFileBytes,
    byType,
    resources: rs.length,
    stateResource: rs.length ? stateResource : undefined,
    providerBytes,
    breakdown: meanBreakdown(rs.map(stateBreakdown)),
  };
}

/**
 * The environment of a benchmark's `pulumi` commands: the provider's settings for the emulator, and
 * PULUMI_SKIP_CHECKPOINTS (the engine writes the whole state after every step by default, so the
 * file backend writes O(N) bytes N times; skipped, it writes it at the end only) and PULUMI_PARALLEL
 * (the engine's --parallel; unset, the CLI runs 4 operations per CPU at once) when asked for.
 */
export function engineEnv(
  emu: RunningEmulator,
  o: { skipCheckpoints?: boolean; parallel?: number },
): Record<string, string> {
  return {
    ...providerEnv(emu),
    ...(o.skipCheckpoints ? { PULUMI_SKIP_CHECKPOINTS: "true" } : {}),
    ...(o.parallel ? { PULUMI_PARALLEL: String(o.parallel) } : {}),
  };
}

export async function runEngine(o: {
  pkgDir: string;
  guests: number;
  latencyMs: number;
  skipCheckpoints?: boolean;
  parallel?: number;
  host?: EngineHost;
  log: (s: string) => void;
}): Promise<EngineResult> {
  const emu = await startEmulator({ throttle: "graph", latencyMs: o.latencyMs });
  const env = engineEnv(emu, o);
  const stack = new TestStack({
    packageDir: o.pkgDir,
    name: `bench-engine-${o.guests}`,
    program: growthProgram("invitations", o.guests, "engine"),
    env,
  });
  const timeoutMs = 1_800_000;
  const inline = o.host === "inline";
  const up = (): Promise<RunResult> =>
    inline ? runInline(stack, "up", false, stack.environment(), timeoutMs) : stack.up({ timeoutMs });
  const previewRefresh = (): Promise<RunResult> =>
    inline
      ? runInline(stack, "preview", true, stack.environment(), timeoutMs)
      : stack.preview({ refresh: true, timeoutMs });
  const destroy = (): Promise<RunResult> =>
    inline ? runInline(stack, "destroy", false, stack.environment(), timeoutMs) : stack.destroy({ timeoutMs });
  const step = (name: string, run: () => Promise<RunResult>): Promise<EngineStep> => measureStep(emu, name, run, o.log);
  try {
    const upStep = await step("pulumi up", up);
    const acc = stateAccounting(stack);
    const { stateFileBytes } = acc;
    const stateResource = upStep.ok ? acc.stateResource : undefined;
    const providerBytes = upStep.ok ? acc.providerBytes : 0;
    o.log(
      `  engine state: ${stateFileBytes} bytes in the state file = ${round(stateFileBytes / o.guests, 0)} per guest; one guest compact: ${JSON.stringify(stateResource)}`,
    );
    const previewStep = await step("pulumi preview --refresh", () => previewRefresh());
    const destroyStep = await step("pulumi destroy", destroy);
    return {
      guests: o.guests,
      host: o.host ?? "language-host",
      skipCheckpoints: o.skipCheckpoints ?? false,
      parallel: o.parallel,
      up: upStep,
      previewRefresh: previewStep,
      destroy: destroyStep,
      stateFileBytes,
      stateBytesPerGuest: round(stateFileBytes / o.guests, 0),
      stateResource,
      providerBytes,
    };
  } finally {
    stack.dispose();
    await emu.close();
  }
}
