/** Latency, faults, replication lag, the admin API, the state file, the CLI and fresh-process trust. */
import { ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "../../src/emulator";
import {
  address,
  credential,
  expectGraphErrorBody,
  graphClient,
  graphFailure,
  invitation,
  raw,
  rawToken,
  useEmulator,
  withStateFile,
} from "./helpers";

type Json = Record<string, unknown>;
const root = path.resolve(__dirname, "../..");

const graph = useEmulator({ seed: 42 });
let token: string;

beforeAll(async () => {
  token = await rawToken(graph.emu);
});
afterEach(() => {
  graph.emu.setFaults(undefined);
  graph.emu.setLatency(0);
  graph.emu.setReplicationLag(0);
  graph.emu.setThrottle("off");
});

describe("latency", () => {
  test("fixed and ranged latency delay Graph requests but not token requests", async () => {
    graph.emu.setLatency(150);
    let t = Date.now();
    expect((await raw(graph.emu, "GET", "/v1.0/users?$top=1", { token })).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(145);
    t = Date.now();
    await rawToken(graph.emu);
    expect(Date.now() - t).toBeLessThan(120);
    graph.emu.setLatency({ min: 20, max: 60 });
    t = Date.now();
    await raw(graph.emu, "GET", "/v1.0/users?$top=1", { token });
    const d = Date.now() - t;
    expect(d).toBeGreaterThanOrEqual(18);
    expect(() => graph.emu.setLatency(-1)).toThrow();
    expect(() => graph.emu.setLatency({ min: 10, max: 5 })).toThrow();
  });
});

describe("faults", () => {
  test("503, 504 and 429 answer Graph errors (503/429 with Retry-After); token and admin calls are never faulted", async () => {
    for (const [kind, code] of [
      ["503", "serviceNotAvailable"],
      ["504", "GatewayTimeout"],
      ["429", "TooManyRequests"],
    ] as const) {
      graph.emu.setFaults({ [kind]: 1 });
      const before = graph.emu.users().length;
      const r = await raw(graph.emu, "POST", "/v1.0/invitations", { token, body: invitation(address(`f${kind}`)) });
      expect(r.status).toBe(Number(kind));
      expectGraphErrorBody(r.json, code);
      if (kind !== "504") expect(r.headers["retry-after"]).toBe("1");
      expect(graph.emu.users().length).toBe(before); // nothing was done
      expect(graph.emu.requests().at(-1)).toMatchObject({ status: Number(kind), fault: kind });
      await rawToken(graph.emu); // token endpoint unaffected
      expect((await raw(graph.emu, "GET", "/_emulator/users")).status).toBe(200);
    }
  });

  test("reset destroys the connection before the work; drop does the work, then destroys the connection", async () => {
    graph.emu.setFaults("reset=1");
    const a = address("reset");
    await expect(raw(graph.emu, "POST", "/v1.0/invitations", { token, body: invitation(a) })).rejects.toThrow(
      /socket hang up|ECONNRESET/,
    );
    expect(graph.emu.users().some((u) => u.mail === a)).toBe(false);
    expect(graph.emu.requests().at(-1)).toMatchObject({ status: 0, fault: "reset", path: "/v1.0/invitations" });

    graph.emu.setFaults({ drop: 1 });
    const b = address("drop");
    await expect(raw(graph.emu, "POST", "/v1.0/invitations", { token, body: invitation(b) })).rejects.toThrow(
      /socket hang up|ECONNRESET/,
    );
    expect(graph.emu.users().some((u) => u.mail === b)).toBe(true); // committed
    expect(graph.emu.requests().at(-1)).toMatchObject({ status: 201, fault: "drop" });

    // the Graph client surfaces a broken connection as a rejected call
    await expect(graph.client.api("/invitations").post(invitation(address("drop2")))).rejects.toThrow();
    graph.emu.setFaults(undefined);
    // retrying the dropped invitation is idempotent: same user
    const again = (await graph.client.api("/invitations").post(invitation(b))) as { invitedUser: { id: string } };
    expect(again.invitedUser.id).toBe(graph.emu.users().find((u) => u.mail === b)?.id);
  });

  test("rates are drawn per request (seeded) and the Graph client retries 503 by itself", async () => {
    graph.emu.setFaults("503=0.3");
    let n503 = 0;
    for (let i = 0; i < 200; i++)
      if ((await raw(graph.emu, "GET", "/v1.0/users?$top=1", { token })).status === 503) n503++;
    expect(n503).toBeGreaterThan(30);
    expect(n503).toBeLessThan(95);
    graph.emu.setFaults("503=0.2");
    const res = (await graph.client.api("/users").top(1).get()) as Json;
    expect(res.value).toBeDefined();
  });

  test("bad fault specs are refused", () => {
    expect(() => graph.emu.setFaults("bogus=1")).toThrow(/unknown kind/);
    expect(() => graph.emu.setFaults("503=2")).toThrow();
    expect(() => graph.emu.setFaults("503=0.7,504=0.5")).toThrow(/more than 1/);
    expect(() => graph.emu.setFaults("503")).toThrow();
  });
});

describe("replication lag", () => {
  test("a new user 404s on GET/PATCH/DELETE /users/{id} for the lag, then appears", async () => {
    graph.emu.setReplicationLag(2_000); // drawn per user between 1 s and 2 s
    const email = address("lag");
    const inv = (await graph.client.api("/invitations").post(invitation(email))) as { invitedUser: { id: string } };
    const id = inv.invitedUser.id;
    for (const [method, body] of [
      ["GET", undefined],
      ["PATCH", { jobTitle: "x" }],
      ["DELETE", undefined],
    ] as const) {
      const r = await raw(graph.emu, method, `/v1.0/users/${id}`, { token, body });
      expect([method, r.status]).toEqual([method, 404]);
      expectGraphErrorBody(r.json, "Request_ResourceNotFound");
    }
    // the invitation service's matching lags too: inviting again meets the directory's uniqueness of the address
    const again = await graphFailure(graph.client.api("/invitations").post(invitation(email)));
    expect([again.statusCode, again.code]).toEqual([400, "Request_BadRequest"]);
    await new Promise((r) => setTimeout(r, 2_050));
    expect(((await graph.client.api(`/users/${id}`).select("id").get()) as Json).id).toBe(id);
    const later = (await graph.client.api("/invitations").post(invitation(email))) as { invitedUser: { id: string } };
    expect(later.invitedUser.id).toBe(id);
  });
});

describe("admin API", () => {
  test("requests, reset, redeem, faults, config and users; admin calls are not logged", async () => {
    await raw(graph.emu, "DELETE", "/_emulator/requests");
    const email = address("admin");
    const inv = (await graph.client
      .api("/invitations")
      .post(invitation(email, { invitedUserDisplayName: "Ad Min" }))) as {
      invitedUser: { id: string };
    };
    const id = inv.invitedUser.id;
    const log = (await raw(graph.emu, "GET", "/_emulator/requests")).json as Json[];
    expect(log.map((e) => `${e.method} ${String(e.path).split("?")[0]} ${e.status}`)).toEqual(
      [`POST /${graph.emu.tenantId}/oauth2/v2.0/token 200`, "POST /v1.0/invitations 201"].slice(
        log.length === 1 ? 1 : 0,
      ),
    );
    const entry = log.at(-1) as Json;
    expect(entry.body).toEqual(invitation(email, { invitedUserDisplayName: "Ad Min" }));
    expect(typeof entry.seq).toBe("number");
    expect(Date.parse(entry.time as string)).toBeGreaterThan(0);
    expect(graph.emu.requests()).toEqual(log);
    const since = (await raw(graph.emu, "GET", `/_emulator/requests?since=${String(entry.seq)}`)).json as Json[];
    expect(since).toEqual([]);

    const redeemed = await raw(graph.emu, "POST", `/_emulator/users/${id}/redeem`);
    expect(redeemed.status).toBe(200);
    expect((redeemed.json as Json).externalUserState).toBe("Accepted");
    expect((await raw(graph.emu, "POST", "/_emulator/users/nobody/redeem")).status).toBe(404);

    await graph.client.api(`/users/${id}`).delete();
    const users = (await raw(graph.emu, "GET", "/_emulator/users")).json as Json[];
    expect(users.find((u) => u.id === id)?.deletedDateTime).toBeTruthy();
    expect(graph.emu.users().some((u) => u.id === id)).toBe(false);
    expect(graph.emu.users({ includeDeleted: true }).some((u) => u.id === id)).toBe(true);

    expect((await raw(graph.emu, "PUT", "/_emulator/faults", { body: { spec: "503=1" } })).status).toBe(204);
    expect((await raw(graph.emu, "GET", "/v1.0/users", { token })).status).toBe(503);
    expect((await raw(graph.emu, "PUT", "/_emulator/faults", { body: { "503": 0 } })).status).toBe(204);
    expect((await raw(graph.emu, "GET", "/v1.0/users", { token })).status).toBe(200);
    expect((await raw(graph.emu, "PUT", "/_emulator/faults", { body: { spec: "nope=1" } })).status).toBe(400);
    expect(
      (
        await raw(graph.emu, "PUT", "/_emulator/config", {
          body: { throttle: "graph", latencyMs: 0, replicationLagMs: 0 },
        })
      ).status,
    ).toBe(204);
    expect(((await raw(graph.emu, "GET", "/_emulator/info")).json as Json).throttle).toBe("graph");
    expect((await raw(graph.emu, "PUT", "/_emulator/config", { body: { throttle: "fast" } })).status).toBe(400);
    expect((await raw(graph.emu, "GET", "/_emulator/nothing")).status).toBe(404);

    const logged = graph.emu.requests().filter((e) => e.path.startsWith("/_emulator"));
    expect(logged).toEqual([]);
    expect((await raw(graph.emu, "POST", "/_emulator/reset")).status).toBe(204);
    expect(graph.emu.users({ includeDeleted: true })).toEqual([]);
    expect(graph.emu.requests()).toEqual([]);
  });
});

describe("state file", () => {
  test("the directory, client secret and signing key survive a restart", async () => {
    await withStateFile(async (statePath) => {
      const first = await startEmulator({ statePath });
      const c1 = graphClient(first);
      const email = address("persist");
      const id = ((await c1.api("/invitations").post(invitation(email))) as { invitedUser: { id: string } }).invitedUser
        .id;
      await c1.api(`/users/${id}`).patch({ companyName: "Persisted" });
      const oldToken = await rawToken(first);
      await first.close();
      const saved = JSON.parse(fs.readFileSync(statePath, "utf8")) as { users: Json[] };
      expect(saved.users.map((u) => u.mail)).toEqual([email]);

      const second = await startEmulator({ statePath });
      try {
        expect(second.clientSecret).toBe(first.clientSecret);
        expect(second.users().map((u) => u.id)).toEqual([id]);
        const u = (await graphClient(second)
          .api(`/users/${id}`)
          .select(["companyName", "externalUserState"])
          .get()) as Json;
        expect(u).toMatchObject({ companyName: "Persisted", externalUserState: "PendingAcceptance" });
        expect((await raw(second, "GET", `/v1.0/users/${id}`, { token: oldToken })).status).toBe(200);
        // saved on change (debounced), not only on close
        await graphClient(second).api(`/users/${id}`).patch({ department: "Ops" });
        await new Promise((r) => setTimeout(r, 900));
        expect((JSON.parse(fs.readFileSync(statePath, "utf8")) as { users: Json[] }).users[0].department).toBe("Ops");
      } finally {
        await second.close();
      }
    });
  });
});

describe("CLI and a fresh process", () => {
  const cli = path.join(root, "dist/emulator/cli.js");
  const childScript = `
    const { ClientSecretCredential } = require("@azure/identity");
    const { Client } = require("@microsoft/microsoft-graph-client");
    const { TokenCredentialAuthenticationProvider } = require("@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials");
    const d = JSON.parse(process.argv[1]);
    const cred = new ClientSecretCredential(d.tenantId, d.clientId, d.clientSecret, { authorityHost: d.authorityHost, disableInstanceDiscovery: true });
    const client = Client.initWithMiddleware({ authProvider: new TokenCredentialAuthenticationProvider(cred, { scopes: [d.graphUrl + "/.default"] }), baseUrl: d.graphUrl + "/", customHosts: new Set(["localhost"]) });
    fetch(d.graphUrl + "/v1.0/users")
      .then((r) => { if (r.status !== 401) throw new Error("expected 401 without a token, got " + r.status); })
      .then(() => client.api("/invitations").post({ invitedUserEmailAddress: "fresh.process@contoso.com", inviteRedirectUrl: "https://myapps.microsoft.com" }))
      .then((r) => { console.log(JSON.stringify({ ok: true, id: r.invitedUser.id })); })
      .catch((e) => { console.log(JSON.stringify({ ok: false, error: String(e && (e.cause || e).message || e) })); });
  `;

  function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env = { ...process.env, ...extra };
    if (!extra.NODE_EXTRA_CA_CERTS) delete env.NODE_EXTRA_CA_CERTS;
    delete env.ENTRA_EMULATOR_CA_DIR;
    return env;
  }

  function firstLine(p: ChildProcessWithoutNullStreams): Promise<string> {
    return new Promise((resolve, reject) => {
      let out = "";
      let err = "";
      p.stderr.on("data", (c: Buffer) => (err += c.toString()));
      p.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        const nl = out.indexOf("\n");
        if (nl >= 0) resolve(out.slice(0, nl));
      });
      p.on("exit", (code) => reject(new Error(`cli exited ${code}: ${err}`)));
    });
  }

  test("the bin prints one JSON line, serves a fresh process that trusts caCertPath, and saves state on SIGTERM", async () => {
    expect(fs.existsSync(cli)).toBe(true); // built by scripts/test.js
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-emu-cli-"));
    const statePath = path.join(dir, "state.json");
    const p = spawn(
      process.execPath,
      [
        cli,
        "--port",
        "0",
        "--throttle",
        "graph",
        "--ca-dir",
        path.join(dir, "ca"),
        "--state",
        statePath,
        "--latency-ms",
        "1-3",
      ],
      {
        env: cleanEnv(),
      },
    );
    try {
      const details = JSON.parse(await firstLine(p)) as Json;
      expect(Object.keys(details).sort()).toEqual([
        "authorityHost",
        "caCertPath",
        "clientId",
        "clientSecret",
        "graphUrl",
        "port",
        "tenantId",
      ]);
      expect(details.graphUrl).toBe(`https://localhost:${String(details.port)}`);
      expect(details.caCertPath).toBe(path.join(dir, "ca", "ca.pem"));

      const trusted = spawnSync(process.execPath, ["-e", childScript, JSON.stringify(details)], {
        cwd: root,
        env: cleanEnv({ NODE_EXTRA_CA_CERTS: details.caCertPath as string }),
        encoding: "utf8",
        timeout: 30_000,
      });
      const ok = JSON.parse(trusted.stdout.trim()) as Json;
      expect(ok).toMatchObject({ ok: true });

      const untrusted = spawnSync(process.execPath, ["-e", childScript, JSON.stringify(details)], {
        cwd: root,
        env: cleanEnv(),
        encoding: "utf8",
        timeout: 30_000,
      });
      const bad = JSON.parse(untrusted.stdout.trim()) as Json;
      expect(bad.ok).toBe(false);
      expect(String(bad.error)).toMatch(/certificate|self.signed|issuer/i);

      const exited = new Promise<number | null>((r) => p.on("exit", (code) => r(code)));
      p.kill("SIGTERM");
      expect(await exited).toBe(0);
      const saved = JSON.parse(fs.readFileSync(statePath, "utf8")) as { users: Json[] };
      expect(saved.users.map((u) => u.id)).toEqual([ok.id]);
    } finally {
      if (p.exitCode === null) p.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("--help and bad flags", () => {
    const help = spawnSync(process.execPath, [cli, "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/usage: entra-graph-emulator/);
    const bad = spawnSync(process.execPath, [cli, "--throttle", "maybe"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--throttle/);
  });
});

test("graphFailure helper sanity: a Graph error carries status and code", async () => {
  const e = await graphFailure(graph.client.api("/users/none").get());
  expect(e.statusCode).toBe(404);
  expect(credential(graph.emu)).toBeDefined();
});
