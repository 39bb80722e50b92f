/**
 * The scheduler over the real transport (Graph SDK client + @azure/identity) against the emulator
 * over HTTPS: retries cannot duplicate guests ("commit then drop": the invitation is made, the answer
 * lost, the request sent again), sub-request faults inside `$batch` are retried on their own, and
 * Graph's throttling is never met. Needs NODE_EXTRA_CA_CERTS (scripts/test.js sets it).
 */
import { RunningEmulator, startEmulator } from "../../src/emulator";
import { GraphClient } from "../../src/graph/client";
import { Scheduler } from "../../src/graph/scheduler";
import { EndpointError } from "../../src/graph/failures";
import { appTransport } from "../../src/testing/graph-admin";

jest.setTimeout(60_000);

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ throttle: "graph", seed: 42 });
});
afterAll(async () => {
  await emu?.close();
});
beforeEach(() => {
  emu.reset();
  emu.setFaults(undefined);
});

function client(batching: boolean): { g: GraphClient; s: Scheduler } {
  const s = new Scheduler(appTransport(emu), { maxConcurrency: 8, batching });
  return { g: new GraphClient(s), s };
}

// Changed on purpose (issue 20): the failure now comes wrapped with the host that did not answer
// (EndpointError), its cause being the network failure itself.
test("a broken connection surfaces as the network failure itself with its host (its cause says a retry helps), not the Graph client's wrapper", async () => {
  const transport = appTransport(emu);
  expect((await transport.send({ method: "GET", path: "/users?$top=1" })).status).toBe(200);
  emu.setFaults("reset=1");
  const err = (await transport.send({ method: "GET", path: "/users?$top=1" }).then(
    () => undefined,
    (e: unknown) => e,
  )) as EndpointError & { cause: Error & { cause?: { code?: string } } };
  emu.setFaults(undefined);
  expect(err).toBeInstanceOf(EndpointError);
  expect(err.origin).toBe(new URL(emu.graphUrl).origin);
  expect(err.cause.message).toBe("fetch failed");
  expect(err.cause.cause?.code).toMatch(/^(UND_ERR_SOCKET|ECONNRESET)$/);
});

const emails = (n: number, tag: string): string[] => Array.from({ length: n }, (_, i) => `${tag}${i}@contoso.com`);

test.each([
  ["one request per invitation", false],
  ["invitations in $batch calls", true],
])("commit then drop: a re-sent invitation finds the same guest, never a second (%s)", async (_name, batching) => {
  const { g, s } = client(batching);
  await g.findUserByEmail("warm-up@contoso.com"); // token first: the identity endpoint has no faults to survive
  emu.setFaults("drop=0.25,reset=0.1");
  const list = emails(40, batching ? "b" : "s");
  const results = await Promise.all(
    list.map((e) => g.invite({ invitedUserEmailAddress: e, inviteRedirectUrl: "https://myapps.microsoft.com" })),
  );
  emu.setFaults(undefined);

  const log = emu.requests();
  expect(log.filter((r) => r.fault === "drop").length).toBeGreaterThan(0);
  const users = emu.users();
  expect(users.map((u) => u.mail).sort()).toEqual([...list].sort());
  // Every caller got the one user of its address.
  const byMail = new Map(users.map((u) => [u.mail, u.id]));
  results.forEach((r, i) => expect(r.invitedUser?.id).toBe(byMail.get(list[i])));
  expect(s.stats().retries).toBeGreaterThan(0);
});

test("429 / 503 / 504 inside a $batch are retried sub-request by sub-request", async () => {
  const { g, s } = client(true);
  await g.findUserByEmail("warm-up@contoso.com");
  const list = emails(30, "f");
  const invited = await Promise.all(
    list.map((e) => g.invite({ invitedUserEmailAddress: e, inviteRedirectUrl: "https://myapps.microsoft.com" })),
  );
  emu.clearRequests();
  emu.setFaults("429=0.1,503=0.05,504=0.05");
  const users = await Promise.all(invited.map((r) => g.getUser(r.invitedUser!.id)));
  emu.setFaults(undefined);
  expect(users.map((u) => u?.mail)).toEqual(list);
  const log = emu.requests();
  const gets = log.filter((r) => r.method === "GET" && r.path.startsWith("/v1.0/users/"));
  const faulted = gets.filter((r) => r.fault);
  expect(faulted.filter((r) => r.inBatch).length).toBeGreaterThan(0);
  // Only what failed is sent again: one more GET per faulted GET, never its whole first batch.
  expect(gets.length).toBe(30 + faulted.length);
  expect(s.stats().throttled).toBeGreaterThanOrEqual(faulted.filter((r) => r.status === 429).length);
});

test("Graph's throttling (150 invitations per 5 s) is never met: 200 invitations, no 429, one window and a round trip", async () => {
  const { g } = client(true);
  await g.findUserByEmail("warm-up@contoso.com");
  emu.clearRequests();
  const t0 = Date.now();
  const list = emails(200, "t");
  await Promise.all(
    list.map((e) => g.invite({ invitedUserEmailAddress: e, inviteRedirectUrl: "https://myapps.microsoft.com" })),
  );
  const seconds = (Date.now() - t0) / 1000;
  const log = emu.requests();
  expect(log.filter((r) => r.status === 429)).toEqual([]);
  expect(log.filter((r) => r.path === "/v1.0/invitations").length).toBe(200);
  // One window of waiting, not two (a second would end past 10 s); the speed itself is the benchmark's.
  expect(seconds).toBeGreaterThanOrEqual(5);
  expect(seconds).toBeLessThan(10);
  // $batch calls of up to 20: far fewer HTTP requests than invitations.
  expect(log.filter((r) => !r.inBatch).length).toBeLessThanOrEqual(25);
});
