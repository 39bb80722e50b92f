/**
 * `entra-guests orphans`: the guests a stack invited (their ownership mark names it) whose ids its
 * state no longer holds, and with `--apply` each one's `onDelete` from its mark. The logic is
 * orphans.ts beside it; this file does flags and I/O.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  describeSettings,
  ExtensionClient,
  graphClientFor,
  resolveSettings,
  schedulerFor,
  GraphSettings,
} from "../../../graph";
import {
  applyOnDelete,
  findOrphans,
  formatOrphans,
  heldIds,
  listMarkedGuests,
  MarkedGuest,
  OrphansInputError,
  parseStackExport,
  resolveStack,
  StackExport,
} from "./orphans";
import type { StackIdentity } from "../../../provider/mark";
import { CliError, CliIO, Command, oneLine, readStdin, stringFlag, workFailure } from "../../command";
import { runPulumiForStack } from "../../pulumi";

const HELP = `Usage: entra-guests orphans [flags]

Lists the guests a stack invited but no longer holds in its state: users whose ownership mark (an
open extension com.pulumi.entraInvitation the provider puts on every guest it invites) names the
stack, and whose object ids no resource of the stack's state holds. That happens when the state was
lost or made again, or a resource was dropped with 'pulumi state delete'. Guests marked by other
stacks, unmarked guests (invited by hand, by the portal, adopted) and deleted users are never listed.

The state is the output of 'pulumi stack export': piped in, read from --file, or fetched with
--stack. The stack comes from the state's URNs; for an empty state (lost and made again) give
--stack, and --project unless the stack's Pulumi.yaml is in this folder.

Flags:
  --stack NAME      run 'pulumi stack export --stack NAME' here and look for that stack's orphans
                    (with --file: only names the stack, for an empty state)
  --file FILE       read the output of 'pulumi stack export' from FILE ('-': stdin, the default
                    without --stack)
  --project NAME    the project, for an empty state (default: the name in ./Pulumi.yaml)
  --apply           apply each orphan's onDelete from its mark: delete (soft delete, restorable
                    30 days), disable (accountEnabled: false) or retain (nothing). Default: list only
  --json            print the orphans as JSON instead of lines
  -h, --help        this help

Run it when no update of the stack is in progress: a guest a running 'pulumi up' invites is marked
before the engine writes it to state.

Credentials: as the provider's, from the environment (there is no stack config here):
ENTRA_GRAPH_ENDPOINT / ENTRA_AUTHORITY_HOST (a custom endpoint), ARM_TENANT_ID, ARM_CLIENT_ID with
ARM_CLIENT_SECRET, ARM_CLIENT_CERTIFICATE_PATH or ARM_USE_OIDC, ARM_USE_MSI, ARM_ENVIRONMENT; else
DefaultAzureCredential (AZURE_* variables, workload identity, managed identity, Azure CLI).
Listing needs User.Read.All; --apply needs User.ReadWrite.All.

Examples:
  pulumi stack export --stack prod | entra-guests orphans
  entra-guests orphans --stack prod
  entra-guests orphans --stack prod --project guests --apply
`;

/** The `name:` of a Pulumi.yaml in `dir`, if there is one. */
export function projectOf(dir: string): string | undefined {
  for (const f of ["Pulumi.yaml", "Pulumi.yml"]) {
    let text: string;
    try {
      text = fs.readFileSync(path.join(dir, f), "utf8");
    } catch {
      continue;
    }
    const m = /^name:\s*["']?([^"'\s#]+)["']?\s*(?:#.*)?$/m.exec(text);
    if (m) return m[1];
  }
  return undefined;
}

/** `pulumi stack export --stack NAME`, run in `io.cwd` with `io.env`; failures as one line with the fix. */
function exportStack(stack: string, io: CliIO): string {
  return runPulumiForStack(stack, io, {
    command: ["stack", "export"],
    withoutCli: "pipe 'pulumi stack export' into entra-guests orphans",
    fixSuffix: " (with the backend logged in)",
    maxBuffer: 512 * 1024 * 1024,
  });
}

/** The state as the flags say: from `--stack`, `--file` or stdin. */
async function readState(flags: { stack?: string; file?: string }, io: CliIO): Promise<StackExport> {
  if (flags.stack !== undefined && !flags.stack.trim())
    throw new CliError("--stack needs a stack name, e.g. --stack prod");
  if (flags.stack !== undefined && flags.file === undefined) {
    return parseStackExport(exportStack(flags.stack, io), `the state of ${flags.stack}`);
  }
  if (flags.file !== undefined && flags.file !== "-") {
    const file = path.resolve(io.cwd, flags.file);
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why =
        code === "ENOENT"
          ? "does not exist"
          : code === "EISDIR"
            ? "is a folder"
            : code === "EACCES"
              ? "is not readable"
              : oneLine((e as Error).message);
      throw new CliError(
        `--file ${flags.file} ${why}: give the file 'pulumi stack export > FILE' wrote, or use --stack NAME`,
      );
    }
    return parseStackExport(text, `--file ${flags.file}`);
  }
  const text = await readStdin(
    io,
    "pipe 'pulumi stack export' into entra-guests orphans, or give --stack NAME or --file FILE",
  );
  return parseStackExport(text, "stdin");
}

