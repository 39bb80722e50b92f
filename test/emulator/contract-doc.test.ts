/**
 * docs/graph-contract.md cannot drift from the emulator: every route the emulator serves (routes.ts)
 * has a row there, every listed route really answers (no 405, no "segment not found", no "No admin
 * route"), and every test a row names exists under that name in that file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ADMIN_ROUTES, GRAPH_ROUTES, IDENTITY_ROUTES } from "../../src/emulator/routes";
import { raw, rawToken, useEmulator } from "./helpers";

const root = path.resolve(__dirname, "../..");
const doc = fs.readFileSync(path.join(root, "docs/graph-contract.md"), "utf8");
const ALL = [...GRAPH_ROUTES, ...IDENTITY_ROUTES, ...ADMIN_ROUTES];

const graph = useEmulator({ seed: 43 });
let token: string;
let userId: string;

beforeAll(async () => {
  token = await rawToken(graph.emu);
  userId = graph.emu.addUser({ displayName: "Doc", creationType: "Invitation", mail: "doc@fabrikam.com" }).id;
});

test.each(ALL)("%s has a row in docs/graph-contract.md", (route) => {
  expect(doc).toContain(`| \`${route}\` |`);
});

test("the routes table lists no route the emulator does not serve", () => {
  const rows = [...doc.matchAll(/^\| `((?:GET|POST|PUT|PATCH|DELETE) \/[^`]*)` \|/gm)].map((m) => m[1]);
  expect(rows.filter((r) => !(ALL as readonly string[]).includes(r))).toEqual([]);
});

test.each([...GRAPH_ROUTES, ...IDENTITY_ROUTES, ...ADMIN_ROUTES])("%s is served", async (route) => {
  const [method, template] = route.split(" ");
  const p = template
    .replace("{tenant}", graph.emu.tenantId)
    .replace("{id}", userId)
    .replace("{sponsorId}", "00000000-0000-4000-8000-000000000001")
    .replace("{name}", "com.contoso.doc");
  const body =
    method === "POST" || method === "PATCH" || method === "PUT"
      ? p.endsWith("/token")
        ? new URLSearchParams({
            grant_type: "client_credentials",
            client_id: graph.emu.clientId,
            client_secret: graph.emu.clientSecret,
            scope: `${graph.emu.graphUrl}/.default`,
          }).toString()
        : {}
      : undefined;
  const headers: Record<string, string> = p.endsWith("/token")
    ? { "Content-Type": "application/x-www-form-urlencoded" }
    : {};
  const r = await raw(graph.emu, method, p, { token: p.startsWith("/v1.0") ? token : undefined, body, headers });
  expect(r.status).not.toBe(405);
  expect(r.text).not.toContain("Resource not found for the segment");
  expect(r.text).not.toContain("No admin route");
});

/** Paths near the served ones (each with every method): anything served here must be listed in routes.ts. */
const CANDIDATE_PATHS = [
  ...new Set(GRAPH_ROUTES.map((r) => r.split(" ")[1])),
  "/v1.0/invitations/{id}",
  "/v1.0/users/{id}/manager",
  "/v1.0/users/{id}/memberOf",
  "/v1.0/users/{id}/sponsors/{sponsorId}",
  "/v1.0/directory/deletedItems",
  "/v1.0/directory/deletedItems/{id}/permanentDelete",
  "/v1.0/me",
  "/v1.0/groups",
];
const NOT_ROUTED =
  /Resource not found for the segment|Specified HTTP method is not allowed|needs a type cast|accepts POST only/;

test.each(CANDIDATE_PATHS.flatMap((p) => ["GET", "POST", "PATCH", "PUT", "DELETE"].map((m) => `${m} ${p}`)))(
  "%s is served only if routes.ts lists it",
  async (route) => {
    if ((GRAPH_ROUTES as readonly string[]).includes(route)) return;
    const [method, template] = route.split(" ");
    const p = template.replace("{id}", userId).replace("{sponsorId}", "00000000-0000-4000-8000-000000000001");
    const r = await raw(graph.emu, method, p, {
      token,
      body: method === "GET" || method === "DELETE" ? undefined : {},
    });
    expect([route, r.status === 405 || NOT_ROUTED.test(r.text)]).toEqual([route, true]);
  },
);

test("every test a row names exists in its file under that name", () => {
  const refs = [...doc.matchAll(/`(test\/[\w/.-]+\.test\.ts)` › "([^"]+)"/g)].map((m) => ({ file: m[1], name: m[2] }));
  expect(refs.length).toBeGreaterThan(40);
  const missing = refs.filter(({ file, name }) => {
    const f = path.join(root, file);
    return !fs.existsSync(f) || !fs.readFileSync(f, "utf8").includes(name);
  });
  expect(missing).toEqual([]);
});

test("every rule row names its Microsoft document or says why it is undocumented", () => {
  const rules = doc.split("\n").filter((l) => /^\| R\d+ \|/.test(l));
  expect(rules.length).toBeGreaterThan(20);
  for (const row of rules) {
    const cells = row.split(" | ");
    // a Microsoft document by file name (e.g. invite-internal-users), a named resource or source, or "undocumented"
    expect([row, /\b[a-z0-9]+-[a-z0-9-]+\b|undocumented|resource|blog|platform|errors/i.test(cells[2] ?? "")]).toEqual([
      row,
      true,
    ]);
    expect([row, /test\/[\w/.-]+\.test\.ts/.test(row)]).toEqual([row, true]);
  }
});

/**
 * A tenant's answers (test/live/observed/NN-*.json, written by `npm run test:live`): once a question
 * is answered, every row citing it (QNN) must name that file in its Tenant cell instead of "docs only".
 */
test("rows whose open question a tenant answered name the observed file", () => {
  const dir = path.join(root, "test/live/observed");
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^\d\d-.*\.json$/.test(f)) : [];
  const stale: string[] = [];
  for (const f of files) {
    const q = `Q${Number(f.slice(0, 2))}`;
    for (const row of doc.split("\n").filter((l) => /^\| (R\d+|`)/.test(l) && new RegExp(`\\b${q}\\b`).test(l))) {
      const tenant = row.split(" | ").at(-1) ?? "";
      if (!tenant.includes(f)) stale.push(`${f}: ${row.slice(0, 60)}`);
    }
  }
  expect(stale).toEqual([]);
});
