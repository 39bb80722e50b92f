/** Unit tests of the emulator's pure parts: certificates, filter, email rules, faults, batch parsing, CLI flags, admin helpers. */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { isLoopback } from "../../src/emulator/admin";
import { parseBatch } from "../../src/emulator/batch";
import { ensureCa, issueServerCert } from "../../src/emulator/certs";
import { parseArgs } from "../../src/emulator/cli";
import { Directory, isValidEmail } from "../../src/emulator/directory";
import { GraphError } from "../../src/emulator/errors";
import { FaultInjector, formatFaults, parseFaults } from "../../src/emulator/faults";
import { matchFilter, parseFilter } from "../../src/emulator/filter";
import { identityCost } from "../../src/emulator/graph-routes";
import { RequestLog } from "../../src/emulator/log";
import { createRandom } from "../../src/emulator/prng";

describe("certs", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-emu-certs-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("ensureCa creates a 2-day CA once and reuses it; issueServerCert signs a leaf with DNS and IP SANs", async () => {
    const ca = ensureCa(dir);
    expect(ca.certPath).toBe(path.join(dir, "ca.pem"));
    expect(ca.keyPath).toBe(path.join(dir, "ca-key.pem"));
    const x = new crypto.X509Certificate(ca.certPem);
    expect(x.ca).toBe(true);
    const days = (Date.parse(x.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(1.9);
    expect(days).toBeLessThanOrEqual(2.01);
    expect(ensureCa(dir).certPem).toBe(ca.certPem);

    const leaf = issueServerCert(ca);
    const lx = new crypto.X509Certificate(leaf.certPem);
    expect(lx.ca).toBe(false);
    expect(lx.checkIssued(x)).toBe(true);
    expect(lx.verify(x.publicKey)).toBe(true);
    expect(lx.subjectAltName).toContain("DNS:localhost");
    expect(lx.subjectAltName).toContain("IP Address:127.0.0.1");
    expect(lx.subjectAltName).toMatch(/IP Address:(0:0:0:0:0:0:0:1|::1)/);
    expect(lx.checkHost("localhost")).toBe("localhost");

    // a TLS client that trusts only this CA accepts the leaf for localhost
    const server = https.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (_q, s) => s.end("ok"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get({ host: "127.0.0.1", servername: "localhost", port, path: "/", ca: ca.certPem, agent: false }, (res) => {
          let d = "";
          res.on("data", (c: Buffer) => (d += c.toString()));
          res.on("end", () => resolve(d));
        })
        .on("error", reject);
    });
    await new Promise((r) => server.close(r));
    expect(body).toBe("ok");
  });

  test("a CA whose key does not match is replaced", () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), "entra-emu-certs2-"));
    try {
      const a = ensureCa(other);
      const b = ensureCa(fs.mkdtempSync(path.join(other, "b-")));
      fs.writeFileSync(a.keyPath, b.keyPem);
      const c = ensureCa(other);
      expect(c.certPem).not.toBe(a.certPem);
      expect(new crypto.X509Certificate(c.certPem).checkPrivateKey(crypto.createPrivateKey(c.keyPem))).toBe(true);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});

describe("resource units (throttling-limits)", () => {
  test.each<[number, { select?: boolean; expand?: boolean; top?: number }, number]>([
    [2, {}, 2], // GET users
    [2, { select: true }, 1],
    [2, { expand: true }, 3],
    [2, { top: 19 }, 1],
    [2, { top: 20 }, 2],
    [2, { select: true, top: 5 }, 1], // never below 1
    [2, { select: true, expand: true, top: 999 }, 2],
    [1, {}, 1], // any other identity GET
    [1, { select: true }, 1],
    [1, { expand: true }, 2],
  ])("base %i with %j costs %i", (base, opts, cost) => {
    expect(identityCost(base, opts)).toBe(cost);
  });
});

