/**
 * Graph calls for open extensions on users (`/users/{id}/extensions`, `openTypeExtension`) and the
 * user reads that carry them (`$expand=extensions`), on the same process-wide scheduler as
 * {@link GraphClient}. A 404 is a value where "not there" is a normal answer; every other failure is
 * an EntraGraphError.
 *
 * Graph's rules (v1.0): POST needs `@odata.type: microsoft.graph.openTypeExtension` and an
 * `extensionName`; for directory objects the extension's `id` is its name; PATCH replaces the whole
 * extension ("you must specify all properties in the request body; otherwise, Microsoft Graph will
 * delete the unspecified properties", opentypeextension-update), so a PATCH carries every property; data is primitive values or arrays of them, at most 2 KB per extension,
 * at most two open extensions per app on one object. Writing needs `User.ReadWrite.All` (app).
 */
import { toError } from "./client";
import type { GraphRequest, GraphResponse, RequestScheduler } from "./scheduler";
import { GraphUser, USER_SELECT } from "./types";

/** The `@odata.type` of an open extension. */
export const OPEN_EXTENSION_TYPE = "microsoft.graph.openTypeExtension";

/** An open extension as Graph returns it: `extensionName`, `id` and custom data. */
export interface OpenExtension {
  extensionName?: string;
  id?: string;
  [key: string]: unknown;
}

/** A user read with `$expand=extensions` (and `creationType`, which tells guests from members of the tenant). */
export interface UserWithExtensions extends GraphUser {
  creationType?: string | null;
  extensions?: OpenExtension[];
}

/** What a lookup before a create reads: the refresh set plus what tells an invited guest from an internal user, and the oldest of several. */
export const LOOKUP_SELECT = [...USER_SELECT, "creationType", "userPrincipalName", "createdDateTime"] as const;

/** How many users one address may match before the lookup stops listing them (below 20: one resource unit less, throttling-limits). */
export const LOOKUP_TOP = 10;

/**
 * The `$filter` of users who already hold an address. Wide (the default): the check Microsoft
 * documents before inviting (customize-invitation-api, "Determine if a user was already invited"):
 * `userPrincipalName`, `mail`, `proxyAddresses` (`SMTP:` entry) and `otherMails`. Its fifth clause,
 * `signInNames`, is no property of the v1.0 user resource and is left out. Narrow: `mail` and
 * `otherMails` only, for a tenant that refuses the wide filter.
 */
export function lookupFilter(email: string, wide = true): string {
  return lookupClauses(email)
    .filter((c) => wide || c.narrow)
    .map((c) => c.filter)
    .join(" or ");
}

