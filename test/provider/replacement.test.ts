/**
 * Issue 19, item 1: a replacement as one unit (src/provider/replacement.ts). Every decision of the
 * protocol, per engine call, as a table: which check is a create, when a diff announces and when the
 * delete must, which delete keeps the user, whom a create resets, whether a reset converts, refuses or
 * first puts the address on the user; and, for the create around it (plan.ts), adopt vs own and what
 * a mark found on a new guest means. The runtime that carries these out is covered by lifecycle,
 * replacement-notice, safety and the e2e suites.
 */
import { FoundUser, planAfterInvite, planCreate, planMarkFound, planNewGuestMark } from "../../src/provider/plan";
import {
  CheckAction,
  CreateAction,
  DeleteAction,
  LIFECYCLE_KEY,
  LifecycleRegistryV1,
  lifecycleRegistry,
  onCheck,
  onCreate,
  onDelete,
  onDiff,
  planReset,
  resetLifecycleRegistry,
  resetTargetOf,
} from "../../src/provider/replacement";
import { heldByOther, hold, invitationHolder, resetHolders, takeoverHolder } from "../../src/provider/holders";
import { MARK_NAME, OwnershipMark } from "../../src/provider/mark";
import { CheckedInputs, InvitationOutputs, UNKNOWN } from "../../src/provider/types";

/* eslint-disable @typescript-eslint/no-require-imports */
const ID = "3e75249f-05ed-4af7-b328-494506e83357";
const OTHER = "aaaaaaaa-0000-4000-8000-000000000009";
const redirect = "https://myapps.microsoft.com";
const base: CheckedInputs = {
  invitedUserEmailAddress: "kim@contoso.com",
  inviteRedirectUrl: redirect,
  invitedUserType: "Guest",
  sendInvitationMessage: false,
};
const news = (change: Partial<CheckedInputs> = {}): CheckedInputs => ({ ...base, ...change });
const state = (change: Partial<InvitationOutputs> = {}): InvitationOutputs =>
  ({ ...base, userId: ID, adopted: false, externalUserState: "Accepted", ...change }) as InvitationOutputs;
const fresh = (): LifecycleRegistryV1 => ({ declared: new Map(), byEmail: new Map(), pendingResets: new Map() });
const rec = (o: object) => o as Record<string, unknown>;

describe("check: which check is a create", () => {
  it.each<[string, Record<string, unknown>, CheckedInputs, (reg: LifecycleRegistryV1) => void, CheckAction["kind"]]>([
    ["no old inputs, nothing declared: a create (the preview looks it up)", {}, news(), () => {}, "preview-create"],
    [
      "old inputs: an update or a replacement's first check",
      rec(state()),
      news({ invitedUserEmailAddress: "kim@fabrikam.com" }),
      () => {},
      "update",
    ],
    [
      "no old inputs, but these inputs were declared for old ones: the engine re-checks a replacement",
      {},
      news({ triggers: { r: "2" } }),
      (reg) => onCheck(rec(state()), news({ triggers: { r: "2" } }), reg),
      "replacement-recheck",
    ],
    [
      "no old inputs, other inputs declared: a create",
      {},
      news({ invitedUserEmailAddress: "lee@contoso.com" }),
      (reg) => onCheck(rec(state()), news({ triggers: { r: "2" } }), reg),
      "preview-create",
    ],
  ])("%s", (_n, olds, n, before, kind) => {
    const reg = fresh();
    before(reg);
    expect(onCheck(olds, n, reg).kind).toBe(kind);
    expect(reg.byEmail.get(n.invitedUserEmailAddress)).toBe(n);
  });

  it("files the new inputs under the old inputs' fingerprint only when there are old inputs", () => {
    const reg = fresh();
    onCheck({}, news(), reg);
    expect(reg.declared.size).toBe(0);
    onCheck(rec(state()), news({ triggers: { r: "2" } }), reg);
    expect([...reg.declared.values()]).toEqual([news({ triggers: { r: "2" } })]);
  });
});

