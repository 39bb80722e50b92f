/**
 * More invalid inputs for the reliability suite, on top of test/provider/invalid-inputs.ts and
 * test/guestlist/invalid-inputs.ts: unicode and whitespace tricks, relative and script URLs,
 * oversized bodies, wrong types, unknown fields, conflicting options, CSV injection.
 *
 * GAPS: inputs this suite found accepted that should have been refused (docs/reliability.md,
 * findings). They are refused now, and the suite asserts that they stay refused.
 */
import type { GuestListInput } from "../../src/guestlist";
import type { InvalidGuestListCase } from "../guestlist/invalid-inputs";

export type InvalidInvitationCase = [name: string, extra: Record<string, unknown>, property: string, reason: RegExp];

const long = (n: number, c = "a"): string => c.repeat(n);
const R = "https://myapps.microsoft.com";
const yaml = (text: string): GuestListInput => ({ file: { fileName: "guests.yaml", text } });
const csv = (text: string): GuestListInput => ({ file: { fileName: "guests.csv", text } });

export const MORE_INVALID_INVITATION_INPUTS: InvalidInvitationCase[] = [
  // unicode and whitespace tricks
  [
    "no-break space in the address",
    { invitedUserEmailAddress: "jane\u00a0@contoso.com" },
    "invitedUserEmailAddress",
    /white space/,
  ],
  [
    "ideographic space in the address",
    { invitedUserEmailAddress: "ja\u3000ne@contoso.com" },
    "invitedUserEmailAddress",
    /white space/,
  ],
  [
    "tab in the address",
    { invitedUserEmailAddress: "ja\tne@contoso.com" },
    "invitedUserEmailAddress",
    /invisible or control/,
  ],
  [
    "line break and a second header in the address",
    { invitedUserEmailAddress: "jane@contoso.com\nbcc:x@evil.example" },
    "invitedUserEmailAddress",
    /invisible or control/,
  ],
  [
    "right-to-left override in the address",
    { invitedUserEmailAddress: "jane\u202e@contoso.com" },
    "invitedUserEmailAddress",
    /invisible/,
  ],
  [
    "soft hyphen in the address",
    { invitedUserEmailAddress: "ja\u00adne@contoso.com" },
    "invitedUserEmailAddress",
    /invisible/,
  ],
  ["fullwidth @", { invitedUserEmailAddress: "jane\uff20contoso.com" }, "invitedUserEmailAddress", /exactly one '@'/],
  [
    "Greek omicron in the domain (homoglyph)",
    { invitedUserEmailAddress: "jane@c\u03bfntoso.com" },
    "invitedUserEmailAddress",
    /non-ASCII/,
  ],
  ["combining accent", { invitedUserEmailAddress: "jane\u0301@contoso.com" }, "invitedUserEmailAddress", /non-ASCII/],
  [
    "quoted local part with a space",
    { invitedUserEmailAddress: '"jane doe"@contoso.com' },
    "invitedUserEmailAddress",
    /white space/,
  ],
  [
    "IP literal domain",
    { invitedUserEmailAddress: "jane@[127.0.0.1]" },
    "invitedUserEmailAddress",
    /not a valid domain/,
  ],
  [
    "numeric top-level domain",
    { invitedUserEmailAddress: "jane@contoso.123" },
    "invitedUserEmailAddress",
    /not a valid domain/,
  ],
  [
    "domain label starting with '-'",
    { invitedUserEmailAddress: "jane@-contoso.com" },
    "invitedUserEmailAddress",
    /not a valid domain/,
  ],
  [
    "domain with a trailing dot",
    { invitedUserEmailAddress: "jane@contoso.com." },
    "invitedUserEmailAddress",
    /not a valid domain/,
  ],
  [
    "zero-width space in the redirect",
    { inviteRedirectUrl: "https://my\u200bapps.microsoft.com" },
    "inviteRedirectUrl",
    /invisible/,
  ],
  [
    "tab inside 'javascript:'",
    { inviteRedirectUrl: "java\tscript:alert(1)" },
    "inviteRedirectUrl",
    /white space or an invisible/,
  ],
  [
    "control character in a cc address",
    { invitedUserMessageInfo: { ccRecipients: ["bo\u0000ss@contoso.com"] } },
    "invitedUserMessageInfo.ccRecipients",
    /invisible or control/,
  ],
  [
    "NUL in the message body",
    { invitedUserMessageInfo: { customizedMessageBody: "hi\u0000there" } },
    "invitedUserMessageInfo.customizedMessageBody",
    /control character/,
  ],
  // relative and script URLs
  ["'JaVaScRiPt:' in mixed case", { inviteRedirectUrl: "JaVaScRiPt:alert(1)" }, "inviteRedirectUrl", /only https/],
  [
    "'javascript:' after spaces",
    { inviteRedirectUrl: "   javascript:alert(document.cookie)" },
    "inviteRedirectUrl",
    /only https/,
  ],
  [
    "percent-encoded 'javascript%3A'",
    { inviteRedirectUrl: "javascript%3Aalert(1)" },
    "inviteRedirectUrl",
    /not an absolute URL/,
  ],
  ["'vbscript:' redirect", { inviteRedirectUrl: "vbscript:msgbox(1)" }, "inviteRedirectUrl", /only https/],
  ["'file:' redirect", { inviteRedirectUrl: "file:///etc/passwd" }, "inviteRedirectUrl", /only https/],
  [
    "protocol-relative redirect",
    { inviteRedirectUrl: "//evil.example/welcome" },
    "inviteRedirectUrl",
    /not an absolute URL/,
  ],
  ["dot-relative redirect", { inviteRedirectUrl: "../welcome" }, "inviteRedirectUrl", /not an absolute URL/],
  ["https without a host", { inviteRedirectUrl: "https://" }, "inviteRedirectUrl", /not an absolute URL/],
  // oversized bodies
  [
    "message body of 1 MB",
    { invitedUserMessageInfo: { customizedMessageBody: long(1_000_000) } },
    "invitedUserMessageInfo.customizedMessageBody",
    /at most 10000/,
  ],
  [
    "message body of 10,001 multi-byte characters",
    { invitedUserMessageInfo: { customizedMessageBody: long(10_001, "ü") } },
    "invitedUserMessageInfo.customizedMessageBody",
    /at most 10000/,
  ],
  ["surname over 64", { userProperties: { surname: long(65) } }, "userProperties.surname", /at most 64/],
  ["company name over 64", { userProperties: { companyName: long(65) } }, "userProperties.companyName", /at most 64/],
  // wrong types
  ["address as a list", { invitedUserEmailAddress: ["jane@contoso.com"] }, "invitedUserEmailAddress", /not an array/],
  [
    "address as an object",
    { invitedUserEmailAddress: { address: "jane@contoso.com" } },
    "invitedUserEmailAddress",
    /not object/,
  ],
  ["redirect as a number", { inviteRedirectUrl: 443 }, "inviteRedirectUrl", /must be a string URL/],
  ["display name as a number", { invitedUserDisplayName: 42 }, "invitedUserDisplayName", /must be a string/],
  ["sendInvitationMessage as 1", { sendInvitationMessage: 1 }, "sendInvitationMessage", /true or false/],
  ['sendInvitationMessage as "true"', { sendInvitationMessage: "true" }, "sendInvitationMessage", /true or false/],
  ['resetRedemption as "yes"', { resetRedemption: "yes" }, "resetRedemption", /true or false/],
  [
    "message body as an object",
    { invitedUserMessageInfo: { customizedMessageBody: { html: "<b>hi</b>" } } },
    "invitedUserMessageInfo.customizedMessageBody",
    /must be a string/,
  ],
  ["message info as a list", { invitedUserMessageInfo: [] }, "invitedUserMessageInfo", /must be an object/],
  [
    "cc recipients as a string",
    { invitedUserMessageInfo: { ccRecipients: "boss@contoso.com" } },
    "invitedUserMessageInfo.ccRecipients",
    /must be a list/,
  ],
  [
    "cc name as a number",
    { invitedUserMessageInfo: { ccRecipients: [{ address: "boss@contoso.com", name: 7 }] } },
    "invitedUserMessageInfo.ccRecipients",
    /name must be a string/,
  ],
  [
    "language as a number",
    { invitedUserMessageInfo: { messageLanguage: 7 } },
    "invitedUserMessageInfo.messageLanguage",
    /ISO 639/,
  ],
  [
    "sponsors as one string",
    { invitedUserSponsors: "00000000-0000-0000-0000-000000000001" },
    "invitedUserSponsors",
    /must be a list/,
  ],
  ["userProperties as a list", { userProperties: ["jobTitle"] }, "userProperties", /must be an object/],
  ["jobTitle as a number", { userProperties: { jobTitle: 5 } }, "userProperties.jobTitle", /must be a string/],
  ["onDelete as true", { onDelete: true }, "onDelete", /"delete", "disable" or "retain"/],
  ["onDelete in the wrong case", { onDelete: "Delete" }, "onDelete", /"delete", "disable" or "retain"/],
  ["invitedUser as a number", { invitedUser: 5 }, "invitedUser", /GUID/],
  ["invitedUser as an object without id", { invitedUser: { name: "jane" } }, "invitedUser", /GUID/],
  ["userType as a number", { invitedUserType: 1 }, "invitedUserType", /"Guest" or "Member"/],
  // unknown fields
  [
    "an input name in the wrong case",
    { invitedUserEmailaddress: "x@contoso.com" },
    "invitedUserEmailaddress",
    /not an input of Invitation/,
  ],
  ["the portal's column name", { inviteeEmail: "x@contoso.com" }, "inviteeEmail", /not an input of Invitation/],
  ["'constructor' as an input", { constructor: "x" }, "constructor", /not an input of Invitation/],
  [
    "a Graph field the resource does not take",
    { inviteRedeemUrl: "https://evil.example" },
    "inviteRedeemUrl",
    /not an input of Invitation/,
  ],
  // conflicting options
  [
    "resetRedemption with an invalid invitedUser",
    { resetRedemption: true, invitedUser: "jane" },
    "invitedUser",
    /GUID/,
  ],
  [
    "the same sponsor twice (in two cases)",
    { invitedUserSponsors: ["aaaaaaaa-1111-2222-3333-444444444444", "AAAAAAAA-1111-2222-3333-444444444444"] },
    "invitedUserSponsors",
    /twice/,
  ],
  ["empty user property", { userProperties: { department: "   " } }, "userProperties.department", /empty/],
];

