/**
 * The `pulumi.dynamic.ResourceProvider` behind `Invitation`. This module *is* the provider: its
 * exports are exactly the provider's methods, so Pulumi serializes it into state as one
 * `require("pulumi-entra-invitation/provider")` — small, free of paths and secrets, and still
 * resolvable after a package upgrade.
 *
 * @module pulumi-entra-invitation/provider
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { EntraFailure, explain } from "../graph/failures";
import { filterConsoleErrors } from "../sdk";
import { engineContext } from "./context";
import { checkStep, configureRuntime, createStep, deleteStep, diffStep, readStep, updateStep } from "./runtime";

/**
 * What the SDK's provider server prints for an error we explained. For a failed check, diff, read or
 * delete it writes `${e}: ${e.stack}` to the plugin's stderr, which the engine shows beside the
 * error it already shows for the resource: the story twice per guest. Those exact texts are dropped.
 */
const explainedTexts = new Map<string, number>();

/** Count one more (+1) or one less (-1) pending text; true when there was one to take. */
function pending(text: string, delta: 1 | -1): boolean {
  const n = explainedTexts.get(text) ?? 0;
  if (delta < 0 && n === 0) return false;
  if (n + delta === 0) explainedTexts.delete(text);
  else explainedTexts.set(text, n + delta);
  return true;
}

// In the SDK's plugin process: console.error leaves out the texts of `explainedTexts`.
filterConsoleErrors((text) => pending(text, -1));

/** Errors of configure: bad input (stack config, environment) whose message says what to set. */
const refusedSettings = new WeakSet<Error>();

/**
 * A step whose failures the engine shows as the story (class, host or field, cause, "Fix:") with no
 * stack trace, the second and later failures of the same cause as one line pointing to the first.
 * What an error carries for the engine (`id`, `properties`, `reasons`: partial progress) is kept.
 */
function explained<A extends unknown[], R>(
  step: (...args: A) => Promise<R>,
  settings = false,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await step(...args);
    } catch (e) {
      // Settings that configure refused (every later call of the process fails with the same error).
      if (settings && e instanceof Error && !(e instanceof EntraFailure)) refusedSettings.add(e);
      const out = explain(
        refusedSettings.has(e as Error)
          ? new EntraFailure(
              { class: "input", where: "the provider's settings", cause: "cannot be used", fix: (e as Error).message },
              e,
            )
          : e,
      );
      if (out !== e && e && typeof e === "object" && out && typeof out === "object") {
        for (const k of ["id", "properties", "reasons"] as const)
          if (k in e) Object.assign(out, { [k]: (e as Record<string, unknown>)[k] });
      }
      if (out instanceof EntraFailure) {
        const text = `${String(out)}: ${out.stack}`;
        pending(text, 1);
        // Create and update answer through the gRPC status only: forget the text if nobody prints it.
        setTimeout(() => pending(text, -1), 5_000).unref();
      }
      throw out;
    }
  };
}

// Each step gets its context (URN, identity, the engine log) from here, through the SDK door
// (context.ts). Only `check`'s news and `create`'s inputs carry the resource's URN: the SDK's server
// gives the other calls none.

/** Reads stack config (`entra:*`, `azuread:*`) once per plugin process. */
export const configure: NonNullable<dynamic.ResourceProvider["configure"]> = explained(
  async (req) => configureRuntime(req.config),
  true,
);
/** Validates and normalises inputs before any Graph call. */
export const check: NonNullable<dynamic.ResourceProvider["check"]> = explained(async (olds, news) =>
  checkStep(olds, news, engineContext(news)),
);
/** Exact diff: in-place updates vs redemption resets (replacements, delete-before-replace). */
export const diff: NonNullable<dynamic.ResourceProvider["diff"]> = explained(async (id, olds, news) =>
  diffStep(id, olds, news, engineContext()),
);
/** Invites, adopts an existing guest, or (as half of a replacement) resets the same user's redemption. */
export const create: dynamic.ResourceProvider["create"] = explained(async (inputs) =>
  createStep(inputs, engineContext(inputs)),
);
/** Refreshes from the user; a deleted guest drops out of state. */
export const read: NonNullable<dynamic.ResourceProvider["read"]> = explained(async (id, props) => readStep(id, props));
/** PATCHes what changes in place; re-issues a pending invitation whose message or redirect changed. */
export const update: NonNullable<dynamic.ResourceProvider["update"]> = explained(async (id, olds, news) =>
  updateStep(id, olds, news, engineContext()),
);
/** By `onDelete`; never deletes the user of a replacement. */
const remove: NonNullable<dynamic.ResourceProvider["delete"]> = explained(async (id, props) =>
  deleteStep(id, props, engineContext()),
);
export { remove as delete };
