/**
 * The streaming CSV reader (src/data/csv.ts): worked examples, a property test against
 * csv-parse on generated RFC 4180 text, chunk-split invariance, and reading a file whose
 * multi-byte characters straddle the 1 MiB read-chunk boundary.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { CsvParser, readCsvFile } from "../../src/data/csv.ts";

interface Parsed {
  records: { fields: string[]; line: number }[];
  errors: { message: string; line: number }[];
}

/** Pushes `chunks` one by one into a fresh parser, then ends it. */
function parseChunks(chunks: readonly string[]): Parsed {
  const out: Parsed = { records: [], errors: [] };
  const parser = new CsvParser(
    (fields, line) => out.records.push({ fields: [...fields], line }),
    (message, line) => out.errors.push({ message, line }),
  );
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return out;
}

const parseText = (text: string) => parseChunks([text]);
const fieldsOf = (p: Parsed) => p.records.map((r) => r.fields);
const linesOf = (p: Parsed) => p.records.map((r) => r.line);

/** Splits `text` at the given cut points (fractions of its length, in any order). */
function splitAt(text: string, cuts: readonly number[]): string[] {
  const points = [...new Set(cuts.map((f) => Math.floor(f * text.length)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(text.slice(from, p));
    from = p;
  }
  chunks.push(text.slice(from));
  return chunks;
}

describe("CsvParser: examples", () => {
  it("strips a leading BOM (only at the very start, once)", () => {
    const p = parseText("\uFEFFid,name\n1,\uFEFFx\n");
    expect(fieldsOf(p)).toEqual([
      ["id", "name"],
      ["1", "\uFEFFx"],
    ]);
    expect(linesOf(p)).toEqual([1, 2]);
  });

  it("strips a BOM that arrives as its own chunk", () => {
    const p = parseChunks(["\uFEFF", "id,name\n", "1,a\n"]);
    expect(fieldsOf(p)).toEqual([
      ["id", "name"],
      ["1", "a"],
    ]);
  });

  it("accepts LF, CRLF and a mix of both", () => {
    expect(fieldsOf(parseText("a,b\nc,d\n"))).toEqual([
      ["a", "b"],
      ["c", "d"],
    ]);
    expect(fieldsOf(parseText("a,b\r\nc,d\r\n"))).toEqual([
      ["a", "b"],
      ["c", "d"],
    ]);
    const mixed = parseText('a,b\r\nc,"d"\ne,f\r\n"g",h\n');
    expect(fieldsOf(mixed)).toEqual([
      ["a", "b"],
      ["c", "d"],
      ["e", "f"],
      ["g", "h"],
    ]);
    expect(linesOf(mixed)).toEqual([1, 2, 3, 4]);
  });

  it("keeps a CR that is not part of a line ending inside an unquoted field", () => {
    expect(fieldsOf(parseText("a\rb,c\n"))).toEqual([["a\rb", "c"]]);
  });

  it("reads quoted fields with commas, doubled quotes and line breaks", () => {
    const text = [
      "id,note,quote",
      '1,"a, b","she said ""hi"""',
      '2,"line one',
      "line two",
      'line three",x',
      '3,"crlf\r\ninside",""',
      "4,plain,end",
      "",
    ].join("\n");
    const p = parseText(text);
    expect(fieldsOf(p)).toEqual([
      ["id", "note", "quote"],
      ["1", "a, b", 'she said "hi"'],
      ["2", "line one\nline two\nline three", "x"],
      ["3", "crlf\r\ninside", ""],
      ["4", "plain", "end"],
    ]);
    // Record 2 spans lines 3-5, so record 3 starts on line 6 and record 4 (whose CRLF
    // inside quotes is one more line break) on line 8.
    expect(linesOf(p)).toEqual([1, 2, 3, 6, 8]);
  });

  it("reads a quoted field made of a single doubled quote and quoted empty fields", () => {
    expect(fieldsOf(parseText('"""",""\n'))).toEqual([['"', ""]]);
    expect(fieldsOf(parseText('"",x\n'))).toEqual([["", "x"]]);
  });

  it("skips blank lines but counts them in line numbers", () => {
    const p = parseText("h1,h2\n\n1,2\n\r\n\n3,4\n\n");
    expect(fieldsOf(p)).toEqual([
      ["h1", "h2"],
      ["1", "2"],
      ["3", "4"],
    ]);
    expect(linesOf(p)).toEqual([1, 3, 6]);
  });

  it("counts blank lines after a multi-line quoted record", () => {
    const p = parseText('a,"x\ny"\n\n\nb,c\n');
    expect(fieldsOf(p)).toEqual([
      ["a", "x\ny"],
      ["b", "c"],
    ]);
    expect(linesOf(p)).toEqual([1, 5]);
  });

  it("reads a final line without a line break", () => {
    expect(parseText("a,b\nc,d").records).toEqual([
      { fields: ["a", "b"], line: 1 },
      { fields: ["c", "d"], line: 2 },
    ]);
    expect(parseText('a,b\r\n"c",d').records).toEqual([
      { fields: ["a", "b"], line: 1 },
      { fields: ["c", "d"], line: 2 },
    ]);
    expect(fieldsOf(parseText('a,"b\nc"'))).toEqual([["a", "b\nc"]]);
  });

  it("keeps an empty trailing field", () => {
    expect(fieldsOf(parseText("a,b,\nc,d,\r\n"))).toEqual([
      ["a", "b", ""],
      ["c", "d", ""],
    ]);
    expect(fieldsOf(parseText('"a",b,\n'))).toEqual([["a", "b", ""]]);
    // ... also at the end of the input, quoted or not.
    expect(fieldsOf(parseText("a,b,"))).toEqual([["a", "b", ""]]);
    expect(fieldsOf(parseText('"a",b,'))).toEqual([["a", "b", ""]]);
    expect(fieldsOf(parseText('"a",'))).toEqual([["a", ""]]);
    expect(fieldsOf(parseText(",\n"))).toEqual([["", ""]]);
  });

  it("treats a final CR like a line ending, whether the last field is quoted or not", () => {
    // A CRLF file whose final LF was cut off.
    expect(fieldsOf(parseText("a,b\r"))).toEqual([["a", "b"]]);
    expect(fieldsOf(parseText('a,"b"\r'))).toEqual([["a", "b"]]);
  });

  it("does not end a record early when a chunk ends in stray characters after a closing quote", () => {
    // `"ab"de` is a quoted field followed by stray characters (tolerated and kept). When a
    // chunk ends right there, the record is not complete yet: `f,g` continues it.
    const text = '"ab"def,g\nh\n';
    expect(fieldsOf(parseText(text))).toEqual([["abdef", "g"], ["h"]]);
    expect(parseChunks(['"ab"de', "f,g\nh\n"])).toEqual(parseText(text));
  });

  it("reports an unterminated quote at the end of the input at its line and reads on from the next", () => {
    const p = parseText('id,name\n1,ok\n\n2,"never\nclosed,\n');
    expect(p.records).toEqual([
      { fields: ["id", "name"], line: 1 },
      { fields: ["1", "ok"], line: 2 },
      { fields: ["closed", ""], line: 5 },
    ]);
    expect(p.errors).toEqual([
      { message: expect.stringMatching(/^unterminated quoted field/), line: 4 },
    ]);
  });

  it("reports an unterminated quote split across chunks the same way", () => {
    const p = parseChunks(["id,name\n1,ok\n2,", '"nev', "er\n", "closed"]);
    expect(fieldsOf(p)).toEqual([["id", "name"], ["1", "ok"], ["closed"]]);
    expect(p.errors).toEqual([
      { message: expect.stringMatching(/^unterminated quoted field/), line: 3 },
    ]);
  });

  it("a stray quote loses only its own line, not the rest of the file", () => {
    const rows = Array.from({ length: 200 }, (_, i) => `S${i + 1},Name ${i + 1},north`);
    rows[99] = 'S100,"Stray,north';
    const text = `id,display_name,school\n${rows.join("\n")}\n`;
    const p = parseText(text);
    expect(p.errors).toEqual([
      { message: expect.stringMatching(/not closed within 9 lines/), line: 101 },
    ]);
    expect(p.records).toHaveLength(200);
    expect(p.records.map((r) => r.fields[0])).not.toContain("S100");
    expect(p.records.at(-1)).toEqual({ fields: ["S200", "Name 200", "north"], line: 201 });
    for (const r of p.records.slice(1)) expect(r.line).toBe(Number(r.fields[0]?.slice(1)) + 1);
    // The same in any chunking, and one character at a time near the quote.
    expect(parseChunks([text.slice(0, 2000), text.slice(2000, 2003), text.slice(2003)])).toEqual(p);
  });

  it("a stray quote that pairs with a quote inside a later field loses only its own line", () => {
    const p = parseText('a,"b,c\nd,e\nf,O"Neil,g\nh,i\n');
    expect(p.errors).toEqual([{ message: expect.stringMatching(/closes mid-field/), line: 1 }]);
    expect(fieldsOf(p)).toEqual([
      ["d", "e"],
      ["f", 'O"Neil', "g"],
      ["h", "i"],
    ]);
  });

  it("still reads a quoted field with up to 8 line breaks", () => {
    const value = Array.from({ length: 9 }, (_, i) => `l${i}`).join("\n");
    const p = parseText(`"${value}",x\ny\n`);
    expect(p.errors).toEqual([]);
    expect(p.records).toEqual([
      { fields: [value, "x"], line: 1 },
      { fields: ["y"], line: 10 },
    ]);
    const tooLong = `${value}\nl9`;
    const q = parseText(`"${tooLong}",x\ny\n`);
    expect(q.errors.map((e) => e.line)).toEqual([1]);
    expect(fieldsOf(q)).toEqual([
      ["l1"],
      ["l2"],
      ["l3"],
      ["l4"],
      ["l5"],
      ["l6"],
      ["l7"],
      ["l8"],
      ['l9"', "x"],
      ["y"],
    ]);
  });

  it("does not report an error for well-formed input", () => {
    expect(parseText('a,"b"\n"c\nd",e').errors).toEqual([]);
  });

  it("gives the same result one character at a time", () => {
    const text = '\uFEFFa,"b,""c""\r\nd",e\r\n\r\nf,g,\n"h"';
    const whole = parseText(text);
    expect(parseChunks([...text])).toEqual(whole);
    expect(whole.records).toEqual([
      { fields: ["a", 'b,"c"\r\nd', "e"], line: 1 },
      { fields: ["f", "g", ""], line: 4 },
      { fields: ["h"], line: 5 },
    ]);
  });
});

// ---------------------------------------------------------------------------------------
// Property tests

/** Pieces that exercise the quoting rules, plus arbitrary unicode. */
const cellPiece = fc.oneof(
  fc.constantFrom(
    ",",
    '"',
    '""',
    "\n",
    "\r\n",
    "\r",
    " ",
    "\t",
    "é",
    "😀",
    "\uFEFF",
    "a",
    "Z",
    "0",
  ),
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.string({ unit: "grapheme", maxLength: 4 }),
);
const cell = fc.array(cellPiece, { maxLength: 6 }).map((parts) => parts.join(""));
/** A row; a row that is a single empty field would be a blank line, so it is avoided. */
const row = fc
  .array(cell, { minLength: 1, maxLength: 6 })
  .filter((r) => !(r.length === 1 && r[0] === ""));
const table = fc.array(row, { minLength: 1, maxLength: 12 });

/** RFC 4180: quote a field when it holds a comma, quote, CR or LF (or starts with a BOM). */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) || value.startsWith("\uFEFF")
    ? `"${value.replace(/"/g, '""')}"`
    : value;
}

