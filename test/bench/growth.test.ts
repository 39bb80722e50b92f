/**
 * The engine growth study's pure parts: Graph's floor for a step's work, growth between sizes and
 * the fitted curve, the processes whose memory is sampled, which sizes run, and the Markdown report.
 * (Its figures come from `npm run bench -- --engine`, never from a test.)
 */
import * as path from "node:path";
import {
  analyze,
  formProblem,
  holderType,
  type EngineGrowthResult,
  type GrowthRun,
  plan,
} from "../../bench/engine-growth";
import { guestAddress, growthProgram, SHARD_FORM_ARGS } from "../../bench/programs";
import {
  fitLinearQuadratic,
  formatFit,
  graphFloor,
  growthRatios,
  predict,
  requestShapes,
  slidingWindowSeconds,
  tokenBucketSeconds,
  workOf,
} from "../../bench/floors";
import { renderGrowthMarkdown, targetRows, vsFloor } from "../../bench/growth-report";
import { parseArgs } from "../../bench/index";
import { processRole, statusKb } from "../../bench/procmem";
import { meanBreakdown, stateBreakdown } from "../../bench/state-bytes";
import { sdkEntry } from "../../src/sdk";

describe("Graph's floor", () => {
  test.each([
    // n, limit, window ms, seconds
    [0, 150, 5000, 0],
    [1, 150, 5000, 0],
    [150, 150, 5000, 0],
    [151, 150, 5000, 5],
    [300, 150, 5000, 5],
    [10_000, 150, 5000, 330],
    [3000, 3000, 150_000, 0],
    [10_000, 3000, 150_000, 450],
    [1000, 455, 10_000, 20],
  ])("sliding window: %i events at %i per %i ms take %d s", (n, limit, windowMs, seconds) => {
    expect(slidingWindowSeconds(n, limit, windowMs)).toBe(seconds);
  });

  test.each([
    [0, 0],
    [3500, 0],
    [3850, 1],
    [10_000, 18.571],
    [20_000, 47.143],
  ])("token bucket: %i resource units from a full 3,500 per 10 s take %d s", (units, seconds) => {
    expect(tokenBucketSeconds(units, 3500, 10_000)).toBeCloseTo(seconds, 3);
  });

  const e = (method: string, path: string, status = 200) => ({ method, path, status });
  test.each([
    [
      "an invitation",
      [e("POST", "/v1.0/invitations", 201)],
      { invitations: 1, resourceUnits: 0, writes: 0, extensionRequests: 0 },
    ],
    [
      "a throttled invitation takes nothing",
      [e("POST", "/v1.0/invitations", 429)],
      { invitations: 0, resourceUnits: 0, writes: 0, extensionRequests: 0 },
    ],
    [
      "a lookup with $select, $top=2 and extensions (2 − 1 + 1 − 1)",
      [e("GET", "/v1.0/users?$filter=mail%20eq%20'a'&$select=id&$top=2&$expand=extensions")],
      { invitations: 0, resourceUnits: 1, writes: 0, extensionRequests: 1 },
    ],
    [
      "a read by id",
      [e("GET", "/v1.0/users/u1?$select=id,mail")],
      { invitations: 0, resourceUnits: 1, writes: 0, extensionRequests: 0 },
    ],
    [
      "a mark (extension write)",
      [e("POST", "/v1.0/users/u1/extensions", 201)],
      { invitations: 0, resourceUnits: 1, writes: 1, extensionRequests: 1 },
    ],
    [
      "a delete, and its deletedItems purge",
      [e("DELETE", "/v1.0/users/u1", 204), e("DELETE", "/v1.0/directory/deletedItems/u1", 204)],
      { invitations: 0, resourceUnits: 2, writes: 2, extensionRequests: 0 },
    ],
    [
      "the $batch envelope, a token request and a 403 are not work",
      [e("POST", "/v1.0/$batch"), e("POST", "/tenant/oauth2/v2.0/token"), e("GET", "/v1.0/users/u1", 403)],
      { invitations: 0, resourceUnits: 0, writes: 0, extensionRequests: 0 },
    ],
  ])("work: %s", (_name, log, work) => {
    expect(workOf(log)).toEqual(work);
  });

  test("operations by shape: ids and values left out, 429s apart, the $batch envelope not an operation", () => {
    const id = "10000000-0000-4000-8000-000000000001";
    expect(
      requestShapes([
        e("POST", "/v1.0/$batch"),
        e("GET", `/v1.0/users?$filter=mail%20eq%20'a'&$select=id&$top=2&$expand=extensions`),
        e("GET", `/v1.0/users?$filter=mail%20eq%20'b'&$select=id&$top=2&$expand=extensions`, 429),
        e("POST", `/v1.0/users/${id}/extensions`, 201),
        e("POST", "/v1.0/invitations", 201),
      ]),
    ).toEqual({
      "GET /users?$filter&$select&$top&$expand=extensions": 1,
      "GET /users?$filter&$select&$top&$expand=extensions (429)": 1,
      "POST /users/{id}/extensions": 1,
      "POST /invitations": 1,
    });
  });

  test.each([
    [{ invitations: 0, resourceUnits: 0, writes: 0, extensionRequests: 0 }, 0, "none"],
    [{ invitations: 1000, resourceUnits: 1000, writes: 1000, extensionRequests: 1000 }, 30, "invitations"],
    [{ invitations: 10_000, resourceUnits: 20_000, writes: 10_000, extensionRequests: 10_000 }, 450, "writes"],
    [{ invitations: 0, resourceUnits: 20_000, writes: 0, extensionRequests: 0 }, 47.14, "resourceUnits"],
    [{ invitations: 0, resourceUnits: 10_000, writes: 0, extensionRequests: 10_000 }, 210, "extensionRequests"],
  ])("floor of %j is %d s, set by %s", (work, seconds, binding) => {
    const f = graphFloor(work);
    expect(f.seconds).toBe(seconds);
    expect(f.binding).toBe(binding);
  });
});

