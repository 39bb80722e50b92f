/**
 * The process-wide request scheduler: every Graph call of the plugin process goes through one
 * instance per (endpoint, tenant, client), whichever resource or provider code version asks.
 *
 * - a concurrency cap on HTTP requests in flight;
 * - a budget per Graph limit: invitations 150 per 5 s per tenant (sliding window whose slots stay
 *   taken until the answer arrives), users by resource units (token bucket, kept in step with
 *   `x-ms-resource-unit` and `x-ms-throttle-limit-percentage`), user writes 3,000 per 150 s;
 * - 429 honoured with `Retry-After`, pausing what the `x-ms-throttle-*` headers say was throttled
 *   (the lane, or only user writes); 5xx, broken connections and timeouts retried with jittered
 *   backoff; a deadline per request, also while it waits for budget;
 * - concurrent requests coalesced into `$batch` calls of up to 20 (after a short linger, so that a
 *   burst of calls from the engine fills them), each sub-request retried on its own.
 * All our calls are safe to re-send: re-inviting an address returns the same guest, PATCH is
 * idempotent and a repeated DELETE answers 404, which callers treat as done.
 */
import { EntraGraphError, isTransientNetworkError } from "./errors";
import { classify, EntraFailure, Failure } from "./failures";
import {
  backoffMs,
  isExtensionRequest,
  OPEN_EXTENSION_LIMIT,
  resourceUnits,
  retryAfterMs,
  SlidingWindow,
  TokenBucket,
} from "./limits";

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
  /** Graph operations carried, including those inside batches (a retry counts again). */
  operations: number;
  batches: number;
  /** 429 answers received (top-level or inside a batch). */
  throttled: number;
  /** Re-sends after a 429, a 5xx or a network failure (not the 404 retries of replication lag). */
  retries: number;
  /** Requests given up: deadline passed, or a failure that is not worth a retry. */
  failures: number;
}

/** Stats before the first request: every count 0. */
function noStats(): SchedulerStats {
  return { httpRequests: 0, operations: 0, batches: 0, throttled: 0, retries: 0, failures: 0 };
}

export interface SchedulerOptions {
  /** HTTP requests in flight at most (a `$batch` counts once). */
  maxConcurrency: number;
  batching: boolean;
  /** Per request, from submit to giving up (also while waiting for budget). Default 10 minutes. */
  deadlineMs?: number;
  /** Graph: 150 invitations per 5 s per tenant. */
  invitationsPerWindow?: number;
  invitationWindowMs?: number;
  /** Added to every window, for clocks and Graph's own bookkeeping. Default 50 ms. */
  windowMarginMs?: number;
  /** Graph: 3,500 resource units per 10 s per app and tenant (smallest tenants). */
  resourceUnits?: number;
  resourceUnitPeriodMs?: number;
  /** Units never taken, for requests that reach Graph sooner than others. Default 100. */
  resourceUnitReserve?: number;
  /** Graph: 3,000 user writes per 150 s per app and tenant. */
  writesPerWindow?: number;
  writeWindowMs?: number;
  /** How long a request that could go waits for others to share its `$batch`. Default 5 ms. */
  lingerMs?: number;
  /** How long users requests wait for resource units to refill for a whole `$batch` rather than go one by one. Default 250 ms. */
  budgetLingerMs?: number;
  /**
   * Fail fast: when every request for this long got no answer at all (connection refused, DNS, broken
   * connections), every waiting and later request of the process fails at once with that cause.
   * A host that does not resolve or a certificate that is not trusted ends them at the first
   * failure. Any answer (a 429 or a 503 too) starts the window again. Default 12 s.
   */
  unreachableWindowMs?: number;
  /** After this long without an answer, one progress line says what is being waited for. Default 4 s. */
  progressAfterMs?: number;
  /** Where that progress line goes. Default stderr. */
  onProgress?: (line: string) => void;
  now?: () => number;
  random?: () => number;
}

