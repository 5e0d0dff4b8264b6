/**
 * A streaming CSV reader (RFC 4180): quoted fields with commas, doubled quotes and line
 * breaks, CRLF or LF, a leading BOM, blank lines skipped. Each record reaches a callback
 * with its 1-based starting line number, so an import can say exactly where a bad row is.
 *
 * Reach has its own reader because imports are the hot path of a nightly run (millions
 * of rows): a callback per record over plain string slices is several times faster than
 * the general-purpose parsers. tests/data/csv.test.ts checks it against csv-parse.
 */
import { createReadStream, statSync } from "node:fs";

export type CsvSink = (fields: string[], line: number) => void;
/** A record that cannot be parsed: a stray (unterminated) quote, reported at its line. */
export type CsvErrorSink = (message: string, line: number) => void;

const QUOTE = 34;
const COMMA = 44;
const CR = 13;
/**
 * Line breaks a quoted field may hold. Canonical files rarely have multi-line fields, so
 * a quote still open after this many lines is a stray one: only its own line is lost.
 */
export const MAX_QUOTED_BREAKS = 8;

export class CsvParser {
  private rest = "";
  private line: number;
  private started: boolean;

  /** `firstLine` > 1 continues a file part of which was read by other means. */
  constructor(
    private readonly sink: CsvSink,
    private readonly onError: CsvErrorSink = () => {},
    firstLine = 1,
    private readonly maxQuotedBreaks = MAX_QUOTED_BREAKS,
  ) {
    this.line = firstLine;
    this.started = firstLine > 1;
  }

  push(chunk: string): void {
    let text = this.rest === "" ? chunk : this.rest + chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.rest = text.slice(this.consume(text, false));
  }

  end(): void {
    if (this.rest !== "") {
      const text = this.rest;
      this.rest = "";
      this.consume(text, true);
    }
  }

  /** Parses every complete record of `text`; returns where the incomplete tail starts. */
  private consume(text: string, final: boolean): number {
    let pos = 0;
    const length = text.length;
    // The next quote at or after `pos`, searched for again only once passed: searching
    // from every line would make a chunk without quotes quadratic.
    let quote = -1;
    while (pos < length) {
      let nl = text.indexOf("\n", pos);
      if (nl < 0) {
        if (!final) return pos;
        nl = length;
      }
      if (quote < pos) {
        quote = text.indexOf('"', pos);
        if (quote < 0) quote = Number.POSITIVE_INFINITY;
      }
      if (quote > nl) {
        const end = nl > pos && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
        if (end > pos) this.sink(text.slice(pos, end).split(","), this.line);
        this.line++;
        pos = nl + 1;
        continue;
      }
      const next = this.quotedRecord(text, pos, final);
      if (next < 0) return pos;
      pos = next;
    }
    return pos;
  }

