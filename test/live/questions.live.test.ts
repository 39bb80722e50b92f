/**
 * `npm run test:live`: the answers a tenant gives to the questions Microsoft's documentation leaves
 * open (./observe.ts lists them), observed with this package's Graph layer and the real credential,
 * one exchange at a time, and written sanitized into test/live/observed/<question>.json. Every user
 * made here carries the run id (./run.ts) and is deleted after the run, also when a step fails.
 * Runs only through scripts/live.js (the ENTRA_LIVE_* variables), never in `npm test`.
 */
import { readToken } from "../../src/cli/commands/doctor";
import { createCredential } from "../../src/graph/credential";
import type { GraphResponse } from "../../src/graph/scheduler";
import { cleanupRun, liveRun, liveSettings } from "./graph";
import { QuestionId, recordAnswer } from "./observe";
import { runAddress, runDisplayName, targetEnv } from "./run";

jest.setTimeout(600_000);

const { target, runId, graph, secrets, cloud } = liveRun();
const REDIRECT = "https://myapps.microsoft.com";

/** What an answer of Graph says, for the record: status, error code and message, the fields asked for. */
function answer(r: GraphResponse, fields: string[] = []): Record<string, unknown> {
  const body = r.body as { error?: { code?: string; message?: string }; [k: string]: unknown } | undefined;
  const out: Record<string, unknown> = { status: r.status };
  if (body?.error) out.error = { code: body.error.code, message: body.error.message };
  const picked = fields.filter((f) => body && f in body);
  if (picked.length) out.body = Object.fromEntries(picked.map((f) => [f, body![f]]));
  return out;
}

function record(q: QuestionId, value: unknown): void {
  const file = recordAnswer(q, value, { secrets, cloud });
  process.stdout.write(`live: recorded ${file}\n`);
}

