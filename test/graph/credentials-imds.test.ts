/**
 * Issue 11, item 5, managed identity through IMDS (VMs, scale sets, AKS pod identity) with a custom
 * authority configured, against the emulator with the real @azure/identity credentials.
 *
 * IMDS lives at 169.254.169.254, which a test cannot serve; but MSAL and @azure/identity ask
 * AZURE_POD_IDENTITY_AUTHORITY_HOST instead when it is set (AKS pod identity's NMI), so a loopback
 * server answers as IMDS does (federating-authority.ts), with the identity's token from the
 * emulator. With that variable, @azure/identity also skips DefaultAzureCredential's IMDS probe.
 * A file of its own: MSAL keeps the managed identity source it found first in a static field, and
 * credentials-msi.test.ts finds App Service.
 */
import { credentialWorld, proveManagedIdentityRow, sealedEnvironment } from "./credential-rows";

jest.setTimeout(60_000);

const env = sealedEnvironment();
const world = credentialWorld("credentials-imds");

const newApp = world.newApp;
/** IMDS at the loopback server, and a custom authority that must not be asked. */
const platform = (): Record<string, string> => ({
  AZURE_POD_IDENTITY_AUTHORITY_HOST: world.front.imdsHost,
  ENTRA_GRAPH_ENDPOINT: world.emu.graphUrl,
  ENTRA_AUTHORITY_HOST: world.front.authorityHost,
});

test("ARM_USE_MSI, system-assigned identity, through IMDS", async () => {
  const app = newApp();
  world.front.addManagedIdentity(app, { systemAssigned: true });
  env.set({ ARM_USE_MSI: "true", ...platform() });
  await proveManagedIdentityRow(world.emu, world.front, {
    kind: "managedIdentity",
    clientId: app.clientId,
    email: "imds-system@contoso.com",
  });
});

test("ARM_USE_MSI with ARM_CLIENT_ID, user-assigned identity, through IMDS", async () => {
  const app = newApp();
  world.front.addManagedIdentity(app, { systemAssigned: false });
  env.set({ ARM_USE_MSI: "true", ARM_CLIENT_ID: app.clientId, ...platform() });
  await proveManagedIdentityRow(world.emu, world.front, {
    kind: "managedIdentity",
    clientId: app.clientId,
    email: "imds-user@contoso.com",
  });
});

test("DefaultAzureCredential reaches ManagedIdentityCredential through IMDS (AZURE_CLIENT_ID, no secret)", async () => {
  const app = newApp();
  world.front.addManagedIdentity(app, { systemAssigned: false });
  env.set({ AZURE_CLIENT_ID: app.clientId, ...platform() });
  await proveManagedIdentityRow(world.emu, world.front, {
    kind: "default",
    clientId: app.clientId,
    email: "imds-default@contoso.com",
  });
});
