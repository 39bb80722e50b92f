/**
 * `entra-guests export`: the tenant's guests as a guest-list file (export-file.ts beside it says what
 * is written), read through the provider's credential resolution and Graph scheduler.
 */
import * as path from "node:path";
import {
  createScheduler,
  describeSettings,
  resolveSettings,
  GraphSettings,
  RequestScheduler,
  SchedulerStats,
} from "../../../graph";
import { checkRedirectUrl } from "../../../provider/validate";
import {
  CliError,
  CliIO,
  Command,
  FlagValues,
  checkWritable,
  listFlag,
  oneLine,
  stringFlag,
  workFailure,
  writeFileAtomic,
} from "../../command";
import {
  DEFAULT_REDIRECT_URL,
  ExportFilters,
  RedemptionState,
  STATES,
  SkippedUser,
  assertLoads,
  renderCsv,
  renderYaml,
  selectGuests,
} from "./export-file";
import { listGuests, MAX_PAGE_SIZE } from "./list-guests";

const HELP = `Usage: entra-guests export [flags]

Writes the tenant's guests as a guest-list file that GuestList loads unchanged: one entry per guest
(every user with userType Guest, and members invited through B2B, written with userType: Member),
sorted by address, keyed by the address (jane@contoso.com -> key jane_contoso.com), with only the
fields that are set. A guest a stack invited keeps the onDelete its ownership mark records (written
when it is retain or disable), so the stack that applies its own export keeps its policy. In YAML
each guest's redemption state, creation date, object id and owning stack are a comment above it;
CSV has no comments.

Flags:
  --domain D            only guests whose address is at domain D (repeat for more: --domain a.com --domain b.com)
  --state S             only guests in redemption state S: PendingAcceptance or Accepted
  --created-before T    only guests created before T: a date (2024-06-30, midnight UTC) or a date-time with a zone (2024-06-30T12:00:00+02:00)
  --format F            yaml (default) or csv; by default taken from the --out file's extension
  --out FILE            write to FILE (.yaml, .yml or .csv) instead of stdout; written whole at the end, or not at all
  --redirect-url URL    the file's inviteRedirectUrl (default ${DEFAULT_REDIRECT_URL})
  --page-size N         users per Graph request, 1 to ${MAX_PAGE_SIZE} (default ${MAX_PAGE_SIZE})
  -h, --help            this help

Credentials: as the provider's, from the environment (there is no stack config here):
ENTRA_GRAPH_ENDPOINT / ENTRA_AUTHORITY_HOST (a custom endpoint), ARM_TENANT_ID, ARM_CLIENT_ID with
ARM_CLIENT_SECRET, ARM_CLIENT_CERTIFICATE_PATH or ARM_USE_OIDC, ARM_USE_MSI, ARM_ENVIRONMENT; else
DefaultAzureCredential (AZURE_* variables, workload identity, managed identity, Azure CLI).
Needs User.Read.All (or User.ReadWrite.All).

Examples:
  entra-guests export --out guests.yaml
  entra-guests export --domain fabrikam.com --state Accepted --created-before 2025-01-01 --format csv > fabrikam.csv
`;

/** `--created-before`: a date (midnight UTC) or an ISO date-time with a zone. */
export function parseCreatedBefore(raw: string): Date {
  const v = raw.trim();
  const fix = "write a date (2024-06-30) or a date-time with a zone (2024-06-30T12:00:00Z)";
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(v);
  if (!dateOnly && !dateTime) throw new CliError(`--created-before '${raw}' is not a date: ${fix}`);
  const d = new Date(dateOnly ? `${v}T00:00:00Z` : v);
  // Date accepts 2024-02-31 (as March 2): compare the fields back.
  if (Number.isNaN(d.getTime()) || (dateOnly && d.toISOString().slice(0, 10) !== v))
    throw new CliError(`--created-before '${raw}' is not a real date: ${fix}`);
  const year = d.getUTCFullYear();
  if (year < 2000 || year > 2200)
    throw new CliError(
      `--created-before '${raw}': the year ${year} is outside 2000-2200 (Entra has no users created then): ${fix}`,
    );
  return d;
}

/** `--domain`: a domain name, lower case, without a leading `@`. */
export function parseDomain(raw: string): string {
  const d = raw.trim().toLowerCase().replace(/^@/, "");
  if (!/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/.test(d) || d.includes("..")) {
    throw new CliError(
      `--domain '${raw}' is not a domain name: give the part after the '@', e.g. --domain contoso.com`,
    );
  }
  return d;
}

/** `--state`: PendingAcceptance or Accepted (any case). */
export function parseState(raw: string): RedemptionState {
  const s = STATES.find((x) => x.toLowerCase() === raw.trim().toLowerCase());
  if (!s)
    throw new CliError(`--state '${raw}' is not a redemption state: use --state PendingAcceptance or --state Accepted`);
  return s;
}

