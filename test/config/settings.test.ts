import { DEFAULT_MAX_CONCURRENCY, describeSettings, resolveSettings } from "../../src/graph/settings";
import { resolveEndpoints, isLoopbackHost } from "../../src/graph/endpoints";
import { hintFor, EntraGraphError } from "../../src/graph/errors";

const cfg =
  (values: Record<string, string>) =>
  (k: string): string | undefined =>
    values[k];

describe("credential resolution order: entra:* config, then azuread:* config, then ARM_* environment, then DefaultAzureCredential", () => {
  it.each<[string, Record<string, string>, Record<string, string>, Record<string, unknown>]>([
    [
      "entra:* config wins",
      { "entra:tenantId": "t1", "entra:clientId": "c1", "entra:clientSecret": "s1", "azuread:tenantId": "t2" },
      { ARM_TENANT_ID: "t3" },
      { kind: "clientSecret", tenantId: "t1", clientId: "c1" },
    ],
    [
      "azuread:* keys users already set",
      { "azuread:tenantId": "t2", "azuread:clientId": "c2", "azuread:clientSecret": "s2" },
      { ARM_TENANT_ID: "t3" },
      { kind: "clientSecret", tenantId: "t2", clientId: "c2" },
    ],
    [
      "ARM_* environment",
      {},
      { ARM_TENANT_ID: "t3", ARM_CLIENT_ID: "c3", ARM_CLIENT_SECRET: "s3" },
      { kind: "clientSecret", tenantId: "t3", clientId: "c3" },
    ],
    [
      "a client certificate",
      {},
      { ARM_TENANT_ID: "t", ARM_CLIENT_ID: "c", ARM_CLIENT_CERTIFICATE_PATH: "/cert.pem" },
      { kind: "clientCertificate", certificatePath: "/cert.pem" },
    ],
    [
      "OIDC in GitHub Actions",
      {},
      {
        ARM_USE_OIDC: "true",
        ARM_TENANT_ID: "t",
        ARM_CLIENT_ID: "c",
        ACTIONS_ID_TOKEN_REQUEST_URL: "https://gh/token",
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: "x",
      },
      { kind: "oidc", requestUrl: "https://gh/token" },
    ],
    [
      "OIDC in Azure DevOps",
      {},
      {
        ARM_USE_OIDC: "1",
        ARM_TENANT_ID: "t",
        ARM_CLIENT_ID: "c",
        SYSTEM_OIDCREQUESTURI: "https://ado/oidc",
        SYSTEM_ACCESSTOKEN: "x",
        ARM_OIDC_AZURE_SERVICE_CONNECTION_ID: "sc",
      },
      { kind: "oidc", requestUrl: "https://ado/oidc", serviceConnectionId: "sc" },
    ],
    [
      "OIDC from azuread:useOidc config",
      { "azuread:useOidc": "true", "azuread:tenantId": "t", "azuread:clientId": "c" },
      { ARM_OIDC_TOKEN: "jwt" },
      { kind: "oidc", token: "jwt" },
    ],
    ["managed identity", {}, { ARM_USE_MSI: "true", ARM_CLIENT_ID: "mi" }, { kind: "managedIdentity", clientId: "mi" }],
    ["nothing set: DefaultAzureCredential (Azure CLI, AZURE_* variables)", {}, {}, { kind: "default" }],
  ])("%s", (_n, config, env, expected) => {
    expect(resolveSettings(cfg(config), env).credential).toMatchObject(expected);
  });

  it("refuses half a credential with a fix", () => {
    expect(() => resolveSettings(cfg({ "entra:clientSecret": "s" }), {})).toThrow(
      /needs a tenant id and a client id.*entra:tenantId/s,
    );
  });

  it("never puts a secret in the description", () => {
    const s = resolveSettings(
      cfg({ "entra:tenantId": "t", "entra:clientId": "c", "entra:clientSecret": "hunter2" }),
      {},
    );
    expect(describeSettings(s)).not.toContain("hunter2");
  });
});

describe("scheduler settings", () => {
  it.each<[string, Record<string, string>, Record<string, string>, number]>([
    ["default", {}, {}, DEFAULT_MAX_CONCURRENCY],
    ["entra:maxConcurrency", { "entra:maxConcurrency": "8" }, { ENTRA_MAX_CONCURRENCY: "32" }, 8],
    ["ENTRA_MAX_CONCURRENCY", {}, { ENTRA_MAX_CONCURRENCY: "32" }, 32],
  ])("maxConcurrency: %s", (_n, config, env, expected) => {
    expect(resolveSettings(cfg(config), env).maxConcurrency).toBe(expected);
  });

  it("the default carries a 1,000-guest refresh at once (50 batches of 20)", () => {
    expect(DEFAULT_MAX_CONCURRENCY * 20).toBeGreaterThanOrEqual(1000);
  });

  it.each(["0", "257", "1.5", "many"])("refuses maxConcurrency %s with the range", (v) => {
    expect(() => resolveSettings(cfg({ "entra:maxConcurrency": v }), {})).toThrow(
      new RegExp(`whole number from 1 to 256, not '${v}'`),
    );
  });
});

