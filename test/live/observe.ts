/**
 * The open questions of the Graph reading (../shared/design/graph-facts.md, "Open questions only a
 * tenant can settle") and how the live suite records a tenant's answer to each: one file per
 * question in test/live/observed/, sanitized (src: ./sanitize.ts), written only by a live run.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { sanitize, Secrets } from "./sanitize";

/** The questions, by the file their answer goes to. */
export const QUESTIONS = {
  "01-any-without-advanced-query":
    "otherMails/any(...) and proxyAddresses/any(...) in $filter on /users without advanced query",
  "02-or-across-properties": "`or` across different properties in $filter on /users without advanced query",
  "03-expand-extensions-with-filter": "$expand=extensions with $filter and $top on /users, and the page size then",
  "04-expand-counts-toward-extension-limit":
    "whether $expand=extensions reads count toward the 455 per 10 s open-extension limit",
  "05-extension-patch":
    "whether an open-extension PATCH without extensionName (or without a property) deletes it; whether @odata.type is required on PATCH",
  "06-extension-already-exists": 'the status and code of "An extension already exists with given id."',
  "07-invite-existing-address":
    "what POST /invitations returns for the address of a disabled guest, a soft-deleted guest (a member, a verified domain of the tenant)",
  "08-reinvite-and-reset":
    "what invitedUser without resetRedemption does for a guest; what a reset does for a guest who has not redeemed",
  "08-reset-through-the-provider":
    "the same, as the provider's email change does it (mail PATCH, then invitedUser + resetRedemption) through pulumi up",
  "09-batch": "a top-level 424 batch envelope; whether POST /invitations is accepted inside $batch",
  "10-usage-location-null": "usageLocation: null on PATCH /users/{id}",
  "11-invited-user-sponsors": "the v1.0 body shape of invitedUserSponsors",
  "12-replication-lag":
    "how long replication lag lasts after a create (direct read, filtered list) and whether deleted-items reads lag behind a delete",
  "13-invite-member-with-invite-all": "whether User.Invite.All alone may invite with invitedUserType: Member",
  "14-reset-guest-with-directory-role": "the error of an app-only reset of a guest who holds a directory role",
} as const;

export type QuestionId = keyof typeof QUESTIONS;

/** The folder the answers go to. */
export const OBSERVED_DIR = path.join(__dirname, "observed");

/** The file one answer is written to, as {@link recordAnswer} writes it. Pure. */
export function answerFile(
  question: QuestionId,
  answer: unknown,
  o: { secrets: Secrets; cloud: string; day: string },
): string {
  const body = {
    question: QUESTIONS[question],
    cloud: o.cloud,
    observedOn: o.day,
    graph: "v1.0",
    answer: sanitize(answer, o.secrets),
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/**
 * Writes a tenant's answer to one question (sanitized) into `dir`/<question>.json; by default into
 * test/live/observed, except for a custom endpoint (the emulator, a proxy): its answers are not a
 * tenant's, so they go to a temporary folder.
 */
export function recordAnswer(
  question: QuestionId,
  answer: unknown,
  o: { secrets: Secrets; cloud: string; dir?: string; now?: Date },
): string {
  const dir = o.dir ?? (o.cloud === "custom" ? path.join(os.tmpdir(), "entra-live-observed-custom") : OBSERVED_DIR);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${question}.json`);
  fs.writeFileSync(
    file,
    answerFile(question, answer, {
      secrets: o.secrets,
      cloud: o.cloud,
      day: (o.now ?? new Date()).toISOString().slice(0, 10),
    }),
  );
  return file;
}
