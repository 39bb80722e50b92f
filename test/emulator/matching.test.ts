/**
 * Who counts as "already there" (customize-invitation-api, "Determine if a user was already
 * invited"): POST /invitations for an address returns the existing user when the address is its
 * userPrincipalName, mail, one of its proxyAddresses (SMTP:/smtp:, any case) or otherMails; and the
 * documented lookup query (without signInNames, which v1.0 users do not have) is served as a plain
 * query. Users are seeded through the admin surface; everything else goes through Graph.
 */
import { acceptedGuest } from "../../src/testing";
import { graphFailure, invitation, useEmulator } from "./helpers";

type Json = Record<string, unknown>;

const graph = useEmulator({ seed: 17 });

const lookup = (a: string): string =>
  `userPrincipalName eq '${a}' or mail eq '${a}' or proxyAddresses/any(x:x eq 'SMTP:${a}') or otherMails/any(x:x eq '${a}')`;

async function invite(email: string): Promise<{ invitedUser: { id: string }; status: string }> {
  return (await graph.client.api("/invitations").post(invitation(email))) as {
    invitedUser: { id: string };
    status: string;
  };
}

describe("POST /invitations returns the user that already holds the address", () => {
  test.each([
    [
      "a secondary smtp: proxyAddress",
      {
        mail: "primary.p@fabrikam.com",
        proxyAddresses: ["SMTP:primary.p@fabrikam.com", "smtp:only.proxy@fabrikam.com"],
      },
      "ONLY.PROXY@fabrikam.com",
    ],
    ["its userPrincipalName", { userPrincipalName: "only.upn@fabrikam.com", mail: null }, "Only.Upn@Fabrikam.com"],
    ["otherMails", { mail: null, otherMails: ["only.other@fabrikam.com"] }, "only.other@fabrikam.com"],
    ["mail", { mail: "only.mail@fabrikam.com" }, "only.mail@FABRIKAM.com"],
  ])("an accepted guest found by %s: same id, status Completed, no new user", async (_what, fields, address) => {
    const g = graph.emu.addUser(
      acceptedGuest({
        displayName: "Existing",
        userPrincipalName: `g${Math.random().toString(36).slice(2)}#EXT#@emulator.onmicrosoft.com`,
        ...fields,
      }),
    );
    const before = graph.emu.users().length;
    const inv = await invite(address);
    expect(inv.invitedUser.id).toBe(g.id);
    expect(inv.status).toBe("Completed");
    expect(graph.emu.users()).toHaveLength(before);
    const found = (
      (await graph.client.api("/users").filter(lookup(address.toLowerCase())).select("id").get()) as { value: Json[] }
    ).value.map((u) => u.id);
    expect(found).toEqual([g.id]);
  });

  test("a soft-deleted guest holds no address: a new guest is created", async () => {
    const gone = graph.emu.addUser({
      displayName: "Gone",
      mail: "gone.guest@fabrikam.com",
      creationType: "Invitation",
      deletedDateTime: "2026-11-30T00:00:00Z",
    });
    const inv = await invite("gone.guest@fabrikam.com");
    expect(inv.invitedUser.id).not.toBe(gone.id);
    expect(inv.status).toBe("PendingAcceptance");
  });

  test("a member holding the address only in proxyAddresses is not invited; a disabled guest found by UPN is refused", async () => {
    graph.emu.addUser({
      displayName: "Member",
      userPrincipalName: "mem@emulator.onmicrosoft.com",
      mail: "mem@emulator.onmicrosoft.com",
      proxyAddresses: ["SMTP:mem@emulator.onmicrosoft.com", "smtp:mem.ext@fabrikam.com"],
    });
    const member = await graphFailure(invite("mem.ext@fabrikam.com"));
    expect([member.statusCode, member.code]).toEqual([400, "BadRequest"]);
    const off = graph.emu.addUser({
      displayName: "Off",
      userPrincipalName: "off.upn@fabrikam.com",
      creationType: "Invitation",
      accountEnabled: false,
    });
    const blocked = await graphFailure(invite("off.upn@fabrikam.com"));
    expect(blocked.message).toContain(`already exists in the directory as object ID ${off.id}`);
  });
});

describe("the documented lookup query", () => {
  test("is served without advanced query parameters, matching each of its four properties", async () => {
    const a = graph.emu.addUser({
      displayName: "A",
      userPrincipalName: "q.a@emulator.onmicrosoft.com",
      mail: "q.a@emulator.onmicrosoft.com",
      otherMails: ["q.shared@fabrikam.com"],
    });
    const b = graph.emu.addUser({
      displayName: "B",
      creationType: "Invitation",
      mail: "q.b@fabrikam.com",
      proxyAddresses: ["SMTP:q.b@fabrikam.com", "smtp:q.shared@fabrikam.com"],
    });
    const ids = (
      (await graph.client.api("/users").filter(lookup("q.shared@fabrikam.com")).select("id").get()) as { value: Json[] }
    ).value.map((u) => u.id);
    expect(ids.sort()).toEqual([a.id, b.id].sort());
  });

  test("with signInNames (not a property of the v1.0 user) it is Graph's 400 for an unknown property", async () => {
    const e = await graphFailure(
      graph.client
        .api("/users")
        .filter(`${lookup("x@fabrikam.com")} or signInNames/any(x:x eq 'x@fabrikam.com')`)
        .get(),
    );
    expect([e.statusCode, e.code]).toEqual([400, "BadRequest"]);
    expect(e.message).toBe("Could not find a property named 'signInNames' on type 'microsoft.graph.user'.");
  });
});
