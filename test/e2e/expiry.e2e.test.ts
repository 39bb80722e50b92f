/**
 * Expiry through the real engine, with the settable clock (`ENTRA_NOW`, read by the program and the
 * provider): before, inside the warning window, on and after the date. A GuestList leaves an expired
 * guest out, so `up` removes it per its onDelete; a lone Invitation warns, then reports an error once
 * expired (and keeps the guest); the provider refuses to create an expired invitation. Nothing sleeps.
 */
import { graphWrites, RunningEmulator, RunResult, TestStack } from "../../src/testing";
import { ok, withEmulatedStack } from "./suite";

jest.setTimeout(300_000);

const PROGRAM = `
import * as fs from "fs";
import * as path from "path";
import { GuestList, Invitation } from "pulumi-entra-invitation";

const list = new GuestList("partners", { file: path.join(__dirname, "guests.yaml"), defaults: { inviteRedirectUrl: "https://myapps.microsoft.com" } });
const solos: { name: string; email: string; expiresOn: string }[] = JSON.parse(fs.readFileSync(path.join(__dirname, "solo.json"), "utf8"));
for (const s of solos) new Invitation(s.name, { invitedUserEmailAddress: s.email, inviteRedirectUrl: "https://myapps.microsoft.com", expiresOn: s.expiresOn });
export const summary = list.summary;
`;

const GUESTS = `defaults:
  expiresOn: 2027-01-31
guests:
  - email: kim@contoso.com
  - email: sam@contoso.com
    onDelete: disable
  - email: jo@contoso.com
    expiresOn: null
`;
const SOLO = [{ name: "solo", email: "solo@fabrikam.com", expiresOn: "2027-03-01" }];

let emu: RunningEmulator;
let stack: TestStack;

const at = (iso: string) => ({ env: { ENTRA_NOW: iso } });
const plan = (r: RunResult): Record<string, string> =>
  Object.fromEntries(
    r.steps.filter((x) => x.type.endsWith(":Invitation")).map((s) => [s.urn.split("::").pop()!, s.op]),
  );
const notes = (r: RunResult, re: RegExp): string[] =>
  r.diagnostics.filter((d) => d.severity !== "debug" && re.test(d.message)).map((d) => `${d.severity}: ${d.message}`);
const user = (mail: string) => emu.users({ includeDeleted: true }).find((u) => u.mail === mail)!;

withEmulatedStack(
  { name: "e2e-expiry", program: PROGRAM, files: { "guests.yaml": GUESTS, "solo.json": JSON.stringify(SOLO) } },
  (e, s) => {
    emu = e;
    stack = s;
  },
);

test("before the window: up invites everyone, no expiry lines; summary counts expiring", async () => {
  const r = ok(await stack.up(at("2027-01-01T09:00:00Z")));
  expect(
    emu
      .users()
      .map((u) => u.mail)
      .sort(),
  ).toEqual(["jo@contoso.com", "kim@contoso.com", "sam@contoso.com", "solo@fabrikam.com"]);
  expect(notes(r, /expire/)).toEqual([]);
  expect(r.outputs!.summary.value).toEqual({ PendingAcceptance: 3, expiring: 0 });
});

test("inside the window: the preview warns once per expiring guest, nothing changes", async () => {
  const p = ok(await stack.preview(at("2027-01-20T09:00:00Z")));
  expect(Object.values(plan(p)).every((op) => op === "same")).toBe(true);
  expect(notes(p, /expire/).sort()).toEqual([
    "warning: guest 'kim@contoso.com' expires on 2027-01-31 (in 11 days): the first up on or after that date removes it per its onDelete (delete, or retain if it was adopted)",
    "warning: guest 'sam@contoso.com' expires on 2027-01-31 (in 11 days): the first up on or after that date removes it per its onDelete (disable)",
  ]);
  const r = ok(await stack.up(at("2027-01-20T09:00:00Z")));
  expect(r.outputs!.summary.value).toEqual({ PendingAcceptance: 3, expiring: 2 });
});

