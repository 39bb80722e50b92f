/**
 * The test-only admin API under /_emulator/ (no token; loopback clients only; not logged):
 *   GET    /_emulator/requests[?since=SEQ]   the request log (JSON array)
 *   DELETE /_emulator/requests               clear the log
 *   POST   /_emulator/reset                  empty directory, log and throttle counters
 *   POST   /_emulator/users/{id}/redeem      the guest accepts the invitation
 *   PUT    /_emulator/faults                 FaultRates JSON or {"spec":"503=0.1,..."}
 *   GET    /_emulator/users                  all users, deleted ones included
 *   POST   /_emulator/users                  seed a user (a Graph user object, see seed.ts): 201 with it
 *   PUT    /_emulator/config                 {latencyMs?, throttle?, replicationLagMs?, faults?}
 *   GET    /_emulator/info                   connection details and current settings
 * (listed in routes.ts and docs/graph-contract.md)
 */
import type { Latency } from "./context";
import { GraphError } from "./errors";
import type { EmulatedUser, FaultRates, RequestLogEntry } from "./types";

/** What the admin API drives (implemented by the running emulator). */
export interface AdminApi {
  requestsSince(since: number): RequestLogEntry[];
  clearRequests(): void;
  reset(): void;
  redeemUser(id: string): EmulatedUser;
  setFaults(f: string | FaultRates | undefined): void;
  setLatency(ms: Latency): void;
  setThrottle(t: "graph" | "off"): void;
  setReplicationLag(ms: number): void;
  users(opts?: { includeDeleted?: boolean }): EmulatedUser[];
  addUser(user: unknown): EmulatedUser;
  info(): Record<string, unknown>;
}

/** An admin answer. */
export interface AdminResponse {
  status: number;
  body?: unknown;
}

/** True for loopback peers (127.0.0.0/8, ::1, IPv4-mapped loopback). */
export function isLoopback(addr: string | undefined): boolean {
  if (!addr) return false;
  return addr === "::1" || addr.startsWith("127.") || addr.startsWith("::ffff:127.");
}

function error(status: number, message: string, code?: string): AdminResponse {
  return { status, body: { error: { code: code ?? (status === 404 ? "NotFound" : "BadRequest"), message } } };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Handles one admin request; `path` is the URL path (with query) starting with /_emulator. */
export function handleAdmin(api: AdminApi, method: string, url: string, body: unknown): AdminResponse {
  const q = url.indexOf("?");
  const path = (q < 0 ? url : url.slice(0, q)).replace(/\/+$/, "");
  const query = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
  const seg = path
    .split("/")
    .filter(Boolean)
    .slice(1)
    .map((s) => decodeURIComponent(s));
  const route = `${method} ${seg[0] ?? ""}`;
  try {
    switch (route) {
      case "GET requests":
        return { status: 200, body: api.requestsSince(Number(query.get("since") ?? 0) || 0) };
      case "DELETE requests":
        api.clearRequests();
        return { status: 204 };
      case "POST reset":
        api.reset();
        return { status: 204 };
      case "GET users":
        if (seg.length !== 1) break;
        return { status: 200, body: api.users({ includeDeleted: true }) };
      case "POST users":
        if (seg.length === 1) {
          try {
            return { status: 201, body: api.addUser(body) };
          } catch (e) {
            // Seeding answers Graph's own code (e.g. Request_BadRequest) with the message naming the property.
            if (e instanceof GraphError) return error(e.status, e.message, e.code);
            throw e;
          }
        }
        if (seg.length !== 3 || seg[2] !== "redeem") break;
        return { status: 200, body: api.redeemUser(seg[1]) };
      case "PUT faults": {
        if (isObject(body) && typeof body.spec === "string") api.setFaults(body.spec);
        else if (isObject(body) || body === undefined || body === null)
          api.setFaults((body ?? undefined) as FaultRates | undefined);
        else if (typeof body === "string") api.setFaults(body);
        else return error(400, 'Expected FaultRates JSON or {"spec": "503=0.05,..."}.');
        return { status: 204 };
      }
      case "PUT config": {
        if (!isObject(body)) return error(400, "Expected a JSON object.");
        if (body.latencyMs !== undefined) api.setLatency(body.latencyMs as Latency);
        if (body.throttle !== undefined) {
          if (body.throttle !== "graph" && body.throttle !== "off")
            return error(400, "throttle must be 'graph' or 'off'.");
          api.setThrottle(body.throttle);
        }
        if (body.replicationLagMs !== undefined) api.setReplicationLag(body.replicationLagMs as number);
        if (body.faults !== undefined) api.setFaults(body.faults as string | FaultRates);
        return { status: 204 };
      }
      case "GET info":
        return { status: 200, body: api.info() };
    }
  } catch (e) {
    if (e instanceof GraphError) return error(e.status, e.message);
    return error(400, e instanceof Error ? e.message : String(e));
  }
  return error(404, `No admin route ${method} ${path}.`);
}
