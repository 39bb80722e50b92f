/**
 * A local Microsoft Graph for invitations (`pulumi-entra-invitation/emulator`): a real HTTPS
 * server with the token endpoint of a tenant and the Graph v1.0 routes invitations touch, with
 * Graph's shapes, errors, limits and faults.
 *
 * ```ts
 * const emu = await startEmulator({ throttle: "graph" });
 * const cred = new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret,
 *   { authorityHost: emu.authorityHost, disableInstanceDiscovery: true });
 * // Graph client: baseUrl emu.graphUrl + "/", customHosts new Set(["localhost"])
 * await emu.close();
 * ```
 * The process that talks to it must trust `caCertPath` (NODE_EXTRA_CA_CERTS, read at start).
 *
 * @module pulumi-entra-invitation/emulator
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { AdminApi } from "./admin";
import { Auth } from "./auth";
import { ensureCa, issueServerCert, ServerCertificate } from "./certs";
import { EmulatorContext, Latency, checkLatency } from "./context";
import { Directory } from "./directory";
import { FaultInjector, formatFaults } from "./faults";
import { RequestLog } from "./log";
import { createRandom } from "./prng";
import { Listening, createHandler, listen } from "./server";
import { Throttle } from "./throttle";
import type { EmulatedUser, EmulatorOptions, FaultRates, RequestLogEntry, RunningEmulator } from "./types";

export type { EmulatedUser, EmulatorOptions, FaultRates, RequestLogEntry, RunningEmulator } from "./types";
export type { SeedUser } from "./seed";
export { ensureCa, issueServerCert } from "./certs";
export { parseFaults } from "./faults";

/** Tenant id of the emulated tenant unless options say otherwise. */
export const DEFAULT_TENANT_ID = "8f0c1a2b-3c4d-4e5f-9a6b-7c8d9e0f1a2b";
/** Client id of the default app registration unless options say otherwise. */
export const DEFAULT_CLIENT_ID = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b";
/** The tenant's initial domain (guest UPNs end in #EXT#@ this). */
export const TENANT_DOMAIN = "emulator.onmicrosoft.com";
/** App roles of the default app registration. */
export const DEFAULT_ROLES = ["User.Invite.All", "User.ReadWrite.All"];

/** One signing key per process, so that a restarted emulator still accepts tokens clients cached. */
const processSigningKey = randomBytes(32);
/** Server certificates issued in this process, by CA certificate. */
const serverCerts = new Map<string, ServerCertificate>();

interface StateFile {
  version: 1;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  signingKey: string;
  users: unknown[];
}

