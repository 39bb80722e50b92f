import * as fs from "node:fs";
import * as path from "node:path";
import { GuestListError, parseGuestFile, resolveGuests } from "../../src/guestlist";

const REDIRECT = "https://myapps.microsoft.com";

describe("YAML guest files", () => {
  const text = [
    "defaults:", //                                   1
    `  inviteRedirectUrl: ${REDIRECT}`, //             2
    "  message: Welcome to Contoso", //                3
    "guests:", //                                      4
    "  - key: fabrikam-lead", //                       5
    "    email: Avery.Lee@Fabrikam.com", //            6
    "    displayName: Avery Lee", //                   7
    "    companyName: Fabrikam", //                    8
    "    groups: 11111111-2222-3333-4444-555555555555", // 9
    "  - invitedUserEmailAddress: sam@northwind.example", // 10
    "    userProperties: {jobTitle: Buyer}", //        11
    "    cc: boss@northwind.example", //               12
  ].join("\n");

  it("maps short names to the Invitation's inputs, and keeps each entry's line", () => {
    const f = parseGuestFile(text, "guests.yaml");
    expect(f.format).toBe("yaml");
    expect(f.issues).toEqual([]);
    expect(f.defaults).toEqual({
      inviteRedirectUrl: REDIRECT,
      invitedUserMessageInfo: { customizedMessageBody: "Welcome to Contoso" },
    });
    expect(f.defaultsLocation?.line).toBe(2);
    expect(f.guests).toEqual([
      {
        key: "fabrikam-lead",
        invitedUserEmailAddress: "Avery.Lee@Fabrikam.com",
        invitedUserDisplayName: "Avery Lee",
        userProperties: { companyName: "Fabrikam" },
        groups: ["11111111-2222-3333-4444-555555555555"],
      },
      {
        invitedUserEmailAddress: "sam@northwind.example",
        userProperties: { jobTitle: "Buyer" },
        invitedUserMessageInfo: { ccRecipients: ["boss@northwind.example"] },
      },
    ]);
    expect(f.locations.map((l) => l.line)).toEqual([5, 10]);
    expect(f.locations[0].fields).toMatchObject({ key: 5, invitedUserEmailAddress: 6, userProperties: 8, groups: 9 });
    expect(f.locations[0].labels).toMatchObject({
      invitedUserEmailAddress: "email",
      "userProperties.companyName": "companyName",
    });
  });

  it("accepts a bare list of guests, YAML anchors, and field names in any case", () => {
    const f = parseGuestFile(
      "- &a {EMAIL: a@contoso.com, RedirectUrl: https://a.example}\n- {email: b@contoso.com, redirecturl: https://a.example}\n",
      "list.yml",
    );
    expect(f.guests).toEqual([
      { invitedUserEmailAddress: "a@contoso.com", inviteRedirectUrl: "https://a.example" },
      { invitedUserEmailAddress: "b@contoso.com", inviteRedirectUrl: "https://a.example" },
    ]);
  });

  it("reads an explicitly empty list", () => {
    expect(parseGuestFile("guests: []\n", "guests.yaml").guests).toEqual([]);
  });

  it("throws a GuestListError naming the file and line on a syntax error", () => {
    expect(() => parseGuestFile("guests:\n  - email: [a\n", "bad.yaml")).toThrow(GuestListError);
    expect(() => parseGuestFile("guests:\n  - email: [a\n", "bad.yaml")).toThrow(/bad\.yaml:\d+: not valid YAML/);
  });
});

describe("JSON guest files", () => {
  it("reads the same shape as YAML, with lines", () => {
    const f = parseGuestFile(
      `{\n  "defaults": {"inviteRedirectUrl": "${REDIRECT}"},\n  "guests": [\n    {"email": "a@contoso.com"},\n    {"email": "b@contoso.com", "sendInvitationMessage": true}\n  ]\n}\n`,
      "guests.json",
    );
    expect(f.format).toBe("json");
    expect(f.guests).toEqual([
      { invitedUserEmailAddress: "a@contoso.com" },
      { invitedUserEmailAddress: "b@contoso.com", sendInvitationMessage: true },
    ]);
    expect(f.locations.map((l) => l.line)).toEqual([4, 5]);
  });

  it("reads a bare array", () => {
    expect(parseGuestFile(`[{"email": "a@contoso.com", "redirectUrl": "${REDIRECT}"}]`, "g.json").guests).toHaveLength(
      1,
    );
  });

  it("is strict JSON (no YAML-only syntax)", () => {
    expect(() => parseGuestFile("guests:\n  - email: a@contoso.com\n", "g.json")).toThrow(
      /g\.json: not valid JSON: Unexpected token 'g'$/m,
    );
  });
});

