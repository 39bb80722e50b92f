/**
 * `npm run bench -- --adopt-guests N`: the provider's create of N guests that already exist in the
 * tenant (adoption: a lookup, no invitation), through the SDK's dynamic-provider gRPC server as the
 * provider suite's create runs, against the emulator with Graph's throttling and the benchmark's
 * latency: seconds, HTTP requests, operations, 429s, requests the open-extension limit counts (reads
 * with `$expand=extensions`, `/extensions`) and `POST /invitations` (0 expected), beside the
 * invitation floor for N (N / 30 s). The tenant is loaded from a state file, as the export benchmark's.
 */
import { invitationUrn } from "../src/testing/provider-server";
import { serializedInvitationProvider } from "../src/testing/serialized";
import { startTenant } from "./export";
import { PhaseResult, round } from "./measure";
import { createAll, Guest, Plugin } from "./provider-suite";

/** What one adoption run measured. */
export interface AdoptBenchResult {
  guests: number;
  latencyMs: number;
  floorSeconds: number;
  seconds: number;
  vsFloor: number;
  requests: number;
  operations: number;
  batches: number;
  throttled: number;
  /** Operations the open-extension limit (455 per 10 s) counts: reads with `$expand=extensions` and `/extensions` calls. */
  extensionRequests: number;
  invitations: number;
  adopted: number;
  failures: number;
  errors: string[];
}

/** One resource per existing guest, declared as an exported guest list declares it (so no PATCH is due). */
export function adoptionGuests(provider: string, users: Record<string, unknown>[]): Guest[] {
  return users.map((u, i) => ({
    urn: invitationUrn(`adopt-${i}`, "bench", "bench"),
    inputs: {
      __provider: provider,
      invitedUserEmailAddress: u.mail,
      inviteRedirectUrl: "https://myapps.microsoft.com",
      invitedUserDisplayName: u.displayName,
      ...(u.userType === "Member" ? { invitedUserType: "Member" } : {}),
    },
  }));
}

/** Creates (adopts) `guests` existing guests at once in one plugin process and reports it. */
export async function benchAdopt(o: {
  pkgDir: string;
  guests: number;
  latencyMs: number;
  log: (s: string) => void;
}): Promise<AdoptBenchResult> {
  const { emu, users, close } = await startTenant("adopt", o.guests, o.latencyMs);
  let plugin: Plugin | undefined;
  try {
    const { provider } = serializedInvitationProvider(o.pkgDir);
    const guests = adoptionGuests(provider, users.slice(0, o.guests));
    const floorSeconds = round(o.guests / 30, 1);
    o.log(
      `adoption of ${o.guests} existing guests (+ ${users.length - o.guests} internal members in the tenant), ${o.latencyMs} ms latency, throttle graph, invitation floor ${floorSeconds} s:`,
    );
    plugin = await Plugin.start({ pkgDir: o.pkgDir, emu, scheduler: "on" }, provider);
    await plugin.warm();
    const r: PhaseResult = await createAll(plugin, emu, guests);
    const invitations = emu
      .requests()
      .filter((e) => e.method === "POST" && e.path.split("?")[0] === "/v1.0/invitations").length;
    const extensionRequests = emu
      .requests()
      .filter((e) => e.path.includes("$expand=extensions") || /\/extensions(\/|$)/.test(e.path.split("?")[0])).length;
    const adopted = guests.filter((g) => g.props?.adopted === true).length;
    const result: AdoptBenchResult = {
      guests: o.guests,
      latencyMs: o.latencyMs,
      floorSeconds,
      seconds: round(r.seconds, 2),
      vsFloor: round(r.seconds / floorSeconds, 3),
      requests: r.requests,
      operations: r.operations,
      batches: r.batches,
      throttled: r.throttled,
      extensionRequests,
      invitations,
      adopted,
      failures: r.failures,
      errors: r.errors,
    };
    o.log(
      `  ${result.seconds.toFixed(2)} s = ${result.vsFloor.toFixed(3)} x floor, ${result.requests} HTTP requests (${result.operations} operations, ${result.batches} $batch), ${result.throttled} x 429${r.throttled ? ` ${JSON.stringify(r.throttledBy)}` : ""}, ${extensionRequests} counted by the open-extension limit, ${invitations} POST /invitations, ${adopted} adopted, ${result.failures} failed` +
        (r.errors.length ? `\n      first errors: ${r.errors.join(" | ")}` : ""),
    );
    return result;
  } finally {
    if (plugin) await plugin.close();
    await close();
  }
}
