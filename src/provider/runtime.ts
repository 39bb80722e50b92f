/**
 * The provider runtime: carries out the plans of plan.ts against Graph. Runs in the dynamic-provider
 * plugin process. Every function here is one lifecycle step; decisions live in plan.ts.
 */
import type { ResourceProvider } from "@pulumi/pulumi/dynamic";
import { EntraGraphError, GraphClient, graphClientFor, GraphSettings, resolveSettings, GraphUser } from "../graph";
import { checkInputs } from "./validate";
import { deletePolicy, fingerprint, inputsOf, invitationBody, outputsFromInvitation, planDiff, planRead, planUpdate, ReplaceCause, replacementNotice, userPatch } from "./plan";
import { claimReplacement, lifecycleRegistry, noteChecked, takePendingReset } from "./replacements";
import type { CheckedInputs, InvitationOutputs } from "./types";

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

function graph(): GraphClient {
  if (configError) throw configError;
  settings ??= resolveSettings(() => undefined, process.env);
  return graphClientFor(settings);
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
async function lagTolerant<T>(g: GraphClient, id: string, props: { invitedAt?: string }, write: (retryNotFoundUntil?: number) => Promise<T>): Promise<T> {
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
async function readGuest(g: GraphClient, id: string, props: { invitedAt?: string }, select?: readonly string[]): Promise<GraphUser | undefined> {
  const user = await g.getUser(id, { select });
  const lag = lagWindow(props);
  if (user || !lag || (await g.isDeleted(id))) return user;
  return g.getUser(id, { select, retryNotFoundUntil: lag });
}

function warn(message: string): void {
  process.stderr.write(`warning: pulumi-entra-invitation: ${message}\n`);
}

/** Sends one INFO line to the engine's log; rejects when the engine cannot be reached. */
type EngineLog = (message: string) => Promise<void>;
/** `null`: this process has no engine to log to (tests, the gRPC test kit). */
let engineLog: EngineLog | null | undefined;

/**
 * The engine's `Log` RPC, reached the way every plugin reaches it: the engine starts the SDK's
 * dynamic-provider plugin (`cmd/dynamic-provider/index.js`) with its own address as the first
 * argument. The SDK's `pulumi.log` is not connected in the plugin (it prints `info: [runtime] ...`
 * to stdout), so the client is made from the plugin's own copy of the SDK. A dynamic provider's
 * methods get no URN, so the line belongs to the stack, not to the resource.
 */
function connectEngineLog(): EngineLog | null {
  const main = require.main;
  const addr = process.argv[2];
  if (!main || !/[\\/]cmd[\\/]dynamic-provider[\\/]index\.js$/.test(main.filename) || !addr || !/^\S+:[1-9]\d*$/.test(addr)) return null;
  try {
    const grpc = main.require("@grpc/grpc-js") as { credentials: { createInsecure(): unknown } };
    const { EngineClient } = main.require("../../proto/engine_grpc_pb") as { EngineClient: new (addr: string, creds: unknown) => { log(req: unknown, opts: { deadline: number }, cb: (err: Error | null) => void): void } };
    const { LogRequest, LogSeverity } = main.require("../../proto/engine_pb") as { LogRequest: new () => { setSeverity(s: number): void; setMessage(m: string): void }; LogSeverity: { INFO: number } };
    const client = new EngineClient(addr, grpc.credentials.createInsecure());
    return (message) =>
      new Promise((resolve, reject) => {
        const req = new LogRequest();
        req.setSeverity(LogSeverity.INFO);
        req.setMessage(message);
        client.log(req, { deadline: Date.now() + 5_000 }, (err) => (err ? reject(err) : resolve()));
      });
  } catch {
    return null;
  }
}

/**
 * A line the engine shows under "Diagnostics" (as info, for the stack). Through the engine's log
 * when there is one: the engine hides the stdout and stderr of resource plugins it does not
 * recognise by name as a dynamic provider. Otherwise, or if that fails, on stderr like `warn`.
 */
async function notice(message: string): Promise<void> {
  engineLog ??= connectEngineLog();
  if (engineLog) {
    try {
      return await engineLog(message);
    } catch {
      // fall through to stderr
    }
  }
  process.stderr.write(`${message}\n`);
}

/** Ids whose replacement a diff in this process has announced (a delete then says nothing more). */
const announced = new Set<string>();

/** These checked inputs passed `check` in this process (not the old inputs a refresh diffs against). */
function checkedHere(news: Partial<CheckedInputs>): boolean {
  const seen = news.invitedUserEmailAddress === undefined ? undefined : lifecycleRegistry().byEmail.get(news.invitedUserEmailAddress);
  return seen !== undefined && fingerprint(seen as Record<string, unknown>) === fingerprint(news as Record<string, unknown>);
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

export async function checkStep(olds: Record<string, unknown>, news: Record<string, unknown>) {
  if (configError) throw configError;
  const { inputs, failures } = checkInputs(news);
  if (failures.length) return { inputs: news, failures };
  noteChecked(olds, inputs as unknown as Record<string, unknown>);
  return { inputs };
}

export async function diffStep(id: string, olds: InvitationOutputs, news: CheckedInputs & Record<string, unknown>) {
  const plan = planDiff(olds, news);
  // A preview shows `+- replace`; say that it is a redemption reset of the same user. A refresh
  // diffs the old inputs (never a replacement, never checked here): it says nothing.
  if (plan.replaces.length && checkedHere(news)) {
    announced.add(id);
    await notice(replacementNotice(id, olds, news, plan.replaces as ReplaceCause[]));
  }
  return { changes: plan.changes, replaces: plan.replaces, stables: plan.stables, deleteBeforeReplace: plan.deleteBeforeReplace };
}

export async function createStep(props: CheckedInputs & Record<string, unknown>) {
  const inputs = inputsOf(props) as CheckedInputs;
  const g = graph();
  const pending = takePendingReset(props);
  if (pending) {
    const outs = await resetRedemption(g, inputs, pending.userId, { olds: pending.olds, mailPatched: pending.mailPatched });
    if (outs) return { id: outs.userId, outs };
    warn(`user ${pending.userId} was gone before its redemption could be reset; inviting ${inputs.invitedUserEmailAddress} afresh.`);
  }
  if (inputs.invitedUser && inputs.resetRedemption) {
    const outs = await resetRedemption(g, inputs, inputs.invitedUser, { olds: { adopted: true } });
    if (!outs) throw new Error(`invitedUser ${inputs.invitedUser} does not exist: check the object id, or leave out invitedUser and resetRedemption to invite ${inputs.invitedUserEmailAddress} as a new guest.`);
    return { id: outs.userId, outs };
  }

  let existing: GraphUser | undefined;
  if (inputs.invitedUser) {
    existing = await g.getUser(inputs.invitedUser).catch((e) => degradeRead(e, inputs.invitedUser!));
  } else {
    existing = await g.findUserByEmail(inputs.invitedUserEmailAddress).catch((e) => degradeRead(e, inputs.invitedUserEmailAddress));
  }
  const res = await g.invite(invitationBody(inputs));
  const now = new Date(); // after the answer: nearest to the time Graph stamped
  const outs = outputsFromInvitation(inputs, res, { adopted: existing !== undefined || inputs.invitedUser !== undefined, now, user: existing });
  // A new guest already has the invitation's name and type; an adopted one gets what the program says.
  const patch = existing ? userPatch(fromUser(existing), inputs) : userPatch({}, { userProperties: inputs.userProperties });
  if (Object.keys(patch).length) await g.patchUser(outs.userId, patch, { retryNotFoundUntil: now.getTime() + REPLICATION_LAG_MS });
  return { id: outs.userId, outs };
}

/** A missing read permission must not fail a create: warn and invite without the adoption check. */
function degradeRead(e: unknown, what: string): undefined {
  if (e instanceof EntraGraphError && e.status === 403) {
    warn(`cannot read users (${e.code}) to look for an existing guest ${what}: inviting anyway; grant User.Read.All so adopted guests are recognised (and retained on delete).`);
    return undefined;
  }
  throw e;
}

/** The inputs an existing user already satisfies, for a PATCH of only what differs. */
function fromUser(u: GraphUser): Partial<CheckedInputs> {
  const props: Record<string, string> = {};
  for (const k of ["givenName", "surname", "companyName", "department", "jobTitle", "usageLocation"] as const) {
    const v = u[k];
    if (v != null) props[k] = v;
  }
  return { invitedUserDisplayName: u.displayName ?? undefined, invitedUserType: u.userType === "Member" ? "Member" : "Guest", userProperties: props };
}

/**
 * Reset the redemption of an existing user: put the new address on the user (Graph rejects a reset
 * whose address is on neither mail nor otherMails), then `POST /invitations` with resetRedemption.
 * Undefined when the user is gone.
 */
async function resetRedemption(g: GraphClient, inputs: CheckedInputs, userId: string, opts: { olds: Partial<InvitationOutputs>; mailPatched?: boolean }): Promise<InvitationOutputs | undefined> {
  const emailChanged = opts.olds.invitedUserEmailAddress !== undefined && opts.olds.invitedUserEmailAddress !== inputs.invitedUserEmailAddress;
  if (!opts.mailPatched && (emailChanged || opts.olds.invitedUserEmailAddress === undefined)) {
    const user = opts.olds.invitedUserEmailAddress === undefined ? await g.getUser(userId, { select: ["id", "mail", "otherMails"] }) : ({ id: userId } as GraphUser);
    if (!user) return undefined;
    const has = [user.mail, ...(user.otherMails ?? [])].some((m) => m?.toLowerCase() === inputs.invitedUserEmailAddress);
    if (!has) {
      try {
        await lagTolerant(g, userId, opts.olds, (until) => g.patchUser(userId, { mail: inputs.invitedUserEmailAddress }, { retryNotFoundUntil: until }));
      } catch (e) {
        if (e instanceof EntraGraphError && e.notFound) return undefined;
        throw e;
      }
    }
  }
  let res;
  try {
    res = await g.invite(invitationBody(inputs, { userId, reset: true }));
  } catch (e) {
    if (e instanceof EntraGraphError && e.notFound) return undefined;
    throw e;
  }
  const now = new Date();
  const outs = outputsFromInvitation(inputs, res, { adopted: opts.olds.adopted ?? false, now });
  const patch = userPatch(opts.olds, inputs);
  delete patch.userType; // the invitation set it
  if (Object.keys(patch).length) await lagTolerant(g, userId, opts.olds, (until) => g.patchUser(userId, patch, { retryNotFoundUntil: until }));
  return outs;
}

export async function readStep(id: string, props: InvitationOutputs) {
  const user = await readGuest(graph(), id, props);
  if (!user) return {}; // gone: drops out of state, the next `up` invites again
  const { props: outs, inputs } = planRead(props, user);
  return { id, props: outs, inputs };
}

export async function updateStep(id: string, olds: InvitationOutputs, news: CheckedInputs & Record<string, unknown>) {
  const g = graph();
  const inputs = inputsOf(news) as CheckedInputs;
  const plan = planUpdate(olds, inputs);
  const outs: InvitationOutputs = { ...computed(olds), ...inputs };
  if (Object.keys(plan.patch).length) {
    try {
      await lagTolerant(g, id, olds, (until) => g.patchUser(id, plan.patch, { retryNotFoundUntil: until }));
    } catch (e) {
      if (e instanceof EntraGraphError && e.notFound) {
        throw new Error(`guest ${id} (${olds.invitedUserEmailAddress}) no longer exists in Entra: run \`pulumi up --refresh\` so it drops out of state and is invited again.`);
      }
      throw e;
    }
  }
  if (plan.reissueIfPending) {
    const user = await readGuest(g, id, olds, ["id", "externalUserState", "externalUserStateChangeDateTime"]);
    if (user?.externalUserState === "PendingAcceptance") {
      const now = new Date();
      const res = await g.invite(invitationBody(inputs, { userId: id }));
      Object.assign(outs, { inviteRedeemUrl: res.inviteRedeemUrl, invitationId: res.id, status: res.status, invitedAt: now.toISOString() });
    } else if (user) {
      outs.externalUserState = user.externalUserState ?? null;
      outs.externalUserStateChangeDateTime = user.externalUserStateChangeDateTime ?? null;
    }
  }
  return { outs };
}

function computed(o: InvitationOutputs): InvitationOutputs {
  const { userId, inviteRedeemUrl, invitationId, status, externalUserState, externalUserStateChangeDateTime, adopted, invitedAt } = o;
  return { userId, inviteRedeemUrl, invitationId, status, externalUserState, externalUserStateChangeDateTime, adopted: adopted ?? false, invitedAt } as InvitationOutputs;
}

export async function deleteStep(id: string, props: InvitationOutputs) {
  const g = graph();
  const claim = claimReplacement(id, props);
  if (claim) {
    // `pulumi up --replace` (or replaceOnChanges) replaces without a diff that said so: say it now.
    if (!announced.delete(id)) {
      const causes = planDiff(props, claim.news).replaces as ReplaceCause[];
      await notice(replacementNotice(id, props, claim.news, causes.length ? causes : ["requested"]));
    }
    // First half of a replacement: keep the user. Put the new address on it now, so that a run that
    // dies before the create finds this user by that address next time instead of inviting a second.
    const next = claim.news.invitedUserEmailAddress;
    if (next && next !== props.invitedUserEmailAddress) {
      try {
        await lagTolerant(g, id, props, (until) => g.patchUser(id, { mail: next }, { retryNotFoundUntil: until }));
        claim.pending.mailPatched = true;
      } catch (e) {
        if (!(e instanceof EntraGraphError && e.notFound)) throw e;
      }
    }
    return;
  }
  switch (deletePolicy(props)) {
    case "delete": {
      // A 404 shortly after the invitation may be replication lag: unless the user is in the recycle
      // bin already, try again until the lag is over (else the guest would stay behind, live).
      const lag = lagWindow(props);
      if (!(await g.deleteUser(id)) && lag && !(await g.isDeleted(id))) await g.deleteUser(id, { retryNotFoundUntil: lag });
      return;
    }
    case "disable":
      try {
        await lagTolerant(g, id, props, (until) => g.patchUser(id, { accountEnabled: false }, { retryNotFoundUntil: until }));
      } catch (e) {
        if (!(e instanceof EntraGraphError && e.notFound)) throw e;
      }
      return;
    case "retain":
      return;
  }
}
