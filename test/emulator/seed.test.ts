/**
 * Seeding any user Graph can hold: POST /_emulator/users (admin surface, loopback only) and
 * in-process `emu.addUser`, validated as Graph validates the same properties (a bad one is a 400
 * naming it), then read back through Graph with the real graph.client.
 */
import { GraphError } from "../../src/emulator/errors";
import { seedUser } from "../../src/testing/graph-admin";
import { graphFailure, raw, useEmulator } from "./helpers";

type Json = Record<string, unknown>;

const graph = useEmulator({ seed: 11 });

const ALL =
  "id,displayName,mail,proxyAddresses,otherMails,userPrincipalName,userType,creationType,externalUserState,accountEnabled,onPremisesUserPrincipalName";

describe("POST /_emulator/users", () => {
  test("an internal member with a mailbox: 201 with its id; Graph reads it back", async () => {
    const r = await raw(graph.emu, "POST", "/_emulator/users", {
      body: {
        displayName: "Mia Member",
        userPrincipalName: "mia@emulator.onmicrosoft.com",
        mail: "mia@emulator.onmicrosoft.com",
        proxyAddresses: ["SMTP:mia@emulator.onmicrosoft.com", "smtp:mia.alias@contoso.com"],
        hasMailbox: true,
      },
    });
    expect(r.status).toBe(201);
    const created = r.json as Json;
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created).toMatchObject({
      userType: "Member",
      creationType: null,
      externalUserState: null,
      accountEnabled: true,
    });
    expect(created).not.toHaveProperty("hasMailbox");
    const read = (await graph.client
      .api(`/users/${created.id as string}`)
      .select(ALL)
      .get()) as Json;
    expect(read).toMatchObject({
      displayName: "Mia Member",
      mail: "mia@emulator.onmicrosoft.com",
      proxyAddresses: ["SMTP:mia@emulator.onmicrosoft.com", "smtp:mia.alias@contoso.com"],
      otherMails: [],
      userType: "Member",
    });
  });

  test("an invited guest without a UPN gets Graph's guest UPN, Guest type and PendingAcceptance", async () => {
    const r = await raw(graph.emu, "POST", "/_emulator/users", {
      body: { displayName: "G", mail: "g.one@fabrikam.com", creationType: "Invitation" },
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      userPrincipalName: "g.one_fabrikam.com#EXT#@emulator.onmicrosoft.com",
      userType: "Guest",
      externalUserState: "PendingAcceptance",
      proxyAddresses: ["SMTP:g.one@fabrikam.com"],
    });
  });

  test("a soft-deleted and a disabled guest", async () => {
    const deleted = (
      await raw(graph.emu, "POST", "/_emulator/users", {
        body: {
          displayName: "Gone",
          mail: "gone@fabrikam.com",
          creationType: "Invitation",
          externalUserState: "Accepted",
          deletedDateTime: "2026-11-01T00:00:00Z",
        },
      })
    ).json as Json;
    const disabled = (
      await raw(graph.emu, "POST", "/_emulator/users", {
        body: { displayName: "Off", mail: "off@fabrikam.com", creationType: "Invitation", accountEnabled: false },
      })
    ).json as Json;
    expect((await graphFailure(graph.client.api(`/users/${deleted.id as string}`).get())).statusCode).toBe(404);
    const bin = (await graph.client.api(`/directory/deletedItems/${deleted.id as string}`).get()) as Json;
    expect(bin.deletedDateTime).toBe("2026-11-01T00:00:00Z");
    expect(
      (
        (await graph.client
          .api(`/users/${disabled.id as string}`)
          .select("accountEnabled")
          .get()) as Json
      ).accountEnabled,
    ).toBe(false);
  });

  test.each([
    [{ displayName: "X", userPrincipalName: "x1@emulator.onmicrosoft.com", userType: "Robot" }, "userType"],
    [{ displayName: "X", userPrincipalName: "x2@emulator.onmicrosoft.com", otherMails: "a@b.com" }, "otherMails"],
    [
      { displayName: "X", userPrincipalName: "x3@emulator.onmicrosoft.com", proxyAddresses: ["a@b.com"] },
      "proxyAddresses",
    ],
    [
      {
        displayName: "X",
        userPrincipalName: "x4@emulator.onmicrosoft.com",
        proxyAddresses: ["SMTP:a@b.com", "SMTP:c@b.com"],
      },
      "proxyAddresses",
    ],
    [{ displayName: "X", userPrincipalName: "x5@emulator.onmicrosoft.com", mail: "not an address" }, "mail"],
    [{ displayName: "X", userPrincipalName: "x6@emulator.onmicrosoft.com", accountEnabled: "yes" }, "accountEnabled"],
    [
      { displayName: "X", userPrincipalName: "x7@emulator.onmicrosoft.com", externalUserState: "Redeemed" },
      "externalUserState",
    ],
    [{ displayName: "X", userPrincipalName: "x8@emulator.onmicrosoft.com", creationType: "Magic" }, "creationType"],
    [{ displayName: "X", userPrincipalName: "no-at-sign" }, "userPrincipalName"],
    [{ displayName: "X" }, "userPrincipalName"],
    [{ userPrincipalName: "x9@emulator.onmicrosoft.com" }, "displayName"],
    [
      { displayName: "X", userPrincipalName: "x10@emulator.onmicrosoft.com", favouriteColour: "blue" },
      "favouriteColour",
    ],
    [{ displayName: "X", userPrincipalName: "x11@emulator.onmicrosoft.com", id: "not-a-guid" }, "id"],
  ])("a bad shape is 400 naming the field: %j", async (body, field) => {
    const r = await raw(graph.emu, "POST", "/_emulator/users", { body });
    expect(r.status).toBe(400);
    expect((r.json as { error: { message: string } }).error.message).toContain(`'${field}'`);
  });

  test("a taken UPN, a taken id, and an address another user holds in mail or proxyAddresses are refused as Graph refuses them", async () => {
    const first = graph.emu.addUser({
      displayName: "First",
      userPrincipalName: "first@emulator.onmicrosoft.com",
      proxyAddresses: ["smtp:shared@contoso.com"],
    });
    const again = await raw(graph.emu, "POST", "/_emulator/users", {
      body: { displayName: "Again", userPrincipalName: "FIRST@emulator.onmicrosoft.com" },
    });
    expect(again.status).toBe(400);
    expect((again.json as { error: { message: string } }).error.message).toContain("userPrincipalName");
    const sameId = await raw(graph.emu, "POST", "/_emulator/users", {
      body: { displayName: "Id", userPrincipalName: "id@emulator.onmicrosoft.com", id: first.id },
    });
    expect(sameId.status).toBe(400);
    const proxy = await raw(graph.emu, "POST", "/_emulator/users", {
      body: { displayName: "P", userPrincipalName: "p@emulator.onmicrosoft.com", mail: "Shared@Contoso.com" },
    });
    expect(proxy.status).toBe(400);
    expect((proxy.json as { error: { code: string; message: string } }).error).toEqual({
      code: "Request_BadRequest",
      message: "Another object with the same value for property proxyAddresses already exists.",
    });
  });
});

