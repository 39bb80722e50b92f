/** $batch through the real Graph client (and raw HTTPS where the client would retry the batch itself). */
import { address, graphFailure, invitation, raw, rawToken, useEmulator } from "./helpers";

type Json = Record<string, unknown>;
interface SubResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: Json;
}
interface BatchResponse {
  responses: SubResponse[];
}

const graph = useEmulator({ seed: 7 });

afterEach(() => {
  graph.emu.reset(); // also forgets throttle counters
  graph.emu.setThrottle("off");
  graph.emu.setFaults(undefined);
  graph.emu.setLatency(0);
});

const json = { "Content-Type": "application/json" };

test("sub-requests run with their own status; dependsOn on a failed request gives 424; the log marks them", async () => {
  const email = address("batch");
  graph.emu.clearRequests();
  const res = (await graph.client.api("/$batch").post({
    requests: [
      { id: "1", method: "POST", url: "/invitations", headers: json, body: invitation(email) },
      { id: "2", method: "GET", url: `/users?$filter=mail eq '${email}'&$select=id,mail`, dependsOn: ["1"] },
      { id: "3", method: "GET", url: "/users/00000000-0000-4000-8000-000000000999" },
      {
        id: "4",
        method: "PATCH",
        url: "/users/00000000-0000-4000-8000-000000000999",
        headers: json,
        body: { jobTitle: "x" },
        dependsOn: ["3"],
      },
      { id: "5", method: "GET", url: "/nothing-here" },
    ],
  })) as BatchResponse;
  const byId = new Map(res.responses.map((r) => [r.id, r]));
  expect([...byId.keys()].sort()).toEqual(["1", "2", "3", "4", "5"]);
  expect(byId.get("1")?.status).toBe(201);
  const invited = byId.get("1")?.body as Json;
  expect(invited.invitedUserEmailAddress).toBe(email);
  expect(byId.get("2")?.status).toBe(200);
  expect(((byId.get("2")?.body as Json).value as Json[]).map((u) => u.mail)).toEqual([email]);
  expect(byId.get("3")?.status).toBe(404);
  expect((byId.get("3")?.body as { error: Json }).error.code).toBe("Request_ResourceNotFound");
  expect(byId.get("4")?.status).toBe(424);
  expect(byId.get("5")?.status).toBe(400);
  const log = graph.emu.requests();
  expect(log.find((e) => e.path === "/v1.0/$batch")?.status).toBe(200);
  const sub = log.filter((e) => e.inBatch !== undefined);
  expect(sub.map((e) => e.inBatch).sort()).toEqual(["1", "2", "3", "5"]); // 4 never ran
  expect(sub.find((e) => e.inBatch === "1")).toMatchObject({ method: "POST", path: "/v1.0/invitations", status: 201 });
  expect(sub.find((e) => e.inBatch === "2")?.path).toBe(`/v1.0/users?$filter=mail eq '${email}'&$select=id,mail`);
});

test.each([
  ["no requests array", { foo: [] }],
  ["empty requests", { requests: [] }],
  [
    "more than 20",
    { requests: Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: "GET", url: "/users" })) },
  ],
  [
    "duplicate ids",
    {
      requests: [
        { id: "1", method: "GET", url: "/users" },
        { id: "1", method: "GET", url: "/users" },
      ],
    },
  ],
  ["missing id", { requests: [{ method: "GET", url: "/users" }] }],
  ["bad method", { requests: [{ id: "1", method: "FETCH", url: "/users" }] }],
  ["absolute url", { requests: [{ id: "1", method: "GET", url: "https://graph.microsoft.com/v1.0/users" }] }],
  ["body without Content-Type", { requests: [{ id: "1", method: "POST", url: "/invitations", body: {} }] }],
  ["dependsOn an unknown id", { requests: [{ id: "1", method: "GET", url: "/users", dependsOn: ["9"] }] }],
  [
    "dependsOn cycle",
    {
      requests: [
        { id: "1", method: "GET", url: "/users", dependsOn: ["2"] },
        { id: "2", method: "GET", url: "/users", dependsOn: ["1"] },
      ],
    },
  ],
])("malformed batch is 400: %s", async (_n, body) => {
  const e = await graphFailure(graph.client.api("/$batch").post(body));
  expect([e.statusCode, e.code]).toEqual([400, "BadRequest"]);
});

