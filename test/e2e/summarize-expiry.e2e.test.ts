/**
 * `entra-guests summarize` on the real engine's JSON for the clock-driven changes (issue 13): with
 * `ENTRA_NOW` set forward, one `pulumi preview --refresh --json` holds a guest-list entry whose
 * `expiresOn` has passed (left out of the list, removed per onDelete, one warning on the GuestList)
 * and a guest still PendingAcceptance `remindAfterDays` after its invitation (an update that
 * re-issues the invitation). Piped into the installed `entra-guests` bin it must give exactly the
 * expected table: `expire (...)` and `remind (...)` rows, not a plain removal and an empty update;
 * `up --refresh --json` gives the same rows as applied. Last, issue 13's whole picture: one stack
 * whose one `preview --refresh --json` holds an invite, an out-of-band deletion (re-invite), an email
 * change and a triggers change (resets), an update, a reminder, a removal by each onDelete and an
 * expiry, compared row by row.
 */
import { adminGraphClient, providerEnv, RunningEmulator, TestStack } from "../../src/testing";
import { ok, withEmulatedStack } from "./suite";
import { previewJson, pulumiJson } from "../../src/testing/preview-json";
import { summarize } from "./summarize-bin";
import { GUEST_LIST_PROGRAM } from "./programs";

jest.setTimeout(600_000);

const GUESTS = `defaults:
  remindAfterDays: 7
  maxReminders: 2
guests:
  - email: kim@contoso.com
  - email: lee@contoso.com
    expiresOn: 2027-01-05
    onDelete: disable
  - email: max@contoso.com
    expiresOn: 2027-01-06
  - email: jo@contoso.com
    remindAfterDays: null
`;

const DAY = 86_400_000;
const T0 = Date.UTC(2027, 0, 1, 9);
const day = (n: number): Record<string, string> => ({ ENTRA_NOW: new Date(T0 + n * DAY).toISOString() });

let emu: RunningEmulator;
let stack: TestStack;

withEmulatedStack(
  { name: "e2e-summarize-expiry", program: GUEST_LIST_PROGRAM, files: { "guests.yaml": GUESTS } },
  (e, s) => {
    emu = e;
    stack = s;
  },
);
beforeAll(async () => {
  ok(await stack.up({ env: day(0) }));
});

const TABLE = [
  "<!-- entra-guests summarize -->",
  "### Guest changes in stack `e2e-summarize-expiry` (pulumi preview)",
  "",
  "| Action | Guest | Details |",
  "|---|---|---|",
  "| remind (re-invite, reminder 1 of 2) | `kim@contoso.com` | still PendingAcceptance 7 days after the last invitation; invitation re-issued: same user, no reset |",
  "| expire (disable) | `lee@contoso.com` | expired on 2027-01-05; sign-in blocked (accountEnabled false); the user stays |",
  "| expire (delete) | `max@contoso.com` | expired on 2027-01-06; user deleted (restorable for 30 days) |",
  "",
  "**3 guests change: 1 reminder, 2 expiries (1 delete, 1 disable).**",
  "",
].join("\n");

test("preview --refresh --json at day 7: an expired entry and an overdue pending guest, exactly this table", async () => {
  const p = await previewJson(stack, { refresh: true, env: day(7) });
  expect(p.code).toBe(0);
  // The engine's JSON carries both reasons: the GuestList's expiry lines and the provider's reminder line.
  expect(p.stdout).toContain("guest 'lee@contoso.com' expired on 2027-01-05");
  expect(p.stdout).toContain(
    "kim@contoso.com: still PendingAcceptance 7 days after the last invitation (remindAfterDays 7): reminder 1 of 2",
  );
  const r = await summarize(p.stdout);
  expect(r).toEqual({ code: 0, stdout: TABLE, stderr: "" });
  expect(r.stdout).not.toMatch(/redeem|secret/i);
});

test("--format text: the same rows for a log", async () => {
  const p = await previewJson(stack, { refresh: true, env: day(7) });
  const r = await summarize(p.stdout, ["--format", "text"]);
  expect(r).toEqual({
    code: 0,
    stderr: "",
    stdout: [
      "Guest changes in stack e2e-summarize-expiry (pulumi preview)",
      "  remind (re-invite, reminder 1 of 2)  kim@contoso.com  still PendingAcceptance 7 days after the last invitation; invitation re-issued: same user, no reset",
      "  expire (disable)                     lee@contoso.com  expired on 2027-01-05; sign-in blocked (accountEnabled false); the user stays",
      "  expire (delete)                      max@contoso.com  expired on 2027-01-06; user deleted (restorable for 30 days)",
      "3 guests change: 1 reminder, 2 expiries (1 delete, 1 disable).",
      "",
    ].join("\n"),
  });
});

test("before any date (day 3): no guest changes", async () => {
  const p = await previewJson(stack, { refresh: true, env: day(3) });
  expect(p.code).toBe(0);
  expect((await summarize(p.stdout)).stdout).toBe(
    "<!-- entra-guests summarize -->\n### Guest changes in stack `e2e-summarize-expiry` (pulumi preview)\n\nNo guest changes.\n",
  );
});

