/**
 * What went wrong, in words: one classification of the failures users meet, used by the provider,
 * GuestList and the `entra-guests` CLI alike. {@link classify} maps any thrown error (fetch failures
 * with undici's `cause`, @azure/identity's AuthenticationError / CredentialUnavailableError,
 * EntraGraphError, the scheduler's DeadlineExceeded) to a {@link Failure}: its class, the host or
 * field it is about, the cause in words and the fix. {@link failureMessage} words it:
 *
 *   endpoint unreachable: https://127.0.0.1:8443 refused the connection (ECONNREFUSED: nothing listens there)
 *   Fix: start the endpoint or correct ENTRA_GRAPH_ENDPOINT / entra:graphEndpoint; ...
 *
 * Within one process the second and later failures of the same cause are one short line that points
 * to the first ({@link explain}). docs/troubleshooting.md lists every class, its message and the fix.
 * Pure, apart from the per-process registry of causes already reported.
 */
import { EntraGraphError } from "./errors";
import { processWide } from "../sdk";

export type FailureClass =
  "unreachable" | "tls" | "authority" | "credentials" | "permission" | "throttled" | "input" | "graph";

export interface Failure {
  class: FailureClass;
  /** The host (an origin such as `https://127.0.0.1:8443`), the request, or the field it is about. */
  where: string;
  /** The cause in words, read after `where`: "refused the connection". */
  cause: string;
  /** The code or text the cause was read from, e.g. `ECONNREFUSED: nothing listens there`. */
  detail?: string;
  /** What to do about it. */
  fix: string;
}

/** Each class as the head of its message. */
export const FAILURE_TITLES: Readonly<Record<FailureClass, string>> = {
  unreachable: "endpoint unreachable",
  tls: "TLS certificate not trusted",
  authority: "sign-in authority wrong",
  credentials: "credentials refused",
  permission: "permission missing",
  throttled: "Graph throttled beyond the deadline",
  input: "input refused",
  graph: "Graph call failed",
};

/** The whole story: `<title>: <where> <cause> (<detail>)` and a `Fix:` line. */
export function failureMessage(f: Failure): string {
  return `${FAILURE_TITLES[f.class]}: ${f.where} ${f.cause}${f.detail ? ` (${f.detail})` : ""}\nFix: ${f.fix}`;
}

/** The short line for the second and later failures of the same cause in a run. */
export function repeatMessage(f: Failure): string {
  return `${FAILURE_TITLES[f.class]} (same cause as the first failure, whose message has the Fix: ${f.where} ${f.cause})`;
}

/**
 * A failure already put in words. Its stack is not worth showing (an expected failure): `stack` is
 * the message alone, so a printer that shows `err.stack` shows the story and no `at ...` lines.
 */
export class EntraFailure extends Error {
  readonly failure: Failure;
  constructor(failure: Failure, cause?: unknown, message = failureMessage(failure)) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "EntraFailure";
    this.failure = failure;
    Object.defineProperty(this, "stack", { value: message, writable: true, configurable: true, enumerable: false });
  }
}

/**
 * A network failure of a request to `origin` (`https://host:port`), kept with its cause: the
 * transport throws it so that every later reader knows which host did not answer.
 */
