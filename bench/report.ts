/** The results as Markdown tables, for docs/benchmarks.md (`--markdown FILE`). */

type R = Record<string, unknown>;
interface Phase {
  seconds: number;
  requests: number;
  operations: number;
  throttled: number;
  failures: number;
}

const n = (v: unknown, d = 2): string =>
  typeof v === "number" && Number.isFinite(v) ? (Number.isInteger(v) ? String(v) : v.toFixed(d)) : "–";
const x = (v: unknown): string => (typeof v === "number" && Number.isFinite(v) ? `${v.toFixed(2)} ×` : "–");

export function renderMarkdown(r: R): string {
  const p = r.phases as {
    create: Phase;
    refresh: Phase;
    diff: Phase;
    destroy: Phase;
    baseline: { create?: Phase; refresh: Phase; diff: Phase; destroy?: Phase } | null;
  };
  const b = p.baseline;
  const row = (name: string, ours: Phase, base: Phase | undefined, vsFloor?: number): string =>
    `| ${name} | ${n(ours.seconds)} s | ${ours.requests} (${ours.operations} ops) | ${ours.throttled} | ${ours.failures} | ${base ? `${n(base.seconds)} s` : "–"} | ${base ? `${base.requests}` : "–"} | ${base ? base.throttled : "–"} | ${base ? base.failures : "–"} | ${base && base.failures > 0 ? `– (${base.failures} failed)` : base && ours.seconds > 0 ? x(base.seconds / ours.seconds) : "–"} | ${base && ours.requests > 0 ? x(base.requests / ours.requests) : base ? "0 vs 0" : "–"} | ${vsFloor !== undefined ? x(vsFloor) : ""} |`;
  const floor = Number(r.floorSeconds);
  const lines = [
    `N = ${r.guests} guests, latency ${r.latencyMs} ms, floor ${n(floor)} s.`,
    "",
    "| phase | scheduler | HTTP requests | 429s | failed | baseline | HTTP requests | 429s | failed | faster | fewer requests | vs floor |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
    row("create (check + create)", p.create, b?.create, p.create.seconds / floor),
    row("refresh (read)", p.refresh, b?.refresh),
    row("no-change diff (check + diff)", p.diff, b?.diff),
    row("destroy (delete)", p.destroy, b?.destroy),
  ];
  if (r.graphLayerRefreshSeconds !== null && r.graphLayerRefreshSeconds !== undefined) {
    lines.push(
      `| Graph layer alone: read all (no gRPC) | ${n(r.graphLayerRefreshSeconds)} s | ${n(r.graphLayerRefreshRequests)} | 0 | 0 | ${n(r.graphLayerBaselineRefreshSeconds)} s | ${n(r.graphLayerBaselineRefreshRequests)} | 0 | 0 | ${x(r.graphLayerRefreshSpeedup)} | ${x(Number(r.graphLayerBaselineRefreshRequests) / Number(r.graphLayerRefreshRequests))} | |`,
    );
  }
  if (r.serverFloorRefreshSeconds !== null && r.serverFloorRefreshSeconds !== undefined) {
    lines.push(
      `| gRPC server alone: refresh with a no-op provider | ${n(r.serverFloorRefreshSeconds)} s | 0 | 0 | 0 | ${n(p.baseline?.refresh.seconds)} s | | | | at most ${x(r.refreshSpeedupBound)} | | |`,
    );
    lines.push(
      `| gRPC server alone: no-change diff with a no-op provider | ${n(r.serverFloorDiffSeconds)} s | 0 | 0 | 0 | ${n(p.baseline?.diff.seconds)} s | | | | at most ${x(r.diffSpeedupBound)} | | |`,
    );
  }
  const growth = (r.growth as R[] | undefined) ?? [];
  if (growth.length) {
    lines.push(
      "",
      "| guests | floor | create | × floor | create requests | 429s | refresh | refresh requests | no-change diff | destroy | destroy requests | 429s in all |",
      "|---|---|---|---|---|---|---|---|---|---|---|---|",
    );
    for (const g of growth) {
      lines.push(
        `| ${g.guests} | ${n(g.floorSeconds)} s | ${n(g.createSeconds)} s | ${x(Number(g.createSeconds) / Number(g.floorSeconds))} | ${g.createRequests} | ${g.createThrottled} | ${n(g.refreshSeconds)} s | ${g.refreshRequests} | ${n(g.diffSeconds)} s | ${n(g.destroySeconds)} s | ${g.destroyRequests} | ${g.throttled} |`,
      );
    }
  }
  lines.push(
    "",
    `\`__provider\`: ${r.providerBytes} bytes. State per guest: ${r.stateBytesPerGuest} bytes (${r.stateBytesSource}); what the provider returns (inputs + outputs, JSON): ${r.estimatedStateBytesPerGuest} bytes.`,
  );
  return `${lines.join("\n")}\n`;
}
