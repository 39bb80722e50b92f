/**
 * Coalesced address lookups: concurrent "already invited" lookups with the same options are sent as
 * one `GET /users` whose filter asks for several addresses at once (`in`, served wherever `eq` is:
 * aad-advanced-queries), and each caller gets the users that hold its own address: what its own
 * one-address query ({@link lookupFilter}) answers. A caller alone sends that one-address query as
 * is. A combined request that fails is sent again one address at a time, so each caller gets the
 * answer (or the error) it would have got alone.
 *
 * How many addresses one request holds: known-issues (query parameters) limits a filter with `in`
 * to "15 expressions in the filter clause by default" (without advanced queries, which `$expand`
 * rules out). The page does not say what an expression is; counted the stricter way, each value of
 * an `in` list is one, so a wide lookup of k addresses holds 4·k expressions (k ≤ 3) and a narrow
 * one 2·k (k ≤ 7). The URL is kept within 2,048 characters too (that page's limit with advanced
 * queries; silent without them: stricter).
 */
import { call } from "./call";
import type { RequestScheduler } from "./scheduler";
import { relativeNextLink } from "./user-list";

/** The known-issues limit of expressions in a filter with `in`, without advanced queries. */
export const MAX_FILTER_EXPRESSIONS = 15;

/** The known-issues URL length limit (with advanced queries; kept here too). */
export const MAX_URL_LENGTH = 2048;

/** What the URL holds before the path: `https://` + a national cloud's host + `/v1.0` (the longest, with room). */
export const URL_ORIGIN_ALLOWANCE = 64;

/** How long a lookup waits for others with the same options before it is sent (ms). */
export const LOOKUP_WINDOW_MS = 2;

/** The options of a lookup; lookups coalesce only with others of the same options. */
export interface LookupOptions {
  select?: readonly string[];
  expand?: boolean;
  wide?: boolean;
}

/** The address fields of a user a lookup matches on. */
export interface AddressFields {
  userPrincipalName?: string | null;
  mail?: string | null;
  proxyAddresses?: readonly string[] | null;
  otherMails?: readonly string[] | null;
}

/** The fields {@link holdsAddress} reads (added to a combined request's `$select`). */
export const MATCH_SELECT = ["userPrincipalName", "mail", "proxyAddresses", "otherMails"] as const;

/** An OData string literal's content: `'` doubled. */
export function odataQuote(value: string): string {
  return value.replace(/'/g, "''");
}

/**
 * True when `user` is one the one-address lookup of `email` answers: `mail` or an `otherMails`
 * entry equal to it, and (wide) the `userPrincipalName` or an `SMTP:` proxy address (primary or
 * secondary); case-insensitive, as Graph compares strings.
 */
export function holdsAddress(user: AddressFields, email: string, wide = true): boolean {
  const a = email.toLowerCase();
  const same = (v: unknown): boolean => typeof v === "string" && v.toLowerCase() === a;
  if (same(user.mail) || (user.otherMails ?? []).some(same)) return true;
  if (!wide) return false;
  return (
    same(user.userPrincipalName) ||
    (user.proxyAddresses ?? []).some((p) => typeof p === "string" && p.toLowerCase() === `smtp:${a}`)
  );
}

/** How many expressions the lookup filter of `count` addresses holds (one per `eq`, one per `in` value). */
export function lookupExpressions(count: number, wide: boolean): number {
  return count * (wide ? 4 : 2);
}

/** The most addresses one lookup filter may hold within {@link MAX_FILTER_EXPRESSIONS}. */
export function maxAddresses(wide: boolean): number {
  return Math.floor(MAX_FILTER_EXPRESSIONS / lookupExpressions(1, wide));
}

/** The filter of users holding any of `emails` (two or more): the clauses of the one-address lookup, each with `in`. */
export function lookupManyFilter(emails: readonly string[], wide: boolean): string {
  const list = emails.map((e) => `'${odataQuote(e)}'`).join(",");
  const smtp = emails.map((e) => `'SMTP:${odataQuote(e)}'`).join(",");
  const clauses = [
    { filter: `userPrincipalName in (${list})`, narrow: false },
    { filter: `mail in (${list})`, narrow: true },
    { filter: `proxyAddresses/any(x:x in (${smtp}))`, narrow: false },
    { filter: `otherMails/any(x:x in (${list}))`, narrow: true },
  ];
  return clauses
    .filter((c) => wide || c.narrow)
    .map((c) => c.filter)
    .join(" or ");
}

/** The `$select` of a combined lookup: the caller's plus what {@link holdsAddress} reads. */
export function combinedSelect(select: readonly string[]): string[] {
  return [...select, ...MATCH_SELECT.filter((f) => !select.includes(f))];
}

/** The path of the combined lookup of `emails` (two or more). */
export function lookupManyPath(
  emails: readonly string[],
  select: readonly string[],
  expand: boolean,
  wide: boolean,
  top: number,
): string {
  const filter = encodeURIComponent(lookupManyFilter(emails, wide));
  return `/users?$filter=${filter}&$select=${combinedSelect(select).join(",")}${expand ? "&$expand=extensions" : ""}&$top=${top}`;
}

/**
 * The addresses in requests: at most {@link maxAddresses} each and a URL within
 * {@link MAX_URL_LENGTH} (an address too long to share a request goes alone), in order.
 */
export function chunkAddresses(
  emails: readonly string[],
  fits: (chunk: readonly string[]) => boolean,
  max: number,
): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  for (const e of emails) {
    if (cur.length > 0 && (cur.length >= max || !fits([...cur, e]))) {
      out.push(cur);
      cur = [];
    }
    cur.push(e);
  }
  if (cur.length) out.push(cur);
  return out;
}

