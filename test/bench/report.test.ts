/**
 * The benchmark's own pieces that are not measurements: the no-op provider that measures the gRPC
 * server alone, and the Markdown and SVG it writes for docs/benchmarks.md.
 */
import * as vm from "node:vm";
import { renderChart } from "../../bench/chart";
import { parseArgs } from "../../bench/index";
import { nullProvider, withProvider } from "../../bench/provider-suite";
import { renderMarkdown } from "../../bench/report";

type Provider = {
  check(olds: unknown, news: Record<string, unknown>): Promise<{ inputs: unknown }>;
  diff(): Promise<{ changes: boolean }>;
  read(id: string, props: Record<string, unknown>): Promise<{ id: string; props: unknown }>;
};

/** Loads a `__provider` text the way the SDK's server does: a module whose `handler()` gives the provider. */
function load(text: string): Provider {
  const module = { exports: {} as { handler?: () => Provider } };
  vm.runInNewContext(text, { module, exports: module.exports });
  return module.exports.handler!();
}

describe("nullProvider: the gRPC server's own cost", () => {
  const real = `exports.handler = __f0; const provider = require("pulumi-entra-invitation/provider"); ${"x".repeat(200)}`;

  test("is as long as the provider it stands in for, so requests are as large", () => {
    expect(nullProvider(real)).toHaveLength(real.length);
  });

  test("answers check, diff and read with what it is given, and nothing else", async () => {
    const p = load(nullProvider(real));
    const props = { userId: "u1", invitedUserEmailAddress: "a@b.example" };
    await expect(p.check({}, props)).resolves.toEqual({ inputs: props });
    await expect(p.diff()).resolves.toEqual({ changes: false });
    await expect(p.read("u1", props)).resolves.toEqual({ id: "u1", props });
  });

  test("withProvider swaps __provider in inputs and state and keeps ids", () => {
    const [g] = withProvider(
      [{ urn: "urn:x", id: "u1", inputs: { __provider: "a", x: 1 }, props: { __provider: "a", y: 2 } }],
      "b",
    );
    expect(g).toEqual({ urn: "urn:x", id: "u1", inputs: { __provider: "b", x: 1 }, props: { __provider: "b", y: 2 } });
  });
});

describe("reports", () => {
  const phase = (seconds: number, requests: number, operations = 1000) => ({
    seconds,
    requests,
    operations,
    throttled: 0,
    failures: 0,
  });
  const result = {
    guests: 1000,
    latencyMs: 50,
    floorSeconds: 33.333,
    createSeconds: 32.2,
    createFailures: 0,
    createRequests: 113,
    refreshSeconds: 0.57,
    refreshRequests: 54,
    baselineRefreshSeconds: 1.1,
    baselineRefreshRequests: 1000,
    diffSeconds: 0.52,
    diffRequests: 0,
    baselineDiffSeconds: 0.5,
    baselineDiffRequests: 0,
    serverFloorRefreshSeconds: 0.31,
    serverFloorDiffSeconds: 0.48,
    refreshSpeedupBound: 3.55,
    diffSpeedupBound: 1.04,
    providerBytes: 272,
    stateBytesPerGuest: 3063,
    stateBytesSource: "engine state file / guests",
    estimatedStateBytesPerGuest: 1563,
    growth: [],
    engine: null,
    phases: {
      create: phase(32.2, 113, 2000),
      refresh: phase(0.57, 54),
      diff: phase(0.52, 0, 0),
      destroy: phase(0.55, 72),
      baseline: { refresh: phase(1.1, 1000), diff: phase(0.5, 0, 0) },
    },
    machine: { nproc: 2, memoryGB: 23.5, node: "v20" },
    date: "2026-11-27T00:00:00Z",
  };

  test("the Markdown states the ratios and the server's bound", () => {
    const md = renderMarkdown(result);
    expect(md).toContain(
      "| refresh (read) | 0.57 s | 54 (1000 ops) | 0 | 0 | 1.10 s | 1000 | 0 | 0 | 1.93 × | 18.52 × |",
    );
    expect(md).toContain("| gRPC server alone: refresh with a no-op provider | 0.31 s |");
    expect(md).toContain("at most 3.55 ×");
    expect(md).toContain("at most 1.04 ×");
  });

  test("the chart is one SVG with the server-alone bars", () => {
    const svg = renderChart(result);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("refresh: server alone");
    expect(svg.match(/<svg/g)).toHaveLength(1);
  });

  test.each([
    [["--guests", "100", "--engine-parallel", "64"], { guests: 100, engine: true, engineParallel: 64 }],
    [["--no-baseline", "--repeat=1"], { baseline: false, repeat: 1, engine: false }],
  ])("parseArgs %j", (argv, expected) => {
    expect(parseArgs(argv, { ENTRA_BENCH_PACKAGE_DIR: "/pkg" })).toMatchObject(expected);
  });

  test.each([
    [["--guests", "0"], /whole number >= 1/],
    [["--what"], /unknown argument/],
    [[], /npm run bench/],
  ])("parseArgs refuses %j", (argv, msg) => {
    expect(() => parseArgs(argv, argv.length ? { ENTRA_BENCH_PACKAGE_DIR: "/pkg" } : {})).toThrow(msg);
  });
});
