/**
 * Auth (issue 7):
 * - the provider refuses a non-https Graph (or login) endpoint unless it is loopback: resolveSettings
 *   and the plugin's Configure;
 * - tokens for another tenant, expired tokens, a wrong tenant or secret: refused, and the provider's
 *   error says what to fix (and holds no secret);
 * - least privilege, measured: which lifecycle operation works with which application permission
 *   (User.Invite.All; + User.Read.All; User.ReadWrite.All). Creating guests works with
 *   User.Invite.All alone: no write after the invitation, the missing read permission is a warning;
 * - whether the real engine shows that warning (the plugin's stderr) to the user.
 */
import { resolveSettings } from "../../src/graph";
import {
  adminGraphClient,
  providerEnv,
  RunningEmulator,
  serializedInvitationProvider,
  startEmulator,
  TestStack,
  ProviderServer,
  invitationUrn,
  graphWrites,
  requestsTo,
} from "../../src/testing";
import { GrpcEngine } from "./grpc-engine";
import { censusOf, describeInstalled, PKG_DIR, SecretScanner, writeFigures } from "./harness";

jest.setTimeout(240_000);

const REDIRECT = "https://myapps.microsoft.com";
const OTHER_TENANT = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
const figures: Record<string, unknown> = {};

afterAll(() => {
  writeFigures("auth", figures);
});

describe("endpoints: https only, plain http on loopback only", () => {
  const base = { ARM_TENANT_ID: "t", ARM_CLIENT_ID: "c", ARM_CLIENT_SECRET: "s" };
  const settings =
    (endpoint: string, key = "ENTRA_GRAPH_ENDPOINT") =>
    () =>
      resolveSettings(() => undefined, { ...base, [key]: endpoint });

  test.each([
    ["http://graph.example.com", "ENTRA_GRAPH_ENDPOINT"],
    ["http://graph.microsoft.com", "ENTRA_GRAPH_ENDPOINT"],
    ["http://127.0.0.1.nip.io:8080", "ENTRA_GRAPH_ENDPOINT"],
    ["http://localhost.evil.example", "ENTRA_GRAPH_ENDPOINT"],
    ["http://0.0.0.0:8080", "ENTRA_GRAPH_ENDPOINT"],
    ["http://10.0.0.5", "ENTRA_GRAPH_ENDPOINT"],
    ["ftp://graph.example.com", "ENTRA_GRAPH_ENDPOINT"],
    ["http://login.example.com", "ENTRA_AUTHORITY_HOST"],
  ])("refuses %s (%s) and says what to do", (endpoint, key) => {
    expect(settings(endpoint, key)).toThrow(
      /must use https: tokens are only sent over https \(plain http is accepted for loopback addresses only\)/,
    );
  });

  test.each(["graph.example.com", "not a url"])("refuses '%s' (not an absolute URL) with an example", (endpoint) => {
    expect(settings(endpoint)).toThrow(/is not an absolute URL: give it like https:\/\/graph\.example\.com/);
  });

  test.each([
    ["http://127.0.0.1:8443", "http://127.0.0.1:8443"],
    ["http://localhost:5000/v1.0/", "http://localhost:5000"],
    ["http://[::1]:8080", "http://[::1]:8080"],
    ["http://127.1:9000", "http://127.0.0.1:9000"],
    ["https://graph.example.com", "https://graph.example.com"],
  ])("accepts %s", (endpoint, resolved) => {
    expect(settings(endpoint)().graphEndpoint).toBe(resolved);
  });
});

