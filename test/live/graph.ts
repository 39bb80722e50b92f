/**
 * The live suite's own Graph access, through this package's Graph layer with the real credential:
 * - {@link rawGraph}: one HTTP exchange per call, answered as it came (status, headers, body), no
 *   retries: what the observations record;
 * - {@link cleanupRun}: finds the users that carry a run id (./run.ts) and deletes them through the
 *   provider's scheduler (retries, throttling), the way `entra-guests orphans --apply` does.
 */
import { GraphClient, GraphSettings, resolveSettings, schedulerFor } from "../../src/graph";
import { createCredential } from "../../src/graph/credential";
import { ExtensionClient } from "../../src/graph/extensions";
import type { GraphResponse, HttpMethod } from "../../src/graph/scheduler";
import { createTransport } from "../../src/graph/transport";
import { LiveTarget, liveTarget, newRunId, RunUserCandidate, selectRunUsers, targetEnv } from "./run";
import type { Secrets } from "./sanitize";

/** The provider's settings for the target (the `ARM_*` row). */
export function liveSettings(t: LiveTarget): GraphSettings {
  return resolveSettings(() => undefined, targetEnv(t));
}

/** One suite's run: the tenant, the run id, Graph, what the sanitizer must hide. */
export interface LiveRun {
  target: LiveTarget;
  runId: string;
  graph: RawGraph;
  secrets: Secrets;
  /** The provider's cloud name for the target (`custom` for a custom endpoint). */
  cloud: string;
}

/** The run of one live suite file, from the ENTRA_LIVE_* variables (ENTRA_LIVE_RUN_ID reuses a run id). */
export function liveRun(env: Record<string, string | undefined> = process.env): LiveRun {
  const found = liveTarget(env);
  if (!found.target) throw new Error(`the live suite needs ${found.missing.join(", ")}: run it with npm run test:live`);
  const target = found.target;
  const runId = env.ENTRA_LIVE_RUN_ID ?? newRunId(new Date());
  return {
    target,
    runId,
    graph: rawGraph(target),
    secrets: { known: [target.tenantId, target.clientId, target.clientSecret ?? "", target.domain, runId] },
    cloud: liveSettings(target).cloud,
  };
}

/** One Graph exchange as it came. */
export type RawGraph = (method: HttpMethod, path: string, body?: unknown) => Promise<GraphResponse>;

/** Graph without retries, for observations (paths relative to /v1.0). */
export function rawGraph(t: LiveTarget): RawGraph {
  const s = liveSettings(t);
  const transport = createTransport({
    graphEndpoint: s.graphEndpoint,
    credential: createCredential(s.credential, s.authorityHost, targetEnv(t)),
    timeoutMs: 60_000,
  });
  return (method, path, body) => transport.send({ method, path, body });
}

/** What a cleanup did. */
export interface CleanupReport {
  /** Users that carried the run id (or any run id), deleted now (soft delete). */
  deleted: string[];
  /** Users that were already gone when deleted. */
  gone: string[];
  /** Users that could not be deleted, with why. */
  failed: { id: string; error: string }[];
  /** Guests looked at. */
  scanned: number;
}

const SELECT = ["id", "mail", "otherMails", "userPrincipalName", "displayName"].join(",");

/**
 * The tenant's guests, each with its open extensions when the tenant answers `$expand=extensions`
 * on a list (open question 3); without them (and so without marks) when it refuses it.
 */
export async function listGuests(x: ExtensionClient): Promise<RunUserCandidate[]> {
  // Two filters rather than one with `or` across properties (open question 2): guests, and users
  // invited as members (creationType Invitation).
  const byId = new Map<string, RunUserCandidate>();
  for (const f of ["userType eq 'Guest'", "creationType eq 'Invitation'"]) {
    for (const u of await listFiltered(x, encodeURIComponent(f))) byId.set(u.id, u);
  }
  return [...byId.values()];
}

async function listFiltered(x: ExtensionClient, filter: string): Promise<RunUserCandidate[]> {
  const out: RunUserCandidate[] = [];
  let path: string | undefined = `/users?$filter=${filter}&$select=${SELECT}&$expand=extensions&$top=100`;
  try {
    while (path) {
      const page: { value: RunUserCandidate[]; next?: string } = await x.listUsers<RunUserCandidate>(path);
      out.push(...page.value);
      path = page.next;
    }
    return out;
  } catch (e) {
    if ((e as { status?: number }).status !== 400) throw e;
  }
  out.length = 0;
  path = `/users?$filter=${filter}&$select=${SELECT}&$top=999`;
  while (path) {
    const page: { value: RunUserCandidate[]; next?: string } = await x.listUsers<RunUserCandidate>(path);
    out.push(...page.value);
    path = page.next;
  }
  return out;
}

/**
 * Deletes (soft delete) every guest that carries `runId` (or, without it, any run id) at the
 * target's domain, and nothing else. Failures of one user do not stop the others.
 */
export async function cleanupRun(t: LiveTarget, runId?: string): Promise<CleanupReport> {
  const s = liveSettings(t);
  const scheduler = schedulerFor(s);
  const users = await listGuests(new ExtensionClient(scheduler));
  const doomed = selectRunUsers(users, { domain: t.domain, runId });
  const g = new GraphClient(scheduler);
  const report: CleanupReport = { deleted: [], gone: [], failed: [], scanned: users.length };
  for (const u of doomed) {
    try {
      if (await g.deleteUser(u.id)) report.deleted.push(u.id);
      else report.gone.push(u.id);
    } catch (e) {
      report.failed.push({ id: u.id, error: e instanceof Error ? e.message.split("\n")[0] : String(e) });
    }
  }
  return report;
}

/** Runs `body`, then removes the run's users whatever happened; the step's error is returned beside what the cleanup did. */
export async function withCleanup<T>(
  t: LiveTarget,
  runId: string,
  body: () => Promise<T>,
): Promise<{ result?: T; error?: unknown; cleanup: CleanupReport }> {
  let result: T | undefined;
  let error: unknown;
  try {
    result = await body();
  } catch (e) {
    error = e;
  }
  const cleanup = await cleanupRun(t, runId);
  return { result, error, cleanup };
}