describe("diff: announce now, or leave it to the delete", () => {
  it.each<[string, string[], boolean, boolean]>([
    ["a replacement whose inputs passed check here: announced now", ["invitedUserEmailAddress"], true, true],
    ["a replacement diffed by a refresh (not checked here): silent", ["invitedUserEmailAddress"], false, false],
    ["an update checked here: nothing to announce", [], true, false],
  ])("%s", (_n, replaces, checked, announced) => {
    const reg = fresh();
    const n = news({ invitedUserEmailAddress: "kim@fabrikam.com" });
    if (checked) onCheck(rec(state()), n, reg);
    const step = onDiff(ID, state(), n, replaces, reg);
    expect(step.checkedHere).toBe(checked);
    expect(step.announce !== undefined).toBe(announced);
    expect(reg.announced?.has(ID) ?? false).toBe(announced);
    if (announced) expect(step.announce!.causes).toEqual(replaces);
  });

  it("inputs that differ from the ones checked for the address are not checked here", () => {
    const reg = fresh();
    onCheck({}, news({ invitedUserDisplayName: "Kim" }), reg);
    expect(onDiff(ID, state(), news(), ["triggers"], reg)).toEqual({ checkedHere: false });
  });
});

describe("the reset target (the user a replacement resets, for its preview line)", () => {
  it.each<[string, Partial<InvitationOutputs>, Partial<CheckedInputs>, ReturnType<typeof resetTargetOf>]>([
    ["the same user, the state says an invited guest: no read", {}, {}, { userId: ID, read: false }],
    [
      "the same user, no redemption state (maybe internal): read it",
      { externalUserState: null },
      {},
      { userId: ID, read: true },
    ],
    ["invitedUser set to this very user: the same user", {}, { invitedUser: ID }, { userId: ID, read: false }],
    [
      "invitedUser not known until the update: the same user",
      {},
      { invitedUser: UNKNOWN },
      { userId: ID, read: false },
    ],
    [
      "another user, resetRedemption: that user, read",
      {},
      { invitedUser: OTHER, resetRedemption: true },
      { userId: OTHER, read: true },
    ],
    ["another user, no resetRedemption: taken as it is, nobody reset", {}, { invitedUser: OTHER }, undefined],
  ])("%s", (_n, olds, change, expected) => expect(resetTargetOf(ID, state(olds), news(change))).toEqual(expected));
});

describe("delete: which delete keeps the user", () => {
  type Setup = (reg: LifecycleRegistryV1) => void;
  const checked =
    (n: CheckedInputs, olds: Record<string, unknown> = rec(state())): Setup =>
    (reg) =>
      void onCheck(olds, n, reg);
  const email = news({ invitedUserEmailAddress: "kim@fabrikam.com" });
  const triggers = news({ triggers: { r: "2" } });
  it.each<[string, Partial<InvitationOutputs>, Setup[], Partial<DeleteAction>]>([
    [
      "nothing declared (destroy, or the guest left the program): the policy",
      {},
      [],
      { kind: "delete-by-policy", policy: "delete" },
    ],
    ["nothing declared, adopted: retained", { adopted: true }, [], { kind: "delete-by-policy", policy: "retain" }],
    [
      "nothing declared, onDelete disable",
      { onDelete: "disable" },
      [],
      { kind: "delete-by-policy", policy: "disable" },
    ],
    [
      "an email change, announced by its diff: kept, address put on the user, nothing said",
      {},
      [checked(email), (reg) => void onDiff(ID, state(), email, ["invitedUserEmailAddress"], reg)],
      { kind: "keep-user", userId: ID, guard: false, mail: "kim@fabrikam.com" },
    ],
    [
      "an email change not announced (a diff of a refresh): kept, announced now",
      {},
      [checked(email)],
      { kind: "keep-user", announce: ["invitedUserEmailAddress"], mail: "kim@fabrikam.com" },
    ],
    [
      "a triggers change announced: kept, no mail PATCH",
      {},
      [checked(triggers), (reg) => void onDiff(ID, state(), triggers, ["triggers"], reg)],
      { kind: "keep-user", guard: false },
    ],
    [
      "`up --replace` (only check({}, news), no diff): kept, announced as requested",
      {},
      [checked(news(), {})],
      { kind: "keep-user", announce: ["requested"] },
    ],
    [
      "a user with no redemption state: kept, guarded (maybe an internal user)",
      { externalUserState: null },
      [checked(triggers)],
      { kind: "keep-user", guard: true, announce: ["triggers"] },
    ],
    [
      "invitedUser names another user, with resetRedemption: the policy, that user guarded first",
      {},
      [checked(news({ invitedUser: OTHER, resetRedemption: true }))],
      {
        kind: "delete-by-policy",
        policy: "delete",
        guardNext: { userId: OTHER, news: news({ invitedUser: OTHER, resetRedemption: true }) },
      },
    ],
    [
      "invitedUser names another user, taken as it is: the policy, no guard",
      {},
      [checked(news({ invitedUser: OTHER }))],
      { kind: "delete-by-policy", policy: "delete" },
    ],
  ])("%s", (_n, props, setups, expected) => {
    const reg = fresh();
    for (const s of setups) s(reg);
    const step = onDelete(ID, state(props), reg);
    expect(step).toMatchObject(expected);
    if (step.kind === "keep-user") {
      if (!("mail" in expected)) expect(step).not.toHaveProperty("mail");
      if (!("announce" in expected)) expect(step).not.toHaveProperty("announce");
      expect([...reg.pendingResets.values()]).toHaveLength(1);
      expect([...reg.pendingResets.values()][0]).toBe(step.pending); // filed for the create
      expect(step.pending).toEqual({ userId: ID, olds: state(props), mailPatched: false });
    } else {
      expect(reg.pendingResets.size).toBe(0);
    }
    if (step.kind === "delete-by-policy" && !("guardNext" in expected)) expect(step).not.toHaveProperty("guardNext");
    expect(reg.announced?.has(ID) ?? false).toBe(false); // a delete always ends the announcement
  });

  it("a claimed declaration is used once: a second delete of the same state follows the policy", () => {
    const reg = fresh();
    onCheck(rec(state()), news({ triggers: { r: "2" } }), reg);
    expect(onDelete(ID, state(), reg).kind).toBe("keep-user");
    expect(onDelete(ID, state(), reg)).toEqual({ kind: "delete-by-policy", policy: "delete" });
  });
});

