/**
 * Issue 11, item 6: a replacement (`+-` in a preview) is a redemption reset of the same user, and the
 * provider says so in one diagnostic line per guest. In the plugin the line goes to the engine's
 * `Log` RPC (the engine's address is the plugin's first argument); without an engine, to stderr.
 * The exact line under the real CLI is asserted by the end-to-end kit.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";
import * as provider from "../../src/provider";
import { sdkEntry, sdkModule } from "../../src/sdk";
import { resetLifecycleRegistry } from "../../src/provider/replacement";
import type { InvitationOutputs } from "../../src/provider/types";

type Props = Record<string, unknown>;
const redirect = "https://myapps.microsoft.com";
const config = {
  "entra:graphEndpoint": "https://localhost:9",
  "entra:authorityHost": "https://localhost:9",
  "entra:tenantId": "t",
  "entra:clientId": "c",
  "entra:clientSecret": "s",
};

/** A guest's inputs as the program writes them: the address, the redirect, and `extra`. */
function program(email: string, extra: Props = {}): Props {
  return { invitedUserEmailAddress: email, inviteRedirectUrl: redirect, ...extra };
}

/** A guest's inputs as check returns them: the address, the redirect, a Guest, no message; and `extra`. */
function guest(email: string, extra: Props = {}): Props {
  return program(email, { invitedUserType: "Guest", sendInvitationMessage: false, ...extra });
}

function state(id: string, inputs: Props): InvitationOutputs {
  return {
    ...inputs,
    userId: id,
    adopted: false,
    inviteRedeemUrl: "https://login.microsoftonline.com/redeem?rd=SECRET-TICKET",
    externalUserState: "Accepted",
  } as unknown as InvitationOutputs;
}

describe("in process (no engine): the line goes to stderr", () => {
  let lines: string[];
  let spy: jest.SpyInstance;

  beforeAll(async () => {
    await provider.configure({
      config: {
        get: (k: string) => config[k as keyof typeof config],
        require: (k: string) => config[k as keyof typeof config],
      },
    });
  });
  beforeEach(() => {
    resetLifecycleRegistry();
    lines = [];
    spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      return true;
    });
  });
  afterEach(() => spy.mockRestore());

  async function checkAndDiff(id: string, olds: InvitationOutputs, news: Props) {
    const { inputs } = await provider.check(olds, news);
    return provider.diff(id, olds, inputs as Props);
  }

  it("an email change: one line naming old and new address and the user", async () => {
    const id = "3e75249f-05ed-4af7-b328-494506e83357";
    const olds = state(id, guest("kim@contoso.com"));
    const d = await checkAndDiff(id, olds, program("Kim@Fabrikam.com"));
    expect(d.replaces).toEqual(["invitedUserEmailAddress"]);
    expect(lines).toEqual([
      "kim@contoso.com: email change to kim@fabrikam.com \u2192 redemption reset of the same user 3e75249f\u2026 (not deleted)",
    ]);
  });

  it("a triggers change: the values are not shown", async () => {
    const id = "aaaaaaaa-0000-4000-8000-000000000001";
    const olds = state(id, guest("lee@contoso.com", { triggers: { rotate: "secret-1" } }));
    await checkAndDiff(id, olds, program("lee@contoso.com", { triggers: { rotate: "secret-2" } }));
    expect(lines).toEqual([
      "lee@contoso.com: triggers change \u2192 redemption reset of the same user aaaaaaaa\u2026 (not deleted)",
    ]);
  });

  it("an in-place change says nothing", async () => {
    const id = "aaaaaaaa-0000-4000-8000-000000000002";
    const olds = state(id, guest("max@contoso.com"));
    const d = await checkAndDiff(id, olds, program("max@contoso.com", { invitedUserDisplayName: "Max" }));
    expect(d).toMatchObject({ changes: true, replaces: [] });
    expect(lines).toEqual([]);
  });

  it("a diff of inputs that did not pass check in this process (refresh) says nothing", async () => {
    const id = "aaaaaaaa-0000-4000-8000-000000000003";
    const olds = state(id, guest("ann@contoso.com"));
    const d = await provider.diff(id, olds, guest("ann@fabrikam.com"));
    expect(d.replaces).toEqual(["invitedUserEmailAddress"]);
    expect(lines).toEqual([]);
  });

  it("pulumi up --replace (no diff): the delete half says it, once", async () => {
    const id = "aaaaaaaa-0000-4000-8000-000000000004";
    const inputs = guest("rob@contoso.com");
    await provider.check({}, inputs); // the engine re-checks with empty olds (check looks the address up: no Graph here), then deletes
    await provider.delete(id, state(id, inputs));
    expect(lines.filter((l) => !l.startsWith("the preview could not look up existing guests"))).toEqual([
      "rob@contoso.com: replace requested \u2192 redemption reset of the same user aaaaaaaa\u2026 (not deleted)",
    ]);
  });

  it("a replacement the diff announced: the delete half adds nothing", async () => {
    const id = "aaaaaaaa-0000-4000-8000-000000000005";
    const olds = state(id, guest("eva@contoso.com", { triggers: 1 }));
    const news = program("eva@contoso.com", { triggers: 2 });
    await checkAndDiff(id, olds, news);
    await provider.check({}, news);
    await provider.delete(id, olds);
    expect(lines).toEqual([
      "eva@contoso.com: triggers change \u2192 redemption reset of the same user aaaaaaaa\u2026 (not deleted)",
    ]);
  });
});

// ---- the real plugin process, started the way the engine starts it, with a stand-in engine ----

