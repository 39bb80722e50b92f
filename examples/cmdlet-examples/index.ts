// The five examples of the `New-EntraInvitation` cmdlet (Microsoft Entra PowerShell documentation),
// each written as a Pulumi resource. Unlike the cmdlet, each resource keeps its guest true on every
// `pulumi up`, shows drift in `pulumi preview --refresh`, and removes (or keeps) the guest on destroy.
//
// The documentation invites the same someexternaluser@externaldomain.com in every example; in one
// stack every resource needs a guest of its own, so the addresses differ here.
import * as pulumi from "@pulumi/pulumi";
import { Invitation } from "pulumi-entra-invitation";

const config = new pulumi.Config();
const redirectUrl = config.get("redirectUrl") || "https://myapps.microsoft.com";

// Example 1: invite a new external user to your directory.
//   New-EntraInvitation -InvitedUserEmailAddress $emailAddress -SendInvitationMessage $True -InviteRedirectUrl $redirectUrl
const example1 = new Invitation("example1-new-external-user", {
  invitedUserEmailAddress: "example1.guest@fabrikam.com",
  sendInvitationMessage: true,
  inviteRedirectUrl: redirectUrl,
});

// Example 2: invite a new external user with a display name (-InvitedUserDisplayName).
// The display name is kept true in place: edit it here and the next `up` PATCHes the user.
const example2 = new Invitation("example2-display-name", {
  invitedUserEmailAddress: "example2.guest@fabrikam.com",
  sendInvitationMessage: true,
  inviteRedirectUrl: redirectUrl,
  invitedUserDisplayName: "microsoftuser",
});

// Example 3: invite with -InvitedUserMessageInfo: a customized message body and its language.
// (The cmdlet builds a Microsoft.Open.MSGraph.Model.InvitedUserMessageInfo; here it is an object.)
const example3 = new Invitation("example3-message-info", {
  invitedUserEmailAddress: "example3.guest@northwind.example",
  sendInvitationMessage: true,
  inviteRedirectUrl: redirectUrl,
  invitedUserMessageInfo: {
    customizedMessageBody: "Hi there, how are you",
    messageLanguage: "EN",
  },
});

// Example 4: invite with -InvitedUserType. `Guest` is the default; `Member` needs a company administrator.
// A change of type is applied in place to the same user.
const example4 = new Invitation("example4-user-type", {
  invitedUserEmailAddress: "example4.guest@northwind.example",
  sendInvitationMessage: true,
  inviteRedirectUrl: redirectUrl,
  invitedUserType: "Guest",
});

// Example 5: reset the redemption of an external user (-ResetRedemption). Graph needs the existing
// user's object id (`invitedUser`) for a reset; the user keeps its object id, groups and app
// assignments and must redeem again. Needs User.ReadWrite.All (and, delegated, a Helpdesk or User
// Administrator). Declared only when `resetUserObjectId` is set:
//   pulumi config set resetUserObjectId 00000000-0000-0000-0000-000000000000
// For a guest this stack already manages, a reset is a change instead: give its Invitation a new
// email, or change its `triggers` (e.g. `triggers: { reset: "2025-01" }`), and `up` resets the same user.
const resetUserObjectId = config.get("resetUserObjectId");
const example5 = resetUserObjectId
  ? new Invitation("example5-reset-redemption", {
      invitedUserEmailAddress: "example5.guest@woodgrove.example",
      sendInvitationMessage: true,
      inviteRedirectUrl: redirectUrl,
      invitedUserDisplayName: "microsoftuser",
      invitedUser: resetUserObjectId,
      resetRedemption: true,
      // A guest adopted this way existed before the stack: keep it when the stack is destroyed.
      onDelete: "retain",
    })
  : undefined;

const all = { example1, example2, example3, example4, ...(example5 ? { example5 } : {}) };

/** User object ids and invitation states; the redeem links are secret (`pulumi stack output --show-secrets`). */
export const guests = Object.fromEntries(
  Object.entries(all).map(([name, inv]) => [
    name,
    { userId: inv.userId, state: inv.externalUserState, inviteRedeemUrl: inv.inviteRedeemUrl },
  ]),
);
