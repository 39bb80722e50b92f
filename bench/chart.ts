/**
 * An SVG chart of the benchmark's results, drawn by hand (no chart library): create against the
 * throttle floor, refresh and no-change diff against the baseline, and how the cost grows with the
 * number of guests.
 */

type R = Record<string, unknown>;

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

const COLORS = { floor: "#9aa0a6", ours: "#1a73e8", base: "#e8710a", engine: "#188038", diff: "#9334e6" };

interface Bar {
  label: string;
  value: number;
  color: string;
  note?: string;
}

/** One bar; `note` (requests, failures) is written after its value. */
const bar = (label: string, value: number, color: string, note?: string): Bar => ({ label, value, color, note });

/** Horizontal bars in a box at (x, y) of size w × h. */
function bars(x: number, y: number, w: number, h: number, title: string, unit: string, items: Bar[]): string {
  const out: string[] = [];
  out.push(`<text x="${x}" y="${y + 14}" font-size="14" font-weight="bold">${esc(title)}</text>`);
  const top = y + 30;
  const labelW = 150;
  const barMax = w - labelW - 70;
  const max = Math.max(...items.map((b) => b.value), 1e-9);
  const rowH = Math.min(34, (h - 40) / Math.max(1, items.length));
  items.forEach((b, i) => {
    const by = top + i * rowH;
    const bw = Math.max(1, (b.value / max) * barMax);
    out.push(`<text x="${x}" y="${by + rowH / 2 + 4}" font-size="12">${esc(b.label)}</text>`);
    out.push(
      `<rect x="${x + labelW}" y="${by + 4}" width="${bw.toFixed(1)}" height="${(rowH - 10).toFixed(1)}" fill="${b.color}" rx="2"/>`,
    );
    out.push(
      `<text x="${(x + labelW + bw + 5).toFixed(1)}" y="${by + rowH / 2 + 4}" font-size="12">${esc(`${fmt(b.value)} ${unit}${b.note ? `  ${b.note}` : ""}`)}</text>`,
    );
  });
  return out.join("\n");
}

