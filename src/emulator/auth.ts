/**
 * The emulated Microsoft identity platform of a tenant: app registrations, the OpenID
 * configuration document, the client-credentials token endpoint, and validation of the bearer
 * tokens Graph routes receive. Tokens are JWTs signed with HS256 and a key of the emulator.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { GraphError } from "./errors";

/** An app registration with its application permissions (app roles). */
export interface AppRegistration {
  clientId: string;
  clientSecret: string;
  tenantId: string;
  roles: string[];
  /** Object id of the service principal (the token's oid/sub). */
  objectId: string;
  displayName: string;
}

/** The claims of a validated access token. */
export interface TokenClaims {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  appid: string;
  azp: string;
  oid: string;
  sub: string;
  tid: string;
  roles: string[];
  idtyp: "app";
  ver: "1.0";
  uti: string;
  app_displayname: string;
}

/** An HTTP answer of the identity endpoints. */
export interface AuthResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Graph's own app id (a valid audience). */
const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
const WWW_AUTHENTICATE = `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`;

function b64url(buf: Buffer | string): string {
  return Buffer.from(buf).toString("base64url");
}

/** A client secret in the shape Entra issues (40 characters, "8Q~" marker). */
export function newClientSecret(): string {
  return `${randomBytes(3).toString("base64url").slice(0, 3)}8Q~${randomBytes(30).toString("base64url").slice(0, 34)}`;
}

function unauthorized(message: string): GraphError {
  return new GraphError(401, "InvalidAuthenticationToken", message, { "WWW-Authenticate": WWW_AUTHENTICATE });
}

/** Identity platform state of one emulator. */
export class Auth {
  private readonly apps = new Map<string, AppRegistration>();
  private readonly tenants = new Set<string>();
  /** Verified tokens (raw → claims), bounded. */
  private readonly verified = new Map<string, TokenClaims>();

  constructor(
    readonly tenantId: string,
    private readonly tenantDomain: string,
    private readonly signingKey: Buffer,
    public tokenLifetimeSeconds: number,
  ) {
    this.tenants.add(tenantId.toLowerCase());
  }

  /** Registers an app. */
  addApp(app: {
    clientId?: string;
    clientSecret?: string;
    tenantId?: string;
    roles: string[];
    displayName?: string;
  }): AppRegistration {
    const reg: AppRegistration = {
      clientId: (app.clientId ?? randomUUID()).toLowerCase(),
      clientSecret: app.clientSecret ?? newClientSecret(),
      tenantId: (app.tenantId ?? this.tenantId).toLowerCase(),
      roles: [...app.roles],
      objectId: randomUUID(),
      displayName: app.displayName ?? "emulator app",
    };
    this.apps.set(reg.clientId, reg);
    this.tenants.add(reg.tenantId);
    return reg;
  }

  /** The app whose service principal has this object id (a sponsor stamped by an app-only invitation). */
  servicePrincipal(objectId: string): AppRegistration | undefined {
    const id = objectId.toLowerCase();
    for (const a of this.apps.values()) if (a.objectId === id) return a;
    return undefined;
  }

  /** Resolves a tenant path segment (id or initial domain) to a known tenant id. */
  private resolveTenant(segment: string): string | undefined {
    const s = segment.toLowerCase();
    if (this.tenants.has(s)) return s;
    if (s === this.tenantDomain.toLowerCase()) return this.tenantId.toLowerCase();
    return undefined;
  }

  private aadError(status: number, error: string, code: number, description: string): AuthResponse {
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = new Date()
      .toISOString()
      .replace("T", " ")
      .replace(/\.\d+Z$/, "Z");
    return {
      status,
      headers: { "Cache-Control": "no-store, no-cache", Pragma: "no-cache" },
      body: {
        error,
        error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
        error_codes: [code],
        timestamp,
        trace_id: traceId,
        correlation_id: correlationId,
        error_uri: `https://login.microsoftonline.com/error?code=${code}`,
      },
    };
  }

