/**
 * The failure classification (issue 20), built from real failures: connections to a closed port on
 * 127.0.0.1, a TLS server whose CA is not trusted and one whose certificate names another host, the
 * real @azure/identity credential against the emulator with a wrong secret, an unknown app, an
 * unknown tenant and an authority that is not there, and Graph's own 403, 400 and 429 answers
 * through the real transport and scheduler. Each row asserts the exact message (class, host or
 * call, cause, Fix) and that what the SDK's provider server prints for it (`${e}: ${e.stack}`) has
 * no stack lines. Needs NODE_EXTRA_CA_CERTS for the emulator's CA (scripts/test.js sets it).
 */
import * as fs from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { ensureCa, issueServerCert } from "../../src/emulator";
import { GraphClient } from "../../src/graph/client";
import { createCredential } from "../../src/graph/credential";
import { EntraFailure, explain, failureMessage, resetReported } from "../../src/graph/failures";
import { Scheduler } from "../../src/graph/scheduler";
import { createTransport } from "../../src/graph/transport";
import { RunningEmulator, startEmulator } from "../../src/testing";

jest.setTimeout(60_000);

let emu: RunningEmulator;
let closedPort: number;
let untrusted: https.Server;
let wrongName: https.Server;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "failures-"));

const staticToken: TokenCredential = {
  getToken: async (): Promise<AccessToken> => ({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as net.AddressInfo).port;
}

const server = (c: { certPem: string; keyPem: string }): https.Server =>
  https.createServer({ key: c.keyPem, cert: c.certPem }, (_q, res) => res.end("{}"));

beforeAll(async () => {
  emu = await startEmulator();
  const probe = net.createServer();
  closedPort = await listen(probe);
  await new Promise((r) => probe.close(r));
  // A CA nobody trusts, and a certificate of the trusted CA for another host name.
  untrusted = server(issueServerCert(ensureCa(path.join(tmp, "ca"))));
  const trusted = ensureCa(process.env.ENTRA_EMULATOR_CA_DIR ?? path.dirname(emu.caCertPath));
  wrongName = server(issueServerCert(trusted, ["other.example.com"]));
  await listen(untrusted);
  await listen(wrongName);
});

afterAll(async () => {
  await emu?.close();
  untrusted?.close();
  wrongName?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => resetReported());

const origin = (s: https.Server): string => `https://127.0.0.1:${(s.address() as net.AddressInfo).port}`;

/** One Graph call through the real transport and scheduler; the error it rejects with. */
async function graphCall(
  endpoint: string,
  credential: TokenCredential,
  o: { deadlineMs?: number; path?: string; body?: unknown } = {},
): Promise<unknown> {
  const s = new Scheduler(createTransport({ graphEndpoint: endpoint, credential }), {
    maxConcurrency: 4,
    batching: false,
    deadlineMs: o.deadlineMs ?? 20_000,
    unreachableWindowMs: 1_000,
    onProgress: () => undefined,
  });
  const g = new GraphClient(s);
  try {
    if (o.body) await g.invite(o.body as never);
    else await g.getUser("00000000-0000-0000-0000-000000000001");
  } catch (e) {
    return e;
  }
  throw new Error("the call did not fail");
}

const secretCredential = (
  secret: string,
  opts: { authorityHost?: string; tenantId?: string; clientId?: string } = {},
): TokenCredential =>
  createCredential(
    {
      kind: "clientSecret",
      tenantId: opts.tenantId ?? emu.tenantId,
      clientId: opts.clientId ?? emu.clientId,
      clientSecret: secret,
      source: "test",
    },
    opts.authorityHost ?? emu.authorityHost,
  );

const GRAPH_FIX =
  "Fix: check that ENTRA_GRAPH_ENDPOINT / entra:graphEndpoint names Graph (or the emulator) and that it is up and reachable from this machine (proxy, firewall), then run again: guests invited before the failure are in state or carry their ownership mark.";
const TLS_FIX =
  "Fix: trust the CA that signed the certificate: set NODE_EXTRA_CA_CERTS=/path/to/ca.pem in the environment of `pulumi` / `entra-guests` (for the emulator: the caCertPath it prints); a certificate for another host name needs the host it names.";
const AUTHORITY_FIX =
  "check ENTRA_AUTHORITY_HOST / entra:authorityHost (or the cloud: entra:environment, azuread:environment, ARM_ENVIRONMENT) and ARM_TENANT_ID / entra:tenantId: the authority must be the login host of your cloud (or the emulator's) and the tenant must exist there.";

const rows: [string, () => Promise<unknown>, () => string][] = [
  [
    "endpoint unreachable: connection refused on every attempt",
    () => graphCall(`https://127.0.0.1:${closedPort}`, staticToken),
    () =>
      `endpoint unreachable: https://127.0.0.1:${closedPort} refused the connection on every attempt for 1 s (ECONNREFUSED: nothing listens there)\n${GRAPH_FIX}`,
  ],
  [
    "TLS not trusted: a CA this machine does not trust",
    () => graphCall(origin(untrusted), staticToken),
    () =>
      `TLS certificate not trusted: ${origin(untrusted)} presented a certificate signed by a CA this machine does not trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE)\n${TLS_FIX}`,
  ],
  [
    "TLS not trusted: a certificate for another host name",
    () => graphCall(origin(wrongName), staticToken),
    () =>
      `TLS certificate not trusted: ${origin(wrongName)} presented a certificate for another host name (ERR_TLS_CERT_ALTNAME_INVALID)\n${TLS_FIX}`,
  ],
  [
    "authority wrong: nothing listens at the authority host (MSAL says only endpoints_resolution_error)",
    () =>
      graphCall(emu.graphUrl, secretCredential(emu.clientSecret, { authorityHost: `https://127.0.0.1:${closedPort}` })),
    () =>
      `endpoint unreachable: https://127.0.0.1:${closedPort} refused the connection (ECONNREFUSED: nothing listens there)\nFix: the sign-in authority must be reachable: ${AUTHORITY_FIX}`,
  ],
  [
    "authority wrong: the authority's CA is not trusted",
    () => graphCall(emu.graphUrl, secretCredential(emu.clientSecret, { authorityHost: origin(untrusted) })),
    () =>
      `TLS certificate not trusted: ${origin(untrusted)} presented a certificate signed by a CA this machine does not trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE)\n${TLS_FIX}`,
  ],
  [
    "authority wrong: the tenant is unknown there (AADSTS90002)",
    () =>
      graphCall(emu.graphUrl, secretCredential(emu.clientSecret, { tenantId: "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e" })),
    () =>
      expect.stringMatching(
        new RegExp(
          `^sign-in authority wrong: ${emu.authorityHost.replace(/\./g, "\\.")} does not know the tenant \\(AADSTS90002: [^\\n]+\\)\\nFix: check ARM_TENANT_ID / entra:tenantId`,
        ),
      ) as unknown as string,
  ],
  [
    "credentials refused: wrong client secret (AADSTS7000215)",
    () => graphCall(emu.graphUrl, secretCredential("not-the-secret")),
    () =>
      `credentials refused: ${emu.authorityHost} refused the client secret (AADSTS7000215: Invalid client secret provided.)\nFix: set the secret's Value (not its Secret ID) in ARM_CLIENT_SECRET / azuread:clientSecret / entra:clientSecret; if it expired or was deleted, add a new one under the app registration's Certificates & secrets.`,
  ],
  [
    "credentials refused: unknown application (AADSTS700016)",
    () => graphCall(emu.graphUrl, secretCredential("x", { clientId: "00000000-0000-0000-0000-0000000000aa" })),
    () =>
      `credentials refused: ${emu.authorityHost} does not know the application (client id) in this tenant (AADSTS700016: Application with identifier '00000000-0000-0000-0000-0000000000aa' was not found in the directory '${emu.tenantId}'.)\nFix: check ARM_CLIENT_ID / entra:clientId (the app registration's Application (client) ID) and ARM_TENANT_ID / entra:tenantId: the app must be registered or consented in that tenant.`,
  ],
  [
    "permission missing: POST /invitations without User.Invite.All (403)",
    () => {
      const app = emu.addClient({ roles: ["User.Read.All"] });
      return graphCall(emu.graphUrl, secretCredential(app.clientSecret, { clientId: app.clientId }), {
        body: { invitedUserEmailAddress: "p@partner.example.com", inviteRedirectUrl: "https://myapps.microsoft.com" },
      });
    },
    () =>
      expect.stringMatching(
        /^permission missing: POST \/invitations was refused: the app lacks a permission or role \(403 Authorization_RequestDenied: [^\n]+\)\nFix: inviting needs User\.Invite\.All \(admin-consented\)\./,
      ) as unknown as string,
  ],
  [
    "input refused: an address Graph does not take (400)",
    () =>
      graphCall(emu.graphUrl, secretCredential(emu.clientSecret), {
        body: { invitedUserEmailAddress: "not an address", inviteRedirectUrl: "https://myapps.microsoft.com" },
      }),
    () =>
      expect.stringMatching(
        /^input refused: POST \/invitations was refused as invalid \(400 [^\n]+\)\nFix: correct the value Graph names above in the program or guest file and run again\.$/,
      ) as unknown as string,
  ],
  [
    "throttled beyond the deadline: 429 on every attempt",
    async () => {
      emu.setFaults({ "429": 1 });
      try {
        return await graphCall(emu.graphUrl, secretCredential(emu.clientSecret), { deadlineMs: 3_000 });
      } finally {
        emu.setFaults(undefined);
      }
    },
    () =>
      expect.stringMatching(
        /^Graph throttled beyond the deadline: GET \/users\/00000000-0000-0000-0000-000000000001 was still throttled when its deadline passed \(429 [^\n]+\)\nFix: run again later \(nothing is lost: the next run picks up where this one stopped\), lower entra:maxConcurrency/,
      ) as unknown as string,
  ],
];

describe.each(rows)("%s", (_name, fail, expected) => {
  test("the exact message (host or call, cause, Fix), the same through explain, and no stack lines as the provider server prints it", async () => {
    const err = await fail();
    const shown = explain(err) as Error;
    expect(shown).toBeInstanceOf(EntraFailure);
    expect(shown.message).toEqual(expected());
    expect(failureMessage((shown as EntraFailure).failure)).toBe(shown.message);
    // The SDK's dynamic-provider server prints a failed check/diff/read/delete as `${e}: ${e.stack}`.
    const printed = `${shown}: ${shown.stack}`;
    expect(printed.split("\n").filter((l) => /^\s+at /.test(l))).toEqual([]);
    expect(printed).not.toContain("not-the-secret");
  });
});

test("the second and later failures of the same cause are one line pointing to the first", async () => {
  const errors = await Promise.all([0, 1, 2].map(() => graphCall(`https://127.0.0.1:${closedPort}`, staticToken)));
  const shown = errors.map((e) => (explain(e) as Error).message);
  expect(shown[0]).toMatch(/^endpoint unreachable: .*\nFix: /);
  expect(shown.slice(1)).toEqual([
    `endpoint unreachable (same cause as the first failure, whose message has the Fix: https://127.0.0.1:${closedPort} refused the connection on every attempt for 1 s)`,
    `endpoint unreachable (same cause as the first failure, whose message has the Fix: https://127.0.0.1:${closedPort} refused the connection on every attempt for 1 s)`,
  ]);
});

test("an error of no known class comes back as it is", () => {
  const e = new Error("something else");
  expect(explain(e)).toBe(e);
});

test("a refusal by the authority is remembered: the next token request of the process fails at once, without asking again", async () => {
  const credential = secretCredential("not-the-secret-either");
  emu.clearRequests();
  const first = await credential.getToken(`${emu.graphUrl}/.default`).then(
    () => undefined,
    (e: unknown) => e,
  );
  const asked = emu.requests().filter((r) => r.path.includes("/oauth2/")).length;
  const second = await credential.getToken(`${emu.graphUrl}/.default`).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(first).toBeInstanceOf(EntraFailure);
  expect(second).toBe(first);
  expect(asked).toBeGreaterThan(0);
  expect(emu.requests().filter((r) => r.path.includes("/oauth2/"))).toHaveLength(asked);
});
