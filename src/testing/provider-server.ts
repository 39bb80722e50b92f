/**
 * Drives the SDK's own dynamic-provider gRPC server (the SDK's plugin, `sdkEntry("plugin")` of the SDK door
 * src/sdk.ts), the process the Pulumi engine starts for dynamic resources, with the requests the
 * engine sends. For tests and the benchmark: the path from the engine to our provider, minus the engine.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as readline from "node:readline";
import { sdkEntry, sdkModule } from "../sdk";

type Struct = { toJavaScript(): Record<string, unknown> };
type StructStatic = { fromJavaScript(v: Record<string, unknown>): Struct };
type Msg = Record<string, (...args: unknown[]) => unknown>;

/** What `check` answered: the checked inputs and the failures, each naming its property. */
export interface CheckResult {
  inputs: Record<string, unknown>;
  failures: { property: string; reason: string }[];
}
/** What `diff` answered. */
export interface DiffResult {
  changes: "none" | "some" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
}
/** What `read` answered: empty `id` and `props` when the resource is gone. */
export interface ReadResult {
  id: string;
  props: Record<string, unknown>;
  inputs?: Record<string, unknown>;
}

/** How {@link ProviderServer.start} starts the plugin. */
export interface ProviderServerOptions {
  /** The program folder: where `require("pulumi-entra-invitation/provider")` must resolve (the engine starts the plugin there). */
  cwd: string;
  /** The plugin's environment (default: this process's), e.g. with {@link providerEnv}. */
  env?: NodeJS.ProcessEnv;
  /** Where the plugin's stderr goes (default: collected in `stderr`). */
  onStderr?: (line: string) => void;
}

