/**
 * Where the provider's Graph settings come from, resolved without I/O:
 * explicit provider config (`entra:*`), then the `azuread:*` keys users of @pulumi/azuread already
 * set, then the environment (`ENTRA_*`, `ARM_*`, CI OIDC variables), then DefaultAzureCredential.
 * The login authority: entra:authorityHost / ENTRA_AUTHORITY_HOST, else the named cloud's, else
 * AZURE_AUTHORITY_HOST, else the public cloud's.
 */
import { resolveEndpoints, CloudName } from "./endpoints";

/** Reads one stack config key such as `entra:tenantId` (the dynamic provider's `config.get`). */
export type ConfigGetter = (key: string) => string | undefined;

export type CredentialSpec =
  | { kind: "clientSecret"; tenantId: string; clientId: string; clientSecret: string; source: string }
  | {
      kind: "clientCertificate";
      tenantId: string;
      clientId: string;
      certificatePath: string;
      certificatePassword?: string;
      source: string;
    }
  | {
      kind: "oidc";
      tenantId: string;
      clientId: string;
      token?: string;
      tokenFilePath?: string;
      requestUrl?: string;
      requestToken?: string;
      serviceConnectionId?: string;
      source: string;
    }
  | { kind: "managedIdentity"; clientId?: string; source: string }
  | { kind: "default"; tenantId?: string; source: string };

/**
 * HTTP requests in flight by default. Graph documents no concurrency limit for directory requests
 * (its limits are rates, which the scheduler keeps to); 64 `$batch` calls of 20 carry a 1,000-guest
 * refresh at once. At 16, a refresh with 200 ms of Graph latency took 1.05 s instead of 0.58 s
 * (docs/benchmarks.md).
 */
export const DEFAULT_MAX_CONCURRENCY = 64;

export interface GraphSettings {
  cloud: CloudName;
  graphEndpoint: string;
  authorityHost: string;
  credential: CredentialSpec;
  /** At most this many HTTP requests in flight from the plugin process. */
  maxConcurrency: number;
  /** Coalesce concurrent requests into `$batch` calls. */
  batching: boolean;
  /** `off` sends each call straight through the Graph client with its default retries (the benchmark's baseline). */
  scheduler: "on" | "off";
}

const truthy = (v: string | undefined): boolean => v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());

/**
 * @azure/identity's own AZURE_AUTHORITY_HOST (the AKS workload identity webhook sets it), used when
 * neither entra:authorityHost / ENTRA_AUTHORITY_HOST nor a cloud (entra:environment,
 * azuread:environment, ARM_ENVIRONMENT) is set: the authority the platform says, not the public one.
 */
function ambientAuthorityHost(
  environment: string | undefined,
  env: Record<string, string | undefined>,
): string | undefined {
  if (environment) return undefined;
  return env.AZURE_AUTHORITY_HOST?.trim() || undefined;
}

/**
 * Resolve settings from stack config and environment. Throws an error that names the settings to
 * set when the combination is incomplete (e.g. a client id without a tenant).
 */
