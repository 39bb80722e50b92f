/**
 * The shard form's pure plans: which shard a guest is in, what a shard step does per guest, the
 * diff's `changes`, and the state a step records when some guests failed.
 */
import { packRedeemUrls, unpackRedeemUrls } from "../../src/provider/shard-plan";
import {
  decodeGuest,
  decodeGuests,
  encodeGuest,
  encodeGuests,
  withDefaults,
  withoutDefaults,
} from "../../src/provider/shard-plan";
import {
  fnv1a,
  GuestResult,
  GuestState,
  guestOutputs,
  mergeShard,
  planShard,
  shardChanges,
  shardName,
  shardOf,
  splitOutputs,
} from "../../src/provider/shard-plan";
import type { CheckedInputs, InvitationOutputs } from "../../src/provider/types";

const redirect = "https://myapps.microsoft.com";
const inputs = (email: string, extra: Partial<CheckedInputs> = {}): CheckedInputs => ({
  invitedUserEmailAddress: email,
  inviteRedirectUrl: redirect,
  invitedUserType: "Guest",
  sendInvitationMessage: false,
  ...extra,
});
const state = (email: string, userId: string, extra: Partial<InvitationOutputs> = {}): GuestState => ({
  ...inputs(email),
  userId,
  adopted: false,
  externalUserState: "PendingAcceptance",
  ...extra,
});

describe("shardOf: a stable hash of the guest's name", () => {
  it.each([
    ["kim@contoso.com", 16],
    ["fabrikam-lead", 16],
    ["a", 1],
    ["x@y.z", 1000],
  ])("%s among %i shards: in range, the same every time and for any case", (name, count) => {
    const i = shardOf(name, count);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(i).toBeLessThan(count);
    expect(shardOf(name.toUpperCase(), count)).toBe(i);
  });

  it("is FNV-1a (32 bit): known values, so a new version never moves a guest", () => {
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(fnv1a("a")).toBe(0xe40c292c);
    expect(fnv1a("foobar")).toBe(0xbf9cf968);
  });

  it("spreads 1,000 names over 16 shards (none empty, none above twice the mean)", () => {
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 1000; i++) counts[shardOf(`guest${i}@contoso.com`, 16)]++;
    expect(Math.min(...counts)).toBeGreaterThan(0);
    expect(Math.max(...counts)).toBeLessThanOrEqual(125);
  });

  it.each([
    ["partners", 0, 16, "partners-shard-1of16"],
    ["partners", 15, 16, "partners-shard-16of16"],
  ])("shardName(%s, %i, %i) = %s", (list, i, n, want) => expect(shardName(list, i, n)).toBe(want));
});

