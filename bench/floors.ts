/**
 * Graph's floor for a benchmark step, and how a figure grows with the number of guests. Pure.
 *
 * The floor of a step is the least time Graph's throttling lets the Graph work that step did take,
 * starting from full budgets (each engine step of the benchmark runs as a fresh app registration, so
 * its per-app budgets are full; the tenant's invitation window is left to empty first):
 * - invitations: a sliding window of 150 per 5 s per tenant: the k-th invitation (from 0) can go at
 *   ⌊k / 150⌋ × 5 s, so n take ⌊(n − 1) / 150⌋ × 5 s;
 * - users (and deletedItems): a token bucket of 3,500 resource units per 10 s per app, full at the
 *   start: u units take max(0, u − 3,500) / 350 s;
 * - writes: a sliding window of 3,000 per 150 s per app;
 * - open extensions: a sliding window of 455 per 10 s per app.
 * The limits are the emulator's (src/emulator/throttle.ts, Graph's documented values); a request's
 * resource units and whether it is an extension request are the Graph layer's own reading of the
 * same document (src/graph/limits.ts). A 429 took nothing from any budget, so it is not work.
 */
import type { RequestLogEntry } from "../src/emulator";
import { GRAPH_LIMITS, type ThrottleLimits } from "../src/emulator/throttle";
import { isExtensionRequest, resourceUnits } from "../src/graph/limits";
import { round } from "./measure";

/** The Graph work of a step, by budget: what Graph admitted (no 429). */
export interface GraphWork {
  /** `POST /invitations`. */
  invitations: number;
  /** Resource units of users / deletedItems requests. */
  resourceUnits: number;
  /** Users / deletedItems requests that write. */
  writes: number;
  /** Requests that count against the open-extension limit. */
  extensionRequests: number;
}

export type Budget = keyof GraphWork;

/** The least time a step's work takes under Graph's limits, and which budget sets it. */
export interface GraphFloor {
  seconds: number;
  /** The budget that takes longest; `none` when no budget needs any time (all within the first burst). */
  binding: Budget | "none";
  byBudget: Record<Budget, number>;
}

const NO_WORK: GraphWork = { invitations: 0, resourceUnits: 0, writes: 0, extensionRequests: 0 };

/** Seconds for n events in a sliding window of `limit` per `windowMs`, the first window empty. */
export function slidingWindowSeconds(n: number, limit: number, windowMs: number): number {
  return n <= 0 ? 0 : (Math.floor((n - 1) / limit) * windowMs) / 1000;
}

/** Seconds for `units` from a full token bucket of `capacity` refilled over `windowMs`. */
export function tokenBucketSeconds(units: number, capacity: number, windowMs: number): number {
  return (Math.max(0, units - capacity) * windowMs) / capacity / 1000;
}

/** The Graph work in an emulator request log (sub-requests of a `$batch` each count; the envelope and token requests do not). */
export function workOf(log: Pick<RequestLogEntry, "method" | "path" | "status">[]): GraphWork {
  const w = { ...NO_WORK };
  for (const e of log) {
    if (!e.path.startsWith("/v1.0/") || e.status === 429 || e.status === 401 || e.status === 403) continue;
    const path = e.path.slice("/v1.0".length);
    const route = path.split("?")[0];
    if (route === "/$batch") continue;
    if (route === "/invitations") {
      if (e.method === "POST") w.invitations++;
      continue;
    }
    if (!/^\/(users|directory\/deletedItems)(\/|$)/i.test(route)) continue;
    w.resourceUnits += resourceUnits({ method: e.method, path });
    if (e.method !== "GET") w.writes++;
    if (isExtensionRequest({ path })) w.extensionRequests++;
  }
  return w;
}

/**
 * Graph operations by shape: method, path with ids as `{id}`, and the query's parameter names
 * (`GET /users?$filter&$select&$top&$expand=extensions`), 429s apart. Tells which calls a step's work is.
 */
export function requestShapes(log: Pick<RequestLogEntry, "method" | "path" | "status">[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of log) {
    if (!e.path.startsWith("/v1.0/")) continue;
    const [route, query] = e.path.slice("/v1.0".length).split("?", 2);
    if (route === "/$batch") continue;
    const params = query
      ? decodeURIComponent(query)
          .split("&")
          .map((p) => (p.startsWith("$expand=") ? p : p.split("=")[0]))
      : [];
    const shape = `${e.method} ${route.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "{id}")}${params.length ? `?${params.join("&")}` : ""}${e.status === 429 ? " (429)" : ""}`;
    out[shape] = (out[shape] ?? 0) + 1;
  }
  return out;
}

/** The floor of `work` under `limits` (Graph's by default). */
export function graphFloor(work: GraphWork, limits: ThrottleLimits = GRAPH_LIMITS): GraphFloor {
  const byBudget: Record<Budget, number> = {
    invitations: slidingWindowSeconds(work.invitations, limits.invitationsPerWindow, limits.invitationWindowMs),
    resourceUnits: tokenBucketSeconds(work.resourceUnits, limits.resourceUnits, limits.resourceUnitWindowMs),
    writes: slidingWindowSeconds(work.writes, limits.writesPerWindow, limits.writeWindowMs),
    extensionRequests: slidingWindowSeconds(
      work.extensionRequests,
      limits.extensionRequestsPerWindow,
      limits.extensionWindowMs,
    ),
  };
  let binding: Budget | "none" = "none";
  let seconds = 0;
  for (const [k, v] of Object.entries(byBudget) as [Budget, number][]) {
    if (v > seconds) [binding, seconds] = [k, v];
  }
  return {
    seconds: round(seconds, 2),
    binding,
    byBudget: Object.fromEntries(Object.entries(byBudget).map(([k, v]) => [k, round(v, 2)])) as Record<Budget, number>,
  };
}