export const MORE_INVALID_GUESTLIST_INPUTS: InvalidGuestListCase[] = [
  [
    "CSV: 'javascript:' redirect",
    csv(`email,redirectUrl\na@contoso.com,javascript:alert(1)\n`),
    /guests\.csv:2: .*'javascript:alert\(1\)' uses 'javascript:'/,
  ],
  [
    "CSV: relative redirect",
    csv(`email,redirectUrl\na@contoso.com,/welcome\n`),
    /guests\.csv:2: .*'\/welcome' is not an absolute URL/,
  ],
  [
    "portal CSV: 'javascript:' redirect",
    csv(
      `version:v1.0\nEmail address to invite [inviteeEmail] Required,Redirection url [inviteRedirectURL] Required\na@contoso.com,javascript:alert(1)\n`,
    ),
    /guests\.csv:3: .*\[inviteRedirectURL\] \(inviteRedirectUrl\): 'javascript:alert\(1\)' uses 'javascript:'/,
  ],
  [
    "defaults: 'javascript:' redirect",
    { defaults: { inviteRedirectUrl: "javascript:alert(1)" }, guests: [{ invitedUserEmailAddress: "a@contoso.com" }] },
    /defaults: defaults\.inviteRedirectUrl: 'javascript:alert\(1\)' uses 'javascript:'/,
  ],
  [
    "CSV: no-break space in an address",
    csv(`email,redirectUrl\na\u00a0b@contoso.com,${R}\n`),
    /guests\.csv:2: .*contains white space/,
  ],
  [
    "CSV: zero-width space in an address",
    csv(`email,redirectUrl\na\u200b@contoso.com,${R}\n`),
    /guests\.csv:2: .*invisible or control character/,
  ],
  [
    "CSV: '=' before an address",
    csv(`email,redirectUrl\n=a@contoso.com,${R}\n`),
    /guests\.csv:2: .*email \(invitedUserEmailAddress\): starts with '='/,
  ],
  [
    "CSV: '=' formula with a pipe (DDE)",
    csv(`email,redirectUrl,displayName\na@contoso.com,${R},"=cmd|' /C calc'!A0"\n`),
    /guests\.csv:2: .*displayName \(invitedUserDisplayName\): starts with '='.*CSV injection/,
  ],
  [
    "CSV: '@' in a message",
    csv(`email,redirectUrl,message\na@contoso.com,${R},@SUM(1+1)\n`),
    /guests\.csv:2: .*starts with '@'/,
  ],
  [
    "CSV: '=' in a group cell",
    csv(`email,redirectUrl,groups\na@contoso.com,${R},=1+1\n`),
    /guests\.csv:2: .*groups: starts with '='/,
  ],
  [
    "program entry: '=' in a display name",
    { guests: [{ invitedUserEmailAddress: "a@contoso.com", inviteRedirectUrl: R, invitedUserDisplayName: "=1+1" }] },
    /guests\[0\]: .*invitedUserDisplayName: starts with '='/,
  ],
  [
    "YAML: message body over 10,000",
    yaml(`guests:\n  - email: a@contoso.com\n    redirectUrl: ${R}\n    message: "${long(10_001, "x")}"\n`),
    /guests\.yaml:4: .*is 10001 characters; at most 10000/,
  ],
  [
    "YAML: sendEmail as a number",
    yaml(`guests:\n  - email: a@contoso.com\n    redirectUrl: ${R}\n    sendEmail: 3\n`),
    /guests\.yaml:4: .*must be true or false, not 3/,
  ],
  [
    "YAML: email as a list",
    yaml(`guests:\n  - email: [a@contoso.com]\n    redirectUrl: ${R}\n`),
    /guests\.yaml:2: .*must be a string email address, not an array/,
  ],
  ["YAML: guests as a mapping", yaml(`guests:\n  a: b\n`), /guests\.yaml:2: guests: must be a list of guests/],
  [
    "YAML: unknown onDelete",
    yaml(`guests:\n  - email: a@contoso.com\n    redirectUrl: ${R}\n    onDelete: purge\n`),
    /guests\.yaml:4: .*onDelete: must be "delete", "disable" or "retain"/,
  ],
  [
    "YAML: a key in Cyrillic",
    yaml(`guests:\n  - {key: "\u043a\u043b\u044e\u0447", email: a@contoso.com, redirectUrl: "${R}"}\n`),
    /is not a valid key/,
  ],
  [
    "program: unknown field in an entry",
    { guests: [{ invitedUserEmailAddress: "a@contoso.com", inviteRedirectUrl: R, colour: "red" } as never] },
    /guests\[0\]: .*colour: unknown field 'colour'/,
  ],
  [
    "program: unknown field in the defaults",
    {
      defaults: { colour: "red" } as never,
      guests: [{ invitedUserEmailAddress: "a@contoso.com", inviteRedirectUrl: R }],
    },
    /defaults: defaults\.colour: unknown field 'colour'/,
  ],
  ["program: guests not a list", { guests: "a@contoso.com" as never }, /guests: must be a list of guest entries/],
  [
    'program: resetRedemption as "yes"',
    { guests: [{ invitedUserEmailAddress: "a@contoso.com", inviteRedirectUrl: R, resetRedemption: "yes" as never }] },
    /resetRedemption: must be true or false, not "yes"/,
  ],
];