describe("planShard: what a shard step does per guest", () => {
  const olds = {
    kim: state("kim@contoso.com", "u-kim"),
    sam: state("sam@contoso.com", "u-sam"),
    jo: state("jo@contoso.com", "u-jo"),
  };
  it.each<[string, Record<string, CheckedInputs>, Record<string, string>]>([
    [
      "nothing changed",
      { kim: inputs("kim@contoso.com"), sam: inputs("sam@contoso.com"), jo: inputs("jo@contoso.com") },
      { kim: "keep", sam: "keep", jo: "keep" },
    ],
    [
      "a guest added",
      {
        kim: inputs("kim@contoso.com"),
        sam: inputs("sam@contoso.com"),
        jo: inputs("jo@contoso.com"),
        lee: inputs("lee@contoso.com"),
      },
      { kim: "keep", sam: "keep", jo: "keep", lee: "create" },
    ],
    [
      "a guest removed",
      { kim: inputs("kim@contoso.com"), sam: inputs("sam@contoso.com") },
      { kim: "keep", sam: "keep", jo: "remove" },
    ],
    [
      "an email change resets",
      { kim: inputs("kim@fabrikam.com"), sam: inputs("sam@contoso.com"), jo: inputs("jo@contoso.com") },
      { kim: "reset", sam: "keep", jo: "keep" },
    ],
    [
      "a triggers change resets",
      {
        kim: inputs("kim@contoso.com", { triggers: { v: 2 } }),
        sam: inputs("sam@contoso.com"),
        jo: inputs("jo@contoso.com"),
      },
      { kim: "reset", sam: "keep", jo: "keep" },
    ],
    [
      "a display name is updated in place",
      {
        kim: inputs("kim@contoso.com"),
        sam: inputs("sam@contoso.com", { invitedUserDisplayName: "Sam" }),
        jo: inputs("jo@contoso.com"),
      },
      { kim: "keep", sam: "update", jo: "keep" },
    ],
    [
      "onDelete is updated in place",
      {
        kim: inputs("kim@contoso.com"),
        sam: inputs("sam@contoso.com"),
        jo: inputs("jo@contoso.com", { onDelete: "disable" }),
      },
      { kim: "keep", sam: "keep", jo: "update" },
    ],
  ])("%s", (_why, news, want) => {
    const steps = planShard(olds, news);
    expect(Object.fromEntries(steps.map((s) => [s.name, s.action]))).toEqual(want);
  });

  it("a new shard creates every guest", () => {
    expect(planShard(undefined, { a: inputs("a@b.c"), b: inputs("b@b.c") }).map((s) => s.action)).toEqual([
      "create",
      "create",
    ]);
  });

  it("a reminder due or a user in the recycle bin is an update the inputs cannot show", () => {
    const steps = planShard(
      {
        kim: state("kim@contoso.com", "u", { remindAfterDays: 7, reminderDue: "pending 8 days" }),
        sam: state("sam@contoso.com", "v", { inRecycleBin: true }),
      },
      {
        kim: inputs("kim@contoso.com", { remindAfterDays: 7 }),
        sam: inputs("sam@contoso.com"),
      },
    );
    expect(steps).toEqual([
      { name: "kim", action: "update", outputOnly: true },
      { name: "sam", action: "update", outputOnly: true },
    ]);
  });
});

describe("shardChanges: the diff's changes (never `true` for input changes: the engine shows them per guest)", () => {
  it.each<[string, Parameters<typeof shardChanges>[0], string[] | undefined, boolean | undefined]>([
    ["no guest changes", [{ name: "a", action: "keep" }], undefined, false],
    [
      "a guest updated: left to the engine",
      [
        { name: "a", action: "update" },
        { name: "b", action: "keep" },
      ],
      undefined,
      undefined,
    ],
    [
      "a guest added, one removed, one reset",
      [
        { name: "a", action: "create" },
        { name: "b", action: "remove" },
        { name: "c", action: "reset" },
      ],
      [],
      undefined,
    ],
    ["a reminder due (state only)", [{ name: "a", action: "update", outputOnly: true }], undefined, true],
    ["guests failed last time (the engine kept the inputs)", [{ name: "a", action: "keep" }], ["b"], true],
  ])("%s", (_why, steps, failed, want) => expect(shardChanges(steps, failed)).toBe(want));
});

