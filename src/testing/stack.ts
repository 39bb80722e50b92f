/**
 * A Pulumi stack for tests: a program folder beside the installed package, a local file backend
 * and passphrase secrets in a temporary folder, the real Pulumi CLI. Each operation runs
 * stack-runner.js in a fresh Node process (as the CLI would run a program) and returns its result.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunResult } from "./stack-runner";

export type { RunResult, StepEvent } from "./stack-runner";

export interface TestStackOptions {
  /** Folder whose node_modules holds the installed package (scripts/prepare-e2e.js: ENTRA_E2E_PACKAGE_DIR). */
  packageDir?: string;
  /** A name for the program folder and the stack. */
  name: string;
  /** The program (index.js or index.ts source). */
  program: string;
  programFile?: "index.js" | "index.ts";
  /** Extra environment for the CLI and the provider plugin (Graph endpoint, credentials). */
  env?: Record<string, string>;
  /** Files to write beside the program, e.g. a guest list. */
  files?: Record<string, string>;
}

export interface RunOptions {
  refresh?: boolean;
  replace?: string[];
  target?: string[];
  config?: Record<string, string>;
  secretConfig?: Record<string, string>;
  /** Called with the CLI's process id once it runs (to kill it in tests). */
  onSpawn?: (pid: number) => void;
  timeoutMs?: number;
  /** Environment for this run only (the CLI and the plugins it starts), over the stack's. */
  env?: Record<string, string>;
}

export class TestStack {
  readonly dir: string;
  readonly stateDir: string;
  private readonly env: Record<string, string>;

  constructor(private readonly opts: TestStackOptions) {
    const pkgDir = opts.packageDir ?? process.env.ENTRA_E2E_PACKAGE_DIR;
    if (!pkgDir || !fs.existsSync(path.join(pkgDir, "node_modules", "pulumi-entra-invitation"))) {
      throw new Error("the package is not installed for end-to-end runs: run the tests with `npm test` / `npm run test:e2e` (scripts/test.js installs it and the Pulumi CLI)");
    }
    this.dir = path.join(pkgDir, opts.name);
    this.stateDir = path.join(this.dir, ".pulumi-state");
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(this.stateDir, { recursive: true });
    fs.writeFileSync(path.join(this.dir, "Pulumi.yaml"), `name: ${opts.name}\nruntime: nodejs\ndescription: test stack\n`);
    this.setProgram(opts.program);
    for (const [f, text] of Object.entries(opts.files ?? {})) this.writeFile(f, text);
    this.env = {
      PULUMI_BACKEND_URL: `file://${this.stateDir}`,
      PULUMI_CONFIG_PASSPHRASE: "correct horse battery staple",
      PULUMI_HOME: path.join(this.stateDir, "home"),
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      ...opts.env,
    };
  }

  get stackName(): string {
    return this.opts.name;
  }

  setProgram(source: string): void {
    fs.writeFileSync(path.join(this.dir, this.opts.programFile ?? "index.js"), source);
  }

  writeFile(name: string, text: string): void {
    fs.writeFileSync(path.join(this.dir, name), text);
  }

  /** The URN the engine gives a resource of this stack. */
  urn(type: string, name: string, parentType?: string): string {
    const t = parentType ? `${parentType}$${type}` : type;
    return `urn:pulumi:${this.stackName}::${this.stackName}::${t}::${name}`;
  }

  up(o: RunOptions = {}): Promise<RunResult> {
    return this.run("up", o);
  }
  preview(o: RunOptions = {}): Promise<RunResult> {
    return this.run("preview", o);
  }
  refresh(o: RunOptions = {}): Promise<RunResult> {
    return this.run("refresh", o);
  }
  destroy(o: RunOptions = {}): Promise<RunResult> {
    return this.run("destroy", o);
  }
  /** `pulumi cancel`: releases the lock a killed run left. */
  cancel(): Promise<RunResult> {
    return this.run("cancel", {});
  }
  /**
   * The state as the backend keeps it at rest (secrets encrypted): the checkpoint file of the local
   * backend. (The Automation API's exportStack decrypts secrets, so it is not used for audits.)
   */
  exportState(): { deployment: { resources?: StateResource[] } } {
    const file = path.join(this.stateDir, ".pulumi", "stacks", this.stackName, `${this.stackName}.json`);
    const checkpoint = JSON.parse(fs.readFileSync(file, "utf8")) as { checkpoint: { latest?: { resources?: StateResource[] } } };
    return { deployment: checkpoint.checkpoint.latest ?? {} };
  }

  run(op: string, o: RunOptions): Promise<RunResult> {
    // Under ts-jest this file runs from src/; the runner is plain Node and runs from dist/.
    const runner = __filename.endsWith(".ts") ? path.resolve(__dirname, "../../dist/testing/stack-runner.js") : path.join(__dirname, "stack-runner.js");
    const args = [runner, "--dir", this.dir, "--stack", this.stackName, "--op", op];
    if (o.refresh) args.push("--refresh");
    for (const u of o.replace ?? []) args.push("--replace", u);
    for (const u of o.target ?? []) args.push("--target", u);
    for (const [k, v] of Object.entries(o.config ?? {})) args.push("--config", `${k}=${v}`);
    for (const [k, v] of Object.entries(o.secretConfig ?? {})) args.push("--secret-config", `${k}=${v}`);
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, args, { cwd: this.dir, env: { ...process.env, ...this.env, ...o.env }, stdio: ["ignore", "pipe", "pipe"] });
      if (child.pid && o.onSpawn) o.onSpawn(child.pid);
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs ?? 600_000);
      child.on("error", reject);
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        const last = out.trim().split("\n").pop() ?? "";
        try {
          const r = JSON.parse(last) as RunResult;
          r.stderr = `${r.stderr}${err}`;
          resolve(r);
        } catch {
          resolve({ op, ok: false, error: `stack-runner exited ${code ?? signal}: ${err.slice(-2000)}`, stdout: out, stderr: err, steps: [], seconds: 0 });
        }
      });
    });
  }

  /** Remove the program folder and its state. */
  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  delete?: boolean;
  pendingReplacement?: boolean;
}