/** Defaults: Graph's documented limits (see graph-facts.md). */
export const SCHEDULER_DEFAULTS = {
  deadlineMs: 600_000,
  invitationsPerWindow: 150,
  invitationWindowMs: 5_000,
  windowMarginMs: 50,
  resourceUnits: 3_500,
  resourceUnitPeriodMs: 10_000,
  resourceUnitReserve: 100,
  writesPerWindow: 3_000,
  writeWindowMs: 150_000,
  lingerMs: 5,
  budgetLingerMs: 250,
  unreachableWindowMs: 12_000,
  progressAfterMs: 4_000,
} as const;

/** What a request holds of the budgets while in flight. */
interface Held {
  invitation?: boolean;
  extension?: boolean;
  write?: boolean;
  units?: number;
}

interface Item {
  req: GraphRequest;
  resolve(r: GraphResponse): void;
  reject(e: unknown): void;
  attempt: number;
  /** Not to be sent before (backoff, Retry-After). */
  notBefore: number;
  /** When it became ready to go (for the linger). */
  readySince: number;
  deadline: number;
  lastResponse?: GraphResponse;
  lastError?: unknown;
  held?: Held;
}

/** Pause keys: a 429 pauses what Graph says it throttled. */
type PauseKey = "invitations" | "users" | "userWrites";

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
export const MAX_BATCH = 20;

/** Resource units a user request costs: {@link resourceUnits} (throttling-limits). */
export const unitCost: (req: Pick<GraphRequest, "method" | "path">) => number = resourceUnits;

const isWrite = (req: GraphRequest): boolean => req.lane === "users" && req.method !== "GET";

export class Scheduler implements RequestScheduler {
  private queue: Item[] = [];
  private inflight = 0;
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;
  private pumpQueued = false;
  private readonly invitations: SlidingWindow;
  private readonly writes: SlidingWindow;
  /** Open-extension requests: 455 per 10 s per app and tenant. */
  private readonly extensions: SlidingWindow;
  private readonly units: TokenBucket;
  private readonly pausedUntil: Record<PauseKey, number> = { invitations: 0, users: 0, userWrites: 0 };
  /** What is known of the users budget Graph has left: nothing yet, asking, known from an answer. */
  private usersState: "fresh" | "probing" | "known" = "fresh";
  private readonly counters: SchedulerStats = noStats();
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly o: Required<Omit<SchedulerOptions, "now" | "random" | "onProgress">>;
  private readonly onProgress: (line: string) => void;
  /** Since when no request got an answer (only network failures), if so. */
  private silentSince?: number;
  private progressShown = false;
  /** Graph is gone: every request of the process fails with this. */
  private gone?: EntraFailure;

  constructor(
    private readonly transport: Transport,
    opts: SchedulerOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    const defined = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
    this.o = { ...SCHEDULER_DEFAULTS, ...defined } as Required<Omit<SchedulerOptions, "now" | "random" | "onProgress">>;
    this.onProgress = opts.onProgress ?? ((line) => process.stderr.write(`${line}\n`));
    if (!(this.o.maxConcurrency >= 1))
      throw new Error(`Scheduler: maxConcurrency must be at least 1, got ${this.o.maxConcurrency}`);
    this.invitations = new SlidingWindow(
      this.o.invitationsPerWindow,
      this.o.invitationWindowMs + this.o.windowMarginMs,
    );
    this.writes = new SlidingWindow(this.o.writesPerWindow, this.o.writeWindowMs + this.o.windowMarginMs);
    this.extensions = new SlidingWindow(
      OPEN_EXTENSION_LIMIT.requests,
      OPEN_EXTENSION_LIMIT.windowMs + this.o.windowMarginMs,
    );
    this.units = new TokenBucket(
      this.o.resourceUnits,
      this.o.resourceUnitPeriodMs,
      this.now(),
      Math.min(this.o.resourceUnitReserve, this.o.resourceUnits / 2),
    );
  }

