/**
 * `entra-guests export` against the Graph emulator over HTTPS, with the real credential and the
 * provider's scheduler: a tenant of 27 users (guests invited through Graph with various states,
 * domains and properties, a B2B member, a disabled guest, older guests and an internal member
 * from a state file, users the guest list cannot take, guests a stack invited and marked) → export →
 * the file parsed and resolved by GuestList's own functions must give back exactly the tenant's
 * guests, with the onDelete their marks record.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { runCli } from "../../../../src/cli";
import { exportRequest, parseCreatedBefore } from "../../../../src/cli/commands/export";
import { keyOf, selectGuests } from "../../../../src/cli/commands/export/export-file";
import { nextPath } from "../../../../src/cli/commands/export/list-guests";
import { LOOKUP_SELECT } from "../../../../src/graph/extensions";
import { parseGuestFile, planGuestList, ResolvedGuest } from "../../../../src/guestlist";
import { MARK_NAME, markData } from "../../../../src/provider/mark";
import { deletePolicy, FoundUser, ownedOnDelete, planCreate } from "../../../../src/provider/plan";
import type { OnDelete } from "../../../../src/provider/types";
import { checkInputs } from "../../../../src/provider/validate";
import { adminGraphClient, EmulatedUser, providerEnv, RunningEmulator, startEmulator } from "../../../../src/testing";

jest.setTimeout(120_000);

const REDIRECT = "https://myapps.microsoft.com";
let emu: RunningEmulator;
let tmp: string;

/** Users that exist before the test, as a directory admin or an older tool made them. */
const SEEDED = [
  {
    id: "00000000-0000-4000-8000-000000000001",
    userPrincipalName: "admin@emulator.onmicrosoft.com",
    mail: "admin@emulator.onmicrosoft.com",
    userType: "Member",
    creationType: null,
    externalUserState: null,
    displayName: "Tenant Admin",
    createdDateTime: "2018-01-01T00:00:00Z",
  },
  {
    id: "00000000-0000-4000-8000-000000000002",
    userPrincipalName: "old.partner_fabrikam.com#EXT#@emulator.onmicrosoft.com",
    mail: "Old.Partner@Fabrikam.com",
    userType: "Guest",
    creationType: "Invitation",
    externalUserState: "Accepted",
    externalUserStateChangeDateTime: "2019-05-02T08:00:00Z",
    displayName: "Old Partner",
    companyName: "Fabrikam",
    createdDateTime: "2019-05-01T10:00:00Z",
  },
  {
    id: "00000000-0000-4000-8000-000000000003",
    userPrincipalName: "legacy_northwind.example#EXT#@emulator.onmicrosoft.com",
    mail: "legacy@northwind.example",
    userType: "Guest",
    creationType: "Invitation",
    externalUserState: "PendingAcceptance",
    externalUserStateChangeDateTime: "2021-03-04T00:00:00Z",
    displayName: "null",
    jobTitle: "#1 auditor",
    department: 'Audit; "Special", Ltd.',
    createdDateTime: "2021-03-04T00:00:00Z",
  },
  {
    id: "00000000-0000-4000-8000-000000000004",
    userPrincipalName: "alias_contoso.com#EXT#@emulator.onmicrosoft.com",
    mail: null,
    otherMails: ["alias@contoso.com"],
    userType: "Guest",
    creationType: "Invitation",
    externalUserState: "Accepted",
    displayName: "Only Other Mails",
    createdDateTime: "2022-01-01T00:00:00Z",
  },
  {
    id: "00000000-0000-4000-8000-000000000005",
    userPrincipalName: "noaddress#EXT#@emulator.onmicrosoft.com",
    mail: null,
    userType: "Guest",
    creationType: "Invitation",
    externalUserState: "PendingAcceptance",
    displayName: "No Address",
    createdDateTime: "2022-01-02T00:00:00Z",
  },
  {
    id: "00000000-0000-4000-8000-000000000006",
    userPrincipalName: "plus_contoso.com#EXT#@emulator.onmicrosoft.com",
    mail: "a+b@contoso.com",
    userType: "Guest",
    creationType: "Invitation",
    externalUserState: "Accepted",
    displayName: "Plus Address",
    createdDateTime: "2022-01-03T00:00:00Z",
  },
  {
    id: "00000000-0000-4000-8000-000000000007",
    userPrincipalName: "formula_contoso.com#EXT#@emulator.onmicrosoft.com",
    mail: "formula@contoso.com",
    userType: "Guest",
    creationType: "Invitation",
    externalUserState: "Accepted",
    displayName: "-Contractor-",
    givenName: "=1+1",
    surname: "Formula",
    createdDateTime: "2022-01-04T00:00:00Z",
  },
];

