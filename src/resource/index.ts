export { Invitation, INVITATION_MODULE, INVITATION_TYPE } from "./invitation";
export type { InvitationArgs, CcRecipientInput } from "./invitation";
export { GuestShard, GUEST_SHARD_TYPE } from "./shard";
export type { GuestShardArgs } from "./shard";
