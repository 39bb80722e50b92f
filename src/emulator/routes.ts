/**
 * Every route the emulator serves, as "METHOD /path" with {placeholders}. docs/graph-contract.md has
 * one row per route (test/emulator/contract-doc.test.ts checks that, and that each route answers).
 */

/** Graph v1.0 routes (graph-routes.ts; `$batch` in batch.ts). */
export const GRAPH_ROUTES = [
  "POST /v1.0/invitations",
  "GET /v1.0/users",
  "GET /v1.0/users/{id}",
  "PATCH /v1.0/users/{id}",
  "DELETE /v1.0/users/{id}",
  "GET /v1.0/users/{id}/sponsors",
  "POST /v1.0/users/{id}/sponsors/$ref",
  "DELETE /v1.0/users/{id}/sponsors/{sponsorId}/$ref",
  "GET /v1.0/users/{id}/extensions",
  "POST /v1.0/users/{id}/extensions",
  "GET /v1.0/users/{id}/extensions/{name}",
  "PATCH /v1.0/users/{id}/extensions/{name}",
  "DELETE /v1.0/users/{id}/extensions/{name}",
  "GET /v1.0/directory/deletedItems/microsoft.graph.user",
  "GET /v1.0/directory/deletedItems/{id}",
  "DELETE /v1.0/directory/deletedItems/{id}",
  "POST /v1.0/directory/deletedItems/{id}/restore",
  "POST /v1.0/$batch",
] as const;

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
