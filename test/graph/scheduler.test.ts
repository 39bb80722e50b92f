/**
 * The request scheduler on jest's fake clock, against a fake Graph: batching, linger, retries of
 * sub-requests on their own, pauses on Retry-After, network errors, deadlines, the replication-lag
 * 404 window, the concurrency cap, and Graph's limits never broken.
 */
import { EntraGraphError } from "../../src/graph/errors";
import { EntraFailure } from "../../src/graph/failures";
import {
  DirectScheduler,
  GraphRequest,
  GraphResponse,
  lastTryBeforeDeadline,
  MAX_BATCH,
} from "../../src/graph/scheduler";
import { FakeGraph, get, networkError, ok, Op, run, scheduler, status, throttleOnce, useFakeClock } from "./fake-graph";

useFakeClock();

const patch = (id: string): GraphRequest => ({
  method: "PATCH",
  path: `/users/${id}`,
  body: { displayName: id },
  lane: "users",
});
const invite = (email: string): GraphRequest => ({
  method: "POST",
  path: "/invitations",
  body: { invitedUserEmailAddress: email, inviteRedirectUrl: "https://x" },
  lane: "invitations",
});

/** Settles promises into an inspectable record as they finish. */
function track<T>(ps: Promise<T>[]): { done: number; values: (T | undefined)[]; errors: unknown[] } {
  const t = { done: 0, values: [] as (T | undefined)[], errors: [] as unknown[] };
  ps.forEach((p, i) =>
    p.then(
      (v) => {
        t.values[i] = v;
        t.done++;
      },
      (e) => {
        t.errors[i] = e;
        t.done++;
      },
    ),
  );
  return t;
}

/** A read of user `id` that Graph answers `code` gets that answer within `ms`, after one call: no retry. */
async function expectAnsweredAsItIs(code: number, id: string, ms: number): Promise<void> {
  const graph = new FakeGraph(() => status(code));
  const s = scheduler(graph, { batching: false });
  const t = track([s.submit(get(id))]);
  await run(ms);
  expect(t.values[0]?.status).toBe(code);
  expect(graph.calls).toHaveLength(1);
}

describe("batching", () => {
  test("concurrent requests go out as $batch calls of at most 20, each caller gets its own answer", async () => {
    const graph = new FakeGraph();
    const s = scheduler(graph);
    const t = track(Array.from({ length: 45 }, (_, i) => s.submit(get(`u${i}`))));
    await run(10);
    expect(t.done).toBe(45);
    expect(graph.calls.map((c) => [c.path, c.ops.length])).toEqual([
      ["/$batch", 20],
      ["/$batch", 20],
      ["/$batch", 5],
    ]);
    // Sub-responses came back reversed: each still reaches its caller.
    t.values.forEach((v, i) => expect(v?.body).toEqual({ path: `/users/u${i}?$select=id` }));
    expect(s.stats()).toMatchObject({ httpRequests: 3, operations: 45, batches: 3, retries: 0, failures: 0 });
  });

  test("sub-requests carry method, url relative to the version, body with Content-Type", async () => {
    const graph = new FakeGraph();
    const s = scheduler(graph);
    const ps = [s.submit(patch("a")), s.submit(invite("b@contoso.com")), s.submit(get("c"))];
    await run(10);
    await Promise.all(ps);
    expect(graph.calls).toHaveLength(1);
    const body = graph.calls[0].body as { requests: Record<string, unknown>[] };
    expect(body.requests).toEqual([
      {
        id: "1",
        method: "PATCH",
        url: "/users/a",
        body: { displayName: "a" },
        headers: { "Content-Type": "application/json" },
      },
      {
        id: "2",
        method: "POST",
        url: "/invitations",
        body: { invitedUserEmailAddress: "b@contoso.com", inviteRedirectUrl: "https://x" },
        headers: { "Content-Type": "application/json" },
      },
      { id: "3", method: "GET", url: "/users/c?$select=id" },
    ]);
  });

  test("a lone request waits the linger for company, then goes on its own (not as a batch)", async () => {
    const graph = new FakeGraph();
    const s = scheduler(graph, { lingerMs: 5 });
    const p = s.submit(get("a"));
    await run(2);
    const q = s.submit(get("b"));
    await run(2);
    expect(graph.calls).toHaveLength(0);
    await run(2);
    expect(graph.calls.map((c) => c.ops.length)).toEqual([2]);
    await Promise.all([p, q]);
    const r = s.submit(get("c"));
    await run(4);
    expect(graph.calls).toHaveLength(1);
    await run(2);
    expect(graph.calls.map((c) => c.path)).toEqual(["/$batch", "/users/c?$select=id"]);
    await r;
  });

  test("a full batch does not linger", async () => {
    const graph = new FakeGraph();
    const s = scheduler(graph, { lingerMs: 1_000 });
    const ps = Array.from({ length: MAX_BATCH }, (_, i) => s.submit(get(`u${i}`)));
    await run(1);
    expect(graph.calls).toHaveLength(1);
    await Promise.all(ps);
  });

  test("batching off: one HTTP request per operation, no linger", async () => {
    const graph = new FakeGraph();
    const s = scheduler(graph, { batching: false });
    const ps = Array.from({ length: 5 }, (_, i) => s.submit(get(`u${i}`)));
    await run(1);
    expect(graph.calls.map((c) => c.path)).toEqual([0, 1, 2, 3, 4].map((i) => `/users/u${i}?$select=id`));
    await Promise.all(ps);
  });
});

