/**
 * Out-of-band changes for drift tests, made as a tenant admin would: through Graph with a token
 * from the real ClientSecretCredential, not through this package's Graph layer.
 */
import { ClientSecretCredential } from "@azure/identity";
import { Client } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials";
import * as fs from "node:fs";
import * as https from "node:https";
import type { SeedUser } from "../emulator";
import { createTransport } from "../graph/transport";
import type { Transport } from "../graph/scheduler";
import { readBody } from "./http-body";

/** A Graph endpoint and an app to sign in with; a {@link RunningEmulator} is one. */
export interface GraphTarget {
  /** Graph's base URL without the version, e.g. `https://localhost:8443`. */
  graphUrl: string;
  /** The login endpoint for `@azure/identity`. */
  authorityHost: string;
  /** The tenant to sign in to. */
  tenantId: string;
  /** The app's client id. */
  clientId: string;
  /** The app's client secret. */
  clientSecret: string;
}

/** The target's app as the real `ClientSecretCredential` (the provider's client-secret sign-in). */
export function appCredential(t: GraphTarget): ClientSecretCredential {
  return new ClientSecretCredential(t.tenantId, t.clientId, t.clientSecret, {
    authorityHost: t.authorityHost,
    disableInstanceDiscovery: true,
  });
}

/** The provider's own transport (the Graph SDK client behind it) to the target, signed in with {@link appCredential}. */
export function appTransport(t: GraphTarget): Transport {
  return createTransport({ graphEndpoint: t.graphUrl, credential: appCredential(t) });
}

/** A Graph SDK client signed in to the target as its app. */
export function adminGraphClient(t: GraphTarget): Client {
  const credential = appCredential(t);
  return Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [`${t.graphUrl}/.default`] }),
    baseUrl: `${t.graphUrl}/`,
    customHosts: new Set([new URL(t.graphUrl).hostname]),
  });
}

/**
 * Invites `email` as the tenant's admin would (in the portal or a script), out of band:
 * `POST /invitations` through {@link adminGraphClient}, redirecting to My Apps unless `extra` says
 * otherwise. Resolves with the invited user's object id.
 */
export async function adminInvite(t: GraphTarget, email: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = (await adminGraphClient(t)
    .api("/invitations")
    .post({ invitedUserEmailAddress: email, inviteRedirectUrl: "https://myapps.microsoft.com", ...extra })) as {
    invitedUser: { id: string };
  };
  return r.invitedUser.id;
}

/** The environment that points the provider (in the plugin process) at the target. */
export function providerEnv(t: GraphTarget & { caCertPath?: string }): Record<string, string> {
  const env: Record<string, string> = {
    ENTRA_GRAPH_ENDPOINT: t.graphUrl,
    ENTRA_AUTHORITY_HOST: t.authorityHost,
    ARM_TENANT_ID: t.tenantId,
    ARM_CLIENT_ID: t.clientId,
    ARM_CLIENT_SECRET: t.clientSecret,
  };
  if (t.caCertPath && !process.env.NODE_EXTRA_CA_CERTS) env.NODE_EXTRA_CA_CERTS = t.caCertPath;
  return env;
}

/**
 * The stack config (`entra:*`) that points the provider at the target, as a stack's Pulumi.<stack>.yaml
 * would set it; e.g. for `ProviderServer.configure`.
 */
export function providerConfig(t: GraphTarget): Record<string, string> {
  return {
    "entra:graphEndpoint": t.graphUrl,
    "entra:authorityHost": t.authorityHost,
    "entra:tenantId": t.tenantId,
    "entra:clientId": t.clientId,
    "entra:clientSecret": t.clientSecret,
  };
}

/** Where the emulator's admin surface is: its URL and (unless the process trusts it already) its CA. */
export interface EmulatorAdminTarget {
  /** The emulator's base URL, e.g. `https://localhost:8443` (the admin surface answers loopback clients only). */
  graphUrl: string;
  /** PEM file of the emulator's CA; without it the process must trust the CA (NODE_EXTRA_CA_CERTS). */
  caCertPath?: string;
}

/**
 * A guest who has redeemed an invitation, as Graph holds one (`creationType` "Invitation",
 * `externalUserState` "Accepted"), with `user`'s properties on top; seed it with `emu.addUser` or
 * `POST /_emulator/users`.
 */
export function acceptedGuest(user: SeedUser): SeedUser {
  return { creationType: "Invitation", externalUserState: "Accepted", ...user };
}

/**
 * Seeds a user in a running emulator (also one in another process) through `POST /_emulator/users`:
 * any user Graph can hold, as a Graph user object (see docs/graph-contract.md, "Seeding users").
 * Resolves with the created user (with its `id`); rejects with the emulator's message, which names
 * the property that Graph would refuse.
 */
export function seedUser(
  t: EmulatorAdminTarget,
  user: Record<string, unknown>,
): Promise<Record<string, unknown> & { id: string }> {
  const url = new URL("/_emulator/users", t.graphUrl);
  const payload = JSON.stringify(user);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: "POST",
        headers: { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(payload)) },
        ...(t.caCertPath ? { ca: fs.readFileSync(t.caCertPath) } : {}),
      },
      (res) => {
        readBody(res).then(({ text, json: body }) => {
          if (res.statusCode === 201 && body && typeof (body as { id?: unknown }).id === "string")
            resolve(body as Record<string, unknown> & { id: string });
          else
            reject(
              new Error(
                `seeding a user in the emulator at ${t.graphUrl} failed: ${res.statusCode ?? 0} ${(body as { error?: { message?: string } })?.error?.message ?? text.slice(0, 200)}`,
              ),
            );
        }, reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}