type Msg = Record<string, (...args: unknown[]) => unknown>;
type Struct = { toJavaScript(): Props };
const grpc = sdkModule<typeof import("@grpc/grpc-js")>("grpc");
const pb = sdkModule<Record<string, new () => Msg>>("providerPb");
const struct = (v: Props) =>
  sdkModule<{ Struct: { fromJavaScript(v: Props): Struct } }>("struct").Struct.fromJavaScript(v);
const distProvider = path.resolve(__dirname, "../../dist/provider/index.js");

interface Logged {
  severity: number;
  message: string;
  urn: string;
}

describe("in the plugin: the line goes to the engine's Log", () => {
  const logged: Logged[] = [];
  const stderr: string[] = [];
  let engine: import("@grpc/grpc-js").Server;
  let plugin: ChildProcess;
  let client: Msg & { close(): void };
  const providerText = `exports.handler = () => require(${JSON.stringify(distProvider)});`;

  beforeAll(async () => {
    if (!fs.existsSync(distProvider))
      throw new Error("dist/ is missing: run the tests through scripts/test.js (it builds dist first)");
    const services = sdkModule<{ EngineService: import("@grpc/grpc-js").ServiceDefinition }>("engineGrpc");
    const empty = sdkModule<{ Empty: new () => unknown }>("empty");
    engine = new grpc.Server();
    engine.addService(services.EngineService, {
      log: (call: { request: Msg }, cb: (err: null, res: unknown) => void) => {
        logged.push({
          severity: call.request.getSeverity() as number,
          message: call.request.getMessage() as string,
          urn: call.request.getUrn() as string,
        });
        cb(null, new empty.Empty());
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      engine.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    const entry = sdkEntry("plugin");
    plugin = spawn(process.execPath, [entry, `127.0.0.1:${port}`], {
      cwd: path.resolve(__dirname, "../.."),
      stdio: ["ignore", "pipe", "pipe"],
    });
    readline.createInterface({ input: plugin.stderr! }).on("line", (l) => stderr.push(l));
    const pluginPort = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: plugin.stdout! }).once("line", (l) => resolve(l.trim()));
      plugin.once("exit", (code) => reject(new Error(`plugin exited ${code}: ${stderr.join("\n")}`)));
    });
    const rpc =
      sdkModule<Record<string, new (addr: string, creds: unknown) => Msg & { close(): void }>>("providerGrpc");
    client = new rpc.ResourceProviderClient(`127.0.0.1:${pluginPort}`, grpc.credentials.createInsecure());
    const req = new pb.ConfigureRequest();
    req.setArgs(struct(config));
    await call("configure", req);
  });

  afterAll(async () => {
    client?.close();
    if (plugin && plugin.exitCode === null) {
      const exited = new Promise((r) => plugin.once("exit", r));
      plugin.kill("SIGTERM");
      await exited;
    }
    engine?.forceShutdown();
  });

  function call<T = Msg>(method: string, req: Msg): Promise<T> {
    return new Promise((resolve, reject) =>
      (client[method] as (r: unknown, cb: (e: Error | null, res: T) => void) => void).call(client, req, (e, res) =>
        e ? reject(e) : resolve(res),
      ),
    );
  }
  async function check(urn: string, olds: Props, news: Props): Promise<Props> {
    const req = new pb.CheckRequest();
    req.setUrn(urn);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    const res = await call("check", req);
    return (res.getInputs() as Struct).toJavaScript();
  }
  const urn = (name: string) => `urn:pulumi:dev::diagprog::pulumi-nodejs:dynamic/entra:Invitation::${name}`;

  it("an email change in a preview: one INFO line, and nothing on stderr", async () => {
    const id = "3e75249f-05ed-4af7-b328-494506e83357";
    const inputs = guest("kim@contoso.com", { __provider: providerText });
    const olds = { ...state(id, inputs), __provider: providerText };
    const news = await check(urn("kim"), inputs, program("kim@fabrikam.com", { __provider: providerText }));
    const req = new pb.DiffRequest();
    req.setUrn(urn("kim"));
    req.setId(id);
    req.setOlds(struct(olds));
    req.setNews(struct(news));
    const res = await call("diff", req);
    expect(res.getReplacesList()).toEqual(["invitedUserEmailAddress"]);
    const INFO = sdkModule<{ LogSeverity: { INFO: number } }>("enginePb").LogSeverity.INFO;
    expect(logged).toEqual([
      {
        severity: INFO,
        urn: "",
        message:
          "kim@contoso.com: email change to kim@fabrikam.com \u2192 redemption reset of the same user 3e75249f\u2026 (not deleted)",
      },
    ]);
    expect(stderr.join("\n")).not.toContain("redemption reset");
  });

  it("pulumi up --replace: the delete half logs it", async () => {
    logged.length = 0;
    const id = "bbbbbbbb-0000-4000-8000-000000000001";
    const inputs = guest("rob@contoso.com", { __provider: providerText });
    await check(urn("rob"), {}, inputs);
    const req = new pb.DeleteRequest();
    req.setUrn(urn("rob"));
    req.setId(id);
    req.setProperties(struct({ ...state(id, inputs), __provider: providerText }));
    await call("delete", req);
    expect(
      logged.map((l) => l.message).filter((m) => !m.startsWith("the preview could not look up existing guests")),
    ).toEqual([
      "rob@contoso.com: replace requested \u2192 redemption reset of the same user bbbbbbbb\u2026 (not deleted)",
    ]);
  });
});
