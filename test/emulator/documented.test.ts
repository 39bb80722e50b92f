/**
 * Rules of the second reading of Microsoft's documentation (graph-facts.md), one describe per
 * rule, each against the emulator over HTTPS with the real client and credential.
 */
import type { Client } from "@microsoft/microsoft-graph-client";
import { RunningEmulator, startEmulator } from "../../src/emulator";
import { address, destroyAgents, graphClient, graphFailure, invitation } from "./helpers";

type Json = Record<string, unknown>;

let emu: RunningEmulator;
let client: Client;

beforeAll(async () => {
  emu = await startEmulator({ seed: 29 });
  client = graphClient(emu);
});
afterAll(async () => {
  await emu.close();
  destroyAgents();
});

async function invite(email: string, extra: Json = {}): Promise<string> {
  return ((await client.api("/invitations").post(invitation(email, extra))) as { invitedUser: { id: string } }).invitedUser.id;
}

describe("sponsors (b2b-sponsors)", () => {
  test("without invitedUserSponsors the inviter (the app's service principal) is stamped as the sponsor", async () => {
    const id = await invite(address("sponsorless"));
    const sponsors = ((await client.api(`/users/${id}/sponsors`).get()) as { value: Json[] }).value;
    expect(sponsors).toEqual([{ "@odata.type": "#microsoft.graph.servicePrincipal", id: expect.stringMatching(/^[0-9a-f-]{36}$/), appId: emu.clientId, displayName: expect.any(String) }]);
  });

  test("given sponsors replace the inviter; more than five is 400", async () => {
    const s = emu.addUser({ displayName: "Sponsor", userPrincipalName: "sponsor@emulator.onmicrosoft.com" });
    const id = await invite(address("sponsored"), { invitedUserSponsors: [{ id: s.id }] });
    expect(((await client.api(`/users/${id}/sponsors`).get()) as { value: Json[] }).value.map((x) => x.id)).toEqual([s.id]);
    const six = Array.from({ length: 6 }, (_, i) => ({ id: `00000000-0000-4000-8000-00000000000${i}` }));
    const e = await graphFailure(client.api("/invitations").post(invitation(address("six"), { invitedUserSponsors: six })));
    expect(e.statusCode).toBe(400);
  });
});

describe("replication lag (Entra dev blog 'Designing for Eventual Consistency')", () => {
  const LAG = 3_000; // each write draws its lag between 1.5 s and 3 s (seeded PRNG)
  let lagEmu: RunningEmulator;
  let c: Client;
  beforeAll(async () => {
    lagEmu = await startEmulator({ seed: 31, replicationLagMs: LAG });
    c = graphClient(lagEmu);
  });
  afterAll(async () => {
    await lagEmu.close();
  });
  const ids = async (filter: string): Promise<string[]> => ((await c.api("/users").filter(filter).select("id").get()) as { value: Json[] }).value.map((u) => u.id as string);
  const lookup = (a: string): string => `userPrincipalName eq '${a}' or mail eq '${a}' or proxyAddresses/any(x:x eq 'SMTP:${a}') or otherMails/any(x:x eq '${a}')`;

  test("a new guest is missing from lists and from the invitation service's matching until the lag is over", async () => {
    const email = address("lag-list");
    const id = ((await c.api("/invitations").post(invitation(email))) as { invitedUser: { id: string } }).invitedUser.id;
    expect(await ids(lookup(email))).toEqual([]);
    const again = await graphFailure(c.api("/invitations").post(invitation(email)));
    expect([again.statusCode, again.message]).toEqual([400, "Another object with the same value for property proxyAddresses already exists."]);
    await new Promise((r) => setTimeout(r, LAG + 50));
    expect(await ids(lookup(email))).toEqual([id]);
    expect(((await c.api("/invitations").post(invitation(email))) as { invitedUser: { id: string } }).invitedUser.id).toBe(id);
  });

  test("a recently updated property: reads, lists and the reset's address check see the old value until the lag is over", async () => {
    const g = lagEmu.addUser({ displayName: "Lagging", creationType: "Invitation", externalUserState: "Accepted", mail: "old.lag@fabrikam.com" });
    const next = "new.lag@fabrikam.com";
    await c.api(`/users/${g.id}`).patch({ mail: next });
    expect(lagEmu.users().find((u) => u.id === g.id)?.mail).toBe(next);
    expect(((await c.api(`/users/${g.id}`).select("mail").get()) as Json).mail).toBe("old.lag@fabrikam.com");
    expect(await ids(`mail eq '${next}'`)).toEqual([]);
    const early = await graphFailure(c.api("/invitations").post(invitation(next, { invitedUser: { id: g.id }, resetRedemption: true })));
    expect(early.message).toContain("doesn't match any emails on the user object");
    await new Promise((r) => setTimeout(r, LAG + 50));
    expect(((await c.api(`/users/${g.id}`).select("mail").get()) as Json).mail).toBe(next);
    expect(await ids(`mail eq '${next}'`)).toEqual([g.id]);
    const reset = (await c.api("/invitations").post(invitation(next, { invitedUser: { id: g.id }, resetRedemption: true }))) as Json;
    expect(reset.status).toBe("PendingAcceptance");
  });
});
