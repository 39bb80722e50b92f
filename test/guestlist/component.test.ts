import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
const registered: Registered[] = [];
const INVITATION = "pulumi-nodejs:dynamic/entra:Invitation";
const GROUP_MEMBER = "azuread:index/groupMember:GroupMember";
const SHARD = "pulumi-nodejs:dynamic/entra:GuestShard";

pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs });
      if (args.type === INVITATION) {
        const email = String(args.inputs.invitedUserEmailAddress);
        return {
          id: `user-${args.name}`,
          state: {
            ...args.inputs,
            userId: `user-${args.name}`,
            inviteRedeemUrl: `https://login.microsoftonline.com/redeem?user=${args.name}`,
            externalUserState: email.startsWith("accepted")
              ? "Accepted"
              : email.startsWith("internal")
                ? null
                : "PendingAcceptance",
          },
        };
      }
      if (args.type === SHARD) {
        const guests = args.inputs.guests as Record<string, Record<string, unknown>>;
        return {
          id: `${args.name}-id`,
          state: {
            ...args.inputs,
            guests: Object.fromEntries(
              Object.entries(guests).map(([n, g]) => [
                n,
                { ...g, userId: `user-${n}`, externalUserState: "PendingAcceptance", adopted: false },
              ]),
            ),
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

// Imported after setMocks on purpose (resources are created in the tests).
import * as azureadLoader from "../../src/guestlist/azuread";
import { GuestEntry, GuestList, GuestListArgs, GuestListError, decodeText } from "../../src/guestlist";
import { AUTO_SHARD_THRESHOLD, chooseForm } from "../../src/guestlist/component";
import { shardName, shardOf } from "../../src/provider/shard-plan";

const REDIRECT = "https://myapps.microsoft.com";
const PARTNERS = "11111111-2222-3333-4444-555555555555";
const AUDITORS = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

const value = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));
/** What the list registered of a type, by name (registration order is not deterministic). */
const of = (list: string, type = INVITATION): Registered[] =>
  registered
    .filter((r) => r.type === type && r.name.startsWith(`${list}-`))
    .sort((a, b) => a.name.localeCompare(b.name));
/** Wait until every child of the list is registered. */
async function settled(list: GuestList): Promise<void> {
  await value(list.summary);
  await Promise.all(Object.values(list.memberships).map((m) => value(m.urn)));
  await Promise.all(Object.values(list.invitations).map((i) => value(i.urn)));
}

/** A GuestList of `entries` with the suite's redirect as the default (and `more` arguments, e.g. the form). */
const listOf = (name: string, entries: GuestEntry[], more: Partial<GuestListArgs> = {}): GuestList =>
  new GuestList(name, { defaults: { inviteRedirectUrl: REDIRECT }, guests: entries, ...more });

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "guestlist-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, text: string | Buffer): string => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
};

