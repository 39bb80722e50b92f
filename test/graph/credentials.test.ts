/**
 * Issue 11, item 5: every row of the credential resolution table (README "Credentials and clouds")
 * honours a custom authorityHost, against the emulator over HTTPS with the real @azure/identity
 * credentials (no mocks). Each row resolves settings from config and environment, makes the
 * credential with createCredential, gets a token for Graph's scope and invites a guest through the
 * Graph layer; the reported one (only AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET with
 * ENTRA_AUTHORITY_HOST and ENTRA_GRAPH_ENDPOINT) creates its guest through the provider.
 *
 * Client secrets go to the emulator's token endpoint itself. The emulator takes no client
 * assertions, so the certificate and federated-token rows (ARM_CLIENT_CERTIFICATE_PATH, OIDC,
 * AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE) use a second custom authority in front
 * of it that verifies the assertion as Entra does and then exchanges it at the emulator
 * (federating-authority.ts). Managed identity rows: credentials-msi.test.ts (App Service endpoint)
 * and credentials-imds.test.ts (IMDS), separate files because MSAL keeps the managed identity
 * source it found in a static field for the rest of the process.
 *
 * Without internet (as here), a credential that still did instance discovery against the public
 * cloud fails with endpoints_resolution_error, as in the report; with internet it fails too, since
 * the public cloud does not know these hosts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { invitationProvider } from "../../src";
import { authorityOptions, createCredential, isWellKnownAuthority } from "../../src/graph/credential";
import { resolveSettings } from "../../src/graph/settings";
import { configOf, credentialWorld, isCredentialVariable, proveRow, sealedEnvironment } from "./credential-rows";
import { App } from "./federating-authority";

jest.setTimeout(60_000);

const env = sealedEnvironment();
const world = credentialWorld("credentials");

const newApp = world.newApp;
const endpoints = (authorityHost: string): Record<string, string> => ({
  ENTRA_GRAPH_ENDPOINT: world.emu.graphUrl,
  ENTRA_AUTHORITY_HOST: authorityHost,
});

/**
 * Sets a row's environment: the tenant and `app` under the `ARM_*` names (Terraform's azuread
 * provider) or the `AZURE_*` names (@azure/identity), the {@link endpoints} with `authorityHost`,
 * and the row's own `variables`.
 */
function setAppEnv(prefix: "ARM" | "AZURE", app: App, authorityHost: string, variables: Record<string, string>): void {
  env.set({
    [`${prefix}_TENANT_ID`]: world.emu.tenantId,
    [`${prefix}_CLIENT_ID`]: app.clientId,
    ...variables,
    ...endpoints(authorityHost),
  });
}

/** The emulator's own token endpoint answered this app. */
function emulatorIssuedTo(app: App): void {
  const tokens = world.emu
    .requests()
    .filter(
      (r) =>
        r.method === "POST" &&
        r.path.split("?")[0].endsWith("/oauth2/v2.0/token") &&
        (r.body as { client_id?: string } | undefined)?.client_id === app.clientId,
    );
  expect(tokens.map((r) => r.status)).toContain(200);
}

/** The world.front authority verified this app's proof and had the emulator issue its token; nothing it did not know was asked. */
function frontIssuedTo(app: App, proof: "certificate" | "federated"): void {
  expect(
    world.front.requests.filter((r) => r.clientId === app.clientId && r.status === 200).map((r) => r.proof),
  ).toContain(proof);
  expect(world.front.requests.filter((r) => r.status === 404)).toEqual([]);
}

/** Who issues a row's token: the emulator's own authority (client secret), or the front one that verifies a certificate or a federated token. */
type Issuer = "emulator" | "certificate" | "federated";
const issuerAuthority = (by: Issuer): string =>
  by === "emulator" ? world.emu.authorityHost : world.front.authorityHost;

/**
 * Proves the row (see {@link proveRow}) for `app` at the authority that issues its token: the
 * emulator's own for a client secret, else the front authority that verifies the `certificate` or
 * `federated` proof; and checks that this authority answered the app.
 */
async function proveIssued(
  app: App,
  by: Issuer,
  row: { config?: Record<string, string>; kind: string; email: string },
): Promise<void> {
  await proveRow(world.emu, { ...row, clientId: app.clientId, authorityHost: issuerAuthority(by) });
  if (by === "emulator") emulatorIssuedTo(app);
  else frontIssuedTo(app, by);
}

/**
 * Proves a row for a new app at the authority that issues its token (see {@link proveIssued}). With a
 * config namespace (`entra`, `azuread`), `settings` (made for the app) are the stack's config with the
 * tenant and the app's id, the endpoints in the environment unless the config names the authority;
 * with an environment prefix (`ARM`, `AZURE`), they are environment variables, set with
 * {@link setAppEnv}.
 */
