/**
 * The `pulumi.dynamic.ResourceProvider` behind a guest shard (`GuestList` with `form: "shards"`):
 * one resource holding many guests. Each guest's step is the per-guest step of runtime.ts (the same
 * lookup, adoption, marks, reset, onDelete, refresh and reminders as an `Invitation`), run
 * concurrently through the process-wide Graph scheduler, with the identity its `Invitation` would
 * have (`<list>-<guest name>`), so the two forms recognise each other's guests by their marks. Like
 * `pulumi-entra-invitation/provider`, this module's exports are exactly the provider's methods.
 *
 * @module pulumi-entra-invitation/provider/shards
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { explain } from "../graph/failures";
import { checkStep, createStep, deleteStep, diffStep, readStep, updateStep } from "./runtime";
import {
  decodeGuests,
  encodeGuests,
  guestOutputs,
  GuestResult,
  mergeShard,
  packRedeemUrls,
  planShard,
  shardChanges,
  ShardInputs,
  ShardOutputs,
  unpackRedeemUrls,
  withDefaults,
  withoutDefaults,
} from "./shard-plan";
import type { CheckedInputs, InvitationOutputs } from "./types";
import { engineContext, StepContext } from "./context";
import { inputsOf } from "./plan";
import { lifecycleRegistry } from "./replacement";
import { hold } from "./holders";

type Props = Record<string, unknown>;
/** At most this many new guests of a shard are looked up at check, for the preview's lines. */
const PREVIEW_LOOKUPS = 100;
const PROVIDER_KEY = "__provider";
/**
 * At most this many guests of a shard are read at once in a refresh: enough to fill the Graph
 * scheduler's batches (64 requests of 20) with a few shards read side by side, without every guest
 * of every shard waiting in its queue with its pending request at once.
 */
const READS_IN_FLIGHT = 256;

/** Who a guest is: the name its `Invitation` would have, the shard's URN for log lines, and its holder key; the engine log from the SDK door. */
function guestContext(
  s: { list: string; shard: string },
  name: string,
  stack: { project?: string; stack?: string } | undefined,
  urn?: string,
): StepContext {
  const identity =
    stack?.project && stack.stack
      ? { project: stack.project, stack: stack.stack, name: `${s.list}-${name}` }
      : undefined;
  return engineContext(undefined, {
    identity,
    urn,
    holder: {
      key: `shard:${s.list}:${s.shard}/${name}`,
      label: `guest ${name} of the GuestList ${s.list} (shard ${s.shard})`,
    },
  });
}

/** The guests of inputs, when known (in a preview a whole map may be unknown). */
function guestsOf(props: Props): Record<string, Props> | undefined {
  const g = props.guests;
  return g && typeof g === "object" && !Array.isArray(g) ? (g as Record<string, Props>) : undefined;
}

/** A shard's state as the steps work with it: each guest's state decoded, the redeem links unpacked. */
function opened(props: Props): ShardOutputs {
  const o = props as unknown as ShardOutputs;
  return { ...o, guests: decodeGuests(o.guests), redeemUrls: unpackRedeemUrls(o.redeemUrls) };
}

/** A shard's state as the engine records it: one string per guest, the redeem links packed (one secret). */
function stored(o: ShardOutputs): Props {
  return { ...o, guests: encodeGuests(o.guests), redeemUrls: packRedeemUrls(o.redeemUrls) };
}

/** The declared guests as the steps work with them: the inputs the shard's inputs leave at their default put back. */
function declared(guests: Record<string, unknown>): Record<string, CheckedInputs & Props> {
  const out: Record<string, CheckedInputs & Props> = {};
  for (const [name, g] of Object.entries(guests)) out[name] = withDefaults(g as CheckedInputs & Props);
  return out;
}

function messageOf(e: unknown): string {
  const out = explain(e);
  return (out instanceof Error ? out.message : String(out)).split("\n").join(" ");
}

/** The error of a step in which some guests failed: it carries the state of those that succeeded (the engine records it). */
function partialFailure(
  id: string,
  shard: string,
  outs: ShardOutputs,
  results: readonly GuestResult[],
  provider: unknown,
): Error {
  const failures = results.filter((r): r is { name: string; error: unknown } => "error" in r);
  const lines = failures.slice(0, 20).map((f) => `  - guest '${f.name}': ${messageOf(f.error)}`);
  if (failures.length > 20) lines.push(`  ... and ${failures.length - 20} more`);
  const err = new Error(
    `${failures.length} of ${results.length} guests of shard ${shard} failed; the others are recorded, and the next \`pulumi up\` retries only these:\n${lines.join("\n")}`,
  );
  // The engine shows `reasons` (not the message) for an error that carries state: one line per guest.
  return Object.assign(err, {
    id,
    properties: { ...stored(outs), [PROVIDER_KEY]: provider },
    reasons: [
      `${failures.length} of ${results.length} guests of shard ${shard} failed; the others are recorded, and the next \`pulumi up\` retries only these:`,
      ...lines.map((l) => l.trim()),
    ],
  });
}