describe("growth between sizes", () => {
  /** Measured points from `[n, value]` pairs. */
  const points = (...pairs: [number, number][]): { n: number; value: number }[] =>
    pairs.map(([n, value]) => ({ n, value }));

  test.each([
    ["linear", points([1000, 10], [2000, 20]), { ratio: 2, exponent: 1, perDoubling: 2 }],
    ["quadratic", points([1000, 10], [2000, 40]), { ratio: 4, exponent: 2, perDoubling: 4 }],
    ["flat", points([1000, 10], [2000, 10]), { ratio: 1, exponent: 0, perDoubling: 1 }],
    ["2.5 × the guests, 2.5 × the time", points([2000, 20], [5000, 50]), { ratio: 2.5, exponent: 1, perDoubling: 2 }],
    ["unsorted input", points([2000, 40], [1000, 10]), { ratio: 4, exponent: 2, perDoubling: 4 }],
  ])("%s", (_name, measured, expected) => {
    expect(growthRatios(measured)).toEqual([expect.objectContaining(expected)]);
  });

  test("a failed size (no figure) is skipped", () => {
    expect(growthRatios(points([1000, 10], [2000, 0], [4000, 40]))).toEqual([
      expect.objectContaining({ from: 1000, to: 4000, perDoubling: 2 }),
    ]);
  });

  test.each([
    // name, c, a, b, sizes
    ["issue 18's no-op provider", 0, 0.035, 1.09e-4, [250, 500, 1000, 1500]],
    ["a start-up and a quadratic", 6, 0.05, 2e-5, [250, 500, 1000]],
    ["linear with a start-up", 4, 0.2, 0, [100, 200, 400]],
    ["two points, no constant", 0, 0.05, 2e-5, [500, 1000]],
  ])("the fit recovers %s (c + a·N + b·N²)", (_name, c, a, b, sizes) => {
    const fit = fitLinearQuadratic(sizes.map((n) => ({ n, value: c + a * n + b * n * n })))!;
    expect(fit.c).toBeCloseTo(c, 6);
    expect(fit.a).toBeCloseTo(a, 6);
    expect(fit.b).toBeCloseTo(b, 9);
    expect(predict(fit, 10_000)).toBeCloseTo(c + a * 10_000 + b * 1e8, 2);
  });

  test("a figure that grows slower than linear gets no negative term (a start-up plus a line, not a falling parabola)", () => {
    // The no-change up of a loaded run: start-up dominates.
    const fit = fitLinearQuadratic(points([100, 3.6], [200, 4.5], [400, 6.4]))!;
    expect(Math.min(fit.c, fit.a, fit.b)).toBeGreaterThanOrEqual(0);
    expect(predict(fit, 800)).toBeGreaterThan(6.4);
  });

  test.each([
    [[], undefined],
    [points([1000, 10], [1000, 11]), undefined],
  ])("no fit from %j (fewer than two sizes)", (measured, fit) => {
    expect(fitLinearQuadratic(measured)).toBe(fit);
  });

  test.each([
    [{ c: 0, a: 0.035, b: 1.09e-4, points: 4 }, "0.035·N + 1.09e-4·N²"],
    [{ c: 4.2, a: 0.2, b: 0, points: 3 }, "4.2 + 0.2·N"],
    [{ c: 0, a: 0, b: 0, points: 2 }, "0"],
  ])("formatFit(%j) = %s", (fit, text) => {
    expect(formatFit(fit)).toBe(text);
  });
});

