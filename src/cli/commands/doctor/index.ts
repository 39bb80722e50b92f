/**
 * `entra-guests doctor`: a read-only check of a pipeline's Graph setup before its first `up`.
 * It resolves the settings as the provider does (src/graph/settings.ts) and says where each came
 * from, gets a token with the real credential (src/graph/credential.ts), reads the app roles the
 * token carries (the JWT's `roles` claim, or `scp` for a signed-in user; the token itself is never
 * printed), and asks Graph whether this tenant accepts the queries the provider sends: the
 * "already invited" lookup filter and `$expand=extensions`, each as `GET /users ... $top=1`.
 * It sends no write, ever: every Graph request it makes is a GET.
 *
 * The pure parts (where a setting came from, what a missing role disables, what an answer means)
 * are exported and tested with tables; `run` does the I/O.
 */
import type { AccessToken, TokenCredential } from "@azure/identity";
import {
  createCredential,
  createTransport,
  GraphResponse,
  GraphSettings,
  isTransientNetworkError,
  lookupClauses,
  lookupFilter as graphLookupFilter,
  resolveSettings,
} from "../../../graph";
import { INVITED_FILTER } from "../orphans/orphans";
import { CliError, CliIO, Command, EXIT_FAILURE, oneLine, stringFlag } from "../../command";
import { runPulumiForStack } from "../../pulumi";

const HELP = `Usage: entra-guests doctor [flags]

Checks, without changing anything, that this pipeline can run the provider: where the credentials
come from, the cloud and its endpoints, that a token is issued, which app roles (permissions) the
token carries and what each missing one disables, and whether this tenant accepts the queries the
provider sends (the "already invited" lookup filter and $expand=extensions). Every request it sends
to Graph is a GET with $top=1; it never writes.

Exit code 0 when all is well; 1 with one line per problem on stderr, each naming the fix.

Flags:
  --stack NAME   also read the stack's config ('pulumi config --json --show-secrets --stack NAME'
                 run here), as the provider does: entra:* first, then azuread:*, then the environment
  --json         print the report as JSON (problems included) instead of lines
  -h, --help     this help

Credentials, in the provider's order: stack config entra:* (with --stack), then azuread:*, then the
environment (ENTRA_GRAPH_ENDPOINT / ENTRA_AUTHORITY_HOST, ARM_TENANT_ID, ARM_CLIENT_ID with
ARM_CLIENT_SECRET, ARM_CLIENT_CERTIFICATE_PATH or ARM_USE_OIDC, ARM_USE_MSI, ARM_ENVIRONMENT), else
DefaultAzureCredential (AZURE_* variables, workload identity, managed identity, Azure CLI).

Examples:
  entra-guests doctor
  entra-guests doctor --stack prod --json
`;

/** The lookup before a create, as the documentation's "already invited" query has it: the provider's own. */
export const lookupFilter = (address: string): string => graphLookupFilter(address);

/** The lookup's fallback when a tenant refuses the documented one: the properties every tenant filters on. */
export const fallbackFilter = (address: string): string => graphLookupFilter(address, false);

export { lookupClauses };

/** The address the probes look for: no user has it (`.invalid` is reserved), so nothing real is read. */
export const PROBE_ADDRESS = "entra-guests-doctor@example.invalid";

/** One permission the provider needs, the roles that grant it, and what it is needed for. */
export interface Requirement {
  /** The least-privileged application permission. */
  role: string;
  /** Any of these roles grants it (the least-privileged first). */
  grantedBy: readonly string[];
  /** What does not work without it. */
  disables: string;
}