describe("429 and Retry-After", () => {
  test("a sub-request's 429 is retried on its own after Retry-After; its siblings are answered at once", async () => {
    const graph = new FakeGraph();
    let throttled = false;
    graph.handler = (op) => {
      if (op.path.startsWith("/users/b") && !throttled) {
        throttled = true;
        return status(429, { "retry-after": "2", "x-ms-throttle-information": "ResourceUnitLimitExceeded" });
      }
      return ok({ path: op.path });
    };
    const s = scheduler(graph);
    const t = track(["a", "b", "c"].map((id) => s.submit(get(id))));
    await run(10);
    expect(t.done).toBe(2);
    expect(t.values[0]?.status).toBe(200);
    expect(t.values[2]?.status).toBe(200);
    await run(1_980);
    expect(graph.calls).toHaveLength(1);
    await run(40);
    expect(t.done).toBe(3);
    expect(t.values[1]).toMatchObject({ status: 200, body: { path: "/users/b?$select=id" } });
    expect(graph.calls.map((c) => c.ops.map((o) => o.path.split("?")[0]))).toEqual([
      ["/users/a", "/users/b", "/users/c"],
      ["/users/b"],
    ]);
    expect(graph.calls[1].at - graph.calls[0].at).toBeGreaterThanOrEqual(2_000);
    expect(s.stats()).toMatchObject({ throttled: 1, retries: 1, failures: 0 });
  });

  // The throttled lane waits Retry-After from the first call; the other lane's request passes meanwhile.
  test.each([
    [
      "a 429 pauses its lane until Retry-After: later users requests wait, invitations do not",
      { method: "GET" as const, headers: { "retry-after": "3" }, options: {}, pause: 3_000, settle: 10 },
      { first: get("a"), waits: get("b"), passes: invite("x@contoso.com") },
    ],
    [
      "WriteLimitExceeded pauses only user writes",
      {
        method: "PATCH" as const,
        headers: {
          "retry-after": "5",
          "x-ms-throttle-information": "WriteLimitExceeded",
          "x-ms-throttle-scope": "Tenant_Application/ReadWrite/app/t",
        },
        options: { batching: false },
        pause: 5_000,
        settle: 5,
      },
      { first: patch("a"), waits: patch("c"), passes: get("b") },
    ],
  ])("%s", async (_name, throttle, requests) => {
    const graph = new FakeGraph(throttleOnce(throttle.method, throttle.headers));
    const s = scheduler(graph, throttle.options);
    const first = s.submit(requests.first);
    await run(throttle.settle);
    expect(graph.calls).toHaveLength(1);
    const waits = track([s.submit(requests.waits)]);
    const passes = track([s.submit(requests.passes)]);
    await run(100);
    expect(passes.done).toBe(1);
    expect(waits.done).toBe(0);
    await run(throttle.pause);
    expect(waits.done).toBe(1);
    await first;
    const waitedAt = graph.ops().find((o) => o.path === requests.waits.path)!.at;
    expect(waitedAt - graph.calls[0].at).toBeGreaterThanOrEqual(throttle.pause);
  });

  test("without Retry-After a 429 backs off exponentially with jitter", async () => {
    const graph = new FakeGraph();
    let n = 0;
    graph.handler = () => (n++ < 2 ? status(429) : ok());
    const s = scheduler(graph, { batching: false, random: () => 1 });
    const p = track([s.submit(get("a"))]);
    await run(399);
    expect(graph.calls).toHaveLength(1);
    await run(2);
    expect(graph.calls).toHaveLength(2);
    await run(798);
    expect(graph.calls).toHaveLength(2);
    await run(2);
    expect(graph.calls).toHaveLength(3);
    expect(p.values[0]?.status).toBe(200);
  });

  test("a $batch answered 429 as a whole: every sub-request is retried", async () => {
    const graph = new FakeGraph();
    graph.batchFailures = [status(429, { "retry-after": "1" })];
    const s = scheduler(graph);
    const t = track(["a", "b"].map((id) => s.submit(get(id))));
    await run(1_100);
    expect(t.done).toBe(2);
    expect(t.values.map((v) => v?.status)).toEqual([200, 200]);
    expect(graph.calls.map((c) => c.ops.length)).toEqual([2, 2]);
    expect(s.stats()).toMatchObject({ throttled: 2, retries: 2 });
  });
});

