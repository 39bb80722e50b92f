/** Program texts that several end-to-end suites run (each as `index.ts` of a {@link TestStack}), and the names they share. */

/** The type token of the dynamic provider's Invitation resource, as it stands in steps and state. */
export const INVITATION = "pulumi-nodejs:dynamic/entra:Invitation";

/** The `inviteRedirectUrl` the suites' guests are invited with. */
export const redirect = "https://myapps.microsoft.com";

/** A `GuestList` of `guests.yaml` beside the program, exporting its `summary`. */
export const GUEST_LIST_PROGRAM = `
import * as path from "path";
import { GuestList } from "pulumi-entra-invitation";

const list = new GuestList("partners", { file: path.join(__dirname, "guests.yaml"), defaults: { inviteRedirectUrl: "https://myapps.microsoft.com" } });
export const summary = list.summary;
`;

/**
 * A `GuestList` of `guests.yaml` beside the program with `sendInvitationMessage: true` by default (so an
 * invitation that goes out would send an email: adoption must send none), exporting its `guests`.
 */
export const INVITING_GUEST_LIST_PROGRAM = `
import * as path from "path";
import { GuestList } from "pulumi-entra-invitation";

const list = new GuestList("guests", {
  file: path.join(__dirname, "guests.yaml"),
  defaults: { inviteRedirectUrl: "https://myapps.microsoft.com", sendInvitationMessage: true },
});
export const guests = list.guests;
`;

/**
 * A `GuestList` "partners" of `guests.yaml` beside the program, exporting its `guests` and `summary`;
 * with `shape`, in that form (`form: "shards"` or `"invitations"`) and number of shards.
 */
export const guestListProgram = (shape?: { form: "shards" | "invitations"; shards: number }): string => `
import * as path from "path";
import { GuestList } from "pulumi-entra-invitation";

const list = new GuestList("partners", { file: path.join(__dirname, "guests.yaml"), defaults: { inviteRedirectUrl: "https://myapps.microsoft.com" }${shape ? `, form: "${shape.form}", shards: ${shape.shards}` : ""} });
export const guests = list.guests;
export const summary = list.summary;
`;

/** A `guests.yaml` of these entries (each a YAML list item, as {@link AVERY} and {@link SAM}). */
export const guestsYaml = (entries: string[]): string => `guests:\n${entries.join("\n")}\n`;
/** A keyed guest with a display name, as a `guests.yaml` entry. */
export const AVERY = "  - key: fabrikam-lead\n    email: avery@fabrikam.com\n    displayName: Avery";
/** A guest without a key, with a display name, as a `guests.yaml` entry. */
export const SAM = "  - email: sam@northwind.example\n    displayName: Sam";