  private tenantNotFound(segment: string): AuthResponse {
    return this.aadError(
      400,
      "invalid_tenant",
      90002,
      `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    );
  }

  /** GET /{tenant}/v2.0/.well-known/openid-configuration (base = "https://host:port" as the client sees it). */
  openIdConfiguration(tenantSegment: string, base: string): AuthResponse {
    const tid = this.resolveTenant(tenantSegment);
    if (!tid) return this.tenantNotFound(tenantSegment);
    const t = `${base}/${tid}`;
    return {
      status: 200,
      body: {
        token_endpoint: `${t}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        jwks_uri: `${t}/discovery/v2.0/keys`,
        response_modes_supported: ["query", "fragment", "form_post"],
        subject_types_supported: ["pairwise"],
        id_token_signing_alg_values_supported: ["RS256"],
        response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
        scopes_supported: ["openid", "profile", "email", "offline_access"],
        issuer: `${t}/v2.0`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: `${base}/oidc/userinfo`,
        authorization_endpoint: `${t}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${t}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${t}/oauth2/v2.0/logout`,
        claims_supported: [
          "sub",
          "iss",
          "cloud_instance_name",
          "cloud_instance_host_name",
          "cloud_graph_host_name",
          "msgraph_host",
          "aud",
          "exp",
          "iat",
          "auth_time",
          "acr",
          "nonce",
          "preferred_username",
          "name",
          "tid",
          "ver",
          "at_hash",
          "c_hash",
          "email",
        ],
        kerberos_endpoint: `${t}/kerberos`,
        tenant_region_scope: "EU",
        cloud_instance_name: "microsoftonline.com",
        cloud_graph_host_name: "graph.windows.net",
        msgraph_host: base.replace(/^https:\/\//, ""),
        rbac_url: "https://pas.windows.net",
      },
    };
  }

  /** GET /{tenant}/discovery/v2.0/keys: empty (tokens are HS256 and only the emulator checks them). */
  keys(tenantSegment: string): AuthResponse {
    if (!this.resolveTenant(tenantSegment)) return this.tenantNotFound(tenantSegment);
    return { status: 200, body: { keys: [] } };
  }

