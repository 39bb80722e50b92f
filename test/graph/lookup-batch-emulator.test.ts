/**
 * Coalesced address lookups over the real transport against the emulator over HTTPS: concurrent
 * `findUsersByEmail` calls go out as ceil(N/K) requests and each caller gets what its own
 * one-address query answers; a lookup alone sends today's request; a refused combined request falls
 * back to one request per address, each caller getting its own error. Needs NODE_EXTRA_CA_CERTS
 * (scripts/test.js sets it).
 */
import { RunningEmulator, startEmulator } from "../../src/emulator";
import { EntraGraphError } from "../../src/graph";
import { maxAddresses } from "../../src/graph/lookup-batch";
import { Scheduler } from "../../src/graph/scheduler";
import { appTransport } from "../../src/testing/graph-admin";
import { LOOKUP_SELECT, LOOKUP_TOP, lookupFilter, UsersClient, UserWithExtensions } from "../../src/graph/users";

jest.setTimeout(60_000);

function usersOn(emu: RunningEmulator): UsersClient {
  return new UsersClient(new Scheduler(appTransport(emu), { maxConcurrency: 8, batching: false }));
}

const lookups = (emu: RunningEmulator): string[] =>
  emu
    .requests()
    .filter((r) => r.method === "GET" && r.path.startsWith("/v1.0/users?"))
    .map((r) => r.path);
const byId = (users: UserWithExtensions[]): UserWithExtensions[] => [...users].sort((a, b) => (a.id < b.id ? -1 : 1));

describe("against the emulator", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ seed: 7 });
  });
  afterAll(async () => {
    await emu?.close();
  });

  /** Users holding addresses in each of the places the lookup asks, and the addresses to look up. */
  function seed(): string[] {
    emu.reset();
    emu.addUser({ displayName: "UPN only", userPrincipalName: "upn.only@contoso.com", mail: null, proxyAddresses: [] });
    emu.addUser({
      displayName: "Proxy only",
      userPrincipalName: "proxy.owner@contoso.com",
      mail: "primary@fabrikam.com",
      proxyAddresses: ["SMTP:primary@fabrikam.com", "smtp:Alias@Fabrikam.com"],
    });
    emu.addUser({
      displayName: "Other only",
      userPrincipalName: "other.owner@contoso.com",
      mail: null,
      proxyAddresses: [],
      otherMails: ["Other@Example.com"],
    });
    emu.addUser({ displayName: "Shared by mail", creationType: "Invitation", mail: "shared@example.com" });
    emu.addUser({
      displayName: "Shared by otherMails",
      userPrincipalName: "shared.other@contoso.com",
      mail: null,
      proxyAddresses: [],
      otherMails: ["shared@example.com"],
    });
    emu.addUser({ displayName: "Quoted", creationType: "Invitation", mail: "o'brien@example.com" });
    return [
      "upn.only@contoso.com",
      "alias@fabrikam.com",
      "OTHER@example.com",
      "SHARED@EXAMPLE.COM",
      "O'Brien@example.com",
      "nobody@example.com",
      "primary@fabrikam.com",
    ];
  }

  it.each([true, false])(
    "N concurrent lookups: ceil(N/K) requests, each caller the users of its own query alone (wide %s)",
    async (wide) => {
      const addresses = seed();
      const users = usersOn(emu);
      const alone: UserWithExtensions[][] = [];
      for (const a of addresses) alone.push(await users.findUsersByEmail(a, { wide }));
      expect(lookups(emu)).toHaveLength(addresses.length);
      // The places each address lives in are really exercised.
      expect(alone.map((u) => u.map((x) => x.displayName).sort())).toEqual(
        wide
          ? [
              ["UPN only"],
              ["Proxy only"],
              ["Other only"],
              ["Shared by mail", "Shared by otherMails"],
              ["Quoted"],
              [],
              ["Proxy only"],
            ]
          : [[], [], ["Other only"], ["Shared by mail", "Shared by otherMails"], ["Quoted"], [], ["Proxy only"]],
      );
      emu.clearRequests();
      const together = await Promise.all(addresses.map((a) => users.findUsersByEmail(a, { wide })));
      expect(lookups(emu)).toHaveLength(Math.ceil(addresses.length / maxAddresses(wide)));
      together.forEach((got, i) => expect(byId(got)).toEqual(byId(alone[i])));
    },
  );

  it("a lookup alone sends today's request, exactly", async () => {
    seed();
    await usersOn(emu).findUsersByEmail("o'brien@example.com");
    // Compared decoded: the transport percent-encodes the quote itself.
    expect(lookups(emu).map(decodeURIComponent)).toEqual([
      `/v1.0/users?$filter=${lookupFilter("o'brien@example.com")}&$select=${LOOKUP_SELECT.join(",")}&$expand=extensions&$top=${LOOKUP_TOP}`,
    ]);
  });

  it("the same address asked twice at once is asked once; each caller gets its own copy", async () => {
    seed();
    const users = usersOn(emu);
    const [a, b] = await Promise.all([
      users.findUsersByEmail("shared@example.com"),
      users.findUsersByEmail("Shared@Example.com"),
    ]);
    expect(lookups(emu)).toHaveLength(1);
    expect(byId(a)).toEqual(byId(b));
    expect(a[0]).not.toBe(b[0]);
  });

  it("a combined answer of more users than $top is read page by page; each caller gets its own", async () => {
    emu.reset();
    const addresses = ["p1@example.com", "p2@example.com", "p3@example.com"];
    for (const a of addresses)
      for (let i = 0; i < 5; i++)
        emu.addUser({
          displayName: `${a} ${i}`,
          userPrincipalName: `${a.split("@")[0]}.${i}@contoso.com`,
          mail: null,
          proxyAddresses: [],
          otherMails: [a],
        });
    const users = usersOn(emu);
    const got = await Promise.all(addresses.map((a) => users.findUsersByEmail(a)));
    const sent = lookups(emu);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toContain("$skiptoken=");
    got.forEach((u, i) =>
      expect(u.map((x) => x.displayName).sort()).toEqual([0, 1, 2, 3, 4].map((n) => `${addresses[i]} ${n}`)),
    );
  });
});

