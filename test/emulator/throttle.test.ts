/** Throttling: the Throttle class on a fake clock, and 400 invitations against throttle "graph". */
import { GRAPH_LIMITS, Throttle } from "../../src/emulator/throttle";
import { invitation, raw, rawToken, useEmulator } from "./helpers";

describe("Throttle (fake clock)", () => {
  test("invitations: 150 per sliding 5 s per tenant, Retry-After until the oldest leaves the window", () => {
    const t = new Throttle("graph");
    for (let i = 0; i < 150; i++) expect(t.invitation("t1", 1_000 + i).ok).toBe(true);
    const denied = t.invitation("t1", 1_200);
    expect(denied).toMatchObject({ ok: false, retryAfter: 5, headers: { "Retry-After": "5" } });
    expect(t.invitation("t2", 1_200).ok).toBe(true); // per tenant
    expect(t.invitation("t1", 5_999).ok).toBe(false);
    expect(t.invitation("t1", 6_000).ok).toBe(true); // the first left the window
    expect(t.invitation("t1", 6_000).ok).toBe(false);
    expect(t.invitation("t1", 6_001).ok).toBe(true);
    const off = new Throttle("off");
    for (let i = 0; i < 1000; i++) expect(off.invitation("t1", 0).ok).toBe(true);
  });

  test("users: resource-unit bucket per app+tenant with x-ms headers, refilled over 10 s", () => {
    const t = new Throttle("graph");
    let now = 0;
    let ok = 0;
    for (;;) {
      const d = t.users("app", "t", 2, false, now);
      if (!d.ok) {
        expect(d.headers).toMatchObject({
          "x-ms-resource-unit": "2",
          "x-ms-throttle-information": "ResourceUnitLimitExceeded",
          "x-ms-throttle-scope": "Tenant_Application/Read/app/t",
          "Retry-After": "1",
        });
        expect(Number(d.headers["x-ms-throttle-limit-percentage"])).toBeGreaterThanOrEqual(1);
        break;
      }
      if ((ok + 1) * 2 > 0.8 * GRAPH_LIMITS.resourceUnits)
        expect(d.headers["x-ms-throttle-limit-percentage"]).toBeDefined();
      else expect(d.headers["x-ms-throttle-limit-percentage"]).toBeUndefined();
      ok++;
    }
    expect(ok).toBe(1750);
    expect(t.users("other-app", "t", 2, false, now).ok).toBe(true);
    now += 1000; // 350 RU refilled
    for (let i = 0; i < 175; i++) expect(t.users("app", "t", 2, false, now).ok).toBe(true);
    expect(t.users("app", "t", 2, false, now).ok).toBe(false);
  });

  test("users: 3,000 writes per 150 s per app+tenant", () => {
    const t = new Throttle("graph", { ...GRAPH_LIMITS, resourceUnits: 1e9 });
    // throttling-limits: any identity write costs 1 resource unit.
    for (let i = 0; i < 3000; i++) expect(t.users("app", "t", 1, true, i).ok).toBe(true);
    const d = t.users("app", "t", 1, true, 3000);
    expect(d.ok).toBe(false);
    expect(d.headers["x-ms-throttle-information"]).toBe("WriteLimitExceeded");
    expect(d.retryAfter).toBe(147);
    expect(t.users("app", "t", 1, false, 3000).ok).toBe(true); // reads unaffected
  });
});

test("open extensions: 455 requests per sliding 10 s per app and tenant", () => {
  const t = new Throttle("graph");
  for (let i = 0; i < 455; i++) expect(t.extension("app", "t", i).ok).toBe(true);
  const d = t.extension("app", "t", 500);
  expect(d).toMatchObject({ ok: false, retryAfter: 10, headers: { "Retry-After": "10" } });
  expect(t.extension("other-app", "t", 500).ok).toBe(true);
  expect(t.extension("app", "other-tenant", 500).ok).toBe(true);
  expect(t.extension("app", "t", 10_000).ok).toBe(true); // the first left the window
  const off = new Throttle("off");
  for (let i = 0; i < 1000; i++) expect(off.extension("app", "t", 0).ok).toBe(true);
});

describe("throttle graph, end to end", () => {
  const graph = useEmulator({ throttle: "graph" });

  test("400 invitations as fast as possible (50 at a time, honouring Retry-After): 429s, and never more than 150 accepted in any 5 s", async () => {
    const token = await rawToken(graph.emu);
    const total = 400;
    let next = 0;
    let throttled = 0;
    const acceptedAt: number[] = [];
    const worker = async (): Promise<void> => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        for (;;) {
          const r = await raw(graph.emu, "POST", "/v1.0/invitations", {
            token,
            body: invitation(`throttle${i}.${process.pid}@contoso.com`),
          });
          if (r.status === 201) {
            acceptedAt.push(Date.now());
            break;
          }
          expect(r.status).toBe(429);
          expect((r.json as { error: { code: string } }).error.code).toBe("TooManyRequests");
          throttled++;
          const retryAfter = Number(r.headers["retry-after"]);
          expect(retryAfter).toBeGreaterThanOrEqual(1);
          expect(retryAfter).toBeLessThanOrEqual(5);
          await new Promise((res) => setTimeout(res, retryAfter * 1000));
        }
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: 50 }, worker));
    const elapsed = Date.now() - started;
    expect(acceptedAt).toHaveLength(total);
    expect(throttled).toBeGreaterThan(0);
    // Server side: the log's times are the moments the emulator admitted each request.
    const admitted = graph.emu
      .requests()
      .filter((e) => e.path === "/v1.0/invitations" && e.status === 201)
      .map((e) => Date.parse(e.time))
      .sort((a, b) => a - b);
    expect(admitted).toHaveLength(total);
    for (let i = 0; i + 150 < admitted.length; i++)
      expect(admitted[i + 150] - admitted[i]).toBeGreaterThanOrEqual(5000);
    // Client side, fixed 5 s windows from the start.
    const perWindow = new Map<number, number>();
    for (const t of acceptedAt)
      perWindow.set(Math.floor((t - started) / 5000), (perWindow.get(Math.floor((t - started) / 5000)) ?? 0) + 1);
    for (const n of perWindow.values()) expect(n).toBeLessThanOrEqual(150);
    // 400 at 150 per 5 s needs at least two full windows.
    expect(elapsed).toBeGreaterThanOrEqual(10_000);
    expect(graph.emu.requests().filter((e) => e.status === 429)).toHaveLength(throttled);
  });
});
