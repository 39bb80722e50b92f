/**
 * One error type for every failed Graph call. It carries what Graph said (status, `error.code`,
 * message, request-id) and, for the failures users meet most, a hint that says how to fix it.
 * Code branches on `code` and `status`, never on `message`.
 */
export class EntraGraphError extends Error {
  /** HTTP status Graph answered with (0 when no response arrived). */
  readonly status: number;
  /** Graph's `error.code`, e.g. `Authorization_RequestDenied`, or a transport code such as `ECONNRESET`. */
  readonly code: string;
  /** Graph's `request-id`, to quote to Microsoft support. */
  readonly requestId?: string;
  /** What to do about it, where we know. */
  readonly hint?: string;
  /** Method and path of the request that failed (no query secrets are ever in it). */
  readonly request: string;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    requestId?: string;
    request: string;
    hint?: string;
    cause?: unknown;
  }) {
    const hint = init.hint ?? hintFor(init.status, init.code, init.request, init.message);
    const parts = [`${init.request} failed: ${init.status ? `${init.status} ` : ""}${init.code}: ${init.message}`];
    if (init.requestId) parts.push(`(request-id ${init.requestId})`);
    if (hint) parts.push(`\nFix: ${hint}`);
    super(parts.join(" "), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "EntraGraphError";
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.hint = hint;
    this.request = init.request;
  }

  /** Graph answered 404: the object is not there (or not yet, while replication lags). */
  get notFound(): boolean {
    return this.status === 404;
  }
}

/** A Graph call as the hints see it: method, path (a query is ignored) and body. */
export interface HintedCall {
  method: string;
  path: string;
  body?: unknown;
}

/**
 * The one permission table: for a 403, the least-privileged application permission the refused call
 * needs, from the call itself (method, path, body), per each API's permissions table
 * (invitation-post, user-update, user-delete, opentypeextension-post-opentypeextension,
 * user-post-sponsors). The first row that matches answers. Reads are not in it: {@link READ_HINT}.
 */
const PERMISSION_HINTS: readonly {
  when: (c: { method: string; path: string; body: Record<string, unknown> }) => boolean;
  hint: string;
}[] = [
  {
    when: (c) => c.method === "POST" && c.path === "/invitations" && !!c.body.resetRedemption,
    hint: "resetting a guest's redemption needs User.ReadWrite.All (application; User.Invite.All is not enough); app-only tokens cannot reset a user who holds a directory role (invitation-post).",
  },
  {
    when: (c) => c.method === "POST" && c.path === "/invitations" && !!c.body.invitedUser,
    hint: "an invitation naming an existing user with invitedUser (a conversion to B2B) needs User.ReadWrite.All (invite-internal-users); User.Invite.All is not enough.",
  },
  {
    when: (c) => c.method === "POST" && c.path === "/invitations",
    hint: "inviting needs User.Invite.All (admin-consented). If it is granted, the tenant may restrict invitations to admins (External collaboration settings > Guest invite settings): give the app the Guest Inviter role or relax that setting.",
  },
  {
    when: (c) => /^\/users\/[^/]+\/extensions(\/|$)/.test(c.path),
    hint: "ownership marks (open extensions on users) need User.ReadWrite.All; without it guests are invited unmarked (a lost state then adopts them, and entra-guests orphans cannot find them).",
  },
  {
    when: (c) => /^\/users\/[^/]+\/sponsors\/\$ref$/.test(c.path),
    hint: "adding sponsors needs User.ReadWrite.All (user-post-sponsors).",
  },
  {
    when: (c) => c.method === "DELETE" && /^\/users\/[^/]+$/.test(c.path),
    hint: 'deleting a user needs User.ReadWrite.All (user-delete); with less, use onDelete: "disable" or "retain".',
  },
  {
    when: (c) =>
      c.method === "PATCH" &&
      /^\/users\/[^/]+$/.test(c.path) &&
      Object.keys(c.body).length === 1 &&
      "accountEnabled" in c.body,
    hint: 'disabling a user needs User.EnableDisableAccount.All and User.Read.All (least privileged for accountEnabled, user-update) or User.ReadWrite.All; with neither, use onDelete: "retain".',
  },
  {
    when: (c) => c.method === "PATCH" && /^\/users\/[^/]+$/.test(c.path) && "mail" in c.body,
    hint: "setting mail before a redemption reset needs User.ReadWrite.All (user-update).",
  },
  {
    when: (c) => c.method === "PATCH" && /^\/users\/[^/]+$/.test(c.path),
    hint: "updating a user's displayName, userType or userProperties needs User.ReadUpdate.All (least privileged, user-update) or User.ReadWrite.All; with User.Invite.All alone, leave userProperties unset.",
  },
  {
    when: (c) => c.method === "PATCH" || c.method === "DELETE",
    hint: 'changing or deleting users needs User.ReadWrite.All (admin-consented). With User.Invite.All alone, leave userProperties unset and use onDelete: "retain".',
  },
];

