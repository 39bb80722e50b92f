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
import { credentialWorld, managedIdentityRows, sealedEnvironment } from "./credential-rows";

jest.setTimeout(60_000);

const env = sealedEnvironment();
const world = credentialWorld("credentials-imds");

/** IMDS at the loopback server, and a custom authority that must not be asked. */
const platform = (): Record<string, string> => ({
  AZURE_POD_IDENTITY_AUTHORITY_HOST: world.front.imdsHost,
  ENTRA_GRAPH_ENDPOINT: world.emu.graphUrl,
  ENTRA_AUTHORITY_HOST: world.front.authorityHost,
});

managedIdentityRows(world, env, platform, { name: "through IMDS", prefix: "imds" });