describe("GuestList: one Invitation per guest, a child of the list", () => {
  it("names children <list>-<key> or <list>-<email>, with the component as parent", async () => {
    const list = listOf("naming", [
      { key: "Fabrikam-Lead", invitedUserEmailAddress: "avery@fabrikam.com" },
      { invitedUserEmailAddress: "Sam.Ortiz@Northwind.example" },
    ]);
    await settled(list);
    expect(
      of("naming")
        .map((r) => r.name)
        .sort(),
    ).toEqual(["naming-fabrikam-lead", "naming-sam.ortiz@northwind.example"]);
    expect(Object.keys(list.invitations)).toEqual(["fabrikam-lead", "sam.ortiz@northwind.example"]);
    const urn = await value(list.invitations["fabrikam-lead"].urn);
    expect(urn).toBe(`urn:pulumi:stack::project::entra:index:GuestList$${INVITATION}::naming-fabrikam-lead`);
  });

  it("gives every guest the same name whatever the order of the list", async () => {
    const entries = [
      { key: "lead", invitedUserEmailAddress: "lead@fabrikam.com" },
      { invitedUserEmailAddress: "b@fabrikam.com" },
      { invitedUserEmailAddress: "c@fabrikam.com" },
    ];
    const a = listOf("order-a", entries);
    const b = listOf("order-b", [entries[2], entries[0], entries[1]]);
    await Promise.all([settled(a), settled(b)]);
    const suffixes = (list: string): string[] =>
      of(list)
        .map((r) => r.name.slice(list.length + 1))
        .sort();
    expect(suffixes("order-b")).toEqual(suffixes("order-a"));
    for (const r of of("order-b")) {
      const twin = of("order-a").find((x) => x.name.slice("order-a".length) === r.name.slice("order-b".length));
      expect(r.inputs.invitedUserEmailAddress).toBe(twin?.inputs.invitedUserEmailAddress);
    }
  });

  it("passes entries over defaults to the Invitation, without key and groups", async () => {
    const list = new GuestList("inputs", {
      defaults: {
        inviteRedirectUrl: REDIRECT,
        sendInvitationMessage: true,
        onDelete: "disable",
        invitedUserMessageInfo: { customizedMessageBody: "Welcome", messageLanguage: "en-US" },
      },
      guests: [
        {
          key: "auditor",
          invitedUserEmailAddress: "kim@woodgrove.example",
          onDelete: "retain",
          invitedUserMessageInfo: { messageLanguage: "de-DE" },
          userProperties: { jobTitle: "Auditor" },
        },
        { invitedUserEmailAddress: "jo@adatum.example" },
      ],
    });
    await settled(list);
    const [auditor, jo] = of("inputs");
    expect(auditor.inputs).toMatchObject({
      invitedUserEmailAddress: "kim@woodgrove.example",
      inviteRedirectUrl: REDIRECT,
      sendInvitationMessage: true,
      onDelete: "retain",
      invitedUserMessageInfo: { customizedMessageBody: "Welcome", messageLanguage: "de-DE" },
      userProperties: { jobTitle: "Auditor" },
    });
    expect(auditor.inputs).not.toHaveProperty("key");
    expect(auditor.inputs).not.toHaveProperty("groups");
    expect(jo.inputs).toMatchObject({ onDelete: "disable", sendInvitationMessage: true });
  });
});

describe("GuestList keys", () => {
  it("aliases a keyed guest to its email name, so adding a key to an entry replaces nothing", async () => {
    const list = listOf("alias", [{ key: "lead", invitedUserEmailAddress: "Lead@Fabrikam.com" }]);
    await settled(list);
    // The engine receives the alias URNs (the mocks do not show them to newResource).
    const aliases = (list.invitations.lead as unknown as { __aliases: pulumi.Input<string>[] }).__aliases;
    const urns = await Promise.all(aliases.map((a) => value(pulumi.output(a))));
    expect(urns).toEqual([`urn:pulumi:stack::project::entra:index:GuestList$${INVITATION}::alias-lead@fabrikam.com`]);
  });
});

