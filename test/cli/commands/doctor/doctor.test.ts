/**
 * `entra-guests doctor` (src/cli/commands/doctor/) run in-process as src/cli/index.ts runs it,
 * against the emulator over HTTPS with the real @azure/identity credential: a full-permission app,
 * a least-privilege app without User.ReadWrite.All, a tenant that refuses the lookup filter, a wrong
 * secret, an unreachable authority and Graph, incomplete settings, and the stack's config. Every
 * case asserts from the emulator's request log that doctor sent no write. The pure parts (roles,
 * token claims, rows, what an answer means) are tested with tables.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import {
  checkPermissions,
  describeCredential,
  DoctorReport,
  recordingSources,
  fallbackFilter,
  lookupFilter,
  PROBE_ADDRESS,
  probeProblem,
  QueryProbe,
  readToken,
  rowOf,
} from "../../../../src/cli/commands/doctor";
import { resolveSettings } from "../../../../src/graph";
import {
  adminGraphClient,
  providerEnv,
  RequestLogEntry,
  RunningEmulator,
  startEmulator,
} from "../../../../src/testing";
import { CliRun, runCliCaptured } from "../../run-cli";

jest.setTimeout(120_000);

let emu: RunningEmulator;
let refusing: RunningEmulator;
let closedPort: number;

function doctor(argv: string[], env: Record<string, string | undefined>, cwd = os.tmpdir()): Promise<CliRun> {
  return runCliCaptured(["doctor", ...argv], env, cwd);
}

/** Only the variables a pipeline would set for this emulator (none of this process's ARM_* or AZURE_*). */
function envFor(
  e: RunningEmulator,
  app: { clientId: string; clientSecret: string } = e,
  extra: Record<string, string> = {},
): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS,
    ...providerEnv({ ...e, ...app }),
    ...extra,
  };
}

/** Everything doctor sent is a read (GET to Graph) or a token request: never a write. */
function onlyReads(log: RequestLogEntry[]): void {
  const writes = log.filter(
    (r) => !(r.method === "GET" || (r.method === "POST" && /\/oauth2\/v2\.0\/token$/.test(r.path.split("?")[0]))),
  );
  expect(writes).toEqual([]);
}

/** Does this emulator itself answer the documented lookup? (doctor must report exactly that) */
async function answers(e: RunningEmulator, filter: string): Promise<boolean> {
  try {
    await adminGraphClient(e)
      .api(`/users?$filter=${encodeURIComponent(filter)}&$select=id&$top=1`)
      .get();
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  [emu, refusing] = await Promise.all([startEmulator(), startEmulator({ refuseFilterOn: ["proxyAddresses"] })]);
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  closedPort = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
});
afterAll(async () => {
  await Promise.all([emu.close(), refusing.close()]);
});
beforeEach(() => {
  emu.clearRequests();
  refusing.clearRequests();
});

