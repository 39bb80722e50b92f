/**
 * The names the engine records for this package's resources, and the one way to read a URN. Shared
 * by the program side (`Invitation`, `GuestList`), the provider (ownership marks) and the CLI
 * (`summarize`, `orphans`). Pure; loads nothing.
 */

/** The module part of `Invitation`'s type token. */
export const INVITATION_MODULE = "entra";
/** The type part of `Invitation`'s type token (what a dynamic resource's constructor takes). */
export const INVITATION_TYPE_NAME = "Invitation";
/**
 * `Invitation`'s type token as the engine records it in state, in URNs and in `--json` output: a
 * dynamic resource's token is `pulumi-nodejs:dynamic/<module>:<type>`.
 */
export const INVITATION_TYPE = `pulumi-nodejs:dynamic/${INVITATION_MODULE}:${INVITATION_TYPE_NAME}`;
/** The type part of `GuestShard`'s type token (a `GuestList` of `form: "shards"`). */
export const GUEST_SHARD_TYPE_NAME = "GuestShard";
/** `GuestShard`'s type token as the engine records it. */
export const GUEST_SHARD_TYPE = `pulumi-nodejs:dynamic/${INVITATION_MODULE}:${GUEST_SHARD_TYPE_NAME}`;

/** Who a resource is, from its URN `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export interface ResourceIdentity {
  project: string;
  stack: string;
  /** The resource's logical name (`partners-kim@contoso.com`). */
  name: string;
}

/** The parts of a URN: stack, project, the type chain (`parent$type`) and the name; undefined when it is not one. */
function urnParts(urn: string): { stack: string; project: string; types: string[]; name: string } | undefined {
  const m = /^urn:pulumi:(.*)$/.exec(urn);
  if (!m) return undefined;
  const parts = m[1].split("::");
  if (parts.length < 4) return undefined;
  const [stack, project, type, ...name] = parts;
  return { stack, project, types: type.split("$"), name: name.join("::") };
}

/** Parses a URN; undefined when it is not one (or names no stack, project or resource). */
export function parseUrn(urn: string): ResourceIdentity | undefined {
  const p = urnParts(urn);
  if (!p || !p.stack || !p.project || p.name === "") return undefined;
  return { project: p.project, stack: p.stack, name: p.name };
}

/** The resource's own type in a URN (the last of `parent$type`); "" when it is not a URN. */
export function urnType(urn: string): string {
  const types = urnParts(urn)?.types ?? [];
  return types[types.length - 1] ?? "";
}
