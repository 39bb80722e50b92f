/**
 * A custom login authority in front of the emulator, for the credential rows whose proof is not a
 * client secret. The emulator's token endpoint takes client secrets only (src/emulator/auth.ts has
 * no client_assertion), so this stands in for what Entra does with the other proofs:
 *
 * - a client certificate: the client assertion JWT (RS256/PS256, `x5t#S256`/`x5t` header) must be
 *   signed by a certificate registered for the app, for this token endpoint (`aud`), by the app
 *   (`iss` = `sub` = client id), unexpired;
 * - a federated credential (OIDC in CI, AKS workload identity): the assertion must be a JWT of the
 *   CI's issuer (signed with its key) for `api://AzureADTokenExchange` with a subject registered for
 *   the app;
 * - managed identity: the App Service endpoint (`IDENTITY_ENDPOINT`, `X-IDENTITY-HEADER`) and IMDS
 *   (at `AZURE_POD_IDENTITY_AUTHORITY_HOST` instead of 169.254.169.254) answer a token of the
 *   identity's app (plain http on 127.0.0.1, like the platform's local endpoints).
 *
 * A verified request is exchanged at the emulator with the app's secret: the token is the
 * emulator's, and Graph accepts it. The openid-configuration is the emulator's with this host as
 * its token endpoint. It also serves the CI token services (GitHub Actions style GET with an
 * audience, Azure DevOps style POST with a service connection id). Every request is logged.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { ensureCa, issueServerCert, RunningEmulator } from "../../src/emulator";
import { listen, Listening } from "../../src/emulator/server";

/** The audience Entra expects on federated tokens. */
export const FEDERATED_AUDIENCE = "api://AzureADTokenExchange";
/** The CI issuer of the federated tokens (a made-up one: its key lives in this process). */
export const CI_ISSUER = "https://ci-issuer.invalid";
const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** An app of the emulator (from `emu` or `emu.addClient`). */
export interface App {
  clientId: string;
  clientSecret: string;
}

/** One request the authority (or its MSI endpoint, or the CI token service) answered. */
export interface AuthorityRequest {
  server: "authority" | "msi" | "ci";
  method: string;
  /** Path without the query. */
  path: string;
  status: number;
  /** How the client proved itself: "certificate", "federated", "secret", "managed identity", or the refusal. */
  proof?: string;
  clientId?: string;
}

export interface FederatingAuthority {
  /** "https://localhost:PORT": the authorityHost for the credentials. */
  authorityHost: string;
  /** IDENTITY_ENDPOINT of the App Service style managed identity endpoint. */
  msiEndpoint: string;
  /** IDENTITY_HEADER that endpoint expects. */
  msiHeader: string;
  /** AZURE_POD_IDENTITY_AUTHORITY_HOST: where IMDS is asked instead of 169.254.169.254. */
  imdsHost: string;
  /** GitHub Actions style token service (ACTIONS_ID_TOKEN_REQUEST_URL). */
  githubTokenUrl: string;
  /** Azure DevOps style token service (SYSTEM_OIDCREQUESTURI). */
  adoTokenUrl: string;
  /** The bearer token the CI token services expect (ACTIONS_ID_TOKEN_REQUEST_TOKEN / SYSTEM_ACCESSTOKEN). */
  ciRequestToken: string;
  /** The Azure DevOps service connection id the token service knows. */
  adoServiceConnectionId: string;
  /** Registers a new certificate for the app; returns the PEM file (key + certificate), the key encrypted with `password` if given. */
  addCertificate(app: App, opts?: { password?: string; fileName?: string }): string;
  /** Registers `subject` as a federated credential of the app; returns a token of the CI issuer for it. */
  federatedToken(app: App, subject: string): string;
  /** The token the CI token services hand out (as a pipeline's OIDC token). */
  setCiToken(token: string): void;
  /** Makes the app the resource's system-assigned identity, or a user-assigned one (asked for by its client id). */
  addManagedIdentity(app: App, opts: { systemAssigned: boolean }): void;
  requests: AuthorityRequest[];
  close(): Promise<void>;
}

function b64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** A compact JWS, RS256 with `key`. */
export function signJwt(payload: object, key: crypto.KeyObject, header: object = {}): string {
  const signingInput = `${b64urlJson({ typ: "JWT", alg: "RS256", ...header })}.${b64urlJson(payload)}`;
  return `${signingInput}.${crypto.sign("sha256", Buffer.from(signingInput), key).toString("base64url")}`;
}

