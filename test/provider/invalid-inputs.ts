/** Invalid Invitation inputs, shared by the check tests, the lifecycle tests and the reliability suite. */

export const VALID_BASE = { invitedUserEmailAddress: "jane@contoso.com", inviteRedirectUrl: "https://myapps.microsoft.com" };

const long = (n: number): string => "a".repeat(n);

/** Each row: inputs that must be refused, the property named, and words the reason must contain. */
export const INVALID_INVITATION_INPUTS: [string, Record<string, unknown>, string, RegExp][] = [
  ["missing email", { invitedUserEmailAddress: undefined }, "invitedUserEmailAddress", /required/],
  ["missing redirect", { inviteRedirectUrl: undefined }, "inviteRedirectUrl", /required/],
  ["email not a string", { invitedUserEmailAddress: 42 }, "invitedUserEmailAddress", /string/],
  ["empty email", { invitedUserEmailAddress: "  " }, "invitedUserEmailAddress", /empty/],
  ["no @", { invitedUserEmailAddress: "jane.contoso.com" }, "invitedUserEmailAddress", /exactly one '@'/],
  ["two @", { invitedUserEmailAddress: "jane@x@contoso.com" }, "invitedUserEmailAddress", /exactly one '@'/],
  ["nothing before @", { invitedUserEmailAddress: "@contoso.com" }, "invitedUserEmailAddress", /nothing before/],
  ...["~", "!", "#", "$", "%", "^", "&", "*", "(", ")", "+", "=", "[", "]", "{", "}", "\\", "/", "|", ";", ":", "\"", "<", ">", "?", ","].map(
    (c): [string, Record<string, unknown>, string, RegExp] => [`'${c}' in the local part`, { invitedUserEmailAddress: `ja${c}ne@contoso.com` }, "invitedUserEmailAddress", /is not allowed before the '@'/],
  ),
  ["leading dot", { invitedUserEmailAddress: ".jane@contoso.com" }, "invitedUserEmailAddress", /may not start or end/],
  ["trailing dash", { invitedUserEmailAddress: "jane-@contoso.com" }, "invitedUserEmailAddress", /may not start or end/],
  ["double dot", { invitedUserEmailAddress: "ja..ne@contoso.com" }, "invitedUserEmailAddress", /two dots/],
  ["space inside", { invitedUserEmailAddress: "ja ne@contoso.com" }, "invitedUserEmailAddress", /white space/],
  ["zero-width space", { invitedUserEmailAddress: "ja\u200bne@contoso.com" }, "invitedUserEmailAddress", /invisible/],
  ["unicode domain", { invitedUserEmailAddress: "jane@bücher.de" }, "invitedUserEmailAddress", /punycode/],
  ["cyrillic look-alike", { invitedUserEmailAddress: "jаne@contoso.com" }, "invitedUserEmailAddress", /non-ASCII/],
  ["domain without dot", { invitedUserEmailAddress: "jane@localhost" }, "invitedUserEmailAddress", /not a valid domain/],
  ["domain label with underscore", { invitedUserEmailAddress: "jane@con_toso.com" }, "invitedUserEmailAddress", /not a valid domain/],
  ["local part over 64", { invitedUserEmailAddress: `${long(65)}@contoso.com` }, "invitedUserEmailAddress", /at most 64/],
  ["address over 254", { invitedUserEmailAddress: `a@${long(63)}.${long(63)}.${long(63)}.${long(63)}.com` }, "invitedUserEmailAddress", /at most 254/],
  ["relative redirect", { inviteRedirectUrl: "/welcome" }, "inviteRedirectUrl", /not an absolute URL/],
  ["redirect without scheme", { inviteRedirectUrl: "myapps.microsoft.com" }, "inviteRedirectUrl", /not an absolute URL/],
  ["javascript: redirect", { inviteRedirectUrl: "javascript:alert(1)" }, "inviteRedirectUrl", /only https/],
  ["data: redirect", { inviteRedirectUrl: "data:text/html,hi" }, "inviteRedirectUrl", /only https/],
  ["ftp redirect", { inviteRedirectUrl: "ftp://files.contoso.com" }, "inviteRedirectUrl", /only https/],
  ["redirect with spaces", { inviteRedirectUrl: "https://my apps.com" }, "inviteRedirectUrl", /white space/],
  ["redirect too long", { inviteRedirectUrl: `https://x.com/${long(2100)}` }, "inviteRedirectUrl", /at most 2048/],
  ["unknown userType", { invitedUserType: "Admin" }, "invitedUserType", /"Guest" or "Member"/],
  ["sendInvitationMessage as string", { sendInvitationMessage: "yes" }, "sendInvitationMessage", /true or false/],
  ["display name too long", { invitedUserDisplayName: long(257) }, "invitedUserDisplayName", /at most 256/],
  ["display name empty", { invitedUserDisplayName: "  " }, "invitedUserDisplayName", /empty/],
  ["display name with control char", { invitedUserDisplayName: "Jane\u0007" }, "invitedUserDisplayName", /control character/],
  ["two cc recipients", { invitedUserMessageInfo: { ccRecipients: ["a@b.com", "c@d.com"] } }, "invitedUserMessageInfo.ccRecipients", /only one cc recipient/],
  ["bad cc address", { invitedUserMessageInfo: { ccRecipients: ["not-an-address"] } }, "invitedUserMessageInfo.ccRecipients", /exactly one '@'/],
  ["language not ISO 639", { invitedUserMessageInfo: { messageLanguage: "english" } }, "invitedUserMessageInfo.messageLanguage", /ISO 639/],
  ["message body too long", { invitedUserMessageInfo: { customizedMessageBody: long(10_001) } }, "invitedUserMessageInfo.customizedMessageBody", /at most 10000/],
  ["unknown message field", { invitedUserMessageInfo: { subject: "hi" } }, "invitedUserMessageInfo.subject", /not a field/],
  ["message info not an object", { invitedUserMessageInfo: "hello" }, "invitedUserMessageInfo", /must be an object/],
  ["resetRedemption without invitedUser", { resetRedemption: true }, "resetRedemption", /needs invitedUser/],
  ["invitedUser not a GUID", { invitedUser: "jane" }, "invitedUser", /GUID/],
  ["sponsor not a GUID", { invitedUserSponsors: ["boss"] }, "invitedUserSponsors", /GUID/],
  ["six sponsors", { invitedUserSponsors: Array.from({ length: 6 }, (_, i) => `00000000-0000-0000-0000-00000000000${i}`) }, "invitedUserSponsors", /at most 5/],
  ["unknown user property", { userProperties: { manager: "x" } }, "userProperties.manager", /not a user property/],
  ["usageLocation not a country", { userProperties: { usageLocation: "Germany" } }, "userProperties.usageLocation", /two-letter/],
  ["jobTitle too long", { userProperties: { jobTitle: long(129) } }, "userProperties.jobTitle", /at most 128/],
  ["unknown onDelete", { onDelete: "purge" }, "onDelete", /"delete", "disable" or "retain"/],
  ["unknown input", { invitedUserEmail: "x@y.com" }, "invitedUserEmail", /not an input of Invitation/],
];

