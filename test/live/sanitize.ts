/**
 * What the live suite writes into test/live/observed/*.json is sanitized first: no tenant id, no
 * user or object ids, no addresses, no tokens or secrets, no request, trace or correlation ids, no
 * times, no run ids, no host names of the tenant. Pure: a value in, a value out.
 */

/** Strings known to the run that must never appear (tenant id, client id, secret, domain, run id). */
export interface Secrets {
  /** Replaced wherever they appear, longest first; case-insensitive. */
  known: readonly string[];
}

const KEY_REDACT =
  /^(request-id|client-request-id|x-ms-ags-diagnostic|x-ms-request-id|x-ms-correlation-id|trace[-_]?id|correlation[-_]?id|date|timestamp|x-ms-client-request-id|authorization|access_token|client_secret|client_assertion|refresh_token|id_token|strict-transport-security|set-cookie)$/i;

const RULES: [RegExp, string][] = [
  // JWTs and bearer tokens.
  [/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, "<token>"],
  [/\bBearer\s+\S+/gi, "Bearer <token>"],
  // Guest UPNs (local_domain#EXT#@tenant) and addresses.
  [/[^\s"'<>(),;:@]+#EXT#@[A-Za-z0-9.-]+/gi, "<upn>"],
  [/[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+/g, "<address>"],
  // GUIDs: tenant, user, object, request, trace and correlation ids.
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<id>"],
  // Times: ISO dates with a time, and "2026-12-05 06:15:00Z" as AADSTS messages write them.
  [/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?/g, "<time>"],
  // Run ids.
  [/\bentralive-\d{14}-[0-9a-f]{4}\b/gi, "<run>"],
  // A tenant's own domains.
  [/\b[A-Za-z0-9-]+\.onmicrosoft\.(com|us|cn)\b/gi, "<tenant-domain>"],
];

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** One string, sanitized. */
export function sanitizeText(text: string, secrets: Secrets): string {
  let s = text;
  for (const k of [...secrets.known].filter((x) => x && x.length >= 4).sort((a, b) => b.length - a.length)) {
    s = s.replace(new RegExp(escape(k), "gi"), "<known>");
  }
  for (const [re, to] of RULES) s = s.replace(re, to);
  return s;
}

/** A JSON value, sanitized: strings and keys by {@link sanitizeText}, values of id-like keys (request-id, trace ids, tokens, dates) replaced. */
export function sanitize(value: unknown, secrets: Secrets): unknown {
  if (typeof value === "string") return sanitizeText(value, secrets);
  if (Array.isArray(value)) return value.map((v) => sanitize(v, secrets));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[sanitizeText(k, secrets)] = KEY_REDACT.test(k) ? "<redacted>" : sanitize(v, secrets);
    }
    return out;
  }
  return value;
}