  submit<T = unknown>(req: GraphRequest): Promise<GraphResponse<T>> {
    return new Promise<GraphResponse>((resolve, reject) => {
      if (this.gone) return reject(this.gone);
      const now = this.now();
      this.queue.push({
        req,
        resolve,
        reject,
        attempt: 0,
        notBefore: now,
        readySince: now,
        deadline: now + this.o.deadlineMs,
      });
      this.schedulePump();
    }) as Promise<GraphResponse<T>>;
  }

  stats(): SchedulerStats {
    return { ...this.counters };
  }

  /** Requests waiting (not in flight). */
  get waiting(): number {
    return this.queue.length;
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
    if (!(at < Infinity) || at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.pump();
      },
      Math.max(1, at - this.now()),
    );
  }

  private pauseOf(req: GraphRequest): number {
    if (req.lane === "invitations") return this.pausedUntil.invitations;
    const p = this.pausedUntil.users;
    return isWrite(req) ? Math.max(p, this.pausedUntil.userWrites) : p;
  }

  /** Take what may go now (deadline, backoff, pause, budget, concurrency) and send it, batched where allowed. */
  private pump(): void {
    const now = this.now();
    let nextWake = Infinity;
    const ready: Item[] = [];
    const keep: Item[] = [];
    for (const item of this.queue) {
      if (now >= item.deadline) {
        this.expire(item);
        continue;
      }
      keep.push(item);
      const blockedUntil = Math.max(item.notBefore, this.pauseOf(item.req));
      if (blockedUntil > now) {
        nextWake = Math.min(nextWake, blockedUntil, item.deadline);
        continue;
      }
      if (item.readySince < blockedUntil) item.readySince = blockedUntil;
      ready.push(item);
    }
    this.queue = keep;

    // Linger: a few ready requests wait briefly for company, unless a full batch is there already.
    if (this.o.batching && ready.length > 0 && ready.length < MAX_BATCH && this.o.lingerMs > 0) {
      let oldest = Infinity;
      for (const it of ready) oldest = Math.min(oldest, it.readySince);
      if (now < oldest + this.o.lingerMs) {
        this.wakeAt(Math.min(nextWake, oldest + this.o.lingerMs));
        return;
      }
    }

    // Users lane. A fresh scheduler does not know how much of the app's resource units other
    // processes (the previous `pulumi` command) left: one batch goes first, the rest after its answer
    // (which carries x-ms-throttle-limit-percentage above 80 % use, or a 429). Later, when the units
    // trickle in slower than requests wait, wait for a batch's worth (at most budgetLingerMs) instead
    // of sending one request per refilled unit: same throughput, 20 times fewer requests.
    let usersAllowance = this.usersState === "probing" ? 0 : this.usersState === "fresh" ? MAX_BATCH : Infinity;
    if (this.o.batching && usersAllowance > 0 && this.o.budgetLingerMs > 0) {
      let n = 0;
      let cost = 0;
      for (const it of ready) {
        if (it.req.lane !== "users") continue;
        if (++n > MAX_BATCH) break;
        cost += unitCost(it.req);
      }
      if (n >= 2) {
        const need = Math.min(cost, this.units.capacity - this.units.reserve);
        const have = this.units.available(now);
        if (have < need) {
          const wait = Math.ceil(((need - have) * this.units.periodMs) / this.units.capacity);
          if (wait <= this.o.budgetLingerMs) {
            usersAllowance = 0;
            nextWake = Math.min(nextWake, now + wait);
          }
        }
      }
    }

    const sent = new Set<Item>();
    const blocked = new Set<string>();
    let cursor = 0;
    while (this.inflight < this.o.maxConcurrency && cursor < ready.length) {
      const picked: Item[] = [];
      const limit = this.o.batching ? MAX_BATCH : 1;
      for (; cursor < ready.length && picked.length < limit; cursor++) {
        const item = ready[cursor];
        const key = isExtensionRequest(item.req) ? "extensions" : isWrite(item.req) ? "write" : item.req.lane;
        if (blocked.has(key)) continue;
        if (item.req.lane === "users" && usersAllowance <= 0) continue;
        const at = this.take(item, now);
        if (at !== true) {
          // FIFO per budget: once one request of a kind must wait, later ones of that kind wait too.
          blocked.add(key);
          nextWake = Math.min(nextWake, at);
          continue;
        }
        picked.push(item);
        if (item.req.lane === "users") {
          usersAllowance--;
          if (this.usersState === "fresh") this.usersState = "probing";
        }
      }
      if (picked.length === 0) break;
      for (const it of picked) sent.add(it);
      this.dispatch(picked);
    }
    if (sent.size) this.queue = this.queue.filter((it) => !sent.has(it));
    if (ready.length > sent.size && this.inflight < this.o.maxConcurrency) {
      // Budget-bound: a window that frees at an answer (Infinity) is woken by that answer.
      for (const it of ready) if (!sent.has(it)) nextWake = Math.min(nextWake, it.deadline);
    }
    this.wakeAt(nextWake);
  }

  /** Take the budgets an item needs: true, or when to look again. */
  private take(item: Item, now: number): true | number {
    const req = item.req;
    if (req.lane === "invitations") {
      const at = this.invitations.tryTake(now);
      if (at !== true) return at;
      item.held = { invitation: true };
      return true;
    }
    const cost = unitCost(req);
    const extension = isExtensionRequest(req);
    if (this.units.available(now) < Math.min(cost, this.units.capacity - this.units.reserve))
      return this.units.tryTake(cost, now);
    if (extension && this.extensions.used(now) >= this.extensions.limit) return this.extensions.tryTake(now);
    if (isWrite(req)) {
      const w = this.writes.tryTake(now);
      if (w !== true) return w;
      this.units.tryTake(cost, now);
      item.held = {
        write: true,
        units: cost,
        ...(extension ? { extension: this.extensions.tryTake(now) === true } : {}),
      };
      return true;
    }
    this.units.tryTake(cost, now);
    item.held = { units: cost, ...(extension ? { extension: this.extensions.tryTake(now) === true } : {}) };
    return true;
  }

  /** The request's answer (or failure) arrived: windows start now; units are corrected from Graph's headers. */
  private release(item: Item, now: number, res?: GraphResponse): void {
    if (item.req.lane === "users") this.usersState = "known";
    const held = item.held;
    item.held = undefined;
    if (!held) return;
    if (held.invitation) this.invitations.release(now);
    if (held.write) this.writes.release(now);
    if (held.extension) this.extensions.release(now);
    if (held.units !== undefined && res) {
      const charged = Number(res.headers["x-ms-resource-unit"]);
      if (res.status !== 429 && Number.isFinite(charged) && charged > 0 && charged !== held.units)
        this.units.adjust(charged - held.units, now);
      // Graph sends it above 80 % of the budget, as a fraction (0.8 to 1.8); read "85" as 85 % too.
      const pct = Number(res.headers["x-ms-throttle-limit-percentage"]);
      if (Number.isFinite(pct) && pct > 0) this.units.observeUsage(pct > 5 ? pct / 100 : pct, now);
    }
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
        .send({ method: item.req.method, path: item.req.path, body: item.req.body })
        .then(
          (res) => this.settle(item, res),
          (err) => this.settleError(item, err),
        )
        .finally(done);
      return;
    }
    this.counters.batches++;
    const body = { requests: items.map((it, i) => subRequest(String(i + 1), it.req)) };
    this.transport
      .send({ method: "POST", path: "/$batch", body })
      .then(
        (res) => {
          const responses = (res.body as { responses?: BatchSubResponse[] } | undefined)?.responses;
          // Whenever `responses` is there, each item is settled from its own sub-response, whatever
          // the envelope's status (json-batching says a parseable batch answers 200; throttling says a
          // batch can fail 424: the docs disagree). Without it the batch itself failed: every item gets
          // the same answer and its own retry; a 424 (failed dependency) is retried like a 5xx.
          if (!Array.isArray(responses)) {
            for (const it of items) this.settle(it, res, true);
            return;
          }
          const byId = new Map(responses.map((r) => [String(r.id), r]));
          for (const [i, it] of items.entries()) {
            const r = byId.get(String(i + 1));
            if (!r) this.settleError(it, new MissingSubResponse());
            else this.settle(it, { status: r.status, headers: lowerKeys(r.headers ?? {}), body: r.body });
          }
        },
        (err) => {
          for (const it of items) this.settleError(it, err);
        },
      )
      .finally(done);
  }

  /** An answer for `item`; `envelope`: the answer of the `$batch` that carried it, without its own sub-response. */
  private settle(item: Item, res: GraphResponse, envelope = false): void {
    const now = this.now();
    this.release(item, now, res);
    this.silentSince = undefined;
    this.progressShown = false;
    if (res.status === 429) {
      this.counters.throttled++;
      const wait = retryAfterMs(res.headers["retry-after"], now) ?? backoffMs(item.attempt + 1, this.random);
      const info = `${res.headers["x-ms-throttle-information"] ?? ""} ${res.headers["x-ms-throttle-scope"] ?? ""}`;
      const key: PauseKey =
        item.req.lane === "invitations" ? "invitations" : /WriteLimit/i.test(info) ? "userWrites" : "users";
      this.pausedUntil[key] = Math.max(this.pausedUntil[key], now + wait);
      if (key === "users") this.units.drain(now);
      return this.retry(item, now + wait, res);
    }
    if (RETRYABLE_STATUS.has(res.status) || (envelope && res.status === 424)) {
      const wait = Math.max(
        backoffMs(item.attempt + 1, this.random),
        retryAfterMs(res.headers["retry-after"], now) ?? 0,
      );
      return this.retry(item, now + wait, res);
    }
    if (res.status === 404 && item.req.retryNotFoundUntil && now < item.req.retryNotFoundUntil) {
      return this.retry(
        item,
        Math.min(now + Math.min(250 * 2 ** item.attempt, 2_000), item.req.retryNotFoundUntil),
        res,
        false,
      );
    }
    item.resolve(res);
  }

  private settleError(item: Item, err: unknown): void {
    const now = this.now();
    this.release(item, now);
    this.unanswered(err, now);
    if (this.gone) return this.fail(item, this.gone);
    if (
      !isPermanentNetworkError(err) &&
      (isTransientNetworkError(err) || isTimeout(err) || err instanceof MissingSubResponse)
    ) {
      // While nothing answers, one more try when the unreachable window closes (that try decides).
      const windowEnd =
        this.silentSince === undefined ? Infinity : Math.max(now + 1, this.silentSince + this.o.unreachableWindowMs);
      return this.retry(
        item,
        lastTryBeforeDeadline(now, Math.min(windowEnd, now + backoffMs(item.attempt + 1, this.random)), item.deadline),
        undefined,
        true,
        err,
      );
    }
    this.counters.failures++;
    item.reject(err);
  }

  /**
   * A request got no answer: note since when none did, say so once after a few seconds, and when
   * the endpoint is gone (not resolving, not trusted, or silent for the whole window) fail every
   * request of the process at once.
   */
  private unanswered(err: unknown, now: number): void {
    if (this.gone) return;
    const permanent = isPermanentNetworkError(err);
    if (!permanent && !isTransientNetworkError(err)) return;
    const failure = classify(err);
    if (!failure || (failure.class !== "unreachable" && failure.class !== "tls")) return;
    this.silentSince ??= now;
    const silent = now - this.silentSince;
    if (!permanent && silent < this.o.unreachableWindowMs) {
      if (!this.progressShown && silent >= this.o.progressAfterMs) {
        this.progressShown = true;
        this.onProgress(
          `pulumi-entra-invitation: waiting for Graph: ${failure.where} ${failure.cause} (${failure.detail}) for ${Math.round(silent / 1000)} s; giving up at ${Math.round(this.o.unreachableWindowMs / 1000)} s`,
        );
      }
      return;
    }
    const seconds = Math.max(1, Math.round(silent / 1000));
    const gone: Failure = permanent
      ? failure
      : { ...failure, cause: `${failure.cause} on every attempt for ${seconds} s` };
    this.gone = new EntraFailure(gone, err);
    const waiting = this.queue;
    this.queue = [];
    for (const it of waiting) this.fail(it, this.gone);
  }

  private fail(item: Item, err: unknown): void {
    this.counters.failures++;
    item.reject(err);
  }

  private retry(item: Item, at: number, res: GraphResponse | undefined, count = true, err?: unknown): void {
    item.attempt++;
    item.lastResponse = res;
    item.lastError = err;
    if (at > item.deadline) return this.expire(item);
    if (count) this.counters.retries++;
    item.notBefore = at;
    item.readySince = at;
    this.queue.push(item);
    this.wakeAt(at);
  }

  /** Give up on an item: its last answer if there was one (the caller turns it into an error), else DeadlineExceeded. */
  private expire(item: Item): void {
    this.counters.failures++;
    if (item.lastResponse) return item.resolve(item.lastResponse);
    const cause = item.lastError
      ? `: ${String((item.lastError as Error).message ?? item.lastError)}`
      : " waiting for Graph's rate budget";
    item.reject(
      new EntraGraphError({
        status: 0,
        code: "DeadlineExceeded",
        message: `gave up after ${item.attempt} attempt(s) and ${Math.round(this.o.deadlineMs / 1000)} s${cause}`,
        request: `${item.req.method} ${pathOnly(item.req.path)}`,
        cause: item.lastError,
      }),
    );
  }
}

