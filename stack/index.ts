// The guest list stack at the repository root: one GuestList from a file named by stack config.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { GuestList, OnDelete } from "pulumi-entra-invitation";

const config = new pulumi.Config();
const file = path.resolve(__dirname, "..", config.get("guestFile") ?? "guests.yaml");

const list = new GuestList("guests", {
  file,
  defaults: {
    inviteRedirectUrl: config.get("redirectUrl") ?? "https://myapps.microsoft.com",
    sendInvitationMessage: config.getBoolean("sendInvitationMessage") ?? false,
    onDelete: (config.get("onDelete") ?? "delete") as OnDelete,
  },
});

export const guests = list.guests;
export const summary = list.summary;
