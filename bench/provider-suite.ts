/**
 * The provider part of the benchmark: N guests through the SDK's dynamic-provider gRPC server (the
 * process the engine starts for dynamic resources, running the package as installed), every
 * resource's call at once: the engine with `--parallel` at least N (its default is 4 per CPU).
 *
 * Phases: create (Check + Create), refresh (Read), no-change diff (Check + Diff, which needs no
 * Graph call at all), destroy (Delete).
 */
import type { RunningEmulator } from "../src/emulator";
import { invitationUrn } from "../src/testing/provider-server";
import { GrpcPlugin } from "./grpc";
import { providerEnv } from "../src/testing/graph-admin";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import { phase, PhaseResult, round, summarizeLog } from "./measure";

export type Lifecycle = "create" | "refresh" | "diff" | "destroy";

export interface Guest {
  urn: string;
  inputs: Record<string, unknown>;
  id?: string;
  props?: Record<string, unknown>;
}

export interface PluginOptions {
  /** The folder the package is installed in (the engine starts the plugin in the program's folder). */
  pkgDir: string;
  emu: RunningEmulator;
  /** `off`: the baseline, one Graph call per operation with the Graph client's default retries. */
  scheduler: "on" | "off";
  /** Use another app registration of the tenant (its own resource-unit budget, as another pipeline would). */
  app?: { clientId: string; clientSecret: string };
  extraEnv?: Record<string, string>;
}

/** A plugin process configured the way the engine configures it (Configure with the stack's config). */
export class Plugin {
  private constructor(
    readonly grpc: GrpcPlugin,
    readonly provider: string,
  ) {}

  static async start(o: PluginOptions, provider: string): Promise<Plugin> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...providerEnv(o.emu),
      ENTRA_SCHEDULER: o.scheduler,
      ...(o.extraEnv ?? {}),
    };
    if (o.app) {
      env.ARM_CLIENT_ID = o.app.clientId;
      env.ARM_CLIENT_SECRET = o.app.clientSecret;
    }
    const verbose = process.env.ENTRA_BENCH_VERBOSE;
    const grpc = await GrpcPlugin.start({
      cwd: o.pkgDir,
      env,
      onStderr: (l) => verbose && process.stderr.write(`[plugin ${o.scheduler}] ${l}\n`),
    });
    await grpc.send(grpc.prepare("configure", { args: {} }));
    return new Plugin(grpc, provider);
  }

  /** Check, then Create with the checked inputs: what the engine does for a new resource. */
  async checkAndCreate(g: Guest): Promise<void> {
    const checked = GrpcPlugin.checkResult(
      await this.grpc.send(this.grpc.prepare("check", { urn: g.urn, olds: {}, news: g.inputs })),
    );
    if (checked.failures.length) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
    g.inputs = checked.inputs;
    const created = await this.grpc.send(this.grpc.prepare("create", { urn: g.urn, properties: checked.inputs }));
    g.id = GrpcPlugin.id(created);
    g.props = GrpcPlugin.properties(created);
  }

  /** One Read, not measured: loads the provider module and fetches a token, as any first call does. */
  async warm(g?: Guest): Promise<void> {
    if (g?.id)
      await this.grpc.send(this.grpc.prepare("read", { urn: g.urn, id: g.id, properties: g.props!, inputs: g.inputs }));
    else
      await this.grpc.send(
        this.grpc.prepare("check", {
          urn: invitationUrn("warm-up", "bench", "bench"),
          olds: {},
          news: makeGuests(this.provider, 1, "warm-up")[0].inputs,
        }),
      );
  }

  close(): Promise<void> {
    return this.grpc.close();
  }
}

export function makeGuests(provider: string, n: number, tag: string): Guest[] {
  return Array.from({ length: n }, (_, i) => ({
    urn: invitationUrn(`${tag}-${i}`, "bench", "bench"),
    inputs: {
      __provider: provider,
      invitedUserEmailAddress: `${tag}.${i}@contoso.com`,
      inviteRedirectUrl: "https://myapps.microsoft.com",
      invitedUserDisplayName: `Guest ${i} (${tag})`,
    },
  }));
}

/** Check + Create of every guest at once; fills in `id` and `props` of those created. */
export async function createAll(p: Plugin, emu: RunningEmulator, guests: Guest[]): Promise<PhaseResult> {
  const { result } = await phase(emu, guests.length, (i) => p.checkAndCreate(guests[i]));
  return result;
}

/** Read of every guest at once (a refresh); a guest that reads as gone counts as a failure. */
export async function refreshAll(
  p: Plugin,
  emu: RunningEmulator,
  guests: Guest[],
  update = true,
): Promise<PhaseResult> {
  const live = guests.filter((g) => g.id);
  const reqs = live.map((g) =>
    p.grpc.prepare("read", { urn: g.urn, id: g.id!, properties: g.props!, inputs: g.inputs }),
  );
  const { result, values } = await phase(emu, live.length, async (i) => {
    const res = await p.grpc.send(reqs[i]);
    if (!GrpcPlugin.id(res)) throw new Error(`read of ${live[i].id} found the guest gone`);
    return res;
  });
  if (update) values.forEach((res, i) => res && (live[i].props = GrpcPlugin.properties(res)));
  return result;
}

