/**
 * Fault soak (issue 7): N guests through up → change → refresh → replace → destroy over the SDK's
 * dynamic-provider gRPC server (the engine's path to the provider, in the engine's call order),
 * against an emulator that injects 429, 503, 504, connection resets, "commit then drop" and
 * replication lag. After every phase the emulator's directory (deleted users included) is compared
 * with the state the engine would hold: every guest exactly once, no orphan, no duplicate, nobody
 * deleted who should stay, the same object id across a replacement.
 *
 * Convergence: a step may fail under faults only if the engine's next run repairs it. A phase is
 * re-driven as the engine's next `up` (or `refresh`) would be, in a new plugin process, at most 3
 * times; then nothing may be lost, duplicated or orphaned, and every step must have succeeded.
 *
 * Quick mode (npm test): 40 guests. Long mode: SOAK_GUESTS=300 or `node scripts/soak.js`.
 */
import {
  providerConfig,
  providerEnv,
  RunningEmulator,
  serializedInvitationProvider,
  startEmulator,
} from "../../src/testing";
import { GrpcEngine, StepRecord, tally } from "./grpc-engine";
import {
  auditDirectory,
  censusOf,
  describeInstalled,
  HeldGuest,
  LogCensus,
  LONG,
  notEndedByPolicy,
  PKG_DIR,
  SecretScanner,
  SEED,
  SOAK_GUESTS,
  writeFigures,
} from "./harness";

jest.setTimeout(LONG ? 3_600_000 : 300_000);

/** The fault mix: about 11% of Graph requests fail (plus replication lag on every new user). */
export const SOAK_FAULTS = { "429": 0.01, "503": 0.05, "504": 0.02, reset: 0.01, drop: 0.02 } as const;
const FAULTS = Object.entries(SOAK_FAULTS)
  .map(([k, v]) => `${k}=${v}`)
  .join(",");
const LAG_MS = 3_000;
const MAX_REDRIVES = 3;
const REDIRECT = "https://myapps.microsoft.com";

type Args = Record<string, unknown>;

interface PhaseFigures {
  phase: string;
  seconds: number;
  /** Steps of the first run, by op. */
  steps: Record<string, number>;
  /** Steps that failed in the first run (each repaired by a re-drive). */
  failedFirstRun: Record<string, number>;
  /** Why they failed (ids and addresses masked). */
  failureReasons: Record<string, number>;
  /** Runs after the first (engine's next up / refresh). */
  redrives: number;
  stillFailing: number;
  graph: LogCensus;
  lost: number;
  duplicated: number;
  orphans: number;
  mismatched: number;
}

const inScope = (u: { mail: string | null; otherMails: string[] }): boolean =>
  [u.mail, ...u.otherMails].some((m) => !!m && m.endsWith(".soak.example"));
const pad = (i: number): string => String(i).padStart(3, "0");

function baseGuest(i: number): Args {
  const g: Args = {
    invitedUserEmailAddress: `guest${pad(i)}@p${i % 7}.soak.example`,
    inviteRedirectUrl: REDIRECT,
    invitedUserDisplayName: `Guest ${pad(i)}`,
  };
  if (i % 4 === 0) g.userProperties = { companyName: `Partner ${i % 7}` };
  if (i % 10 === 3) g.onDelete = "disable";
  if (i % 10 === 7) g.onDelete = "retain";
  return g;
}

