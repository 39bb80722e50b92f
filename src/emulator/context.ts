/** The shared, mutable state of one running emulator that the route modules work on. */
import type { Auth } from "./auth";
import type { Directory } from "./directory";
import type { FaultInjector } from "./faults";
import type { RequestLog } from "./log";
import type { Random } from "./prng";
import type { Throttle } from "./throttle";

/** Latency setting: fixed ms or uniform between min and max. */
export type Latency = number | { min: number; max: number };

/** Everything a request handler may read or change. */
export interface EmulatorContext {
  tenantId: string;
  tenantDomain: string;
  auth: Auth;
  directory: Directory;
  throttle: Throttle;
  faults: FaultInjector;
  log: RequestLog;
  random: Random;
  latency: Latency;
  replicationLagMs: number;
  /** Lower-case properties `$filter` on /users refuses (the option `refuseFilterOn`). */
  refuseFilterOn: ReadonlySet<string>;
}

/** Draws one latency value in ms. */
export function drawLatency(ctx: EmulatorContext): number {
  const l = ctx.latency;
  if (typeof l === "number") return l;
  return l.min + (l.max - l.min) * ctx.random();
}

/** Validates a latency option. */
export function checkLatency(l: Latency): Latency {
  const ok = (n: unknown): boolean => typeof n === "number" && Number.isFinite(n) && n >= 0;
  if (typeof l === "number" ? !ok(l) : !ok(l.min) || !ok(l.max) || l.max < l.min) {
    throw new Error(`latency: expected ms >= 0 or {min, max} with 0 <= min <= max, got ${JSON.stringify(l)}`);
  }
  return typeof l === "number" ? l : { min: l.min, max: l.max };
}
