/**
 * Graph access: settings and credentials, one process-wide scheduler per (endpoint, tenant, client),
 * typed operations and errors. Shared by every resource and every version of this package loaded in
 * the plugin process (through a process-wide registry, `processWide` in src/sdk.ts).
 */
import { processWide } from "../sdk";
import { createCredential } from "./credential";
import { DirectScheduler, RequestScheduler, Scheduler } from "./scheduler";
import { GraphSettings } from "./settings";
import { createTransport } from "./transport";
import { GraphClient } from "./client";

export { EntraGraphError } from "./errors";
export { GraphClient } from "./client";
export { resolveSettings, describeSettings } from "./settings";
export type { GraphSettings, ConfigGetter, CredentialSpec } from "./settings";
export type { RequestScheduler, SchedulerStats } from "./scheduler";
export * from "./types";

type Registry = Map<string, RequestScheduler>;

function registry(): Registry {
  return processWide<Registry>("schedulers", () => new Map());
}

function keyOf(s: GraphSettings): string {
  const c = s.credential;
  const tenant = "tenantId" in c ? c.tenantId ?? "" : "";
  const client = "clientId" in c ? c.clientId ?? "" : "";
  return [s.graphEndpoint, tenant, client, c.kind, s.scheduler].join("|");
}

/** The process's scheduler for these settings, made on first use. */
export function schedulerFor(settings: GraphSettings): RequestScheduler {
  const reg = registry();
  const key = keyOf(settings);
  let s = reg.get(key);
  if (!s) {
    const credential = createCredential(settings.credential, settings.authorityHost);
    if (settings.scheduler === "off") {
      s = new DirectScheduler(createTransport({ graphEndpoint: settings.graphEndpoint, credential, sdkRetries: true }));
    } else {
      s = new Scheduler(createTransport({ graphEndpoint: settings.graphEndpoint, credential }), { maxConcurrency: settings.maxConcurrency, batching: settings.batching });
    }
    reg.set(key, s);
  }
  return s;
}

export function graphClientFor(settings: GraphSettings): GraphClient {
  return new GraphClient(schedulerFor(settings));
}
