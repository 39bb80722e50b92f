/**
 * `@pulumi/azuread` is an optional peer dependency: loaded only when some guest has `groups`.
 * A Pulumi package among a program's dependencies makes the engine fetch its plugin (a download,
 * or a warning offline) even when unused, so programs without groups must not depend on it.
 */
import type * as pulumi from "@pulumi/pulumi";

export const GROUP_MEMBER_TYPE = "azuread:index/groupMember:GroupMember";

/** The part of `@pulumi/azuread` this package uses (declared here so our types don't need it installed). */
export interface AzureAdModule {
  GroupMember: new (
    name: string,
    args: { groupObjectId: pulumi.Input<string>; memberObjectId: pulumi.Input<string> },
    opts?: pulumi.CustomResourceOptions,
  ) => pulumi.CustomResource;
}

type Loader = (id: string) => unknown;

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the optional peer is loaded on demand, never at import time
const defaultLoader: Loader = (id) => require(id);

/** Load `@pulumi/azuread`, or explain how to install it. `load` is for tests. */
export function loadAzureAd(load: Loader = defaultLoader): AzureAdModule {
  let mod: unknown;
  try {
    mod = load("@pulumi/azuread");
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    const message = e instanceof Error ? e.message : String(e);
    if (code === "MODULE_NOT_FOUND" && message.includes("@pulumi/azuread")) {
      throw new Error(
        "GuestList: some guests have 'groups', which are added with @pulumi/azuread's GroupMember, but @pulumi/azuread is not installed. " +
          "Run 'npm install @pulumi/azuread' in the Pulumi project (it is an optional peer dependency of pulumi-entra-invitation), or remove 'groups'.",
      );
    }
    throw new Error(`GuestList: @pulumi/azuread could not be loaded (needed for 'groups'): ${message}`);
  }
  const GroupMember = (mod as { GroupMember?: unknown } | null)?.GroupMember;
  if (typeof GroupMember !== "function") {
    throw new Error(
      "GuestList: the installed @pulumi/azuread has no GroupMember resource; install @pulumi/azuread 6 or later",
    );
  }
  return mod as AzureAdModule;
}
