/**
 * The one door to the Pulumi SDK's internals and to process-wide state. Everything this package does
 * with `@pulumi/pulumi` beyond its public API, and every key it puts on `globalThis`, is here:
 *
 * - **the plugin process**: {@link inPlugin} (the engine runs the SDK's `cmd/dynamic-provider/index.js`
 *   as the process's main module; every hook below is installed only there);
 * - **the URN** of the resource a `create` or `check` is for ({@link captureUrns}, {@link urnOf},
 *   {@link identityOf}): the SDK's server passes those methods only the inputs;
 * - **the engine log** ({@link notice}, {@link engineWarning}, {@link engineLog}): the engine's `Log`
 *   RPC, which the SDK does not connect in the plugin;
 * - **the console filter** ({@link filterConsoleErrors}): the SDK's server prints every error it
 *   answers with on stderr;
 * - **the SDK's marks**, checked in whatever copy of the SDK is loaded: {@link markRunError}
 *   (`pulumi.RunError`), {@link isOutput} (`pulumi.Output`);
 * - **process-wide keys** ({@link PROCESS_KEYS}, {@link processWide}): what every copy of this package
 *   loaded in one process shares (docs/compatibility.md lists them);
 * - **the plugin from outside**, for the test kit and the benchmark ({@link sdkEntry},
 *   {@link sdkModule}, {@link sdkProcess}): the plugin's entry file, the SDK's protocol messages and
 *   gRPC clients, which process is which.
 *
 * The SDK's private files and members used are data ({@link SDK_PRIVATE_USES}); `test/sdk.test.ts`
 * pins each against the installed SDK and names the path and the SDK version when an upgrade moves
 * one. Outside the plugin (tests calling the provider's methods directly, the CLI, a program) nothing
 * is patched and the log falls back to stderr.
 */
import * as path from "node:path";
import { parseUrn, ResourceIdentity } from "./names";

// ---------------------------------------------------------------------------------------------
// What of the SDK is used

/** One private file of `@pulumi/pulumi` this module reaches, and what of it. */
export interface PrivateUse {
  /** The file, relative to the SDK's package folder (`cmd/dynamic-provider/index.js`, always `.js`), or a module the SDK resolves (`@grpc/grpc-js`, `google-protobuf/google/protobuf/struct_pb`: no `.js`; see {@link isSdkPackage}). */
  file: string;
  /** Members used: dotted paths into the module's exports (`CreateRequest.prototype.getProperties`). */
  members?: readonly string[];
  /** Texts of the file's source this module depends on (what the SDK prints, the marks it checks). */
  texts?: readonly string[];
  /** What it is used for. */
  why: string;
}

/** The SDK's dynamic-provider plugin: the process's main module when the engine runs a dynamic provider. */
const PLUGIN_MAIN = "cmd/dynamic-provider/index.js";
const PROVIDER_PB = "proto/provider_pb.js";
const ENGINE_GRPC_PB = "proto/engine_grpc_pb.js";
const ENGINE_PB = "proto/engine_pb.js";
const PROVIDER_GRPC_PB = "proto/provider_grpc_pb.js";
/** The SDK's program runners: the language host runs a program (or a plugin written as one) through them. */
const RUN_MAIN = "cmd/run/index.js";
const RUN_PLUGIN_MAIN = "cmd/run-plugin/index.js";
const GRPC = "@grpc/grpc-js";
const STRUCT_PB = "google-protobuf/google/protobuf/struct_pb";
const EMPTY_PB = "google-protobuf/google/protobuf/empty_pb";
/** The text the SDK's server prints on stderr for an error it answers with (its `console.error`). */
export const SERVER_ERROR_TEXT = "console.error(`${e}: ${e.stack}`)";
const RUN_ERROR_MARK = "__pulumiRunError";
const OUTPUT_MARK = "__pulumiOutput";