function takeBy(owner: "self" | "stack" | "other" | "none") {
  const self = { project: "guests", stack: "prod", name: "kim2" };
  const mark = {
    extensionName: MARK_NAME,
    version: 1,
    project: "guests",
    stack: owner === "other" ? "staging" : "prod",
    resource: owner === "self" ? "kim2" : "kim",
    onDelete: "delete",
  };
  const found: FoundUser = {
    id: ID,
    userType: "Guest",
    creationType: "Invitation",
    externalUserState: "Accepted",
    extensions: owner === "none" ? [] : [mark],
  };
  return planCreate(base, found, self);
}

describe("create: whom to reset", () => {
  const look: CreateAction = { kind: "look-up" };
  it.each<[string, CheckedInputs, boolean, CreateAction]>([
    ["no pending reset: look the address up", news(), false, look],
    [
      "the second half of a replacement: reset that user; gone, invite afresh",
      news({ triggers: { r: "2" } }),
      true,
      {
        kind: "reset",
        userId: ID,
        olds: state(),
        mailPatched: false,
        goneWarning: `user ${ID} was gone before its redemption could be reset; inviting kim@contoso.com afresh.`,
        whenGone: look,
      },
    ],
    [
      "invitedUser with resetRedemption: reset that user; gone, refuse",
      news({ invitedUser: OTHER, resetRedemption: true }),
      false,
      {
        kind: "reset",
        userId: OTHER,
        olds: { adopted: true },
        mailPatched: false,
        whenGone: {
          kind: "refuse",
          message: `invitedUser ${OTHER} does not exist: check the object id, or leave out invitedUser and resetRedemption to invite kim@contoso.com as a new guest.`,
        },
      },
    ],
    ["invitedUser without resetRedemption: look it up (taken as it is)", news({ invitedUser: OTHER }), false, look],
    [
      "a replacement's reset whose inputs also reset invitedUser (this user): that reset follows if the user is gone",
      news({ invitedUser: ID, resetRedemption: true }),
      true,
      expect.objectContaining({
        kind: "reset",
        userId: ID,
        whenGone: expect.objectContaining({
          kind: "reset",
          userId: ID,
          olds: { adopted: true },
          whenGone: expect.objectContaining({ kind: "refuse" }),
        }),
      }),
    ],
  ])("%s", (_n, n, pending, expected) => {
    const reg = fresh();
    if (pending) {
      onCheck(rec(state()), n, reg);
      onDelete(ID, state(), reg);
    }
    const first = onCreate(n, reg);
    expect(first).toEqual(expected);
    // A pending reset is taken once: a second create of the same inputs is a fresh one.
    expect(onCreate(n, reg)).toEqual(pending && first.kind === "reset" ? first.whenGone : first);
  });

  it("the address the delete half put on the user travels to the reset", () => {
    const reg = fresh();
    const n = news({ invitedUserEmailAddress: "kim@fabrikam.com" });
    onCheck(rec(state()), n, reg);
    const step = onDelete(ID, state(), reg);
    if (step.kind !== "keep-user") throw new Error(step.kind);
    step.pending.mailPatched = true; // what the runtime records after the PATCH
    expect(onCreate(n, reg)).toMatchObject({ kind: "reset", userId: ID, mailPatched: true });
  });

  it.each<["self" | "stack" | "other" | "none", boolean]>([
    ["stack", true],
    ["self", false],
    ["other", false],
    ["none", false],
  ])("a take-over of a user marked by %s hands it over from the old resource (holders.ts): %s", (owner, handed) => {
    resetHolders();
    const plan = takeBy(owner);
    const taker =
      plan.action === "take"
        ? takeoverHolder(
            plan.owner,
            plan.userId,
            { project: "p", stack: "s", name: "new-key" },
            "urn:pulumi:s::p::t::new-key",
          )
        : undefined;
    if (taker) hold(ID, taker);
    // The old Invitation's delete asks whether another resource holds its user.
    expect(heldByOther(ID, invitationHolder(ID)) !== undefined).toBe(handed);
    resetHolders();
  });
});

