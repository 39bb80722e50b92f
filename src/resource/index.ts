export { Invitation, INVITATION_MODULE, INVITATION_TYPE } from "./invitation";
export type { InvitationArgs, CcRecipientInput } from "./invitation";