describe("failures and retries", () => {
  test("a connection reset is retried with backoff", async () => {
    const graph = new FakeGraph();
    let n = 0;
    graph.handler = () => (n++ === 0 ? networkError("ECONNRESET") : ok({ fine: true }));
    const s = scheduler(graph, { batching: false });
    const t = track([s.submit(invite("a@contoso.com"))]);
    await run(100);
    expect(t.done).toBe(0);
    await run(300);
    expect(t.values[0]).toMatchObject({ status: 200, body: { fine: true } });
    expect(s.stats()).toMatchObject({ httpRequests: 2, retries: 1, failures: 0 });
  });

  test("a broken $batch connection retries every operation it carried", async () => {
    const graph = new FakeGraph();
    graph.batchFailures = [Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" })];
    const s = scheduler(graph);
    const t = track([s.submit(invite("a@contoso.com")), s.submit(invite("b@contoso.com"))]);
    await run(1_000);
    expect(t.values.map((v) => v?.status)).toEqual([200, 200]);
    expect(graph.calls).toHaveLength(2);
  });

  test("timeouts are retried; other errors are not", async () => {
    const graph = new FakeGraph();
    let n = 0;
    graph.handler = (op) => {
      if (op.path.startsWith("/users/t") && n++ === 0)
        return Object.assign(new Error("The operation was aborted due to timeout"), { name: "TimeoutError" });
      if (op.path.startsWith("/users/x")) return new Error("credential unavailable");
      return ok();
    };
    const s = scheduler(graph, { batching: false });
    const t = track([s.submit(get("t")), s.submit(get("x"))]);
    await run(1_000);
    expect(t.values[0]?.status).toBe(200);
    expect((t.errors[1] as Error).message).toBe("credential unavailable");
    expect(s.stats()).toMatchObject({ retries: 1, failures: 1 });
  });

  // Changed on purpose (issue 20, fail fast): a host that does not resolve or a certificate not
  // trusted used to fail only its own request while the others kept retrying; now it ends every
  // request of the process at once, with that cause.
  test.each([
    ["ENOTFOUND", "does not resolve"],
    ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "presented a certificate signed by a CA this machine does not trust"],
  ])("%s is not retried, however it is worded, and ends every request at once", async (code, cause) => {
    const fetchFailed = (c: string): Error =>
      Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error(c), { code: c }) });
    const graph = new FakeGraph((op) => fetchFailed(op.path.includes("bad") ? code : "UND_ERR_SOCKET"));
    const s = scheduler(graph, { batching: false, deadlineMs: 60_000 });
    const t = track([s.submit(get("socket")), s.submit(get("bad")), s.submit(get("socket2"))]);
    await run(10);
    expect(t.done).toBe(3);
    for (const e of t.errors) {
      expect(e).toBeInstanceOf(EntraFailure);
      expect((e as EntraFailure).failure.cause).toBe(cause);
    }
    await expect(s.submit(get("later"))).rejects.toBe(t.errors[0]);
    expect(graph.calls).toHaveLength(3);
  });

  test("5xx is retried, honouring a longer Retry-After", async () => {
    const graph = new FakeGraph();
    let n = 0;
    graph.handler = () => (n++ === 0 ? status(503, { "retry-after": "4" }) : ok());
    const s = scheduler(graph, { batching: false });
    const t = track([s.submit(get("a"))]);
    await run(3_990);
    expect(t.done).toBe(0);
    await run(20);
    expect(t.values[0]?.status).toBe(200);
  });

  test("4xx other than 404-in-window and 429 is answered as it is, no retry", () => expectAnsweredAsItIs(400, "a", 10));

  test("a sub-response missing from a $batch answer is retried", async () => {
    const graph = new FakeGraph();
    const s = scheduler(graph);
    const real = graph.send.bind(graph);
    let dropOne = true;
    graph.send = async (req) => {
      const res = await real(req);
      if (dropOne && req.path === "/$batch") {
        dropOne = false;
        (res.body as { responses: unknown[] }).responses.pop();
      }
      return res;
    };
    const t = track(["a", "b"].map((id) => s.submit(get(id))));
    await run(1_000);
    expect(t.values.map((v) => v?.status)).toEqual([200, 200]);
    expect(graph.calls.map((c) => c.ops.length)).toEqual([2, 1]);
  });
});

