/**
 * Interrupted runs with the real engine (issue 7): a `pulumi up` (CLI, program and dynamic-provider
 * plugin) is killed at a random point, the lock is released (`pulumi cancel`), and `up` runs again,
 * as a pipeline retries a failed step. Each round changes the program first (guests added, removed,
 * renamed, moved to a new address, their triggers changed) so that kills land in creates, updates,
 * replacements and deletes.
 *
 * Convergence after each round: every guest of the program is in state exactly once and is the one
 * live user carrying its address; no second user for an address; no user left behind except guests
 * the stack retains by policy (adopted ones); a guest the stack already had keeps its object id.
 * The rerun is `up`; only if that fails, `up --refresh` (at most 2 reruns).
 *
 * Kill points: after a random delay, or once the emulator has seen k Graph requests of this run;
 * the whole process tree, or (every third round) the plugin process alone.
 * Quick mode: 3 rounds; long mode (INTERRUPT_RUNS=25 or scripts/soak.js): 25.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { providerEnv, RunningEmulator, RunResult, startEmulator, StateResource, TestStack } from "../../src/testing";
import {
  auditDirectory,
  censusOf,
  describeInstalled,
  HeldGuest,
  INTERRUPT_RUNS,
  killTree,
  LONG,
  notEndedByPolicy,
  processTree,
  prng,
  SecretScanner,
  SEED,
  sleep,
  writeFigures,
} from "./harness";

jest.setTimeout(LONG ? 3_600_000 : 400_000);

const INVITATION = "pulumi-nodejs:dynamic/entra:Invitation";
const REDIRECT = "https://myapps.microsoft.com";
const PROGRAM = `
const fs = require("fs");
const path = require("path");
const { Invitation } = require("pulumi-entra-invitation");
const guests = JSON.parse(fs.readFileSync(path.join(__dirname, "guests.json"), "utf8"));
const out = {};
for (const { name, ...args } of guests) {
  const inv = new Invitation(name, args);
  out[name] = { userId: inv.userId, adopted: inv.adopted };
}
module.exports = { guests: out };
`;

interface Guest {
  name: string;
  invitedUserEmailAddress: string;
  inviteRedirectUrl: string;
  invitedUserDisplayName?: string;
  triggers?: Record<string, unknown>;
  onDelete?: "delete" | "disable" | "retain";
}

interface Round {
  round: number;
  changes: string[];
  kill: string;
  /** Ms after the start of `up` when the kill happened. */
  killedAfterMs: number;
  /** Graph requests of the killed run (before the kill). */
  graphRequestsBeforeKill: number;
  /** Writes the killed run got through. */
  writesBeforeKill: number;
  /** Every attempt's run finished before the kill came (3 attempts per round). */
  missed: boolean;
  attempts: number;
  /**
   * The kill damaged the local (file) backend's checkpoint: an empty `<stack>.json.attrs` sidecar,
   * after which every command fails "failed to load checkpoint: EOF". Repaired as an operator would
   * (removing the empty sidecar; the checkpoint itself is intact) and reported.
   */
  backendRepair?: string;
  /** Reruns needed (1 = plain `up` converged). */
  reruns: number;
  rerunSummaries: (Record<string, number> | undefined)[];
  /** Guests adopted by the rerun (their create found the user the killed run made or moved). */
  adoptedByRerun: string[];
  converged: boolean;
  problems: string;
  seconds: number;
}

const inScope = (u: { mail: string | null; otherMails: string[] }): boolean =>
  [u.mail, ...u.otherMails].some((m) => !!m && m.endsWith(".kill.example"));

