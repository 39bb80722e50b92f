/**
 * `npm run bench -- --engine --sizes 1000,2000,5000,10000`: how the engine's cost grows with the
 * number of guests, for both forms of a guest list (issue 18 item 6): one `Invitation` per guest, and
 * the scalable form (a `GuestList` holding many guests in few resources). Each size and form runs on
 * a fresh emulator (Graph's throttling, the benchmark's latency) and a fresh `file://` backend with
 * checkpoints on, through the plain CLI and the Node.js language host (TestStack), at the CLI's
 * default parallelism:
 *   1. `pulumi up` of N new guests;
 *   2. `pulumi up` with no changes;
 *   3. `pulumi preview --refresh`;
 *   4. `pulumi destroy`;
 *   5. adoption: N guests seeded in the tenant through the emulator's admin API, then `pulumi up` of a
 *      second stack declaring them (each adopted, no invitation).
 * Each step runs as a fresh app registration of the tenant (its own resource units, writes and
 * extension budget, full), after the tenant's invitation window has emptied, so its Graph floor
 * (floors.ts) is that of its own work. Beside each step: the peak resident memory of the plugin and
 * the CLI (procmem.ts); after the first `up`: the state's bytes per guest. The per-guest form is
 * quadratic in the engine (it rewrites the whole state twice per resource): above `--per-guest-max`
 * it is not run, and the report gives the curve fitted to the sizes that ran.
 */
import { randomUUID } from "node:crypto";
import * as os from "node:os";
import { DEFAULT_ROLES, startEmulator } from "../src/emulator";
import { providerEnv, seedUser } from "../src/testing/graph-admin";
import type { RunResult } from "../src/testing/pulumi-cli";
import { TestStack } from "../src/testing/stack";
import {
  type EngineStep,
  engineEnv,
  INVITATION_STATE_TYPE,
  measureStep,
  stateAccounting,
  type StateResourceBytes,
} from "./engine";
import { type Fit, fitLinearQuadratic, type Growth, growthRatios, predict } from "./floors";
import { round, sleep } from "./measure";
import { MemorySampler, type PeakMemory } from "./procmem";
import { ENGINE_FORMS, type EngineForm, guestAddress, guestName, growthProgram, SHARD_FORM_ARGS } from "./programs";
import type { StateBreakdown } from "./state-bytes";
import { decodeGuest, decodeGuests } from "../src/provider/shard-plan";

/** The steps measured per size and form, in the order they run. */
export const GROWTH_STEPS = ["up", "upNoChange", "previewRefresh", "destroy", "adopt"] as const;
export type GrowthStep = (typeof GROWTH_STEPS)[number];
export const STEP_LABELS: Record<GrowthStep, string> = {
  up: "pulumi up, N new",
  upNoChange: "pulumi up, no changes",
  previewRefresh: "pulumi preview --refresh",
  destroy: "pulumi destroy",
  adopt: "pulumi up, N existing (adopt)",
};

/** Whether a preview's resource types are those of the form: the per-guest form makes one `Invitation` per guest, the scalable one none. */
export function formProblem(form: EngineForm, guests: number, types: string[]): string | undefined {
  const invitations = types.filter((t) => t === INVITATION_STATE_TYPE).length;
  const custom = types.filter((t) => t.startsWith("pulumi-nodejs:dynamic/")).length;
  if (form === "invitations" && invitations !== guests)
    return `the per-guest program planned ${invitations} Invitation resources for ${guests} guests`;
  if (form === "shards" && (invitations > 0 || custom === 0)) {
    return `the installed package has no scalable form for ${SHARD_FORM_ARGS.trim()} (its preview planned ${invitations} Invitation resources for ${guests} guests): install a package that has it (--pkg-dir / ENTRA_BENCH_PACKAGE_DIR) or adjust SHARD_FORM_ARGS in bench/programs.ts`;
  }
  return undefined;
}

