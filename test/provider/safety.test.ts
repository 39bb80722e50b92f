/**
 * Issue 17, item 2, through the provider's own methods against the emulator over HTTPS: a user the
 * stack did not invite is found by every address Graph matches, adopted and kept; an internal user is
 * never converted unless the program opts in, and a refusal writes nothing; a re-issue goes by
 * address and fails loudly when Graph answers with another user. Users are seeded as an admin would
 * have them (`emu.addUser`); requests are asserted from the emulator's log.
 */
import { invitationProvider } from "../../src";
import { resolveSettings, schedulerFor } from "../../src/graph";
import { createCredential } from "../../src/graph/credential";
import { RequestScheduler, Scheduler, Transport } from "../../src/graph/scheduler";
import { createTransport } from "../../src/graph/transport";
import { acceptedGuest, adminGraphClient, graphWrites, requestsTo, RunningEmulator } from "../../src/testing";
import { resetLifecycleRegistry } from "../../src/provider/replacement";
import { freshDeploymentEachTest, providerAgainstEmulator } from "./emulator-fixture";
import { URN_KEY } from "../../src/sdk";
import type { InvitationOutputs } from "../../src/provider/types";

type Props = Record<string, unknown>;
const p = invitationProvider;
const redirect = "https://myapps.microsoft.com";
const urnOf = (name: string): string => `urn:pulumi:prod::guests::pulumi-nodejs:dynamic/entra:Invitation::${name}`;
let emu: RunningEmulator;

const fixture = providerAgainstEmulator();
beforeAll(() => void (emu = fixture.emu));

const stderr = freshDeploymentEachTest(fixture);

async function checked(news: Props, olds: Props = {}): Promise<Props> {
  const r = await p.check!(olds, news);
  expect(r.failures ?? []).toEqual([]);
  return r.inputs as Props;
}

/** check, then create as the engine does: the URN of the resource on the inputs. */
async function create(news: Props, name: string): Promise<{ id: string; outs: InvitationOutputs }> {
  const inputs = { ...(await checked(news)) };
  Object.defineProperty(inputs, URN_KEY, { value: urnOf(name), enumerable: false });
  const r = await p.create(inputs);
  return { id: r.id, outs: r.outs as InvitationOutputs };
}

const invitations = () => requestsTo(emu.requests(), "POST", "/v1.0/invitations");
/** A member of the tenant ("Ann") with `mail` as address and sign-in name, and `extra` properties. */
const member = (mail: string, extra: Partial<Parameters<RunningEmulator["addUser"]>[0]> = {}) =>
  emu.addUser({ displayName: "Ann", userPrincipalName: mail, mail, ...extra });

describe("a user the stack did not invite is found by every address Graph matches, adopted and kept", () => {
  it.each<[string, (address: string) => Parameters<RunningEmulator["addUser"]>[0]]>([
    [
      "only in proxyAddresses",
      (a) =>
        acceptedGuest({
          displayName: "Kim",
          mail: "kim@other.example",
          proxyAddresses: ["SMTP:kim@other.example", `smtp:${a}`],
        }),
    ],
    [
      "only its userPrincipalName",
      (a) =>
        acceptedGuest({
          displayName: "Kim",
          userPrincipalName: a,
          userType: "Guest",
          mail: null,
          proxyAddresses: [],
        }),
    ],
  ])("an invited guest whose address is %s: adopted without an invitation, retained on delete", async (_n, seed) => {
    const address = "kim@fabrikam.example";
    const user = emu.addUser(seed(address));
    emu.clearRequests();
    const { id, outs } = await create({ invitedUserEmailAddress: address, inviteRedirectUrl: redirect }, "kim");
    expect(id).toBe(user.id);
    expect(outs.adopted).toBe(true);
    expect(invitations()).toHaveLength(0);
    expect(graphWrites(emu.requests())).toEqual([]);
    emu.clearRequests();
    resetLifecycleRegistry(); // `pulumi destroy`
    await p.delete!(id, outs);
    expect(graphWrites(emu.requests())).toEqual([]);
    expect(emu.users().find((u) => u.id === user.id)?.deletedDateTime ?? null).toBeNull();
  });

  it("an internal user holding the address only in proxyAddresses: refused by address, nothing written", async () => {
    member("ann@contoso.example", { proxyAddresses: ["SMTP:ann@contoso.example", "smtp:ann@fabrikam.example"] });
    emu.clearRequests();
    await expect(
      create({ invitedUserEmailAddress: "ann@fabrikam.example", inviteRedirectUrl: redirect }, "ann"),
    ).rejects.toThrow(/belongs to a member of this tenant, not a guest/);
    expect(graphWrites(emu.requests())).toEqual([]);
  });

  it("two users with the address: the invited guest is taken over, and a warning names both", async () => {
    const m = member("ann@contoso.example", { otherMails: ["shared@fabrikam.example"] });
    const g = emu.addUser(
      acceptedGuest({
        displayName: "Guest",
        mail: "shared@fabrikam.example",
      }),
    );
    const { id } = await create(
      { invitedUserEmailAddress: "shared@fabrikam.example", inviteRedirectUrl: redirect },
      "shared",
    );
    expect(id).toBe(g.id);
    const warning = stderr
      .join("")
      .split("\n")
      .find((l) => l.includes("is held by 2 users"));
    expect(warning).toContain(m.id);
    expect(warning).toContain(`using ${g.id}`);
  });
});