/** The guests invited through Graph in beforeAll: address, display name, and what happens to them. */
const INVITED: {
  email: string;
  name?: string;
  member?: boolean;
  accept?: boolean;
  disable?: boolean;
  props?: Record<string, string>;
  mark?: OnDelete;
}[] = [
  ...Array.from({ length: 8 }, (_, i) => ({
    email: `partner${i}@fabrikam.com`,
    name: `Fabrikam Partner ${i}`,
    accept: i % 2 === 0,
    props: i % 3 === 0 ? { companyName: "Fabrikam", jobTitle: "Engineer" } : undefined,
  })),
  ...Array.from({ length: 6 }, (_, i) => ({
    email: `vendor${i}@contoso.com`,
    name: `Contoso Vendor ${i}`,
    accept: i < 2,
  })),
  ...Array.from({ length: 4 }, (_, i) => ({
    email: `auditor${i}@northwind.example`,
    accept: i === 0,
    props: { usageLocation: "DE", givenName: `Audit${i}`, surname: "Müller" },
  })),
  { email: "board.member@woodgrove.example", name: "Board Member", member: true, accept: true },
  { email: "former@woodgrove.example", name: "Former Contractor", disable: true },
  // Invited by the stack guests/prod, which marked each with its onDelete (as the provider does).
  ...(["retain", "disable", "delete"] as const).map((p) => ({
    email: `owned.${p}@tailspin.example`,
    name: `Tailspin ${p}`,
    accept: p === "retain",
    mark: p,
  })),
];

/** The stack that marked the `mark` guests, and each guest's resource in it. */
const OWNER = { project: "guests", stack: "prod" };
const resourceOf = (email: string): string => `partners-${email}`;

let users: EmulatedUser[];

function io(
  env: Record<string, string | undefined>,
  stdinText?: string,
): { io: Parameters<typeof runCli>[1]; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const stdin = new PassThrough();
  stdin.end(stdinText ?? "");
  return {
    io: {
      env,
      stdin,
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      cwd: tmp,
    },
    out: () => out,
    err: () => err,
  };
}

const graphEnv = (): Record<string, string> => providerEnv(emu);

async function exportCli(
  args: string[],
  env: Record<string, string | undefined> = graphEnv(),
): Promise<{ code: number; stdout: string; stderr: string }> {
  const t = io(env);
  const code = await runCli(["export", ...args], t.io);
  return { code, stdout: t.out(), stderr: t.err() };
}

/** The file as GuestList reads it, resolved (throws what GuestList would throw). */
function load(text: string, fileName: string): ResolvedGuest[] {
  return planGuestList({ file: { text, fileName } }, "exported");
}

/** What the guest list should hold for a user of the emulator. */
function expected(u: EmulatedUser): Record<string, unknown> {
  const props: Record<string, string> = {};
  for (const k of ["givenName", "surname", "companyName", "department", "jobTitle", "usageLocation"] as const) {
    const v = u[k];
    if (v && !/^ *[=+\-@]/.test(v)) props[k] = v;
  }
  const args: Record<string, unknown> = {
    invitedUserEmailAddress: (u.mail ?? u.otherMails[0]).toLowerCase(),
    inviteRedirectUrl: REDIRECT,
  };
  if (u.displayName && !/^ *[=+\-@]/.test(u.displayName)) args.invitedUserDisplayName = u.displayName;
  if (u.userType === "Member") args.invitedUserType = "Member";
  if (Object.keys(props).length) args.userProperties = props;
  const mark = INVITED.find((i) => i.email === u.mail)?.mark;
  if (mark && mark !== "delete") args.onDelete = mark;
  return args;
}

/** Users the export must write: guests and B2B members with an address the guest list accepts. */
function exportable(): EmulatedUser[] {
  return users.filter(
    (u) =>
      (u.userType === "Guest" || u.creationType === "Invitation") &&
      (u.mail || u.otherMails.length) &&
      u.mail !== "a+b@contoso.com",
  );
}

