/**
 * A declarative guest list with the real engine: up; add an entry; change a keyed entry's email (a
 * redemption reset of the same user); remove an entry. Each step's plan (preview) and effect (what
 * Graph saw) asserted.
 */
import { graphWrites, requestsTo, TestStack } from "../../src/testing";
import { ok, withEmulatedStack } from "./suite";
import type { RunningEmulator, RunResult } from "../../src/testing";
import { AVERY, guestListProgram, guestsYaml, SAM } from "./programs";

jest.setTimeout(300_000);

const PROGRAM = guestListProgram();
const JO = "  - email: jo@adatum.example";

let emu: RunningEmulator;
let stack: TestStack;

/** The plan per guest: the engine's step, "replace" for the steps of a replacement. */
const plan = (r: RunResult): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const s of r.steps.filter((x) => x.type.endsWith(":Invitation"))) {
    const name = s.urn.split("::").pop()!;
    out[name] = /replace/.test(s.op) ? "replace" : s.op;
  }
  return out;
};
const live = (): string[] =>
  emu
    .users()
    .filter((u) => !u.deletedDateTime)
    .map((u) => u.mail!)
    .sort();
/** Writes these entries as the list and previews (its plan per guest), then runs `up` with the request log cleared. */
const edit = async (entries: string[]): Promise<{ planned: Record<string, string>; up: RunResult }> => {
  stack.writeFile("guests.yaml", guestsYaml(entries));
  const planned = plan(ok(await stack.preview()));
  emu.clearRequests();
  return { planned, up: ok(await stack.up()) };
};

withEmulatedStack(
  { name: "e2e-guestlist", program: PROGRAM, files: { "guests.yaml": guestsYaml([AVERY, SAM]) } },
  (e, s) => {
    emu = e;
    stack = s;
  },
);

let averyId = "";

test("up invites the list; outputs per guest and a summary", async () => {
  const r = ok(await stack.up());
  expect(live()).toEqual(["avery@fabrikam.com", "sam@northwind.example"]);
  const guests = r.outputs!.guests.value as Record<string, { userId: string; externalUserState: string }>;
  averyId = guests["fabrikam-lead"].userId;
  expect(Object.keys(guests).sort()).toEqual(["fabrikam-lead", "sam@northwind.example"].sort());
  expect(r.outputs!.summary.value).toEqual({ PendingAcceptance: 2 });
});

test("adding an entry: preview shows one create; up invites only that guest", async () => {
  const { planned } = await edit([JO, AVERY, SAM]); // reordered too: nothing else may change
  expect(planned).toEqual({
    "partners-fabrikam-lead": "same",
    "partners-sam@northwind.example": "same",
    "partners-jo@adatum.example": "create",
  });
  // The invitation, then the ownership mark on the new user.
  const jo = emu.users().find((u) => u.mail === "jo@adatum.example")!;
  expect(graphWrites(emu.requests()).map((w) => `${w.method} ${w.path}`)).toEqual([
    "POST /v1.0/invitations",
    `POST /v1.0/users/${jo.id}/extensions`,
  ]);
  expect(live()).toEqual(["avery@fabrikam.com", "jo@adatum.example", "sam@northwind.example"]);
});

test("changing a keyed entry's email: preview shows a replace; up resets the same user", async () => {
  const { planned, up: r } = await edit([JO, AVERY.replace("avery@fabrikam.com", "avery.lee@fabrikam.com"), SAM]);
  expect(planned["partners-fabrikam-lead"]).toBe("replace");
  expect((r.outputs!.guests.value as Record<string, { userId: string }>)["fabrikam-lead"].userId).toBe(averyId);
  expect(graphWrites(emu.requests()).map((w) => `${w.method} ${w.path}`)).toEqual([
    `PATCH /v1.0/users/${averyId}`,
    "POST /v1.0/invitations",
  ]);
  expect(requestsTo(emu.requests(), "POST", "/v1.0/invitations")[0].body).toMatchObject({
    resetRedemption: true,
    invitedUser: { id: averyId },
  });
  expect(live()).toEqual(["avery.lee@fabrikam.com", "jo@adatum.example", "sam@northwind.example"]);
});

test("removing an entry: preview shows one delete; up deletes only that guest", async () => {
  const { planned } = await edit([JO, AVERY.replace("avery@fabrikam.com", "avery.lee@fabrikam.com")]);
  expect(planned).toMatchObject({
    "partners-sam@northwind.example": "delete",
    "partners-fabrikam-lead": "same",
    "partners-jo@adatum.example": "same",
  });
  expect(graphWrites(emu.requests()).map((w) => w.method)).toEqual(["DELETE"]);
  expect(live()).toEqual(["avery.lee@fabrikam.com", "jo@adatum.example"]);
});

test("an invalid list stops the preview before any Graph call, naming file and line", async () => {
  stack.writeFile("guests.yaml", guestsYaml([JO, "  - email: not-an-address\n    displayName: X"]));
  emu.clearRequests();
  const p = await stack.preview();
  expect(p.ok).toBe(false);
  expect(`${p.error}${p.stdout}`).toMatch(/guests\.yaml:\d+/);
  expect(emu.requests().filter((r) => r.path.startsWith("/v1.0/"))).toEqual([]);
});
