/**
 * `npm run bench` (scripts/bench.js builds, trusts the emulator's CA, installs the package and runs
 * this): the provider at Graph's throttle floor, against the emulator with Graph's throttling on.
 *
 *   --guests N         guests of the main run (default 1000)
 *   --latency-ms MS    added latency per Graph request (default 50)
 *   --sizes a,b,c      growth study: the scheduled provider at each size (default: the main size only);
 *                      with --engine, the engine's sizes (default: --guests)
 *   --engine           only the real engine's growth study (engine-growth.ts): for each size of --sizes
 *                      and each form, `pulumi up` of N new guests, `up` with no changes, `preview
 *                      --refresh`, `destroy`, and `up` adopting N existing guests, beside Graph's floors
 *   --forms a,b        the forms the engine study runs: invitations (one Invitation per guest), shards
 *                      (the scalable GuestList); default both
 *   --per-guest-max N  the largest size the per-guest form runs (default 1000; above, its curve is fitted)
 *   --engine-skip-checkpoints  the engine with PULUMI_SKIP_CHECKPOINTS=true (state written once, not after every step)
 *   --engine-parallel P  the engine's --parallel (PULUMI_PARALLEL; the CLI's default is 4 per CPU)
 *   --engine-state     only the state's size: for each size of --sizes and each form, `pulumi up` of N new
 *                      guests (plain CLI, no throttling, no latency: bytes do not depend on them), then
 *                      the state file's bytes per guest and where one holder's bytes go (state-bytes.ts)
 *   --engine-hosts     only the real engine, three ways in one run: the plain CLI through the Node.js
 *                      language host at the CLI's default parallelism and at --parallel 64, and an
 *                      Automation API inline program at the default (the way programs ran here before)
 *   --no-baseline      skip the baseline plugin (ENTRA_SCHEDULER=off)
 *   --no-baseline-create  measure the baseline's refresh / diff / destroy but not its create
 *   --repeat N         runs of refresh and no-change diff at the main size, median reported (default 3)
 *   --json             print the results as one JSON object on the last line
 *   --chart FILE       write an SVG chart of the results
 *   --markdown FILE    write the results as Markdown tables
 *   --export-guests N  only `entra-guests export` of a tenant of N guests (bench/export.ts): seconds and requests
 *   --adopt-guests N   only the provider's create of N guests that already exist (bench/adopt.ts): adopted, no invitation
 */
import * as fs from "node:fs";
import * as os from "node:os";
import { DEFAULT_ROLES, startEmulator } from "../src/emulator";
import { serializedInvitationProvider } from "../src/testing/serialized";
import { renderChart } from "./chart";
import { renderMarkdown } from "./report";
import { runEngine, EngineHost, EngineResult, EngineStep } from "./engine";
import { runEngineGrowth, runStateSize } from "./engine-growth";
import { ENGINE_FORMS, type EngineForm } from "./programs";
import { renderGrowthMarkdown } from "./growth-report";
import { PhaseResult, round, sleep } from "./measure";
import { benchExport } from "./export";
import { benchAdopt } from "./adopt";
import {
  createAll,
  destroyAll,
  diffAll,
  graphLayerReads,
  Guest,
  makeGuests,
  nullProvider,
  Plugin,
  refreshAll,
  stateSizes,
  withProvider,
} from "./provider-suite";

