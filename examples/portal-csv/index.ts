// A guest list kept in the file the Entra portal's "Bulk invite" uses (BulkInvite.csv). The portal
// invites once and forgets; as a stack the same file is declarative: adding a row invites a guest,
// removing it removes the guest, and `pulumi preview` shows both first.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { GuestList } from "pulumi-entra-invitation";

const config = new pulumi.Config();

const list = new GuestList("portal-guests", {
  file: path.join(__dirname, "BulkInvite.csv"),
  // Rows with an empty [inviteRedirectURL] (or [sendEmail]) take these.
  defaults: {
    inviteRedirectUrl: config.get("redirectUrl") || "https://myapps.microsoft.com",
    onDelete: "disable",
  },
});

/** Per guest (named by email): user id, email, state; the redeem link is secret. */
export const guests = list.guests;
/** e.g. { PendingAcceptance: 3, Accepted: 1 } */
export const summary = list.summary;
