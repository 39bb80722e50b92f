/**
 * Shared by the credential tests (credentials*.test.ts): an environment sealed off from the
 * developer's machine, and one credential row proven end to end — settings resolved from config and
 * environment, the real @azure/identity credential made by createCredential, a token for Graph's
 * scope, and an invitation through this package's Graph layer with that token.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_ROLES, RunningEmulator, startEmulator } from "../../src/emulator";
import { App, FederatingAuthority, startFederatingAuthority } from "./federating-authority";
import { GraphClient } from "../../src/graph/client";
import { createCredential } from "../../src/graph/credential";
import { DirectScheduler } from "../../src/graph/scheduler";
import { GraphSettings, resolveSettings } from "../../src/graph/settings";
import { createTransport } from "../../src/graph/transport";

/** What a credential test file runs against: the emulator and the front authority before it. */
export interface CredentialWorld {
  readonly emu: RunningEmulator;
  readonly front: FederatingAuthority;
  /** A temporary folder for the file's certificates and token files. */
  readonly dir: string;
  /** A fresh app registration, so that every row's tokens are its own in the logs. */
  newApp(): App;
}

/** Starts the emulator and the front authority before the file's tests, and closes them after. */
export function credentialWorld(name: string): CredentialWorld {
  let emu: RunningEmulator | undefined;
  let front: FederatingAuthority | undefined;
  let dir = "";
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `entra-${name}-`));
    emu = await startEmulator();
    front = await startFederatingAuthority(emu, dir);
  });
  afterAll(async () => {
    await front?.close();
    await emu?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    get emu() {
      return emu!;
    },
    get front() {
      return front!;
    },
    get dir() {
      return dir;
    },
    newApp: () => emu!.addClient({ roles: DEFAULT_ROLES }),
  };
}

/**
 * Variables that choose a credential or an endpoint, for this package or for @azure/identity and
 * MSAL (which read process.env themselves): cleared for the tests, so none from the developer's
 * machine or the CI (AZURE_*, ARM_*, IDENTITY_ENDPOINT, a CI's OIDC variables, ...) can take part.
 * ENTRA_EMULATOR_CA_DIR stays: it is where scripts/test.js put the CA the process trusts.
 */
const CREDENTIAL_VARIABLE =
  /^(AZURE_|ARM_|ENTRA_|IDENTITY_|MSI_|IMDS_|ACTIONS_ID_TOKEN_REQUEST_|SYSTEM_OIDCREQUESTURI$|SYSTEM_ACCESSTOKEN$|AZURESUBSCRIPTION_|DEFAULT_IDENTITY_CLIENT_ID$)/;
const KEEP = new Set(["ENTRA_EMULATOR_CA_DIR"]);

/** True for a variable the credential tests clear (exported for the test of the list itself). */
export function isCredentialVariable(name: string): boolean {
  return CREDENTIAL_VARIABLE.test(name) && !KEEP.has(name);
}

function restore(to: Record<string, string | undefined>): void {
  for (const k of Object.keys(process.env)) if (!(k in to)) delete process.env[k];
  for (const [k, v] of Object.entries(to)) if (v !== undefined) process.env[k] = v;
}

/**
 * Registers hooks that clear the credential variables before the file's tests, put the clean
 * environment back after each test and the original one after all; `set` adds a test's variables.
 */
export function sealedEnvironment(): { set(vars: Record<string, string>): void } {
  let original: Record<string, string | undefined> = {};
  let clean: Record<string, string | undefined> = {};
  beforeAll(() => {
    original = { ...process.env };
    for (const k of Object.keys(process.env)) if (isCredentialVariable(k)) delete process.env[k];
    clean = { ...process.env };
  });
  afterEach(() => restore(clean));
  afterAll(() => restore(original));
  return { set: (vars) => void Object.assign(process.env, vars) };
}

/** A stack config getter over a plain object. */
export const configOf =
  (values: Record<string, string>) =>
  (key: string): string | undefined =>
    values[key];

/** The claims of a JWT (not verified: the emulator verifies them when Graph is called). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}

export interface RowResult {
  settings: GraphSettings;
  /** Claims of the token the credential got. */
  claims: Record<string, unknown>;
  /** The guest the invitation made. */
  userId: string;
}

/**
 * One row: resolve settings from `config` and process.env (set the row's variables first), make the
 * credential, get a token for `{graphEndpoint}/.default`, and invite `email` through the Graph
 * layer (POST /invitations). Asserts the token is the app's in the emulator's tenant and the guest
 * exists in the emulator.
 */
