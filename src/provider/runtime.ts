/**
 * The provider runtime: carries out the plans of plan.ts against Graph. Runs in the dynamic-provider
 * plugin process. Every function here is one lifecycle step; decisions live in plan.ts, and those of
 * a replacement (which spans check, diff, delete and create) in replacement.ts.
 */
import type { ResourceProvider } from "@pulumi/pulumi/dynamic";
import {
  EntraGraphError,
  GraphClient,
  graphClientFor,
  GraphSettings,
  resolveSettings,
  GraphUser,
  schedulerFor,
} from "../graph";
import { ExtensionClient, LOOKUP_SELECT, UserWithExtensions } from "../graph/extensions";
import { classify, FailureClass } from "../graph/failures";
import { checkInputs } from "./validate";
import { refuseExpiredCreate } from "./expiry";
import { now as clockNow } from "../clock";
import {
  chooseMatch,
  FoundUser,
  switchesUser,
  inputsOf,
  invitationBody,
  invitationFailure,
  isInvitedGuest,
  outputsFromInvitation,
  outputsFromUser,
  ownedOnDelete,
  planAfterInvite,
  planCreate,
  planDiff,
  planMarkFound,
  planMarkUpdate,
  planNewGuestMark,
  planRead,
  planUpdate,
  refuseConversion,
  replacementNotice,
  sponsorsToAdd,
  createPreviewLine,
  planGone,
  recoveryWarning,
  reinviteNotice,
  removalLine,
  restoreNotice,
} from "./plan";
import { UNKNOWN } from "./types";
import { markData, MARK_NAME, parseMark, wholeMark } from "./mark";
import { onCheck, onCreate, onDelete, onDiff, planReset, ResetTarget } from "./replacement";
import type { CheckedInputs, InvitationOutputs } from "./types";
import { warn } from "../sdk";
import { heldByOther, hold, invitationHolder, resetHolders, takeoverHolder } from "./holders";
import type { StepContext } from "./context";

/**
 * How long after an invitation a 404 on the new user is taken for replication lag, not absence
 * (ENTRA_REPLICATION_LAG_SECONDS, default 60). A user found in deletedItems is gone at once.
 */
export const REPLICATION_LAG_MS = Number(process.env.ENTRA_REPLICATION_LAG_SECONDS ?? "60") * 1000;

type Config = Parameters<NonNullable<ResourceProvider["configure"]>>[0]["config"];

let settings: GraphSettings | undefined;
/**
 * A configure that failed. The SDK caches the provider before its configure returns, so later calls
 * in this process run without it: they must fail the same way, not fall back to the environment.
 */
let configError: unknown;

function currentSettings(): GraphSettings {
  if (configError) throw configError;
  return (settings ??= resolveSettings(() => undefined, process.env));
}

function graph(): GraphClient {
  return graphClientFor(currentSettings());
}

/** Open extensions (ownership marks) and lookups that read them, on the same scheduler as {@link graph}. */
function extensions(): ExtensionClient {
  return new ExtensionClient(schedulerFor(currentSettings()));
}

/** Until when a 404 on this guest may be replication lag (its last invitation was recent), if it may. */
function lagWindow(props: { invitedAt?: string }): number | undefined {
  const until = props.invitedAt ? Date.parse(props.invitedAt) + REPLICATION_LAG_MS : 0;
  return until > Date.now() ? until : undefined;
}

/**
 * A write to a guest that tolerates replication lag: a 404 within the lag window of the guest's last
 * invitation is retried until the window closes, unless the user is in the recycle bin (really gone).
 */
async function lagTolerant<T>(
  g: GraphClient,
  id: string,
  props: { invitedAt?: string },
  write: (retryNotFoundUntil?: number) => Promise<T>,
): Promise<T> {
  try {
    return await write(undefined);
  } catch (e) {
    const lag = lagWindow(props);
    if (!(e instanceof EntraGraphError && e.notFound) || !lag || (await g.isDeleted(id))) throw e;
    return write(lag);
  }
}

/**
 * Read a guest, tolerating replication lag the same way: a 404 within the lag window of its last
 * invitation is retried until the window closes, unless the user is in the recycle bin.
 */
async function readGuest(
  g: GraphClient,
  id: string,
  props: { invitedAt?: string },
  select?: readonly string[],
): Promise<GraphUser | undefined> {
  const user = await g.getUser(id, { select });
  const lag = lagWindow(props);
  if (user || !lag || (await g.isDeleted(id))) return user;
  return g.getUser(id, { select, retryNotFoundUntil: lag });
}

