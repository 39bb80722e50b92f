/** The client-side budgets (pure, time passed in): tables of takes, releases and waits. */
import {
  backoffMs,
  isExtensionRequest,
  resourceUnits,
  retryAfterMs,
  SlidingWindow,
  TokenBucket,
} from "../../src/graph/limits";

type WindowStep = ["take", number, true | number] | ["release", number] | ["used", number, number];

describe("SlidingWindow", () => {
  test.each<[string, number, number, WindowStep[]]>([
    [
      "fills up, then waits for the first release plus the window",
      2,
      1_000,
      [
        ["take", 0, true],
        ["take", 10, true],
        ["take", 20, Infinity],
        ["release", 100],
        ["take", 150, 1_100],
        ["take", 1_099, 1_100],
        ["take", 1_100, true],
        ["take", 1_100, Infinity],
      ],
    ],
    [
      "a slot in flight stays taken however long the answer takes",
      1,
      100,
      [
        ["take", 0, true],
        ["take", 5_000, Infinity],
        ["release", 5_000],
        ["take", 5_099, 5_100],
        ["take", 5_100, true],
      ],
    ],
    [
      "release without a take is ignored",
      1,
      100,
      [
        ["release", 0],
        ["used", 0, 0],
        ["take", 0, true],
        ["used", 50, 1],
      ],
    ],
    [
      "the window starts at the release, so Graph's stamp (between send and answer) has always left it",
      3,
      5_000,
      [
        ["take", 0, true],
        ["take", 0, true],
        ["take", 0, true],
        ["release", 40],
        ["release", 60],
        ["release", 300],
        ["take", 5_000, 5_040],
        ["take", 5_040, true],
        ["take", 5_059, 5_060],
        ["take", 5_060, true],
        ["used", 5_299, 3],
        ["used", 5_300, 2],
      ],
    ],
    [
      "out-of-order release times never make the stamps go backwards",
      2,
      100,
      [
        ["take", 0, true],
        ["take", 0, true],
        ["release", 50],
        ["release", 40],
        ["used", 149, 2],
        ["used", 150, 0],
      ],
    ],
  ])("%s", (_name, limit, windowMs, steps) => {
    const w = new SlidingWindow(limit, windowMs);
    for (const step of steps) {
      if (step[0] === "take") expect([step, w.tryTake(step[1])]).toEqual([step, step[2]]);
      else if (step[0] === "release") w.release(step[1]);
      else expect([step, w.used(step[1])]).toEqual([step, step[2]]);
    }
  });

  test("150 per 5 s: 1,000 takes released at once need 6 more windows", () => {
    const w = new SlidingWindow(150, 5_000);
    let now = 0;
    let sent = 0;
    while (sent < 1_000) {
      let n = 0;
      while (sent < 1_000 && w.tryTake(now) === true) {
        n++;
        sent++;
      }
      for (let i = 0; i < n; i++) w.release(now);
      if (sent < 1_000) now = w.tryTake(now) as number;
    }
    expect(now).toBe(30_000);
  });

  test("survives many windows (internal compaction)", () => {
    const w = new SlidingWindow(5, 10);
    for (let t = 0; t < 50_000; t += 10) {
      for (let i = 0; i < 5; i++) expect(w.tryTake(t)).toBe(true);
      expect(w.tryTake(t)).toBe(Infinity);
      for (let i = 0; i < 5; i++) w.release(t);
    }
    expect(w.used(1_000_000)).toBe(0);
  });

  test("rejects nonsense limits", () => {
    expect(() => new SlidingWindow(0, 10)).toThrow(/limit/);
    expect(() => new SlidingWindow(1, 0)).toThrow(/windowMs/);
  });
});

type BucketStep =
  | ["take", number, number, true | number]
  | ["available", number, number]
  | ["adjust", number, number]
  | ["observe", number, number]
  | ["drain", number];

