/**
 * Field check: every property the emulator returns for an invitation or a user exists in the
 * Invitation / User types of @microsoft/microsoft-graph-types (read with the TypeScript compiler
 * API, following the interfaces' base types: Entity, DirectoryObject).
 */
import * as fs from "node:fs";
import * as ts from "typescript";
import { address, invitation, useEmulator } from "./helpers";

type Json = Record<string, unknown>;

/** Top-level interfaces of the .d.ts: own property names and base interface names. */
function readInterfaces(): Map<string, { props: Set<string>; bases: string[] }> {
  const file = require.resolve("@microsoft/microsoft-graph-types/microsoft-graph.d.ts");
  const src = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out = new Map<string, { props: Set<string>; bases: string[] }>();
  for (const stmt of src.statements) {
    if (!ts.isInterfaceDeclaration(stmt)) continue;
    const props = new Set<string>();
    for (const m of stmt.members) {
      if (ts.isPropertySignature(m) && m.name && (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name)))
        props.add(m.name.text);
    }
    const bases = (stmt.heritageClauses ?? []).flatMap((h) => h.types.map((t) => t.expression.getText(src)));
    out.set(stmt.name.text, { props, bases });
  }
  return out;
}

const interfaces = readInterfaces();

/** All property names of an interface including its bases. */
function propsOf(name: string): Set<string> {
  const i = interfaces.get(name);
  if (!i) throw new Error(`interface ${name} not found in microsoft-graph-types`);
  const all = new Set(i.props);
  for (const b of i.bases) for (const p of propsOf(b)) all.add(p);
  return all;
}

function keysOf(obj: Json): string[] {
  return Object.keys(obj).filter((k) => !k.startsWith("@odata."));
}

const graph = useEmulator();

test("the types are found with their bases", () => {
  expect(interfaces.get("User")?.bases).toEqual(["DirectoryObject"]);
  expect(interfaces.get("Invitation")?.bases).toEqual(["Entity"]);
  expect(propsOf("User").has("id")).toBe(true);
  expect(propsOf("User").has("deletedDateTime")).toBe(true);
  expect(propsOf("Invitation").has("inviteRedeemUrl")).toBe(true);
});

test("every invitation property is in Invitation (and nested ones in their types)", async () => {
  const sponsor = (
    (await graph.client.api("/invitations").post(invitation(address("fs")))) as { invitedUser: { id: string } }
  ).invitedUser.id;
  const inv = (await graph.client.api("/invitations").post(
    invitation(address("fields"), {
      invitedUserDisplayName: "F",
      invitedUserType: "Guest",
      sendInvitationMessage: true,
      invitedUserMessageInfo: {
        customizedMessageBody: "hi",
        messageLanguage: "en-US",
        ccRecipients: [{ emailAddress: { address: "cc@contoso.com", name: "CC" } }],
      },
      invitedUserSponsors: [{ id: sponsor }],
    }),
  )) as Json;
  const reset = (await graph.client.api("/invitations").post(
    invitation(inv.invitedUserEmailAddress as string, {
      resetRedemption: true,
      invitedUser: { id: (inv.invitedUser as Json).id },
    }),
  )) as Json;
  const invitationProps = propsOf("Invitation");
  for (const obj of [inv, reset]) {
    expect(keysOf(obj).filter((k) => !invitationProps.has(k))).toEqual([]);
    expect(keysOf(obj.invitedUser as Json).filter((k) => !propsOf("User").has(k))).toEqual([]);
    const info = obj.invitedUserMessageInfo as Json;
    expect(keysOf(info).filter((k) => !propsOf("InvitedUserMessageInfo").has(k))).toEqual([]);
    for (const r of info.ccRecipients as Json[]) {
      expect(keysOf(r).filter((k) => !propsOf("Recipient").has(k))).toEqual([]);
      expect(keysOf(r.emailAddress as Json).filter((k) => !propsOf("EmailAddress").has(k))).toEqual([]);
    }
  }
  expect(keysOf(inv).length).toBeGreaterThanOrEqual(11);
});

test("every user property is in User: default set, $select=*, expand, list, deletedItems, restore, sponsors, admin view", async () => {
  const sponsor = (
    (await graph.client.api("/invitations").post(invitation(address("sp")))) as { invitedUser: { id: string } }
  ).invitedUser.id;
  const id = (
    (await graph.client
      .api("/invitations")
      .post(invitation(address("user-fields"), { invitedUserSponsors: [{ id: sponsor }] }))) as {
      invitedUser: { id: string };
    }
  ).invitedUser.id;
  const userProps = propsOf("User");
  const objects: Json[] = [];
  objects.push((await graph.client.api(`/users/${id}`).get()) as Json);
  objects.push((await graph.client.api(`/users/${id}`).select("*").get()) as Json);
  objects.push((await graph.client.api(`/users/${id}`).expand("sponsors").get()) as Json);
  objects.push(...((await graph.client.api("/users").get()) as { value: Json[] }).value);
  objects.push(...((await graph.client.api("/users").select("*").get()) as { value: Json[] }).value);
  objects.push(...((await graph.client.api(`/users/${id}/sponsors`).get()) as { value: Json[] }).value);
  await graph.client.api(`/users/${id}`).delete();
  objects.push((await graph.client.api(`/directory/deletedItems/${id}`).get()) as Json);
  objects.push(
    ...((await graph.client.api("/directory/deletedItems/microsoft.graph.user").select("*").get()) as { value: Json[] })
      .value,
  );
  objects.push((await graph.client.api(`/directory/deletedItems/${id}/restore`).post({})) as Json);
  objects.push(...(graph.emu.users({ includeDeleted: true }) as unknown as Json[]));
  const seen = new Set<string>();
  for (const o of objects) for (const k of keysOf(o)) seen.add(k);
  expect([...seen].filter((k) => !userProps.has(k))).toEqual([]);
  // the properties the issue names are all there
  for (const k of [
    "userType",
    "externalUserState",
    "externalUserStateChangeDateTime",
    "creationType",
    "mail",
    "otherMails",
    "accountEnabled",
    "displayName",
    "sponsors",
    "deletedDateTime",
  ]) {
    expect(seen.has(k)).toBe(true);
  }
});
