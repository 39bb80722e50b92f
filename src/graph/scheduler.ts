/**
 * The process-wide request scheduler: every Graph call of the plugin process goes through one
 * instance per (endpoint, tenant, client), whichever resource or provider code version asks.
 *
 * - a concurrency cap on HTTP requests in flight;
 * - a budget per Graph limit: invitations 150 per 5 s per tenant (sliding window), users by resource
 *   units (token bucket);
 * - 429 honoured with `Retry-After` (and the whole lane paused until then), 5xx and broken
 *   connections retried with jittered backoff, a deadline per request;
 * - concurrent requests coalesced into `$batch` calls of up to 20, each sub-request retried on its
 *   own.
 * All our calls are safe to re-send: re-inviting an address returns the same guest, PATCH is
 * idempotent and a repeated DELETE answers 404, which callers treat as done.
 */
import { EntraGraphError, isTransientNetworkError } from "./errors";
import { backoffMs, retryAfterMs, SlidingWindow, TokenBucket } from "./limits";

export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

/** Which of Graph's limits a request counts against. */
export type Lane = "invitations" | "users";

export interface GraphRequest {
  method: HttpMethod;
  /** Relative to the version root, e.g. `/users/ID?$select=id,mail`. */
  path: string;
  body?: unknown;
  lane: Lane;
  /** Retry 404 until this time (epoch ms): a user just invited may not be readable yet. */
  retryNotFoundUntil?: number;
}

export interface GraphResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

/** One HTTP exchange with Graph. Network failures reject; HTTP errors resolve with their status. */
export interface Transport {
  send(req: { method: HttpMethod; path: string; body?: unknown }): Promise<GraphResponse>;
}

/** What every scheduler (of any version of this package) offers: the shared contract. */
export interface RequestScheduler {
  submit<T = unknown>(req: GraphRequest): Promise<GraphResponse<T>>;
  stats(): SchedulerStats;
}

export interface SchedulerStats {
  /** HTTP requests sent (a `$batch` counts once). */
  httpRequests: number;
  /** Graph operations carried, including those inside batches. */
  operations: number;
  batches: number;
  throttled: number;
  retries: number;
  failures: number;
}

export interface SchedulerOptions {
  maxConcurrency: number;
  batching: boolean;
  /** Per request, from first submit to giving up. Default 10 minutes. */
  deadlineMs?: number;
  invitationsPerWindow?: number;
  invitationWindowMs?: number;
  resourceUnits?: number;
  resourceUnitPeriodMs?: number;
  now?: () => number;
  random?: () => number;
}

