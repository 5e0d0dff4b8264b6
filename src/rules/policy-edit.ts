/**
 * A typed change to a policy file's text: a rule's threshold, `for`, severity, enabled or
 * action, or the policy's window. Pure: text in, text out.
 *
 * The YAML document is parsed with the `yaml` package and the node to change is found in
 * it (the rule by its id, a metric test in the order the loader reads them); the new value
 * is then written into the text at that node's place, and a key the rule does not have
 * yet is added on a line of its own under the rule's other keys. Writing the edited
 * document back out would re-format the whole file (the library does not reproduce its
 * input byte for byte); writing at the node's place keeps every other byte — comments,
 * key order, quoting, blank lines — as it was.
 *
 * The new text is then loaded with the loader the policy files go through
 * (`loadPolicyText`), so a change the loader refuses returns its positioned problems and
 * changes nothing.
 */
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
  type Scalar,
  type YAMLMap,
} from "yaml";
import { lineDiff } from "./line-diff.ts";
import { loadPolicyText } from "./loader.ts";
import { COMPARATORS, type Policy, RULE_ACTIONS, type Rule, SEVERITIES } from "./policy.ts";
import { type PolicyProblem, type ProblemCode, withHints } from "./problems.ts";
import { nearest } from "./suggest.ts";

export type PolicyChange =
  /**
   * The threshold of one of the rule's metric tests: the first (`test` 0, the default) or
   * another, counted depth first in the order written, as `Rule.testPlaces` is.
   */
  | { kind: "threshold"; ruleId: string; value: number; test?: number }
  /** How many consecutive runs the rule's condition must hold before it fires. */
  | { kind: "for"; ruleId: string; runs: number }
  | { kind: "severity"; ruleId: string; severity: Rule["severity"] }
  | { kind: "enabled"; ruleId: string; enabled: boolean }
  | { kind: "action"; ruleId: string; action: "case" | "watch" }
  /** The policy's clean-slate window, in school days. */
  | { kind: "window"; days: number };

export const POLICY_CHANGE_KINDS = [
  "threshold",
  "for",
  "severity",
  "enabled",
  "action",
  "window",
] as const satisfies readonly PolicyChange["kind"][];

/**
 * Why a change was not made:
 * - `current`: the file as it stands does not load (its own problems);
 * - `change`: the change cannot be made to this file (an unknown rule, a value that is
 *   not a number, a test the rule does not have…), at the place it concerns;
 * - `validation`: the changed file is refused by the loader, with its positioned problems.
 */
export type PolicyChangeStage = "current" | "change" | "validation";

export type PolicyChangeResult =
  | {
      ok: true;
      /** The whole new text of the file (the same text when the change changes nothing). */
      text: string;
      /** The changed file, loaded. */
      policy: Policy;
      /** The file before the change, loaded. */
      before: Policy;
      /** A unified-style line diff of the old and new text; empty when nothing changed. */
      diff: string;
      changed: boolean;
      /** The loader's warnings on the new text (a test that can never hold…). */
      warnings: PolicyProblem[];
    }
  | { ok: false; stage: PolicyChangeStage; problems: PolicyProblem[] };

/** The longest rule id quoted back in a problem. */
const QUOTED_ID_LENGTH = 60;

/**
 * Applies `change` to the policy file text `text` (named `file` in problems and in the
 * diff). Never throws: every failure is a result with problems, and then nothing changed.
 */
export function applyPolicyChange(
  text: string,
  file: string,
  change: PolicyChange,
): PolicyChangeResult {
  try {
    return applyGuarded(text, file, change);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      stage: "change",
      problems: withHints([
        at(file, { line: 1, column: 1 }, "internal_error", `could not change: ${reason}`),
      ]),
    };
  }
}

/**
 * Applies several changes in turn (one form may change a rule's threshold and severity at
 * once): each to the text the one before made. The first that fails is the answer, and
 * then nothing changed; otherwise `before` is the file as it was, `policy` and `text` as
 * all the changes leave it, and `diff` the whole difference.
 */
