/**
 * Graph's documented throttling (throttling-limits), as far as invitations and users go:
 * - invitation manager: 150 requests per 5 s per tenant (all apps together), sliding window;
 * - identity and access (users, deletedItems): a token bucket of resource units per app+tenant
 *   (3,500 RU per 10 s, refilled continuously), plus 3,000 writes per 150 s per app+tenant;
 * - open and schema extensions: 455 requests per 10 s per app per tenant, sliding window.
 * A throttled request gets 429 with Retry-After (seconds) and the x-ms-throttle-* headers.
 */

/** Limits (Graph's values by default; tests may shrink them). */
export interface ThrottleLimits {
  invitationsPerWindow: number;
  invitationWindowMs: number;
  resourceUnits: number;
  resourceUnitWindowMs: number;
  writesPerWindow: number;
  writeWindowMs: number;
  extensionRequestsPerWindow: number;
  extensionWindowMs: number;
}

/** Graph's documented limits (smallest tenant size for the resource units). */
export const GRAPH_LIMITS: ThrottleLimits = {
  invitationsPerWindow: 150,
  invitationWindowMs: 5_000,
  resourceUnits: 3_500,
  resourceUnitWindowMs: 10_000,
  writesPerWindow: 3_000,
  writeWindowMs: 150_000,
  extensionRequestsPerWindow: 455,
  extensionWindowMs: 10_000,
};

/** Outcome of a throttle check. */
export interface ThrottleDecision {
  ok: boolean;
  /** Seconds, when !ok. */
  retryAfter?: number;
  /** Headers to add to the response (also on success). */
  headers: Record<string, string>;
}

/** A sliding-window counter of admitted events. */
class SlidingWindow {
  private times: number[] = [];
  private head = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  private prune(now: number): void {
    while (this.head < this.times.length && this.times[this.head] <= now - this.windowMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  /** Milliseconds until one more event fits (0 = now). */
  waitMs(now: number): number {
    this.prune(now);
    if (this.times.length - this.head < this.limit) return 0;
    return this.times[this.times.length - this.limit] + this.windowMs - now;
  }

  add(now: number): void {
    this.times.push(now);
  }
}

/** Token bucket in resource units. */
class Bucket {
  tokens: number;
  last: number;

  constructor(
    readonly capacity: number,
    private readonly windowMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.capacity) / this.windowMs);
      this.last = now;
    }
  }

  /** Milliseconds until `cost` units are available. */
  waitMs(cost: number): number {
    return this.tokens >= cost ? 0 : ((cost - this.tokens) * this.windowMs) / this.capacity;
  }
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** The 429 of a users request: `headers` plus Retry-After and the x-ms-throttle-* headers naming the limit hit. */
function usersThrottled(
  waitMs: number,
  headers: Record<string, string>,
  scope: string,
  information: "ResourceUnitLimitExceeded" | "WriteLimitExceeded",
): ThrottleDecision {
  const retryAfter = seconds(waitMs);
  return {
    ok: false,
    retryAfter,
    headers: {
      ...headers,
      "Retry-After": String(retryAfter),
      "x-ms-throttle-scope": scope,
      "x-ms-throttle-information": information,
    },
  };
}

/** Throttling state of one emulator. */
export class Throttle {
  mode: "graph" | "off";
  private readonly invitations = new Map<string, SlidingWindow>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly writes = new Map<string, SlidingWindow>();
  private readonly extensionWindows = new Map<string, SlidingWindow>();

  constructor(
    mode: "graph" | "off" = "off",
    private readonly limits: ThrottleLimits = GRAPH_LIMITS,
  ) {
    this.mode = mode;
  }

  /** Forgets all counters. */
  clear(): void {
    this.invitations.clear();
    this.buckets.clear();
    this.writes.clear();
    this.extensionWindows.clear();
  }

  /** One more event in the sliding window `key` of `windows` (limit per windowMs), or 429 with Retry-After. */
  private slide(
    windows: Map<string, SlidingWindow>,
    key: string,
    limit: number,
    windowMs: number,
    now: number,
  ): ThrottleDecision {
    if (this.mode === "off") return { ok: true, headers: {} };
    let w = windows.get(key);
    if (!w) windows.set(key, (w = new SlidingWindow(limit, windowMs)));
    const wait = w.waitMs(now);
    if (wait > 0) {
      const retryAfter = seconds(wait);
      return { ok: false, retryAfter, headers: { "Retry-After": String(retryAfter) } };
    }
    w.add(now);
    return { ok: true, headers: {} };
  }

  /** An open-extension request (or a read expanding extensions) by an app in a tenant: 455 per 10 s. */
  extension(appId: string, tenantId: string, now: number): ThrottleDecision {
    return this.slide(
      this.extensionWindows,
      `${appId}/${tenantId}`,
      this.limits.extensionRequestsPerWindow,
      this.limits.extensionWindowMs,
      now,
    );
  }

  /** POST /invitations: 150 per 5 s per tenant. */
  invitation(tenantId: string, now: number): ThrottleDecision {
    return this.slide(
      this.invitations,
      tenantId,
      this.limits.invitationsPerWindow,
      this.limits.invitationWindowMs,
      now,
    );
  }

  /** A users / deletedItems request of `cost` resource units by an app in a tenant. */
  users(appId: string, tenantId: string, cost: number, write: boolean, now: number): ThrottleDecision {
    const headers: Record<string, string> = { "x-ms-resource-unit": String(cost) };
    if (this.mode === "off") return { ok: true, headers };
    const key = `${appId}/${tenantId}`;
    const scope = `Tenant_Application/${write ? "ReadWrite" : "Read"}/${appId}/${tenantId}`;
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = new Bucket(this.limits.resourceUnits, this.limits.resourceUnitWindowMs, now)));
    b.refill(now);
    const usage = (b.capacity - b.tokens + cost) / b.capacity;
    if (usage > 0.8) headers["x-ms-throttle-limit-percentage"] = usage.toFixed(2);
    const ruWait = b.waitMs(cost);
    if (ruWait > 0) return usersThrottled(ruWait, headers, scope, "ResourceUnitLimitExceeded");
    let w: SlidingWindow | undefined;
    if (write) {
      w = this.writes.get(key);
      if (!w) this.writes.set(key, (w = new SlidingWindow(this.limits.writesPerWindow, this.limits.writeWindowMs)));
      const writeWait = w.waitMs(now);
      if (writeWait > 0) return usersThrottled(writeWait, headers, scope, "WriteLimitExceeded");
      w.add(now);
    }
    b.tokens -= cost;
    return { ok: true, headers };
  }
}
