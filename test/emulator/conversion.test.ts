/**
 * POST /invitations naming a user by `invitedUser.id`, as invite-internal-users, invitation-post and
 * reset-redemption-status document it: an internal user is converted to B2B, one way (object id, UPN
 * and userType kept, invited from then on); a reset of a user who was never invited is refused; an
 * app-only reset of a guest holding a directory role is refused. Refusals change nothing.
 */
import { EmulatedUser } from "../../src/emulator";
import { acceptedGuest } from "../../src/testing";
import { appClient, graphFailure, invitation, useEmulator } from "./helpers";

const graph = useEmulator({ seed: 23 });
let n = 0;

function member(extra: Record<string, unknown> = {}): EmulatedUser {
  n++;
  return graph.emu.addUser({
    displayName: `Internal ${n}`,
    userPrincipalName: `internal${n}@emulator.onmicrosoft.com`,
    mail: `internal${n}@fabrikam.com`,
    ...extra,
  });
}
const stateOf = (id: string): EmulatedUser | undefined => graph.emu.users().find((u) => u.id === id);

describe("invitedUser.id of an internal user converts it (invite-internal-users)", () => {
  test("same object, UPN and userType; externalUserState PendingAcceptance, then Accepted on redemption; no way back", async () => {
    const m = member();
    const inv = (await graph.client
      .api("/invitations")
      .post(invitation(m.mail as string, { invitedUser: { id: m.id } }))) as Record<string, unknown>;
    expect(inv).toMatchObject({ status: "PendingAcceptance", invitedUser: { id: m.id }, resetRedemption: false });
    const after = stateOf(m.id);
    expect(after).toMatchObject({
      id: m.id,
      userPrincipalName: m.userPrincipalName,
      userType: "Member",
      creationType: null,
      externalUserState: "PendingAcceptance",
    });
    expect(after?.externalUserStateChangeDateTime).toBeTruthy();
    const back = await graphFailure(graph.client.api(`/users/${m.id}`).patch({ externalUserState: null }));
    expect(back.statusCode).toBe(400);
    graph.emu.redeem(m.id);
    expect(stateOf(m.id)?.externalUserState).toBe("Accepted");
    // Invited now, so a reset is a reset.
    const reset = (await graph.client
      .api("/invitations")
      .post(invitation(m.mail as string, { invitedUser: { id: m.id }, resetRedemption: true }))) as Record<
      string,
      unknown
    >;
    expect(reset).toMatchObject({ status: "PendingAcceptance", resetRedemption: true });
  });

  test.each<[string, () => EmulatedUser, (u: EmulatedUser) => string, number, string]>([
    [
      "an address that is not the user's mail",
      () => member(),
      () => "someone.else@fabrikam.com",
      400,
      "doesn't match the user's mail",
    ],
    [
      "a user synced from on-premises",
      () => member({ onPremisesUserPrincipalName: "x@corp.local" }),
      (u) => u.mail as string,
      400,
      "synced from on-premises",
    ],
  ])("refused for %s, nothing changes", async (_what, make, addr, status, text) => {
    const m = make();
    const e = await graphFailure(
      graph.client.api("/invitations").post(invitation(addr(m), { invitedUser: { id: m.id } })),
    );
    expect(e.statusCode).toBe(status);
    expect(e.message).toContain(text);
    expect(stateOf(m.id)).toEqual(m);
  });

  test("an app with User.Invite.All only cannot convert (403), nothing changes", async () => {
    const m = member();
    const inviter = appClient(graph.emu, ["User.Invite.All"]);
    const e = await graphFailure(
      inviter.api("/invitations").post(invitation(m.mail as string, { invitedUser: { id: m.id } })),
    );
    expect([e.statusCode, e.code]).toEqual([403, "Authorization_RequestDenied"]);
    expect(stateOf(m.id)).toEqual(m);
  });
});

describe("resetRedemption", () => {
  test("on a user who was never invited: 400, nothing changes", async () => {
    const m = member();
    const e = await graphFailure(
      graph.client
        .api("/invitations")
        .post(invitation(m.mail as string, { invitedUser: { id: m.id }, resetRedemption: true })),
    );
    expect([e.statusCode, e.code]).toEqual([400, "BadRequest"]);
    expect(e.message).toContain("was never invited");
    expect(stateOf(m.id)).toEqual(m);
  });

  test("app-only, on a guest holding a directory role: 403, nothing changes; without the role it resets", async () => {
    const g = graph.emu.addUser(
      acceptedGuest({
        displayName: "Admin Guest",
        mail: "role.guest@fabrikam.com",
        directoryRoles: ["Helpdesk Administrator"],
      }),
    );
    const e = await graphFailure(
      graph.client
        .api("/invitations")
        .post(invitation("role.guest@fabrikam.com", { invitedUser: { id: g.id }, resetRedemption: true })),
    );
    expect([e.statusCode, e.code]).toEqual([403, "Authorization_RequestDenied"]);
    expect(e.message).toContain("directory roles");
    expect(stateOf(g.id)).toEqual(g);
    const plain = graph.emu.addUser(
      acceptedGuest({
        displayName: "Plain Guest",
        mail: "plain.guest@fabrikam.com",
      }),
    );
    const ok = (await graph.client
      .api("/invitations")
      .post(
        invitation("plain.guest@fabrikam.com", { invitedUser: { id: plain.id }, resetRedemption: true }),
      )) as Record<string, unknown>;
    expect(ok.status).toBe("PendingAcceptance");
    expect(stateOf(plain.id)?.externalUserState).toBe("PendingAcceptance");
  });
});
