/**
 * Shared parts of the reliability suites (issue 7): the mode (quick for `npm test`, long for the
 * note), a secrets scanner, a request-log census (faults, retries), a directory audit, process-tree
 * kills, and a figures file per suite that scripts/soak.js and docs/reliability.md read.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EmulatedUser, RequestLogEntry, RunningEmulator } from "../../src/testing";

// ---------------------------------------------------------------------------------------------
// Mode

/** Long mode: `RELIABILITY_MODE=long` (scripts/soak.js sets it), or any size set explicitly. */
export const LONG = process.env.RELIABILITY_MODE === "long";

function intEnv(name: string, quick: number, long: number): number {
  const raw = process.env[name];
  const v = raw === undefined || raw === "" ? (LONG ? long : quick) : Number(raw);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a whole number, not '${raw}'`);
  return v;
}

/** Guests in the fault soak. */
export const SOAK_GUESTS = intEnv("SOAK_GUESTS", 40, 300);
/** Killed `up` runs in the interrupted-runs suite. */
export const INTERRUPT_RUNS = intEnv("INTERRUPT_RUNS", 3, 25);
/** Seed of the emulator's fault draws and of the suites' own choices (printed, so a run can be repeated). */
export const SEED = Number(process.env.RELIABILITY_SEED) || (Date.now() % 1_000_000) + 1;

/** The installed package (scripts/test.js, scripts/prepare-e2e.js). */
export const PKG_DIR = process.env.ENTRA_E2E_PACKAGE_DIR ?? "";
export const HAVE_PACKAGE =
  PKG_DIR !== "" && fs.existsSync(path.join(PKG_DIR, "node_modules", "pulumi-entra-invitation"));
/**
 * The suites that need the installed package and the CLI. They are never skipped: without the
 * package (not run through `npm test` / scripts/test.js) they fail, saying so.
 */
export const describeInstalled: jest.Describe = describe;
if (!HAVE_PACKAGE) {
  beforeAll(() => {
    throw new Error(
      "the package is not installed for end-to-end runs: run these suites with `npm test` or `node scripts/test.js --selectProjects reliability`",
    );
  });
}

/** A small deterministic PRNG (the emulator's mulberry32) for the suites' own random choices. */
export { createRandom as prng } from "../../src/emulator/prng";

// ---------------------------------------------------------------------------------------------
// Secrets

export interface SecretHit {
  where: string;
  what: string;
  /** A few characters around the hit, with the secret itself masked. */
  context: string;
}

/** What must never appear at rest or in output: the client secret, access tokens, redeem links. */
export class SecretScanner {
  private readonly secrets = new Set<string>();
  readonly hits: SecretHit[] = [];
  /** Texts scanned (for the figures). */
  scanned = 0;
  bytes = 0;

  constructor(...secrets: string[]) {
    for (const s of secrets) this.addSecret(s);
  }

  addSecret(s: string | undefined): void {
    if (s && s.length >= 8) this.secrets.add(s);
  }

  /** Scan one text; returns this text's hits (also kept in `hits`). */
  scan(where: string, text: string | undefined): SecretHit[] {
    if (!text) return [];
    this.scanned++;
    this.bytes += text.length;
    const found: SecretHit[] = [];
    const hit = (what: string, i: number, len: number): void => {
      const context = `${text.slice(Math.max(0, i - 40), i)}<${what}>${text.slice(i + len, i + len + 40)}`;
      found.push({ where, what, context });
    };
    for (const s of this.secrets) {
      for (let i = text.indexOf(s); i >= 0; i = text.indexOf(s, i + 1)) hit("client secret", i, s.length);
    }
    for (const m of text.matchAll(JWT)) hit("access token (JWT)", m.index ?? 0, m[0].length);
    for (const m of text.matchAll(REDEEM)) hit("redeem link", m.index ?? 0, m[0].length);
    this.hits.push(...found);
    return found;
  }

  /** Scan a JSON value, skipping the values of the given keys (outputs the engine encrypts). */
  scanJson(where: string, value: unknown, skipKeys: readonly string[] = []): SecretHit[] {
    const skip = new Set(skipKeys);
    const text = JSON.stringify(value, (k, v) => (skip.has(k) ? "<skipped>" : v));
    return this.scan(where, text);
  }
}

/** A JWT: three base64url parts, the first a JSON header (`{"` is `eyJ`). */
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g;
/** Plaintext redeem links (Graph's inviteRedeemUrl and the redeem target inside it), also URL-encoded. */
const REDEEM =
  /(login\.microsoftonline\.com\/redeem|invitations\.microsoft\.com(\/|%2F)redeem|redeem\?rd=|[?&%]ticket(=|%3D))/gi;

// ---------------------------------------------------------------------------------------------
// The emulator's request log

export interface LogCensus {
  /** Graph requests (top-level and $batch sub-requests; token requests apart). */
  requests: number;
  tokenRequests: number;
  batches: number;
  /** Injected faults by kind. */
  faults: Record<string, number>;
  /** Answers by status class: 2xx, 4xx (without injected faults), 429 throttled without a fault, ... */
  statuses: Record<string, number>;
  /** 404s (replication lag or gone). */
  notFound: number;
  /** Requests sent again after a failed attempt (same method, path and body after a fault, 5xx, 429 or 404). */
  retries: number;
  /** Faulted requests never sent again: each one is an operation that gave up (or a read nobody needed). */
  faultsNotRetried: number;
  /** Writes (POST/PATCH/DELETE, not $batch) by method. */
  writes: Record<string, number>;
}

function requestKey(r: RequestLogEntry): string {
  const p = r.path.startsWith("/v1.0") ? r.path : `/v1.0${r.path}`;
  return `${r.method} ${p} ${r.body === undefined ? "" : JSON.stringify(r.body)}`;
}

/** Count what the emulator saw: faults, statuses, retries (a repeat of a request that had failed). */
export function censusOf(log: readonly RequestLogEntry[]): LogCensus {
  const c: LogCensus = {
    requests: 0,
    tokenRequests: 0,
    batches: 0,
    faults: {},
    statuses: {},
    notFound: 0,
    retries: 0,
    faultsNotRetried: 0,
    writes: {},
  };
  const failedAwaitingRepeat = new Map<string, number>();
  const faulted = new Map<string, number>();
  for (const r of log) {
    if (r.path.includes("/oauth2/")) {
      c.tokenRequests++;
      continue;
    }
    if (r.path.split("?")[0] === "/v1.0/$batch") {
      c.batches++;
      if (r.fault) c.faults[r.fault] = (c.faults[r.fault] ?? 0) + 1;
      // A batch's own reset/drop: its sub-requests are not in the log, so the repeat shows as new sub-requests.
      continue;
    }
    c.requests++;
    if (r.fault) c.faults[r.fault] = (c.faults[r.fault] ?? 0) + 1;
    const cls = r.fault
      ? `fault ${r.fault}`
      : r.status === 0
        ? "no answer"
        : r.status === 429
          ? "429"
          : `${Math.floor(r.status / 100)}xx`;
    c.statuses[cls] = (c.statuses[cls] ?? 0) + 1;
    if (r.status === 404) c.notFound++;
    if (r.method !== "GET") c.writes[r.method] = (c.writes[r.method] ?? 0) + 1;
    const key = requestKey(r);
    if ((failedAwaitingRepeat.get(key) ?? 0) > 0) {
      c.retries++;
      failedAwaitingRepeat.set(key, failedAwaitingRepeat.get(key)! - 1);
      if ((faulted.get(key) ?? 0) > 0) faulted.set(key, faulted.get(key)! - 1);
    }
    const failed = r.fault !== undefined || r.status === 0 || r.status === 429 || r.status >= 500 || r.status === 404;
    if (failed) failedAwaitingRepeat.set(key, (failedAwaitingRepeat.get(key) ?? 0) + 1);
    if (r.fault) faulted.set(key, (faulted.get(key) ?? 0) + 1);
  }
  for (const [k, n] of faulted) {
    c.faultsNotRetried += n;
    if (n && process.env.RELIABILITY_DEBUG) process.stdout.write(`not retried: ${k.slice(0, 200)}\n`);
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// The directory against what the stack holds

/** One guest as the stack holds it. */
export interface HeldGuest {
  name: string;
  /** The user id in state (absent when the stack does not hold the guest). */
  id?: string;
  email: string;
  /** What destroy does with it. */
  onDelete: "delete" | "disable" | "retain";
  adopted?: boolean;
}

export interface AuditResult {
  /** Guests the stack should hold whose user is not live (or not in state): must be 0. */
  lost: string[];
  /** Addresses with two or more live users, or two state entries naming one user: must be 0. */
  duplicated: string[];
  /** Live users with a soak address that no guest in state names: must be 0 (except where `allowOrphans`). */
  orphans: string[];
  /** State entries whose id is not the live user carrying the address. */
  mismatched: string[];
  /** Human-readable, for failure messages. */
  summary: string;
}

/**
 * Compare the emulator's directory (incl. deleted users) with the guests the stack holds.
 * `inScope` picks the users this suite made (by address domain).
 */
export function auditDirectory(
  emu: RunningEmulator,
  held: readonly HeldGuest[],
  inScope: (u: EmulatedUser) => boolean,
): AuditResult {
  const users = emu.users({ includeDeleted: true }).filter(inScope);
  const live = users.filter((u) => !u.deletedDateTime);
  const byId = new Map(users.map((u) => [u.id, u]));
  const liveByAddress = new Map<string, EmulatedUser[]>();
  for (const u of live) {
    for (const a of new Set([u.mail, ...u.otherMails].filter((x): x is string => !!x).map((x) => x.toLowerCase()))) {
      liveByAddress.set(a, [...(liveByAddress.get(a) ?? []), u]);
    }
  }
  const lost: string[] = [];
  const duplicated: string[] = [];
  const mismatched: string[] = [];
  const idsHeld = new Map<string, string>();
  for (const g of held) {
    const carriers = liveByAddress.get(g.email.toLowerCase()) ?? [];
    if (carriers.length > 1)
      duplicated.push(`${g.email}: ${carriers.length} live users (${carriers.map((u) => u.id).join(", ")})`);
    if (!g.id) {
      lost.push(`${g.name} (${g.email}): not in state`);
      continue;
    }
    const other = idsHeld.get(g.id);
    if (other) duplicated.push(`${g.id}: held by ${other} and ${g.name}`);
    idsHeld.set(g.id, g.name);
    const u = byId.get(g.id);
    if (!u) lost.push(`${g.name} (${g.email}): user ${g.id} does not exist`);
    else if (u.deletedDateTime) lost.push(`${g.name} (${g.email}): user ${g.id} is deleted`);
    else if (!carriers.some((c) => c.id === g.id))
      mismatched.push(
        `${g.name}: state names ${g.id}, but ${g.email} is on ${carriers.map((c) => c.id).join(", ") || "no live user"}`,
      );
  }
  const orphans = live.filter((u) => !idsHeld.has(u.id)).map((u) => `${u.id} (${u.mail})`);
  const parts = [
    lost.length ? `lost: ${lost.slice(0, 10).join("; ")}` : "",
    duplicated.length ? `duplicated: ${duplicated.slice(0, 10).join("; ")}` : "",
    orphans.length ? `orphans: ${orphans.slice(0, 10).join("; ")}` : "",
    mismatched.length ? `mismatched: ${mismatched.slice(0, 10).join("; ")}` : "",
  ].filter(Boolean);
  return { lost, duplicated, orphans, mismatched, summary: parts.join("\n") || "directory and state agree" };
}

/**
 * The guests held before a destroy whose user did not end as their onDelete says (an adopted
 * guest's "delete" is a retain): deleted, disabled but not deleted, or still enabled. Each as
 * `name (policy): deleted=… enabled=…`; must be empty.
 */
export function notEndedByPolicy(emu: RunningEmulator, before: readonly HeldGuest[]): string[] {
  const users = new Map(emu.users({ includeDeleted: true }).map((u) => [u.id, u]));
  const wrong: string[] = [];
  for (const g of before) {
    const u = users.get(g.id!)!;
    const policy = g.onDelete === "delete" && g.adopted ? "retain" : g.onDelete;
    const ok =
      policy === "delete"
        ? !!u.deletedDateTime
        : policy === "disable"
          ? !u.deletedDateTime && !u.accountEnabled
          : !u.deletedDateTime && u.accountEnabled;
    if (!ok) wrong.push(`${g.name} (${policy}): deleted=${!!u.deletedDateTime} enabled=${u.accountEnabled}`);
  }
  return wrong;
}

// ---------------------------------------------------------------------------------------------
// Processes

/** Process ids of `pid` and all its descendants (ps, several rounds so late children are found). */
export function processTree(pid: number): { pid: number; ppid: number; command: string }[] {
  const out = execFileSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" });
  const rows = out
    .trim()
    .split("\n")
    .map((line) => {
      const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
      return m ? { pid: Number(m[1]), ppid: Number(m[2]), command: m[3] } : undefined;
    })
    .filter((r): r is { pid: number; ppid: number; command: string } => r !== undefined);
  const tree = new Set<number>([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const r of rows) {
      if (tree.has(r.ppid) && !tree.has(r.pid)) {
        tree.add(r.pid);
        grew = true;
      }
    }
  }
  return rows.filter((r) => tree.has(r.pid));
}

/** SIGKILL a process and its descendants (only the tree under a process this test started). */
export function killTree(pid: number, filter?: (command: string) => boolean): number {
  const victims = processTree(pid).filter((p) => !filter || filter(p.command));
  for (const p of victims) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      /* gone already */
    }
  }
  return victims.length;
}

// ---------------------------------------------------------------------------------------------
// Figures

/** Where suites write their figures: RELIABILITY_OUT, else .stack/reliability in the checkout. */
export function figuresDir(): string {
  return process.env.RELIABILITY_OUT ?? path.resolve(__dirname, "../../.stack/reliability");
}

/** Write one suite's figures (JSON), with the mode, seed, date and machine. */
export function writeFigures(suite: string, figures: Record<string, unknown>): string {
  const dir = figuresDir();
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${suite}.json`);
  const doc = {
    suite,
    mode: LONG ? "long" : "quick",
    seed: SEED,
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    ...figures,
  };
  fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Run `fn` over `items` with at most `limit` at a time; results in input order. */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i], i);
  });
  await Promise.all(workers);
  return out;
}