export function resolveSettings(config: ConfigGetter, env: Record<string, string | undefined>): GraphSettings {
  const pick = (entraKey: string, azureadKey: string | undefined, ...envKeys: string[]): string | undefined => {
    const fromEntra = config(`entra:${entraKey}`);
    if (fromEntra) return fromEntra;
    const fromAzuread = azureadKey ? config(`azuread:${azureadKey}`) : undefined;
    if (fromAzuread) return fromAzuread;
    for (const k of envKeys) if (env[k]) return env[k];
    return undefined;
  };
  const environment = pick("environment", "environment", "ARM_ENVIRONMENT");
  const endpoints = resolveEndpoints({
    environment,
    graphEndpoint: pick("graphEndpoint", undefined, "ENTRA_GRAPH_ENDPOINT"),
    authorityHost: pick("authorityHost", undefined, "ENTRA_AUTHORITY_HOST") ?? ambientAuthorityHost(environment, env),
  });

  const tenantId = pick("tenantId", "tenantId", "ARM_TENANT_ID");
  const clientId = pick("clientId", "clientId", "ARM_CLIENT_ID");
  const clientSecret = pick("clientSecret", "clientSecret", "ARM_CLIENT_SECRET");
  const certificatePath = pick("clientCertificatePath", "clientCertificatePath", "ARM_CLIENT_CERTIFICATE_PATH");
  const certificatePassword = pick(
    "clientCertificatePassword",
    "clientCertificatePassword",
    "ARM_CLIENT_CERTIFICATE_PASSWORD",
  );
  const useOidc = truthy(pick("useOidc", "useOidc", "ARM_USE_OIDC"));
  const useMsi = truthy(pick("useMsi", "useMsi", "ARM_USE_MSI"));

  const need = (what: string): never => {
    throw new Error(
      `incomplete Entra credentials: ${what}. Set entra:tenantId and entra:clientId (or azuread:*, or ARM_TENANT_ID / ARM_CLIENT_ID), or unset the partial settings to fall back to DefaultAzureCredential (Azure CLI, managed identity, AZURE_* variables).`,
    );
  };

  let credential: CredentialSpec;
  if (useOidc) {
    if (!tenantId || !clientId) need("OIDC needs a tenant id and a client id");
    credential = {
      kind: "oidc",
      tenantId: tenantId!,
      clientId: clientId!,
      token: pick("oidcToken", "oidcToken", "ARM_OIDC_TOKEN"),
      tokenFilePath: pick(
        "oidcTokenFilePath",
        "oidcTokenFilePath",
        "ARM_OIDC_TOKEN_FILE_PATH",
        "AZURE_FEDERATED_TOKEN_FILE",
      ),
      requestUrl: pick(
        "oidcRequestUrl",
        "oidcRequestUrl",
        "ARM_OIDC_REQUEST_URL",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "SYSTEM_OIDCREQUESTURI",
      ),
      requestToken: pick(
        "oidcRequestToken",
        "oidcRequestToken",
        "ARM_OIDC_REQUEST_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "SYSTEM_ACCESSTOKEN",
      ),
      serviceConnectionId: pick(
        "oidcAzureServiceConnectionId",
        "oidcAzureServiceConnectionId",
        "ARM_OIDC_AZURE_SERVICE_CONNECTION_ID",
        "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
      ),
      source: "oidc",
    };
  } else if (clientSecret) {
    if (!tenantId || !clientId) need("a client secret needs a tenant id and a client id");
    credential = {
      kind: "clientSecret",
      tenantId: tenantId!,
      clientId: clientId!,
      clientSecret,
      source: "client secret",
    };
  } else if (certificatePath) {
    if (!tenantId || !clientId) need("a client certificate needs a tenant id and a client id");
    credential = {
      kind: "clientCertificate",
      tenantId: tenantId!,
      clientId: clientId!,
      certificatePath,
      certificatePassword,
      source: "client certificate",
    };
  } else if (useMsi) {
    credential = { kind: "managedIdentity", clientId, source: "managed identity" };
  } else {
    credential = { kind: "default", tenantId, source: "DefaultAzureCredential" };
  }

  const rawConcurrency = pick("maxConcurrency", undefined, "ENTRA_MAX_CONCURRENCY") ?? String(DEFAULT_MAX_CONCURRENCY);
  const maxConcurrency = Number(rawConcurrency);
  if (!/^\s*\d+\s*$/.test(rawConcurrency) || maxConcurrency < 1 || maxConcurrency > 256) {
    throw new Error(
      `entra:maxConcurrency (or ENTRA_MAX_CONCURRENCY) must be a whole number from 1 to 256, not '${rawConcurrency}'.`,
    );
  }
  const schedulerSetting = (pick("scheduler", undefined, "ENTRA_SCHEDULER") ?? "on").toLowerCase();
  return {
    ...endpoints,
    credential,
    maxConcurrency,
    batching: !/^(0|false|off|no)$/i.test(pick("batching", undefined, "ENTRA_BATCHING") ?? "on"),
    scheduler: schedulerSetting === "off" ? "off" : "on",
  };
}

/** A one-line, secret-free description of the settings, for logs and errors. */
export function describeSettings(s: GraphSettings): string {
  const c = s.credential;
  const who = "clientId" in c && c.clientId ? ` client ${c.clientId}` : "";
  const tenant = "tenantId" in c && c.tenantId ? ` tenant ${c.tenantId}` : "";
  return `Graph ${s.graphEndpoint} (${s.cloud}), ${c.source}${who}${tenant}`;
}
