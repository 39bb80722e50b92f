/**
 * Orphans (issue 12, item 4): the pure part as tables (reading `pulumi stack export`, which stack,
 * what the state holds, which marked guests it lacks) and the Graph part against the emulator
 * (paged listing with `$expand=extensions`, applying each orphan's onDelete).
 */
import { graphClientFor, resolveSettings, schedulerFor } from "../../../../src/graph";
import { ExtensionClient } from "../../../../src/graph/extensions";
import { createCredential } from "../../../../src/graph/credential";
import { Scheduler, Transport } from "../../../../src/graph/scheduler";
import { createTransport } from "../../../../src/graph/transport";
import { adminGraphClient, providerEnv, RunningEmulator, startEmulator } from "../../../../src/testing";
import {
  applyOnDelete,
  findOrphans,
  formatOrphans,
  heldIds,
  listMarkedGuests,
  MarkedGuest,
  markedBy,
  OrphansInputError,
  parseStackExport,
  resolveStack,
} from "../../../../src/cli/commands/orphans/orphans";
import { expectDeletedAndDisabled } from "./applied";

const TYPE = "pulumi-nodejs:dynamic/entra:Invitation";
const MARK = "com.pulumi.entraInvitation";
const urn = (name: string, stack = "prod", project = "guests", type = TYPE): string =>
  `urn:pulumi:${stack}::${project}::${type}::${name}`;
const exported = (resources: object[]): string =>
  JSON.stringify({ version: 3, deployment: { manifest: {}, resources } });
const stackRes = {
  urn: urn("guests-prod", "prod", "guests", "pulumi:pulumi:Stack"),
  type: "pulumi:pulumi:Stack",
  custom: false,
};

describe("parseStackExport", () => {
  it("reads the resources and the stack their URNs name", () => {
    const r = parseStackExport(
      exported([stackRes, { urn: urn("kim"), type: TYPE, id: "U1", outputs: { userId: "U1" } }]),
    );
    expect(r.stack).toEqual({ project: "guests", stack: "prod" });
    expect(r.resources).toHaveLength(2);
  });
  it("an empty stack (state deleted and the stack made again) has no stack of its own", () => {
    expect(parseStackExport(exported([]))).toEqual({ resources: [], stack: undefined });
    expect(parseStackExport(JSON.stringify({ version: 3, deployment: { manifest: {} } }))).toEqual({
      resources: [],
      stack: undefined,
    });
  });
  it("accepts a bare deployment", () => {
    expect(parseStackExport(JSON.stringify({ resources: [stackRes] })).stack).toEqual({
      project: "guests",
      stack: "prod",
    });
  });
  it.each<[string, string, RegExp]>([
    ["empty input", "  ", /the state is empty: give the output of 'pulumi stack export'/],
    ["not JSON", "resources: []", /the state is not JSON/],
    [
      "resources not a list",
      JSON.stringify({ deployment: { resources: {} } }),
      /not the output of 'pulumi stack export'/,
    ],
    ["a resource without a URN", exported([{ type: TYPE }]), /a resource without a URN/],
    ["two stacks", exported([stackRes, { urn: urn("x", "dev") }]), /two stacks \(guests\/prod and guests\/dev\)/],
  ])("refuses %s with one line that says the fix", (_n, text, message) => {
    const parse = (): unknown => parseStackExport(text);
    expect(parse).toThrow(OrphansInputError);
    expect(parse).toThrow(message);
    expect(parse).toThrow(/^[^\n]*$/); // one line
  });
});