describe("a tenant that refuses a part of the filter", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ seed: 8, refuseFilterOn: ["proxyAddresses"] });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it("a refused combined request (400) is sent again per address: each caller gets the error it gets alone, the narrow lookups still answer", async () => {
    emu.addUser({ displayName: "Found", creationType: "Invitation", mail: "found@example.com" });
    const users = usersOn(emu);
    const addresses = ["found@example.com", "b@example.com", "c@example.com"];
    const alone = await users.findUsersByEmail("found@example.com").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(alone).toBeInstanceOf(EntraGraphError);
    emu.clearRequests();
    const wide = await Promise.all(
      addresses.map((a) =>
        users.findUsersByEmail(a).then(
          () => undefined,
          (e: unknown) => e,
        ),
      ),
    );
    const what = (e: unknown): unknown[] => [
      (e as EntraGraphError).status,
      (e as EntraGraphError).code,
      (e as EntraGraphError).message.replace(/request-id [0-9a-f-]+/, "request-id"),
    ];
    for (const e of wide) {
      expect(e).toBeInstanceOf(EntraGraphError);
      expect(what(e)).toEqual(what(alone));
    }
    expect(lookups(emu)).toHaveLength(1 + addresses.length);
    emu.clearRequests();
    const narrow = await Promise.all(addresses.map((a) => users.findUsersByEmail(a, { wide: false })));
    expect(narrow.map((u) => u.map((x) => x.displayName))).toEqual([["Found"], [], []]);
    expect(lookups(emu)).toHaveLength(1);
  });
});
