/**
 * `Invitation`: a Microsoft Entra B2B invitation (Graph `POST /invitations`, the cmdlet
 * `New-EntraInvitation`) as a Pulumi resource. Program side only: input types, defaults, resource
 * options. The lifecycle runs in the provider (`pulumi-entra-invitation/provider`).
 */
import * as pulumi from "@pulumi/pulumi";
import * as provider from "../provider";
import type { OnDelete, UserProperties } from "../provider/types";
import { now } from "../clock";
import { INVITATION_MODULE, INVITATION_TYPE_NAME } from "../names";
import { DEFAULT_EXPIRY_WARNING_DAYS, expiryStatus, parseExpiresOn, showExpiry } from "../provider/expiry";

/** A cc recipient: an address, or an address with a display name. */
export type CcRecipientInput =
  | string
  | {
      /** Email address. */
      address: string;
      /** Display name. */
      name?: string;
    };

/** The inputs of an {@link Invitation}; they map to the `New-EntraInvitation` parameters. */
export interface InvitationArgs {
  /** The guest's email address (required); trimmed and lower-cased. Changing it resets the redemption of the same user. */
  invitedUserEmailAddress: pulumi.Input<string>;
  /** Where the guest lands after redeeming (required): an absolute `https` (or `http`) URL, e.g. `https://myapps.microsoft.com`. */
  inviteRedirectUrl: pulumi.Input<string>;
  /** The guest's display name; kept true in place. */
  invitedUserDisplayName?: pulumi.Input<string>;
  /** `Guest` (default) or `Member` (needs a company administrator). Kept true in place. */
  invitedUserType?: pulumi.Input<"Guest" | "Member">;
  /** Send Microsoft's invitation email. Default false, as Graph. */
  sendInvitationMessage?: pulumi.Input<boolean>;
  /** The invitation email's body, language and one cc recipient. */
  invitedUserMessageInfo?: pulumi.Input<{
    /** Custom text of the invitation email. */
    customizedMessageBody?: pulumi.Input<string>;
    /** ISO 639 language tag of the email, e.g. `de-DE` or `fr`. */
    messageLanguage?: pulumi.Input<string>;
    /** At most one recipient (Graph honours only one). */
    ccRecipients?: pulumi.Input<pulumi.Input<CcRecipientInput>[]>;
  }>;
  /**
   * An existing user to invite: its object id, or any object with an `id` (e.g. an `azuread.User`).
   * Changed to another user, the resource switches users (the old one leaves by its `onDelete`);
   * removed, or set to the user the resource already manages, nothing is sent.
   */
  invitedUser?: pulumi.Input<
    | string
    | {
        /** The user's object id. */
        id: pulumi.Input<string>;
      }
  >;
  /** With `invitedUser`: reset that user's redemption when the resource is created (`-ResetRedemption`). */
  resetRedemption?: pulumi.Input<boolean>;
  /**
   * With `invitedUser`: allow that user to be an internal user of the tenant, whom a reset (or a
   * replacement) converts to a B2B user, one way ("Invitation is one-way", invite-internal-users).
   * Without it, such a reset is refused before any change. Default false. See docs/safety.md.
   */
  convertInternalUserToB2b?: pulumi.Input<boolean>;
  /** Sponsors of the guest: user or group object ids (at most 5), sent with the invitation; a later change is recorded but not applied to an existing guest. */
  invitedUserSponsors?: pulumi.Input<pulumi.Input<string>[]>;
  /** More properties of the guest's user, kept true in place with `PATCH /users/{id}` (a removed one is cleared, except `usageLocation`, which Graph cannot clear: it stops being managed): needs User.ReadWrite.All. */
  userProperties?: pulumi.Input<{ [K in keyof UserProperties]: pulumi.Input<string> }>;
  /** Any values; when they change, the guest's redemption is reset (same user, same object id). For an adopted guest, the way to send it an invitation. */
  triggers?: pulumi.Input<unknown>;
  /**
   * What happens to the guest when this resource leaves the stack: `delete` (soft delete, restorable
   * for 30 days), `disable` (accountEnabled false) or `retain`. Default: `delete`, but `retain` for a
   * guest that existed before (adopted).
   */
  onDelete?: pulumi.Input<OnDelete>;
  /**
   * When the guest's access ends: a date `YYYY-MM-DD` (midnight UTC) or a date-time with a zone
   * (`2027-01-31T17:00:00+01:00`). Within 14 days before it each preview and update shows a warning;
   * on and after it an error-level diagnostic (the deployment still runs: an `Invitation` does not
   * remove its guest by itself — remove the resource from the program, and the next `up` applies
   * `onDelete`), and the provider refuses to create it. `GuestList` leaves expired entries out, so
   * it removes them by itself. The clock is `ENTRA_NOW` when set.
   */
  expiresOn?: pulumi.Input<string>;
  /**
   * Reminders: a guest still `PendingAcceptance` this many days (1-365) after its last invitation is
   * invited again by the next refresh (`pulumi up --refresh`): the same user, no reset, a new redeem
   * link, and the email when `sendInvitationMessage` is true. At most once per this many days, at
   * most `maxReminders` times; never to an `Accepted` guest. The clock is `ENTRA_NOW` when set.
   */
  remindAfterDays?: pulumi.Input<number>;
  /** With `remindAfterDays`: at most this many reminders (0-20, default 3). */
  maxReminders?: pulumi.Input<number>;
}