async function proveNewApp(
  where: "entra" | "azuread" | "ARM" | "AZURE",
  by: Issuer,
  row: { kind: string; email: string },
  settings: (app: App) => Record<string, string>,
): Promise<void> {
  const app = newApp();
  if (where === "ARM" || where === "AZURE") {
    setAppEnv(where, app, issuerAuthority(by), settings(app));
    return proveIssued(app, by, row);
  }
  const config = { [`${where}:tenantId`]: world.emu.tenantId, [`${where}:clientId`]: app.clientId, ...settings(app) };
  if (!(`${where}:authorityHost` in config)) env.set(endpoints(issuerAuthority(by)));
  return proveIssued(app, by, { ...row, config });
}

/**
 * The CI's token service was asked for the federated token, only the right way. (Not once: MSAL
 * calls the assertion callback more often than it requests tokens; 4 times for the 2 getToken
 * calls of a row here.)
 */
function expectCiAsked(method: string, servicePath: string, since: number): void {
  const asked = world.front.requests.slice(since).filter((r) => r.server === "ci");
  expect(asked.length).toBeGreaterThan(0);
  expect(asked.filter((r) => r.method !== method || r.path !== servicePath || r.status !== 200)).toEqual([]);
}

describe("which authorities keep instance discovery", () => {
  test.each([
    ["https://login.microsoftonline.com", true],
    ["https://login.microsoftonline.com/", true],
    ["https://login.microsoftonline.us", true],
    ["https://login.chinacloudapi.cn", true],
    ["https://login.partner.microsoftonline.cn", true],
    ["https://localhost:8443", false],
    ["https://login.contoso.example", false],
    ["https://login.microsoftonline.com.contoso.example", false],
    ["https://login.microsoftonline.com:8443", false],
    ["http://login.microsoftonline.com", false],
    ["not a url", false],
  ])("%s: well known = %s", (host, known) => {
    expect(isWellKnownAuthority(host)).toBe(known);
    expect(authorityOptions(host)).toEqual({ authorityHost: host, disableInstanceDiscovery: !known });
  });
});

describe("the authority: entra:authorityHost / ENTRA_AUTHORITY_HOST, else the named cloud's, else AZURE_AUTHORITY_HOST", () => {
  const azure = { AZURE_AUTHORITY_HOST: "https://login.contoso.example/" };
  test.each<[string, Record<string, string>, Record<string, string>, string]>([
    [
      "AZURE_AUTHORITY_HOST alone (the AKS workload identity webhook sets it)",
      {},
      azure,
      "https://login.contoso.example",
    ],
    [
      "ENTRA_AUTHORITY_HOST wins",
      {},
      { ...azure, ENTRA_AUTHORITY_HOST: "https://localhost:8443" },
      "https://localhost:8443",
    ],
    ["entra:authorityHost wins", { "entra:authorityHost": "https://localhost:9443" }, azure, "https://localhost:9443"],
    [
      "a named cloud wins (ARM_ENVIRONMENT)",
      {},
      { ...azure, ARM_ENVIRONMENT: "usgovernment" },
      "https://login.microsoftonline.us",
    ],
    [
      "a named cloud wins (entra:environment)",
      { "entra:environment": "china" },
      azure,
      "https://login.chinacloudapi.cn",
    ],
    ["nothing: the public cloud", {}, {}, "https://login.microsoftonline.com"],
  ])("%s", (_name, config, vars, expected) => {
    expect(resolveSettings(configOf(config), vars).authorityHost).toBe(expected);
  });
});

