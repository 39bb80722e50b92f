/**
 * The benchmark's Pulumi programs (run by the plain CLI through the language host): N guests
 * `<prefix>.<i>@contoso.com`, in either form of a guest list. Pure: text out.
 */

/** The two forms of a guest list. */
export type EngineForm = "invitations" | "shards";
export const ENGINE_FORMS: readonly EngineForm[] = ["invitations", "shards"];

/**
 * The one line that selects the scalable form of `GuestList` (issue 18 item 1, being built on the
 * `shard` branch): change it here if the option's name changes.
 */
export const SHARD_FORM_ARGS = `const args = { guests, form: "shards" as const };`;

/** The address of guest i of a program (and of the seeded user it adopts). */
export const guestAddress = (prefix: string, i: number): string => `${prefix}.${i}@contoso.com`;
export const guestName = (prefix: string, i: number): string => `Guest ${i} (${prefix})`;

/** The benchmark's program: N guests named `<prefix>.<i>@contoso.com`, in the given form. Pure. */
export function growthProgram(form: EngineForm, n: number, prefix: string): string {
  const guests = `const guests = Array.from({ length: ${n} }, (_, i) => ({
  invitedUserEmailAddress: "${prefix}." + i + "@contoso.com",
  invitedUserDisplayName: "Guest " + i + " (${prefix})",
  inviteRedirectUrl: "https://myapps.microsoft.com",
}));`;
  if (form === "invitations") {
    return `import { Invitation } from "pulumi-entra-invitation";

${guests}
export const count = guests.map((g, i) => new Invitation("guest-" + i, g)).length;
`;
  }
  return `import { GuestList } from "pulumi-entra-invitation";

${guests}
${SHARD_FORM_ARGS}
new GuestList("bench", args);
export const count = guests.length;
`;
}
