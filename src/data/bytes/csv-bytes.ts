/**
 * A CSV reader for the high-volume files that works on the file's bytes. Rows without
 * quotes — nearly all rows of a machine-made export — reach `fast` as field offsets into
 * the buffer, with no string made for them at all. Anything else goes through the general
 * reader (`csv.ts`): a row the fast path declines is decoded and handed to `row`, and
 * from the first quote on, the rest of the file is read by `CsvParser` (a quoted field
 * may span lines), so both paths see exactly the same records and line numbers.
 */
import { open } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import { CsvParser } from "../csv.ts";

export interface ByteRowSink {
  /** The header row. Return false to skip the rest of the file. */
  header(fields: string[], line: number): boolean;
  /**
   * A data row without quotes: field i is `buf[starts[i]..ends[i])`. Return false to
   * have it decoded and passed to `row` instead.
   */
  fast(buf: Uint8Array, starts: Int32Array, ends: Int32Array, count: number, line: number): boolean;
  /** A data row as strings. */
  row(fields: string[], line: number): void;
  error(message: string, line: number): void;
  /** Called once, early, with an estimate of the file's data rows (to size columns). */
  rowsExpected?(rows: number): void;
}

const CHUNK = 1 << 20;
const MAX_FIELDS = 256;
const NL = 10;
const CR = 13;
const COMMA = 44;
const QUOTE = 34;

/** Part of a file to read, for reading a file in parts (see data/parallel/). */
export interface ByteRange {
  /** Byte offsets; `start` must be the start of a line, `end` just after a line feed (or the end of the file). */
  start: number;
  end: number;
  /** The line number given to the first line of the range. */
  firstLine: number;
  /** Stop at the first quote: the part cannot be read on its own (a field may span lines). */
  stopAtQuote: boolean;
}

export interface ByteReadResult {
  size: number;
  /** Lines read (the next range's `firstLine` is this range's plus this). */
  lines: number;
  /** With `stopAtQuote`: reading stopped at a quote, and the rows so far are incomplete. */
  quoted: boolean;
}

/**
 * Streams `path` (or one range of it, with no header row) to `sink`; resolves with the
 * file's size and the number of lines read.
 */
export async function readCsvBytes(
  path: string,
  sink: ByteRowSink,
  onProgress?: (bytesRead: number, totalBytes: number) => void,
  range?: ByteRange,
): Promise<ByteReadResult> {
  const file = await open(path, "r");
  let pending: Promise<{ bytesRead: number }> | undefined;
  try {
    const size = (await file.stat()).size;
    let position = range?.start ?? 0;
    const stop = Math.min(range?.end ?? size, size);
    const total = stop - position;
    const chunk = Math.min(CHUNK, Math.max(total, 1 << 16));
    // The next chunk is read while the current one is parsed (double buffering).
    const incoming = Buffer.allocUnsafe(chunk);
    let buf = Buffer.allocUnsafe(chunk * 2);
    let filled = 0;
    let read = 0;
    let eof = false;
    let line = range?.firstLine ?? 1;
    let atStart = position === 0;
    let headerSeen = range !== undefined;
    let quotedStop = false;
    let skip = false;
    let estimated = false;
    const starts = new Int32Array(MAX_FIELDS);
    const ends = new Int32Array(MAX_FIELDS);
    let general: { parser: CsvParser; decoder: StringDecoder } | undefined;

    const dispatch = (fields: string[], at: number) => {
      if (skip) return;
      if (!headerSeen) {
        headerSeen = true;
        skip = !sink.header(fields, at);
      } else sink.row(fields, at);
    };
    const decode = (count: number): string[] => {
      const fields: string[] = new Array(count);
      for (let f = 0; f < count; f++) fields[f] = buf.toString("utf8", starts[f], ends[f]);
      return fields;
    };

    const next = () => file.read(incoming, 0, Math.min(chunk, stop - position), position);
    pending = next();
    while (!skip) {
      const { bytesRead } = await pending;
      position += bytesRead;
      if (bytesRead === 0 || position >= stop) eof = true;
      if (filled + bytesRead > buf.length) {
        const bigger = Buffer.allocUnsafe((filled + bytesRead) * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      incoming.copy(buf, filled, 0, bytesRead);
      filled += bytesRead;
      read += bytesRead;
      if (!eof) pending = next();
      onProgress?.(read, total);

      if (general) {
        general.parser.push(general.decoder.write(buf.subarray(0, filled)));
        filled = 0;
        if (eof) break;
        continue;
      }
      let pos = 0;
      if (atStart && (filled >= 3 || eof)) {
        atStart = false;
        if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
      }
      while (pos < filled) {
        // One pass over the line: field offsets, its end, and whether it has a quote.
        // Comma, quote and line feed are all below 45, so most bytes cost one comparison.
        let count = 0;
        let start = pos;
        let quoted = false;
        let i = pos;
        for (; i < filled; i++) {
          const c = buf[i];
          if (c < 45) {
            if (c === NL) break;
            if (c === COMMA) {
              if (count < MAX_FIELDS) {
                starts[count] = start;
                ends[count] = i;
              }
              count++;
              start = i + 1;
            } else if (c === QUOTE) {
              quoted = true;
              break;
            }
          }
        }
        if (quoted && range?.stopAtQuote) {
          quotedStop = true;
          skip = true;
          break;
        }
        if (quoted) {
          const decoder = new StringDecoder("utf8");
          const parser = new CsvParser(dispatch, sink.error, line);
          general = { parser, decoder };
          parser.push(decoder.write(buf.subarray(pos, filled)));
          pos = filled;
          break;
        }
        if (i >= filled && !eof) break; // the line continues in the next chunk
        const nl = i;
        const end = nl > pos && buf[nl - 1] === CR ? nl - 1 : nl;
        if (end === pos) {
          line++;
          pos = nl + 1;
          continue;
        }
        if (count < MAX_FIELDS) {
          starts[count] = start;
          ends[count] = end;
        }
        count++;
        if (count > MAX_FIELDS) {
          dispatch(buf.toString("utf8", pos, end).split(","), line);
        } else if (!headerSeen || !sink.fast(buf, starts, ends, count, line)) {
          dispatch(decode(count), line);
        }
        line++;
        pos = nl + 1;
        if (skip) break;
      }
      if (general) {
        filled = 0;
        if (eof) break;
        continue;
      }
      if (!estimated && headerSeen && line > 64) {
        estimated = true;
        const perRow = (read - filled + pos) / (line - 1);
        sink.rowsExpected?.(Math.ceil((total / perRow) * 1.02));
      }
      if (pos > filled) pos = filled;
      buf.copy(buf, 0, pos, filled);
      filled -= pos;
      if (eof && filled === 0) break;
    }
    if (general) {
      general.parser.push(general.decoder.end());
      general.parser.end();
    }
    return { size, lines: line - (range?.firstLine ?? 1), quoted: quotedStop };
  } finally {
    // A read may still be in flight when the sink stopped early.
    await pending?.catch(() => undefined);
    await file.close();
  }
}