describe("an internal user is converted only when the program opts in", () => {
  it("invitedUser naming a member with resetRedemption: refused with 0 writes, naming the user, why and the fix", async () => {
    const m = member("ann@contoso.example");
    emu.clearRequests();
    const err = await create(
      {
        invitedUserEmailAddress: "ann@contoso.example",
        inviteRedirectUrl: redirect,
        invitedUser: m.id,
        resetRedemption: true,
      },
      "ann",
    ).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(
      `the redemption reset of user ${m.id} (ann@contoso.example) refused before any change`,
    );
    expect((err as Error).message).toContain('"Invitation is one-way" (invite-internal-users)');
    expect((err as Error).message).toContain("convertInternalUserToB2b: true");
    expect(graphWrites(emu.requests())).toEqual([]);
    expect(emu.users().find((u) => u.id === m.id)).toMatchObject({ externalUserState: null, userType: "Member" });
  });

  it("with convertInternalUserToB2b: the documented conversion (invitedUser, no resetRedemption); same user, one way", async () => {
    const m = member("bob@contoso.example");
    emu.clearRequests();
    const { id, outs } = await create(
      {
        invitedUserEmailAddress: "bob@contoso.example",
        inviteRedirectUrl: redirect,
        invitedUser: m.id,
        resetRedemption: true,
        convertInternalUserToB2b: true,
      },
      "bob",
    );
    expect(id).toBe(m.id);
    expect(outs).toMatchObject({
      userId: m.id,
      adopted: true,
      externalUserState: "PendingAcceptance",
      convertInternalUserToB2b: true,
    });
    const posts = invitations();
    expect(posts).toHaveLength(1);
    expect(posts[0].body).toMatchObject({ invitedUser: { id: m.id }, invitedUserEmailAddress: "bob@contoso.example" });
    expect(posts[0].body).not.toHaveProperty("resetRedemption");
    expect(graphWrites(emu.requests())).toHaveLength(1);
    expect(emu.users().find((u) => u.id === m.id)).toMatchObject({ externalUserState: "PendingAcceptance" });
  });

  it("a replacement of a taken-over member: the preview line says it is refused; the delete half refuses with 0 writes", async () => {
    const m = member("cy@contoso.example");
    const { id, outs } = await create(
      { invitedUserEmailAddress: "cy@contoso.example", inviteRedirectUrl: redirect, invitedUser: m.id },
      "cy",
    );
    expect(outs.adopted).toBe(true);
    resetLifecycleRegistry();
    emu.clearRequests();
    stderr.length = 0;
    const news = await checked(
      {
        invitedUserEmailAddress: "cy@contoso.example",
        inviteRedirectUrl: redirect,
        invitedUser: m.id,
        triggers: { rotate: 1 },
      },
      outs as unknown as Props,
    );
    const d = await p.diff!(id, outs, news);
    expect(d.replaces).toEqual(["triggers"]);
    expect(stderr.join("")).toContain(
      `refused: ${m.id.slice(0, 8)}\u2026 is an internal user, not an invited guest (a reset converts it to B2B, one way): set convertInternalUserToB2b: true to allow it`,
    );
    await expect(p.delete!(id, outs)).rejects.toThrow(
      /the replacement \(redemption reset\) of user .* refused before any change/,
    );
    expect(graphWrites(emu.requests())).toEqual([]);
  });
});

