/**
 * Rules of the second reading of Microsoft's documentation (graph-facts.md), one describe per
 * rule, each against the emulator over HTTPS with the real client and credential.
 */
import { acceptedGuest } from "../../src/testing";
import { address, appClient, graphFailure, invitation, raw, rawToken, useEmulator } from "./helpers";

type Json = Record<string, unknown>;

const graph = useEmulator({ seed: 29 });

async function invite(email: string, extra: Json = {}): Promise<string> {
  return ((await graph.client.api("/invitations").post(invitation(email, extra))) as { invitedUser: { id: string } })
    .invitedUser.id;
}

describe("sponsors (b2b-sponsors)", () => {
  test("without invitedUserSponsors the inviter (the app's service principal) is stamped as the sponsor", async () => {
    const id = await invite(address("sponsorless"));
    const sponsors = ((await graph.client.api(`/users/${id}/sponsors`).get()) as { value: Json[] }).value;
    expect(sponsors).toEqual([
      {
        "@odata.type": "#microsoft.graph.servicePrincipal",
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        appId: graph.emu.clientId,
        displayName: expect.any(String),
      },
    ]);
  });

  test("given sponsors replace the inviter; more than five is 400", async () => {
    const s = graph.emu.addUser({ displayName: "Sponsor", userPrincipalName: "sponsor@emulator.onmicrosoft.com" });
    const id = await invite(address("sponsored"), { invitedUserSponsors: [{ id: s.id }] });
    expect(
      ((await graph.client.api(`/users/${id}/sponsors`).get()) as { value: Json[] }).value.map((x) => x.id),
    ).toEqual([s.id]);
    const six = Array.from({ length: 6 }, (_, i) => ({ id: `00000000-0000-4000-8000-00000000000${i}` }));
    const e = await graphFailure(
      graph.client.api("/invitations").post(invitation(address("six"), { invitedUserSponsors: six })),
    );
    expect(e.statusCode).toBe(400);
  });
});

describe("replication lag (Entra dev blog 'Designing for Eventual Consistency')", () => {
  const LAG = 3_000; // each write draws its lag between 1.5 s and 3 s (seeded PRNG)
  const lag = useEmulator({ seed: 31, replicationLagMs: LAG });
  const ids = async (filter: string): Promise<string[]> =>
    ((await lag.client.api("/users").filter(filter).select("id").get()) as { value: Json[] }).value.map(
      (u) => u.id as string,
    );
  const lookup = (a: string): string =>
    `userPrincipalName eq '${a}' or mail eq '${a}' or proxyAddresses/any(x:x eq 'SMTP:${a}') or otherMails/any(x:x eq '${a}')`;

  test("a new guest is missing from lists and from the invitation service's matching until the lag is over", async () => {
    const email = address("lag-list");
    const id = ((await lag.client.api("/invitations").post(invitation(email))) as { invitedUser: { id: string } })
      .invitedUser.id;
    expect(await ids(lookup(email))).toEqual([]);
    const again = await graphFailure(lag.client.api("/invitations").post(invitation(email)));
    expect([again.statusCode, again.message]).toEqual([
      400,
      "Another object with the same value for property proxyAddresses already exists.",
    ]);
    await new Promise((r) => setTimeout(r, LAG + 50));
    expect(await ids(lookup(email))).toEqual([id]);
    expect(
      ((await lag.client.api("/invitations").post(invitation(email))) as { invitedUser: { id: string } }).invitedUser
        .id,
    ).toBe(id);
  });

  test("a recently updated property: reads, lists and the reset's address check see the old value until the lag is over", async () => {
    const g = lag.emu.addUser(
      acceptedGuest({
        displayName: "Lagging",
        mail: "old.lag@fabrikam.com",
      }),
    );
    const next = "new.lag@fabrikam.com";
    await lag.client.api(`/users/${g.id}`).patch({ mail: next });
    expect(lag.emu.users().find((u) => u.id === g.id)?.mail).toBe(next);
    expect(((await lag.client.api(`/users/${g.id}`).select("mail").get()) as Json).mail).toBe("old.lag@fabrikam.com");
    expect(await ids(`mail eq '${next}'`)).toEqual([]);
    const early = await graphFailure(
      lag.client.api("/invitations").post(invitation(next, { invitedUser: { id: g.id }, resetRedemption: true })),
    );
    expect(early.message).toContain("doesn't match any emails on the user object");
    await new Promise((r) => setTimeout(r, LAG + 50));
    expect(((await lag.client.api(`/users/${g.id}`).select("mail").get()) as Json).mail).toBe(next);
    expect(await ids(`mail eq '${next}'`)).toEqual([g.id]);
    const reset = (await lag.client
      .api("/invitations")
      .post(invitation(next, { invitedUser: { id: g.id }, resetRedemption: true }))) as Json;
    expect(reset.status).toBe("PendingAcceptance");
  });
});