export function applyPolicyChanges(
  text: string,
  file: string,
  changes: readonly PolicyChange[],
): PolicyChangeResult {
  let result = applyPolicyChange(text, file, changes[0] as PolicyChange);
  if (!result.ok) return result;
  const before = result.before;
  for (const change of changes.slice(1)) {
    result = applyPolicyChange(result.text, file, change);
    if (!result.ok) return result;
  }
  const changed = result.text !== text;
  return {
    ...result,
    before,
    changed,
    diff: changed ? lineDiff(text, result.text, { file: policyFileName(file) }) : "",
  };
}

function applyGuarded(text: string, file: string, change: PolicyChange): PolicyChangeResult {
  if (typeof text !== "string") {
    return refuse(file, "change", undefined, "invalid_value", "the policy text is not text");
  }
  const current = loadPolicyText(text, file);
  if (!current.ok) return { ok: false, stage: "current", problems: current.errors };
  const before = current.policy;

  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const ctx: EditContext = { text, file, doc, lines, before };
  const edit = editFor(ctx, change);
  if ("problems" in edit) return { ok: false, stage: "change", problems: edit.problems };

  const next = spliced(text, edit.edits);
  if (next === text) {
    return {
      ok: true,
      text,
      policy: before,
      before,
      diff: "",
      changed: false,
      warnings: current.warnings,
    };
  }
  const loaded = loadPolicyText(next, file);
  if (!loaded.ok) return { ok: false, stage: "validation", problems: loaded.errors };
  if (!edit.check(loaded.policy)) {
    return refuse(
      file,
      "change",
      undefined,
      "internal_error",
      "the change did not come out as asked in the file; nothing was changed",
    );
  }
  return {
    ok: true,
    text: next,
    policy: loaded.policy,
    before,
    diff: lineDiff(text, next, { file: policyFileName(file) }),
    changed: true,
    warnings: loaded.warnings,
  };
}

interface EditContext {
  text: string;
  file: string;
  doc: Document;
  lines: LineCounter;
  before: Policy;
}

/** Text to put in place of `from..to` (the same offset twice: an insertion). */
interface TextEdit {
  from: number;
  to: number;
  insert: string;
}

type Planned =
  | {
      edits: TextEdit[];
      /** Whether the loaded new policy says what the change asked. */
      check: (policy: Policy) => boolean;
    }
  | { problems: PolicyProblem[] };

function editFor(ctx: EditContext, change: PolicyChange): Planned {
  const c = change as Partial<Record<string, unknown>> | null;
  if (c === null || typeof c !== "object") return problem(ctx, undefined, "the change is empty");
  if (c.kind === "window") return windowEdit(ctx, c.days);
  if (!(POLICY_CHANGE_KINDS as readonly unknown[]).includes(c.kind)) {
    return problem(
      ctx,
      undefined,
      `unknown kind of change ${quote(c.kind)}`,
      `a change is one of ${POLICY_CHANGE_KINDS.join(", ")}`,
    );
  }
  const found = findRule(ctx, c.ruleId);
  if ("problems" in found) return found;
  const { rule, map } = found;
  const ruleOf = (policy: Policy) => policy.rules.find((r) => r.id === rule.id);
  switch (c.kind) {
    case "threshold":
      return thresholdEdit(ctx, rule, map, c.value, c.test);
    case "for": {
      const runs = c.runs;
      if (!isFiniteNumber(runs)) return badNumber(ctx, map, "for", runs, "a whole number of runs");
      return setKey(ctx, map, "for", {
        written: (old) => duration(old, runs, "runs"),
        fresh: `${runs} ${runs === 1 ? "run" : "runs"}`,
        after: ["when", "severity"],
        unchanged: rule.forRuns === runs,
        check: (p) => ruleOf(p)?.forRuns === runs,
      });
    }
    case "severity": {
      const severity = c.severity;
      if (!(SEVERITIES as readonly unknown[]).includes(severity)) {
        return problem(
          ctx,
          map,
          `severity must be one of ${SEVERITIES.join(", ")}, got ${quote(severity)}`,
        );
      }
      return setKey(ctx, map, "severity", {
        written: (old) => word(old, severity as string),
        fresh: severity as string,
        after: ["name", "id"],
        unchanged: rule.severity === severity,
        check: (p) => ruleOf(p)?.severity === severity,
      });
    }
    case "enabled": {
      const enabled = c.enabled;
      if (typeof enabled !== "boolean") {
        return problem(ctx, map, `enabled must be true or false, got ${quote(enabled)}`);
      }
      return setKey(ctx, map, "enabled", {
        written: () => String(enabled),
        fresh: String(enabled),
        after: [],
        unchanged: rule.enabled === enabled,
        check: (p) => ruleOf(p)?.enabled === enabled,
      });
    }
    case "action": {
      const action = c.action;
      if (!(RULE_ACTIONS as readonly unknown[]).includes(action)) {
        return problem(
          ctx,
          map,
          `action must be one of ${RULE_ACTIONS.join(", ")}, got ${quote(action)}`,
        );
      }
      return setKey(ctx, map, "action", {
        written: (old) => word(old, action as string),
        fresh: action as string,
        after: ["severity", "name", "id"],
        unchanged: (rule.action ?? "case") === action,
        check: (p) => (ruleOf(p)?.action ?? "case") === action,
      });
    }
  }
  return problem(ctx, undefined, `unknown kind of change ${quote(c.kind)}`);
}