  /** POST /{tenant}/oauth2/v2.0/token with a form body (client_credentials only). */
  token(
    tenantSegment: string,
    form: URLSearchParams,
    basicAuth: { id: string; secret: string } | undefined,
  ): AuthResponse {
    const tid = this.resolveTenant(tenantSegment);
    if (!tid) return this.tenantNotFound(tenantSegment);
    const grant = form.get("grant_type");
    if (!grant)
      return this.aadError(
        400,
        "invalid_request",
        900144,
        "The request body must contain the following parameter: 'grant_type'.",
      );
    if (grant !== "client_credentials") {
      return this.aadError(
        400,
        "unsupported_grant_type",
        70003,
        `The app requested an unsupported grant type '${grant}'. The emulator supports client_credentials only.`,
      );
    }
    const clientId = (form.get("client_id") ?? basicAuth?.id ?? "").toLowerCase();
    if (!clientId)
      return this.aadError(
        400,
        "invalid_request",
        900144,
        "The request body must contain the following parameter: 'client_id'.",
      );
    const app = this.apps.get(clientId);
    if (!app || app.tenantId !== tid) {
      return this.aadError(
        400,
        "unauthorized_client",
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenantSegment}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      );
    }
    const secret = form.get("client_secret") ?? basicAuth?.secret;
    if (!secret) {
      return this.aadError(
        401,
        "invalid_client",
        7000216,
        "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
      );
    }
    const a = Buffer.from(secret);
    const b = Buffer.from(app.clientSecret);
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      return this.aadError(
        401,
        "invalid_client",
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
      );
    }
    const scope = form.get("scope") ?? "";
    const scopes = scope.split(" ").filter(Boolean);
    if (scopes.length !== 1 || !scopes[0].endsWith("/.default")) {
      return this.aadError(
        400,
        "invalid_scope",
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    const resource = scopes[0].slice(0, -"/.default".length);
    const now = Math.floor(Date.now() / 1000);
    const claims: TokenClaims = {
      aud: resource,
      iss: `https://sts.windows.net/${tid}/`,
      iat: now,
      nbf: now,
      exp: now + this.tokenLifetimeSeconds,
      app_displayname: app.displayName,
      appid: app.clientId,
      azp: app.clientId,
      oid: app.objectId,
      sub: app.objectId,
      tid,
      roles: [...app.roles],
      idtyp: "app",
      ver: "1.0",
      uti: randomBytes(16).toString("base64url"),
    };
    return {
      status: 200,
      headers: { "Cache-Control": "no-store, no-cache", Pragma: "no-cache" },
      body: {
        token_type: "Bearer",
        expires_in: this.tokenLifetimeSeconds,
        ext_expires_in: this.tokenLifetimeSeconds,
        access_token: this.sign(claims),
      },
    };
  }

  /** Signs claims into a JWT (also used by tests to forge expired or other-tenant tokens with the real key). */
  sign(claims: object): string {
    const head = b64url(JSON.stringify({ typ: "JWT", alg: "HS256", kid: "emulator" }));
    const body = b64url(JSON.stringify(claims));
    const sig = createHmac("sha256", this.signingKey).update(`${head}.${body}`).digest("base64url");
    return `${head}.${body}.${sig}`;
  }

  /**
   * Validates the Authorization header of a Graph request; throws Graph's 401
   * (InvalidAuthenticationToken) for a missing, malformed, forged, expired, wrong-audience or
   * other-tenant token.
   */
  verify(authorization: string | undefined): TokenClaims {
    const m = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
    if (!m) throw unauthorized("Access token is empty.");
    const token = m[1];
    let claims = this.verified.get(token);
    if (!claims) {
      const parts = token.split(".");
      if (parts.length !== 3)
        throw unauthorized(
          "IDX14100: JWT is not well formed, there are no dots (.). The token needs to be in JWS or JWE Compact Serialization Format.",
        );
      let parsed: unknown;
      try {
        const header = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8")) as { alg?: unknown };
        if (header.alg !== "HS256") throw new Error("alg");
        parsed = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
      } catch {
        throw unauthorized("Invalid JWT token. The token is malformed.");
      }
      const expected = createHmac("sha256", this.signingKey).update(`${parts[0]}.${parts[1]}`).digest();
      const actual = Buffer.from(parts[2], "base64url");
      if (actual.length !== expected.length || !timingSafeEqual(actual, expected))
        throw unauthorized("Access token validation failure. Invalid signature.");
      const c = parsed as Partial<TokenClaims>;
      if (
        typeof c.exp !== "number" ||
        typeof c.tid !== "string" ||
        typeof c.appid !== "string" ||
        !Array.isArray(c.roles)
      ) {
        throw unauthorized("Invalid JWT token. The token is malformed.");
      }
      claims = c as TokenClaims;
      if (this.verified.size > 10_000) this.verified.clear();
      this.verified.set(token, claims);
    }
    const now = Math.floor(Date.now() / 1000);
    if (claims.exp <= now || (claims.nbf ?? 0) > now + 300)
      throw unauthorized("Lifetime validation failed, the token is expired.");
    if (claims.tid !== this.tenantId.toLowerCase()) {
      throw unauthorized("Access token validation failure. The token was issued for another tenant.");
    }
    if (!isGraphAudience(claims.aud)) throw unauthorized("Access token validation failure. Invalid audience.");
    return claims;
  }
}

/** Audiences Graph accepts: its app id, graph.microsoft.com, or the emulator itself. */
function isGraphAudience(aud: unknown): boolean {
  if (typeof aud !== "string") return false;
  if (aud === GRAPH_APP_ID) return true;
  try {
    const host = new URL(aud).hostname;
    return host === "graph.microsoft.com" || host === "localhost" || host === "127.0.0.1" || host === "[::1]";
  } catch {
    return false;
  }
}
