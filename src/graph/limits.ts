/** Client-side budgets that mirror Graph's documented limits. Pure, time passed in. */

/**
 * At most `limit` requests in any window of `windowMs` (Graph's invitation manager: 150 per 5 s per
 * tenant; user writes: 3,000 per 150 s per app and tenant).
 *
 * A slot is taken when a request is sent and stays taken while it is in flight; `release(now)` when
 * its answer (or failure) arrives starts its window at that moment. Graph counted the request at some
 * instant between sending and answering, so a window that starts at the answer can never end before
 * Graph's: no 429 from network delay or a busy event loop, at the price of one round trip per window.
 * A caller that never releases (`tryTake` alone) keeps the slot until it does.
 */
export class SlidingWindow {
  /** Ends of requests released, in time order (release times only grow). */
  private readonly stamps: number[] = [];
  private head = 0;
  private open = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    if (!(limit >= 1) || !(windowMs > 0))
      throw new Error(`SlidingWindow: limit >= 1 and windowMs > 0 needed, got ${limit} / ${windowMs}`);
  }

  private prune(now: number): void {
    while (this.head < this.stamps.length && this.stamps[this.head] + this.windowMs <= now) this.head++;
    if (this.head > 1024 && this.head * 2 > this.stamps.length) {
      this.stamps.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Slots in use at `now`: in flight plus released within the window. */
  used(now: number): number {
    this.prune(now);
    return this.open + this.stamps.length - this.head;
  }

  /**
   * Take one slot at `now` if free (true); otherwise when the next one frees up: a time, or Infinity
   * when every used slot is still in flight (the next `release` frees one later).
   */
  tryTake(now: number): true | number {
    if (this.used(now) < this.limit) {
      this.open++;
      return true;
    }
    return this.head < this.stamps.length ? this.stamps[this.head] + this.windowMs : Infinity;
  }

  /** The request of a slot taken earlier got its answer (or failed) at `now`. */
  release(now: number): void {
    if (this.open <= 0) return;
    this.open--;
    const last = this.stamps.length > this.head ? this.stamps[this.stamps.length - 1] : -Infinity;
    this.stamps.push(Math.max(now, last));
  }
}

/**
 * A token bucket refilled continuously: `capacity` units per `periodMs` (Graph's resource units for
 * users: 3,500 per 10 s for the smallest tenants). Units are taken when a request is sent; Graph
 * takes them when the request arrives, and requests do not all take equally long to get there, so a
 * bucket run dry would meet Graph's a little early now and then: `reserve` units are never taken
 * (100 units cover 300 ms of difference in network delay at 3,500 per 10 s).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly capacity: number,
    readonly periodMs: number,
    now = 0,
    readonly reserve = 0,
  ) {
    if (!(capacity > 0) || !(periodMs > 0))
      throw new Error(`TokenBucket: capacity and periodMs must be positive, got ${capacity} / ${periodMs}`);
    if (!(reserve >= 0 && reserve < capacity))
      throw new Error(`TokenBucket: reserve must be from 0 to below the capacity, got ${reserve}`);
    this.tokens = capacity;
    this.last = now;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.capacity) / this.periodMs);
      this.last = now;
    }
  }

  /** Units that may be taken at `now` (the reserve excluded; negative after an overdraft). */
  available(now: number): number {
    this.refill(now);
    return this.tokens - this.reserve;
  }

  /** Take `cost` units at `now` if there are enough (true); otherwise when there will be. */
  tryTake(cost: number, now: number): true | number {
    const have = this.available(now);
    const need = Math.min(cost, this.capacity - this.reserve);
    if (have >= need) {
      this.tokens -= need;
      return true;
    }
    return now + Math.ceil(((need - have) * this.periodMs) / this.capacity);
  }

  /** Graph said a request cost `delta` units more (or, negative, fewer) than was taken. */
  adjust(delta: number, now: number): void {
    this.refill(now);
    this.tokens = Math.min(this.capacity, this.tokens - delta);
  }

  /**
   * Graph reported the budget `fraction` used (`x-ms-throttle-limit-percentage`, 0..1 and more):
   * never believe there is more left than Graph says (another process may share the budget).
   */
  observeUsage(fraction: number, now: number): void {
    if (!Number.isFinite(fraction)) return;
    this.refill(now);
    this.tokens = Math.min(this.tokens, this.capacity * Math.max(0, 1 - fraction));
  }

  /** Empty the bucket (after a 429 for resource units). */
  drain(now: number): void {
    this.refill(now);
    this.tokens = Math.min(this.tokens, 0);
  }
}

/** Backoff for attempt n (1-based): exponential from `baseMs`, capped, with jitter in [ceiling/2, ceiling]. */
export function backoffMs(attempt: number, random: () => number = Math.random, baseMs = 400, capMs = 20_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(30, attempt - 1)));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** `Retry-After` in seconds (or an HTTP date) to milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  if (/^-/.test(v)) return 0;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/**
 * Resource units a request to the identity service costs (throttling-limits, "Identity and access
 * service limits"): `GET` of the users list (`/users`) 2, any other identity `GET` 1 (a user by id,
 * its extensions or sponsors, deleted items), any write 1; then `$select` −1, `$expand` +1 and `$top`
 * below 20 −1; never below 1. Invitations are budgeted apart and cost nothing here.
 */
export function resourceUnits(req: { method: string; path: string }): number {
  if (req.method !== "GET") return 1;
  const [route, query = ""] = req.path.split("?");
  let cost = /^\/users\/?$/i.test(route) ? 2 : 1;
  const q = decodeURIComponent(query);
  if (/(^|&)\$select=/.test(q)) cost -= 1;
  if (/(^|&)\$expand=/.test(q)) cost += 1;
  const top = /(^|&)\$top=(\d+)/.exec(q);
  if (top && Number(top[2]) < 20) cost -= 1;
  return Math.max(1, cost);
}

/**
 * Whether a request counts against Graph's open-extension limit: 455 requests per 10 s per app and
 * tenant for open and schema extensions (throttling-limits). Requests to `/extensions` paths do;
 * whether a read with `$expand=extensions` does is not documented (open question 4): it is counted,
 * the stricter answer (the emulator counts it too).
 */
export function isExtensionRequest(req: { path: string }): boolean {
  const [route, query = ""] = req.path.split("?");
  return /\/extensions(\/|$)/i.test(route) || /(^|&)\$expand=[^&]*\bextensions\b/i.test(decodeURIComponent(query));
}

/** Graph's open-extension limit (throttling-limits): 455 requests per 10 s per app and tenant. */
export const OPEN_EXTENSION_LIMIT = { requests: 455, windowMs: 10_000 } as const;