/** Every private path of `@pulumi/pulumi` this package uses (pinned by test/sdk.test.ts). */
export const SDK_PRIVATE_USES: readonly PrivateUse[] = [
  {
    file: PLUGIN_MAIN,
    texts: [SERVER_ERROR_TEXT],
    why: "detects the plugin process (require.main); its server prints `${e}: ${e.stack}` for every failed call, which the console filter drops for explained errors; the test kit and the benchmark start it (sdkEntry)",
  },
  {
    file: PROVIDER_PB,
    members: [
      "CreateRequest.prototype.getProperties",
      "CreateRequest.prototype.getUrn",
      "CheckRequest.prototype.getNews",
      "CheckRequest.prototype.getUrn",
      "ConfigureRequest",
      "CheckRequest",
      "DiffRequest",
      "CreateRequest",
      "ReadRequest",
      "UpdateRequest",
      "DeleteRequest",
    ],
    why: "the URN capture: the inputs `create` and `check` get carry the request's URN; the test kit's and the benchmark's requests (sdkModule)",
  },
  {
    file: PROVIDER_GRPC_PB,
    members: ["ResourceProviderClient"],
    why: "the test kit's and the benchmark's client of the plugin (sdkModule)",
  },
  {
    file: ENGINE_GRPC_PB,
    members: ["EngineClient", "EngineClient.prototype.log", "EngineService"],
    why: "the engine log client; a stand-in engine's service in tests (sdkModule)",
  },
  {
    file: ENGINE_PB,
    members: [
      "LogRequest.prototype.setSeverity",
      "LogRequest.prototype.setMessage",
      "LogRequest.prototype.setUrn",
      "LogSeverity.INFO",
      "LogSeverity.WARNING",
    ],
    why: "the engine log's request",
  },
  {
    file: GRPC,
    members: ["credentials.createInsecure", "Server", "ServerCredentials.createInsecure"],
    why: "the engine log's channel, from the plugin's own gRPC library; the test kit's channel and a stand-in engine (sdkModule)",
  },
  {
    file: STRUCT_PB,
    members: ["Struct.fromJavaScript"],
    why: "the test kit's and the benchmark's request properties (sdkModule)",
  },
  { file: EMPTY_PB, members: ["Empty"], why: "a stand-in engine's answer to `Log` in tests (sdkModule)" },
  { file: RUN_MAIN, why: "the benchmark tells the program's process by it (sdkProcess)" },
  { file: RUN_PLUGIN_MAIN, why: "the same, for a program run as a plugin (sdkProcess)" },
  {
    file: "errors.js",
    texts: [RUN_ERROR_MARK],
    why: "`RunError.isInstance` checks this mark: a GuestList input error prints its message alone",
  },
  {
    file: "output.js",
    texts: [OUTPUT_MARK],
    why: "`Output.isInstance` checks this mark: GuestList recognises an Output without loading the SDK",
  },
];

// ---------------------------------------------------------------------------------------------
// Process-wide keys

/**
 * Every key this package puts on `globalThis` (as `Symbol.for(key)`), shared by every copy of the
 * package loaded in one process. A key's shape only grows; a changed shape takes a new key (`.v2`)
 * while the old one is still served (docs/compatibility.md).
 */
export const PROCESS_KEYS = {
  /** Not on `globalThis`: the key under which `create`'s and `check`'s inputs carry the URN. */
  urn: "pulumi-entra-invitation.urn",
  /** `true` once `CreateRequest.getProperties` is wrapped, `false` if it could not be. */
  urnCaptureCreate: "pulumi-entra-invitation.urn-capture.v1",
  /** The same for `CheckRequest.getNews`. */
  urnCaptureCheck: "pulumi-entra-invitation.urn-capture-check.v1",
  /** `true` once `console.error` is filtered. */
  consoleFilter: "pulumi-entra-invitation.quietExplainedErrors",
  /** The Graph request schedulers, by endpoint, tenant and client (src/graph/index.ts). */
  schedulers: "pulumi-entra-invitation.schedulers.v1",
  /** The failure causes already reported in full in this process (src/graph/failures.ts). */
  failures: "pulumi-entra-invitation.failures.v1",
  /** The replacement registry (src/provider/replacement.ts). */
  lifecycle: "pulumi-entra-invitation.lifecycle.v1",
  /** Which declared resource holds which user, so a delete keeps a user another resource holds (src/provider/holders.ts). */
  holders: "pulumi-entra-invitation.holders.v1",
} as const;

/** A name of {@link PROCESS_KEYS}. */
export type ProcessKey = keyof typeof PROCESS_KEYS;

const shared = globalThis as unknown as Record<symbol, unknown>;

/** The process-wide value under {@link PROCESS_KEYS}`[name]`, made by `init` on first use. */
export function processWide<T>(name: ProcessKey, init: () => T): T {
  const key = Symbol.for(PROCESS_KEYS[name]);
  return (shared[key] ??= init()) as T;
}