interface Waiter<U> {
  email: string;
  resolve: (users: U[]) => void;
  reject: (e: unknown) => void;
}

interface Pending<U> {
  waiters: Waiter<U>[];
  timer?: NodeJS.Timeout;
}

/** A lookup of one address, exactly as a caller alone sends it. */
export type LookupOne<U> = (email: string) => Promise<U[]>;

/**
 * Coalesces the lookups made on one scheduler. `one` is the one-address lookup; the combined
 * request is built from `opts` and the same `top`.
 */
export class LookupCoalescer<U extends AddressFields & object> {
  private readonly pending = new Map<string, Pending<U>>();

  constructor(private readonly scheduler: RequestScheduler) {}

  /** The users holding `email` (at most `top`), sent with the lookups of the same options that come within {@link LOOKUP_WINDOW_MS}. */
  find(email: string, opts: Required<LookupOptions>, top: number, one: LookupOne<U>): Promise<U[]> {
    const key = JSON.stringify([opts.select, opts.expand, opts.wide, top]);
    let p = this.pending.get(key);
    if (!p) {
      p = { waiters: [] };
      this.pending.set(key, p);
    }
    const pend = p;
    const promise = new Promise<U[]>((resolve, reject) => pend.waiters.push({ email, resolve, reject }));
    const distinct = new Set(pend.waiters.map((w) => w.email.toLowerCase())).size;
    if (distinct >= maxAddresses(opts.wide)) this.flush(key, opts, top, one);
    else pend.timer ??= setTimeout(() => this.flush(key, opts, top, one), LOOKUP_WINDOW_MS);
    return promise;
  }

  private flush(key: string, opts: Required<LookupOptions>, top: number, one: LookupOne<U>): void {
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    if (p.timer) clearTimeout(p.timer);
    const byAddress = new Map<string, Waiter<U>[]>();
    for (const w of p.waiters) {
      const k = w.email.toLowerCase();
      byAddress.set(k, [...(byAddress.get(k) ?? []), w]);
    }
    const emails = [...byAddress.values()].map((ws) => ws[0].email);
    const fits = (chunk: readonly string[]): boolean =>
      URL_ORIGIN_ALLOWANCE + lookupManyPath(chunk, opts.select, opts.expand, opts.wide, top).length <= MAX_URL_LENGTH;
    for (const chunk of chunkAddresses(emails, fits, maxAddresses(opts.wide))) {
      const waiters = chunk.flatMap((e) => byAddress.get(e.toLowerCase()) ?? []);
      this.send(chunk, waiters, opts, top, one).catch((e: unknown) => waiters.forEach((w) => w.reject(e)));
    }
  }

  private async send(
    chunk: string[],
    waiters: Waiter<U>[],
    opts: Required<LookupOptions>,
    top: number,
    one: LookupOne<U>,
  ): Promise<void> {
    if (chunk.length === 1) {
      await settle(waiters, () => one(chunk[0]));
      return;
    }
    let users: U[];
    try {
      users = await this.readAll(lookupManyPath(chunk, opts.select, opts.expand, opts.wide, top));
    } catch {
      // Refused or failed together: each address alone, so each caller gets its own answer or error.
      await Promise.all(
        chunk.map((e) =>
          settle(
            waiters.filter((w) => w.email.toLowerCase() === e.toLowerCase()),
            () => one(e),
          ),
        ),
      );
      return;
    }
    const added = MATCH_SELECT.filter((f) => !opts.select.includes(f));
    for (const w of waiters) {
      const mine = users.filter((u) => holdsAddress(u, w.email, opts.wide)).slice(0, top);
      w.resolve(mine.map((u) => withoutFields(u, added)));
    }
  }

  /** Every page of a combined lookup. */
  private async readAll(path: string): Promise<U[]> {
    const users: U[] = [];
    let next: string | undefined = path;
    while (next) {
      const res: { body: { value?: U[]; "@odata.nextLink"?: string } } = await call<{
        value?: U[];
        "@odata.nextLink"?: string;
      }>(this.scheduler, { method: "GET", path: next, lane: "users" });
      users.push(...(res.body.value ?? []));
      const link = res.body["@odata.nextLink"];
      next = link ? relativeNextLink(link) : undefined;
    }
    return users;
  }
}

/** Each waiter gets the answer of `run` (its own copy) or its error. */
async function settle<U extends object>(waiters: Waiter<U>[], run: () => Promise<U[]>): Promise<void> {
  try {
    const users = await run();
    waiters.forEach((w, i) => w.resolve(i === 0 ? users : users.map((u) => structuredClone(u))));
  } catch (e) {
    for (const w of waiters) w.reject(e);
  }
}

/** A copy of `u` without `fields` (those the caller did not select). */
function withoutFields<U extends object>(u: U, fields: readonly string[]): U {
  const copy = structuredClone(u) as Record<string, unknown>;
  for (const f of fields) delete copy[f];
  return copy as U;
}

const coalescers = new WeakMap<RequestScheduler, LookupCoalescer<AddressFields & object>>();

/** The coalescer of lookups made on `scheduler` (one per scheduler, whichever client asks). */
export function coalescerFor<U extends AddressFields & object>(scheduler: RequestScheduler): LookupCoalescer<U> {
  let c = coalescers.get(scheduler);
  if (!c) {
    c = new LookupCoalescer(scheduler);
    coalescers.set(scheduler, c);
  }
  return c as unknown as LookupCoalescer<U>;
}