test("20 sub-requests are allowed; responses may come back out of order", async () => {
  graph.emu.setLatency({ min: 0, max: 40 });
  const requests = Array.from({ length: 20 }, (_, i) => ({
    id: `r${i}`,
    method: "GET",
    url: "/users?$top=1&$select=id",
  }));
  const res = (await graph.client.api("/$batch").post({ requests })) as BatchResponse;
  expect(res.responses.map((r) => r.id).sort()).toEqual(requests.map((r) => r.id).sort());
  expect(res.responses.every((r) => r.status === 200)).toBe(true);
  expect(res.responses.map((r) => r.id)).not.toEqual(requests.map((r) => r.id));
});

test("invitation throttling hits sub-requests: 429 with Retry-After inside a 200 batch", async () => {
  graph.emu.setThrottle("graph");
  const sub: SubResponse[] = [];
  for (let b = 0; b < 9; b++) {
    const requests = Array.from({ length: 20 }, (_, i) => ({
      id: String(i),
      method: "POST",
      url: "/invitations",
      headers: json,
      body: invitation(address(`thr${b}`)),
    }));
    const res = (await graph.client.api("/$batch").post({ requests })) as BatchResponse;
    sub.push(...res.responses);
  }
  const ok = sub.filter((r) => r.status === 201);
  const throttled = sub.filter((r) => r.status === 429);
  expect(ok.length).toBe(150);
  expect(throttled.length).toBe(30);
  expect(Number(throttled[0].headers["Retry-After"])).toBeGreaterThanOrEqual(1);
  expect((throttled[0].body as { error: Json }).error.code).toBe("TooManyRequests");
});

test("users resource units: x-ms-resource-unit, limit percentage above 0.8, then 429 with the throttle headers", async () => {
  graph.emu.setThrottle("graph");
  const token = await rawToken(graph.emu);
  const id = (
    (await graph.client.api("/invitations").post(invitation(address("ru")))) as { invitedUser: { id: string } }
  ).invitedUser.id;
  const seen: SubResponse[] = [];
  for (let b = 0; b < 100 && !seen.some((r) => r.status === 429); b++) {
    // GET /users/{id} costs 1 RU (throttling-limits: not in the table); $expand adds 1: 2 RU each.
    const requests = Array.from({ length: 20 }, (_, i) => ({
      id: String(i),
      method: "GET",
      url: `/users/${id}?$expand=sponsors`,
    }));
    const r = await raw(graph.emu, "POST", "/v1.0/$batch", { token, body: { requests } });
    expect(r.status).toBe(200);
    seen.push(...(r.json as BatchResponse).responses);
  }
  expect(seen[0].headers["x-ms-resource-unit"]).toBe("2"); // 1 + 1 for $expand
  expect(seen.some((r) => r.status === 200 && Number(r.headers["x-ms-throttle-limit-percentage"]) > 0.8)).toBe(true);
  const t = seen.find((r) => r.status === 429) as SubResponse;
  expect(t).toBeDefined();
  expect(t.headers["x-ms-throttle-information"]).toBe("ResourceUnitLimitExceeded");
  expect(t.headers["x-ms-throttle-scope"]).toBe(`Tenant_Application/Read/${graph.emu.clientId}/${graph.emu.tenantId}`);
  expect(Number(t.headers["Retry-After"])).toBeGreaterThanOrEqual(1);
  // ~1,750 GETs of 2 RU fit into 3,500 RU (plus what refills meanwhile)
  const okCount = seen.filter((r) => r.status === 200).length;
  expect(okCount).toBeGreaterThanOrEqual(1750);
  expect(okCount).toBeLessThan(2300);
});

test("sub-requests are faulted on their own", async () => {
  const token = await rawToken(graph.emu);
  graph.emu.setFaults("503=0.3,504=0.1");
  const statuses: number[] = [];
  let batches = 0;
  while (statuses.length < 200) {
    const requests = Array.from({ length: 20 }, (_, i) => ({ id: String(i), method: "GET", url: "/users?$top=1" }));
    const r = await raw(graph.emu, "POST", "/v1.0/$batch", { token, body: { requests } });
    batches++;
    if (r.status !== 200) continue; // the batch itself was faulted
    statuses.push(...(r.json as BatchResponse).responses.map((x) => x.status));
  }
  expect(batches).toBeLessThan(60);
  const n503 = statuses.filter((s) => s === 503).length;
  const n504 = statuses.filter((s) => s === 504).length;
  expect(n503).toBeGreaterThan(20);
  expect(n504).toBeGreaterThan(3);
  expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(80);
  expect(graph.emu.requests().some((e) => e.inBatch !== undefined && e.fault === "503")).toBe(true);
});
