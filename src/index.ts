/**
 * pulumi-entra-invitation: Microsoft Entra B2B guest invitations as Pulumi resources.
 *
 * - `Invitation`: one guest (program side); `invitationProvider`: the dynamic provider behind it.
 * - `GuestList`: a declarative guest list from entries or a file (`GuestShard`: its guests held in
 *   a few resources, with `form: "shards"`).
 * The Graph emulator is at `pulumi-entra-invitation/emulator`, the test kit at `.../testing`.
 *
 * @module pulumi-entra-invitation
 */
import * as invitationProvider from "./provider";

export { Invitation, INVITATION_MODULE, INVITATION_TYPE } from "./resource";
export type { InvitationArgs, CcRecipientInput } from "./resource";
export { GuestShard, GUEST_SHARD_TYPE } from "./resource";
export type { GuestShardArgs } from "./resource";
export type { GuestState } from "./provider/shard-plan";
export type { CheckedInputs, InvitationOutputs, OnDelete, UserProperties } from "./provider/types";
export { EntraGraphError } from "./graph/errors";
export { GuestList, GuestListError, parseGuestFile, resolveGuests, planGuestList, GUEST_LIST_TYPE } from "./guestlist";
export type {
  GuestEntry,
  GuestDefaults,
  GuestListArgs,
  GuestOutputs,
  GuestFile,
  GuestListIssue,
  ResolvedGuest,
} from "./guestlist";
export { invitationProvider };
