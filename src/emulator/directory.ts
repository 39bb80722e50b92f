/**
 * The emulated directory: users (guests), invitations, soft delete and restore, sponsors, open
 * extensions.
 * Pure state and Graph-like validation, no HTTP: every method either returns data or throws a
 * {@link GraphError} that the routes turn into Graph's error response.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { REDEMPTION_STATE_PROPERTIES, USER_PROFILE_PROPERTIES } from "../graph/types";
import { GraphError, badRequest, notFound } from "./errors";
import { FilterNode, addressCandidates, matchFilter } from "./filter";
import { GUID, MAX_LENGTH, SeedUser, parseSeedUser, smtpAddress } from "./seed";
import type { EmulatedUser } from "./types";

/** An open extension (`microsoft.graph.openTypeExtension`) as stored on a user. */
export interface StoredExtension {
  /** The app (client id) that created it: Graph allows two open extensions per app on a directory object. */
  appId: string;
  /** `extensionName` and the custom data, in the order written (no `@odata.*`, no `id`). */
  data: Record<string, unknown>;
}

/** A user as stored: the public shape plus bookkeeping. */
export interface StoredUser extends EmulatedUser {
  /** Epoch ms the invitation created the user. */
  createdAtMs: number;
  /** Epoch ms from which reads see the new user (replication lag); absent or 0: at once. */
  visibleAtMs?: number;
  /** Values of recently updated properties that reads still see until `until` (replication lag). */
  stale?: { until: number; values: Partial<EmulatedUser> };
  /** Open extensions (`/users/{id}/extensions`); absent when there are none. */
  extensions?: StoredExtension[];
  /** Names of directory roles the user holds (seeded); absent when none. */
  directoryRoles?: string[];
  /** The user has an Exchange mailbox (seeded): `mail` cannot be changed to an external address. */
  hasMailbox?: boolean;
}

/** Graph's limits on open extensions of directory objects: 2 KB each (with the definition), 2 per app per object. */
export const OPEN_EXTENSION_LIMITS = { maxBytes: 2048, perApp: 2 } as const;
const OPEN_EXTENSION_TYPE = "microsoft.graph.openTypeExtension";

/** What the directory needs to know about its tenant. */
export interface DirectoryOptions {
  tenantId: string;
  /** The initial domain, used in guest UPNs: x_domain#EXT#@<tenantDomain>. */
  tenantDomain: string;
  now?: () => number;
}

/** Result of POST /invitations. */
export interface InvitationResult {
  /** The invitation as Graph returns it (without @odata.context). */
  invitation: Record<string, unknown>;
  user: StoredUser;
  created: boolean;
}

/** Graph's default property set of GET /users and /users/{id} without $select. */
export const DEFAULT_USER_SELECT = [
  "businessPhones",
  "displayName",
  "givenName",
  "jobTitle",
  "mail",
  "mobilePhone",
  "officeLocation",
  "preferredLanguage",
  "surname",
  "userPrincipalName",
  "id",
] as const;

/** Properties that $select accepts (canonical spelling). */
const SELECTABLE = [
  "id",
  "displayName",
  "mail",
  "otherMails",
  "userPrincipalName",
  "userType",
  ...REDEMPTION_STATE_PROPERTIES,
  "creationType",
  "accountEnabled",
  ...USER_PROFILE_PROPERTIES,
  "createdDateTime",
  "deletedDateTime",
  "businessPhones",
  "mobilePhone",
  "officeLocation",
  "preferredLanguage",
  "proxyAddresses",
  "onPremisesUserPrincipalName",
] as const;
const SELECTABLE_BY_LOWER = new Map<string, string>(SELECTABLE.map((p) => [p.toLowerCase(), p]));

/** Properties PATCH /users/{id} may change. */
const WRITABLE = new Set([
  "displayName",
  "userType",
  "mail",
  "otherMails",
  "accountEnabled",
  ...USER_PROFILE_PROPERTIES,
]);
/** Known properties of a user that the emulator does not let PATCH change. */
const READ_ONLY = new Set(
  [...SELECTABLE, "sponsors", "identities", "onPremisesSyncEnabled", "memberOf", "manager"].filter(
    (p) => !WRITABLE.has(p),
  ),
);

const INVITATION_PROPS = new Set([
  "id",
  "invitedUserDisplayName",
  "invitedUserEmailAddress",
  "invitedUserMessageInfo",
  "invitedUserType",
  "inviteRedeemUrl",
  "inviteRedirectUrl",
  "resetRedemption",
  "sendInvitationMessage",
  "status",
  "invitedUser",
  "invitedUserSponsors",
]);

