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
 */
import { startEmulator } from "./index";
import type { EmulatorOptions } from "./types";

const USAGE = `usage: entra-graph-emulator [--port N] [--latency-ms N|MIN-MAX] [--state FILE] [--throttle graph|off]
                            [--faults SPEC] [--lag-ms N] [--ca-dir DIR] [--seed N]
                            [--tenant-id ID] [--client-id ID] [--client-secret SECRET]
  --faults SPEC  e.g. "503=0.05,504=0.02,reset=0.01,drop=0.02,429=0.01"
Prints one JSON line with graphUrl, authorityHost, tenantId, clientId, clientSecret, caCertPath, port.`;

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
  let opts: EmulatorOptions | "help";
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`entra-graph-emulator: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    process.exit(2);
  }
  if (opts === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const emu = await startEmulator(opts);
  const { graphUrl, authorityHost, tenantId, clientId, clientSecret, caCertPath, port } = emu;
  process.stdout.write(`${JSON.stringify({ graphUrl, authorityHost, tenantId, clientId, clientSecret, caCertPath, port })}\n`);
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