test("on the date: the preview shows the removals with a line each; up removes them per onDelete", async () => {
  const p = ok(await stack.preview(at("2027-01-31T00:00:00Z")));
  expect(plan(p)).toEqual({
    "partners-kim@contoso.com": "delete",
    "partners-sam@contoso.com": "delete",
    "partners-jo@contoso.com": "same",
    solo: "same",
  });
  expect(notes(p, /expired/).sort()).toEqual([
    "warning: guest 'kim@contoso.com' expired on 2027-01-31: left out of the list, so it is removed per its onDelete (delete, or retain if it was adopted) if the stack holds it",
    "warning: guest 'sam@contoso.com' expired on 2027-01-31: left out of the list, so it is removed per its onDelete (disable) if the stack holds it",
  ]);
  emu.clearRequests();
  const r = ok(await stack.up(at("2027-01-31T00:00:00Z")));
  expect(user("kim@contoso.com").deletedDateTime).toBeTruthy();
  expect(user("sam@contoso.com")).toMatchObject({ accountEnabled: false });
  expect(user("sam@contoso.com").deletedDateTime).toBeFalsy();
  expect(user("jo@contoso.com").deletedDateTime).toBeFalsy();
  expect(
    graphWrites(emu.requests())
      .map((w) => w.method)
      .sort(),
  ).toEqual(["DELETE", "PATCH"]);
  expect(r.outputs!.summary.value).toEqual({ PendingAcceptance: 1, expiring: 0 });
});

test("after the date: nothing more changes; the lines stay", async () => {
  emu.clearRequests();
  const p = ok(await stack.preview(at("2027-02-10T00:00:00Z")));
  expect(plan(p)).toEqual({ "partners-jo@contoso.com": "same", solo: "same" });
  expect(notes(p, /expired on 2027-01-31/)).toHaveLength(2);
  expect(graphWrites(emu.requests())).toEqual([]);
});

test("a lone Invitation: a warning in its window, an error-level line once expired; the guest is kept", async () => {
  const w = ok(await stack.preview(at("2027-02-20T00:00:00Z")));
  expect(notes(w, /solo|expires on 2027-03-01/)).toEqual([
    "warning: expires on 2027-03-01 (in 9 days): from then on each preview and up reports an error until the Invitation is removed from the program",
  ]);
  expect(w.diagnostics.find((d) => /2027-03-01/.test(d.message))?.urn).toMatch(/::solo$/);
  emu.clearRequests();
  const e = await stack.up(at("2027-03-01T00:00:00Z"));
  expect(plan(e).solo).toBe("same");
  expect(notes(e, /expired on 2027-03-01/)).toEqual([
    expect.stringMatching(
      /^error: expired on 2027-03-01: the guest is kept until this Invitation is removed from the program; the next up then removes it per its onDelete/,
    ),
  ]);
  expect(e.diagnostics.find((d) => /2027-03-01/.test(d.message))?.urn).toMatch(/::solo$/);
  expect(user("solo@fabrikam.com").deletedDateTime).toBeFalsy();
  expect(graphWrites(emu.requests())).toEqual([]);
});

test("the provider refuses to create an expired invitation; nothing is sent to Graph", async () => {
  stack.writeFile("solo.json", JSON.stringify([{ name: "late", email: "late@fabrikam.com", expiresOn: "2027-01-15" }]));
  emu.clearRequests();
  // The program's own error aside, check refuses the create even when the program does not stop (up).
  const r = await stack.up(at("2027-02-10T00:00:00Z"));
  expect(r.ok).toBe(false);
  expect(`${r.stdout}\n${r.stderr}\n${r.diagnostics.map((d) => d.message).join("\n")}`).toMatch(
    /expiresOn 2027-01-15 has passed \(now 2027-02-10T00:00:00.000Z\): an expired guest is not invited/,
  );
  expect(emu.users().some((u) => u.mail === "late@fabrikam.com")).toBe(false);
  expect(emu.requests().filter((q) => q.method === "POST" && /invitations/.test(q.path))).toEqual([]);
});