function windowEdit(ctx: EditContext, days: unknown): Planned {
  const settings = resolved(ctx, ctx.doc.get("policy", true) as Node | null | undefined);
  if (settings === undefined || !isMap(settings)) {
    return problem(ctx, undefined, "the file's policy: section could not be changed");
  }
  if (!isFiniteNumber(days)) {
    return badNumber(ctx, settings, "window", days, "a whole number of school days");
  }
  return setKey(ctx, settings, "window", {
    written: (old) => duration(old, days, "school days"),
    fresh: `${days} school ${days === 1 ? "day" : "days"}`,
    after: ["schedule", "timezone", "schools"],
    unchanged: ctx.before.windowDays === days,
    check: (p) => p.windowDays === days,
  });
}

function findRule(
  ctx: EditContext,
  ruleId: unknown,
): { rule: Rule; map: YAMLMap } | { problems: PolicyProblem[] } {
  const rulesKey = keyNodeOf(ctx.doc.contents, "rules");
  const ids = ctx.before.rules.map((r) => r.id);
  if (typeof ruleId !== "string" || ruleId.trim() === "") {
    return problem(
      ctx,
      rulesKey,
      `a change names its rule by id, got ${quote(ruleId)}`,
      hintOf(ids),
    );
  }
  const rule = ctx.before.rules.find((r) => r.id === ruleId);
  if (rule === undefined) {
    const near = ruleId.length <= 100 ? nearest(ruleId, ids) : undefined;
    return problem(
      ctx,
      rulesKey,
      `policy ${ctx.before.id} has no rule ${quote(ruleId)}`,
      near === undefined ? hintOf(ids) : `did you mean ${near}?`,
    );
  }
  const list = resolved(ctx, ctx.doc.get("rules", true) as Node | null | undefined);
  const items = list !== undefined && isSeq(list) ? list.items : [];
  for (const item of items) {
    if (isAlias(item)) continue;
    if (!isMap(item)) continue;
    const id = item.get("id", true) as Node | undefined;
    if (id !== undefined && isScalar(id) && String(id.value).trim() === ruleId) {
      return { rule, map: item };
    }
  }
  return problem(
    ctx,
    rulesKey,
    `rule ${quote(ruleId)} is written through a YAML alias (*): change it in the file itself`,
  );
}

