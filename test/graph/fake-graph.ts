/**
 * A fake Graph behind the Transport interface for scheduler tests on jest's fake clock: records every
 * HTTP request with its time, answers each operation (top-level or inside a `$batch`) with a handler,
 * optionally after a latency, and can enforce Graph's limits itself to catch a scheduler that breaks
 * them.
 */
import { Scheduler } from "../../src/graph/scheduler";
import type { GraphRequest, GraphResponse, HttpMethod, SchedulerOptions, Transport } from "../../src/graph/scheduler";

export interface Op {
  method: HttpMethod;
  path: string;
  body?: unknown;
}

export interface HttpCall extends Op {
  at: number;
  /** The operations it carried (one, or a batch's sub-requests). */
  ops: Op[];
}

/** The answer to one operation; an Error makes the whole HTTP exchange fail (top-level only). */
export type Answer = GraphResponse | Error;

export const ok = (body: unknown = {}, headers: Record<string, string> = {}): GraphResponse => ({
  status: 200,
  headers,
  body,
});
export const status = (code: number, headers: Record<string, string> = {}): GraphResponse => ({
  status: code,
  headers,
  body: { error: { code: `HTTP${code}`, message: "fake" } },
});

export function networkError(code = "ECONNRESET"): Error {
  return Object.assign(new Error(`socket ${code}`), { code });
}

export class FakeGraph implements Transport {
  readonly calls: HttpCall[] = [];
  inflight = 0;
  maxInflight = 0;
  /** Per HTTP exchange. */
  latencyMs = 0;
  /** Sub-responses come back in reverse order, as Graph may reorder them. */
  reverseBatches = true;
  /** The whole `$batch` answers this instead of sub-responses (once per entry, then normally). */
  batchFailures: Answer[] = [];

  constructor(public handler: (op: Op, at: number) => Answer = (op) => ok({ path: op.path })) {}

  async send(req: { method: HttpMethod; path: string; body?: unknown }): Promise<GraphResponse> {
    const at = Date.now();
    const isBatch = req.method === "POST" && req.path === "/$batch";
    const subs = isBatch
      ? (
          req.body as {
            requests: {
              id: string;
              method: HttpMethod;
              url: string;
              body?: unknown;
              headers?: Record<string, string>;
            }[];
          }
        ).requests
      : [];
    const ops: Op[] = isBatch
      ? subs.map((s) => ({ method: s.method, path: s.url, body: s.body }))
      : [{ method: req.method, path: req.path, body: req.body }];
    this.calls.push({ ...req, at, ops });
    this.inflight++;
    this.maxInflight = Math.max(this.maxInflight, this.inflight);
    try {
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      const now = Date.now();
      if (!isBatch) {
        const a = this.handler(ops[0], now);
        if (a instanceof Error) throw a;
        return a;
      }
      const failure = this.batchFailures.shift();
      if (failure instanceof Error) throw failure;
      if (failure) return failure;
      const ids = new Set<string>();
      const responses = subs.map((s, i) => {
        if (ids.has(s.id)) throw new Error(`duplicate sub-request id ${s.id}`);
        ids.add(s.id);
        if (s.body !== undefined && s.headers?.["Content-Type"] !== "application/json")
          throw new Error("sub-request body without Content-Type");
        const a = this.handler(ops[i], now);
        if (a instanceof Error)
          return {
            id: s.id,
            status: 500,
            headers: {},
            body: { error: { code: "generalException", message: a.message } },
          };
        // Graph's sub-response headers are not lower case.
        const headers = Object.fromEntries(
          Object.entries(a.headers).map(([k, v]) => [
            k.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase()),
            v,
          ]),
        );
        return { id: s.id, status: a.status, headers, body: a.body };
      });
      if (this.reverseBatches) responses.reverse();
      return { status: 200, headers: {}, body: { responses } };
    } finally {
      this.inflight--;
    }
  }

  /** Every operation sent, with the time of its HTTP exchange. */
  ops(): (Op & { at: number; batched: boolean })[] {
    return this.calls.flatMap((c) => c.ops.map((o) => ({ ...o, at: c.at, batched: c.path === "/$batch" })));
  }
}

/** Puts each test of the file on jest's fake clock (promises and ticks still run) from a fixed now, and back after it. */
export function useFakeClock(): void {
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ["nextTick", "queueMicrotask"], now: 1_000_000 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });
}

/** Moves the fake clock on by `ms`, running what falls due. */
export const run = (ms: number): Promise<void> => jest.advanceTimersByTimeAsync(ms);

/** A read of one user, in the users lane. */
export const get = (id: string): GraphRequest => ({ method: "GET", path: `/users/${id}?$select=id`, lane: "users" });

/** The scheduler under test against the fake Graph: 16 at a time, batching, jitter at its middle; `o` overrides. */
export const scheduler = (graph: FakeGraph, o: Partial<SchedulerOptions> = {}): Scheduler =>
  new Scheduler(graph, { maxConcurrency: 16, batching: true, random: () => 0.5, ...o });

/** A handler that answers the first operation of this method 429 with these headers, and every operation after it as the default (200, its path). */
export function throttleOnce(method: HttpMethod, headers: Record<string, string>): (op: Op) => Answer {
  let first = true;
  return (op) => {
    if (!first || op.method !== method) return ok({ path: op.path });
    first = false;
    return status(429, headers);
  };
}
