/**
 * A card template compiled once into plain functions, for the templates' small language:
 * `${a.b}` bindings, `$when` with `==` against a quoted word, `!`, `&&` and `||`, and
 * `$data` over a list or an object. It gives exactly what adaptivecards-templating's
 * `Template.expand` followed by a JSON round trip gives (`templates.ts` did both on every
 * card), at a fraction of the cost: the library evaluates each binding through a new
 * memory scope, options object and case-insensitive key search.
 *
 * The library's rules it keeps, each one from its source (template-engine.js and
 * adaptive-expressions 4.x):
 * - a string that is one `${…}` and nothing else takes the binding's value and type; text
 *   around bindings makes a string, each value turned into text with `toString()`;
 * - a path is looked up from `$data` (the root, or the item of the enclosing `$data`),
 *   each key matched case-insensitively, the first such key in the object's order;
 *   a path that finds nothing is written as `${path}` in a binding, and is nothing
 *   (undefined) inside `$when`, `==`, `!`, `&&` and `||`;
 * - `$when` keeps the object only when it gives `true` itself; `!`, `&&` and `||` count
 *   only `false`, `null` and undefined as false;
 * - `$data` over a list repeats the object once per item (an undefined item keeps the
 *   previous item as `$data`); a list's items that expand to nothing (null) are dropped
 *   and those that expand to lists are spliced in; `$data`, `$when`, `$root`, `$index`,
 *   `$host` and `$_acTemplateVersion` are never written out.
 *
 * Anything else in a template (functions, `$index`, numbers, parentheses, escapes) is not
 * compiled: `compileTemplate` returns undefined and the caller uses the library. A test
 * compares both on every template with many data models (tests/teams/compiled-template.test.ts).
 *
 * The data is read as it is, not copied first: what `inertDeep` would have made of a value
 * is made of it where the card reads it (a string compared or written out is made inert; a
 * value written out whole is copied as `inertDeep` and the JSON round trip together would
 * copy it). The data must be plain (the renderers' models are): an object with a `toJSON`
 * function makes the caller expand with the library instead (`NEEDS_LIBRARY`).
 */

import { inert, inertDeep, setOwn } from "./inert.ts";

/** What a compiled template gives for `$root` = `inertDeep(data)`, from the data itself. */
export type CompiledTemplate = (root: unknown) => unknown;

/** A compiled node: `raw` true when its value comes straight from the data (a binding). */
interface Compiled {
  run: (data: unknown) => unknown;
  raw: boolean;
}

type Expr = (data: unknown) => unknown;

const RESERVED = new Set(["$data", "$when", "$root", "$index", "$host", "$_acTemplateVersion"]);

/** Words adaptive-expressions reads as something other than a path. */
const KEYWORDS = new Set(["true", "false", "null", "undefined"]);

class Unsupported extends Error {}

/** The template compiled, or undefined when it uses anything this compiler does not know. */
export function compileTemplate(template: unknown): CompiledTemplate | undefined {
  let node: Compiled;
  try {
    node = compileNode(template);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
  return (root) => {
    const outer = lookups;
    lookups = new Map();
    try {
      const value = node.run(root);
      if (!node.raw) return value;
      const clean = inertJson(value, false);
      if (clean === OMIT) throw new TypeError("the template expands to nothing");
      return clean;
    } finally {
      lookups = outer;
    }
  };
}

function compileNode(node: unknown): Compiled {
  if (typeof node === "string") return compileString(node);
  if (Array.isArray(node)) return compileArray(node);
  if (typeof node === "object" && node !== null)
    return compileObject(node as Record<string, unknown>);
  return { run: () => node, raw: false };
}

function compileArray(items: readonly unknown[]): Compiled {
  const compiled = items.map(compileNode);
  return {
    raw: false,
    run(data) {
      const out: unknown[] = [];
      for (const item of compiled) {
        const value = item.run(data);
        if (value === null) continue;
        if (Array.isArray(value)) {
          if (item.raw) for (const v of value) out.push(inertJson(v, true));
          else for (const v of value) out.push(v);
        } else {
          out.push(item.raw ? inertJson(value, true) : value);
        }
      }
      return out;
    },
  };
}

function compileObject(node: Record<string, unknown>): Compiled {
  const when = node.$when;
  const dataBinding = node.$data;
  // `$when` that is not a binding: the library drops the object when it is truthy.
  let whenTest: Expr | "drop" | undefined;
  if (typeof when === "string" && when.includes("${")) {
    const parts = parseInterpolated(when);
    if (parts.length !== 1 || typeof parts[0] === "string") throw new Unsupported();
    whenTest = parts[0];
  } else if (when) {
    whenTest = "drop";
  }
  let dataExpr: Expr | undefined;
  if (dataBinding !== undefined) {
    if (typeof dataBinding !== "string" || !dataBinding.includes("${")) throw new Unsupported();
    const parts = parseInterpolated(dataBinding);
    if (parts.length !== 1 || typeof parts[0] === "string") throw new Unsupported();
    dataExpr = withSubstitution(parts[0]);
  }
  const fields: { key: string; value: Compiled }[] = [];
  for (const key of Object.keys(node)) {
    if (RESERVED.has(key)) continue;
    // The library assigns it (setting the object's prototype): not worth copying.
    if (key === "__proto__") throw new Unsupported();
    fields.push({ key, value: compileNode(node[key]) });
  }
  const single = (data: unknown): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const { key, value } of fields) {
      let v = value.run(data);
      if (v === undefined) continue;
      if (value.raw) {
        v = inertJson(v, false);
        if (v === OMIT) continue;
      }
      out[key] = v;
    }
    return out;
  };
  const keep = (data: unknown): boolean => {
    if (whenTest === undefined) return true;
    if (whenTest === "drop") return false;
    const v = whenTest(data);
    return typeof v === "boolean" && v;
  };
  return {
    raw: false,
    run(data) {
      if (dataExpr === undefined) return keep(data) ? single(data) : null;
      const context = dataExpr(data);
      const contexts = Array.isArray(context) ? context : [context];
      const out: Record<string, unknown>[] = [];
      let current = data;
      for (const item of contexts) {
        if (item !== undefined) current = item;
        if (keep(current)) out.push(single(current));
      }
      if (out.length === 0) return null;
      return out.length === 1 ? out[0] : out;
    },
  };
}