export { INVITATION_MODULE, INVITATION_TYPE } from "../names";

/**
 * One Entra B2B guest. Create invites (or adopts an existing guest with the same address); a
 * replacement (email or `triggers` change, `up --replace`) resets the redemption of the same user;
 * delete follows `onDelete`. The resource id is the guest's user object id.
 */
export class Invitation extends pulumi.dynamic.Resource {
  /** The guest's user object id (also the resource id). */
  declare public readonly userId: pulumi.Output<string>;
  /** The redemption link (a bearer link: secret in state). Re-issued invitations get a new one. */
  declare public readonly inviteRedeemUrl: pulumi.Output<string | undefined>;
  /** The id of the last invitation issued (Graph cannot read invitations back). */
  declare public readonly invitationId: pulumi.Output<string | undefined>;
  /** The invitation's status as Graph returned it. */
  declare public readonly status: pulumi.Output<string | undefined>;
  /** `PendingAcceptance` or `Accepted`, as of the last create, update or refresh. */
  declare public readonly externalUserState: pulumi.Output<string | null>;
  /** When `externalUserState` last changed (ISO time). */
  declare public readonly externalUserStateChangeDateTime: pulumi.Output<string | null>;
  /**
   * The guest existed before this resource and is not marked as its own (no ownership mark, or
   * another stack's): nothing was sent to invite it, and it is retained on delete unless `onDelete`
   * says otherwise. A guest carrying this resource's own mark (e.g. after a lost state) is not adopted.
   */
  declare public readonly adopted: pulumi.Output<boolean>;
  /** The guest's email address as applied (trimmed, lower case). */
  declare public readonly invitedUserEmailAddress: pulumi.Output<string>;
  /** The display name as applied (refresh reads it back from the user). */
  declare public readonly invitedUserDisplayName: pulumi.Output<string | undefined>;
  /** `Guest` or `Member` as applied (refresh reads it back from the user). */
  declare public readonly invitedUserType: pulumi.Output<"Guest" | "Member">;
  /** With `remindAfterDays`: reminders sent so far. */
  declare public readonly remindersSent: pulumi.Output<number | undefined>;
  /** With `remindAfterDays`: when the last invitation was issued (the package's clock). */
  declare public readonly lastInvitationAt: pulumi.Output<string | undefined>;