export async function configureRuntime(config: Config): Promise<void> {
  try {
    settings = resolveSettings((k) => config.get(k), process.env);
    configError = undefined;
  } catch (e) {
    configError = e;
    throw e;
  }
}

/**
 * Each step gets a {@link StepContext} from the provider module that calls it (index.ts for an
 * `Invitation`, shards.ts per guest of a shard; built in context.ts from the SDK door): the URN and
 * identity it is for and where its lines go. The steps read neither from the SDK themselves.
 */
export async function checkStep(olds: Record<string, unknown>, news: Record<string, unknown>, ctx: StepContext) {
  if (configError) throw configError;
  const { inputs, failures } = checkInputs(news);
  if (failures.length) return { inputs: news, failures };
  // A create (no old inputs): an invitation past its expiresOn is refused. An existing guest that
  // expires is removed by leaving the program (GuestList does); its Invitation warns (see invitation.ts).
  const expired =
    olds.invitedUserEmailAddress === undefined ? refuseExpiredCreate(inputs.expiresOn, clockNow()) : undefined;
  if (expired) return { inputs: news, failures: [expired] };
  if (onCheck(olds, inputs).kind === "preview-create" && ctx.announce !== false)
    await announceCreate(inputs as unknown as CheckedInputs, ctx);
  return { inputs };
}

/** Addresses of guests a refresh in this process found gone for good: their create (the check says so) is a re-invite. */
const goneForGood = new Set<string>();

/** The lookups of {@link announceCreate} stopped after one could not run (said once). */
let previewLookupOff = false;
/** A lookup at check that takes longer than this is given up (the preview goes on without the line). */
const PREVIEW_LOOKUP_MS = 20_000;

/** Failures that stop every Graph call of the run (each step that needs Graph says so, once). */
const GRAPH_GONE: ReadonlySet<FailureClass> = new Set(["unreachable", "tls", "authority", "credentials"]);

/**
 * At check of a create: look the address up (the create's own lookup, through the process-wide
 * scheduler) and say when the create will not invite (adopted, or taken over by a new key). The
 * engine shows `+ create` and never calls `create` in a preview. A lookup that cannot run (no
 * permission, Graph not answering) never fails the check: one line says the preview cannot tell.
 */
async function announceCreate(inputs: CheckedInputs, ctx: StepContext): Promise<void> {
  if (previewLookupOff || configError) return;
  if (
    inputs.invitedUserEmailAddress === UNKNOWN ||
    inputs.invitedUser === UNKNOWN ||
    (inputs.invitedUser && inputs.resetRedemption)
  )
    return;
  const { urn, identity: self } = ctx;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${PREVIEW_LOOKUP_MS / 1000} s`)), PREVIEW_LOOKUP_MS);
      timer.unref();
    });
    const lookup = await Promise.race([lookUp(extensions(), inputs, ctx), timeout]);
    if (!lookup.canRead) throw new Error("no permission to read users (User.Read.All)");
    const line =
      createPreviewLine(inputs, lookup.user, self) ??
      (goneForGood.has(inputs.invitedUserEmailAddress) && !lookup.user
        ? reinviteNotice(inputs.invitedUserEmailAddress)
        : undefined);
    if (line) await ctx.log(line, urn);
  } catch (e) {
    previewLookupOff = true;
    // Graph itself cannot be reached or refuses the credential: the steps that need Graph report that
    // cause once, with its fix; a second line about the lookup would only repeat it.
    if (GRAPH_GONE.has(classify(e)?.class ?? "graph")) return;
    await ctx.log(
      `the preview could not look up existing guests (${e instanceof Error ? e.message.split("\n")[0] : String(e)}): a \`+ create\` may adopt a guest that exists (no invitation) rather than invite it.`,
    );
  } finally {
    clearTimeout(timer);
  }
}