function compileString(text: string): Compiled {
  if (!text.includes("${")) return { run: () => text, raw: false };
  const parts = parseInterpolated(text);
  if (parts.length === 1 && typeof parts[0] !== "string") {
    return { run: withSubstitution(parts[0]), raw: true };
  }
  const pieces = parts.map((p) => (typeof p === "string" ? p : withSubstitution(p)));
  return {
    raw: false,
    run(data) {
      let out = "";
      for (const piece of pieces) {
        if (typeof piece === "string") out += piece;
        else out += textOf(piece(data));
      }
      return out;
    },
  };
}

/**
 * The `${path}` the library writes for a binding that finds nothing: its own text, written
 * as it is (not made inert, unlike the data's), and a string to anything that reads it.
 */
class Substituted {
  constructor(readonly text: string) {}
}

/** The expression as a binding: a path that finds nothing is written as `${path}`. */
function withSubstitution(expr: Expr): Expr {
  const path = (expr as Partial<PathExpr>).path;
  if (path === undefined) return expr;
  const text = new Substituted(`\${${path.join(".")}}`);
  return (data) => {
    const v = expr(data);
    return v === undefined ? text : v;
  };
}

// ---- interpolated strings and expressions ----

/** Text and bindings in order; throws Unsupported for anything but the plain subset. */
function parseInterpolated(text: string): (string | Expr)[] {
  const parts: (string | Expr)[] = [];
  let at = 0;
  while (at < text.length) {
    const start = text.indexOf("${", at);
    const literal = start < 0 ? text.slice(at) : text.slice(at, start);
    if (literal !== "") {
      if (/[\\`${}]/.test(literal)) throw new Unsupported();
      parts.push(literal);
    }
    if (start < 0) break;
    const end = text.indexOf("}", start + 2);
    if (end < 0) throw new Unsupported();
    parts.push(parseExpression(text.slice(start + 2, end)));
    at = end + 1;
  }
  return parts;
}

type Token =
  | { kind: "path"; parts: string[] }
  | { kind: "word"; value: string }
  | { kind: "op"; op: string };

function tokenise(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (c === " ") {
      i++;
      continue;
    }
    const rest = source.slice(i);
    const op = /^(==|&&|\|\||!(?!=))/.exec(rest);
    if (op) {
      tokens.push({ kind: "op", op: op[0] });
      i += op[0].length;
      continue;
    }
    const word = /^'([^'\\]*)'/.exec(rest);
    if (word) {
      tokens.push({ kind: "word", value: word[1] as string });
      i += word[0].length;
      continue;
    }
    const path = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(rest);
    if (path) {
      const after = rest[path[0].length];
      // `a-b`, `a(`, `a[`: identifiers with dashes, calls and indexes are not compiled.
      if (after !== undefined && after !== " " && after !== "=" && after !== "&" && after !== "|") {
        throw new Unsupported();
      }
      const parts = path[0].split(".");
      if (parts.some((p) => KEYWORDS.has(p.toLowerCase()))) throw new Unsupported();
      tokens.push({ kind: "path", parts });
      i += path[0].length;
      continue;
    }
    throw new Unsupported();
  }
  return tokens;
}

interface PathExpr extends Expr {
  path: string[];
}

/** or := and ('||' and)* ; and := unary ('&&' unary)* ; unary := '!' path | path ('==' 'word')? */
function parseExpression(source: string): Expr {
  const tokens = tokenise(source);
  let at = 0;
  const peekOp = (op: string) => {
    const t = tokens[at];
    return t?.kind === "op" && t.op === op;
  };
  const path = (): PathExpr => {
    const t = tokens[at++];
    if (t?.kind !== "path") throw new Unsupported();
    return pathExpr(t.parts);
  };
  const unary = (): Expr => {
    if (peekOp("!")) {
      at++;
      const operand = path();
      return (data) => !isLogicTrue(operand(data));
    }
    const left = path();
    if (!peekOp("==")) return left;
    at++;
    const t = tokens[at++];
    if (t?.kind !== "word") throw new Unsupported();
    const word = t.value;
    // adaptive-expressions' `==` (commonEquals) of any value with a string is `===`.
    return (data) => {
      const value = left(data);
      return (typeof value === "string" ? inert(value) : value) === word;
    };
  };
  const and = (): Expr => {
    const terms = [unary()];
    while (peekOp("&&")) {
      at++;
      terms.push(unary());
    }
    if (terms.length === 1) return terms[0] as Expr;
    return (data) => {
      for (const term of terms) if (!isLogicTrue(term(data))) return false;
      return true;
    };
  };
  const or = (): Expr => {
    const terms = [and()];
    while (peekOp("||")) {
      at++;
      terms.push(and());
    }
    if (terms.length === 1) return terms[0] as Expr;
    return (data) => {
      // As adaptive-expressions: true at the first true term, else the last term's value.
      let value: unknown;
      for (const term of terms) {
        value = term(data);
        if (isLogicTrue(value)) return true;
      }
      return value;
    };
  };
  const expr = or();
  if (at !== tokens.length || tokens.length === 0) throw new Unsupported();
  return expr;
}

function pathExpr(parts: string[]): PathExpr {
  const run = ((data: unknown) => {
    let scope = data;
    for (const part of parts) scope = property(scope, part);
    return scope;
  }) as PathExpr;
  run.path = parts;
  return run;
}

/** adaptive-expressions' `isLogicTrue`: only false, null and undefined are false. */
function isLogicTrue(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  return value !== null && value !== undefined;
}

/**
 * Each object's keys by their lower case, the first key in order for each, for one
 * expansion (the data may change between two).
 */
let lookups = new Map<object, Map<string, string>>();

/**
 * adaptive-expressions' `accessProperty` on `inertDeep`'s copy of `scope`: a key matched
 * case-insensitively, the first one wins. The copy of a list holds its items only, and of
 * anything else that is an object (a Map or a Date too) its own enumerable keys.
 */
function property(scope: unknown, name: string): unknown {
  if (!scope) return undefined;
  // A list's or a primitive's keys are indexes at most, and names never are digits.
  if (typeof scope !== "object" || Array.isArray(scope) || scope instanceof Substituted) {
    return undefined;
  }
  const object = scope as Record<string, unknown>;
  let keys = lookups.get(object);
  if (keys === undefined) {
    keys = new Map();
    for (const k of Object.keys(object)) {
      const lower = k.toLowerCase();
      if (!keys.has(lower)) keys.set(lower, k);
    }
    lookups.set(object, keys);
  }
  const key = keys.get(name.toLowerCase());
  return key === undefined ? undefined : object[key];
}

/** A value in a text, as the library writes `inertDeep`'s copy of it: `toString()`. */
function textOf(value: unknown): string {
  if (typeof value === "string") return inert(value);
  if (value instanceof Substituted) return value.text;
  // As the library, null and undefined throw.
  if (typeof value === "object" && value !== null) return String(inertDeep(value).toString());
  return (value as { toString(): string }).toString();
}

// ---- what JSON.parse(JSON.stringify(inertDeep(…))) makes of a value from the data ----

const OMIT = Symbol("omit");

/** Thrown for data the compiled form does not copy exactly: expand with the library. */
export const NEEDS_LIBRARY = Symbol("needs the library");

/**
 * `inertDeep`'s copy of `value` after a JSON round trip, in one pass: OMIT where an object's
 * property is dropped (undefined, a function, a symbol), null for those in a list.
 */
function inertJson(value: unknown, inList: boolean): unknown {
  switch (typeof value) {
    case "string":
      return inert(value);
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value + 0 : null;
    case "object": {
      if (value === null) return null;
      if (value instanceof Substituted) return value.text;
      if (Array.isArray(value)) {
        const out: unknown[] = [];
        for (let i = 0; i < value.length; i++) out.push(inertJson(value[i], true));
        return out;
      }
      const source = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(source)) {
        const v = source[key];
        if (key === "toJSON" && typeof v === "function") throw NEEDS_LIBRARY;
        const copy = inertJson(v, false);
        if (copy === OMIT) continue;
        setOwn(out, key, copy);
      }
      return out;
    }
    case "bigint":
      throw new TypeError("Do not know how to serialize a BigInt");
    default:
      return inList ? null : OMIT;
  }
}
