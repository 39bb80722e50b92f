/**
 * What one benchmark phase measured, read from the emulator's request log: wall time, HTTP requests
 * sent to Graph, operations carried (inside `$batch` too), 429s, failures.
 */
import type { RequestLogEntry, RunningEmulator } from "../src/emulator";

export interface PhaseResult {
  /** Wall time from the first call sent to the last answer. */
  seconds: number;
  /** HTTP requests to Graph (`/v1.0/...`), a `$batch` counting once: log entries without `inBatch`. */
  requests: number;
  /** Graph operations carried (sub-requests of a `$batch` each count, the `$batch` POST does not). */
  operations: number;
  /** `$batch` POSTs among `requests`. */
  batches: number;
  /** Token requests (the identity endpoint), not in `requests`. */
  tokenRequests: number;
  /** 429 answers Graph gave (top-level and inside batches). */
  throttled: number;
  /** The 429s by what was throttled. */
  throttledBy: { invitations: number; reads: number; writes: number };
  /** Provider calls that failed (the engine would mark the resource failed). */
  failures: number;
  /** The first few failure messages. */
  errors: string[];
}

export function summarizeLog(log: RequestLogEntry[]): Omit<PhaseResult, "seconds" | "failures" | "errors"> {
  const throttledBy = { invitations: 0, reads: 0, writes: 0 };
  let requests = 0;
  let operations = 0;
  let batches = 0;
  let tokenRequests = 0;
  let throttled = 0;
  for (const e of log) {
    if (!e.path.startsWith("/v1.0/")) {
      if (/\/oauth2\/v2\.0\/token/.test(e.path)) tokenRequests++;
      continue;
    }
    const isBatch = !e.inBatch && e.path.split("?")[0] === "/v1.0/$batch";
    if (!e.inBatch) requests++;
    if (isBatch) batches++;
    else operations++;
    if (e.status === 429) {
      throttled++;
      if (e.path.split("?")[0] === "/v1.0/invitations") throttledBy.invitations++;
      else if (e.method === "GET") throttledBy.reads++;
      else if (!isBatch) throttledBy.writes++;
    }
  }
  return { requests, operations, batches, tokenRequests, throttled, throttledBy };
}

/**
 * Runs `count` calls at once (the engine with `--parallel` ≥ count: all resources together), each `call(i)`,
 * and measures the phase against the emulator's log.
 */
export async function phase<T>(
  emu: RunningEmulator,
  count: number,
  call: (i: number) => Promise<T>,
): Promise<{ result: PhaseResult; values: (T | undefined)[] }> {
  emu.clearRequests();
  const t0 = performance.now();
  const settled = await Promise.allSettled(Array.from({ length: count }, (_, i) => call(i)));
  const seconds = (performance.now() - t0) / 1000;
  const errors: string[] = [];
  let failures = 0;
  const values = settled.map((s) => {
    if (s.status === "fulfilled") return s.value;
    failures++;
    if (errors.length < 3) errors.push(firstLine(s.reason));
    return undefined;
  });
  return { result: { seconds: round(seconds), ...summarizeLog(emu.requests()), failures, errors }, values };
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n")[0].slice(0, 300);
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