describeInstalled("the plugin: Configure, tenants, expired tokens", () => {
  let emu: RunningEmulator;
  let provider: string;
  let scanner: SecretScanner;
  const servers: ProviderServer[] = [];
  const errors: Record<string, string> = {};

  beforeAll(async () => {
    emu = await startEmulator();
    provider = serializedInvitationProvider(PKG_DIR).provider;
    scanner = new SecretScanner(emu.clientSecret);
  });

  afterAll(async () => {
    for (const s of servers) {
      scanner.scan("plugin stderr", s.stderr.join("\n"));
      await s.close();
    }
    await emu?.close();
    figures.errors = errors;
    figures.secretHits = scanner?.hits.length;
  });

  async function plugin(config: Record<string, string>): Promise<ProviderServer> {
    const s = await ProviderServer.start({
      cwd: PKG_DIR,
      env: { ...process.env, ARM_CLIENT_SECRET: "", ARM_CLIENT_ID: "", ARM_TENANT_ID: "", ENTRA_GRAPH_ENDPOINT: "" },
    });
    servers.push(s);
    await s.configure(config);
    return s;
  }

  const config = (
    o: Partial<Record<"tenantId" | "clientId" | "clientSecret" | "graphEndpoint" | "authorityHost", string>> = {},
  ): Record<string, string> => ({
    "entra:graphEndpoint": o.graphEndpoint ?? emu.graphUrl,
    "entra:authorityHost": o.authorityHost ?? emu.authorityHost,
    "entra:tenantId": o.tenantId ?? emu.tenantId,
    "entra:clientId": o.clientId ?? emu.clientId,
    "entra:clientSecret": o.clientSecret ?? emu.clientSecret,
  });

  async function createError(s: ProviderServer, name: string, email: string): Promise<string> {
    const urn = invitationUrn(name);
    const checked = await s.check(
      urn,
      {},
      { __provider: provider, invitedUserEmailAddress: email, inviteRedirectUrl: REDIRECT },
    );
    expect(checked.failures).toEqual([]);
    try {
      await s.create(urn, checked.inputs);
    } catch (e) {
      const text = (e as Error).message;
      errors[name] = text;
      scanner.scan(`${name}: error`, text);
      return text;
    }
    throw new Error(`${name}: create succeeded`);
  }

  // The SDK's plugin runs the provider's configure on the first call that needs the provider (Check),
  // not on the gRPC Configure; a refused setting shows there.
  async function firstCheck(s: ProviderServer): Promise<string> {
    try {
      await s.check(
        invitationUrn("probe"),
        {},
        { __provider: provider, invitedUserEmailAddress: "probe@contoso.com", inviteRedirectUrl: REDIRECT },
      );
      return "";
    } catch (e) {
      return (e as Error).message;
    }
  }

  test("entra:graphEndpoint http://graph.example.com is refused with the fix; nothing sent", async () => {
    emu.clearRequests();
    const s = await plugin(config({ graphEndpoint: "http://graph.example.com" }));
    const message = await firstCheck(s);
    errors.configureHttp = message;
    expect(message).toMatch(
      /entra:graphEndpoint \/ ENTRA_GRAPH_ENDPOINT 'http:\/\/graph\.example\.com' must use https: tokens are only sent over https/,
    );
    expect(message).not.toContain(emu.clientSecret);
    expect(emu.requests()).toEqual([]);
  });

  // Found here: the SDK caches the provider before its configure finishes, so after a refused
  // configure the next calls run unconfigured and the provider falls back to the environment
  // (ENTRA_*/ARM_* or DefaultAzureCredential): the stack's settings are ignored. See docs/reliability.md.
  test("a refused endpoint stays refused: later calls do not fall back to the environment's Graph", async () => {
    emu.clearRequests();
    // The environment points at the emulator with working credentials; the stack config says http://.
    const s = await ProviderServer.start({ cwd: PKG_DIR, env: { ...process.env, ...providerEnv(emu) } });
    servers.push(s);
    await s.configure(config({ graphEndpoint: "http://graph.example.com" }));
    expect(await firstCheck(s)).toMatch(/must use https/);
    const urn = invitationUrn("fallback");
    let created = "";
    try {
      const checked = await s.check(
        urn,
        {},
        { __provider: provider, invitedUserEmailAddress: "fallback@contoso.com", inviteRedirectUrl: REDIRECT },
      );
      created = (await s.create(urn, checked.inputs)).id;
    } catch {
      /* refused, as it should be */
    }
    errors.fallbackAfterRefusedConfigure = created
      ? `create succeeded against the environment's endpoint: user ${created}`
      : "refused";
    expect(created).toBe("");
    expect(graphWrites(emu.requests())).toEqual([]);
  });

  test("http://127.0.0.1:<port> (loopback) is accepted", async () => {
    const s = await plugin(config({ graphEndpoint: `http://127.0.0.1:${emu.port}` }));
    expect(await firstCheck(s)).toBe("");
  });

  test("a token for another tenant is refused by Graph (401) and the error names the tenant setting", async () => {
    const other = emu.addClient({ roles: ["User.Invite.All", "User.ReadWrite.All"], tenantId: OTHER_TENANT });
    emu.clearRequests();
    const s = await plugin(
      config({ tenantId: OTHER_TENANT, clientId: other.clientId, clientSecret: other.clientSecret }),
    );
    scanner.addSecret(other.clientSecret);
    const text = await createError(s, "other-tenant", "t1@contoso.com");
    expect(text).toMatch(/401 InvalidAuthenticationToken: .*issued for another tenant/);
    expect(text).toMatch(/Fix: the access token was refused: check entra:tenantId \/ ARM_TENANT_ID/);
    expect(graphWrites(emu.requests())).toEqual([]);
  });

  test("an expired token (clock skew, slow network) is refused (401) and the error says so, with the fix", async () => {
    // Tokens live 1 s and every Graph request takes 1.5 s: each token has expired when Graph reads it.
    const slow = await startEmulator({ tokenLifetimeSeconds: 1, latencyMs: 1_500, clientSecret: emu.clientSecret });
    try {
      const s = await plugin(
        config({
          graphEndpoint: slow.graphUrl,
          authorityHost: slow.authorityHost,
          tenantId: slow.tenantId,
          clientId: slow.clientId,
        }),
      );
      const text = await createError(s, "expired", "t2@contoso.com");
      expect(text).toMatch(/401 InvalidAuthenticationToken: Lifetime validation failed, the token is expired/);
      expect(text).toMatch(/Fix: .*the clock is right/);
      expect(graphWrites(slow.requests())).toEqual([]);
    } finally {
      await slow.close();
    }
  });

  test("a tenant the app is not in: the sign-in fails with Entra's reason, no Graph request", async () => {
    emu.clearRequests();
    const s = await plugin(config({ tenantId: OTHER_TENANT }));
    const text = await createError(s, "wrong-tenant", "t3@contoso.com");
    expect(text).toMatch(/AADSTS\d+/);
    expect(emu.requests().filter((r) => !r.path.includes("/oauth2/"))).toEqual([]);
  });

  test("a wrong client secret: the sign-in fails with Entra's reason, the secret is not echoed", async () => {
    emu.clearRequests();
    const wrong = "wrong8Q~secretsecretsecretsecretsecret00";
    scanner.addSecret(wrong);
    const s = await plugin(config({ clientSecret: wrong }));
    const text = await createError(s, "wrong-secret", "t4@contoso.com");
    expect(text).toMatch(/AADSTS7000215|Invalid client secret/);
    expect(text).not.toContain(wrong);
    expect(emu.requests().filter((r) => !r.path.includes("/oauth2/"))).toEqual([]);
  });

  test("no secret in any error or plugin output", () => {
    for (const s of servers) scanner.scan("plugin stderr", s.stderr.join("\n"));
    expect(scanner.hits).toEqual([]);
  });
});

