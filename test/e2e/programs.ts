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