/** The type of the resources that hold the guests: `Invitation`, or the scalable form's largest dynamic type. */
export function holderType(form: EngineForm, byType: Record<string, { count: number; compactBytes: number }>): string {
  if (form === "invitations") return INVITATION_STATE_TYPE;
  const dynamic = Object.entries(byType).filter(
    ([t]) => t.startsWith("pulumi-nodejs:dynamic/") && t !== INVITATION_STATE_TYPE,
  );
  return dynamic.sort((a, b) => b[1].compactBytes - a[1].compactBytes)[0]?.[0] ?? INVITATION_STATE_TYPE;
}

/** One step: the engine's figures, and the peak memory of its processes (MB). */
export type GrowthStepResult = EngineStep & { memoryMb?: PeakMemory };

/** One form at one size. */
export interface GrowthRun {
  form: EngineForm;
  guests: number;
  steps: Partial<Record<GrowthStep, GrowthStepResult>>;
  /** The state file after the first `up`, over the guests. */
  stateFileBytes: number;
  stateBytesPerGuest: number;
  /** Resources in state after the first `up`, by type. */
  resourcesByType: Record<string, number>;
  /** One `Invitation` in state, where its bytes go (the per-guest form). */
  stateResource?: StateResourceBytes;
  /** One resource holding guests (an `Invitation`, or a shard), part by part: the mean over them. */
  stateBreakdown?: StateBreakdown;
  /** The type of those resources, and how many there are. */
  breakdownType?: string;
  breakdownResources?: number;
  /** The largest plugin process of any step, MB resident. */
  pluginPeakMb?: number;
  /** Guests in the adoption stack's state with `adopted: true`. */
  adopted?: number;
  error?: string;
}

/** What the growth study measured. */
export interface EngineGrowthResult {
  kind: "engine-growth";
  latencyMs: number;
  skipCheckpoints: boolean;
  /** PULUMI_PARALLEL, or undefined: the CLI's default (4 × CPUs). */
  parallel?: number;
  perGuestMax: number;
  sizes: number[];
  forms: EngineForm[];
  runs: GrowthRun[];
  /** Sizes not run, and why. */
  skipped: { form: EngineForm; guests: number; reason: string }[];
  /** Per form and step: growth between sizes, the fitted curve, and the fitted figure at the sizes not run. */
  analysis: GrowthAnalysis[];
  machine: { nproc: number; memoryGB: number; cpu: string; node: string };
  date: string;
  benchSeconds: number;
}

export interface GrowthAnalysis {
  form: EngineForm;
  step: GrowthStep;
  growth: Growth[];
  fit?: Fit;
  projections: { guests: number; seconds: number }[];
}

/** Growth, fit and projections for each form and step (pure). */
export function analyze(runs: GrowthRun[], skipped: EngineGrowthResult["skipped"]): GrowthAnalysis[] {
  const out: GrowthAnalysis[] = [];
  for (const form of ENGINE_FORMS) {
    const mine = runs.filter((r) => r.form === form);
    if (!mine.length) continue;
    for (const step of GROWTH_STEPS) {
      const points = mine.flatMap((r) => (r.steps[step]?.ok ? [{ n: r.guests, value: r.steps[step]!.seconds }] : []));
      // One size has no growth and no curve.
      if (new Set(points.map((p) => p.n)).size < 2) continue;
      const fit = fitLinearQuadratic(points);
      const projections = fit
        ? skipped
            .filter((s) => s.form === form)
            .map((s) => ({ guests: s.guests, seconds: round(predict(fit, s.guests), 0) }))
        : [];
      out.push({ form, step, growth: growthRatios(points), fit, projections });
    }
  }
  return out;
}

/**
 * The sizes to run per form. The per-guest form runs the sizes up to `perGuestMax`, and, so that its
 * curve can be fitted from three sizes at least, a quarter, a half and all of `perGuestMax` as well
 * when fewer than three of the sizes are at most `perGuestMax` and some are above it (issue 18's own
 * fit ran 250, 500, 1,000, 1,500).
 */
