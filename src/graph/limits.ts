/** Client-side budgets that mirror Graph's documented limits. Pure, time passed in. */

/** At most `limit` takes in any window of `windowMs` (Graph's invitation manager: 150 per 5 s per tenant). */
export class SlidingWindow {
  private readonly stamps: number[] = [];
  private head = 0;
  constructor(readonly limit: number, readonly windowMs: number) {}

  /** Take one slot at `now` if free; otherwise return the time at which one frees up. */
  tryTake(now: number): true | number {
    while (this.head < this.stamps.length && this.stamps[this.head] <= now - this.windowMs) this.head++;
    if (this.head > 1024) {
      this.stamps.splice(0, this.head);
      this.head = 0;
    }
    if (this.stamps.length - this.head < this.limit) {
      this.stamps.push(now);
      return true;
    }
    return this.stamps[this.head] + this.windowMs;
  }
}

/** A token bucket refilled continuously: `capacity` units per `periodMs` (Graph's resource units). */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(readonly capacity: number, readonly periodMs: number, now = 0) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Take `cost` units at `now` if there are enough; otherwise return when there will be. */
  tryTake(cost: number, now: number): true | number {
    const rate = this.capacity / this.periodMs;
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * rate);
    this.last = now;
    if (this.tokens >= cost) {
      this.tokens -= cost;
      return true;
    }
    return now + Math.ceil((cost - this.tokens) / rate);
  }
}

/** Backoff for attempt n (1-based): exponential from `baseMs`, capped, with full jitter. */
export function backoffMs(attempt: number, random: () => number = Math.random, baseMs = 400, capMs = 20_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** `Retry-After` in seconds (or an HTTP date) to milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