/** One orphan as `--json` prints it. */
function orphanJson(o: MarkedGuest, result?: string): Record<string, unknown> {
  return {
    id: o.id,
    mail: o.mail,
    displayName: o.displayName,
    externalUserState: o.externalUserState,
    accountEnabled: o.accountEnabled,
    resource: o.mark.resource,
    onDelete: o.mark.onDelete,
    ...(result ? { result } : {}),
  };
}

export const orphansCommand: Command = {
  name: "orphans",
  summary: "list the guests a stack invited that its state no longer holds; --apply applies their onDelete",
  help: HELP,
  options: {
    stack: { type: "string", short: "s" },
    file: { type: "string", short: "f" },
    project: { type: "string" },
    apply: { type: "boolean" },
    json: { type: "boolean" },
  },
  async run(flags, io) {
    const stackFlag = stringFlag(flags, "stack");
    const projectFlag = stringFlag(flags, "project");
    if (projectFlag !== undefined && !/^[A-Za-z0-9_.-]+$/.test(projectFlag))
      throw new CliError(`--project '${projectFlag}' is not a project name: give the name in the stack's Pulumi.yaml`);
    let settings: GraphSettings;
    try {
      settings = resolveSettings(() => undefined, io.env);
    } catch (e) {
      throw new CliError(oneLine((e as Error).message));
    }
    let state: StackExport;
    let stack: StackIdentity;
    try {
      state = await readState({ stack: stackFlag, file: stringFlag(flags, "file") }, io);
      stack = resolveStack({ fromState: state.stack, stackFlag, projectFlag, projectFile: projectOf(io.cwd) });
    } catch (e) {
      if (e instanceof OrphansInputError) throw new CliError(e.message);
      throw e;
    }
    const apply = flags.apply === true;
    let orphans: MarkedGuest[];
    const results: string[] = [];
    try {
      const marked = await listMarkedGuests(new ExtensionClient(schedulerFor(settings)), stack, {
        onNotice: (m) => io.stderr.write(`entra-guests orphans: ${m}\n`),
      });
      orphans = findOrphans(marked, heldIds(state.resources));
      if (apply) {
        const g = graphClientFor(settings);
        for (const o of orphans) {
          const r = await applyOnDelete(g, o);
          results.push(r);
          if (!flags.json)
            io.stderr.write(
              `entra-guests orphans: ${r} ${o.id} (${o.mail ?? "no mail"}, resource ${o.mark.resource}, onDelete ${o.mark.onDelete})\n`,
            );
        }
      }
    } catch (e) {
      throw workFailure(
        e,
        describeSettings(settings),
        results.length ? `stopped after ${results.length} applied` : "nothing was changed",
      );
    }
    if (flags.json) {
      io.stdout.write(
        `${JSON.stringify({ project: stack.project, stack: stack.stack, applied: apply, orphans: orphans.map((o, i) => orphanJson(o, results[i])) }, null, 2)}\n`,
      );
    } else {
      io.stdout.write(formatOrphans(stack, orphans));
      if (orphans.length && !apply)
        io.stderr.write("entra-guests orphans: nothing changed; --apply applies each one's onDelete\n");
    }
    return 0;
  },
};
