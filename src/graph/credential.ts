/**
 * Turns a resolved CredentialSpec into an @azure/identity TokenCredential. The only I/O here is theirs.
 *
 * Every credential that talks to an authority gets the resolved `authorityHost` (a national cloud's,
 * or a custom one such as the emulator's) and, unless that host is one of the public or national
 * clouds' login hosts, `disableInstanceDiscovery: true`: MSAL otherwise asks the public cloud's
 * instance discovery about the host before its first token request, which fails for any host it
 * does not know ("endpoints_resolution_error").
 */
import * as fs from "node:fs";
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";
import { classify, EntraFailure, FailureContext } from "./failures";
import type { CredentialSpec } from "./settings";

/**
 * Login hosts of the public and national clouds (MSAL's own list of known authorities). Instance
 * discovery knows these; it is kept for them so MSAL can use the cloud's aliases and metadata.
 */
const WELL_KNOWN_AUTHORITY_HOSTS: ReadonlySet<string> = new Set([
  "login.microsoftonline.com",
  "login.windows.net",
  "login.microsoft.com",
  "sts.windows.net",
  "login.microsoftonline.us",
  "login-us.microsoftonline.com",
  "login.chinacloudapi.cn",
  "login.partner.microsoftonline.cn",
]);

/** True when `authorityHost` is the https login host of the public cloud or a national cloud (exact host, any path). */
export function isWellKnownAuthority(authorityHost: string): boolean {
  let url: URL;
  try {
    url = new URL(authorityHost);
  } catch {
    return false;
  }
  return url.protocol === "https:" && url.port === "" && WELL_KNOWN_AUTHORITY_HOSTS.has(url.hostname.toLowerCase());
}

/** The options every credential that talks to an authority gets: the host, and instance discovery only for the known clouds. */
export function authorityOptions(authorityHost: string): { authorityHost: string; disableInstanceDiscovery: boolean } {
  return { authorityHost, disableInstanceDiscovery: !isWellKnownAuthority(authorityHost) };
}

/**
 * The AKS workload identity that a managed-identity credential would use, if the environment has one
 * (AZURE_FEDERATED_TOKEN_FILE with AZURE_TENANT_ID and a client id, as the workload identity webhook
 * sets them).
 */
export function workloadIdentityFromEnv(
  env: Record<string, string | undefined>,
  clientId?: string,
): { tenantId: string; clientId: string; tokenFilePath: string } | undefined {
  const tenantId = env.AZURE_TENANT_ID;
  const id = clientId ?? env.AZURE_CLIENT_ID;
  const tokenFilePath = env.AZURE_FEDERATED_TOKEN_FILE;
  return tenantId && id && tokenFilePath ? { tenantId, clientId: id, tokenFilePath } : undefined;
}

/**
 * The @azure/identity credential for a resolved spec, with the authority (see the module comment).
 * `env` is where a managed identity looks for an AKS workload identity (default `process.env`, which
 * is also what @azure/identity itself reads).
 */
export function createCredential(
  spec: CredentialSpec,
  authorityHost: string,
  env: Record<string, string | undefined> = process.env,
): TokenCredential {
  const inner = identityCredential(spec, authorityHost, env);
  // Managed identities (without a workload identity) and developer tools do not talk to the authority.
  const talksToAuthority =
    spec.kind === "clientSecret" ||
    spec.kind === "clientCertificate" ||
    spec.kind === "oidc" ||
    (spec.kind === "managedIdentity" && workloadIdentityFromEnv(env, spec.clientId) !== undefined);
  const tenantId = "tenantId" in spec ? spec.tenantId : undefined;
  return explainedCredential(inner, talksToAuthority ? { authorityHost, tenantId } : undefined);
}

/**
 * A credential whose failures say what went wrong ({@link EntraFailure}): MSAL's
 * `endpoints_resolution_error` keeps no cause, so the authority's metadata is fetched once to find
 * it (refused, DNS, TLS, unknown tenant). A refusal by the authority (AADSTS), a wrong authority or
 * an untrusted certificate is remembered: later token requests of the process fail at once with the
 * same error instead of asking again.
 */
export function explainedCredential(
  inner: TokenCredential,
  authority?: { authorityHost: string; tenantId?: string },
  probe: (url: string) => Promise<Response> = (u) => fetch(u, { signal: AbortSignal.timeout(10_000) }),
): TokenCredential {
  let refused: EntraFailure | undefined;
  const ctx: FailureContext = authority ? { host: originOf(authority.authorityHost), authority: true } : {};
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      if (refused) throw refused;
      try {
        return await inner.getToken(scopes, options);
      } catch (e) {
        let failure = classify(e, ctx);
        if (!failure) throw e;
        if (authority && failure.class === "authority" && failure.detail === "MSAL endpoints_resolution_error")
          failure = (await probeAuthority(authority, probe, ctx)) ?? failure;
        const err = new EntraFailure(failure, e);
        // Remembered: what the authority refused (AADSTS), a wrong authority, an untrusted certificate.
        // Not a host that did not answer, nor a credential that could not get a token (a managed
        // identity endpoint may answer next time).
        if (failure.class === "authority" || failure.class === "tls" || failure.detail?.startsWith("AADSTS"))
          refused = err;
        throw err;
      }
    },
  };
}