export class EndpointError extends Error {
  constructor(
    readonly origin: string,
    cause: unknown,
  ) {
    super(`${origin}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "EndpointError";
  }
}

/** Where a failure happened, when the error itself does not say. */
export interface FailureContext {
  /** The origin that was called (Graph's or the authority's). */
  host?: string;
  /** The endpoint was the login authority (the fix names the authority settings). */
  authority?: boolean;
}

const GRAPH_ENDPOINT_FIX =
  "check that ENTRA_GRAPH_ENDPOINT / entra:graphEndpoint names Graph (or the emulator) and that it is up and reachable from this machine (proxy, firewall), then run again: guests invited before the failure are in state or carry their ownership mark.";
const AUTHORITY_FIX =
  "check ENTRA_AUTHORITY_HOST / entra:authorityHost (or the cloud: entra:environment, azuread:environment, ARM_ENVIRONMENT) and ARM_TENANT_ID / entra:tenantId: the authority must be the login host of your cloud (or the emulator's) and the tenant must exist there.";
const TLS_FIX =
  "trust the CA that signed the certificate: set NODE_EXTRA_CA_CERTS=/path/to/ca.pem in the environment of `pulumi` / `entra-guests` (for the emulator: the caCertPath it prints); a certificate for another host name needs the host it names.";

/** Network error codes, as words read after the host. */
const NETWORK_CAUSES: Record<string, { class: "unreachable" | "tls"; cause: string; detail: string }> = {
  ECONNREFUSED: {
    class: "unreachable",
    cause: "refused the connection",
    detail: "ECONNREFUSED: nothing listens there",
  },
  ENOTFOUND: { class: "unreachable", cause: "does not resolve", detail: "ENOTFOUND: DNS knows no such host" },
  EAI_AGAIN: { class: "unreachable", cause: "could not be resolved", detail: "EAI_AGAIN: DNS did not answer" },
  ETIMEDOUT: { class: "unreachable", cause: "did not answer", detail: "ETIMEDOUT: the connection timed out" },
  UND_ERR_CONNECT_TIMEOUT: {
    class: "unreachable",
    cause: "did not answer",
    detail: "UND_ERR_CONNECT_TIMEOUT: the connection timed out",
  },
  ECONNRESET: { class: "unreachable", cause: "closed the connection without answering", detail: "ECONNRESET" },
  UND_ERR_SOCKET: {
    class: "unreachable",
    cause: "closed the connection without answering",
    detail: "UND_ERR_SOCKET: other side closed",
  },
  EHOSTUNREACH: {
    class: "unreachable",
    cause: "is not reachable from this machine",
    detail: "EHOSTUNREACH: no route to the host",
  },
  ENETUNREACH: {
    class: "unreachable",
    cause: "is not reachable from this machine",
    detail: "ENETUNREACH: no route to the network",
  },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: {
    class: "tls",
    cause: "presented a certificate signed by a CA this machine does not trust",
    detail: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: {
    class: "tls",
    cause: "presented a certificate signed by a CA this machine does not trust",
    detail: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  },
  SELF_SIGNED_CERT_IN_CHAIN: {
    class: "tls",
    cause: "presented a certificate chain ending in a self-signed CA this machine does not trust",
    detail: "SELF_SIGNED_CERT_IN_CHAIN",
  },
  DEPTH_ZERO_SELF_SIGNED_CERT: {
    class: "tls",
    cause: "presented a self-signed certificate",
    detail: "DEPTH_ZERO_SELF_SIGNED_CERT",
  },
  CERT_HAS_EXPIRED: { class: "tls", cause: "presented an expired certificate", detail: "CERT_HAS_EXPIRED" },
  ERR_TLS_CERT_ALTNAME_INVALID: {
    class: "tls",
    cause: "presented a certificate for another host name",
    detail: "ERR_TLS_CERT_ALTNAME_INVALID",
  },
};

/** AADSTS codes of the token endpoint, as words and fixes. */
const AADSTS: Record<string, { class: "credentials" | "authority"; cause: string; fix: string }> = {
  "7000215": {
    class: "credentials",
    cause: "refused the client secret",
    fix: "set the secret's Value (not its Secret ID) in ARM_CLIENT_SECRET / azuread:clientSecret / entra:clientSecret; if it expired or was deleted, add a new one under the app registration's Certificates & secrets.",
  },
  "7000222": {
    class: "credentials",
    cause: "refused the client secret: it has expired",
    fix: "add a new client secret under the app registration's Certificates & secrets and set its Value in ARM_CLIENT_SECRET / azuread:clientSecret / entra:clientSecret.",
  },
  "700016": {
    class: "credentials",
    cause: "does not know the application (client id) in this tenant",
    fix: "check ARM_CLIENT_ID / entra:clientId (the app registration's Application (client) ID) and ARM_TENANT_ID / entra:tenantId: the app must be registered or consented in that tenant.",
  },
  "90002": {
    class: "authority",
    cause: "does not know the tenant",
    fix: "check ARM_TENANT_ID / entra:tenantId (the Directory (tenant) ID or a verified domain) and that the authority is your tenant's cloud (entra:environment / ARM_ENVIRONMENT, or ENTRA_AUTHORITY_HOST).",
  },
  "700027": {
    class: "credentials",
    cause: "refused the client certificate",
    fix: "upload the certificate's public part to the app registration (Certificates & secrets) or point ARM_CLIENT_CERTIFICATE_PATH / entra:clientCertificatePath at the one that is registered.",
  },
  "70021": {
    class: "credentials",
    cause: "found no federated credential matching the OIDC token",
    fix: "add a federated credential to the app registration whose issuer and subject match the pipeline's token (branch, environment or service connection).",
  },
};

interface Link {
  name?: string;
  message: string;
  code?: string;
  errorCode?: string;
  subError?: string;
  origin?: string;
  status?: number;
  host?: string;
}

/** The error and its causes (`cause`, depth 6), as plain facts. */
function chain(err: unknown): Link[] {
  const out: Link[] = [];
  let e: unknown = err;
  for (let depth = 0; e && depth < 6; depth++) {
    const o = e as Record<string, unknown>;
    const str = (k: string): string | undefined =>
      typeof o[k] === "string" && o[k] !== "" ? (o[k] as string) : undefined;
    const host =
      str("hostname") ??
      (str("address") && typeof o.port === "number" ? `${str("address")}:${o.port as number}` : undefined);
    out.push({
      name: str("name"),
      message: typeof o.message === "string" ? o.message : typeof e === "string" ? e : String(e),
      code: str("code"),
      errorCode: str("errorCode"),
      subError: str("subError"),
      origin: e instanceof EndpointError ? e.origin : undefined,
      status: typeof o.status === "number" ? o.status : typeof o.statusCode === "number" ? o.statusCode : undefined,
      host,
    });
    e = o.cause;
  }
  return out;
}

/** The failure class of any thrown error, or undefined when it is none of the known ones (its message is then shown as it is). */
export function classify(err: unknown, ctx: FailureContext = {}): Failure | undefined {
  if (err instanceof EntraFailure) return err.failure;
  const links = chain(err);
  if (links.length === 0) return undefined;
  const origin = links.find((l) => l.origin)?.origin ?? ctx.host;
  const text = links.map((l) => l.message).join(" ");
  const authority =
    ctx.authority === true ||
    links.some((l) =>
      /AuthenticationError|CredentialUnavailableError|AuthenticationRequiredError|ServerError|ClientAuthError/.test(
        l.name ?? "",
      ),
    );

  // The token endpoint answered with an AADSTS code.
  const aadsts = /AADSTS(\d+)/.exec(text) ?? /Error\(s\): (\d+) /.exec(text);
  if (aadsts) {
    const known = AADSTS[aadsts[1]];
    const where = ctx.host ?? "the sign-in authority";
    const said = /AADSTS\d+: ([^.]*\.)/.exec(text)?.[1];
    if (known)
      return {
        class: known.class,
        where,
        cause: known.cause,
        detail: `AADSTS${aadsts[1]}${said ? `: ${said}` : ""}`,
        fix: known.fix,
      };
    return {
      class: "credentials",
      where,
      cause: "refused the sign-in",
      detail: `AADSTS${aadsts[1]}${said ? `: ${said}` : ""}`,
      fix: "look the AADSTS code up in Microsoft's error code reference; check ARM_TENANT_ID, ARM_CLIENT_ID and the secret, certificate or OIDC settings.",
    };
  }

  // No answer at all: refused, DNS, timeout, TLS.
  for (const l of links) {
    const known = l.code
      ? (NETWORK_CAUSES[l.code] ??
        (/^(CERT_|ERR_SSL_|ERR_TLS_)/.test(l.code)
          ? { class: "tls" as const, cause: "presented a certificate this machine does not accept", detail: l.code }
          : undefined))
      : undefined;
    if (!known) continue;
    const where = origin ?? (l.host ? `the host ${l.host}` : "the endpoint");
    const fix =
      known.class === "tls"
        ? TLS_FIX
        : ctx.authority
          ? `the sign-in authority must be reachable: ${AUTHORITY_FIX}`
          : GRAPH_ENDPOINT_FIX;
    return {
      class: known.class,
      where,
      cause: known.cause,
      detail: known.detail === l.code ? l.code : `${known.detail}`,
      fix,
    };
  }

  // MSAL could not read the authority's metadata and kept no cause (the credential probes for one: credential.ts).
  if (links.some((l) => l.errorCode === "endpoints_resolution_error" || /endpoints_resolution_error/.test(l.message))) {
    return {
      class: "authority",
      where: ctx.host ?? "the sign-in authority",
      cause: "did not answer as a Microsoft Entra authority",
      detail: "MSAL endpoints_resolution_error",
      fix: AUTHORITY_FIX,
    };
  }

  if (err instanceof EntraGraphError) return classifyGraphError(err, origin);

  if (authority) {
    const first = links[0].message.split("\n")[0];
    return {
      class: "credentials",
      where: ctx.host ?? "the credential",
      cause: "could not get a token",
      detail: first.length > 300 ? `${first.slice(0, 299)}…` : first,
      fix: "check the credential settings (ARM_TENANT_ID, ARM_CLIENT_ID and ARM_CLIENT_SECRET, a certificate, OIDC or a managed identity; or `az login` for DefaultAzureCredential).",
    };
  }
  return undefined;
}

function classifyGraphError(err: EntraGraphError, origin?: string): Failure {
  const said = `${err.status ? `${err.status} ` : ""}${err.code}: ${err.message
    .replace(/^.*? failed: (\d+ )?[^:]*: /, "")
    .split("\n")[0]
    .trim()
    .replace(/ \(request-id [^)]*\)$/, "")}${err.requestId ? `; request-id ${err.requestId}` : ""}`;
  // Every Graph failure quotes what Graph said; the request is where, unless the origin did not answer.
  const failure = (klass: FailureClass, cause: string, fix: string, where = err.request): Failure => ({
    class: klass,
    where,
    cause,
    detail: said,
    fix,
  });
  if (err.status === 403) {
    return failure(
      "permission",
      "was refused: the app lacks a permission or role",
      err.hint ?? "grant the app the permission the call needs (admin consent) and run again.",
    );
  }
  if (err.status === 401) {
    return failure(
      "credentials",
      "was refused: Graph did not accept the access token",
      err.hint ?? "check ARM_TENANT_ID / entra:tenantId and that the credential belongs to that tenant.",
    );
  }
  if (err.status === 429 || (err.code === "DeadlineExceeded" && /rate budget/.test(err.message))) {
    return failure(
      "throttled",
      "was still throttled when its deadline passed",
      "run again later (nothing is lost: the next run picks up where this one stopped), lower entra:maxConcurrency / ENTRA_MAX_CONCURRENCY, or run fewer stacks against the tenant at once.",
    );
  }
  if (err.status === 400 || err.status === 409) {
    return failure(
      "input",
      "was refused as invalid",
      err.hint ?? "correct the value Graph names above in the program or guest file and run again.",
    );
  }
  if (err.code === "DeadlineExceeded" && origin) {
    return failure("unreachable", "did not answer before the deadline", GRAPH_ENDPOINT_FIX, origin);
  }
  return failure(
    "graph",
    "failed",
    err.hint ?? "run again; if it persists, quote the request-id to Microsoft support.",
  );
}

// ---------------------------------------------------------------------------------------------
// Once per run

/** Causes reported in this process (shared by every copy of the package loaded in it). */
function reported(): Set<string> {
  return processWide<Set<string>>("failures", () => new Set());
}

/** Forget the causes reported so far (tests; a CLI command that starts a new run in the same process). */
export function resetReported(): void {
  reported().clear();
}

/** One cause: the class, the host or the call (object ids left out: the same refusal for every guest is one cause), the cause. */
function keyOf(f: Failure): string {
  return [f.class, f.where.replace(/\/[0-9a-f]{8}-[0-9a-f-]{27,}/gi, "/{id}"), f.cause].join("|");
}

/**
 * The error to show for `err`: an {@link EntraFailure} with the whole story the first time a cause
 * is met in this process, one short line pointing to it the next times. Unknown errors come back as
 * they are.
 */
export function explain(err: unknown, ctx: FailureContext = {}): unknown {
  const f = classify(err, ctx);
  if (!f) return err;
  const set = reported();
  const key = keyOf(f);
  if (set.has(key)) return new EntraFailure(f, err, repeatMessage(f));
  set.add(key);
  return new EntraFailure(f, err);
}