interface Item {
  req: GraphRequest;
  resolve(r: GraphResponse): void;
  reject(e: unknown): void;
  attempt: number;
  notBefore: number;
  deadline: number;
  lastError?: unknown;
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const MAX_BATCH = 20;

/** Resource units a user request costs (Graph: 1 with $select, 2 without; writes 3 here). */
function unitCost(req: GraphRequest): number {
  if (req.method !== "GET") return 3;
  return req.path.includes("$select=") ? 1 : 2;
}

export class Scheduler implements RequestScheduler {
  private readonly queue: Item[] = [];
  private inflight = 0;
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;
  private pumpQueued = false;
  private readonly invitations: SlidingWindow;
  private readonly units: TokenBucket;
  private readonly pausedUntil: Record<Lane, number> = { invitations: 0, users: 0 };
  private readonly counters: SchedulerStats = { httpRequests: 0, operations: 0, batches: 0, throttled: 0, retries: 0, failures: 0 };
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly transport: Transport, private readonly opts: SchedulerOptions) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    // A little under Graph's 150 / 5 s so that clock and network jitter do not cost a 429.
    this.invitations = new SlidingWindow(opts.invitationsPerWindow ?? 148, opts.invitationWindowMs ?? 5_050);
    this.units = new TokenBucket(opts.resourceUnits ?? 3_000, opts.resourceUnitPeriodMs ?? 10_000, this.now());
  }

  submit<T = unknown>(req: GraphRequest): Promise<GraphResponse<T>> {
    return new Promise<GraphResponse>((resolve, reject) => {
      const now = this.now();
      this.queue.push({ req, resolve, reject, attempt: 0, notBefore: now, deadline: now + (this.opts.deadlineMs ?? 600_000) });
      this.schedulePump();
    }) as Promise<GraphResponse<T>>;
  }

  stats(): SchedulerStats {
    return { ...this.counters };
  }

  private schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  private wakeAt(at: number): void {
    if (at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(1, at - this.now()));
  }

  /** Take what may go now (budget, backoff, concurrency) and send it, batched where allowed. */
  private pump(): void {
    const now = this.now();
    let nextWake = Infinity;
    while (this.inflight < this.opts.maxConcurrency && this.queue.length > 0) {
      const picked: Item[] = [];
      const limit = this.opts.batching ? MAX_BATCH : 1;
      for (let i = 0; i < this.queue.length && picked.length < limit; ) {
        const item = this.queue[i];
        const wait = this.readyAt(item, now);
        if (wait !== true) {
          nextWake = Math.min(nextWake, wait);
          i++;
          continue;
        }
        this.queue.splice(i, 1);
        picked.push(item);
      }
      if (picked.length === 0) break;
      this.dispatch(picked);
    }
    if (nextWake < Infinity) this.wakeAt(nextWake);
  }

  /** True when the item may be sent now (and its budget is taken), else when to look again. */
  private readyAt(item: Item, now: number): true | number {
    if (item.notBefore > now) return item.notBefore;
    const lane = item.req.lane;
    if (this.pausedUntil[lane] > now) return this.pausedUntil[lane];
    return lane === "invitations" ? this.invitations.tryTake(now) : this.units.tryTake(unitCost(item.req), now);
  }

  private dispatch(items: Item[]): void {
    this.inflight++;
    this.counters.httpRequests++;
    this.counters.operations += items.length;
    const done = (): void => {
      this.inflight--;
      this.schedulePump();
    };
    if (items.length === 1) {
      const [item] = items;
      this.transport
        .send(item.req)
        .then((res) => this.settle(item, res), (err) => this.settleError(item, err))
        .finally(done);
      return;
    }
    this.counters.batches++;
    const body = { requests: items.map((it, i) => subRequest(String(i + 1), it.req)) };
    this.transport
      .send({ method: "POST", path: "/$batch", body })
      .then((res) => {
        const responses = (res.body as { responses?: BatchSubResponse[] } | undefined)?.responses;
        if (res.status !== 200 || !Array.isArray(responses)) {
          // The batch itself failed: every item gets the same answer and its own retry.
          for (const it of items) this.settle(it, res);
          return;
        }
        const byId = new Map(responses.map((r) => [String(r.id), r]));
        for (const [i, it] of items.entries()) {
          const r = byId.get(String(i + 1));
          if (!r) this.settleError(it, new Error("$batch response lacks a sub-response"));
          else this.settle(it, { status: r.status, headers: lowerKeys(r.headers ?? {}), body: r.body });
        }
      }, (err) => {
        for (const it of items) this.settleError(it, err);
      })
      .finally(done);
  }

  private settle(item: Item, res: GraphResponse): void {
    const now = this.now();
    const lane = item.req.lane;
    if (res.status === 429) {
      this.counters.throttled++;
      const wait = retryAfterMs(res.headers["retry-after"], now) ?? backoffMs(item.attempt + 1, this.random);
      this.pausedUntil[lane] = Math.max(this.pausedUntil[lane], now + wait);
      return this.retry(item, now + wait, res);
    }
    if (RETRYABLE_STATUS.has(res.status)) {
      return this.retry(item, now + backoffMs(item.attempt + 1, this.random), res);
    }
    if (res.status === 404 && item.req.retryNotFoundUntil && now < item.req.retryNotFoundUntil) {
      return this.retry(item, now + Math.min(250 * 2 ** item.attempt, 2_000), res, false);
    }
    item.resolve(res);
  }

  private settleError(item: Item, err: unknown): void {
    if (isTransientNetworkError(err)) {
      return this.retry(item, this.now() + backoffMs(item.attempt + 1, this.random), undefined, true, err);
    }
    this.counters.failures++;
    item.reject(err);
  }

  private retry(item: Item, at: number, res: GraphResponse | undefined, count = true, err?: unknown): void {
    item.attempt++;
    item.lastError = err;
    if (at > item.deadline) {
      this.counters.failures++;
      if (res) return item.resolve(res);
      return item.reject(new EntraGraphError({ status: 0, code: "DeadlineExceeded", message: `gave up after ${item.attempt} attempts: ${String((err as Error | undefined)?.message ?? err)}`, request: `${item.req.method} ${pathOnly(item.req.path)}` }));
    }
    if (count) this.counters.retries++;
    item.notBefore = at;
    this.queue.push(item);
    this.wakeAt(at);
  }
}

interface BatchSubResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

function subRequest(id: string, req: GraphRequest): Record<string, unknown> {
  const sub: Record<string, unknown> = { id, method: req.method, url: req.path };
  if (req.body !== undefined) {
    sub.body = req.body;
    sub.headers = { "Content-Type": "application/json" };
  }
  return sub;
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

export function pathOnly(path: string): string {
  return path.split("?")[0];
}

/**
 * Sends each request on its own, as a provider without a scheduler would: no budget, no batching;
 * the Graph client's own RetryHandler does the retrying. The benchmark's baseline.
 */
export class DirectScheduler implements RequestScheduler {
  private readonly counters: SchedulerStats = { httpRequests: 0, operations: 0, batches: 0, throttled: 0, retries: 0, failures: 0 };
  constructor(private readonly transport: Transport) {}
  async submit<T = unknown>(req: GraphRequest): Promise<GraphResponse<T>> {
    this.counters.httpRequests++;
    this.counters.operations++;
    for (;;) {
      const res = await this.transport.send(req);
      if (res.status === 404 && req.retryNotFoundUntil && Date.now() < req.retryNotFoundUntil) {
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      return res as GraphResponse<T>;
    }
  }
  stats(): SchedulerStats {
    return { ...this.counters };
  }
}
