/**
 * Reads a rule's `when:` condition: `all`/`any` lists and `not` around metric tests
 * (metric-test-reader.ts), reporting every problem.
 */
import { isScalar, isSeq } from "yaml";
import { MAX_CONDITION_DEPTH } from "./limits.ts";
import {
  type ConditionContext,
  comparatorHint,
  METRIC_TEST_KEYS,
  readMetricTest,
} from "./metric-test-reader.ts";
import type { Condition } from "./policy.ts";
import { suggestion } from "./suggest.ts";
import type { Entry, Slot } from "./yaml-reader.ts";

export type { ConditionContext } from "./metric-test-reader.ts";

const COMBINATORS = ["all", "any", "not"] as const;
const CONDITION_KEYS: readonly string[] = [...COMBINATORS, ...METRIC_TEST_KEYS];
const MAX_DEPTH = MAX_CONDITION_DEPTH;

/**
 * `path` says where the condition is (`rules[0].when.all[1]`), for problems that would
 * otherwise not say which of many nested conditions they mean.
 */
export function readCondition(
  ctx: ConditionContext,
  slot: Slot,
  depth = 0,
  path = "when",
): Condition | undefined {
  const r = ctx.reader;
  const { node, at } = r.slot(slot);
  if (depth > MAX_DEPTH) {
    r.error(
      at,
      "too_deep",
      `${ctx.owner}: the condition at ${path} is nested more than ${MAX_DEPTH} levels deep`,
      `conditions may nest at most ${MAX_DEPTH} levels; flatten it: all and any take as many conditions as you need`,
    );
    return undefined;
  }
  if (node !== null && isSeq(node)) {
    r.error(
      at,
      "wrong_type",
      "a condition must be a mapping (all, any, not or a metric test), got a list",
      "to require every item write all: [ … ]; for any one of them, any: [ … ]",
    );
    return undefined;
  }
  const before = r.errors.length;
  const refusedBefore = r.refusals;
  const entries = r.entries(slot, "a condition", ctx.owner);
  if (entries === undefined) return undefined;

  const field = entries.get("field");
  if (field !== undefined) {
    entries.delete("field");
    const value = r.resolve(field.node);
    const written = value !== null && isScalar(value) ? String(value.source ?? value.value) : "";
    if (!r.refuseSpecial(field.node ?? field.keyNode, written, ctx.owner, `${path}.field`)) {
      r.error(
        field.keyNode,
        "unknown_key",
        "field tests are not supported: a condition tests a metric",
        "write metric: <name>; rules/README.md lists the metrics",
      );
    }
  }

  const kinds = [...COMBINATORS, "metric"].filter((k) => entries.has(k));
  if (kinds.length > 1) {
    const second = entries.get(kinds[1] ?? "");
    r.error(
      second?.keyNode ?? at,
      "invalid_value",
      `a condition is one of all, any, not or a metric test; this one has ${kinds.join(" and ")}`,
      "nest them, e.g. all: [ { metric: … }, { any: [ … ] } ]",
    );
    return undefined;
  }
  const kind = kinds[0];
  if (kind === "all" || kind === "any" || kind === "not") {
    for (const entry of entries.values()) {
      if (entry.key === kind) continue;
      const hint = METRIC_TEST_KEYS.includes(entry.key)
        ? `${entry.key} belongs in a metric test; ${kind} stands alone in its condition`
        : (comparatorHint(entry.key) ?? suggestion(entry.key, CONDITION_KEYS, "known keys"));
      r.error(entry.keyNode, "unknown_key", `unknown key "${entry.key}" next to ${kind}`, hint);
    }
    const entry = entries.get(kind) as Entry;
    if (kind === "not") {
      const inner = r.resolve(entry.node);
      if (inner !== null && isSeq(inner)) {
        r.error(
          entry.node,
          "wrong_type",
          "not takes one condition, got a list",
          "to negate several, write not: { any: [ … ] }",
        );
        return undefined;
      }
      const of = readCondition(ctx, entry, depth + 1, `${path}.not`);
      return of === undefined || r.errors.length > before ? undefined : { kind: "not", of };
    }
    const items = r.list(entry, kind, `${kind}: [ { metric: …, below: … }, … ]`);
    if (items === undefined) return undefined;
    if (items.length === 0) {
      r.error(r.slot(entry).at, "invalid_value", `${kind} needs at least one condition`);
      return undefined;
    }
    const of = items.map((item, i) => readCondition(ctx, item, depth + 1, `${path}.${kind}[${i}]`));
    if (r.errors.length > before) return undefined;
    return { kind, of: of as Condition[] };
  }
  if (kind === "metric") return readMetricTest(ctx, slot, entries, path);

  const unknown = [...entries.keys()].filter((k) => !CONDITION_KEYS.includes(k));
  r.checkKeys(entries, "a condition", CONDITION_KEYS, comparatorHint);
  // A refused key was reported (perhaps earlier, by the whole-file scan): it is not missing.
  if (unknown.length === 0 && r.errors.length === before && r.refusals === refusedBefore) {
    r.error(at, "missing_key", 'a condition needs "metric" (a metric test) or all, any or not');
  }
  return undefined;
}