/** How a figure grows from one size to the next. */
export interface Growth {
  from: number;
  to: number;
  /** to / from. */
  sizeRatio: number;
  /** The figure at `to` over the figure at `from`. */
  ratio: number;
  /** log(ratio) / log(sizeRatio): 1 is linear, 2 quadratic. */
  exponent: number;
  /** 2 ^ exponent: what doubling the guests does to the figure (at most 2 is linear or better). */
  perDoubling: number;
}

/** Growth between consecutive sizes (sorted by size; points without a positive figure skipped). */
export function growthRatios(points: { n: number; value: number }[]): Growth[] {
  const ps = points.filter((p) => p.n > 0 && p.value > 0).sort((a, b) => a.n - b.n);
  const out: Growth[] = [];
  for (let i = 1; i < ps.length; i++) {
    const [a, b] = [ps[i - 1], ps[i]];
    if (b.n === a.n) continue;
    const sizeRatio = b.n / a.n;
    const ratio = b.value / a.value;
    const exponent = Math.log(ratio) / Math.log(sizeRatio);
    out.push({
      from: a.n,
      to: b.n,
      sizeRatio: round(sizeRatio, 2),
      ratio: round(ratio, 2),
      exponent: round(exponent, 2),
      perDoubling: round(2 ** exponent, 2),
    });
  }
  return out;
}

/** seconds ≈ c + a·N + b·N²: the engine's start-up, a cost per guest, and the checkpoints' cost (issue 18). */
export interface Fit {
  c: number;
  a: number;
  b: number;
  /** Points it was fitted to. */
  points: number;
}

/** Least squares of `ys ≈ Σ coef_j · cols_j` (normal equations, Gaussian elimination); undefined when singular. */
function leastSquares(cols: number[][], ys: number[]): number[] | undefined {
  const k = cols.length;
  const m = cols.map((ci) => [
    ...cols.map((cj) => ci.reduce((s, v, r) => s + v * cj[r], 0)),
    ci.reduce((s, v, r) => s + v * ys[r], 0),
  ]);
  for (let i = 0; i < k; i++) {
    const p = m.slice(i).reduce((best, row, j) => (Math.abs(row[i]) > Math.abs(m[best][i]) ? i + j : best), i);
    [m[i], m[p]] = [m[p], m[i]];
    if (Math.abs(m[i][i]) < 1e-12) return undefined;
    for (let r = 0; r < k; r++) {
      if (r === i) continue;
      const f = m[r][i] / m[i][i];
      for (let c = i; c <= k; c++) m[r][c] -= f * m[i][c];
    }
  }
  return m.map((row, i) => row[k] / row[i]);
}

/**
 * Least squares of `value ≈ c + a·n + b·n²` with no coefficient below 0 (a start-up, a cost per guest
 * and a cost growing with the state cannot be negative): each subset of the three terms is fitted, and
 * of the fits whose coefficients are all ≥ 0 the one with the least squared error is kept. Needs two
 * sizes; undefined otherwise.
 */
export function fitLinearQuadratic(points: { n: number; value: number }[]): Fit | undefined {
  const ps = points.filter((p) => p.n > 0 && Number.isFinite(p.value));
  if (new Set(ps.map((p) => p.n)).size < 2) return undefined;
  // In thousands of guests, so the sums of n⁴ stay well inside a double's precision.
  const ks = ps.map((p) => p.n / 1000);
  const ys = ps.map((p) => p.value);
  const terms = { c: ks.map(() => 1), a: ks, b: ks.map((k) => k * k) };
  let best: { fit: Fit; error: number } | undefined;
  for (const subset of [["c", "a", "b"], ["a", "b"], ["c", "b"], ["c", "a"], ["b"], ["a"], ["c"]] as const) {
    if (subset.length > new Set(ks).size) continue;
    const coef = leastSquares(
      subset.map((t) => terms[t]),
      ys,
    );
    if (!coef || coef.some((v) => v < -1e-9)) continue;
    const fit: Fit = { c: 0, a: 0, b: 0, points: ps.length };
    subset.forEach((t, i) => (fit[t] = Math.max(0, coef[i])));
    const error = ks.reduce((e, k, i) => e + (fit.c + fit.a * k + fit.b * k * k - ys[i]) ** 2, 0);
    if (!best || error < best.error - 1e-9) best = { fit, error };
  }
  return best && { ...best.fit, a: best.fit.a / 1000, b: best.fit.b / 1e6 };
}

/** The fitted figure at n. */
export function predict(fit: Fit, n: number): number {
  return fit.c + fit.a * n + fit.b * n * n;
}

/** `4.2 + 0.035·N + 1.09e-4·N²` (terms fitted to 0 left out). */
export function formatFit(fit: Fit): string {
  const num = (v: number): string =>
    Math.abs(v) >= 0.01 && Math.abs(v) < 1000 ? String(Number(v.toPrecision(3))) : v.toExponential(2);
  const terms = [
    fit.c > 0 ? num(fit.c) : "",
    fit.a > 0 ? `${num(fit.a)}·N` : "",
    fit.b > 0 ? `${num(fit.b)}·N²` : "",
  ].filter(Boolean);
  return terms.join(" + ") || "0";
}