/** What the provider needs (least privilege per Graph's permission tables: invitation-post, user-get/list, user-update/delete, opentypeextension-post). */
export const REQUIREMENTS: readonly Requirement[] = [
  {
    role: "User.Invite.All",
    grantedBy: ["User.Invite.All", "User.ReadWrite.All", "Directory.ReadWrite.All"],
    disables: "invitations (every create)",
  },
  {
    role: "User.Read.All",
    grantedBy: ["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
    disables:
      "the lookup before a create (adopting existing guests) and refresh (drift), entra-guests export and orphans",
  },
  {
    role: "User.ReadWrite.All",
    grantedBy: ["User.ReadWrite.All", "Directory.ReadWrite.All"],
    disables:
      "ownership marks, userProperties updates, redemption resets (email changes, replacements), onDelete delete and disable, orphans --apply",
  },
];

/** One requirement checked against the token's roles. */
export interface PermissionCheck extends Requirement {
  granted: boolean;
  /** The token's role that grants it, if any. */
  via?: string;
}

/** Each requirement, granted or not by `roles` (case-insensitive, as Graph compares permission names). Pure. */
export function checkPermissions(roles: readonly string[]): PermissionCheck[] {
  const have = new Map(roles.map((r) => [r.toLowerCase(), r]));
  return REQUIREMENTS.map((req) => {
    const via = req.grantedBy.map((r) => have.get(r.toLowerCase())).find((r): r is string => r !== undefined);
    return { ...req, granted: via !== undefined, ...(via ? { via } : {}) };
  });
}

/** The claims doctor reads from an access token (never the token itself). */
export interface TokenFacts {
  /** Application permissions (`roles`). */
  roles: string[];
  /** Delegated permissions (`scp`), for a signed-in user (Azure CLI). */
  scopes: string[];
  tenantId?: string;
  appId?: string;
  /** Seconds since the epoch. */
  expiresOn?: number;
}

/** The claims of a JWT access token; undefined when it is not a readable JWT (e.g. encrypted). Pure. */
export function readToken(token: string): TokenFacts | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!claims || typeof claims !== "object") return undefined;
  const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);
  return {
    roles: Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === "string") : [],
    scopes: typeof claims.scp === "string" ? claims.scp.split(" ").filter(Boolean) : [],
    tenantId: str(claims.tid),
    appId: str(claims.appid) ?? str(claims.azp),
    expiresOn: typeof claims.exp === "number" ? claims.exp : undefined,
  };
}

/** Where each setting came from: the key that supplied it (`entra:clientId`, `ARM_CLIENT_ID`, ...), in the order read. */
export type Provenance = string[];

/** The row of the resolution order a key belongs to. Pure. */
export function rowOf(key: string): string {
  if (key.startsWith("entra:")) return "stack config entra:*";
  if (key.startsWith("azuread:")) return "stack config azuread:*";
  if (key.startsWith("ARM_")) return "environment ARM_*";
  if (key.startsWith("ENTRA_")) return "environment ENTRA_*";
  if (/^(ACTIONS_ID_TOKEN_|SYSTEM_OIDC|SYSTEM_ACCESSTOKEN|AZURESUBSCRIPTION_)/.test(key))
    return "the CI's OIDC variables";
  return `environment ${key}`;
}

/** Settings keys by what they set (as settings.ts reads them), for the report. */
const CREDENTIAL_KEYS =
  /tenantid|clientid|clientsecret|clientcertificate|useoidc|oidc|usemsi|^ARM_TENANT_ID$|^ARM_CLIENT_|^ARM_USE_|^ARM_OIDC|^ACTIONS_ID_TOKEN|^SYSTEM_OIDC|^SYSTEM_ACCESSTOKEN$|^AZURESUBSCRIPTION_SERVICE|^AZURE_FEDERATED_TOKEN_FILE$/i;
const ENDPOINT_KEYS =
  /environment$|graphendpoint$|authorityhost$|^ARM_ENVIRONMENT$|^ENTRA_GRAPH_ENDPOINT$|^ENTRA_AUTHORITY_HOST$|^AZURE_AUTHORITY_HOST$/i;

