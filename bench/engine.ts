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
import { DEFAULT_ROLES, startEmulator } from "../src/emulator";
import { providerEnv } from "../src/testing/graph-admin";
import { TestStack } from "../src/testing/stack";
import { round, summarizeLog } from "./measure";

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
}

export interface EngineResult {
  guests: number;
  /** How the program ran. */
  host: EngineHost;
  skipCheckpoints: boolean;
  /** PULUMI_PARALLEL, or undefined for the CLI's default (4 × GOMAXPROCS). */
  parallel?: number;
  up: EngineStep;
  previewRefresh: EngineStep;
  /** `pulumi preview --refresh` again with the baseline plugin (ENTRA_SCHEDULER=off, another app registration). */
  baselinePreviewRefresh?: EngineStep;
  destroy: EngineStep;
  stateFileBytes: number;
  /** The state file (as the local backend writes it, indented) over the number of guests. */
  stateBytesPerGuest: number;
  /** One guest's resource in state as compact JSON: what the provider returns and what the engine adds. */
  stateResource?: { compactBytes: number; inputsAndOutputsBytes: number; providerTextBytes: number; secretBytes: number; engineMetadataBytes: number; stackTraceBytes: number };
  /** `__provider` as the engine stored it for the first guest. */
  providerBytes: number;
}

/** The benchmark's TypeScript program: N guests, run by `pulumi` through the Node.js language host. */
function program(n: number): string {
  return `
import { Invitation } from "pulumi-entra-invitation";

const guests: Invitation[] = [];
for (let i = 0; i < ${n}; i++) {
  guests.push(new Invitation("guest-" + i, {
    invitedUserEmailAddress: "engine." + i + "@contoso.com",
    inviteRedirectUrl: "https://myapps.microsoft.com",
    invitedUserDisplayName: "Guest " + i + " (engine)",
  }));
}
export const count = guests.length;
`;
}

/** How the program runs: the plain CLI and the language host (as users run it), or an Automation API inline program. */
export type EngineHost = "language-host" | "inline";

/** One operation of the inline runner (a child process, as the CLI would be). */
function runInline(stack: TestStack, op: "up" | "preview" | "destroy", refresh: boolean, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  const args = [path.join(__dirname, "inline-runner.js"), "--dir", stack.dir, "--stack", stack.stackName, "--op", op, ...(refresh ? ["--refresh"] : [])];
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
        resolve({ op, ok: false, error: `inline runner exited ${code}: ${err.slice(-2000)}`, stdout: out, stderr: err, steps: [], diagnostics: [], seconds: 0 });
      }
    });
  });
}