describe("GuestList from files", () => {
  const expectGuests = async (list: GuestList, prefix: string, emails: string[]): Promise<void> => {
    await settled(list);
    expect(
      of(prefix)
        .map((r) => String(r.inputs.invitedUserEmailAddress))
        .sort(),
    ).toEqual([...emails].sort());
  };

  it("reads YAML, with the file's defaults over the program's", async () => {
    const file = write(
      "guests.yaml",
      `defaults:\n  sendInvitationMessage: true\nguests:\n  - key: lead\n    email: lead@fabrikam.com\n  - email: b@northwind.example\n    displayName: B\n`,
    );
    const list = new GuestList("yaml", {
      file,
      defaults: { inviteRedirectUrl: REDIRECT, sendInvitationMessage: false },
    });
    await expectGuests(list, "yaml", ["lead@fabrikam.com", "b@northwind.example"]);
    expect(of("yaml").map((r) => r.inputs.sendInvitationMessage)).toEqual([true, true]);
    expect(of("yaml").map((r) => r.name)).toEqual(["yaml-b@northwind.example", "yaml-lead"]);
  });

  it("reads JSON (object or bare list)", async () => {
    const file = write(
      "guests.json",
      JSON.stringify([
        { email: "a@contoso.com", redirectUrl: REDIRECT },
        { invitedUserEmailAddress: "b@contoso.com", inviteRedirectUrl: REDIRECT },
      ]),
    );
    await expectGuests(new GuestList("json", { file }), "json", ["a@contoso.com", "b@contoso.com"]);
  });

  it("reads a plain CSV", async () => {
    const file = write("guests.csv", `email,displayName,key\r\na@contoso.com,"Lee, A",\r\nb@contoso.com,B,bee\r\n`);
    const list = new GuestList("csv", { file, defaults: { inviteRedirectUrl: REDIRECT } });
    await expectGuests(list, "csv", ["a@contoso.com", "b@contoso.com"]);
    expect(Object.keys(list.invitations)).toEqual(["a@contoso.com", "bee"]);
  });

  it.each([
    [
      "English",
      "Email address to invite [inviteeEmail] Required,Redirection url [inviteRedirectURL] Required,Send invitation message (true or false) [sendEmail],Customized invitation message [customizedMessageBody]",
    ],
    [
      "German",
      "Einzuladende E-Mail-Adresse [inviteeEmail] Erforderlich,Umleitungs-URL [inviteRedirectURL] Erforderlich,Einladungsnachricht senden (true oder false) [sendEmail],Angepasste Einladungsnachricht [customizedMessageBody]",
    ],
  ])("reads the portal's bulk-invite CSV with %s headers", async (lang, header) => {
    const file = write(
      `BulkInvite-${lang}.csv`,
      `\ufeffversion:v1.0,,,\r\n${header}\r\nExample: x@fabrikam.com,Example: ${REDIRECT},Example: true,Example: Hi\r\na@fabrikam.com,${REDIRECT},true,"Welcome, A"\r\nb@fabrikam.com,,false,\r\n`,
    );
    const name = `portal-${lang.toLowerCase()}`;
    const list = new GuestList(name, { file, defaults: { inviteRedirectUrl: "https://default.example" } });
    await expectGuests(list, name, ["a@fabrikam.com", "b@fabrikam.com"]);
    expect(
      of(name).map((r) => [
        r.inputs.inviteRedirectUrl,
        r.inputs.sendInvitationMessage,
        r.inputs.invitedUserMessageInfo,
      ]),
    ).toEqual([
      [REDIRECT, true, { customizedMessageBody: "Welcome, A" }],
      ["https://default.example", false, undefined],
    ]);
  });

  it("reads UTF-16 files with a BOM and rejects text that is not UTF-8", () => {
    const text = "email\nkim.müller@x.com\n";
    expect(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]))).toBe(text);
    expect(() => decodeText(Buffer.from("email\nM\xfcller@x.com\n", "latin1"), "old.csv")).toThrow(
      /old\.csv: is not UTF-8 text: save it as UTF-8/,
    );
  });

  it("names a missing file", () => {
    expect(() => new GuestList("missing", { file: path.join(tmp, "nope.yaml") })).toThrow(
      /GuestList 'missing': 1 problem in [^]*nope\.yaml: no such file/,
    );
  });
});