/** The credential's row as a reader wants it: the kind and the keys it came from. Pure. */
export function describeCredential(
  settings: GraphSettings,
  provenance: Provenance,
): { kind: string; row: string; from: string[] } {
  const c = settings.credential;
  const from = provenance.filter((k) => CREDENTIAL_KEYS.test(k) && !/password/i.test(k));
  const used = from.filter((k) => {
    if (c.kind === "default") return false;
    if (c.kind === "clientSecret")
      return !/certificate|oidc|msi/i.test(k) && !/^AZURE_FEDERATED|^ACTIONS|^SYSTEM|^AZURESUB/.test(k);
    if (c.kind === "clientCertificate")
      return !/secret|oidc|msi/i.test(k) && !/^AZURE_FEDERATED|^ACTIONS|^SYSTEM|^AZURESUB/.test(k);
    if (c.kind === "oidc") return !/secret|certificate|msi/i.test(k);
    return /msi|clientid/i.test(k);
  });
  if (c.kind === "default") {
    return {
      kind: "DefaultAzureCredential",
      row: "DefaultAzureCredential (no complete entra:*, azuread:* or ARM_* credentials)",
      from: [],
    };
  }
  const rows = [...new Set(used.map(rowOf))];
  return { kind: c.source, row: rows.join(" + ") || "environment", from: used };
}

/** The keys that set the endpoints (cloud, Graph, authority). Pure. */
export function endpointKeys(provenance: Provenance): string[] {
  return provenance.filter((k) => ENDPOINT_KEYS.test(k));
}

/** One GET doctor sent and what Graph answered. */
export interface QueryProbe {
  /** What it checks, e.g. `lookup filter`. */
  name: string;
  /** `GET /users?...` as sent (the probe address only, no ids). */
  request: string;
  /** HTTP status; 0 when no answer arrived. */
  status: number;
  accepted: boolean;
  /** Graph's `error.code` when refused. */
  code?: string;
  message?: string;
}

/** One thing that stops the provider, with its fix. */
export interface Problem {
  /** Stable id for machines: `settings`, `token`, `permission:User.ReadWrite.All`, `query:lookup`, ... */
  id: string;
  /** What is wrong and where. */
  message: string;
  /** What to do. */
  fix: string;
}

/** What `--json` prints. */
export interface DoctorReport {
  ok: boolean;
  credential?: { kind: string; row: string; from: string[] };
  cloud?: string;
  graphEndpoint?: string;
  authorityHost?: string;
  endpointsFrom?: string[];
  token?: {
    obtained: boolean;
    tenantId?: string;
    appId?: string;
    roles: string[];
    scopes: string[];
    expiresOn?: string;
  };
  permissions?: PermissionCheck[];
  queries: QueryProbe[];
  problems: Problem[];
}

/** Why a token request failed, as one problem with its fix. Pure (reads the error's message and code only). */
export function tokenProblem(err: unknown, settings: GraphSettings): Problem {
  const msg = oneLine(err instanceof Error ? err.message : String(err), 300);
  const at = settings.authorityHost;
  const code = /AADSTS(\d+)/.exec(msg)?.[1];
  const c = settings.credential;
  const secretKey = "ARM_CLIENT_SECRET / entra:clientSecret / azuread:clientSecret";
  const fixes: Record<string, string> = {
    "7000215": `the client secret is wrong: set ${secretKey} to the secret's Value (not its Secret ID), or create a new secret for the app`,
    "7000222": `the client secret has expired: create a new secret for the app and set ${secretKey}`,
    "700016":
      "the app is not in this tenant: check ARM_CLIENT_ID / entra:clientId and ARM_TENANT_ID / entra:tenantId (the app's directory), and that an admin consented to it there",
    "90002":
      "the tenant does not exist in this cloud: check ARM_TENANT_ID / entra:tenantId and ARM_ENVIRONMENT / entra:environment",
    "900023": "the tenant id is not a tenant id or domain: check ARM_TENANT_ID / entra:tenantId",
    "7000216": `no secret was sent: set ${secretKey}`,
    "700027":
      "the client certificate or federated token was refused: check that the certificate (its thumbprint) or the federated credential is registered on the app",
    "70021":
      "no federated credential of the app matches this pipeline's token: add one for its subject (branch, environment) to the app registration",
  };
  if (code && fixes[code]) return { id: "token", message: `no token from ${at}: AADSTS${code}`, fix: fixes[code] };
  // MSAL's endpoints_resolution_error: it could not read the authority's OpenID configuration (no answer, or not a login endpoint).
  if (
    isTransientNetworkError(err) ||
    /ENOTFOUND|ECONNREFUSED|EHOSTUNREACH|ETIMEDOUT|getaddrinfo|network|socket|connect|endpoints_resolution_error/i.test(
      msg,
    )
  ) {
    return {
      id: "token",
      message: `cannot reach the authority ${at}, or it is not a login endpoint (${msg})`,
      fix: "check ENTRA_AUTHORITY_HOST / entra:authorityHost and ARM_ENVIRONMENT / entra:environment, the network, the proxy (HTTPS_PROXY) and, for a custom endpoint, NODE_EXTRA_CA_CERTS",
    };
  }
  if (c.kind === "default") {
    return {
      id: "token",
      message: `DefaultAzureCredential found no credential (${msg})`,
      fix: "set ARM_TENANT_ID, ARM_CLIENT_ID and ARM_CLIENT_SECRET (or a certificate, or ARM_USE_OIDC in CI), or sign in with 'az login'",
    };
  }
  return {
    id: "token",
    message: `no token from ${at} (${msg})`,
    fix: "check the credential settings (ARM_TENANT_ID, ARM_CLIENT_ID, the secret, certificate or OIDC settings) and the cloud",
  };
}

