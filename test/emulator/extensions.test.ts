/**
 * Contract tests of the emulator's open extensions on users (`/users/{id}/extensions`, `$expand`),
 * with the real Graph client and credential over HTTPS, as Graph documents them: create (201, `id`
 * is the name for directory objects), list, get by name or fully qualified id, update (properties
 * replaces the whole data: unspecified properties are deleted; the name may change), delete, a taken name, Graph's limits (primitive data, 2 KB, two per
 * app), permissions, replication lag, soft delete, `$batch` and the state file.
 */
import { startEmulator } from "../../src/emulator";
import { address, appClient, graphClient, graphFailure, invitation, useEmulator, withStateFile } from "./helpers";

type Json = Record<string, unknown>;
const NAME = "com.contoso.roamingSettings";
const TYPE = "microsoft.graph.openTypeExtension";

const graph = useEmulator({ seed: 3 });

async function guest(): Promise<string> {
  const inv = (await graph.client.api("/invitations").post(invitation(address("ext")))) as {
    invitedUser: { id: string };
  };
  return inv.invitedUser.id;
}

describe("open extensions on users", () => {
  test("POST creates one: 201 with @odata.type, extensionName, id = the name, and the data", async () => {
    const id = await guest();
    const created = (await graph.client
      .api(`/users/${id}/extensions`)
      .post({ "@odata.type": TYPE, extensionName: NAME, theme: "dark", size: 3, on: true, tags: ["a", "b"] })) as Json;
    expect(created).toMatchObject({
      "@odata.type": `#${TYPE}`,
      extensionName: NAME,
      id: NAME,
      theme: "dark",
      size: 3,
      on: true,
      tags: ["a", "b"],
    });
    expect(created["@odata.context"]).toBe(`${graph.emu.graphUrl}/v1.0/$metadata#users('${id}')/extensions/$entity`);
    const log = graph.emu.requests().filter((r) => r.method === "POST" && r.path === `/v1.0/users/${id}/extensions`);
    expect(log.map((r) => r.status)).toEqual([201]);
  });

  test("GET lists them and gets one by name (any case) or by fully qualified id; an unknown name is 404", async () => {
    const id = await guest();
    await graph.client.api(`/users/${id}/extensions`).post({ "@odata.type": TYPE, extensionName: NAME, theme: "dark" });
    const list = (await graph.client.api(`/users/${id}/extensions`).get()) as { value: Json[] };
    expect(list.value).toEqual([{ "@odata.type": `#${TYPE}`, extensionName: NAME, id: NAME, theme: "dark" }]);
    for (const key of [NAME, NAME.toUpperCase(), `${TYPE}.${NAME}`]) {
      expect(await graph.client.api(`/users/${id}/extensions/${key}`).get()).toMatchObject({
        extensionName: NAME,
        theme: "dark",
      });
    }
    const missing = await graphFailure(graph.client.api(`/users/${id}/extensions/com.contoso.other`).get());
    expect([missing.statusCode, missing.code]).toEqual([404, "Request_ResourceNotFound"]);
    expect(((await graph.client.api(`/users/${await guest()}/extensions`).get()) as { value: Json[] }).value).toEqual(
      [],
    );
  });

  // opentypeextension-update: "you must specify all properties in the request body; otherwise,
  // Microsoft Graph will delete the unspecified properties."
  test("PATCH replaces the whole data (204): unspecified properties are deleted, null keeps the key", async () => {
    const id = await guest();
    await graph.client
      .api(`/users/${id}/extensions`)
      .post({ "@odata.type": TYPE, extensionName: NAME, theme: "dark", lang: "ja", size: 3 });
    graph.emu.clearRequests();
    await graph.client
      .api(`/users/${id}/extensions/${NAME}`)
      .patch({ "@odata.type": TYPE, extensionName: NAME, theme: "light", color: "red", size: null });
    expect(graph.emu.requests().map((r) => r.status)).toContain(204);
    expect(await graph.client.api(`/users/${id}/extensions/${NAME}`).get()).toEqual({
      "@odata.context": `${graph.emu.graphUrl}/v1.0/$metadata#users('${id}')/extensions/$entity`,
      "@odata.type": `#${TYPE}`,
      extensionName: NAME,
      id: NAME,
      theme: "light",
      color: "red",
      size: null,
    });
    const missing = await graphFailure(
      graph.client
        .api(`/users/${id}/extensions/com.contoso.other`)
        .patch({ "@odata.type": TYPE, extensionName: "com.contoso.other", theme: "x" }),
    );
    expect(missing.statusCode).toBe(404);
  });

  test("PATCH may change extensionName (the id follows); a name another extension holds is 409; @odata.type and extensionName are required", async () => {
    const id = await guest();
    await graph.client.api(`/users/${id}/extensions`).post({ "@odata.type": TYPE, extensionName: NAME, a: 1 });
    await graph.client
      .api(`/users/${id}/extensions`)
      .post({ "@odata.type": TYPE, extensionName: "com.contoso.second" });
    await graph.client
      .api(`/users/${id}/extensions/${NAME}`)
      .patch({ "@odata.type": TYPE, extensionName: "com.contoso.renamed", a: 2 });
    expect((await graphFailure(graph.client.api(`/users/${id}/extensions/${NAME}`).get())).statusCode).toBe(404);
    expect(await graph.client.api(`/users/${id}/extensions/com.contoso.renamed`).get()).toMatchObject({
      extensionName: "com.contoso.renamed",
      id: "com.contoso.renamed",
      a: 2,
    });
    const taken = await graphFailure(
      graph.client
        .api(`/users/${id}/extensions/com.contoso.renamed`)
        .patch({ "@odata.type": TYPE, extensionName: "COM.contoso.second" }),
    );
    expect([taken.statusCode, taken.code, taken.message]).toEqual([
      409,
      "NameAlreadyExists",
      "An extension already exists with given id.",
    ]);
    for (const body of [
      { extensionName: "com.contoso.renamed", a: 3 },
      { "@odata.type": TYPE, a: 3 },
    ]) {
      expect(
        (await graphFailure(graph.client.api(`/users/${id}/extensions/com.contoso.renamed`).patch(body))).statusCode,
      ).toBe(400);
    }
    expect(await graph.client.api(`/users/${id}/extensions/com.contoso.renamed`).get()).toMatchObject({ a: 2 });
  });

  test("DELETE removes it (204), then 404", async () => {
    const id = await guest();
    await graph.client.api(`/users/${id}/extensions`).post({ "@odata.type": TYPE, extensionName: NAME });
    await graph.client.api(`/users/${id}/extensions/${NAME}`).delete();
    const gone = await graphFailure(graph.client.api(`/users/${id}/extensions/${NAME}`).get());
    expect(gone.statusCode).toBe(404);
    const again = await graphFailure(graph.client.api(`/users/${id}/extensions/${NAME}`).delete());
    expect(again.statusCode).toBe(404);
  });

  test.each<[string, Json, number]>([
    ["without @odata.type", { extensionName: NAME }, 400],
    ["with another @odata.type", { "@odata.type": "microsoft.graph.schemaExtension", extensionName: NAME }, 400],
    ["without extensionName", { "@odata.type": TYPE, theme: "dark" }, 400],
    ["with a nested object", { "@odata.type": TYPE, extensionName: NAME, nested: { a: 1 } }, 400],
    ["with an array of objects", { "@odata.type": TYPE, extensionName: NAME, list: [{ a: 1 }] }, 400],
    ["over 2 KB", { "@odata.type": TYPE, extensionName: NAME, blob: "x".repeat(2100) }, 400],
  ])("POST %s is refused", async (_name, body, status) => {
    const id = await guest();
    const e = await graphFailure(graph.client.api(`/users/${id}/extensions`).post(body));
    expect(e.statusCode).toBe(status);
    expect(((await graph.client.api(`/users/${id}/extensions`).get()) as { value: Json[] }).value).toEqual([]);
  });

  test("a taken name is 409; an app adds at most two extensions to a user", async () => {
    const id = await guest();
    await graph.client.api(`/users/${id}/extensions`).post({ "@odata.type": TYPE, extensionName: NAME });
    const taken = await graphFailure(
      graph.client.api(`/users/${id}/extensions`).post({ "@odata.type": TYPE, extensionName: NAME.toUpperCase() }),
    );
    expect([taken.statusCode, taken.code, taken.message]).toEqual([
      409,
      "NameAlreadyExists",
      "An extension already exists with given id.",
    ]);
    await graph.client
      .api(`/users/${id}/extensions`)
      .post({ "@odata.type": TYPE, extensionName: "com.contoso.second" });
    const third = await graphFailure(
      graph.client.api(`/users/${id}/extensions`).post({ "@odata.type": TYPE, extensionName: "com.contoso.third" }),
    );
    expect(third.statusCode).toBe(400);
    // Another app has two of its own.
    const other = appClient(graph.emu, ["User.ReadWrite.All"]);
    await other.api(`/users/${id}/extensions`).post({ "@odata.type": TYPE, extensionName: "com.fabrikam.third" });
    expect(
      ((await graph.client.api(`/users/${id}/extensions`).get()) as { value: Json[] }).value.map(
        (e) => e.extensionName,
      ),
    ).toEqual([NAME, "com.contoso.second", "com.fabrikam.third"]);
  });

  test("permissions: reading needs User.Read.All, writing User.ReadWrite.All", async () => {
    const id = await guest();
    await graph.client.api(`/users/${id}/extensions`).post({ "@odata.type": TYPE, extensionName: NAME });
    const asInviter = appClient(graph.emu, ["User.Invite.All"]);
    const asReader = appClient(graph.emu, ["User.Read.All"]);
    expect((await graphFailure(asInviter.api(`/users/${id}/extensions`).get())).statusCode).toBe(403);
    expect(await asReader.api(`/users/${id}/extensions/${NAME}`).get()).toMatchObject({ extensionName: NAME });
    for (const write of [
      () => asReader.api(`/users/${id}/extensions`).post({ "@odata.type": TYPE, extensionName: "com.contoso.x" }),
      () => asReader.api(`/users/${id}/extensions/${NAME}`).patch({ "@odata.type": TYPE, extensionName: NAME, a: 1 }),
      () => asReader.api(`/users/${id}/extensions/${NAME}`).delete(),
    ]) {
      const e = await graphFailure(write());
      expect([e.statusCode, e.code]).toEqual([403, "Authorization_RequestDenied"]);
    }
  });

  test("$expand=extensions on a user, with $select, and on a filtered list (nextLink keeps it)", async () => {
    const id = await guest();
    await graph.client.api(`/users/${id}/extensions`).post({ "@odata.type": TYPE, extensionName: NAME, theme: "dark" });
    const one = (await graph.client.api(`/users/${id}`).select("id,mail").expand("extensions").get()) as Json;
    expect(
      Object.keys(one)
        .filter((k) => !k.startsWith("@odata"))
        .sort(),
    ).toEqual(["extensions", "extensions@odata.context", "id", "mail"].sort());
    expect(one.extensions).toEqual([{ "@odata.type": `#${TYPE}`, extensionName: NAME, id: NAME, theme: "dark" }]);
    const plain = (await graph.client.api(`/users/${id}`).select("id").get()) as Json;
    expect(plain).not.toHaveProperty("extensions");

    const mail = (await graph.client.api(`/users/${id}`).select("mail").get()) as { mail: string };
    const list = (await graph.client
      .api("/users")
      .filter(`mail eq '${mail.mail}'`)
      .select("id")
      .expand("extensions")
      .get()) as { value: Json[] };
    expect(list.value).toEqual([
      expect.objectContaining({ id, extensions: [expect.objectContaining({ extensionName: NAME, theme: "dark" })] }),
    ]);

    const page = (await graph.client.api("/users").select("id").expand("extensions").top(1).get()) as {
      value: Json[];
      "@odata.nextLink"?: string;
    };
    expect(page.value[0]).toHaveProperty("extensions");
    expect(page["@odata.nextLink"]).toContain("$expand=extensions");
    const next = (await graph.client.api(page["@odata.nextLink"]!).get()) as { value: Json[] };
    expect(next.value[0]).toHaveProperty("extensions");

    const bad = await graphFailure(graph.client.api(`/users/${id}`).expand("manager").get());
    expect(bad.statusCode).toBe(400);
    // $expand=sponsors on a list is served too (query-parameters: at most 20 expanded items per user).
    const sponsorsOnList = (await graph.client
      .api("/users")
      .filter(`mail eq '${mail.mail}'`)
      .expand("sponsors")
      .get()) as {
      value: Json[];
    };
    expect(sponsorsOnList.value[0]).toHaveProperty("sponsors");
  });

  test("a user within replication lag: POST is 404 until the lag is over", async () => {
    graph.emu.setReplicationLag(60_000);
    try {
      const id = await guest();
      const e = await graphFailure(
        graph.client.api(`/users/${id}/extensions`).post({ "@odata.type": TYPE, extensionName: NAME }),
      );
      expect(e.statusCode).toBe(404);
    } finally {
      graph.emu.setReplicationLag(0);
    }
  });

  test("soft delete and restore keep the extensions; a deleted user's extensions are 404", async () => {
    const id = await guest();
    await graph.client.api(`/users/${id}/extensions`).post({ "@odata.type": TYPE, extensionName: NAME, theme: "dark" });
    await graph.client.api(`/users/${id}`).delete();
    expect((await graphFailure(graph.client.api(`/users/${id}/extensions`).get())).statusCode).toBe(404);
    await graph.client.api(`/directory/deletedItems/${id}/restore`).post({});
    expect(await graph.client.api(`/users/${id}/extensions/${NAME}`).get()).toMatchObject({ theme: "dark" });
  });

  test("inside $batch", async () => {
    const id = await guest();
    const res = (await graph.client.api("/$batch").post({
      requests: [
        {
          id: "1",
          method: "POST",
          url: `/users/${id}/extensions`,
          headers: { "Content-Type": "application/json" },
          body: { "@odata.type": TYPE, extensionName: NAME, n: 1 },
        },
        { id: "2", method: "GET", url: `/users/${id}/extensions/${NAME}`, dependsOn: ["1"] },
      ],
    })) as { responses: { id: string; status: number; body: Json }[] };
    const byId = Object.fromEntries(res.responses.map((r) => [r.id, r]));
    expect(byId["1"].status).toBe(201);
    expect(byId["2"]).toMatchObject({ status: 200, body: expect.objectContaining({ extensionName: NAME, n: 1 }) });
  });

  test("the admin view of users leaves extensions out; the state file keeps them", async () => {
    await withStateFile(async (statePath) => {
      const first = await startEmulator({ statePath });
      const c1 = graphClient(first);
      const inv = (await c1.api("/invitations").post(invitation(address("persist")))) as {
        invitedUser: { id: string };
      };
      await c1
        .api(`/users/${inv.invitedUser.id}/extensions`)
        .post({ "@odata.type": TYPE, extensionName: NAME, theme: "dark" });
      expect(first.users()[0]).not.toHaveProperty("extensions");
      await first.close();
      const second = await startEmulator({ statePath });
      try {
        expect(await graphClient(second).api(`/users/${inv.invitedUser.id}/extensions/${NAME}`).get()).toMatchObject({
          theme: "dark",
        });
      } finally {
        await second.close();
      }
    });
  });
});
