/**
 * The Graph v1.0 shapes this package sends and reads (a subset of @microsoft/microsoft-graph-types'
 * `Invitation` and `User`, with the names Graph uses).
 */

export interface InvitationRequest {
  invitedUserEmailAddress: string;
  inviteRedirectUrl: string;
  invitedUserDisplayName?: string;
  invitedUserType?: "Guest" | "Member";
  sendInvitationMessage?: boolean;
  invitedUserMessageInfo?: {
    customizedMessageBody?: string;
    messageLanguage?: string;
    ccRecipients?: { emailAddress: { address: string; name?: string } }[];
  };
  invitedUser?: { id: string };
  resetRedemption?: boolean;
  invitedUserSponsors?: { id: string }[];
}

export interface InvitationResponse {
  id: string;
  inviteRedeemUrl?: string;
  inviteRedirectUrl?: string;
  invitedUserEmailAddress?: string;
  invitedUserDisplayName?: string | null;
  invitedUserType?: string;
  status?: string;
  invitedUser?: { id: string };
}

export interface GraphUser {
  id: string;
  userPrincipalName?: string | null;
  createdDateTime?: string | null;
  /** `Invitation` for a user who came in through B2B; null for one created in the tenant. */
  creationType?: string | null;
  displayName?: string | null;
  mail?: string | null;
  otherMails?: string[];
  userType?: string | null;
  externalUserState?: string | null;
  externalUserStateChangeDateTime?: string | null;
  accountEnabled?: boolean | null;
  givenName?: string | null;
  surname?: string | null;
  companyName?: string | null;
  department?: string | null;
  jobTitle?: string | null;
  usageLocation?: string | null;
}

/** What a refresh reads of a guest: enough to show drift, 1 resource unit per read. */
export const USER_SELECT = [
  "id",
  "displayName",
  "mail",
  "otherMails",
  "userType",
  "externalUserState",
  "externalUserStateChangeDateTime",
  "accountEnabled",
  "givenName",
  "surname",
  "companyName",
  "department",
  "jobTitle",
  "usageLocation",
] as const;