function asArgs(g: ResolvedGuest): Record<string, unknown> {
  return { ...(g.args as unknown as Record<string, unknown>) };
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "entra-export-"));
  const statePath = path.join(tmp, "tenant.json");
  fs.writeFileSync(statePath, JSON.stringify({ version: 1, users: SEEDED }));
  emu = await startEmulator({ statePath });
  const g = adminGraphClient(emu);
  for (const inv of INVITED) {
    const r = (await g.api("/invitations").post({
      invitedUserEmailAddress: inv.email,
      inviteRedirectUrl: "https://contoso.example/welcome",
      invitedUserDisplayName: inv.name,
      invitedUserType: inv.member ? "Member" : "Guest",
    })) as { invitedUser: { id: string } };
    const id = r.invitedUser.id;
    if (inv.accept) emu.redeem(id);
    if (inv.props) await g.api(`/users/${id}`).patch(inv.props);
    if (inv.disable) await g.api(`/users/${id}`).patch({ accountEnabled: false });
    if (inv.mark) {
      await g.api(`/users/${id}/extensions`).post({
        "@odata.type": "#microsoft.graph.openTypeExtension",
        extensionName: MARK_NAME,
        ...markData({ ...OWNER, name: resourceOf(inv.email) }, inv.mark),
      });
    }
  }
  users = emu.users();
  expect(users.length).toBe(SEEDED.length + INVITED.length);
});