/** Found accepted, refused since: [name, extra inputs, property the refusal names]. */
export const INVITATION_GAPS: [string, Record<string, unknown>, string][] = [
  [
    "redirect with user info that hides the real host (https://myapps.microsoft.com@evil.example)",
    { inviteRedirectUrl: "https://myapps.microsoft.com@evil.example/" },
    "inviteRedirectUrl",
  ],
  [
    "redirect with backslashes (https:\\\\evil.example, which browsers read as https://evil.example)",
    { inviteRedirectUrl: "https:\\\\evil.example" },
    "inviteRedirectUrl",
  ],
  [
    "right-to-left override in the display name",
    { invitedUserDisplayName: "Jane\u202eevil" },
    "invitedUserDisplayName",
  ],
  ["line break in the display name", { invitedUserDisplayName: "Jane\nDoe" }, "invitedUserDisplayName"],
  [
    "'=' formula in the display name (GuestList refuses it, Invitation takes it)",
    { invitedUserDisplayName: '=HYPERLINK("https://evil.example","Jane")' },
    "invitedUserDisplayName",
  ],
  [
    "'+' formula in a user property",
    { userProperties: { companyName: "+cmd|' /C calc'!A0" } },
    "userProperties.companyName",
  ],
  [
    "'@' formula in the message body",
    { invitedUserMessageInfo: { customizedMessageBody: "@SUM(1+1)" } },
    "invitedUserMessageInfo.customizedMessageBody",
  ],
];

export const GUESTLIST_GAPS: [string, GuestListInput][] = [
  [
    "redirect with user info that hides the real host",
    {
      guests: [
        { invitedUserEmailAddress: "a@contoso.com", inviteRedirectUrl: "https://myapps.microsoft.com@evil.example/" },
      ],
    },
  ],
  [
    "right-to-left override in a CSV display name",
    csv(`email,redirectUrl,displayName\na@contoso.com,${R},Jane\u202eevil\n`),
  ],
  [
    "line break in a display name",
    {
      guests: [{ invitedUserEmailAddress: "a@contoso.com", inviteRedirectUrl: R, invitedUserDisplayName: "Jane\nDoe" }],
    },
  ],
];