describeInstalled(`fault soak: ${SOAK_GUESTS} guests, faults ${FAULTS}, replication lag ${LAG_MS} ms`, () => {
  let emu: RunningEmulator;
  let engine: GrpcEngine;
  let scanner: SecretScanner;
  let program: Map<string, Args>;
  const phases: PhaseFigures[] = [];
  const idsAfterUp = new Map<string, string>();
  let adoptedAfterFailure: string[] = [];
  const started = Date.now();

  beforeAll(async () => {
    emu = await startEmulator({ faults: FAULTS, replicationLagMs: LAG_MS, seed: SEED });
    const { provider } = serializedInvitationProvider(PKG_DIR);
    // Credentials come through stack config (Configure), not the environment: the engine's way.
    const env = {
      ...process.env,
      ARM_CLIENT_SECRET: "",
      ARM_CLIENT_ID: "",
      ARM_TENANT_ID: "",
      ENTRA_GRAPH_ENDPOINT: "",
      NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? providerEnv(emu).NODE_EXTRA_CA_CERTS,
    };
    engine = new GrpcEngine({
      pkgDir: PKG_DIR,
      env,
      provider,
      config: providerConfig(emu),
    });
    scanner = new SecretScanner(emu.clientSecret);
    program = new Map(Array.from({ length: SOAK_GUESTS }, (_, i) => [`g${pad(i)}`, baseGuest(i)]));
  });

  afterAll(async () => {
    await emu?.close();
    if (!phases.length) return;
    const total = (k: "lost" | "duplicated" | "orphans" | "mismatched"): number => phases.reduce((n, p) => n + p[k], 0);
    const sum = (f: (c: LogCensus) => number): number => phases.reduce((n, p) => n + f(p.graph), 0);
    const file = writeFigures("fault-soak", {
      guests: SOAK_GUESTS,
      faults: SOAK_FAULTS,
      replicationLagMs: LAG_MS,
      seconds: (Date.now() - started) / 1000,
      deployments: engine.deployments,
      grpcCalls: engine.calls,
      graphRequests: sum((c) => c.requests),
      faultsInjected: phases.reduce(
        (acc, p) => {
          for (const [k, v] of Object.entries(p.graph.faults)) acc[k] = (acc[k] ?? 0) + v;
          return acc;
        },
        {} as Record<string, number>,
      ),
      retries: sum((c) => c.retries),
      failedStepsFirstRun: phases.reduce((n, p) => n + Object.values(p.failedFirstRun).reduce((a, b) => a + b, 0), 0),
      stillFailing: phases.reduce((n, p) => n + p.stillFailing, 0),
      lost: total("lost"),
      duplicated: total("duplicated"),
      orphans: total("orphans"),
      mismatched: total("mismatched"),
      adoptedAfterFailure: adoptedAfterFailure.length,
      secretHits: scanner.hits.length,
      secretScans: scanner.scanned,
      phases,
    });
    process.stdout.write(`fault soak figures: ${file}\n`);
  });

  /** The guests the stack should hold, as the engine holds them. */
  function held(): HeldGuest[] {
    return [...program.entries()].map(([name, args]) => {
      const st = engine.state.get(name);
      return {
        name,
        id: st?.id,
        email: String(args.invitedUserEmailAddress),
        onDelete: (args.onDelete as HeldGuest["onDelete"]) ?? "delete",
        adopted: st?.outputs.adopted === true,
      };
    });
  }

  /** Run a phase, re-drive failures like the engine's next run, audit, record the figures. */
  async function phase(name: string, run: () => Promise<StepRecord[]>, audit = true): Promise<PhaseFigures> {
    emu.clearRequests();
    const t0 = Date.now();
    const first = await run();
    let last = first;
    let redrives = 0;
    while (last.some((r) => !r.ok) && redrives < MAX_REDRIVES) {
      redrives++;
      last = await run();
    }
    const t = tally(first);
    const graph = censusOf(emu.requests());
    const a = audit
      ? auditDirectory(emu, held(), inScope)
      : { lost: [], duplicated: [], orphans: [], mismatched: [], summary: "" };
    const fig: PhaseFigures = {
      phase: name,
      seconds: (Date.now() - t0) / 1000,
      steps: t.ops,
      failedFirstRun: t.failed,
      failureReasons: t.errors,
      redrives,
      stillFailing: last.filter((r) => !r.ok).length,
      graph,
      lost: a.lost.length,
      duplicated: a.duplicated.length,
      orphans: a.orphans.length,
      mismatched: a.mismatched.length,
    };
    phases.push(fig);
    process.stdout.write(
      `soak ${name}: ${JSON.stringify({ seconds: fig.seconds, steps: fig.steps, failed: fig.failedFirstRun, redrives, faults: graph.faults, retries: graph.retries, requests: graph.requests })}\n`,
    );
    // Secrets: the plugin's stderr, every error a step returned, and the state minus inviteRedeemUrl
    // (the engine encrypts that output: the resource marks it secret).
    for (const line of engine.stderr.splice(0)) scanner.scan(`${name}: plugin stderr`, line);
    for (const e of engine.errors.splice(0)) scanner.scan(`${name}: step error`, e);
    scanner.scanJson(`${name}: state`, [...engine.state.values()], ["inviteRedeemUrl"]);
    expect(scanner.hits).toEqual([]);
    expect(last.filter((r) => !r.ok)).toEqual([]);
    if (audit) {
      expect(a.summary).toBe("directory and state agree");
    }
    return fig;
  }

  test("up: every guest invited exactly once", async () => {
    await phase("up", () => engine.up(program));
    for (const [name, st] of engine.state) idsAfterUp.set(name, st.id);
    expect(idsAfterUp.size).toBe(SOAK_GUESTS);
    expect(new Set(idsAfterUp.values()).size).toBe(SOAK_GUESTS);
    adoptedAfterFailure = [...engine.state.values()].filter((s) => s.outputs.adopted === true).map((s) => s.name);
    // A create retried after "commit then drop" gets the guest it made: not an adoption.
    expect(adoptedAfterFailure).toEqual([]);
  });

  test("change: display names and user properties updated in place, same users", async () => {
    for (const [name, args] of program) {
      const i = Number(name.slice(1));
      if (i % 3 === 0) program.set(name, { ...args, invitedUserDisplayName: `Guest ${pad(i)} (changed)` });
      if (i % 4 === 0)
        program.set(name, {
          ...program.get(name)!,
          userProperties: { companyName: `Partner ${i % 7}`, jobTitle: "Auditor" },
        });
    }
    const fig = await phase("change", () => engine.up(program));
    expect(fig.steps.update).toBe(
      [...program.keys()].filter((n) => Number(n.slice(1)) % 3 === 0 || Number(n.slice(1)) % 4 === 0).length,
    );
    const users = new Map(emu.users().map((u) => [u.id, u]));
    for (const [name, args] of program) {
      const u = users.get(engine.state.get(name)!.id)!;
      expect(u.id).toBe(idsAfterUp.get(name));
      expect(u.displayName).toBe(args.invitedUserDisplayName);
      if (Number(name.slice(1)) % 4 === 0) expect(u.jobTitle).toBe("Auditor");
    }
  });

  test("refresh: redemptions read back, nobody dropped from state", async () => {
    const redeemed = [...program.keys()].filter((n) => Number(n.slice(1)) % 4 === 1);
    for (const n of redeemed) emu.redeem(engine.state.get(n)!.id);
    // The change phase's PATCHes are still replicating for up to LAG_MS: Graph documents that "a
    // recently updated property may not yet be visible", and a refresh read in that window sees the
    // old values as drift (an open limitation of refresh, see docs/safety.md). The refresh here stands
    // for the pipeline's next run, after the window.
    await new Promise((r) => setTimeout(r, LAG_MS));
    await phase("refresh", () => engine.refresh());
    expect(engine.state.size).toBe(SOAK_GUESTS);
    for (const n of redeemed) expect(engine.state.get(n)!.outputs.externalUserState).toBe("Accepted");
    // A refresh leaves nothing to do.
    const again = await engine.up(program);
    expect(again.filter((r) => r.op !== "same")).toEqual([]);
  });

  test("replace: email changes and trigger changes reset the same users", async () => {
    const moved: string[] = [];
    const triggered: string[] = [];
    for (const [name, args] of program) {
      const i = Number(name.slice(1));
      if (i % 5 === 2) {
        program.set(name, { ...args, invitedUserEmailAddress: `guest${pad(i)}@moved.soak.example` });
        moved.push(name);
      } else if (i % 5 === 4) {
        program.set(name, { ...args, triggers: { rotation: 1 } });
        triggered.push(name);
      }
    }
    const fig = await phase("replace", () => engine.up(program));
    expect(fig.steps.replace).toBe(moved.length + triggered.length);
    const users = new Map(emu.users().map((u) => [u.id, u]));
    for (const name of [...moved, ...triggered]) {
      const st = engine.state.get(name)!;
      expect({ name, id: st.id }).toEqual({ name, id: idsAfterUp.get(name) });
      const u = users.get(st.id)!;
      expect(u.mail).toBe(program.get(name)!.invitedUserEmailAddress);
      expect(u.externalUserState).toBe("PendingAcceptance");
    }
    // Nobody deleted by a replacement.
    expect(emu.users({ includeDeleted: true }).filter((u) => u.deletedDateTime && inScope(u))).toEqual([]);
  });

  test("destroy: deleted, disabled or kept as each guest's onDelete says", async () => {
    const before = held();
    program = new Map();
    await phase("destroy", () => engine.up(program), false);
    expect(engine.state.size).toBe(0);
    expect(notEndedByPolicy(emu, before)).toEqual([]);
    // No orphan: every live soak user is one the stack was told to keep (disable/retain).
    const kept = new Set(before.filter((g) => g.onDelete !== "delete" || g.adopted).map((g) => g.id));
    expect(
      emu
        .users()
        .filter(inScope)
        .filter((u) => !kept.has(u.id))
        .map((u) => u.mail),
    ).toEqual([]);
    const fig = phases[phases.length - 1];
    expect(fig.steps.delete).toBe(SOAK_GUESTS);
  });

  test("the secrets scanner finds what it looks for (positive control)", () => {
    const probe = new SecretScanner(emu.clientSecret);
    expect(probe.scan("control", `x ${emu.clientSecret} y`)).toHaveLength(1);
    expect(
      probe.scan(
        "control",
        "Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJodHRwczovL2xvY2FsaG9zdCJ9.c2lnbmF0dXJlc2lnbmF0dXJl",
      ),
    ).toHaveLength(1);
    expect(
      probe.scan(
        "control",
        "https://login.microsoftonline.com/redeem?rd=https%3a%2f%2finvitations.microsoft.com%2fredeem%2f%3ftenant%3dx%26ticket%3dy",
      ).length,
    ).toBeGreaterThan(0);
  });
});
