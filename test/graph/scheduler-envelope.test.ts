/**
 * The scheduler and Graph's documents on batches and extensions (issue 17): a `$batch` item is
 * settled from its own sub-response whatever the envelope's status when `responses` is there; an
 * envelope 424 without `responses` is retried; open-extension requests stay within 455 per 10 s.
 */
import { GraphRequest } from "../../src/graph/scheduler";
import { FakeGraph, get, ok, run, scheduler, status, useFakeClock } from "./fake-graph";

useFakeClock();

const ext = (id: string): GraphRequest => ({
  method: "GET",
  path: `/users/${id}/extensions/com.pulumi.entraInvitation`,
  lane: "users",
});

describe("batch envelopes", () => {
  test.each<[string, number]>([
    ["200 (json-batching)", 200],
    ["424 (throttling: a batch can fail 424)", 424],
    ["500", 500],
  ])(
    "an envelope %s that carries responses: each item settles from its own sub-response, nothing re-sent",
    async (_n, envelope) => {
      const graph = new FakeGraph();
      const real = graph.send.bind(graph);
      graph.send = async (req) => {
        const res = await real(req);
        if (req.path !== "/$batch") return res;
        const body = res.body as { responses: { id: string; status: number; body?: unknown }[] };
        body.responses[0] = {
          id: body.responses[0].id,
          status: 404,
          body: { error: { code: "Request_ResourceNotFound", message: "gone" } },
        };
        return { ...res, status: envelope };
      };
      const s = scheduler(graph);
      const answers = await Promise.all([run(10).then(() => undefined), s.submit(get("a")), s.submit(get("b"))]).then(
        ([, ...rest]) => rest,
      );
      expect(answers.map((a) => a!.status).sort()).toEqual([200, 404]);
      expect(graph.calls).toHaveLength(1);
    },
  );

  test("an envelope 424 without responses: every item is retried, then answered", async () => {
    const graph = new FakeGraph();
    const real = graph.send.bind(graph);
    let failFirst = true;
    graph.send = async (req) => {
      if (failFirst && req.path === "/$batch") {
        failFirst = false;
        return { ...status(424) };
      }
      return real(req);
    };
    const s = scheduler(graph);
    const ps = [s.submit(get("a")), s.submit(get("b"))];
    await run(5_000);
    expect((await Promise.all(ps)).map((r) => r.status)).toEqual([200, 200]);
    expect(s.stats().retries).toBe(2);
  });

  test("a single request answered 424 (no envelope) is not retried", async () => {
    const graph = new FakeGraph(() => status(424));
    const s = scheduler(graph, { batching: false });
    const p = s.submit(get("a"));
    await run(5_000);
    expect((await p).status).toBe(424);
    expect(graph.calls).toHaveLength(1);
  });
});

describe("open-extension limit: 455 requests per 10 s per app and tenant", () => {
  test("600 extension reads: 455 in the first window, the rest after it; user reads are not held back", async () => {
    const graph = new FakeGraph(() => ok({}));
    const s = scheduler(graph, { batching: false, maxConcurrency: 1_000, resourceUnits: 100_000 });
    const exts = Array.from({ length: 600 }, (_, i) => s.submit(ext(`u${i}`)));
    const users = Array.from({ length: 10 }, (_, i) => s.submit(get(`v${i}`)));
    await run(100);
    const sent = () => graph.calls.filter((c) => c.path.includes("/extensions")).length;
    expect(sent()).toBe(455);
    expect(graph.calls.filter((c) => !c.path.includes("/extensions"))).toHaveLength(10);
    await Promise.all(users);
    await run(10_100);
    expect(sent()).toBe(600);
    await Promise.all(exts);
  });
});
