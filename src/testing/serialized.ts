/**
 * The `__provider` text Pulumi serializes for an `Invitation`, made the way a user's program makes
 * it: in a Node process whose working folder has the package installed, under Pulumi's mocks.
 */
import { execFileSync } from "node:child_process";

const SCRIPT = `
const pulumi = require("@pulumi/pulumi");
let seen;
pulumi.runtime.setMocks({ newResource: (a) => { seen = seen || a; return { id: "id", state: a.inputs }; }, call: () => ({}) }, "proj", "stack", false);
const { Invitation } = require("pulumi-entra-invitation");
const inv = new Invitation("probe", { invitedUserEmailAddress: "probe@contoso.com", inviteRedirectUrl: "https://myapps.microsoft.com" });
inv.urn.apply(() => process.stdout.write(JSON.stringify({ type: seen.type, provider: seen.inputs.__provider })));
`;

/**
 * Serializes an `Invitation`'s provider as the SDK does for a program in `programDir`, where the
 * package must be installed.
 */
export function serializedInvitationProvider(programDir: string): {
  /** The resource's type token (`pulumi-nodejs:dynamic/entra:Invitation`). */
  type: string;
  /** The serialized `__provider` text stored in state. */
  provider: string;
} {
  const out = execFileSync(process.execPath, ["-e", SCRIPT], { cwd: programDir, encoding: "utf8" });
  return JSON.parse(out) as { type: string; provider: string };
}
