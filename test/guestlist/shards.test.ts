/**
 * GuestList's shard form, program side (Pulumi's mocks): which form a list takes, which shard holds
 * each guest, and that every guest's outputs stay reachable by name.
 */
import * as pulumi from "@pulumi/pulumi";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
const registered: Registered[] = [];
const SHARD = "pulumi-nodejs:dynamic/entra:GuestShard";
const INVITATION = "pulumi-nodejs:dynamic/entra:Invitation";

pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs });
      if (args.type === SHARD) {
        const guests = args.inputs.guests as Record<string, { invitedUserEmailAddress: string }>;
        return {
          id: `${args.name}-id`,
          state: {
            ...args.inputs,
            guests: Object.fromEntries(Object.entries(guests).map(([n, g]) => [n, { ...g, userId: `user-${n}`, externalUserState: "PendingAcceptance", adopted: false }])),
            redeemUrls: Object.fromEntries(Object.keys(guests).map((n) => [n, `https://redeem/${n}`])),
          },
        };
      }
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: (args) => args.inputs,
  },
  "project",
  "stack",
  false,
);

// Imported after setMocks on purpose.
import { GuestList, GuestListError } from "../../src/guestlist";
import { AUTO_SHARD_THRESHOLD, chooseForm } from "../../src/guestlist/component";
import { shardName, shardOf } from "../../src/provider/shard-plan";

const REDIRECT = "https://myapps.microsoft.com";
const value = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));
const of = (list: string, type: string): Registered[] => registered.filter((r) => r.type === type && r.name.startsWith(`${list}-`)).sort((a, b) => a.name.localeCompare(b.name));
const guests = (n: number) => Array.from({ length: n }, (_, i) => ({ invitedUserEmailAddress: `guest${i}@contoso.com` }));

describe("chooseForm: the form a list takes", () => {
  it.each<[string, number, "invitations" | "shards" | "auto" | undefined, number | undefined, string, boolean]>([
    ["no option, a small list", 3, undefined, undefined, "invitations", false],
    ["no option, at the threshold", AUTO_SHARD_THRESHOLD, undefined, undefined, "invitations", false],
    ["no option, above the threshold: shards, with a warning", AUTO_SHARD_THRESHOLD + 1, undefined, undefined, "shards", true],
    ["auto, thousands", 10_000, "auto", undefined, "shards", true],
    ["shards, a small list: no warning", 3, "shards", 4, "shards", false],
    ["invitations, thousands: as asked, no warning", 5_000, "invitations", undefined, "invitations", false],
  ])("%s", (_why, count, form, shards, want, warns) => {
    const c = chooseForm("list", count, form, shards);
    expect(c.form).toBe(want);
    expect(c.warning !== undefined).toBe(warns);
    if (c.warning) expect(c.warning).toMatch(/Set form: "shards"/);
  });

  it.each([0, -1, 1.5, 1001])("refuses shards = %p before declaring anything", (n) => {
    expect(() => chooseForm("list", 3, "shards", n)).toThrow(GuestListError);
  });
});

describe("GuestList form: shards", () => {
  it("declares one GuestShard per non-empty shard, each guest in the shard its name hashes to; no Invitation", async () => {
    const list = new GuestList("sh", { defaults: { inviteRedirectUrl: REDIRECT }, guests: [...guests(20), { key: "lead", invitedUserEmailAddress: "Lead@Fabrikam.com" }], form: "shards", shards: 4 });
    await value(list.summary);
    expect(of("sh", INVITATION)).toEqual([]);
    const shards = of("sh", SHARD);
    expect(shards.length).toBeGreaterThan(1);
    for (const s of shards) {
      const names = Object.keys(s.inputs.guests as object);
      for (const n of names) expect(s.name).toBe(shardName("sh", shardOf(n, 4), 4));
      expect(s.inputs).toMatchObject({ list: "sh", shard: s.name.slice("sh-shard-".length) });
    }
    expect(shards.flatMap((s) => Object.keys(s.inputs.guests as object)).sort()).toEqual(Object.keys(list.guests).sort());
    expect(Object.keys(list.shards).sort()).toEqual(shards.map((s) => s.name));
  });

  it("keeps each guest's outputs reachable by name; the redeem link is secret", async () => {
    const list = new GuestList("out", { defaults: { inviteRedirectUrl: REDIRECT }, guests: [{ key: "lead", invitedUserEmailAddress: "lead@fabrikam.com" }, { invitedUserEmailAddress: "sam@contoso.com" }], form: "shards" });
    expect(await value(list.guests["lead"].userId)).toBe("user-lead");
    expect(await value(list.guests["lead"].email)).toBe("lead@fabrikam.com");
    expect(await value(list.guests["sam@contoso.com"].externalUserState)).toBe("PendingAcceptance");
    expect(await pulumi.isSecret(list.guests["lead"].inviteRedeemUrl)).toBe(true);
    expect(await value(list.summary)).toEqual({ PendingAcceptance: 2 });
  });

  it("a guest added lands in one shard: the other shards' inputs do not change", async () => {
    const before = new GuestList("grow-a", { defaults: { inviteRedirectUrl: REDIRECT }, guests: guests(30), form: "shards", shards: 8 });
    const after = new GuestList("grow-b", { defaults: { inviteRedirectUrl: REDIRECT }, guests: [...guests(30), { invitedUserEmailAddress: "new@contoso.com" }], form: "shards", shards: 8 });
    await Promise.all([value(before.summary), value(after.summary)]);
    const keys = (list: string) => Object.fromEntries(of(list, SHARD).map((s) => [s.name.slice(list.length), Object.keys(s.inputs.guests as object).sort().join(",")]));
    const a = keys("grow-a");
    const b = keys("grow-b");
    const changed = Object.keys(b).filter((k) => a[k] !== b[k]);
    expect(changed).toEqual([`-shard-${shardOf("new@contoso.com", 8) + 1}of8`]);
  });
});