interface Layout {
  eol: "\n" | "\r\n";
  bom: boolean;
  finalEol: boolean;
  /** Blank lines to insert before each row (cycled). */
  blanks: number[];
}

const layout: fc.Arbitrary<Layout> = fc.record({
  eol: fc.constantFrom("\n" as const, "\r\n" as const),
  bom: fc.boolean(),
  finalEol: fc.boolean(),
  blanks: fc.array(fc.nat({ max: 2 }), { maxLength: 4 }),
});

/** Serialises a table; returns the text and each row's expected starting line. */
function serialise(rows: string[][], l: Layout): { text: string; lines: number[] } {
  let text = l.bom ? "\uFEFF" : "";
  let line = 1;
  const lines: number[] = [];
  rows.forEach((r, i) => {
    const blank = l.blanks.length === 0 ? 0 : (l.blanks[i % l.blanks.length] as number);
    text += l.eol.repeat(blank);
    line += blank;
    lines.push(line);
    const fields = r.map(csvField);
    text += fields.join(",");
    line += 1 + fields.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0);
    if (i < rows.length - 1 || l.finalEol) text += l.eol;
  });
  return { text, lines };
}

const splits = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 });

describe("CsvParser: properties", () => {
  it("reads generated RFC 4180 text like csv-parse, in any chunking, back to the original table", () => {
    fc.assert(
      fc.property(table, layout, splits, (rows, l, cuts) => {
        const { text, lines } = serialise(rows, l);
        const reference = parse(text, {
          relax_column_count: true,
          bom: true,
          skip_empty_lines: true,
        }) as string[][];
        const p = parseChunks(splitAt(text, cuts));
        expect(p.errors).toEqual([]);
        expect(fieldsOf(p)).toEqual(reference);
        expect(fieldsOf(p)).toEqual(rows);
        expect(linesOf(p)).toEqual(lines);
      }),
      { numRuns: 1000 },
    );
  });

  it("gives the same records and line numbers for any split of the input as for one push", () => {
    fc.assert(
      fc.property(table, layout, splits, (rows, l, cuts) => {
        const { text } = serialise(rows, l);
        expect(parseChunks(splitAt(text, cuts))).toEqual(parseText(text));
      }),
      { numRuns: 1000 },
    );
  });

  it("gives the same result for any split even of malformed text", () => {
    // Arbitrary text over the characters that matter, including stray characters after a
    // closing quote and unterminated quotes: a file is read in 1 MiB chunks, so where a
    // chunk ends must never change what is read.
    const malformed = fc
      .array(fc.constantFrom(",", '"', "\n", "\r", "\r\n", "a", "b", " ", "\uFEFF"), {
        maxLength: 40,
      })
      .map((parts) => parts.join(""));
    fc.assert(
      fc.property(malformed, splits, (text, cuts) => {
        expect(parseChunks(splitAt(text, cuts))).toEqual(parseText(text));
      }),
      { numRuns: 5000 },
    );
  });
});