/**
 * Runs `install` once per process (whichever copy of the package comes first) and keeps what it
 * answered; `undefined` (not the plugin yet) keeps nothing, so a later call tries again.
 */
function once(name: ProcessKey, install: () => boolean | undefined): boolean {
  const key = Symbol.for(PROCESS_KEYS[name]);
  if (shared[key] !== undefined) return shared[key] as boolean;
  const done = install();
  if (done !== undefined) shared[key] = done;
  return done ?? false;
}

// ---------------------------------------------------------------------------------------------
// The plugin process

/** The SDK's plugin module, when this process is the dynamic-provider plugin. */
function pluginMain(): NodeJS.Module | undefined {
  const main = require.main;
  return main && main.filename.replace(/\\/g, "/").endsWith(`/${PLUGIN_MAIN}`) ? main : undefined;
}

/** True in the SDK's dynamic-provider plugin process (the engine started it). */
export function inPlugin(): boolean {
  return pluginMain() !== undefined;
}

/** True when {@link PrivateUse.file} names a module the SDK resolves (`@grpc/grpc-js`), not a file of the SDK (`proto/engine_pb.js`). */
export function isSdkPackage(file: string): boolean {
  return !file.endsWith(".js");
}

/** A private file of the plugin's own copy of the SDK (`proto/provider_pb.js`), or a package it resolves. */
function sdkRequire<T>(main: NodeJS.Module, file: string): T {
  return main.require(isSdkPackage(file) ? file : `../../${file.replace(/\.js$/, "")}`) as T;
}

// ---------------------------------------------------------------------------------------------
// The plugin from outside (the test kit, the benchmark, tests)

/** The SDK's package folder, as resolved from `from` (a folder; default: the SDK this package resolves). */
function sdkDir(from?: string): string {
  return path.dirname(require.resolve("@pulumi/pulumi/package.json", from ? { paths: [from] } : undefined));
}

/** The SDK's entry points (files of {@link SDK_PRIVATE_USES}), by name, for {@link sdkEntry}. */
export const SDK_ENTRIES = {
  /** The dynamic-provider plugin: the engine runs it with its own address as the first argument. */
  plugin: PLUGIN_MAIN,
  /** The program runner. */
  program: RUN_MAIN,
  /** The program runner of a plugin written as a program. */
  programPlugin: RUN_PLUGIN_MAIN,
} as const;

/**
 * An entry point of the SDK installed for the program folder `from` (default: the SDK this package
 * resolves): `sdkEntry("plugin", cwd)` is the file the engine runs for dynamic resources, and the
 * test kit runs the same way.
 */
export function sdkEntry(name: keyof typeof SDK_ENTRIES, from?: string): string {
  return path.join(sdkDir(from), SDK_ENTRIES[name]);
}

/**
 * Which of the SDK's entry points a command-line argument names (the file or its folder): the
 * dynamic-provider plugin, a program runner, or none. The benchmark tells processes apart by it.
 */
export function sdkProcess(arg: string): "plugin" | "program" | undefined {
  const a = arg.replace(/\\/g, "/");
  const names = (file: string): boolean =>
    a.endsWith(`/${file}`) || a.endsWith(`/${path.posix.dirname(file)}`) || a.includes(`/${path.posix.dirname(file)}/`);
  if (names(PLUGIN_MAIN)) return "plugin";
  if (names(RUN_MAIN) || names(RUN_PLUGIN_MAIN)) return "program";
  return undefined;
}

/** A file or module of {@link SDK_PRIVATE_USES}, by name, for {@link sdkModule}. */
export const SDK_MODULES = {
  /** The provider protocol's messages (`CheckRequest`, ...). */
  providerPb: PROVIDER_PB,
  /** The provider protocol's gRPC client (`ResourceProviderClient`). */
  providerGrpc: PROVIDER_GRPC_PB,
  /** The engine protocol's messages (`LogSeverity`). */
  enginePb: ENGINE_PB,
  /** The engine protocol's gRPC service (`EngineService`). */
  engineGrpc: ENGINE_GRPC_PB,
  /** The SDK's gRPC library. */
  grpc: GRPC,
  /** Protobuf's `Struct` (request properties). */
  struct: STRUCT_PB,
  /** Protobuf's `Empty`. */
  empty: EMPTY_PB,
} as const;