/** What a probe's answer means; a problem unless Graph accepted it. `readMissing` when the token lacks User.Read.All (already a problem of its own). Pure. */
export function probeProblem(
  p: QueryProbe,
  o: { readMissing: boolean; graphEndpoint: string; refusedClauses?: string[]; fallbackAccepted?: boolean },
): Problem | undefined {
  if (p.accepted) return undefined;
  const answer = `${p.status} ${p.code ?? ""}`.trim();
  if (p.status === 403 && o.readMissing) return undefined;
  if (p.status === 403) {
    return {
      id: "permission:read",
      message: `${p.request} was refused (${answer}) although the token carries a read role`,
      fix: "grant User.Read.All (application) with admin consent; for a signed-in user (Azure CLI) a directory role that may read users (e.g. Directory Readers)",
    };
  }
  if (p.status === 401) {
    return {
      id: "token",
      message: `Graph refused the token (${answer}: ${p.message ?? ""})`,
      fix: "check that ARM_TENANT_ID / entra:tenantId is the tenant of the app, that the endpoints are of one cloud (ARM_ENVIRONMENT / entra:environment, ENTRA_GRAPH_ENDPOINT) and that the clock is right",
    };
  }
  if (p.status === 0) {
    return {
      id: "graph",
      message: `cannot reach Graph at ${o.graphEndpoint} (${p.message ?? "no answer"})`,
      fix: "check ENTRA_GRAPH_ENDPOINT / entra:graphEndpoint and ARM_ENVIRONMENT / entra:environment, the network and the proxy (HTTPS_PROXY)",
    };
  }
  if (p.status === 429 || p.status >= 500) {
    return {
      id: `query:${p.name}`,
      message: `${p.name}: could not be checked, Graph answered ${answer}`,
      fix: "run entra-guests doctor again in a minute",
    };
  }
  // 400: the tenant refused the query itself.
  if (p.name === "lookup filter") {
    const which = o.refusedClauses?.length
      ? `refused ${o.refusedClauses.join(", ")}`
      : "refused the combination with 'or' (each clause alone is accepted)";
    const then = o.fallbackAccepted
      ? "the provider falls back to mail eq / otherMails/any, which does not see a user whose address is only in its userPrincipalName or proxyAddresses, so inviting such an address may return that user"
      : "its fallback (mail eq / otherMails/any) is refused too, so every create fails before it invites";
    return {
      id: "query:lookup",
      message: `this tenant ${which} in the "already invited" lookup (${answer}: ${oneLine(p.message ?? "", 200)}); ${then}`,
      fix: o.fallbackAccepted
        ? "before inviting an address that may already be on a user, find that user (entra-guests export) and declare it with its address so it is adopted; please report this answer (docs/doctor.md)"
        : "none in the settings: report this line (docs/doctor.md); until then create guests by hand and adopt them",
    };
  }
  if (p.name.includes("$expand=extensions")) {
    return {
      id: "query:expand",
      message: `this tenant refused ${p.name} (${answer}: ${oneLine(p.message ?? "", 200)}): the provider reads ownership marks through it, so adoption cannot tell its own guests and entra-guests orphans cannot list them`,
      fix: "none in the settings: report this line (docs/doctor.md); until then keep onDelete: retain so that no guest is removed on a guess",
    };
  }
  return {
    id: `query:${p.name}`,
    message: `this tenant refused ${p.name} (${answer}: ${oneLine(p.message ?? "", 200)})`,
    fix: "report this line (docs/doctor.md)",
  };
}