export function plan(
  sizes: number[],
  forms: EngineForm[],
  perGuestMax: number,
): { runs: { form: EngineForm; guests: number }[]; skipped: EngineGrowthResult["skipped"] } {
  const runs: { form: EngineForm; guests: number }[] = [];
  const skipped: EngineGrowthResult["skipped"] = [];
  const sorted = (xs: number[]): number[] => [...new Set(xs)].filter((n) => n >= 1).sort((a, b) => a - b);
  for (const form of forms) {
    if (form === "shards") {
      for (const guests of sorted(sizes)) runs.push({ form, guests });
      continue;
    }
    const within = sorted(sizes).filter((n) => n <= perGuestMax);
    const fitSizes =
      within.length < 3 && sizes.some((n) => n > perGuestMax)
        ? [Math.round(perGuestMax / 4), Math.round(perGuestMax / 2), perGuestMax]
        : [];
    for (const guests of sorted([...within, ...fitSizes])) runs.push({ form, guests });
    for (const guests of sorted(sizes).filter((n) => n > perGuestMax))
      skipped.push({
        form,
        guests,
        reason: `above --per-guest-max ${perGuestMax}: quadratic in the engine, fitted instead`,
      });
  }
  return { runs, skipped };
}

const STEP_TIMEOUT_MS = 4 * 3600_000;

/** Seeds N existing guests `<prefix>.<i>@contoso.com` through the emulator's admin API, 16 at a time. */
async function seedGuests(emu: { graphUrl: string }, n: number, prefix: string): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < n; i = next++) {
      await seedUser(emu, {
        displayName: guestName(prefix, i),
        mail: guestAddress(prefix, i),
        creationType: "Invitation",
        userType: "Guest",
        externalUserState: "Accepted",
      });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** Counts the adopted guests in the stack's state: an `Invitation`'s `adopted`, or each of a shard's guests (decoded). */
function adoptedIn(stack: TestStack): number {
  const rs = (stack.exportState().deployment.resources ?? []) as unknown as { outputs?: Record<string, unknown> }[];
  return rs.reduce((n, r) => {
    const guests = r.outputs?.guests;
    if (guests && typeof guests === "object")
      return n + Object.values(decodeGuests(guests)).filter((g) => g.adopted === true).length;
    return n + (r.outputs?.adopted === true ? 1 : 0);
  }, 0);
}

/** A preview of a 3-guest program in the form: refuses a package that lacks the form before any long run. */
export async function preflight(o: {
  pkgDir: string;
  form: EngineForm;
  latencyMs: number;
}): Promise<string | undefined> {
  const emu = await startEmulator({ throttle: "graph", latencyMs: o.latencyMs });
  const stack = new TestStack({
    packageDir: o.pkgDir,
    name: `bench-preflight-${o.form}`,
    program: growthProgram(o.form, 3, "preflight"),
    env: providerEnv(emu),
  });
  try {
    const r = await stack.preview({ timeoutMs: 600_000 });
    if (!r.ok) return `the ${o.form} program's preview failed: ${(r.error ?? r.stderr).slice(-1500)}`;
    return formProblem(
      o.form,
      3,
      r.steps.map((s) => s.type),
    );
  } finally {
    stack.dispose();
    await emu.close();
  }
}

/**
 * Inside the holders of many guests (`inputs.guests`, `outputs.guests`, `outputs.redeemUrls`): the
 * mean compact bytes per guest of its inputs, of the output fields that echo an input, of the other
 * output fields (by field), and of the holder's encrypted secrets.
 */
export function guestParts(stack: TestStack, type: string): Record<string, number> {
  const rs = (
    (stack.exportState().deployment.resources ?? []) as unknown as Record<
      string,
      Record<string, Record<string, unknown>>
    >[]
  ).filter((r) => (r.type as unknown) === type);
  const sums: Record<string, number> = {};
  let guests = 0;
  const add = (k: string, n: number): void => void (sums[k] = (sums[k] ?? 0) + n);
  const bytes = (v: unknown): number => (v === undefined ? 0 : Buffer.byteLength(JSON.stringify(v)));
  for (const r of rs) {
    const ins = (r.inputs?.guests ?? {}) as Record<string, Record<string, unknown>>;
    const outs = (r.outputs?.guests ?? {}) as Record<string, unknown>;
    for (const [name, stored] of Object.entries(outs)) {
      guests++;
      add("inputs", bytes(name) + 1 + bytes(ins[name] ?? {}));
      add("outputs: braces and name", bytes(name) + 3);
      // A guest stored as one string (shard-plan.ts encodeGuest): its fields, and what the string's
      // envelope (prefix, quotes, the escapes of the quotes inside) adds.
      const g = (decodeGuest(stored) ?? {}) as Record<string, unknown>;
      if (typeof stored === "string") add("outputs: one string per guest (envelope)", bytes(stored) - bytes(g));
      for (const [k, v] of Object.entries(g))
        add(
          ins[name] && k in ins[name] && JSON.stringify(ins[name][k]) === JSON.stringify(v)
            ? "outputs: echoed inputs"
            : `outputs: ${k}`,
          bytes(k) + bytes(v) + 2,
        );
    }
    for (const [k, v] of Object.entries(r.outputs ?? {}))
      if (
        k !== "guests" &&
        k !== "__provider" &&
        typeof v === "object" &&
        v !== null &&
        "4dabf18193072939515e22adb298388d" in v
      )
        add(`secret ${k}`, bytes(v));
  }
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, round(v / Math.max(1, guests), 0)]));
}