/** The lifecycle operations the least-privilege table lists, run through the engine's call order. */
const OPERATIONS = [
  "create (invite a new guest)",
  "create adopting an existing guest (lookup by email)",
  "create with userProperties",
  "refresh (read)",
  "update displayName / userType / userProperties",
  "replace: email change (mail PATCH + reset)",
  "replace: triggers change (reset)",
  "delete (onDelete: delete)",
  "delete (onDelete: disable)",
  "delete (onDelete: retain)",
] as const;
type Operation = (typeof OPERATIONS)[number];

interface Outcome {
  ok: boolean;
  /** Writes Graph saw after the invitation (create only). */
  writesAfterInvite?: number;
  adopted?: boolean;
  warning?: boolean;
  error?: string;
}

describeInstalled("least privilege, measured per operation and permission", () => {
  let emu: RunningEmulator;
  let provider: string;
  let scanner: SecretScanner;
  const apps: Record<string, { clientId: string; clientSecret: string }> = {};
  const table: Record<string, Record<string, Outcome>> = {};
  const ROLESETS: Record<string, string[]> = {
    "User.Invite.All": ["User.Invite.All"],
    "User.Invite.All + User.Read.All": ["User.Invite.All", "User.Read.All"],
    "User.ReadWrite.All": ["User.ReadWrite.All"],
  };

  beforeAll(async () => {
    emu = await startEmulator();
    provider = serializedInvitationProvider(PKG_DIR).provider;
    scanner = new SecretScanner(emu.clientSecret);
    for (const [label, roles] of Object.entries(ROLESETS)) {
      apps[label] = emu.addClient({ roles });
      scanner.addSecret(apps[label].clientSecret);
    }
  });

  afterAll(async () => {
    await emu?.close();
    figures.leastPrivilege = table;
  });

  /** An engine signed in as `app`; a second, fully privileged one prepares and cleans up. */
  function engineFor(label: string | undefined, stack: string): GrpcEngine {
    const app = label ? apps[label] : { clientId: emu.clientId, clientSecret: emu.clientSecret };
    return new GrpcEngine({
      pkgDir: PKG_DIR,
      env: { ...process.env, ARM_CLIENT_SECRET: "", ENTRA_GRAPH_ENDPOINT: "" },
      provider,
      stack,
      config: {
        "entra:graphEndpoint": emu.graphUrl,
        "entra:authorityHost": emu.authorityHost,
        "entra:tenantId": emu.tenantId,
        "entra:clientId": app.clientId,
        "entra:clientSecret": app.clientSecret,
      },
    });
  }

  const slug = (s: string): string =>
    s
      .replace(/[^a-z]+/gi, "")
      .toLowerCase()
      .slice(0, 12);

  const isCreate = (op: Operation): boolean => op.startsWith("create");
  const caseOf = (
    label: string,
    op: Operation,
    n: number,
  ): { name: string; email: string; args: Record<string, unknown> } => {
    const email = `lp${n}-${slug(op)}@${slug(label)}.lp.example`;
    const base: Record<string, unknown> = {
      invitedUserEmailAddress: email,
      inviteRedirectUrl: REDIRECT,
      invitedUserDisplayName: "LP",
    };
    // Adopting with a display name of its own would PATCH the existing guest (a write): measured apart.
    if (op.startsWith("create adopting"))
      return { name: `lp${n}`, email, args: { invitedUserEmailAddress: email, inviteRedirectUrl: REDIRECT } };
    if (op === "create with userProperties")
      return { name: `lp${n}`, email, args: { ...base, userProperties: { companyName: "Contoso" } } };
    if (op.startsWith("delete"))
      return {
        name: `lp${n}`,
        email,
        args: { ...base, onDelete: op.includes("disable") ? "disable" : op.includes("retain") ? "retain" : "delete" },
      };
    return { name: `lp${n}`, email, args: base };
  };
  const stepOutcome = (steps: { ok: boolean; error?: string }[]): Outcome => {
    const failed = steps.find((x) => !x.ok);
    return failed ? { ok: false, error: failed.error } : { ok: true };
  };

  /** Run one operation as `label` on a guest the admin engine set up (one plugin process per operation). */
  async function run(label: string, op: Operation, n: number, admin: GrpcEngine): Promise<Outcome> {
    const { name, email, args } = caseOf(label, op, n);
    const e = engineFor(label, "lp");
    let outcome: Outcome;
    if (isCreate(op)) {
      if (op.startsWith("create adopting"))
        await adminGraphClient(emu)
          .api("/invitations")
          .post({ invitedUserEmailAddress: email, inviteRedirectUrl: REDIRECT });
      emu.clearRequests();
      outcome = stepOutcome(await e.up(new Map([[name, args]])));
      const log = emu.requests();
      const invite = log.findIndex((r) => r.method === "POST" && r.path === "/v1.0/invitations" && r.status === 201);
      outcome.writesAfterInvite = invite < 0 ? undefined : graphWrites(log.slice(invite + 1)).length;
      outcome.adopted = e.state.get(name)?.outputs.adopted as boolean | undefined;
      outcome.warning = e.stderr.some((l) => l.startsWith("warning: pulumi-entra-invitation:"));
    } else {
      e.state.set(name, admin.state.get(name)!);
      emu.clearRequests();
      if (op === "refresh (read)") outcome = stepOutcome(await e.refresh());
      else if (op.startsWith("update"))
        outcome = stepOutcome(await e.up(new Map([[name, { ...args, invitedUserDisplayName: "LP 2" }]])));
      else if (op.startsWith("replace: email"))
        outcome = stepOutcome(
          await e.up(new Map([[name, { ...args, invitedUserEmailAddress: email.replace("@", ".moved@") }]])),
        );
      else if (op.startsWith("replace: triggers"))
        outcome = stepOutcome(await e.up(new Map([[name, { ...args, triggers: { n: 1 } }]])));
      else outcome = stepOutcome(await e.up(new Map()));
    }
    for (const l of [...e.stderr, ...e.errors]) scanner.scan(`${label} ${op}`, l);
    return outcome;
  }

  test("every operation with every permission set (the README's table)", async () => {
    const cases = Object.keys(ROLESETS).flatMap((label) => OPERATIONS.map((op) => ({ label, op })));
    // The guests the non-create operations work on, made by a fully privileged app in one deployment.
    const admin = engineFor(undefined, "lp");
    const setup = new Map(
      cases
        .map((c, n) => ({ ...c, n }))
        .filter((c) => !isCreate(c.op))
        .map((c) => {
          const x = caseOf(c.label, c.op, c.n);
          return [x.name, x.args];
        }),
    );
    expect((await admin.up(setup)).filter((x) => !x.ok)).toEqual([]);
    for (const l of admin.stderr) scanner.scan("admin setup", l);
    for (const [n, { label, op }] of cases.entries()) {
      table[label] ??= {};
      table[label][op] = await run(label, op, n, admin);
    }
    const ok = (label: string, op: Operation): boolean => table[label][op].ok;
    // User.Invite.All alone: inviting works; nothing that reads or writes users does.
    expect(ok("User.Invite.All", "create (invite a new guest)")).toBe(true);
    expect(ok("User.Invite.All", "delete (onDelete: retain)")).toBe(true);
    for (const op of [
      "refresh (read)",
      "update displayName / userType / userProperties",
      "create with userProperties",
      "replace: email change (mail PATCH + reset)",
      "replace: triggers change (reset)",
      "delete (onDelete: delete)",
      "delete (onDelete: disable)",
    ] as const) {
      expect({ op, ok: ok("User.Invite.All", op) }).toEqual({ op, ok: false });
    }
    // + User.Read.All: adoption is recognised and refresh works; writes still need ReadWrite.
    expect(
      table["User.Invite.All + User.Read.All"]["create adopting an existing guest (lookup by email)"],
    ).toMatchObject({ ok: true, adopted: true });
    expect(ok("User.Invite.All + User.Read.All", "refresh (read)")).toBe(true);
    expect(ok("User.Invite.All + User.Read.All", "update displayName / userType / userProperties")).toBe(false);
    // User.ReadWrite.All: everything.
    for (const op of OPERATIONS) expect({ op, ok: ok("User.ReadWrite.All", op) }).toEqual({ op, ok: true });
    // Failures name the permission to grant.
    for (const label of Object.keys(ROLESETS)) {
      for (const op of OPERATIONS) {
        const o = table[label][op];
        if (!o.ok)
          expect({ label, op, error: o.error }).toEqual({
            label,
            op,
            error: expect.stringMatching(/User\.(Read|ReadWrite)\.All|Fix:/),
          });
      }
    }
    expect(scanner.hits).toEqual([]);
    process.stdout.write(
      `least privilege: ${JSON.stringify(Object.fromEntries(Object.entries(table).map(([k, v]) => [k, Object.fromEntries(Object.entries(v).map(([op, o]) => [op, o.ok]))])), null, 1)}\n`,
    );
  });

  test("User.Invite.All alone: the create succeeds, no write after the invitation, a warning instead of a failure", () => {
    const o = table["User.Invite.All"]["create (invite a new guest)"];
    expect(o).toMatchObject({ ok: true, writesAfterInvite: 0, warning: true, adopted: false });
  });
});