function readState(file: string): Partial<StateFile> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  if (!text.trim()) return undefined;
  const parsed = JSON.parse(text) as unknown;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error(`state file ${file}: expected a JSON object`);
  return parsed as Partial<StateFile>;
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port: expected 0..65535, got ${port}`);
  return port;
}

function checkLag(ms: number): number {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0)
    throw new Error(`replicationLagMs: expected ms >= 0, got ${String(ms)}`);
  return ms;
}

function checkThrottle(t: string): "graph" | "off" {
  if (t !== "graph" && t !== "off") throw new Error(`throttle: expected "graph" or "off", got ${String(t)}`);
  return t;
}

/** Starts an emulator; resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const port = checkPort(options.port ?? 0);
  const statePath = options.statePath ? path.resolve(options.statePath) : undefined;
  const state = statePath ? readState(statePath) : undefined;
  const tenantId = (options.tenantId ?? state?.tenantId ?? DEFAULT_TENANT_ID).toLowerCase();
  const clientId = (options.clientId ?? state?.clientId ?? DEFAULT_CLIENT_ID).toLowerCase();
  const signingKey = state?.signingKey ? Buffer.from(state.signingKey, "base64") : processSigningKey;
  const tokenLifetime = options.tokenLifetimeSeconds ?? 3600;
  if (!Number.isInteger(tokenLifetime) || tokenLifetime <= 0)
    throw new Error(`tokenLifetimeSeconds: expected a positive integer, got ${tokenLifetime}`);

  let ownCaDir: string | undefined;
  const caDir =
    options.caDir ??
    process.env.ENTRA_EMULATOR_CA_DIR ??
    (ownCaDir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-emulator-ca-")));
  const ca = ensureCa(caDir);
  let tls = serverCerts.get(ca.certPem);
  if (!tls) serverCerts.set(ca.certPem, (tls = issueServerCert(ca)));

  const random = createRandom(options.seed ?? randomBytes(4).readUInt32LE(0));
  const auth = new Auth(tenantId, TENANT_DOMAIN, signingKey, tokenLifetime);
  const defaultApp = auth.addApp({
    clientId,
    clientSecret: options.clientSecret ?? state?.clientSecret,
    roles: DEFAULT_ROLES,
    displayName: "pulumi-entra-invitation emulator",
  });
  const directory = new Directory({ tenantId, tenantDomain: TENANT_DOMAIN });
  if (state?.users) directory.load(state.users);
  const faults = new FaultInjector(random);
  faults.set(options.faults);
  const ctx: EmulatorContext = {
    tenantId,
    tenantDomain: TENANT_DOMAIN,
    auth,
    directory,
    throttle: new Throttle(checkThrottle(options.throttle ?? "off")),
    faults,
    log: new RequestLog(),
    random,
    latency: checkLatency(options.latencyMs ?? 0),
    replicationLagMs: checkLag(options.replicationLagMs ?? 0),
    refuseFilterOn: new Set((options.refuseFilterOn ?? []).map((p) => p.toLowerCase())),
  };
  directory.replication = { lagMs: () => ctx.replicationLagMs, random };

  // State file: saved at most every 500 ms while changes come in, and on close.
  let saveTimer: NodeJS.Timeout | undefined;
  let dirty = false;
  const saveNow = (): void => {
    if (!statePath || !dirty) return;
    dirty = false;
    const data: StateFile = {
      version: 1,
      tenantId,
      clientId: defaultApp.clientId,
      clientSecret: defaultApp.clientSecret,
      signingKey: signingKey.toString("base64"),
      users: directory.toJSON(),
    };
    fs.mkdirSync(path.dirname(statePath), { recursive: true });
    const tmp = `${statePath}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(data, null, 1));
    fs.renameSync(tmp, statePath);
  };
  directory.onChange = () => {
    if (!statePath) return;
    dirty = true;
    if (!saveTimer) {
      saveTimer = setTimeout(() => {
        saveTimer = undefined;
        try {
          saveNow();
        } catch (e) {
          process.emitWarning(`entra emulator: could not save ${statePath}: ${String(e)}`);
        }
      }, 500);
      saveTimer.unref();
    }
  };
  if (statePath && !state) {
    dirty = true;
    saveNow();
  }

  let info: Record<string, unknown> = {};
  const admin: AdminApi = {
    requestsSince: (since) => ctx.log.list(since),
    clearRequests: () => ctx.log.clear(),
    reset: () => {
      directory.reset();
      ctx.log.clear();
      ctx.throttle.clear();
    },
    redeemUser: (id) => directory.redeem(id),
    setFaults: (f) => faults.set(f),
    setLatency: (ms) => void (ctx.latency = checkLatency(ms)),
    setThrottle: (t) => void (ctx.throttle.mode = checkThrottle(t)),
    setReplicationLag: (ms) => void (ctx.replicationLagMs = checkLag(ms)),
    users: (opts) => directory.all(opts?.includeDeleted ?? false),
    addUser: (user) => directory.addUser(user),
    info: () => ({
      ...info,
      throttle: ctx.throttle.mode,
      latencyMs: ctx.latency,
      replicationLagMs: ctx.replicationLagMs,
      faults: formatFaults(faults.get()),
      users: directory.all(false).length,
    }),
  };

  let actualPort = port;
  let listening: Listening;
  try {
    listening = await listen(
      port,
      { key: tls.keyPem, cert: tls.certPem },
      createHandler(ctx, admin, () => `localhost:${actualPort}`),
    );
  } catch (e) {
    if (ownCaDir) fs.rmSync(ownCaDir, { recursive: true, force: true });
    throw e;
  }
  actualPort = listening.port;
  const graphUrl = `https://localhost:${actualPort}`;
  const endpoint = {
    graphUrl,
    authorityHost: graphUrl,
    tenantId,
    clientId: defaultApp.clientId,
    clientSecret: defaultApp.clientSecret,
    caCertPath: ca.certPath,
    port: actualPort,
  };
  info = { ...endpoint };

  let closed: Promise<void> | undefined;
  const emulator: RunningEmulator = {
    ...endpoint,
    addClient: (opts) => {
      const app = auth.addApp({ roles: opts.roles, tenantId: opts.tenantId });
      return { clientId: app.clientId, clientSecret: app.clientSecret };
    },
    requests: (): RequestLogEntry[] => ctx.log.list(),
    clearRequests: () => admin.clearRequests(),
    reset: () => admin.reset(),
    redeem: (userId: string) => void directory.redeem(userId),
    setFaults: (f: string | FaultRates | undefined) => faults.set(f),
    setLatency: (ms: Latency) => admin.setLatency(ms),
    setThrottle: (t: "graph" | "off") => admin.setThrottle(t),
    setReplicationLag: (ms: number) => admin.setReplicationLag(ms),
    users: (opts?: { includeDeleted?: boolean }): EmulatedUser[] => directory.all(opts?.includeDeleted ?? false),
    addUser: (user) => directory.addUser(user),
    close: () => {
      closed ??= (async () => {
        if (saveTimer) clearTimeout(saveTimer);
        saveTimer = undefined;
        await listening.close();
        saveNow();
        if (ownCaDir) fs.rmSync(ownCaDir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
  return emulator;
}