/** Runs every guest's step, at most `limit` at a time (default: all at once; the Graph scheduler bounds the requests in flight); never rejects. */
async function each<T>(
  names: readonly string[],
  step: (name: string) => Promise<T>,
  limit = names.length,
): Promise<({ name: string; value: T } | { name: string; error: unknown })[]> {
  const out: ({ name: string; value: T } | { name: string; error: unknown })[] = new Array(names.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const i = next++;
      const name = names[i];
      try {
        out[i] = { name, value: await step(name) };
      } catch (error) {
        out[i] = { name, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, names.length)) }, worker));
  return out;
}

/** Validates every guest with the per-guest check (a failure names the guest and its field), before any write. */
export const check: NonNullable<dynamic.ResourceProvider["check"]> = async (olds, news) => {
  const guests = guestsOf(news);
  if (!guests || typeof news.list !== "string" || typeof news.shard !== "string") return { inputs: news };
  const s = { list: news.list, shard: news.shard };
  const oldGuests = guestsOf(olds) ?? {};
  const engine = engineContext(news);
  const urn = engine.urn;
  // The preview's per-guest lookup of new guests (adopted or invited?), unless there are many: then one
  // line, and the up's own lookup decides (a first up of thousands would read every guest twice).
  const added = Object.keys(guests).filter((n) => !(n in oldGuests)).length;
  const announce = added <= PREVIEW_LOOKUPS;
  if (!announce)
    await engine.log(
      `${added} new guests in ${s.list} shard ${s.shard}: the preview does not look each up; the up invites each, or adopts it (no invitation) when the address exists.`,
      urn,
    );
  const results = await each(Object.keys(guests), (name) =>
    checkStep(oldGuests[name] ? withDefaults(oldGuests[name]) : {}, guests[name], {
      ...guestContext(s, name, engine.identity, urn),
      announce,
    }),
  );
  const checked: Record<string, unknown> = {};
  const failures: dynamic.CheckFailure[] = [];
  for (const r of results) {
    if ("error" in r) throw r.error;
    checked[r.name] = withoutDefaults(r.value.inputs);
    for (const f of r.value.failures ?? [])
      failures.push({ property: `guests["${r.name}"].${f.property}`, reason: `guest '${r.name}': ${f.reason}` });
  }
  return failures.length ? { inputs: news, failures } : { inputs: { ...s, guests: checked } };
};

/**
 * Per guest, the per-guest diff (its reset, restore and reminder lines; the users the shard keeps
 * holding). Never a replacement of the shard; `changes` left undefined so the engine shows a property
 * path per changed guest (see {@link shardChanges}).
 */
export const diff: NonNullable<dynamic.ResourceProvider["diff"]> = async (_id, olds, news) => {
  const given = guestsOf(news);
  if (!given) return {};
  const guests = declared(given);
  const o = opened(olds);
  const s = { list: String(news.list), shard: String(news.shard) };
  const steps = planShard(o.guests, guests as Record<string, Partial<CheckedInputs>>);
  for (const step of steps) {
    const before = guestOutputs(o, step.name);
    if (before && guests[step.name])
      await diffStep(
        before.userId,
        before,
        guests[step.name] as CheckedInputs & Props,
        guestContext(s, step.name, o, o.urn),
      );
  }
  return { changes: shardChanges(steps, o.failed), replaces: [], deleteBeforeReplace: false };
};

/** Invites (or adopts, sending nothing) every guest; a partial failure records the guests that succeeded. */
export const create: dynamic.ResourceProvider["create"] = async (inputs) => {
  const i = { ...(inputs as unknown as ShardInputs), guests: declared(inputs.guests as Props) };
  const { identity: stack, urn } = engineContext(inputs);
  const id = `${i.list}/${i.shard}`;
  const names = Object.keys(i.guests ?? {});
  const results = (
    await each(names, (name) => createStep(i.guests[name] as CheckedInputs & Props, guestContext(i, name, stack, urn)))
  ).map(toResult((v) => v.outs as InvitationOutputs));
  const merged = mergeShard(undefined, results, names);
  const outs: ShardOutputs = {
    list: i.list,
    shard: i.shard,
    ...(stack ? { project: stack.project, stack: stack.stack } : {}),
    ...(urn ? { urn } : {}),
    guests: merged.guests,
    redeemUrls: merged.redeemUrls,
  };
  if (merged.failed.length)
    throw partialFailure(id, i.shard, { ...outs, failed: merged.failed }, results, inputs[PROVIDER_KEY]);
  return { id, outs: stored(outs) };
};