describe("re-issues go by address", () => {
  it("a changed message while pending: no invitedUser; an answer naming another user fails loudly and keeps the state", async () => {
    const { id, outs } = await create(
      { invitedUserEmailAddress: "dee@fabrikam.example", inviteRedirectUrl: redirect },
      "dee",
    );
    emu.clearRequests();
    const news = await checked(
      {
        invitedUserEmailAddress: "dee@fabrikam.example",
        inviteRedirectUrl: redirect,
        invitedUserMessageInfo: { customizedMessageBody: "Hi" },
      },
      outs as unknown as Props,
    );
    const r = await p.update!(id, outs, news);
    expect(invitations()).toHaveLength(1);
    expect(invitations()[0].body).not.toHaveProperty("invitedUser");
    expect((r.outs as InvitationOutputs).userId).toBe(id);

    // Out of band: another guest holds the address too (as its UPN), and Graph matches that one.
    const other = emu.addUser({
      displayName: "Other",
      userPrincipalName: "dee@fabrikam.example",
      creationType: "Invitation",
      externalUserState: "PendingAcceptance",
      mail: "imp@fabrikam.example",
      id: "00000000-0000-4000-8000-000000000001",
    });
    emu.clearRequests();
    const again = await checked(
      {
        invitedUserEmailAddress: "dee@fabrikam.example",
        inviteRedirectUrl: redirect,
        invitedUserMessageInfo: { customizedMessageBody: "Hello" },
      },
      r.outs as Props,
    );
    await expect(p.update!(id, r.outs as InvitationOutputs, again)).rejects.toThrow(
      new RegExp(`names the user ${other.id}, not the guest ${id} this resource manages: the state is kept`),
    );
  });
});

/**
 * Replaces the process's scheduler for the emulator (in the process-wide registry the provider reads)
 * by one whose Graph answers some requests as a real tenant may (`intercept` returns the answer, or
 * undefined to pass the request on to the emulator). Returns the undo.
 */
function interceptGraph(
  intercept: (req: Parameters<Transport["send"]>[0]) => Awaited<ReturnType<Transport["send"]>> | undefined,
): () => void {
  const settings = resolveSettings(() => undefined, process.env);
  const original = schedulerFor(settings);
  const real = createTransport({
    graphEndpoint: settings.graphEndpoint,
    credential: createCredential(settings.credential, settings.authorityHost),
  });
  const transport: Transport = {
    send: (req) => {
      const answer = intercept(req);
      return answer ? Promise.resolve(answer) : real.send(req);
    },
  };
  const registry = (globalThis as unknown as Record<symbol, Map<string, RequestScheduler>>)[
    Symbol.for("pulumi-entra-invitation.schedulers.v1")
  ];
  const key = [...registry.entries()].find(([, v]) => v === original)![0];
  registry.set(key, new Scheduler(transport, { maxConcurrency: 4, batching: false }));
  return () => registry.set(key, original);
}

describe("replication lag after a mail PATCH", () => {
  let restore: () => void = () => undefined;
  afterEach(() => restore());

  it("the reset that still meets the old address is retried until the new one is visible", async () => {
    const user = emu.addUser(
      acceptedGuest({
        displayName: "Lia",
        mail: "lia@old.example",
      }),
    );
    let lagging = 2;
    restore = interceptGraph((req) =>
      req.path === "/invitations" && (req.body as { resetRedemption?: boolean }).resetRedemption && lagging-- > 0
        ? {
            status: 400,
            headers: {},
            body: {
              error: {
                code: "BadRequest",
                message: "The email you're using to invite this user doesn't match any emails on the user object.",
              },
            },
          }
        : undefined,
    );
    emu.clearRequests();
    const { id, outs } = await create(
      {
        invitedUserEmailAddress: "lia@new.example",
        inviteRedirectUrl: redirect,
        invitedUser: user.id,
        resetRedemption: true,
      },
      "lia",
    );
    expect(id).toBe(user.id);
    expect(lagging).toBe(-1); // two lagging answers, then the reset went through
    expect(outs).toMatchObject({ externalUserState: "PendingAcceptance" });
    expect(graphWrites(emu.requests()).map((w) => `${w.method} ${w.path}`)).toEqual([
      `PATCH /v1.0/users/${user.id}`,
      "POST /v1.0/invitations",
    ]);
  });
});