describeInstalled("the real engine with User.Invite.All alone: is the warning shown?", () => {
  test("up succeeds; where the plugin's warning appears", async () => {
    const emu = await startEmulator();
    const app = emu.addClient({ roles: ["User.Invite.All"] });
    const scanner = new SecretScanner(emu.clientSecret, app.clientSecret);
    const program = `const { Invitation } = require("pulumi-entra-invitation");\nconst g = new Invitation("vendor", { invitedUserEmailAddress: "vendor@fabrikam.example", inviteRedirectUrl: "${REDIRECT}", onDelete: "retain" });\nmodule.exports = { userId: g.userId };\n`;
    const stack = new TestStack({
      name: "rel-least-privilege",
      program,
      programFile: "index.js",
      env: { ...providerEnv({ ...emu, clientId: app.clientId, clientSecret: app.clientSecret }) },
    });
    try {
      const r = await stack.up();
      for (const t of [r.stdout, r.stderr, r.error, JSON.stringify(stack.exportState())])
        scanner.scan("least-privilege up", t);
      expect(r.ok).toBe(true);
      const log = emu.requests();
      expect(requestsTo(log, "POST", "/v1.0/invitations").map((x) => x.status)).toEqual([201]);
      const invite = log.findIndex((x) => x.method === "POST" && x.path === "/v1.0/invitations");
      expect(graphWrites(log.slice(invite + 1))).toEqual([]);
      const inStdout = r.stdout.includes("pulumi-entra-invitation: cannot read users");
      const inStderr = r.stderr.includes("pulumi-entra-invitation: cannot read users");
      const line = `${r.stdout}\n${r.stderr}`.split("\n").find((l) => l.includes("cannot read users"));
      figures.engineShowsPluginWarning = { inStdout, inStderr, line: line?.trim() };
      process.stdout.write(`engine and plugin stderr: ${JSON.stringify(figures.engineShowsPluginWarning)}\n`);
      if (process.env.RELIABILITY_DEBUG)
        process.stdout.write(`--- up stdout ---\n${r.stdout}\n--- up stderr ---\n${r.stderr}\n`);
      const d = await stack.destroy();
      for (const t of [d.stdout, d.stderr, d.error, JSON.stringify(stack.exportState())])
        scanner.scan("least-privilege destroy", t);
      expect(d.ok).toBe(true);
      expect(emu.users().map((u) => u.mail)).toEqual(["vendor@fabrikam.example"]);
      expect(scanner.hits).toEqual([]);
      figures.engineCensus = censusOf(emu.requests());
    } finally {
      stack.dispose();
      await emu.close();
    }
  });
});
