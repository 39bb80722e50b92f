#!/usr/bin/env node
/**
 * `entra-guests`: the package's command-line tool (package.json `bin`).
 *
 *   entra-guests export     write the tenant's guests as a guest-list file (YAML or CSV)
 *   entra-guests summarize  turn `pulumi preview --json` into a pull-request comment
 *
 * How it is built — the pattern to follow for a new command:
 * - one folder per command in src/cli/commands/ (export/, summarize/, ...), whose index.ts exports a
 *   `Command` (src/cli/command.ts): `name`, a one-line `summary`, the `help` text, its flags as
 *   `util.parseArgs` options, and `run(flags, io)` which resolves to the exit code;
 * - the registry src/cli/commands/index.ts lists the commands (import it, add it to COMMANDS);
 * - this file parses nothing but the command name: the command's flags go through `parseFlags`
 *   (strict `util.parseArgs`: an unknown flag is an error, with a "did you mean"), `--help`/`-h`
 *   is added to every command and answered here;
 * - commands touch the process only through `CliIO` (env, stdin, stdout, stderr, cwd), so tests run
 *   them in-process with `runCli(argv, io)`;
 * - bad input throws `CliError`: one line on stderr, `entra-guests <cmd>: <what is wrong>: <fix>`,
 *   exit code 2, and nothing written (files are written whole at the end, `writeFileAtomic`);
 *   a failure of the work itself (Graph refused, network) is one line too, exit code 1.
 * Pure logic lives in the command's folder beside its index.ts (export/export-file.ts,
 * summarize/summary.ts, orphans/orphans.ts) and is tested with tables; index.ts does flags and I/O.
 * What more than one command uses lives here in src/cli/ (command.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CliError, CliIO, EXIT_FAILURE, EXIT_USAGE, closest, oneLine, parseFlags, workFailure } from "./command";
import { COMMANDS, findCommand } from "./commands";

/** The tool's name as users type it. */
export const BIN = "entra-guests";

function version(): string {
  try {
    return (
      (JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as { version?: string })
        .version ?? "unknown"
    );
  } catch {
    return "unknown";
  }
}

/** The text of `entra-guests --help`. */
export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `${BIN}: Microsoft Entra guests and Pulumi guest lists, from the command line (pulumi-entra-invitation ${version()})`,
    "",
    `Usage: ${BIN} <command> [flags]`,
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    `Run '${BIN} <command> --help' for a command's flags.`,
    "Exit codes: 0 done, 1 the work failed (e.g. Graph refused), 2 bad input (flags, files, stdin).",
    "",
  ].join("\n");
}

/** Runs one command line (`argv` without node and the script) and resolves to its exit code. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(mainHelp());
    return EXIT_USAGE;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    const sub = rest[0] !== undefined ? findCommand(rest[0]) : undefined;
    io.stdout.write(sub ? sub.help : mainHelp());
    return 0;
  }
  if (name === "--version" || name === "-v") {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  const cmd = findCommand(name);
  if (!cmd) {
    const guess = closest(
      name,
      COMMANDS.map((c) => c.name),
    );
    const what = name.startsWith("-") ? `unknown flag '${name}' before the command` : `unknown command '${name}'`;
    io.stderr.write(
      `${BIN}: ${what}${guess ? ` (did you mean '${guess}'?)` : ""}: the commands are ${COMMANDS.map((c) => c.name).join(", ")}; run '${BIN} --help'\n`,
    );
    return EXIT_USAGE;
  }
  try {
    const flags = parseFlags(cmd, rest);
    if (flags.help) {
      io.stdout.write(cmd.help);
      return 0;
    }
    return await cmd.run(flags, io);
  } catch (e) {
    const err = e instanceof CliError ? e : workFailure(e);
    io.stderr.write(`${BIN} ${cmd.name}: ${oneLine(err.message, 1000)}\n`);
    return err.exitCode;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2), {
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${BIN}: ${oneLine(e instanceof Error ? e.message : String(e))}\n`);
      process.exitCode = EXIT_FAILURE;
    },
  );
}