describe("mergeShard: what a step records when some guests failed", () => {
  const before = {
    guests: { kim: state("kim@contoso.com", "u-kim"), sam: state("sam@contoso.com", "u-sam") },
    redeemUrls: { kim: "https://r/kim", sam: "https://r/sam" },
  };
  const outs = (email: string, userId: string, url?: string): InvitationOutputs => ({
    ...state(email, userId),
    adopted: false,
    ...(url ? { inviteRedeemUrl: url } : {}),
  });
  it.each<[string, GuestResult[], string[], string[], string[]]>([
    [
      "all succeed",
      [
        { name: "kim", outs: outs("kim@contoso.com", "u-kim", "https://r/kim2") },
        { name: "lee", outs: outs("lee@contoso.com", "u-lee", "https://r/lee") },
      ],
      ["kim", "sam", "lee"],
      ["kim", "sam", "lee"],
      [],
    ],
    [
      "a create fails: absent (the next up creates it)",
      [{ name: "lee", error: new Error("x") }],
      ["kim", "sam", "lee"],
      ["kim", "sam"],
      ["lee"],
    ],
    [
      "a reset fails: the old state (the next up resets again)",
      [{ name: "kim", error: new Error("x") }],
      ["kim", "sam"],
      ["kim", "sam"],
      ["kim"],
    ],
    [
      "a removal fails: kept (the next up removes it again)",
      [{ name: "sam", error: new Error("x") }],
      ["kim"],
      ["kim", "sam"],
      ["sam"],
    ],
    ["a removal succeeds: gone", [{ name: "sam", removed: true }], ["kim"], ["kim"], []],
  ])("%s", (_why, results, order, names, failed) => {
    const m = mergeShard(before, results, order);
    expect(Object.keys(m.guests)).toEqual(names);
    expect(m.failed).toEqual(failed);
    for (const n of names) expect(m.guests[n]).not.toHaveProperty("inviteRedeemUrl");
  });

  it("keeps each redeem link in the one map, and gives it back per guest", () => {
    const m = mergeShard(
      before,
      [{ name: "kim", outs: outs("kim@contoso.com", "u-kim", "https://r/new") }],
      ["kim", "sam"],
    );
    expect(m.redeemUrls).toEqual({ kim: "https://r/new", sam: "https://r/sam" });
    expect(guestOutputs(m, "kim")).toMatchObject({ userId: "u-kim", inviteRedeemUrl: "https://r/new" });
    expect(splitOutputs(outs("a@b.c", "u", "https://r/a"))).toEqual({
      state: {
        invitedUserEmailAddress: "a@b.c",
        inviteRedirectUrl: redirect,
        userId: "u",
        externalUserState: "PendingAcceptance",
      },
      url: "https://r/a",
    });
  });
});

describe("splitOutputs: what a guest's state keeps (every byte is written twice per state write)", () => {
  const base = {
    invitedUserEmailAddress: "a@b.c",
    inviteRedirectUrl: redirect,
    userId: "u",
    externalUserState: "PendingAcceptance",
  };
  /** What refresh, reminders and expiry decide on. */
  const decidedOn: Partial<InvitationOutputs> = {
    invitedAt: "t0",
    lastInvitationAt: "t1",
    remindersSent: 1,
    reminderDue: "why",
    inRecycleBin: true,
    expiresOn: "2027-01-01",
  };
  it.each<[string, Partial<InvitationOutputs>, Record<string, unknown>]>([
    [
      "no invitation id, status or change time; adopted false and the defaults check fills in left out",
      {
        invitationId: "i",
        status: "PendingAcceptance",
        externalUserStateChangeDateTime: "2026-01-01T00:00:00Z",
        adopted: false,
        invitedUserType: "Guest",
        sendInvitationMessage: false,
      },
      base,
    ],
    ["adopted true is kept", { adopted: true }, { ...base, adopted: true }],
    [
      "inputs other than their default are kept",
      { invitedUserType: "Member", sendInvitationMessage: true, onDelete: "disable" },
      { ...base, invitedUserType: "Member", sendInvitationMessage: true, onDelete: "disable" },
    ],
    ["what refresh, reminders and expiry decide on is kept", decidedOn, { ...base, ...decidedOn }],
  ])("%s", (_why, extra, want) => {
    expect(
      splitOutputs({
        ...inputs("a@b.c"),
        userId: "u",
        adopted: false,
        externalUserState: "PendingAcceptance",
        ...extra,
      } as InvitationOutputs).state,
    ).toEqual(want);
  });

  it.each<[string, Partial<InvitationOutputs>]>([
    ["the defaults left out", { invitedUserType: "Guest", sendInvitationMessage: false }],
    ["an adopted guest", { adopted: true }],
    ["a member invited with a message", { invitedUserType: "Member", sendInvitationMessage: true }],
  ])("a state written and read back plans no step (%s)", (_why, extra) => {
    const full = {
      ...inputs("a@b.c"),
      userId: "u",
      adopted: false,
      externalUserState: "PendingAcceptance",
      ...extra,
    } as InvitationOutputs;
    const back = guestOutputs({ guests: { a: splitOutputs(full).state }, redeemUrls: {} }, "a")!;
    expect(back).toEqual(full);
    expect(planShard({ a: back }, { a: inputs("a@b.c", extra as Partial<CheckedInputs>) })).toEqual([
      { name: "a", action: "keep" },
    ]);
  });

  it("a state written before these fields were left out (main's shard form) is read as it is: no step", () => {
    const old = {
      ...inputs("a@b.c"),
      userId: "u",
      adopted: false,
      externalUserState: "PendingAcceptance",
      externalUserStateChangeDateTime: "2026-01-01T00:00:00Z",
    } as GuestState;
    expect(guestOutputs({ guests: { a: old }, redeemUrls: {} }, "a")).toMatchObject({
      adopted: false,
      invitedUserType: "Guest",
    });
    expect(planShard({ a: old }, { a: inputs("a@b.c") })).toEqual([{ name: "a", action: "keep" }]);
  });
});

