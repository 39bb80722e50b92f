/**
 * HTTP to Graph through @microsoft/microsoft-graph-client: its AuthenticationHandler puts the token
 * on (only for https and the hosts it knows, plus `customHosts`), then `fetch` sends (our last
 * middleware, which keeps a network failure's cause: the client's own wrapper drops it). Responses
 * come back raw so the scheduler decides about retries. With `sdkRetries` (the benchmark's baseline)
 * the client's default middleware chain is used as it is.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";
import type { Client as GraphSdkClient } from "@microsoft/microsoft-graph-client";
import { EndpointError } from "./failures";
import type { GraphResponse, HttpMethod, Transport } from "./scheduler";

export interface TransportOptions {
  graphEndpoint: string;
  credential: TokenCredential;
  /** Keep the Graph client's default middleware (RetryHandler, RedirectHandler, ...). */
  sdkRetries?: boolean;
  /** Abort one HTTP exchange after this long. Default 100 s, as Graph's own gateway. */
  timeoutMs?: number;
  /**
   * One token request at a time, the token shared until shortly before it expires (default: on
   * unless `sdkRetries`, so the baseline keeps the credential exactly as @azure/identity gives it,
   * which can fetch a token for each of many concurrent first calls).
   */
  shareToken?: boolean;
}

/** Concurrent `getToken` calls share one request; the token is reused until 5 minutes before it expires. */
export function sharedTokenCredential(inner: TokenCredential, now: () => number = Date.now): TokenCredential {
  const cache = new Map<string, AccessToken>();
  const pending = new Map<string, Promise<AccessToken | null>>();
  return {
    getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      const key = Array.isArray(scopes) ? scopes.join(" ") : scopes;
      const hit = cache.get(key);
      if (hit && hit.expiresOnTimestamp - now() > 300_000) return Promise.resolve(hit);
      let p = pending.get(key);
      if (!p) {
        p = inner.getToken(scopes, options).then(
          (t) => {
            pending.delete(key);
            if (t) cache.set(key, t);
            return t;
          },
          (e: unknown) => {
            pending.delete(key);
            throw e;
          },
        );
        pending.set(key, p);
      }
      return p;
    },
  };
}

export function createTransport(opts: TransportOptions): Transport {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const graph = require("@microsoft/microsoft-graph-client") as typeof import("@microsoft/microsoft-graph-client");
  const { TokenCredentialAuthenticationProvider } =
    require("@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials") as typeof import("@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const shared = (opts.shareToken ?? !opts.sdkRetries) ? sharedTokenCredential(opts.credential) : opts.credential;
  // The last token failure: the Graph client wraps it into a GraphError that keeps only its text.
  let tokenFailure: unknown;
  const credential: TokenCredential = {
    getToken: (scopes, options) =>
      shared.getToken(scopes, options).then(
        (t) => {
          tokenFailure = undefined;
          return t;
        },
        (e: unknown) => {
          tokenFailure = e;
          throw e;
        },
      ),
  };
  const authProvider = new TokenCredentialAuthenticationProvider(credential, {
    scopes: [`${opts.graphEndpoint}/.default`],
  });
  const { hostname: host, origin } = new URL(opts.graphEndpoint);
  const customHosts = new Set([host]);
  let client: GraphSdkClient;
  // Failures of fetch by the signal of their request: the Graph client wraps them into a GraphError
  // that drops the cause (and, across realms, even the message), which says whether a retry helps.
  const failures = new WeakMap<object, unknown>();
  if (opts.sdkRetries) {
    client = graph.Client.initWithMiddleware({
      authProvider,
      baseUrl: `${opts.graphEndpoint}/`,
      customHosts,
      defaultVersion: "v1.0",
    });
  } else {
    const auth = new graph.AuthenticationHandler(authProvider);
    auth.setNext({
      async execute(context) {
        try {
          context.response = await fetch(context.request, context.options);
        } catch (e) {
          const signal = context.options?.signal;
          if (signal) failures.set(signal, new EndpointError(origin, e));
          throw e;
        }
      },
    });
    client = graph.Client.initWithMiddleware({
      middleware: auth,
      baseUrl: `${opts.graphEndpoint}/`,
      customHosts,
      defaultVersion: "v1.0",
    });
  }
  const timeoutMs = opts.timeoutMs ?? 100_000;

  return {
    async send(req: { method: HttpMethod; path: string; body?: unknown }): Promise<GraphResponse> {
      const signal = AbortSignal.timeout(timeoutMs);
      let request = client.api(req.path).responseType(graph.ResponseType.RAW).option("signal", signal);
      if (req.body !== undefined) request = request.header("Content-Type", "application/json");
      let raw: Response;
      try {
        raw = (await callMethod(request, req.method, req.body)) as Response;
      } catch (e) {
        // The network failure itself (with its host, cause and code) or the token's failure, not the Graph client's wrapper.
        const failure = failures.get(signal);
        if (failure) throw failure;
        if (tokenFailure !== undefined) throw tokenFailure;
        throw e;
      }
      const headers: Record<string, string> = {};
      raw.headers.forEach((v, k) => (headers[k.toLowerCase()] = v));
      const text = raw.status === 204 ? "" : await raw.text();
      let body: unknown = undefined;
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      return { status: raw.status, headers, body };
    },
  };
}

function callMethod(request: ReturnType<GraphSdkClient["api"]>, method: HttpMethod, body: unknown): Promise<unknown> {
  switch (method) {
    case "GET":
      return request.get();
    case "POST":
      return request.post(body);
    case "PATCH":
      return request.patch(body);
    case "DELETE":
      return request.delete();
  }
}
