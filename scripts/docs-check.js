#!/usr/bin/env node
// The reference pages cannot drift from the code: each input, output and flag is described once, in
// the code (a doc comment, or a command's --help text), and the tables of docs/*.md between
//   <!-- generated:NAME (scripts/docs-check.js --write) -->  ...  <!-- /generated:NAME -->
// are made from it. Without --write this script only compares and fails listing every difference;
// with --write it rewrites those blocks. It also checks that README.md stays a front page (at most
// 200 lines) and that every relative link of README.md, DEVELOPMENT.md and docs/*.md names a file
// (and a heading) that exists.
//
// Sources: doc comments are read with the TypeScript compiler's parser (src/resource/invitation.ts,
// src/provider/types.ts, src/guestlist/types.ts, src/guestlist/component.ts, src/guestlist/fields.ts);
// the commands' help texts and the guest-file field names are read from the built package (dist/),
// so run `npm run build` first (npm test does).
//
// Usage: node scripts/docs-check.js [--write] [--root DIR]
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const ts = require("typescript");

const README_MAX_LINES = 200;
/**
 * Pages written on other branches that README and docs already link; a missing one is not an error
 * while it is listed here. Remove a name once the page exists on this branch.
 */
const PAGES_FROM_OTHER_BRANCHES = new Set([]);

// ---------------------------------------------------------------------------------------------
// Doc comments

/** The parsed source files, by path relative to the root. */
function parseSources(root, files) {
  const out = {};
  for (const f of files) {
    if (!fs.existsSync(path.join(root, f)))
      throw new Error(
        `docs-check: ${f} is missing: if the documented types moved, update SOURCE_FILES in scripts/docs-check.js`,
      );
    const text = fs.readFileSync(path.join(root, f), "utf8");
    out[f] = ts.createSourceFile(f, text, ts.ScriptTarget.ES2022, true);
  }
  return out;
}

/** The declaration named `name` (interface, class, type alias, variable) in `sf`. */
function declaration(sf, name) {
  for (const s of sf.statements) {
    if (
      (ts.isInterfaceDeclaration(s) || ts.isClassDeclaration(s) || ts.isTypeAliasDeclaration(s)) &&
      s.name &&
      s.name.text === name
    )
      return s;
    if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === name) return d;
    }
  }
  return undefined;
}

/** `name` declared in any of the parsed files. */
function find(sources, name) {
  for (const sf of Object.values(sources)) {
    const d = declaration(sf, name);
    if (d) return d;
  }
  return undefined;
}

/** A node's doc comment as one line of Markdown; `{@link A.b}` becomes `b`. */
function docText(node) {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const doc = docs[docs.length - 1];
  const raw = doc ? (ts.getTextOfJSDocComment(doc.comment) ?? "") : "";
  return raw
    .replace(
      /\{@link\s+([^}\s|]+)(?:\s*\|\s*([^}]+))?\}/g,
      (_, target, label) => `\`${label ?? target.split(".").pop()}\``,
    )
    .replace(/\s*\n\s*-\s+/g, " – ")
    .replace(/\s+/g, " ")
    .trim();
}

const INPUT_WRAPPERS = new Set(["pulumi.Input", "Input", "pulumi.Output", "Output"]);

