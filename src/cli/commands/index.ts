/**
 * The registry of `entra-guests` subcommands: one file per command in this folder, each exporting
 * a `Command` (src/cli/command.ts), listed here once. `entra-guests --help` shows them in this order.
 *
 * To add a command: write `<name>.ts` beside export.ts, exporting (as orphans.ts does)
 * `export const <name>Command: Command = { name: "<name>", summary, help, options, run }`,
 * then import it below and add it to COMMANDS. Nothing else needs to change.
 */
import type { Command } from "../command";
import { doctorCommand } from "./doctor";
import { exportCommand } from "./export";
import { orphansCommand } from "./orphans";
import { summarizeCommand } from "./summarize";

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [exportCommand, summarizeCommand, orphansCommand, doctorCommand];

/** The command named `name`, or undefined. */
export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