describe("the processes of a command", () => {
  test.each([
    ["VmHWM", "Name:\tnode\nVmPeak:\t  999 kB\nVmHWM:\t  524288 kB\nVmRSS:\t  1000 kB\n", 524288],
    ["VmRSS", "VmHWM:\t  524288 kB\nVmRSS:\t  1000 kB\n", 1000],
    ["VmHWM", "Name:\tkthreadd\n", undefined],
  ])("statusKb(%s)", (field, status, kb) => {
    expect(statusKb(status, field)).toBe(kb);
  });

  test.each([
    [`node\0${sdkEntry("plugin")}\x00127.0.0.1:1234\0`, "plugin"],
    [`node\0${path.dirname(sdkEntry("plugin"))}\x00127.0.0.1:1234\0`, "plugin"],
    ["/bin/sh\0/s/node_modules/.bin/pulumi-resource-pulumi-nodejs\0", "plugin"],
    ["/opt/pulumi/bin/pulumi\0up\0--yes\0", "cli"],
    ["/opt/pulumi/bin/pulumi-language-nodejs\x00127.0.0.1:5\0", "language-host"],
    [`node\0${path.dirname(sdkEntry("program"))}\0--monitor\0`, "program"],
    [`node\0${sdkEntry("programPlugin")}\0--monitor\0`, "program"],
    ["node\0/work/bench/index.js\0", "other"],
  ])("%j is the %s", (cmdline, role) => {
    expect(processRole(cmdline)).toBe(role);
  });
});

