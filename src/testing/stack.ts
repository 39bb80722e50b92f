/**
 * A Pulumi stack for tests: a program folder laid out as `pulumi new typescript` lays it out
 * (Pulumi.yaml, package.json, tsconfig.json, index.ts) next to the packed package installed as a user
 * has it, a local file backend and passphrase secrets in a temporary folder, and the plain `pulumi`
 * CLI, which runs the program through the Node.js language host. Each operation is one CLI command.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { outputs, PulumiOp, PulumiRunOptions, runPulumi, RunResult } from "./pulumi-cli";

export type { RunResult, StepEvent, DiagnosticEvent } from "./pulumi-cli";

/** How a {@link TestStack} lays out its program folder. */
export interface TestStackOptions {
  /** Folder whose node_modules holds the installed package (scripts/prepare-e2e.js: ENTRA_E2E_PACKAGE_DIR). */
  packageDir?: string;
  /** A name for the program folder and the stack. */
  name: string;
  /** The program's source (TypeScript unless programFile says otherwise). */
  program: string;
  /** Default `index.ts`. */
  programFile?: string;
  /** Extra environment for the CLI and the provider plugin (Graph endpoint, credentials). */
  env?: Record<string, string>;
  /** Files to write beside the program, e.g. a guest list; they may replace package.json or tsconfig.json. */
  files?: Record<string, string>;
}

/** Flags and settings of one {@link TestStack} operation. */
/** One operation's flags, as {@link runPulumi} takes them; `env` is added to the stack's environment. */
export type RunOptions = Omit<PulumiRunOptions, "dir" | "stack" | "op" | "env"> & {
  /** Environment for this run only (the CLI and the plugins it starts), over the stack's. */
  env?: Record<string, string>;
};

/** tsconfig.json of `pulumi new typescript`. */
export const TYPESCRIPT_TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "commonjs",
    moduleResolution: "node",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

/**
 * A program folder with its own local backend, driven by the plain `pulumi` CLI. The constructor
 * writes the folder (replacing one of the same name); each operation is one CLI command.
 */
export class TestStack {
  /** The program folder (Pulumi.yaml, package.json, the program). */
  readonly dir: string;
  /** The local backend's folder (inside `dir`). */
  readonly stateDir: string;
  private readonly env: Record<string, string>;

  constructor(private readonly opts: TestStackOptions) {
    const pkgDir = opts.packageDir ?? process.env.ENTRA_E2E_PACKAGE_DIR;
    if (!pkgDir || !fs.existsSync(path.join(pkgDir, "node_modules", "pulumi-entra-invitation"))) {
      throw new Error(
        "the package is not installed for end-to-end runs: run the tests with `npm test` / `npm run test:e2e` (scripts/test.js installs it and the Pulumi CLI)",
      );
    }
    this.dir = path.join(pkgDir, opts.name);
    this.stateDir = path.join(this.dir, ".pulumi-state");
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(this.stateDir, { recursive: true });
    fs.writeFileSync(
      path.join(this.dir, "Pulumi.yaml"),
      `name: ${opts.name}\nruntime: nodejs\ndescription: test stack\n`,
    );
    const file = this.programFile;
    const pkg = {
      name: opts.name,
      main: file,
      devDependencies: { "@types/node": "^20", typescript: "^5" },
      dependencies: { "@pulumi/pulumi": "^3", "pulumi-entra-invitation": "*" },
    };
    this.writeFile("package.json", JSON.stringify(pkg, null, 2) + "\n");
    if (file.endsWith(".ts"))
      this.writeFile("tsconfig.json", JSON.stringify({ ...TYPESCRIPT_TSCONFIG, files: [file] }, null, 2) + "\n");
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

  /** The stack's name (also the project's). */
  get stackName(): string {
    return this.opts.name;
  }

  private get programFile(): string {
    return this.opts.programFile ?? "index.ts";
  }

  /** Replace the program's source; the next operation runs it. */
  setProgram(source: string): void {
    fs.writeFileSync(path.join(this.dir, this.programFile), source);
  }

  /** Write a file into the program folder. */
  writeFile(name: string, text: string): void {
    fs.writeFileSync(path.join(this.dir, name), text);
  }

  /** The URN the engine gives a resource of this stack. */
  urn(type: string, name: string, parentType?: string): string {
    const t = parentType ? `${parentType}$${type}` : type;
    return `urn:pulumi:${this.stackName}::${this.stackName}::${t}::${name}`;
  }

  /** `pulumi up --yes --skip-preview`. */
  up(o: RunOptions = {}): Promise<RunResult> {
    return this.run("up", o);
  }
  /** `pulumi preview --diff`. */
  preview(o: RunOptions = {}): Promise<RunResult> {
    return this.run("preview", o);
  }
  /** `pulumi refresh --yes --skip-preview`. */
  refresh(o: RunOptions = {}): Promise<RunResult> {
    return this.run("refresh", o);
  }
  /** `pulumi destroy --yes --skip-preview`. */
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
  exportState(): {
    /** The latest deployment of the checkpoint. */
    deployment: {
      /** The resources in state. */
      resources?: StateResource[];
    };
  } {
    const file = path.join(this.stateDir, ".pulumi", "stacks", this.stackName, `${this.stackName}.json`);
    const checkpoint = JSON.parse(fs.readFileSync(file, "utf8")) as {
      checkpoint: { latest?: { resources?: StateResource[] } };
    };
    return { deployment: checkpoint.checkpoint.latest ?? {} };
  }

  /** Run one operation of the CLI on this stack; never throws for a failed operation (`ok: false`). */
  run(op: PulumiOp, o: RunOptions): Promise<RunResult> {
    return runPulumi({ ...o, dir: this.dir, stack: this.stackName, op, env: this.environment(o.env) });
  }

  /** The stack's outputs now. */
  outputs(): Promise<
    Record<
      string,
      {
        /** The value, secrets in plain text. */
        value: unknown;
        /** The CLI masks it without `--show-secrets`. */
        secret: boolean;
      }
    >
  > {
    return outputs(this.dir, this.stackName, this.environment());
  }

  /** The environment operations run with: this process's, the stack's (backend, secrets, plugins), then `extra`. */
  environment(extra?: Record<string, string>): NodeJS.ProcessEnv {
    return { ...process.env, ...this.env, ...extra };
  }

  /** Remove the program folder and its state. */
  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A resource as the checkpoint keeps it (secrets encrypted). */
export interface StateResource {
  /** The resource's URN. */
  urn: string;
  /** The resource's type token. */
  type: string;
  /** The resource id (for an `Invitation`, the guest's user object id). */
  id?: string;
  /** The inputs as last applied. */
  inputs?: Record<string, unknown>;
  /** The outputs (state). */
  outputs?: Record<string, unknown>;
  /** Marked for deletion (the old half of a create-before-delete replacement). */
  delete?: boolean;
  /** Deleted as the first half of a delete-before-replace replacement whose create has not run yet. */
  pendingReplacement?: boolean;
}
