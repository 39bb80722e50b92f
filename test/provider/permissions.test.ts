/**
 * A 403 names the least-privileged permission of the call that failed (issue 17): the pure table of
 * calls, and the provider's delete and disable against the emulator with an app that lacks them.
 */
import { invitationProvider } from "../../src";
import { permissionHint } from "../../src/graph/client";
import type { GraphRequest } from "../../src/graph/scheduler";
import { RunningEmulator } from "../../src/testing";
import { providerAgainstEmulator } from "./emulator-fixture";
import type { InvitationOutputs } from "../../src/provider/types";

describe("permissionHint: the permission of each call", () => {
  it.each<[string, Pick<GraphRequest, "method" | "path" | "body">, RegExp | undefined]>([
    [
      "an invitation",
      { method: "POST", path: "/invitations", body: { invitedUserEmailAddress: "a@b.c" } },
      /^inviting needs User\.Invite\.All/,
    ],
    [
      "a reset",
      { method: "POST", path: "/invitations", body: { invitedUser: { id: "u" }, resetRedemption: true } },
      /^resetting a guest's redemption needs User\.ReadWrite\.All/,
    ],
    [
      "a conversion (invitedUser, no reset)",
      { method: "POST", path: "/invitations", body: { invitedUser: { id: "u" } } },
      /needs User\.ReadWrite\.All \(invite-internal-users\)/,
    ],
    [
      "a mark",
      { method: "POST", path: "/users/u/extensions", body: {} },
      /^ownership marks .* need User\.ReadWrite\.All/,
    ],
    [
      "a mark's PATCH",
      { method: "PATCH", path: "/users/u/extensions/com.pulumi.entraInvitation", body: {} },
      /^ownership marks/,
    ],
    [
      "a sponsor",
      { method: "POST", path: "/users/u/sponsors/$ref", body: {} },
      /^adding sponsors needs User\.ReadWrite\.All/,
    ],
    ["a delete", { method: "DELETE", path: "/users/u" }, /^deleting a user needs User\.ReadWrite\.All/],
    [
      "a disable",
      { method: "PATCH", path: "/users/u", body: { accountEnabled: false } },
      /^disabling a user needs User\.EnableDisableAccount\.All and User\.Read\.All/,
    ],
    [
      "mail before a reset",
      { method: "PATCH", path: "/users/u", body: { mail: "a@b.c" } },
      /^setting mail before a redemption reset needs User\.ReadWrite\.All/,
    ],
    [
      "user properties",
      { method: "PATCH", path: "/users/u", body: { jobTitle: "CFO" } },
      /needs User\.ReadUpdate\.All \(least privileged, user-update\)/,
    ],
    ["a read: the generic hint", { method: "GET", path: "/users?$select=id" }, undefined],
  ])("%s", (_n, req, expected) => {
    const hint = permissionHint(req);
    if (expected) expect(hint).toMatch(expected);
    else expect(hint).toBeUndefined();
  });
});

describe("against the emulator: an app with User.Invite.All and User.Read.All", () => {
  const fixture = providerAgainstEmulator();
  let emu: RunningEmulator;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    emu = fixture.emu;
    const app = emu.addClient({ roles: ["User.Invite.All", "User.Read.All"] });
    for (const [k, v] of Object.entries({ ARM_CLIENT_ID: app.clientId, ARM_CLIENT_SECRET: app.clientSecret })) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    await invitationProvider.configure!({ config: { get: () => undefined, require: () => "" } as never });
  });
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it.each<[string, "delete" | "disable", RegExp]>([
    [
      "delete",
      "delete",
      /^permission missing: DELETE \/users\/\S+ was refused: the app lacks a permission or role \(403 Authorization_RequestDenied: [^\n]+\)\nFix: deleting a user needs User\.ReadWrite\.All/,
    ],
    [
      "disable",
      "disable",
      /^permission missing: PATCH \/users\/\S+ was refused: the app lacks a permission or role \(403 Authorization_RequestDenied: [^\n]+\)\nFix: disabling a user needs User\.EnableDisableAccount\.All and User\.Read\.All/,
    ],
  ])("onDelete %s: the error names the permission", async (_n, onDelete, expected) => {
    const user = emu.addUser({ displayName: "G", creationType: "Invitation", mail: `${onDelete}@perm.example` });
    const state = {
      invitedUserEmailAddress: `${onDelete}@perm.example`,
      inviteRedirectUrl: "https://myapps.microsoft.com",
      invitedUserType: "Guest",
      sendInvitationMessage: false,
      userId: user.id,
      adopted: false,
      onDelete,
    } as InvitationOutputs;
    await expect(invitationProvider.delete!(user.id, state)).rejects.toThrow(expected);
  });
});