export async function runEngine(o: { pkgDir: string; guests: number; latencyMs: number; skipCheckpoints?: boolean; parallel?: number; baseline?: boolean; host?: EngineHost; log: (s: string) => void }): Promise<EngineResult> {
  const emu = await startEmulator({ throttle: "graph", latencyMs: o.latencyMs });
  // PULUMI_SKIP_CHECKPOINTS: the engine writes the whole state after every step by default (so the
  // file backend writes O(N) bytes N times); skipped, it writes it at the end only.
  // PULUMI_PARALLEL: the engine's --parallel; unset, the CLI runs 4 operations per CPU at once.
  const env = { ...providerEnv(emu), ...(o.skipCheckpoints ? { PULUMI_SKIP_CHECKPOINTS: "true" } : {}), ...(o.parallel ? { PULUMI_PARALLEL: String(o.parallel) } : {}) };
  const stack = new TestStack({ packageDir: o.pkgDir, name: `bench-engine-${o.guests}`, program: program(o.guests), env });
  const timeoutMs = 1_800_000;
  const inline = o.host === "inline";
  const up = (): Promise<RunResult> => (inline ? runInline(stack, "up", false, stack.environment(), timeoutMs) : stack.up({ timeoutMs }));
  const previewRefresh = (extra?: Record<string, string>): Promise<RunResult> => (inline ? runInline(stack, "preview", true, stack.environment(extra), timeoutMs) : stack.preview({ refresh: true, timeoutMs, env: extra }));
  const destroy = (): Promise<RunResult> => (inline ? runInline(stack, "destroy", false, stack.environment(), timeoutMs) : stack.destroy({ timeoutMs }));
  const step = async (name: string, run: () => ReturnType<TestStack["up"]>): Promise<EngineStep> => {
    emu.clearRequests();
    const t0 = performance.now();
    const wall0 = Date.now();
    const r = await run();
    const seconds = round((performance.now() - t0) / 1000);
    const log = emu.requests();
    const s = summarizeLog(log);
    const times = log.filter((e) => e.path.startsWith("/v1.0/")).map((e) => Date.parse(e.time) - wall0);
    const out: EngineStep = { ok: r.ok, seconds, requests: s.requests, operations: s.operations, throttled: s.throttled, summary: r.summary };
    if (times.length) {
      out.firstGraphRequestAt = round(Math.min(...times) / 1000, 1);
      out.lastGraphRequestAt = round(Math.max(...times) / 1000, 1);
    }
    if (process.env.ENTRA_BENCH_VERBOSE) {
      const hist: Record<number, number> = {};
      for (const t of times) hist[Math.floor(t / 5000) * 5] = (hist[Math.floor(t / 5000) * 5] ?? 0) + 1;
      o.log(`    Graph operations per 5 s: ${Object.entries(hist).map(([k, v]) => `${k}s:${v}`).join(" ")}`);
    }
    if (!r.ok) out.error = `${r.error ?? ""}\n${r.stderr.slice(-2000)}`;
    o.log(`  engine ${name}: ${r.ok ? "ok" : "FAILED"} in ${seconds}s, ${s.requests} HTTP requests (${s.operations} operations), ${s.throttled} 429s; Graph requests from ${out.firstGraphRequestAt ?? "-"} s to ${out.lastGraphRequestAt ?? "-"} s`);
    return out;
  };
  try {
    const upStep = await step("pulumi up", up);
    const file = path.join(stack.stateDir, ".pulumi", "stacks", stack.stackName, `${stack.stackName}.json`);
    const stateFileBytes = fs.existsSync(file) ? fs.statSync(file).size : 0;
    let providerBytes = 0;
    let stateResource: EngineResult["stateResource"];
    if (upStep.ok) {
      const invs = (stack.exportState().deployment.resources ?? []).filter((r) => r.type === "pulumi-nodejs:dynamic/entra:Invitation") as unknown as Record<string, unknown>[];
      providerBytes = Buffer.byteLength(String((invs[0]?.outputs as Record<string, unknown> | undefined)?.__provider ?? ""));
      const avg = (f: (r: Record<string, unknown>) => number): number => round(invs.reduce((n, r) => n + f(r), 0) / Math.max(1, invs.length), 0);
      const bytes = (v: unknown): number => (v === undefined ? 0 : Buffer.byteLength(JSON.stringify(v)));
      stateResource = {
        compactBytes: avg(bytes),
        inputsAndOutputsBytes: avg((r) => bytes(r.inputs) + bytes(r.outputs)),
        providerTextBytes: 2 * providerBytes,
        secretBytes: avg((r) => bytes((r.outputs as Record<string, unknown>).inviteRedeemUrl)),
        engineMetadataBytes: avg((r) => bytes(r) - bytes(r.inputs) - bytes(r.outputs)),
        stackTraceBytes: avg((r) => bytes(r.stackTrace)),
      };
    }
    o.log(`  engine state: ${stateFileBytes} bytes in the state file = ${round(stateFileBytes / o.guests, 0)} per guest; one guest compact: ${JSON.stringify(stateResource)}`);
    const previewStep = await step("pulumi preview --refresh", () => previewRefresh());
    let baselinePreviewRefresh: EngineStep | undefined;
    if (o.baseline && upStep.ok) {
      // The same command with the baseline plugin, as another app of the tenant (its own resource units).
      const app = emu.addClient({ roles: DEFAULT_ROLES });
      const env = { ENTRA_SCHEDULER: "off", ARM_CLIENT_ID: app.clientId, ARM_CLIENT_SECRET: app.clientSecret };
      baselinePreviewRefresh = await step("pulumi preview --refresh (baseline)", () => previewRefresh(env));
    }
    const destroyStep = await step("pulumi destroy", destroy);
    return { guests: o.guests, host: o.host ?? "language-host", skipCheckpoints: o.skipCheckpoints ?? false, parallel: o.parallel, up: upStep, previewRefresh: previewStep, baselinePreviewRefresh, destroy: destroyStep, stateFileBytes, stateBytesPerGuest: round(stateFileBytes / o.guests, 0), stateResource, providerBytes };
  } finally {
    stack.dispose();
    await emu.close();
  }
}
