/**
 * `entra-guests summarize`, the pure part as tables: steps in the shapes the Pulumi CLI 3.276 prints
 * (`preview --json` documents and `up --json` events, see src/cli/commands/summarize/summary.ts) → rows → Markdown and
 * text; bad input → one line naming the fix. The real engine's JSON is tested end to end in
 * test/e2e/summarize.e2e.test.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { runCli } from "../../../../src/cli";
import {
  GuestRow,
  GuestSummary,
  PlanStep,
  PulumiRun,
  readPulumiJson,
  renderMarkdown,
  renderText,
  summarize,
} from "../../../../src/cli/commands/summarize/summary";

const INV = "pulumi-nodejs:dynamic/entra:Invitation";
const STACK = "dev";
const urn = (name: string, type = INV, parent = "entra:index:GuestList$"): string =>
  `urn:pulumi:${STACK}::guests::${parent}${type}::${name}`;
const PROVIDER = 'exports.handler = __f0;\nconst provider = require("pulumi-entra-invitation/provider");\n';
const REDEEM = "https://login.microsoftonline.com/redeem?rd=ticket-SECRET-123";

type Inputs = Record<string, unknown>;
const inputs = (email: string, extra: Inputs = {}): Inputs => ({
  __provider: PROVIDER,
  inviteRedirectUrl: "https://myapps.microsoft.com",
  invitedUserEmailAddress: email,
  invitedUserType: "Guest",
  sendInvitationMessage: false,
  ...extra,
});
const outputs = (email: string, extra: Inputs = {}): Inputs => ({
  ...inputs(email),
  userId: "0baec0c2-aa45-4aff-ace8-5a032aeedf48",
  adopted: false,
  inviteRedeemUrl: REDEEM,
  externalUserState: "PendingAcceptance",
  ...extra,
});

/** A step as `preview --json` prints it. */
function step(
  op: string,
  name: string,
  old?: { inputs: Inputs; outputs?: Inputs },
  next?: { inputs: Inputs },
  replaceReasons?: string[],
): Record<string, unknown> {
  return {
    op,
    urn: urn(name),
    provider: "urn:pulumi:dev::guests::pulumi:providers:pulumi-nodejs::default::1",
    ...(old
      ? {
          oldState: {
            urn: urn(name),
            custom: true,
            id: "0baec0c2-aa45-4aff-ace8-5a032aeedf48",
            type: INV,
            inputs: old.inputs,
            outputs: old.outputs ?? outputs(String(old.inputs.invitedUserEmailAddress)),
          },
        }
      : {}),
    ...(next ? { newState: { urn: urn(name), custom: true, type: INV, inputs: next.inputs } } : {}),
    ...(replaceReasons ? { replaceReasons } : {}),
    detailedDiff: null,
  };
}

const stackStep = {
  op: "same",
  urn: `urn:pulumi:${STACK}::guests::pulumi:pulumi:Stack::guests-${STACK}`,
  detailedDiff: null,
};
const preview = (...steps: Record<string, unknown>[]): string =>
  JSON.stringify({ steps: [stackStep, ...steps], diagnostics: [], duration: 1, changeSummary: {} }, null, 4);
/** The GuestList `g` whose expiry lines the engine reports on its URN. */
const LIST = `urn:pulumi:${STACK}::guests::entra:index:GuestList::g`;
const withDiagnostics = (diagnostics: Record<string, unknown>[], ...steps: Record<string, unknown>[]): string =>
  JSON.stringify({ steps: [stackStep, ...steps], diagnostics, duration: 1, changeSummary: {} }, null, 4);
const rowsOf = (text: string): Omit<GuestRow, "name">[] =>
  summarize(readPulumiJson(text)).rows.map(({ name: _name, ...r }) => r);