/** The report as lines for people: the checks on stdout, then one line per problem. Pure. */
export function formatReport(r: DoctorReport): { stdout: string; stderr: string } {
  const out: string[] = [];
  if (r.credential)
    out.push(
      `credential  ${r.credential.kind} from ${r.credential.row}${r.credential.from.length ? ` (${r.credential.from.join(", ")})` : ""}`,
    );
  if (r.graphEndpoint)
    out.push(
      `cloud       ${r.cloud}: Graph ${r.graphEndpoint}, authority ${r.authorityHost}${r.endpointsFrom?.length ? ` (${r.endpointsFrom.join(", ")})` : " (the default)"}`,
    );
  if (r.token) {
    if (r.token.obtained) {
      out.push(
        `token       issued by ${r.authorityHost}${r.token.tenantId ? ` for tenant ${r.token.tenantId}` : ""}${r.token.appId ? `, app ${r.token.appId}` : ""}`,
      );
      out.push(
        `roles       ${r.token.roles.length ? r.token.roles.join(", ") : "none"}${r.token.scopes.length ? `; delegated scopes ${r.token.scopes.join(", ")}` : ""}`,
      );
    } else {
      out.push("token       not issued");
    }
  }
  for (const p of r.permissions ?? [])
    out.push(
      `${p.granted ? "ok     " : "MISSING"}     ${p.role}${p.granted && p.via !== p.role ? ` (through ${p.via})` : ""}: ${p.granted ? "for" : "disables"} ${p.disables}`,
    );
  for (const q of r.queries)
    out.push(
      `${q.accepted ? "ok     " : "REFUSED"}     ${q.name}: ${q.request} → ${q.status}${q.code ? ` ${q.code}` : ""}`,
    );
  out.push(
    r.ok
      ? "All checks passed: nothing was changed."
      : `${r.problems.length} problem${r.problems.length === 1 ? "" : "s"}: nothing was changed.`,
  );
  const err = r.problems.map((p) => `entra-guests doctor: ${oneLine(p.message, 700)}: fix: ${oneLine(p.fix, 400)}\n`);
  return { stdout: out.map((l) => `${l}\n`).join(""), stderr: err.join("") };
}

/** Records which config keys and environment variables (with a value) the settings were read from, in the order read. */
export function recordingSources(
  config: (key: string) => string | undefined,
  env: Record<string, string | undefined>,
): { config: (key: string) => string | undefined; env: Record<string, string | undefined>; provenance: Provenance } {
  const provenance: Provenance = [];
  const note = (k: string): void => {
    if (!provenance.includes(k)) provenance.push(k);
  };
  const recordedEnv = new Proxy(env, {
    get(target, key) {
      const v = Reflect.get(target, key) as unknown;
      if (typeof key === "string" && typeof v === "string" && v) note(key);
      return v;
    },
  });
  return {
    config: (k) => {
      const v = config(k);
      if (v) note(k);
      return v;
    },
    env: recordedEnv,
    provenance,
  };
}

