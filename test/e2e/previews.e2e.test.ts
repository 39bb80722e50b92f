/**
 * Previews that tell the truth (issue 20, item 3), asserted from the plain CLI's own output and from
 * `entra-guests summarize` of `pulumi preview --json` (the installed package's bin):
 *
 * 1. A takeover: two guests invited out of band are declared (with `sendInvitationMessage: true`);
 *    the preview announces each as adopted, summarize shows `adopt` (no "invitation email sent"), and
 *    `up` sends no invitation.
 * 2. A key rename: the preview and `up` say "taken over by the new key, not deleted", summarize
 *    shows one `rename key` row; the user stays (same object id).
 * 3. A guest deleted out of band, still in the recycle bin: `preview --refresh` says "restore from
 *    the recycle bin", summarize shows `restore`; `up --refresh` restores the same object id.
 * 4. `destroy`: the adopted guests are said to be retained, one line each, and stay.
 */
import { adminGraphClient, providerEnv, requestsTo, startEmulator, TestStack } from "../../src/testing";
import type { RunningEmulator, RunResult } from "../../src/testing";
import { previewJson } from "../../src/testing/preview-json";
import { summarize } from "./summarize-bin";

import { INVITING_GUEST_LIST_PROGRAM, redirect } from "./programs";

jest.setTimeout(600_000);

const PROGRAM = INVITING_GUEST_LIST_PROGRAM;

const file = (entries: [key: string, email: string][]): string =>
  `guests:\n${entries.map(([k, e]) => `  - key: ${k}\n    email: ${e}\n`).join("")}`;

let emu: RunningEmulator;
let stack: TestStack;
const ids: Record<string, string> = {};

const ok = (r: RunResult): RunResult => {
  if (!r.ok) throw new Error(`${r.op} failed: ${r.error}\n${r.stdout}\n${r.stderr}`);
  return r;
};
/** The live user with this mail (not in the recycle bin). */
const userOf = (mail: string) => emu.users().find((u) => u.mail === mail && !u.deletedDateTime);
const short = (id: string): string => `${id.slice(0, 8)}\u2026`;

beforeAll(async () => {
  emu = await startEmulator();
  const admin = adminGraphClient(emu);
  for (const mail of ["kim@woodgrove.example", "lee@woodgrove.example"]) {
    const r = (await admin
      .api("/invitations")
      .post({ invitedUserEmailAddress: mail, inviteRedirectUrl: redirect })) as { invitedUser: { id: string } };
    ids[mail] = r.invitedUser.id;
  }
  stack = new TestStack({
    name: "e2e-previews",
    program: PROGRAM,
    env: providerEnv(emu),
    files: { "guests.yaml": file([["ann", "ann@contoso.example"]]) },
  });
  ok(await stack.up());
  ids["ann@contoso.example"] = userOf("ann@contoso.example")!.id;
});

afterAll(async () => {
  stack?.dispose();
  await emu?.close();
});

test("1. the preview of a takeover announces adoption per guest; summarize shows adopt; up sends no invitation", async () => {
  stack.writeFile(
    "guests.yaml",
    file([
      ["ann", "ann@contoso.example"],
      ["kim", "kim@woodgrove.example"],
      ["lee", "lee@woodgrove.example"],
    ]),
  );
  const p = ok(await stack.preview());
  for (const mail of ["kim@woodgrove.example", "lee@woodgrove.example"]) {
    expect(p.stdout).toContain(
      `${mail}: exists as ${short(ids[mail])} \u2192 adopted (no invitation, retained on delete)`,
    );
  }
  expect(p.stdout).not.toContain("ann@contoso.example: exists");

  const j = await previewJson(stack);
  expect(j.code).toBe(0);
  const s = await summarize(j.stdout, ["--format", "text"]);
  expect(s.code).toBe(0);
  expect(s.stdout).toContain(
    `  adopt  kim@woodgrove.example  the address exists (user ${short(ids["kim@woodgrove.example"])}): same user, no invitation`,
  );
  expect(s.stdout).toContain(
    `  adopt  lee@woodgrove.example  the address exists (user ${short(ids["lee@woodgrove.example"])}): same user, no invitation`,
  );
  expect(s.stdout).toContain("2 guests change: 2 adoptions.");
  expect(s.stdout).not.toContain("invitation email sent");

  emu.clearRequests();
  ok(await stack.up());
  expect(requestsTo(emu.requests(), "POST", "/v1.0/invitations")).toEqual([]);
});