/** The 403 hint of a call no row of the permission table names: a read. */
const READ_HINT = "reading users needs User.Read.All or User.ReadWrite.All (admin-consented).";

/** For a 403: the permission the call needs, from the permission table; undefined for reads (the generic hint covers them). */
export function permissionHint(req: HintedCall): string | undefined {
  const call = { method: req.method, path: req.path.split("?")[0], body: (req.body ?? {}) as Record<string, unknown> };
  return PERMISSION_HINTS.find((row) => row.when(call))?.hint;
}

/**
 * Remediation for the common failures, from what an error records (`request` is `METHOD /path`,
 * with ` (resetRedemption)` for a reset). A 403 answers from the permission table. Pure; exported
 * for tests.
 */
export function hintFor(status: number, code: string, request: string, message = ""): string | undefined {
  const isInvite = request.includes("/invitations");
  if (status === 401) {
    return "the access token was refused: check entra:tenantId / ARM_TENANT_ID and that the credential belongs to that tenant, and that the clock is right.";
  }
  if (status === 403) {
    const [method = "", path = ""] = request.split(" ");
    const body = isInvite && /reset/i.test(message + request) ? { resetRedemption: true } : {};
    return permissionHint({ method, path, body }) ?? READ_HINT;
  }
  if (status === 400 && /blocked from signing in/i.test(message)) {
    return 'the guest\'s account exists but is disabled (for example by onDelete: "disable"). Enable it (accountEnabled: true) if it should get access again, or delete it; the provider does not re-enable accounts on its own.';
  }
  if (status === 400 && /blocked|deny|not allowed/i.test(message) && isInvite) {
    return "the guest's domain is blocked by the tenant's B2B allow/deny list or cross-tenant access settings; ask the tenant admin to allow it.";
  }
  if (status === 400 && /doesn't match any emails/i.test(message)) {
    return "a redemption reset needs the new address on the user first (mail or otherMails); grant User.ReadWrite.All so the provider can set it.";
  }
  if (status === 429 || code === "TooManyRequests") {
    return "Graph is throttling this tenant; lower entra:maxConcurrency or retry later.";
  }
  return undefined;
}

/** Transport failures worth a retry: the connection broke before a response arrived. */
export function isTransientNetworkError(err: unknown): boolean {
  const codes = new Set([
    "ECONNRESET",
    "ECONNREFUSED",
    "EPIPE",
    "ETIMEDOUT",
    "UND_ERR_SOCKET",
    "UND_ERR_CONNECT_TIMEOUT",
    "UND_ERR_HEADERS_TIMEOUT",
    "UND_ERR_CLOSED",
    "EAI_AGAIN",
  ]);
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && codes.has(code)) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === "string" && /other side closed|socket hang up|fetch failed|terminated/i.test(message))
      return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
