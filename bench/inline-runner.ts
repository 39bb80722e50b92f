#!/usr/bin/env node
/**
 * The benchmark's comparison path only: one Pulumi operation through the Automation API with an
 * INLINE program (the program runs in this process, through the language runtime that @pulumi/pulumi
 * serves itself; the CLI does plan, steps, state and the plugin). Users run programs with the plain
 * CLI and the Node.js language host, which is what the tests and the rest of the benchmark use
 * (src/testing/pulumi-cli.ts); this runner exists so that `npm run bench -- --engine-hosts` can put
 * the two side by side in one run. Prints the result as one JSON line (a RunResult).
 *
 *   node inline-runner.js --dir <program folder> --stack <name> --op up|preview|destroy [--refresh]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunResult, StepEvent } from "../src/testing/pulumi-cli";

function parseArgs(argv: string[]): {
  dir: string;
  stack: string;
  op: string;
  refresh: boolean;
  replace: string[];
  target: string[];
  config: Record<string, string>;
  secretConfig: Record<string, string>;
} {
  const a = {
    dir: "",
    stack: "dev",
    op: "up",
    refresh: false,
    replace: [] as string[],
    target: [] as string[],
    config: {} as Record<string, string>,
    secretConfig: {} as Record<string, string>,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = (): string => argv[++i];
    if (k === "--dir") a.dir = path.resolve(v());
    else if (k === "--stack") a.stack = v();
    else if (k === "--op") a.op = v();
    else if (k === "--refresh") a.refresh = true;
    else if (k === "--replace") a.replace.push(v());
    else if (k === "--target") a.target.push(v());
    else if (k === "--config" || k === "--secret-config") {
      const [key, ...rest] = v().split("=");
      (k === "--config" ? a.config : a.secretConfig)[key] = rest.join("=");
    } else throw new Error(`unknown argument ${k}`);
  }
  if (!a.dir) throw new Error("--dir is required");
  return a;
}

/** Lets the inline program be TypeScript: transpile on require (types are checked by `npm run typecheck`). */
function registerTypeScript(dir: string): void {
  const exts = require.extensions as Record<string, (m: NodeJS.Module, f: string) => void>;
  if (exts[".ts"]) return;
  exts[".ts"] = (m, filename) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ts = require(require.resolve("typescript", { paths: [dir, __dirname] })) as typeof import("typescript");
    const out = ts.transpileModule(fs.readFileSync(filename, "utf8"), {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    (m as unknown as { _compile(code: string, f: string): void })._compile(out.outputText, filename);
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  // Pulumi.yaml's `main` may name the program's folder (the root stack: `main: stack/`).
  const projectYaml = fs.readFileSync(path.join(args.dir, "Pulumi.yaml"), "utf8");
  const mainDir = path.resolve(args.dir, /^main:\s*(\S+)/m.exec(projectYaml)?.[1] ?? ".");
  // The program's own copy of the SDK, so the inline program and the automation server share it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const auto = require(
    require.resolve("@pulumi/pulumi/automation", { paths: [mainDir] }),
  ) as typeof import("@pulumi/pulumi/automation");
  registerTypeScript(mainDir);
  const entry = ["index.ts", "index.js"].map((f) => path.join(mainDir, f)).find((f) => fs.existsSync(f));
  if (!entry) throw new Error(`no index.ts or index.js in ${mainDir}`);
  const program = async (): Promise<Record<string, unknown>> => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(entry) as Record<string, unknown> & { default?: unknown };
    const exported = typeof mod.default === "function" ? await (mod.default as () => unknown)() : mod;
    return { ...(exported as Record<string, unknown>) };
  };
  const projectName = /^name:\s*(\S+)/m.exec(projectYaml)?.[1] ?? "entra";
  const stack = await auto.LocalWorkspace.createOrSelectStack(
    { stackName: args.stack, projectName, program },
    { workDir: args.dir, envVars: {} },
  );
  for (const [k, v] of Object.entries(args.config)) await stack.setConfig(k, { value: v });
  for (const [k, v] of Object.entries(args.secretConfig)) await stack.setConfig(k, { value: v, secret: true });

  const steps: StepEvent[] = [];
  const onEvent = (e: import("@pulumi/pulumi/automation").EngineEvent): void => {
    const m = e.resourcePreEvent?.metadata;
    if (m && m.type !== "pulumi:pulumi:Stack")
      steps.push({
        op: m.op,
        urn: m.urn,
        type: m.type,
        diffs: m.diffs,
        keys: m.keys,
        detailedDiff: m.detailedDiff as StepEvent["detailedDiff"],
      });
    const o = e.resOutputsEvent?.metadata;
    if (o && o.op === "refresh" && o.type !== "pulumi:pulumi:Stack") {
      const before = (o.old?.outputs ?? {}) as Record<string, unknown>;
      const after = (o.new?.outputs ?? {}) as Record<string, unknown>;
      const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
        (k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]),
      );
      const step = steps.find((s) => s.urn === o.urn && s.op === "refresh");
      if (step) step.refreshedOutputs = changed;
      else steps.push({ op: "refresh", urn: o.urn, type: o.type, refreshedOutputs: changed });
    }
  };
  let stdout = "";
  let stderr = "";
  const onOutput = (s: string): void => void (stdout += s);
  const onError = (s: string): void => void (stderr += s);
  const result: RunResult = { op: args.op, ok: true, stdout: "", stderr: "", steps, diagnostics: [], seconds: 0 };
  try {
    switch (args.op) {
      case "up": {
        const r = await stack.up({
          onOutput,
          onError,
          onEvent,
          refresh: args.refresh,
          replace: args.replace,
          target: args.target.length ? args.target : undefined,
          color: "never",
        } as import("@pulumi/pulumi/automation").UpOptions);
        result.summary = r.summary.resourceChanges as Record<string, number>;
        result.outputs = r.outputs;
        break;
      }
      case "preview": {
        const r = await stack.preview({
          onOutput,
          onError,
          onEvent,
          refresh: args.refresh,
          replace: args.replace,
          diff: true,
          color: "never",
        } as import("@pulumi/pulumi/automation").PreviewOptions);
        result.summary = r.changeSummary as Record<string, number>;
        break;
      }
      case "refresh": {
        const r = await stack.refresh({ onOutput, onError, onEvent, color: "never" });
        result.summary = r.summary.resourceChanges as Record<string, number>;
        break;
      }
      case "destroy": {
        const r = await stack.destroy({ onOutput, onError, onEvent, color: "never" });
        result.summary = r.summary.resourceChanges as Record<string, number>;
        break;
      }
      case "cancel":
        await stack.cancel();
        break;
      case "outputs":
        result.outputs = await stack.outputs();
        break;
      default:
        throw new Error(`unknown --op ${args.op}`);
    }
  } catch (e) {
    result.ok = false;
    result.error = e instanceof Error ? e.message : String(e);
  }
  result.stdout = stdout;
  result.stderr = stderr;
  result.seconds = (Date.now() - started) / 1000;
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
  process.exitCode = result.ok ? 0 : 1;
}

if (require.main === module) {
  main().catch((e) => {
    process.stdout.write(
      `\n${JSON.stringify({ ok: false, error: String(e?.stack ?? e), steps: [], stdout: "", stderr: "", seconds: 0 })}\n`,
    );
    process.exitCode = 1;
  });
}
