/**
 * Reads a parsed YAML document for a rule test file, node by node, keeping each problem
 * at the line and column of the node it concerns. Nothing throws: a reader reports what
 * is wrong and returns undefined, so one pass finds every mistake.
 */
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
  type Scalar,
  type YAMLMap,
} from "yaml";
import { nearest } from "../../rules/index.ts";

/** A line and column, both 1-based. */
export interface Place {
  line: number;
  column: number;
}

/** A problem in a rule test file (or in the policy it names), at its place. */
export interface TestProblem {
  file: string;
  line: number;
  column: number;
  message: string;
  /** What to do about it, when there is something specific to say. */
  hint?: string;
}

/** `file:line:column message (hint)`, as `reach rules check` prints a policy's problems. */
export function formatTestProblem(p: TestProblem): string {
  const where = `${p.file}:${p.line}:${p.column}`;
  return p.hint === undefined ? `${where} ${p.message}` : `${where} ${p.message} (${p.hint})`;
}

/** One key of a mapping: its name, the key node (where to point) and its value. */
export interface Entry {
  key: string;
  keyNode: Node;
  value: Node | null;
}

/** What a node is, for "must be a mapping, got a list". */
export function describe(node: Node | null): string {
  if (node === null) return "nothing";
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    if (node.value === null) return "nothing";
    if (typeof node.value === "number") return `the number ${node.value}`;
    if (typeof node.value === "boolean") return `${node.value}`;
    return `"${String(node.value).slice(0, 60)}"`;
  }
  return "something else";
}

export class TestReader {
  readonly problems: TestProblem[] = [];

  constructor(
    readonly file: string,
    readonly text: string,
    private readonly lines: LineCounter,
    readonly doc: Document,
  ) {}

  placeOf(node: Node | null | undefined): Place {
    return this.placeAt(node?.range?.[0]);
  }

  placeAt(offset: number | undefined): Place {
    const { line, col } = this.lines.linePos(offset ?? 0);
    return { line, column: col };
  }

  error(at: Node | Place | null | undefined, message: string, hint?: string): void {
    const place =
      at !== null && at !== undefined && "line" in at && "column" in at
        ? (at as Place)
        : this.placeOf(at as Node | null | undefined);
    const p: TestProblem = { file: this.file, ...place, message };
    if (hint !== undefined) p.hint = hint;
    this.problems.push(p);
  }

  /** The node itself; null for an empty value. An alias is refused (and read as empty). */
  value(node: Node | null | undefined): Node | null {
    if (!node) return null;
    if (isAlias(node)) {
      this.error(
        node,
        "aliases (*name) are not read in a rule test file",
        "write the value out where it is used",
      );
      return null;
    }
    if (isScalar(node) && node.value === null) return null;
    return node;
  }

  /** The entries of a mapping, in order; undefined (reported) when `node` is not one. */
  entries(node: Node | null, what: string, at: Node | null): Entry[] | undefined {
    const value = this.value(node);
    if (value === null || !isMap(value)) {
      this.error(
        value ?? at,
        `${what} must be a mapping of keys to values, got ${describe(value)}`,
      );
      return undefined;
    }
    const out: Entry[] = [];
    for (const pair of (value as YAMLMap<unknown, unknown>).items) {
      const keyNode = pair.key as Node | null;
      const valueNode = (pair.value ?? null) as Node | null;
      if (!keyNode || !isScalar(keyNode) || keyNode.value === null || keyNode.value === "") {
        this.error(keyNode ?? valueNode ?? value, `keys in ${what} must be plain names`);
        continue;
      }
      out.push({ key: this.written(keyNode), keyNode, value: valueNode });
    }
    return out;
  }

  /** Reports each key not in `known`, with the nearest known key as the hint. */
  checkKeys(entries: Entry[], what: string, known: readonly string[]): void {
    for (const e of entries) {
      if (known.includes(e.key)) continue;
      const near = nearest(e.key, known);
      this.error(
        e.keyNode,
        `unknown key "${e.key}" in ${what}`,
        near !== undefined ? `did you mean ${near}?` : `${what} takes: ${known.join(", ")}`,
      );
    }
  }

  /** Reports each key of `required` that is absent, at `at`. */
  checkRequired(
    entries: Entry[],
    what: string,
    required: readonly string[],
    at: Node | null,
  ): void {
    for (const key of required) {
      if (!entries.some((e) => e.key === key)) this.error(at, `${what} needs ${key}:`);
    }
  }

  /** A scalar as written: `007` stays `007`, `2027-01-04` a date's text. */
  written(node: Scalar): string {
    if (typeof node.value === "string") return node.value;
    const range = node.range;
    if (node.type === "PLAIN" && range) return this.text.slice(range[0], range[1]).trim();
    return String(node.value);
  }

  /** A scalar's text; undefined (reported) for a mapping, a list or nothing. */
  string(node: Node | null, what: string, at: Node | null): string | undefined {
    const value = this.value(node);
    if (value === null || !isScalar(value)) {
      this.error(value ?? at, `${what} must be a value, got ${describe(value)}`);
      return undefined;
    }
    const text = this.written(value).trim();
    if (text === "") {
      this.error(value, `${what} is empty`);
      return undefined;
    }
    return text;
  }

  /** A list's items; a single value is read as a list of one. */
  list(node: Node | null, what: string, at: Node | null): Node[] | undefined {
    const value = this.value(node);
    if (value === null) {
      this.error(at, `${what} is empty`);
      return undefined;
    }
    if (isSeq(value)) return value.items as Node[];
    return [value];
  }

  /**
   * Where each character of a one-line scalar is in the file, when it can be known (a plain
   * or quoted value without escapes); else every character is placed at the value's start.
   */
  charPlaces(node: Node): (i: number) => Place {
    const start = node.range?.[0] ?? 0;
    const fallback = this.placeAt(start);
    if (!isScalar(node) || typeof node.value !== "string") return () => fallback;
    const raw = this.text.slice(node.range?.[0] ?? 0, node.range?.[1] ?? 0);
    const value = node.value;
    let base: number | undefined;
    if (node.type === "PLAIN" && raw.trimEnd() === value) base = start;
    else if (
      (node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE") &&
      raw.slice(1, -1) === value
    )
      base = start + 1;
    if (base === undefined) return () => fallback;
    const b = base;
    return (i) => this.placeAt(b + i);
  }
}
