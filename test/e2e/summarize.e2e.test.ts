/**
 * `entra-guests summarize` on the real engine's JSON: a guest-list stack goes through an invite, an
 * update, an email change, a `triggers` change, a guest deleted in Entra out of band, a display
 * name changed in the portal, and the removal of three guests (onDelete delete, disable, retain);
 * `pulumi preview --refresh --json` piped into the installed `entra-guests` bin must give exactly
 * the expected table. Also `--replace`, `up --json`, no changes, and input that is not JSON.
 */
import { adminGraphClient, RunningEmulator, TestStack } from "../../src/testing";
import { ok, withEmulatedStack } from "./suite";
import { pulumiJson, previewJson } from "../../src/testing/preview-json";
import { summarize } from "./summarize-bin";

jest.setTimeout(600_000);

const PROGRAM = `
import { GuestList } from "pulumi-entra-invitation";

const list = new GuestList("partners", { file: "guests.yaml", defaults: { inviteRedirectUrl: "https://myapps.microsoft.com" } });
export const guests = list.guests;
`;

const BEFORE = `guests:
  - key: alice
    email: alice@contoso.com
    displayName: Alice
  - email: bob@contoso.com
    displayName: Bob
  - email: carol@contoso.com
    triggers: { round: 1 }
  - email: dave@contoso.com
  - email: erin@contoso.com
    onDelete: delete
  - email: frank@contoso.com
    onDelete: disable
  - email: gina@contoso.com
    onDelete: retain
  - email: ivan@contoso.com
  - email: judy@contoso.com
    displayName: Judy
`;

const AFTER = `guests:
  - key: alice
    email: alice@fabrikam.com
    displayName: Alice
  - email: bob@contoso.com
    displayName: Bobby
    companyName: Contoso
  - email: carol@contoso.com
    triggers: { round: 2 }
  - email: dave@contoso.com
  - email: hank@contoso.com
  - email: ivan@contoso.com
  - email: judy@contoso.com
    displayName: Judy
`;

let emu: RunningEmulator;
let stack: TestStack;

const invitationUrn = (name: string): string =>
  stack.urn("pulumi-nodejs:dynamic/entra:Invitation", name, "entra:index:GuestList");

const TABLE = [
  "<!-- entra-guests summarize -->",
  "### Guest changes in stack `e2e-summarize` (pulumi preview)",
  "",
  "| Action | Guest | Details |",
  "|---|---|---|",
  "| invite | `hank@contoso.com` | new guest |",
  "| re-invite | `dave@contoso.com` | gone from Entra (deleted out of band): invited again, a new user |",
  "| reset redemption | `alice@fabrikam.com` | email change `alice@contoso.com` → `alice@fabrikam.com`; same user |",
  "| reset redemption | `carol@contoso.com` | triggers changed; same user |",
  "| update | `bob@contoso.com` | displayName, companyName |",
  "| update | `judy@contoso.com` | displayName (changed in Entra, set back) |",
  "| remove: delete | `erin@contoso.com` | user deleted (restorable for 30 days) |",
  "| remove: disable | `frank@contoso.com` | sign-in blocked (accountEnabled false); the user stays |",
  "| remove: retain | `gina@contoso.com` | kept in Entra |",
  "",
  "**9 guests change: 1 invite, 1 re-invite, 2 redemption resets, 2 updates, 3 removals (1 delete, 1 disable, 1 retain).**",
  "",
  "An invite of an address that already exists in the tenant adopts that guest instead (the same user, no duplicate).",
  "",
].join("\n");

withEmulatedStack({ name: "e2e-summarize", program: PROGRAM, files: { "guests.yaml": BEFORE } }, (e, s) => {
  emu = e;
  stack = s;
});
beforeAll(async () => {
  ok(await stack.up());
  const users = emu.users();
  const id = (mail: string): string => users.find((u) => u.mail === mail)!.id;
  const admin = adminGraphClient(emu);
  await admin.api(`/users/${id("dave@contoso.com")}`).delete(); // deleted in the portal
  await admin.api(`/directory/deletedItems/${id("dave@contoso.com")}`).delete(); // and from the recycle bin (else it is restored)
  await admin.api(`/users/${id("judy@contoso.com")}`).patch({ displayName: "Judy (renamed in the portal)" });
  stack.writeFile("guests.yaml", AFTER);
});