describe("which sizes run", () => {
  test.each([
    // sizes, per-guest max, per-guest sizes run, per-guest sizes fitted
    [[1000, 2000, 5000, 10_000], 1000, [250, 500, 1000], [2000, 5000, 10_000]],
    [[10_000, 1000, 2000, 1000], 2000, [500, 1000, 2000], [10_000]],
    [[250, 500, 1000, 2000], 1000, [250, 500, 1000], [2000]],
    [[50, 100], 1000, [50, 100], []],
    [[5000], 1000, [250, 500, 1000], [5000]],
  ])("sizes %j, --per-guest-max %i: the per-guest form runs %j and fits %j", (sizes, max, run, fitted) => {
    const p = plan(sizes, ["invitations", "shards"], max);
    expect(p.runs.filter((r) => r.form === "invitations").map((r) => r.guests)).toEqual(run);
    expect(p.skipped.map((s) => [s.form, s.guests])).toEqual(fitted.map((n) => ["invitations", n]));
    expect(p.runs.filter((r) => r.form === "shards").map((r) => r.guests)).toEqual(
      [...new Set(sizes)].sort((a, b) => a - b),
    );
  });

  const INV = "pulumi-nodejs:dynamic/entra:Invitation";
  test.each([
    ["invitations", [INV, INV, INV], undefined],
    ["invitations", [INV, "entra:GuestList"], /planned 1 Invitation resources for 3 guests/],
    ["shards", ["entra:GuestList", "pulumi-nodejs:dynamic/entra:GuestShard"], undefined],
    ["shards", ["entra:GuestList", INV, INV, INV], /no scalable form/],
  ] as const)("form %s planning %j", (form, types, problem) => {
    const p = formProblem(form, 3, [...types]);
    if (problem) expect(p).toMatch(problem);
    else expect(p).toBeUndefined();
  });

  test.each([
    ["invitations", { [INV]: { count: 3, compactBytes: 9000 } }, INV],
    [
      "shards",
      {
        "entra:GuestList": { count: 1, compactBytes: 500 },
        "pulumi-nodejs:dynamic/entra:GuestShard": { count: 16, compactBytes: 90_000 },
        "pulumi-nodejs:dynamic/entra:Other": { count: 1, compactBytes: 100 },
      },
      "pulumi-nodejs:dynamic/entra:GuestShard",
    ],
    ["shards", { "pulumi:pulumi:Stack": { count: 1, compactBytes: 100 } }, INV],
  ] as const)("the resources that hold the guests of form %s", (form, byType, type) => {
    expect(holderType(form, byType)).toBe(type);
  });

  test("the programs: N guests, the scalable form selected by one line", () => {
    expect(growthProgram("invitations", 7, "new")).toContain("new Invitation(");
    const shards = growthProgram("shards", 7, "adopt");
    expect(shards).toContain("{ length: 7 }");
    expect(shards).toContain('"adopt." + i + "@contoso.com"');
    expect(guestAddress("adopt", 7)).toBe("adopt.7@contoso.com");
    expect(shards.split("\n")).toContain(SHARD_FORM_ARGS);
  });
});