describe("against the emulator", () => {
  it("a full-permission app: the credential row, the endpoints, the token's roles, the queries; only reads", async () => {
    const documented = await answers(emu, lookupFilter(PROBE_ADDRESS));
    emu.clearRequests();
    const r = await doctor([], envFor(emu));
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe(
      "credential  client secret from environment ARM_* (ARM_TENANT_ID, ARM_CLIENT_ID, ARM_CLIENT_SECRET)",
    );
    expect(lines[1]).toBe(
      `cloud       custom: Graph ${emu.graphUrl}, authority ${emu.authorityHost} (ENTRA_GRAPH_ENDPOINT, ENTRA_AUTHORITY_HOST)`,
    );
    expect(lines[2]).toBe(`token       issued by ${emu.authorityHost} for tenant ${emu.tenantId}, app ${emu.clientId}`);
    expect(lines[3]).toMatch(/^roles {7}(?=.*User\.Invite\.All)(?=.*User\.ReadWrite\.All)/);
    expect(lines.filter((l) => l.startsWith("ok      "))).toEqual(
      expect.arrayContaining([
        expect.stringContaining("User.Invite.All"),
        expect.stringContaining("User.Read.All (through User.ReadWrite.All)"),
        expect.stringContaining("User.ReadWrite.All"),
      ]),
    );
    expect(r.stdout).toContain(
      "ok          orphans listing with $expand=extensions: GET /users?$filter=userType eq 'Guest' or creationType eq 'Invitation'&$select=id&$expand=extensions&$top=1 → 200",
    );
    // doctor reports what the tenant answers: exit 0 exactly when this emulator serves the documented lookup.
    expect(r.stdout).toContain(
      `${documented ? "ok     " : "REFUSED"}     lookup filter: GET /users?$filter=${lookupFilter(PROBE_ADDRESS)}&$select=id&$top=1`,
    );
    expect(r.code).toBe(documented ? 0 : 1);
    expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(documented ? 0 : 1);
    if (documented) expect(lines).toContain("All checks passed: nothing was changed.");
    for (const text of [r.stdout, r.stderr]) expect(text).not.toContain(emu.clientSecret);
    const log = emu.requests();
    onlyReads(log);
    expect(
      log
        .filter((q) => q.method === "GET")
        .every((q) => q.path.startsWith("/v1.0/users?") && /(\$|%24)top=1(&|$)/.test(q.path)),
    ).toBe(true);
  });

  it("a least-privilege app without User.ReadWrite.All: one line names it, what it disables and the fix; exit 1", async () => {
    const app = emu.addClient({ roles: ["User.Invite.All", "User.Read.All"] });
    const r = await doctor(["--json"], envFor(emu, app));
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.token).toMatchObject({
      obtained: true,
      roles: ["User.Invite.All", "User.Read.All"],
      appId: app.clientId,
    });
    expect(report.permissions?.map((p) => [p.role, p.granted])).toEqual([
      ["User.Invite.All", true],
      ["User.Read.All", true],
      ["User.ReadWrite.All", false],
    ]);
    expect(report.problems).toContainEqual({
      id: "permission:User.ReadWrite.All",
      message:
        "the token has no User.ReadWrite.All: without it, ownership marks, userProperties updates, redemption resets (email changes, replacements), onDelete delete and disable, orphans --apply do not work",
      fix: "grant the app the application permission User.ReadWrite.All on Microsoft Graph and an admin's consent (App registrations > API permissions), then get a new token (wait a few minutes)",
    });
    expect(report.problems.filter((p) => p.id.startsWith("permission:"))).toHaveLength(1);
    const text = await doctor([], envFor(emu, app));
    expect(text.code).toBe(1);
    expect(text.stdout).toContain("MISSING     User.ReadWrite.All: disables ownership marks");
    expect(text.stderr).toContain(
      "entra-guests doctor: the token has no User.ReadWrite.All: without it, ownership marks, userProperties updates, redemption resets (email changes, replacements), onDelete delete and disable, orphans --apply do not work: fix: grant the app the application permission User.ReadWrite.All",
    );
    expect(text.stderr.split("\n").filter(Boolean)).toHaveLength(report.problems.length);
    onlyReads(emu.requests());
  });

  it("an app with User.Invite.All only: the read and write roles missing, the probes not reported twice", async () => {
    const app = emu.addClient({ roles: ["User.Invite.All"] });
    const r = await doctor(["--json"], envFor(emu, app));
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.problems.map((p) => p.id).slice(0, 2)).toEqual([
      "permission:User.Read.All",
      "permission:User.ReadWrite.All",
    ]);
    // A 403 is the missing read role, already reported: no second problem for it.
    expect(report.queries.filter((q) => q.status === 403).length).toBeGreaterThan(0);
    expect(report.problems.map((p) => p.id)).not.toContain("permission:read");
    onlyReads(emu.requests());
  });

  it("a tenant that refuses proxyAddresses in $filter: the lookup is named as refused, the fallback checked, the fix given", async () => {
    const r = await doctor(["--json"], envFor(refusing));
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as DoctorReport;
    const byName = Object.fromEntries(report.queries.map((q) => [q.name, q]));
    expect(byName["lookup filter"]).toMatchObject({ status: 400, accepted: false, code: "Request_UnsupportedQuery" });
    expect(byName["lookup clause proxyAddresses/any"]).toMatchObject({ status: 400, accepted: false });
    expect(byName["lookup clause mail eq"]).toMatchObject({ status: 200, accepted: true });
    expect(byName["lookup fallback filter"]).toMatchObject({
      status: 200,
      accepted: true,
      request: `GET /users?$filter=${fallbackFilter(PROBE_ADDRESS)}&$select=id&$top=1`,
    });
    expect(byName["lookup with $expand=extensions"]).toMatchObject({
      status: 200,
      request: `GET /users?$filter=${fallbackFilter(PROBE_ADDRESS)}&$select=id&$expand=extensions&$top=1`,
    });
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0].id).toBe("query:lookup");
    expect(report.problems[0].message).toMatch(
      /^this tenant refused proxyAddresses\/any in the "already invited" lookup \(400 Request_UnsupportedQuery: Unsupported or invalid query filter clause specified for property 'proxyAddresses' of resource 'User'\.\); the provider falls back to mail eq \/ otherMails\/any, which does not see a user whose address is only in its userPrincipalName or proxyAddresses/,
    );
    expect(report.problems[0].fix).toContain("find that user (entra-guests export) and declare it");
    const text = await doctor([], envFor(refusing));
    expect(text.stdout).toContain("REFUSED     lookup filter:");
    expect(text.stderr.split("\n").filter(Boolean)).toEqual([
      expect.stringMatching(
        /^entra-guests doctor: this tenant refused proxyAddresses\/any .*: fix: before inviting an address/,
      ),
    ]);
    onlyReads(refusing.requests());
  });

  it("a wrong client secret: one line, the fix, no Graph request", async () => {
    const r = await doctor(
      [],
      envFor(emu, { clientId: emu.clientId, clientSecret: "wrong-8Q~secretsecretsecretsecretsecretse" }),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `entra-guests doctor: no token from ${emu.authorityHost}: AADSTS7000215: fix: the client secret is wrong: set ARM_CLIENT_SECRET / entra:clientSecret / azuread:clientSecret to the secret's Value (not its Secret ID), or create a new secret for the app\n`,
    );
    expect(r.stdout).toContain("token       not issued");
    expect(r.stdout + r.stderr).not.toContain("wrong-8Q~");
    expect(emu.requests().filter((q) => q.path.startsWith("/v1.0/"))).toEqual([]);
    onlyReads(emu.requests());
  });

  it("an unreachable authority: one line naming it and what to check", async () => {
    const r = await doctor([], envFor(emu, emu, { ENTRA_AUTHORITY_HOST: `https://127.0.0.1:${closedPort}` }));
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^entra-guests doctor: cannot reach the authority https://127\\.0\\.0\\.1:${closedPort}, or it is not a login endpoint \\(.*\\): fix: check ENTRA_AUTHORITY_HOST / entra:authorityHost`,
      ),
    );
  });

  it("an unreachable Graph (the authority answers): one line naming Graph's endpoint", async () => {
    const r = await doctor([], envFor(emu, emu, { ENTRA_GRAPH_ENDPOINT: `https://localhost:${closedPort}` }));
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^entra-guests doctor: cannot reach Graph at https://localhost:${closedPort} \\(.*\\): fix: check ENTRA_GRAPH_ENDPOINT / entra:graphEndpoint`,
      ),
    );
    onlyReads(emu.requests());
  });

  it("incomplete settings: one line naming what to set, nothing sent", async () => {
    const r = await doctor([], {
      PATH: process.env.PATH,
      ARM_CLIENT_ID: emu.clientId,
      ARM_CLIENT_SECRET: emu.clientSecret,
      ENTRA_GRAPH_ENDPOINT: emu.graphUrl,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^entra-guests doctor: incomplete Entra credentials: a client secret needs a tenant id and a client id: fix: Set entra:tenantId and entra:clientId/,
    );
    expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    expect(emu.requests()).toEqual([]);
  });

  it("--stack reads the stack's config as the provider does: entra:* wins over ARM_*", async () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "entra-doctor-pulumi-"));
    const config = {
      "entra:tenantId": { value: emu.tenantId, secret: false },
      "entra:clientId": { value: emu.clientId, secret: false },
      "entra:clientSecret": { value: emu.clientSecret, secret: true },
    };
    fs.writeFileSync(path.join(bin, "config.json"), JSON.stringify(config));
    fs.writeFileSync(
      path.join(bin, "pulumi"),
      `#!/bin/sh\n[ "$1 $2 $3 $4 $5" = "config --json --show-secrets --stack prod" ] || { echo "error: no stack named '$5' found" >&2; exit 255; }\ncat "${bin}/config.json"\n`,
      { mode: 0o755 },
    );
    try {
      const env = {
        ...envFor(emu, { clientId: "not-this-app", clientSecret: "nor-this-secret" }),
        PATH: `${bin}${path.delimiter}${process.env.PATH}`,
      };
      const r = await doctor(["--stack", "prod", "--json"], env);
      const report = JSON.parse(r.stdout) as DoctorReport;
      expect(report.credential).toEqual({
        kind: "client secret",
        row: "stack config entra:*",
        from: ["entra:tenantId", "entra:clientId", "entra:clientSecret"],
      });
      expect(report.token).toMatchObject({ obtained: true, appId: emu.clientId });
      const bad = await doctor(["--stack", "nope"], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(
        /^entra-guests doctor: 'pulumi config --stack nope' failed: error: no stack named 'nope' found: check the stack name/,
      );
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
    onlyReads(emu.requests());
  });

  it("is listed in entra-guests --help and has its own help", async () => {
    const help = await doctor(["--help"], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: entra-guests doctor [flags]");
    const bad = await doctor(["--jsn"], {});
    expect(bad).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("unknown flag '--jsn' (did you mean '--json'?)"),
    });
  });
});

