/**
 * `Invitation`'s constructor under Pulumi's mocks (component wiring, no engine): the `import`
 * resource option is refused before anything is registered, with the adoption advice; without it the
 * resource registers.
 */
import * as pulumi from "@pulumi/pulumi";

const registered: string[] = [];
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push(args.name);
      return { id: `user-${args.name}`, state: { ...args.inputs, userId: `user-${args.name}` } };
    },
    call: (args) => args.inputs,
  },
  "project",
  "stack",
  false,
);

// Imported after setMocks on purpose (resources are created in the tests).
import { Invitation, importRefusal } from "../../src/resource/invitation";

const args = { invitedUserEmailAddress: "kim@woodgrove.example", inviteRedirectUrl: "https://myapps.microsoft.com" };
const USER = "6f1c2a9e-8d4b-4c3a-9e2f-1a2b3c4d5e6f";

test("{ import: userId } is refused in the constructor: a RunError (no stack trace from the CLI) with the adoption advice, nothing registered", () => {
  let thrown: unknown;
  try {
    new Invitation("kim", args, { import: USER });
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(pulumi.RunError);
  expect((thrown as Error).message).toBe(importRefusal("kim", USER));
  expect((thrown as Error).message).toBe(
    "Invitation kim: the import resource option is not supported (Pulumi cannot import dynamic resources, pulumi/pulumi#16175). " +
      `Fix: remove import and declare the guest instead: invitedUserEmailAddress set to its address, and invitedUser: "${USER}" to name that very user. ` +
      "pulumi up then adopts it: it reads the user and sends no invitation, and retains it when the resource leaves the stack unless onDelete says otherwise. " +
      "To take over a whole tenant's guests: entra-guests export --out guests.yaml, and a GuestList of that file.",
  );
  expect(registered).toEqual([]);
});

test("without import, the same guest declared with invitedUser (the advice) registers", async () => {
  const kim = new Invitation("kim-adopted", { ...args, invitedUser: USER });
  const userId = await new Promise((resolve) => kim.userId.apply(resolve));
  expect(userId).toBe("user-kim-adopted");
  expect(registered).toEqual(["kim-adopted"]);
});