/** The state after the first `up` of one form at one size: no throttling and no latency (the bytes do not depend on them). */
export async function runStateSize(o: {
  pkgDir: string;
  form: EngineForm;
  guests: number;
  log: (s: string) => void;
}): Promise<
  Pick<
    GrowthRun,
    | "form"
    | "guests"
    | "stateFileBytes"
    | "stateBytesPerGuest"
    | "resourcesByType"
    | "stateBreakdown"
    | "breakdownType"
    | "breakdownResources"
  >
> {
  const emu = await startEmulator({});
  const stack = new TestStack({
    packageDir: o.pkgDir,
    name: `bench-state-${o.form}-${o.guests}`,
    program: growthProgram(o.form, o.guests, "new"),
    env: providerEnv(emu),
  });
  try {
    const up = await stack.up({ timeoutMs: STEP_TIMEOUT_MS });
    if (!up.ok) throw new Error(`${o.form} ${o.guests}: up failed: ${(up.error ?? up.stderr).slice(-1500)}`);
    const all = stateAccounting(stack);
    const type = holderType(o.form, all.byType);
    const acc = type === INVITATION_STATE_TYPE ? all : stateAccounting(stack, type);
    const run = {
      form: o.form,
      guests: o.guests,
      stateFileBytes: acc.stateFileBytes,
      stateBytesPerGuest: round(acc.stateFileBytes / o.guests, 0),
      resourcesByType: Object.fromEntries(Object.entries(acc.byType).map(([t, v]) => [t, v.count])),
      stateBreakdown: acc.breakdown,
      breakdownType: type,
      breakdownResources: acc.resources,
    };
    if (type !== INVITATION_STATE_TYPE)
      o.log(
        `${o.form} ${o.guests}: per guest inside the holders, compact JSON: ${JSON.stringify(guestParts(stack, type))}`,
      );
    if (acc.breakdown)
      o.log(
        `${o.form} ${o.guests}: one ${type} in state (${acc.resources} of them), ${acc.breakdown.total} bytes of compact JSON: ${JSON.stringify(acc.breakdown.parts)}`,
      );
    o.log(
      `${o.form} ${o.guests}: state file ${acc.stateFileBytes} bytes = ${run.stateBytesPerGuest} per guest; resources ${JSON.stringify(run.resourcesByType)}`,
    );
    return run;
  } finally {
    stack.dispose();
    await emu.close();
  }
}