/** A type as a reader needs it: `pulumi.Input<...>` unwrapped, aliases of the parsed files expanded, objects as `object`. */
function typeText(sources, t) {
  if (!t) return "";
  if (ts.isParenthesizedTypeNode(t)) return typeText(sources, t.type);
  if (ts.isTypeReferenceNode(t)) {
    const name = t.typeName.getText();
    if (INPUT_WRAPPERS.has(name) && t.typeArguments?.length === 1) return typeText(sources, t.typeArguments[0]);
    if (name === "Record") return "object";
    const d = find(sources, name);
    if (d && ts.isTypeAliasDeclaration(d)) return typeText(sources, d.type);
    if (d && ts.isInterfaceDeclaration(d)) return "object";
    return name;
  }
  if (ts.isIndexedAccessTypeNode(t) && ts.isTypeReferenceNode(t.objectType) && ts.isLiteralTypeNode(t.indexType)) {
    const member = memberOf(sources, t.objectType.typeName.getText(), t.indexType.literal.text);
    return member ? typeText(sources, member.type) : t.getText();
  }
  if (ts.isUnionTypeNode(t)) return [...new Set(t.types.map((u) => typeText(sources, u)))].join(" | ");
  if (ts.isArrayTypeNode(t)) {
    const e = typeText(sources, t.elementType);
    return e.includes(" | ") ? `(${e})[]` : `${e}[]`;
  }
  if (ts.isTypeLiteralNode(t) || ts.isMappedTypeNode(t)) return "object";
  if (t.kind === ts.SyntaxKind.UnknownKeyword || t.kind === ts.SyntaxKind.AnyKeyword) return "any";
  return t.getText();
}

/** The property `name` of interface `iface` (own or inherited through `extends` in the parsed files). */
function memberOf(sources, iface, name) {
  const d = find(sources, iface);
  if (!d || !ts.isInterfaceDeclaration(d)) return undefined;
  const own = d.members.find((m) => m.name && m.name.getText() === name);
  if (own) return own;
  for (const h of d.heritageClauses ?? []) {
    for (const e of h.types) {
      const base = e.expression.getText();
      const m = base === "Omit" || base === "Pick" ? undefined : memberOf(sources, base, name);
      if (m) return m;
      if ((base === "Omit" || base === "Pick") && e.typeArguments?.[0] && ts.isTypeReferenceNode(e.typeArguments[0])) {
        const inner = memberOf(sources, e.typeArguments[0].typeName.getText(), name);
        if (inner) return inner;
      }
    }
  }
  return undefined;
}

/** The object type a member's type stands for, for its sub-rows: a type literal, or the interface a mapped `keyof X` names. */
function subMembers(sources, t) {
  if (!t) return undefined;
  if (ts.isTypeReferenceNode(t) && INPUT_WRAPPERS.has(t.typeName.getText()) && t.typeArguments?.length === 1)
    return subMembers(sources, t.typeArguments[0]);
  if (ts.isTypeLiteralNode(t)) return t.members;
  if (ts.isMappedTypeNode(t) && t.typeParameter.constraint && ts.isTypeOperatorNode(t.typeParameter.constraint)) {
    const target = t.typeParameter.constraint.type;
    const d = ts.isTypeReferenceNode(target) ? find(sources, target.typeName.getText()) : undefined;
    if (d && ts.isInterfaceDeclaration(d)) return d.members;
  }
  return undefined;
}

function escapeCell(s) {
  return s.replace(/\|/g, "\\|");
}

/** Rows `name | type | description` for the members, with a row per field of object-typed members. */
function memberRows(sources, members, opts = {}) {
  const rows = [];
  for (const m of members) {
    if (!m.name || !(ts.isPropertySignature(m) || ts.isPropertyDeclaration(m))) continue;
    if (ts.isPropertyDeclaration(m)) {
      const mods = ts.getCombinedModifierFlags(m);
      if (mods & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
    }
    const name = `${opts.prefix ?? ""}${m.name.getText()}`;
    if (opts.skip?.has(name)) continue;
    const required = !m.questionToken && opts.required !== false;
    rows.push(
      `| \`${name}\`${required && opts.markRequired ? " (required)" : ""} | ${escapeCell(`\`${typeText(sources, m.type)}\``)} | ${escapeCell(docText(m))} |`,
    );
    const subs = subMembers(sources, m.type);
    if (subs && !opts.prefix)
      rows.push(...memberRows(sources, subs, { ...opts, prefix: `${name}.`, markRequired: false }));
  }
  return rows;
}

function table(head, rows) {
  return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows].join("\n");
}

/** The members of interface `name`, own only. */
function ownMembers(sources, name) {
  const d = find(sources, name);
  if (!d || !(ts.isInterfaceDeclaration(d) || ts.isClassDeclaration(d)))
    throw new Error(`docs-check: ${name} not found in ${Object.keys(sources).join(", ")}`);
  return d.members;
}

// ---------------------------------------------------------------------------------------------
// What the built package says (help texts, guest-file field names)

function built(root, rel) {
  const file = path.join(root, "dist", rel);
  if (!fs.existsSync(file))
    throw new Error(
      `docs-check: ${path.relative(root, file)} is missing: run \`npm run build\` first (or, if src/${rel.replace(/\.js$/, ".ts")} moved, update scripts/docs-check.js)`,
    );
  return require(file);
}