describe("CSV guest files", () => {
  it("reads a header of field names; booleans, lists and dotted names", () => {
    const f = parseGuestFile(
      `\ufeffkey,email,displayName,sendInvitationMessage,groups,userProperties.jobTitle,redirectUrl\r\n` +
        `lead,a@contoso.com,"Lee, Avery",TRUE,"11111111-2222-3333-4444-555555555555;aaaaaaaa-2222-3333-4444-555555555555",Lead,${REDIRECT}\r\n` +
        `,b@contoso.com,,no,,,${REDIRECT}\r\n`,
      "guests.csv",
    );
    expect(f.format).toBe("csv");
    expect(f.issues).toEqual([]);
    expect(f.guests).toEqual([
      {
        key: "lead",
        invitedUserEmailAddress: "a@contoso.com",
        invitedUserDisplayName: "Lee, Avery",
        sendInvitationMessage: true,
        groups: ["11111111-2222-3333-4444-555555555555", "aaaaaaaa-2222-3333-4444-555555555555"],
        userProperties: { jobTitle: "Lead" },
        inviteRedirectUrl: REDIRECT,
      },
      { invitedUserEmailAddress: "b@contoso.com", sendInvitationMessage: false, inviteRedirectUrl: REDIRECT },
    ]);
    expect(f.locations.map((l) => l.line)).toEqual([2, 3]);
  });

  it("counts lines inside quoted multi-line cells", () => {
    const f = parseGuestFile(`email,message\na@contoso.com,"Hello,\nwelcome!"\nb@contoso.com,Hi\n`, "g.csv");
    expect(f.locations.map((l) => l.line)).toEqual([2, 4]);
    expect(f.guests[0]).toEqual({
      invitedUserEmailAddress: "a@contoso.com",
      invitedUserMessageInfo: { customizedMessageBody: "Hello,\nwelcome!" },
    });
  });

  it("skips blank rows (also rows of empty cells a spreadsheet leaves)", () => {
    const f = parseGuestFile(`email,displayName\n\n,\na@contoso.com,A\n,\n`, "g.csv");
    expect(f.guests).toEqual([{ invitedUserEmailAddress: "a@contoso.com", invitedUserDisplayName: "A" }]);
  });

  it("reads a header-only file as an empty list", () => {
    expect(parseGuestFile("email,displayName\n", "g.csv").guests).toEqual([]);
  });
});

