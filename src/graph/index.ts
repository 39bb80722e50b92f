/**
 * Graph access, the one surface the provider and the CLI use: settings and credentials, one scheduler
 * factory ({@link createScheduler}; the provider's process-wide registry {@link schedulerFor} is
 * built on it), the one `call` (call.ts), the clients named by Graph resource ({@link graphFor}:
 * users, invitations, extensions, sponsors, the paged user list), and errors. Schedulers are shared
 * by every resource and every version of this package loaded in the plugin process (through a
 * process-wide registry, `processWide` in src/sdk.ts).
 */
import { processWide } from "../sdk";
import { createCredential } from "./credential";
import { ExtensionsClient } from "./extensions";
import { InvitationsClient } from "./invitations";
import { DirectScheduler, RequestScheduler, Scheduler } from "./scheduler";
import { GraphSettings } from "./settings";
import { SponsorsClient } from "./sponsors";
import { createTransport } from "./transport";
import { GraphClient } from "./client";
import { UserListClient } from "./user-list";
import { UsersClient } from "./users";

export { EntraGraphError, hintFor, isTransientNetworkError, permissionHint } from "./errors";
export { call, toError } from "./call";
export { GraphClient } from "./client";
export { ExtensionClient, ExtensionsClient, OPEN_EXTENSION_TYPE } from "./extensions";
export type { OpenExtension } from "./extensions";
export { InvitationsClient } from "./invitations";
export { SponsorsClient } from "./sponsors";
export { INVITED_USERS_FILTER, MAX_PAGE_SIZE, nextPath, relativeNextLink, UserListClient } from "./user-list";
export type { UserPage } from "./user-list";
export { LOOKUP_SELECT, LOOKUP_TOP, lookupClauses, lookupFilter, UsersClient } from "./users";
export type { UserWithExtensions } from "./users";
export { createCredential } from "./credential";
export { createTransport } from "./transport";
export { classify, FAILURE_TITLES } from "./failures";
export { resolveSettings, describeSettings } from "./settings";
export type { GraphSettings, ConfigGetter, CredentialSpec } from "./settings";
export type { GraphRequest, GraphResponse, RequestScheduler, SchedulerStats } from "./scheduler";
export * from "./types";

/** What a scheduler of {@link createScheduler} may differ in from the provider's. */
export interface SchedulerChoices {
  /** Where the credential reads its variables (default: this process's environment). */
  env?: Record<string, string | undefined>;
  /** Per request, from submit to giving up (default the scheduler's 10 minutes). */
  deadlineMs?: number;
  /** Where the scheduler's "waiting for Graph" lines go (default stderr). */
  onProgress?: (line: string) => void;
}

/**
 * The one scheduler factory: a scheduler for these settings, with Graph's limits, 429 handling,
 * retries and `maxConcurrency` / `batching` (or, with `scheduler: off`, requests sent as they come
 * with the Graph SDK's retries). The provider's come from {@link schedulerFor}; the CLI's export
 * makes its own with a shorter deadline.
 */
export function createScheduler(settings: GraphSettings, choices: SchedulerChoices = {}): RequestScheduler {
  const credential = createCredential(settings.credential, settings.authorityHost, choices.env);
  if (settings.scheduler === "off")
    return new DirectScheduler(
      createTransport({ graphEndpoint: settings.graphEndpoint, credential, sdkRetries: true }),
    );
  return new Scheduler(createTransport({ graphEndpoint: settings.graphEndpoint, credential }), {
    maxConcurrency: settings.maxConcurrency,
    batching: settings.batching,
    ...(choices.deadlineMs === undefined ? {} : { deadlineMs: choices.deadlineMs }),
    ...(choices.onProgress === undefined ? {} : { onProgress: choices.onProgress }),
  });
}

type Registry = Map<string, RequestScheduler>;

function registry(): Registry {
  return processWide<Registry>("schedulers", () => new Map());
}

function keyOf(s: GraphSettings): string {
  const c = s.credential;
  const tenant = "tenantId" in c ? (c.tenantId ?? "") : "";
  const client = "clientId" in c ? (c.clientId ?? "") : "";
  return [s.graphEndpoint, tenant, client, c.kind, s.scheduler].join("|");
}

/** The process's scheduler for these settings, made on first use ({@link createScheduler}). */
export function schedulerFor(settings: GraphSettings): RequestScheduler {
  const reg = registry();
  const key = keyOf(settings);
  let s = reg.get(key);
  if (!s) {
    s = createScheduler(settings);
    reg.set(key, s);
  }
  return s;
}

/** The provider's user and invitation calls on the process's scheduler for these settings. */
export function graphClientFor(settings: GraphSettings): GraphClient {
  return new GraphClient(schedulerFor(settings));
}

/** Graph by resource, on one scheduler: where a new call goes is the client of its resource. */
export interface Graph {
  users: UsersClient;
  invitations: InvitationsClient;
  extensions: ExtensionsClient;
  sponsors: SponsorsClient;
  userList: UserListClient;
}

/** The resource clients on `scheduler`. */
export function graphFor(scheduler: RequestScheduler): Graph {
  return {
    users: new UsersClient(scheduler),
    invitations: new InvitationsClient(scheduler),
    extensions: new ExtensionsClient(scheduler),
    sponsors: new SponsorsClient(scheduler),
    userList: new UserListClient(scheduler),
  };
}
