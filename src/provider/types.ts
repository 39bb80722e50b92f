/**
 * The lifecycle contract, written down as types: what the program registers (inputs), what `check`
 * turns them into, and what state holds (outputs). Resource id = the guest's user object id.
 */

/** What to do with the guest when the resource leaves the stack. */
export type OnDelete = "delete" | "disable" | "retain";

/** User properties the provider keeps true with `PATCH /users/{id}`. */
export interface UserProperties {
  givenName?: string;
  surname?: string;
  companyName?: string;
  department?: string;
  jobTitle?: string;
  usageLocation?: string;
}

export const USER_PROPERTY_KEYS = ["givenName", "surname", "companyName", "department", "jobTitle", "usageLocation"] as const;

export interface CcRecipient {
  address: string;
  name?: string;
}

/** Inputs after `check`: validated and normalised (trimmed, addresses lower case, defaults set). */
export interface CheckedInputs {
  invitedUserEmailAddress: string;
  inviteRedirectUrl: string;
  invitedUserDisplayName?: string;
  invitedUserType: "Guest" | "Member";
  sendInvitationMessage: boolean;
  invitedUserMessageInfo?: {
    customizedMessageBody?: string;
    messageLanguage?: string;
    ccRecipients?: CcRecipient[];
  };
  /** Object id of an existing user to invite (or, with resetRedemption, to reset). */
  invitedUser?: string;
  resetRedemption?: boolean;
  invitedUserSponsors?: string[];
  userProperties?: UserProperties;
  /** Any values; a change forces a replacement, i.e. a redemption reset of the same user. */
  triggers?: unknown;
  onDelete?: OnDelete;
}

/** Everything in state: the inputs as applied plus what Graph said. */
export interface InvitationOutputs extends CheckedInputs {
  userId: string;
  /** Bearer link for redeeming the invitation: marked secret by the resource. */
  inviteRedeemUrl?: string;
  invitationId?: string;
  /** The invitation's status as Graph returned it (`PendingAcceptance`, `Completed`, ...). */
  status?: string;
  externalUserState?: string | null;
  externalUserStateChangeDateTime?: string | null;
  /** The guest existed before this resource (same address, or `invitedUser`): retained on delete unless onDelete says otherwise. */
  adopted: boolean;
  /** When this resource last issued an invitation (ISO time); refresh waits out replication lag after it. */
  invitedAt?: string;
}

/** The input keys, in the order diffs and docs list them. */
export const INPUT_KEYS = [
  "invitedUserEmailAddress", "inviteRedirectUrl", "invitedUserDisplayName", "invitedUserType", "sendInvitationMessage",
  "invitedUserMessageInfo", "invitedUser", "resetRedemption", "invitedUserSponsors", "userProperties", "triggers", "onDelete",
] as const satisfies readonly (keyof CheckedInputs)[];

/** Inputs whose change replaces the resource (a redemption reset of the same user, never a delete). */
export const REPLACE_KEYS = ["invitedUserEmailAddress", "invitedUser", "triggers"] as const;

/** Inputs that only matter when an invitation is issued. */
export const INVITATION_ONLY_KEYS = ["inviteRedirectUrl", "sendInvitationMessage", "invitedUserMessageInfo"] as const;

/** The marker the engine sends for values not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