describeInstalled(`interrupted runs: ${INTERRUPT_RUNS} killed \`up\`s with the real engine`, () => {
  let emu: RunningEmulator;
  let stack: TestStack;
  let scanner: SecretScanner;
  const rand = prng(SEED);
  let guests: Guest[] = [];
  let nextGuest = 0;
  const rounds: Round[] = [];
  /** Ids of the last converged state, by guest name. */
  let lastIds = new Map<string, string>();
  /** Users the stack retains by policy after they left it (adopted guests): not orphans. */
  const retained = new Set<string>();
  /** Users of guests removed from the program with onDelete "disable": must be live and disabled. */
  const disabledOnRemoval = new Set<string>();
  const started = Date.now();

  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

  function newGuest(): Guest {
    const i = nextGuest++;
    const g: Guest = {
      name: `k${i}`,
      invitedUserEmailAddress: `guest${i}@p${i % 3}.kill.example`,
      inviteRedirectUrl: REDIRECT,
      invitedUserDisplayName: `Guest ${i}`,
    };
    if (i % 5 === 3) g.onDelete = "disable";
    return g;
  }

  function write(): void {
    stack.writeFile("guests.json", JSON.stringify(guests, null, 2));
  }

  function invitations(): StateResource[] {
    return (stack.exportState().deployment.resources ?? []).filter((r) => r.type === INVITATION && !r.delete);
  }

  function held(): HeldGuest[] {
    const byName = new Map(invitations().map((r) => [r.urn.split("::").pop()!, r]));
    return guests.map((g) => {
      const r = byName.get(g.name);
      return {
        name: g.name,
        id: r?.id,
        email: g.invitedUserEmailAddress,
        onDelete: g.onDelete ?? "delete",
        adopted: r?.outputs?.adopted === true,
      };
    });
  }

  function scan(where: string, r: RunResult): void {
    scanner.scan(`${where}: CLI stdout`, r.stdout);
    scanner.scan(`${where}: CLI stderr`, r.stderr);
    scanner.scan(`${where}: error`, r.error);
    scanner.scanJson(`${where}: state at rest`, stack.exportState());
  }

  /** Audit: program guests exactly once, no orphans beyond retained ones, ids stable. */
  function audit(): string {
    const h = held();
    const a = auditDirectory(emu, h, inScope);
    const users = new Map(emu.users().map((u) => [u.id, u]));
    const orphans = a.orphans.filter((o) => {
      const id = o.split(" ")[0];
      if (retained.has(id)) return false;
      return !(disabledOnRemoval.has(id) && users.get(id)?.accountEnabled === false);
    });
    const moved = h
      .filter((g) => lastIds.has(g.name) && g.id !== lastIds.get(g.name))
      .map((g) => `${g.name}: ${lastIds.get(g.name)} → ${g.id}`);
    const problems = [
      a.lost.length ? `lost: ${a.lost.join("; ")}` : "",
      a.duplicated.length ? `duplicated: ${a.duplicated.join("; ")}` : "",
      orphans.length ? `orphans: ${orphans.join("; ")}` : "",
      a.mismatched.length ? `mismatched: ${a.mismatched.join("; ")}` : "",
      moved.length ? `id changed: ${moved.join("; ")}` : "",
    ].filter(Boolean);
    return problems.join("\n");
  }

  /** Remove empty `.attrs` sidecars a kill left in the file backend (see Round.backendRepair). */
  function repairCheckpoint(): string | undefined {
    const dir = path.join(stack.stateDir, ".pulumi", "stacks", stack.stackName);
    if (!fs.existsSync(dir)) return undefined;
    const broken = fs.readdirSync(dir).filter((f) => f.endsWith(".attrs") && fs.statSync(path.join(dir, f)).size === 0);
    for (const f of broken) fs.rmSync(path.join(dir, f));
    return broken.length ? `removed empty ${broken.join(", ")}` : undefined;
  }

  function remember(): void {
    lastIds = new Map(
      held()
        .filter((g) => g.id)
        .map((g) => [g.name, g.id!]),
    );
    for (const r of invitations()) if (r.outputs?.adopted === true && r.id) retained.add(r.id);
  }

  beforeAll(async () => {
    emu = await startEmulator({ latencyMs: { min: 100, max: 400 }, seed: SEED });
    scanner = new SecretScanner(emu.clientSecret);
    stack = new TestStack({
      name: "rel-interrupted",
      program: PROGRAM,
      programFile: "index.js",
      env: providerEnv(emu),
    });
    guests = Array.from({ length: 6 }, newGuest);
    write();
    const r = await stack.up();
    if (!r.ok) throw new Error(`initial up failed: ${r.error}\n${r.stderr}`);
    scan("initial up", r);
    expect(audit()).toBe("");
    remember();
  });

  afterAll(async () => {
    await emu?.close();
    const killed = rounds.filter((r) => !r.missed);
    const file = writeFigures("interrupted-runs", {
      rounds: rounds.length,
      killedMidRun: killed.length,
      converged: rounds.filter((r) => r.converged).length,
      convergedWithPlainUp: rounds.filter((r) => r.converged && r.reruns === 1).length,
      neededUpRefresh: rounds.filter((r) => r.reruns === 2).length,
      backendRepairs: rounds.filter((r) => r.backendRepair).length,
      adoptedByRerun: rounds.reduce((n, r) => n + r.adoptedByRerun.length, 0),
      retainedAfterLeaving: retained.size,
      secretHits: scanner?.hits.length ?? 0,
      secretScans: scanner?.scanned ?? 0,
      seconds: (Date.now() - started) / 1000,
      rounds_: rounds,
    });
    process.stdout.write(`interrupted runs figures: ${file}\n`);
    if (process.env.E2E_KEEP !== "1") stack?.dispose();
  });

  /** Change the program: some of add, remove, rename, move (email), re-trigger. */
  function mutate(round: number): string[] {
    const changes: string[] = [];
    const stable = guests.filter((g) => lastIds.has(g.name));
    if (guests.length < 10 || rand() < 0.5) {
      const g = newGuest();
      guests.push(g);
      changes.push(`add ${g.name}`);
    }
    if (guests.length > 4 && stable.length > 0 && rand() < 0.6) {
      const g = pick(stable);
      guests = guests.filter((x) => x !== g);
      if (g.onDelete === "disable") disabledOnRemoval.add(lastIds.get(g.name)!);
      changes.push(`remove ${g.name}${g.onDelete ? ` (onDelete: ${g.onDelete})` : ""}`);
    }
    const live = guests.filter((g) => lastIds.has(g.name));
    if (live.length) {
      const g = pick(live);
      g.invitedUserDisplayName = `Guest ${g.name} r${round}`;
      changes.push(`rename ${g.name}`);
    }
    if (live.length) {
      const g = pick(live);
      g.invitedUserEmailAddress = g.invitedUserEmailAddress.replace(/^([^@.]+)(?:\.r\d+)?@/, `$1.r${round}@`);
      changes.push(`move ${g.name}`);
    }
    if (live.length && rand() < 0.5) {
      const g = pick(live);
      g.triggers = { round };
      changes.push(`re-trigger ${g.name}`);
    }
    return changes;
  }

  const roundsToRun = Array.from({ length: INTERRUPT_RUNS }, (_, i) => i + 1);
  test.each(roundsToRun)("round %i: killed up, cancel, rerun: converged", async (round) => {
    const t0 = Date.now();
    const pluginOnly = round % 3 === 0;
    const byRequests = round % 2 === 0;
    const changes: string[] = [];
    let kill = "";
    let killedAt = 0;
    let killed: RunResult | undefined;
    let before = censusOf([]);
    let attempts = 0;
    // A run that finishes before the kill lands (a miss) is checked, then the round tries again with
    // new changes and an earlier kill point (at most 3 attempts).
    for (let scale = 1; attempts < 3; scale /= 2) {
      attempts++;
      changes.push(...mutate(round));
      write();
      emu.clearRequests();
      // Graph requests this round will make, roughly: a few per change; the kill lands inside them.
      const expected = Math.max(2, Math.round(changes.length * 2 * scale));
      const k = 1 + Math.floor(rand() * expected);
      const delayMs = Math.floor(rand() * 1_000 * scale);
      let pid = 0;
      let done = false;
      const run = stack.up({ onSpawn: (p) => (pid = p) }).then((r) => ((done = true), r));
      const graphRequests = (): number => emu.requests().filter((r) => !r.path.includes("/oauth2/")).length;
      // The engine reaches the provider a second or two after the CLI starts: count from its first request.
      let firstAt = 0;
      for (const deadline = Date.now() + 60_000; !done && Date.now() < deadline;) {
        const n = graphRequests();
        if (n > 0 && !firstAt) firstAt = Date.now();
        const due = firstAt > 0 && (byRequests ? n >= k : Date.now() - firstAt >= delayMs);
        if (due && pid) {
          const victims = pluginOnly
            ? processTree(pid).filter((p) => /dynamic-provider|pulumi-resource-pulumi-nodejs/.test(p.command))
            : [];
          if (pluginOnly && victims.length === 0) {
            await sleep(5);
            continue;
          }
          kill = `${pluginOnly ? "plugin process" : "process tree"} ${byRequests ? `after ${k} Graph requests` : `${delayMs} ms after the first Graph request`}`;
          killedAt = Date.now() - t0;
          if (pluginOnly) for (const v of victims) killTree(v.pid);
          else killTree(pid);
          break;
        }
        await sleep(5);
      }
      killed = await run;
      before = censusOf(emu.requests());
      scan(`round ${round} attempt ${attempts}`, killed);
      if (!killed.ok) break;
      // Missed: the run completed; it must have converged on its own.
      expect(audit()).toBe("");
      remember();
      kill = "";
    }
    const missed = killed!.ok;
    const backendRepair = repairCheckpoint();

    const cancel = await stack.cancel();
    scan(`round ${round} cancel`, cancel);
    const summaries: (Record<string, number> | undefined)[] = [];
    let reruns = 0;
    let last: RunResult | undefined;
    for (const refresh of [false, true]) {
      reruns++;
      last = await stack.up({ refresh });
      scan(`round ${round} rerun ${reruns}`, last);
      summaries.push(last.summary);
      if (last.ok) break;
    }
    const prevAdopted = new Set(retained);
    const adoptedByRerun = invitations()
      .filter((r) => r.outputs?.adopted === true && r.id && !prevAdopted.has(r.id))
      .map((r) => r.urn.split("::").pop()!);
    for (const r of invitations()) if (r.outputs?.adopted === true && r.id) retained.add(r.id);
    const problems = last?.ok ? audit() : `rerun failed: ${last?.error}`;
    const rec: Round = {
      round,
      changes,
      kill,
      killedAfterMs: killedAt,
      graphRequestsBeforeKill: before.requests,
      writesBeforeKill: Object.values(before.writes).reduce((a, b) => a + b, 0),
      missed,
      attempts,
      backendRepair,
      reruns,
      rerunSummaries: summaries,
      adoptedByRerun,
      converged: problems === "",
      problems,
      seconds: (Date.now() - t0) / 1000,
    };
    rounds.push(rec);
    process.stdout.write(
      `interrupted round ${round}: ${JSON.stringify({ changes, attempts, kill, killedAt, missed, backendRepair, writes: rec.writesBeforeKill, reruns, summaries, adoptedByRerun, problems })}\n`,
    );
    expect(scanner.hits).toEqual([]);
    expect(problems).toBe("");
    remember();
    // Converged means settled: one more `up` changes nothing.
    const again = await stack.up();
    scan(`round ${round} settle`, again);
    expect(again.ok).toBe(true);
    expect(Object.keys(again.summary ?? {}).filter((k2) => k2 !== "same")).toEqual([]);
  });

  test("destroy after the rounds: guests deleted or disabled by policy, adopted ones kept", async () => {
    const before = held();
    const d = await stack.destroy();
    scan("destroy", d);
    expect(d.ok).toBe(true);
    expect(notEndedByPolicy(emu, before)).toEqual([]);
    const allowed = new Set([
      ...before.filter((g) => g.onDelete !== "delete" || g.adopted).map((g) => g.id),
      ...retained,
      ...disabledOnRemoval,
    ]);
    const left = emu
      .users()
      .filter(inScope)
      .filter((u) => !allowed.has(u.id));
    expect(left.map((u) => u.mail)).toEqual([]);
    expect(scanner.hits).toEqual([]);
  });
});