describe("Entra portal bulk-invite CSV", () => {
  const rows = (header: string, sep = ","): string =>
    [
      `version:v1.0${sep}${sep}${sep}`,
      header,
      ["a@contoso.com", REDIRECT, "true", '"Welcome, partner!"'].join(sep),
      ["B@Fabrikam.com", REDIRECT, "FALSE", ""].join(sep),
    ].join("\r\n") + "\r\n";

  const expected = [
    {
      invitedUserEmailAddress: "a@contoso.com",
      inviteRedirectUrl: REDIRECT,
      sendInvitationMessage: true,
      invitedUserMessageInfo: { customizedMessageBody: "Welcome, partner!" },
    },
    { invitedUserEmailAddress: "B@Fabrikam.com", inviteRedirectUrl: REDIRECT, sendInvitationMessage: false },
  ];

  it.each([
    [
      "English",
      "Email address to invite [inviteeEmail] Required,Redirection url [inviteRedirectURL] Required,Send invitation message (true or false) [sendEmail],Customized invitation message [customizedMessageBody]",
    ],
    [
      "German",
      "Einzuladende E-Mail-Adresse [inviteeEmail] Erforderlich,Umleitungs-URL [inviteRedirectURL] Erforderlich,Einladungsnachricht senden (true oder false) [sendEmail],Angepasste Einladungsnachricht [customizedMessageBody]",
    ],
    [
      "Japanese",
      "招待するメール アドレス [inviteeEmail] 必須,リダイレクト URL [inviteRedirectURL] 必須,招待メッセージの送信 (true または false) [sendEmail],カスタマイズされた招待メッセージ [customizedMessageBody]",
    ],
    [
      "Spanish, columns reordered",
      "Mensaje de invitacion personalizado [customizedMessageBody],Direccion de correo electronico [inviteeEmail] Obligatorio,URL de redireccionamiento [inviteRedirectURL] Obligatorio,Enviar el mensaje de invitacion (true o false) [sendEmail]",
    ],
  ])("finds the columns by their bracketed keys: %s header", (name, header) => {
    let text = rows(header);
    if (name.startsWith("Spanish")) {
      text = `version:v1.0\n${header}\n"Welcome, partner!",a@contoso.com,${REDIRECT},true\n,B@Fabrikam.com,${REDIRECT},FALSE\n`;
    }
    const f = parseGuestFile(text, "BulkInvite.csv");
    expect(f.format).toBe("portal-csv");
    expect(f.issues).toEqual([]);
    expect(f.guests).toEqual(expected);
    expect(f.locations[0].labels.invitedUserEmailAddress).toBe("[inviteeEmail]");
  });

  it("reads a German file saved by a spreadsheet: semicolons, WAHR/FALSCH", () => {
    const header =
      "Einzuladende E-Mail-Adresse [inviteeEmail] Erforderlich;Umleitungs-URL [inviteRedirectURL] Erforderlich;Einladungsnachricht senden (true oder false) [sendEmail];Angepasste Einladungsnachricht [customizedMessageBody]";
    const text = `version:v1.0;;;\n${header}\na@contoso.com;${REDIRECT};WAHR;Willkommen, Partner!\nb@fabrikam.com;${REDIRECT};FALSCH;\n`;
    const f = parseGuestFile(text, "einladungen.csv");
    expect(f.guests.map((g) => g.sendInvitationMessage)).toEqual([true, false]);
    expect(f.guests[0].invitedUserMessageInfo).toEqual({ customizedMessageBody: "Willkommen, Partner!" });
  });

  it("skips the template's examples row, in any language, and keeps line numbers", () => {
    const header =
      "Email address to invite [inviteeEmail] Required,Redirection url [inviteRedirectURL] Required,Send invitation message (true or false) [sendEmail],Customized invitation message [customizedMessageBody]";
    for (const example of [
      "Example: lstokes@fabrikam.com",
      "Beispiel: lstokes@fabrikam.com",
      "例: lstokes@fabrikam.com",
    ]) {
      const f = parseGuestFile(
        `version:v1.0\n${header}\n${example}, ${REDIRECT}, TRUE, Welcome\na@contoso.com,${REDIRECT},true,Hi\n`,
        "BulkInvite.csv",
      );
      expect(f.guests).toHaveLength(1);
      expect(f.locations[0].line).toBe(4);
    }
  });

  it("does not skip a real first guest", () => {
    const f = parseGuestFile(
      `version:v1.0\nEmail address to invite [inviteeEmail] Required\nexample@contoso.com\n`,
      "BulkInvite.csv",
    );
    expect(f.guests).toEqual([{ invitedUserEmailAddress: "example@contoso.com" }]);
  });

  it("reads the optional [inviteeName] column, and this package's [key] and [groups] columns", () => {
    const f = parseGuestFile(
      `version:v1.0\nName of invitee [inviteeName],Email address to invite [inviteeEmail] Required,Key [key],Groups [groups]\nAvery Lee,a@contoso.com,lead,11111111-2222-3333-4444-555555555555\n`,
      "BulkInvite.csv",
    );
    expect(f.guests).toEqual([
      {
        invitedUserDisplayName: "Avery Lee",
        invitedUserEmailAddress: "a@contoso.com",
        key: "lead",
        groups: ["11111111-2222-3333-4444-555555555555"],
      },
    ]);
  });

  it("reports an unknown bracketed key and a missing email column once, at the header", () => {
    const f = parseGuestFile(`version:v1.0\nDepartment [costCenter]\nIT\nHR\n`, "BulkInvite.csv");
    expect(f.issues.map((i) => [i.line, i.reason.slice(0, 20)])).toEqual([
      [2, "unknown key [costCen"],
      [2, "has no [inviteeEmail"],
    ]);
  });
});

describe("the shipped samples", () => {
  const root = path.join(__dirname, "..", "..");
  it.each([
    ["guests.yaml", 5],
    ["examples/portal-csv/BulkInvite.csv", 4],
  ])("%s parses and validates", (file, count) => {
    const text = fs.readFileSync(path.join(root, file), "utf8");
    const f = parseGuestFile(text, file);
    const guests = resolveGuests(f.guests, { inviteRedirectUrl: REDIRECT, ...f.defaults }, f);
    expect(guests).toHaveLength(count);
  });
});