/** The format from `--format` and the `--out` file's extension (GuestList reads a file by its extension). */
export function resolveFormat(format: string | undefined, out: string | undefined): "yaml" | "csv" {
  const f = format?.trim().toLowerCase();
  if (f !== undefined && f !== "yaml" && f !== "csv")
    throw new CliError(`--format '${format}' is not a format: use --format yaml or --format csv`);
  if (out === undefined || out === "-") return f ?? "yaml";
  const ext = path.extname(out).toLowerCase();
  const fromExt = ext === ".yaml" || ext === ".yml" ? "yaml" : ext === ".csv" ? "csv" : undefined;
  if (!fromExt)
    throw new CliError(`--out ${out}: GuestList reads a guest file by its extension: name it .yaml, .yml or .csv`);
  if (f && f !== fromExt)
    throw new CliError(
      `--out ${out} is a .${ext.slice(1)} file but --format is ${f}: GuestList reads a file by its extension; name it ${f === "yaml" ? ".yaml" : ".csv"} or drop --format`,
    );
  return fromExt;
}

/** Everything the flags say, checked before any Graph call. */
export interface ExportRequest {
  filters: ExportFilters;
  format: "yaml" | "csv";
  /** Absolute path, or undefined for stdout. */
  out?: string;
  redirectUrl: string;
  pageSize: number;
}