/** Each guest's step: create, update, reset (same user, in place), remove by its onDelete, or nothing. */
export const update: NonNullable<dynamic.ResourceProvider["update"]> = async (id, olds, news) => {
  const o = opened(olds);
  const i = { ...(news as unknown as ShardInputs), guests: declared(news.guests as Props) };
  const steps = planShard(o.guests, i.guests);
  // Removals last: a guest that moved to another name (a key rename) is taken over, and so held, first.
  const run = async (names: string[]) =>
    each(names, async (name): Promise<InvitationOutputs | undefined> => {
      const step = steps.find((s) => s.name === name)!;
      const ctx = guestContext(i, name, o, o.urn);
      const before = guestOutputs(o, name);
      const next = i.guests[name] as CheckedInputs & Props;
      switch (step.action) {
        case "create":
          return (await createStep(next, ctx)).outs as InvitationOutputs;
        case "update":
          return (await updateStep(before!.userId, before!, next, ctx)).outs;
        case "reset":
          // The per-guest replacement, in place: the delete half keeps the user (or lets it go when
          // invitedUser now names another), the create half resets its redemption.
          await deleteStep(before!.userId, before!, ctx);
          return (await createStep(next, ctx)).outs as InvitationOutputs;
        case "remove": {
          // Still declared in this run by another entry (the same address): taken over, not removed.
          const other =
            before!.invitedUserEmailAddress === undefined
              ? undefined
              : lifecycleRegistry().byEmail.get(before!.invitedUserEmailAddress);
          if (other)
            hold(before!.userId, {
              key: `email:${before!.invitedUserEmailAddress}`,
              label: `another entry declaring ${before!.invitedUserEmailAddress}`,
            });
          await deleteStep(before!.userId, before!, ctx);
          return undefined;
        }
        case "keep":
          return before;
      }
    });
  const removals = steps.filter((s) => s.action === "remove").map((s) => s.name);
  const first = await run(steps.filter((s) => s.action !== "remove").map((s) => s.name));
  const results = [...first, ...(await run(removals))].map(toResult((v) => v));
  const merged = mergeShard(o, results, Object.keys(i.guests));
  const outs: ShardOutputs = {
    list: i.list,
    shard: i.shard,
    ...(o.project ? { project: o.project, stack: o.stack } : {}),
    ...(o.urn ? { urn: o.urn } : {}),
    guests: merged.guests,
    redeemUrls: merged.redeemUrls,
  };
  if (merged.failed.length)
    throw partialFailure(id, i.shard, { ...outs, failed: merged.failed }, results, news[PROVIDER_KEY]);
  return { outs: stored(outs) };
};

/** Reads each guest: drift comes back per guest; a guest gone for good drops out (the next up invites it again). */
export const read: NonNullable<dynamic.ResourceProvider["read"]> = async (id, props) => {
  const o = opened(props);
  const names = Object.keys(o.guests ?? {});
  type Read = { props?: InvitationOutputs; inputs?: Partial<CheckedInputs> };
  const results = await each(
    names,
    async (name): Promise<Read> => readStep(o.guests[name].userId, guestOutputs(o, name)!),
    READS_IN_FLIGHT,
  );
  const inputs: Record<string, unknown> = {};
  for (const r of results) {
    if ("error" in r) throw r.error;
    if (!r.value.props) continue;
    inputs[r.name] = withoutDefaults(r.value.inputs ?? inputsOf(r.value.props as unknown as Props));
  }
  const found = results.flatMap((r) => ("value" in r && r.value.props ? [{ name: r.name, outs: r.value.props }] : []));
  const merged = mergeShard(undefined, found, names);
  const next: ShardOutputs = { ...o, guests: merged.guests, redeemUrls: merged.redeemUrls };
  if (!next.failed?.length) delete next.failed;
  return { id, props: stored(next), inputs: { list: o.list, shard: o.shard, guests: inputs } };
};

/** Every guest leaves by its onDelete (a user another resource holds now is kept). */
const remove: NonNullable<dynamic.ResourceProvider["delete"]> = async (_id, props) => {
  const o = opened(props);
  const names = Object.keys(o.guests ?? {});
  const results = await each(names, (name) =>
    deleteStep(o.guests[name].userId, guestOutputs(o, name)!, guestContext(o, name, o, o.urn)),
  );
  const failures = results.filter((r): r is { name: string; error: unknown } => "error" in r);
  if (failures.length) {
    throw new Error(
      `${failures.length} of ${names.length} guests of shard ${o.shard} could not be removed; the shard stays in the stack and the next run tries again:\n${failures.map((f) => `  - guest '${f.name}': ${messageOf(f.error)}`).join("\n")}`,
    );
  }
};
export { remove as delete };

function toResult<T>(
  outsOf: (v: T) => InvitationOutputs | undefined,
): (r: { name: string; value: T } | { name: string; error: unknown }) => GuestResult {
  return (r) => {
    if ("error" in r) return r;
    const outs = outsOf(r.value);
    return outs ? { name: r.name, outs } : { name: r.name, removed: true };
  };
}