/**
 * A private module of the SDK (one of {@link SDK_MODULES}), loaded from the SDK installed for `from`
 * (default: the SDK this package resolves), as the plugin there loads it. For the test kit, the
 * benchmark and tests that drive the plugin over gRPC.
 */
export function sdkModule<T>(name: keyof typeof SDK_MODULES, from?: string): T {
  const file = SDK_MODULES[name];
  const dir = sdkDir(from);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK's file by path, as the plugin loads it
  return require(isSdkPackage(file) ? require.resolve(file, { paths: [dir] }) : path.join(dir, file)) as T;
}

// ---------------------------------------------------------------------------------------------
// The URN

/**
 * The key under which `create`'s and `check`'s inputs carry the resource's URN (not enumerable, so
 * it never reaches state or Graph). Tests calling the provider's methods directly may put a URN there
 * themselves, as the engine would.
 */
export const URN_KEY = Symbol.for(PROCESS_KEYS.urn);

interface StructLike {
  toJavaScript(): unknown;
}
type RequestLike = { getUrn(): string } & Record<string, unknown>;

/**
 * The URN of the resource a `create` (or `check`) is for. The engine sends it in every gRPC request,
 * but the SDK's dynamic-provider server passes those methods only the inputs. So, in the plugin
 * process, the server's `CreateRequest.getProperties` and `CheckRequest.getNews` are wrapped once
 * (whichever copy of this package comes first): the inputs object they hand over gets the request's
 * URN under {@link URN_KEY}. The URN names the stack, the project and the resource: what an
 * ownership mark records, and what the preview's lines about a create name.
 *
 * Measured with the CLI 3.276: the plugin's environment has `PULUMI_PROJECT` but no stack name, and
 * the SDK's `pulumi.getStack()` answers "stack" there; hence the URN.
 *
 * True when both wraps are (or already were) in place; a no-op, false, outside the plugin.
 */
export function captureUrns(): boolean {
  const create = once("urnCaptureCreate", () => wrapUrn("CreateRequest", "getProperties"));
  const check = once("urnCaptureCheck", () => wrapUrn("CheckRequest", "getNews"));
  return create && check;
}

/** Wraps `<request>.prototype.<getter>` of the SDK's provider protocol so the object it gives carries the request's URN. */
function wrapUrn(request: "CreateRequest" | "CheckRequest", getter: "getProperties" | "getNews"): boolean | undefined {
  const main = pluginMain();
  if (!main) return undefined; // not the plugin: try again later
  try {
    const proto = sdkRequire<Record<string, { prototype: RequestLike }>>(main, PROVIDER_PB)[request].prototype;
    const original = proto[getter] as ((this: RequestLike) => StructLike | undefined) | undefined;
    if (typeof original !== "function" || typeof proto.getUrn !== "function") return false;
    proto[getter] = function (this: RequestLike): StructLike | undefined {
      const struct = original.call(this);
      const urn = this.getUrn();
      if (!struct || typeof struct.toJavaScript !== "function" || !urn) return struct;
      const toJavaScript = struct.toJavaScript;
      struct.toJavaScript = function (this: StructLike): unknown {
        const value = toJavaScript.call(this);
        if (value && typeof value === "object" && !(URN_KEY in value))
          Object.defineProperty(value, URN_KEY, { value: urn, enumerable: false });
        return value;
      };
      return struct;
    };
    return true;
  } catch {
    return false;
  }
}

/** The URN `create`'s (or `check`'s) inputs carry, if any. */
export function urnOf(props: object): string | undefined {
  const v = (props as Record<symbol, unknown>)[URN_KEY];
  return typeof v === "string" ? v : undefined;
}

/** The identity of the resource `create`'s (or `check`'s) inputs are for, if known. */
export function identityOf(props: object): ResourceIdentity | undefined {
  const urn = urnOf(props);
  return urn ? parseUrn(urn) : undefined;
}

// ---------------------------------------------------------------------------------------------
// The engine log

/** Sends one line to the engine's log (about the resource `urn`, if given); rejects when the engine cannot be reached. */
export type EngineLog = (message: string, severity?: "info" | "warning", urn?: string) => Promise<void>;
/** `null`: this process has no engine to log to (tests, the gRPC test kit). */
let connected: EngineLog | null | undefined;