interface Jwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

function decodeJwt(token: string): Jwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    return {
      header: JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8")) as Record<string, unknown>,
      payload: JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as Record<string, unknown>,
      signingInput: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2], "base64url"),
    };
  } catch {
    return undefined;
  }
}

/** Checks an RS256 or PS256 signature. */
function signatureValid(jwt: Jwt, key: crypto.KeyObject): boolean {
  const data = Buffer.from(jwt.signingInput);
  if (jwt.header.alg === "RS256") return crypto.verify("sha256", data, key, jwt.signature);
  if (jwt.header.alg === "PS256")
    return crypto.verify(
      "sha256",
      data,
      { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
      jwt.signature,
    );
  return false;
}

/** Lifetime claims: not expired, not from the future (5 minutes of skew). */
function timely(payload: Record<string, unknown>): boolean {
  const now = Date.now() / 1000;
  return (
    typeof payload.exp === "number" &&
    payload.exp > now &&
    (typeof payload.nbf !== "number" || payload.nbf <= now + 300)
  );
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}

function aadError(
  code: number,
  error: string,
  description: string,
): { error: string; error_description: string; error_codes: number[] } {
  return { error, error_description: `AADSTS${code}: ${description}`, error_codes: [code] };
}

/** Starts the authority for `emu`; `dir` receives the certificate files. */
export async function startFederatingAuthority(emu: RunningEmulator, dir: string): Promise<FederatingAuthority> {
  const ca = ensureCa(path.dirname(emu.caCertPath));
  const tls = issueServerCert(ca);
  const issuerKeys = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const certificates = new Map<string, { app: App; cert: crypto.X509Certificate }>(); // by SHA-256 thumbprint (base64url)
  const sha1Thumbprints = new Map<string, string>(); // SHA-1 → SHA-256 thumbprint
  const federations = new Map<string, App>(); // by subject
  const identities: { system?: App; user: Map<string, App> } = { user: new Map() };
  const requests: AuthorityRequest[] = [];
  const msiHeader = crypto.randomBytes(16).toString("hex");
  const ciRequestToken = crypto.randomBytes(16).toString("hex");
  const adoServiceConnectionId = crypto.randomUUID();
  let ciToken: string | undefined;
  let base = "";

  /** A token from the emulator for `app`, with its secret. */
  async function emulatorToken(
    tenant: string,
    app: App,
    form: URLSearchParams,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const exchange = new URLSearchParams(form);
    exchange.delete("client_assertion");
    exchange.delete("client_assertion_type");
    exchange.set("client_id", app.clientId);
    exchange.set("client_secret", app.clientSecret);
    const res = await fetch(`${emu.authorityHost}/${tenant}/oauth2/v2.0/token`, {
      method: "POST",
      body: exchange,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** The app a client assertion proves, with the proof's kind, or why it is refused. */
  function verifyAssertion(
    clientId: string,
    assertion: string,
    tokenEndpoint: string,
  ): { app: App; proof: string } | { refused: string; code: number } {
    const jwt = decodeJwt(assertion);
    if (!jwt) return { refused: "The client assertion is not a JWT.", code: 50027 };
    const thumbprint =
      typeof jwt.header["x5t#S256"] === "string"
        ? jwt.header["x5t#S256"]
        : typeof jwt.header.x5t === "string"
          ? sha1Thumbprints.get(jwt.header.x5t)
          : undefined;
    if (thumbprint !== undefined || jwt.header.x5t !== undefined) {
      const reg = thumbprint ? certificates.get(thumbprint) : undefined;
      if (!reg || reg.app.clientId !== clientId)
        return {
          refused: `The certificate with identifier used to sign the client assertion is not registered on application '${clientId}'.`,
          code: 700027,
        };
      if (!signatureValid(jwt, reg.cert.publicKey))
        return { refused: "Client assertion failed signature validation.", code: 7000274 };
      const p = jwt.payload;
      if (p.aud !== tokenEndpoint)
        return {
          refused: `The audience claim '${String(p.aud)}' does not match this token endpoint '${tokenEndpoint}'.`,
          code: 700212,
        };
      if (p.iss !== clientId || p.sub !== clientId)
        return { refused: "The client assertion's iss and sub must be the client id.", code: 700023 };
      if (!timely(p)) return { refused: "The client assertion is expired or not yet valid.", code: 700024 };
      return { app: reg.app, proof: "certificate" };
    }
    if (!signatureValid(jwt, issuerKeys.publicKey))
      return { refused: "The federated token's signature is not valid for its issuer.", code: 700211 };
    const p = jwt.payload;
    const app = typeof p.sub === "string" ? federations.get(p.sub) : undefined;
    if (p.iss !== CI_ISSUER || !app || app.clientId !== clientId)
      return {
        refused: `No matching federated identity record found for presented assertion issuer '${String(p.iss)}' and subject '${String(p.sub)}'.`,
        code: 70021,
      };
    if (p.aud !== FEDERATED_AUDIENCE)
      return { refused: `The audience of the federated token must be '${FEDERATED_AUDIENCE}'.`, code: 700212 };
    if (!timely(p)) return { refused: "The federated token is expired.", code: 700024 };
    return { app, proof: "federated" };
  }

  async function authority(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", base);
    const method = req.method ?? "GET";
    const log = (status: number, extra: Partial<AuthorityRequest> = {}): void =>
      void requests.push({ server: "authority", method, path: url.pathname, status, ...extra });
    const body = await readBody(req);

    if (url.pathname.startsWith("/ci/")) {
      const ok = req.headers.authorization === `Bearer ${ciRequestToken}` && ciToken !== undefined;
      const github =
        method === "GET" && url.pathname === "/ci/github" && url.searchParams.get("audience") === FEDERATED_AUDIENCE;
      const ado =
        method === "POST" &&
        url.pathname === "/ci/ado" &&
        url.searchParams.get("api-version") === "7.1" &&
        url.searchParams.get("serviceConnectionId") === adoServiceConnectionId;
      const status = ok && (github || ado) ? 200 : 400;
      requests.push({ server: "ci", method, path: url.pathname, status });
      if (status !== 200) return send(res, status, { message: "bad CI token request" });
      return send(res, 200, github ? { count: 1, value: ciToken } : { oidcToken: ciToken });
    }

    const config = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (config && method === "GET") {
      const r = await fetch(`${emu.authorityHost}${url.pathname}`);
      const text = (await r.text()).split(emu.authorityHost).join(base);
      log(r.status);
      res.writeHead(r.status, { "Content-Type": "application/json; charset=utf-8" });
      res.end(text);
      return;
    }

    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (token && method === "POST") {
      const form = new URLSearchParams(body);
      const clientId = (form.get("client_id") ?? "").toLowerCase();
      const assertion = form.get("client_assertion");
      if (!assertion) {
        const r = await fetch(`${emu.authorityHost}${url.pathname}`, {
          method: "POST",
          body,
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
        });
        log(r.status, { proof: "secret", clientId });
        return send(res, r.status, await r.json());
      }
      if (form.get("client_assertion_type") !== JWT_BEARER) {
        log(400, { proof: "refused: client_assertion_type", clientId });
        return send(res, 400, aadError(50027, "invalid_request", `client_assertion_type must be ${JWT_BEARER}.`));
      }
      const verdict = verifyAssertion(clientId, assertion, `${base}${url.pathname}`);
      if ("refused" in verdict) {
        log(401, { proof: `refused: ${verdict.refused}`, clientId });
        return send(res, 401, aadError(verdict.code, "invalid_client", verdict.refused));
      }
      const r = await emulatorToken(token[1], verdict.app, form);
      log(r.status, { proof: verdict.proof, clientId });
      return send(res, r.status, r.body);
    }
    log(404);
    send(res, 404, aadError(90002, "invalid_request", `No route ${method} ${url.pathname}.`));
  }

  /**
   * The platform's managed identity endpoints, plain http on 127.0.0.1: App Service
   * (`IDENTITY_ENDPOINT`, `X-IDENTITY-HEADER`, api-version 2019-08-01) and IMDS at the address
   * `AZURE_POD_IDENTITY_AUTHORITY_HOST` gives (`Metadata: true`, api-version 2018-02-01).
   */
  async function msi(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const log = (status: number, clientId?: string): void =>
      void requests.push({
        server: "msi",
        method: req.method ?? "GET",
        path: url.pathname,
        status,
        proof: "managed identity",
        clientId,
      });
    await readBody(req);
    const resource = url.searchParams.get("resource");
    const route = url.pathname.replace(/\/$/, ""); // MSAL asks IMDS with a trailing slash
    const appService =
      route === "/msi/token" &&
      req.headers["x-identity-header"] === msiHeader &&
      url.searchParams.get("api-version") === "2019-08-01";
    const imds =
      route === "/metadata/identity/oauth2/token" &&
      req.headers.metadata === "true" &&
      url.searchParams.get("api-version") === "2018-02-01";
    if (req.method !== "GET" || !(appService || imds) || !resource) {
      log(400);
      return send(res, 400, { error: "invalid_request", error_description: "bad managed identity request" });
    }
    const userAssigned = url.searchParams.get("client_id");
    const app = userAssigned ? identities.user.get(userAssigned.toLowerCase()) : identities.system;
    if (!app) {
      log(400, userAssigned ?? undefined);
      return send(res, 400, {
        error: "invalid_request",
        error_description: `No managed identity ${userAssigned ?? "(system-assigned)"} on this resource.`,
      });
    }
    const form = new URLSearchParams({ grant_type: "client_credentials", scope: `${resource}/.default` });
    const r = await emulatorToken(emu.tenantId, app, form);
    log(r.status, app.clientId);
    if (r.status !== 200) return send(res, r.status, r.body);
    const expiresIn = Number(r.body.expires_in);
    const expiresOn = String(Math.floor(Date.now() / 1000) + expiresIn);
    send(res, 200, {
      access_token: r.body.access_token,
      expires_on: expiresOn,
      ...(imds ? { expires_in: String(expiresIn) } : {}),
      resource,
      token_type: "Bearer",
      client_id: app.clientId,
    });
  }

  const fail = (res: http.ServerResponse) => (e: unknown) =>
    send(res, 500, { error: "server_error", error_description: String(e) });
  const listening: Listening = await listen(
    0,
    { key: tls.keyPem, cert: tls.certPem },
    (req, res) => void authority(req, res).catch(fail(res)),
  );
  base = `https://localhost:${listening.port}`;
  const msiServer = http.createServer((req, res) => void msi(req, res).catch(fail(res)));
  await new Promise<void>((resolve) => msiServer.listen(0, "127.0.0.1", resolve));
  const msiPort = (msiServer.address() as AddressInfo).port;

  return {
    authorityHost: base,
    msiEndpoint: `http://127.0.0.1:${msiPort}/msi/token`,
    imdsHost: `http://127.0.0.1:${msiPort}`,
    msiHeader,
    githubTokenUrl: `${base}/ci/github`,
    adoTokenUrl: `${base}/ci/ado`,
    ciRequestToken,
    adoServiceConnectionId,
    addCertificate(app, opts = {}) {
      const leaf = issueServerCert(ca, [`app-${app.clientId}`]);
      const cert = new crypto.X509Certificate(leaf.certPem);
      const sha256 = crypto.createHash("sha256").update(cert.raw).digest("base64url");
      certificates.set(sha256, { app, cert });
      sha1Thumbprints.set(crypto.createHash("sha1").update(cert.raw).digest("base64url"), sha256);
      const key = opts.password
        ? crypto
            .createPrivateKey(leaf.keyPem)
            .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: opts.password })
            .toString()
        : leaf.keyPem;
      const file = path.join(dir, opts.fileName ?? `${app.clientId}-${sha256.slice(0, 8)}.pem`);
      fs.writeFileSync(file, `${key.trim()}\n${leaf.certPem.trim()}\n`, { mode: 0o600 });
      return file;
    },
    federatedToken(app, subject) {
      federations.set(subject, app);
      const now = Math.floor(Date.now() / 1000);
      return signJwt(
        {
          iss: CI_ISSUER,
          sub: subject,
          aud: FEDERATED_AUDIENCE,
          iat: now,
          nbf: now,
          exp: now + 600,
          jti: crypto.randomUUID(),
        },
        issuerKeys.privateKey,
        { kid: "ci" },
      );
    },
    setCiToken(token) {
      ciToken = token;
    },
    addManagedIdentity(app, opts) {
      if (opts.systemAssigned) identities.system = app;
      else identities.user.set(app.clientId.toLowerCase(), app);
    },
    requests,
    async close() {
      await listening.close();
      await new Promise<void>((resolve) => {
        msiServer.close(() => resolve());
        msiServer.closeAllConnections();
      });
    },
  };
}