describe("fail fast when Graph is gone", () => {
  test("connection refused on every attempt for the window ends every waiting and later request at once, with that cause", async () => {
    const graph = new FakeGraph(() => networkError("ECONNREFUSED"));
    const lines: string[] = [];
    const s = scheduler(graph, {
      batching: false,
      unreachableWindowMs: 12_000,
      progressAfterMs: 4_000,
      onProgress: (l) => lines.push(l),
    });
    const t = track([s.submit(invite("a@contoso.com")), s.submit(get("b")), s.submit(patch("c"))]);
    await run(3_000);
    expect(t.done).toBe(0);
    expect(lines).toEqual([]);
    await run(2_000);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^pulumi-entra-invitation: waiting for Graph: the endpoint refused the connection \(ECONNREFUSED: nothing listens there\) for [45] s; giving up at 12 s$/,
    );
    await run(10_000);
    expect(t.done).toBe(3);
    const e = t.errors[0] as EntraFailure;
    expect(e).toBeInstanceOf(EntraFailure);
    expect(t.errors).toEqual([e, e, e]);
    expect(e.failure).toMatchObject({
      class: "unreachable",
      cause: expect.stringMatching(/^refused the connection on every attempt for 1[23] s$/),
    });
    const calls = graph.calls.length;
    await expect(s.submit(get("later"))).rejects.toBe(e);
    expect(graph.calls).toHaveLength(calls);
    expect(lines).toHaveLength(1);
  });

  test.each([
    ["429 with Retry-After", () => status(429, { "retry-after": "2" })],
    ["503", () => status(503)],
  ])("a Graph that answers (%s) keeps the patient deadline", async (_name, answer) => {
    let n = 0;
    const graph = new FakeGraph(() => (n++ % 2 === 0 ? networkError("ECONNREFUSED") : answer()));
    const s = scheduler(graph, {
      batching: false,
      deadlineMs: 60_000,
      unreachableWindowMs: 3_000,
      onProgress: () => undefined,
    });
    const t = track([s.submit(get("a"))]);
    await run(30_000);
    expect(t.done).toBe(0);
    await run(31_000);
    expect(t.done).toBe(1);
    expect(t.errors[0]).toBeUndefined();
  });
});

