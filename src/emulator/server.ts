/**
 * The HTTPS front: listens on 127.0.0.1 and ::1 (same port), reads bodies, and dispatches to
 * the admin API (/_emulator/), the identity endpoints (/{tenant}/oauth2/..., /{tenant}/v2.0/...)
 * or the Graph routes (everything else). Plain node:https, no framework.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { AdminApi, handleAdmin, isLoopback } from "./admin";
import type { AuthResponse } from "./auth";
import type { EmulatorContext } from "./context";
import { INVALID_JSON } from "./graph-call";
import { executeGraph } from "./graph-routes";

const MAX_BODY = 8 * 1024 * 1024;
const GRAPH_JSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
const IDENTITY_ROUTE =
  /^\/([^/?]+)\/(oauth2\/v2\.0\/token|v2\.0\/\.well-known\/openid-configuration|\.well-known\/openid-configuration|discovery\/v2\.0\/keys)\/?(?:\?.*)?$/;

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error("body too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(size ? Buffer.concat(chunks) : undefined));
    req.on("error", reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: unknown,
  contentType = GRAPH_JSON,
): void {
  if (res.destroyed || res.writableEnded) return;
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const json = JSON.stringify(body);
  res.writeHead(status, { ...headers, "Content-Type": contentType, "Content-Length": String(Buffer.byteLength(json)) });
  res.end(json);
}

function parseJson(buf: Buffer | undefined): unknown {
  if (!buf) return undefined;
  const text = buf.toString("utf8");
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return INVALID_JSON;
  }
}

function basicAuth(req: IncomingMessage): { id: string; secret: string } | undefined {
  const h = header(req, "authorization");
  const m = h ? /^Basic\s+(\S+)$/i.exec(h) : null;
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const i = decoded.indexOf(":");
  return i < 0
    ? undefined
    : { id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
}

/** Builds the request listener shared by the IPv4 and IPv6 servers. */
export function createHandler(
  ctx: EmulatorContext,
  admin: AdminApi,
  fallbackHost: () => string,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(ctx, admin, fallbackHost, req, res).catch((e: unknown) => {
      send(res, 500, {}, { error: { code: "generalException", message: `Emulator error: ${String(e)}` } });
    });
  };
}

async function handle(
  ctx: EmulatorContext,
  admin: AdminApi,
  fallbackHost: () => string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = req.url ?? "/";
  const method = (req.method ?? "GET").toUpperCase();
  let raw: Buffer | undefined;
  try {
    raw = await readBody(req);
  } catch {
    send(res, 413, {}, { error: { code: "RequestEntityTooLarge", message: "The request body is too large." } });
    return;
  }
  const host = header(req, "host") ?? fallbackHost();

  if (url === "/_emulator" || url.startsWith("/_emulator/") || url.startsWith("/_emulator?")) {
    if (!isLoopback(req.socket.remoteAddress)) {
      send(
        res,
        403,
        {},
        { error: { code: "Forbidden", message: "The admin API answers loopback clients only." } },
        "application/json",
      );
      return;
    }
    const body = parseJson(raw);
    if (body === INVALID_JSON) {
      send(res, 400, {}, { error: { code: "BadRequest", message: "Invalid JSON body." } }, "application/json");
      return;
    }
    const r = handleAdmin(admin, method, url, body);
    send(res, r.status, { "Cache-Control": "no-store" }, r.body, "application/json");
    return;
  }

  const requestId = randomUUID();
  const clientRequestId = header(req, "client-request-id") ?? requestId;
  const common = { "request-id": requestId, "client-request-id": clientRequestId };

  const id = IDENTITY_ROUTE.exec(url);
  if (id) {
    const [, tenant, what] = id;
    const base = `https://${host}`;
    let r: AuthResponse;
    let logged: unknown;
    if (what === "oauth2/v2.0/token") {
      if (method !== "POST") {
        r = {
          status: 405,
          body: {
            error: "invalid_request",
            error_description: "AADSTS900561: The endpoint only accepts POST requests.",
          },
        };
      } else {
        const form = new URLSearchParams(raw ? raw.toString("utf8") : "");
        const shown: Record<string, string> = {};
        for (const [k, v] of form) if (k !== "client_secret" && k !== "client_assertion") shown[k] = v;
        logged = shown;
        r = ctx.auth.token(tenant, form, basicAuth(req));
      }
    } else if (what.endsWith("keys")) {
      r = ctx.auth.keys(tenant);
    } else {
      r = ctx.auth.openIdConfiguration(tenant, base);
    }
    if (what === "oauth2/v2.0/token") {
      ctx.log.add({
        time: new Date().toISOString(),
        method,
        path: url,
        status: r.status,
        ...(logged !== undefined ? { body: logged } : {}),
      });
    }
    send(res, r.status, { ...common, ...(r.headers ?? {}) }, r.body, "application/json; charset=utf-8");
    return;
  }

  const outcome = await executeGraph(ctx, {
    method,
    target: url,
    body: parseJson(raw),
    contentType: header(req, "content-type"),
    consistencyLevel: header(req, "consistencylevel"),
    host,
    authorization: header(req, "authorization"),
    requestId,
    clientRequestId,
  });
  if (outcome.action) {
    // "reset": nothing was done; "drop": the work is done but the answer never arrives.
    req.socket.destroy();
    return;
  }
  const headers: Record<string, string> = {
    ...common,
    "Cache-Control": "no-cache",
    "Strict-Transport-Security": "max-age=31536000",
    "x-ms-ags-diagnostic": JSON.stringify({
      ServerInfo: {
        DataCenter: "Local Emulator",
        Slice: "E",
        Ring: "0",
        ScaleUnit: "000",
        RoleInstance: "EMULATOR",
        ADSiteName: "LOCAL",
      },
    }),
    ...outcome.headers,
  };
  send(res, outcome.status, headers, outcome.body);
}

function listenOn(server: https.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once("error", onError);
    server.listen({ port, host, exclusive: true }, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

function closeServer(server: https.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** The listening servers. */
export interface Listening {
  port: number;
  servers: https.Server[];
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 and, when the host has IPv6 loopback, on ::1 with the same port (so that
 * "localhost" works whichever address a client tries first). Port 0 picks a free port that is
 * free on both.
 */
export async function listen(
  port: number,
  tls: { key: string; cert: string },
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Listening> {
  const make = (): https.Server => {
    const s = https.createServer({ key: tls.key, cert: tls.cert }, handler);
    s.keepAliveTimeout = 5_000;
    return s;
  };
  for (let attempt = 0; ; attempt++) {
    const v4 = make();
    await listenOn(v4, port, "127.0.0.1");
    const actual = (v4.address() as AddressInfo).port;
    const v6 = make();
    try {
      await listenOn(v6, actual, "::1");
      const servers = [v4, v6];
      return { port: actual, servers, close: async () => void (await Promise.all(servers.map(closeServer))) };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EADDRNOTAVAIL" || code === "EAFNOSUPPORT" || code === "EINVAL") {
        return { port: actual, servers: [v4], close: () => closeServer(v4) };
      }
      await closeServer(v4);
      if (code === "EADDRINUSE" && port === 0 && attempt < 20) continue;
      throw e;
    }
  }
}