// ---------------------------------------------------------------------------------------
// readCsvFile

describe("readCsvFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "reach-csv-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads every record intact when multi-byte characters straddle the 1 MiB chunk boundary", async () => {
    const MiB = 1 << 20;
    const wide = ["é", "€", "😀", "漢字"];
    const expected: string[][] = [["id", "name", "note"]];
    let text = "id,name,note\n";
    let bytes = Buffer.byteLength(text);
    let straddles = 0;
    let i = 0;
    // Rows of varying byte length, so several multi-byte characters land on chunk edges;
    // around the first boundary, pad so that a 4-byte emoji starts 1 byte before it.
    while (bytes < 2 * MiB + 5000) {
      let name = `${wide[i % wide.length]}${"x".repeat(i % 7)}${wide[(i + 1) % wide.length]}`;
      const note = i % 5 === 0 ? `"quoted, ${wide[i % 4]}\n${wide[(i + 2) % 4]}"` : `n${i}😀`;
      const prefix = `${i},`;
      const distance = MiB - (bytes + Buffer.byteLength(prefix));
      if (distance > 0 && distance < 64) name = `${"a".repeat(distance - 1)}😀${name}`;
      const line = `${prefix}${name},${note}\n`;
      const start = bytes;
      const end = bytes + Buffer.byteLength(line);
      for (let k = 1; k <= 2; k++) {
        const edge = k * MiB;
        if (start < edge && edge < end) {
          const buf = Buffer.from(line);
          const at = edge - start;
          // The byte at the edge is a UTF-8 continuation byte: a character is cut in two.
          if (((buf[at] as number) & 0xc0) === 0x80) straddles++;
        }
      }
      text += line;
      bytes = end;
      expected.push([String(i), name, i % 5 === 0 ? note.slice(1, -1) : note]);
      i++;
    }
    expect(straddles).toBeGreaterThanOrEqual(1);
    const path = join(dir, "wide.csv");
    writeFileSync(path, text);

    const got: string[][] = [];
    const lines: number[] = [];
    const errors: string[] = [];
    const total = await readCsvFile(
      path,
      (fields, line) => {
        got.push([...fields]);
        lines.push(line);
      },
      { onError: (m) => errors.push(m) },
    );
    expect(total).toBe(bytes);
    expect(errors).toEqual([]);
    expect(got.length).toBe(expected.length);
    expect(got).toEqual(expected);
    // Every fifth data row holds one line break inside quotes.
    let line = 1;
    const expectedLines = expected.map((r) => {
      const at = line;
      line += 1 + (r[2]?.includes("\n") ? 1 : 0);
      return at;
    });
    expect(lines).toEqual(expectedLines);
  });

  it("reports progress up to the file size", async () => {
    const path = join(dir, "small.csv");
    writeFileSync(path, "\uFEFFa,b\r\n1,2\r\n");
    const progress: [number, number][] = [];
    const got: string[][] = [];
    await readCsvFile(path, (f) => got.push([...f]), {
      onProgress: (read, total) => progress.push([read, total]),
    });
    expect(got).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
    expect(progress.at(-1)).toEqual([13, 13]);
  });
});