/** b2b-sponsors: at most five sponsors per guest. */
export const MAX_SPONSORS = 5;
/** Characters an invited address's local part may not contain (plus whitespace and "@"). */
const FORBIDDEN_LOCAL = /[~!#$%^&*()+=[\]{}\\/|;:"<>?,\s@]/;
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Graph's timestamp format: ISO 8601 UTC without milliseconds. */
export function graphTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** True for a GUID. */
export function isGuid(s: string): boolean {
  return GUID.test(s);
}

/**
 * Validates an address the way the invitation manager does: one "@", a local part without
 * ~ ! # $ % ^ & * ( ) + = [ ] { } \ / | ; : " < > ? , or whitespace, "." and "-" not at its start
 * or end, no "..", and a domain of at least two DNS labels.
 */
export function isValidEmail(addr: string): boolean {
  if (addr.length > 254) return false;
  const at = addr.indexOf("@");
  if (at <= 0 || at !== addr.lastIndexOf("@")) return false;
  const local = addr.slice(0, at);
  const domain = addr.slice(at + 1);
  if (local.length > 64 || FORBIDDEN_LOCAL.test(local) || local.includes("..")) return false;
  if (/^[.-]|[.-]$/.test(local)) return false;
  const labels = domain.split(".");
  if (labels.length < 2) return false;
  if (!labels.every((l) => DOMAIN_LABEL.test(l))) return false;
  return /^[A-Za-z]{2,}$/.test(labels[labels.length - 1]);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function unknownProperty(prop: string, type: string): GraphError {
  return badRequest(
    `The property '${prop}' does not exist on type 'microsoft.graph.${type}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
  );
}

function checkProps(obj: Record<string, unknown>, allowed: Set<string>, type: string): void {
  for (const k of Object.keys(obj)) {
    if (k.startsWith("@odata.")) continue;
    if (!allowed.has(k)) throw unknownProperty(k, type);
  }
}

function literal(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

function optString(obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string")
    throw badRequest(`Cannot convert the literal '${literal(v)}' to the expected type 'Edm.String'.`);
  return v;
}

function optBoolean(obj: Record<string, unknown>, key: string): boolean | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean")
    throw badRequest(`Cannot convert the literal '${literal(v)}' to the expected type 'Edm.Boolean'.`);
  return v;
}

/** Parsed and validated invitedUserMessageInfo. */
interface MessageInfo {
  messageLanguage: string | null;
  customizedMessageBody: string | null;
  ccRecipients: { emailAddress: { address: string; name: string | null } }[];
}

function parseMessageInfo(v: unknown): MessageInfo {
  const info: MessageInfo = { messageLanguage: null, customizedMessageBody: null, ccRecipients: [] };
  if (v === undefined || v === null) return info;
  if (!isObject(v))
    throw badRequest(
      "Cannot read the value of 'invitedUserMessageInfo': a 'microsoft.graph.invitedUserMessageInfo' object was expected.",
    );
  checkProps(v, new Set(["messageLanguage", "customizedMessageBody", "ccRecipients"]), "invitedUserMessageInfo");
  const lang = optString(v, "messageLanguage");
  if (lang !== undefined) {
    if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(lang))
      throw badRequest(`The messageLanguage '${lang}' is not a valid language code.`);
    info.messageLanguage = lang;
  }
  info.customizedMessageBody = optString(v, "customizedMessageBody") ?? null;
  const cc = v.ccRecipients;
  if (cc !== undefined && cc !== null) {
    if (!Array.isArray(cc))
      throw badRequest(
        "Cannot read the value of 'ccRecipients': a collection of 'microsoft.graph.recipient' was expected.",
      );
    for (const r of cc) {
      if (!isObject(r))
        throw badRequest("Cannot read a value of 'ccRecipients': a 'microsoft.graph.recipient' object was expected.");
      checkProps(r, new Set(["emailAddress"]), "recipient");
      const ea = r.emailAddress;
      if (!isObject(ea)) throw badRequest("A recipient of 'ccRecipients' needs an 'emailAddress'.");
      checkProps(ea, new Set(["address", "name"]), "emailAddress");
      const address = optString(ea, "address");
      if (!address || !isValidEmail(address))
        throw badRequest(`The ccRecipients address '${address ?? ""}' is not a valid email address.`);
      info.ccRecipients.push({ emailAddress: { address, name: optString(ea, "name") ?? null } });
    }
    // Graph honours only one cc recipient.
    info.ccRecipients = info.ccRecipients.slice(0, 1);
  }
  return info;
}

function copyUser(u: StoredUser): EmulatedUser {
  const {
    createdAtMs: _createdAtMs,
    visibleAtMs: _visibleAtMs,
    stale: _stale,
    extensions: _extensions,
    directoryRoles: _roles,
    hasMailbox: _mailbox,
    ...rest
  } = u;
  return { ...rest, otherMails: [...u.otherMails], proxyAddresses: [...u.proxyAddresses], sponsors: [...u.sponsors] };
}

/** `proxyAddresses` after `mail` changes: the primary `SMTP:` follows `mail`; secondary `smtp:` ones stay. */
function proxiesForMail(proxies: readonly string[], mail: string | null): string[] {
  const rest = proxies.filter((p) => !p.startsWith("SMTP:") && smtpAddress(p) !== mail?.toLowerCase());
  return mail ? [`SMTP:${mail}`, ...rest] : rest;
}

/** The emulated tenant's users. */
export class Directory {
  private readonly users = new Map<string, StoredUser>();
  /** lower-case address (mail, otherMails, smtp proxyAddresses, userPrincipalName) → ids of active users carrying it. */
  private readonly byAddress = new Map<string, Set<string>>();
  /** lower-case UPN → id (active and deleted users). */
  private readonly byUpn = new Map<string, string>();
  /** Ids of users whose recent updates reads do not see yet (see {@link Directory.replicated}). */
  private readonly staleIds = new Set<string>();
  /** Active users sorted by id, rebuilt lazily. */
  private sortedActive: StoredUser[] | undefined;
  private readonly now: () => number;
  /** Called after every change (used to save the state file). */
  onChange: () => void = () => undefined;
  /**
   * Replication lag (Entra dev blog "Designing for Eventual Consistency": a new object may 404 and "a
   * recently updated property [may] not yet be visible", on lists and the invitation service's matching
   * too). Each write draws its lag from the seeded PRNG, between half the configured bound and the bound;
   * a bound of 0 turns lag off and makes everything visible at once.
   */
  replication: { lagMs: () => number; random: () => number } = { lagMs: () => 0, random: Math.random };

  constructor(private readonly opts: DirectoryOptions) {
    this.now = opts.now ?? Date.now;
  }

  // ---------- bookkeeping ----------

  /**
   * Every address the invitation service matches a user by (customize-invitation-api, "Determine if
   * a user was already invited"): userPrincipalName, mail, proxyAddresses (smtp, any case), otherMails.
   */
  private addresses(u: StoredUser): string[] {
    const all = [u.userPrincipalName, ...(u.mail ? [u.mail] : []), ...u.otherMails].map((a) => a.toLowerCase());
    for (const p of u.proxyAddresses) {
      const a = smtpAddress(p);
      if (a) all.push(a);
    }
    return [...new Set(all)];
  }

  /** True when another active user holds `lowerAddr` as its mail or one of its smtp proxyAddresses. */
  private proxyTaken(lowerAddr: string, exceptId?: string): boolean {
    return this.activeByAddress(lowerAddr).some(
      (o) =>
        o.id !== exceptId &&
        (o.mail?.toLowerCase() === lowerAddr || o.proxyAddresses.some((p) => smtpAddress(p) === lowerAddr)),
    );
  }

  private index(u: StoredUser): void {
    if (u.deletedDateTime) return;
    for (const a of this.addresses(u)) {
      let set = this.byAddress.get(a);
      if (!set) this.byAddress.set(a, (set = new Set()));
      set.add(u.id);
    }
  }

  private unindex(u: StoredUser): void {
    for (const a of this.addresses(u)) {
      const set = this.byAddress.get(a);
      if (!set) continue;
      set.delete(u.id);
      if (set.size === 0) this.byAddress.delete(a);
    }
  }

  private changed(): void {
    this.sortedActive = undefined;
    this.onChange();
  }

  private activeByAddress(lowerAddr: string): StoredUser[] {
    const ids = this.byAddress.get(lowerAddr);
    if (!ids) return [];
    const out: StoredUser[] = [];
    for (const id of ids) {
      const u = this.users.get(id);
      if (u && !u.deletedDateTime) out.push(u);
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** A reset needs the address in `mail` or `otherMails` (reset-redemption-status). */
  private hasAddress(u: StoredUser, lowerAddr: string): boolean {
    return u.mail?.toLowerCase() === lowerAddr || u.otherMails.some((a) => a.toLowerCase() === lowerAddr);
  }

  private uniqueUpn(prefix: string): string {
    const suffix = `#EXT#@${this.opts.tenantDomain}`;
    let upn = `${prefix}${suffix}`;
    for (let n = 1; this.byUpn.has(upn.toLowerCase()); n++) upn = `${prefix}${n}${suffix}`;
    return upn;
  }

  // ---------- replication lag ----------

  private drawLag(): number {
    const bound = this.replication.lagMs();
    return bound > 0 ? bound * (0.5 + 0.5 * this.replication.random()) : 0;
  }

  /** True while a new user is not yet replicated to reads. */
  lagging(u: StoredUser, now = this.now()): boolean {
    return this.replication.lagMs() > 0 && now < (u.visibleAtMs ?? 0);
  }

  /** The user as reads see it: recently updated properties still show their old values. */
  replicated(u: StoredUser, now = this.now()): StoredUser {
    if (!u.stale || this.replication.lagMs() <= 0 || now >= u.stale.until) return u;
    return { ...u, ...u.stale.values } as StoredUser;
  }

  /** Remembers the old values of properties a write is about to change (reads see them for the lag). */
  private markStale(u: StoredUser, changes: Partial<EmulatedUser>): void {
    const lag = this.drawLag();
    if (lag <= 0) return;
    const now = this.now();
    const old: Partial<EmulatedUser> = u.stale && now < u.stale.until ? { ...u.stale.values } : {};
    const rec = old as Record<string, unknown>;
    for (const k of Object.keys(changes)) if (!(k in rec)) rec[k] = (u as unknown as Record<string, unknown>)[k];
    u.stale = { until: now + lag, values: old };
    this.staleIds.add(u.id);
  }

  /** Users with recent updates still hidden from reads (expired entries are dropped). */
  private staleUsers(now: number): StoredUser[] {
    const out: StoredUser[] = [];
    for (const id of this.staleIds) {
      const u = this.users.get(id);
      if (!u?.stale || now >= u.stale.until) {
        this.staleIds.delete(id);
        continue;
      }
      if (!u.deletedDateTime) out.push(u);
    }
    return out;
  }

  /** Active users that reads see holding `lowerAddr` (the invitation service's view). */
  private visibleByAddress(lowerAddr: string, now = this.now()): StoredUser[] {
    const candidates = new Map<string, StoredUser>();
    for (const u of this.activeByAddress(lowerAddr)) candidates.set(u.id, u);
    for (const u of this.staleUsers(now)) candidates.set(u.id, u);
    return [...candidates.values()]
      .filter((u) => !this.lagging(u, now) && this.addresses(this.replicated(u, now)).includes(lowerAddr))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  // ---------- reads ----------

  /** An active (not deleted) user by id or userPrincipalName. */
  get(idOrUpn: string): StoredUser | undefined {
    let u = this.users.get(idOrUpn) ?? this.users.get(idOrUpn.toLowerCase());
    if (!u && idOrUpn.includes("@")) {
      const id = this.byUpn.get(idOrUpn.toLowerCase());
      u = id ? this.users.get(id) : undefined;
    }
    return u && !u.deletedDateTime ? u : undefined;
  }

  /** A soft-deleted user by id. */
  getDeleted(id: string): StoredUser | undefined {
    const u = this.users.get(id) ?? this.users.get(id.toLowerCase());
    return u && u.deletedDateTime ? u : undefined;
  }

  /** Active users that reads see, matching the filter (on what reads see), sorted by id (the paging order). */
  list(filter?: FilterNode): StoredUser[] {
    const now = this.now();
    if (this.replication.lagMs() > 0) {
      // Candidates by address (current values) plus users whose old values reads still see.
      const addrs = filter ? addressCandidates(filter) : undefined;
      const pool = new Map<string, StoredUser>();
      if (addrs) {
        for (const a of addrs) for (const u of this.activeByAddress(a)) pool.set(u.id, u);
        for (const u of this.staleUsers(now)) pool.set(u.id, u);
      } else {
        for (const u of this.users.values()) if (!u.deletedDateTime) pool.set(u.id, u);
      }
      const all = [...pool.values()].filter((u) => !this.lagging(u, now)).map((u) => this.replicated(u, now));
      return all.filter((u) => !filter || matchFilter(filter, u)).sort((a, b) => (a.id < b.id ? -1 : 1));
    }
    if (filter) {
      const addrs = addressCandidates(filter);
      if (addrs) {
        const seen = new Map<string, StoredUser>();
        for (const a of addrs) for (const u of this.activeByAddress(a)) seen.set(u.id, u);
        return [...seen.values()].filter((u) => matchFilter(filter, u)).sort((a, b) => (a.id < b.id ? -1 : 1));
      }
    }
    if (!this.sortedActive) {
      this.sortedActive = [...this.users.values()]
        .filter((u) => !u.deletedDateTime)
        .sort((a, b) => (a.id < b.id ? -1 : 1));
    }
    return filter ? this.sortedActive.filter((u) => matchFilter(filter, u)) : this.sortedActive;
  }

  /** Soft-deleted users matching the filter, sorted by id. */
  listDeleted(filter?: FilterNode): StoredUser[] {
    return [...this.users.values()]
      .filter((u) => u.deletedDateTime && (!filter || matchFilter(filter, u)))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** Every user (copies), optionally with the deleted ones. */
  all(includeDeleted = false): EmulatedUser[] {
    return [...this.users.values()].filter((u) => includeDeleted || !u.deletedDateTime).map(copyUser);
  }

  /** The full property view of a user that $select picks from. */
  view(u: StoredUser): Record<string, unknown> {
    return {
      ...copyUser(this.replicated(u)),
      businessPhones: [],
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: null,
      proxyAddresses: [...u.proxyAddresses],
    };
  }

  /** Resolves a $select value to canonical property names; throws Graph's 400 for an unknown one. */
  static parseSelect(select: string | undefined): string[] | undefined {
    if (select === undefined) return undefined;
    const out: string[] = [];
    for (const raw of select.split(",")) {
      const name = raw.trim();
      if (!name) continue;
      if (name === "*") return [...SELECTABLE];
      const canonical = SELECTABLE_BY_LOWER.get(name.toLowerCase());
      if (!canonical) {
        if (name.toLowerCase() === "sponsors")
          throw badRequest("Navigation property 'sponsors' cannot be used in $select; use $expand=sponsors.");
        throw badRequest(`Could not find a property named '${name}' on type 'microsoft.graph.user'.`);
      }
      if (!out.includes(canonical)) out.push(canonical);
    }
    return out.length ? out : undefined;
  }

  /** A user as Graph returns it for the given $select (default set without). */
  serialize(
    u: StoredUser,
    select: readonly string[] | undefined,
    extra: readonly string[] = [],
  ): Record<string, unknown> {
    const v = this.view(u);
    const out: Record<string, unknown> = {};
    for (const k of select ?? [...DEFAULT_USER_SELECT, ...extra]) out[k] = v[k];
    return out;
  }

  // ---------- invitations ----------

  /**
   * POST /invitations. Validates the body like Graph, creates a guest for a new address, returns
   * the existing user for a known one, converts an internal user named by `invitedUser.id`
   * (invite-internal-users), or resets redemption. `canReset` tells whether the caller holds
   * User.ReadWrite.All (resetRedemption needs it); `appOnly` whether the token is an app's own
   * (the emulator issues only those: client credentials); `inviterId` is the object id of the caller
   * (the app's service principal), stamped as the sponsor of a new guest when the body names none.
   */
  invite(body: unknown, canReset: boolean, tenantId: string, appOnly = true, inviterId?: string): InvitationResult {
    if (!isObject(body))
      throw badRequest(
        "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
      );
    checkProps(body, INVITATION_PROPS, "invitation");
    const address = optString(body, "invitedUserEmailAddress")?.trim();
    const redirect = optString(body, "inviteRedirectUrl");
    const displayName = optString(body, "invitedUserDisplayName");
    const typeRaw = optString(body, "invitedUserType");
    const send = optBoolean(body, "sendInvitationMessage") ?? false;
    const reset = optBoolean(body, "resetRedemption") ?? false;
    if (!address)
      throw badRequest("Invalid request: 'invitedUserEmailAddress' is a required property and cannot be empty.");
    if (!redirect) throw badRequest("Invalid request: 'inviteRedirectUrl' is a required property and cannot be empty.");
    if (!isValidEmail(address)) throw badRequest("The Primary SMTP Address is an invalid value.");
    // customize-invitation-api: "Make sure the user's email domain isn't part of your resource tenant's verified
    // domain." Graph's answer otherwise is undocumented (open question 7): refused.
    const domain = address.slice(address.lastIndexOf("@") + 1).toLowerCase();
    if (domain === this.opts.tenantDomain.toLowerCase() && !body.invitedUser) {
      throw badRequest(
        `The invited address's domain '${domain}' is a verified domain of this tenant: B2B invitations are for addresses of other domains.`,
      );
    }
    let url: URL | undefined;
    try {
      url = new URL(redirect);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
      throw badRequest(`The inviteRedirectUrl '${redirect}' is not a valid absolute http or https URL.`);
    }
    let userType: "Guest" | "Member" = "Guest";
    if (typeRaw !== undefined) {
      const t = typeRaw.toLowerCase();
      if (t === "guest") userType = "Guest";
      else if (t === "member") userType = "Member";
      else throw badRequest(`The invitedUserType '${typeRaw}' is not valid. Valid values are 'Guest' and 'Member'.`);
    }
    if (displayName !== undefined && displayName.length > 256)
      throw badRequest("The invitedUserDisplayName may not be longer than 256 characters.");
    const messageInfo = parseMessageInfo(body.invitedUserMessageInfo);
    let invitedUserId: string | undefined;
    if (body.invitedUser !== undefined && body.invitedUser !== null) {
      if (!isObject(body.invitedUser))
        throw badRequest("Cannot read the value of 'invitedUser': a 'microsoft.graph.user' object was expected.");
      const id = optString(body.invitedUser, "id");
      if (id !== undefined) {
        if (!isGuid(id)) throw badRequest(`Invalid object identifier '${id}'.`, "Request_BadRequest");
        invitedUserId = id.toLowerCase();
      }
    }
    const sponsors: string[] = [];
    const rawSponsors = body.invitedUserSponsors;
    if (rawSponsors !== undefined && rawSponsors !== null) {
      if (!Array.isArray(rawSponsors))
        throw badRequest(
          "Cannot read the value of 'invitedUserSponsors': a collection of 'microsoft.graph.directoryObject' was expected.",
        );
      for (const s of rawSponsors) {
        const id = isObject(s) ? s.id : undefined;
        if (typeof id !== "string" || !isGuid(id))
          throw badRequest(`Invalid sponsor: each entry of 'invitedUserSponsors' needs the 'id' of a user or group.`);
        if (!sponsors.includes(id.toLowerCase())) sponsors.push(id.toLowerCase());
      }
      // b2b-sponsors: "You can assign a maximum of five sponsors to a single guest user."
      if (sponsors.length > MAX_SPONSORS)
        throw badRequest(
          `Invalid request: at most ${MAX_SPONSORS} sponsors can be assigned to a guest user ('invitedUserSponsors' has ${sponsors.length}).`,
        );
    }
    // b2b-sponsors: "If there are no sponsors in the payload, the inviter will be stamped as the sponsor."
    const newSponsors = sponsors.length === 0 && inviterId ? [inviterId.toLowerCase()] : sponsors;
    if (reset && !invitedUserId)
      throw badRequest("Invalid request: 'invitedUser.id' is required when 'resetRedemption' is true.");
    if (reset && !canReset)
      throw new GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
    // invitation resource: "You can invite as Member if you are a company administrator." Whether User.Invite.All
    // alone may is undocumented (open question 13): refused unless the app can write users.
    if (userType === "Member" && !canReset) {
      throw new GraphError(
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation. Inviting with invitedUserType 'Member' needs an administrator (User.ReadWrite.All).",
      );
    }

    const now = this.now();
    const lower = address.toLowerCase();
    let user: StoredUser | undefined;
    let created = false;
    let status: string;
    if (invitedUserId) {
      user = this.get(invitedUserId);
      if (!user || this.lagging(user, now)) throw notFound(invitedUserId);
      if (reset && user.externalUserState === null) {
        // invitation-post: reset is "for a guest user who already redeemed their invitation". What Graph
        // answers for a user that was never invited is undocumented: the emulator refuses (stricter).
        throw badRequest(
          `The user ${user.id} was never invited (externalUserState is null): resetRedemption applies only to an invited guest. Inviting an internal user with invitedUser.id and without resetRedemption converts it to B2B, one way.`,
        );
      }
      if (reset && appOnly && user.directoryRoles?.length) {
        // reset-redemption-status: "For app-only calls, the redemption status can't be reset if there are
        // any roles assigned to the target user account." Status and code undocumented (open question 14).
        throw new GraphError(
          403,
          "Authorization_RequestDenied",
          `Insufficient privileges to complete the operation. An app-only call cannot reset the redemption status of user ${user.id}: it holds directory roles (${user.directoryRoles.join(", ")}).`,
        );
      }
      if (reset) {
        if (!this.hasAddress(this.replicated(user, now), lower)) {
          throw badRequest(
            "The email you're using to invite this user doesn't match any emails on the user object. Add the email to the user's mail or otherMails first.",
          );
        }
        user.externalUserState = "PendingAcceptance";
        user.externalUserStateChangeDateTime = graphTime(now);
        this.changed();
        status = "PendingAcceptance";
      } else if (user.externalUserState === null) {
        status = this.convert(user, lower, canReset, now);
      } else {
        // A guest named by id without reset: undocumented (open question 8); nothing changes.
        status = user.externalUserState === "Accepted" ? "Completed" : "PendingAcceptance";
      }
    } else {
      const existing = this.visibleByAddress(lower, now);
      user = existing[0];
      if (!user && this.proxyTaken(lower)) {
        // The address belongs to a user the invitation service does not see yet (replication lag): the
        // directory refuses a second object with it. Graph's answer here is undocumented (open question 12).
        throw badRequest(
          "Another object with the same value for property proxyAddresses already exists.",
          "Request_BadRequest",
        );
      }
      if (user) {
        if (!user.accountEnabled) {
          throw badRequest(
            `The invited user already exists in the directory as object ID ${user.id} and is blocked from signing in. Enable the account, or delete it, before inviting again.`,
          );
        }
        if (user.externalUserState === null) {
          throw badRequest("Non-external user already exists with the given mail address and can't be invited.");
        }
        status = user.externalUserState === "Accepted" ? "Completed" : "PendingAcceptance";
      } else {
        const at = address.indexOf("@");
        const id = randomUUID();
        user = {
          id,
          displayName: displayName?.trim() ? displayName : address.slice(0, at),
          mail: address,
          otherMails: [],
          proxyAddresses: [`SMTP:${address}`],
          userPrincipalName: this.uniqueUpn(`${address.slice(0, at)}_${address.slice(at + 1)}`),
          userType,
          externalUserState: "PendingAcceptance",
          externalUserStateChangeDateTime: graphTime(now),
          creationType: "Invitation",
          accountEnabled: true,
          givenName: null,
          surname: null,
          companyName: null,
          department: null,
          jobTitle: null,
          usageLocation: null,
          onPremisesUserPrincipalName: null,
          createdDateTime: graphTime(now),
          deletedDateTime: null,
          sponsors: newSponsors,
          createdAtMs: now,
          visibleAtMs: now + this.drawLag(),
        };
        this.users.set(id, user);
        this.byUpn.set(user.userPrincipalName.toLowerCase(), id);
        this.index(user);
        this.changed();
        created = true;
        status = "PendingAcceptance";
      }
    }

    const invitationId = randomUUID();
    const rd = `https://invitations.microsoft.com/redeem/?tenant=${tenantId}&user=${invitationId}&ticket=${encodeURIComponent(randomBytes(24).toString("base64"))}&ver=2.0`;
    const invitation: Record<string, unknown> = {
      id: invitationId,
      inviteRedeemUrl: `https://login.microsoftonline.com/redeem?rd=${encodeURIComponent(rd)}`,
      invitedUserDisplayName: displayName ?? null,
      invitedUserType: userType,
      invitedUserEmailAddress: address,
      sendInvitationMessage: send,
      resetRedemption: reset,
      inviteRedirectUrl: redirect,
      status,
      invitedUserMessageInfo: messageInfo,
      invitedUser: { id: user.id },
    };
    return { invitation, user, created };
  }

  /**
   * invite-internal-users: an invitation naming an internal user (`invitedUser.id`, no reset) makes it
   * a B2B user, one way ("you can't remove the B2B credentials once they're added"). Its object id,
   * UPN and userType stay ("This feature doesn't change the UserType"); it becomes invited
   * (externalUserState PendingAcceptance until it redeems). Refused, as documented or stricter:
   * a user synced from on-premises (onPremisesUserPrincipalName: "we block internal-to-external
   * conversions"); an address that is not the user's `mail` ("make sure the User.Mail property … is
   * set to the external email address"); a caller without User.ReadWrite.All (undocumented: stricter).
   */
  private convert(user: StoredUser, lowerAddr: string, canWrite: boolean, now: number): string {
    if (user.onPremisesUserPrincipalName) {
      throw badRequest(
        `The user ${user.id} is synced from on-premises (onPremisesUserPrincipalName is set): internal-to-external conversion is blocked for such users.`,
      );
    }
    if (user.mail?.toLowerCase() !== lowerAddr) {
      throw badRequest(
        `The email you're using to invite this user doesn't match the user's mail: set the internal user's mail to the external address before converting it to B2B.`,
      );
    }
    if (!canWrite)
      throw new GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
    user.externalUserState = "PendingAcceptance";
    user.externalUserStateChangeDateTime = graphTime(now);
    this.changed();
    return "PendingAcceptance";
  }

  // ---------- writes ----------

  /** PATCH /users/{id}: validates every property first, then applies all of them. */
  patch(id: string, body: unknown): void {
    const u = this.get(id);
    if (!u) throw notFound(id);
    if (!isObject(body))
      throw badRequest(
        "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
      );
    const invalid = (k: string): GraphError =>
      badRequest(`Invalid value specified for property '${k}' of resource 'User'.`, "Request_BadRequest");
    const updates: Partial<StoredUser> = {};
    for (const [k, v] of Object.entries(body)) {
      if (k.startsWith("@odata.")) continue;
      if (!WRITABLE.has(k)) {
        if (READ_ONLY.has(k)) throw badRequest(`Property '${k}' is read-only and cannot be set.`, "Request_BadRequest");
        throw badRequest(
          `Property '${k}' does not exist as a declared property or extension property.`,
          "Request_BadRequest",
        );
      }
      switch (k) {
        case "displayName":
          if (typeof v !== "string" || !v.trim() || v.length > 256) throw invalid(k);
          updates.displayName = v;
          break;
        case "userType": {
          const t = typeof v === "string" ? v.toLowerCase() : "";
          if (t !== "guest" && t !== "member") throw invalid(k);
          updates.userType = t === "guest" ? "Guest" : "Member";
          break;
        }
        case "accountEnabled":
          if (typeof v !== "boolean") throw invalid(k);
          updates.accountEnabled = v;
          break;
        case "mail":
          if (v !== null && (typeof v !== "string" || !isValidEmail(v))) throw invalid(k);
          updates.mail = v;
          break;
        case "otherMails":
          if (!Array.isArray(v) || !v.every((x): x is string => typeof x === "string" && isValidEmail(x)))
            throw invalid(k);
          updates.otherMails = [...v];
          break;
        case "usageLocation":
          // user resource: usageLocation is "Not nullable" (what Graph answers to null is open question 10: refused).
          if (typeof v !== "string" || !/^[A-Za-z]{2}$/.test(v)) throw invalid(k);
          updates.usageLocation = v.toUpperCase();
          break;
        default: {
          // givenName, surname, companyName, department, jobTitle
          if (v !== null && (typeof v !== "string" || v.length > MAX_LENGTH[k])) throw invalid(k);
          (updates as Record<string, unknown>)[k] = v;
        }
      }
    }
    if (
      updates.mail !== undefined &&
      u.hasMailbox &&
      !updates.mail?.toLowerCase().endsWith(`@${this.opts.tenantDomain.toLowerCase()}`)
    ) {
      // invite-internal-users: "If the internal user has an existing mailbox, you can't change this property to an external email address."
      throw badRequest(
        `Invalid value specified for property 'mail' of resource 'User': the user has a mailbox; its mail can't be changed to an external address (change it in Exchange).`,
        "Request_BadRequest",
      );
    }
    if (updates.mail) {
      const lower = updates.mail.toLowerCase();
      if (this.proxyTaken(lower, u.id))
        throw badRequest(
          "Another object with the same value for property proxyAddresses already exists.",
          "Request_BadRequest",
        );
    }
    if (updates.mail !== undefined) updates.proxyAddresses = proxiesForMail(u.proxyAddresses, updates.mail);
    if (Object.keys(updates).length === 0) return;
    this.markStale(u, updates);
    this.unindex(u);
    Object.assign(u, updates);
    this.index(u);
    this.changed();
  }

  /** DELETE /users/{id}: soft delete into deletedItems. */
  remove(id: string): void {
    const u = this.get(id);
    if (!u) throw notFound(id);
    this.unindex(u);
    u.deletedDateTime = graphTime(this.now());
    this.changed();
  }

  /** POST /directory/deletedItems/{id}/restore. */
  restore(id: string): StoredUser {
    const u = this.getDeleted(id);
    if (!u) throw notFound(id);
    const own = [
      ...(u.mail ? [u.mail.toLowerCase()] : []),
      ...u.proxyAddresses.map(smtpAddress).filter((a): a is string => !!a),
    ];
    if (own.some((a) => this.proxyTaken(a, u.id))) {
      throw badRequest(
        "Another object with the same value for property proxyAddresses already exists.",
        "Request_BadRequest",
      );
    }
    u.deletedDateTime = null;
    this.index(u);
    this.changed();
    return u;
  }

  /** DELETE /directory/deletedItems/{id}: permanent deletion. */
  purge(id: string): void {
    const u = this.getDeleted(id);
    if (!u) throw notFound(id);
    this.users.delete(u.id);
    this.byUpn.delete(u.userPrincipalName.toLowerCase());
    this.changed();
  }

  /** POST /users/{id}/sponsors/$ref. */
  addSponsor(id: string, sponsorId: string): void {
    const u = this.get(id);
    if (!u) throw notFound(id);
    const sid = sponsorId.toLowerCase();
    if (u.sponsors.includes(sid)) {
      throw badRequest(
        "One or more added object references already exist for the following modified properties: 'sponsors'.",
        "Request_BadRequest",
      );
    }
    u.sponsors.push(sid);
    this.changed();
  }

  /** DELETE /users/{id}/sponsors/{sponsorId}/$ref. */
  removeSponsor(id: string, sponsorId: string): void {
    const u = this.get(id);
    if (!u) throw notFound(id);
    const i = u.sponsors.indexOf(sponsorId.toLowerCase());
    if (i < 0) throw notFound(sponsorId);
    u.sponsors.splice(i, 1);
    this.changed();
  }

  // ---------- open extensions ----------

  /** Where an extension id points: `name`, or the fully qualified `microsoft.graph.openTypeExtension.name`. */
  private static extensionKey(idOrName: string): string {
    const lower = idOrName.toLowerCase();
    const prefix = `${OPEN_EXTENSION_TYPE.toLowerCase()}.`;
    return lower.startsWith(prefix) ? lower.slice(prefix.length) : lower;
  }

  /** An extension as Graph returns it: `@odata.type`, `extensionName`, `id` (the name, for directory objects) and the data. */
  static extensionView(e: StoredExtension): Record<string, unknown> {
    const { extensionName, ...data } = e.data;
    return { "@odata.type": `#${OPEN_EXTENSION_TYPE}`, extensionName, id: extensionName, ...data };
  }

  /** Checks custom data of an open extension: primitives or arrays of primitives, as Graph documents. */
  private static checkExtensionData(body: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) {
      if (k.startsWith("@odata.") || k === "id") continue;
      const primitive = (x: unknown): boolean => x === null || ["string", "number", "boolean"].includes(typeof x);
      if (!primitive(v) && !(Array.isArray(v) && v.every(primitive))) {
        throw badRequest(
          `Invalid value for property '${k}': the data of an open extension can be primitive types or arrays of primitive types.`,
        );
      }
      out[k] = v;
    }
    return out;
  }

  private static checkExtensionType(body: Record<string, unknown>, required: boolean): void {
    const t = body["@odata.type"];
    if (t === undefined && !required) return;
    if (typeof t !== "string" || t.replace(/^#/, "").toLowerCase() !== OPEN_EXTENSION_TYPE.toLowerCase()) {
      throw badRequest(`An open extension needs '@odata.type': '${OPEN_EXTENSION_TYPE}'.`);
    }
  }

  private static checkExtensionSize(data: Record<string, unknown>): void {
    const bytes = Buffer.byteLength(JSON.stringify({ "@odata.type": OPEN_EXTENSION_TYPE, ...data }));
    if (bytes > OPEN_EXTENSION_LIMITS.maxBytes) {
      throw badRequest(
        `The open extension is ${bytes} bytes; an open extension of a directory object can hold at most ${OPEN_EXTENSION_LIMITS.maxBytes} bytes.`,
      );
    }
  }

  /** The open extensions of an active user, as Graph returns them. */
  listExtensions(id: string): Record<string, unknown>[] {
    const u = this.get(id);
    if (!u) throw notFound(id);
    return (u.extensions ?? []).map((e) => Directory.extensionView(e));
  }

  /** One open extension of an active user by name (or fully qualified id). */
  getExtension(id: string, name: string): Record<string, unknown> {
    const u = this.get(id);
    if (!u) throw notFound(id);
    const e = this.findExtension(u, name);
    if (!e) throw notFound(name);
    return Directory.extensionView(e);
  }

  private findExtension(u: StoredUser, name: string): StoredExtension | undefined {
    const key = Directory.extensionKey(name);
    return (u.extensions ?? []).find((e) => String(e.data.extensionName).toLowerCase() === key);
  }

  /** POST /users/{id}/extensions: creates an open extension; 409 when the name is taken. */
  addExtension(id: string, body: unknown, appId: string): Record<string, unknown> {
    const u = this.get(id);
    if (!u) throw notFound(id);
    const { fields, name } = Directory.extensionBody(body);
    if (this.findExtension(u, name)) throw Directory.extensionExists();
    if ((u.extensions ?? []).filter((e) => e.appId === appId).length >= OPEN_EXTENSION_LIMITS.perApp) {
      throw badRequest(
        `An application can add at most ${OPEN_EXTENSION_LIMITS.perApp} open extensions to a directory object.`,
      );
    }
    const data = { extensionName: name, ...Directory.checkExtensionData(fields) };
    Directory.checkExtensionSize(data);
    const e: StoredExtension = { appId, data };
    (u.extensions ??= []).push(e);
    this.changed();
    return Directory.extensionView(e);
  }

  /**
   * The body of an extension's POST or PATCH: a JSON object with the extension's `@odata.type` and a
   * non-empty `extensionName` (400 otherwise, as Graph answers).
   */
  private static extensionBody(body: unknown): { fields: Record<string, unknown>; name: string } {
    if (!isObject(body))
      throw badRequest(
        "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
      );
    Directory.checkExtensionType(body, true);
    const name = body.extensionName;
    if (typeof name !== "string" || !name.trim())
      throw badRequest("Invalid request: 'extensionName' is a required property and cannot be empty.");
    return { fields: body, name };
  }

  /**
   * A taken extension name. Status and code are not documented (graph-facts open question 6): 409
   * Conflict with code NameAlreadyExists and the message Graph is reported to answer.
   */
  private static extensionExists(): GraphError {
    return new GraphError(409, "NameAlreadyExists", "An extension already exists with given id.");
  }

  /**
   * PATCH /users/{id}/extensions/{name} replaces the extension's data (opentypeextension-update: "To
   * update any property in the open extension object, you must specify all properties in the request
   * body; otherwise, Microsoft Graph will delete the unspecified properties"). `@odata.type` and
   * `extensionName` are required, as that page lists them; `extensionName` may name a new name
   * (for users the `id` is the name, so it follows), which must not be another extension's.
   */
  updateExtension(id: string, name: string, body: unknown): void {
    const u = this.get(id);
    if (!u) throw notFound(id);
    const e = this.findExtension(u, name);
    if (!e) throw notFound(name);
    const { fields, name: newName } = Directory.extensionBody(body);
    const other = this.findExtension(u, newName);
    if (other && other !== e) throw Directory.extensionExists();
    const data = { extensionName: newName, ...Directory.checkExtensionData(fields) };
    Directory.checkExtensionSize(data);
    e.data = data;
    this.changed();
  }

  /** DELETE /users/{id}/extensions/{name}. */
  removeExtension(id: string, name: string): void {
    const u = this.get(id);
    if (!u) throw notFound(id);
    const e = this.findExtension(u, name);
    if (!e) throw notFound(name);
    u.extensions = (u.extensions ?? []).filter((x) => x !== e);
    if (u.extensions.length === 0) delete u.extensions;
    this.changed();
  }

  /** The guest redeems: externalUserState Accepted. */
  redeem(id: string): EmulatedUser {
    const u = this.get(id);
    if (!u) throw notFound(id);
    u.externalUserState = "Accepted";
    u.externalUserStateChangeDateTime = graphTime(this.now());
    this.changed();
    return copyUser(u);
  }

  /**
   * Seeds a user (POST /_emulator/users, `emu.addUser`): validated by {@link parseSeedUser}; the
   * id and userPrincipalName must be free (deleted users keep theirs), and mail and smtp
   * proxyAddresses must not be another active user's (Graph's proxyAddresses conflict).
   */
  addUser(body: unknown): EmulatedUser {
    const seeded = parseSeedUser(
      body as SeedUser,
      this.now(),
      isValidEmail,
      (mail) => {
        const at = mail.indexOf("@");
        return this.uniqueUpn(`${mail.slice(0, at)}_${mail.slice(at + 1)}`);
      },
      graphTime,
    );
    if (this.users.has(seeded.id))
      throw badRequest(
        `Another object with the same value for property id already exists: '${seeded.id}'.`,
        "Request_BadRequest",
      );
    if (this.byUpn.has(seeded.userPrincipalName.toLowerCase())) {
      throw badRequest(
        "Another object with the same value for property userPrincipalName already exists.",
        "Request_BadRequest",
      );
    }
    if (!seeded.deletedDateTime) {
      const own = [
        ...(seeded.mail ? [seeded.mail.toLowerCase()] : []),
        ...seeded.proxyAddresses.map(smtpAddress).filter((a): a is string => !!a),
      ];
      if (own.some((a) => this.proxyTaken(a)))
        throw badRequest(
          "Another object with the same value for property proxyAddresses already exists.",
          "Request_BadRequest",
        );
    }
    const { directoryRoles, hasMailbox, ...rest } = seeded;
    // A seeded user stands for one that existed before: it is already replicated.
    const user: StoredUser = { ...rest, createdAtMs: 0 };
    if (directoryRoles.length) user.directoryRoles = directoryRoles;
    if (hasMailbox) user.hasMailbox = true;
    this.users.set(user.id, user);
    this.byUpn.set(user.userPrincipalName.toLowerCase(), user.id);
    this.index(user);
    this.changed();
    return copyUser(user);
  }

  /** Empties the directory. */
  reset(): void {
    this.staleIds.clear();
    this.users.clear();
    this.byAddress.clear();
    this.byUpn.clear();
    this.changed();
  }

  // ---------- persistence ----------

  /** The users for the state file. */
  toJSON(): StoredUser[] {
    return [...this.users.values()].map((u) => ({
      ...u,
      visibleAtMs: undefined,
      stale: undefined,
      otherMails: [...u.otherMails],
      proxyAddresses: [...u.proxyAddresses],
      sponsors: [...u.sponsors],
      ...(u.directoryRoles ? { directoryRoles: [...u.directoryRoles] } : {}),
      ...(u.extensions ? { extensions: u.extensions.map((e) => ({ appId: e.appId, data: { ...e.data } })) } : {}),
    }));
  }

  /** Replaces the directory with users from a state file (unknown fields are dropped, missing ones defaulted). */
  load(users: unknown): void {
    if (!Array.isArray(users)) throw new Error("state file: 'users' must be an array");
    this.users.clear();
    this.byAddress.clear();
    this.byUpn.clear();
    for (const raw of users) {
      if (!isObject(raw) || typeof raw.id !== "string" || typeof raw.userPrincipalName !== "string")
        throw new Error("state file: a user needs id and userPrincipalName");
      const str = (k: string): string | null => (typeof raw[k] === "string" ? (raw[k] as string) : null);
      const created = str("createdDateTime") ?? graphTime(this.now());
      const mail = str("mail");
      const u: StoredUser = {
        id: raw.id,
        displayName: str("displayName") ?? raw.userPrincipalName,
        mail,
        otherMails: Array.isArray(raw.otherMails)
          ? raw.otherMails.filter((x): x is string => typeof x === "string")
          : [],
        proxyAddresses: Array.isArray(raw.proxyAddresses)
          ? raw.proxyAddresses.filter((x): x is string => typeof x === "string")
          : mail
            ? [`SMTP:${mail}`]
            : [],
        userPrincipalName: raw.userPrincipalName,
        userType: raw.userType === "Member" ? "Member" : "Guest",
        externalUserState:
          raw.externalUserState === "Accepted"
            ? "Accepted"
            : raw.externalUserState === "PendingAcceptance"
              ? "PendingAcceptance"
              : null,
        externalUserStateChangeDateTime: str("externalUserStateChangeDateTime"),
        creationType: str("creationType"),
        accountEnabled: raw.accountEnabled !== false,
        givenName: str("givenName"),
        surname: str("surname"),
        companyName: str("companyName"),
        department: str("department"),
        jobTitle: str("jobTitle"),
        usageLocation: str("usageLocation"),
        onPremisesUserPrincipalName: str("onPremisesUserPrincipalName"),
        createdDateTime: created,
        deletedDateTime: str("deletedDateTime"),
        sponsors: Array.isArray(raw.sponsors) ? raw.sponsors.filter((x): x is string => typeof x === "string") : [],
        createdAtMs: typeof raw.createdAtMs === "number" ? raw.createdAtMs : Date.parse(created) || 0,
      };
      const exts = Array.isArray(raw.extensions)
        ? raw.extensions.filter(
            (e): e is StoredExtension =>
              isObject(e) &&
              typeof e.appId === "string" &&
              isObject(e.data) &&
              typeof e.data.extensionName === "string",
          )
        : [];
      if (exts.length) u.extensions = exts.map((e) => ({ appId: e.appId, data: { ...e.data } }));
      if (Array.isArray(raw.directoryRoles)) {
        const roles = raw.directoryRoles.filter((x): x is string => typeof x === "string");
        if (roles.length) u.directoryRoles = roles;
      }
      if (raw.hasMailbox === true) u.hasMailbox = true;
      this.users.set(u.id, u);
      this.byUpn.set(u.userPrincipalName.toLowerCase(), u.id);
      this.index(u);
    }
    this.sortedActive = undefined;
  }
}