describe("pulumi preview --json | entra-guests summarize, with the real engine", () => {
  test("preview --refresh: every kind of change, exactly this table", async () => {
    const p = await previewJson(stack, { refresh: true });
    expect(p.code).toBe(0);
    const r = await summarize(p.stdout);
    expect(r).toEqual({ code: 0, stdout: TABLE, stderr: "" });
    // The JSON carries the redeem links masked; the summary never prints values anyway.
    expect(r.stdout).not.toMatch(/redeem|secret/i);
  });

  test("--format text: the same rows for a log", async () => {
    const p = await previewJson(stack, { refresh: true });
    const r = await summarize(p.stdout, ["--format", "text"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "Guest changes in stack e2e-summarize (pulumi preview)",
        "  invite            hank@contoso.com    new guest",
        "  re-invite         dave@contoso.com    gone from Entra (deleted out of band): invited again, a new user",
        "  reset redemption  alice@fabrikam.com  email change alice@contoso.com → alice@fabrikam.com; same user",
        "  reset redemption  carol@contoso.com   triggers changed; same user",
        "  update            bob@contoso.com     displayName, companyName",
        "  update            judy@contoso.com    displayName (changed in Entra, set back)",
        "  remove: delete    erin@contoso.com    user deleted (restorable for 30 days)",
        "  remove: disable   frank@contoso.com   sign-in blocked (accountEnabled false); the user stays",
        "  remove: retain    gina@contoso.com    kept in Entra",
        "9 guests change: 1 invite, 1 re-invite, 2 redemption resets, 2 updates, 3 removals (1 delete, 1 disable, 1 retain).",
        "",
      ].join("\n"),
    );
  });

  test("preview without --refresh cannot see what changed in Entra: no re-invite, no drift row", async () => {
    const p = await previewJson(stack);
    expect(p.code).toBe(0);
    const r = await summarize(p.stdout);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("dave@contoso.com");
    expect(r.stdout).not.toContain("judy@contoso.com");
    expect(r.stdout).toContain(
      "**7 guests change: 1 invite, 2 redemption resets, 1 update, 3 removals (1 delete, 1 disable, 1 retain).**",
    );
  });

  test("--replace: a reset asked for on the command line", async () => {
    const p = await previewJson(stack, { replace: [invitationUrn("partners-ivan@contoso.com")] });
    expect(p.code).toBe(0);
    const r = await summarize(p.stdout);
    expect(r.stdout).toContain(
      "| reset redemption | `ivan@contoso.com` | replacement asked for (--replace); same user |\n",
    );
  });

  test("input that is not the JSON: the human preview → one line naming the fix, exit 2", async () => {
    const r = await summarize("Previewing update (e2e-summarize):\n     Type                 Name\n");
    expect(r).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "entra-guests summarize: stdin is not JSON (line 1 starts 'Previewing update (e2e-summarize):'): pipe the JSON of a preview into it: pulumi preview --json | entra-guests summarize (or pulumi up --json); the --json flag is needed\n",
    });
  });

  test("up --refresh --json: what was applied (invite or adopt known), then no guest changes", async () => {
    const up = await pulumiJson(stack, "up", { refresh: true });
    expect(up.code).toBe(0);
    const r = await summarize(up.stdout);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      TABLE.replace("(pulumi preview)", "(applied)")
        .replace("**9 guests change:", "**9 guests changed:")
        .replace(
          "\nAn invite of an address that already exists in the tenant adopts that guest instead (the same user, no duplicate).\n",
          "",
        ),
    );
    const after = await previewJson(stack, { refresh: true });
    expect(after.code).toBe(0);
    expect((await summarize(after.stdout)).stdout).toBe(
      "<!-- entra-guests summarize -->\n### Guest changes in stack `e2e-summarize` (pulumi preview)\n\nNo guest changes.\n",
    );
  });
});
