/**
 * A lean driver of the SDK's dynamic-provider gRPC server for the benchmark. Same server and process
 * as the test kit's ProviderServer (the SDK's plugin, `sdkEntry("plugin")` of src/sdk.ts, started in the folder the
 * package is installed in, as the engine starts it), but the requests of a phase are encoded before
 * the clock starts and the answers decoded after it stops: the engine (Go) holds its state in
 * protobuf already, and a Node client that encodes 1,000 `Struct`s on the clock would measure itself,
 * not the provider.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";
import { stopProcess } from "../src/testing/provider-server";
import { sdkEntry, SDK_MODULES, sdkModule } from "../src/sdk";

type Msg = Record<string, (...args: unknown[]) => unknown>;
type Struct = { toJavaScript(): Record<string, unknown> };

export type Method = "configure" | "check" | "diff" | "create" | "read" | "delete";

/** A request encoded ahead of time. */
export interface Prepared {
  method: Method;
  msg: Msg;
}

export class GrpcPlugin {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: Msg & { close(): void },
    private readonly cwd: string,
    readonly stderr: string[],
  ) {}

  static async start(o: { cwd: string; env: NodeJS.ProcessEnv; onStderr?: (l: string) => void }): Promise<GrpcPlugin> {
    const entry = sdkEntry("plugin", o.cwd);
    // ENTRA_BENCH_PLUGIN_NODE_ARGS: extra Node flags for the plugin, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
    // (a profiled plugin exits on SIGTERM, so that Node writes the profile).
    const nodeArgs = (o.env.ENTRA_BENCH_PLUGIN_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
    if (nodeArgs.some((a) => a.startsWith("--cpu-prof") || a.startsWith("--heap-prof")))
      nodeArgs.push("--require", path.join(__dirname, "exit-on-term.js"));
    const child = spawn(process.execPath, [...nodeArgs, entry, "127.0.0.1:0"], {
      cwd: o.cwd,
      env: o.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: string[] = [];
    readline.createInterface({ input: child.stderr! }).on("line", (l) => {
      if (lines.length < 200) lines.push(l);
      o.onStderr?.(l);
    });
    const port = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).once("line", (l) => resolve(l.trim()));
      child.once("exit", (code) => reject(new Error(`dynamic-provider exited with ${code}: ${lines.join("\n")}`)));
    });
    const grpc = sdkModule<typeof import("@grpc/grpc-js")>("grpc", o.cwd);
    const services = sdkModule<
      Record<string, new (addr: string, creds: unknown, opts?: unknown) => Msg & { close(): void }>
    >("providerGrpc", o.cwd);
    const client = new services.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": 64 * 1024 * 1024,
    });
    return new GrpcPlugin(child, client, o.cwd, lines);
  }

  /** A module of the SDK installed in the program folder (the plugin's own copy). */
  private sdk<T>(name: keyof typeof SDK_MODULES): T {
    return sdkModule<T>(name, this.cwd);
  }

  private struct(v: Record<string, unknown>): unknown {
    return this.sdk<{ Struct: { fromJavaScript(v: Record<string, unknown>): unknown } }>(
      "struct",
    ).Struct.fromJavaScript(JSON.parse(JSON.stringify(v)) as Record<string, unknown>);
  }

  private message(name: string, fields: Record<string, unknown>): Msg {
    const proto = this.sdk<Record<string, new () => Msg>>("providerPb");
    const m = new proto[name]();
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      const setter = `set${k[0].toUpperCase()}${k.slice(1)}`;
      (m[setter] as (x: unknown) => void).call(
        m,
        typeof v === "object" && v !== null ? this.struct(v as Record<string, unknown>) : v,
      );
    }
    return m;
  }

  prepare(method: "configure", fields: { args: Record<string, unknown> }): Prepared;
  prepare(
    method: "check",
    fields: { urn: string; olds: Record<string, unknown>; news: Record<string, unknown> },
  ): Prepared;
  prepare(
    method: "diff",
    fields: { urn: string; id: string; olds: Record<string, unknown>; news: Record<string, unknown> },
  ): Prepared;
  prepare(method: "create", fields: { urn: string; properties: Record<string, unknown> }): Prepared;
  prepare(
    method: "read",
    fields: { urn: string; id: string; properties: Record<string, unknown>; inputs?: Record<string, unknown> },
  ): Prepared;
  prepare(method: "delete", fields: { urn: string; id: string; properties: Record<string, unknown> }): Prepared;
  prepare(method: Method, fields: Record<string, unknown>): Prepared {
    const name = {
      configure: "ConfigureRequest",
      check: "CheckRequest",
      diff: "DiffRequest",
      create: "CreateRequest",
      read: "ReadRequest",
      delete: "DeleteRequest",
    }[method];
    return { method, msg: this.message(name, fields) };
  }

  /** Sends a prepared request; resolves with the raw response message. */
  send(p: Prepared): Promise<Msg> {
    return new Promise((resolve, reject) => {
      (this.client[p.method] as (r: unknown, cb: (e: Error | null, res: Msg) => void) => void).call(
        this.client,
        p.msg,
        (err, res) => (err ? reject(err) : resolve(res)),
      );
    });
  }

  // Decoders of raw responses.
  static checkResult(res: Msg): { inputs: Record<string, unknown>; failures: { property: string; reason: string }[] } {
    const failures = (res.getFailuresList() as Msg[]).map((f) => ({
      property: f.getProperty() as string,
      reason: f.getReason() as string,
    }));
    return { inputs: (res.getInputs() as Struct).toJavaScript(), failures };
  }
  static diffChanges(res: Msg): "none" | "some" | "unknown" {
    const c = res.getChanges() as number;
    return c === 2 ? "some" : c === 1 ? "none" : "unknown";
  }
  static id(res: Msg): string {
    return res.getId() as string;
  }
  static properties(res: Msg): Record<string, unknown> {
    return (res.getProperties() as Struct | undefined)?.toJavaScript() ?? {};
  }

  async close(): Promise<void> {
    this.client.close();
    await stopProcess(this.child);
  }
}