  /**
   * @param name The resource name, unique in the stack.
   * @param args The invitation's inputs.
   * @param opts Resource options; `deleteBeforeReplace` is always set and `inviteRedeemUrl` is always secret.
   *   `import` is refused (the message of `importRefusal`): declare the guest and `pulumi up` adopts it.
   */
  constructor(name: string, args: InvitationArgs, opts?: pulumi.CustomResourceOptions) {
    if (opts?.import !== undefined) throw new pulumi.RunError(importRefusal(name, String(opts.import)));
    const invitedUser =
      args.invitedUser === undefined
        ? undefined
        : pulumi.output(args.invitedUser).apply((u) => (typeof u === "object" && u !== null ? u.id : u));
    const props: Record<string, unknown> = {
      ...args,
      invitedUser,
      userId: undefined,
      inviteRedeemUrl: undefined,
      invitationId: undefined,
      status: undefined,
      externalUserState: undefined,
      externalUserStateChangeDateTime: undefined,
      adopted: undefined,
      remindersSent: undefined,
      lastInvitationAt: undefined,
    };
    super(
      provider,
      name,
      props,
      {
        ...opts,
        // Every replacement (email or triggers change, `up --replace`) is delete-then-create, so the
        // provider sees the delete half first and keeps the user for the reset.
        deleteBeforeReplace: true,
        additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "inviteRedeemUrl"],
      },
      INVITATION_MODULE,
      INVITATION_TYPE_NAME,
    );
    if (args.expiresOn !== undefined) {
      pulumi.output(args.expiresOn).apply((e) => {
        const message = expiryMessage(e, now());
        if (message?.severity === "error") void pulumi.log.error(message.text, this);
        else if (message) void pulumi.log.warn(message.text, this);
      });
    }
  }
}

/**
 * Why `{ import: userId }` is refused, and what to do instead. The engine imports a resource by
 * calling the provider's `read` with no prior state, and the SDK's dynamic-provider server needs the
 * provider's code from that state before any of this package runs: it fails with `code must be a
 * string, not undefined` (dynamic resources cannot be imported, pulumi/pulumi#16175). Adoption does
 * what import is for: a declared guest that exists is read and taken over, with no invitation. Pure.
 */
export function importRefusal(name: string, userId: string): string {
  return (
    `Invitation ${name}: the import resource option is not supported (Pulumi cannot import dynamic resources, pulumi/pulumi#16175). ` +
    `Fix: remove import and declare the guest instead: invitedUserEmailAddress set to its address, and invitedUser: "${userId}" to name that very user. ` +
    "pulumi up then adopts it: it reads the user and sends no invitation, and retains it when the resource leaves the stack unless onDelete says otherwise. " +
    "To take over a whole tenant's guests: entra-guests export --out guests.yaml, and a GuestList of that file."
  );
}

/**
 * What a lone `Invitation` says about its `expiresOn` at `at`: an error-level diagnostic once expired
 * (it does not stop the deployment; removing the resource applies `onDelete`), a warning within
 * {@link DEFAULT_EXPIRY_WARNING_DAYS} days before, else nothing. Pure.
 */
export function expiryMessage(
  expiresOn: unknown,
  at: Date,
): { severity: "error" | "warning"; text: string } | undefined {
  if (typeof expiresOn !== "string") return undefined;
  const p = parseExpiresOn(expiresOn);
  if ("reason" in p) return undefined; // check reports it
  const status = expiryStatus(p.ok, at, DEFAULT_EXPIRY_WARNING_DAYS);
  const when = showExpiry(p.ok);
  if (status.state === "expired") {
    return {
      severity: "error",
      text: `expired on ${when}: the guest is kept until this Invitation is removed from the program; the next up then removes it per its onDelete (an Invitation does not remove itself; a GuestList leaves expired entries out)`,
    };
  }
  if (status.state === "expiring") {
    return {
      severity: "warning",
      text: `expires on ${when} (in ${status.daysLeft} day${status.daysLeft === 1 ? "" : "s"}): from then on each preview and up reports an error until the Invitation is removed from the program`,
    };
  }
  return undefined;
}