describe("packRedeemUrls / unpackRedeemUrls: the shard's one secret, smaller", () => {
  const link = (i: number): string =>
    `https://login.microsoftonline.com/redeem?rd=${encodeURIComponent(`https://invitations.microsoft.com/redeem/?tenant=8d6f2a1c-0b2e-4c51-9a53-5b0d0f1e2c3a&user=${i.toString(16).padStart(8, "0")}-1f2e-4d3c-8b4a-${(i * 7919).toString(16).padStart(12, "0")}&ticket=${encodeURIComponent(Buffer.from(`t${i}`.repeat(8)).toString("base64").slice(0, 32))}&ver=2.0`)}`;
  const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`guest.${i}@contoso.com`, link(i)]));
  it.each<[string, Record<string, string>]>([
    ["no guest", {}],
    ["one guest", { kim: "https://r/kim" }],
    ["names and links with any character", { 'a"b': "https://r/?x=%22&y=\u00e9", é: "" }],
    ["200 guests", many],
  ])("round trip: %s", (_why, urls) => {
    const packed = packRedeemUrls(urls);
    expect(packed.startsWith("z1:")).toBe(true);
    expect(unpackRedeemUrls(packed)).toEqual(urls);
  });

  it.each<[string, unknown, Record<string, string>]>([
    ["a plain map (a state from before packing)", { kim: "https://r/kim" }, { kim: "https://r/kim" }],
    ["nothing (a preview)", undefined, {}],
    ["an array is no map", ["x"], {}],
  ])("reads %s", (_why, stored, want) => expect(unpackRedeemUrls(stored)).toEqual(want));

  it("links of one tenant pack to well under three quarters of their JSON (the part the engine's base64 would add back)", () => {
    expect(packRedeemUrls(many).length).toBeLessThan(0.75 * JSON.stringify(many).length);
  });
});