  /**
   * Parses one record that contains quotes; returns the index after it, or -1 if
   * incomplete. A quoted field that holds more than `maxQuotedBreaks` line breaks, that
   * reaches the end of the input unclosed, or that spans lines and whose closing quote is
   * not followed by a delimiter is a stray quote: the line it opened on is reported as
   * malformed and reading carries on at the next line (see `strayQuote`).
   */
  private quotedRecord(text: string, start: number, final: boolean): number {
    const fields: string[] = [];
    const length = text.length;
    let pos = start;
    let breaks = 0;
    for (;;) {
      if (pos < length && text.charCodeAt(pos) === QUOTE) {
        const open = pos;
        let value = "";
        let from = pos + 1;
        let inside = 0; // line breaks in the field so far
        for (;;) {
          const close = text.indexOf('"', from);
          const upTo = close < 0 ? length : close;
          inside += countBreaks(text, from, upTo, this.maxQuotedBreaks - inside);
          if (inside > this.maxQuotedBreaks) {
            return this.strayQuote(text, open, breaks, "is not closed within", final);
          }
          if (close < 0) {
            if (!final) return -1;
            return this.strayQuote(text, open, breaks, "is never closed", final);
          }
          if (close + 1 < length && text.charCodeAt(close + 1) === QUOTE) {
            value += text.slice(from, close + 1);
            from = close + 2;
            continue;
          }
          if (close + 1 >= length && !final) return -1;
          value += text.slice(from, close);
          pos = close + 1;
          break;
        }
        if (inside > 0 && pos < length) {
          // A field that spans lines must end at its closing quote: anything else there
          // means the opening quote was a stray one that paired with a quote further down.
          const c = text.charCodeAt(pos);
          if (c === CR && pos + 1 >= length && !final) return -1;
          const ends =
            c === COMMA ||
            c === 10 ||
            (c === CR && (pos + 1 >= length || text.charCodeAt(pos + 1) === 10));
          if (!ends)
            return this.strayQuote(text, open, breaks, "closes mid-field on a later line", final);
        }
        breaks += inside;
        // Tolerate stray characters between the closing quote and the delimiter.
        while (pos < length) {
          const c = text.charCodeAt(pos);
          if (c === COMMA || c === 10 || (c === CR && text.charCodeAt(pos + 1) === 10)) break;
          if (c === CR && pos + 1 >= length) {
            if (!final) return -1;
            break; // a CR that ends the input ends the record
          }
          value += text[pos];
          pos++;
        }
        if (pos >= length && !final) return -1;
        fields.push(value);
      } else {
        let end = pos;
        while (end < length) {
          const c = text.charCodeAt(end);
          if (c === COMMA || c === 10) break;
          end++;
        }
        if (end >= length && !final) return -1;
        let valueEnd = end;
        if (
          valueEnd > pos &&
          text.charCodeAt(valueEnd - 1) === CR &&
          (end >= length || text.charCodeAt(end) === 10)
        ) {
          valueEnd--;
        }
        fields.push(text.slice(pos, valueEnd));
        pos = end;
      }
      if (pos >= length) break;
      const c = text.charCodeAt(pos);
      if (c === COMMA) {
        pos++;
        if (pos >= length && !final) return -1;
        if (pos >= length) {
          fields.push("");
          break;
        }
        continue;
      }
      if (c === CR) pos++;
      if (pos < length && text.charCodeAt(pos) === 10) pos++;
      break;
    }
    this.sink(fields, this.line);
    this.line += breaks + 1;
    return pos;
  }

  /**
   * Reports the record whose quote opened at `open` as malformed, at the line the quote
   * opened on, and returns where reading re-syncs: the start of the next line. The
   * record's lines up to that one (`breaksBefore`: line breaks inside its earlier quoted
   * fields) go with it. Returns -1 when that line's end is not in `text` yet.
   */
  private strayQuote(
    text: string,
    open: number,
    breaksBefore: number,
    what: string,
    final: boolean,
  ): number {
    const nl = text.indexOf("\n", open);
    if (nl < 0 && !final) return -1;
    const line = this.line + breaksBefore;
    const limit = what === "is not closed within" ? ` ${this.maxQuotedBreaks + 1} lines` : "";
    this.onError(
      `unterminated quoted field: the quote on this line ${what}${limit}; line skipped`,
      line,
    );
    this.line = line + 1;
    return nl < 0 ? text.length : nl + 1;
  }
}

/** Line feeds in `text[from..to)`, counted up to `limit + 1` (enough to know it is over). */
function countBreaks(text: string, from: number, to: number, limit: number): number {
  let n = 0;
  let i = text.indexOf("\n", from);
  while (i >= 0 && i < to && n <= limit) {
    n++;
    i = text.indexOf("\n", i + 1);
  }
  return n;
}

/** One record as a CSV line, quoting fields that need it (for quarantine files). */
export function csvLine(fields: readonly string[]): string {
  return fields.map((f) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(",");
}

export interface ReadCsvOptions {
  /** Called now and then with bytes read so far and the file's size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  onError?: CsvErrorSink;
}

/** Streams a CSV file record by record; resolves with the number of bytes read. */
export async function readCsvFile(
  path: string,
  sink: CsvSink,
  options: ReadCsvOptions = {},
): Promise<number> {
  const total = statSync(path).size;
  const parser = new CsvParser(sink, options.onError);
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  stream.setEncoding("utf8");
  let read = 0;
  for await (const chunk of stream) {
    parser.push(chunk as string);
    read = stream.bytesRead;
    options.onProgress?.(read, total);
  }
  parser.end();
  return total;
}