describe("deadline", () => {
  test("a request that keeps failing gives up at its deadline with the last answer", async () => {
    const graph = new FakeGraph(() => status(503));
    const s = scheduler(graph, { batching: false, deadlineMs: 5_000 });
    const t = track([s.submit(get("a"))]);
    await run(6_000);
    expect(t.values[0]?.status).toBe(503);
    expect(graph.calls.length).toBeGreaterThan(2);
    expect(graph.calls[graph.calls.length - 1].at - graph.calls[0].at).toBeLessThanOrEqual(5_000);
    expect(s.stats().failures).toBe(1);
  });

  test("a request that keeps breaking the connection rejects with DeadlineExceeded", async () => {
    const graph = new FakeGraph(() => networkError("ECONNRESET"));
    const s = scheduler(graph, { batching: false, deadlineMs: 3_000 });
    const t = track([s.submit(invite("a@contoso.com"))]);
    await run(4_000);
    const e = t.errors[0] as EntraGraphError;
    expect(e).toBeInstanceOf(EntraGraphError);
    expect(e.code).toBe("DeadlineExceeded");
    expect(e.message).toMatch(/POST \/invitations.*ECONNRESET/s);
  });

  test("a request that gets no answer is tried once more just before its deadline, not given up early", async () => {
    const graph = new FakeGraph(() => networkError("ECONNREFUSED"));
    const s = scheduler(graph, { batching: false, deadlineMs: 4_000, random: () => 1 });
    const t = track([s.submit(get("a"))]);
    await run(5_000);
    // backoffs of 400, 800 and 1,600 ms; the next (3,200 ms) would land at 6 s, past the deadline
    expect(graph.calls.map((c) => c.at - graph.calls[0].at)).toEqual([0, 400, 1_200, 2_800, 3_750]);
    expect((t.errors[0] as EntraGraphError).code).toBe("DeadlineExceeded");
    expect((t.errors[0] as Error).message).toMatch(/gave up after 5 attempt\(s\) and 4 s: .*ECONNREFUSED/s);
  });

  test.each([
    // now, backoff lands at, deadline → tried at
    [2_800, 6_000, 4_000, 3_750],
    [1_000, 3_000, 4_000, 3_000],
    [3_800, 7_000, 4_000, 7_000],
    [3_750, 7_000, 4_000, 7_000],
  ])("lastTryBeforeDeadline(now %d, at %d, deadline %d) = %d", (now, at, deadline, expected) => {
    expect(lastTryBeforeDeadline(now, at, deadline)).toBe(expected);
  });

  test("the deadline also holds while a request waits for rate budget", async () => {
    const graph = new FakeGraph();
    const s = scheduler(graph, {
      batching: false,
      deadlineMs: 2_000,
      invitationsPerWindow: 1,
      invitationWindowMs: 10_000,
      windowMarginMs: 0,
    });
    const t = track([s.submit(invite("a@contoso.com")), s.submit(invite("b@contoso.com"))]);
    await run(1_999);
    expect(t.done).toBe(1);
    await run(2);
    expect(t.done).toBe(2);
    expect((t.errors[1] as EntraGraphError).code).toBe("DeadlineExceeded");
    expect((t.errors[1] as Error).message).toMatch(/rate budget/);
    expect(graph.calls).toHaveLength(1);
  });

  test("a Retry-After beyond the deadline gives up at once", async () => {
    const graph = new FakeGraph(() => status(429, { "retry-after": "3600" }));
    const s = scheduler(graph, { batching: false, deadlineMs: 60_000 });
    const t = track([s.submit(get("a"))]);
    await run(10);
    expect(t.values[0]?.status).toBe(429);
  });
});

describe("404 while a new user replicates", () => {
  test("is retried until retryNotFoundUntil, not counted as a retry", async () => {
    const graph = new FakeGraph();
    let n = 0;
    graph.handler = () => (n++ < 3 ? status(404) : ok({ id: "u" }));
    const s = scheduler(graph, { batching: false });
    const t = track([s.submit({ ...get("u"), retryNotFoundUntil: Date.now() + 10_000 })]);
    await run(2_000);
    expect(t.values[0]).toMatchObject({ status: 200, body: { id: "u" } });
    expect(graph.calls.map((c) => c.at - graph.calls[0].at)).toEqual([0, 250, 750, 1_750]);
    expect(s.stats()).toMatchObject({ retries: 0, failures: 0 });
  });

  test("answers the 404 once the window has passed (the last try at its end)", async () => {
    const graph = new FakeGraph(() => status(404));
    const s = scheduler(graph, { batching: false });
    const start = Date.now();
    const t = track([s.submit({ ...get("u"), retryNotFoundUntil: start + 3_000 })]);
    await run(5_000);
    expect(t.values[0]?.status).toBe(404);
    expect(graph.calls[graph.calls.length - 1].at).toBe(start + 3_000);
  });

  test("without a window a 404 is answered at once", () => expectAnsweredAsItIs(404, "u", 1));
});

