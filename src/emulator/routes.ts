/**
 * Every route the emulator serves, as "METHOD /path" with {placeholders}. docs/graph-contract.md has
 * one row per route (test/emulator/contract-doc.test.ts checks that, and that each route answers).
 */
import { GRAPH_ROUTE_TABLE } from "./graph-routes";

/** Graph v1.0 routes: the lines of graph-routes.ts's route table (`$batch` runs in batch.ts). */
export const GRAPH_ROUTES: readonly string[] = GRAPH_ROUTE_TABLE.map((r) => `${r.method} ${r.path}`);

/** The identity platform's endpoints of a tenant (auth.ts, server.ts). */
export const IDENTITY_ROUTES = [
  "POST /{tenant}/oauth2/v2.0/token",
  "GET /{tenant}/v2.0/.well-known/openid-configuration",
  "GET /{tenant}/.well-known/openid-configuration",
  "GET /{tenant}/discovery/v2.0/keys",
] as const;

/** The emulator's own admin surface (admin.ts): loopback only, no token, not logged. */
export const ADMIN_ROUTES = [
  "GET /_emulator/requests",
  "DELETE /_emulator/requests",
  "POST /_emulator/reset",
  "GET /_emulator/users",
  "POST /_emulator/users",
  "POST /_emulator/users/{id}/redeem",
  "PUT /_emulator/faults",
  "PUT /_emulator/config",
  "GET /_emulator/info",
] as const;
