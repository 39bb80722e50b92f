/**
 * Seeding: turns a Graph user object (as a test or a user's own test writes it) into a stored
 * user of the emulated directory, validated as Graph validates the same properties. Anything a
 * tenant can hold can be seeded: an internal member with a mailbox, a guest whose address is
 * only in `proxyAddresses` or its UPN, a disabled or soft-deleted guest, a guest holding a
 * directory role, a member synced from on-premises.
 *
 * Two fields are the emulator's own (Graph keeps them elsewhere; they are not returned by GET):
 * `directoryRoles` (names of the directory roles the user holds) and `hasMailbox` (the user has
 * an Exchange mailbox, so `mail` cannot be changed to an external address).
 */
import { randomUUID } from "node:crypto";
import { REDEMPTION_STATE_PROPERTIES, USER_PROFILE_PROPERTIES } from "../graph/types";
import { GraphError, badRequest } from "./errors";
import type { EmulatedUser } from "./types";

/** A user to seed: a Graph user object (every property optional but `displayName`). */
export interface SeedUser {
  /** Object id (GUID); a new one when absent. */
  id?: string;
  /** Display name (required, at most 256 characters). */
  displayName: string;
  /** Required, except for `creationType: "Invitation"` with a `mail` (then made as Graph makes a guest's UPN). */
  userPrincipalName?: string;
  /** Email address, or null. */
  mail?: string | null;
  /** `SMTP:` (primary) and `smtp:` (secondary) addresses; default `["SMTP:" + mail]`. */
  proxyAddresses?: string[];
  /** Other addresses. */
  otherMails?: string[];
  /** `Member` (default) or `Guest` (default when `creationType` is `Invitation`). */
  userType?: "Member" | "Guest";
  /** null (default), `Invitation`, `LocalAccount`, `EmailVerified` or `SelfServiceSignUp`. */
  creationType?: string | null;
  /** Default true. */
  accountEnabled?: boolean;
  /** null, `PendingAcceptance` (default for `creationType: "Invitation"`) or `Accepted`. */
  externalUserState?: "PendingAcceptance" | "Accepted" | null;
  /** ISO time; default now when `externalUserState` is set. */
  externalUserStateChangeDateTime?: string | null;
  /** ISO time; default now. */
  createdDateTime?: string;
  /** ISO time: the user is soft-deleted (in deletedItems). */
  deletedDateTime?: string | null;
  /** Set for users synced from on-premises (Entra Connect writes it); such users cannot be converted to B2B. */
  onPremisesUserPrincipalName?: string | null;
  /** Given name (at most 64 characters). */
  givenName?: string | null;
  /** Surname (at most 64 characters). */
  surname?: string | null;
  /** Company name (at most 64 characters). */
  companyName?: string | null;
  /** Department (at most 64 characters). */
  department?: string | null;
  /** Job title (at most 128 characters). */
  jobTitle?: string | null;
  /** Two-letter country code (upper-cased); not nullable once set, as in Graph. */
  usageLocation?: string | null;
  /** Object ids of the sponsors. */
  sponsors?: string[];
  /** Emulator-only: names of directory roles the user holds (an app-only reset of such a user is refused). */
  directoryRoles?: string[];
  /** Emulator-only: the user has a mailbox (its `mail` cannot be changed to an external address). */
  hasMailbox?: boolean;
}

/** What the directory stores for a seeded user beyond {@link EmulatedUser}. */
export interface SeededFields {
  directoryRoles: string[];
  hasMailbox: boolean;
}

