/**
 * The lifecycle contract, written down as types: what the program registers (inputs), what `check`
 * turns them into, and what state holds (outputs). Resource id = the guest's user object id.
 */
import { USER_PROFILE_PROPERTIES } from "../graph/types";

/** What to do with the guest when the resource leaves the stack. */
export type OnDelete = "delete" | "disable" | "retain";

/** User properties the provider keeps true with `PATCH /users/{id}`. */
export interface UserProperties {
  /** First name (at most 64 characters). */
  givenName?: string;
  /** Last name (at most 64 characters). */
  surname?: string;
  /** The guest's company (at most 64 characters). */
  companyName?: string;
  /** The guest's department (at most 64 characters). */
  department?: string;
  /** The guest's job title (at most 128 characters). */
  jobTitle?: string;
  /** Two-letter ISO 3166 country code, e.g. `DE`; upper-cased by `check`. */
  usageLocation?: string;
}

/** The keys of {@link UserProperties}. */
export const USER_PROPERTY_KEYS = USER_PROFILE_PROPERTIES;

/** A cc recipient of the invitation email, after `check`. */
export interface CcRecipient {
  /** Email address, lower case. */
  address: string;
  /** Display name, if given. */
  name?: string;
}

/**
 * Inputs after `check`: validated and normalised (trimmed, addresses lower case, defaults set). What
 * each input means is said once, on `InvitationArgs` (src/resource/invitation.ts, the reference
 * docs/invitation.md is made from); the comments here say only the form `check` gives it.
 */
export interface CheckedInputs {
  /** Trimmed and lower case. */
  invitedUserEmailAddress: string;
  /** Trimmed. */
  inviteRedirectUrl: string;
  /** Trimmed. */
  invitedUserDisplayName?: string;
  /** `Guest` or `Member` in that case; `Guest` when not given. */
  invitedUserType: "Guest" | "Member";
  /** `false` when not given. */
  sendInvitationMessage: boolean;
  /** Its fields in the forms below; unknown fields refused. */
  invitedUserMessageInfo?: {
    /** Trimmed. */
    customizedMessageBody?: string;
    /** Trimmed. */
    messageLanguage?: string;
    /** At most one, as `{ address, name }` with the address lower case. */
    ccRecipients?: CcRecipient[];
  };
  /** The object id, lower case (an object given is reduced to its `id`). */
  invitedUser?: string;
  /** As given. */
  resetRedemption?: boolean;
  /** As given; absent means false. */
  convertInternalUserToB2b?: boolean;
  /** Object ids, lower case. */
  invitedUserSponsors?: string[];
  /** The properties given, each trimmed, `usageLocation` upper case. */
  userProperties?: UserProperties;
  /** As given. */
  triggers?: unknown;
  /** As given; absent when not given (the default is applied at delete: `deletePolicy` in plan.ts). */
  onDelete?: OnDelete;
  /** A date `YYYY-MM-DD` as written, or a date-time in its UTC form. */
  expiresOn?: string;
  /** As given. */
  remindAfterDays?: number;
  /** As given (the default, 3, is applied where reminders are planned). */
  maxReminders?: number;
}

/** Everything in state: the inputs as applied plus what Graph said. */
export interface InvitationOutputs extends CheckedInputs {
  /** The guest's user object id (also the resource id). */
  userId: string;
  /** Bearer link for redeeming the invitation: marked secret by the resource. Absent for a guest taken over without an invitation (adopted, or owned after a lost state). */
  inviteRedeemUrl?: string;
  /** The id of the last invitation issued (Graph cannot read invitations back). */
  invitationId?: string;
  /** The invitation's status as Graph returned it (`PendingAcceptance`, `Completed`, ...). */
  status?: string;
  /** `PendingAcceptance` or `Accepted`, as of the last create, update or refresh. */
  externalUserState?: string | null;
  /** When `externalUserState` last changed (ISO time, as Graph gives it). */
  externalUserStateChangeDateTime?: string | null;
  /**
   * The guest existed before this resource (same address, or `invitedUser`) and carries no ownership
   * mark of this stack: retained on delete unless onDelete says otherwise. False for a guest this
   * resource invited, and for one it finds again by its own mark (after a lost state or a crash).
   */
  adopted: boolean;
  /** When this resource last issued an invitation (ISO time); refresh waits out replication lag after it. */
  invitedAt?: string;
  /** With `remindAfterDays`: when the last invitation was issued, by the package's clock (`ENTRA_NOW` when set). Reminders count from it. */
  lastInvitationAt?: string;
  /** Reminders sent so far (re-issued invitations because the guest had not redeemed). */
  remindersSent?: number;
  /** Set by a refresh when a reminder is due (why); the next update sends it and clears this. */
  reminderDue?: string;
  /**
   * Set by a refresh when the user was deleted out of band and is still in the recycle bin
   * (`GET /directory/deletedItems/{id}` answers): the next update restores it (same object id, groups
   * and app assignments kept) instead of a new invitation, and clears this.
   */
  inRecycleBin?: true;
}

/** The input keys, in the order diffs and docs list them. */
export const INPUT_KEYS = [
  "invitedUserEmailAddress",
  "inviteRedirectUrl",
  "invitedUserDisplayName",
  "invitedUserType",
  "sendInvitationMessage",
  "invitedUserMessageInfo",
  "invitedUser",
  "resetRedemption",
  "convertInternalUserToB2b",
  "invitedUserSponsors",
  "userProperties",
  "triggers",
  "onDelete",
  "expiresOn",
  "remindAfterDays",
  "maxReminders",
] as const satisfies readonly (keyof CheckedInputs)[];

/** Inputs whose change replaces the resource (a redemption reset of the same user, never a delete). */
export const REPLACE_KEYS = ["invitedUserEmailAddress", "invitedUser", "triggers"] as const;

/** Inputs that only matter when an invitation is issued. */
export const INVITATION_ONLY_KEYS = ["inviteRedirectUrl", "sendInvitationMessage", "invitedUserMessageInfo"] as const;

/** The marker the engine sends for values not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