function thresholdEdit(
  ctx: EditContext,
  rule: Rule,
  map: YAMLMap,
  value: unknown,
  test: unknown,
): Planned {
  const when = map.get("when", true) as Node | undefined;
  const tests: Found[] = [];
  collectTests(ctx, when ?? null, false, tests, 0);
  const index = test ?? 0;
  if (typeof index !== "number" || !Number.isInteger(index) || index < 0) {
    return problem(ctx, when, `the test to change is counted from 0, got ${quote(index)}`);
  }
  const places = rule.testPlaces;
  if (places !== undefined) {
    const same =
      places.length === tests.length &&
      places.every((p, k) => {
        const pos = position(ctx, tests[k]?.written);
        return pos.line === p.at.line && pos.column === p.at.column;
      });
    if (!same) {
      return problem(
        ctx,
        when,
        `the metric tests of rule ${rule.id} could not be matched to the loader's; nothing was changed`,
        undefined,
        "internal_error",
      );
    }
  }
  const found = tests[index];
  if (found === undefined) {
    const has = tests.length === 1 ? "1 metric test" : `${tests.length} metric tests`;
    return problem(
      ctx,
      when,
      `rule ${rule.id} has ${has}; there is no test ${index} (counted from 0)`,
    );
  }
  if (found.throughAlias) {
    return problem(
      ctx,
      found.written,
      `this test of rule ${rule.id} is written through a YAML alias (*): change it in the file itself`,
    );
  }
  const pair = found.map.items.find(
    (p) => isScalar(p.key) && (COMPARATORS as readonly unknown[]).includes(p.key.value),
  );
  const node = pair?.value as Node | null | undefined;
  if (pair === undefined || node === undefined || node === null || !isScalar(node)) {
    return problem(ctx, found.map, `this test of rule ${rule.id} has no threshold to change`);
  }
  const op = (pair.key as Scalar).value as string;
  if (!isFiniteNumber(value)) {
    return problem(ctx, node, `the ${op} threshold must be a finite number, got ${quote(value)}`);
  }
  if (node.anchor) return anchored(ctx, node);
  const range = node.range;
  if (range === undefined || range === null) {
    return problem(ctx, found.map, "the threshold has no place in the file");
  }
  const old = ctx.text.slice(range[0], range[1]);
  return {
    edits: [{ from: range[0], to: range[1], insert: numberLike(old, value) }],
    check: (p) => {
      const metric = metricTests(p.rules.find((r) => r.id === rule.id)?.when)[index];
      return metric !== undefined && metric.threshold === value;
    },
  };
}

interface Found {
  map: YAMLMap;
  /** The node as written (an alias where the test is repeated): where the loader points. */
  written: Node;
  throughAlias: boolean;
}

/** The metric tests of a condition, depth first in the order written (as the loader reads). */
function collectTests(
  ctx: EditContext,
  node: Node | null,
  throughAlias: boolean,
  out: Found[],
  depth: number,
): void {
  if (node === null || depth > 64) return;
  const alias = isAlias(node);
  const target = resolved(ctx, node);
  if (target === undefined || !isMap(target)) return;
  const via = throughAlias || alias;
  if (target.has("metric")) {
    out.push({ map: target, written: node, throughAlias: via });
    return;
  }
  for (const kind of ["all", "any"]) {
    const list = resolved(ctx, target.get(kind, true) as Node | undefined);
    const listAlias = isAlias(target.get(kind, true));
    if (list !== undefined && isSeq(list)) {
      for (const item of list.items) {
        collectTests(ctx, item as Node | null, via || listAlias, out, depth + 1);
      }
    }
  }
  const not = target.get("not", true) as Node | undefined;
  if (not !== undefined) collectTests(ctx, not, via, out, depth + 1);
}

type MetricTest = Extract<Rule["when"], { kind: "metric" }>;

/** A loaded condition's metric tests, depth first in the order written. */
function metricTests(condition: Rule["when"] | undefined): MetricTest[] {
  if (condition === undefined) return [];
  switch (condition.kind) {
    case "metric":
      return [condition];
    case "not":
      return metricTests(condition.of);
    default:
      return condition.of.flatMap(metricTests);
  }
}

