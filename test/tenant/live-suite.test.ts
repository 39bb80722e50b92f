/**
 * The parts of `npm run test:live` (test/live) that must hold without a tenant, proven here in
 * `npm test`: which users a run owns (run ids in addresses, display names and marks), that its
 * cleanup removes exactly them also when a step fails, that `--cleanup` finds earlier runs' users by
 * their marks and run-id prefix, and that what it records is sanitized. The cleanup runs the live
 * suite's own code (test/live/graph.ts) against the emulator over HTTPS with the real credential.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cleanupRun, rawGraph, withCleanup } from "../../test/live/graph";
import { answerFile, QUESTIONS, recordAnswer } from "../../test/live/observe";
import {
  LiveTarget,
  liveTarget,
  newRunId,
  runAddress,
  runDisplayName,
  runOfUser,
  RunUserCandidate,
  selectRunUsers,
} from "../../test/live/run";
import { sanitize, sanitizeText } from "../../test/live/sanitize";
import { graphWrites, RunningEmulator, startEmulator } from "../../src/testing";

jest.setTimeout(120_000);

const MARK = "com.pulumi.entraInvitation";
const RUN = "entralive-20261205061500-a1b2";
const OLD = "entralive-20261101090000-ffff";
const DOMAIN = "live.example";

describe("run ids", () => {
  it("newRunId: the prefix, the UTC time to the second, four hex digits", () => {
    expect(newRunId(new Date("2026-12-05T06:15:00.123Z"), () => 0.6394)).toBe("entralive-20261205061500-a3af");
    expect(newRunId(new Date("2026-01-02T03:04:05Z"), () => 0)).toBe("entralive-20260102030405-0000");
  });

  const mark = (project: string, stack = project): Record<string, unknown>[] => [
    { extensionName: MARK, version: 1, project, stack, resource: "r", onDelete: "delete" },
  ];
  it.each<[string, RunUserCandidate, string | undefined]>([
    ["its address at the domain", { id: "1", mail: runAddress(RUN, "owner", DOMAIN) }, RUN],
    [
      "an address in otherMails",
      { id: "2", mail: null, otherMails: ["x@elsewhere.example", runAddress(RUN, "b", DOMAIN)] },
      RUN,
    ],
    ["a guest UPN only", { id: "3", userPrincipalName: `${RUN}-c_${DOMAIN}#EXT#@contoso.onmicrosoft.com` }, RUN],
    ["its display name", { id: "4", mail: "renamed@live.example", displayName: runDisplayName(RUN, "d") }, RUN],
    [
      "its mark's project (address changed by hand)",
      { id: "5", mail: "someone@live.example", extensions: mark(`${OLD}-life`) },
      OLD,
    ],
    ["upper case", { id: "6", mail: runAddress(RUN, "e", DOMAIN).toUpperCase() }, RUN],
    ["a run id at another domain: not ours", { id: "7", mail: `${RUN}-f@other.example` }, undefined],
    ["no run id", { id: "8", mail: "keep@live.example", displayName: "Keep Me" }, undefined],
    ["a run id inside the local part, not at its start", { id: "9", mail: `x-${RUN}@live.example` }, undefined],
    [
      "a prefix that is not a run id",
      { id: "10", mail: "entralive-2026-x@live.example", displayName: "entralive someone" },
      undefined,
    ],
    ["another stack's mark", { id: "11", mail: "p@live.example", extensions: mark("guests", "prod") }, undefined],
    ["a run id followed by more digits", { id: "12", mail: `${RUN}0@live.example` }, undefined],
  ])("runOfUser: %s", (_n, user, run) => {
    expect(runOfUser(user, DOMAIN)).toBe(run);
  });

  it("selectRunUsers: one run's, or every run's; never another user", () => {
    const users: RunUserCandidate[] = [
      { id: "a", mail: runAddress(RUN, "a", DOMAIN) },
      { id: "b", mail: runAddress(OLD, "b", DOMAIN) },
      { id: "c", mail: "keep@live.example" },
    ];
    expect(selectRunUsers(users, { domain: DOMAIN, runId: RUN }).map((u) => u.id)).toEqual(["a"]);
    expect(selectRunUsers(users, { domain: DOMAIN }).map((u) => u.id)).toEqual(["a", "b"]);
  });

  it.each<[string, Record<string, string>, string[] | undefined]>([
    [
      "nothing set",
      {},
      [
        "ENTRA_LIVE_TENANT_ID",
        "ENTRA_LIVE_CLIENT_ID",
        "ENTRA_LIVE_CLIENT_SECRET or ENTRA_LIVE_CLIENT_CERTIFICATE_PATH",
        "ENTRA_LIVE_DOMAIN",
      ],
    ],
    [
      "a certificate instead of a secret",
      {
        ENTRA_LIVE_TENANT_ID: "t",
        ENTRA_LIVE_CLIENT_ID: "c",
        ENTRA_LIVE_CLIENT_CERTIFICATE_PATH: "/c.pem",
        ENTRA_LIVE_DOMAIN: "a.example",
      },
      undefined,
    ],
    [
      "a domain that is not one",
      {
        ENTRA_LIVE_TENANT_ID: "t",
        ENTRA_LIVE_CLIENT_ID: "c",
        ENTRA_LIVE_CLIENT_SECRET: "s",
        ENTRA_LIVE_DOMAIN: "me@a.example",
      },
      ["ENTRA_LIVE_DOMAIN (a domain such as partner.example.com)"],
    ],
    [
      "blank values",
      {
        ENTRA_LIVE_TENANT_ID: " ",
        ENTRA_LIVE_CLIENT_ID: "c",
        ENTRA_LIVE_CLIENT_SECRET: "s",
        ENTRA_LIVE_DOMAIN: "a.example",
      },
      ["ENTRA_LIVE_TENANT_ID"],
    ],
  ])("liveTarget: %s", (_n, env, missing) => {
    expect(liveTarget(env).missing).toEqual(missing);
  });
});

describe("sanitizing what a run records", () => {
  const secrets = { known: ["9f3c2a10-0000-4000-8000-00000000beef", "s3cr8Q~verysecretvalue", "live.example", RUN] };
  it.each<[string, string, string]>([
    ["a tenant id (known, and as any GUID)", "tenant 9f3c2a10-0000-4000-8000-00000000beef", "tenant <known>"],
    ["a user id", "/users/0b5d9c3e-1111-4222-8333-444455556666/extensions", "/users/<id>/extensions"],
    ["an address", "Invitation for kim@contoso.com failed", "Invitation for <address> failed"],
    ["the tester's domain", "guest at live.example", "guest at <known>"],
    ["a guest UPN", "kim_contoso.com#EXT#@fabrikam.onmicrosoft.com", "<upn>"],
    ["a JWT", "token eyJ0eXAiOiJKV1QifQ.eyJyb2xlcyI6W119.c2ln end", "token <token> end"],
    ["a bearer header", "Authorization: Bearer abc.def", "Authorization: Bearer <token>"],
    ["a client secret", "secret s3cr8Q~verysecretvalue", "secret <known>"],
    [
      "an AADSTS trace",
      "AADSTS7000215: x Trace ID: 01234567-89ab-cdef-0123-456789abcdef Correlation ID: 11111111-2222-3333-4444-555555555555 Timestamp: 2026-12-05 06:15:00Z",
      "AADSTS7000215: x Trace ID: <id> Correlation ID: <id> Timestamp: <time>",
    ],
    ["an ISO time", "at 2026-12-05T06:15:00.1234567Z", "at <time>"],
    ["a run id", `user ${RUN}-owner`, "user <known>-owner"],
    ["another run's id", `user ${OLD} x`, "user <run> x"],
    ["a tenant domain", "contoso.onmicrosoft.com", "<tenant-domain>"],
    [
      "what is safe stays",
      "Request_UnsupportedQuery: Unsupported query on property 'proxyAddresses'. 400",
      "Request_UnsupportedQuery: Unsupported query on property 'proxyAddresses'. 400",
    ],
  ])("sanitizeText: %s", (_n, input, output) => {
    expect(sanitizeText(input, secrets)).toBe(output);
  });

  it("sanitize: keys and values throughout; request ids, dates and tokens by their key", () => {
    const value = {
      status: 400,
      headers: {
        "request-id": "abc",
        "client-request-id": "def",
        date: "Sat, 05 Dec 2026 06:15:00 GMT",
        "x-ms-ags-diagnostic": '{"ServerInfo":{}}',
        "content-type": "application/json",
      },
      error: {
        code: "Request_BadRequest",
        message: "user kim@contoso.com",
        innerError: { "request-id": "0b5d9c3e-1111-4222-8333-444455556666", date: "2026-12-05T06:15:00" },
      },
      byUser: { "0b5d9c3e-1111-4222-8333-444455556666": true },
      list: ["a@b.example", 3, null, false],
      access_token: "opaque",
    };
    expect(sanitize(value, secrets)).toEqual({
      status: 400,
      headers: {
        "request-id": "<redacted>",
        "client-request-id": "<redacted>",
        date: "<redacted>",
        "x-ms-ags-diagnostic": "<redacted>",
        "content-type": "application/json",
      },
      error: {
        code: "Request_BadRequest",
        message: "user <address>",
        innerError: { "request-id": "<redacted>", date: "<redacted>" },
      },
      byUser: { "<id>": true },
      list: ["<address>", 3, null, false],
      access_token: "<redacted>",
    });
  });

  it("answerFile: the question, the cloud, the day and the sanitized answer; recordAnswer writes it under the question's name", () => {
    const text = answerFile(
      "06-extension-already-exists",
      {
        secondPost: {
          status: 409,
          error: { message: `on 9f3c2a10-0000-4000-8000-00000000beef for ${RUN}-a@live.example` },
        },
      },
      { secrets, cloud: "public", day: "2026-12-05" },
    );
    expect(JSON.parse(text)).toEqual({
      question: QUESTIONS["06-extension-already-exists"],
      cloud: "public",
      observedOn: "2026-12-05",
      graph: "v1.0",
      answer: { secondPost: { status: 409, error: { message: "on <known> for <known>-a@<known>" } } },
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "entra-live-observed-"));
    try {
      const file = recordAnswer(
        "10-usage-location-null",
        { setNull: { status: 400 } },
        { secrets, cloud: "public", dir, now: new Date("2026-12-05T06:15:00Z") },
      );
      expect(path.basename(file)).toBe("10-usage-location-null.json");
      expect(JSON.parse(fs.readFileSync(file, "utf8"))).toMatchObject({
        observedOn: "2026-12-05",
        answer: { setNull: { status: 400 } },
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("cleanup against the emulator", () => {
  let emu: RunningEmulator;
  let target: LiveTarget;
  const REDIRECT = "https://myapps.microsoft.com";

  beforeAll(async () => {
    emu = await startEmulator();
    target = {
      tenantId: emu.tenantId,
      clientId: emu.clientId,
      clientSecret: emu.clientSecret,
      domain: DOMAIN,
      graphEndpoint: emu.graphUrl,
      authorityHost: emu.authorityHost,
    };
  });
  afterAll(async () => {
    await emu.close();
  });

  /** Invites through the live suite's Graph access, as its scenarios do; optionally marks the user. */
  async function invite(address: string, displayName: string, markProject?: string): Promise<string> {
    const g = rawGraph(target);
    const r = await g("POST", "/invitations", {
      invitedUserEmailAddress: address,
      invitedUserDisplayName: displayName,
      inviteRedirectUrl: REDIRECT,
      sendInvitationMessage: false,
    });
    expect(r.status).toBe(201);
    const id = (r.body as { invitedUser: { id: string } }).invitedUser.id;
    if (markProject) {
      const m = await g("POST", `/users/${id}/extensions`, {
        "@odata.type": "microsoft.graph.openTypeExtension",
        extensionName: MARK,
        version: 1,
        project: markProject,
        stack: markProject,
        resource: "r",
        onDelete: "retain",
      });
      expect(m.status).toBe(201);
    }
    return id;
  }

  const alive = (): Set<string> => new Set(emu.users().map((u) => u.id));

  it("a failing step: the run's users are deleted, exactly them; then --cleanup removes earlier runs' users found by address, name or mark", async () => {
    // Users that are not this run's: an earlier run's (by address, by display name, by mark only),
    // and users no run made (no run id; a run id at another domain; another stack's mark).
    const old = {
      byAddress: await invite(runAddress(OLD, "x", DOMAIN), "Someone"),
      byName: await invite("renamed@live.example", runDisplayName(OLD, "y")),
      byMark: await invite("moved@live.example", "Moved", `${OLD}-life`),
    };
    const survivors = {
      plain: await invite("keep@live.example", "Keep Me"),
      otherDomain: await invite(`${RUN}-z@other.example`, "Other Domain"),
      otherStack: await invite("prod@live.example", "Prod Guest", "guests"),
    };
    const mine: string[] = [];
    emu.clearRequests();

    const outcome = await withCleanup(target, RUN, async () => {
      mine.push(await invite(runAddress(RUN, "owner", DOMAIN), runDisplayName(RUN, "owner")));
      mine.push(await invite(runAddress(RUN, "marked", DOMAIN), runDisplayName(RUN, "marked"), `${RUN}-life`));
      mine.push(await invite("renamed2@live.example", runDisplayName(RUN, "renamed")));
      throw new Error("step 3 failed");
    });
    expect((outcome.error as Error).message).toBe("step 3 failed");
    expect(outcome.cleanup.deleted.sort()).toEqual([...mine].sort());
    expect(outcome.cleanup.failed).toEqual([]);
    const writesOfCleanup = graphWrites(emu.requests()).filter((w) => w.method === "DELETE");
    expect(writesOfCleanup.map((w) => w.path).sort()).toEqual(mine.map((id) => `/v1.0/users/${id}`).sort());
    let now = alive();
    for (const id of mine) expect(now.has(id)).toBe(false);
    for (const id of [...Object.values(old), ...Object.values(survivors)]) expect(now.has(id)).toBe(true);

    // `npm run test:live -- --cleanup`: every run's leftovers, nothing else.
    const leftovers = await cleanupRun(target);
    expect(leftovers.deleted.sort()).toEqual(Object.values(old).sort());
    now = alive();
    for (const id of Object.values(old)) expect(now.has(id)).toBe(false);
    for (const id of Object.values(survivors)) expect(now.has(id)).toBe(true);
    expect(
      emu
        .users({ includeDeleted: true })
        .filter((u) => u.deletedDateTime)
        .map((u) => u.id)
        .sort(),
    ).toEqual([...mine, ...Object.values(old)].sort());

    // Run again: nothing left to delete.
    expect((await cleanupRun(target)).deleted).toEqual([]);
  });
});
