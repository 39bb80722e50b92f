/** Graph and login endpoints per cloud, and the rules for custom (emulator) endpoints. Pure. */

/** The national clouds Graph runs in, plus `custom` for an endpoint given explicitly. */
export type CloudName = "public" | "usgovernment" | "dod" | "china" | "custom";

export interface CloudEndpoints {
  /** Graph's base URL without the version, e.g. `https://graph.microsoft.com`. */
  readonly graphEndpoint: string;
  /** The login authority host, e.g. `https://login.microsoftonline.com`. */
  readonly authorityHost: string;
}

export const CLOUDS: Readonly<Record<Exclude<CloudName, "custom">, CloudEndpoints>> = {
  public: { graphEndpoint: "https://graph.microsoft.com", authorityHost: "https://login.microsoftonline.com" },
  usgovernment: { graphEndpoint: "https://graph.microsoft.us", authorityHost: "https://login.microsoftonline.us" },
  dod: { graphEndpoint: "https://dod-graph.microsoft.us", authorityHost: "https://login.microsoftonline.us" },
  china: { graphEndpoint: "https://microsoftgraph.chinacloudapi.cn", authorityHost: "https://login.chinacloudapi.cn" },
};

/** Names users already write in azuread / Terraform / ARM_ENVIRONMENT, mapped to ours. */
const ALIASES: Record<string, Exclude<CloudName, "custom">> = {
  public: "public",
  global: "public",
  azurepubliccloud: "public",
  azurecloud: "public",
  usgovernment: "usgovernment",
  usgov: "usgovernment",
  azureusgovernment: "usgovernment",
  azureusgovernmentcloud: "usgovernment",
  usgovernmentl4: "usgovernment",
  dod: "dod",
  usgovernmentl5: "dod",
  azuredod: "dod",
  china: "china",
  azurechina: "china",
  azurechinacloud: "china",
};

export function cloudByName(name: string): Exclude<CloudName, "custom"> | undefined {
  return ALIASES[
    name
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "")
  ];
}

/** True for localhost, 127.0.0.0/8 and ::1. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Resolve the endpoints: a custom Graph endpoint (and authority) wins over the named cloud.
 * Throws with a fix when an endpoint is not https (plain http is allowed on loopback only).
 */
export function resolveEndpoints(opts: {
  environment?: string;
  graphEndpoint?: string;
  authorityHost?: string;
}): CloudEndpoints & { cloud: CloudName } {
  let cloud: Exclude<CloudName, "custom"> = "public";
  if (opts.environment) {
    const c = cloudByName(opts.environment);
    if (!c) {
      throw new Error(
        `unknown Azure environment '${opts.environment}': use one of public, usgovernment, dod, china (entra:environment / azuread:environment / ARM_ENVIRONMENT), or set entra:graphEndpoint for a custom endpoint.`,
      );
    }
    cloud = c;
  }
  const base = CLOUDS[cloud];
  const graphEndpoint = opts.graphEndpoint
    ? checkUrl(opts.graphEndpoint, "entra:graphEndpoint / ENTRA_GRAPH_ENDPOINT")
    : base.graphEndpoint;
  const authorityHost = opts.authorityHost
    ? checkUrl(opts.authorityHost, "entra:authorityHost / ENTRA_AUTHORITY_HOST")
    : base.authorityHost;
  return { cloud: opts.graphEndpoint ? "custom" : cloud, graphEndpoint, authorityHost };
}

function checkUrl(raw: string, setting: string): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new Error(`${setting} '${raw}' is not an absolute URL: give it like https://graph.example.com`);
  }
  if (u.protocol !== "https:" && !(u.protocol === "http:" && isLoopbackHost(u.hostname))) {
    throw new Error(
      `${setting} '${raw}' must use https: tokens are only sent over https (plain http is accepted for loopback addresses only).`,
    );
  }
  // Graph's base: scheme, host and port; a trailing /v1.0 or slash is dropped.
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/(v1\.0|beta)?\/?$/, "")}`;
}