/** Invites one of the run's addresses (no email is sent) and returns the user's id. */
async function invite(
  role: string,
  extra: Record<string, unknown> = {},
): Promise<{ id: string; address: string; res: GraphResponse }> {
  const address = runAddress(runId, role, target.domain);
  const res = await graph("POST", "/invitations", {
    invitedUserEmailAddress: address,
    invitedUserDisplayName: runDisplayName(runId, role),
    inviteRedirectUrl: REDIRECT,
    sendInvitationMessage: false,
    ...extra,
  });
  if (res.status !== 201)
    throw new Error(`POST /invitations for ${role} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
  return { id: (res.body as { invitedUser: { id: string } }).invitedUser.id, address, res };
}

/** Polls `probe` until it is true or `limitMs` passed; the time it took (or undefined). */
async function until(probe: () => Promise<boolean>, limitMs = 120_000, everyMs = 500): Promise<number | undefined> {
  const start = Date.now();
  while (Date.now() - start < limitMs) {
    if (await probe()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return undefined;
}

const users = (filter: string, extra = ""): Promise<GraphResponse> =>
  graph("GET", `/users?$filter=${encodeURIComponent(filter)}&$select=id${extra}`);

afterAll(async () => {
  const report = await cleanupRun(target, runId);
  process.stdout.write(
    `live: cleanup of ${runId}: ${report.deleted.length} deleted, ${report.gone.length} already gone, ${report.failed.length} failed${report.failed.length ? `: ${JSON.stringify(report.failed)}` : ""}\n`,
  );
});

let subject: { id: string; address: string };

beforeAll(async () => {
  subject = await invite("subject");
  await until(async () => (await graph("GET", `/users/${subject.id}?$select=id`)).status === 200);
});

test("12: replication lag after a create (direct read, filtered list) and after a delete (deleted items)", async () => {
  const u = await invite("lag");
  const direct = await until(async () => (await graph("GET", `/users/${u.id}?$select=id`)).status === 200);
  const listed = await until(async () => {
    const r = await users(`mail eq '${u.address}'`);
    return r.status === 200 && ((r.body as { value?: unknown[] }).value?.length ?? 0) > 0;
  });
  const del = await graph("DELETE", `/users/${u.id}`);
  const deletedRead = await until(async () => (await graph("GET", `/directory/deletedItems/${u.id}`)).status === 200);
  record("12-replication-lag", {
    directReadMs: direct ?? "not within 120 s",
    filteredListMs: listed ?? "not within 120 s",
    delete: del.status,
    deletedItemsReadMs: deletedRead ?? "not within 120 s",
  });
  expect(del.status).toBe(204);
});

test("01 and 02: any() on collections and `or` across properties in $filter without advanced query", async () => {
  const a = subject.address;
  const q1 = {
    otherMailsAny: answer(await users(`otherMails/any(x:x eq '${a}')`)),
    proxyAddressesAny: answer(await users(`proxyAddresses/any(x:x eq 'SMTP:${a}')`)),
    proxyAddressesAnyLowerSmtp: answer(await users(`proxyAddresses/any(x:x eq 'smtp:${a}')`)),
  };
  record("01-any-without-advanced-query", q1);
  const q2 = {
    mailOrUserPrincipalName: answer(await users(`mail eq '${a}' or userPrincipalName eq '${a}'`)),
    mailOrOtherMails: answer(await users(`mail eq '${a}' or otherMails/any(x:x eq '${a}')`)),
    documentedLookup: answer(
      await users(
        `userPrincipalName eq '${a}' or mail eq '${a}' or proxyAddresses/any(x:x eq 'SMTP:${a}') or otherMails/any(x:x eq '${a}')`,
      ),
    ),
    documentedLookupFindsTheGuest: undefined as unknown,
  };
  const r = await users(
    `userPrincipalName eq '${a}' or mail eq '${a}' or proxyAddresses/any(x:x eq 'SMTP:${a}') or otherMails/any(x:x eq '${a}')`,
  );
  q2.documentedLookupFindsTheGuest =
    r.status === 200 ? ((r.body as { value: { id: string }[] }).value ?? []).some((v) => v.id === subject.id) : false;
  record("02-or-across-properties", q2);
  expect(typeof q1.otherMailsAny.status).toBe("number");
});

test("03: $expand=extensions with $filter and $top on /users", async () => {
  const filtered = await users(`mail eq '${subject.address}'`, "&$expand=extensions&$top=1");
  const big = await graph(
    "GET",
    `/users?$filter=${encodeURIComponent("userType eq 'Guest'")}&$select=id&$expand=extensions&$top=999`,
  );
  const page = (big.body as { value?: unknown[]; "@odata.nextLink"?: string } | undefined) ?? {};
  record("03-expand-extensions-with-filter", {
    filteredTop1: answer(filtered),
    guestsTop999: { ...answer(big), returned: page.value?.length, hasNextLink: !!page["@odata.nextLink"] },
    note: "a page cap (100 documented as a known issue) shows only when the tenant holds more guests than the page returned",
  });
  expect(typeof filtered.status).toBe("number");
});

test("05 and 06: open-extension PATCH and the 'already exists' answer", async () => {
  const name = "com.pulumi.entraInvitation.liveProbe";
  const post = await graph("POST", `/users/${subject.id}/extensions`, {
    "@odata.type": "microsoft.graph.openTypeExtension",
    extensionName: name,
    a: "1",
    b: "2",
  });
  const again = await graph("POST", `/users/${subject.id}/extensions`, {
    "@odata.type": "microsoft.graph.openTypeExtension",
    extensionName: name,
    a: "1",
  });
  record("06-extension-already-exists", { firstPost: post.status, secondPost: answer(again) });
  const patchPartial = await graph("PATCH", `/users/${subject.id}/extensions/${name}`, {
    "@odata.type": "microsoft.graph.openTypeExtension",
    a: "3",
  });
  const afterPartial = await graph("GET", `/users/${subject.id}/extensions/${name}`);
  const patchNoType = await graph("PATCH", `/users/${subject.id}/extensions/${name}`, {
    extensionName: name,
    a: "4",
    b: "2",
  });
  const afterNoType = await graph("GET", `/users/${subject.id}/extensions/${name}`);
  const keys = (r: GraphResponse): string[] | undefined =>
    r.status === 200
      ? Object.keys(r.body as object)
          .filter((k) => !k.startsWith("@odata.context"))
          .sort()
      : undefined;
  record("05-extension-patch", {
    patchWithoutExtensionNameAndB: answer(patchPartial),
    propertiesAfterIt: keys(afterPartial),
    keptB: afterPartial.status === 200 ? "b" in (afterPartial.body as object) : undefined,
    keptExtensionName: afterPartial.status === 200 ? "extensionName" in (afterPartial.body as object) : undefined,
    patchWithoutOdataType: answer(patchNoType),
    propertiesAfterThat: keys(afterNoType),
  });
  await graph("DELETE", `/users/${subject.id}/extensions/${name}`);
  expect(typeof post.status).toBe("number");
});

test("07: POST /invitations for the address of a disabled guest and of a soft-deleted guest", async () => {
  const disabled = await invite("disabled");
  await until(async () => (await graph("GET", `/users/${disabled.id}?$select=id`)).status === 200);
  const patch = await graph("PATCH", `/users/${disabled.id}`, { accountEnabled: false });
  const again = await graph("POST", "/invitations", {
    invitedUserEmailAddress: disabled.address,
    inviteRedirectUrl: REDIRECT,
    sendInvitationMessage: false,
  });
  const deleted = await invite("softdeleted");
  await until(async () => (await graph("GET", `/users/${deleted.id}?$select=id`)).status === 200);
  const del = await graph("DELETE", `/users/${deleted.id}`);
  const afterDelete = await graph("POST", "/invitations", {
    invitedUserEmailAddress: deleted.address,
    inviteRedirectUrl: REDIRECT,
    sendInvitationMessage: false,
  });
  const sameUser = (r: GraphResponse, id: string): boolean | undefined =>
    r.status === 201 ? (r.body as { invitedUser: { id: string } }).invitedUser.id === id : undefined;
  record("07-invite-existing-address", {
    disabledGuest: { disable: patch.status, invite: answer(again, ["status"]), sameUser: sameUser(again, disabled.id) },
    softDeletedGuest: {
      delete: del.status,
      invite: answer(afterDelete, ["status"]),
      sameUser: sameUser(afterDelete, deleted.id),
    },
    notObserved:
      "a member and a verified domain of the tenant: the suite creates no member and knows no verified domain",
  });
  expect(typeof again.status).toBe("number");
});

test("08: invitedUser without resetRedemption, and a reset of a guest who has not redeemed", async () => {
  const u = await invite("reinvite");
  await until(async () => (await graph("GET", `/users/${u.id}?$select=id`)).status === 200);
  const withUser = await graph("POST", "/invitations", {
    invitedUserEmailAddress: u.address,
    inviteRedirectUrl: REDIRECT,
    sendInvitationMessage: false,
    invitedUser: { id: u.id },
  });
  const reset = await graph("POST", "/invitations", {
    invitedUserEmailAddress: u.address,
    inviteRedirectUrl: REDIRECT,
    sendInvitationMessage: false,
    invitedUser: { id: u.id },
    resetRedemption: true,
  });
  const id = (r: GraphResponse): boolean | undefined =>
    r.status === 201 ? (r.body as { invitedUser: { id: string } }).invitedUser.id === u.id : undefined;
  record("08-reinvite-and-reset", {
    invitedUserWithoutReset: { ...answer(withUser, ["status", "resetRedemption"]), sameUser: id(withUser) },
    resetOfPendingGuest: { ...answer(reset, ["status", "resetRedemption"]), sameUser: id(reset) },
  });
  expect(typeof reset.status).toBe("number");
});

test("09: POST /invitations inside $batch", async () => {
  const address = runAddress(runId, "batched", target.domain);
  const r = await graph("POST", "/$batch", {
    requests: [
      {
        id: "1",
        method: "POST",
        url: "/invitations",
        headers: { "Content-Type": "application/json" },
        body: {
          invitedUserEmailAddress: address,
          invitedUserDisplayName: runDisplayName(runId, "batched"),
          inviteRedirectUrl: REDIRECT,
          sendInvitationMessage: false,
        },
      },
    ],
  });
  const sub = ((
    r.body as { responses?: { status: number; body?: { error?: { code?: string; message?: string } } }[] } | undefined
  )?.responses ?? [])[0];
  record("09-batch", {
    envelope: r.status,
    invitationInBatch: sub
      ? {
          status: sub.status,
          error: sub.body?.error ? { code: sub.body.error.code, message: sub.body.error.message } : undefined,
        }
      : "no responses",
    notObserved: "a top-level 424: the suite cannot make Graph fail a dependency on purpose",
  });
  expect(typeof r.status).toBe("number");
});

test("10: usageLocation null on PATCH", async () => {
  const set = await graph("PATCH", `/users/${subject.id}`, { usageLocation: "DE" });
  const unset = await graph("PATCH", `/users/${subject.id}`, { usageLocation: null });
  const after = await graph("GET", `/users/${subject.id}?$select=usageLocation`);
  record("10-usage-location-null", {
    setDE: set.status,
    setNull: answer(unset),
    after:
      after.status === 200 ? { usageLocation: (after.body as { usageLocation: unknown }).usageLocation } : after.status,
  });
  expect(typeof unset.status).toBe("number");
});

test("11 and 13: invitedUserSponsors' body shape; invitedUserType Member with this app's roles", async () => {
  const sponsored = await graph("POST", "/invitations", {
    invitedUserEmailAddress: runAddress(runId, "sponsored", target.domain),
    invitedUserDisplayName: runDisplayName(runId, "sponsored"),
    inviteRedirectUrl: REDIRECT,
    sendInvitationMessage: false,
    invitedUserSponsors: [{ id: subject.id }],
  });
  let sponsors: unknown;
  if (sponsored.status === 201) {
    const id = (sponsored.body as { invitedUser: { id: string } }).invitedUser.id;
    await until(async () => (await graph("GET", `/users/${id}?$select=id`)).status === 200);
    const s = await graph("GET", `/users/${id}/sponsors?$select=id`);
    sponsors =
      s.status === 200
        ? {
            count: ((s.body as { value?: { id: string }[] }).value ?? []).length,
            isTheGivenUser: ((s.body as { value?: { id: string }[] }).value ?? []).some((v) => v.id === subject.id),
          }
        : s.status;
  }
  record("11-invited-user-sponsors", { shape: "[{ id }]", invite: answer(sponsored), sponsors });
  const member = await graph("POST", "/invitations", {
    invitedUserEmailAddress: runAddress(runId, "member", target.domain),
    invitedUserDisplayName: runDisplayName(runId, "member"),
    inviteRedirectUrl: REDIRECT,
    sendInvitationMessage: false,
    invitedUserType: "Member",
  });
  const s = liveSettings(target);
  const token = await createCredential(s.credential, s.authorityHost, targetEnv(target)).getToken(
    `${s.graphEndpoint}/.default`,
  );
  const roles = token ? (readToken(token.token)?.roles ?? []) : [];
  record("13-invite-member-with-invite-all", {
    invite: answer(member, ["invitedUserType"]),
    appRoles: roles,
    settles:
      roles.length === 1 && roles[0] === "User.Invite.All"
        ? "yes: the app holds User.Invite.All alone"
        : "no: the app holds more than User.Invite.All; run again with such an app",
  });
  expect(typeof member.status).toBe("number");
});