describe("one row per guest that changes", () => {
  const a = "alice@contoso.com";
  /** A preview that replaces g-a because its invitedUser changed, from `old` to `invitedUser` (with `more` new inputs). */
  const replaceByInvitedUser = (
    old: { inputs: Inputs; outputs?: Inputs },
    invitedUser: string,
    more: Inputs = {},
  ): string => preview(step("replace", "g-a", old, { inputs: inputs(a, { invitedUser, ...more }) }, ["invitedUser"]));
  describe.each<[string, string, Omit<GuestRow, "name">[]]>([
    [
      "a create is an invite",
      preview(step("create", "g-a", undefined, { inputs: inputs(a) })),
      [{ action: "invite", guest: a, notes: ["new guest"] }],
    ],
    [
      "an invite as a member, with the email sent",
      preview(
        step("create", "g-a", undefined, {
          inputs: inputs(a, { invitedUserType: "Member", sendInvitationMessage: true }),
        }),
      ),
      [{ action: "invite", guest: a, notes: ["new guest", "as a member", "invitation email sent"] }],
    ],
    [
      "a create of a resource a refresh step shows in state is a re-invite (deleted out of band)",
      preview(
        { ...step("refresh", "g-a", { inputs: inputs(a) }, { inputs: inputs(a) }) },
        step("create", "g-a", undefined, { inputs: inputs(a) }),
      ),
      [{ action: "re-invite", guest: a, notes: ["gone from Entra (deleted out of band): invited again, a new user"] }],
    ],
    [
      "an update names the fields as guest files write them",
      preview(
        step(
          "update",
          "g-a",
          { inputs: inputs(a, { invitedUserDisplayName: "Al" }) },
          {
            inputs: inputs(a, {
              invitedUserDisplayName: "Alice",
              userProperties: { companyName: "Contoso" },
              invitedUserMessageInfo: { customizedMessageBody: "Hi" },
            }),
          },
        ),
      ),
      [{ action: "update", guest: a, notes: ["displayName, message, companyName"] }],
    ],
    [
      "an update that sets back what Entra changed (preview --refresh) says so",
      preview(
        step(
          "refresh",
          "g-a",
          { inputs: inputs(a, { invitedUserDisplayName: "Alice" }) },
          { inputs: inputs(a, { invitedUserDisplayName: "Renamed" }) },
        ),
        step(
          "update",
          "g-a",
          { inputs: inputs(a, { invitedUserDisplayName: "Renamed", invitedUserType: "Member" }) },
          { inputs: inputs(a, { invitedUserDisplayName: "Alice" }) },
        ),
      ),
      [
        {
          action: "update",
          guest: a,
          notes: ["displayName (changed in Entra, set back), userType (changed in Entra, set back)"],
        },
      ],
    ],
    [
      "a replace by an email change is a reset, old → new",
      preview(
        step("replace", "g-a", { inputs: inputs("alice@old.example") }, { inputs: inputs(a) }, [
          "invitedUserEmailAddress",
        ]),
      ),
      [{ action: "reset", guest: a, emailFrom: "alice@old.example", notes: ["same user"] }],
    ],
    [
      "a replace by triggers, with other fields changing too",
      preview(
        step(
          "replace",
          "g-a",
          { inputs: inputs(a, { triggers: { round: 1 } }) },
          { inputs: inputs(a, { triggers: { round: 2 }, onDelete: "disable" }) },
          ["triggers"],
        ),
      ),
      [{ action: "reset", guest: a, notes: ["triggers changed", "same user", "also onDelete"] }],
    ],
    [
      "a replace the engine gives no input for (up --replace: reason 'id') is asked for",
      preview(step("replace", "g-a", { inputs: inputs(a) }, { inputs: inputs(a) }, ["id"])),
      [{ action: "reset", guest: a, notes: ["replacement asked for (--replace)", "same user"] }],
    ],
    [
      "a replace by invitedUser naming the user the guest already is: a reset",
      replaceByInvitedUser({ inputs: inputs(a) }, "0BAEC0C2-AA45-4AFF-ACE8-5A032AEEDF48"),
      [{ action: "reset", guest: a, notes: ["invitedUser changed", "same user"] }],
    ],
    [
      "a replace by invitedUser naming another user: a switch; the old user, invited by the stack, deleted",
      replaceByInvitedUser(
        { inputs: inputs(a, { invitedUser: "11111111-1111-1111-1111-111111111111" }) },
        "22222222-2222-2222-2222-222222222222",
      ),
      [
        {
          action: "switch",
          policy: "delete",
          guest: a,
          notes: [
            "invitedUser names another user",
            "that user taken over as it is (no invitation)",
            "the old user: user deleted (restorable for 30 days)",
          ],
        },
      ],
    ],
    [
      "a switch with resetRedemption; the old user adopted: kept",
      replaceByInvitedUser(
        { inputs: inputs(a), outputs: outputs(a, { adopted: true }) },
        "22222222-2222-2222-2222-222222222222",
        { resetRedemption: true },
      ),
      [
        {
          action: "switch",
          policy: "retain",
          guest: a,
          notes: [
            "invitedUser names another user",
            "that user taken over, its redemption reset",
            "the old user: kept in Entra (adopted: it existed before the stack)",
          ],
        },
      ],
    ],
    [
      "an invitedUser not known until the update: a reset as far as the preview knows",
      replaceByInvitedUser({ inputs: inputs(a) }, "04da6b54-80e4-46f7-96ec-b56ff0331ba9"),
      [{ action: "reset", guest: a, notes: ["invitedUser changed", "same user"] }],
    ],
    [
      "an update without an input change (the provider decided it) points to the diagnostics",
      preview(step("update", "g-a", { inputs: inputs(a) }, { inputs: inputs(a) })),
      [
        {
          action: "update",
          guest: a,
          notes: ["no input changes (the provider's reason is under the preview's Diagnostics)"],
        },
      ],
    ],
    [
      "a delete without onDelete removes the user",
      preview(step("delete", "g-a", { inputs: inputs(a) })),
      [{ action: "remove", policy: "delete", guest: a, notes: ["user deleted (restorable for 30 days)"] }],
    ],
    [
      "a delete with onDelete: disable",
      preview(step("delete", "g-a", { inputs: inputs(a, { onDelete: "disable" }) })),
      [
        {
          action: "remove",
          policy: "disable",
          guest: a,
          notes: ["sign-in blocked (accountEnabled false); the user stays"],
        },
      ],
    ],
    [
      "a delete with onDelete: retain",
      preview(step("delete", "g-a", { inputs: inputs(a, { onDelete: "retain" }) })),
      [{ action: "remove", policy: "retain", guest: a, notes: ["kept in Entra"] }],
    ],
    [
      "a delete of an adopted guest without onDelete is retained",
      preview(step("delete", "g-a", { inputs: inputs(a), outputs: outputs(a, { adopted: true }) })),
      [
        {
          action: "remove",
          policy: "retain",
          guest: a,
          notes: ["kept in Entra (adopted: it existed before the stack)"],
        },
      ],
    ],
    [
      "an adopted guest with onDelete: delete is deleted",
      preview(
        step("delete", "g-a", { inputs: inputs(a, { onDelete: "delete" }), outputs: outputs(a, { adopted: true }) }),
      ),
      [{ action: "remove", policy: "delete", guest: a, notes: ["user deleted (restorable for 30 days)"] }],
    ],
    [
      "a create the preview's lookup found existing is an adoption: no invitation, no email",
      withDiagnostics(
        [
          {
            severity: "info",
            urn: urn("g-a"),
            message: `${a}: exists as 3e75249f\u2026 \u2192 adopted (no invitation, retained on delete)\n`,
          },
        ],
        step("create", "g-a", undefined, { inputs: inputs(a, { sendInvitationMessage: true }) }),
      ),
      [{ action: "adopt", guest: a, notes: ["the address exists (user 3e75249f\u2026): same user, no invitation"] }],
    ],
    [
      "a key rename (the same address removed under one name, created under another) is one row: not deleted",
      preview(
        step("delete", "g-old", { inputs: inputs(a) }),
        step("create", "g-new", undefined, { inputs: inputs(a, { sendInvitationMessage: true }) }),
      ),
      [
        {
          action: "rename",
          guest: a,
          notes: ["key renamed from g-old: taken over by the new key, not deleted", "same user, no invitation"],
        },
      ],
    ],
    [
      "a removal and an invitation with the same display name: a hint that a key makes it a reset",
      preview(
        step("delete", "g-b", { inputs: inputs("bob@contoso.com", { invitedUserDisplayName: "Bob" }) }),
        step("create", "g-b2", undefined, { inputs: inputs("bob@fabrikam.com", { invitedUserDisplayName: "Bob" }) }),
      ),
      [
        {
          action: "invite",
          guest: "bob@fabrikam.com",
          notes: [
            "new guest",
            "hint: bob@contoso.com (same display name) is removed in this run: give both entries the same key to reset the same user's redemption instead",
          ],
        },
        {
          action: "remove",
          policy: "delete",
          guest: "bob@contoso.com",
          notes: ["user deleted (restorable for 30 days)"],
        },
      ],
    ],
    [
      "an update of a guest a refresh found in the recycle bin is a restore",
      preview(
        step(
          "update",
          "g-a",
          { inputs: inputs(a), outputs: outputs(a, { inRecycleBin: true }) },
          { inputs: inputs(a) },
        ),
      ),
      [
        {
          action: "restore",
          guest: a,
          notes: [
            "deleted out of band, in the recycle bin: restored from the recycle bin (same user, groups and app assignments kept), no invitation",
          ],
        },
      ],
    ],
    [
      "same and refresh alone are no change",
      preview(
        step("same", "g-a", { inputs: inputs(a) }, { inputs: inputs(a) }),
        step("refresh", "g-b", { inputs: inputs(a) }, { inputs: inputs(a) }),
      ),
      [],
    ],
    [
      "other resources are not guests",
      preview({
        op: "create",
        urn: urn("bucket", "aws:s3/bucket:Bucket", ""),
        newState: { type: "aws:s3/bucket:Bucket", inputs: { invitedUserEmailAddress: "x@y.z" } },
      }),
      [],
    ],
    [
      "a secret address prints as (secret)",
      preview(step("create", "g-a", undefined, { inputs: inputs("[secret]") })),
      [{ action: "invite", guest: "(secret)", notes: ["new guest"] }],
    ],
    [
      "an address not known until apply",
      preview(step("create", "g-a", undefined, { inputs: inputs("04da6b54-80e4-46f7-96ec-b56ff0331ba9") })),
      [{ action: "invite", guest: "(known after apply)", notes: ["new guest"] }],
    ],
    [
      "a delete with the GuestList's expiry line for its address is an expire, by its onDelete",
      withDiagnostics(
        [
          {
            urn: LIST,
            severity: "warning",
            message:
              "warning: guest 'alice@contoso.com' expired on 2027-01-05: left out of the list, so it is removed per its onDelete (disable) if the stack holds it\n",
          },
        ],
        step("delete", "g-alice@contoso.com", { inputs: inputs(a, { onDelete: "disable" }) }),
      ),
      [
        {
          action: "expire",
          policy: "disable",
          guest: a,
          notes: ["expired on 2027-01-05", "sign-in blocked (accountEnabled false); the user stays"],
        },
      ],
    ],
    [
      "an expiry line naming the entry's key matches by resource name (<list>-<key>), also for a secret address",
      withDiagnostics(
        [
          {
            urn: LIST,
            severity: "warning",
            message:
              "warning: guest 'alice' expired on 2027-01-05T12:00:00Z: left out of the list, so it is removed per its onDelete (delete, or retain if it was adopted) if the stack holds it\n",
          },
        ],
        step("delete", "g-alice", { inputs: inputs("[secret]") }),
      ),
      [
        {
          action: "expire",
          policy: "delete",
          guest: "(secret)",
          notes: ["expired on 2027-01-05T12:00:00Z", "user deleted (restorable for 30 days)"],
        },
      ],
    ],
    [
      "an expiry line of another guest, or an 'expires on' warning, leaves a removal a removal",
      withDiagnostics(
        [
          {
            urn: LIST,
            severity: "warning",
            message:
              "warning: guest 'bob@contoso.com' expired on 2027-01-05: left out of the list, so it is removed per its onDelete (delete, or retain if it was adopted) if the stack holds it\n",
          },
          {
            urn: LIST,
            severity: "warning",
            message:
              "warning: guest 'alice@contoso.com' expires on 2027-01-31 (in 11 days): the first up on or after that date removes it per its onDelete (delete, or retain if it was adopted)\n",
          },
        ],
        step("delete", "g-alice@contoso.com", { inputs: inputs(a) }),
      ),
      [{ action: "remove", policy: "delete", guest: a, notes: ["user deleted (restorable for 30 days)"] }],
    ],
    [
      "an update of a guest whose refreshed state has reminderDue is a remind, reminder N of M",
      withDiagnostics(
        [
          {
            severity: "info",
            message:
              "alice@contoso.com: still PendingAcceptance 7 days after the last invitation (remindAfterDays 7): reminder 1 of 2 \u2192 the invitation is re-issued (same user, no reset, a new redeem link)\n",
          },
        ],
        step(
          "update",
          "g-a",
          {
            inputs: inputs(a, { remindAfterDays: 7 }),
            outputs: outputs(a, {
              remindAfterDays: 7,
              reminderDue:
                "still PendingAcceptance 7 days after the last invitation (remindAfterDays 7): reminder 1 of 2",
            }),
          },
          { inputs: inputs(a, { remindAfterDays: 7 }) },
        ),
      ),
      [
        {
          action: "remind",
          reminder: "1 of 2",
          guest: a,
          notes: [
            "still PendingAcceptance 7 days after the last invitation",
            "invitation re-issued: same user, no reset",
          ],
        },
      ],
    ],
    [
      "a remind that sends the email and also changes a field says both",
      preview(
        step(
          "update",
          "g-a",
          {
            inputs: inputs(a, { remindAfterDays: 1, sendInvitationMessage: true }),
            outputs: outputs(a, {
              reminderDue:
                "still PendingAcceptance 1 day after the last invitation (remindAfterDays 1): reminder 3 of 3",
            }),
          },
          { inputs: inputs(a, { remindAfterDays: 1, sendInvitationMessage: true, invitedUserDisplayName: "Alice" }) },
        ),
      ),
      [
        {
          action: "remind",
          reminder: "3 of 3",
          guest: a,
          notes: [
            "still PendingAcceptance 1 day after the last invitation",
            "invitation re-issued: same user, no reset, invitation email sent",
            "also displayName",
          ],
        },
      ],
    ],
    [
      "reminderDue in state but the program no longer asks for reminders: a plain update",
      preview(
        step(
          "update",
          "g-a",
          {
            inputs: inputs(a, { remindAfterDays: 7 }),
            outputs: outputs(a, {
              reminderDue:
                "still PendingAcceptance 7 days after the last invitation (remindAfterDays 7): reminder 1 of 2",
            }),
          },
          { inputs: inputs(a) },
        ),
      ),
      [{ action: "update", guest: a, notes: ["remindAfterDays"] }],
    ],
    [
      "reminderDue on a delete is still a removal",
      preview(
        step("delete", "g-a", {
          inputs: inputs(a, { remindAfterDays: 7 }),
          outputs: outputs(a, {
            reminderDue:
              "still PendingAcceptance 7 days after the last invitation (remindAfterDays 7): reminder 1 of 2",
          }),
        }),
      ),
      [{ action: "remove", policy: "delete", guest: a, notes: ["user deleted (restorable for 30 days)"] }],
    ],
  ])("%s", (_label, json, expected) => {
    test("rows", () => {
      expect(rowsOf(json)).toEqual(expected);
    });
  });

  test("rows are sorted by action (invite, re-invite, reset, update, remove), then address", () => {
    const json = preview(
      step("delete", "g-z", { inputs: inputs("z@x.com") }),
      step(
        "update",
        "g-b",
        { inputs: inputs("b@x.com") },
        { inputs: inputs("b@x.com", { invitedUserDisplayName: "B" }) },
      ),
      step("create", "g-y", undefined, { inputs: inputs("y@x.com") }),
      step("create", "g-c", undefined, { inputs: inputs("c@x.com") }),
      step(
        "replace",
        "g-a",
        { inputs: inputs("a@x.com", { triggers: 1 }) },
        { inputs: inputs("a@x.com", { triggers: 2 }) },
        ["triggers"],
      ),
    );
    expect(rowsOf(json).map((r) => `${r.action} ${r.guest}`)).toEqual([
      "invite c@x.com",
      "invite y@x.com",
      "reset a@x.com",
      "update b@x.com",
      "remove z@x.com",
    ]);
  });

  test("group memberships of a GuestList are counted, not listed", () => {
    const gm = "azuread:index/groupMember:GroupMember";
    const s = summarize(
      readPulumiJson(
        preview(
          { op: "create", urn: urn("l-a-g1", gm), newState: { type: gm, inputs: {} } },
          { op: "delete", urn: urn("l-b-g1", gm), oldState: { type: gm, inputs: {} } },
        ),
      ),
    );
    expect(s.rows).toEqual([]);
    expect(s.memberships).toEqual({ added: 1, removed: 1, replaced: 0 });
    expect(renderText(s)).toBe(
      "Guest changes in stack dev (pulumi preview)\nNo guest changes.\nGroup memberships: 1 added, 1 removed.\n",
    );
  });
});

