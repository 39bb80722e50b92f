// Guests with group membership. `groups` lists group object ids; for each guest and group the
// GuestList declares an @pulumi/azuread GroupMember (this program depends on @pulumi/azuread, an
// optional peer dependency of pulumi-entra-invitation: guest lists without groups don't need it).
import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import { GuestList } from "pulumi-entra-invitation";

const config = new pulumi.Config();
// Existing groups, by object id:
//   pulumi config set partnersGroupId <object id>; pulumi config set auditorsGroupId <object id>
const partners = config.require("partnersGroupId");
const auditors = config.require("auditorsGroupId");

const list = new GuestList("project-x", {
  defaults: {
    inviteRedirectUrl: "https://myapps.microsoft.com",
    // Every guest joins Partners unless the entry lists its own groups.
    groups: [partners],
  },
  guests: [
    // Lists its own groups: replaces the default list.
    {
      key: "woodgrove-auditor",
      invitedUserEmailAddress: "kim.mueller@woodgrove.example",
      invitedUserDisplayName: "Kim Müller",
      groups: [partners, auditors],
    },
    // Takes the default: Partners.
    { invitedUserEmailAddress: "avery.lee@fabrikam.com", invitedUserDisplayName: "Avery Lee" },
    // No groups at all.
    { invitedUserEmailAddress: "sam.ortiz@northwind.example", groups: [] },
  ],
});

// A group created in this program has no object id until it exists, so it cannot be listed in
// `groups` (ids name the memberships). Add the members yourself from `list.invitations`:
const reviewers = new azuread.Group("project-x-reviewers", {
  displayName: "Project X reviewers (guests)",
  securityEnabled: true,
});
for (const [name, invitation] of Object.entries(list.invitations)) {
  new azuread.GroupMember(`project-x-reviewers-${name}`, {
    groupObjectId: reviewers.objectId,
    memberObjectId: invitation.userId,
  });
}

export const guests = list.guests;
export const summary = list.summary;
/** The memberships the GuestList declared, by `guest/groupObjectId`. */
export const memberships = Object.keys(list.memberships);
export const reviewersGroupId = reviewers.objectId;