/** The stack's config as `pulumi config --json --show-secrets --stack NAME` prints it, as a getter. */
function stackConfig(stack: string, io: CliIO): (key: string) => string | undefined {
  const stdout = runPulumiForStack(stack, io, {
    command: ["config"],
    flags: ["--json", "--show-secrets"],
    withoutCli: "run without --stack (environment only)",
  });
  let parsed: Record<string, { value?: unknown }>;
  try {
    parsed = JSON.parse(stdout) as Record<string, { value?: unknown }>;
  } catch {
    throw new CliError(
      `'pulumi config --json --stack ${stack}' did not print JSON: check the Pulumi CLI's version (3.x)`,
    );
  }
  return (key) => {
    const v = parsed[key]?.value;
    return typeof v === "string" && v ? v : typeof v === "boolean" || typeof v === "number" ? String(v) : undefined;
  };
}

/** A credential that hands out one token already obtained (so the probes need no second sign-in). */
function fixedToken(t: AccessToken): TokenCredential {
  return { getToken: () => Promise.resolve(t) };
}

/** Sends one probe; a network failure is status 0. */
async function probe(
  send: (path: string) => Promise<GraphResponse>,
  name: string,
  query: Record<string, string>,
): Promise<QueryProbe> {
  const qs = Object.entries(query)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join("&");
  const path = `/users?${qs}`;
  const request = `GET /users?${Object.entries(query)
    .map(([k, v]) => `${k}=${v}`)
    .join("&")}`;
  try {
    const res = await send(path);
    const err = (res.body as { error?: { code?: string; message?: string } } | undefined)?.error;
    const accepted = res.status >= 200 && res.status < 300;
    return {
      name,
      request,
      status: res.status,
      accepted,
      ...(accepted ? {} : { code: err?.code ?? `HTTP${res.status}`, message: err?.message }),
    };
  } catch (e) {
    return {
      name,
      request,
      status: 0,
      accepted: false,
      message: oneLine(
        e instanceof Error
          ? `${e.message}${(e as { cause?: Error }).cause ? ` (${(e as { cause?: Error }).cause?.message})` : ""}`
          : String(e),
        200,
      ),
    };
  }
}

