/** The request log behind GET /_emulator/requests (bounded: the oldest entries are dropped). */
import type { RequestLogEntry } from "./types";

/** Entries kept at most. */
export const MAX_LOG_ENTRIES = 200_000;

/** Append-only log with sequence numbers. */
export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private seq = 0;

  /** Appends an entry and returns its sequence number. */
  add(entry: Omit<RequestLogEntry, "seq">): number {
    const e: RequestLogEntry = { seq: ++this.seq, ...entry };
    this.entries.push(e);
    if (this.entries.length > MAX_LOG_ENTRIES) this.entries = this.entries.slice(-Math.floor(MAX_LOG_ENTRIES * 0.9));
    return e.seq;
  }

  /** Copies of the entries, optionally only those with seq > since. */
  list(since = 0): RequestLogEntry[] {
    const from = since > 0 ? this.entries.findIndex((e) => e.seq > since) : 0;
    return from < 0 ? [] : this.entries.slice(from).map((e) => ({ ...e }));
  }

  /** Empties the log (sequence numbers keep counting). */
  clear(): void {
    this.entries = [];
  }
}