describe("GuestList rejects a bad list before declaring any guest", () => {
  it("throws one GuestListError with file:line for every problem, and declares no Invitation", async () => {
    const file = write(
      "bad.yaml",
      `defaults:\n  inviteRedirectUrl: ${REDIRECT}\nguests:\n  - email: ok@contoso.com\n  - email: OK@contoso.com\n  - email: broken@@contoso.com\n  - email: c@contoso.com\n    favourite: blue\n  - email: d@contoso.com\n    displayName: "=cmd|' /C calc'!A0"\n`,
    );
    let error: unknown;
    try {
      new GuestList("bad", { file });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GuestListError);
    const message = (error as Error).message;
    expect(message).toMatch(/^GuestList 'bad': 4 problems in .*bad\.yaml; nothing was sent to Microsoft Graph:/);
    expect(message).toMatch(
      /bad\.yaml:5: guest 'OK@contoso\.com': the email ok@contoso\.com is already listed on line 4/,
    );
    expect(message).toMatch(
      /bad\.yaml:6: guest 'broken@@contoso\.com': email \(invitedUserEmailAddress\): 'broken@@contoso\.com' must contain exactly one '@'/,
    );
    expect(message).toMatch(/bad\.yaml:8: guest 'c@contoso\.com': favourite: unknown field 'favourite'/);
    expect(message).toMatch(
      /bad\.yaml:10: guest 'd@contoso\.com': displayName \(invitedUserDisplayName\): starts with '='/,
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(of("bad")).toEqual([]);
  });
});

describe("GuestList groups", () => {
  afterEach(() => jest.restoreAllMocks());

  it("declares a GroupMember per guest and group, with the guest's user id", async () => {
    const list = new GuestList("grp", {
      defaults: { inviteRedirectUrl: REDIRECT, groups: [PARTNERS] },
      guests: [
        {
          key: "auditor",
          invitedUserEmailAddress: "kim@woodgrove.example",
          groups: [PARTNERS, AUDITORS.toUpperCase()],
        },
        { invitedUserEmailAddress: "avery@fabrikam.com" },
        { invitedUserEmailAddress: "sam@northwind.example", groups: [] },
      ],
    });
    await settled(list);
    const members = of("grp", GROUP_MEMBER).map((r) => [r.name, r.inputs.groupObjectId, r.inputs.memberObjectId]);
    expect(members).toEqual([
      [`grp-auditor-${PARTNERS}`, PARTNERS, "user-grp-auditor"],
      [`grp-auditor-${AUDITORS}`, AUDITORS, "user-grp-auditor"],
      [`grp-avery@fabrikam.com-${PARTNERS}`, PARTNERS, "user-grp-avery@fabrikam.com"],
    ]);
    expect(Object.keys(list.memberships)).toEqual([
      `auditor/${PARTNERS}`,
      `auditor/${AUDITORS}`,
      `avery@fabrikam.com/${PARTNERS}`,
    ]);
    const urn = await value(list.memberships[`auditor/${PARTNERS}`].urn);
    expect(urn).toContain(`entra:index:GuestList$${GROUP_MEMBER}::grp-auditor-${PARTNERS}`);
  });

  it("does not load @pulumi/azuread when no guest has groups", async () => {
    const load = jest.spyOn(azureadLoader, "loadAzureAd");
    const list = new GuestList("nogrp", {
      defaults: { inviteRedirectUrl: REDIRECT, groups: [] },
      guests: [{ invitedUserEmailAddress: "a@contoso.com" }, { invitedUserEmailAddress: "b@contoso.com" }],
    });
    await settled(list);
    await new Promise((r) => setTimeout(r, 50));
    expect(load).not.toHaveBeenCalled();
    expect(list.memberships).toEqual({});
    expect(registered.filter((r) => r.type === GROUP_MEMBER && r.name.startsWith("nogrp-"))).toEqual([]);
    expect(of("nogrp")).toHaveLength(2);
  });

  it("explains how to install @pulumi/azuread when it is missing", () => {
    const missing = (id: string): never => {
      throw Object.assign(new Error(`Cannot find module '${id}'`), { code: "MODULE_NOT_FOUND" });
    };
    expect(() => azureadLoader.loadAzureAd(missing)).toThrow(
      /@pulumi\/azuread is not installed\. Run 'npm install @pulumi\/azuread'/,
    );
    const original = azureadLoader.loadAzureAd;
    jest.spyOn(azureadLoader, "loadAzureAd").mockImplementation(() => original(missing));
    expect(() => listOf("grp-missing", [{ invitedUserEmailAddress: "a@contoso.com", groups: [PARTNERS] }])).toThrow(
      /npm install @pulumi\/azuread/,
    );
  });

  it("reports other load failures as they are", () => {
    expect(() =>
      azureadLoader.loadAzureAd(() => {
        throw new Error("boom");
      }),
    ).toThrow(/could not be loaded \(needed for 'groups'\): boom/);
    expect(() => azureadLoader.loadAzureAd(() => ({}))).toThrow(/has no GroupMember resource/);
  });
});

describe("GuestList outputs", () => {
  it("maps each guest to its user id, email, state and secret redeem link", async () => {
    const list = listOf("out", [
      { key: "lead", invitedUserEmailAddress: "accepted.lead@fabrikam.com" },
      { invitedUserEmailAddress: "new@fabrikam.com" },
    ]);
    expect(Object.keys(list.guests)).toEqual(["lead", "new@fabrikam.com"]);
    const lead = list.guests.lead;
    expect(await value(lead.userId)).toBe("user-out-lead");
    expect(await value(lead.email)).toBe("accepted.lead@fabrikam.com");
    expect(await value(lead.externalUserState)).toBe("Accepted");
    expect(await value(lead.inviteRedeemUrl)).toBe("https://login.microsoftonline.com/redeem?user=out-lead");
    expect(await pulumi.isSecret(lead.inviteRedeemUrl)).toBe(true);
    expect(await pulumi.isSecret(lead.userId)).toBe(false);
  });

  it("summarises the guests by state", async () => {
    const list = listOf("sum", [
      { invitedUserEmailAddress: "p1@contoso.com" },
      { invitedUserEmailAddress: "accepted1@contoso.com" },
      { invitedUserEmailAddress: "p2@contoso.com" },
      { invitedUserEmailAddress: "internal@contoso.com" },
      { invitedUserEmailAddress: "p3@contoso.com" },
    ]);
    expect(await value(list.summary)).toEqual({ Accepted: 1, None: 1, PendingAcceptance: 3 });
  });

  it("has an empty summary for an empty list", async () => {
    const list = new GuestList("empty", { guests: [] });
    expect(await value(list.summary)).toEqual({});
    expect(list.guests).toEqual({});
  });
});

// The shard form (form: "shards"): which form a list takes, which shard holds each guest, and that
// every guest's outputs stay reachable by name.
const guests = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ invitedUserEmailAddress: `guest${i}@contoso.com` }));