/** What every run of the growth study is given. */
export interface GrowthOptions {
  /** The package as a user has it installed (npm pack), which the programs run. */
  pkgDir: string;
  /** The emulator's latency per request. */
  latencyMs: number;
  /** The engine with PULUMI_SKIP_CHECKPOINTS=true (state written once, not after every step). */
  skipCheckpoints: boolean;
  /** The engine's --parallel (PULUMI_PARALLEL); unset, the CLI's default of 4 per CPU. */
  parallel?: number;
  log: (s: string) => void;
}

/** One form at one size: the five steps on a fresh emulator and backend. */
export async function runGrowthSize(o: GrowthOptions & { form: EngineForm; guests: number }): Promise<GrowthRun> {
  const emu = await startEmulator({ throttle: "graph", latencyMs: o.latencyMs });
  // Every process of the CLI inherits this marker, so the sampler counts only this run's processes.
  const markerName = "ENTRA_BENCH_RUN";
  const marker = `${markerName}=${randomUUID()}`;
  process.env[markerName] = marker.slice(markerName.length + 1);
  const env = engineEnv(emu, o);
  const stack = new TestStack({
    packageDir: o.pkgDir,
    name: `bench-${o.form}-${o.guests}`,
    program: growthProgram(o.form, o.guests, "new"),
    env,
  });
  let adoptStack: TestStack | undefined;
  const run: GrowthRun = {
    form: o.form,
    guests: o.guests,
    steps: {},
    stateFileBytes: 0,
    stateBytesPerGuest: 0,
    resourcesByType: {},
  };
  // A fresh app per step: full per-app budgets; and the tenant's invitation window (5 s) emptied.
  const freshApp = (): Record<string, string> => {
    const app = emu.addClient({ roles: DEFAULT_ROLES });
    return { ARM_CLIENT_ID: app.clientId, ARM_CLIENT_SECRET: app.clientSecret };
  };
  const step = async (
    name: GrowthStep,
    cmd: (env: Record<string, string>) => Promise<RunResult>,
  ): Promise<GrowthStepResult> => {
    await sleep(5_500);
    const sampler = MemorySampler.available() ? new MemorySampler(marker) : undefined;
    sampler?.start();
    const appEnv = freshApp();
    const s: GrowthStepResult = await measureStep(
      emu,
      `${o.form} ${o.guests}: ${STEP_LABELS[name]}`,
      () => cmd(appEnv),
      o.log,
    );
    const memoryMb = sampler?.stop();
    if (memoryMb) {
      s.memoryMb = memoryMb;
      o.log(`    peak resident memory (MB): ${JSON.stringify(memoryMb)}`);
    }
    run.steps[name] = s;
    return s;
  };
  try {
    const up = await step("up", (e) => stack.up({ timeoutMs: STEP_TIMEOUT_MS, env: e }));
    const all = stateAccounting(stack);
    const type = holderType(o.form, all.byType);
    const acc = type === INVITATION_STATE_TYPE ? all : stateAccounting(stack, type);
    run.stateFileBytes = acc.stateFileBytes;
    run.stateBytesPerGuest = round(acc.stateFileBytes / o.guests, 0);
    run.resourcesByType = Object.fromEntries(Object.entries(acc.byType).map(([t, v]) => [t, v.count]));
    run.stateResource = acc.stateResource;
    run.stateBreakdown = acc.breakdown;
    run.breakdownType = type;
    run.breakdownResources = acc.resources;
    if (acc.breakdown)
      o.log(
        `  one ${type} in state (${acc.resources} of them), ${acc.breakdown.total} bytes of compact JSON: ${JSON.stringify(acc.breakdown.parts)}`,
      );
    o.log(
      `  state: ${acc.stateFileBytes} bytes = ${run.stateBytesPerGuest} per guest; resources ${JSON.stringify(run.resourcesByType)}`,
    );
    if (up.ok) {
      await step("upNoChange", (e) => stack.up({ timeoutMs: STEP_TIMEOUT_MS, env: e }));
      await step("previewRefresh", (e) => stack.preview({ refresh: true, timeoutMs: STEP_TIMEOUT_MS, env: e }));
    }
    await step("destroy", (e) => stack.destroy({ timeoutMs: STEP_TIMEOUT_MS, env: e }));
    const t0 = performance.now();
    await seedGuests(emu, o.guests, "adopt");
    o.log(`  seeded ${o.guests} existing guests in ${round((performance.now() - t0) / 1000, 1)} s (admin API)`);
    adoptStack = new TestStack({
      packageDir: o.pkgDir,
      name: `bench-${o.form}-${o.guests}-adopt`,
      program: growthProgram(o.form, o.guests, "adopt"),
      env,
    });
    const adopt = await step("adopt", (e) => adoptStack!.up({ timeoutMs: STEP_TIMEOUT_MS, env: e }));
    if (adopt.ok) {
      run.adopted = adoptedIn(adoptStack);
      o.log(`  adopted: ${run.adopted} of ${o.guests}; POST /invitations: ${adopt.work?.invitations ?? 0}`);
    }
    const peaks = Object.values(run.steps).map((s) => s.memoryMb?.plugin ?? 0);
    if (peaks.some((p) => p > 0)) run.pluginPeakMb = Math.max(...peaks);
    return run;
  } catch (e) {
    run.error = e instanceof Error ? e.message : String(e);
    return run;
  } finally {
    // The adoption stack is not destroyed: the emulator goes, and its destroy is the first one's again.
    stack.dispose();
    adoptStack?.dispose();
    await emu.close();
  }
}