describe("never a redeem URL or a value beyond the address", () => {
  test("outputs with a plain redeem URL (as with --show-secrets) and secret inputs do not reach the text", () => {
    const secretObj = {
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      plaintext: '"SECRET-TRIGGER"',
    };
    const json = preview(
      step(
        "update",
        "g-a",
        { inputs: inputs("a@x.com", { invitedUserDisplayName: "Old SECRET-NAME" }), outputs: outputs("a@x.com") },
        { inputs: inputs("a@x.com", { invitedUserDisplayName: "New SECRET-NAME", triggers: secretObj }) },
      ),
      step("delete", "g-b", { inputs: inputs("b@x.com"), outputs: outputs("b@x.com") }),
      step(
        "replace",
        "g-c",
        { inputs: inputs("c@x.com", { triggers: secretObj }) },
        { inputs: inputs("c@x.com", { triggers: { ...secretObj, plaintext: '"SECRET-2"' } }) },
        ["triggers"],
      ),
    );
    const s = summarize(readPulumiJson(json));
    for (const text of [renderMarkdown(s), renderText(s)]) {
      expect(text).not.toMatch(/SECRET|ticket|redeem\?|login\.microsoftonline/);
    }
    expect(renderText(s)).toContain("update            a@x.com  displayName, triggers");
  });
});

