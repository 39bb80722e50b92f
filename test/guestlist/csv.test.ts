import { CsvSyntaxError, readCsv, sniffDelimiter } from "../../src/guestlist";

const cells = (text: string): string[][] => readCsv(text).map((r) => r.cells);

describe("readCsv (RFC 4180)", () => {
  it.each([
    [
      "plain fields",
      "a,b,c\n1,2,3\n",
      [
        ["a", "b", "c"],
        ["1", "2", "3"],
      ],
    ],
    [
      "no final line break",
      "a,b\n1,2",
      [
        ["a", "b"],
        ["1", "2"],
      ],
    ],
    [
      "CRLF line ends",
      "a,b\r\n1,2\r\n",
      [
        ["a", "b"],
        ["1", "2"],
      ],
    ],
    [
      "lone CR line ends",
      "a,b\r1,2\r",
      [
        ["a", "b"],
        ["1", "2"],
      ],
    ],
    ["a byte-order mark", "\ufeffemail\nx@y.com\n", [["email"], ["x@y.com"]]],
    ["quoted commas", 'a,"b,c",d\n', [["a", "b,c", "d"]]],
    ["doubled quotes", '"say ""hi""",x\n', [['say "hi"', "x"]]],
    ["embedded line breaks (LF and CRLF)", '"line1\nline2","a\r\nb"\n', [["line1\nline2", "a\r\nb"]]],
    ["empty fields and empty quoted fields", 'a,,"",b\n', [["a", "", "", "b"]]],
    ["trailing empty field", "a,b,\n", [["a", "b", ""]]],
    ["spaces around a quoted field are dropped", 'a, "b, c" ,d\n', [["a", "b, c", "d"]]],
    ["spaces in unquoted fields are kept", " a , b \n", [[" a ", " b "]]],
    ["blank lines are records with one empty cell", "a\n\nb\n", [["a"], [""], ["b"]]],
    ["non-ASCII text", "name\nKim Müller\n", [["name"], ["Kim Müller"]]],
  ])("%s", (_name, text, expected) => {
    expect(cells(text)).toEqual(expected);
  });

  it("gives each record the line it starts on", () => {
    const records = readCsv('h1,h2\n"multi\nline",x\r\nnext,y\n\nlast,z');
    expect(records.map((r) => r.line)).toEqual([1, 2, 4, 5, 6]);
  });

  it("reads semicolon-separated files (spreadsheets in German or French locales)", () => {
    expect(sniffDelimiter("email;displayName\na@b.com;A\n")).toBe(";");
    expect(sniffDelimiter('version:v1.0;;\n"x,y";b;c\n')).toBe(";");
    expect(sniffDelimiter("email,displayName\n")).toBe(",");
    expect(cells('email;displayName\na@b.com;"A; B"\n')).toEqual([
      ["email", "displayName"],
      ["a@b.com", "A; B"],
    ]);
  });

  it.each([
    ["an unclosed quote", 'a,b\n"open,x\ny,z\n', 2, 1, /never closed/],
    ["a quote inside an unquoted field", 'a,b"c\n', 1, 4, /inside an unquoted field/],
    ["text after a closing quote", '"a"b,c\n', 1, 4, /after a closing quote/],
  ])("rejects %s with its line and column", (_name, text, line, column, reason) => {
    let error: unknown;
    try {
      readCsv(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CsvSyntaxError);
    expect(error).toMatchObject({ line, column });
    expect((error as Error).message).toMatch(reason);
  });
});