describe("replication lag on the invitation service's matching", () => {
  afterEach(() => emu.setReplicationLag(0));

  it("a guest whose address changed a moment ago: the invitation refuses the unseen address, the retry finds the user; created before the request, it is adopted, not marked", async () => {
    emu.setReplicationLag(1_500);
    const other = emu.addUser({
      displayName: "Ned",
      creationType: "Invitation",
      mail: "ned@old.example",
      createdDateTime: "2026-01-01T00:00:00Z",
    });
    // Its address changes just now: the lookup and the invitation service see the old one for the lag.
    await adminGraphClient(emu).api(`/users/${other.id}`).patch({ mail: "ned@lag.example" });
    emu.clearRequests();
    const { id, outs } = await create(
      { invitedUserEmailAddress: "ned@lag.example", inviteRedirectUrl: redirect },
      "ned",
    );
    expect(id).toBe(other.id);
    expect(outs.adopted).toBe(true);
    expect(requestsTo(emu.requests(), "POST", /\/extensions$/)).toEqual([]);
    expect(invitations().map((r) => r.status)).toEqual(expect.arrayContaining([400, 201]));
    expect(stderr.join("")).toContain(`the invitation answered with the existing user ${id}`);
    expect(emu.users().filter((u) => u.mail === "ned@lag.example")).toHaveLength(1);
  });
});

describe("a tenant that refuses the documented lookup", () => {
  let restore: () => void = () => undefined;
  beforeEach(() => {
    restore = interceptGraph((req) =>
      req.path.startsWith("/users?") && decodeURIComponent(req.path).includes("proxyAddresses")
        ? {
            status: 400,
            headers: {},
            body: {
              error: {
                code: "Request_UnsupportedQuery",
                message:
                  "Unsupported or invalid query filter clause specified for property 'proxyAddresses' of resource 'User'.",
              },
            },
          }
        : undefined,
    );
  });
  afterEach(() => restore());

  it.each<[string, Partial<Parameters<RunningEmulator["addUser"]>[0]>, RegExp]>([
    [
      "an accepted guest holding the address only in proxyAddresses: the invitation answers Completed",
      { externalUserState: "Accepted" },
      /the invitation answered Completed, not PendingAcceptance/,
    ],
    [
      "a pending guest created long before: its createdDateTime gives it away",
      { externalUserState: "PendingAcceptance", createdDateTime: "2025-01-01T00:00:00Z" },
      /it was created 2025-01-01T00:00:00Z, before the invitation/,
    ],
  ])("%s: adopted, not marked, kept on delete; the narrowing said once", async (_n, extra, why) => {
    const user = emu.addUser({
      displayName: "Kai",
      creationType: "Invitation",
      mail: "kai@else.example",
      proxyAddresses: ["SMTP:kai@else.example", "smtp:kai@partner.example"],
      ...extra,
    });
    emu.clearRequests();
    const { id, outs } = await create(
      { invitedUserEmailAddress: "kai@partner.example", inviteRedirectUrl: redirect },
      "kai",
    );
    expect(id).toBe(user.id);
    expect(outs.adopted).toBe(true);
    const text = stderr.join("");
    expect(text.match(/the tenant refused the documented lookup of existing users/g)).toHaveLength(1);
    expect(text).toMatch(
      new RegExp(
        `the invitation answered with the existing user ${user.id}.*which the lookup before it did not find \\(${why.source}\\): adopted, not marked`,
      ),
    );
    expect(requestsTo(emu.requests(), "POST", /\/extensions$/)).toEqual([]);
    emu.clearRequests();
    resetLifecycleRegistry();
    await p.delete!(id, outs);
    expect(graphWrites(emu.requests())).toEqual([]);
  });

  it("a new guest is still invited and marked, and later lookups ask the narrow filter at once", async () => {
    const { outs } = await create(
      { invitedUserEmailAddress: "new1@partner.example", inviteRedirectUrl: redirect },
      "new1",
    );
    expect(outs.adopted).toBe(false);
    emu.clearRequests();
    const second = await create(
      { invitedUserEmailAddress: "new2@partner.example", inviteRedirectUrl: redirect },
      "new2",
    );
    expect(second.outs.adopted).toBe(false);
    // One lookup at check (the preview's line), one at create: both the narrow filter at once.
    const lookups = requestsTo(emu.requests(), "GET", "/v1.0/users");
    expect(lookups).toHaveLength(2);
    for (const l of lookups)
      expect(decodeURIComponent(l.path)).toContain(
        "$filter=mail eq 'new2@partner.example' or otherMails/any(x:x eq 'new2@partner.example')",
      );
    expect(requestsTo(emu.requests(), "POST", /\/extensions$/).map((r) => r.status)).toEqual([201]);
  });
});