export async function diffStep(
  id: string,
  olds: InvitationOutputs,
  news: CheckedInputs & Record<string, unknown>,
  ctx: StepContext,
) {
  const plan = planDiff(olds, news);
  // A preview shows `+- replace`; say that it is a redemption reset of the same user. A refresh
  // diffs the old inputs (never a replacement, never checked here): it says nothing.
  const step = onDiff(id, olds, news, plan.replaces);
  // Declared and keeping its user: a delete of another resource in this run must not remove it.
  if (step.checkedHere && !switchesUser(id, news))
    hold(id, ctx.holder ?? { key: invitationHolder(id), label: `the Invitation of ${news.invitedUserEmailAddress}` });
  if (step.announce)
    await ctx.log(
      replacementNotice(id, olds, news, step.announce.causes, await resetTarget(step.announce.target)),
      ctx.urn,
    );
  // In the recycle bin (found by the refresh): the update restores the same user; say so.
  if (plan.restore && step.checkedHere) await ctx.log(restoreNotice(id, olds), ctx.urn);
  // A reminder due (found by the refresh): the update re-issues the invitation; say why.
  if (plan.remind && !plan.replaces.length && step.checkedHere) {
    await ctx.log(
      `${olds.invitedUserEmailAddress}: ${olds.reminderDue} \u2192 the invitation is re-issued (same user, no reset, a new redeem link${news.sendInvitationMessage ? "; the invitation email goes out" : ""})`,
      ctx.urn,
    );
  }
  return {
    changes: plan.changes,
    replaces: plan.replaces,
    stables: plan.stables,
    deleteBeforeReplace: plan.deleteBeforeReplace,
  };
}

/**
 * For the preview line of a replacement: whether the user it resets (`resetTargetOf` in
 * replacement.ts) is an internal user, not an invited guest. Undefined when not known (no target,
 * not read, gone, no permission): the line then says nothing about it.
 */
async function resetTarget(target: ResetTarget | undefined): Promise<{ member: boolean } | undefined> {
  if (!target) return undefined;
  if (!target.read) return { member: false };
  try {
    const user = await graph().getUser(target.userId, { select: RESET_SELECT });
    return user ? { member: !isInvitedGuest(user) } : undefined;
  } catch {
    return undefined;
  }
}

export async function createStep(props: CheckedInputs & Record<string, unknown>, ctx: StepContext) {
  const r = await createUser(props, ctx);
  // A guest of a shard is held by it whatever the create did; an Invitation holds a user it took over.
  if (ctx.holder) hold(r.id, ctx.holder);
  return r;
}

async function createUser(props: CheckedInputs & Record<string, unknown>, ctx: StepContext) {
  const inputs = inputsOf(props) as CheckedInputs;
  const g = graph();
  // A replacement's second half, or a reset that invitedUser asks for: reset that user (replacement.ts).
  for (let step = onCreate(props); step.kind !== "look-up";) {
    if (step.kind === "refuse") throw new Error(step.message);
    const outs = await resetRedemption(g, inputs, step.userId, { olds: step.olds, mailPatched: step.mailPatched });
    if (outs) return { id: outs.userId, outs };
    if (step.goneWarning) warn(step.goneWarning);
    step = step.whenGone;
  }

  const x = extensions();
  const { urn, identity: self } = ctx;
  const lookup = await lookUp(x, inputs, ctx);
  const plan = planCreate(inputs, lookup.user, self);
  if (plan.action === "refuse") throw new Error(plan.message);

  if (plan.action === "take") {
    // The guest exists: no invitation (no email, no invitation budget); only what the program declares.
    for (const w of plan.warnings) await ctx.warn(w, urn);
    const user = lookup.user!;
    // A key rename (another resource of this stack marked it): the old resource's delete keeps it. Its
    // own mark (a rerun, or the other form of the same guest): held as this Invitation's (holders.ts).
    const taker = takeoverHolder(plan.owner, user.id, self, urn);
    if (taker) hold(user.id, taker);
    const recovered = recoveryWarning(inputs.invitedUserEmailAddress, user, plan, urn);
    if (recovered) await ctx.warn(recovered, urn);
    if (Object.keys(plan.patch).length) await g.patchUser(user.id, plan.patch);
    const sponsors = inputs.invitedUserSponsors?.length
      ? sponsorsToAdd(inputs.invitedUserSponsors, await x.sponsorIds(user.id))
      : [];
    for (const sid of sponsors) await x.addSponsor(user.id, sid, currentSettings().graphEndpoint);
    if (plan.markWrite && !marksDenied) {
      await writeMark(() => x.updateExtension(user.id, MARK_NAME, plan.markWrite!), ctx, urn);
    }
    return { id: user.id, outs: outputsFromUser(inputs, user, plan.adopted) };
  }

  const requestStart = new Date();
  // The invitation service may not see yet a user holding the address (made a moment ago, e.g. by this
  // create's own first attempt whose answer was lost): retried; the answer is then judged like any other.
  const res = await whileLagging(
    () => g.invite(invitationBody(inputs)),
    (e) => e.status === 400 && ADDRESS_TAKEN_UNSEEN.test(e.message),
  );
  const failed = invitationFailure(res, inputs.invitedUserEmailAddress);
  if (failed) throw new Error(failed);
  const now = new Date(); // after the answer: nearest to the time Graph stamped
  const lagUntil = now.getTime() + REPLICATION_LAG_MS;
  // The answer may name a user the lookup did not see (replication lag, an address the lookup cannot
  // ask for, a narrowed lookup): one that existed before is adopted, never owned (no mark, retained).
  const after =
    lookup.canRead && res.invitedUser?.id ? await readAfterInvite(g, res.invitedUser.id, lagUntil) : undefined;
  const owning = planAfterInvite(inputs, res, after, { requestStart, now, clock: clockNow() });
  const { outs } = owning;
  if (owning.kind === "adopt") await ctx.warn(owning.warning, urn);
  // A new guest already has the invitation's name and type.
  if (Object.keys(owning.patch).length) await g.patchUser(outs.userId, owning.patch, { retryNotFoundUntil: lagUntil });
  if (
    owning.kind === "own" &&
    (await markNewGuest(x, outs.userId, owning.onDelete, { canRead: lookup.canRead, lagUntil }, ctx)) === "other"
  )
    outs.adopted = true;
  return { id: outs.userId, outs };
}

