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