describe("pure parts", () => {
  it.each<[string, string[], [string, boolean, string | undefined][]]>([
    [
      "all three",
      ["User.Invite.All", "User.Read.All", "User.ReadWrite.All"],
      [
        ["User.Invite.All", true, "User.Invite.All"],
        ["User.Read.All", true, "User.Read.All"],
        ["User.ReadWrite.All", true, "User.ReadWrite.All"],
      ],
    ],
    [
      "User.ReadWrite.All grants all",
      ["User.ReadWrite.All"],
      [
        ["User.Invite.All", true, "User.ReadWrite.All"],
        ["User.Read.All", true, "User.ReadWrite.All"],
        ["User.ReadWrite.All", true, "User.ReadWrite.All"],
      ],
    ],
    [
      "Directory.Read.All reads only",
      ["Directory.Read.All"],
      [
        ["User.Invite.All", false, undefined],
        ["User.Read.All", true, "Directory.Read.All"],
        ["User.ReadWrite.All", false, undefined],
      ],
    ],
    [
      "case does not matter",
      ["user.invite.all"],
      [
        ["User.Invite.All", true, "user.invite.all"],
        ["User.Read.All", false, undefined],
        ["User.ReadWrite.All", false, undefined],
      ],
    ],
    [
      "none",
      [],
      [
        ["User.Invite.All", false, undefined],
        ["User.Read.All", false, undefined],
        ["User.ReadWrite.All", false, undefined],
      ],
    ],
  ])("checkPermissions: %s", (_n, roles, expected) => {
    expect(checkPermissions(roles).map((p) => [p.role, p.granted, p.via])).toEqual(expected);
  });

  const jwt = (claims: object): string =>
    `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;
  it.each<[string, string, ReturnType<typeof readToken>]>([
    [
      "app roles",
      jwt({ roles: ["User.Invite.All"], tid: "t", appid: "a", exp: 5 }),
      { roles: ["User.Invite.All"], scopes: [], tenantId: "t", appId: "a", expiresOn: 5 },
    ],
    [
      "delegated scopes",
      jwt({ scp: "User.Read.All User.Invite.All", tid: "t", azp: "b" }),
      { roles: [], scopes: ["User.Read.All", "User.Invite.All"], tenantId: "t", appId: "b", expiresOn: undefined },
    ],
    [
      "no roles at all",
      jwt({}),
      { roles: [], scopes: [], tenantId: undefined, appId: undefined, expiresOn: undefined },
    ],
    ["not a JWT", "opaque-token", undefined],
    ["a payload that is not JSON", "a.bm90IGpzb24.c", undefined],
  ])("readToken: %s", (_n, token, expected) => {
    expect(readToken(token)).toEqual(expected);
  });

  /** What describeCredential says: the credential's kind, the row it comes from, the settings it read. */
  const credential = (kind: string, row: string, from: string[]): ReturnType<typeof describeCredential> => ({
    kind,
    row,
    from,
  });
  it.each<[string, Record<string, string>, Record<string, string>, ReturnType<typeof describeCredential>]>([
    [
      "ARM_* secret",
      {},
      { ARM_TENANT_ID: "t", ARM_CLIENT_ID: "c", ARM_CLIENT_SECRET: "s" },
      credential("client secret", "environment ARM_*", ["ARM_TENANT_ID", "ARM_CLIENT_ID", "ARM_CLIENT_SECRET"]),
    ],
    [
      "azuread:* config",
      { "azuread:tenantId": "t", "azuread:clientId": "c", "azuread:clientSecret": "s" },
      {},
      credential("client secret", "stack config azuread:*", [
        "azuread:tenantId",
        "azuread:clientId",
        "azuread:clientSecret",
      ]),
    ],
    [
      "entra:* over ARM_*, mixed with azuread:*",
      { "entra:clientId": "c", "azuread:clientSecret": "s" },
      { ARM_TENANT_ID: "t", ARM_CLIENT_ID: "other" },
      credential("client secret", "environment ARM_* + stack config entra:* + stack config azuread:*", [
        "ARM_TENANT_ID",
        "entra:clientId",
        "azuread:clientSecret",
      ]),
    ],
    [
      "a certificate",
      {},
      { ARM_TENANT_ID: "t", ARM_CLIENT_ID: "c", ARM_CLIENT_CERTIFICATE_PATH: "/c.pem" },
      credential("client certificate", "environment ARM_*", [
        "ARM_TENANT_ID",
        "ARM_CLIENT_ID",
        "ARM_CLIENT_CERTIFICATE_PATH",
      ]),
    ],
    [
      "OIDC in GitHub Actions",
      {},
      {
        ARM_TENANT_ID: "t",
        ARM_CLIENT_ID: "c",
        ARM_USE_OIDC: "true",
        ACTIONS_ID_TOKEN_REQUEST_URL: "https://x",
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: "y",
      },
      credential("oidc", "environment ARM_* + the CI's OIDC variables", [
        "ARM_TENANT_ID",
        "ARM_CLIENT_ID",
        "ARM_USE_OIDC",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
      ]),
    ],
    [
      "nothing: DefaultAzureCredential",
      {},
      {},
      credential(
        "DefaultAzureCredential",
        "DefaultAzureCredential (no complete entra:*, azuread:* or ARM_* credentials)",
        [],
      ),
    ],
  ])("describeCredential: %s", (_n, config, env, expected) => {
    const src = recordingSources((k) => config[k], env);
    expect(describeCredential(resolveSettings(src.config, src.env), src.provenance)).toEqual(expected);
  });

  it.each([
    ["entra:clientId", "stack config entra:*"],
    ["azuread:clientSecret", "stack config azuread:*"],
    ["ARM_CLIENT_ID", "environment ARM_*"],
    ["ENTRA_GRAPH_ENDPOINT", "environment ENTRA_*"],
    ["AZURE_AUTHORITY_HOST", "environment AZURE_AUTHORITY_HOST"],
  ])("rowOf(%s) = %s", (key, row) => {
    expect(rowOf(key)).toBe(row);
  });

  const probe = (p: Partial<QueryProbe>): QueryProbe => ({
    name: "lookup filter",
    request: "GET /users?x",
    status: 400,
    accepted: false,
    code: "Request_UnsupportedQuery",
    message: "no",
    ...p,
  });
  const o = { readMissing: false, graphEndpoint: "https://graph.example" };
  it.each<[string, QueryProbe, Parameters<typeof probeProblem>[1], string | undefined]>([
    ["accepted", probe({ status: 200, accepted: true }), o, undefined],
    [
      "403 while the read role is missing (reported once, as the role)",
      probe({ status: 403 }),
      { ...o, readMissing: true },
      undefined,
    ],
    ["403 with a read role", probe({ status: 403 }), o, "permission:read"],
    ["401", probe({ status: 401 }), o, "token"],
    ["no answer", probe({ status: 0 }), o, "graph"],
    ["throttled", probe({ status: 429 }), o, "query:lookup filter"],
    [
      "the lookup refused, the fallback accepted",
      probe({}),
      { ...o, refusedClauses: ["proxyAddresses/any"], fallbackAccepted: true },
      "query:lookup",
    ],
    ["$expand refused", probe({ name: "lookup with $expand=extensions" }), o, "query:expand"],
  ])("probeProblem: %s", (_n, p, opts, id) => {
    expect(probeProblem(p, opts)?.id).toBe(id);
  });

  it("the lookup refused as a combination only (each clause accepted) says so", () => {
    expect(probeProblem(probe({}), { ...o, refusedClauses: [], fallbackAccepted: false })?.message).toMatch(
      /^this tenant refused the combination with 'or' \(each clause alone is accepted\).*its fallback \(mail eq \/ otherMails\/any\) is refused too/,
    );
  });
});