describe("Markdown and text", () => {
  const summary: GuestSummary = summarize(
    readPulumiJson(
      preview(
        step("create", "g-new", undefined, { inputs: inputs("new@contoso.com") }),
        step("replace", "g-alice", { inputs: inputs("alice@contoso.com") }, { inputs: inputs("alice@fabrikam.com") }, [
          "invitedUserEmailAddress",
        ]),
        step(
          "update",
          "g-bob",
          { inputs: inputs("bob@contoso.com") },
          { inputs: inputs("bob@contoso.com", { invitedUserDisplayName: "Bob" }) },
        ),
        step("delete", "g-gina", { inputs: inputs("gina@contoso.com", { onDelete: "retain" }) }),
      ),
    ),
  );

  test("Markdown: marker, title, table, totals, the note on adoption", () => {
    expect(renderMarkdown(summary)).toBe(
      [
        "<!-- entra-guests summarize -->",
        "### Guest changes in stack `dev` (pulumi preview)",
        "",
        "| Action | Guest | Details |",
        "|---|---|---|",
        "| invite | `new@contoso.com` | new guest |",
        "| reset redemption | `alice@fabrikam.com` | email change `alice@contoso.com` → `alice@fabrikam.com`; same user |",
        "| update | `bob@contoso.com` | displayName |",
        "| remove: retain | `gina@contoso.com` | kept in Entra |",
        "",
        "**4 guests change: 1 invite, 1 redemption reset, 1 update, 1 removal (1 retain).**",
        "",
        "An invite of an address that already exists in the tenant adopts that guest instead (the same user, no duplicate).",
        "",
      ].join("\n"),
    );
  });

  test("text: aligned columns for logs", () => {
    expect(renderText(summary)).toBe(
      [
        "Guest changes in stack dev (pulumi preview)",
        "  invite            new@contoso.com     new guest",
        "  reset redemption  alice@fabrikam.com  email change alice@contoso.com → alice@fabrikam.com; same user",
        "  update            bob@contoso.com     displayName",
        "  remove: retain    gina@contoso.com    kept in Entra",
        "4 guests change: 1 invite, 1 redemption reset, 1 update, 1 removal (1 retain).",
        "",
      ].join("\n"),
    );
  });

  test("a user switch: its row and its totals name the old user's policy", () => {
    const s = summarize(
      readPulumiJson(
        preview(
          step(
            "replace",
            "g-s",
            { inputs: inputs("sam@contoso.com", { onDelete: "disable" }) },
            {
              inputs: inputs("sam@contoso.com", {
                onDelete: "disable",
                invitedUser: "22222222-2222-2222-2222-222222222222",
              }),
            },
            ["invitedUser"],
          ),
        ),
      ),
    );
    expect(renderText(s)).toBe(
      [
        "Guest changes in stack dev (pulumi preview)",
        "  switch user (old: disable)  sam@contoso.com  invitedUser names another user; that user taken over as it is (no invitation); the old user: sign-in blocked (accountEnabled false); the user stays",
        "1 guest changes: 1 user switch (old user: 1 disable).",
        "",
      ].join("\n"),
    );
  });

  test("no guest changes", () => {
    const s = summarize(readPulumiJson(preview()));
    expect(renderMarkdown(s)).toBe(
      "<!-- entra-guests summarize -->\n### Guest changes in stack `dev` (pulumi preview)\n\nNo guest changes.\n",
    );
    expect(renderText(s)).toBe("Guest changes in stack dev (pulumi preview)\nNo guest changes.\n");
  });

  test("a preview that reported an error says so above the table", () => {
    const json = JSON.stringify({
      steps: [stackStep],
      diagnostics: [
        {
          message: "GuestList 'partners': 1 problem in guests.yaml; nothing was sent:\n  - guests.yaml:3: ...",
          severity: "error",
        },
      ],
    });
    expect(renderMarkdown(summarize(readPulumiJson(json)))).toContain(
      "> **The preview reported an error:** GuestList 'partners': 1 problem in guests.yaml; nothing was sent:\n",
    );
  });

  test("a comment stays under GitHub's limit: rows that do not fit are counted, the totals stay whole", () => {
    const steps = Array.from({ length: 3000 }, (_, i) =>
      step("create", `g-${i}`, undefined, { inputs: inputs(`guest${String(i).padStart(4, "0")}@contoso.com`) }),
    );
    const s = summarize(readPulumiJson(preview(...steps)));
    const md = renderMarkdown(s);
    expect(md.length).toBeLessThanOrEqual(60_000);
    const listed = md.split("\n").filter((l) => l.startsWith("| invite |")).length;
    expect(listed).toBeGreaterThan(1000);
    expect(md).toContain(
      `| … | ${3000 - listed} more guests | too many for one comment: the job log has them all (\`entra-guests summarize --format text\`) |\n`,
    );
    expect(md).toContain("**3000 guests change: 3000 invites.**");
    expect(
      renderText(s)
        .split("\n")
        .filter((l) => l.startsWith("  invite")).length,
    ).toBe(3000);
  });

  test("a pipe in an address cannot break the table", () => {
    const s = summarize(readPulumiJson(preview(step("create", "g-a", undefined, { inputs: inputs("a|b@x.com") }))));
    expect(renderMarkdown(s)).toContain("| invite | `a\\|b@x.com` | new guest |");
  });
});