describe("clouds and endpoints", () => {
  it.each<[string, Record<string, string>, string, string]>([
    ["public by default", {}, "https://graph.microsoft.com", "https://login.microsoftonline.com"],
    [
      "usgovernment",
      { "entra:environment": "usgovernment" },
      "https://graph.microsoft.us",
      "https://login.microsoftonline.us",
    ],
    ["dod", { "azuread:environment": "dod" }, "https://dod-graph.microsoft.us", "https://login.microsoftonline.us"],
    [
      "china (ARM spelling)",
      { "entra:environment": "AzureChinaCloud" },
      "https://microsoftgraph.chinacloudapi.cn",
      "https://login.chinacloudapi.cn",
    ],
    [
      "custom endpoint (the emulator)",
      { "entra:graphEndpoint": "https://localhost:8443/v1.0/", "entra:authorityHost": "https://localhost:8443" },
      "https://localhost:8443",
      "https://localhost:8443",
    ],
  ])("%s", (_n, config, graph, authority) => {
    const s = resolveSettings(cfg(config), {});
    expect(s.graphEndpoint).toBe(graph);
    expect(s.authorityHost).toBe(authority);
  });

  it.each([
    ["http on a public host", "http://graph.example.com", /must use https/],
    ["not a URL", "graph.example.com", /not an absolute URL/],
  ])("refuses %s", (_n, url, msg) => {
    expect(() => resolveEndpoints({ graphEndpoint: url })).toThrow(msg);
  });

  it.each(["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:2"])(
    "accepts plain http on loopback: %s",
    (url) => {
      expect(resolveEndpoints({ graphEndpoint: url }).cloud).toBe("custom");
    },
  );

  it("refuses an unknown cloud with the list", () => {
    expect(() => resolveEndpoints({ environment: "mars" })).toThrow(/public, usgovernment, dod, china/);
  });

  it.each([
    ["localhost", true],
    ["127.0.0.2", true],
    ["::1", true],
    ["graph.microsoft.com", false],
    ["10.0.0.1", false],
  ])("isLoopbackHost(%s) = %s", (h, expected) => {
    expect(isLoopbackHost(h)).toBe(expected);
  });
});

describe("Graph errors carry code, request-id and a fix", () => {
  it.each<[string, number, string, string, string, RegExp | undefined]>([
    [
      "invite without permission",
      403,
      "Authorization_RequestDenied",
      "POST /invitations",
      "Insufficient privileges",
      /User\.Invite\.All.*Guest Inviter/s,
    ],
    [
      "reset without User.ReadWrite.All",
      403,
      "Authorization_RequestDenied",
      "POST /invitations (resetRedemption)",
      "Insufficient privileges",
      /User\.ReadWrite\.All/,
    ],
    [
      "PATCH without write permission",
      403,
      "Authorization_RequestDenied",
      "PATCH /users",
      "Insufficient privileges",
      /User\.ReadWrite\.All/,
    ],
    [
      "read without permission",
      403,
      "Authorization_RequestDenied",
      "GET /users",
      "Insufficient privileges",
      /User\.Read\.All/,
    ],
    [
      "blocked domain",
      400,
      "BadRequest",
      "POST /invitations",
      "The domain is blocked by the B2B policy",
      /allow\/deny list/,
    ],
    [
      "disabled account",
      400,
      "BadRequest",
      "POST /invitations",
      "already exists in the directory as object ID x and is blocked from signing in",
      /disabled/,
    ],
    ["bad token", 401, "InvalidAuthenticationToken", "GET /users", "Access token validation failure", /tenantId/],
    ["unremarkable", 400, "Request_BadRequest", "PATCH /users", "Invalid value", undefined],
  ])("%s", (_n, status, code, request, message, hint) => {
    const h = hintFor(status, code, request, message);
    if (hint) expect(h).toMatch(hint);
    else expect(h).toBeUndefined();
    const e = new EntraGraphError({ status, code, message, request, requestId: "rid-1" });
    expect(e.message).toContain(code);
    expect(e.message).toContain("rid-1");
    expect(e.code).toBe(code);
  });
});
