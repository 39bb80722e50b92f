/** Turns a resolved CredentialSpec into an @azure/identity TokenCredential. The only I/O here is theirs. */
import * as fs from "node:fs";
import type { TokenCredential } from "@azure/identity";
import type { CredentialSpec } from "./settings";

export function createCredential(spec: CredentialSpec, authorityHost: string): TokenCredential {
  // Loaded lazily: @azure/identity is large and most provider calls of a process reuse one credential.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const identity = require("@azure/identity") as typeof import("@azure/identity");
  const common = { authorityHost, disableInstanceDiscovery: !isWellKnownAuthority(authorityHost) };
  switch (spec.kind) {
    case "clientSecret":
      return new identity.ClientSecretCredential(spec.tenantId, spec.clientId, spec.clientSecret, common);
    case "clientCertificate":
      return new identity.ClientCertificateCredential(spec.tenantId, spec.clientId, { certificatePath: spec.certificatePath, certificatePassword: spec.certificatePassword }, common);
    case "oidc":
      return new identity.ClientAssertionCredential(spec.tenantId, spec.clientId, () => oidcAssertion(spec), common);
    case "managedIdentity":
      return spec.clientId ? new identity.ManagedIdentityCredential({ clientId: spec.clientId }) : new identity.ManagedIdentityCredential();
    case "default":
      return new identity.DefaultAzureCredential({ tenantId: spec.tenantId, authorityHost });
  }
}

function isWellKnownAuthority(host: string): boolean {
  return /login\.(microsoftonline\.(com|us)|chinacloudapi\.cn)/.test(host);
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
    throw new Error("OIDC is on but no token is available: in GitHub Actions grant `permissions: id-token: write`; in Azure DevOps use an AzureCLI@2/AzurePowerShell task with a workload-identity service connection (SYSTEM_OIDCREQUESTURI, ARM_OIDC_AZURE_SERVICE_CONNECTION_ID and SYSTEM_ACCESSTOKEN); or set ARM_OIDC_TOKEN / ARM_OIDC_TOKEN_FILE_PATH.");
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
  const res = await fetch(url, { method, headers: { Authorization: `Bearer ${spec.requestToken}`, "Content-Type": "application/json" } });
  if (!res.ok) throw new Error(`the CI's OIDC token service answered ${res.status}; check the pipeline's id-token permission or service connection.`);
  const body = (await res.json()) as { value?: string; oidcToken?: string };
  const token = body.value ?? body.oidcToken;
  if (!token) throw new Error("the CI's OIDC token service returned no token.");
  return token;
}
