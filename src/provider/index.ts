/**
 * The `pulumi.dynamic.ResourceProvider` behind `Invitation`. This module *is* the provider: its
 * exports are exactly the provider's methods, so Pulumi serializes it into state as one
 * `require("pulumi-entra-invitation/provider")` — small, free of paths and secrets, and still
 * resolvable after a package upgrade.
 *
 * @module pulumi-entra-invitation/provider
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { checkStep, configureRuntime, createStep, deleteStep, diffStep, readStep, updateStep } from "./runtime";

/** Reads stack config (`entra:*`, `azuread:*`) once per plugin process. */
export const configure: NonNullable<dynamic.ResourceProvider["configure"]> = (req) => configureRuntime(req.config);
/** Validates and normalises inputs before any Graph call. */
export const check: NonNullable<dynamic.ResourceProvider["check"]> = (olds, news) => checkStep(olds, news);
/** Exact diff: in-place updates vs redemption resets (replacements, delete-before-replace). */
export const diff: NonNullable<dynamic.ResourceProvider["diff"]> = (id, olds, news) => diffStep(id, olds, news);
/** Invites, adopts an existing guest, or (as half of a replacement) resets the same user's redemption. */
export const create: dynamic.ResourceProvider["create"] = (inputs) => createStep(inputs);
/** Refreshes from the user; a deleted guest drops out of state. */
export const read: NonNullable<dynamic.ResourceProvider["read"]> = (id, props) => readStep(id, props);
/** PATCHes what changes in place; re-issues a pending invitation whose message or redirect changed. */
export const update: NonNullable<dynamic.ResourceProvider["update"]> = (id, olds, news) => updateStep(id, olds, news);
/** By `onDelete`; never deletes the user of a replacement. */
const remove: NonNullable<dynamic.ResourceProvider["delete"]> = (id, props) => deleteStep(id, props);
export { remove as delete };