/** The user an invitation answered with (its creation time and state), waiting out replication lag; undefined when it cannot be read. */
async function readAfterInvite(g: GraphClient, id: string, lagUntil: number): Promise<FoundUser | undefined> {
  try {
    return await g.getUser(id, { select: LOOKUP_SELECT, retryNotFoundUntil: lagUntil });
  } catch (e) {
    if (e instanceof EntraGraphError && e.status === 403) return undefined;
    throw e;
  }
}

/** An earlier mark in this process got 403 (no User.ReadWrite.All): later ones are not tried. */
let marksDenied = false;
/** The one warning about skipped marks has been shown. */
let markWarningShown = false;
/** `$expand=extensions` on a lookup was refused (400) once: look up without it and read the mark apart. */
let expandRefused = false;

async function marksSkipped(reason: string, fix: string, ctx: StepContext, urn?: string): Promise<void> {
  if (markWarningShown) return;
  markWarningShown = true;
  await ctx.warn(
    `${reason}: guests are invited without an ownership mark, so a rerun after a lost state adopts them (retained on delete) and \`entra-guests orphans\` cannot find them. ${fix}`,
    urn,
  );
}

/** A write of a mark that may be refused for want of User.ReadWrite.All: then one warning, and no more marks in this process. */
async function writeMark(write: () => Promise<unknown>, ctx: StepContext, urn?: string): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (e) {
    if (e instanceof EntraGraphError && e.status === 403) {
      marksDenied = true;
      await marksSkipped(
        `cannot write ownership marks (${e.code})`,
        "Grant User.ReadWrite.All to mark them.",
        ctx,
        urn,
      );
      return false;
    }
    throw e;
  }
}

/** The documented lookup was refused (400) once: later lookups ask `mail` and `otherMails` only. */
let lookupNarrowed = false;

/**
 * The users who hold the address, with their marks: the documented lookup with `$expand=extensions`;
 * if the tenant refuses a part (400), without `$expand` (each mark read apart), then with the narrow
 * filter, each refusal remembered for the process and the narrowing said once.
 */
async function findByAddress(x: ExtensionClient, email: string, ctx: StepContext): Promise<UserWithExtensions[]> {
  const tries: [wide: boolean, expand: boolean][] = [
    [true, true],
    [true, false],
    [false, true],
    [false, false],
  ];
  let last: unknown;
  for (const [wide, expand] of tries) {
    if ((wide && lookupNarrowed) || (expand && expandRefused)) continue;
    try {
      const users = await x.findUsersByEmail(email, { expand, wide });
      if (!expand) await attachMarks(x, users);
      if (!expand) expandRefused = true;
      if (!wide && !lookupNarrowed) {
        lookupNarrowed = true;
        await ctx.warn(
          `the tenant refused the documented lookup of existing users (userPrincipalName, mail, proxyAddresses, otherMails; ${last instanceof EntraGraphError ? last.code : "400"}): looking up by mail and otherMails only. A user holding an address only as its userPrincipalName or in proxyAddresses is then found by the invitation's answer instead, and adopted (not marked, retained).`,
          ctx.urn,
        );
      }
      return users;
    } catch (e) {
      if (!(e instanceof EntraGraphError && e.status === 400)) throw e;
      last = e;
    }
  }
  throw last;
}

