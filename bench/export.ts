/**
 * `npm run bench -- --export-guests N`: `entra-guests export` of a tenant with N guests (and N/10
 * internal members, which the export must not list) against the emulator with Graph's throttling
 * and the benchmark's latency: seconds, HTTP requests, pages, 429s. The tenant is loaded from a
 * state file (inviting N guests through Graph would take N / 30 s at the invitation floor).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type RunningEmulator, startEmulator } from "../src/emulator";
import { resolveSettings } from "../src/graph";
import { exportGuests, exportScheduler } from "../src/cli/commands/export";
import { DEFAULT_REDIRECT_URL } from "../src/cli/commands/export/export-file";
import { MAX_PAGE_SIZE } from "../src/cli/commands/export/list-guests";
import { providerEnv } from "../src/testing/graph-admin";

/** What one export run measured. */
export interface ExportBenchResult {
  guests: number;
  members: number;
  latencyMs: number;
  seconds: number;
  requests: number;
  pages: number;
  throttled: number;
  written: number;
  bytes: number;
}

/** N guests (various domains and states, some with user properties) and N/10 internal members, as state-file users. */
export function tenantUsers(guests: number): Record<string, unknown>[] {
  const domains = ["fabrikam.com", "contoso.com", "northwind.example", "woodgrove.example"];
  const users: Record<string, unknown>[] = [];
  const created = (i: number): string =>
    new Date(Date.UTC(2019, 0, 1) + i * 3_600_000).toISOString().replace(/\.000Z$/, "Z");
  for (let i = 0; i < guests; i++) {
    const domain = domains[i % domains.length];
    const local = `guest${String(i).padStart(5, "0")}`;
    users.push({
      id: `10000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      userPrincipalName: `${local}_${domain}#EXT#@emulator.onmicrosoft.com`,
      mail: `${local}@${domain}`,
      displayName: `Guest ${i}`,
      userType: i % 97 === 0 ? "Member" : "Guest",
      creationType: "Invitation",
      externalUserState: i % 3 === 0 ? "PendingAcceptance" : "Accepted",
      externalUserStateChangeDateTime: created(i),
      createdDateTime: created(i),
      companyName: i % 5 === 0 ? "Fabrikam" : null,
      jobTitle: i % 7 === 0 ? "Auditor" : null,
    });
  }
  for (let i = 0; i < Math.ceil(guests / 10); i++) {
    users.push({
      id: `20000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      userPrincipalName: `member${i}@emulator.onmicrosoft.com`,
      mail: `member${i}@emulator.onmicrosoft.com`,
      displayName: `Member ${i}`,
      userType: "Member",
      createdDateTime: created(i),
    });
  }
  return users;
}

/**
 * A fresh emulator throttled as Graph, its state file (in a new temporary folder named for `bench`)
 * holding the {@link tenantUsers} of `guests` guests; `close` stops it and removes the folder.
 */
export async function startTenant(
  bench: string,
  guests: number,
  latencyMs: number,
): Promise<{ emu: RunningEmulator; users: Record<string, unknown>[]; close: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `entra-bench-${bench}-`));
  const statePath = path.join(dir, "tenant.json");
  const users = tenantUsers(guests);
  fs.writeFileSync(statePath, JSON.stringify({ version: 1, users }));
  const emu = await startEmulator({ statePath, throttle: "graph", latencyMs });
  const close = async (): Promise<void> => {
    await emu.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { emu, users, close };
}

/** Exports a tenant of `guests` guests once and reports it. */
export async function benchExport(o: {
  guests: number;
  latencyMs: number;
  log: (s: string) => void;
}): Promise<ExportBenchResult> {
  const { emu, users, close } = await startTenant("export", o.guests, o.latencyMs);
  try {
    const env = providerEnv(emu);
    const settings = resolveSettings(() => undefined, env);
    const scheduler = exportScheduler(settings, env);
    o.log(
      `export of ${o.guests} guests (+ ${users.length - o.guests} internal members), ${o.latencyMs} ms latency, throttle graph, pages of ${MAX_PAGE_SIZE}:`,
    );
    const r = await exportGuests(scheduler, settings, {
      filters: { domains: [] },
      format: "yaml",
      redirectUrl: DEFAULT_REDIRECT_URL,
      pageSize: MAX_PAGE_SIZE,
    });
    const result: ExportBenchResult = {
      guests: o.guests,
      members: users.length - o.guests,
      latencyMs: o.latencyMs,
      seconds: Math.round(r.seconds * 100) / 100,
      requests: r.requests,
      pages: r.pages,
      throttled: r.throttled,
      written: r.guests,
      bytes: Buffer.byteLength(r.text),
    };
    o.log(
      `  ${result.seconds.toFixed(2)} s, ${result.requests} HTTP requests (${result.pages} pages), ${result.throttled} x 429, ${result.written} guests written (${(result.bytes / 1024).toFixed(0)} KiB of YAML)`,
    );
    return result;
  } finally {
    await close();
  }
}
