/**
 * Public types of the local Microsoft Graph emulator (`pulumi-entra-invitation/emulator`).
 * Re-exported from `index.ts`; other modules import them from here to avoid import cycles.
 */
import type { SeedUser } from "./seed";

/** Options of {@link startEmulator}. Everything that makes the emulator "realistic" is off by default. */
export interface EmulatorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Added delay per Graph request (fixed, or uniform between min and max). Default 0. */
  latencyMs?:
    | number
    | {
        /** Shortest delay, ms. */
        min: number;
        /** Longest delay, ms. */
        max: number;
      };
  /** "graph" applies Graph's documented limits (invitations 150/5 s per tenant, users resource units). Default "off". */
  throttle?: "graph" | "off";
  /** Injected faults by rate, e.g. "503=0.05,504=0.02,reset=0.01,drop=0.02,429=0.01". Default none. */
  faults?: string | FaultRates;
  /** New users answer 404 on /users/{id} for this many ms after the invitation created them. Default 0. */
  replicationLagMs?: number;
  /** Keep the directory in this JSON file between runs (loaded at start, saved on change and on close). */
  statePath?: string;
  /** Directory of the CA (ca.pem / ca-key.pem); default process.env.ENTRA_EMULATOR_CA_DIR, else a fresh temp dir. */
  caDir?: string;
  /** Tenant id of the emulated tenant (default a fixed GUID). */
  tenantId?: string;
  /** Client id of the default app registration (default a fixed GUID). */
  clientId?: string;
  /** Client secret of the default app registration (default random per start). */
  clientSecret?: string;
  /** Lifetime of issued access tokens. Default 3600. */
  tokenLifetimeSeconds?: number;
  /** Seed of the PRNG used for faults and latency (default random). */
  seed?: number;
  /**
   * Properties whose `$filter` clauses `GET /users` refuses with 400 Request_UnsupportedQuery, as a
   * tenant that does not serve them without advanced query would (e.g. `["proxyAddresses"]`). The
   * docs leave open which a tenant serves (graph-facts, open questions 1-2: `any` on collections, `or`
   * across properties), so tests of what a client does on such a refusal switch it on. Default none. It only ever refuses more.
   */
  refuseFilterOn?: string[];
}

/** Probability (0..1) per Graph request of each injected fault. */
export interface FaultRates {
  /** Answer 429 Too Many Requests (with `Retry-After`) instead of doing the work. */
  "429"?: number;
  /** Answer 503 Service Unavailable instead of doing the work. */
  "503"?: number;
  /** Answer 504 Gateway Timeout instead of doing the work. */
  "504"?: number;
  /** Destroy the socket without a response, before the request is performed. */
  reset?: number;
  /** "Commit then drop": perform the request, then destroy the socket without a response. */
  drop?: number;
  /** Top-level $batch only: run the batch, then answer its envelope with 424 (still carrying `responses`). */
  batch424?: number;
}

/** One entry of the request log (Graph and token requests; admin calls are not logged). */
export interface RequestLogEntry {
  /** Position in the log, increasing from 1 (kept across {@link RunningEmulator.clearRequests}). */
  seq: number;
  /** ISO time the request arrived. */
  time: string;
  /** HTTP method, e.g. `POST`. */
  method: string;
  /** Path including the query, as sent, e.g. /v1.0/users/ID?$select=a,b. Batch sub-requests get the /v1.0 prefix. */
  path: string;
  /** HTTP status answered; 0 when the connection was reset without an answer. */
  status: number;
  /** Parsed JSON request body (token requests: the form without the secret). */
  body?: unknown;
  /** The batch request id when this was a $batch sub-request. */
  inBatch?: string;
  /** The injected fault: "429" | "503" | "504" | "reset" | "drop" | "batch424". Throttling is not a fault (status 429 without fault). */
  fault?: string;
}

