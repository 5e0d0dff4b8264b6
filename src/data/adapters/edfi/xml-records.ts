/**
 * Streams an Ed-Fi interchange file with saxes: each child of the root element (a
 * *record*: one Student, one StudentSchoolAttendanceEvent) is built as a small tree,
 * handed to the caller and let go, so a file of any size is never held in memory. Records
 * whose names the caller does not ask for are skipped without building anything.
 *
 * A file that is not well-formed XML fails at the first error, with its line and column:
 * the records before it are kept, nothing after it is read.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { SaxesParser } from "saxes";
import type { FileTally } from "../../import-report.ts";
import type { EdfiSource } from "./context.ts";

export interface XmlElement {
  /** Local name (any namespace prefix removed). */
  readonly name: string;
  /** Line (1-based) and column (1-based) of the element's `<`. */
  readonly line: number;
  readonly column: number;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  /** Text content, trimmed. */
  text: string;
}

/** The text of the first element at `path` (`A/B/C`, relative to `record`), if any. */
export function field(record: XmlElement, path: string): string | undefined {
  return fieldElement(record, path)?.text;
}

/** The first element at `path` (names separated by `/`) below `record`. */
export function fieldElement(record: XmlElement, path: string): XmlElement | undefined {
  let at: XmlElement | undefined = record;
  for (const name of path.split("/")) {
    at = at.children.find((c) => c.name === name);
    if (!at) return undefined;
  }
  return at;
}

/** Every element at `path` below `record` (repeated elements such as `Race`). */
export function fieldElements(record: XmlElement, path: string): XmlElement[] {
  const names = path.split("/");
  let level: XmlElement[] = [record];
  for (const name of names) level = level.flatMap((e) => e.children.filter((c) => c.name === name));
  return level;
}

/** Where an element starts, for a rejection's reason: `<Student> at line 45, column 2`. */
export function placeOf(element: XmlElement): string {
  return `<${element.name}> at line ${element.line}, column ${element.column}`;
}

/**
 * The record's leaf values as one line (`EventDate=2021-08-31; StudentUniqueId=604822`),
 * for the quarantine file: what the record said, without its markup.
 */
export function recordText(record: XmlElement): string {
  const parts: string[] = [];
  const walk = (e: XmlElement) => {
    if (e.children.length === 0) {
      if (e.text !== "") parts.push(`${e.name}=${e.text}`);
      return;
    }
    for (const c of e.children) walk(c);
  };
  walk(record);
  return `<${record.name}> ${parts.join("; ")}`;
}

/** The code value of a descriptor reference: the part after `#` (`…Descriptor#Tardy` → `Tardy`). */
export function codeValue(reference: string): string {
  const hash = reference.lastIndexOf("#");
  return hash < 0 ? reference : reference.slice(hash + 1);
}

export interface XmlFileSpec {
  /** The file's name in the data folder. */
  file: string;
  entity: string;
  /** The root element an interchange of this kind has (`InterchangeStudent`). */
  root: string;
  /** Why the import cannot go on without it; undefined for an optional file. */
  needed?: string;
}

const localName = (name: string) => {
  const colon = name.indexOf(":");
  return colon < 0 ? name : name.slice(colon + 1);
};

/**
 * Reads `spec.file`, calling `onRecord` for every child of the root whose name is in
 * `records`. Returns the file's tally, or undefined for an absent optional file. An absent
 * required file, a different root element or malformed XML fails the file in the report.
 */
export async function readXmlRecords(
  source: EdfiSource,
  spec: XmlFileSpec,
  records: ReadonlySet<string>,
  onRecord: (record: XmlElement, tally: FileTally) => void,
): Promise<FileTally | undefined> {
  const path = join(source.dir, spec.file);
  if (!existsSync(path)) {
    if (spec.needed === undefined) return undefined;
    const tally = source.report.file(spec.file, spec.entity);
    tally.fail(`no ${spec.file} in ${source.dir}: ${spec.needed}`);
    return tally;
  }
  const tally = source.report.file(spec.file, spec.entity);
  const totalBytes = statSync(path).size;
  const parser = new SaxesParser({ position: true });
  let failure: string | undefined;
  let depth = 0;
  /** Elements open inside the current record (the record first); empty outside records. */
  const open: XmlElement[] = [];
  /** Depth of a skipped record, or 0. */
  let skipping = 0;
  let current: XmlElement | undefined;

  parser.on("error", (error) => {
    if (failure === undefined) {
      failure = `line ${parser.line}, column ${parser.column + 1}: not well-formed XML (${error.message.replace(/^(?:[^:]*:)?\d+:\d+: /, "")}); nothing after it was read`;
    }
  });
  parser.on("opentagstart", (tag) => {
    if (failure !== undefined) return;
    depth++;
    const name = localName(tag.name);
    if (depth === 1) {
      if (name !== spec.root) {
        failure = `the root element is <${name}>, not <${spec.root}>: not an Ed-Fi ${spec.root.replace(/^Interchange/, "")} interchange`;
      }
      return;
    }
    if (skipping > 0) return;
    if (depth === 2 && !records.has(name)) {
      skipping = depth;
      return;
    }
    const column = parser.column - tag.name.length - 1;
    const element: XmlElement = {
      name,
      line: parser.line,
      column: Math.max(column, 1),
      attributes: {},
      children: [],
      text: "",
    };
    const parent = open[open.length - 1];
    if (parent) parent.children.push(element);
    else current = element;
    open.push(element);
  });
  parser.on("opentag", (tag) => {
    if (failure !== undefined || skipping > 0 || depth < 2) return;
    const element = open[open.length - 1];
    if (!element) return;
    const attributes = element.attributes as Record<string, string>;
    for (const [k, v] of Object.entries(tag.attributes)) {
      attributes[localName(k)] = typeof v === "string" ? v : v.value;
    }
  });
  parser.on("text", (text) => {
    if (failure !== undefined || skipping > 0) return;
    const element = open[open.length - 1];
    if (element) element.text += text;
  });
  parser.on("cdata", (text) => {
    if (failure !== undefined || skipping > 0) return;
    const element = open[open.length - 1];
    if (element) element.text += text;
  });
  parser.on("closetag", () => {
    if (failure !== undefined) return;
    if (skipping > 0) {
      if (depth === skipping) skipping = 0;
      depth--;
      return;
    }
    depth--;
    const element = open.pop();
    if (!element) return;
    element.text = element.text.trim();
    if (open.length === 0 && current) {
      const record = current;
      current = undefined;
      onRecord(record, tally);
    }
  });

  const stream = createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 16 });
  let bytesRead = 0;
  for await (const chunk of stream as AsyncIterable<string>) {
    if (failure !== undefined) break;
    parser.write(chunk);
    bytesRead = stream.bytesRead;
    source.options.onProgress?.({ file: spec.file, bytesRead, totalBytes });
  }
  stream.destroy();
  if (failure === undefined) parser.close();
  if (failure === undefined && depth !== 0) failure = "the file ends inside an element";
  if (failure !== undefined) tally.fail(failure);
  return tally;
}