describe("chooseForm: the form a list takes", () => {
  it.each<[string, number, "invitations" | "shards" | "auto" | undefined, number | undefined, string, boolean]>([
    ["no option, a small list", 3, undefined, undefined, "invitations", false],
    ["no option, at the threshold", AUTO_SHARD_THRESHOLD, undefined, undefined, "invitations", false],
    [
      "no option, above the threshold: shards, with a warning",
      AUTO_SHARD_THRESHOLD + 1,
      undefined,
      undefined,
      "shards",
      true,
    ],
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
    const list = listOf("sh", [...guests(20), { key: "lead", invitedUserEmailAddress: "Lead@Fabrikam.com" }], {
      form: "shards",
      shards: 4,
    });
    await value(list.summary);
    expect(of("sh", INVITATION)).toEqual([]);
    const shards = of("sh", SHARD);
    expect(shards.length).toBeGreaterThan(1);
    for (const s of shards) {
      const names = Object.keys(s.inputs.guests as object);
      for (const n of names) expect(s.name).toBe(shardName("sh", shardOf(n, 4), 4));
      expect(s.inputs).toMatchObject({ list: "sh", shard: s.name.slice("sh-shard-".length) });
    }
    expect(shards.flatMap((s) => Object.keys(s.inputs.guests as object)).sort()).toEqual(
      Object.keys(list.guests).sort(),
    );
    expect(Object.keys(list.shards).sort()).toEqual(shards.map((s) => s.name));
  });

  it("keeps each guest's outputs reachable by name; the redeem link is secret", async () => {
    const list = listOf(
      "out",
      [{ key: "lead", invitedUserEmailAddress: "lead@fabrikam.com" }, { invitedUserEmailAddress: "sam@contoso.com" }],
      { form: "shards" },
    );
    expect(await value(list.guests["lead"].userId)).toBe("user-lead");
    expect(await value(list.guests["lead"].email)).toBe("lead@fabrikam.com");
    expect(await value(list.guests["sam@contoso.com"].externalUserState)).toBe("PendingAcceptance");
    expect(await pulumi.isSecret(list.guests["lead"].inviteRedeemUrl)).toBe(true);
    expect(await value(list.summary)).toEqual({ PendingAcceptance: 2 });
  });

  it("a guest added lands in one shard: the other shards' inputs do not change", async () => {
    const before = listOf("grow-a", guests(30), { form: "shards", shards: 8 });
    const after = listOf("grow-b", [...guests(30), { invitedUserEmailAddress: "new@contoso.com" }], {
      form: "shards",
      shards: 8,
    });
    await Promise.all([value(before.summary), value(after.summary)]);
    const keys = (list: string) =>
      Object.fromEntries(
        of(list, SHARD).map((s) => [
          s.name.slice(list.length),
          Object.keys(s.inputs.guests as object)
            .sort()
            .join(","),
        ]),
      );
    const a = keys("grow-a");
    const b = keys("grow-b");
    const changed = Object.keys(b).filter((k) => a[k] !== b[k]);
    expect(changed).toEqual([`-shard-${shardOf("new@contoso.com", 8) + 1}of8`]);
  });
});