describe("query options (aad-advanced-queries, query-parameters)", () => {
  const query = useEmulator({ seed: 37 });
  const tag = `q${process.pid}`;
  beforeAll(async () => {
    for (const name of ["Carol", "alice", "Bob"])
      query.emu.addUser({
        displayName: `${name} ${tag}`,
        userPrincipalName: `${name.toLowerCase()}.${tag}@emulator.onmicrosoft.com`,
        mail: `${name.toLowerCase()}.${tag}@fabrikam.com`,
      });
  });
  const names = (r: unknown): string[] => (r as { value: Json[] }).value.map((u) => u.displayName as string);

  test("`in` works wherever `eq` does", async () => {
    const r = await query.client
      .api("/users")
      .filter(`mail in ('alice.${tag}@fabrikam.com', 'BOB.${tag}@fabrikam.com')`)
      .select("displayName")
      .get();
    expect(names(r).sort()).toEqual([`Bob ${tag}`, `alice ${tag}`]);
  });

  test("a filter of more than 15 expressions (each `in` value counts) is 400; with advanced queries a URL over 2,048 characters is", async () => {
    const values = (n: number): string => Array.from({ length: n }, (_, i) => `'x${i}.${tag}@fabrikam.com'`).join(",");
    const fifteen = `mail in (${values(11)}) or otherMails/any(x:x in (${values(3)})) or mail eq 'alice.${tag}@fabrikam.com'`;
    expect(names(await query.client.api("/users").filter(fifteen).select("displayName").get())).toEqual([
      `alice ${tag}`,
    ]);
    const sixteen = await graphFailure(
      query.client
        .api("/users")
        .filter(`mail in (${values(12)}) or otherMails/any(x:x in (${values(4)}))`)
        .get(),
    );
    expect([sixteen.statusCode, sixteen.code, sixteen.message]).toEqual([
      400,
      "Request_UnsupportedQuery",
      "Too many expressions in the filter clause: 16. Max allowed: 15.",
    ]);
    const manyEq = await graphFailure(
      query.client
        .api("/users")
        .filter(Array.from({ length: 16 }, (_, i) => `mail eq 'y${i}@fabrikam.com'`).join(" or "))
        .get(),
    );
    expect(manyEq.statusCode).toBe(400);
    const advanced = (q: string): Promise<unknown> =>
      query.client
        .api("/users")
        .header("ConsistencyLevel", "eventual")
        .count(true)
        .filter(q)
        .select("displayName")
        .get();
    expect(names(await advanced(`mail in (${values(20)}) or mail eq 'alice.${tag}@fabrikam.com'`))).toEqual([
      `alice ${tag}`,
    ]);
    const long = await graphFailure(advanced(`mail in (${values(80)})`));
    expect([long.statusCode, long.code]).toEqual([400, "Request_UnsupportedQuery"]);
    expect(long.message).toMatch(
      /^The request URL is \d+ characters long\. Max allowed with a filter in an advanced query: 2048\.$/,
    );
  });

  test("$count=true without ConsistencyLevel is ignored; with it the answer carries @odata.count", async () => {
    const plain = (await query.client.api("/users").count(true).get()) as Json;
    expect(plain).not.toHaveProperty("@odata.count");
    expect((plain.value as Json[]).length).toBe(3);
    const counted = (await query.client.api("/users").header("ConsistencyLevel", "eventual").count(true).get()) as Json;
    expect(counted["@odata.count"]).toBe(3);
  });

  test("plain $orderby on users works (case-insensitive, desc, paged); $filter with $orderby needs an advanced query", async () => {
    const asc = await query.client.api("/users").orderby("displayName").select("displayName").get();
    expect(names(asc)).toEqual([`alice ${tag}`, `Bob ${tag}`, `Carol ${tag}`]);
    const page = (await query.client.api("/users").orderby("displayName desc").select("displayName").top(2).get()) as {
      value: Json[];
      "@odata.nextLink": string;
    };
    expect(names(page)).toEqual([`Carol ${tag}`, `Bob ${tag}`]);
    expect(names(await query.client.api(page["@odata.nextLink"]).get())).toEqual([`alice ${tag}`]);
    const both = await graphFailure(
      query.client.api("/users").filter("userType eq 'Member'").orderby("displayName").get(),
    );
    expect([both.statusCode, both.code]).toEqual([400, "Request_UnsupportedQuery"]);
    const advanced = (await query.client
      .api("/users")
      .header("ConsistencyLevel", "eventual")
      .count(true)
      .filter("userType eq 'Member'")
      .orderby("userPrincipalName")
      .select("displayName")
      .get()) as Json;
    expect(names(advanced)).toEqual([`alice ${tag}`, `Bob ${tag}`, `Carol ${tag}`]);
    const unknown = await graphFailure(query.client.api("/users").orderby("jobTitle").get());
    expect(unknown.statusCode).toBe(400);
  });

  test("$expand on a list: at most 20 expanded items per user, pages of at most 100 users, not with advanced queries", async () => {
    const base = Array.from({ length: 101 }, (_, i) =>
      query.emu.addUser({
        displayName: `Many ${i}`,
        userPrincipalName: `many${i}.${tag}@emulator.onmicrosoft.com`,
        userType: "Guest",
      }),
    );
    const page = (await query.client.api("/users").filter("userType eq 'Guest'").expand("sponsors").top(999).get()) as {
      value: Json[];
      "@odata.nextLink"?: string;
    };
    expect(page.value).toHaveLength(100);
    expect(page["@odata.nextLink"]).toContain("$expand=sponsors");
    expect(((await query.client.api(page["@odata.nextLink"]!).get()) as { value: Json[] }).value).toHaveLength(1);
    expect(base).toHaveLength(101);
    const sponsors = Array.from({ length: 25 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    const many = query.emu.addUser({
      displayName: "Sponsored",
      userPrincipalName: `sponsored.${tag}@emulator.onmicrosoft.com`,
      sponsors,
    });
    const one = (await query.client
      .api("/users")
      .filter(`userPrincipalName eq '${many.userPrincipalName}'`)
      .expand("sponsors")
      .get()) as { value: Json[] };
    expect((one.value[0].sponsors as Json[]).length).toBe(20);
    expect(((await query.client.api(`/users/${many.id}`).expand("sponsors").get()) as Json).sponsors).toHaveLength(20);
    const adv = await graphFailure(
      query.client.api("/users").header("ConsistencyLevel", "eventual").count(true).expand("extensions").get(),
    );
    expect([adv.statusCode, adv.code]).toEqual([400, "Request_UnsupportedQuery"]);
  });

  test("$search needs ConsistencyLevel (Graph's message)", async () => {
    const e = await graphFailure(query.client.api("/users").search('"displayName:alice"').get());
    expect(e.message).toBe(
      "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
    );
  });
});

describe("throttling-limits: resource units and the open-extension limit", () => {
  const throttled = useEmulator({ seed: 41, throttle: "graph" });
  let token: string;
  let id: string;
  beforeAll(async () => {
    token = await rawToken(throttled.emu);
    id = throttled.emu.addUser({ displayName: "Costly", creationType: "Invitation", mail: "costly@fabrikam.com" }).id;
  });

  test.each<[string, string, unknown, string]>([
    ["GET", "/v1.0/users", undefined, "2"],
    ["GET", "/v1.0/users?$select=id", undefined, "1"],
    ["GET", "/v1.0/users?$top=5", undefined, "1"],
    ["GET", "/v1.0/users?$select=id&$expand=extensions", undefined, "2"],
    ["GET", "/v1.0/users/{id}", undefined, "1"],
    ["GET", "/v1.0/users/{id}?$expand=sponsors", undefined, "2"],
    ["GET", "/v1.0/users/{id}/sponsors", undefined, "1"],
    ["PATCH", "/v1.0/users/{id}", { jobTitle: "x" }, "1"],
    ["GET", "/v1.0/directory/deletedItems/microsoft.graph.user", undefined, "1"],
  ])("%s %s costs %s", async (method, path, body, cost) => {
    const r = await raw(throttled.emu, method, path.replace("{id}", id), { token, body });
    expect(r.status).toBeLessThan(300);
    expect(r.headers["x-ms-resource-unit"]).toBe(cost);
  });

  test("open extensions: the 456th request within 10 s (reads expanding extensions count too) is 429 with Retry-After", async () => {
    const app = throttled.emu.addClient({ roles: ["User.ReadWrite.All"] });
    const appToken = await rawToken(throttled.emu, app.clientId, app.clientSecret);
    const statuses: number[] = [];
    const first = await raw(throttled.emu, "GET", `/v1.0/users/${id}?$expand=extensions`, { token: appToken });
    statuses.push(first.status);
    for (let b = 0; b < 23; b++) {
      const requests = Array.from({ length: 20 }, (_, i) => ({
        id: String(i),
        method: "GET",
        url: `/users/${id}/extensions`,
      }));
      const r = await raw(throttled.emu, "POST", "/v1.0/$batch", { token: appToken, body: { requests } });
      statuses.push(...(r.json as { responses: { status: number }[] }).responses.map((x) => x.status));
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(455);
    expect(statuses.filter((s) => s === 429)).toHaveLength(statuses.length - 455);
    const last = await raw(throttled.emu, "GET", `/v1.0/users/${id}/extensions`, { token: appToken });
    expect(last.status).toBe(429);
    expect(Number(last.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    // another app has its own 455
    expect((await raw(throttled.emu, "GET", `/v1.0/users/${id}/extensions`, { token })).status).toBe(200);
  });
});

describe("$batch envelope (json-batching vs throttling-limits)", () => {
  test("fault batch424: the batch runs, the envelope is 424 and still carries every sub-response; other requests are untouched", async () => {
    const token = await rawToken(graph.emu);
    const email = address("env");
    graph.emu.setFaults("batch424=1");
    try {
      const r = await raw(graph.emu, "POST", "/v1.0/$batch", {
        token,
        body: {
          requests: [
            {
              id: "1",
              method: "POST",
              url: "/invitations",
              headers: { "Content-Type": "application/json" },
              body: invitation(email),
            },
            { id: "2", method: "GET", url: "/users?$top=1&$select=id" },
          ],
        },
      });
      expect(r.status).toBe(424);
      const responses = (r.json as { responses: { id: string; status: number }[] }).responses;
      expect(responses.map((x) => `${x.id}:${x.status}`).sort()).toEqual(["1:201", "2:200"]);
      expect(graph.emu.users().some((u) => u.mail === email)).toBe(true);
      expect(graph.emu.requests().find((e) => e.path === "/v1.0/$batch" && e.status === 424)?.fault).toBe("batch424");
      expect((await raw(graph.emu, "GET", "/v1.0/users?$top=1", { token })).status).toBe(200);
    } finally {
      graph.emu.setFaults(undefined);
    }
  });
});

describe("user resource and the invitation's preconditions", () => {
  test("usageLocation is not nullable: PATCH null is 400 and keeps the value", async () => {
    const id = await invite(address("loc"));
    await graph.client.api(`/users/${id}`).patch({ usageLocation: "de" });
    const e = await graphFailure(graph.client.api(`/users/${id}`).patch({ usageLocation: null }));
    expect([e.statusCode, e.code]).toEqual([400, "Request_BadRequest"]);
    expect(((await graph.client.api(`/users/${id}`).select("usageLocation").get()) as Json).usageLocation).toBe("DE");
  });

  test("an address of the tenant's verified domain is not invited", async () => {
    const e = await graphFailure(graph.client.api("/invitations").post(invitation("someone@emulator.onmicrosoft.com")));
    expect(e.statusCode).toBe(400);
    expect(e.message).toContain("verified domain");
  });
});

describe("invitedUserType Member (invitation resource)", () => {
  test("an app with User.Invite.All only cannot invite as Member (403); as Guest it can", async () => {
    const inviter = appClient(graph.emu, ["User.Invite.All"]);
    const e = await graphFailure(
      inviter.api("/invitations").post(invitation(address("member"), { invitedUserType: "Member" })),
    );
    expect([e.statusCode, e.code]).toEqual([403, "Authorization_RequestDenied"]);
    const ok = (await inviter.api("/invitations").post(invitation(address("guest")))) as Json;
    expect(ok.invitedUserType).toBe("Guest");
  });
});
