/**
 * A small RFC 4180 CSV reader: quoted fields with embedded delimiters, line breaks and doubled
 * quotes; CRLF, LF or CR line ends; a leading byte-order mark. Every record keeps the line it starts
 * on, so errors can name it. Pure: text in, records out.
 *
 * Strict where RFC 4180 is: a quote inside an unquoted field, text after a closing quote, or a quote
 * that never closes is an error with its line and column, not a guess. One leniency: spaces around a
 * quoted field (`a, "b, c" ,d`) are dropped, as hand-written files often have them.
 *
 * Why not a library: csv-parse 7.0.3 was evaluated (2026-12) by putting a `readCsv` on top of it
 * (`bom`, `relax_column_count`, `skip_empty_lines: false`, `record_delimiter: ["\r\n", "\n", "\r"]`,
 * start lines from `info.lines` of the record before) under test/guestlist: 6 of its 122 tests fail.
 * - Error positions: csv-parse gives the field index, not the character column, and reports an
 *   unclosed quote at the end of the file instead of the line where the quote opened, so messages
 *   such as `guests.csv:2: not valid CSV: column 15: a quoted field is never closed` are lost.
 * - Spaces around a quoted field: `ltrim`/`rtrim` reject them, `trim` also trims unquoted cells,
 *   which this reader keeps as written.
 * Restoring those means scanning the text for quotes again, i.e. keeping this reader anyway, plus a
 * 1.7 MB runtime dependency. `;` detection (`sniffDelimiter`) and UTF-16 decoding (`decodeText` in
 * component.ts) stay ours either way. More in docs/dependencies.md.
 */

/** The delimiters guest files use: `,`, or `;` from spreadsheets in locales with a decimal comma. */
export type CsvDelimiter = "," | ";";

/** One record (row) of a CSV text. */
export interface CsvRecord {
  /** The cells as written (quotes removed, doubled quotes undone; no trimming). */
  cells: string[];
  /** 1-based line on which the record starts. */
  line: number;
}

/** Text that is not valid CSV, with the 1-based line and column where reading stopped. */
export class CsvSyntaxError extends Error {
  constructor(
    /** 1-based line. */
    readonly line: number,
    /** 1-based column (characters). */
    readonly column: number,
    /** What is wrong and how to fix it. */
    readonly reason: string,
  ) {
    super(`line ${line}, column ${column}: ${reason}`);
    this.name = "CsvSyntaxError";
  }
}

/**
 * Guess the delimiter from the first line that is not the portal's `version:` line: `;` when it has
 * more unquoted semicolons than commas (a spreadsheet saved with a `;` list separator, as in German
 * or French locales), else `,`.
 */
export function sniffDelimiter(text: string): CsvDelimiter {
  const lines = stripBom(text).split(/\r\n|\n|\r/);
  const header = lines.find((l) => l.trim() !== "" && !/^\s*"?version:/i.test(l)) ?? "";
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === ",") commas++;
    else if (!quoted && ch === ";") semicolons++;
  }
  return semicolons > commas ? ";" : ",";
}

/** The text without a leading byte-order mark. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Read every record of `text`. An empty text has no records; a final line break ends the last record. */
export function readCsv(text: string, delimiter: CsvDelimiter = sniffDelimiter(text)): CsvRecord[] {
  const src = stripBom(text);
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = "";
  let line = 1;
  let col = 1;
  let recordLine = 1;
  let i = 0;
  // Whether the current cell was opened with a quote / the record has any content yet.
  let started = false;

  const endCell = (): void => {
    cells.push(cell);
    cell = "";
  };
  const endRecord = (): void => {
    endCell();
    records.push({ cells, line: recordLine });
    cells = [];
    started = false;
  };
  const newline = (): number => {
    // Returns the length of the line break at i (0 if none).
    if (src[i] === "\r") return src[i + 1] === "\n" ? 2 : 1;
    if (src[i] === "\n") return 1;
    return 0;
  };

  while (i < src.length) {
    if (!started) {
      recordLine = line;
      started = true;
    }
    const ch = src[i];
    if (ch === '"') {
      // Spaces before an opening quote (`a, "b, c"`) are tolerated and dropped.
      if (cell.trim() !== "")
        throw new CsvSyntaxError(
          line,
          col,
          `a quote (") inside an unquoted field: quote the whole field and double the quote ("")`,
        );
      cell = "";
      const openLine = line;
      const openCol = col;
      i++;
      col++;
      let closed = false;
      while (i < src.length) {
        const c = src[i];
        if (c === '"') {
          if (src[i + 1] === '"') {
            cell += '"';
            i += 2;
            col += 2;
            continue;
          }
          i++;
          col++;
          closed = true;
          break;
        }
        const nl = newline();
        if (nl) {
          cell += src.slice(i, i + nl);
          i += nl;
          line++;
          col = 1;
          continue;
        }
        cell += c;
        i++;
        col++;
      }
      if (!closed)
        throw new CsvSyntaxError(openLine, openCol, 'a quoted field is never closed: add the closing quote (")');
      // After a closing quote only spaces, then a delimiter, a line break or the end may follow.
      while (src[i] === " " || src[i] === "\t") {
        i++;
        col++;
      }
      if (i < src.length && src[i] !== delimiter && !newline()) {
        throw new CsvSyntaxError(
          line,
          col,
          `unexpected text after a closing quote: put the whole field in quotes and double any quote inside it ("")`,
        );
      }
      continue;
    }
    if (ch === delimiter) {
      endCell();
      i++;
      col++;
      continue;
    }
    const nl = newline();
    if (nl) {
      endRecord();
      i += nl;
      line++;
      col = 1;
      continue;
    }
    cell += ch;
    i++;
    col++;
  }
  if (started) endRecord();
  return records;
}
