/**
 * `entra-guests summarize` gives the same rows for a GuestList in the shard form as for the same
 * change in the per-guest form: shard steps are expanded into the per-guest steps (tables), and a
 * move between the forms is no row.
 */
import { expandShardSteps, GUEST_SHARD_TYPE } from "../../../../src/cli/commands/summarize/shard-steps";
import { GuestRow, PlanStep, summarize } from "../../../../src/cli/commands/summarize/summary";
import { encodeGuest, type GuestState, withoutDefaults } from "../../../../src/provider/shard-plan";

const INV = "pulumi-nodejs:dynamic/entra:Invitation";
const urn = (name: string, type: string): string => `urn:pulumi:dev::guests::entra:index:GuestList$${type}::${name}`;
type Inputs = Record<string, unknown>;
const inputs = (email: string, extra: Inputs = {}): Inputs => ({
  inviteRedirectUrl: "https://myapps.microsoft.com",
  invitedUserEmailAddress: email,
  invitedUserType: "Guest",
  sendInvitationMessage: false,
  ...extra,
});
const state = (email: string, id: string, extra: Inputs = {}): Inputs => ({
  ...inputs(email, extra),
  userId: id,
  adopted: false,
  externalUserState: "PendingAcceptance",
});

/** A guest change in both forms: the per-guest steps and the one shard step. */
type Change = { name: string; old?: Inputs; oldState?: Inputs; next?: Inputs };
function perGuest(changes: Change[]): PlanStep[] {
  return changes.flatMap((c): PlanStep[] => {
    const old = c.old ? { type: INV, id: String(c.oldState!.userId), inputs: c.old, outputs: c.oldState } : undefined;
    const next = c.next ? { type: INV, inputs: c.next } : undefined;
    if (!old) return [{ op: "create", urn: urn(`g-${c.name}`, INV), new: next }];
    if (!next) return [{ op: "delete", urn: urn(`g-${c.name}`, INV), old }];
    const email =
      c.old!.invitedUserEmailAddress !== c.next!.invitedUserEmailAddress ||
      JSON.stringify(c.old!.triggers) !== JSON.stringify(c.next!.triggers);
    if (email)
      return [
        {
          op: "replace",
          urn: urn(`g-${c.name}`, INV),
          old,
          new: next,
          replaceReasons:
            c.old!.invitedUserEmailAddress !== c.next!.invitedUserEmailAddress
              ? ["invitedUserEmailAddress"]
              : ["triggers"],
        },
      ];
    return JSON.stringify(c.old) === JSON.stringify(c.next)
      ? []
      : [{ op: "update", urn: urn(`g-${c.name}`, INV), old, new: next }];
  });
}
function shard(changes: Change[], op = "update"): PlanStep {
  const olds = changes.filter((c) => c.old);
  const news = changes.filter((c) => c.next);
  return {
    op,
    urn: urn("g-shard-1of4", GUEST_SHARD_TYPE),
    old: olds.length
      ? {
          type: GUEST_SHARD_TYPE,
          id: "g/1of4",
          inputs: { list: "g", shard: "1of4", guests: Object.fromEntries(olds.map((c) => [c.name, c.old])) },
          outputs: { list: "g", shard: "1of4", guests: Object.fromEntries(olds.map((c) => [c.name, c.oldState])) },
        }
      : undefined,
    new: news.length
      ? {
          type: GUEST_SHARD_TYPE,
          inputs: { list: "g", shard: "1of4", guests: Object.fromEntries(news.map((c) => [c.name, c.next])) },
        }
      : undefined,
  };
}
const rows = (steps: PlanStep[]): GuestRow[] => summarize({ kind: "preview", steps, errors: [] }).rows;

