/**
 * For `entra-guests summarize`: the steps of guest shards (`GuestList` with `form: "shards"`) as the
 * per-guest steps the same change would be in the per-guest form, so both forms give the same rows.
 * A shard step becomes one step per guest that changes, with the URN, type and state its `Invitation`
 * would have (`<list>-<guest name>`); a guest moving between the forms (an `Invitation` deleted and
 * the same guest created in a shard, or back) is no step at all: nothing is sent. Pure.
 */
import { planDiff } from "../../../provider/plan";
import { decodeGuest } from "../../../provider/shard-plan";
import type { CheckedInputs, InvitationOutputs } from "../../../provider/types";
import type { PlanStep, ResourceState } from "./summary";
import { GUEST_SHARD_TYPE, INVITATION_TYPE } from "../../../names";

export { GUEST_SHARD_TYPE };

type Rec = Record<string, unknown>;
const isRecord = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);
const rec = (v: unknown): Rec => (isRecord(v) ? v : {});

/** One guest of a shard's state, as an `Invitation`'s state. */
function guestState(st: ResourceState | undefined, name: string): ResourceState | undefined {
  const inputs = rec(st?.inputs?.guests)[name];
  const outputs = decodeGuest(rec(st?.outputs?.guests)[name]) as unknown;
  if (!isRecord(inputs) && !isRecord(outputs)) return undefined;
  const out = isRecord(outputs) ? outputs : undefined;
  return {
    type: INVITATION_TYPE,
    id: typeof out?.userId === "string" ? out.userId : undefined,
    inputs: isRecord(inputs) ? inputs : out,
    outputs: out,
  };
}

/** The steps with each shard step expanded to its guests' steps. */
export function expandShardSteps(steps: readonly PlanStep[]): PlanStep[] {
  const out: PlanStep[] = [];
  for (const s of steps) {
    const type = s.new?.type ?? s.old?.type ?? s.urn.split("::")[2]?.split("$").pop();
    if (type !== GUEST_SHARD_TYPE) {
      out.push(s);
      continue;
    }
    const list = String(s.new?.inputs?.list ?? s.old?.inputs?.list ?? s.old?.outputs?.list ?? "");
    const names = [
      ...new Set([
        ...Object.keys(rec(s.old?.inputs?.guests)),
        ...Object.keys(rec(s.old?.outputs?.guests)),
        ...Object.keys(rec(s.new?.inputs?.guests)),
      ]),
    ];
    for (const name of names) {
      const at = s.urn.lastIndexOf(`${GUEST_SHARD_TYPE}::`);
      const urn = `${at < 0 ? `${s.urn}$` : s.urn.slice(0, at)}${INVITATION_TYPE}::${list}-${name}`;
      const old = s.op === "create" ? undefined : guestState(s.old, name);
      const next = s.op === "delete" || s.op === "refresh" ? undefined : guestState(s.new, name);
      const applied = decodeGuest(rec(s.applied?.guests)[name]);
      const base = { urn, old, new: next, ...(isRecord(applied) ? { applied } : {}) };
      if (s.op === "refresh") {
        if (old) out.push({ ...base, op: "refresh", new: guestState(s.new, name) });
        continue;
      }
      if (!old && next) out.push({ ...base, op: "create" });
      else if (old && !next) out.push({ ...base, op: "delete" });
      else if (old && next) {
        const plan = planDiff(
          (old.outputs ?? old.inputs) as Partial<InvitationOutputs>,
          next.inputs as Partial<CheckedInputs>,
        );
        if (plan.replaces.length) out.push({ ...base, op: "replace", replaceReasons: plan.replaces });
        else if (plan.changes) out.push({ ...base, op: "update" });
      }
    }
  }
  // A guest moving between the forms: created in one, deleted from the other, the same name: no step.
  const created = new Set(out.filter((s) => s.op === "create").map((s) => s.urn));
  const deleted = new Set(out.filter((s) => s.op === "delete").map((s) => s.urn));
  return out.filter((s) => !((s.op === "create" && deleted.has(s.urn)) || (s.op === "delete" && created.has(s.urn))));
}
