/**
 * The reference pages cannot drift from the code: scripts/docs-check.js (run here as `npm run
 * docs:check` runs it) compares the generated tables of docs/ with the doc comments and the
 * commands' help texts, README.md's length with the front-page limit, and every relative link with
 * the tree. The copies below prove that it fails, naming the difference, when a comment, a table or
 * a link is changed on one side only, and that `--write` regenerates the tables.
 * Needs the built package (dist/): `npm test` builds it first.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const SCRIPT = path.join(ROOT, "scripts", "docs-check.js");

function docsCheck(root: string, ...args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [SCRIPT, "--root", root, ...args], { encoding: "utf8" });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A copy of what the check reads: the documented sources, the pages, and dist/ (linked). */
function copyTree(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "docs-check-"));
  for (const rel of [
    "src",
    "docs",
    "README.md",
    "DEVELOPMENT.md",
    "CHANGELOG.md",
    "LICENSE",
    "examples",
    "scripts",
    "bench",
    "guests.yaml",
    "stack/index.ts",
    "test/docs",
    "jest.config.js",
  ]) {
    fs.cpSync(path.join(ROOT, rel), path.join(dir, rel), {
      recursive: true,
      filter: (src) => !src.includes("node_modules") && !src.includes(`${path.sep}docs${path.sep}api`),
    });
  }
  fs.symlinkSync(path.join(ROOT, "dist"), path.join(dir, "dist"), "dir");
  return dir;
}

function edit(dir: string, rel: string, from: string, to: string): void {
  const file = path.join(dir, rel);
  const text = fs.readFileSync(file, "utf8");
  if (!text.includes(from)) throw new Error(`${rel} does not contain ${JSON.stringify(from)}`);
  fs.writeFileSync(file, text.replace(from, to));
}

describe("docs-check", () => {
  it("finds the docs of this tree in line with the code", () => {
    expect(docsCheck(ROOT)).toEqual({ code: 0, out: expect.stringContaining("the reference tables match the code") });
  });

  describe("on a copy of the tree", () => {
    let dir: string;
    beforeEach(() => {
      dir = copyTree();
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** One change on one side only, and the lines the check must print for it. */
    type Case = [what: string, edits: [file: string, from: string, to: string][], expected: (string | RegExp)[]];
    const cases: Case[] = [
      [
        "an input's doc comment",
        [
          [
            "src/resource/invitation.ts",
            "/** The guest's display name; kept true in place. */",
            "/** The name the guest is shown with. */",
          ],
        ],
        [
          "docs/invitation.md: block 'invitation-inputs' differs from the code",
          "- | `invitedUserDisplayName` | `string` | The guest's display name; kept true in place. |",
          "+ | `invitedUserDisplayName` | `string` | The name the guest is shown with. |",
        ],
      ],
      [
        "a table edited by hand",
        [["docs/guest-lists.md", "| `key` | `string` |", "| `key` | `number` |"]],
        ["docs/guest-lists.md: block 'guestlist-entry' differs from the code"],
      ],
      [
        "a command's help text",
        [["docs/cli.md", "  --json            print the orphans as JSON instead of lines\n", ""]],
        [
          "docs/cli.md: block 'cli-orphans-help' differs from the code",
          "+   --json            print the orphans as JSON instead of lines",
        ],
      ],
      [
        "a README over 200 lines",
        [["README.md", "## License", `${"\n".repeat(200)}## License`]],
        [/README\.md: \d+ lines: a front page has at most 200/],
      ],
      [
        "a link to a missing heading",
        [
          [
            "docs/cli.md",
            "[ownership\nmark](invitation.md#ownership-marks)",
            "[ownership\nmark](invitation.md#ownership-mark)",
          ],
        ],
        ["docs/cli.md: link 'invitation.md#ownership-mark': docs/invitation.md has no heading #ownership-mark"],
      ],
      [
        "a link to a missing page",
        [["docs/emulator.md", "[DEVELOPMENT.md](../DEVELOPMENT.md#tests)", "[DEVELOPMENT.md](../DEVELOP.md#tests)"]],
        ["docs/emulator.md: link '../DEVELOP.md#tests': DEVELOP.md does not exist"],
      ],
    ];

    it.each(cases)("fails on %s, naming the difference", (_what, edits, expected) => {
      for (const [file, from, to] of edits) edit(dir, file, from, to);
      const r = docsCheck(dir);
      expect(r.code).toBe(1);
      for (const e of expected) {
        if (typeof e === "string") expect(r.out).toContain(e);
        else expect(r.out).toMatch(e);
      }
    });

    it("--write brings a table in line with a changed doc comment", () => {
      edit(
        dir,
        "src/resource/invitation.ts",
        "/** The guest's display name; kept true in place. */",
        "/** The name the guest is shown with. */",
      );
      expect(docsCheck(dir, "--write").code).toBe(0);
      expect(fs.readFileSync(path.join(dir, "docs/invitation.md"), "utf8")).toContain(
        "| `invitedUserDisplayName` | `string` | The name the guest is shown with. |",
      );
      expect(docsCheck(dir)).toEqual({ code: 0, out: expect.stringContaining("the reference tables match the code") });
    });
  });
});