describe("the same rows for both forms", () => {
  const a = "alice@contoso.com";
  const b = "bob@contoso.com";
  const kept: Change = {
    name: "kept",
    old: inputs("kept@contoso.com"),
    oldState: state("kept@contoso.com", "u-kept"),
    next: inputs("kept@contoso.com"),
  };
  it.each<[string, Change[], string]>([
    ["a guest added (invite)", [kept, { name: a, next: inputs(a) }], "update"],
    [
      "a guest removed (remove by onDelete)",
      [kept, { name: b, old: inputs(b, { onDelete: "disable" }), oldState: state(b, "u-b", { onDelete: "disable" }) }],
      "update",
    ],
    [
      "an email change (reset, same user)",
      [kept, { name: "lead", old: inputs(a), oldState: state(a, "u-a"), next: inputs(b) }],
      "update",
    ],
    [
      "a triggers change (reset)",
      [
        kept,
        {
          name: a,
          old: inputs(a, { triggers: { v: 1 } }),
          oldState: state(a, "u-a", { triggers: { v: 1 } }),
          next: inputs(a, { triggers: { v: 2 } }),
        },
      ],
      "update",
    ],
    [
      "a display name (update)",
      [
        kept,
        { name: a, old: inputs(a), oldState: state(a, "u-a"), next: inputs(a, { invitedUserDisplayName: "Alice" }) },
      ],
      "update",
    ],
    [
      "a new shard (every guest invited)",
      [
        { name: a, next: inputs(a) },
        { name: b, next: inputs(b) },
      ],
      "create",
    ],
  ])("%s", (_why, changes, op) => {
    const expected = rows(perGuest(changes));
    expect(expected.length).toBeGreaterThan(0);
    expect(rows([shard(changes, op)])).toEqual(expected);
  });

  it("an unchanged shard guest gives no step", () => {
    expect(expandShardSteps([shard([kept])])).toEqual([]);
  });

  it("a move between the forms (Invitation deleted, the same guest created in a shard) is no row", () => {
    const moved: PlanStep[] = [
      {
        op: "delete",
        urn: urn(`g-${a}`, INV),
        old: { type: INV, id: "u-a", inputs: inputs(a), outputs: state(a, "u-a") },
      },
      shard([{ name: a, next: inputs(a) }], "create"),
    ];
    expect(rows(moved)).toEqual([]);
  });
});

describe("a shard state in this version's format (a guest's outputs one string, its inputs without the defaults) gives the same rows", () => {
  const a = "alice@contoso.com";
  const b = "bob@contoso.com";
  type Side = { inputs?: { guests?: Record<string, unknown> }; outputs?: { guests?: Record<string, unknown> } };
  const map = (g: Record<string, unknown> | undefined, f: (v: Record<string, unknown>) => unknown) =>
    g && Object.fromEntries(Object.entries(g).map(([k, v]) => [k, f(v as Record<string, unknown>)]));
  const side = (s: Side | undefined): Side | undefined =>
    s && {
      ...s,
      inputs: s.inputs && { ...s.inputs, guests: map(s.inputs.guests, withoutDefaults) },
      ...(s.outputs
        ? { outputs: { ...s.outputs, guests: map(s.outputs.guests, (v) => encodeGuest(v as unknown as GuestState)) } }
        : {}),
    };
  const compact = (step: PlanStep): PlanStep =>
    ({ ...step, old: side(step.old as Side), new: side(step.new as Side) }) as PlanStep;
  it.each<[string, Change[], string]>([
    [
      "a guest added and one removed",
      [
        { name: a, next: inputs(a) },
        { name: b, old: inputs(b), oldState: state(b, "u-b") },
      ],
      "update",
    ],
    [
      "an email change (reset, same user)",
      [{ name: "lead", old: inputs(a), oldState: state(a, "u-a"), next: inputs(b) }],
      "update",
    ],
    [
      "a display name (update)",
      [{ name: a, old: inputs(a), oldState: state(a, "u-a"), next: inputs(a, { invitedUserDisplayName: "Alice" }) }],
      "update",
    ],
  ])("%s", (_why, changes, op) => {
    const step = compact(shard(changes, op));
    expect(JSON.stringify(step.old?.outputs)).toContain("g1:");
    expect(rows([step])).toEqual(rows(perGuest(changes)));
  });

  it("an unchanged guest recorded without the defaults, declared with them, gives no step", () => {
    const kept: Change = {
      name: "kept",
      old: inputs("k@contoso.com"),
      oldState: state("k@contoso.com", "u-k"),
      next: inputs("k@contoso.com"),
    };
    expect(expandShardSteps([compact(shard([kept]))])).toEqual([]);
  });
});
