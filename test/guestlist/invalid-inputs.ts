/**
 * Guest lists that must be rejected before any resource exists: [name, input, expected message].
 * Shared with the reliability suite: feed each input to `planGuestList(input, "list")` and expect a
 * `GuestListError` whose message matches the pattern (see `expectRejected`).
 */
import { GuestListError, GuestListInput, planGuestList } from "../../src/guestlist";

const yaml = (text: string): GuestListInput => ({ file: { fileName: "guests.yaml", text } });
const csv = (text: string, fileName = "guests.csv"): GuestListInput => ({ file: { fileName, text } });
const REDIRECT = "https://myapps.microsoft.com";
const PORTAL_HEADER =
  "Email address to invite [inviteeEmail] Required,Redirection url [inviteRedirectURL] Required,Send invitation message (true or false) [sendEmail],Customized invitation message [customizedMessageBody]";

export type InvalidGuestListCase = [name: string, input: GuestListInput, expected: RegExp];

export const INVALID_GUESTLIST_INPUTS: InvalidGuestListCase[] = [
  [
    "duplicate email, different case (YAML)",
    yaml(
      `defaults: {inviteRedirectUrl: ${REDIRECT}}\nguests:\n  - email: jane@contoso.com\n  - email: Jane@Contoso.COM\n`,
    ),
    /guests\.yaml:4: guest 'Jane@Contoso\.COM': the email jane@contoso\.com is already listed on line 3/,
  ],
  [
    "duplicate key, different case (YAML)",
    yaml(
      `defaults: {inviteRedirectUrl: ${REDIRECT}}\nguests:\n  - {key: auditor, email: a@contoso.com}\n  - {key: Auditor, email: b@contoso.com}\n`,
    ),
    /guests\.yaml:4: guest 'Auditor': the key 'Auditor' is already used on line 3/,
  ],
  [
    "duplicate email across file and program entries",
    {
      file: { fileName: "guests.yaml", text: `guests:\n  - {email: a@contoso.com, redirectUrl: ${REDIRECT}}\n` },
      guests: [{ invitedUserEmailAddress: "A@contoso.com", inviteRedirectUrl: REDIRECT }],
    },
    /guests\[0\]: guest 'A@contoso\.com': the email a@contoso\.com is already listed at guests\.yaml:2/,
  ],
  [
    "unknown field in YAML, with a suggestion",
    yaml(`guests:\n  - email: a@contoso.com\n    emial: b@contoso.com\n    redirectUrl: ${REDIRECT}\n`),
    /guests\.yaml:3: guest 'a@contoso\.com': emial: unknown field 'emial' \(did you mean 'email'/,
  ],
  [
    "unknown top-level field in YAML",
    yaml(`guest:\n  - email: a@contoso.com\n`),
    /guests\.yaml:1: unknown top-level field 'guest'/,
  ],
  [
    "unknown CSV column",
    csv(`email,displayName,favouriteColour\na@contoso.com,A,blue\n`),
    /guests\.csv:1: column 'favouriteColour': unknown field 'favouriteColour'/,
  ],
  [
    "unknown portal key, German header",
    csv(
      `version:v1.0\nE-Mail-Adresse zum Einladen [inviteeEmail] Erforderlich,Kostenstelle [costCenter]\na@contoso.com,4711\n`,
    ),
    /guests\.csv:2: column 'Kostenstelle \[costCenter\]': unknown key \[costCenter\]/,
  ],
  [
    "portal column without a bracketed key",
    csv(`version:v1.0\nEmail address to invite [inviteeEmail] Required,Redirection url\na@contoso.com,${REDIRECT}\n`),
    /column 2 'Redirection url': has no key in brackets/,
  ],
  [
    "unsupported portal template version",
    csv(`version:v2.0\n${PORTAL_HEADER}\n`),
    /guests\.csv:1: 'version:v2\.0' is not a bulk-invite template version/,
  ],
  [
    "CSV injection: '=' in a display name",
    csv(`email,displayName,redirectUrl\na@contoso.com,"=HYPERLINK(""http://evil.example"",""x"")",${REDIRECT}\n`),
    /guests\.csv:2: guest 'a@contoso\.com': displayName \(invitedUserDisplayName\): starts with '=': .*CSV injection/,
  ],
  [
    "CSV injection: '+' in a message",
    csv(`${"version:v1.0"}\n${PORTAL_HEADER}\na@contoso.com,${REDIRECT},true,+cmd|' /C calc'!A0\n`),
    /guests\.csv:3: .*\[customizedMessageBody\] \(invitedUserMessageInfo\.customizedMessageBody\): starts with '\+'/,
  ],
  [
    "CSV injection: '-' in a job title",
    csv(`email,redirectUrl,jobTitle\na@contoso.com,${REDIRECT},-2+3\n`),
    /guests\.csv:2: .*jobTitle \(userProperties\.jobTitle\): starts with '-'/,
  ],
  [
    "CSV injection: '@' in a department (YAML)",
    yaml(`guests:\n  - email: a@contoso.com\n    redirectUrl: ${REDIRECT}\n    department: "@SUM(1+1)"\n`),
    /guests\.yaml:4: .*starts with '@'/,
  ],
  [
    "CSV injection: leading tab",
    csv(`email,redirectUrl,displayName\na@contoso.com,${REDIRECT},"\t=1+1"\n`),
    /starts with a tab/,
  ],
  [
    "CSV injection: formula after spaces",
    csv(`email,redirectUrl,companyName\na@contoso.com,${REDIRECT},   =1+1\n`),
    /companyName \(userProperties\.companyName\): starts with '='/,
  ],
  [
    "invalid email, with file:line and property",
    yaml(`defaults: {inviteRedirectUrl: ${REDIRECT}}\nguests:\n  - email: jane@@contoso.com\n`),
    /guests\.yaml:3: guest 'jane@@contoso\.com': email \(invitedUserEmailAddress\): 'jane@@contoso\.com' must contain exactly one '@'/,
  ],
  [
    "forbidden character in the email's local part",
    csv(`email,redirectUrl\nja(ne)@contoso.com,${REDIRECT}\n`),
    /guests\.csv:2: .*the character '\(' is not allowed before the '@'/,
  ],
  [
    "missing redirect URL and no defaults",
    yaml(`guests:\n  - email: a@contoso.com\n`),
    /guests\.yaml:2: guest 'a@contoso\.com': inviteRedirectUrl: is required: give it in the entry or in the defaults/,
  ],
  [
    "redirect URL with another scheme",
    csv(`email,redirectUrl\na@contoso.com,ftp://files.contoso.com\n`),
    /guests\.csv:2: .*redirectUrl \(inviteRedirectUrl\): 'ftp:\/\/files\.contoso\.com' uses 'ftp:'/,
  ],
  [
    "bad redirect URL in the defaults is reported once, at the defaults",
    yaml(`defaults:\n  inviteRedirectUrl: not a url\nguests:\n  - email: a@contoso.com\n  - email: b@contoso.com\n`),
    /^GuestList 'list': 1 problem in guests\.yaml;[^]*guests\.yaml:2: defaults\.inviteRedirectUrl: /,
  ],
  [
    "user type neither Guest nor Member",
    yaml(`guests:\n  - {email: a@contoso.com, redirectUrl: "${REDIRECT}", userType: Admin}\n`),
    /guests\.yaml:2: .*userType \(invitedUserType\): must be "Guest" or "Member", not "Admin"/,
  ],
  [
    "more than one cc recipient",
    yaml(`guests:\n  - email: a@contoso.com\n    redirectUrl: ${REDIRECT}\n    cc: [b@contoso.com, c@contoso.com]\n`),
    /guests\.yaml:4: guest 'a@contoso\.com': cc \(invitedUserMessageInfo\.ccRecipients\): has 2 entries; Graph honours only one/,
  ],
  [
    "usageLocation not a country code",
    csv(`email,redirectUrl,usageLocation\na@contoso.com,${REDIRECT},Germany\n`),
    /guests\.csv:2: .*usageLocation \(userProperties\.usageLocation\): "Germany" must be a two-letter ISO 3166 country code/,
  ],
  [
    "resetRedemption without invitedUser",
    { guests: [{ invitedUserEmailAddress: "a@contoso.com", inviteRedirectUrl: REDIRECT, resetRedemption: true }] },
    /guests\[0\]: guest 'a@contoso\.com': resetRedemption: needs invitedUser/,
  ],
  [
    "sendEmail neither true nor false (portal)",
    csv(`version:v1.0\n${PORTAL_HEADER}\na@contoso.com,${REDIRECT},maybe,Hello\n`),
    /guests\.csv:3: .*\[sendEmail\] \(sendInvitationMessage\): must be true or false, not "maybe"/,
  ],
  [
    "display name too long",
    {
      guests: [
        {
          invitedUserEmailAddress: "a@contoso.com",
          inviteRedirectUrl: REDIRECT,
          invitedUserDisplayName: "x".repeat(257),
        },
      ],
    },
    /guests\[0\]: .*invitedUserDisplayName: is 257 characters; at most 256/,
  ],
  [
    "more than five sponsors",
    {
      guests: [
        {
          invitedUserEmailAddress: "a@contoso.com",
          inviteRedirectUrl: REDIRECT,
          invitedUserSponsors: Array.from({ length: 6 }, (_, i) => `0000000${i}-0000-0000-0000-000000000000`),
        },
      ],
    },
    /has 6 sponsors; Entra allows at most 5/,
  ],
  [
    "unterminated quote in CSV",
    csv(`email,displayName,redirectUrl\na@contoso.com,"Jane,${REDIRECT}\nb@contoso.com,Bob,${REDIRECT}\n`),
    /guests\.csv:2: not valid CSV: column 15: a quoted field is never closed/,
  ],
  [
    "stray quote inside an unquoted CSV field",
    csv(`email,displayName,redirectUrl\na@contoso.com,Jane "JJ" Doe,${REDIRECT}\n`),
    /guests\.csv:2: not valid CSV: column 20: a quote/,
  ],
  [
    "CSV row with more cells than the header",
    csv(`email,redirectUrl\na@contoso.com,${REDIRECT},extra\n`),
    /guests\.csv:2: has 3 cells but the header has 2 columns/,
  ],
  [
    "YAML syntax error",
    yaml(`guests:\n  - email: a@contoso.com\n   displayName: [unclosed\n`),
    /guests\.yaml:\d+: not valid YAML/,
  ],
  [
    "YAML map key given twice",
    yaml(`guests:\n  - email: a@contoso.com\n    email: b@contoso.com\n`),
    /guests\.yaml:3: not valid YAML: Map keys must be unique/,
  ],
  [
    "JSON syntax error with its line",
    { file: { fileName: "guests.json", text: `{\n  "guests": [\n    {"email": "a@contoso.com",}\n  ]\n}\n` } },
    /guests\.json:3: not valid JSON/,
  ],
  [
    "JSON that is not a list or mapping",
    { file: { fileName: "guests.json", text: `"a@contoso.com"` } },
    /guests\.json:1: must be a mapping with a 'guests' list/,
  ],
  [
    "a field given twice under two names",
    yaml(`guests:\n  - email: a@contoso.com\n    invitedUserEmailAddress: b@contoso.com\n`),
    /guests\.yaml:3: invitedUserEmailAddress: sets invitedUserEmailAddress, which this entry already sets \(as 'email'\)/,
  ],
  [
    "invalid key",
    yaml(`guests:\n  - {key: "fabrikam lead!", email: a@contoso.com, redirectUrl: "${REDIRECT}"}\n`),
    /guests\.yaml:2: guest 'fabrikam lead!': key: "fabrikam lead!" is not a valid key/,
  ],
  [
    "a key written as a number",
    yaml(`guests:\n  - {key: 42, email: a@contoso.com, redirectUrl: "${REDIRECT}"}\n`),
    /key: 42 is not a valid key \(a number: quote it in the file/,
  ],
  [
    "group id that is not a GUID",
    yaml(`guests:\n  - {email: a@contoso.com, redirectUrl: "${REDIRECT}", groups: [Partners]}\n`),
    /groups: "Partners" is not a group object id/,
  ],
  [
    "group listed twice",
    {
      guests: [
        {
          invitedUserEmailAddress: "a@contoso.com",
          inviteRedirectUrl: REDIRECT,
          groups: ["11111111-2222-3333-4444-555555555555", "11111111-2222-3333-4444-555555555555".toUpperCase()],
        },
      ],
    },
    /groups: lists the group 11111111-2222-3333-4444-555555555555 twice/,
  ],
  [
    "program entry using a file alias",
    { guests: [{ email: "a@contoso.com", inviteRedirectUrl: REDIRECT } as never] },
    /guests\[0\]: .*email: unknown field 'email': program entries use the Invitation's names; write 'invitedUserEmailAddress'/,
  ],
  [
    "a per-guest field in the defaults",
    { defaults: { invitedUserEmailAddress: "a@contoso.com" } as never, guests: [] },
    /defaults: defaults\.invitedUserEmailAddress: 'invitedUserEmailAddress' cannot be a default/,
  ],
  [
    "emails whose names collide",
    {
      guests: [
        { invitedUserEmailAddress: "o'brien@contoso.com", inviteRedirectUrl: REDIRECT },
        { invitedUserEmailAddress: "o_brien@contoso.com", inviteRedirectUrl: REDIRECT },
      ],
    },
    /its name 'o_brien@contoso\.com' is the same as that of the guest 'o'brien@contoso\.com' at guests\[0\]: give one of them a 'key'/,
  ],
  [
    "an empty YAML file",
    yaml(""),
    /guests\.yaml: the file is empty; to remove every guest on purpose write 'guests: \[\]'/,
  ],
  [
    "an unknown file type",
    { file: { fileName: "guests.txt", text: "a@contoso.com" } },
    /guests\.txt: unknown file type/,
  ],
  ["neither guests nor a file", {}, /give 'guests' \(a list of entries\) or 'file'/],
  [
    "every problem at once",
    yaml(
      `guests:\n  - email: bad\n    redirectUrl: ${REDIRECT}\n  - email: ok@contoso.com\n    colour: red\n    redirectUrl: ${REDIRECT}\n  - email: ok@contoso.com\n    redirectUrl: ${REDIRECT}\n`,
    ),
    /3 problems in guests\.yaml[^]*guests\.yaml:2:[^]*guests\.yaml:5:[^]*guests\.yaml:7:/,
  ],
];

/** Run one case: it must throw a GuestListError matching `expected`. */
export function expectRejected(input: GuestListInput, expected: RegExp): GuestListError {
  let error: unknown;
  try {
    planGuestList(input, "list");
  } catch (e) {
    error = e;
  }
  if (!(error instanceof GuestListError))
    throw new Error(
      `expected a GuestListError matching ${expected}, got ${error === undefined ? "no error" : String(error)}`,
    );
  if (!expected.test(error.message)) throw new Error(`message does not match ${expected}:\n${error.message}`);
  return error;
}
