/**
 * `entra-guests summarize`: `pulumi preview --json` (or `pulumi up --json`) on stdin → a table of
 * the guests that change, as Markdown for a pull-request comment or as text for logs
 * (summary.ts beside it does the work).
 */
import * as path from "node:path";
import { CliError, Command, checkWritable, readStdin, stringFlag, writeFileAtomic } from "../../command";
import { COMMENT_MARKER, SummaryInputError, readPulumiJson, renderMarkdown, renderText, summarize } from "./summary";

const HELP = `Usage: pulumi preview --json | entra-guests summarize [flags]

Reads the JSON of \`pulumi preview --json\` (also with --refresh), or of \`pulumi up --json\`, on stdin
and writes one row per guest (Invitation resource, alone or in a GuestList) that changes:
  invite             a new guest (an address that already exists is adopted instead)
  adopt              (after up) the address existed: the same user, no duplicate
  rename key         a guest-list key renamed: the new key takes the same user over, no invitation
  restore            deleted out of band, still in the recycle bin (preview --refresh): restored
  re-invite          deleted out of band for good (preview --refresh): invited again, a new user
  reset redemption   email change old -> new, triggers changed, or --replace: the same user
  switch user (old: delete | disable | retain)   invitedUser names another user: taken over
  update             the fields that change (marked when Entra drifted and they are set back)
  remind (re-invite, reminder N of M)   still PendingAcceptance remindAfterDays after the last
                     invitation (preview --refresh): the invitation is re-issued, same user
  remove: delete | disable | retain   by the guest's onDelete
  expire (delete | disable | retain)  a GuestList entry whose expiresOn has passed, by its onDelete
and the totals, or "No guest changes". Only addresses, field names and policies are printed: never
redeem URLs or other values.

Flags:
  --format F   markdown (default; starts with ${COMMENT_MARKER} so a pipeline can update its comment) or text
  --out FILE   write to FILE instead of stdout (written whole, or not at all)
  -h, --help   this help

Example (a pull request's check):
  pulumi preview --refresh --json | npx entra-guests summarize > summary.md
  gh pr comment "$PR" --body-file summary.md
`;

export const summarizeCommand: Command = {
  name: "summarize",
  summary: "turn `pulumi preview --json` on stdin into a Markdown table of guest changes for a pull request",
  help: HELP,
  options: {
    format: { type: "string" },
    out: { type: "string", short: "o" },
  },
  async run(flags, io) {
    const formatRaw = stringFlag(flags, "format") ?? "markdown";
    const format = formatRaw.trim().toLowerCase();
    if (format !== "markdown" && format !== "md" && format !== "text") {
      throw new CliError(`--format '${formatRaw}' is not a format: use --format markdown or --format text`);
    }
    const outRaw = stringFlag(flags, "out");
    const out = outRaw === undefined || outRaw === "-" ? undefined : checkWritable(outRaw, io.cwd);
    const text = await readStdin(
      io,
      "pipe the JSON of a preview into it: pulumi preview --json | entra-guests summarize",
    );
    let summaryText: string;
    try {
      const summary = summarize(readPulumiJson(text));
      summaryText = format === "text" ? renderText(summary) : renderMarkdown(summary);
    } catch (e) {
      if (e instanceof SummaryInputError) throw new CliError(e.message);
      throw e;
    }
    if (out) {
      writeFileAtomic(out, summaryText);
      io.stderr.write(`entra-guests summarize: written to ${path.relative(io.cwd, out) || out}\n`);
    } else io.stdout.write(summaryText);
    return 0;
  },
};