describe("concurrency and Graph's limits", () => {
  test("never more HTTP requests in flight than maxConcurrency", async () => {
    const graph = new FakeGraph();
    graph.latencyMs = 100;
    const s = scheduler(graph, { maxConcurrency: 3, batching: false });
    const t = track(Array.from({ length: 10 }, (_, i) => s.submit(get(`u${i}`))));
    await run(350);
    expect(t.done).toBe(9);
    expect(graph.maxInflight).toBe(3);
    await run(100);
    expect(t.done).toBe(10);
  });

  test("with batching the cap counts $batch calls: 3 × 20 operations in flight at most", async () => {
    const graph = new FakeGraph();
    graph.latencyMs = 100;
    const s = scheduler(graph, { maxConcurrency: 3 });
    const t = track(Array.from({ length: 130 }, (_, i) => s.submit(invite(`u${i}@contoso.com`))));
    await run(10);
    expect(graph.calls.map((c) => c.ops.length)).toEqual([20, 20, 20]);
    await run(400);
    expect(t.done).toBe(130);
    expect(graph.maxInflight).toBe(3);
  });

  test("a fresh scheduler sends one users batch first and learns from its answer how much budget is left", async () => {
    const graph = new FakeGraph(() => ok({}, { "x-ms-resource-unit": "1", "x-ms-throttle-limit-percentage": "0.99" }));
    graph.latencyMs = 50;
    const s = scheduler(graph);
    const t = track(Array.from({ length: 100 }, (_, i) => s.submit(get(`u${i}`))));
    await run(10);
    expect(graph.calls.map((c) => c.ops.length)).toEqual([20]);
    await run(50);
    // 1 % of 3,500 left: 35 units now, not 3,480.
    const second = graph.calls.slice(1).filter((c) => c.at <= graph.calls[0].at + 60);
    expect(second.reduce((n, c) => n + c.ops.length, 0)).toBeLessThanOrEqual(35);
    await run(2_000);
    expect(t.done).toBe(100);
  });

  test("resource units trickling in: waits for a batch's worth instead of one request per unit", async () => {
    const run200 = async (budgetLingerMs: number): Promise<FakeGraph> => {
      const graph = new FakeGraph(() => ok({}, { "x-ms-resource-unit": "1" }));
      graph.latencyMs = 20;
      const s = scheduler(graph, {
        resourceUnits: 100,
        resourceUnitPeriodMs: 1_000,
        resourceUnitReserve: 0,
        budgetLingerMs,
      });
      const t = track(Array.from({ length: 300 }, (_, i) => s.submit(get(`u${i}`))));
      await run(3_000);
      expect(t.done).toBe(300);
      return graph;
    };
    const lingering = await run200(250);
    const eager = await run200(0);
    const end = (g: FakeGraph): number => Math.max(...g.calls.map((c) => c.at)) - g.calls[0].at;
    expect(lingering.calls.length).toBeLessThanOrEqual(20);
    expect(eager.calls.length).toBeGreaterThan(100);
    // Same throughput: 100 at once, then 100 per second.
    expect(end(lingering)).toBeLessThanOrEqual(end(eager) + 250);
  });

  /**
   * A fake Graph that counts invitations at a random instant between the request's send and its
   * answer, 150 per 5 s, and answers 429 above that: the scheduler must never meet it.
   */
  test("1,000 invitations at once: no 429 from a strict 150-per-5-s Graph, done in 6 windows plus round trips", async () => {
    const graph = new FakeGraph();
    graph.latencyMs = 80;
    const stamps: number[] = [];
    let throttled = 0;
    graph.handler = (op, at) => {
      if (op.path !== "/invitations") return ok();
      const t = at - Math.floor(Math.random() * 80); // Graph counted it somewhere in the round trip
      if (stamps.filter((x) => x > t - 5_000).length >= 150) {
        throttled++;
        return status(429, { "retry-after": "1" });
      }
      stamps.push(t);
      return ok({ invitedUser: { id: (op.body as { invitedUserEmailAddress: string }).invitedUserEmailAddress } });
    };
    const s = scheduler(graph, { windowMarginMs: 0, random: Math.random });
    const start = Date.now();
    const t = track(Array.from({ length: 1_000 }, (_, i) => s.submit(invite(`g${i}@contoso.com`))));
    await run(40_000);
    expect(t.done).toBe(1_000);
    expect(throttled).toBe(0);
    const last = Math.max(...graph.calls.map((c) => c.at)) + graph.latencyMs;
    expect(last - start).toBeGreaterThanOrEqual(30_000);
    expect(last - start).toBeLessThan(30_000 + 7 * 200);
    // Slots freed together are refilled together: full batches, not one request per slot.
    expect(graph.calls.length).toBeLessThanOrEqual(60);
  });

  test("5,000 reads: the resource-unit bucket keeps a strict 3,500-per-10-s Graph from throttling, though requests take 20 to 80 ms to get there", async () => {
    const graph = new FakeGraph();
    graph.latencyMs = 100;
    let tokens = 3_500;
    let last = Date.now();
    let throttled = 0;
    graph.handler = (_op, answeredAt) => {
      const at = answeredAt - 20 - Math.floor(Math.random() * 60); // arrived somewhere on the way
      if (at > last) {
        tokens = Math.min(3_500, tokens + ((at - last) * 3_500) / 10_000);
        last = at;
      }
      if (tokens < 1) {
        throttled++;
        return status(429, { "retry-after": "1", "x-ms-throttle-information": "ResourceUnitLimitExceeded" });
      }
      tokens -= 1;
      return ok({}, { "x-ms-resource-unit": "1" });
    };
    const s = scheduler(graph);
    const start = Date.now();
    const t = track(Array.from({ length: 5_000 }, (_, i) => s.submit(get(`u${i}`))));
    await run(10_000);
    expect(t.done).toBe(5_000);
    expect(throttled).toBe(0);
    // 3,400 at once (100 held in reserve), the other 1,600 at 350 per second; in full batches.
    const end = Math.max(...graph.calls.map((c) => c.at));
    expect(end - start).toBeGreaterThanOrEqual(4_500);
    expect(end - start).toBeLessThan(5_200);
    expect(graph.calls.length).toBeLessThan(300);
  });

  test("x-ms-resource-unit above the estimate slows the next requests down", async () => {
    const graph = new FakeGraph(() => ok({}, { "x-ms-resource-unit": "5" }));
    graph.latencyMs = 10;
    const s = scheduler(graph, {
      batching: false,
      resourceUnits: 10,
      resourceUnitPeriodMs: 1_000,
      resourceUnitReserve: 0,
      maxConcurrency: 1,
    });
    const t = track(Array.from({ length: 4 }, (_, i) => s.submit(get(`u${i}`))));
    await run(1_000);
    expect(t.done).toBe(4);
    // Taken 1 each, charged 5 each: 9, 5.1 after the first answer, 0.2 after the second, then waits.
    // (a dispatch after an answer waits for the next turn of the loop: up to a millisecond on this clock)
    const at = graph.calls.map((c) => c.at - graph.calls[0].at);
    [0, 10, 100, 600].forEach((ms, i) => expect(Math.abs(at[i] - ms)).toBeLessThanOrEqual(2));
  });

  test("user writes: at most 3,000 per 150 s", async () => {
    const graph = new FakeGraph(() => ok());
    const s = scheduler(graph, { writesPerWindow: 3, writeWindowMs: 10_000, windowMarginMs: 0, batching: false });
    const t = track(Array.from({ length: 5 }, (_, i) => s.submit(patch(`u${i}`))));
    await run(100);
    expect(t.done).toBe(3);
    await run(10_000);
    expect(t.done).toBe(5);
    expect(graph.calls[3].at - graph.calls[0].at).toBeGreaterThanOrEqual(10_000);
  });
});

describe("DirectScheduler (the baseline)", () => {
  test("one HTTP request per operation, no budget, answers as they are", async () => {
    const graph = new FakeGraph((op: Op) => (op.path.includes("b") ? status(429) : ok()));
    const s = new DirectScheduler(graph);
    const rs: GraphResponse[] = await Promise.all([
      s.submit(get("a")),
      s.submit(get("b")),
      s.submit(invite("c@contoso.com")),
    ]);
    expect(rs.map((r) => r.status)).toEqual([200, 429, 200]);
    expect(graph.calls).toHaveLength(3);
    expect(s.stats()).toMatchObject({ httpRequests: 3, throttled: 1, batches: 0 });
  });
});