interface KeyChange {
  /** The new value as written in place of the old (given as written). */
  written: (old: string) => string;
  /** The value written for a key the mapping does not have yet. */
  fresh: string;
  /** Keys to add a missing key after, the first present; else after the last key. */
  after: readonly string[];
  /** Whether the loaded value already is the one asked for: then nothing is written. */
  unchanged: boolean;
  check: (policy: Policy) => boolean;
}

/** Sets `key` of `map`: its value rewritten in place, or a new `key: value` added. */
function setKey(ctx: EditContext, map: YAMLMap, key: string, change: KeyChange): Planned {
  if (change.unchanged) return { edits: [], check: change.check };
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  if (pair !== undefined) {
    const node = pair.value as Node | null;
    if (node === null || !isScalar(node) || node.range === undefined || node.range === null) {
      return problem(ctx, pair.key as Node, `${key} cannot be changed where it is written`);
    }
    if (node.anchor) return anchored(ctx, node);
    const old = ctx.text.slice(node.range[0], node.range[1]);
    return {
      edits: [{ from: node.range[0], to: node.range[1], insert: change.written(old) }],
      check: change.check,
    };
  }
  const insert = insertion(ctx, map, key, change.fresh, change.after);
  if (insert === undefined) {
    return problem(ctx, map, `${key} cannot be added here: change it in the file itself`);
  }
  return { edits: [insert], check: change.check };
}

/** Adds `key: value` to a mapping, after the first of `after` it has (else its last key). */
function insertion(
  ctx: EditContext,
  map: YAMLMap,
  key: string,
  value: string,
  after: readonly string[],
): TextEdit | undefined {
  const pairs = map.items as Pair<unknown, unknown>[];
  const anchorPair =
    after
      .map((k) => pairs.find((p) => isScalar(p.key) && p.key.value === k))
      .find((p) => p !== undefined) ?? pairs[pairs.length - 1];
  const end = endOf(anchorPair);
  if (anchorPair === undefined || end === undefined) return undefined;
  if (map.flow) return { from: end, to: end, insert: `, ${key}: ${value}` };
  const firstKey = pairs[0]?.key as Node | undefined;
  const keyStart = firstKey?.range?.[0];
  if (keyStart === undefined) return undefined;
  const indent = keyStart - (ctx.text.lastIndexOf("\n", keyStart - 1) + 1);
  const text = ctx.text;
  // A block value ends after its last line feed; a scalar or flow value, mid-line.
  let at = end > 0 && text[end - 1] === "\n" ? end - 1 : text.indexOf("\n", end);
  if (at === -1) at = text.length;
  if (at > 0 && text[at - 1] === "\r") at--;
  const newline = text.includes("\r\n") ? "\r\n" : "\n";
  return { from: at, to: at, insert: `${newline}${" ".repeat(indent)}${key}: ${value}` };
}

/** Where a pair's value (else its key) ends in the text. */
function endOf(pair: Pair<unknown, unknown> | undefined): number | undefined {
  if (pair === undefined) return undefined;
  const value = pair.value as Node | null;
  const key = pair.key as Node | null;
  return value?.range?.[1] ?? key?.range?.[1] ?? undefined;
}

function spliced(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.from - a.from)) {
    out = out.slice(0, e.from) + e.insert + out.slice(e.to);
  }
  return out;
}

/**
 * A number written as the old one was: as many decimals at least (`0.90` → `0.85`), in
 * the old quotes if any (the loader then refuses it, as it did before).
 */
function numberLike(old: string, value: number): string {
  let written = String(Object.is(value, -0) ? 0 : value);
  const decimals = /^[+-]?\d+\.(\d+)$/.exec(old)?.[1]?.length ?? 0;
  const plain = /^-?\d+(?:\.(\d+))?$/.exec(written);
  if (plain !== null && decimals > 0) {
    const has = plain[1]?.length ?? 0;
    if (has < decimals) written = `${written}${has === 0 ? "." : ""}${"0".repeat(decimals - has)}`;
  }
  return written;
}