/** Log-log lines of seconds against guests. */
function growth(x: number, y: number, w: number, h: number, rows: R[]): string {
  const out: string[] = [];
  out.push(
    `<text x="${x}" y="${y + 14}" font-size="14" font-weight="bold">Growth: seconds by number of guests (log-log)</text>`,
  );
  const series: { key: string; label: string; color: string; dash?: string }[] = [
    { key: "floorSeconds", label: "throttle floor N/30 s", color: COLORS.floor, dash: "4 3" },
    { key: "createSeconds", label: "create", color: COLORS.ours },
    { key: "refreshSeconds", label: "refresh", color: COLORS.engine },
    { key: "diffSeconds", label: "no-change diff", color: COLORS.diff },
    { key: "destroySeconds", label: "destroy", color: COLORS.base },
  ];
  const pts = rows.filter((r) => num(r.guests));
  if (pts.length < 2) {
    out.push(`<text x="${x}" y="${y + 40}" font-size="12">run with --sizes 100,1000,5000 for this panel</text>`);
    return out.join("\n");
  }
  const px0 = x + 45;
  const py0 = y + h - 30;
  const pw = w - 60;
  const ph = h - 80;
  const gs = pts.map((r) => num(r.guests)!);
  const vals = pts.flatMap((r) =>
    series.map((s) => num(r[s.key])).filter((v): v is number => v !== undefined && v > 0),
  );
  const lx = (g: number): number =>
    px0 +
    ((Math.log10(g) - Math.log10(Math.min(...gs))) / (Math.log10(Math.max(...gs)) - Math.log10(Math.min(...gs)) || 1)) *
      pw;
  const ymin = Math.floor(Math.log10(Math.min(...vals)));
  const ymax = Math.ceil(Math.log10(Math.max(...vals)));
  const ly = (v: number): number => py0 - ((Math.log10(v) - ymin) / (ymax - ymin || 1)) * ph;
  out.push(`<line x1="${px0}" y1="${py0}" x2="${px0 + pw}" y2="${py0}" stroke="#444"/>`);
  out.push(`<line x1="${px0}" y1="${py0}" x2="${px0}" y2="${py0 - ph}" stroke="#444"/>`);
  for (let e = ymin; e <= ymax; e++) {
    const yy = ly(10 ** e);
    out.push(`<line x1="${px0}" y1="${yy}" x2="${px0 + pw}" y2="${yy}" stroke="#ddd"/>`);
    out.push(
      `<text x="${px0 - 6}" y="${yy + 4}" font-size="11" text-anchor="end">${10 ** e >= 1 ? 10 ** e : (10 ** e).toFixed(Math.abs(e))} s</text>`,
    );
  }
  for (const g of gs) out.push(`<text x="${lx(g)}" y="${py0 + 16}" font-size="11" text-anchor="middle">${g}</text>`);
  out.push(`<text x="${px0 + pw / 2}" y="${py0 + 30}" font-size="11" text-anchor="middle">guests</text>`);
  series.forEach((s, i) => {
    const p = pts
      .map((r) => [num(r.guests), num(r[s.key])] as const)
      .filter((q): q is readonly [number, number] => q[0] !== undefined && q[1] !== undefined && q[1] > 0);
    if (p.length) {
      out.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""} points="${p.map(([g, v]) => `${lx(g).toFixed(1)},${ly(v).toFixed(1)}`).join(" ")}"/>`,
      );
      for (const [g, v] of p)
        out.push(`<circle cx="${lx(g).toFixed(1)}" cy="${ly(v).toFixed(1)}" r="3" fill="${s.color}"/>`);
    }
    out.push(
      `<rect x="${px0 + 10}" y="${y + 26 + i * 15}" width="12" height="3" fill="${s.color}"/><text x="${px0 + 27}" y="${y + 31 + i * 15}" font-size="11">${esc(s.label)}</text>`,
    );
  });
  return out.join("\n");
}

export function renderChart(r: R): string {
  const n = num(r.guests) ?? 0;
  const W = 1200;
  const H = 440;
  const parts: string[] = [];
  const createBars: Bar[] = [
    bar("throttle floor (N/30 s)", num(r.floorSeconds) ?? 0, COLORS.floor),
    bar(
      "scheduler",
      num(r.createSeconds) ?? 0,
      COLORS.ours,
      `${r.createFailures ?? 0} failed, ${r.createRequests ?? "?"} requests`,
    ),
  ];
  if (num(r.baselineCreateSeconds) !== undefined)
    createBars.push(
      bar(
        "baseline",
        num(r.baselineCreateSeconds)!,
        COLORS.base,
        `${r.baselineCreateFailures} failed, ${r.baselineCreateRequests} requests`,
      ),
    );
  parts.push(bars(20, 10, 380, 200, `Create ${n} guests (seconds)`, "s", createBars));

  const cmp: Bar[] = [bar("refresh: scheduler", num(r.refreshSeconds) ?? 0, COLORS.ours, `${r.refreshRequests} req`)];
  if (num(r.baselineRefreshSeconds) !== undefined)
    cmp.push(bar("refresh: baseline", num(r.baselineRefreshSeconds)!, COLORS.base, `${r.baselineRefreshRequests} req`));
  cmp.push(bar("no-change diff: sched.", num(r.diffSeconds) ?? 0, COLORS.ours, `${r.diffRequests} req`));
  if (num(r.baselineDiffSeconds) !== undefined)
    cmp.push(bar("no-change diff: base.", num(r.baselineDiffSeconds)!, COLORS.base, `${r.baselineDiffRequests} req`));
  if (num(r.serverFloorRefreshSeconds) !== undefined) {
    cmp.push(bar("refresh: server alone", num(r.serverFloorRefreshSeconds)!, COLORS.floor, "no-op provider"));
    cmp.push(bar("diff: server alone", num(r.serverFloorDiffSeconds)!, COLORS.floor, "no-op provider"));
  }
  if (num(r.graphLayerRefreshSeconds) !== undefined) {
    cmp.push(
      bar("reads only: scheduler", num(r.graphLayerRefreshSeconds)!, COLORS.ours, `${r.graphLayerRefreshRequests} req`),
    );
    cmp.push(
      bar(
        "reads only: baseline",
        num(r.graphLayerBaselineRefreshSeconds)!,
        COLORS.base,
        `${r.graphLayerBaselineRefreshRequests} req`,
      ),
    );
  }
  parts.push(bars(20, 200, 380, 230, `Refresh and no-change diff of ${n} (seconds)`, "s", cmp));

  parts.push(growth(440, 10, 740, 360, (r.growth as R[] | undefined) ?? []));
  const m = r.machine as { nproc?: number; node?: string; memoryGB?: number } | undefined;
  const foot = `pulumi-entra-invitation npm run bench: Graph emulator with Graph's throttling, ${r.latencyMs} ms latency; ${m?.nproc ?? "?"} CPUs, ${m?.memoryGB ?? "?"} GB, Node ${m?.node ?? "?"}; ${String(r.date ?? "").slice(0, 10)}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + 20}" viewBox="0 0 ${W} ${H + 20}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...parts,
    `<text x="20" y="${H + 12}" font-size="11" fill="#555">${esc(foot)}</text>`,
    `</svg>`,
    "",
  ].join("\n");
}