/** The growth study: every form at every size (the per-guest form capped), then the analysis. */
export async function runEngineGrowth(
  o: GrowthOptions & { sizes: number[]; forms: EngineForm[]; perGuestMax: number },
): Promise<EngineGrowthResult> {
  const started = Date.now();
  const { runs: todo, skipped } = plan(o.sizes, o.forms, o.perGuestMax);
  const runs: GrowthRun[] = [];
  for (const form of o.forms) {
    if (!todo.some((t) => t.form === form)) continue;
    const problem = await preflight({ pkgDir: o.pkgDir, form, latencyMs: o.latencyMs });
    if (problem) {
      o.log(`${form}: not run: ${problem}`);
      for (const t of todo.filter((t) => t.form === form)) skipped.push({ ...t, reason: problem });
      continue;
    }
    for (const t of todo.filter((t) => t.form === form)) {
      o.log(
        `real engine, ${form} form, ${t.guests} guests, checkpoints ${o.skipCheckpoints ? "skipped" : "on"}, parallel ${o.parallel ?? `${4 * os.availableParallelism()} (the CLI's default)`}:`,
      );
      runs.push(await runGrowthSize({ ...o, form, guests: t.guests }));
    }
  }
  return {
    kind: "engine-growth",
    latencyMs: o.latencyMs,
    skipCheckpoints: o.skipCheckpoints,
    parallel: o.parallel,
    perGuestMax: o.perGuestMax,
    sizes: o.sizes,
    forms: o.forms,
    runs,
    skipped,
    analysis: analyze(
      runs,
      skipped.filter((s) => s.reason.startsWith("above --per-guest-max")),
    ),
    machine: {
      nproc: os.availableParallelism(),
      memoryGB: round(os.totalmem() / 2 ** 30, 1),
      cpu: os.cpus()[0]?.model ?? "",
      node: process.version,
    },
    date: new Date().toISOString(),
    benchSeconds: round((Date.now() - started) / 1000, 1),
  };
}
