/**
 * The scheduler against the emulator's throttling and batch faults (issue 17), over the real transport
 * and credential: a `$batch` envelope answered 424 with `responses` settles each item from its own
 * sub-response (nothing sent twice); 600 mark writes stay within the open-extension limit (455 per
 * 10 s per app and tenant) with no 429. Needs NODE_EXTRA_CA_CERTS (scripts/test.js sets it).
 */
import { RunningEmulator, startEmulator } from "../../src/emulator";
import { GraphClient } from "../../src/graph/client";
import { ExtensionClient } from "../../src/graph/extensions";
import { Scheduler } from "../../src/graph/scheduler";
import { appTransport } from "../../src/testing/graph-admin";

jest.setTimeout(120_000);

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ throttle: "graph", seed: 7 });
});
afterAll(async () => {
  await emu?.close();
});

/** Adds `n` guests to the emulator (display names PREFIX0…, mails prefix0@domain…) and returns their ids. */
const addGuests = (n: number, prefix: string, domain: string): string[] =>
  Array.from(
    { length: n },
    (_, i) =>
      emu.addUser({
        displayName: `${prefix}${i}`,
        creationType: "Invitation",
        mail: `${prefix.toLowerCase()}${i}@${domain}`,
      }).id,
  );

function scheduler(): Scheduler {
  return new Scheduler(appTransport(emu), { maxConcurrency: 8, batching: true });
}

test("an envelope 424 that carries responses: every item settles from its sub-response, none is sent again", async () => {
  const s = scheduler();
  const g = new GraphClient(s);
  const ids = addGuests(6, "B", "batch.example");
  await g.getUser(ids[0]); // token first
  emu.clearRequests();
  emu.setFaults("batch424=1");
  const users = await Promise.all(
    [...ids, "00000000-0000-4000-8000-00000000dead"].map((id) => g.getUser(id, { select: ["id"] })),
  );
  emu.setFaults(undefined);
  expect(users.map((u) => u?.id)).toEqual([...ids, undefined]);
  const log = emu.requests();
  expect(log.filter((r) => r.fault === "batch424").length).toBeGreaterThan(0);
  const subs = log.filter((r) => r.inBatch).map((r) => r.path.split("?")[0]);
  expect(new Set(subs).size).toBe(subs.length);
  expect(s.stats().retries).toBe(0);
});

test("600 mark writes: none throttled, no window of 10 s holds more than 455", async () => {
  const s = scheduler();
  const x = new ExtensionClient(s);
  const ids = addGuests(600, "E", "ext.example");
  emu.clearRequests();
  await Promise.all(
    ids.map((id) =>
      x.addExtension(id, "com.pulumi.entraInvitation", {
        version: 1,
        project: "p",
        stack: "s",
        resource: id,
        onDelete: "delete",
      }),
    ),
  );
  const writes = emu.requests().filter((r) => /\/extensions$/.test(r.path.split("?")[0]));
  expect(writes.filter((r) => r.status === 429)).toEqual([]);
  expect(writes.filter((r) => r.status === 201)).toHaveLength(600);
  const times = writes.map((r) => Date.parse(r.time)).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= 10_000) j++;
    most = Math.max(most, i - j + 1);
  }
  expect(most).toBeLessThanOrEqual(455);
});
