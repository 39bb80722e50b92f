/**
 * Out-of-band changes for drift tests, made as a tenant admin would: through Graph with a token
 * from the real ClientSecretCredential, not through this package's Graph layer.
 */
import { ClientSecretCredential } from "@azure/identity";
import { Client } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials";

/** A Graph endpoint and an app to sign in with; a {@link RunningEmulator} is one. */
export interface GraphTarget {
  /** Graph's base URL without the version, e.g. `https://localhost:8443`. */
  graphUrl: string;
  /** The login endpoint for `@azure/identity`. */
  authorityHost: string;
  /** The tenant to sign in to. */
  tenantId: string;
  /** The app's client id. */
  clientId: string;
  /** The app's client secret. */
  clientSecret: string;
}

/** A Graph SDK client signed in to the target as its app. */
export function adminGraphClient(t: GraphTarget): Client {
  const credential = new ClientSecretCredential(t.tenantId, t.clientId, t.clientSecret, { authorityHost: t.authorityHost, disableInstanceDiscovery: true });
  return Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [`${t.graphUrl}/.default`] }),
    baseUrl: `${t.graphUrl}/`,
    customHosts: new Set([new URL(t.graphUrl).hostname]),
  });
}

/** The environment that points the provider (in the plugin process) at the target. */
export function providerEnv(t: GraphTarget & { caCertPath?: string }): Record<string, string> {
  const env: Record<string, string> = {
    ENTRA_GRAPH_ENDPOINT: t.graphUrl,
    ENTRA_AUTHORITY_HOST: t.authorityHost,
    ARM_TENANT_ID: t.tenantId,
    ARM_CLIENT_ID: t.clientId,
    ARM_CLIENT_SECRET: t.clientSecret,
  };
  if (t.caCertPath && !process.env.NODE_EXTRA_CA_CERTS) env.NODE_EXTRA_CA_CERTS = t.caCertPath;
  return env;
}
