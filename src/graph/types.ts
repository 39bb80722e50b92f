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

/**
 * The user's optional profile properties (user resource), in the order guest files, selects and the
 * provider's inputs list them. The one source of these names: the CLI, the provider and the emulator
 * derive their lists from it.
 */
export const USER_PROFILE_PROPERTIES = [
  "givenName",
  "surname",
  "companyName",
  "department",
  "jobTitle",
  "usageLocation",
] as const;

/** The user's B2B redemption state (user resource): the state and when it last changed. */
export const REDEMPTION_STATE_PROPERTIES = ["externalUserState", "externalUserStateChangeDateTime"] as const;

/** What a refresh reads of a guest: enough to show drift, 1 resource unit per read. */
export const USER_SELECT = [
  "id",
  "displayName",
  "mail",
  "otherMails",
  "userType",
  ...REDEMPTION_STATE_PROPERTIES,
  "accountEnabled",
  ...USER_PROFILE_PROPERTIES,
] as const;