describe("every row of the resolution table, through a custom authority", () => {
  test("the sealed environment has none of the machine's credential variables", () => {
    expect(Object.keys(process.env).filter(isCredentialVariable)).toEqual([]);
    expect(
      [
        "AZURE_CLIENT_ID",
        "ARM_USE_MSI",
        "IDENTITY_ENDPOINT",
        "MSI_ENDPOINT",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "SYSTEM_OIDCREQUESTURI",
        "ENTRA_GRAPH_ENDPOINT",
      ].every(isCredentialVariable),
    ).toBe(true);
    expect(isCredentialVariable("ENTRA_EMULATOR_CA_DIR")).toBe(false);
  });

  describe("1. stack config entra:*", () => {
    test("client secret, endpoints in config too", () =>
      proveNewApp("entra", "emulator", { kind: "clientSecret", email: "entra-secret@contoso.com" }, (app) => ({
        "entra:clientSecret": app.clientSecret,
        "entra:graphEndpoint": world.emu.graphUrl,
        "entra:authorityHost": world.emu.authorityHost,
      })));

    test("client certificate with a password (encrypted key)", () =>
      proveNewApp("entra", "certificate", { kind: "clientCertificate", email: "entra-cert@contoso.com" }, (app) => ({
        "entra:clientCertificatePath": world.front.addCertificate(app, { password: "correct horse" }),
        "entra:clientCertificatePassword": "correct horse",
        "entra:graphEndpoint": world.emu.graphUrl,
        "entra:authorityHost": world.front.authorityHost,
      })));

    test("OIDC with entra:oidcToken", () =>
      proveNewApp("entra", "federated", { kind: "oidc", email: "entra-oidc@contoso.com" }, (app) => ({
        "entra:useOidc": "true",
        "entra:oidcToken": world.front.federatedToken(app, "repo:contoso/guests:environment:config"),
      })));
  });

  describe("2. stack config azuread:*", () => {
    test("client secret (azuread:tenantId/clientId/clientSecret), endpoints from ENTRA_*", () =>
      proveNewApp("azuread", "emulator", { kind: "clientSecret", email: "azuread-secret@contoso.com" }, (app) => ({
        "azuread:clientSecret": app.clientSecret,
      })));

    test("client certificate (azuread:clientCertificatePath)", () =>
      proveNewApp(
        "azuread",
        "certificate",
        { kind: "clientCertificate", email: "azuread-cert@contoso.com" },
        (app) => ({
          "azuread:clientCertificatePath": world.front.addCertificate(app),
        }),
      ));
  });

  describe("3. environment ARM_*", () => {
    test.each<[string, Issuer, string, string, (app: App) => Record<string, string>]>([
      [
        "ARM_CLIENT_SECRET",
        "emulator",
        "clientSecret",
        "arm-secret@contoso.com",
        (app) => ({ ARM_CLIENT_SECRET: app.clientSecret }),
      ],
      [
        "ARM_CLIENT_CERTIFICATE_PATH",
        "certificate",
        "clientCertificate",
        "arm-cert@contoso.com",
        (app) => ({ ARM_CLIENT_CERTIFICATE_PATH: world.front.addCertificate(app) }),
      ],
      [
        "ARM_CLIENT_CERTIFICATE_PATH with ARM_CLIENT_CERTIFICATE_PASSWORD",
        "certificate",
        "clientCertificate",
        "arm-cert-password@contoso.com",
        (app) => ({
          ARM_CLIENT_CERTIFICATE_PATH: world.front.addCertificate(app, { password: "s3cret" }),
          ARM_CLIENT_CERTIFICATE_PASSWORD: "s3cret",
        }),
      ],
      [
        "ARM_USE_OIDC with ARM_OIDC_TOKEN",
        "federated",
        "oidc",
        "arm-oidc-token@contoso.com",
        (app) => ({
          ARM_USE_OIDC: "true",
          ARM_OIDC_TOKEN: world.front.federatedToken(app, "repo:contoso/guests:ref:refs/heads/main"),
        }),
      ],
      [
        "ARM_USE_OIDC with ARM_OIDC_TOKEN_FILE_PATH",
        "federated",
        "oidc",
        "arm-oidc-file@contoso.com",
        (app) => {
          const file = path.join(world.dir, "oidc-token");
          fs.writeFileSync(file, `${world.front.federatedToken(app, "repo:contoso/guests:pull_request")}\n`);
          return { ARM_USE_OIDC: "true", ARM_OIDC_TOKEN_FILE_PATH: file };
        },
      ],
    ])("%s", (_title, by, kind, email, variables) => proveNewApp("ARM", by, { kind, email }, variables));

    test("ARM_USE_OIDC in GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN)", async () => {
      const app = newApp();
      world.front.setCiToken(world.front.federatedToken(app, "repo:contoso/guests:environment:production"));
      setAppEnv("ARM", app, world.front.authorityHost, {
        ARM_USE_OIDC: "true",
        ACTIONS_ID_TOKEN_REQUEST_URL: world.front.githubTokenUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: world.front.ciRequestToken,
      });
      const before = world.front.requests.length;
      await proveIssued(app, "federated", { kind: "oidc", email: "arm-oidc-github@contoso.com" });
      expectCiAsked("GET", "/ci/github", before);
    });

    test("ARM_USE_OIDC in Azure DevOps (SYSTEM_OIDCREQUESTURI, ARM_OIDC_AZURE_SERVICE_CONNECTION_ID, SYSTEM_ACCESSTOKEN)", async () => {
      const app = newApp();
      world.front.setCiToken(world.front.federatedToken(app, "sc://contoso/guests/entra-guests"));
      setAppEnv("ARM", app, world.front.authorityHost, {
        ARM_USE_OIDC: "true",
        SYSTEM_OIDCREQUESTURI: world.front.adoTokenUrl,
        ARM_OIDC_AZURE_SERVICE_CONNECTION_ID: world.front.adoServiceConnectionId,
        SYSTEM_ACCESSTOKEN: world.front.ciRequestToken,
      });
      const before = world.front.requests.length;
      await proveIssued(app, "federated", { kind: "oidc", email: "arm-oidc-ado@contoso.com" });
      expectCiAsked("POST", "/ci/ado", before);
    });
  });

  describe("4. DefaultAzureCredential (AZURE_* variables)", () => {
    test("the report: only AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET with ENTRA_AUTHORITY_HOST and ENTRA_GRAPH_ENDPOINT: the provider creates a guest", async () => {
      const app = newApp();
      setAppEnv("AZURE", app, world.emu.authorityHost, { AZURE_CLIENT_SECRET: app.clientSecret });
      expect(Object.keys(process.env).filter(isCredentialVariable).sort()).toEqual([
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_TENANT_ID",
        "ENTRA_AUTHORITY_HOST",
        "ENTRA_GRAPH_ENDPOINT",
      ]);

      const p = invitationProvider;
      await p.configure!({
        config: {
          get: () => undefined,
          require: (k: string) => {
            throw new Error(`no ${k}`);
          },
        },
      });
      const checked = await p.check!(
        {},
        {
          invitedUserEmailAddress: "azure-env-provider@contoso.com",
          inviteRedirectUrl: "https://myapps.microsoft.com",
          sendInvitationMessage: false,
        },
      );
      expect(checked.failures ?? []).toEqual([]);
      const created = await p.create(checked.inputs);
      expect(world.emu.users().find((u) => u.id === created.id)).toMatchObject({
        mail: "azure-env-provider@contoso.com",
        userType: "Guest",
      });
      expect(
        world.emu.requests().some((r) => r.method === "POST" && r.path === "/v1.0/invitations" && r.status === 201),
      ).toBe(true);
      emulatorIssuedTo(app);
    });

    test("the same row at the credential: EnvironmentCredential with AZURE_CLIENT_SECRET", () =>
      proveNewApp("AZURE", "emulator", { kind: "default", email: "azure-env-secret@contoso.com" }, (app) => ({
        AZURE_CLIENT_SECRET: app.clientSecret,
      })));

    test("AZURE_AUTHORITY_HOST instead of ENTRA_AUTHORITY_HOST", async () => {
      const app = newApp();
      env.set({
        AZURE_TENANT_ID: world.emu.tenantId,
        AZURE_CLIENT_ID: app.clientId,
        AZURE_CLIENT_SECRET: app.clientSecret,
        AZURE_AUTHORITY_HOST: world.emu.authorityHost,
        ENTRA_GRAPH_ENDPOINT: world.emu.graphUrl,
      });
      await proveIssued(app, "emulator", { kind: "default", email: "azure-authority-host@contoso.com" });
    });

    test("EnvironmentCredential with AZURE_CLIENT_CERTIFICATE_PATH and AZURE_CLIENT_CERTIFICATE_PASSWORD", () =>
      proveNewApp("AZURE", "certificate", { kind: "default", email: "azure-env-cert@contoso.com" }, (app) => ({
        AZURE_CLIENT_CERTIFICATE_PATH: world.front.addCertificate(app, { password: "pa55" }),
        AZURE_CLIENT_CERTIFICATE_PASSWORD: "pa55",
      })));

    test("WorkloadIdentityCredential with AZURE_FEDERATED_TOKEN_FILE (AKS workload identity)", () =>
      proveNewApp("AZURE", "federated", { kind: "default", email: "azure-workload@contoso.com" }, (app) => {
        const file = path.join(world.dir, "azure-identity-token");
        fs.writeFileSync(file, world.front.federatedToken(app, "system:serviceaccount:guests:entra-invitations"));
        return { AZURE_FEDERATED_TOKEN_FILE: file };
      }));
  });

  describe("the world.front authority really checks what it is shown", () => {
    test("a certificate the app does not have is refused (AADSTS700027)", async () => {
      const app = newApp();
      const other = newApp();
      setAppEnv("ARM", app, world.front.authorityHost, {
        ARM_CLIENT_CERTIFICATE_PATH: world.front.addCertificate(other),
      });
      const s = resolveSettings(configOf({}), process.env);
      await expect(
        createCredential(s.credential, s.authorityHost).getToken(`${world.emu.graphUrl}/.default`),
      ).rejects.toThrow(/AADSTS700027/);
    });

    test("a federated token for a subject the app does not trust is refused (AADSTS70021)", async () => {
      const app = newApp();
      const other = newApp();
      setAppEnv("ARM", app, world.front.authorityHost, {
        ARM_USE_OIDC: "true",
        ARM_OIDC_TOKEN: world.front.federatedToken(other, "repo:contoso/other:ref:refs/heads/main"),
      });
      const s = resolveSettings(configOf({}), process.env);
      await expect(
        createCredential(s.credential, s.authorityHost).getToken(`${world.emu.graphUrl}/.default`),
      ).rejects.toThrow(/AADSTS70021/);
    });
  });
});