export async function proveRow(
  emu: RunningEmulator,
  opts: { config?: Record<string, string>; kind: string; clientId: string; authorityHost: string; email: string },
): Promise<RowResult> {
  const settings = resolveSettings(configOf(opts.config ?? {}), process.env);
  expect(settings.credential.kind).toBe(opts.kind);
  expect(settings.authorityHost).toBe(opts.authorityHost);
  expect(settings.graphEndpoint).toBe(emu.graphUrl);

  const credential = createCredential(settings.credential, settings.authorityHost);
  const token = await credential.getToken(`${settings.graphEndpoint}/.default`);
  expect(token?.token).toBeTruthy();
  const claims = claimsOf(token!.token);
  expect(claims).toMatchObject({ appid: opts.clientId.toLowerCase(), tid: emu.tenantId, aud: settings.graphEndpoint });

  const graph = new GraphClient(
    new DirectScheduler(createTransport({ graphEndpoint: settings.graphEndpoint, credential })),
  );
  const invitation = await graph.invite({
    invitedUserEmailAddress: opts.email,
    inviteRedirectUrl: "https://myapps.microsoft.com",
    sendInvitationMessage: false,
  });
  const userId = invitation.invitedUser?.id ?? "";
  expect(userId).not.toBe("");
  expect(emu.users().find((u) => u.id === userId)).toMatchObject({ mail: opts.email, userType: "Guest" });
  return { settings, claims, userId };
}

/**
 * A managed identity row: as {@link proveRow}, and the token came from the platform's managed
 * identity endpoint for `clientId` while the configured (custom) authority was not asked at all:
 * a managed identity has no authority.
 */
export async function proveManagedIdentityRow(
  emu: RunningEmulator,
  front: FederatingAuthority,
  opts: { config?: Record<string, string>; kind: "managedIdentity" | "default"; clientId: string; email: string },
): Promise<RowResult> {
  const since = front.requests.length;
  const result = await proveRow(emu, { ...opts, authorityHost: front.authorityHost });
  const asked = front.requests.slice(since);
  expect(asked.filter((r) => r.server === "authority")).toEqual([]);
  expect(asked.filter((r) => r.server === "msi")).toEqual([
    expect.objectContaining({ status: 200, clientId: opts.clientId }),
  ]);
  return result;
}

/**
 * Registers the managed identity rows every platform must pass (a test each), with `platform()`'s
 * variables (the platform's identity endpoint and a custom authority that must not be asked) added
 * to the row's own: ARM_USE_MSI with a system-assigned identity, ARM_USE_MSI with ARM_CLIENT_ID of a
 * user-assigned one, and DefaultAzureCredential reaching ManagedIdentityCredential with
 * AZURE_CLIENT_ID and no secret. `name` says the platform in each title and `prefix` starts each
 * row's guest address (`<prefix>-system@contoso.com`, ...).
 */
export function managedIdentityRows(
  world: CredentialWorld,
  env: { set(vars: Record<string, string>): void },
  platform: () => Record<string, string>,
  where: { name: string; prefix: string },
): void {
  const rows: {
    title: string;
    systemAssigned: boolean;
    vars: (clientId: string) => Record<string, string>;
    kind: "managedIdentity" | "default";
    email: string;
  }[] = [
    {
      title: "ARM_USE_MSI, system-assigned identity",
      systemAssigned: true,
      vars: () => ({ ARM_USE_MSI: "true" }),
      kind: "managedIdentity",
      email: "system",
    },
    {
      title: "ARM_USE_MSI with ARM_CLIENT_ID, user-assigned identity",
      systemAssigned: false,
      vars: (clientId) => ({ ARM_USE_MSI: "true", ARM_CLIENT_ID: clientId }),
      kind: "managedIdentity",
      email: "user",
    },
    {
      title:
        "DefaultAzureCredential reaches ManagedIdentityCredential (AZURE_CLIENT_ID of a user-assigned identity, no secret)",
      systemAssigned: false,
      vars: (clientId) => ({ AZURE_CLIENT_ID: clientId }),
      kind: "default",
      email: "default",
    },
  ];
  test.each(rows.map((r) => [r.title, r] as const))(`%s, ${where.name}`, async (_title, row) => {
    const app = world.newApp();
    world.front.addManagedIdentity(app, { systemAssigned: row.systemAssigned });
    env.set({ ...row.vars(app.clientId), ...platform() });
    await proveManagedIdentityRow(world.emu, world.front, {
      kind: row.kind,
      clientId: app.clientId,
      email: `${where.prefix}-${row.email}@contoso.com`,
    });
  });
}
