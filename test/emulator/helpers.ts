/** Shared helpers of the emulator tests: one emulator per file (useEmulator), the real Graph client and credential, raw HTTPS. */
import { ClientSecretCredential } from "@azure/identity";
import { Client, GraphError } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { EmulatorOptions, RunningEmulator, startEmulator } from "../../src/emulator";
import { readBody } from "../../src/testing/http-body";

/** The real ClientSecretCredential pointed at the emulator. */
export function credential(
  emu: RunningEmulator,
  clientId = emu.clientId,
  clientSecret = emu.clientSecret,
  tenantId = emu.tenantId,
): ClientSecretCredential {
  return new ClientSecretCredential(tenantId, clientId, clientSecret, {
    authorityHost: emu.authorityHost,
    disableInstanceDiscovery: true,
  });
}

/** The real Graph client (v3) over HTTPS with the real credential. */
export function graphClient(emu: RunningEmulator, cred: ClientSecretCredential = credential(emu)): Client {
  return Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(cred, { scopes: [`${emu.graphUrl}/.default`] }),
    baseUrl: `${emu.graphUrl}/`,
    customHosts: new Set(["localhost"]),
  });
}

/** The real Graph client of a new app registered in `emu` with the application permissions `roles`. */
export function appClient(emu: RunningEmulator, roles: string[]): Client {
  const app = emu.addClient({ roles });
  return graphClient(emu, credential(emu, app.clientId, app.clientSecret));
}

/** Awaits a Graph client call that must fail and returns its GraphError. */
export async function graphFailure(p: Promise<unknown>): Promise<GraphError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GraphError) return e;
    throw e;
  }
  throw new Error("expected the Graph call to fail");
}

/** An answer of {@link raw}. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

const agents = new Map<string, https.Agent>();

/** A keep-alive agent that trusts the emulator's CA explicitly (independent of NODE_EXTRA_CA_CERTS). */
export function agentFor(emu: RunningEmulator): https.Agent {
  let a = agents.get(emu.caCertPath + emu.port);
  if (!a)
    agents.set(
      emu.caCertPath + emu.port,
      (a = new https.Agent({ ca: fs.readFileSync(emu.caCertPath), keepAlive: true, maxSockets: 64 })),
    );
  return a;
}

/** A hand-made HTTPS request. Rejects when the connection breaks without an answer. */
export function raw(
  emu: RunningEmulator,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: unknown; token?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type"))
        headers["Content-Type"] = "application/json";
    }
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    const req = https.request(
      { host: "localhost", port: emu.port, method, path, headers, agent: agentFor(emu) },
      (res) =>
        readBody(res).then(
          ({ text, json }) => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json }),
          reject,
        ),
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** A token for the default app (or another) by a hand-made client-credentials request. */
export async function rawToken(
  emu: RunningEmulator,
  clientId = emu.clientId,
  clientSecret = emu.clientSecret,
  tenantId = emu.tenantId,
): Promise<string> {
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: clientId,
    client_secret: clientSecret,
    scope: `${emu.graphUrl}/.default`,
  });
  const r = await raw(emu, "POST", `/${tenantId}/oauth2/v2.0/token`, {
    body: form.toString(),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  const body = r.json as { access_token?: string };
  if (r.status !== 200 || !body.access_token) throw new Error(`token request failed: ${r.status} ${r.text}`);
  return body.access_token;
}

/** Graph's error body shape. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    innerError: { date: string; "request-id": string; "client-request-id": string };
  };
}

/** Asserts `body` has exactly Graph's error shape and returns it typed. */
export function expectGraphErrorBody(body: unknown, code?: string): ErrorBody {
  const b = body as ErrorBody;
  expect(Object.keys(b)).toEqual(["error"]);
  expect(Object.keys(b.error).sort()).toEqual(["code", "innerError", "message"]);
  expect(Object.keys(b.error.innerError).sort()).toEqual(["client-request-id", "date", "request-id"]);
  expect(b.error.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  if (code) expect(b.error.code).toBe(code);
  return b;
}

/** A unique address per call. */
let counter = 0;
export function address(prefix = "guest"): string {
  counter++;
  return `${prefix}.${process.pid}.${counter}@contoso.com`;
}

/** The minimal valid invitation body. */
export function invitation(email: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { invitedUserEmailAddress: email, inviteRedirectUrl: "https://myapps.microsoft.com", ...extra };
}

/** Runs `body` with the path of a state file (`state.json`) in a new temporary folder, and removes the folder afterwards. */
export async function withStateFile(body: (statePath: string) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-emu-state-"));
  try {
    await body(path.join(dir, "state.json"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Destroys the keep-alive agents (call in afterAll). */
export function destroyAgents(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

/** What {@link useEmulator} hands a test file: its emulator and the real Graph client, from `beforeAll` on. */
export interface EmulatorFixture {
  /** The running emulator. */
  readonly emu: RunningEmulator;
  /** The real Graph client (v3) with the real credential, pointed at {@link EmulatorFixture.emu}. */
  readonly client: Client;
}

/**
 * One emulator for the enclosing file or describe: started with `options` in `beforeAll`, closed
 * (with the keep-alive agents) in `afterAll`. Call it before any other `beforeAll` that uses the
 * emulator: hooks run in the order they are declared.
 */
export function useEmulator(options: EmulatorOptions = {}): EmulatorFixture {
  let started: EmulatorFixture | undefined;
  beforeAll(async () => {
    const emu = await startEmulator(options);
    started = { emu, client: graphClient(emu) };
  });
  afterAll(async () => {
    await started?.emu.close();
    destroyAgents();
  });
  const get = (): EmulatorFixture => {
    if (!started) throw new Error("useEmulator: the emulator starts in beforeAll; use it in a test or a hook");
    return started;
  };
  return {
    get emu() {
      return get().emu;
    },
    get client() {
      return get().client;
    },
  };
}