/** Each user's mark, read apart (when `$expand=extensions` is refused). */
async function attachMarks(x: ExtensionClient, users: UserWithExtensions[]): Promise<void> {
  for (const u of users) {
    const mark = await x.getExtension(u.id, MARK_NAME);
    u.extensions = mark ? [mark] : [];
  }
}

/**
 * The user with the address (or `invitedUser`), with its open extensions. Several users with the
 * address: one is chosen by a stated rule and a warning names them all. Without read permission
 * (403): a warning, and the create invites without the check (`canRead` false).
 */
async function lookUp(
  x: ExtensionClient,
  inputs: CheckedInputs,
  ctx: StepContext,
): Promise<{ user?: FoundUser; canRead: boolean }> {
  const what = inputs.invitedUser ?? inputs.invitedUserEmailAddress;
  try {
    if (!inputs.invitedUser) {
      const { user, warning } = chooseMatch(
        await findByAddress(x, inputs.invitedUserEmailAddress, ctx),
        inputs.invitedUserEmailAddress,
        ctx.identity,
      );
      if (warning) await ctx.warn(warning, ctx.urn);
      return { user, canRead: true };
    }
    if (!expandRefused) {
      try {
        return { user: await x.getUser(inputs.invitedUser, { expand: true }), canRead: true };
      } catch (e) {
        if (!(e instanceof EntraGraphError && e.status === 400)) throw e;
        expandRefused = true;
      }
    }
    const user = await x.getUser(inputs.invitedUser, { expand: false });
    if (user) await attachMarks(x, [user]);
    return { user, canRead: true };
  } catch (e) {
    return { user: degradeRead(e, what), canRead: false };
  }
}

/**
 * Marks a guest this resource just invited. Never fails the create: a missing permission is one
 * warning; a mark already there (a re-sent request, or a guest the lookup could not see) is read
 * and, if another stack's, kept (the guest is then adopted: `other` is returned).
 */
async function markNewGuest(
  x: ExtensionClient,
  userId: string,
  onDelete: ReturnType<typeof ownedOnDelete>,
  o: { canRead: boolean; lagUntil: number },
  ctx: StepContext,
): Promise<"marked" | "other" | "skipped"> {
  const plan = planNewGuestMark(ctx.identity, { canRead: o.canRead, marksDenied });
  if (plan.kind === "skip") {
    if (plan.reason) await marksSkipped(plan.reason, plan.fix ?? "", ctx, ctx.urn);
    return "skipped";
  }
  try {
    return (await writeMark(
      () => x.addExtension(userId, MARK_NAME, markData(plan.self, onDelete), { retryNotFoundUntil: o.lagUntil }),
      ctx,
      ctx.urn,
    ))
      ? "marked"
      : "skipped";
  } catch (e) {
    const existing =
      e instanceof EntraGraphError && (e.status === 409 || e.status === 400)
        ? await x.getExtension(userId, MARK_NAME).catch(() => undefined)
        : undefined;
    const found = planMarkFound(userId, existing ? parseMark(existing) : undefined, plan.self);
    switch (found.kind) {
      case "adopt":
        await ctx.warn(found.warning, ctx.urn);
        return "other";
      case "rewrite":
        await writeMark(
          () => x.updateExtension(userId, MARK_NAME, wholeMark(existing!, markData(plan.self, onDelete))),
          ctx,
          ctx.urn,
        );
        return "marked";
      case "keep":
        return "marked";
      case "unmarked":
        await ctx.warn(
          `could not mark guest ${userId} as this stack's (${e instanceof Error ? e.message : String(e)}): invited without an ownership mark.`,
          ctx.urn,
        );
        return "skipped";
    }
  }
}

