/**
 * Where the bytes of one resource in the engine's state go (issue 18 item 5), in compact JSON: each
 * top-level field the engine writes, and inside `inputs` and `outputs` the `__provider` text, the
 * encrypted secrets, the inputs the provider echoes into its outputs, the other inputs and the
 * outputs only the provider computes. The parts add up to the resource's compact JSON exactly
 * (each member counted as `"name":value` plus its comma, each object's braces with it). Pure.
 */

/** The engine's marker of an encrypted secret in state (sdk/go/common/resource/sig). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export type StatePart =
  | "__provider (inputs and outputs)"
  | "secret outputs (encrypted)"
  | "inputs echoed into outputs"
  | "inputs, the provider's copy"
  | "outputs only the provider computes"
  | `engine: ${string}`;

export interface StateBreakdown {
  /** Compact JSON bytes of the whole resource. */
  total: number;
  /** Bytes per part; they add up to `total`. */
  parts: Partial<Record<StatePart, number>>;
  /** Output fields that echo an input (same name, same value). */
  echoed: string[];
  /** Output fields that are encrypted secrets. */
  secrets: string[];
  /** Output fields only the provider computes (not an input, not a secret). */
  computed: string[];
}

const bytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v));
/** A member `"name":value` and its separating comma (the last member's comma pays for nothing, see below). */
const member = (k: string, v: unknown): number => bytes(k) + 1 + bytes(v) + 1;
const isSecret = (v: unknown): boolean => typeof v === "object" && v !== null && SECRET_SIG in v;

export function stateBreakdown(resource: Record<string, unknown>): StateBreakdown {
  const parts: Partial<Record<StatePart, number>> = {};
  const add = (p: StatePart, n: number): void => void (parts[p] = (parts[p] ?? 0) + n);
  const inputs = (resource.inputs ?? {}) as Record<string, unknown>;
  const outputs = (resource.outputs ?? {}) as Record<string, unknown>;
  const echoed: string[] = [];
  const secrets: string[] = [];
  const computed: string[] = [];
  for (const [k, v] of Object.entries(resource)) {
    if (k === "inputs" || k === "outputs") add("engine: names and braces of inputs and outputs", member(k, {}));
    else add(`engine: ${k}`, member(k, v));
  }
  for (const [k, v] of Object.entries(inputs)) {
    if (k === "__provider") add("__provider (inputs and outputs)", member(k, v));
    else add("inputs, the provider's copy", member(k, v));
  }
  for (const [k, v] of Object.entries(outputs)) {
    if (k === "__provider") add("__provider (inputs and outputs)", member(k, v));
    else if (isSecret(v)) {
      secrets.push(k);
      add("secret outputs (encrypted)", member(k, v));
    } else if (k in inputs && JSON.stringify(inputs[k]) === JSON.stringify(v)) {
      echoed.push(k);
      add("inputs echoed into outputs", member(k, v));
    } else {
      computed.push(k);
      add("outputs only the provider computes", member(k, v));
    }
  }
  // Each object's last member has no comma: the resource's own, and those of non-empty inputs/outputs.
  const lastCommas = [resource, inputs, outputs].filter((o) => Object.keys(o).length > 0).length;
  // The resource's braces, less the commas that are not there.
  add("engine: names and braces of inputs and outputs", 2 - lastCommas);
  const total = bytes(resource);
  return { total, parts, echoed, secrets, computed };
}

/** The mean of each part over many resources (rounded to whole bytes). */
export function meanBreakdown(all: StateBreakdown[]): StateBreakdown | undefined {
  if (!all.length) return undefined;
  const parts: Partial<Record<StatePart, number>> = {};
  for (const b of all)
    for (const [k, v] of Object.entries(b.parts) as [StatePart, number][]) parts[k] = (parts[k] ?? 0) + v;
  for (const k of Object.keys(parts) as StatePart[]) parts[k] = Math.round(parts[k]! / all.length);
  return {
    total: Math.round(all.reduce((n, b) => n + b.total, 0) / all.length),
    parts,
    echoed: all[0].echoed,
    secrets: all[0].secrets,
    computed: all[0].computed,
  };
}
