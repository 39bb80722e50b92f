/**
 * Injected faults. Each Graph request draws once: 429, 503, 504 answer an error instead of doing
 * the work; `reset` destroys the socket before the work; `drop` does the work and then destroys
 * the socket ("commit then drop"). $batch sub-requests draw only 429/503/504 (the socket belongs
 * to the whole batch, which draws reset/drop once for itself). `batch424` applies to top-level
 * $batch requests only: the batch runs, and its envelope answers 424 while still carrying
 * `responses` (throttling-limits and json-batching disagree on the envelope's status; clients must
 * settle each item from its own sub-response).
 */
import type { FaultRates } from "./types";
import type { Random } from "./prng";

/** A fault kind. */
export type FaultKind = "429" | "503" | "504" | "reset" | "drop" | "batch424";

const KINDS: readonly FaultKind[] = ["429", "503", "504", "reset", "drop", "batch424"];
const STATUS_KINDS: readonly FaultKind[] = ["429", "503", "504"];

function isKind(k: string): k is FaultKind {
  return (KINDS as readonly string[]).includes(k);
}

/**
 * Parses "503=0.05,504=0.02,reset=0.01,drop=0.02,429=0.01" (or an object of the same rates).
 * Throws an Error for an unknown kind, a rate outside 0..1, or rates adding up to more than 1.
 */
export function parseFaults(spec: string | FaultRates | undefined | null): FaultRates {
  const rates: FaultRates = {};
  if (spec === undefined || spec === null) return rates;
  const entries: [string, unknown][] =
    typeof spec === "string"
      ? spec
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s && s !== "none" && s !== "off")
          .map((s) => {
            const eq = s.indexOf("=");
            if (eq < 0) throw new Error(`faults: '${s}' is not kind=rate`);
            const v = s.slice(eq + 1).trim();
            return [s.slice(0, eq).trim(), v.endsWith("%") ? Number(v.slice(0, -1)) / 100 : Number(v)];
          })
      : Object.entries(spec);
  let sum = 0;
  for (const [k, v] of entries) {
    if (!isKind(k)) throw new Error(`faults: unknown kind '${k}' (use ${KINDS.join(", ")})`);
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > 1)
      throw new Error(`faults: rate of '${k}' must be a number from 0 to 1`);
    rates[k] = v;
    sum += v;
  }
  if (sum > 1 + 1e-9) throw new Error("faults: the rates add up to more than 1");
  return rates;
}

/** Formats rates back into the string form. */
export function formatFaults(rates: FaultRates): string {
  return KINDS.filter((k) => rates[k])
    .map((k) => `${k}=${rates[k]}`)
    .join(",");
}

/** Draws faults from a seeded PRNG. */
export class FaultInjector {
  private rates: FaultRates = {};

  constructor(private readonly random: Random) {}

  /** Replaces the rates (undefined = none). */
  set(spec: string | FaultRates | undefined): void {
    this.rates = parseFaults(spec);
  }

  /** The current rates. */
  get(): FaultRates {
    return { ...this.rates };
  }

  /** Draws a fault for one request; `statusOnly` for $batch sub-requests; `batch` for a top-level $batch (only it can draw `batch424`). */
  draw(statusOnly = false, batch = false): FaultKind | undefined {
    const kinds = statusOnly ? STATUS_KINDS : KINDS.filter((k) => batch || k !== "batch424");
    let any = false;
    for (const k of kinds) if (this.rates[k]) any = true;
    if (!any) return undefined;
    const r = this.random();
    let acc = 0;
    for (const k of kinds) {
      acc += this.rates[k] ?? 0;
      if (r < acc) return k;
    }
    return undefined;
  }
}