afterAll(async () => {
  await emu?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("entra-guests export: the tenant's guests as a guest list", () => {
  let yamlText: string;

  test("YAML on stdout round-trips through GuestList's parser: every guest, only the fields that are set", async () => {
    emu.clearRequests();
    const r = await exportCli([]);
    expect(r.code).toBe(0);
    yamlText = r.stdout;
    const guests = load(yamlText, "guests.yaml");
    const want = exportable();
    expect(guests.length).toBe(want.length);
    expect(guests.length).toBeGreaterThanOrEqual(23);
    const byEmail = new Map(guests.map((g) => [g.email, g]));
    for (const u of want) {
      const g = byEmail.get((u.mail ?? u.otherMails[0]).toLowerCase());
      expect(g).toBeDefined();
      expect(asArgs(g!)).toEqual(expected(u));
    }
    // Internal members and users the guest list cannot take are not in it.
    expect(byEmail.has("admin@emulator.onmicrosoft.com")).toBe(false);
    expect(byEmail.has("a+b@contoso.com")).toBe(false);
    // Sorted by address; keys stable and readable.
    const emails = guests.map((g) => g.email!);
    expect(emails).toEqual([...emails].sort());
    expect(guests.find((g) => g.email === "partner0@fabrikam.com")?.key).toBe("partner0_fabrikam.com");
    expect(guests.find((g) => g.email === "old.partner@fabrikam.com")?.key).toBe("old.partner_fabrikam.com");
    // One request for the whole tenant (a page of up to 999), through the scheduler.
    const gets = emu.requests().filter((q) => q.method === "GET" && q.path.startsWith("/v1.0/users?"));
    expect(gets.length).toBe(1);
    expect(decodeURIComponent(gets[0].path)).toContain("$filter=userType eq 'Guest' or creationType eq 'Invitation'");
    expect(
      emu.requests().filter((q) => q.path.startsWith("/v1.0/") && q.method !== "GET" && q.path !== "/v1.0/$batch"),
    ).toEqual([]);
    expect(r.stderr).toMatch(
      new RegExp(
        "^entra-guests export: not exported: user 00000000-0000-4000-8000-000000000005 has no email address \\(mail and otherMails are empty\\)\n" +
          "entra-guests export: not exported: user 00000000-0000-4000-8000-000000000006 its address 'a\\+b@contoso.com': the character '\\+' is not allowed before the '@' .*\n" +
          `entra-guests export: ${want.length} guests written to stdout \\(yaml; 2 users not exported; 1 page, 1 request, \\d+\\.\\d s\\)\\n$`,
      ),
    );
  });

  test("each guest's state, creation date and object id are a comment; what is left out is said", () => {
    const old = users.find((u) => u.mail === "Old.Partner@Fabrikam.com")!;
    expect(yamlText).toContain(
      `  # Accepted since 2019-05-02, created 2019-05-01, id ${old.id}\n  - key: old.partner_fabrikam.com\n    email: old.partner@fabrikam.com\n    displayName: Old Partner\n    companyName: Fabrikam\n`,
    );
    const former = users.find((u) => u.mail === "former@woodgrove.example")!;
    expect(yamlText).toMatch(
      new RegExp(
        `# PendingAcceptance since \\d{4}-\\d{2}-\\d{2}, created \\d{4}-\\d{2}-\\d{2}, id ${former.id}, disabled \\(accountEnabled false\\)\\n  - key: former_woodgrove.example\\n`,
      ),
    );
    expect(yamlText).toContain(
      "  - key: board.member_woodgrove.example\n    email: board.member@woodgrove.example\n    displayName: Board Member\n    userType: Member\n",
    );
    expect(yamlText).toMatch(
      /left out: displayName \(starts with '-', which the guest list refuses as a spreadsheet formula\); givenName \(starts with '='/,
    );
    expect(yamlText).toContain(
      "# Not exported: user 00000000-0000-4000-8000-000000000005 has no email address (mail and otherMails are empty).",
    );
    expect(yamlText).toMatch(
      /# Not exported: user 00000000-0000-4000-8000-000000000006 its address 'a\+b@contoso.com': the character '\+' is not allowed/,
    );
    // Values that YAML would read as something else are quoted, and come back as text.
    expect(yamlText).toContain('displayName: "null"');
    expect(yamlText).toContain("defaults:\n  inviteRedirectUrl: https://myapps.microsoft.com\n");
  });

  test("a guest a stack invited: its comment names the stack, its mark's onDelete is the entry's (delete is not written)", () => {
    for (const p of ["retain", "disable", "delete"] as const) {
      const email = `owned.${p}@tailspin.example`;
      const u = users.find((x) => x.mail === email)!;
      const entry = `  - key: owned.${p}_tailspin.example\n    email: ${email}\n    displayName: Tailspin ${p}\n${p === "delete" ? "" : `    onDelete: ${p}\n`}`;
      expect(yamlText).toMatch(
        new RegExp(
          `# \\w+ since [-\\d]+, created [-\\d]+, id ${u.id}, invited by the stack guests/prod \\(resource partners-owned\\.${p}@tailspin\\.example\\) with onDelete ${p}\\n${entry.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?!    onDelete)`,
        ),
      );
    }
  });

  test("the owning stack that applies its export keeps each guest's onDelete; another stack adopts and retains", async () => {
    const g = adminGraphClient(emu);
    const resolved = load(yamlText, "guests.yaml");
    for (const p of ["retain", "disable", "delete"] as const) {
      const guest = resolved.find((x) => x.email === `owned.${p}@tailspin.example`)!;
      const checked = checkInputs({ ...asArgs(guest) });
      expect(checked.failures).toEqual([]);
      const found = (await g
        .api(`/users/${users.find((x) => x.mail === guest.email)!.id}`)
        .query({ $select: LOOKUP_SELECT.join(","), $expand: "extensions" })
        .get()) as FoundUser;
      // What the provider's lookup before a create reads; then the owning stack, the guest now under the exported list's name: its own guest, onDelete as before.
      const own = planCreate(checked.inputs, found, { ...OWNER, name: `exported-${guest.key}` });
      expect(own).toMatchObject({ action: "take", adopted: false, owner: "stack" });
      expect(ownedOnDelete(checked.inputs)).toBe(p);
      expect(own.action === "take" && own.markChanges).toEqual({ resource: `exported-${guest.key}` });
      // Another stack adopts it; a guest marked delete is retained by that stack, not deleted.
      const other = planCreate(checked.inputs, found, {
        project: "guests",
        stack: "staging",
        name: `exported-${guest.key}`,
      });
      expect(other).toMatchObject({ action: "take", adopted: true, owner: "other" });
      expect(deletePolicy({ ...checked.inputs, adopted: true })).toBe(p === "delete" ? "retain" : p);
    }
  });

  test("the same tenant exports the same bytes (stable keys and order)", async () => {
    const again = await exportCli([]);
    expect(again.stdout).toBe(yamlText);
  });

  test("CSV into --out: the same guests as YAML; columns only for fields some guest sets", async () => {
    const r = await exportCli(["--out", "guests.csv"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/guests written to guests\.csv \(csv;/);
    const text = fs.readFileSync(path.join(tmp, "guests.csv"), "utf8");
    expect(text.split("\r\n")[0]).toBe(
      "key,email,displayName,userType,givenName,surname,companyName,department,jobTitle,usageLocation,onDelete,redirectUrl",
    );
    expect(text).toContain(
      'legacy_northwind.example,legacy@northwind.example,null,,,,,"Audit; ""Special"", Ltd.",#1 auditor,,,https://myapps.microsoft.com\r\n',
    );
    expect(text).toContain(
      "owned.retain_tailspin.example,owned.retain@tailspin.example,Tailspin retain,,,,,,,,retain,https://myapps.microsoft.com\r\n",
    );
    const fromCsv = load(text, "guests.csv").map((g) => [g.key, asArgs(g)]);
    const fromYaml = load(yamlText, "guests.yaml").map((g) => [g.key, asArgs(g)]);
    expect(fromCsv).toEqual(fromYaml);
    expect(parseGuestFile(text, "guests.csv").issues).toEqual([]);
  });

  test.each([
    [["--domain", "fabrikam.com"], (u: EmulatedUser) => /@fabrikam\.com$/i.test(u.mail ?? "")],
    [
      ["--domain", "FABRIKAM.com", "--domain", "@northwind.example"],
      (u: EmulatedUser) => /@(fabrikam\.com|northwind\.example)$/i.test(u.mail ?? ""),
    ],
    [["--state", "Accepted"], (u: EmulatedUser) => u.externalUserState === "Accepted"],
    [["--state", "pendingacceptance"], (u: EmulatedUser) => u.externalUserState === "PendingAcceptance"],
    [["--created-before", "2021-06-01"], (u: EmulatedUser) => u.createdDateTime < "2021-06-01"],
    [
      ["--created-before", "2021-03-04T00:00:01+00:00", "--state", "PendingAcceptance"],
      (u: EmulatedUser) => u.createdDateTime < "2021-03-04T00:00:01Z" && u.externalUserState === "PendingAcceptance",
    ],
    [
      ["--domain", "contoso.com", "--state", "Accepted", "--created-before", "2100-01-01"],
      (u: EmulatedUser) =>
        /@contoso\.com$/i.test(u.mail ?? u.otherMails[0] ?? "") && u.externalUserState === "Accepted",
    ],
  ])("filters %j", async (args, keep) => {
    const r = await exportCli(args as string[]);
    expect(r.code).toBe(0);
    const got = load(r.stdout, "guests.yaml")
      .map((g) => g.email)
      .sort();
    const want = exportable()
      .filter(keep)
      .map((u) => (u.mail ?? u.otherMails[0]).toLowerCase())
      .sort();
    expect(want.length).toBeGreaterThan(0);
    expect(got).toEqual(want);
    expect(r.stdout).toContain("filters: ");
  });

  test("paging: every @odata.nextLink is followed through the scheduler", async () => {
    emu.clearRequests();
    const r = await exportCli(["--page-size", "5"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(yamlText);
    const listed = users.filter((u) => u.userType === "Guest" || u.creationType === "Invitation").length;
    const pages = Math.ceil(listed / 5);
    const gets = emu.requests().filter((q) => q.method === "GET" && q.path.startsWith("/v1.0/users?"));
    expect(gets.length).toBe(pages);
    expect(gets.slice(1).every((q) => q.path.includes("$skiptoken=") && q.path.includes("$top=5"))).toBe(true);
    expect(r.stderr).toContain(`; ${pages} pages, ${pages} requests,`);
  });

  test("a throttled tenant: 429s are waited out by the scheduler, the export completes", async () => {
    emu.setFaults({ "429": 0.5 });
    try {
      // Two pages each time, until some request was throttled (each 429 waits Retry-After: 1 s).
      let throttled = false;
      for (let attempt = 0; attempt < 10 && !throttled; attempt++) {
        const r = await exportCli(["--page-size", "20"]);
        expect(r.code).toBe(0);
        expect(r.stdout).toBe(yamlText);
        throttled = / \d+ throttled, /.test(r.stderr);
      }
      expect(throttled).toBe(true);
    } finally {
      emu.setFaults(undefined);
    }
  });
});

describe("entra-guests export: bad input is one line that says the fix, exit code 2 or 1, nothing written", () => {
  const out = (): string => path.join(tmp, "bad.yaml");
  beforeAll(() => fs.mkdirSync(path.join(tmp, "folder.yaml"), { recursive: true }));
  beforeEach(() => fs.rmSync(out(), { force: true }));

  test.each([
    [
      ["--domian", "contoso.com"],
      /^entra-guests export: unknown flag '--domian' \(did you mean '--domain'\?\): run 'entra-guests export --help' for the flags\n$/,
    ],
    [
      ["--created-before", "2024-13-45"],
      /--created-before '2024-13-45' is not a real date: write a date \(2024-06-30\) or a date-time with a zone/,
    ],
    [["--created-before", "yesterday"], /--created-before 'yesterday' is not a date: write a date/],
    [["--created-before", "2024-06-30T12:00:00"], /is not a date: .*with a zone/],
    [["--created-before", "1024-01-01"], /the year 1024 is outside 2000-2200/],
    [
      ["--state", "Pending"],
      /--state 'Pending' is not a redemption state: use --state PendingAcceptance or --state Accepted/,
    ],
    [["--format", "xml"], /--format 'xml' is not a format: use --format yaml or --format csv/],
    [["--format", "csv", "--out", "bad.yaml"], /--out bad\.yaml is a \.yaml file but --format is csv/],
    [["--out", "guests.txt"], /GuestList reads a guest file by its extension: name it \.yaml, \.yml or \.csv/],
    [["--domain", "not a domain"], /--domain 'not a domain' is not a domain name: give the part after the '@'/],
    [["--page-size", "1000"], /--page-size '1000' is not a page size: give a whole number from 1 to 999/],
    [["--out"], /--out needs a value, e.g. --out <value>/],
    [["extra"], /unexpected argument 'extra': export takes only flags/],
    [["--out", "no-such-folder/guests.yaml"], /the folder .*no-such-folder does not exist: create it first/],
    [["--out", "tenant.json/guests.yaml"], /tenant\.json is not a folder/],
    [["--out", "folder.yaml"], /--out folder\.yaml is a folder: give a file name inside it/],
    [["--redirect-url", "ftp://x"], /--redirect-url /],
  ])("%j", async (args, message) => {
    emu.clearRequests();
    const r = await exportCli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.split("\n")).toHaveLength(2); // one line and its newline
    expect(r.stderr).toMatch(message);
    expect(emu.requests()).toEqual([]); // refused before any Graph call (or token request)
    expect(fs.existsSync(out())).toBe(false);
  });

  test("a tenant without read permission: Graph's 403 with the fix, exit 1, the old file left as it was", async () => {
    const app = emu.addClient({ roles: ["User.Invite.All"] });
    fs.writeFileSync(out(), "guests: []\n");
    const r = await exportCli(["--out", "bad.yaml"], {
      ...graphEnv(),
      ARM_CLIENT_ID: app.clientId,
      ARM_CLIENT_SECRET: app.clientSecret,
    });
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")).toHaveLength(2);
    // Changed on purpose (issue 20): the classified message (class, call, cause, request-id, settings) ends with its Fix.
    expect(r.stderr).toMatch(
      /^entra-guests export: permission missing: GET \/users was refused: the app lacks a permission or role \(403 Authorization_RequestDenied: [^\n]*; request-id [0-9a-f-]+\) \(Graph [^\n]*\); nothing was written\. Fix: reading users needs User\.Read\.All or User\.ReadWrite\.All \(admin-consented\)\.\n$/,
    );
    expect(r.stderr).not.toContain(app.clientSecret);
    expect(fs.readFileSync(out(), "utf8")).toBe("guests: []\n");
    expect(fs.readdirSync(tmp).filter((f) => f.includes(".tmp"))).toEqual([]);
  });

  test("a wrong client secret: one line, exit 1, no secret in it, nothing written", async () => {
    const app = emu.addClient({ roles: ["User.Read.All"] });
    const r = await exportCli(["--out", "bad.yaml"], {
      ...graphEnv(),
      ARM_CLIENT_ID: app.clientId,
      ARM_CLIENT_SECRET: "not-the-secret",
    });
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")).toHaveLength(2);
    expect(r.stderr).toMatch(
      /^entra-guests export: credentials refused: https:\/\/localhost:\d+ refused the client secret \(AADSTS7000215: Invalid client secret provided\.\) \(Graph [^\n]*\); nothing was written\. Fix: set the secret's Value \(not its Secret ID\) in ARM_CLIENT_SECRET [^\n]*\n$/,
    );
    expect(r.stderr).not.toContain("not-the-secret");
    expect(r.stderr).not.toContain(emu.clientSecret);
    expect(r.stderr).not.toContain(app.clientSecret);
    expect(fs.existsSync(out())).toBe(false);
  });

  test("an endpoint that does not answer: retried up to the deadline with a progress line, then one line, exit 1", async () => {
    const r = await exportCli(["--out", "bad.yaml"], {
      ...graphEnv(),
      ENTRA_GRAPH_ENDPOINT: "https://localhost:1",
      ENTRA_EXPORT_DEADLINE_SECONDS: "4",
    });
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split("\n");
    expect(
      lines
        .slice(0, -1)
        .every((l) =>
          /^entra-guests export: read 0 users \(0 pages, \d+ s; Graph did not answer, \d+ retr(y|ies) so far\)\.\.\.$/.test(
            l,
          ),
        ),
    ).toBe(true);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines[lines.length - 1]).toMatch(
      /^entra-guests export: endpoint unreachable: https:\/\/localhost:1 did not answer before the deadline \(DeadlineExceeded: gave up after \d+ attempt\(s\) and 4 s: .*\); nothing was written\. Fix: check that ENTRA_GRAPH_ENDPOINT /,
    );
    expect(fs.existsSync(out())).toBe(false);
  });

  test("an authority that is not there: the host and the cause, the authority's settings as the fix, not 'check the credentials'", async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const r = await exportCli(["--out", "bad.yaml"], {
      ...graphEnv(),
      ENTRA_AUTHORITY_HOST: `https://127.0.0.1:${port}`,
    });
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split("\n");
    expect(
      lines.slice(0, -1).every((l) => /^entra-guests export: read 0 users \(0 pages, \d+ s\)\.\.\.$/.test(l)),
    ).toBe(true);
    expect(lines[lines.length - 1]).toMatch(
      new RegExp(
        `^entra-guests export: endpoint unreachable: https://127\\.0\\.0\\.1:${port} refused the connection \\(ECONNREFUSED: nothing listens there\\) \\(Graph [^\\n]*\\); nothing was written\\. Fix: the sign-in authority must be reachable: check ENTRA_AUTHORITY_HOST / entra:authorityHost [^\\n]*$`,
      ),
    );
    expect(r.stderr).not.toContain("check the credentials");
    expect(fs.existsSync(out())).toBe(false);
  });

  test("incomplete credentials: the settings to set, exit 2", async () => {
    const r = await exportCli([], { ...graphEnv(), ARM_TENANT_ID: "" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^entra-guests export: incomplete Entra credentials: a client secret needs a tenant id and a client id\. Set/,
    );
  });

  test("a file that cannot be written after the export (here /proc): one line, exit 1, no partial file", async () => {
    const r = await exportCli(["--out", "/proc/entra-guests-export.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^entra-guests export: could not write \/proc\/entra-guests-export\.yaml: .*; nothing was written\n$/,
    );
    expect(fs.existsSync("/proc/entra-guests-export.yaml")).toBe(false);
  });
});

describe("the bin as a child process", () => {
  const bin = path.resolve(__dirname, "../../../../dist/cli/index.js");
  function run(
    args: string[],
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [bin, ...args], {
        cwd: tmp,
        env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? emu.caCertPath, ...env },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  }

  test("dist/cli/index.js starts with a shebang", () => {
    expect(fs.readFileSync(bin, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
  });

  test("export --out: exit 0, the file, one summary line on stderr, and the process ends by itself", async () => {
    const t0 = Date.now();
    const r = await run(["export", "--out", "child.yaml", "--domain", "fabrikam.com"], providerEnv(emu));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /^entra-guests export: 9 guests written to child\.yaml \(yaml; .* 1 page, 1 request, \d+\.\d s\)\n$/,
    );
    expect(load(fs.readFileSync(path.join(tmp, "child.yaml"), "utf8"), "child.yaml")).toHaveLength(9);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  test("bad flag: exit 2, one line on stderr, nothing on stdout", async () => {
    const r = await run(["export", "--bogus"], providerEnv(emu));
    expect(r).toEqual({
      code: 2,
      stdout: "",
      stderr: "entra-guests export: unknown flag '--bogus': run 'entra-guests export --help' for the flags\n",
    });
  });

  test("--help and <cmd> --help: exit 0, on stdout; no command: help on stderr, exit 2; unknown command: one line", async () => {
    const main = await run(["--help"]);
    expect(main.code).toBe(0);
    expect(main.stdout).toMatch(/Usage: entra-guests <command> \[flags\]/);
    expect(main.stdout).toMatch(/\n {2}export +write the tenant's guests/);
    expect(main.stdout).toMatch(/\n {2}summarize +turn/);
    expect(main.stdout).toMatch(/\n {2}orphans +/);
    const sub = await run(["export", "--help"]);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/^Usage: entra-guests export \[flags\]/);
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/Usage: entra-guests <command>/);
    const unknown = await run(["exprot"]);
    expect(unknown).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "entra-guests: unknown command 'exprot' (did you mean 'export'?): the commands are export, summarize, orphans, doctor; run 'entra-guests --help'\n",
    });
  });
});

describe("the export's pure parts", () => {
  test.each([
    ["jane@contoso.com", "jane_contoso.com"],
    ["Jane.Doe@Contoso.COM", "jane.doe_contoso.com"],
    ["o'brien@fabrikam.com", "o-brien_fabrikam.com"],
    ["_x@y.com", "x_y.com"],
    ["ü@x.de", "x.de"],
  ])("keyOf(%s) = %s", (email, key) => {
    expect(keyOf(email)).toBe(key);
  });

  test("a long address gets a key of at most 64 characters with a hash suffix; two addresses with one key get distinct keys", () => {
    const long = `${"a".repeat(60)}@${"b".repeat(60)}.com`;
    expect(keyOf(long)).toMatch(/^a{55}-[0-9a-f]{8}$/);
    const s = selectGuests(
      [
        { id: "1", mail: "a.b@x.com", userType: "Guest" },
        { id: "2", mail: "a-b@x.com", userType: "Guest" },
        { id: "3", mail: "a'b@x.com", userType: "Guest" },
      ],
      { domains: [] },
    );
    const keys = s.guests.map((g) => g.key);
    expect(new Set(keys).size).toBe(3);
    expect(keys[0]).toBe("a-b_x.com-" + keys[0].slice(-8));
    expect(
      load(
        `guests:\n${s.guests.map((g) => `  - {key: "${g.key}", email: "${g.email}"}`).join("\n")}\ndefaults: {inviteRedirectUrl: ${REDIRECT}}\n`,
        "k.yaml",
      ),
    ).toHaveLength(3);
  });

  test("two users with one address: the older one is exported, the other named as not exported", () => {
    const s = selectGuests(
      [
        { id: "new", mail: "dup@x.com", userType: "Guest", createdDateTime: "2024-01-01T00:00:00Z" },
        { id: "old", mail: "DUP@x.com", userType: "Guest", createdDateTime: "2020-01-01T00:00:00Z" },
      ],
      { domains: [] },
    );
    expect(s.guests.map((g) => g.id)).toEqual(["old"]);
    expect(s.skipped).toEqual([
      { id: "new", reason: "has the address dup@x.com of the older user old, which is exported" },
    ]);
  });

  test("--created-before: a date is midnight UTC; a date-time needs its zone", () => {
    expect(parseCreatedBefore("2024-06-30").toISOString()).toBe("2024-06-30T00:00:00.000Z");
    expect(parseCreatedBefore("2024-06-30T12:00:00+02:00").toISOString()).toBe("2024-06-30T10:00:00.000Z");
    expect(() => parseCreatedBefore("2024-02-30")).toThrow(/not a real date/);
  });

  test("flags are checked without Graph: defaults", () => {
    expect(exportRequest({}, tmp)).toEqual({
      filters: { domains: [], state: undefined, createdBefore: undefined },
      format: "yaml",
      out: undefined,
      redirectUrl: REDIRECT,
      pageSize: 999,
    });
    expect(exportRequest({ out: "x.yml" }, tmp).format).toBe("yaml");
    expect(exportRequest({ out: "x.csv" }, tmp).format).toBe("csv");
  });

  test("a next-page link is followed only on the Graph endpoint's host and version", () => {
    expect(
      nextPath("https://graph.microsoft.com/v1.0/users?$top=5&$skiptoken=abc", "https://graph.microsoft.com"),
    ).toBe("/users?$top=5&$skiptoken=abc");
    expect(() => nextPath("https://evil.example/v1.0/users?$skiptoken=abc", "https://graph.microsoft.com")).toThrow(
      /another host/,
    );
    expect(() => nextPath("https://graph.microsoft.com/beta/users", "https://graph.microsoft.com")).toThrow(
      /outside \/v1\.0\//,
    );
  });
});
