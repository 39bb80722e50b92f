/**
 * `invitedUser` changed to name another user, through `pulumi up` of a TypeScript program: that is
 * not a redemption reset of the same user. The old user leaves the stack by its `onDelete`; the new
 * one is taken over (its redemption reset with `resetRedemption: true`). Before the fix the delete
 * half kept the old user and the create reset the old user's redemption. Dropping `invitedUser`
 * afterwards keeps the user: an update that sends nothing.
 */
import { adminInvite, graphWrites, TestStack } from "../../src/testing";
import type { RunningEmulator } from "../../src/testing";
import { redirect } from "./programs";
import { previewJson } from "../../src/testing/preview-json";
import { summarize } from "./summarize-bin";
import { ok, withEmulatedStack } from "./suite";

jest.setTimeout(300_000);

const PROGRAM = `
import * as fs from "fs";
import * as path from "path";
import { Invitation, InvitationArgs } from "pulumi-entra-invitation";

const args: InvitationArgs = JSON.parse(fs.readFileSync(path.join(__dirname, "guest.json"), "utf8"));
const dan = new Invitation("dan", args);
export const userId = dan.userId;
export const adopted = dan.adopted;
`;

let emu: RunningEmulator;
let stack: TestStack;

/** The program's one guest (guest.json): `email`, the suite's redirect, onDelete disable, and `more` inputs. */
function writeGuest(email: string, more: Record<string, unknown> = {}): void {
  stack.writeFile(
    "guest.json",
    JSON.stringify({ invitedUserEmailAddress: email, inviteRedirectUrl: redirect, onDelete: "disable", ...more }),
  );
}

function diagnosticsSection(stdout: string): string[] {
  const m = /^Diagnostics:\n([\s\S]*?)\n(?:\S|$)/m.exec(stdout);
  return m
    ? m[1]
        .split("\n")
        .filter((l) => /^ {4}\S/.test(l))
        .map((l) => l.trim())
    : [];
}

withEmulatedStack({ name: "e2e-switch-user", program: PROGRAM }, (e, s) => {
  emu = e;
  stack = s;
});

test("invitedUser naming another user: the old user is disabled by its onDelete and keeps its redemption; the new one is reset", async () => {
  writeGuest("dan@contoso.example");
  const first = ok(await stack.up());
  const danId = first.outputs?.userId?.value as string;
  emu.redeem(danId);
  const erinId = await adminInvite(emu, "erin@partner.example");
  emu.clearRequests();

  writeGuest("erin@partner.example", { invitedUser: erinId, resetRedemption: true });
  const p = ok(await stack.preview());
  expect(p.stdout).toMatch(/^ \+- +pulumi-nodejs:dynamic\/entra:Invitation dan replace/m);
  expect(diagnosticsSection(p.stdout)).toEqual([
    `dan@contoso.example: invitedUser change to ${erinId.slice(0, 8)}… → another user: ${erinId.slice(0, 8)}… is taken over and its redemption reset; the old user ${danId.slice(0, 8)}… leaves the stack by its onDelete (disable)`,
  ]);
  const json = await previewJson(stack);
  const text = await summarize(json.stdout, ["--format", "text"]);
  expect(text.stdout.split("\n")).toEqual([
    "Guest changes in stack e2e-switch-user (pulumi preview)",
    "  switch user (old: disable)  erin@partner.example  invitedUser names another user; that user taken over, its redemption reset; the old user: sign-in blocked (accountEnabled false); the user stays",
    "1 guest changes: 1 user switch (old user: 1 disable).",
    "",
  ]);
  expect(graphWrites(emu.requests())).toEqual([]);

  const r = ok(await stack.up());
  expect(r.summary).toMatchObject({ replace: 1 });
  expect(r.outputs?.userId?.value).toBe(erinId);
  expect(r.outputs?.adopted?.value).toBe(true);
  const writes = graphWrites(emu.requests()).filter((w) => !w.path.includes("/extensions"));
  expect(writes.map((w) => `${w.method} ${w.path.split("?")[0]}`)).toEqual([
    `PATCH /v1.0/users/${danId}`,
    "POST /v1.0/invitations",
  ]);
  expect(writes[0].body).toEqual({ accountEnabled: false });
  expect(writes[1].body).toMatchObject({ resetRedemption: true, invitedUser: { id: erinId } });
  // Dan is not reset (still Accepted, same address), only disabled; Erin was reset.
  expect(emu.users().find((u) => u.id === danId)).toMatchObject({
    mail: "dan@contoso.example",
    externalUserState: "Accepted",
    accountEnabled: false,
  });
  expect(emu.users().find((u) => u.id === erinId)).toMatchObject({ externalUserState: "PendingAcceptance" });

  emu.clearRequests();
  const again = ok(await stack.preview({ refresh: true }));
  expect(again.steps.filter((s) => s.op !== "same" && s.op !== "refresh")).toEqual([]);
  expect(graphWrites(emu.requests())).toEqual([]);

  // The switch done, the program drops invitedUser and resetRedemption: an update, no second reset.
  emu.redeem(erinId);
  writeGuest("erin@partner.example");
  const drop = ok(await stack.up());
  expect(drop.summary).toMatchObject({ update: 1 });
  expect(drop.outputs?.userId?.value).toBe(erinId);
  expect(graphWrites(emu.requests())).toEqual([]);
  expect(emu.users().find((u) => u.id === erinId)).toMatchObject({ externalUserState: "Accepted" });
});