describe("encodeGuest / decodeGuest: one string per guest in the shard's state, states from before still read", () => {
  const kim = state("kim@contoso.com", "u-kim", {
    invitedUserDisplayName: 'Kim "K" Ng',
    invitedAt: "2026-12-05T10:00:00.000Z",
  });
  it.each<[string, GuestState]>([
    [
      "a guest with every field it may have",
      { ...kim, adopted: true, triggers: { a: "1" }, remindersSent: 2 } as GuestState,
    ],
    ["a guest with the fewest", { userId: "u", invitedUserEmailAddress: "a@b.c" } as GuestState],
    ["names and values with any character", { ...kim, invitedUserDisplayName: 'a"b\\c\u00e9\n' }],
  ])("round trip: %s", (_why, g) => {
    const stored = encodeGuest(g);
    expect(stored.startsWith("g1:")).toBe(true);
    expect(decodeGuest(stored)).toEqual(g);
  });

  it.each<[string, unknown, GuestState | undefined]>([
    ["an object (a state from before: a guest as an object)", kim, kim],
    [
      "the object of an older state, every field kept",
      { ...kim, adopted: false, externalUserStateChangeDateTime: null },
      { ...kim, adopted: false, externalUserStateChangeDateTime: null } as GuestState,
    ],
    ["nothing (a preview)", undefined, undefined],
    ["an array is no guest", ["x"], undefined],
  ])("reads %s", (_why, stored, want) => expect(decodeGuest(stored)).toEqual(want));

  it.each<[string, string]>([
    ["a string of another (later) format", "g9:{}"],
    ["a string that is no object", 'g1:["x"]'],
  ])("refuses %s, naming the format it reads (a guest is never dropped from the state)", (_why, stored) =>
    expect(() => decodeGuest(stored)).toThrow(
      /not a format this version of pulumi-entra-invitation reads \(g1:\).*later version/,
    ),
  );

  it("decodeGuests reads a shard's guests in either format, side by side, and encodeGuests writes strings", () => {
    const lee = state("lee@contoso.com", "u-lee");
    const guests = decodeGuests({ kim: encodeGuest(kim), lee, none: null });
    expect(guests).toEqual({ kim, lee });
    expect(decodeGuests(encodeGuests(guests))).toEqual(guests);
    expect(Object.values(encodeGuests(guests)).every((v) => typeof v === "string")).toBe(true);
    expect(decodeGuests(undefined)).toEqual({});
  });

  it("a guest's string is smaller than its object would be in the engine's indented state (no line, no indentation per field)", () => {
    const indented = JSON.stringify({ guests: { kim } }, null, 4).length;
    const one = JSON.stringify({ guests: { kim: encodeGuest(kim) } }, null, 4).length;
    expect(one).toBeLessThan(indented);
  });

  it("guestOutputs and mergeShard work on decoded state: the per-guest outputs are those of the object form", () => {
    const outs = guestOutputs(
      { guests: decodeGuests({ kim: encodeGuest(kim) }), redeemUrls: { kim: "https://r/kim" } },
      "kim",
    );
    expect(outs).toEqual(guestOutputs({ guests: { kim }, redeemUrls: { kim: "https://r/kim" } }, "kim"));
  });
});

describe("withoutDefaults / withDefaults: a guest's inputs in the shard's inputs leave out what check defaults", () => {
  it.each<[string, Partial<CheckedInputs>, Partial<CheckedInputs>]>([
    [
      "both at their default: left out",
      inputs("a@b.c"),
      { invitedUserEmailAddress: "a@b.c", inviteRedirectUrl: redirect },
    ],
    [
      "a Member: kept",
      inputs("a@b.c", { invitedUserType: "Member" }),
      { invitedUserEmailAddress: "a@b.c", inviteRedirectUrl: redirect, invitedUserType: "Member" },
    ],
    [
      "an email asked for: kept",
      inputs("a@b.c", { sendInvitationMessage: true }),
      { invitedUserEmailAddress: "a@b.c", inviteRedirectUrl: redirect, sendInvitationMessage: true },
    ],
    [
      "neither there (inputs recorded by this version): unchanged",
      { invitedUserEmailAddress: "a@b.c" },
      { invitedUserEmailAddress: "a@b.c" },
    ],
  ])("%s", (_why, checked, recorded) => {
    expect(withoutDefaults(checked)).toEqual(recorded);
    // The steps get the very inputs check gave (or the defaults, for inputs recorded without them).
    expect(withDefaults(withoutDefaults(checked))).toEqual({
      invitedUserType: "Guest",
      sendInvitationMessage: false,
      ...checked,
    });
  });

  it("planShard sees no change between inputs recorded with the defaults (a state from before) and without them", () => {
    const old = splitOutputs({ ...inputs("a@b.c"), userId: "u", adopted: false } as InvitationOutputs).state;
    expect(planShard({ a: old }, { a: withDefaults(withoutDefaults(inputs("a@b.c"))) })).toEqual([
      { name: "a", action: "keep" },
    ]);
    expect(planShard({ a: old }, { a: withoutDefaults(inputs("a@b.c")) })).toEqual([{ name: "a", action: "keep" }]);
  });
});