/** A user of the emulated directory, as the admin API and {@link RunningEmulator.users} return it. */
export interface EmulatedUser {
  /** Object id. */
  id: string;
  /** Display name. */
  displayName: string;
  /** Email address (the invited address for guests). */
  mail: string | null;
  /** Other addresses of the user; an invitation finds a user by these too. */
  otherMails: string[];
  /** Mail addresses of the user: `SMTP:` the primary (follows `mail`), `smtp:` secondary ones; an invitation finds a user by these too. */
  proxyAddresses: string[];
  /** For guests `local_domain#EXT#@` + the tenant's domain, as Graph makes it. */
  userPrincipalName: string;
  /** `Guest` or `Member`. */
  userType: "Guest" | "Member";
  /** Redemption state; null for users that were not invited. */
  externalUserState: "PendingAcceptance" | "Accepted" | null;
  /** When `externalUserState` last changed (ISO time). */
  externalUserStateChangeDateTime: string | null;
  /** `Invitation` for invited users. */
  creationType: string | null;
  /** False once disabled (e.g. by `onDelete: disable`). */
  accountEnabled: boolean;
  /** First name. */
  givenName: string | null;
  /** Last name. */
  surname: string | null;
  /** Company name. */
  companyName: string | null;
  /** Department. */
  department: string | null;
  /** Job title. */
  jobTitle: string | null;
  /** Two-letter country code. */
  usageLocation: string | null;
  /** Set for users synced from on-premises; such a user cannot be converted to B2B by an invitation. */
  onPremisesUserPrincipalName: string | null;
  /** When the user was created (ISO time). */
  createdDateTime: string;
  /** When the user was soft-deleted (ISO time); null unless in the recycle bin. */
  deletedDateTime: string | null;
  /** Object ids of the sponsors. */
  sponsors: string[];
}

/** A started emulator. */
export interface RunningEmulator {
  /** "https://localhost:PORT" (no trailing slash, no /v1.0). */
  graphUrl: string;
  /** "https://localhost:PORT": the authorityHost for @azure/identity. */
  authorityHost: string;
  /** Tenant id of the emulated tenant (lower case). */
  tenantId: string;
  /** Client id of the default app registration (roles `User.Invite.All`, `User.ReadWrite.All`). */
  clientId: string;
  /** Client secret of the default app registration. */
  clientSecret: string;
  /** PEM file of the CA that signed the server certificate (for NODE_EXTRA_CA_CERTS). */
  caCertPath: string;
  /** The TCP port it listens on (127.0.0.1 and ::1). */
  port: number;
  /** Register another app (e.g. least privilege ["User.Invite.All"], or in another tenant). */
  addClient(opts: { roles: string[]; tenantId?: string }): {
    /** The new app's client id. */
    clientId: string;
    /** The new app's client secret. */
    clientSecret: string;
  };
  /** The request log (same data as GET /_emulator/requests). */
  requests(): RequestLogEntry[];
  /** Empty the request log. */
  clearRequests(): void;
  /** Empty the directory, the log and the throttling windows. */
  reset(): void;
  /** The guest accepts the invitation: externalUserState "Accepted", change time set. */
  redeem(userId: string): void;
  /** Replace the injected fault rates (`undefined`: none), as {@link EmulatorOptions.faults}. */
  setFaults(f: string | FaultRates | undefined): void;
  /** Change the added latency per Graph request, as {@link EmulatorOptions.latencyMs}. */
  setLatency(ms: number | { min: number; max: number }): void;
  /** Turn Graph's throttling on (`graph`) or off. */
  setThrottle(t: "graph" | "off"): void;
  /** Change the replication lag of new users, as {@link EmulatorOptions.replicationLagMs}. */
  setReplicationLag(ms: number): void;
  /**
   * Seeds a user as a Graph user object (same as POST /_emulator/users): an internal member, a
   * guest whose address is only in `proxyAddresses` or its UPN, a disabled or soft-deleted guest,
   * a guest holding a directory role. Validated as Graph validates these properties (a bad one is a
   * GraphError naming it); returns the created user with its `id`.
   */
  addUser(user: SeedUser): EmulatedUser;
  /** The users of the directory; soft-deleted ones only with `includeDeleted`. */
  users(opts?: { includeDeleted?: boolean }): EmulatedUser[];
  /** Stop listening, drop open connections, save the state file. */
  close(): Promise<void>;
}