describe("pulumi up --json: the preview document, then the engine's events", () => {
  const ev = (sequence: number, body: Record<string, unknown>): string =>
    JSON.stringify({ sequence, timestamp: 1, ...body });
  const meta = (op: string, name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    metadata: { op, urn: urn(name), type: INV, ...extra },
  });
  const events = [
    ev(0, { preludeEvent: { config: {} } }),
    ev(1, { resourcePreEvent: meta("create", "g-new", { new: { type: INV, inputs: inputs("new@contoso.com") } }) }),
    ev(2, { resourcePreEvent: meta("create", "g-old", { new: { type: INV, inputs: inputs("old@contoso.com") } }) }),
    ev(3, {
      resOutputsEvent: meta("create", "g-new", {
        new: { type: INV, inputs: inputs("new@contoso.com"), outputs: outputs("new@contoso.com") },
      }),
    }),
    ev(4, {
      resOutputsEvent: meta("create", "g-old", {
        new: { type: INV, inputs: inputs("old@contoso.com"), outputs: outputs("old@contoso.com", { adopted: true }) },
      }),
    }),
    ev(5, {
      resourcePreEvent: meta("delete-replaced", "g-a", { old: { type: INV, inputs: inputs("a@old.example") } }),
    }),
    ev(6, {
      resourcePreEvent: meta("replace", "g-a", {
        old: { type: INV, inputs: inputs("a@old.example") },
        new: { type: INV, inputs: inputs("a@new.example") },
        keys: ["invitedUserEmailAddress"],
      }),
    }),
    ev(7, {
      resourcePreEvent: meta("create-replacement", "g-a", {
        old: { type: INV, inputs: inputs("a@old.example") },
        new: { type: INV, inputs: inputs("a@new.example") },
        keys: ["invitedUserEmailAddress"],
      }),
    }),
    ev(8, { diagnosticEvent: { severity: "info", message: "a@old.example: email change ..." } }),
    ev(9, {
      summaryEvent: {
        maybeCorrupt: false,
        durationSeconds: 5,
        resourceChanges: { create: 2, replace: 1 },
        isPreview: false,
        result: "succeeded",
      },
    }),
  ];

  test("the events are what happened: adopt vs invite from the outputs, one reset per replacement", () => {
    const text = `${preview(step("create", "g-new", undefined, { inputs: inputs("new@contoso.com") }))}\n${events.join("\n")}\n`;
    const s = summarize(readPulumiJson(text));
    expect(s.kind).toBe("update");
    expect(s.rows.map(({ name: _n, ...r }) => r)).toEqual([
      { action: "invite", guest: "new@contoso.com", notes: ["new guest"] },
      { action: "adopt", guest: "old@contoso.com", notes: ["the address existed: same user, no duplicate"] },
      { action: "reset", guest: "a@new.example", emailFrom: "a@old.example", notes: ["same user"] },
    ]);
    expect(renderMarkdown(s)).toContain("### Guest changes in stack `dev` (applied)");
    expect(renderMarkdown(s)).toContain("**3 guests changed: 1 invite, 1 adoption, 1 redemption reset.**");
    expect(renderMarkdown(s)).not.toContain("adopts that guest instead");
  });

  test("events alone (up --skip-preview --json) and a failed update", () => {
    const failed = [
      ...events.slice(0, -1),
      ev(9, { diagnosticEvent: { severity: "error", message: "update failed\nmore" } }),
      ev(10, { summaryEvent: { isPreview: false, result: "failed" } }),
    ];
    const s = summarize(readPulumiJson(failed.join("\n")));
    expect(s.kind).toBe("update");
    expect(s.errors).toEqual(["update failed", "the update failed"]);
    expect(renderText(s)).toMatch(
      /^Guest changes in stack dev \(applied\)\nERROR: update failed\nERROR: the update failed\n/,
    );
  });
});