/** The flags as an {@link ExportRequest}; throws a {@link CliError} for the first bad one. */
export function exportRequest(flags: FlagValues, cwd: string): ExportRequest {
  const domains = [...new Set(listFlag(flags, "domain").map(parseDomain))];
  const stateRaw = stringFlag(flags, "state");
  const beforeRaw = stringFlag(flags, "created-before");
  const outRaw = stringFlag(flags, "out");
  const format = resolveFormat(stringFlag(flags, "format"), outRaw);
  const redirectRaw = stringFlag(flags, "redirect-url") ?? DEFAULT_REDIRECT_URL;
  const redirect = checkRedirectUrl(redirectRaw);
  if ("reason" in redirect) throw new CliError(`--redirect-url ${redirect.reason}`);
  const pageRaw = stringFlag(flags, "page-size");
  const pageSize = pageRaw === undefined ? MAX_PAGE_SIZE : Number(pageRaw);
  if (pageRaw !== undefined && (!/^\d+$/.test(pageRaw.trim()) || pageSize < 1 || pageSize > MAX_PAGE_SIZE)) {
    throw new CliError(`--page-size '${pageRaw}' is not a page size: give a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  return {
    filters: {
      domains,
      state: stateRaw === undefined ? undefined : parseState(stateRaw),
      createdBefore: beforeRaw === undefined ? undefined : parseCreatedBefore(beforeRaw),
    },
    format,
    out: outRaw === undefined || outRaw === "-" ? undefined : checkWritable(outRaw, cwd),
    redirectUrl: redirect.ok,
    pageSize,
  };
}

/** What one export did, for the summary line and the benchmark. */
export interface ExportResult {
  text: string;
  guests: number;
  skipped: number;
  /** Users that passed the filters but could not be written, and why. */
  skippedUsers: SkippedUser[];
  filteredOut: number;
  listed: number;
  pages: number;
  /** HTTP requests the scheduler sent for the export (a retry counts again). */
  requests: number;
  throttled: number;
  seconds: number;
}

/** How long one Graph request may take, retries and waits for Graph's budget included (default 3 minutes). */
export const EXPORT_DEADLINE_SECONDS = 180;

/**
 * The export's Graph scheduler: from the one factory (`createScheduler` in src/graph/index.ts) the
 * provider's come from, with Graph's limits, 429 handling, retries and `maxConcurrency` /
 * `batching` / `scheduler` settings, but with the credential read from `env` and a shorter deadline
 * per request: `ENTRA_EXPORT_DEADLINE_SECONDS` (default 180) instead of the provider's 10 minutes,
 * so that an unreachable endpoint fails while someone waits.
 */
export function exportScheduler(settings: GraphSettings, env: Record<string, string | undefined>): RequestScheduler {
  const raw = env.ENTRA_EXPORT_DEADLINE_SECONDS;
  const seconds = raw === undefined || raw.trim() === "" ? EXPORT_DEADLINE_SECONDS : Number(raw);
  if (!(seconds > 0 && seconds <= 3600))
    throw new CliError(
      `ENTRA_EXPORT_DEADLINE_SECONDS '${raw}' is not a number of seconds from 1 to 3600: fix or unset it`,
    );
  // The export prints its own progress lines (progressReporter).
  return createScheduler(settings, { env, deadlineMs: seconds * 1000, onProgress: () => undefined });
}

/** Progress of an export: users and pages read so far, and the scheduler's counters. */
export interface ExportProgress {
  users: number;
  pages: number;
  seconds: number;
}

/**
 * Lists, selects and renders (no writing): the export's work, shared by the command and the
 * benchmark. Graph failures reject with an EntraGraphError.
 */
export async function exportGuests(
  scheduler: RequestScheduler,
  settings: GraphSettings,
  req: ExportRequest,
  onProgress?: (p: ExportProgress) => void,
): Promise<ExportResult> {
  const started = Date.now();
  const before = scheduler.stats();
  const { users, pages } = await listGuests(scheduler, settings.graphEndpoint, {
    pageSize: req.pageSize,
    onPage: (p) => onProgress?.({ ...p, seconds: (Date.now() - started) / 1000 }),
  });
  const after = scheduler.stats();
  const selection = selectGuests(users, req.filters, req.redirectUrl);
  const tenantId = "tenantId" in settings.credential ? settings.credential.tenantId : undefined;
  const text =
    req.format === "csv"
      ? renderCsv(selection.guests, req.redirectUrl)
      : renderYaml(selection.guests, { tenantId, filters: req.filters, skipped: selection.skipped }, req.redirectUrl);
  assertLoads(text, req.format === "csv" ? "export.csv" : "export.yaml");
  return {
    text,
    guests: selection.guests.length,
    skipped: selection.skipped.length,
    skippedUsers: selection.skipped,
    filteredOut: selection.filteredOut,
    listed: users.length,
    pages,
    requests: after.httpRequests - before.httpRequests,
    throttled: after.throttled - before.throttled,
    seconds: (Date.now() - started) / 1000,
  };
}

const plural = (n: number, word: string, words = `${word}s`): string =>
  `${n.toLocaleString("en-US")} ${n === 1 ? word : words}`;

/**
 * The progress line on stderr for long exports: from 2 s on, at most once a second (rewritten in
 * place on a terminal, a line each time otherwise), with the retries when Graph throttles or does
 * not answer.
 */
function progressReporter(io: CliIO, scheduler: RequestScheduler): { report(p: ExportProgress): void; done(): void } {
  const started = Date.now();
  const base: SchedulerStats = scheduler.stats();
  let latest: ExportProgress = { users: 0, pages: 0, seconds: 0 };
  let lastShown = 0;
  let shown = false;
  const show = (): void => {
    const seconds = (Date.now() - started) / 1000;
    if (seconds < 2 || seconds - lastShown < 1) return;
    lastShown = seconds;
    const st = scheduler.stats();
    const retries = st.retries - base.retries;
    const throttled = st.throttled - base.throttled;
    const extra = retries
      ? `; Graph ${throttled ? `throttled ${plural(throttled, "request")}` : "did not answer"}, ${plural(retries, "retry", "retries")} so far`
      : "";
    const line = `entra-guests export: read ${plural(latest.users, "user")} (${plural(latest.pages, "page")}, ${seconds.toFixed(0)} s${extra})...`;
    if (io.stderr.isTTY) io.stderr.write(`\r${line}\x1b[K`);
    else io.stderr.write(`${line}\n`);
    shown = true;
  };
  const timer = setInterval(show, 1000);
  timer.unref();
  return {
    report(p) {
      latest = p;
      show();
    },
    done() {
      clearInterval(timer);
      if (shown && io.stderr.isTTY) io.stderr.write("\r\x1b[K");
    },
  };
}

export const exportCommand: Command = {
  name: "export",
  summary: "write the tenant's guests as a guest-list file (YAML or CSV) that GuestList loads unchanged",
  help: HELP,
  options: {
    domain: { type: "string", multiple: true },
    state: { type: "string" },
    "created-before": { type: "string" },
    format: { type: "string" },
    out: { type: "string", short: "o" },
    "redirect-url": { type: "string" },
    "page-size": { type: "string" },
  },
  async run(flags, io) {
    const req = exportRequest(flags, io.cwd);
    let settings: GraphSettings;
    try {
      settings = resolveSettings(() => undefined, io.env);
    } catch (e) {
      throw new CliError(oneLine((e as Error).message));
    }
    const scheduler = exportScheduler(settings, io.env);
    const progress = progressReporter(io, scheduler);
    let result: ExportResult;
    try {
      result = await exportGuests(scheduler, settings, req, progress.report);
    } catch (e) {
      progress.done();
      throw workFailure(e, describeSettings(settings), "nothing was written");
    }
    progress.done();
    if (req.out) writeFileAtomic(req.out, result.text);
    else io.stdout.write(result.text);
    for (const s of result.skippedUsers)
      io.stderr.write(`entra-guests export: not exported: user ${s.id} ${s.reason}\n`);
    const where = req.out ? path.relative(io.cwd, req.out) || req.out : "stdout";
    const notes = [
      result.skipped ? `${plural(result.skipped, "user")} not exported` : "",
      result.filteredOut ? `${plural(result.filteredOut, "guest")} left out by the filters` : "",
    ].filter(Boolean);
    io.stderr.write(
      `entra-guests export: ${plural(result.guests, "guest")} written to ${where} (${req.format}${notes.length ? `; ${notes.join("; ")}` : ""}; ` +
        `${plural(result.pages, "page")}, ${plural(result.requests, "request")}${result.throttled ? `, ${result.throttled} throttled` : ""}, ${result.seconds.toFixed(1)} s)\n`,
    );
    return 0;
  },
};
