/**
 * Reading Microsoft Graph exports: JSON documents, one per file or one per line (JSON
 * lines, as a Spark job writes them), with the line of a value found only when a row is
 * rejected (the yaml parser, which reads JSON, gives node positions).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { isNode, LineCounter, parseDocument } from "yaml";
import type { FileTally, ImportReport, RejectionCode } from "../../import-report.ts";

/** One JSON document of a file, and the line it starts on. */
export interface JsonDocument {
  value: unknown;
  line: number;
  /** The document's text, to find the line of a value in it (see {@link lineOf}). */
  text: string;
}

/**
 * The `.json` files of `dir/folder`, sorted by name; undefined when the folder is absent.
 */
export function jsonFiles(dir: string, folder: string): string[] | undefined {
  const path = join(dir, folder);
  let names: string[];
  try {
    if (!statSync(path).isDirectory()) return undefined;
    names = readdirSync(path);
  } catch {
    return undefined;
  }
  return names
    .filter((n) => n.toLowerCase().endsWith(".json"))
    .sort()
    .map((n) => `${folder}/${n}`);
}

/** Line and column of character `offset` of `text` (both from 1). */
function position(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let last = -1;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    last = i;
  }
  return { line, col: offset - last };
}

/**
 * Where `text` stops being JSON (line and column within it), when the parser says, never
 * echoing the text (a Graph export holds names and addresses).
 */
function jsonProblemAt(text: string, error: unknown): { line: number; col: number } | undefined {
  const at = /position (\d+)/.exec(String((error as Error).message));
  if (at) return position(text, Number(at[1]));
  const doc = parseDocument(text, { lineCounter: new LineCounter() });
  const e = doc.errors[0];
  return e?.linePos ? { line: e.linePos[0].line, col: e.linePos[0].col } : undefined;
}

/**
 * The documents of `file`: the whole file when it is one JSON value, else one per line
 * (JSON lines; a line that is not JSON is rejected as `malformed_csv`'s JSON equivalent,
 * `invalid_value`, and the rest carries on). A file that is neither fails.
 */
export function readJsonDocuments(
  path: string,
  file: string,
  fail: (line: number, message: string) => void,
  rejectLine: (line: number, reason: string) => void,
): JsonDocument[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    fail(1, `${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    return [];
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return [{ value: JSON.parse(text), line: 1, text }];
  } catch (error) {
    const lines = text.split(/\r?\n/);
    const first = lines.findIndex((l) => l.trim() !== "");
    let jsonLines = false;
    if (first >= 0 && lines.length > 1) {
      try {
        JSON.parse(lines[first] as string);
        jsonLines = true;
      } catch {
        jsonLines = false;
      }
    }
    if (!jsonLines) {
      const at = jsonProblemAt(text, error);
      fail(
        at?.line ?? 1,
        `the file is not valid JSON${at ? ` (at line ${at.line}, column ${at.col})` : ""}: nothing of it is read`,
      );
      return [];
    }
    const docs: JsonDocument[] = [];
    lines.forEach((l, i) => {
      if (l.trim() === "") return;
      try {
        docs.push({ value: JSON.parse(l), line: i + 1, text: l });
      } catch (lineError) {
        const at = jsonProblemAt(l, lineError);
        rejectLine(i + 1, `the line is not valid JSON${at ? ` (at column ${at.col})` : ""}`);
      }
    });
    return docs;
  }
}

/** The line (in the file) of the value at `path` in `doc`; the document's line when not found. */
export function lineOf(doc: JsonDocument, path: readonly (string | number)[]): number {
  if (doc.text.indexOf("\n") < 0) return doc.line;
  const lines = new LineCounter();
  const parsed = parseDocument(doc.text, { lineCounter: lines });
  const node = parsed.getIn(path, true);
  if (!isNode(node) || !node.range) return doc.line;
  return lines.linePos(node.range[0]).line + doc.line - 1;
}

/**
 * Counts for the files of one folder, reported as one entry (a Graph export is many small
 * files), with every rejection naming its own file and line.
 */
export class FolderTally {
  readonly tally: FileTally;

  constructor(
    private readonly report: ImportReport,
    folder: string,
    entity: string,
  ) {
    this.tally = report.file(`${folder}/`, entity);
  }

  accept(): void {
    this.tally.accept();
  }

  reject(file: string, line: number, code: RejectionCode, reason: string, field?: string): void {
    const r = this.tally.report;
    r.rowsRead++;
    r.rowsRejected++;
    r.byReason[code] = (r.byReason[code] ?? 0) + 1;
    this.report.record({ file, line, field, code, reason });
  }

  /** A file of the folder that could not be read at all: counted as one rejection. */
  failFile(file: string, line: number, message: string): void {
    this.reject(file, line, "invalid_value", message);
  }

  note(message: string): void {
    this.tally.note(message);
  }
}