describe("filter", () => {
  const u = {
    mail: "Jane@Contoso.com",
    otherMails: ["alias@fabrikam.com"],
    proxyAddresses: ["SMTP:Jane@Contoso.com", "smtp:old.jane@contoso.com"],
    userPrincipalName: "jane_contoso.com#EXT#@emulator.onmicrosoft.com",
    userType: "Guest",
    displayName: "Jane Doe",
    accountEnabled: true,
    id: "x",
  };
  // customize-invitation-api, "Determine if a user was already invited" (without signInNames, not a v1.0 property).
  const lookup = (a: string): string =>
    `userPrincipalName eq '${a}' or mail eq '${a}' or proxyAddresses/any(x:x eq 'SMTP:${a}') or otherMails/any(x:x eq '${a}')`;
  test.each([
    ["mail eq 'jane@contoso.com'", true],
    ["mail eq 'it''s@contoso.com'", false],
    ["otherMails/any(x:x eq 'ALIAS@fabrikam.com')", true],
    ["otherMails/any(a: a eq 'nope@fabrikam.com')", false],
    ["userType eq 'Guest' and mail eq 'jane@contoso.com'", true],
    ["userType eq 'Member' or mail eq 'jane@contoso.com'", true],
    ["userType eq 'Member' and (mail eq 'jane@contoso.com' or id eq 'x')", false],
    ["accountEnabled eq true", true],
    ["startswith(displayName,'jane')", true],
    ["mail eq 'a' or mail eq 'b' and userType eq 'Guest'", false],
    ["proxyAddresses/any(x:x eq 'SMTP:old.jane@contoso.com')", true],
    ["proxyAddresses/any(x:x eq 'smtp:JANE@contoso.com')", true],
    ["userPrincipalName eq 'JANE_contoso.com#EXT#@emulator.onmicrosoft.com'", true],
    [lookup("old.jane@contoso.com"), true],
    [lookup("alias@fabrikam.com"), true],
    [lookup("jane@contoso.com"), true],
    [lookup("jane_contoso.com#EXT#@emulator.onmicrosoft.com"), true],
    [lookup("someone@contoso.com"), false],
    ["mail in ('x@contoso.com', 'JANE@contoso.com')", true],
    ["userType in ('Member')", false],
    ["otherMails/any(x:x in ('a@b.com', 'alias@fabrikam.com'))", true],
    ["proxyAddresses/any(x:x in ('smtp:nope@contoso.com'))", false],
  ])("%s → %s", (f, expected) => {
    expect(matchFilter(parseFilter(f), u)).toBe(expected);
  });
  test.each([
    ["companyName eq 'x'", "Request_UnsupportedQuery"],
    ["mail ne 'x'", "Request_UnsupportedQuery"],
    ["not(mail eq 'x')", "Request_UnsupportedQuery"],
    ["signInNames/any(x:x eq 'x')", "BadRequest"],
    ["mail eq", "BadRequest"],
    ["mail eq 'unterminated", "BadRequest"],
    ["(mail eq 'x'", "BadRequest"],
    ["mail eq 'x' and", "BadRequest"],
    ["", "BadRequest"],
    ["mail = 'x'", "BadRequest"],
  ])("%s → 400 %s", (f, code) => {
    let err: unknown;
    try {
      parseFilter(f);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GraphError);
    expect([(err as GraphError).status, (err as GraphError).code]).toEqual([400, code]);
  });
});

describe("email rules", () => {
  test.each(["a@b.co", "a_b@b.com", "_a_@b.com", "a.b-c@b.co.uk", "o'brien@b.com", "A.B@B.COM"])("valid %s", (a) =>
    expect(isValidEmail(a)).toBe(true),
  );
  test.each([
    ...'~!#$%^&*()+=[]{}\\/|;:"<>?,'.split("").map((c) => `a${c}b@b.com`),
    ".a@b.com",
    "a.@b.com",
    "-a@b.com",
    "a-@b.com",
    "a..b@b.com",
    "a b@b.com",
    "@b.com",
    "a@",
    "a@b",
    "a@b..com",
    "a@-b.com",
    "a@b.c0m",
  ])("invalid %s", (a) => expect(isValidEmail(a)).toBe(false));
});

describe("directory $select", () => {
  test("canonical names, case-insensitive, unknown and navigation properties refused", () => {
    expect(Directory.parseSelect("ID,Mail,mail")).toEqual(["id", "mail"]);
    expect(Directory.parseSelect(undefined)).toBeUndefined();
    expect(() => Directory.parseSelect("nope")).toThrow(GraphError);
    expect(() => Directory.parseSelect("sponsors")).toThrow(/\$expand/);
  });
});