describe("emu.addUser", () => {
  test("seeds in-process and throws a GraphError naming the field", () => {
    const u = graph.emu.addUser({
      displayName: "In Process",
      mail: "inproc@fabrikam.com",
      creationType: "Invitation",
      directoryRoles: ["Helpdesk Administrator"],
    });
    expect(graph.emu.users().find((x) => x.id === u.id)?.mail).toBe("inproc@fabrikam.com");
    expect(() =>
      graph.emu.addUser({
        displayName: "Bad",
        userPrincipalName: "bad@emulator.onmicrosoft.com",
        usageLocation: "Germany",
      }),
    ).toThrow(GraphError);
    expect(() =>
      graph.emu.addUser({
        displayName: "Bad",
        userPrincipalName: "bad@emulator.onmicrosoft.com",
        usageLocation: "Germany",
      }),
    ).toThrow(/'usageLocation'/);
  });

  test("a member with a mailbox: mail cannot be PATCHed to an external address (invite-internal-users)", async () => {
    const m = graph.emu.addUser({
      displayName: "Box",
      userPrincipalName: "box@emulator.onmicrosoft.com",
      mail: "box@emulator.onmicrosoft.com",
      hasMailbox: true,
    });
    const e = await graphFailure(graph.client.api(`/users/${m.id}`).patch({ mail: "box@fabrikam.com" }));
    expect(e.statusCode).toBe(400);
    expect(e.message).toContain("'mail'");
    await graph.client.api(`/users/${m.id}`).patch({ mail: "box2@emulator.onmicrosoft.com" });
    const read = (await graph.client.api(`/users/${m.id}`).select("mail,proxyAddresses").get()) as Json;
    expect(read).toMatchObject({
      mail: "box2@emulator.onmicrosoft.com",
      proxyAddresses: ["SMTP:box2@emulator.onmicrosoft.com"],
    });
  });
});

describe("seedUser (src/testing/graph-admin.ts)", () => {
  test("seeds over HTTPS with the emulator's CA and rejects with the message naming the field", async () => {
    const u = await seedUser(graph.emu, { displayName: "Kit", creationType: "Invitation", mail: "kit@fabrikam.com" });
    expect(graph.emu.users().find((x) => x.id === u.id)?.mail).toBe("kit@fabrikam.com");
    await expect(
      seedUser(graph.emu, { displayName: "Kit", userPrincipalName: "kit@emulator.onmicrosoft.com", userType: "Robot" }),
    ).rejects.toThrow(/400 .*'userType'/);
  });
});