/** A GUID (object ids). */
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CREATION_TYPES = ["Invitation", "LocalAccount", "EmailVerified", "SelfServiceSignUp"];
/** Maximum lengths of the user's string properties (user resource). */
export const MAX_LENGTH: Record<string, number> = {
  displayName: 256,
  givenName: 64,
  surname: 64,
  companyName: 64,
  department: 64,
  jobTitle: 128,
};
const ALLOWED = new Set([
  "id",
  "displayName",
  "userPrincipalName",
  "mail",
  "proxyAddresses",
  "otherMails",
  "userType",
  "creationType",
  "accountEnabled",
  ...REDEMPTION_STATE_PROPERTIES,
  "createdDateTime",
  "deletedDateTime",
  "onPremisesUserPrincipalName",
  ...USER_PROFILE_PROPERTIES,
  "sponsors",
  "directoryRoles",
  "hasMailbox",
]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Graph's message for a bad value, naming the property. */
export function invalidValue(prop: string): GraphError {
  return badRequest(`Invalid value specified for property '${prop}' of resource 'User'.`, "Request_BadRequest");
}

/** The address of a proxy address `smtp:a@b` (any case of the prefix), lower-cased; undefined for other kinds (x500:, sip:). */
export function smtpAddress(proxy: string): string | undefined {
  return /^smtp:/i.test(proxy) ? proxy.slice(5).toLowerCase() : undefined;
}

function isTime(v: unknown): v is string {
  return typeof v === "string" && !Number.isNaN(Date.parse(v));
}

/**
 * Validates a seed object and returns the user to store (without uniqueness checks, which need
 * the directory). `isEmail` is the invitation manager's address rule; `guestUpn` makes a guest's UPN.
 */
export function parseSeedUser(
  body: unknown,
  now: number,
  isEmail: (s: string) => boolean,
  guestUpn: (mail: string) => string,
  graphTime: (ms: number) => string,
): EmulatedUser & SeededFields {
  if (!isObject(body))
    throw badRequest("Unable to read JSON request payload: a 'microsoft.graph.user' object was expected.");
  for (const k of Object.keys(body)) {
    if (k.startsWith("@odata.")) continue;
    if (!ALLOWED.has(k)) {
      throw badRequest(
        `The property '${k}' does not exist on type 'microsoft.graph.user' (or cannot be seeded). Make sure to only use property names that are defined by the type.`,
      );
    }
  }
  const str = (
    k: string,
    opts: { nullable: boolean; max?: number } = { nullable: true },
  ): string | null | undefined => {
    const v = body[k];
    if (v === undefined) return undefined;
    if (v === null) {
      if (!opts.nullable) throw invalidValue(k);
      return null;
    }
    if (typeof v !== "string" || (opts.max !== undefined && v.length > opts.max)) throw invalidValue(k);
    return v;
  };
  const strings = (k: string, each: (s: string) => boolean): string[] | undefined => {
    const v = body[k];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || !v.every((x): x is string => typeof x === "string" && each(x))) throw invalidValue(k);
    return [...v];
  };

  const id = str("id", { nullable: false }) ?? randomUUID();
  if (!GUID.test(id)) throw invalidValue("id");
  const displayName = str("displayName", { nullable: false, max: 256 });
  if (!displayName || !displayName.trim())
    throw badRequest(
      "Invalid request: 'displayName' is a required property and cannot be empty.",
      "Request_BadRequest",
    );

  const mail = str("mail") ?? null;
  if (mail !== null && !isEmail(mail)) throw invalidValue("mail");
  const otherMails = strings("otherMails", isEmail) ?? [];
  const proxyAddresses =
    strings(
      "proxyAddresses",
      (s) => /^[A-Za-z0-9]+:\S+$/.test(s) && (smtpAddress(s) === undefined || isEmail(s.slice(5))),
    ) ?? (mail ? [`SMTP:${mail}`] : []);
  if (proxyAddresses.filter((p) => p.startsWith("SMTP:")).length > 1) {
    throw badRequest(
      "Invalid value specified for property 'proxyAddresses' of resource 'User': at most one primary 'SMTP:' address.",
      "Request_BadRequest",
    );
  }
  if (new Set(proxyAddresses.map((p) => p.toLowerCase())).size !== proxyAddresses.length)
    throw invalidValue("proxyAddresses");

  const creationRaw = str("creationType");
  let creationType: string | null = null;
  if (creationRaw) {
    const known = CREATION_TYPES.find((c) => c.toLowerCase() === creationRaw.toLowerCase());
    if (!known) throw invalidValue("creationType");
    creationType = known;
  }
  const invited = creationType === "Invitation";

  const typeRaw = str("userType", { nullable: false });
  let userType: "Member" | "Guest" = invited ? "Guest" : "Member";
  if (typeRaw !== undefined) {
    const t = (typeRaw ?? "").toLowerCase();
    if (t !== "member" && t !== "guest") throw invalidValue("userType");
    userType = t === "guest" ? "Guest" : "Member";
  }

  const stateRaw = str("externalUserState");
  let externalUserState: "PendingAcceptance" | "Accepted" | null = invited ? "PendingAcceptance" : null;
  if (stateRaw !== undefined) {
    if (stateRaw === null) externalUserState = null;
    else if (stateRaw.toLowerCase() === "pendingacceptance") externalUserState = "PendingAcceptance";
    else if (stateRaw.toLowerCase() === "accepted") externalUserState = "Accepted";
    else throw invalidValue("externalUserState");
  }
  const changeRaw = body.externalUserStateChangeDateTime;
  if (changeRaw !== undefined && changeRaw !== null && !isTime(changeRaw))
    throw invalidValue("externalUserStateChangeDateTime");
  const createdRaw = body.createdDateTime;
  if (createdRaw !== undefined && !isTime(createdRaw)) throw invalidValue("createdDateTime");
  const deletedRaw = body.deletedDateTime;
  if (deletedRaw !== undefined && deletedRaw !== null && !isTime(deletedRaw)) throw invalidValue("deletedDateTime");

  let upn = str("userPrincipalName", { nullable: false });
  if (upn === undefined) {
    if (!invited || !mail) {
      throw badRequest(
        "Invalid request: 'userPrincipalName' is a required property (it may be left out only for creationType 'Invitation' with a 'mail').",
        "Request_BadRequest",
      );
    }
    upn = guestUpn(mail);
  }
  const at = (upn ?? "").lastIndexOf("@");
  if (
    !upn ||
    at <= 0 ||
    /\s/.test(upn) ||
    !/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(upn.slice(at + 1))
  ) {
    throw invalidValue("userPrincipalName");
  }

  const accountEnabled = body.accountEnabled ?? true;
  if (typeof accountEnabled !== "boolean") throw invalidValue("accountEnabled");
  const hasMailbox = body.hasMailbox ?? false;
  if (typeof hasMailbox !== "boolean") throw invalidValue("hasMailbox");
  if (hasMailbox && !mail)
    throw badRequest("A user with a mailbox ('hasMailbox': true) needs a 'mail'.", "Request_BadRequest");

  const usageLocation = str("usageLocation");
  if (usageLocation && !/^[A-Za-z]{2}$/.test(usageLocation)) throw invalidValue("usageLocation");
  const text = (k: string): string | null => {
    const v = str(k, { nullable: true, max: MAX_LENGTH[k] });
    return v ?? null;
  };
  const sponsors = (strings("sponsors", (s) => GUID.test(s)) ?? []).map((s) => s.toLowerCase());
  const directoryRoles = strings("directoryRoles", (s) => s.trim().length > 0) ?? [];
  const onPrem = str("onPremisesUserPrincipalName") ?? null;

  const created = typeof createdRaw === "string" ? graphTime(Date.parse(createdRaw)) : graphTime(now);
  return {
    id: id.toLowerCase(),
    displayName,
    mail,
    otherMails,
    proxyAddresses,
    userPrincipalName: upn,
    userType,
    externalUserState,
    externalUserStateChangeDateTime:
      typeof changeRaw === "string" ? graphTime(Date.parse(changeRaw)) : externalUserState ? graphTime(now) : null,
    creationType,
    accountEnabled,
    givenName: text("givenName"),
    surname: text("surname"),
    companyName: text("companyName"),
    department: text("department"),
    jobTitle: text("jobTitle"),
    usageLocation: usageLocation ? usageLocation.toUpperCase() : null,
    onPremisesUserPrincipalName: onPrem,
    createdDateTime: created,
    deletedDateTime: typeof deletedRaw === "string" ? graphTime(Date.parse(deletedRaw)) : null,
    sponsors,
    directoryRoles,
    hasMailbox,
  };
}