/** A running dynamic-provider plugin process and a typed gRPC client for it. */
export class ProviderServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: Msg & { close(): void },
    /** The plugin's stderr lines so far (the provider's warnings go there). */
    readonly stderr: string[],
  ) {}

  /** Starts the SDK's dynamic-provider plugin in `opts.cwd` and connects to it. */
  static async start(opts: ProviderServerOptions): Promise<ProviderServer> {
    const entry = sdkEntry("plugin", opts.cwd);
    const child = spawn(process.execPath, [entry, "127.0.0.1:0"], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: string[] = [];
    readline.createInterface({ input: child.stderr! }).on("line", (l) => {
      lines.push(l);
      opts.onStderr?.(l);
    });
    const port = await new Promise<string>((resolve, reject) => {
      const rl = readline.createInterface({ input: child.stdout! });
      rl.once("line", (l) => resolve(l.trim()));
      child.once("exit", (code) => reject(new Error(`dynamic-provider exited with ${code}: ${lines.join("\n")}`)));
    });
    const grpc = sdkModule<typeof import("@grpc/grpc-js")>("grpc");
    const services =
      sdkModule<Record<string, new (addr: string, creds: unknown, opts?: unknown) => Msg & { close(): void }>>(
        "providerGrpc",
      );
    const client = new services.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": 64 * 1024 * 1024,
    });
    return new ProviderServer(child, client, lines);
  }

  private static proto(): Record<string, new () => Msg> {
    return sdkModule("providerPb");
  }

  private static struct(v: Record<string, unknown>): Struct {
    return sdkModule<{ Struct: StructStatic }>("struct").Struct.fromJavaScript(
      JSON.parse(JSON.stringify(v)) as Record<string, unknown>,
    );
  }

  private call<T>(method: string, req: Msg): Promise<T> {
    return new Promise((resolve, reject) => {
      (this.client[method] as (r: unknown, cb: (e: Error | null, res: T) => void) => void).call(
        this.client,
        req,
        (err, res) => (err ? reject(err) : resolve(res)),
      );
    });
  }

  /** Stack config, e.g. `{"entra:graphEndpoint": "https://localhost:1234"}`. */
  async configure(config: Record<string, string>): Promise<void> {
    const req = new (ProviderServer.proto().ConfigureRequest)();
    req.setArgs(ProviderServer.struct(config));
    await this.call("configure", req);
  }

  /** `Check`: validate and normalise `news` (with `olds` of the last run, or `{}`). */
  async check(urn: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult> {
    const req = new (ProviderServer.proto().CheckRequest)();
    req.setUrn(urn);
    req.setOlds(ProviderServer.struct(olds));
    req.setNews(ProviderServer.struct(news));
    const res = await this.call<Msg>("check", req);
    const failures = (res.getFailuresList() as Msg[]).map((f) => ({
      property: f.getProperty() as string,
      reason: f.getReason() as string,
    }));
    return { inputs: (res.getInputs() as Struct).toJavaScript(), failures };
  }

  /** `Diff`: what changes between state (`olds`) and checked inputs (`news`). */
  async diff(
    urn: string,
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<DiffResult> {
    const req = new (ProviderServer.proto().DiffRequest)();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(ProviderServer.struct(olds));
    req.setNews(ProviderServer.struct(news));
    const res = await this.call<Msg>("diff", req);
    const changes = res.getChanges() as number;
    return {
      changes: changes === 2 ? "some" : changes === 1 ? "none" : "unknown",
      replaces: res.getReplacesList() as string[],
      deleteBeforeReplace: res.getDeletebeforereplace() as boolean,
    };
  }

  /** `Create`: the new resource's id and output properties. */
  async create(
    urn: string,
    props: Record<string, unknown>,
  ): Promise<{
    /** The resource id (the guest's user object id). */
    id: string;
    /** The outputs, as stored in state. */
    props: Record<string, unknown>;
  }> {
    const req = new (ProviderServer.proto().CreateRequest)();
    req.setUrn(urn);
    req.setProperties(ProviderServer.struct(props));
    const res = await this.call<Msg>("create", req);
    return { id: res.getId() as string, props: (res.getProperties() as Struct).toJavaScript() };
  }

  /** `Read` (refresh): the resource as it is now. */
  async read(
    urn: string,
    id: string,
    props: Record<string, unknown>,
    inputs?: Record<string, unknown>,
  ): Promise<ReadResult> {
    const req = new (ProviderServer.proto().ReadRequest)();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(ProviderServer.struct(props));
    if (inputs) req.setInputs(ProviderServer.struct(inputs));
    const res = await this.call<Msg>("read", req);
    const inp = res.getInputs() as Struct | undefined;
    return {
      id: res.getId() as string,
      props: (res.getProperties() as Struct | undefined)?.toJavaScript() ?? {},
      inputs: inp?.toJavaScript(),
    };
  }

  /** `Update`: the new output properties. */
  async update(
    urn: string,
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const req = new (ProviderServer.proto().UpdateRequest)();
    req.setUrn(urn);
    req.setId(id);
    req.setOlds(ProviderServer.struct(olds));
    req.setNews(ProviderServer.struct(news));
    const res = await this.call<Msg>("update", req);
    return (res.getProperties() as Struct).toJavaScript();
  }

  /** `Delete`: removes (or keeps) the guest as its `onDelete` says. */
  async delete(urn: string, id: string, props: Record<string, unknown>): Promise<void> {
    const req = new (ProviderServer.proto().DeleteRequest)();
    req.setUrn(urn);
    req.setId(id);
    req.setProperties(ProviderServer.struct(props));
    await this.call("delete", req);
  }

  /** The plugin's process id (to kill it in fault tests). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Closes the client and stops the plugin (SIGTERM), waiting for it to exit. */
  async close(): Promise<void> {
    this.client.close();
    await stopProcess(this.child);
  }
}

/** SIGTERM a child process (if it still runs) and wait until it has exited. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

/** A URN the engine would give an Invitation named `name`. */
export function invitationUrn(name: string, stack = "test", project = "entra"): string {
  return `urn:pulumi:${stack}::${project}::pulumi-nodejs:dynamic/entra:Invitation::${name}`;
}