/** Check + Diff of every guest at once against unchanged inputs; any change found counts as a failure. */
export async function diffAll(p: Plugin, emu: RunningEmulator, guests: Guest[]): Promise<PhaseResult> {
  const live = guests.filter((g) => g.id);
  // The engine diffs with check's output; the inputs are checked already, so check returns them as they are.
  const reqs = live.map((g) => [
    p.grpc.prepare("check", { urn: g.urn, olds: g.inputs, news: g.inputs }),
    p.grpc.prepare("diff", { urn: g.urn, id: g.id!, olds: g.props!, news: g.inputs }),
  ]);
  const { result } = await phase(emu, live.length, async (i) => {
    await p.grpc.send(reqs[i][0]);
    const d = GrpcPlugin.diffChanges(await p.grpc.send(reqs[i][1]));
    if (d !== "none") throw new Error(`diff of ${live[i].id} found changes (${d})`);
  });
  return result;
}

/** Delete of every guest at once. */
export async function destroyAll(p: Plugin, emu: RunningEmulator, guests: Guest[]): Promise<PhaseResult> {
  const live = guests.filter((g) => g.id);
  const reqs = live.map((g) => p.grpc.prepare("delete", { urn: g.urn, id: g.id!, properties: g.props! }));
  const { result, values } = await phase(emu, live.length, async (i) => {
    await p.grpc.send(reqs[i]);
    return true;
  });
  values.forEach((ok, i) => ok && (live[i].id = undefined));
  return result;
}

/**
 * A dynamic provider that answers Check, Diff and Read from what it is given, with no Graph call and
 * no work: run through the same gRPC server with the same state, it measures the server's own cost
 * per call, the floor under any provider's refresh and diff. Padded to the length of `like` so the
 * requests are as large as the real provider's.
 */
export function nullProvider(like: string): string {
  const text =
    "exports.handler = function () { return { check: async (olds, news) => ({ inputs: news }), diff: async () => ({ changes: false }), read: async (id, props) => ({ id, props }) }; };";
  return text + (like.length > text.length + 5 ? ` /*${" ".repeat(like.length - text.length - 5)}*/` : "");
}

/** The same guests (same ids and state) with another `__provider`. */
export function withProvider(guests: Guest[], provider: string): Guest[] {
  const swap = (o: Record<string, unknown> | undefined): Record<string, unknown> | undefined =>
    o ? { ...o, __provider: provider } : o;
  return guests.map((g) => ({ ...g, inputs: swap(g.inputs)!, props: swap(g.props) }));
}

/** JSON bytes of what the provider returned for a guest: outputs (with `__provider`), and inputs + outputs as state keeps both. */
export function stateSizes(guests: Guest[]): { propsBytes: number; inputsBytes: number } {
  const created = guests.filter((g) => g.props);
  if (!created.length) return { propsBytes: 0, inputsBytes: 0 };
  const avg = (f: (g: Guest) => unknown): number =>
    round(created.reduce((s, g) => s + Buffer.byteLength(JSON.stringify(f(g))), 0) / created.length, 0);
  return { propsBytes: avg((g) => g.props), inputsBytes: avg((g) => g.inputs) };
}

/**
 * The Graph layer alone (graph-layer.js in a process of its own: the provider's GraphClient and
 * scheduler, no gRPC): every guest's user read at once, `repeat` times. What the scheduler changes,
 * without the plugin's per-call cost that both sides pay alike.
 */
export async function graphLayerReads(
  emu: RunningEmulator,
  guests: Guest[],
  o: { scheduler: "on" | "off"; app?: { clientId: string; clientSecret: string }; repeat: number },
): Promise<PhaseResult[]> {
  const ids = guests.filter((g) => g.id).map((g) => g.id!);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-bench-"));
  const file = path.join(dir, "ids.json");
  fs.writeFileSync(file, JSON.stringify(ids));
  const env: NodeJS.ProcessEnv = { ...process.env, ...providerEnv(emu), ENTRA_SCHEDULER: o.scheduler };
  if (o.app) {
    env.ARM_CLIENT_ID = o.app.clientId;
    env.ARM_CLIENT_SECRET = o.app.clientSecret;
  }
  const child = spawn(process.execPath, [path.join(__dirname, "graph-layer.js"), file, String(o.repeat)], {
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const results: PhaseResult[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      readline.createInterface({ input: child.stdout }).on("line", (l) => {
        const msg = JSON.parse(l) as { ready?: number; done?: number; seconds?: number };
        if (msg.ready !== undefined) {
          emu.clearRequests();
          child.stdin.write("go\n");
        } else if (msg.done !== undefined) {
          results.push({ seconds: round(msg.seconds!), ...summarizeLog(emu.requests()), failures: 0, errors: [] });
        }
      });
      child.once("exit", (code) =>
        code === 0 ? resolve() : reject(new Error(`graph-layer exited ${code}: ${stderr.slice(-2000)}`)),
      );
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