describe("faults", () => {
  test("spec parsing and formatting", () => {
    expect(parseFaults("503=0.05,504=0.02,reset=0.01,drop=0.02,429=0.01")).toEqual({
      "503": 0.05,
      "504": 0.02,
      reset: 0.01,
      drop: 0.02,
      "429": 0.01,
    });
    expect(parseFaults("503=5%")).toEqual({ "503": 0.05 });
    expect(parseFaults("")).toEqual({});
    expect(parseFaults(undefined)).toEqual({});
    expect(formatFaults({ drop: 0.1, "503": 0.2 })).toBe("503=0.2,drop=0.1");
    expect(() => parseFaults("500=0.1")).toThrow();
    expect(() => parseFaults({ "503": -1 })).toThrow();
  });
  test("draws follow the rates; sub-requests draw only status faults; seeded draws repeat", () => {
    const draw = (seed: number, statusOnly: boolean): string[] => {
      const f = new FaultInjector(createRandom(seed));
      f.set("503=0.2,reset=0.3,drop=0.1");
      return Array.from({ length: 10_000 }, () => f.draw(statusOnly) ?? "none");
    };
    const all = draw(1, false);
    const count = (xs: string[], k: string): number => xs.filter((x) => x === k).length;
    expect(count(all, "503") / 1e4).toBeCloseTo(0.2, 1);
    expect(count(all, "reset") / 1e4).toBeCloseTo(0.3, 1);
    expect(count(all, "drop") / 1e4).toBeCloseTo(0.1, 1);
    const sub = draw(1, true);
    expect(count(sub, "reset") + count(sub, "drop")).toBe(0);
    expect(count(sub, "503") / 1e4).toBeCloseTo(0.2, 1);
    expect(draw(5, false)).toEqual(draw(5, false));
  });
  test("batch424 is drawn by top-level $batch requests only", () => {
    const f = new FaultInjector(createRandom(3));
    f.set("batch424=1");
    expect(parseFaults("batch424=0.5")).toEqual({ batch424: 0.5 });
    expect(f.draw(false, false)).toBeUndefined();
    expect(f.draw(true, false)).toBeUndefined();
    expect(f.draw(false, true)).toBe("batch424");
  });
});

describe("batch parsing", () => {
  test("valid batch, forward dependsOn allowed; write without body refused except restore/$ref", () => {
    const steps = parseBatch({
      requests: [
        { id: "a", method: "get", url: "/users", dependsOn: ["b"] },
        { id: "b", method: "POST", url: "/directory/deletedItems/x/restore" },
      ],
    });
    expect(steps.map((s) => [s.id, s.method])).toEqual([
      ["a", "GET"],
      ["b", "POST"],
    ]);
    expect(() => parseBatch({ requests: [{ id: "a", method: "PATCH", url: "/users/x" }] })).toThrow(/Content-Type/);
    expect(() => parseBatch({ requests: [{ id: "a", method: "GET", url: "/users", headers: { x: 1 } }] })).toThrow(
      GraphError,
    );
  });
});

describe("CLI flags", () => {
  test("parses every flag", () => {
    expect(
      parseArgs([
        "--port",
        "8443",
        "--latency-ms",
        "10-50",
        "--state",
        "s.json",
        "--throttle",
        "graph",
        "--faults",
        "503=0.1",
        "--lag-ms=250",
        "--ca-dir",
        "ca",
        "--seed",
        "3",
      ]),
    ).toEqual({
      port: 8443,
      latencyMs: { min: 10, max: 50 },
      statePath: "s.json",
      throttle: "graph",
      faults: "503=0.1",
      replicationLagMs: 250,
      caDir: "ca",
      seed: 3,
    });
    expect(parseArgs(["--latency-ms", "20"])).toEqual({ latencyMs: 20 });
    expect(parseArgs(["-h"])).toBe("help");
    expect(() => parseArgs(["--port"])).toThrow(/needs a value/);
    expect(() => parseArgs(["--port", "x"])).toThrow();
    expect(() => parseArgs(["--what"])).toThrow(/unknown/);
  });
});

describe("admin helpers and log", () => {
  test("loopback detection", () => {
    for (const a of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"]) expect(isLoopback(a)).toBe(true);
    for (const a of ["10.0.0.1", "::ffff:10.0.0.1", "fe80::1", undefined]) expect(isLoopback(a)).toBe(false);
  });
  test("the log numbers entries and filters by seq", () => {
    const log = new RequestLog();
    log.add({ time: "t", method: "GET", path: "/a", status: 200 });
    const s = log.add({ time: "t", method: "GET", path: "/b", status: 200 });
    expect(log.list(s - 1).map((e) => e.path)).toEqual(["/b"]);
    log.clear();
    expect(log.list()).toEqual([]);
    expect(log.add({ time: "t", method: "GET", path: "/c", status: 200 })).toBe(s + 1);
  });
});