/** Runs every check (I/O: the token endpoint and GETs to Graph) and builds the report. */
export async function diagnose(
  config: (key: string) => string | undefined,
  env: Record<string, string | undefined>,
): Promise<DoctorReport> {
  const report: DoctorReport = { ok: false, queries: [], problems: [] };
  const src = recordingSources(config, env);
  let settings: GraphSettings;
  try {
    settings = resolveSettings(src.config, src.env);
  } catch (e) {
    const msg = oneLine((e as Error).message);
    const [what, fix] = msg.includes(". ")
      ? [msg.slice(0, msg.indexOf(". ")), msg.slice(msg.indexOf(". ") + 2)]
      : [msg, "fix the setting named"];
    report.problems.push({ id: "settings", message: what, fix });
    return report;
  }
  report.credential = describeCredential(settings, src.provenance);
  report.cloud = settings.cloud;
  report.graphEndpoint = settings.graphEndpoint;
  report.authorityHost = settings.authorityHost;
  report.endpointsFrom = endpointKeys(src.provenance);

  const credential = createCredential(settings.credential, settings.authorityHost, env);
  let token: AccessToken | null;
  try {
    token = await credential.getToken(`${settings.graphEndpoint}/.default`);
    if (!token) throw new Error("the credential returned no token");
  } catch (e) {
    report.token = { obtained: false, roles: [], scopes: [] };
    report.problems.push(tokenProblem(e, settings));
    return report;
  }
  const facts = readToken(token.token);
  report.token = {
    obtained: true,
    roles: facts?.roles ?? [],
    scopes: facts?.scopes ?? [],
    ...(facts?.tenantId ? { tenantId: facts.tenantId } : {}),
    ...(facts?.appId ? { appId: facts.appId } : {}),
    ...(facts?.expiresOn ? { expiresOn: new Date(facts.expiresOn * 1000).toISOString() } : {}),
  };
  const delegated = (facts?.scopes.length ?? 0) > 0 && (facts?.roles.length ?? 0) === 0;
  report.permissions = checkPermissions(delegated ? facts!.scopes : (facts?.roles ?? []));
  if (!facts) {
    report.problems.push({
      id: "token",
      message: "the token is not a readable JWT, so its roles are unknown",
      fix: "check the permissions in the portal (App registrations > API permissions: User.Invite.All, User.Read.All, User.ReadWrite.All, admin-consented)",
    });
  } else {
    for (const p of report.permissions.filter((x) => !x.granted)) {
      report.problems.push({
        id: `permission:${p.role}`,
        message: `the token has no ${p.role}${delegated ? " (delegated scopes of a signed-in user)" : ""}: without it, ${p.disables} do not work`,
        fix: `grant the app the application permission ${p.role} on Microsoft Graph and an admin's consent (App registrations > API permissions), then get a new token (wait a few minutes)`,
      });
    }
  }
  const readMissing = !!facts && !report.permissions.find((p) => p.role === "User.Read.All")!.granted;

  const transport = createTransport({
    graphEndpoint: settings.graphEndpoint,
    credential: fixedToken(token),
    timeoutMs: 30_000,
  });
  const send = (path: string): Promise<GraphResponse> => transport.send({ method: "GET", path });
  const addProblem = (p: QueryProbe, extra: { refusedClauses?: string[]; fallbackAccepted?: boolean } = {}): void => {
    const problem = probeProblem(p, { readMissing, graphEndpoint: settings.graphEndpoint, ...extra });
    if (problem && !report.problems.some((x) => x.id === problem.id && x.message === problem.message))
      report.problems.push(problem);
  };

  const lookup = await probe(send, "lookup filter", { $filter: lookupFilter(PROBE_ADDRESS), $select: "id", $top: "1" });
  report.queries.push(lookup);
  if (lookup.status === 0 || lookup.status === 401) {
    addProblem(lookup);
    report.ok = report.problems.length === 0;
    return report;
  }
  let usedFilter = lookupFilter(PROBE_ADDRESS);
  if (lookup.status === 400) {
    const clauses: QueryProbe[] = [];
    for (const c of lookupClauses(PROBE_ADDRESS))
      clauses.push(await probe(send, `lookup clause ${c.name}`, { $filter: c.filter, $select: "id", $top: "1" }));
    report.queries.push(...clauses);
    const fallback = await probe(send, "lookup fallback filter", {
      $filter: fallbackFilter(PROBE_ADDRESS),
      $select: "id",
      $top: "1",
    });
    report.queries.push(fallback);
    addProblem(lookup, {
      refusedClauses: clauses.filter((c) => c.status === 400).map((c) => c.name.replace(/^lookup clause /, "")),
      fallbackAccepted: fallback.accepted,
    });
    if (fallback.accepted) usedFilter = fallbackFilter(PROBE_ADDRESS);
    else if (fallback.status !== 400) addProblem(fallback);
  } else {
    addProblem(lookup);
  }
  const expandLookup = await probe(send, "lookup with $expand=extensions", {
    $filter: usedFilter,
    $select: "id",
    $expand: "extensions",
    $top: "1",
  });
  const expandList = await probe(send, "orphans listing with $expand=extensions", {
    $filter: INVITED_FILTER,
    $select: "id",
    $expand: "extensions",
    $top: "1",
  });
  report.queries.push(expandLookup, expandList);
  addProblem(expandLookup);
  addProblem(expandList);
  report.ok = report.problems.length === 0;
  return report;
}

export const doctorCommand: Command = {
  name: "doctor",
  summary: "check, read-only, this pipeline's credentials, permissions and the queries the tenant accepts",
  help: HELP,
  options: {
    stack: { type: "string", short: "s" },
    json: { type: "boolean" },
  },
  async run(flags, io) {
    const stack = stringFlag(flags, "stack");
    if (stack !== undefined && !stack.trim()) throw new CliError("--stack needs a stack name, e.g. --stack prod");
    const config = stack !== undefined ? stackConfig(stack, io) : () => undefined;
    const report = await diagnose(config, io.env);
    if (flags.json) {
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      const text = formatReport(report);
      io.stdout.write(text.stdout);
      io.stderr.write(text.stderr);
    }
    return report.ok ? 0 : EXIT_FAILURE;
  },
};