describe("resolveStack", () => {
  const fromState = { project: "guests", stack: "prod" };
  it.each<[string, Parameters<typeof resolveStack>[0], object | RegExp]>([
    ["the state's own", { fromState }, fromState],
    ["the state's, --stack agrees", { fromState, stackFlag: "prod" }, fromState],
    ["the state's, --stack org/project/stack agrees", { fromState, stackFlag: "acme/guests/prod" }, fromState],
    ["the state's, --stack disagrees", { fromState, stackFlag: "dev" }, /the state is of the stack prod, not dev/],
    [
      "the state's, --project disagrees",
      { fromState, projectFlag: "other" },
      /the state is of the project guests, not other/,
    ],
    ["empty state: --stack and --project", { stackFlag: "prod", projectFlag: "guests" }, fromState],
    ["empty state: --stack and Pulumi.yaml's project", { stackFlag: "prod", projectFile: "guests" }, fromState],
    ["empty state: --stack org/project/stack", { stackFlag: "acme/guests/prod" }, fromState],
    ["empty state, no --stack", { projectFile: "guests" }, /give --stack NAME$/],
    [
      "empty state, no project",
      { stackFlag: "prod" },
      /give --stack NAME and --project NAME \(or run where the stack's Pulumi.yaml is\)/,
    ],
  ])("%s", (_n, input, expected) => {
    if (expected instanceof RegExp) expect(() => resolveStack(input)).toThrow(expected);
    else expect(resolveStack(input)).toEqual(expected);
  });
});

describe("heldIds, markedBy, findOrphans", () => {
  const mark = (resource: string, o: object = {}) => ({
    extensionName: MARK,
    id: MARK,
    version: 1,
    project: "guests",
    stack: "prod",
    resource,
    onDelete: "delete",
    ...o,
  });
  const users = [
    { id: "a", mail: "a@x.example", extensions: [mark("guest-a")] },
    { id: "B", mail: "b@x.example", extensions: [mark("guest-b", { onDelete: "disable" })] },
    { id: "c", mail: "c@x.example", extensions: [mark("guest-c", { stack: "dev" })] },
    { id: "d", mail: "d@x.example", extensions: [mark("guest-d", { project: "other" })] },
    { id: "e", mail: "e@x.example", extensions: [] },
    { id: "f", mail: "f@x.example" },
    { id: "g", mail: "g@x.example", extensions: [mark("guest-g", { onDelete: "retain" })] },
  ];
  it("the state holds resource ids and userId outputs, in any case", () => {
    expect(
      [...heldIds([{ urn: "u1", id: "A" }, { urn: "u2", outputs: { userId: "Z" } }, { urn: "u3" }])].sort(),
    ).toEqual(["a", "z"]);
  });
  it.each<[string, string[], string[]]>([
    ["nothing held: every guest this stack marked", [], ["a", "B", "g"]],
    ["all held", ["a", "b", "g"], []],
    ["one dropped with pulumi state delete", ["a", "g"], ["B"]],
  ])("%s", (_n, held, expected) => {
    const marked = markedBy(users, { project: "guests", stack: "prod" });
    expect(marked.map((g) => g.id)).toEqual(["a", "B", "g"]);
    expect(findOrphans(marked, new Set(held)).map((g) => g.id)).toEqual(expected);
  });
  it("formats one line per orphan, with the resource and onDelete", () => {
    const marked = markedBy(users, { project: "guests", stack: "prod" });
    expect(formatOrphans({ project: "guests", stack: "prod" }, findOrphans(marked, new Set(["a"])))).toBe(
      "2 guests marked by guests/prod but not in its state:\nB\tb@x.example\tresource guest-b\tonDelete disable\t-\tenabled\ng\tg@x.example\tresource guest-g\tonDelete retain\t-\tenabled\n",
    );
    expect(formatOrphans({ project: "guests", stack: "prod" }, [])).toBe(
      "No orphans: every guest marked by guests/prod is in its state.\n",
    );
  });
});

describe("against the emulator", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(async () => {
    await emu.close();
  });

  async function guest(email: string, mark?: Record<string, unknown>): Promise<string> {
    const admin = adminGraphClient(emu);
    const id = (
      (await admin
        .api("/invitations")
        .post({ invitedUserEmailAddress: email, inviteRedirectUrl: "https://myapps.microsoft.com" })) as {
        invitedUser: { id: string };
      }
    ).invitedUser.id;
    if (mark)
      await admin
        .api(`/users/${id}/extensions`)
        .post({ "@odata.type": "microsoft.graph.openTypeExtension", extensionName: MARK, version: 1, ...mark });
    return id;
  }

  it("lists the stack's marked guests page by page and applies each orphan's onDelete", async () => {
    const settings = resolveSettings(() => undefined, providerEnv(emu));
    const x = new ExtensionClient(schedulerFor(settings));
    const ids: Record<string, string> = {};
    ids.del = await guest("del@x.example", { project: "guests", stack: "prod", resource: "del", onDelete: "delete" });
    ids.dis = await guest("dis@x.example", { project: "guests", stack: "prod", resource: "dis", onDelete: "disable" });
    ids.keep = await guest("keep@x.example", {
      project: "guests",
      stack: "prod",
      resource: "keep",
      onDelete: "retain",
    });
    ids.held = await guest("held@x.example", {
      project: "guests",
      stack: "prod",
      resource: "held",
      onDelete: "delete",
    });
    ids.other = await guest("other@x.example", {
      project: "guests",
      stack: "dev",
      resource: "other",
      onDelete: "delete",
    });
    ids.none = await guest("none@x.example");
    const pages: number[] = [];
    const marked = await listMarkedGuests(
      x,
      { project: "guests", stack: "prod" },
      { pageSize: 2, onPage: (p) => pages.push(p.pages) },
    );
    expect(pages).toEqual([1, 2, 3]);
    const orphans = findOrphans(marked, heldIds([{ urn: urn("held"), id: ids.held }]));
    expect(orphans.map((o) => o.mark.resource)).toEqual(["del", "dis", "keep"]);
    expect(
      emu
        .requests()
        .filter((r) => r.path.startsWith("/v1.0/users?"))
        .every((r) => r.path.includes("$expand=extensions")),
    ).toBe(true);

    emu.clearRequests();
    const g = graphClientFor(settings);
    const results: string[] = [];
    for (const o of orphans) results.push(await applyOnDelete(g, o));
    expect(results).toEqual(["deleted", "disabled", "retained"]);
    const byId = expectDeletedAndDisabled(emu, ids.del, ids.dis);
    expect(byId[ids.keep]).toMatchObject({ deletedDateTime: null, accountEnabled: true });
    expect(byId[ids.other].deletedDateTime).toBeNull();
    // Applied again: the deleted one is gone from the list; the disabled one stays disabled.
    const again = findOrphans(await listMarkedGuests(x, { project: "guests", stack: "prod" }), new Set([ids.held]));
    expect(again.map((o: MarkedGuest) => [o.mark.resource, o.accountEnabled])).toEqual([
      ["dis", false],
      ["keep", true],
    ]);
    expect(await applyOnDelete(g, { ...orphans[0] })).toBe("gone");
  });

  it("pages at 100 (the $expand page cap) by default; a tenant that refuses $expand is listed without it, each mark read apart, said once", async () => {
    emu.reset();
    const settings = resolveSettings(() => undefined, providerEnv(emu));
    const kept = await guest("kept@y.example", {
      project: "guests",
      stack: "prod",
      resource: "kept",
      onDelete: "retain",
    });
    await guest("plain@y.example");
    emu.clearRequests();
    await listMarkedGuests(new ExtensionClient(schedulerFor(settings)), { project: "guests", stack: "prod" });
    expect(
      emu
        .requests()
        .filter((r) => r.path.startsWith("/v1.0/users?"))
        .map((r) => new URLSearchParams(r.path.split("?")[1]).get("$top")),
    ).toEqual(["100"]);

    // Graph (the emulator) behind a tenant that refuses $expand on lists: the answer Graph gives an unsupported query.
    const real = createTransport({
      graphEndpoint: settings.graphEndpoint,
      credential: createCredential(settings.credential, settings.authorityHost),
    });
    const refusing: Transport = {
      send: (req) =>
        /^\/users\?.*\$expand=/.test(req.path)
          ? Promise.resolve({
              status: 400,
              headers: {},
              body: { error: { code: "Request_UnsupportedQuery", message: "Unsupported Query." } },
            })
          : real.send(req),
    };
    const notices: string[] = [];
    emu.clearRequests();
    const marked = await listMarkedGuests(
      new ExtensionClient(new Scheduler(refusing, { maxConcurrency: 4, batching: false })),
      { project: "guests", stack: "prod" },
      { onNotice: (m) => notices.push(m) },
    );
    expect(marked.map((m) => [m.id, m.mark.resource])).toEqual([[kept, "kept"]]);
    expect(notices).toEqual([
      expect.stringContaining("the tenant refused $expand=extensions on the list of users (Request_UnsupportedQuery)"),
    ]);
    expect(emu.requests().filter((r) => /\/extensions\//.test(r.path))).toHaveLength(2);
  });
});
