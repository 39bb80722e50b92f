/**
 * The live suite's identity of one run, and the tenant it runs against. Pure: no I/O here.
 *
 * Every user the suite creates carries its run id: in the address's local part
 * (`entralive-20261205061500-a1b2-owner@<ENTRA_LIVE_DOMAIN>`), in its display name, and (for users the
 * provider invites) in its ownership mark, whose project and stack are the test stack's name
 * (`entralive-20261205061500-a1b2-life`). Cleanup removes exactly the users that carry a run id:
 * of this run after each run, of any run with `npm run test:live -- --cleanup`.
 */
import { readMark } from "../../src/provider/mark";

/** Every run id starts with this. */
export const RUN_PREFIX = "entralive";
/** A run id: the prefix, the UTC start time to the second, four hex digits. */
export const RUN_ID = /^entralive-\d{14}-[0-9a-f]{4}$/;
const ANY_RUN = /^entralive-\d{14}-[0-9a-f]{4}(?=$|[-\s])/i;

/** A new run id for a run started at `now`, e.g. `entralive-20261205061500-a1b2`. */
export function newRunId(now: Date, random: () => number = Math.random): string {
  const t = now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  const hex = Math.floor(random() * 0x10000)
    .toString(16)
    .padStart(4, "0");
  return `${RUN_PREFIX}-${t}-${hex}`;
}

/** The address of one of the run's users: `<runId>-<role>@<domain>`. */
export function runAddress(runId: string, role: string, domain: string): string {
  return `${runId}-${role}@${domain}`.toLowerCase();
}

/** The display name of one of the run's users. */
export function runDisplayName(runId: string, role: string): string {
  return `${runId} ${role}`;
}

/** What the env of `npm run test:live` gives: the tenant and an app in it. */
export interface LiveTarget {
  tenantId: string;
  clientId: string;
  /** One of the two. */
  clientSecret?: string;
  clientCertificatePath?: string;
  /** An address domain the tester owns: every address the suite makes is at it. */
  domain: string;
  /** Only for a national cloud (ARM_ENVIRONMENT names) or the emulator. */
  environment?: string;
  graphEndpoint?: string;
  authorityHost?: string;
}

/** The variables `npm run test:live` needs. */
export const LIVE_VARIABLES = [
  "ENTRA_LIVE_TENANT_ID",
  "ENTRA_LIVE_CLIENT_ID",
  "ENTRA_LIVE_CLIENT_SECRET or ENTRA_LIVE_CLIENT_CERTIFICATE_PATH",
  "ENTRA_LIVE_DOMAIN",
] as const;

/** The target from the environment, or the variables that are missing. */
export function liveTarget(
  env: Record<string, string | undefined>,
): { target: LiveTarget; missing?: undefined } | { target?: undefined; missing: string[] } {
  const v = (k: string): string | undefined => env[k]?.trim() || undefined;
  const missing: string[] = [];
  if (!v("ENTRA_LIVE_TENANT_ID")) missing.push("ENTRA_LIVE_TENANT_ID");
  if (!v("ENTRA_LIVE_CLIENT_ID")) missing.push("ENTRA_LIVE_CLIENT_ID");
  if (!v("ENTRA_LIVE_CLIENT_SECRET") && !v("ENTRA_LIVE_CLIENT_CERTIFICATE_PATH"))
    missing.push("ENTRA_LIVE_CLIENT_SECRET or ENTRA_LIVE_CLIENT_CERTIFICATE_PATH");
  const domain = v("ENTRA_LIVE_DOMAIN");
  if (!domain) missing.push("ENTRA_LIVE_DOMAIN");
  else if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(domain))
    missing.push("ENTRA_LIVE_DOMAIN (a domain such as partner.example.com)");
  if (missing.length) return { missing };
  return {
    target: {
      tenantId: v("ENTRA_LIVE_TENANT_ID")!,
      clientId: v("ENTRA_LIVE_CLIENT_ID")!,
      clientSecret: v("ENTRA_LIVE_CLIENT_SECRET"),
      clientCertificatePath: v("ENTRA_LIVE_CLIENT_CERTIFICATE_PATH"),
      domain: domain!.toLowerCase(),
      environment: v("ENTRA_LIVE_ENVIRONMENT"),
      graphEndpoint: v("ENTRA_LIVE_GRAPH_ENDPOINT"),
      authorityHost: v("ENTRA_LIVE_AUTHORITY_HOST"),
    },
  };
}

/** The environment that points the provider, `entra-guests` and the suite's own Graph calls at the target (the provider's `ARM_*` row). */
export function targetEnv(t: LiveTarget): Record<string, string> {
  const env: Record<string, string> = { ARM_TENANT_ID: t.tenantId, ARM_CLIENT_ID: t.clientId };
  if (t.clientSecret) env.ARM_CLIENT_SECRET = t.clientSecret;
  else if (t.clientCertificatePath) env.ARM_CLIENT_CERTIFICATE_PATH = t.clientCertificatePath;
  if (t.environment) env.ARM_ENVIRONMENT = t.environment;
  if (t.graphEndpoint) env.ENTRA_GRAPH_ENDPOINT = t.graphEndpoint;
  if (t.authorityHost) env.ENTRA_AUTHORITY_HOST = t.authorityHost;
  return env;
}

/** A user as cleanup reads it. */
export interface RunUserCandidate {
  id: string;
  mail?: string | null;
  otherMails?: string[] | null;
  userPrincipalName?: string | null;
  displayName?: string | null;
  extensions?: Record<string, unknown>[];
}

/** Which run a string starts with (a local part, a display name, a mark's project), if any. */
function runOf(text: string | null | undefined): string | undefined {
  return text ? ANY_RUN.exec(text)?.[0].toLowerCase() : undefined;
}

/**
 * The run whose signature the user carries, if any: an address at the tester's domain whose local
 * part starts with a run id (mail, otherMails, or a guest UPN `local_domain#EXT#@…`), a display name
 * that starts with one, or an ownership mark whose project or stack starts with one. Pure.
 */
export function runOfUser(u: RunUserCandidate, domain: string): string | undefined {
  const d = domain.toLowerCase();
  const addresses = [u.mail, ...(u.otherMails ?? [])].filter((a): a is string => !!a);
  for (const a of addresses) {
    const at = a.lastIndexOf("@");
    if (at > 0 && a.slice(at + 1).toLowerCase() === d) {
      const r = runOf(a.slice(0, at));
      if (r) return r;
    }
  }
  const upn = /^(.*)_([^_#]+)#EXT#@/i.exec(u.userPrincipalName ?? "");
  if (upn && upn[2].toLowerCase() === d) {
    const r = runOf(upn[1]);
    if (r) return r;
  }
  const byName = runOf(u.displayName);
  if (byName) return byName;
  const mark = readMark(u.extensions);
  return mark ? (runOf(mark.project) ?? runOf(mark.stack)) : undefined;
}

/** The users to remove: those of `runId`, or (without it) of any run. Everything else is kept. Pure. */
export function selectRunUsers<T extends RunUserCandidate>(
  users: readonly T[],
  o: { domain: string; runId?: string },
): T[] {
  return users.filter((u) => {
    const r = runOfUser(u, o.domain);
    return r !== undefined && (o.runId === undefined || r === o.runId.toLowerCase());
  });
}
