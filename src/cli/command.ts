/**
 * What every `entra-guests` subcommand is made of (see src/cli/index.ts for the pattern): a
 * {@link Command} object with its flags for `util.parseArgs`, its help text and a `run` function
 * that gets the parsed flags and the process's streams and environment as {@link CliIO} (so tests
 * run commands in-process). Bad input throws a {@link CliError}: one line that says the fix.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs, ParseArgsConfig } from "node:util";
import { classify, FAILURE_TITLES } from "../graph";
import { editDistance } from "../util/edit-distance";
import { oneLine } from "../util/text";

/** The flags of a command, as `util.parseArgs` takes them. */
export type CommandOptions = NonNullable<ParseArgsConfig["options"]>;

/** Parsed flag values by name (repeatable flags give arrays). */
export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** What a command may touch: nothing global, so that tests run it in-process. */
export interface CliIO {
  /** The environment (credentials: `ENTRA_*`, `ARM_*`, `AZURE_*`). */
  env: Record<string, string | undefined>;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  /** Relative paths (`--out`) resolve from here. */
  cwd: string;
}

/** One subcommand of `entra-guests`. */
export interface Command {
  /** What users type: `entra-guests <name>`. */
  name: string;
  /** One line for `entra-guests --help`. */
  summary: string;
  /** The whole `entra-guests <name> --help` text (usage, flags, examples). */
  help: string;
  /** Flags for `util.parseArgs` (strict: unknown flags are errors). `--help` is added for every command. */
  options: CommandOptions;
  /** Does the work; resolves to the exit code. Throws {@link CliError} for bad input. */
  run(flags: FlagValues, io: CliIO): Promise<number>;
}

/** Exit code for bad input (flags, files, stdin). */
export const EXIT_USAGE = 2;
/** Exit code when the work itself failed (Graph refused, network, ...). */
export const EXIT_FAILURE = 1;

/** A failure to show as one line (`entra-guests <cmd>: <message>`), with the exit code to use. */
export class CliError extends Error {
  constructor(
    message: string,
    /** {@link EXIT_USAGE} for bad input, {@link EXIT_FAILURE} otherwise. */
    readonly exitCode: number = EXIT_USAGE,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/**
 * A failure of the work itself (Graph, the credential, the network) as one {@link CliError} line:
 * the classified story (host or field, cause, `Fix:`, src/graph/failures.ts) or, for an error of
 * no known class, its own message. `context` says which settings were used, `after` what became of
 * the work ("nothing was written").
 */
export function workFailure(e: unknown, context?: string, after?: string): CliError {
  const f = classify(e);
  const tail = `${context ? ` (${context})` : ""}${after ? `; ${after}` : ""}`;
  if (f)
    return new CliError(
      `${FAILURE_TITLES[f.class]}: ${f.where} ${f.cause}${f.detail ? ` (${oneLine(f.detail, 400)})` : ""}${tail}. Fix: ${f.fix}`,
      EXIT_FAILURE,
    );
  return new CliError(`${oneLine(e instanceof Error ? e.message : String(e))}${tail}`, EXIT_FAILURE);
}

export { oneLine };

/**
 * `util.parseArgs` in strict mode with its errors turned into one-line {@link CliError}s that name
 * the fix (an unknown flag gets a "did you mean").
 */
export function parseFlags(cmd: Pick<Command, "name" | "options">, args: readonly string[]): FlagValues {
  const options: CommandOptions = { ...cmd.options, help: { type: "boolean", short: "h" } };
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values as FlagValues;
  } catch (e) {
    const err = e as Error & { code?: string };
    const help = `run 'entra-guests ${cmd.name} --help' for the flags`;
    const flag = /'(-[^'\s]*)/.exec(err.message)?.[1];
    switch (err.code) {
      case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
        const name = flag ?? "?";
        const guess = closest(name.replace(/^-+/, "").split("=")[0], Object.keys(cmd.options));
        throw new CliError(`unknown flag '${name}'${guess ? ` (did you mean '--${guess}'?)` : ""}: ${help}`);
      }
      case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL": {
        const arg = /'([^']*)'/.exec(err.message)?.[1] ?? "";
        throw new CliError(`unexpected argument '${arg}': ${cmd.name} takes only flags; ${help}`);
      }
      case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
        const name = /(--[A-Za-z][\w-]*)/.exec(err.message)?.[1] ?? flag ?? "a flag";
        const def = cmd.options[name.replace(/^-+/, "")];
        throw new CliError(
          def?.type === "boolean"
            ? `${name} takes no value: ${help}`
            : `${name} needs a value, e.g. ${name} <value>: ${help}`,
        );
      }
      default:
        throw new CliError(`${oneLine(err.message)}: ${help}`);
    }
  }
}

/** The flag names closest to `name` (by edit distance), for "did you mean". */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** A flag's value as a string (the last one, if given more than once), or undefined. */
export function stringFlag(flags: FlagValues, name: string): string | undefined {
  const v = flags[name];
  const last = Array.isArray(v) ? v[v.length - 1] : v;
  return typeof last === "string" ? last : undefined;
}

/** A repeatable flag's values. */
export function listFlag(flags: FlagValues, name: string): string[] {
  const v = flags[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string");
}

/**
 * Checks, before any work, that `file` can be written: its folder exists and is writable, and the
 * file (if it exists) is a writable file. Returns the absolute path.
 */
export function checkWritable(file: string, cwd: string, flag = "--out"): string {
  if (!file.trim()) throw new CliError(`${flag} needs a file name, e.g. ${flag} guests.yaml`);
  const abs = path.resolve(cwd, file);
  const dir = path.dirname(abs);
  let dirStat: fs.Stats;
  try {
    dirStat = fs.statSync(dir);
  } catch {
    throw new CliError(`${flag} ${file}: the folder ${dir} does not exist: create it first or write elsewhere`);
  }
  if (!dirStat.isDirectory()) throw new CliError(`${flag} ${file}: ${dir} is not a folder: write elsewhere`);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(abs);
  } catch {
    stat = undefined;
  }
  if (stat?.isDirectory())
    throw new CliError(
      `${flag} ${file} is a folder: give a file name inside it, e.g. ${path.join(file, "guests.yaml")}`,
    );
  try {
    fs.accessSync(stat ? abs : dir, fs.constants.W_OK);
  } catch {
    throw new CliError(
      `${flag} ${file}: ${stat ? "the file is not writable" : `the folder ${dir} is not writable`}: check its permissions or write elsewhere`,
    );
  }
  return abs;
}

/**
 * Writes `text` to `file` all at once: into a temporary file beside it, then renamed over it, so
 * that a failure leaves no partial file (and an existing file as it was).
 */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, text, { flag: "wx" });
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new CliError(`could not write ${file}: ${oneLine((e as Error).message)}; nothing was written`, EXIT_FAILURE);
  }
}

/** All of stdin as text; a terminal (nothing piped in) is an error instead of a wait. */
export async function readStdin(io: CliIO, hint: string): Promise<string> {
  if (io.stdin.isTTY) throw new CliError(`nothing on stdin: ${hint}`);
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}
