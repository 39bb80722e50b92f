/**
 * Contract tests of the Graph emulator with the REAL @microsoft/microsoft-graph-client and the
 * REAL ClientSecretCredential of @azure/identity over HTTPS (the jest process trusts the
 * emulator's CA through NODE_EXTRA_CA_CERTS, set by scripts/test.js). Hand-made requests only
 * where the SDKs cannot express the case (bad tokens, malformed bodies, headers).
 */
import { startEmulator } from "../../src/emulator";
import {
  address,
  appClient,
  credential,
  expectGraphErrorBody,
  graphClient,
  graphFailure,
  invitation,
  raw,
  rawToken,
  useEmulator,
} from "./helpers";

type Json = Record<string, unknown>;

const graph = useEmulator({ seed: 1 });

async function invite(email: string, extra: Json = {}): Promise<Json> {
  return (await graph.client.api("/invitations").post(invitation(email, extra))) as Json;
}
function userIdOf(inv: Json): string {
  return (inv.invitedUser as { id: string }).id;
}

describe("identity endpoints", () => {
  test("OpenID configuration is the full document with an issuer on the authority's origin", async () => {
    const r = await fetch(`${graph.emu.authorityHost}/${graph.emu.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(r.status).toBe(200);
    const doc = (await r.json()) as Json;
    for (const k of [
      "issuer",
      "token_endpoint",
      "authorization_endpoint",
      "jwks_uri",
      "end_session_endpoint",
      "response_types_supported",
    ])
      expect(doc).toHaveProperty(k);
    expect(doc.issuer).toBe(`${graph.emu.authorityHost}/${graph.emu.tenantId}/v2.0`);
    expect(doc.token_endpoint).toBe(`${graph.emu.authorityHost}/${graph.emu.tenantId}/oauth2/v2.0/token`);
    const keys = await fetch(doc.jwks_uri as string);
    expect(keys.status).toBe(200);
  });

  test("ClientSecretCredential gets a JWT with tid, appid, roles and exp; the token call is logged without the secret", async () => {
    graph.emu.clearRequests();
    const tok = await credential(graph.emu).getToken(`${graph.emu.graphUrl}/.default`);
    const claims = JSON.parse(Buffer.from(tok.token.split(".")[1], "base64url").toString("utf8")) as Json;
    expect(claims.tid).toBe(graph.emu.tenantId);
    expect(claims.appid).toBe(graph.emu.clientId);
    expect(claims.roles).toEqual(["User.Invite.All", "User.ReadWrite.All"]);
    expect(claims.exp as number).toBeGreaterThan(Date.now() / 1000 + 3000);
    const log = graph.emu.requests().filter((e) => e.path.startsWith(`/${graph.emu.tenantId}/oauth2`));
    expect(log).toHaveLength(1);
    expect(log[0].status).toBe(200);
    expect(log[0].body).toMatchObject({ grant_type: "client_credentials", client_id: graph.emu.clientId });
    expect(JSON.stringify(log[0].body)).not.toContain(graph.emu.clientSecret);
  });

  test("a wrong secret, an unknown client and an unknown tenant fail in the credential", async () => {
    await expect(
      credential(graph.emu, graph.emu.clientId, "wrong-secret").getToken(`${graph.emu.graphUrl}/.default`),
    ).rejects.toThrow(/AADSTS7000215/);
    await expect(
      credential(graph.emu, "11111111-2222-4333-8444-555555555555", "x").getToken(`${graph.emu.graphUrl}/.default`),
    ).rejects.toThrow(/AADSTS700016/);
    await expect(
      credential(
        graph.emu,
        graph.emu.clientId,
        graph.emu.clientSecret,
        "99999999-2222-4333-8444-555555555555",
      ).getToken(`${graph.emu.graphUrl}/.default`),
    ).rejects.toThrow();
  });

  test("token endpoint errors have AAD's shape", async () => {
    const post = (tenant: string, form: Record<string, string>) =>
      raw(graph.emu, "POST", `/${tenant}/oauth2/v2.0/token`, {
        body: new URLSearchParams(form).toString(),
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      });
    const base = {
      grant_type: "client_credentials",
      client_id: graph.emu.clientId,
      client_secret: graph.emu.clientSecret,
      scope: `${graph.emu.graphUrl}/.default`,
    };
    const cases: [string, Record<string, string>, number, string, number][] = [
      [graph.emu.tenantId, { ...base, client_secret: "nope" }, 401, "invalid_client", 7000215],
      [
        graph.emu.tenantId,
        { ...base, client_id: "11111111-2222-4333-8444-555555555555" },
        400,
        "unauthorized_client",
        700016,
      ],
      ["99999999-2222-4333-8444-555555555555", base, 400, "invalid_tenant", 90002],
      [graph.emu.tenantId, { ...base, grant_type: "password" }, 400, "unsupported_grant_type", 70003],
      [graph.emu.tenantId, { ...base, scope: "User.Read" }, 400, "invalid_scope", 1002012],
      [
        graph.emu.tenantId,
        { grant_type: "client_credentials", client_id: graph.emu.clientId, scope: base.scope },
        401,
        "invalid_client",
        7000216,
      ],
    ];
    for (const [tenant, form, status, error, code] of cases) {
      const r = await post(tenant, form);
      expect([r.status, (r.json as Json).error]).toEqual([status, error]);
      const body = r.json as Json;
      expect(body.error_description).toMatch(new RegExp(`^AADSTS${code}: `));
      expect(body.error_codes).toEqual([code]);
      for (const k of ["timestamp", "trace_id", "correlation_id"]) expect(body).toHaveProperty(k);
    }
    // The tenant's initial domain works as the tenant segment too.
    expect((await post("emulator.onmicrosoft.com", base)).status).toBe(200);
  });
});

describe("401 for bad tokens", () => {
  async function expect401(token: string | undefined): Promise<void> {
    const r = await raw(graph.emu, "GET", "/v1.0/users", { token });
    expect(r.status).toBe(401);
    expectGraphErrorBody(r.json, "InvalidAuthenticationToken");
    expect(r.headers["www-authenticate"]).toMatch(/^Bearer /);
  }

  test("missing, malformed, forged, wrong-audience and expired tokens", async () => {
    await expect401(undefined);
    await expect401("not-a-jwt");
    const good = await rawToken(graph.emu);
    const [h, p, s] = good.split(".");
    const claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Json;
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, roles: ["Directory.ReadWrite.All"] })).toString(
      "base64url",
    );
    await expect401(`${h}.${forgedPayload}.${s}`);
    await expect401(`${h}.${p}.${s.slice(0, -4)}AAAA`);
    const armForm = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: graph.emu.clientId,
      client_secret: graph.emu.clientSecret,
      scope: "https://management.azure.com/.default",
    });
    const arm = await raw(graph.emu, "POST", `/${graph.emu.tenantId}/oauth2/v2.0/token`, {
      body: armForm.toString(),
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    await expect401((arm.json as { access_token: string }).access_token);

    const short = await startEmulator({ tokenLifetimeSeconds: 1 });
    try {
      const tok = await rawToken(short);
      expect((await raw(short, "GET", "/v1.0/users", { token: tok })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2100));
      const r = await raw(short, "GET", "/v1.0/users", { token: tok });
      expect(r.status).toBe(401);
      expect(expectGraphErrorBody(r.json, "InvalidAuthenticationToken").error.message).toMatch(/expired/);
    } finally {
      await short.close();
    }
  });

  test("a token of another tenant is refused by Graph (real credential and client)", async () => {
    const other = "0badc0de-1111-4222-8333-444455556666";
    const app = graph.emu.addClient({ roles: ["User.ReadWrite.All"], tenantId: other });
    const c = graphClient(graph.emu, credential(graph.emu, app.clientId, app.clientSecret, other));
    const e = await graphFailure(c.api("/users").get());
    expect(e.statusCode).toBe(401);
    expect(e.code).toBe("InvalidAuthenticationToken");
  });
});

describe("403 for missing permissions", () => {
  test("least privilege (User.Invite.All) invites but cannot read, patch, delete or reset", async () => {
    const c = appClient(graph.emu, ["User.Invite.All"]);
    const inv = (await c.api("/invitations").post(invitation(address("lp")))) as Json;
    expect(inv.status).toBe("PendingAcceptance");
    const id = userIdOf(inv);
    // One request at a time: a request started early could fail before its handler is attached
    // (an unhandled rejection, which jest reports as this test's failure).
    for (const send of [
      () => c.api(`/users/${id}`).get(),
      () => c.api("/users").get(),
      () => c.api(`/users/${id}`).patch({ companyName: "Contoso" }),
      () => c.api(`/users/${id}`).delete(),
      () =>
        c
          .api("/invitations")
          .post(invitation(inv.invitedUserEmailAddress as string, { resetRedemption: true, invitedUser: { id } })),
    ]) {
      const e = await graphFailure(send());
      expect([e.statusCode, e.code]).toEqual([403, "Authorization_RequestDenied"]);
    }
  });

  test("read-only (User.Read.All) reads but cannot invite or write", async () => {
    const inv = await invite(address("ro"));
    const c = appClient(graph.emu, ["User.Read.All"]);
    expect(((await c.api(`/users/${userIdOf(inv)}`).get()) as Json).id).toBe(userIdOf(inv));
    expect((await graphFailure(c.api("/invitations").post(invitation(address())))).statusCode).toBe(403);
    expect((await graphFailure(c.api(`/users/${userIdOf(inv)}`).patch({ jobTitle: "x" }))).statusCode).toBe(403);
  });
});

describe("POST /invitations", () => {
  test("a new address creates a pending guest and returns the whole invitation", async () => {
    const email = address("Jane");
    const inv = await invite(email, { invitedUserDisplayName: "Jane Doe", sendInvitationMessage: true });
    expect(inv["@odata.context"]).toBe(`${graph.emu.graphUrl}/v1.0/$metadata#invitations/$entity`);
    expect(inv).toMatchObject({
      invitedUserDisplayName: "Jane Doe",
      invitedUserEmailAddress: email,
      invitedUserType: "Guest",
      inviteRedirectUrl: "https://myapps.microsoft.com",
      sendInvitationMessage: true,
      resetRedemption: false,
      status: "PendingAcceptance",
      invitedUserMessageInfo: { messageLanguage: null, customizedMessageBody: null, ccRecipients: [] },
    });
    expect(inv.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(inv.inviteRedeemUrl).toMatch(/^https:\/\/login\.microsoftonline\.com\/redeem\?rd=/);
    const id = userIdOf(inv);
    const u = (await graph.client
      .api(`/users/${id}`)
      .select([
        "id",
        "displayName",
        "mail",
        "otherMails",
        "userPrincipalName",
        "userType",
        "externalUserState",
        "externalUserStateChangeDateTime",
        "creationType",
        "accountEnabled",
        "createdDateTime",
      ])
      .get()) as Json;
    const [local, domain] = email.split("@");
    expect(u).toMatchObject({
      id,
      displayName: "Jane Doe",
      mail: email,
      otherMails: [],
      userPrincipalName: `${local}_${domain}#EXT#@emulator.onmicrosoft.com`,
      userType: "Guest",
      externalUserState: "PendingAcceptance",
      creationType: "Invitation",
      accountEnabled: true,
    });
    expect(u.externalUserStateChangeDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // displayName defaults to the local part
    const other = await invite(address("nameless"));
    expect(
      (
        (await graph.client
          .api(`/users/${userIdOf(other)}`)
          .select("displayName")
          .get()) as Json
      ).displayName,
    ).toBe((other.invitedUserEmailAddress as string).split("@")[0]);
  });

  test("the same address again (any case) returns the same user with a fresh invitation id and redeem URL", async () => {
    const email = address("same");
    const a = await invite(email);
    const before = graph.emu.users().length;
    const b = await invite(email.toUpperCase());
    expect(userIdOf(b)).toBe(userIdOf(a));
    expect(b.id).not.toBe(a.id);
    expect(b.inviteRedeemUrl).not.toBe(a.inviteRedeemUrl);
    expect(graph.emu.users()).toHaveLength(before);
    graph.emu.redeem(userIdOf(a));
    const c = await invite(email);
    expect(c.status).toBe("Completed");
    const u = (await graph.client
      .api(`/users/${userIdOf(a)}`)
      .select(["externalUserState", "externalUserStateChangeDateTime"])
      .get()) as Json;
    expect(u.externalUserState).toBe("Accepted");
    // an address held in otherMails matches too
    await graph.client.api(`/users/${userIdOf(a)}`).patch({ otherMails: ["alias.same@fabrikam.com"] });
    expect(userIdOf(await invite("Alias.Same@fabrikam.com"))).toBe(userIdOf(a));
  });

  test("Member type, message info with one honoured cc recipient, sponsors", async () => {
    const sponsor = userIdOf(await invite(address("sponsor")));
    const inv = await invite(address("member"), {
      invitedUserType: "Member",
      invitedUserMessageInfo: {
        customizedMessageBody: "Welcome!",
        messageLanguage: "fr-FR",
        ccRecipients: [
          { emailAddress: { address: "a@contoso.com", name: "A" } },
          { emailAddress: { address: "b@contoso.com" } },
        ],
      },
      invitedUserSponsors: [{ id: sponsor }],
    });
    expect(inv.invitedUserType).toBe("Member");
    expect(inv.invitedUserMessageInfo).toEqual({
      customizedMessageBody: "Welcome!",
      messageLanguage: "fr-FR",
      ccRecipients: [{ emailAddress: { address: "a@contoso.com", name: "A" } }],
    });
    const id = userIdOf(inv);
    expect(((await graph.client.api(`/users/${id}`).select("userType").get()) as Json).userType).toBe("Member");
    expect(graph.emu.users().find((u) => u.id === id)?.sponsors).toEqual([sponsor]);
    const sponsors = (await graph.client.api(`/users/${id}/sponsors`).get()) as { value: Json[] };
    expect(sponsors.value.map((s) => s.id)).toEqual([sponsor]);
    const expanded = (await graph.client.api(`/users/${id}`).expand("sponsors").select("id").get()) as Json;
    expect((expanded.sponsors as Json[]).map((s) => s.id)).toEqual([sponsor]);
    // add and remove a sponsor reference
    const second = userIdOf(await invite(address("sponsor2")));
    await graph.client
      .api(`/users/${id}/sponsors/$ref`)
      .post({ "@odata.id": `https://graph.microsoft.com/v1.0/users/${second}` });
    const dup = await graphFailure(
      graph.client
        .api(`/users/${id}/sponsors/$ref`)
        .post({ "@odata.id": `https://graph.microsoft.com/v1.0/users/${second}` }),
    );
    expect([dup.statusCode, dup.code]).toEqual([400, "Request_BadRequest"]);
    await graph.client.api(`/users/${id}/sponsors/${sponsor}/$ref`).delete();
    expect(graph.emu.users().find((u) => u.id === id)?.sponsors).toEqual([second]);
  });

  test.each([
    ["missing address", { inviteRedirectUrl: "https://a.example.com" }, /invitedUserEmailAddress/],
    ["missing redirect URL", { invitedUserEmailAddress: "x@contoso.com" }, /inviteRedirectUrl/],
    ["relative redirect URL", invitation("x@contoso.com", { inviteRedirectUrl: "/apps" }), /inviteRedirectUrl/],
    [
      "ftp redirect URL",
      invitation("x@contoso.com", { inviteRedirectUrl: "ftp://files.example.com" }),
      /inviteRedirectUrl/,
    ],
    ["bad user type", invitation("x@contoso.com", { invitedUserType: "Admin" }), /invitedUserType/],
    [
      "unknown property",
      invitation("x@contoso.com", { foo: 1 }),
      /property 'foo' does not exist on type 'microsoft.graph.invitation'/,
    ],
    ["non-boolean sendInvitationMessage", invitation("x@contoso.com", { sendInvitationMessage: "yes" }), /Edm.Boolean/],
    [
      "message info not an object",
      invitation("x@contoso.com", { invitedUserMessageInfo: "hi" }),
      /invitedUserMessageInfo/,
    ],
    [
      "unknown message info property",
      invitation("x@contoso.com", { invitedUserMessageInfo: { body: "x" } }),
      /invitedUserMessageInfo/,
    ],
    [
      "bad cc address",
      invitation("x@contoso.com", {
        invitedUserMessageInfo: { ccRecipients: [{ emailAddress: { address: "nope" } }] },
      }),
      /ccRecipients/,
    ],
    ["reset without invitedUser.id", invitation("x@contoso.com", { resetRedemption: true }), /invitedUser\.id/],
    ["bad sponsors", invitation("x@contoso.com", { invitedUserSponsors: [{ id: "nope" }] }), /sponsor/i],
  ])("400 BadRequest: %s", async (_name, body, message) => {
    const e = await graphFailure(graph.client.api("/invitations").post(body));
    expect([e.statusCode, e.code]).toEqual([400, "BadRequest"]);
    expect(e.message).toMatch(message);
  });

  test("email local-part rules", async () => {
    for (const c of '~!#$%^&*()+=[]{}\\/|;:"<>?,'.split("")) {
      const e = await graphFailure(graph.client.api("/invitations").post(invitation(`ab${c}cd@contoso.com`)));
      expect([c, e.statusCode, e.code]).toEqual([c, 400, "BadRequest"]);
    }
    for (const bad of [
      ".ab@contoso.com",
      "ab.@contoso.com",
      "-ab@contoso.com",
      "ab-@contoso.com",
      "a b@contoso.com",
      "ab@contoso",
      "ab@@contoso.com",
      "abcontoso.com",
    ]) {
      expect([bad, (await graphFailure(graph.client.api("/invitations").post(invitation(bad)))).statusCode]).toEqual([
        bad,
        400,
      ]);
    }
    for (const good of [
      `_a_${process.pid}@contoso.com`,
      `a.b-c_${process.pid}@contoso.com`,
      `_x${process.pid}_@contoso.com`,
      `o'brien${process.pid}@contoso.co.uk`,
    ]) {
      expect((await invite(good)).status).toBe("PendingAcceptance");
    }
  });

  test("an invalid JSON body is 400", async () => {
    const r = await raw(graph.emu, "POST", "/v1.0/invitations", {
      token: await rawToken(graph.emu),
      body: "{not json",
    });
    expect(r.status).toBe(400);
    expectGraphErrorBody(r.json, "BadRequest");
  });

  test("an existing disabled account is refused with Graph's message", async () => {
    const email = address("blocked");
    const id = userIdOf(await invite(email));
    await graph.client.api(`/users/${id}`).patch({ accountEnabled: false });
    const e = await graphFailure(invite(email));
    expect([e.statusCode, e.code]).toEqual([400, "BadRequest"]);
    expect(e.message).toContain(`already exists in the directory as object ID ${id}`);
    expect(e.message).toContain("blocked from signing in");
  });

  test("invitedUser.id without reset invites that user; an unknown id is 404", async () => {
    const email = address("byid");
    const id = userIdOf(await invite(email));
    const again = await invite(email, { invitedUser: { id } });
    expect(userIdOf(again)).toBe(id);
    const e = await graphFailure(invite(address(), { invitedUser: { id: "00000000-0000-4000-8000-000000000000" } }));
    expect([e.statusCode, e.code]).toEqual([404, "Request_ResourceNotFound"]);
  });

  test("resetRedemption keeps the object id, sets PendingAcceptance again, and needs the address on the user", async () => {
    const email = address("reset");
    const id = userIdOf(await invite(email));
    graph.emu.redeem(id);
    const accepted = graph.emu.users().find((u) => u.id === id);
    expect(accepted?.externalUserState).toBe("Accepted");
    await new Promise((r) => setTimeout(r, 1100)); // change times have second precision
    const newAddress = address("reset-new");
    const mismatch = await graphFailure(invite(newAddress, { resetRedemption: true, invitedUser: { id } }));
    expect([mismatch.statusCode, mismatch.code]).toEqual([400, "BadRequest"]);
    expect(mismatch.message).toContain(
      "The email you're using to invite this user doesn't match any emails on the user object",
    );
    await graph.client.api(`/users/${id}`).patch({ otherMails: [newAddress] });
    const inv = await invite(newAddress, { resetRedemption: true, invitedUser: { id } });
    expect(inv).toMatchObject({ resetRedemption: true, status: "PendingAcceptance", invitedUser: { id } });
    const after = graph.emu.users().find((u) => u.id === id);
    expect(after?.externalUserState).toBe("PendingAcceptance");
    expect(after?.externalUserStateChangeDateTime).not.toBe(accepted?.externalUserStateChangeDateTime);
    expect(after?.userPrincipalName).toBe(accepted?.userPrincipalName);
    const unknown = await graphFailure(
      invite(newAddress, { resetRedemption: true, invitedUser: { id: "00000000-0000-4000-8000-000000000001" } }),
    );
    expect([unknown.statusCode, unknown.code]).toEqual([404, "Request_ResourceNotFound"]);
  });

  test("there is no GET for invitations", async () => {
    const e = await graphFailure(graph.client.api("/invitations").get());
    expect(e.statusCode).toBe(405);
  });
});

describe("users", () => {
  test("GET without $select returns Graph's default set; $select is honoured; unknown property is 400", async () => {
    const id = userIdOf(await invite(address("get")));
    const u = (await graph.client.api(`/users/${id}`).get()) as Json;
    expect(
      Object.keys(u)
        .filter((k) => !k.startsWith("@odata"))
        .sort(),
    ).toEqual(
      [
        "businessPhones",
        "displayName",
        "givenName",
        "jobTitle",
        "mail",
        "mobilePhone",
        "officeLocation",
        "preferredLanguage",
        "surname",
        "userPrincipalName",
        "id",
      ].sort(),
    );
    const s = (await graph.client.api(`/users/${id}?$select=userType,externalUserState`).get()) as Json;
    expect(Object.keys(s).filter((k) => !k.startsWith("@odata"))).toEqual(["userType", "externalUserState"]);
    const e = await graphFailure(graph.client.api(`/users/${id}`).select("nope").get());
    expect([e.statusCode, e.code]).toEqual([400, "BadRequest"]);
  });

  test("GET by userPrincipalName (with an encoded #)", async () => {
    const inv = await invite(address("upn"));
    const upn = graph.emu.users().find((u) => u.id === userIdOf(inv))?.userPrincipalName as string;
    const u = (await graph.client
      .api(`/users/${encodeURIComponent(upn)}`)
      .select("id")
      .get()) as Json;
    expect(u.id).toBe(userIdOf(inv));
  });

  test("404 has Graph's code and message", async () => {
    const e = await graphFailure(graph.client.api("/users/00000000-0000-4000-8000-00000000abcd").get());
    expect([e.statusCode, e.code]).toEqual([404, "Request_ResourceNotFound"]);
    expect(e.message).toBe(
      "Resource '00000000-0000-4000-8000-00000000abcd' does not exist or one of its queried reference-property objects are not present.",
    );
  });

  test("PATCH writes the writable properties and answers 204", async () => {
    const id = userIdOf(await invite(address("patch")));
    const changes = {
      displayName: "Patched",
      userType: "Member",
      mail: address("patched-mail"),
      otherMails: [address("o1"), address("o2")],
      accountEnabled: false,
      givenName: "Pat",
      surname: "Ched",
      companyName: "Contoso",
      department: "R&D",
      jobTitle: "Engineer",
      usageLocation: "DE",
    };
    const r = await graph.client
      .api(`/users/${id}`)
      .responseType("raw" as never)
      .patch(changes);
    expect((r as Response).status).toBe(204);
    const u = (await graph.client.api(`/users/${id}`).select(Object.keys(changes)).get()) as Json;
    expect(u).toMatchObject(changes);
  });

  test.each([
    ["too long displayName", { displayName: "x".repeat(257) }, /displayName/],
    ["empty displayName", { displayName: "" }, /displayName/],
    ["bad userType", { userType: "Admin" }, /userType/],
    ["bad usageLocation", { usageLocation: "Germany" }, /usageLocation/],
    ["bad mail", { mail: "nope" }, /mail/],
    ["otherMails not an array", { otherMails: "a@b.com" }, /otherMails/],
    ["read-only property", { createdDateTime: "2020-01-01T00:00:00Z" }, /read-only/],
    ["read-only externalUserState", { externalUserState: "Accepted" }, /read-only/],
    ["unknown property", { favouriteColour: "blue" }, /does not exist/],
  ])("PATCH 400 Request_BadRequest: %s", async (_n, body, message) => {
    const id = userIdOf(await invite(address("badpatch")));
    const e = await graphFailure(graph.client.api(`/users/${id}`).patch(body));
    expect([e.statusCode, e.code]).toEqual([400, "Request_BadRequest"]);
    expect(e.message).toMatch(message);
  });

  test("PATCH mail to another user's mail is a proxyAddresses conflict", async () => {
    const a = address("conflict-a");
    await invite(a);
    const id = userIdOf(await invite(address("conflict-b")));
    const e = await graphFailure(graph.client.api(`/users/${id}`).patch({ mail: a }));
    expect([e.statusCode, e.code]).toEqual([400, "Request_BadRequest"]);
    expect(e.message).toMatch(/proxyAddresses/);
  });

  test("DELETE soft-deletes into deletedItems; restore brings the same object back", async () => {
    const email = address("deleted");
    const id = userIdOf(await invite(email));
    await graph.client.api(`/users/${id}`).delete();
    expect((await graphFailure(graph.client.api(`/users/${id}`).get())).statusCode).toBe(404);
    expect((await graphFailure(graph.client.api(`/users/${id}`).delete())).statusCode).toBe(404);
    expect((await graphFailure(graph.client.api(`/users/${id}`).patch({ jobTitle: "x" }))).statusCode).toBe(404);
    const d = (await graph.client.api(`/directory/deletedItems/${id}`).get()) as Json;
    expect(d["@odata.type"]).toBe("#microsoft.graph.user");
    expect(d.id).toBe(id);
    expect(d.deletedDateTime).toMatch(/Z$/);
    const list = (await graph.client.api("/directory/deletedItems/microsoft.graph.user").get()) as { value: Json[] };
    expect(list.value.map((u) => u.id)).toContain(id);
    // the address is free while deleted: inviting it creates a new user
    const fresh = userIdOf(await invite(email));
    expect(fresh).not.toBe(id);
    // restoring now conflicts on the address
    const conflict = await graphFailure(graph.client.api(`/directory/deletedItems/${id}/restore`).post({}));
    expect([conflict.statusCode, conflict.code]).toEqual([400, "Request_BadRequest"]);
    await graph.client.api(`/users/${fresh}`).delete();
    await graph.client.api(`/directory/deletedItems/${fresh}`).delete(); // permanent
    expect((await graphFailure(graph.client.api(`/directory/deletedItems/${fresh}`).get())).statusCode).toBe(404);
    const restored = (await graph.client.api(`/directory/deletedItems/${id}/restore`).post({})) as Json;
    expect(restored.id).toBe(id);
    expect(((await graph.client.api(`/users/${id}`).select("mail").get()) as Json).mail).toBe(email);
    const notDeleted = await graphFailure(graph.client.api(`/directory/deletedItems/${id}/restore`).post({}));
    expect([notDeleted.statusCode, notDeleted.code]).toEqual([404, "Request_ResourceNotFound"]);
  });

  test("GET /users with $filter on mail, otherMails/any, userType, and/or", async () => {
    const tag = `flt${process.pid}`;
    const a = userIdOf(await invite(`a.${tag}@contoso.com`));
    const b = userIdOf(await invite(`b.${tag}@contoso.com`, { invitedUserType: "Member" }));
    await graph.client.api(`/users/${b}`).patch({ otherMails: [`alias.${tag}@fabrikam.com`] });
    const ids = async (f: string): Promise<string[]> =>
      ((await graph.client.api("/users").filter(f).select(["id", "mail"]).get()) as { value: Json[] }).value
        .map((u) => u.id as string)
        .sort();
    expect(await ids(`mail eq 'A.${tag}@CONTOSO.com'`)).toEqual([a]);
    expect(await ids(`otherMails/any(x:x eq 'alias.${tag}@fabrikam.com')`)).toEqual([b]);
    expect(await ids(`mail eq 'a.${tag}@contoso.com' or otherMails/any(m:m eq 'alias.${tag}@fabrikam.com')`)).toEqual(
      [a, b].sort(),
    );
    expect(await ids(`userType eq 'Member' and mail eq 'b.${tag}@contoso.com'`)).toEqual([b]);
    expect(await ids(`userType eq 'Guest' and mail eq 'b.${tag}@contoso.com'`)).toEqual([]);
    expect(await ids(`(mail eq 'a.${tag}@contoso.com') and userType eq 'Guest'`)).toEqual([a]);
    const guests = await ids("userType eq 'Guest'");
    expect(guests).toContain(a);
    expect(guests).not.toContain(b);
  });

  test("unsupported or malformed filters and options are 400", async () => {
    const unsupported = await graphFailure(graph.client.api("/users").filter("companyName eq 'x'").get());
    expect([unsupported.statusCode, unsupported.code]).toEqual([400, "Request_UnsupportedQuery"]);
    const syntax = await graphFailure(graph.client.api("/users").filter("mail eq").get());
    expect([syntax.statusCode, syntax.code]).toEqual([400, "BadRequest"]);
    const ne = await graphFailure(graph.client.api("/users").filter("mail ne 'a@b.com'").get());
    expect(ne.statusCode).toBe(400);
    const top = await graphFailure(graph.client.api("/users").top(1000).get());
    expect([top.statusCode, top.code]).toEqual([400, "Request_BadRequest"]);
    // aad-advanced-queries: without ConsistencyLevel, $count=true is silently ignored, not refused.
    const count = (await graph.client.api("/users").count(true).get()) as Json;
    expect(count).not.toHaveProperty("@odata.count");
  });

  test("$top and paging with @odata.nextLink", async () => {
    const tag = `page${process.pid}`;
    const want: string[] = [];
    for (let i = 0; i < 7; i++) want.push(userIdOf(await invite(`p${i}.${tag}@contoso.com`)));
    const got: string[] = [];
    let page = (await graph.client.api("/users").filter("userType eq 'Guest'").select(["id", "mail"]).top(3).get()) as {
      value: Json[];
      "@odata.nextLink"?: string;
    };
    let pages = 1;
    for (;;) {
      expect(page.value.length).toBeLessThanOrEqual(3);
      got.push(...page.value.filter((u) => (u.mail as string).includes(tag)).map((u) => u.id as string));
      const next = page["@odata.nextLink"];
      if (!next) break;
      expect(next).toMatch(/\$skiptoken=/);
      page = (await graph.client.api(next).get()) as typeof page;
      pages++;
    }
    expect(got.sort()).toEqual(want.sort());
    expect(pages).toBeGreaterThanOrEqual(3);
    const all = (await graph.client.api("/users").get()) as { value: Json[]; "@odata.nextLink"?: string };
    expect(all.value.length).toBeLessThanOrEqual(100);
  });
});

describe("routing, headers and error shape", () => {
  test("unknown segment, unknown version, wrong method", async () => {
    const seg = await graphFailure(graph.client.api("/groupz").get());
    expect([seg.statusCode, seg.code]).toEqual([400, "BadRequest"]);
    expect(seg.message).toBe("Resource not found for the segment 'groupz'.");
    const token = await rawToken(graph.emu);
    const ver = await raw(graph.emu, "GET", "/v9.9/users", { token });
    expect(ver.status).toBe(400);
    expectGraphErrorBody(ver.json, "BadRequest");
    const put = await raw(graph.emu, "PUT", "/v1.0/users/x", { token, body: {} });
    expect(put.status).toBe(405);
  });

  test("request-id and client-request-id headers; client-request-id is echoed", async () => {
    const token = await rawToken(graph.emu);
    const r = await raw(graph.emu, "GET", "/v1.0/users/missing", {
      token,
      headers: { "client-request-id": "my-id-123" },
    });
    expect(r.status).toBe(404);
    expect(r.headers["client-request-id"]).toBe("my-id-123");
    expect(r.headers["request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    const body = expectGraphErrorBody(r.json, "Request_ResourceNotFound");
    expect(body.error.innerError["client-request-id"]).toBe("my-id-123");
    expect(body.error.innerError["request-id"]).toBe(r.headers["request-id"]);
    const ok = await raw(graph.emu, "GET", "/v1.0/users?$top=1", { token });
    expect(ok.headers["request-id"]).toBeDefined();
    expect(ok.headers["content-type"]).toMatch(/^application\/json/);
    expect(ok.headers["x-ms-resource-unit"]).toBe("1");
  });

  test("the Graph client's own client-request-id is echoed into the log and errors", async () => {
    const e = await graphFailure(graph.client.api("/users/missing-user").get());
    expect(e.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const last = graph.emu.requests().filter((r) => r.path === "/v1.0/users/missing-user");
    expect(last[0]).toMatchObject({ method: "GET", status: 404 });
  });
});
