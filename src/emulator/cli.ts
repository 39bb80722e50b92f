#!/usr/bin/env node
/**
 * `entra-graph-emulator`: runs the Graph emulator until SIGINT/SIGTERM.
 *
 *   entra-graph-emulator [--port N] [--latency-ms N|MIN-MAX] [--state FILE] [--throttle graph|off]
 *                        [--faults SPEC] [--lag-ms N] [--ca-dir DIR] [--seed N]
 *                        [--tenant-id ID] [--client-id ID] [--client-secret S]
 *
 * Prints one JSON line {graphUrl, authorityHost, tenantId, clientId, clientSecret, caCertPath,
 * port} on stdout once it listens. Clients must trust caCertPath (NODE_EXTRA_CA_CERTS).
 *
 * With `--print-env` (and any of the flags above) it starts the emulator in the background instead,
 * prints the `export NAME=value` lines a shell needs to point a stack at it, and exits:
 * `eval "$(npx entra-graph-emulator --print-env)"`, later `kill $ENTRA_EMULATOR_PID`.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator } from "./index";
import type { EmulatorOptions } from "./types";
import { providerEnv, type GraphTarget } from "../testing/graph-admin";

const USAGE = `usage: entra-graph-emulator [--port N] [--latency-ms N|MIN-MAX] [--state FILE] [--throttle graph|off]
                            [--faults SPEC] [--lag-ms N] [--ca-dir DIR] [--seed N]
                            [--tenant-id ID] [--client-id ID] [--client-secret SECRET]
                            [--print-env]
  --faults SPEC  e.g. "503=0.05,504=0.02,reset=0.01,drop=0.02,429=0.01"
  --print-env    start in the background, print the shell's export lines and exit:
                   eval "$(npx entra-graph-emulator --print-env)"   ...   kill $ENTRA_EMULATOR_PID
Prints one JSON line with graphUrl, authorityHost, tenantId, clientId, clientSecret, caCertPath, port.`;

/** The flag that turns the command into "start in the background and print the export lines". */
const PRINT_ENV = "--print-env";

/** What the emulator's JSON line says. */
interface EmulatorLine extends GraphTarget {
  caCertPath: string;
  port: number;
}

/** A value as one POSIX shell word: single-quoted unless it is plainly safe. */
function shellWord(v: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `export` lines for an emulator: the provider's variables (ENTRA_GRAPH_ENDPOINT,
 * ENTRA_AUTHORITY_HOST, ARM_TENANT_ID, ARM_CLIENT_ID, ARM_CLIENT_SECRET, as the test kit's
 * `providerEnv`), NODE_EXTRA_CA_CERTS (always: a shell that has another CA file set would not trust
 * the emulator), and ENTRA_EMULATOR_PID when the emulator runs in the background.
 */
export function envExports(line: EmulatorLine, pid?: number): string {
  const env: Record<string, string> = {
    ...providerEnv({ ...line, caCertPath: undefined }),
    NODE_EXTRA_CA_CERTS: line.caCertPath,
  };
  if (pid !== undefined) env.ENTRA_EMULATOR_PID = String(pid);
  return Object.entries(env)
    .map(([k, v]) => `export ${k}=${shellWord(v)}\n`)
    .join("");
}

/**
 * `--print-env`: runs this CLI again without the flag, detached, with its log in a file; waits for
 * its JSON line, then prints the export lines on stdout (a note on stderr) and returns, leaving the
 * emulator running. Rejects with the emulator's own message when it exits before listening.
 */
async function startInBackground(argv: string[]): Promise<void> {
  const log = path.join(os.tmpdir(), `entra-graph-emulator-${process.pid}-${Date.now()}.log`);
  const logFd = fs.openSync(log, "a");
  const child = spawn(process.execPath, [__filename, ...argv], { detached: true, stdio: ["ignore", "pipe", logFd] });
  fs.closeSync(logFd);
  const stdout = child.stdout;
  if (!stdout) throw new Error("no pipe to the emulator's stdout");
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    stdout.on("data", (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      const why = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim() : "";
      reject(new Error(`the emulator exited (${code}) before it listened${why ? `: ${why}` : ""} (log ${log})`));
    });
  });
  child.removeAllListeners("exit");
  stdout.destroy();
  child.unref();
  const info = JSON.parse(line) as EmulatorLine;
  process.stdout.write(envExports(info, child.pid));
  process.stderr.write(
    `entra-graph-emulator: running in the background at ${info.graphUrl} (pid ${child.pid}, log ${log}); stop it with: kill $ENTRA_EMULATOR_PID\n`,
  );
}

function num(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n < 0) throw new Error(`${flag}: expected a number >= 0, got '${v}'`);
  return n;
}

/** Parses the command line into emulator options. */
export function parseArgs(argv: string[]): EmulatorOptions | "help" {
  const o: EmulatorOptions = {};
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i];
    let value: string | undefined;
    const eq = flag.indexOf("=");
    if (flag.startsWith("--") && eq > 0) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    }
    if (flag === "--help" || flag === "-h") return "help";
    const next = (): string => {
      if (value !== undefined) return value;
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--port":
        o.port = num(flag, next());
        break;
      case "--latency-ms": {
        const v = next();
        const m = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(v);
        o.latencyMs = m ? { min: Number(m[1]), max: Number(m[2]) } : num(flag, v);
        break;
      }
      case "--state":
        o.statePath = next();
        break;
      case "--throttle": {
        const v = next();
        if (v !== "graph" && v !== "off") throw new Error(`--throttle: expected graph or off, got '${v}'`);
        o.throttle = v;
        break;
      }
      case "--faults":
        o.faults = next();
        break;
      case "--lag-ms":
        o.replicationLagMs = num(flag, next());
        break;
      case "--ca-dir":
        o.caDir = next();
        break;
      case "--seed":
        o.seed = num(flag, next());
        break;
      case "--tenant-id":
        o.tenantId = next();
        break;
      case "--client-id":
        o.clientId = next();
        break;
      case "--client-secret":
        o.clientSecret = next();
        break;
      default:
        throw new Error(`unknown argument '${argv[i]}'`);
    }
  }
  return o;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const printEnv = argv.includes(PRINT_ENV);
  const rest = argv.filter((a) => a !== PRINT_ENV);
  let opts: EmulatorOptions | "help";
  try {
    opts = parseArgs(rest);
  } catch (e) {
    process.stderr.write(`entra-graph-emulator: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    process.exit(2);
  }
  if (opts === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (printEnv) {
    await startInBackground(rest);
    return;
  }
  const emu = await startEmulator(opts);
  const { graphUrl, authorityHost, tenantId, clientId, clientSecret, caCertPath, port } = emu;
  process.stdout.write(
    `${JSON.stringify({ graphUrl, authorityHost, tenantId, clientId, clientSecret, caCertPath, port })}\n`,
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`entra-graph-emulator: ${signal}, stopping\n`);
    emu.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`entra-graph-emulator: close failed: ${String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`entra-graph-emulator: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