/** A missing read permission must not fail a create: warn and invite without the adoption check. */
function degradeRead(e: unknown, what: string): undefined {
  if (e instanceof EntraGraphError && e.status === 403) {
    warn(
      `cannot read users (${e.code}) to look for an existing guest ${what}: inviting anyway; grant User.Read.All so adopted guests are recognised (and retained on delete).`,
    );
    return undefined;
  }
  throw e;
}

/** Graph's answer to a reset whose address is on neither `mail` nor `otherMails` (invitation-post). */
const ADDRESS_NOT_ON_USER = /email you're using to invite this user doesn't match any emails on the user object/i;

/** The read of a user before a reset: its addresses and what tells an invited guest from an internal user. */
const RESET_SELECT = [
  "id",
  "mail",
  "otherMails",
  "userPrincipalName",
  "userType",
  "creationType",
  "externalUserState",
] as const;

/**
 * Refuses (throws) a reset or replacement of `userId` when it is not an invited guest and the program
 * did not opt in; before any write. Undefined when the user is gone; else the user as read.
 */
async function guardConversion(
  g: GraphClient,
  userId: string,
  inputs: Partial<CheckedInputs>,
  what: string,
  props: { invitedAt?: string } = {},
): Promise<FoundUser | undefined> {
  const user = await readGuest(g, userId, props, RESET_SELECT);
  if (!user) return undefined;
  const refusal = refuseConversion(user, inputs, what);
  if (refusal) throw new Error(refusal);
  return user;
}

/**
 * Reset the redemption of an existing user: check it is an invited guest (or the program opted in to
 * convert it), put the new address on the user (Graph rejects a reset whose address is on neither
 * mail nor otherMails), then `POST /invitations` with resetRedemption. A reset right after that
 * `mail` PATCH may still meet the old address (replication lag): it is retried, bounded.
 * Undefined when the user is gone.
 */
async function resetRedemption(
  g: GraphClient,
  inputs: CheckedInputs,
  userId: string,
  opts: { olds: Partial<InvitationOutputs>; mailPatched?: boolean },
): Promise<InvitationOutputs | undefined> {
  let mailPatched = opts.mailPatched ?? false;
  const user = await readGuest(g, userId, opts.olds, RESET_SELECT);
  if (!user) return undefined;
  // Whom, how (an internal user the program opted in to convert: no resetRedemption) and what first: replacement.ts.
  const plan = planReset({ userId, user, inputs, olds: opts.olds, mailPatched });
  if (plan.kind === "refuse") throw new Error(plan.message);
  if (plan.patchMail) {
    try {
      await lagTolerant(g, userId, opts.olds, (until) =>
        g.patchUser(userId, { mail: inputs.invitedUserEmailAddress }, { retryNotFoundUntil: until }),
      );
      mailPatched = true;
    } catch (e) {
      if (e instanceof EntraGraphError && e.notFound) return undefined;
      throw e;
    }
  }
  let res;
  try {
    res = await whileLagging(
      () => g.invite(plan.body),
      (e) => mailPatched && e.status === 400 && ADDRESS_NOT_ON_USER.test(e.message),
    );
  } catch (e) {
    if (e instanceof EntraGraphError && e.notFound) return undefined;
    throw e;
  }
  const failed = invitationFailure(res, inputs.invitedUserEmailAddress);
  if (failed) throw new Error(failed);
  const now = new Date();
  const outs = outputsFromInvitation(inputs, res, { adopted: plan.adopted, now, clock: clockNow() });
  if (Object.keys(plan.patch).length)
    await lagTolerant(g, userId, opts.olds, (until) => g.patchUser(userId, plan.patch, { retryNotFoundUntil: until }));
  return outs;
}

/** At most this long a write that meets replication lag (an answer `lagging` recognises) is retried. */
const LAG_RETRY_MAX_MS = 30_000;

/**
 * `call`, retried with doubling waits (from 0.5 s) while it fails with an answer of replication lag
 * (`lagging`), for at most min(ENTRA_REPLICATION_LAG_SECONDS, 30 s); then its last failure.
 */