describe("TokenBucket", () => {
  test.each<[string, number, number, BucketStep[]]>([
    [
      "starts full, refills continuously, says when enough will be there",
      100,
      1_000,
      [
        ["take", 60, 0, true],
        ["take", 40, 0, true],
        ["take", 1, 0, 10],
        ["available", 500, 50],
        ["take", 60, 500, 600],
        ["take", 50, 500, true],
        ["available", 10_000, 100],
      ],
    ],
    [
      "a cost above the capacity waits for a full bucket instead of forever",
      10,
      1_000,
      [
        ["take", 5, 0, true],
        ["take", 25, 0, 500],
        ["take", 25, 500, true],
        ["available", 500, 0],
      ],
    ],
    [
      "Graph's x-ms-resource-unit corrects what was taken",
      100,
      1_000,
      [
        ["take", 1, 0, true],
        ["adjust", 4, 0],
        ["available", 0, 95],
        ["adjust", -200, 0],
        ["available", 0, 100],
      ],
    ],
    [
      "x-ms-throttle-limit-percentage never lets the bucket believe in more than Graph has left",
      3_500,
      10_000,
      [
        ["observe", 0.9, 0],
        ["available", 0, 350],
        ["observe", 0.5, 0],
        ["available", 0, 350],
        ["observe", 1.3, 0],
        ["available", 0, 0],
        ["take", 1, 0, 3],
      ],
    ],
    [
      "a reserve is never taken: what Graph counts later than we do still finds units",
      100,
      1_000,
      [
        ["take", 90, 0, true],
        ["available", 0, 0],
        ["take", 1, 0, 10],
        ["take", 1, 10, true],
        ["take", 500, 10, 910],
      ],
    ],
    [
      "a 429 for resource units drains it",
      100,
      1_000,
      [
        ["drain", 0],
        ["take", 10, 0, 100],
        ["take", 10, 100, true],
      ],
    ],
  ])("%s", (name, capacity, periodMs, steps) => {
    const b = new TokenBucket(capacity, periodMs, 0, name.startsWith("a reserve") ? 10 : 0);
    for (const s of steps) {
      switch (s[0]) {
        case "take":
          expect([s, b.tryTake(s[1], s[2])]).toEqual([s, s[3]]);
          break;
        case "available":
          expect([s, Math.round(b.available(s[1]))]).toEqual([s, s[2]]);
          break;
        case "adjust":
          b.adjust(s[1], s[2]);
          break;
        case "observe":
          b.observeUsage(s[1], s[2]);
          break;
        case "drain":
          b.drain(s[1]);
          break;
      }
    }
  });

  test("rejects nonsense", () => {
    expect(() => new TokenBucket(0, 10)).toThrow();
    expect(() => new TokenBucket(10, -1)).toThrow();
    expect(() => new TokenBucket(10, 1_000, 0, 10)).toThrow(/reserve/);
  });
});

describe("backoffMs: exponential from 400 ms, capped at 20 s, jitter between half and all of it", () => {
  test.each([
    [1, 0, 200],
    [1, 1, 400],
    [1, 0.5, 300],
    [2, 0, 400],
    [2, 1, 800],
    [3, 1, 1_600],
    [6, 1, 12_800],
    [7, 1, 20_000],
    [7, 0, 10_000],
    [50, 1, 20_000],
    [1_000, 0.5, 15_000],
    [0, 1, 400],
  ])("attempt %d, random %d → %d ms", (attempt, r, ms) => {
    expect(backoffMs(attempt, () => r)).toBe(ms);
  });

  test("custom base and cap", () => {
    expect(backoffMs(3, () => 1, 100, 250)).toBe(250);
    expect(backoffMs(2, () => 0, 100, 1_000)).toBe(100);
  });
});

describe("retryAfterMs", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");
  test.each<[string | null | undefined, number | undefined]>([
    ["5", 5_000],
    ["0", 0],
    ["1.5", 1_500],
    [" 2 ", 2_000],
    ["-3", 0],
    ["Wed, 01 Jan 2025 00:00:10 GMT", 10_000],
    ["Tue, 31 Dec 2024 23:59:00 GMT", 0],
    ["soon", undefined],
    ["", undefined],
    [" ", undefined],
    [undefined, undefined],
    [null, undefined],
  ])("%p → %p", (value, ms) => {
    expect(retryAfterMs(value, now)).toBe(ms);
  });
});

describe("resourceUnits (throttling-limits, identity and access)", () => {
  test.each<[string, string, number]>([
    ["GET", "/users", 2],
    ["GET", "/users/u1", 1],
    ["GET", "/users/u1?$select=id&$expand=extensions", 1],
    ["GET", "/users/u1?$select=id,mail", 1],
    ["GET", "/users?$select=id&$top=999", 1],
    ["GET", "/users?$select=id&$expand=extensions&$top=100", 2],
    ["GET", "/users?$filter=x&$select=id&$expand=extensions&$top=10", 1],
    ["GET", "/users?$select=id&$top=5", 1],
    ["GET", "/users?$top=5", 1],
    ["GET", "/users/u1/extensions/com.pulumi.entraInvitation", 1],
    ["GET", "/users/u1/sponsors?$select=id", 1],
    ["GET", "/directory/deletedItems/u1?$select=id", 1],
    ["GET", "/users?%24select=id", 1],
    ["PATCH", "/users/u1", 1],
    ["POST", "/users/u1/extensions", 1],
    ["DELETE", "/users/u1", 1],
  ])("%s %s costs %d", (method, path, cost) => expect(resourceUnits({ method, path })).toBe(cost));
});

describe("isExtensionRequest (455 per 10 s)", () => {
  test.each<[string, boolean]>([
    ["/users/u1/extensions", true],
    ["/users/u1/extensions/com.pulumi.entraInvitation", true],
    ["/users?$select=id&$expand=extensions", true],
    ["/users/u1?$expand=extensions", true],
    ["/users?$expand=sponsors", false],
    ["/users/u1", false],
  ])("%s: %s", (path, expected) => expect(isExtensionRequest({ path })).toBe(expected));
});