describe("adopt vs own", () => {
  it.each<["self" | "stack" | "other" | "none", boolean]>([
    ["self", false],
    ["stack", false],
    ["other", true],
    ["none", true],
  ])("an existing user whose mark is %s's: adopted %s", (owner, adopted) =>
    expect(takeBy(owner)).toMatchObject({ action: "take", owner, adopted }),
  );

  const start = new Date("2026-12-01T10:00:00Z");
  const user = (created: string): FoundUser => ({
    id: ID,
    userPrincipalName: "kim_contoso.com#EXT#@t.onmicrosoft.com",
    createdDateTime: created,
    userType: "Guest",
    displayName: "K",
  });
  it.each<[string, string | undefined, FoundUser | undefined, "adopt" | "own"]>([
    [
      "a new user (PendingAcceptance, created now): owned, marked",
      "PendingAcceptance",
      user("2026-12-01T10:00:01Z"),
      "own",
    ],
    ["the answer names a redeemed user (Completed): adopted", "Completed", user("2026-12-01T10:00:01Z"), "adopt"],
    ["the user was created before the request: adopted", "PendingAcceptance", user("2025-01-01T00:00:00Z"), "adopt"],
    ["not read after (no permission), PendingAcceptance: owned", "PendingAcceptance", undefined, "own"],
    ["not read after, Completed: adopted", "Completed", undefined, "adopt"],
  ])("after an invitation: %s", (_n, status, after, kind) => {
    const now = new Date("2026-12-01T10:00:02Z");
    const plan = planAfterInvite(
      news({ invitedUserDisplayName: "Kim", userProperties: { jobTitle: "CFO" } }),
      { id: "inv1", status, invitedUser: { id: ID } },
      after,
      { requestStart: start, now },
    );
    expect(plan.kind).toBe(kind);
    expect(plan.outs).toMatchObject({
      userId: ID,
      invitationId: "inv1",
      adopted: kind === "adopt",
      invitedAt: now.toISOString(),
    });
    if (plan.kind === "own")
      expect(plan).toEqual({ kind: "own", outs: plan.outs, patch: { jobTitle: "CFO" }, onDelete: "delete" });
    else {
      expect(plan.warning).toMatch(
        new RegExp(
          `^kim@contoso\\.com: the invitation answered with the existing user ${after ? `${ID} \\(kim_contoso` : ID}.*adopted, not marked`,
        ),
      );
      expect(plan.patch).toEqual(after ? { displayName: "Kim", jobTitle: "CFO" } : {}); // never userType: the invitation set it
    }
  });
});

describe("a new guest's mark", () => {
  const self = { project: "guests", stack: "prod", name: "kim" };
  it.each<[string, typeof self | undefined, boolean, boolean, string, boolean]>([
    ["stack known, may read and write: write", self, true, false, "write", false],
    ["no URN from the engine: skip, say why", undefined, true, false, "skip", true],
    ["no read permission: skip, say why", self, false, false, "skip", true],
    ["marks refused before in this process: skip silently (said then)", self, true, true, "skip", false],
  ])("%s", (_n, s, canRead, marksDenied, kind, says) => {
    const plan = planNewGuestMark(s, { canRead, marksDenied });
    expect(plan.kind).toBe(kind);
    expect(plan.kind === "skip" && plan.reason !== undefined && plan.fix !== undefined).toBe(says);
  });

  const mark = (m: Partial<OwnershipMark>): OwnershipMark => ({
    version: 1,
    project: "guests",
    stack: "prod",
    resource: "kim",
    onDelete: "delete",
    ...m,
  });
  it.each<[string, OwnershipMark | undefined, ReturnType<typeof planMarkFound>]>([
    ["none readable: the guest stays unmarked", undefined, { kind: "unmarked" }],
    ["this resource's own (a re-sent request): kept", mark({}), { kind: "keep" }],
    ["another resource of this stack: rewritten to name this one", mark({ resource: "kim-old" }), { kind: "rewrite" }],
    [
      "another stack's: adopted, its mark kept",
      mark({ stack: "staging" }),
      {
        kind: "adopt",
        warning: `${ID} turned out to be managed by the stack guests/staging (resource kim): adopted, its mark kept.`,
      },
    ],
    [
      "another project's: adopted",
      mark({ project: "other" }),
      {
        kind: "adopt",
        warning: `${ID} turned out to be managed by the stack other/prod (resource kim): adopted, its mark kept.`,
      },
    ],
  ])("a mark already there: %s", (_n, m, expected) => expect(planMarkFound(ID, m, self)).toEqual(expected));
});

describe("the reset: convert, refuse, or put the address on the user first", () => {
  const guest: FoundUser = {
    id: ID,
    mail: "kim@contoso.com",
    otherMails: [],
    userType: "Guest",
    creationType: "Invitation",
    externalUserState: "Accepted",
  };
  const internal: FoundUser = {
    id: ID,
    mail: "kim@contoso.com",
    userPrincipalName: "kim@tenant.example",
    userType: "Member",
    creationType: null,
    externalUserState: null,
  };
  it.each<
    [string, FoundUser, Partial<CheckedInputs>, boolean, { kind: string; convert?: boolean; patchMail?: boolean }]
  >([
    [
      "an invited guest, address on mail: reset",
      guest,
      {},
      false,
      { kind: "invite", convert: false, patchMail: false },
    ],
    [
      "an invited guest, address in otherMails (other case): reset",
      { ...guest, mail: "x@y.com", otherMails: ["KIM@contoso.com"] },
      {},
      false,
      { kind: "invite", convert: false, patchMail: false },
    ],
    [
      "a new address on neither: put it on mail first",
      guest,
      { invitedUserEmailAddress: "kim@fabrikam.com" },
      false,
      { kind: "invite", convert: false, patchMail: true },
    ],
    [
      "a new address the delete half already put on mail: no second PATCH",
      guest,
      { invitedUserEmailAddress: "kim@fabrikam.com" },
      true,
      { kind: "invite", convert: false, patchMail: false },
    ],
    ["an internal user, no opt-in: refused", internal, {}, false, { kind: "refuse" }],
    [
      "an internal user, convertInternalUserToB2b: converted (no resetRedemption)",
      internal,
      { convertInternalUserToB2b: true },
      false,
      { kind: "invite", convert: true, patchMail: false },
    ],
  ])("%s", (_n, user, change, mailPatched, expected) => {
    const plan = planReset({ userId: ID, user, inputs: news(change), olds: state(), mailPatched });
    expect(plan).toMatchObject(expected);
    if (plan.kind === "invite") {
      expect(plan.body.invitedUser).toEqual({ id: ID });
      expect(plan.body.resetRedemption).toBe(plan.convert ? undefined : true);
    } else {
      expect(plan.message).toMatch(
        /^the redemption reset of user .* refused before any change: it is an internal user .* set convertInternalUserToB2b: true/,
      );
    }
  });

  it.each<[string, Partial<InvitationOutputs>, Partial<CheckedInputs>, Record<string, unknown>, boolean]>([
    ["nothing changed besides the reset", {}, {}, {}, false],
    ["the type changed: the invitation sets it, no PATCH of userType", {}, { invitedUserType: "Member" }, {}, false],
    [
      "a display name and a property changed: PATCHed after",
      {},
      { invitedUserDisplayName: "Kim", userProperties: { department: "Sales" } },
      { displayName: "Kim", department: "Sales" },
      false,
    ],
    ["an adopted guest stays adopted", { adopted: true }, {}, {}, true],
  ])("after the reset: %s", (_n, olds, change, patch, adopted) => {
    const plan = planReset({ userId: ID, user: guest, inputs: news(change), olds: state(olds), mailPatched: false });
    expect(plan).toMatchObject({ kind: "invite", adopted });
    expect(plan.kind === "invite" && plan.patch).toEqual(patch);
  });
});

describe("the protocol, engine call by engine call", () => {
  type Call =
    | ["check", Record<string, unknown>, CheckedInputs]
    | ["diff", InvitationOutputs, CheckedInputs, string[]]
    | ["delete", InvitationOutputs]
    | ["create", CheckedInputs];
  const email = news({ invitedUserEmailAddress: "kim@fabrikam.com" });
  const other = news({ invitedUser: OTHER, resetRedemption: true });
  /** What the engine calls in a `pulumi up` that replaces the guest because `changed` changed to `n`'s. */
  const replacedOnUp = (n: CheckedInputs, changed: string): Call[] => [
    ["check", rec(state()), n],
    ["diff", state(), n, [changed]],
    ["check", {}, n],
    ["delete", state()],
    ["create", n],
  ];
  it.each<[string, Call[], string[]]>([
    [
      "an email change (`pulumi up`)",
      replacedOnUp(email, "invitedUserEmailAddress"),
      ["update", "announce", "replacement-recheck", "keep-user", "reset same user"],
    ],
    [
      "`pulumi up --replace`",
      [
        ["check", {}, news()],
        ["delete", state()],
        ["create", news()],
      ],
      ["preview-create", "keep-user announce", "reset same user"],
    ],
    [
      "invitedUser switched to another user",
      replacedOnUp(other, "invitedUser"),
      ["update", "announce", "replacement-recheck", "delete-by-policy", "reset other user"],
    ],
    ["`pulumi destroy` (nothing checked)", [["delete", state()]], ["delete-by-policy"]],
    [
      "a refresh then a replacement's create elsewhere: no pending reset",
      [
        ["diff", state(), email, ["invitedUserEmailAddress"]],
        ["create", email],
      ],
      ["silent", "look-up"],
    ],
  ])("%s", (_n, calls, expected) => {
    const reg = fresh();
    const seen = calls.map((c): string => {
      switch (c[0]) {
        case "check":
          return onCheck(c[1], c[2], reg).kind;
        case "diff":
          return onDiff(ID, c[1], c[2], c[3], reg).announce ? "announce" : "silent";
        case "delete": {
          const d = onDelete(ID, c[1], reg);
          return d.kind === "keep-user" && d.announce ? `${d.kind} announce` : d.kind;
        }
        case "create": {
          const a = onCreate(c[1], reg);
          return a.kind === "reset" ? `reset ${a.userId === ID ? "same user" : "other user"}` : a.kind;
        }
      }
    });
    expect(seen).toEqual(expected);
    expect(reg.pendingResets.size).toBe(0);
  });
});

describe("the process-wide registry", () => {
  afterEach(() => resetLifecycleRegistry());

  it("lives on globalThis under the versioned key, one object for every copy of the package in the process", () => {
    expect(LIFECYCLE_KEY).toBe(Symbol.for("pulumi-entra-invitation.lifecycle.v1"));
    let copy: typeof import("../../src/provider/replacement") | undefined;
    jest.isolateModules(() => {
      copy = require("../../src/provider/replacement");
    });
    expect(copy!.onCheck).not.toBe(onCheck); // a second copy of the module
    expect(copy!.lifecycleRegistry()).toBe(lifecycleRegistry());
    const n = news({ triggers: { r: "2" } });
    onCheck(rec(state()), n); // check in one copy...
    expect(copy!.onDelete(ID, state()).kind).toBe("keep-user"); // ...delete in the other
    expect(onCreate(n)).toMatchObject({ kind: "reset", userId: ID });
  });

  it("an object an older copy made (without the fields added since) is used as it is", () => {
    const g = globalThis as unknown as Record<symbol, unknown>;
    const older = { declared: new Map(), byEmail: new Map(), pendingResets: new Map() };
    const before = g[LIFECYCLE_KEY];
    g[LIFECYCLE_KEY] = older;
    try {
      const n = news({ invitedUserEmailAddress: "kim@fabrikam.com" });
      onCheck(rec(state()), n);
      expect(onDiff(ID, state(), n, ["invitedUserEmailAddress"]).announce).toBeDefined();
      expect(onDelete(ID, state())).toMatchObject({ kind: "keep-user", mail: "kim@fabrikam.com" });
      expect(onCreate(n)).toMatchObject({ kind: "reset", userId: ID });
      expect(lifecycleRegistry()).toBe(older);
    } finally {
      g[LIFECYCLE_KEY] = before;
    }
  });
});
