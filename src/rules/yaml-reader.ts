/**
 * Reads a parsed YAML document node by node, keeping every problem with the line and
 * column of the node it concerns. Nothing here throws or stops early: each reader
 * reports what is wrong and returns undefined, so one pass finds every mistake.
 */
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
  type YAMLMap,
} from "yaml";
import { type DurationUnit, parseDuration } from "./durations.ts";
import type { PolicyProblem, ProblemCode } from "./problems.ts";
import {
  SPECIAL_CATEGORY_HINT,
  specialCategoryField,
  specialCategoryMessage,
} from "./special-category.ts";
import { nearest, suggestion } from "./suggest.ts";

/**
 * A value to read and the node to point at when it is missing or empty (a key written
 * with nothing after it has an empty node at the end of its line; the key is the place).
 */
export interface Slot {
  node: Node | null;
  at: Node | null;
}

export interface Entry extends Slot {
  key: string;
  keyNode: Node;
}

export class YamlReader {
  readonly errors: PolicyProblem[] = [];
  readonly warnings: PolicyProblem[] = [];
  /**
   * Caps alias expansion (`&a [*b, *b]` nested deep) so a hostile file cannot blow up:
   * how many nodes the readers may visit, from the size of the file (see limits.ts).
   */
  private budget: number;
  private budgetReported = false;
  /** Keys reported as unknown, so a misspelt required key is not also reported missing. */
  private readonly misspelt = new Set<Node>();
  /** Names refused as special-category, so the whole-file scan and a reader report each once. */
  private readonly refused = new Set<Node>();
  /** Special-category refusals, counting repeats: a refused key is a reported mistake. */
  refusals = 0;

  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
    private readonly doc: Document,
    nodeBudget: number,
  ) {
    this.budget = nodeBudget;
  }

  position(node: Node | null | undefined): { line: number; column: number } {
    const offset = node?.range?.[0];
    if (offset === undefined) return { line: 1, column: 1 };
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  error(at: Node | null | undefined, code: ProblemCode, message: string, hint?: string): void {
    this.errors.push(this.problem(at, code, message, hint));
  }

  warn(at: Node | null | undefined, code: ProblemCode, message: string, hint?: string): void {
    this.warnings.push(this.problem(at, code, message, hint));
  }

  private problem(
    at: Node | null | undefined,
    code: ProblemCode,
    message: string,
    hint?: string,
  ): PolicyProblem {
    const p: PolicyProblem = { file: this.file, ...this.position(at), message, code };
    if (hint !== undefined) p.hint = hint;
    return p;
  }

  /** Follows aliases; null for an empty value or when the node budget is spent. */
  resolve(node: Node | null | undefined): Node | null {
    let current: Node | null | undefined = node;
    for (let hops = 0; current && isAlias(current); hops++) {
      if (hops > 32) return null;
      current = current.resolve(this.doc) ?? null;
    }
    if (!current) return null;
    if (--this.budget < 0) {
      if (!this.budgetReported) {
        this.budgetReported = true;
        this.error(
          node,
          "too_deep",
          "the file expands to too many nodes (aliases nested too deep)",
          "write the repeated parts out, or repeat them with fewer levels of aliases",
        );
      }
      return null;
    }
    if (isScalar(current) && current.value === null && (current.source ?? "") === "") return null;
    return current;
  }

  /**
   * Where an alias leads, without spending the node budget: the special-category scan
   * visits each node once on its own account.
   */
  target(node: Node | null | undefined): Node | null {
    let current: Node | null | undefined = node;
    for (let hops = 0; current && isAlias(current); hops++) {
      if (hops > 32) return null;
      current = current.resolve(this.doc) ?? null;
    }
    return current ?? null;
  }

  /**
   * Refuses `written` when it names special-category data, once per node, with the path
   * where it is written when known. True when refused, so the caller skips the name.
   */
  refuseSpecial(
    at: Node | null | undefined,
    written: string,
    owner: string,
    path?: string,
  ): boolean {
    const field = specialCategoryField(written);
    if (field === undefined) return false;
    this.refusals++;
    if (at) {
      if (this.refused.has(at)) return true;
      this.refused.add(at);
    }
    this.error(
      at,
      "special_category",
      specialCategoryMessage(owner, written, field, path),
      SPECIAL_CATEGORY_HINT,
    );
    return true;
  }

  /** A slot's value node, with its position falling back to `at` when empty. */
  slot(entry: Slot): { node: Node | null; at: Node | null } {
    const node = this.resolve(entry.node);
    return { node, at: node && entry.node?.range ? entry.node : entry.at };
  }

  /**
   * The entries of a mapping, in order. Keys naming special-category data are refused
   * here, wherever they appear, so the principle is reported instead of "unknown key".
   */
  entries(slot: Slot, what: string, owner: string): Map<string, Entry> | undefined {
    const { node, at } = this.slot(slot);
    if (node === null || !isMap(node)) {
      this.error(
        at,
        "wrong_type",
        `${what} must be a mapping of keys to values, got ${describe(node)}`,
      );
      return undefined;
    }
    const out = new Map<string, Entry>();
    for (const pair of (node as YAMLMap<unknown, unknown>).items) {
      const keyNode = pair.key as Node | null;
      const valueNode = (pair.value ?? null) as Node | null;
      if (!keyNode || !isScalar(keyNode) || keyNode.value === null || keyNode.value === "") {
        this.error(
          keyNode ?? valueNode ?? node,
          "wrong_type",
          `keys in ${what} must be plain names`,
        );
        continue;
      }
      const key = String(keyNode.source ?? keyNode.value);
      if (this.refuseSpecial(keyNode, key, owner)) continue;
      out.set(key, { key, keyNode, node: valueNode, at: keyNode });
    }
    return out;
  }

  /** Reports every key not in `known`, with the nearest known key as the hint. */
  checkKeys(
    entries: Map<string, Entry>,
    what: string,
    known: readonly string[],
    hintFor?: (key: string) => string | undefined,
  ): void {
    for (const entry of entries.values()) {
      if (known.includes(entry.key)) continue;
      const hint = hintFor?.(entry.key) ?? suggestion(entry.key, known, "known keys");
      this.misspelt.add(entry.keyNode);
      this.error(entry.keyNode, "unknown_key", `unknown key "${entry.key}" in ${what}`, hint);
    }
  }

  /** Whether an unknown key in `entries` was reported as a misspelling of `key`. */
  misspeltAs(entries: Map<string, Entry>, key: string): boolean {
    return [...entries.values()].some(
      (e) => this.misspelt.has(e.keyNode) && nearest(e.key, [key]) === key,
    );
  }

  /**
   * Reports the keys of `required` that are absent, in one problem at the mapping that
   * should hold them. A key written misspelt was already reported as unknown with the
   * right spelling, so it is not reported again as missing.
   */
  requireKeys(
    entries: Map<string, Entry>,
    required: readonly string[],
    what: string,
    parent: Slot,
  ): void {
    const missing = required.filter((key) => !entries.has(key) && !this.misspeltAs(entries, key));
    if (missing.length === 0) return;
    const keys = missing.map((k) => `"${k}"`).join(", ");
    this.error(
      this.slot(parent).at,
      "missing_key",
      `${what} is missing required key${missing.length === 1 ? "" : "s"} ${keys}`,
    );
  }

  /** Text (a number written where text is expected is kept as written: `007`). */
  text(slot: Slot, what: string): string | undefined {
    const { node, at } = this.slot(slot);
    if (node !== null && isScalar(node)) {
      if (typeof node.value === "string") {
        if (node.value.trim() === "") {
          this.error(at, "invalid_value", `${what} must not be empty`);
          return undefined;
        }
        return node.value.trim();
      }
      if (typeof node.value === "number") return String(node.source ?? node.value);
    }
    this.error(at, "wrong_type", `${what} must be text, got ${describe(node)}`);
    return undefined;
  }

  boolean(slot: Slot, what: string): boolean | undefined {
    const { node, at } = this.slot(slot);
    if (node !== null && isScalar(node) && typeof node.value === "boolean") return node.value;
    const written = node !== null && isScalar(node) ? String(node.value).toLowerCase() : "";
    const hint = ["yes", "no", "on", "off", "y", "n"].includes(written)
      ? "write true or false"
      : undefined;
    this.error(at, "wrong_type", `${what} must be true or false, got ${describe(node)}`, hint);
    return undefined;
  }

  /** A finite number; `"0.9"` and `90%` get a hint rather than a silent conversion. */
  number(slot: Slot, what: string, percentHint?: (n: number) => string): number | undefined {
    const { node, at } = this.slot(slot);
    if (node !== null && isScalar(node) && typeof node.value === "number") {
      if (Number.isFinite(node.value)) return node.value;
      this.error(
        at,
        "invalid_value",
        `${what} must be a finite number, got ${node.source ?? node.value}`,
      );
      return undefined;
    }
    let hint: string | undefined;
    if (node !== null && isScalar(node) && typeof node.value === "string") {
      const written = node.value.trim();
      const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(written);
      if (percent?.[1] !== undefined && percentHint) hint = percentHint(Number(percent[1]));
      else if (written !== "" && Number.isFinite(Number(written))) hint = "remove the quotes";
    }
    this.error(at, "wrong_type", `${what} must be a number, got ${describe(node)}`, hint);
    return undefined;
  }

  integer(slot: Slot, what: string, min: number, max: number): number | undefined {
    const value = this.number(slot, what);
    if (value === undefined) return undefined;
    if (!Number.isInteger(value) || value < min || value > max) {
      this.error(
        this.slot(slot).at,
        "invalid_value",
        `${what} must be a whole number from ${min} to ${max}, got ${value}`,
      );
      return undefined;
    }
    return value;
  }

  oneOf<T extends string>(slot: Slot, what: string, allowed: readonly T[]): T | undefined {
    const { node, at } = this.slot(slot);
    if (node !== null && isScalar(node) && typeof node.value === "string") {
      const value = node.value.trim();
      if ((allowed as readonly string[]).includes(value)) return value as T;
      const near = nearest(value, allowed);
      this.error(
        at,
        "invalid_value",
        `${what} must be one of ${allowed.join(", ")}, got "${value}"`,
        near === undefined ? undefined : `did you mean ${near}?`,
      );
      return undefined;
    }
    this.error(
      at,
      "wrong_type",
      `${what} must be one of ${allowed.join(", ")}, got ${describe(node)}`,
    );
    return undefined;
  }

  /** The items of a list; a single value where a list is expected gets a hint. */
  list(slot: Slot, what: string, example: string): Slot[] | undefined {
    const { node, at } = this.slot(slot);
    if (node !== null && isSeq(node)) {
      return node.items.map((item) => ({
        node: item as Node | null,
        at: (item as Node | null) ?? node,
      }));
    }
    this.error(
      at,
      "wrong_type",
      `${what} must be a list, got ${describe(node)}`,
      `write ${example}`,
    );
    return undefined;
  }

  /** A list of allowed values, each checked, duplicates warned about. */
  listOf<T extends string>(
    slot: Slot,
    what: string,
    allowed: readonly T[],
    example: string,
  ): T[] | undefined {
    const items = this.list(slot, what, example);
    if (items === undefined) return undefined;
    const out: T[] = [];
    let ok = true;
    for (const item of items) {
      const value = this.oneOf(item, `each of ${what}`, allowed);
      if (value === undefined) ok = false;
      else if (out.includes(value))
        this.warn(this.slot(item).at, "duplicate_value", `${value} is listed twice in ${what}`);
      else out.push(value);
    }
    return ok ? out : undefined;
  }

  duration(
    slot: Slot,
    what: string,
    unit: DurationUnit,
    min: number,
    max: number,
  ): number | undefined {
    const { node, at } = this.slot(slot);
    const value = node !== null && isScalar(node) ? node.value : node === null ? undefined : {};
    const result = parseDuration(value, unit, min, max);
    if (result.ok) return result.value;
    this.error(at, "invalid_value", `${what}: ${result.message}`, result.hint);
    return undefined;
  }
}

/** A short description of a node for "got …" messages. */
export function describe(node: Node | null): string {
  if (node === null) return "nothing";
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === "string") return `the text "${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
    if (typeof v === "number") return `the number ${node.source ?? v}`;
    if (typeof v === "boolean") return String(v);
    if (v === null) return "nothing";
    return "a value of another kind";
  }
  return "an alias";
}
