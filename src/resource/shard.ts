/**
 * `GuestShard`: many guests of a `GuestList` in one resource (the list's `form: "shards"`). Program
 * side only; the lifecycle runs in `pulumi-entra-invitation/provider/shards`, one per-guest step of
 * the `Invitation` lifecycle per guest.
 */
import * as pulumi from "@pulumi/pulumi";
import * as shardsProvider from "../provider/shards";
import type { GuestState } from "../provider/shard-plan";
import type { InvitationArgs } from "./invitation";

import { GUEST_SHARD_TYPE_NAME, INVITATION_MODULE } from "../names";

export { GUEST_SHARD_TYPE } from "../names";

/** The inputs of a {@link GuestShard}. */
export interface GuestShardArgs {
  /** The list's name: each guest's identity (what its ownership mark names) is `<list>-<guest name>`, as its `Invitation` would be. */
  list: string;
  /** Which shard of how many, e.g. `3of16`. */
  shard: string;
  /** The guests by name: the inputs each guest's `Invitation` would have. */
  guests: Record<string, InvitationArgs>;
}

/**
 * Guests of a list held in one resource: created, updated, reset, refreshed and removed per guest,
 * as an `Invitation` each. Never replaced itself.
 */
export class GuestShard extends pulumi.dynamic.Resource {
  /**
   * Each guest's state by name (user id, email, external user state, ...), without its redeem link:
   * one string per guest (`decodeGuest` of `pulumi-entra-invitation/provider/shard-plan` gives the
   * object; a state from before holds the object itself).
   */
  declare public readonly guests: pulumi.Output<Record<string, string | GuestState>>;
  /**
   * Each guest's redeem link by name, as one secret packed to save state (`unpackRedeemUrls` of
   * `pulumi-entra-invitation/provider/shard-plan` gives the map; a state from before packing holds the map itself).
   */
  declare public readonly redeemUrls: pulumi.Output<string | Record<string, string>>;

  /**
   * @param name The resource name (`<list>-shard-3of16`).
   * @param args The list's name, the shard, the guests.
   * @param opts Resource options; `redeemUrls` is always secret.
   */
  constructor(name: string, args: GuestShardArgs, opts?: pulumi.CustomResourceOptions) {
    const guests: Record<string, unknown> = {};
    for (const [g, a] of Object.entries(args.guests)) {
      const invitedUser =
        a.invitedUser === undefined
          ? undefined
          : pulumi.output(a.invitedUser).apply((u) => (typeof u === "object" && u !== null ? u.id : u));
      guests[g] = { ...a, invitedUser };
    }
    super(
      shardsProvider,
      name,
      { list: args.list, shard: args.shard, guests, redeemUrls: undefined },
      {
        ...opts,
        additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "redeemUrls"],
      },
      INVITATION_MODULE,
      GUEST_SHARD_TYPE_NAME,
    );
  }
}