describe("the growth report", () => {
  const step = (seconds: number, floor: number, binding = "invitations", invitations = 0) => ({
    ok: true,
    seconds,
    requests: 10,
    operations: 20,
    throttled: 0,
    work: { invitations, resourceUnits: 0, writes: 0, extensionRequests: 0 },
    floor: {
      seconds: floor,
      binding: binding as "invitations",
      byBudget: { invitations: floor, resourceUnits: 0, writes: 0, extensionRequests: 0 },
    },
    memoryMb: { plugin: 180, cli: 400 },
  });
  const run = (form: "invitations" | "shards", guests: number, k: number): GrowthRun => ({
    form,
    guests,
    stateFileBytes: guests * 900,
    stateBytesPerGuest: 900,
    resourcesByType: { "pulumi:pulumi:Stack": 1 },
    pluginPeakMb: 180,
    adopted: guests,
    steps: {
      up: step((k * guests) / 25, guests / 30, "invitations", guests),
      upNoChange: step(k * 2, 0, "none"),
      previewRefresh: step(k * 3, 0, "none"),
      destroy: step(k * 4, 1, "writes"),
      adopt: step(k * 5, 0, "none"),
    },
  });
  const runs = [run("invitations", 100, 1), run("invitations", 200, 4), run("shards", 100, 1), run("shards", 200, 2)];
  const skipped = [
    {
      form: "invitations" as const,
      guests: 1000,
      reason: "above --per-guest-max 200: quadratic in the engine, fitted instead",
    },
  ];
  const result: EngineGrowthResult = {
    kind: "engine-growth",
    latencyMs: 50,
    skipCheckpoints: false,
    perGuestMax: 200,
    sizes: [100, 200, 1000],
    forms: ["invitations", "shards"],
    runs,
    skipped,
    analysis: analyze(runs, skipped),
    machine: { nproc: 2, memoryGB: 23.5, cpu: "x", node: "v20" },
    date: "2026-12-05T00:00:00Z",
    benchSeconds: 100,
  };

  test.each([
    [4, 2, "2.00 ×"],
    [1, 0, "–"],
    [undefined, 3, "–"],
  ])("vsFloor(%p, %p) = %s", (s, f, text) => {
    expect(vsFloor(s, f)).toBe(text);
  });

  test("a row per form, size and step: measured beside the floor and its budget", () => {
    const md = renderGrowthMarkdown(result);
    expect(md).toContain(
      "| one `Invitation` per guest | 200 | pulumi up, N new | 32.0 s | 6.7 s (invitations) | 4.80 × | 10 (20 ops) | 0 | 180 | 400 |",
    );
    expect(md).toContain("| scalable `GuestList` | 100 | pulumi destroy | 4.0 s | 1.0 s (writes) | 4.00 × |");
  });

  test("the Graph work per guest of each step, at the largest size of each form", () => {
    const md = renderGrowthMarkdown(result);
    expect(md).toContain("| scalable `GuestList` | 200 | pulumi up, N new | 1.00 | 0.00 | 0.00 | 0.00 |");
    expect(md).not.toContain("| scalable `GuestList` | 100 | pulumi up, N new | 1.00 |");
  });

  test("one size: no growth rows", () => {
    expect(analyze([run("shards", 100, 1)], [])).toEqual([]);
    expect(renderGrowthMarkdown({ ...result, runs: [run("shards", 100, 1)], analysis: [] })).not.toContain(
      "| growth (time ratio",
    );
  });

  test("the state part by part, per resource and per guest (a shard holds many guests)", () => {
    const breakdown = {
      total: 2000,
      parts: { "engine: stackTrace": 1000, "inputs echoed into outputs": 1000 },
      echoed: ["a"],
      secrets: [],
      computed: [],
    };
    const shard: GrowthRun = {
      ...run("shards", 200, 1),
      stateBreakdown: breakdown,
      breakdownType: "pulumi-nodejs:dynamic/entra:GuestShard",
      breakdownResources: 2,
    };
    const md = renderGrowthMarkdown({ ...result, runs: [shard] });
    expect(md).toContain(
      "scalable `GuestList`: one `GuestShard` in state (2 of them for 200 guests; compact JSON, the mean) is 2,000 bytes, 20 per guest.",
    );
    expect(md).toContain("| engine: stackTrace | 1,000 | 10 | 50 % |");
  });

  test("growth per step, and the fitted curve and projection for the per-guest form", () => {
    const md = renderGrowthMarkdown(result);
    expect(md).toContain("| one `Invitation` per guest | pulumi up, N new | 100 → 200: 8.00 × (8.00 ×) |");
    expect(md).toMatch(/\| one `Invitation` per guest \| pulumi up, N new \| [^|]+ \| [^|]+·N² \| 1,000: [\d,]+ s \|/);
    expect(md).toContain("| scalable `GuestList` | pulumi up, N new | 100 → 200: 4.00 × (4.00 ×) |");
    expect(md).toContain("Not run: invitations 1,000");
  });

  test("issue 18's targets: sizes below 10,000 are shown, not judged; memory and state always", () => {
    const rows = targetRows(result);
    expect(rows).toContain("| scalable `GuestList` | 200 | state ≤ 1 KB per guest | 900 B | met |");
    expect(rows).toContain("| scalable `GuestList` | 200 | adoption ≤ 60 s | 10.0 s | – |");
    expect(rows.find((r) => r.includes("scalable") && r.includes("plugin"))).toContain("| 180 MB | met |");
    expect(rows.some((r) => r.includes("doubling"))).toBe(false);
    expect(renderGrowthMarkdown(result)).toContain("Not run: invitations 1,000: above --per-guest-max 200");
  });

  test.each([
    [
      "10,000 at the targets",
      1,
      ["| scalable `GuestList` | 10,000 | adoption ≤ 60 s | 50.0 s | met |", "worst 2.00 × per doubling"],
    ],
    [
      "10,000 above them",
      2,
      [
        "| scalable `GuestList` | 10,000 | adoption ≤ 60 s | 100.0 s | **not met** |",
        "| scalable `GuestList` | 10,000 | `up` with no changes ≤ 30 s | 40.0 s | **not met** |",
      ],
    ],
  ])("issue 18's targets at %s", (_name, k, expected) => {
    const big = [run("shards", 1000, k), run("shards", 10_000, k)].map((x) => ({
      ...x,
      steps: {
        ...x.steps,
        adopt: step((k * 5 * x.guests) / 1000, 0, "none"),
        upNoChange: step(k * 2 * (x.guests / 1000), 0, "none"),
      },
    }));
    const rows = targetRows({ ...result, runs: big, analysis: analyze(big, []) });
    for (const e of expected) expect(rows.join("\n")).toContain(e);
    expect(rows.find((r) => r.includes("doubling"))).toMatch(/worst 2\.00 × per doubling .* \| met \|$/);
  });
});