test("up --refresh --json at day 7: the same rows as applied; then no guest changes", async () => {
  const up = await pulumiJson(stack, "up", { refresh: true, env: day(7) });
  expect(up.code).toBe(0);
  const r = await summarize(up.stdout);
  expect(r).toEqual({
    code: 0,
    stderr: "",
    stdout: TABLE.replace("(pulumi preview)", "(applied)").replace("**3 guests change:", "**3 guests changed:"),
  });
  const after = await previewJson(stack, { refresh: true, env: day(7) });
  expect(after.code).toBe(0);
  expect((await summarize(after.stdout)).stdout).toBe(
    "<!-- entra-guests summarize -->\n### Guest changes in stack `e2e-summarize-expiry` (pulumi preview)\n\nNo guest changes.\n",
  );
});

describe("every kind of guest change in one preview (issue 13)", () => {
  const BEFORE = `defaults:
  remindAfterDays: 7
guests:
  - key: kim
    email: kim@fabrikam.example
  - key: ava
    email: ava@fabrikam.example
    remindAfterDays: null
  - key: tia
    email: tia@fabrikam.example
    remindAfterDays: null
    triggers: { rotation: 1 }
  - key: sam
    email: sam@fabrikam.example
    displayName: Sam
    remindAfterDays: null
  - key: del
    email: del@fabrikam.example
    remindAfterDays: null
  - key: lee
    email: lee@fabrikam.example
    expiresOn: 2027-01-05
    onDelete: disable
    remindAfterDays: null
  - key: r-delete
    email: r1@fabrikam.example
    remindAfterDays: null
  - key: r-disable
    email: r2@fabrikam.example
    onDelete: disable
    remindAfterDays: null
  - key: r-retain
    email: r3@fabrikam.example
    onDelete: retain
    remindAfterDays: null
`;
  const AFTER = `defaults:
  remindAfterDays: 7
guests:
  - key: kim
    email: kim@fabrikam.example
  - key: ava
    email: ava.lee@fabrikam.example
    remindAfterDays: null
  - key: tia
    email: tia@fabrikam.example
    remindAfterDays: null
    triggers: { rotation: 2 }
  - key: sam
    email: sam@fabrikam.example
    displayName: Sam Ortiz
    remindAfterDays: null
  - key: del
    email: del@fabrikam.example
    remindAfterDays: null
  - key: lee
    email: lee@fabrikam.example
    expiresOn: 2027-01-05
    onDelete: disable
    remindAfterDays: null
  - key: new
    email: new@fabrikam.example
    remindAfterDays: null
`;
  let all: TestStack;

  beforeAll(async () => {
    all = new TestStack({
      name: "e2e-summarize-all",
      program: GUEST_LIST_PROGRAM,
      env: providerEnv(emu),
      files: { "guests.yaml": BEFORE },
    });
    ok(await all.up({ env: day(0) }));
  });
  afterAll(() => all?.dispose());

  test("invite, re-invite, reset (email, triggers), update, remind, remove by each policy, expire: exactly this table", async () => {
    all.writeFile("guests.yaml", AFTER);
    const del = emu.users().find((u) => u.mail === "del@fabrikam.example")!;
    emu.clearRequests();
    await adminGraphClient(emu).api(`/users/${del.id}`).delete(); // deleted in the portal
    await adminGraphClient(emu).api(`/directory/deletedItems/${del.id}`).delete(); // and from the recycle bin (else it is restored)
    const p = await previewJson(all, { refresh: true, env: day(7) });
    expect(p.code).toBe(0);
    const r = await summarize(p.stdout);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(ALL_TABLE);
    expect(r.stdout).not.toMatch(/redeem|secret/i);
  });
});

const ALL_TABLE = [
  "<!-- entra-guests summarize -->",
  "### Guest changes in stack `e2e-summarize-all` (pulumi preview)",
  "",
  "| Action | Guest | Details |",
  "|---|---|---|",
  "| invite | `new@fabrikam.example` | new guest |",
  "| re-invite | `del@fabrikam.example` | gone from Entra (deleted out of band): invited again, a new user |",
  "| reset redemption | `ava.lee@fabrikam.example` | email change `ava@fabrikam.example` → `ava.lee@fabrikam.example`; same user |",
  "| reset redemption | `tia@fabrikam.example` | triggers changed; same user |",
  "| update | `sam@fabrikam.example` | displayName |",
  "| remind (re-invite, reminder 1 of 3) | `kim@fabrikam.example` | still PendingAcceptance 7 days after the last invitation; invitation re-issued: same user, no reset |",
  "| remove: delete | `r1@fabrikam.example` | user deleted (restorable for 30 days) |",
  "| remove: disable | `r2@fabrikam.example` | sign-in blocked (accountEnabled false); the user stays |",
  "| remove: retain | `r3@fabrikam.example` | kept in Entra |",
  "| expire (disable) | `lee@fabrikam.example` | expired on 2027-01-05; sign-in blocked (accountEnabled false); the user stays |",
  "",
  "**10 guests change: 1 invite, 1 re-invite, 2 redemption resets, 1 update, 1 reminder, 3 removals (1 delete, 1 disable, 1 retain), 1 expiry (1 disable).**",
  "",
  "An invite of an address that already exists in the tenant adopts that guest instead (the same user, no duplicate).",
  "",
].join("\n");