/** The names a guest file may use for a field besides its own, read from the ALIASES of fields.ts and resolved by the built fieldPath. */
function fieldAliases(root, sources) {
  const sf = sources["src/guestlist/fields.ts"];
  const aliases = declaration(sf, "ALIASES");
  if (!aliases || !aliases.initializer || !ts.isObjectLiteralExpression(aliases.initializer))
    throw new Error("docs-check: ALIASES not found in src/guestlist/fields.ts");
  const names = [];
  const arrayConst = (name) => {
    const d = find(sources, name);
    let init = d && d.initializer;
    while (init && (ts.isAsExpression(init) || ts.isSatisfiesExpression?.(init))) init = init.expression;
    // a list defined as another one (USER_PROPERTY_KEYS = USER_PROFILE_PROPERTIES): that one's names
    if (init && ts.isIdentifier(init)) return arrayConst(init.text);
    return init && ts.isArrayLiteralExpression(init)
      ? init.elements.filter(ts.isStringLiteral).map((e) => e.text)
      : undefined;
  };
  for (const p of aliases.initializer.properties) {
    if (ts.isPropertyAssignment(p)) names.push(p.name.getText().replace(/^["']|["']$/g, ""));
    else if (ts.isSpreadAssignment(p) && ts.isIdentifier(p.expression)) {
      const d = find(sources, p.expression.text);
      if (!d || !d.initializer || !ts.isObjectLiteralExpression(d.initializer))
        throw new Error(`docs-check: cannot read ${p.expression.text} in src/guestlist/fields.ts`);
      for (const q of d.initializer.properties) if (ts.isPropertyAssignment(q)) names.push(q.name.getText());
    } else if (ts.isSpreadAssignment(p)) {
      // e.g. ...Object.fromEntries(USER_PROPERTY_KEYS.map(...)): the names are that list's, in lower case.
      const ids = [];
      p.expression.forEachChild(function visit(n) {
        if (ts.isIdentifier(n)) ids.push(n.text);
        n.forEachChild(visit);
      });
      const list = ids.map(arrayConst).find((a) => a !== undefined);
      if (!list) throw new Error(`docs-check: cannot read '${p.getText()}' in src/guestlist/fields.ts`);
      names.push(...list.map((k) => k.toLowerCase()));
    }
  }
  const { fieldPath, PORTAL_KEYS } = built(root, "guestlist/fields.js");
  const portal = new Set(Object.keys(PORTAL_KEYS));
  const byField = new Map();
  for (const n of names) {
    const p = fieldPath(n);
    if (!p) throw new Error(`docs-check: fieldPath('${n}') is undefined although ALIASES names it`);
    const field = p.join(".");
    if (!byField.has(field)) byField.set(field, { plain: [], portal: [] });
    byField.get(field)[portal.has(n) ? "portal" : "plain"].push(n);
  }
  const rows = [...byField.entries()].map(
    ([field, { plain, portal: ps }]) =>
      `| \`${field}\` | ${plain.map((n) => `\`${n}\``).join(", ")} | ${ps.map((n) => `\`[${n}]\``).join(", ")} |`,
  );
  return table(["field", "also written as (any case)", "portal template key"], rows);
}

function cliHelp(root, name) {
  const { COMMANDS } = built(root, "cli/commands/index.js");
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) throw new Error(`docs-check: no command '${name}' in dist/cli/commands`);
  return ["```text", `$ entra-guests ${name} --help`, cmd.help.trimEnd(), "```"].join("\n");
}

function cliCommands(root) {
  const { COMMANDS } = built(root, "cli/commands/index.js");
  return table(
    ["command", "what it does"],
    COMMANDS.map((c) => `| [\`entra-guests ${c.name}\`](#entra-guests-${c.name}) | ${escapeCell(c.summary)} |`),
  );
}

// ---------------------------------------------------------------------------------------------
// The generated blocks

const SOURCE_FILES = [
  "src/resource/invitation.ts",
  "src/provider/types.ts",
  "src/guestlist/types.ts",
  "src/guestlist/component.ts",
  "src/guestlist/fields.ts",
  // last: where USER_PROPERTY_KEYS takes its names from (USER_PROFILE_PROPERTIES)
  "src/graph/types.ts",
];

/** Every generated block: page → name → text. */
function generatedBlocks(root) {
  const s = parseSources(root, SOURCE_FILES);
  const classOutputs = ownMembers(s, "Invitation").filter((m) => ts.isPropertyDeclaration(m));
  const declared = new Set(classOutputs.map((m) => m.name.getText()));
  const stateOnly = ownMembers(s, "InvitationOutputs").filter((m) => m.name && !declared.has(m.name.getText()));
  return {
    "docs/invitation.md": {
      "invitation-inputs": table(
        ["input", "type", "description"],
        memberRows(s, ownMembers(s, "InvitationArgs"), { markRequired: true }),
      ),
      "invitation-outputs": table(["output", "type", "description"], memberRows(s, classOutputs, { required: false })),
      "invitation-state": table(["field", "type", "description"], memberRows(s, stateOnly, { required: false })),
    },
    "docs/guest-lists.md": {
      "guestlist-args": table(
        ["input", "type", "description"],
        memberRows(s, ownMembers(s, "GuestListArgs"), { markRequired: true }),
      ),
      "guestlist-entry": table(
        ["field", "type", "description"],
        memberRows(s, ownMembers(s, "GuestEntry"), { markRequired: true }),
      ),
      "guestlist-defaults": table(
        ["field", "type", "description"],
        memberRows(s, ownMembers(s, "GuestDefaults"), { required: false }),
      ),
      "guestlist-outputs": table(
        ["output", "type", "description"],
        memberRows(
          s,
          ownMembers(s, "GuestList").filter((m) => ts.isPropertyDeclaration(m)),
          { required: false },
        ),
      ),
      "guestlist-guest-outputs": table(
        ["field", "type", "description"],
        memberRows(s, ownMembers(s, "GuestOutputs"), { required: false }),
      ),
      "guestlist-field-names": fieldAliases(root, s),
    },
    "docs/cli.md": {
      "cli-commands": cliCommands(root),
      "cli-export-help": cliHelp(root, "export"),
      "cli-summarize-help": cliHelp(root, "summarize"),
      "cli-orphans-help": cliHelp(root, "orphans"),
    },
  };
}

const BLOCK = /<!-- generated:([a-z0-9-]+) \(scripts\/docs-check\.js --write\) -->\n([\s\S]*?)<!-- \/generated:\1 -->/g;

function begin(name) {
  return `<!-- generated:${name} (scripts/docs-check.js --write) -->`;
}

/** Problems of the generated blocks; with `write`, the pages are rewritten instead. */
function checkBlocks(root, write) {
  const problems = [];
  for (const [page, blocks] of Object.entries(generatedBlocks(root))) {
    const file = path.join(root, page);
    const text = fs.readFileSync(file, "utf8");
    const seen = new Set();
    const next = text.replace(BLOCK, (whole, name, body) => {
      seen.add(name);
      if (!(name in blocks)) {
        problems.push(`${page}: block '${name}' is not one this script generates (${Object.keys(blocks).join(", ")})`);
        return whole;
      }
      const want = `${blocks[name]}\n`;
      if (body !== want && !write)
        problems.push(`${page}: block '${name}' differs from the code:\n${lineDiff(body, want)}`);
      return `${begin(name)}\n${want}<!-- /generated:${name} -->`;
    });
    for (const name of Object.keys(blocks))
      if (!seen.has(name))
        problems.push(`${page}: no block '${name}': add the lines '${begin(name)}' and '<!-- /generated:${name} -->'`);
    if (write && next !== text) fs.writeFileSync(file, next);
  }
  return problems;
}

/** The lines only in `have` (-) and only in `want` (+). */
function lineDiff(have, want) {
  const a = have.split("\n");
  const b = want.split("\n");
  const inB = new Set(b);
  const inA = new Set(a);
  return [
    ...a.filter((l) => !inB.has(l)).map((l) => `  - ${l}`),
    ...b.filter((l) => !inA.has(l)).map((l) => `  + ${l}`),
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// README length and links

/** GitHub's anchor of a heading. */
function slug(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]+>/g, "")
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function anchorsOf(text) {
  const anchors = new Set();
  const counts = new Map();
  let fence = false;
  for (const line of text.split("\n")) {
    if (/^\s*```/.test(line)) fence = !fence;
    const m = !fence && /^#{1,6}\s+(.*)$/.exec(line);
    if (!m) continue;
    const base = slug(m[1]);
    const n = counts.get(base) ?? 0;
    counts.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  return anchors;
}

function pages(root) {
  const docs = fs
    .readdirSync(path.join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`);
  return ["README.md", "DEVELOPMENT.md", ...docs].filter((f) => fs.existsSync(path.join(root, f)));
}

function checkLinks(root) {
  const problems = [];
  for (const page of pages(root)) {
    const text = fs.readFileSync(path.join(root, page), "utf8").replace(/```[\s\S]*?```/g, "");
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1];
      if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
      const [file, anchor] = target.split("#");
      const rel = file ? path.posix.normalize(path.posix.join(path.posix.dirname(page), file)) : page;
      const abs = path.join(root, rel);
      if (!fs.existsSync(abs)) {
        if (!PAGES_FROM_OTHER_BRANCHES.has(rel)) problems.push(`${page}: link '${target}': ${rel} does not exist`);
        continue;
      }
      if (anchor && rel.endsWith(".md") && !anchorsOf(fs.readFileSync(abs, "utf8")).has(anchor)) {
        problems.push(`${page}: link '${target}': ${rel} has no heading #${anchor}`);
      }
    }
  }
  return problems;
}

function checkReadme(root) {
  const lines = fs.readFileSync(path.join(root, "README.md"), "utf8").split("\n");
  const n = lines[lines.length - 1] === "" ? lines.length - 1 : lines.length;
  return n > README_MAX_LINES
    ? [
        `README.md: ${n} lines: a front page has at most ${README_MAX_LINES}; move the detail to a page under docs/ and link it`,
      ]
    : [];
}

/** Every problem of the documentation under `root` (with `write`, generated blocks are rewritten first). */
function checkDocs(root, { write = false } = {}) {
  return [...checkBlocks(root, write), ...checkReadme(root), ...checkLinks(root)];
}

module.exports = { checkDocs, generatedBlocks, anchorsOf, slug };

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--root");
  const root = path.resolve(at >= 0 ? args[at + 1] : path.join(__dirname, ".."));
  const write = args.includes("--write");
  let problems;
  try {
    problems = checkDocs(root, { write });
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(2);
  }
  if (problems.length) {
    console.error(
      `docs-check: ${problems.length} problem${problems.length === 1 ? "" : "s"}${write ? "" : " (run `node scripts/docs-check.js --write` to regenerate the tables from the code)"}:`,
    );
    for (const p of problems) console.error(`- ${p}`);
    process.exit(1);
  }
  console.log(
    `docs-check: ${write ? "tables regenerated; " : ""}the reference tables match the code, README.md is at most ${README_MAX_LINES} lines, every link resolves`,
  );
}
