/** Values the pure plan tests share: checked inputs, a found guest and the mark as Graph returns it on a user. */
import type { FoundUser } from "../../src/provider/plan";
import type { CheckedInputs } from "../../src/provider/types";

/** Inputs as `check` leaves them for an invitation to `email`: the My Apps redirect, a Guest, no email unless `extra` asks. */
export function checkedInputs(email: string, extra: Partial<CheckedInputs> = {}): CheckedInputs {
  return {
    invitedUserEmailAddress: email,
    inviteRedirectUrl: "https://myapps.microsoft.com",
    invitedUserType: "Guest",
    sendInvitationMessage: false,
    ...extra,
  };
}

/** A guest who redeemed an invitation (`u1`), as the lookup returns it, with `extra` properties. */
export function foundGuest(extra: Partial<FoundUser> = {}): FoundUser {
  return { id: "u1", userType: "Guest", externalUserState: "Accepted", creationType: "Invitation", ...extra };
}

/** The owner fields of a mark; each defaults to the stack `guests`/`prod` owning the user as `resource`. */
export type MarkOwnerFields = Partial<{ project: string; stack: string; resource: string; onDelete: string }>;

/** The mark (an open extension) as Graph returns it on a user that `resource` of guests/prod owns, with `m` changed. */
export function storedMark(resource: string, m: MarkOwnerFields = {}): Record<string, unknown> {
  return {
    "@odata.type": "#microsoft.graph.openTypeExtension",
    extensionName: "com.pulumi.entraInvitation",
    id: "com.pulumi.entraInvitation",
    version: 1,
    project: "guests",
    stack: "prod",
    resource,
    onDelete: "delete",
    ...m,
  };
}