export interface BenchOptions {
  guests: number;
  latencyMs: number;
  sizes: number[];
  engine: boolean;
  engineSkipCheckpoints: boolean;
  /** PULUMI_PARALLEL for the engine runs (unset: the CLI's default, 4 × the CPUs). */
  engineParallel?: number;
  /** Only the engine: language host (default parallelism, 64) beside an inline program. */
  engineHosts: boolean;
  /** Only the engine's state size after the first `up` of each size. */
  engineState?: boolean;
  /** The forms the engine growth study runs. */
  forms: EngineForm[];
  /** The largest size the per-guest form runs in the engine growth study. */
  perGuestMax: number;
  baseline: boolean;
  baselineCreate: boolean;
  json: boolean;
  /** Runs of refresh and no-change diff in the main size; the median is reported. */
  repeat: number;
  chart?: string;
  markdown?: string;
  pkgDir: string;
  /** Only the export benchmark, with a tenant of this many guests. */
  exportGuests?: number;
  /** Only the adoption benchmark: the provider's create of this many existing guests. */
  adoptGuests?: number;
}

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const o: BenchOptions = {
    guests: 1000,
    latencyMs: 50,
    sizes: [],
    engine: false,
    engineSkipCheckpoints: false,
    engineHosts: false,
    forms: [...ENGINE_FORMS],
    perGuestMax: 1000,
    baseline: true,
    baselineCreate: true,
    json: false,
    repeat: 3,
    pkgDir: env.ENTRA_BENCH_PACKAGE_DIR ?? "",
  };
  const num = (k: string, v: string | undefined, min = 1): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${k} needs a whole number >= ${min}, not '${v}'`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const [k, inline] = argv[i].split("=", 2) as [string, string | undefined];
    const v = (): string | undefined => inline ?? argv[++i];
    switch (k) {
      case "--guests":
        o.guests = num(k, v());
        break;
      case "--latency-ms":
        o.latencyMs = num(k, v(), 0);
        break;
      case "--sizes":
        o.sizes = (v() ?? "")
          .split(",")
          .filter(Boolean)
          .map((s) => num(k, s.trim()));
        break;
      case "--engine":
        o.engine = true;
        break;
      case "--engine-skip-checkpoints":
        o.engine = o.engineSkipCheckpoints = true;
        break;
      case "--engine-parallel":
        o.engine = true;
        o.engineParallel = num(k, v());
        break;
      case "--engine-hosts":
        o.engine = o.engineHosts = true;
        break;
      case "--engine-state":
        o.engine = o.engineState = true;
        break;
      case "--forms":
        o.forms = (v() ?? "")
          .split(",")
          .filter(Boolean)
          .map((f) => {
            if (!(ENGINE_FORMS as readonly string[]).includes(f.trim()))
              throw new Error(`--forms takes ${ENGINE_FORMS.join(", ")}, not '${f}'`);
            return f.trim() as EngineForm;
          });
        break;
      case "--per-guest-max":
        o.perGuestMax = num(k, v());
        break;
      case "--no-baseline":
        o.baseline = false;
        break;
      case "--no-baseline-create":
        o.baselineCreate = false;
        break;
      case "--json":
        o.json = true;
        break;
      case "--repeat":
        o.repeat = num(k, v());
        break;
      case "--chart":
        o.chart = v();
        break;
      case "--markdown":
        o.markdown = v();
        break;
      case "--pkg-dir":
        o.pkgDir = v() ?? "";
        break;
      case "--export-guests":
        o.exportGuests = num(k, v());
        break;
      case "--adopt-guests":
        o.adoptGuests = num(k, v());
        break;
      default:
        throw new Error(`unknown argument ${argv[i]} (see bench/index.ts)`);
    }
  }
  if (!o.pkgDir)
    throw new Error("no installed package: run the benchmark with `npm run bench` (scripts/bench.js installs it)");
  return o;
}

export interface SuiteResult {
  guests: number;
  floorSeconds: number;
  create: PhaseResult;
  refresh: PhaseResult;
  diff: PhaseResult;
  destroy: PhaseResult;
  baseline?: { create?: PhaseResult; refresh: PhaseResult; diff: PhaseResult; destroy?: PhaseResult };
  /** Reads of every guest by the Graph layer alone (no gRPC), scheduled and baseline. */
  graphLayer?: { refresh: PhaseResult; baselineRefresh: PhaseResult };
  /** Refresh and no-change diff through the same gRPC server with a provider that does nothing: the server's own cost. */
  serverFloor?: { refresh: PhaseResult; diff: PhaseResult };
  propsBytes: number;
  inputsBytes: number;
}

/** The run with the median wall time. */
function median(rs: PhaseResult[]): PhaseResult {
  return [...rs].sort((x, y) => x.seconds - y.seconds)[Math.floor((rs.length - 1) / 2)];
}

const line = (name: string, r: PhaseResult, floor?: number, all?: PhaseResult[]): string =>
  `  ${name.padEnd(22)} ${r.seconds.toFixed(2).padStart(8)} s  ${String(r.requests).padStart(6)} HTTP requests (${r.operations} operations, ${r.batches} $batch)  ${r.throttled} x 429${r.throttled ? ` ${JSON.stringify(r.throttledBy)}` : ""}  ${r.failures} failed` +
  (floor ? `  = ${(r.seconds / floor).toFixed(3)} x floor` : "") +
  (all && all.length > 1 ? `  (median of ${all.map((x) => x.seconds.toFixed(2)).join(", ")})` : "") +
  (r.errors.length ? `\n      first errors: ${r.errors.join(" | ")}` : "");

/**
 * One emulator and N guests through every lifecycle phase. Each phase runs in fresh plugin processes,
 * as each Pulumi command starts its own (`up` creates, `preview --refresh` reads and diffs,
 * `destroy` deletes; a delete in the process that checked the same guest would be taken for half of a
 * replacement). Before a measured phase each plugin is warmed with one call that is not measured
 * (the provider module loaded, a token fetched), so both sides are measured alike.
 */
export async function runSuite(o: {
  pkgDir: string;
  provider: string;
  guests: number;
  latencyMs: number;
  baseline: boolean;
  baselineCreate: boolean;
  repeat: number;
  log: (s: string) => void;
}): Promise<SuiteResult> {
  const emu = await startEmulator({ throttle: "graph", latencyMs: o.latencyMs });
  const open = new Set<Plugin>();
  // The baseline is another app registration of the tenant: its own resource-unit budget, the
  // tenant's invitation budget shared (its create runs after ours).
  const baseApp = emu.addClient({ roles: DEFAULT_ROLES });
  const start = async (scheduler: "on" | "off", warm?: Guest): Promise<Plugin> => {
    const p = await Plugin.start(
      { pkgDir: o.pkgDir, emu, scheduler, app: scheduler === "off" ? baseApp : undefined },
      o.provider,
    );
    open.add(p);
    await p.warm(warm);
    return p;
  };
  const stop = async (...ps: (Plugin | undefined)[]): Promise<void> => {
    for (const p of ps) if (p && open.delete(p)) await p.close();
  };
  try {
    const floorSeconds = round(o.guests / 30);
    o.log(`${o.guests} guests, latency ${o.latencyMs} ms, throttle floor ${floorSeconds} s (invitations: 150 per 5 s)`);
    const guests = makeGuests(o.provider, o.guests, `g${o.guests}`);

    // pulumi up
    let s = await start("on");
    const create = await createAll(s, emu, guests);
    o.log(line("create", create, floorSeconds));
    await stop(s);
    const sizes = stateSizes(guests);

    // pulumi preview --refresh: read, then check + diff, in one process. Repeated (ours and the
    // baseline's in turns, each in its own warm process) and the median kept: a phase of a second
    // on a shared 2-core machine varies by a third from run to run.
    const warm = guests.find((g) => g.id);
    s = await start("on", warm);
    const b = o.baseline ? await start("off", warm) : undefined;
    const runs: Record<"refresh" | "diff" | "bRefresh" | "bDiff", PhaseResult[]> = {
      refresh: [],
      diff: [],
      bRefresh: [],
      bDiff: [],
    };
    for (let rep = 0; rep < o.repeat; rep++) {
      runs.refresh.push(await refreshAll(s, emu, guests));
      if (b) runs.bRefresh.push(await refreshAll(b, emu, guests, false));
      runs.diff.push(await diffAll(s, emu, guests));
      if (b) runs.bDiff.push(await diffAll(b, emu, guests));
    }
    await stop(s, b);
    // The gRPC server's own cost: the same calls, the same state, a provider that does nothing.
    let serverFloor: SuiteResult["serverFloor"];
    if (b) {
      const nulls = withProvider(guests, nullProvider(o.provider));
      const n = await start(
        "on",
        nulls.find((g) => g.id),
      );
      const fr: PhaseResult[] = [];
      const fd: PhaseResult[] = [];
      for (let rep = 0; rep < o.repeat; rep++) {
        fr.push(await refreshAll(n, emu, nulls, false));
        fd.push(await diffAll(n, emu, nulls));
      }
      await stop(n);
      serverFloor = { refresh: median(fr), diff: median(fd) };
      o.log(line("server floor: refresh", serverFloor.refresh, undefined, fr));
      o.log(line("server floor: diff", serverFloor.diff, undefined, fd));
    }
    const refresh = median(runs.refresh);
    const diff = median(runs.diff);
    o.log(line("refresh", refresh, undefined, runs.refresh));
    o.log(line("no-change diff", diff, undefined, runs.diff));
    let baseline: SuiteResult["baseline"];
    if (b) {
      baseline = { refresh: median(runs.bRefresh), diff: median(runs.bDiff) };
      o.log(line("baseline refresh", baseline.refresh, undefined, runs.bRefresh));
      o.log(line("baseline no-change diff", baseline.diff, undefined, runs.bDiff));
    }
    // The Graph layer alone, each side as an app of its own (its own resource units).
    let graphLayer: SuiteResult["graphLayer"];
    if (b) {
      const on = median(
        await graphLayerReads(emu, guests, {
          scheduler: "on",
          app: emu.addClient({ roles: DEFAULT_ROLES }),
          repeat: o.repeat,
        }),
      );
      const off = median(
        await graphLayerReads(emu, guests, {
          scheduler: "off",
          app: emu.addClient({ roles: DEFAULT_ROLES }),
          repeat: o.repeat,
        }),
      );
      graphLayer = { refresh: on, baselineRefresh: off };
      o.log(line("Graph layer: reads", on));
      o.log(line("  baseline reads", off));
    }
    // Each refresh took 1 resource unit per guest of our app's 3,500 per 10 s: let the bucket fill
    // again, so that destroy is measured on its own.
    if (o.repeat > 1) await sleep(Math.min(10_000, o.repeat * o.guests * 3));

    // pulumi destroy
    s = await start("on", warm);
    const destroy = await destroyAll(s, emu, guests);
    o.log(line("destroy", destroy));
    await stop(s);

    if (baseline && o.baselineCreate) {
      await sleep(5_500); // the tenant's invitation window empties
      const bGuests = makeGuests(o.provider, o.guests, `b${o.guests}`);
      let b = await start("off");
      baseline.create = await createAll(b, emu, bGuests);
      o.log(line("baseline create", baseline.create, floorSeconds));
      await stop(b);
      b = await start(
        "off",
        bGuests.find((g) => g.id),
      );
      baseline.destroy = await destroyAll(b, emu, bGuests);
      o.log(line("baseline destroy", baseline.destroy));
      await stop(b);
    }
    return {
      guests: o.guests,
      floorSeconds,
      create,
      refresh,
      diff,
      destroy,
      baseline,
      graphLayer,
      serverFloor,
      ...sizes,
    };
  } finally {
    for (const p of open) await p.close();
    await emu.close();
  }
}

const ratio = (a: number | undefined, b: number | undefined): number | null =>
  a !== undefined && b !== undefined && b > 0 ? round(a / b, 2) : null;

export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const o = parseArgs(argv);
  const log = (s: string): void => void process.stdout.write(`${s}\n`);
  if (o.exportGuests) {
    const r = await benchExport({ guests: o.exportGuests, latencyMs: o.latencyMs, log });
    if (o.json) log(JSON.stringify({ export: r }));
    return { export: r };
  }
  if (o.adoptGuests) {
    const r = await benchAdopt({ pkgDir: o.pkgDir, guests: o.adoptGuests, latencyMs: o.latencyMs, log });
    if (o.json) log(JSON.stringify({ adopt: r }));
    return { adopt: r };
  }
  const started = Date.now();
  const { provider } = serializedInvitationProvider(o.pkgDir);
  const providerBytes = Buffer.byteLength(provider);
  log(`__provider: ${providerBytes} bytes: ${provider.replace(/\s+/g, " ").slice(0, 160)}`);

  if (o.engineHosts) return engineHosts(o, log, started);
  if (o.engineState) return engineState(o, log);
  if (o.engine) return engineGrowth(o, log);

  const main = await runSuite({
    pkgDir: o.pkgDir,
    provider,
    guests: o.guests,
    latencyMs: o.latencyMs,
    baseline: o.baseline,
    baselineCreate: o.baselineCreate,
    repeat: o.repeat,
    log,
  });
  const growth: SuiteResult[] = [];
  for (const n of o.sizes) {
    if (n === o.guests) growth.push(main);
    else
      growth.push(
        await runSuite({
          pkgDir: o.pkgDir,
          provider,
          guests: n,
          latencyMs: o.latencyMs,
          baseline: false,
          baselineCreate: false,
          repeat: 1,
          log,
        }),
      );
  }
  const b = main.baseline;
  const estimatedStateBytes = main.propsBytes + main.inputsBytes;
  const result: Record<string, unknown> = {
    guests: o.guests,
    latencyMs: o.latencyMs,
    floorSeconds: main.floorSeconds,
    createSeconds: main.create.seconds,
    createVsFloor: ratio(main.create.seconds, main.floorSeconds),
    createFailures: main.create.failures,
    createRequests: main.create.requests,
    createOperations: main.create.operations,
    createThrottled: main.create.throttled,
    refreshSeconds: main.refresh.seconds,
    refreshRequests: main.refresh.requests,
    refreshFailures: main.refresh.failures,
    baselineRefreshSeconds: b?.refresh.seconds ?? null,
    baselineRefreshRequests: b?.refresh.requests ?? null,
    baselineRefreshThrottled: b?.refresh.throttled ?? null,
    refreshSpeedup: ratio(b?.refresh.seconds, main.refresh.seconds),
    refreshRequestReduction: ratio(b?.refresh.requests, main.refresh.requests),
    diffSeconds: main.diff.seconds,
    diffRequests: main.diff.requests,
    baselineDiffSeconds: b?.diff.seconds ?? null,
    baselineDiffRequests: b?.diff.requests ?? null,
    diffSpeedup: ratio(b?.diff.seconds, main.diff.seconds),
    diffNote: "a no-change diff is Check + Diff in the provider: no Graph call at all, with or without the scheduler",
    refreshPlusDiffSpeedup: b
      ? ratio(b.refresh.seconds + b.diff.seconds, main.refresh.seconds + main.diff.seconds)
      : null,
    graphLayerRefreshSeconds: main.graphLayer?.refresh.seconds ?? null,
    graphLayerRefreshRequests: main.graphLayer?.refresh.requests ?? null,
    graphLayerBaselineRefreshSeconds: main.graphLayer?.baselineRefresh.seconds ?? null,
    graphLayerBaselineRefreshRequests: main.graphLayer?.baselineRefresh.requests ?? null,
    graphLayerRefreshSpeedup: ratio(main.graphLayer?.baselineRefresh.seconds, main.graphLayer?.refresh.seconds),
    serverFloorRefreshSeconds: main.serverFloor?.refresh.seconds ?? null,
    serverFloorDiffSeconds: main.serverFloor?.diff.seconds ?? null,
    // The best speed-up any provider could show through this server: the baseline's time over the server's own.
    refreshSpeedupBound: ratio(b?.refresh.seconds, main.serverFloor?.refresh.seconds),
    diffSpeedupBound: ratio(b?.diff.seconds, main.serverFloor?.diff.seconds),
    destroySeconds: main.destroy.seconds,
    destroyRequests: main.destroy.requests,
    destroyFailures: main.destroy.failures,
    throttled: main.create.throttled + main.refresh.throttled + main.diff.throttled + main.destroy.throttled,
    baselineCreateSeconds: b?.create?.seconds ?? null,
    baselineCreateFailures: b?.create?.failures ?? null,
    baselineCreateRequests: b?.create?.requests ?? null,
    baselineCreateThrottled: b?.create?.throttled ?? null,
    baselineDestroySeconds: b?.destroy?.seconds ?? null,
    baselineDestroyRequests: b?.destroy?.requests ?? null,
    providerBytes,
    propsBytesPerGuest: main.propsBytes,
    stateBytesPerGuest: estimatedStateBytes,
    stateBytesSource: "inputs + outputs JSON per guest (estimate; --engine measures the state file)",
    estimatedStateBytesPerGuest: estimatedStateBytes,
    growth: growth.map((g) => ({
      guests: g.guests,
      floorSeconds: g.floorSeconds,
      createSeconds: g.create.seconds,
      createFailures: g.create.failures,
      createRequests: g.create.requests,
      createThrottled: g.create.throttled,
      refreshSeconds: g.refresh.seconds,
      refreshRequests: g.refresh.requests,
      diffSeconds: g.diff.seconds,
      destroySeconds: g.destroy.seconds,
      destroyRequests: g.destroy.requests,
      destroyFailures: g.destroy.failures,
      destroyThrottled: g.destroy.throttled,
      throttled: g.create.throttled + g.refresh.throttled + g.destroy.throttled,
    })),
    phases: { create: main.create, refresh: main.refresh, diff: main.diff, destroy: main.destroy, baseline: b ?? null },
    machine: {
      nproc: os.availableParallelism(),
      memoryGB: round(os.totalmem() / 2 ** 30, 1),
      cpu: os.cpus()[0]?.model ?? "",
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    date: new Date().toISOString(),
    benchSeconds: round((Date.now() - started) / 1000, 1),
  };
  if (o.chart) {
    fs.writeFileSync(o.chart, renderChart(result));
    log(`chart: ${o.chart}`);
  }
  if (o.markdown) {
    fs.writeFileSync(o.markdown, renderMarkdown(result));
    log(`tables: ${o.markdown}`);
  }
  log(`benchmark done in ${result.benchSeconds} s`);
  if (o.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  return result;
}

/** `--engine-state`: the state's bytes per guest after the first `up`, per size and form. */
async function engineState(o: BenchOptions, log: (s: string) => void): Promise<Record<string, unknown>> {
  const runs = [];
  for (const form of o.forms)
    for (const guests of o.sizes.length ? o.sizes : [o.guests])
      runs.push(await runStateSize({ pkgDir: o.pkgDir, form, guests, log }));
  if (o.json) process.stdout.write(`${JSON.stringify({ stateSizes: runs })}\n`);
  return { stateSizes: runs };
}

/** `--engine`: the engine growth study (engine-growth.ts), its tables with --markdown, its JSON with --json. */
async function engineGrowth(o: BenchOptions, log: (s: string) => void): Promise<Record<string, unknown>> {
  const sizes = o.sizes.length ? o.sizes : [o.guests];
  const result = await runEngineGrowth({
    pkgDir: o.pkgDir,
    sizes,
    forms: o.forms,
    perGuestMax: o.perGuestMax,
    latencyMs: o.latencyMs,
    skipCheckpoints: o.engineSkipCheckpoints,
    parallel: o.engineParallel,
    log,
  });
  const md = renderGrowthMarkdown(result);
  log(`\n${md}`);
  if (o.markdown) {
    fs.writeFileSync(o.markdown, md);
    log(`tables: ${o.markdown}`);
  }
  log(`benchmark done in ${result.benchSeconds} s`);
  if (o.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  return result as unknown as Record<string, unknown>;
}

/**
 * `--engine-hosts`: the same N-guest program, `pulumi up` / `preview --refresh` / `destroy`, run the
 * way users run it (the plain CLI and the language host) at the CLI's default parallelism and at 64,
 * and as an Automation API inline program, one after the other against fresh emulators.
 */
async function engineHosts(
  o: BenchOptions,
  log: (s: string) => void,
  started: number,
): Promise<Record<string, unknown>> {
  const runs: { label: string; host: EngineHost; parallel?: number }[] = [
    { label: `language host, default parallelism (${4 * os.availableParallelism()})`, host: "language-host" },
    { label: "language host, --parallel 64", host: "language-host", parallel: 64 },
    { label: `Automation API inline program, default parallelism (${4 * os.availableParallelism()})`, host: "inline" },
  ];
  const results: EngineResult[] = [];
  for (const r of runs) {
    log(
      `real engine, ${o.guests} guests, ${r.label}${o.engineSkipCheckpoints ? ", PULUMI_SKIP_CHECKPOINTS=true" : ""}:`,
    );
    results.push(
      await runEngine({
        pkgDir: o.pkgDir,
        guests: o.guests,
        latencyMs: o.latencyMs,
        skipCheckpoints: o.engineSkipCheckpoints,
        parallel: r.parallel,
        host: r.host,
        log,
      }),
    );
  }
  log(`\n| how the program runs | pulumi up | preview --refresh | destroy |\n|---|---|---|---|`);
  for (const [i, e] of results.entries()) {
    const cell = (s: EngineStep): string =>
      s.ok ? `${s.seconds.toFixed(1)} s (${s.requests} req, ${s.throttled} × 429)` : "failed";
    log(`| ${runs[i].label} | ${cell(e.up)} | ${cell(e.previewRefresh)} | ${cell(e.destroy)} |`);
  }
  const result = {
    guests: o.guests,
    latencyMs: o.latencyMs,
    skipCheckpoints: o.engineSkipCheckpoints,
    engineHosts: results.map((e, i) => ({ label: runs[i].label, ...e })),
    date: new Date().toISOString(),
    benchSeconds: round((Date.now() - started) / 1000, 1),
  };
  log(`benchmark done in ${result.benchSeconds} s`);
  if (o.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  return result;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