/** The clauses of {@link lookupFilter}, each alone (`narrow`: kept by the narrow filter), to name the one a tenant refuses. */
export function lookupClauses(email: string): { name: string; filter: string; narrow: boolean }[] {
  const q = email.replace(/'/g, "''");
  return [
    { name: "userPrincipalName eq", filter: `userPrincipalName eq '${q}'`, narrow: false },
    { name: "mail eq", filter: `mail eq '${q}'`, narrow: true },
    { name: "proxyAddresses/any", filter: `proxyAddresses/any(x:x eq 'SMTP:${q}')`, narrow: false },
    { name: "otherMails/any", filter: `otherMails/any(x:x eq '${q}')`, narrow: true },
  ];
}

/** One page of a user list and the path of the next one (relative to the version root), if any. */
export interface UserPage<T> {
  value: T[];
  next?: string;
}

/** `@odata.nextLink` (absolute) as a path relative to the version root, e.g. `/users?$skiptoken=...`. */
export function relativeNextLink(link: string): string {
  const m = /^https?:\/\/[^/]+\/(?:v1\.0|beta)(\/.*)$/i.exec(link);
  if (!m) throw new Error(`Graph returned a nextLink this client cannot follow: ${link.slice(0, 80)}`);
  return m[1];
}

export class ExtensionClient {
  constructor(private readonly scheduler: RequestScheduler) {}

  /**
   * The live users who already hold this address, with their open extensions (unless `expand` is
   * false): the documented "already invited" query (customize-invitation-api, {@link lookupFilter});
   * `wide` false asks `mail` and `otherMails` only (a tenant that refuses the wide filter).
   */
  async findUsersByEmail(email: string, opts: { select?: readonly string[]; expand?: boolean; wide?: boolean } = {}): Promise<UserWithExtensions[]> {
    const filter = encodeURIComponent(lookupFilter(email, opts.wide ?? true));
    const expand = opts.expand === false ? "" : "&$expand=extensions";
    const res = await this.call<{ value: UserWithExtensions[] }>({ method: "GET", path: `/users?$filter=${filter}&$select=${(opts.select ?? LOOKUP_SELECT).join(",")}${expand}&$top=${LOOKUP_TOP}`, lane: "users" });
    return res.body.value ?? [];
  }

  /** `GET /users/{id}` with `$select` and `$expand=extensions` (unless `expand` is false); undefined on 404. */
  async getUser(id: string, opts: { select?: readonly string[]; expand?: boolean; retryNotFoundUntil?: number } = {}): Promise<UserWithExtensions | undefined> {
    const select = (opts.select ?? LOOKUP_SELECT).join(",");
    const expand = opts.expand === false ? "" : "&$expand=extensions";
    const res = await this.call<UserWithExtensions>({ method: "GET", path: `/users/${encodeURIComponent(id)}?$select=${select}${expand}`, lane: "users", retryNotFoundUntil: opts.retryNotFoundUntil }, [404]);
    return res.status === 404 ? undefined : res.body;
  }

  /** `POST /users/{id}/extensions`. Throws EntraGraphError (a taken name, 403, 404 after the lag window). */
  async addExtension(userId: string, name: string, data: Record<string, unknown>, opts: { retryNotFoundUntil?: number } = {}): Promise<OpenExtension> {
    const body = { "@odata.type": OPEN_EXTENSION_TYPE, extensionName: name, ...data };
    const res = await this.call<OpenExtension>({ method: "POST", path: `/users/${encodeURIComponent(userId)}/extensions`, body, lane: "users", retryNotFoundUntil: opts.retryNotFoundUntil });
    return res.body;
  }

  /** `GET /users/{id}/extensions/{name}`; undefined when the user or the extension is not there. */
  async getExtension(userId: string, name: string): Promise<OpenExtension | undefined> {
    const res = await this.call<OpenExtension>({ method: "GET", path: `/users/${encodeURIComponent(userId)}/extensions/${encodeURIComponent(name)}`, lane: "users" }, [404]);
    return res.status === 404 ? undefined : res.body;
  }

  /**
   * `PATCH /users/{id}/extensions/{name}` with the extension's whole data: `@odata.type`,
   * `extensionName` and `data` (every custom property it is to keep: Graph deletes the ones left out;
   * see `wholeMark` in provider/mark.ts). False when the extension is not there.
   */
  async updateExtension(userId: string, name: string, data: Record<string, unknown>): Promise<boolean> {
    const body = { "@odata.type": OPEN_EXTENSION_TYPE, extensionName: name, ...data };
    const res = await this.call({ method: "PATCH", path: `/users/${encodeURIComponent(userId)}/extensions/${encodeURIComponent(name)}`, body, lane: "users" }, [404]);
    return res.status !== 404;
  }

  /** `DELETE /users/{id}/extensions/{name}`. False when it was not there. */
  async deleteExtension(userId: string, name: string): Promise<boolean> {
    const res = await this.call({ method: "DELETE", path: `/users/${encodeURIComponent(userId)}/extensions/${encodeURIComponent(name)}`, lane: "users" }, [404]);
    return res.status !== 404;
  }

  /** The object ids of a user's sponsors (lower case). */
  async sponsorIds(userId: string): Promise<string[]> {
    const res = await this.call<{ value: { id: string }[] }>({ method: "GET", path: `/users/${encodeURIComponent(userId)}/sponsors?$select=id`, lane: "users" });
    return (res.body.value ?? []).map((s) => s.id.toLowerCase());
  }

  /** `POST /users/{id}/sponsors/$ref`: adds a user or group as a sponsor. */
  async addSponsor(userId: string, sponsorId: string, graphEndpoint: string): Promise<void> {
    const body = { "@odata.id": `${graphEndpoint.replace(/\/+$/, "")}/v1.0/directoryObjects/${encodeURIComponent(sponsorId)}` };
    await this.call({ method: "POST", path: `/users/${encodeURIComponent(userId)}/sponsors/$ref`, body, lane: "users" });
  }

  /** One page of `GET /users` (a path from {@link relativeNextLink} or a first query). */
  async listUsers<T = UserWithExtensions>(path: string): Promise<UserPage<T>> {
    const res = await this.call<{ value: T[]; "@odata.nextLink"?: string }>({ method: "GET", path, lane: "users" });
    const link = res.body["@odata.nextLink"];
    return { value: res.body.value ?? [], next: link ? relativeNextLink(link) : undefined };
  }

  private async call<T>(req: GraphRequest, accept: number[] = []): Promise<GraphResponse<T>> {
    const res = await this.scheduler.submit<T>(req);
    if ((res.status >= 200 && res.status < 300) || accept.includes(res.status)) return res;
    throw toError(req, res);
  }
}