/** How long before its deadline a request that got no answer is tried one last time. */
const LAST_TRY_MARGIN_MS = 250;

/**
 * When a request got no answer (a network error or a timeout: no Retry-After to respect) and the
 * next backoff would land past its deadline, it is tried once more just before the deadline instead
 * of given up early, so that "retried up to the deadline" holds whatever the jitter. A request
 * already within the margin keeps `at` (past the deadline: the caller gives up).
 */
export function lastTryBeforeDeadline(now: number, at: number, deadline: number): number {
  const lastTry = deadline - LAST_TRY_MARGIN_MS;
  return at > deadline && now < lastTry ? lastTry : at;
}

class MissingSubResponse extends Error {
  constructor() {
    super("$batch response lacks a sub-response");
  }
}

/**
 * Failures a retry cannot mend, however a wrapper words them ("fetch failed"): the host does not
 * resolve, or its certificate is not trusted (NODE_EXTRA_CA_CERTS for a local endpoint).
 */
export function isPermanentNetworkError(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (
      typeof code === "string" &&
      /^(ENOTFOUND|ERR_INVALID_URL|ERR_TLS_CERT_ALTNAME_INVALID|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_SSL_)/.test(
        code,
      )
    )
      return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: unknown } | undefined)?.name;
  return name === "TimeoutError" || name === "AbortError";
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
  private readonly counters: SchedulerStats = noStats();
  constructor(private readonly transport: Transport) {}
  async submit<T = unknown>(req: GraphRequest): Promise<GraphResponse<T>> {
    for (;;) {
      this.counters.httpRequests++;
      this.counters.operations++;
      const res = await this.transport.send({ method: req.method, path: req.path, body: req.body });
      if (res.status === 429) this.counters.throttled++;
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
