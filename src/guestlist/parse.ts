/**
 * `parseGuestFile(text, fileName)`: a guest file's text into entries with canonical field names,
 * each with the line it came from. Pure. Syntax errors throw a `GuestListError` at once; problems
 * of single fields or columns are collected in `issues` and reported with the validation's.
 *
 * Formats, by extension:
 * - `.yaml`/`.yml`, `.json`: `{ defaults?: {...}, guests: [...] }` or a bare list of guests.
 * - `.csv`: a header row of field names, then one guest per row.
 * - `.csv` whose first line is `version:v1.0`: the Entra portal's bulk-invite template; columns are
 *   found by the key in brackets (`[inviteeEmail]`), whatever the language of the text around it.
 */
import * as YAML from "yaml";
import { CsvRecord, CsvSyntaxError, readCsv, sniffDelimiter, stripBom } from "./csv";
import { cellValue, fieldPath, LIST_PATHS, PORTAL_KEYS, splitList, suggestField } from "./fields";
import { EntryLocation, GuestFile, GuestFileFormat, GuestListError, GuestListIssue } from "./types";

/** The format by extension (and, for `.csv`, the portal's `version:` first line); undefined for other extensions. */
export function guestFileFormat(fileName: string, text: string): GuestFileFormat | undefined {
  const ext = /\.([a-z]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  if (ext === "yaml" || ext === "yml") return "yaml";
  if (ext === "json") return "json";
  if (ext === "csv") return /^\s*"?version:/i.test(stripBom(text)) ? "portal-csv" : "csv";
  return undefined;
}

/**
 * Parse a guest file's text. Throws a {@link GuestListError} for an unknown extension, an empty file
 * or a syntax error (with its line); other problems are returned in `issues`.
 * @param text The file's text (decoded; a BOM is allowed).
 * @param fileName The name used for the format and in messages.
 */
export function parseGuestFile(text: string, fileName: string): GuestFile {
  const format = guestFileFormat(fileName, text);
  if (!format) {
    throw new GuestListError([
      { source: fileName, reason: "unknown file type: name the guest file .yaml, .yml, .json or .csv" },
    ]);
  }
  if (stripBom(text).trim() === "") {
    throw new GuestListError([
      {
        source: fileName,
        reason:
          format === "yaml" || format === "json"
            ? `the file is empty; to remove every guest on purpose write ${format === "yaml" ? "'guests: []'" : "'{\"guests\": []}'"}`
            : "the file is empty; to remove every guest on purpose keep the header row with no guests below it",
      },
    ]);
  }
  switch (format) {
    case "yaml":
      return parseStructured(text, fileName, "yaml");
    case "json":
      return parseStructured(text, fileName, "json");
    case "csv":
      return parseCsv(text, fileName, false);
    case "portal-csv":
      return parseCsv(text, fileName, true);
  }
}

// ---------------------------------------------------------------------------------------------
// YAML and JSON

function parseStructured(text: string, fileName: string, format: "yaml" | "json"): GuestFile {
  const src = stripBom(text);
  const lineCounter = new YAML.LineCounter();
  if (format === "json") {
    // Strict JSON first (the YAML parser would accept more); its positions become lines.
    try {
      JSON.parse(src);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const pos = /position (\d+)/.exec(msg);
      const line = pos ? src.slice(0, Number(pos[1])).split(/\r\n|\n|\r/).length : undefined;
      const clean = msg.replace(/ in JSON at position \d+.*$/s, "").replace(/, ".*? is not valid JSON$/s, "");
      throw new GuestListError([{ source: fileName, line, reason: `not valid JSON: ${clean}` }]);
    }
  }
  const doc = YAML.parseDocument(src, { lineCounter, merge: true, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) {
    throw new GuestListError(
      doc.errors.map((err) => ({
        source: fileName,
        line: err.linePos?.[0].line ?? lineCounter.linePos(err.pos[0]).line,
        reason: `not valid ${format === "json" ? "JSON" : "YAML"}: ${err.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`,
      })),
    );
  }
  const lineOf = (node: unknown): number => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? lineCounter.linePos(range[0]).line : 1;
  };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new GuestListError([
      { source: fileName, reason: `cannot be read: ${e instanceof Error ? e.message : String(e)}` },
    ]);
  }

  const issues: GuestListIssue[] = [];
  const out: GuestFile = { fileName, format, guests: [], locations: [], issues };
  const root = doc.contents;
  let guestsNode: unknown;
  let guestsValue: unknown;
  if (YAML.isSeq(root)) {
    guestsNode = root;
    guestsValue = value;
  } else if (YAML.isMap(root) && isRecord(value)) {
    for (const pair of root.items) {
      const k = YAML.isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (k !== "guests" && k !== "defaults") {
        issues.push({
          source: fileName,
          line: lineOf(pair.key),
          reason: `unknown top-level field '${k}': a guest file has 'guests' (a list) and optionally 'defaults'`,
        });
      }
    }
    guestsNode = root.get("guests", true);
    guestsValue = value.guests;
    const defaultsNode = root.get("defaults", true);
    if (value.defaults !== undefined && value.defaults !== null) {
      if (!isRecord(value.defaults) || !YAML.isMap(defaultsNode)) {
        issues.push({
          source: fileName,
          line: lineOf(defaultsNode),
          property: "defaults",
          reason: "must be a mapping of field: value",
        });
      } else {
        const parsed = canonicalEntry(defaultsNode, value.defaults, fileName, lineOf, issues);
        out.defaults = parsed.fields;
        out.defaultsLocation = parsed.location;
      }
    }
    if (guestsValue === undefined || guestsValue === null) {
      issues.push({ source: fileName, line: 1, reason: "has no 'guests' list; write 'guests: []' for an empty list" });
      return out;
    }
  } else {
    throw new GuestListError([
      {
        source: fileName,
        line: lineOf(root),
        reason: "must be a mapping with a 'guests' list (and optional 'defaults'), or a list of guests",
      },
    ]);
  }
  if (!YAML.isSeq(guestsNode) || !Array.isArray(guestsValue)) {
    issues.push({ source: fileName, line: lineOf(guestsNode), property: "guests", reason: "must be a list of guests" });
    return out;
  }
  guestsNode.items.forEach((node, i) => {
    const v = guestsValue[i];
    const target = YAML.isAlias(node) ? node.resolve(doc) : node;
    if (!YAML.isMap(target) || !isRecord(v)) {
      issues.push({
        source: fileName,
        line: lineOf(node),
        reason: `guest #${i + 1} must be a mapping of field: value (e.g. 'email: jane@contoso.com')`,
      });
      return;
    }
    const parsed = canonicalEntry(target, v, fileName, lineOf, issues);
    parsed.location.line = lineOf(node);
    out.guests.push(parsed.fields);
    out.locations.push(parsed.location);
  });
  return out;
}

/** Map one YAML/JSON mapping's field names to canonical paths; unknown names are kept as written. */
function canonicalEntry(
  node: YAML.YAMLMap,
  value: Record<string, unknown>,
  fileName: string,
  lineOf: (n: unknown) => number,
  issues: GuestListIssue[],
): { fields: Record<string, unknown>; location: EntryLocation } {
  const location: EntryLocation = { line: lineOf(node), fields: {}, labels: {} };
  const fields: Record<string, unknown> = {};
  const keyLines = new Map<string, number>();
  for (const pair of node.items) {
    if (YAML.isScalar(pair.key)) keyLines.set(String(pair.key.value), lineOf(pair.key));
  }
  for (const [name, raw] of Object.entries(value)) {
    const line = keyLines.get(name) ?? location.line;
    const path = fieldPath(name);
    if (!path) {
      fields[name] = raw;
      location.fields[name] = line;
      continue;
    }
    const v = typeof raw === "string" && LIST_PATHS.has(path.join(".")) ? splitList(raw) : raw;
    setField(fields, location, path, v, name, line, fileName, issues);
  }
  return { fields, location };
}

/** Set a canonical path, merging object fields; a value given twice (e.g. `email` and `invitedUserEmailAddress`) is an issue. */
function setField(
  fields: Record<string, unknown>,
  location: EntryLocation,
  path: readonly string[],
  value: unknown,
  label: string,
  line: number,
  fileName: string,
  issues: GuestListIssue[],
): void {
  const [top, sub] = path;
  const twice = (what: string): void =>
    void issues.push({
      source: fileName,
      line,
      property: label,
      reason: `sets ${what}, which this entry already sets (as '${location.labels[what] ?? what}'): keep one`,
    });
  if (sub === undefined) {
    if (fields[top] !== undefined && isRecord(fields[top]) && isRecord(value)) {
      const target = fields[top] as Record<string, unknown>;
      for (const [k, v] of Object.entries(value)) {
        if (target[k] !== undefined) twice(`${top}.${k}`);
        else target[k] = v;
      }
      return;
    }
    if (fields[top] !== undefined) return twice(top);
    fields[top] = value;
  } else {
    const existing = fields[top];
    if (existing !== undefined && !isRecord(existing)) return twice(top);
    const target = (existing ?? {}) as Record<string, unknown>;
    if (target[sub] !== undefined) return twice(`${top}.${sub}`);
    target[sub] = value;
    fields[top] = target;
    location.labels[`${top}.${sub}`] = label;
  }
  location.fields[top] ??= line;
  if (label !== path.join(".")) location.labels[path.join(".")] = label;
}

// ---------------------------------------------------------------------------------------------
// CSV (plain and the portal template)

const PORTAL_VERSION = /^version:\s*v?1(\.0)?$/i;
/** A portal template's examples row: the email cell reads e.g. `Example: jane@contoso.com` (any language). */
const EXAMPLE_CELL = /^\s*\p{L}[\p{L}\p{M} ]{0,30}:\s/u;

interface Column {
  index: number;
  header: string;
  path?: string[];
}

function parseCsv(text: string, fileName: string, portal: boolean): GuestFile {
  let records: CsvRecord[];
  try {
    records = readCsv(text);
  } catch (e) {
    if (e instanceof CsvSyntaxError)
      throw new GuestListError([
        { source: fileName, line: e.line, reason: `not valid CSV: column ${e.column}: ${e.reason}` },
      ]);
    throw e;
  }
  const issues: GuestListIssue[] = [];
  const out: GuestFile = { fileName, format: portal ? "portal-csv" : "csv", guests: [], locations: [], issues };
  const blank = (r: CsvRecord): boolean => r.cells.every((c) => c.trim() === "");
  const rows = records.filter((r) => !blank(r));
  let at = 0;
  if (portal) {
    const version = rows[at++];
    const v = version.cells[0].trim();
    if (!PORTAL_VERSION.test(v) || version.cells.slice(1).some((c) => c.trim() !== "")) {
      throw new GuestListError([
        {
          source: fileName,
          line: version.line,
          reason: `'${v}' is not a bulk-invite template version this package reads: the first line must be 'version:v1.0'`,
        },
      ]);
    }
  }
  const header = rows[at++];
  if (!header) {
    throw new GuestListError([
      {
        source: fileName,
        reason: portal
          ? "has no header row after 'version:v1.0'"
          : "has no header row: the first row names the fields, e.g. 'email,displayName,key'",
      },
    ]);
  }
  const columns: Column[] = header.cells.map((cell, index) => ({ index, header: cell.trim(), path: undefined }));
  const seen = new Map<string, Column>();
  for (const col of columns) {
    if (col.header === "") continue;
    let key = col.header;
    if (portal) {
      const bracket = /\[([^\]]+)\]/.exec(col.header);
      if (!bracket) {
        issues.push({
          source: fileName,
          line: header.line,
          property: `column ${col.index + 1} '${col.header}'`,
          reason:
            "has no key in brackets: portal template columns read like 'Email address to invite [inviteeEmail] Required'",
        });
        continue;
      }
      key = bracket[1].trim();
    }
    const path = portal ? (PORTAL_KEYS[key.toLowerCase()]?.split(".") ?? fieldPath(key)) : fieldPath(key);
    if (!path) {
      issues.push({
        source: fileName,
        line: header.line,
        property: `column '${col.header}'`,
        reason: portal
          ? `unknown key [${key}]: the template's keys are [inviteeEmail], [inviteRedirectURL], [sendEmail], [customizedMessageBody], [inviteeName]; this package also reads [key] and [groups]`
          : `unknown field '${key}'${suggestField(key)}`,
      });
      continue;
    }
    const p = path.join(".");
    const dup = seen.get(p);
    if (dup) {
      issues.push({
        source: fileName,
        line: header.line,
        property: `column '${col.header}'`,
        reason: `sets ${p}, as column '${dup.header}' does already: keep one`,
      });
      continue;
    }
    seen.set(p, col);
    col.path = path;
  }
  if (!seen.has("invitedUserEmailAddress") && !seen.has("key")) {
    issues.push({
      source: fileName,
      line: header.line,
      reason: portal
        ? "has no [inviteeEmail] column"
        : "has no email column: name one 'email' (or 'invitedUserEmailAddress')",
    });
  }

  const dataRows = rows.slice(at);
  dataRows.forEach((row, i) => {
    if (portal && i === 0) {
      const emailCol = seen.get("invitedUserEmailAddress");
      if (emailCol && EXAMPLE_CELL.test(row.cells[emailCol.index] ?? "")) return; // the template's examples row
    }
    const extra = row.cells.slice(columns.length);
    if (extra.some((c) => c.trim() !== "")) {
      issues.push({
        source: fileName,
        line: row.line,
        reason: `has ${row.cells.length} cells but the header has ${columns.length} columns: quote cells that contain '${sniffDelimiter(text)}'`,
      });
    }
    const fields: Record<string, unknown> = {};
    const location: EntryLocation = { line: row.line, fields: {}, labels: {} };
    for (const col of columns) {
      const cell = row.cells[col.index];
      if (cell === undefined) continue;
      if (!col.path) continue;
      const v = cellValue(col.path, cell);
      if (v === undefined) continue;
      setField(fields, location, col.path, v, col.header, row.line, fileName, issues);
    }
    for (const [p, col] of seen)
      location.labels[p] = portal ? `[${/\[([^\]]+)\]/.exec(col.header)?.[1] ?? col.header}]` : col.header;
    out.guests.push(fields);
    out.locations.push(location);
  });
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
