/** Questions about what Graph saw, asked of the emulator's request log. */
import type { RequestLogEntry } from "../emulator";

/** Requests that change the directory (no reads, no token calls). */
export function graphWrites(log: RequestLogEntry[]): RequestLogEntry[] {
  return log.filter((r) => r.method !== "GET" && r.path.startsWith("/v1.0/") && !r.path.startsWith("/v1.0/$batch"));
}

/** Requests with this method whose path (without query) matches. */
export function requestsTo(log: RequestLogEntry[], method: string, path: RegExp | string): RequestLogEntry[] {
  return log.filter(
    (r) =>
      r.method === method &&
      (typeof path === "string" ? r.path.split("?")[0] === path : path.test(r.path.split("?")[0])),
  );
}

/** One line per request, for failure messages: `PATCH /v1.0/users/ID 204`. */
export function describeRequests(log: RequestLogEntry[]): string {
  return log.map((r) => `${r.method} ${r.path.split("?")[0]} ${r.status}${r.inBatch ? " (in $batch)" : ""}`).join("\n");
}