describe("input that is not Pulumi's JSON: one line that names the fix", () => {
  const fix =
    /: pipe the JSON of a preview into it: pulumi preview --json \| entra-guests summarize \(or pulumi up --json\)/;
  test.each<[string, string, RegExp]>([
    ["empty", "", /^stdin is empty/],
    ["white space", " \n\t", /^stdin is empty/],
    [
      "the human-readable preview",
      "Previewing update (dev):\n     Type  Name\n",
      /^stdin is not JSON \(line 1 starts 'Previewing update \(dev\):'\).*; the --json flag is needed$/,
    ],
    [
      "an object without steps",
      '{"name": "x"}',
      /^stdin is JSON but not Pulumi's \(no 'steps' and no engine events; it has name\)/,
    ],
    ["a list", "[1, 2]", /^stdin is JSON but not Pulumi's \(.*a list\)/],
    [
      "a stack export",
      '{"version": 3, "deployment": {"resources": []}}',
      /^stdin is a stack export \(pulumi stack export\), not a preview/,
    ],
    ["steps that are not a list", '{"steps": "many"}', /^stdin is JSON but its 'steps' is not a list/],
    ["a step without op and urn", '{"steps": [{"name": "x"}]}', /^stdin is JSON but step 1 has no 'op' and 'urn'/],
    ["cut-off JSON", '{"steps": [{"op": "create"', /^stdin is not valid JSON \(the value starting on line 1: .*\)/],
    ["a number", "42", /^stdin is not JSON \(line 1 starts '42'\)/],
  ])("%s", (_label, text, message) => {
    let err: Error | undefined;
    try {
      readPulumiJson(text);
    } catch (e) {
      err = e as Error;
    }
    expect(err?.name).toBe("SummaryInputError");
    expect(err?.message).toMatch(message);
    expect(err?.message).toMatch(fix);
    expect(err?.message).not.toContain("\n");
  });
});

describe("entra-guests summarize (the command, in-process)", () => {
  let tmp: string;
  beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "entra-summarize-"))));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function run(
    args: string[],
    stdinText: string | undefined,
    tty = false,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const stdin = Object.assign(new PassThrough(), { isTTY: tty });
    stdin.end(stdinText ?? "");
    const code = await runCli(["summarize", ...args], {
      env: {},
      stdin,
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      cwd: tmp,
    });
    return { code, stdout, stderr };
  }
  const json = preview(step("create", "g-a", undefined, { inputs: inputs("a@x.com") }));

  test("Markdown on stdout by default; --format text; --out FILE", async () => {
    const md = await run([], json);
    expect(md).toMatchObject({ code: 0, stderr: "" });
    expect(md.stdout).toBe(renderMarkdown(summarize(readPulumiJson(json))));
    const text = await run(["--format", "text"], json);
    expect(text.stdout).toBe(
      "Guest changes in stack dev (pulumi preview)\n  invite  a@x.com  new guest\n1 guest changes: 1 invite.\n",
    );
    const out = await run(["--out", "summary.md"], json);
    expect(out).toEqual({ code: 0, stdout: "", stderr: "entra-guests summarize: written to summary.md\n" });
    expect(fs.readFileSync(path.join(tmp, "summary.md"), "utf8")).toBe(md.stdout);
  });

  test.each<[string, string[], string | undefined, boolean, RegExp]>([
    [
      "not Pulumi's JSON",
      [],
      '{"hello": 1}',
      false,
      /^entra-guests summarize: stdin is JSON but not Pulumi's .*pulumi preview --json \| entra-guests summarize/,
    ],
    [
      "nothing piped in (a terminal)",
      [],
      undefined,
      true,
      /^entra-guests summarize: nothing on stdin: pipe the JSON of a preview into it/,
    ],
    [
      "a bad --format",
      ["--format", "html"],
      "{}",
      false,
      /^entra-guests summarize: --format 'html' is not a format: use --format markdown or --format text/,
    ],
    [
      "an unknown flag",
      ["--refresh"],
      "{}",
      false,
      /^entra-guests summarize: unknown flag '--refresh': run 'entra-guests summarize --help'/,
    ],
    [
      "--out into a missing folder",
      ["--out", "nope/summary.md"],
      json,
      false,
      /^entra-guests summarize: --out nope\/summary\.md: the folder .* does not exist/,
    ],
  ])("%s: exit 2, one line, nothing written", async (_label, args, stdinText, tty, message) => {
    const r = await run(
      [...args, "--out", "never.md"].slice(0, args.includes("--out") ? args.length : args.length + 2),
      stdinText,
      tty,
    );
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split("\n")).toHaveLength(2);
    expect(fs.existsSync(path.join(tmp, "never.md"))).toBe(false);
  });
});

/** Keeps the type import used (PlanStep and PulumiRun are the module's contract). */
export type Contract = [PlanStep, PulumiRun];