describe("parseArgs: the engine study", () => {
  test.each([
    [
      ["--engine", "--sizes", "1000,2000"],
      { engine: true, sizes: [1000, 2000], forms: ["invitations", "shards"], perGuestMax: 1000 },
    ],
    [["--engine", "--forms", "shards", "--per-guest-max=500"], { forms: ["shards"], perGuestMax: 500 }],
  ])("%j", (argv, expected) => {
    expect(parseArgs(argv, { ENTRA_BENCH_PACKAGE_DIR: "/pkg" })).toMatchObject(expected);
  });

  test("an unknown form is refused", () => {
    expect(() => parseArgs(["--forms", "invitations,lists"], { ENTRA_BENCH_PACKAGE_DIR: "/pkg" })).toThrow(
      /--forms takes invitations, shards, not 'lists'/,
    );
  });
});

describe("where a resource's state bytes go", () => {
  const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:abc:def" };
  const resource = {
    urn: "urn:pulumi:s::p::pulumi-nodejs:dynamic/entra:Invitation::guest-0",
    custom: true,
    id: "u1",
    type: "pulumi-nodejs:dynamic/entra:Invitation",
    inputs: {
      __provider: "exports.handler = x",
      invitedUserEmailAddress: "a@b.example",
      inviteRedirectUrl: "https://myapps.microsoft.com",
    },
    outputs: {
      __provider: "exports.handler = x",
      invitedUserEmailAddress: "a@b.example",
      inviteRedirectUrl: "https://elsewhere.example",
      userId: "u1",
      inviteRedeemUrl: secret,
    },
    stackTrace: [{ file: "index.ts", line: 3 }],
  };

  test.each([
    ["the full resource", resource],
    ["no outputs", { ...resource, outputs: {} }],
    ["no inputs, no outputs", { urn: "u", inputs: {}, outputs: {} }],
    ["no members at all", {}],
  ])("the parts of %s add up to its compact JSON", (_name, r) => {
    const b = stateBreakdown(r);
    expect(b.total).toBe(Buffer.byteLength(JSON.stringify(r)));
    expect((Object.values(b.parts) as number[]).reduce((n, v) => n + v, 0)).toBe(b.total);
  });

  test("names the echoed inputs (same name, same value) and the encrypted outputs", () => {
    const b = stateBreakdown(resource);
    expect(b.echoed).toEqual(["invitedUserEmailAddress"]);
    expect(b.secrets).toEqual(["inviteRedeemUrl"]);
    expect(b.computed).toEqual(["inviteRedirectUrl", "userId"]);
    expect(b.parts["__provider (inputs and outputs)"]).toBe(
      2 * Buffer.byteLength('"__provider":"exports.handler = x",'),
    );
    expect(b.parts["engine: stackTrace"]).toBe(Buffer.byteLength('"stackTrace":[{"file":"index.ts","line":3}],'));
  });

  test("the mean over resources, part by part", () => {
    const a = stateBreakdown(resource);
    const m = meanBreakdown([a, a])!;
    expect(m).toEqual(a);
    expect(meanBreakdown([])).toBeUndefined();
  });
});