/**
 * The engine's `Log` RPC, reached the way every plugin reaches it: the engine starts the SDK's
 * dynamic-provider plugin with its own address as the first argument. The SDK's `pulumi.log` is not
 * connected in the plugin (it prints `info: [runtime] ...` to stdout), so the client is made from the
 * plugin's own copy of the SDK. Connected once per copy of this module; `null` outside the plugin.
 */
export function engineLog(): EngineLog | null {
  return (connected ??= connectEngineLog());
}

function connectEngineLog(): EngineLog | null {
  const main = pluginMain();
  const addr = process.argv[2];
  if (!main || !addr || !/^\S+:[1-9]\d*$/.test(addr)) return null;
  try {
    const grpc = sdkRequire<{ credentials: { createInsecure(): unknown } }>(main, GRPC);
    const { EngineClient } = sdkRequire<{
      EngineClient: new (
        addr: string,
        creds: unknown,
      ) => { log(req: unknown, opts: { deadline: number }, cb: (err: Error | null) => void): void };
    }>(main, ENGINE_GRPC_PB);
    const { LogRequest, LogSeverity } = sdkRequire<{
      LogRequest: new () => { setSeverity(s: number): void; setMessage(m: string): void; setUrn(u: string): void };
      LogSeverity: { INFO: number; WARNING: number };
    }>(main, ENGINE_PB);
    const client = new EngineClient(addr, grpc.credentials.createInsecure());
    return (message, severity = "info", urn) =>
      new Promise((resolve, reject) => {
        const req = new LogRequest();
        req.setSeverity(severity === "warning" ? LogSeverity.WARNING : LogSeverity.INFO);
        req.setMessage(message);
        if (urn) req.setUrn(urn);
        client.log(req, { deadline: Date.now() + 5_000 }, (err) => (err ? reject(err) : resolve()));
      });
  } catch {
    return null;
  }
}

/** A warning on stderr, named as this package's. */
export function warn(message: string): void {
  process.stderr.write(`warning: pulumi-entra-invitation: ${message}\n`);
}

/**
 * A line the engine shows under "Diagnostics" (as info; about the resource `urn` when given).
 * Through the engine's log when there is one: the engine hides the stdout and stderr of resource
 * plugins it does not recognise by name as a dynamic provider. Otherwise, or if that fails, on stderr.
 */
export async function notice(message: string, urn?: string): Promise<void> {
  const log = engineLog();
  if (log) {
    try {
      return await log(message, "info", urn);
    } catch {
      // fall through to stderr
    }
  }
  process.stderr.write(`${message}\n`);
}

/**
 * A warning the engine shows under "Diagnostics", about the resource `urn` when known (the engine
 * then lists it under that resource). Through the engine's log when there is one, else like {@link warn}.
 */
export async function engineWarning(message: string, urn?: string): Promise<void> {
  const log = engineLog();
  if (log) {
    try {
      return await log(`pulumi-entra-invitation: ${message}`, "warning", urn);
    } catch {
      // fall through to stderr
    }
  }
  warn(message);
}

// ---------------------------------------------------------------------------------------------
// The console filter

/**
 * In the plugin process: `console.error` with one string argument leaves it out when `drop` says so
 * (the SDK's server prints {@link SERVER_ERROR_TEXT} for every failed call, beside the error the
 * engine already shows). Installed once per process, by whichever copy of the package comes first.
 */
export function filterConsoleErrors(drop: (text: string) => boolean): void {
  if (!inPlugin()) return;
  once("consoleFilter", () => {
    const original = console.error.bind(console);
    console.error = (...args: unknown[]): void => {
      if (args.length === 1 && typeof args[0] === "string" && drop(args[0])) return;
      original(...args);
    };
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// The SDK's marks

/**
 * Marks `e` as the SDK's `RunError` (the mark `pulumi.RunError` sets, which `RunError.isInstance`
 * checks in whatever copy of the SDK is loaded): the language host prints its message alone, without
 * "failed with an unhandled exception", a stack trace and an object dump.
 */
export function markRunError(e: object): void {
  Object.defineProperty(e, RUN_ERROR_MARK, { value: true, enumerable: false });
}

/** An `@pulumi/pulumi` Output, recognised without loading the SDK (as `Output.isInstance` does). */
export function isOutput(v: unknown): boolean {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[OUTPUT_MARK] === true;
}