/** Why the authority's OpenID metadata cannot be read, if it cannot: a network failure or an HTTP answer. */
async function probeAuthority(
  authority: { authorityHost: string; tenantId?: string },
  probe: (url: string) => Promise<Response>,
  ctx: FailureContext,
) {
  const url = `${authority.authorityHost.replace(/\/+$/, "")}/${authority.tenantId ?? "organizations"}/v2.0/.well-known/openid-configuration`;
  try {
    const res = await probe(url);
    if (res.ok) return undefined;
    const body = await res.text().catch(() => "");
    const said = classify(new Error(body), ctx);
    if (said && said.class !== "credentials") return said;
    return {
      ...(classify(new Error("endpoints_resolution_error"), ctx) as ReturnType<typeof classify> & object),
      cause: `answered ${res.status} for the tenant's OpenID metadata`,
      detail: `${url.replace(/^https?:\/\/[^/]+/, "")}: ${body.replace(/\s+/g, " ").slice(0, 200)}`,
    };
  } catch (e) {
    return classify(e, ctx);
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function identityCredential(
  spec: CredentialSpec,
  authorityHost: string,
  env: Record<string, string | undefined>,
): TokenCredential {
  // Loaded lazily: @azure/identity is large and most provider calls of a process reuse one credential.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const identity = require("@azure/identity") as typeof import("@azure/identity");
  const common = authorityOptions(authorityHost);
  switch (spec.kind) {
    case "clientSecret":
      return new identity.ClientSecretCredential(spec.tenantId, spec.clientId, spec.clientSecret, common);
    case "clientCertificate":
      return new identity.ClientCertificateCredential(
        spec.tenantId,
        spec.clientId,
        { certificatePath: spec.certificatePath, certificatePassword: spec.certificatePassword },
        common,
      );
    case "oidc":
      return new identity.ClientAssertionCredential(spec.tenantId, spec.clientId, () => oidcAssertion(spec), common);
    case "managedIdentity": {
      // On AKS with workload identity, ManagedIdentityCredential exchanges the federated token itself,
      // through a WorkloadIdentityCredential made without our options: at AZURE_AUTHORITY_HOST or the
      // public cloud, regardless of the authority configured here. Make that credential ourselves.
      const workload = workloadIdentityFromEnv(env, spec.clientId);
      if (workload) return new identity.WorkloadIdentityCredential({ ...workload, ...common });
      // Every other managed identity (VM/VMSS IMDS, App Service and Functions IDENTITY_ENDPOINT,
      // Azure Arc, Cloud Shell, Service Fabric) has no authority: the platform's local endpoint
      // issues the token for the cloud the resource runs in, so authorityHost does not apply.
      return spec.clientId
        ? new identity.ManagedIdentityCredential({ clientId: spec.clientId })
        : new identity.ManagedIdentityCredential();
    }
    case "default":
      // DefaultAzureCredential (4.14) hands its options to each credential of its chain:
      // EnvironmentCredential passes them on to the ClientSecret/ClientCertificate credential it
      // makes from AZURE_*, WorkloadIdentityCredential (AZURE_FEDERATED_TOKEN_FILE) uses them, so all
      // of them get the authority and the discovery setting, and no chain of our own is needed (the
      // reported failure was only the missing disableInstanceDiscovery). ManagedIdentityCredential
      // has no authority (above; with a workload identity, WorkloadIdentityCredential comes first in
      // the chain, unless AZURE_TOKEN_CREDENTIALS leaves only ManagedIdentityCredential in it); the
      // developer credentials (Azure CLI, PowerShell, azd, VS Code, broker) sign in through their own
      // tool and use that tool's cloud (`az cloud set`), not authorityHost.
      return new identity.DefaultAzureCredential({ tenantId: spec.tenantId, ...common });
  }
}

/**
 * The federated token for OIDC: given directly, in a file, or fetched from the CI's token service
 * (GitHub Actions: ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN; Azure DevOps: SYSTEM_OIDCREQUESTURI with a
 * service connection id and SYSTEM_ACCESSTOKEN).
 */
async function oidcAssertion(spec: Extract<CredentialSpec, { kind: "oidc" }>): Promise<string> {
  if (spec.token) return spec.token;
  if (spec.tokenFilePath) return fs.readFileSync(spec.tokenFilePath, "utf8").trim();
  if (!spec.requestUrl || !spec.requestToken) {
    throw new Error(
      "OIDC is on but no token is available: in GitHub Actions grant `permissions: id-token: write`; in Azure DevOps use an AzureCLI@2/AzurePowerShell task with a workload-identity service connection (SYSTEM_OIDCREQUESTURI, ARM_OIDC_AZURE_SERVICE_CONNECTION_ID and SYSTEM_ACCESSTOKEN); or set ARM_OIDC_TOKEN / ARM_OIDC_TOKEN_FILE_PATH.",
    );
  }
  const url = new URL(spec.requestUrl);
  let method = "GET";
  if (spec.serviceConnectionId) {
    // Azure DevOps: POST {SYSTEM_OIDCREQUESTURI}?api-version=7.1&serviceConnectionId=...
    method = "POST";
    url.searchParams.set("api-version", "7.1");
    url.searchParams.set("serviceConnectionId", spec.serviceConnectionId);
  } else {
    url.searchParams.set("audience", "api://AzureADTokenExchange");
  }
  const res = await fetch(url, {
    method,
    headers: { Authorization: `Bearer ${spec.requestToken}`, "Content-Type": "application/json" },
  });
  if (!res.ok)
    throw new Error(
      `the CI's OIDC token service answered ${res.status}; check the pipeline's id-token permission or service connection.`,
    );
  const body = (await res.json()) as { value?: string; oidcToken?: string };
  const token = body.value ?? body.oidcToken;
  if (!token) throw new Error("the CI's OIDC token service returned no token.");
  return token;
}
