/**
 * HTTP to Graph through @microsoft/microsoft-graph-client: its AuthenticationHandler puts the token
 * on (only for https and the hosts it knows, plus `customHosts`), its HTTPMessageHandler sends.
 * Responses come back raw so the scheduler decides about retries.
 */
import type { TokenCredential } from "@azure/identity";
import type { Client as GraphSdkClient } from "@microsoft/microsoft-graph-client";
import type { GraphResponse, HttpMethod, Transport } from "./scheduler";

export interface TransportOptions {
  graphEndpoint: string;
  credential: TokenCredential;
  /** Keep the Graph client's default middleware (RetryHandler, RedirectHandler, ...). */
  sdkRetries?: boolean;
  /** Abort one HTTP exchange after this long. Default 100 s, as Graph's own gateway. */
  timeoutMs?: number;
}

export function createTransport(opts: TransportOptions): Transport {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const graph = require("@microsoft/microsoft-graph-client") as typeof import("@microsoft/microsoft-graph-client");
  const { TokenCredentialAuthenticationProvider } = require("@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials") as typeof import("@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const authProvider = new TokenCredentialAuthenticationProvider(opts.credential, { scopes: [`${opts.graphEndpoint}/.default`] });
  const host = new URL(opts.graphEndpoint).hostname;
  const customHosts = new Set([host]);
  let client: GraphSdkClient;
  if (opts.sdkRetries) {
    client = graph.Client.initWithMiddleware({ authProvider, baseUrl: `${opts.graphEndpoint}/`, customHosts, defaultVersion: "v1.0" });
  } else {
    const auth = new graph.AuthenticationHandler(authProvider);
    const http = new graph.HTTPMessageHandler();
    auth.setNext(http);
    client = graph.Client.initWithMiddleware({ middleware: auth, baseUrl: `${opts.graphEndpoint}/`, customHosts, defaultVersion: "v1.0" });
  }
  const timeoutMs = opts.timeoutMs ?? 100_000;

  return {
    async send(req: { method: HttpMethod; path: string; body?: unknown }): Promise<GraphResponse> {
      let request = client.api(req.path).responseType(graph.ResponseType.RAW).option("signal", AbortSignal.timeout(timeoutMs));
      if (req.body !== undefined) request = request.header("Content-Type", "application/json");
      const raw = (await callMethod(request, req.method, req.body)) as Response;
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