async function whileLagging<T>(call: () => Promise<T>, lagging: (e: EntraGraphError) => boolean): Promise<T> {
  const until = Date.now() + Math.min(REPLICATION_LAG_MS, LAG_RETRY_MAX_MS);
  for (let wait = 500; ; wait *= 2) {
    try {
      return await call();
    } catch (e) {
      if (!(e instanceof EntraGraphError && lagging(e)) || Date.now() + wait > until) throw e;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/**
 * The invitation service's answer for an address that belongs to a user it does not see yet (a user
 * made or changed a moment ago: replication lag); after the lag the same user is returned. Graph's
 * answer here is undocumented (open question 12): this is the directory's "address taken" refusal.
 */
const ADDRESS_TAKEN_UNSEEN = /Another object with the same value for property proxyAddresses already exists/i;

export async function readStep(id: string, props: InvitationOutputs) {
  const g = graph();
  const user = await readGuest(g, id, props);
  if (!user) {
    // Gone. In the recycle bin: kept, and the next update restores it; else it drops out of state
    // and the next `up` invites again. Not known (no permission): drops out, as before.
    const gone = planGone(
      props,
      await g
        .isDeleted(id)
        .catch((e) => (e instanceof EntraGraphError && e.status === 403 ? undefined : Promise.reject(e))),
    );
    if (gone.action === "restore")
      return { id, props: gone.props, inputs: inputsOf(gone.props as unknown as Record<string, unknown>) };
    if (props.invitedUserEmailAddress) goneForGood.add(props.invitedUserEmailAddress);
    return {};
  }
  const { props: outs, inputs } = planRead(props, user, clockNow());
  return { id, props: outs, inputs };
}

export async function updateStep(
  id: string,
  olds: InvitationOutputs,
  news: CheckedInputs & Record<string, unknown>,
  ctx: StepContext,
) {
  const g = graph();
  const inputs = inputsOf(news) as CheckedInputs;
  const plan = planUpdate(olds, inputs);
  const outs: InvitationOutputs = { ...computed(olds), ...inputs };
  if (olds.inRecycleBin && !(await g.restoreUser(id))) {
    throw new Error(
      `guest ${id} (${olds.invitedUserEmailAddress}) is no longer in the recycle bin (deleted for good): run \`pulumi up --refresh\` so it drops out of state and is invited again.`,
    );
  }
  if (Object.keys(plan.patch).length) {
    try {
      await lagTolerant(g, id, olds, (until) => g.patchUser(id, plan.patch, { retryNotFoundUntil: until }));
    } catch (e) {
      if (e instanceof EntraGraphError && e.notFound) {
        throw new Error(
          `guest ${id} (${olds.invitedUserEmailAddress}) no longer exists in Entra: run \`pulumi up --refresh\` so it drops out of state and is invited again.`,
        );
      }
      throw e;
    }
  }
  // A guest this stack owns: its mark follows onDelete (what `entra-guests orphans --apply` does).
  const markChange = planMarkUpdate(olds, inputs);
  if (Object.keys(markChange).length && !marksDenied) {
    // Read the mark and PATCH it whole (Graph deletes what a PATCH leaves out). None: a guest invited
    // before marks existed, or without the permission: nothing to follow.
    const x = extensions();
    await writeMark(async () => {
      const mark = await x.getExtension(id, MARK_NAME);
      if (mark && parseMark(mark)) await x.updateExtension(id, MARK_NAME, wholeMark(mark, markChange));
    }, ctx);
  }
  if (plan.reissueIfPending) {
    const user = await readGuest(g, id, olds, ["id", "externalUserState", "externalUserStateChangeDateTime"]);
    if (user?.externalUserState === "PendingAcceptance") {
      const now = new Date();
      // By address, never with invitedUser (which converts a user who is not an invited guest).
      const res = await g.invite(invitationBody(inputs, { byAddress: true }));
      const failed = invitationFailure(res, inputs.invitedUserEmailAddress);
      if (failed) throw new Error(failed);
      if (res.invitedUser?.id?.toLowerCase() !== id.toLowerCase()) {
        throw new Error(
          `the re-issued invitation of ${inputs.invitedUserEmailAddress} names the user ${res.invitedUser?.id ?? "(none)"}, not the guest ${id} this resource manages: the state is kept as it was. ` +
            `Another user holds the address now; find it with \`entra-guests export\`, remove the address from the user it does not belong to, then run \`pulumi up --refresh\`.`,
        );
      }
      Object.assign(outs, {
        inviteRedeemUrl: res.inviteRedeemUrl,
        invitationId: res.id,
        status: res.status,
        invitedAt: now.toISOString(),
      });
      if (inputs.remindAfterDays !== undefined) outs.lastInvitationAt = clockNow().toISOString();
      if (plan.reminder) outs.remindersSent = (olds.remindersSent ?? 0) + 1;
    } else if (user) {
      outs.externalUserState = user.externalUserState ?? null;
      outs.externalUserStateChangeDateTime = user.externalUserStateChangeDateTime ?? null;
    }
  }
  return { outs };
}

function computed(o: InvitationOutputs): InvitationOutputs {
  const outs = {
    userId: o.userId,
    inviteRedeemUrl: o.inviteRedeemUrl,
    invitationId: o.invitationId,
    status: o.status,
    externalUserState: o.externalUserState,
    externalUserStateChangeDateTime: o.externalUserStateChangeDateTime,
    adopted: o.adopted ?? false,
    invitedAt: o.invitedAt,
  } as InvitationOutputs;
  // Only when present: state written without reminders keeps its shape.
  if (o.lastInvitationAt !== undefined) outs.lastInvitationAt = o.lastInvitationAt;
  if (o.remindersSent !== undefined) outs.remindersSent = o.remindersSent;
  // A guest taken over (no invitation) has no redeem URL, invitation id or time: leave the keys out,
  // the SDK cannot send `undefined` to the engine ("Unexpected struct type").
  for (const k of Object.keys(outs) as (keyof InvitationOutputs)[]) if (outs[k] === undefined) delete outs[k];
  return outs;
}

export async function deleteStep(id: string, props: InvitationOutputs, ctx: StepContext) {
  const g = graph();
  // Another declared resource holds this user (a key rename, a move between the list's forms): keep it.
  const held = heldByOther(id, ctx.holder?.key ?? invitationHolder(id));
  if (held) {
    await ctx.log(
      held.rename
        ? `${props.invitedUserEmailAddress} (${id}): taken over by the new key, not deleted`
        : `${props.invitedUserEmailAddress} (${id}): held by ${held.label}, not deleted`,
      ctx.urn,
    );
    return;
  }
  // Which delete this is (a replacement's first half, or a real delete): replacement.ts.
  const step = onDelete(id, props);
  // A replacement that switches users: the new user is reset by the create. Refuse it now, before
  // the old user leaves, when that user is not an invited guest and the program did not opt in.
  if (step.kind === "delete-by-policy" && step.guardNext)
    await guardConversion(
      g,
      step.guardNext.userId,
      step.guardNext.news,
      "the redemption reset (replacement by another user)",
    );
  if (step.kind === "keep-user") {
    // Refuse before any write a reset that would convert an internal user (the old state is kept).
    if (step.guard) await guardConversion(g, id, step.news, "the replacement (redemption reset)", props);
    // `pulumi up --replace` (or replaceOnChanges) replaces without a diff that said so: say it now.
    if (step.announce) await ctx.log(replacementNotice(id, props, step.news, step.announce));
    // First half of a replacement: keep the user. Put the new address on it now, so that a run that
    // dies before the create finds this user by that address next time instead of inviting a second.
    const next = step.mail;
    if (next) {
      try {
        await lagTolerant(g, id, props, (until) => g.patchUser(id, { mail: next }, { retryNotFoundUntil: until }));
        step.pending.mailPatched = true;
      } catch (e) {
        if (!(e instanceof EntraGraphError && e.notFound)) throw e;
      }
    }
    return;
  }
  switch (step.policy) {
    case "delete": {
      // A 404 shortly after the invitation may be replication lag: unless the user is in the recycle
      // bin already, try again until the lag is over (else the guest would stay behind, live).
      const lag = lagWindow(props);
      if (!(await g.deleteUser(id)) && lag && !(await g.isDeleted(id)))
        await g.deleteUser(id, { retryNotFoundUntil: lag });
      return;
    }
    case "disable":
      await ctx.log(removalLine(props)!, ctx.urn);
      try {
        await lagTolerant(g, id, props, (until) =>
          g.patchUser(id, { accountEnabled: false }, { retryNotFoundUntil: until }),
        );
      } catch (e) {
        if (!(e instanceof EntraGraphError && e.notFound)) throw e;
      }
      return;
    case "retain":
      await ctx.log(removalLine(props)!, ctx.urn);
      return;
  }
}

/** Forget what this process learnt about marks (tests: each test is a plugin process of its own). */
export function resetMarkState(): void {
  marksDenied = false;
  markWarningShown = false;
  expandRefused = false;
  lookupNarrowed = false;
  previewLookupOff = false;
  resetHolders();
  goneForGood.clear();
}
