/**
 * Issue 11, item 5, managed identity rows (ARM_USE_MSI, entra:useMsi / azuread:useMsi, and
 * DefaultAzureCredential reaching ManagedIdentityCredential) with a custom authority configured,
 * against the emulator with the real @azure/identity credentials.
 *
 * A managed identity has no authority: the platform's local endpoint issues the token. Here that is
 * the App Service endpoint (IDENTITY_ENDPOINT / IDENTITY_HEADER, which MSAL honours) served by a
 * loopback server that gets the identity's token from the emulator (federating-authority.ts). The
 * tests check that the token comes from there and that the configured authority is not asked.
 * IMDS (VMs, AKS pod identity): credentials-imds.test.ts. Separate files: MSAL keeps the managed
 * identity source it found first (App Service, IMDS, ...) in a static field, for the process.
 *
 * The exception is AKS workload identity (AZURE_FEDERATED_TOKEN_FILE): ManagedIdentityCredential
 * exchanges the federated token at an authority (its own, not ours), so createCredential makes a
 * WorkloadIdentityCredential with the configured authority instead; tested here at the front
 * authority that verifies federated tokens.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  credentialWorld,
  managedIdentityRows,
  proveManagedIdentityRow,
  proveRow,
  sealedEnvironment,
} from "./credential-rows";

jest.setTimeout(60_000);

const env = sealedEnvironment();
const world = credentialWorld("credentials-msi");

const newApp = world.newApp;
/** App Service's managed identity variables, and a custom authority that must not be asked. */
const platform = (): Record<string, string> => ({
  IDENTITY_ENDPOINT: world.front.msiEndpoint,
  IDENTITY_HEADER: world.front.msiHeader,
  ENTRA_GRAPH_ENDPOINT: world.emu.graphUrl,
  ENTRA_AUTHORITY_HOST: world.front.authorityHost,
});

managedIdentityRows(world, env, platform, { name: "App Service", prefix: "msi" });

// Managed identity chosen in the stack's config (its entra: or azuread: keys): a new app's user-assigned identity.
test.each([
  [
    "entra:useMsi with entra:clientId and entra:authorityHost in config",
    {
      email: "msi-entra-config@contoso.com",
      environment: (): Record<string, string> => ({
        IDENTITY_ENDPOINT: world.front.msiEndpoint,
        IDENTITY_HEADER: world.front.msiHeader,
      }),
      config: (clientId: string): Record<string, string> => ({
        "entra:useMsi": "true",
        "entra:clientId": clientId,
        "entra:graphEndpoint": world.emu.graphUrl,
        "entra:authorityHost": world.front.authorityHost,
      }),
    },
  ],
  [
    "azuread:useMsi with azuread:clientId",
    {
      email: "msi-azuread-config@contoso.com",
      environment: platform,
      config: (clientId: string): Record<string, string> => ({
        "azuread:useMsi": "true",
        "azuread:clientId": clientId,
      }),
    },
  ],
])("%s", async (_title, row) => {
  const app = newApp();
  world.front.addManagedIdentity(app, { systemAssigned: false });
  env.set(row.environment());
  await proveManagedIdentityRow(world.emu, world.front, {
    config: row.config(app.clientId),
    kind: "managedIdentity",
    clientId: app.clientId,
    email: row.email,
  });
});

test("ARM_USE_MSI on AKS with workload identity (AZURE_FEDERATED_TOKEN_FILE): the token is exchanged at the configured authority", async () => {
  const app = newApp();
  const file = path.join(world.dir, "azure-identity-token");
  fs.writeFileSync(file, world.front.federatedToken(app, "system:serviceaccount:guests:entra-invitations"));
  // What the workload identity webhook injects, plus the custom endpoints; no IDENTITY_ENDPOINT.
  env.set({
    ARM_USE_MSI: "true",
    AZURE_TENANT_ID: world.emu.tenantId,
    AZURE_CLIENT_ID: app.clientId,
    AZURE_FEDERATED_TOKEN_FILE: file,
    ENTRA_GRAPH_ENDPOINT: world.emu.graphUrl,
    ENTRA_AUTHORITY_HOST: world.front.authorityHost,
  });
  const since = world.front.requests.length;
  await proveRow(world.emu, {
    kind: "managedIdentity",
    clientId: app.clientId,
    authorityHost: world.front.authorityHost,
    email: "msi-aks-workload@contoso.com",
  });
  const asked = world.front.requests.slice(since);
  expect(asked.filter((r) => r.server === "authority" && r.status === 200).map((r) => r.proof)).toContain("federated");
  expect(asked.filter((r) => r.server === "msi" || r.status === 404)).toEqual([]);
});
