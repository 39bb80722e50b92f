/**
 * What a lifecycle step gets from the provider module that calls it: who it is for (the URN and the
 * resource identity, when the engine's request named them) and where its lines go (the engine's
 * log). Built here, from the SDK door (src/sdk.ts), by `index.ts` for an `Invitation` and by
 * `shards.ts` for each guest of a shard; the steps in runtime.ts read nothing of the SDK themselves.
 */
import { captureUrns, engineWarning, identityOf, notice, urnOf } from "../sdk";
import type { Holder } from "./holders";
import type { ResourceIdentity } from "./mark";

// In the SDK's plugin process: give `create` and `check` the URN of their resource (the stack and
// resource an ownership mark names). A no-op elsewhere.
captureUrns();

/** A line the engine shows under "Diagnostics", about the resource `urn` when given (the door's {@link notice} or {@link engineWarning}). */
export type StepLog = (message: string, urn?: string) => Promise<void>;

/** Who a step is for and where its lines go. */
export interface StepContext {
  /** The resource identity the guest's mark names (an `Invitation`'s, from its URN; a shard's guest: the name its `Invitation` would have). */
  identity?: ResourceIdentity;
  /** The URN the engine's log lines are about: the resource's at `check` and `create` (the only calls whose inputs carry it), a shard's in every call. */
  urn?: string;
  /** Who holds the guest's user in this process (diff, create) and who deletes it (delete); default: the `Invitation` of that user (holders.ts). */
  holder?: Holder;
  /** false: `check` does not look a new guest up for the preview's line (a shard with many new guests). */
  announce?: boolean;
  /** An info line (the engine's log in the plugin, else stderr). */
  log: StepLog;
  /** A warning (the engine's log in the plugin, else stderr). */
  warn: StepLog;
}

/**
 * The context of one engine call: the URN and identity the door found on the call's `inputs` (only
 * `check`'s news and `create`'s inputs carry them), the door's log functions, and what the caller
 * adds (a shard's guest: its identity, the shard's URN, its holder).
 */
export function engineContext(inputs?: object, more: Partial<StepContext> = {}): StepContext {
  return {
    urn: inputs && urnOf(inputs),
    identity: inputs && identityOf(inputs),
    log: notice,
    warn: engineWarning,
    ...more,
  };
}
