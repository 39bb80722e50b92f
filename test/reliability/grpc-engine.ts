/**
 * A minimal stand-in for the Pulumi engine over the SDK's dynamic-provider gRPC server: it keeps a
 * state (id, checked inputs, outputs per resource) and runs deployments the way the engine does:
 * one plugin process per deployment, Configure first, then per resource
 *   create:  check({}, news) → create
 *   same/update: check(old inputs, news) → diff(id, old outputs, checked) → update
 *   replace (deleteBeforeReplace): check(old inputs, news) → diff → delete(old) → check({}, news) → create
 *   removed: delete
 *   refresh: read(id, outputs, inputs); no id back = gone from state
 * A failed step leaves the state as the engine would: a failed create records nothing, a failed
 * update keeps the old outputs, a replacement whose delete half ran but whose create failed leaves
 * no resource, a failed delete keeps the resource.
 */
import { invitationUrn, ProviderServer } from "../../src/testing";
import { pool } from "./harness";

export interface StateEntry {
  name: string;
  urn: string;
  id: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

export type StepOp = "create" | "update" | "replace" | "delete" | "same" | "read" | "gone";

export interface StepRecord {
  name: string;
  op: StepOp;
  ok: boolean;
  /** The step's error, if it failed (without the gRPC status prefix). */
  error?: string;
}

export interface EngineOptions {
  pkgDir: string;
  env: NodeJS.ProcessEnv;
  /** Stack config sent with Configure (e.g. entra:* settings). */
  config: Record<string, string>;
  /** The serialized provider text (`__provider`). */
  provider: string;
  /** Resource operations at once (the engine's --parallel). */
  parallel?: number;
  stack?: string;
}

export class GrpcEngine {
  readonly state = new Map<string, StateEntry>();
  /** Every plugin stderr line of every deployment. */
  readonly stderr: string[] = [];
  /** Every error text a step returned. */
  readonly errors: string[] = [];
  /** gRPC calls by method. */
  readonly calls: Record<string, number> = {};
  deployments = 0;

  constructor(private readonly opts: EngineOptions) {}

  urn(name: string): string {
    return invitationUrn(name, this.opts.stack ?? "soak", "soak");
  }

  private count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
  }

  /** One deployment: a fresh plugin process, configured, used for `fn`, then closed. */
  async deployment<T>(fn: (s: ProviderServer) => Promise<T>): Promise<T> {
    this.deployments++;
    const s = await ProviderServer.start({ cwd: this.opts.pkgDir, env: this.opts.env });
    try {
      this.count("configure");
      await s.configure(this.opts.config);
      return await fn(s);
    } finally {
      await s.close();
      this.stderr.push(...s.stderr);
    }
  }

  /** `pulumi up` of `program` (name → Invitation args): returns one record per resource. */
  up(program: ReadonlyMap<string, Record<string, unknown>>): Promise<StepRecord[]> {
    return this.deployment((s) => {
      const names = [...new Set([...program.keys(), ...this.state.keys()])].sort();
      return pool(names, this.opts.parallel ?? 32, (name) => this.step(s, name, program.get(name)));
    });
  }

  /** `pulumi refresh`. */
  refresh(): Promise<StepRecord[]> {
    return this.deployment((s) =>
      pool([...this.state.values()], this.opts.parallel ?? 32, async (cur): Promise<StepRecord> => {
        try {
          this.count("read");
          const r = await s.read(cur.urn, cur.id, cur.outputs, cur.inputs);
          if (!r.id) {
            this.state.delete(cur.name);
            return { name: cur.name, op: "gone", ok: true };
          }
          this.state.set(cur.name, { ...cur, id: r.id, outputs: r.props, inputs: r.inputs ?? cur.inputs });
          return { name: cur.name, op: "read", ok: true };
        } catch (e) {
          return this.failed(cur.name, "read", e);
        }
      }),
    );
  }

  private failed(name: string, op: StepOp, e: unknown): StepRecord {
    const text = e instanceof Error ? e.message : String(e);
    this.errors.push(text);
    return { name, op, ok: false, error: text.replace(/^\d+ [A-Z_]+: /, "") };
  }

  private async step(s: ProviderServer, name: string, args: Record<string, unknown> | undefined): Promise<StepRecord> {
    const urn = this.urn(name);
    const cur = this.state.get(name);
    let op: StepOp = "same";
    try {
      if (!args) {
        op = "delete";
        this.count("delete");
        await s.delete(urn, cur!.id, cur!.outputs);
        this.state.delete(name);
        return { name, op, ok: true };
      }
      const news = { __provider: this.opts.provider, ...args };
      if (!cur) {
        op = "create";
        await this.create(s, name, urn, news);
        return { name, op, ok: true };
      }
      this.count("check");
      const checked = await s.check(urn, cur.inputs, news);
      if (checked.failures.length) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
      this.count("diff");
      const d = await s.diff(urn, cur.id, cur.outputs, checked.inputs);
      if (d.changes !== "some") {
        this.state.set(name, { ...cur, inputs: checked.inputs });
        return { name, op, ok: true };
      }
      if (d.replaces.length) {
        op = "replace";
        this.count("delete");
        await s.delete(urn, cur.id, cur.outputs);
        this.state.delete(name);
        await this.create(s, name, urn, news);
        return { name, op, ok: true };
      }
      op = "update";
      this.count("update");
      const outputs = await s.update(urn, cur.id, cur.outputs, checked.inputs);
      this.state.set(name, { ...cur, inputs: checked.inputs, outputs });
      return { name, op, ok: true };
    } catch (e) {
      return this.failed(name, op, e);
    }
  }

  private async create(s: ProviderServer, name: string, urn: string, news: Record<string, unknown>): Promise<void> {
    this.count("check");
    const checked = await s.check(urn, {}, news);
    if (checked.failures.length) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
    this.count("create");
    const r = await s.create(urn, checked.inputs);
    this.state.set(name, { name, urn, id: r.id, inputs: checked.inputs, outputs: r.props });
  }
}

/** Steps by op, and failures by op, of a list of records. */
export function tally(records: readonly StepRecord[]): {
  ops: Record<string, number>;
  failed: Record<string, number>;
  errors: Record<string, number>;
} {
  const ops: Record<string, number> = {};
  const failed: Record<string, number> = {};
  const errors: Record<string, number> = {};
  for (const r of records) {
    ops[r.op] = (ops[r.op] ?? 0) + 1;
    if (!r.ok) {
      failed[r.op] = (failed[r.op] ?? 0) + 1;
      const key = (r.error ?? "")
        .split("\n")[0]
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<id>")
        .replace(/\S+@\S+\.example/g, "<email>")
        .slice(0, 200);
      errors[key] = (errors[key] ?? 0) + 1;
    }
  }
  return { ops, failed, errors };
}