/**
 * A duration written as the old one was: `2 runs` → `3 runs`, `45 school days` → `30
 * school days`, `2` → `3`, in the same quotes; one run or day in the singular.
 */
function duration(old: string, n: number, unit: "runs" | "school days"): string {
  const written = String(n);
  const match = /^(["']?)(\d+)(.*?)\1$/s.exec(old);
  if (match === null) return `${written} ${unit}`;
  const [, quoteMark = "", , rest = ""] = match;
  const words = rest.replace(/\b(run|day)s?\b/i, (_, noun: string) =>
    n === 1 ? noun : `${noun}s`,
  );
  return `${quoteMark}${written}${words}${quoteMark}`;
}

/** A word in the old value's quotes, if it had any. */
function word(old: string, value: string): string {
  const q = old.startsWith('"') ? '"' : old.startsWith("'") ? "'" : "";
  return `${q}${value}${q}`;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function badNumber(
  ctx: EditContext,
  map: YAMLMap,
  key: string,
  value: unknown,
  what: string,
): Planned {
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  const where = (pair?.value as Node | null | undefined) ?? map;
  return problem(ctx, where, `${key} must be ${what}, got ${quote(value)}`);
}

function anchored(ctx: EditContext, node: Node): Planned {
  return problem(
    ctx,
    node,
    "this value carries a YAML anchor (&) that other places may repeat: change it in the file itself",
  );
}

function resolved(ctx: EditContext, node: Node | null | undefined | unknown): Node | undefined {
  let current = node as Node | null | undefined;
  for (let hops = 0; current && isAlias(current); hops++) {
    if (hops > 32) return undefined;
    current = current.resolve(ctx.doc) as Node | undefined;
  }
  return current ?? undefined;
}

function keyNodeOf(root: unknown, key: string): Node | undefined {
  if (!isMap(root)) return undefined;
  const pair = root.items.find((p) => isScalar(p.key) && p.key.value === key);
  return pair?.key as Node | undefined;
}

function position(
  ctx: EditContext,
  node: Node | null | undefined,
): { line: number; column: number } {
  const offset = node?.range?.[0];
  if (offset === undefined) return { line: 1, column: 1 };
  const { line, col } = ctx.lines.linePos(offset);
  return { line, column: col };
}

function problem(
  ctx: EditContext,
  node: Node | null | undefined,
  message: string,
  hint?: string,
  code: ProblemCode = "invalid_value",
): { problems: PolicyProblem[] } {
  const p = at(ctx.file, position(ctx, node), code, message);
  if (hint !== undefined) p.hint = hint;
  return { problems: withHints([p]) };
}

function refuse(
  file: string,
  stage: PolicyChangeStage,
  where: { line: number; column: number } | undefined,
  code: ProblemCode,
  message: string,
): PolicyChangeResult {
  return {
    ok: false,
    stage,
    problems: withHints([at(file, where ?? { line: 1, column: 1 }, code, message)]),
  };
}

function at(
  file: string,
  where: { line: number; column: number },
  code: ProblemCode,
  message: string,
): PolicyProblem {
  return { file, ...where, code, message };
}

function hintOf(ids: readonly string[]): string {
  return `its rules are ${ids.join(", ")}`;
}

/** A value quoted for a message: JSON, clipped, so nothing in it reads as part of the message. */
function quote(value: unknown): string {
  let text: string;
  if (typeof value === "number") text = String(value);
  else if (typeof value === "string") text = JSON.stringify(value);
  else if (value === undefined) text = "nothing";
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = "a value of another kind";
    }
  }
  return text.length > QUOTED_ID_LENGTH ? `${text.slice(0, QUOTED_ID_LENGTH)}…` : text;
}

/** The file's own name, for a diff's header: a card or an audit record shows no server path. */
export function policyFileName(file: string): string {
  return file.split(/[\\/]/).at(-1) ?? file;
}