test("2. a key rename: 'taken over by the new key, not deleted' in the preview, summarize and up; same user", async () => {
  stack.writeFile(
    "guests.yaml",
    file([
      ["kim", "kim@woodgrove.example"],
      ["lee", "lee@woodgrove.example"],
      ["anna", "ann@contoso.example"],
    ]),
  );
  const id = ids["ann@contoso.example"];
  const p = ok(await stack.preview());
  // With the resource's URN the line names the new key; a check that ran before this package was
  // loaded in the plugin process has no URN (the SDK reads the request first) and says it neutrally.
  const line = p.stdout
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l.startsWith("ann@contoso.example: exists as"));
  expect([
    `ann@contoso.example: exists as ${short(id)}, marked by this stack's guests-ann \u2192 taken over by the new key guests-anna, not deleted (no invitation)`,
    `ann@contoso.example: exists as ${short(id)}, marked by the stack e2e-previews/e2e-previews (resource guests-ann) \u2192 no invitation: taken over if that is this stack (a key rename: not deleted), else adopted`,
  ]).toContain(line);

  const s = await summarize((await previewJson(stack)).stdout, ["--format", "text"]);
  expect(s.stdout).toContain(
    "  rename key  ann@contoso.example  key renamed from guests-ann: taken over by the new key, not deleted; same user, no invitation",
  );
  expect(s.stdout).toContain("1 guest changes: 1 key rename.");

  emu.clearRequests();
  const u = ok(await stack.up());
  expect(u.stdout).toContain(`ann@contoso.example (${id}): taken over by the new key, not deleted`);
  expect(requestsTo(emu.requests(), "DELETE", `/v1.0/users/${id}`)).toEqual([]);
  expect(requestsTo(emu.requests(), "POST", "/v1.0/invitations")).toEqual([]);
  expect(userOf("ann@contoso.example")?.id).toBe(id);
});

test("3. deleted out of band, still in the recycle bin: the preview says restore; up --refresh restores the same object id", async () => {
  const id = ids["ann@contoso.example"];
  await adminGraphClient(emu).api(`/users/${id}`).delete(); // deleted in the portal
  const p = ok(await stack.preview({ refresh: true }));
  expect(p.stdout).toContain(
    `ann@contoso.example: deleted out of band, in the recycle bin \u2192 restore from the recycle bin (same user ${short(id)}, groups and app assignments kept; no invitation)`,
  );

  const s = await summarize((await previewJson(stack, { refresh: true })).stdout, ["--format", "text"]);
  expect(s.stdout).toContain(
    "  restore  ann@contoso.example  deleted out of band, in the recycle bin: restored from the recycle bin (same user, groups and app assignments kept), no invitation",
  );

  emu.clearRequests();
  ok(await stack.up({ refresh: true }));
  expect(requestsTo(emu.requests(), "POST", `/v1.0/directory/deletedItems/${id}/restore`)).toHaveLength(1);
  expect(requestsTo(emu.requests(), "POST", "/v1.0/invitations")).toEqual([]);
  expect(
    emu
      .users()
      .filter((u) => u.mail === "ann@contoso.example")
      .map((u) => [u.id, u.deletedDateTime ?? null]),
  ).toEqual([[id, null]]);
  const out = (await stack.outputs()).guests.value as Record<string, { userId: string }>;
  expect(out.anna.userId).toBe(id);
});

test("3b. deleted for good (purged from the recycle bin): the preview says re-invite", async () => {
  const id = ids["ann@contoso.example"];
  const admin = adminGraphClient(emu);
  await admin.api(`/users/${id}`).delete();
  await admin.api(`/directory/deletedItems/${id}`).delete();
  const p = ok(await stack.preview({ refresh: true }));
  expect(p.stdout).toContain(
    "ann@contoso.example: deleted out of band, not in the recycle bin \u2192 re-invite (a new user and a new invitation)",
  );
  const s = await summarize((await previewJson(stack, { refresh: true })).stdout, ["--format", "text"]);
  expect(s.stdout).toContain(
    "  re-invite  ann@contoso.example  gone from Entra (deleted out of band): invited again, a new user",
  );
  ok(await stack.up({ refresh: true }));
  ids["ann@contoso.example"] = userOf("ann@contoso.example")!.id;
  expect(ids["ann@contoso.example"]).not.toBe(id);
});

test("4. destroy says which guests are retained, one line each; they stay", async () => {
  const d = ok(await stack.destroy());
  for (const mail of ["kim@woodgrove.example", "lee@woodgrove.example"]) {
    expect(d.stdout).toContain(
      `${mail} (${short(ids[mail])}): retained in Entra, not deleted (adopted: it existed before the stack)`,
    );
    expect(userOf(mail)?.id).toBe(ids[mail]);
  }
  expect(d.stdout).not.toContain("ann@contoso.example (");
  expect(userOf("ann@contoso.example")).toBeUndefined();
});
