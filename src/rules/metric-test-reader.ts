/**
 * Reads a metric test — `metric`, exactly one comparator with its threshold, and the
 * parameters that metric accepts — checking names, types, ranges and the clean slate.
 */
import { isScalar } from "yaml";
import { ATTENDANCE_STATUSES, type AttendanceStatus } from "../data/schema.ts";
import {
  COHORT_KEYS,
  COHORT_MEASURES,
  METRIC_NAMES,
  METRICS,
  type MetricName,
  type MetricParams,
  type ParamName,
} from "../metrics/index.ts";
import { own } from "./own.ts";
import { COMPARATORS, type Comparator, type Condition, type TestPlace } from "./policy.ts";
import { suggestion } from "./suggest.ts";
import type { Entry, Slot, YamlReader } from "./yaml-reader.ts";

export interface ConditionContext {
  reader: YamlReader;
  /** `rule "x"`, for messages. */
  owner: string;
  /** The policy's clean-slate window, when it is valid. */
  policyWindowDays: number | undefined;
  /** Where each metric test read is written, appended in the order read (depth first). */
  places?: TestPlace[];
}

const PARAMS: readonly ParamName[] = [
  "window",
  "source",
  "kind",
  "absent_statuses",
  "cohort_by",
  "measure",
];
export const METRIC_TEST_KEYS: readonly string[] = ["metric", ...COMPARATORS, ...PARAMS];

/** How people often write comparators, mapped to the ones a policy uses. */
const COMPARATOR_SYNONYMS: Readonly<Record<string, Comparator>> = {
  less_than: "below",
  lt: "below",
  under: "below",
  "<": "below",
  lte: "at_most",
  max: "at_most",
  maximum: "at_most",
  at_or_below: "at_most",
  "<=": "at_most",
  greater_than: "above",
  more_than: "above",
  gt: "above",
  over: "above",
  ">": "above",
  gte: "at_least",
  min: "at_least",
  minimum: "at_least",
  at_or_above: "at_least",
  ">=": "at_least",
  eq: "equals",
  is: "equals",
  equal: "equals",
  "=": "equals",
  "==": "equals",
};

export function comparatorHint(key: string): string | undefined {
  const to = own(COMPARATOR_SYNONYMS, key.toLowerCase());
  return to === undefined ? undefined : `comparators are ${COMPARATORS.join(", ")}: write ${to}`;
}

/** `path` is where the test is written (`rules[0].when.all[1]`). */
export function readMetricTest(
  ctx: ConditionContext,
  slot: Slot,
  entries: Map<string, Entry>,
  path = "when",
): Condition | undefined {
  const r = ctx.reader;
  const before = r.errors.length;
  const at = r.slot(slot).at;
  const metricEntry = entries.get("metric") as Entry;
  r.checkKeys(entries, "a metric test", METRIC_TEST_KEYS, comparatorHint);

  let metric: MetricName | undefined;
  const name = r.text(metricEntry, "metric");
  // A refused name is reported with the principle, not also as an unknown metric.
  if (name !== undefined && !r.refuseSpecial(metricEntry.node, name, ctx.owner, `${path}.metric`)) {
    if ((METRIC_NAMES as readonly string[]).includes(name)) {
      metric = name as MetricName;
    } else {
      r.error(
        r.slot(metricEntry).at,
        "unknown_metric",
        `unknown metric "${name}"`,
        suggestion(name, METRIC_NAMES, "metrics are"),
      );
    }
  }

  const params = readParams(ctx, entries, metric, path);

  // In the order written, so "the second comparator" is the second one in the file.
  const comparators = [...entries.keys()].filter((k): k is Comparator =>
    (COMPARATORS as readonly string[]).includes(k),
  );
  let op: Comparator | undefined;
  let threshold: number | undefined;
  if (comparators.length === 0) {
    // A misspelt comparator (`less_than`) was already reported with the one to use.
    if (![...entries.keys()].some((k) => comparatorHint(k) !== undefined)) {
      r.error(
        at,
        "comparator",
        `the test of ${name ?? "a metric"} needs a comparator: one of ${COMPARATORS.join(", ")}`,
        "e.g. { metric: attendance_rate, below: 0.9 }",
      );
    }
  } else if (comparators.length > 1) {
    const second = entries.get(comparators[1] ?? "");
    r.error(
      second?.keyNode ?? at,
      "comparator",
      `the test of ${name ?? "a metric"} has ${comparators.length} comparators (${comparators.join(", ")}); a test has exactly one`,
      "for a range, combine two tests with all: [ … ]",
    );
  } else {
    op = comparators[0] as Comparator;
    const entry = entries.get(op) as Entry;
    const ratioHint =
      metric !== undefined &&
      METRICS[metric].unit === "ratio" &&
      metric !== "activity_change" &&
      metric !== "activity_vs_cohort"
        ? (n: number) => shareHint(metric as MetricName, n)
        : undefined;
    threshold = r.number(entry, `the ${op} threshold`, ratioHint);
    if (threshold !== undefined && metric !== undefined && params !== undefined) {
      checkThreshold(r, entry, metric, params, op, threshold);
    }
  }

  if (r.errors.length > before || metric === undefined || params === undefined) return undefined;
  if (op === undefined || threshold === undefined) return undefined;
  ctx.places?.push(testPlace(r, at, entries));
  return { kind: "metric", metric, params, op, threshold };
}

const PLACED_PARAMS = ["source", "kind", "cohort_by", "absent_statuses"] as const;

function testPlace(r: YamlReader, at: Slot["at"], entries: Map<string, Entry>): TestPlace {
  const place: TestPlace = { at: r.position(at), params: {} };
  for (const param of PLACED_PARAMS) {
    const entry = entries.get(param);
    if (entry !== undefined) place.params[param] = r.position(r.slot(entry).at);
  }
  return place;
}

function shareHint(metric: MetricName, n: number): string {
  return `${metric} is a share between 0 and 1; did you mean ${Number((n / 100).toFixed(6))}?`;
}

/** The range a metric's value can take, for threshold checks. */
function valueRange(metric: MetricName, params: MetricParams): [number, number] {
  if (metric === "attendance_rate" || metric === "hybrid_engagement") return [0, 1];
  if (metric === "activity_vs_cohort" && params.measure === "percentile") return [0, 100];
  return [0, Number.POSITIVE_INFINITY];
}

function checkThreshold(
  r: YamlReader,
  entry: Entry,
  metric: MetricName,
  params: MetricParams,
  op: Comparator,
  t: number,
): void {
  const [lo, hi] = valueRange(metric, params);
  const at = r.slot(entry).at;
  if (t < lo || t > hi) {
    const range = hi === Number.POSITIVE_INFINITY ? `${lo} or more` : `${lo} to ${hi}`;
    const hint = hi === 1 && t > 1 && t <= 100 ? shareHint(metric, t) : undefined;
    r.error(
      at,
      "threshold_out_of_range",
      `${metric} threshold ${t} is out of range: expected ${range}`,
      hint,
    );
    return;
  }
  const never = (op === "below" && t <= lo) || (op === "above" && t >= hi);
  const always = (op === "at_least" && t <= lo) || (op === "at_most" && t >= hi);
  if (never)
    r.warn(at, "never_holds", `${metric} ${op} ${t} can never hold, so this test is always false`);
  if (always)
    r.warn(
      at,
      "always_holds",
      `${metric} ${op} ${t} always holds, so this test is true for every student`,
    );
}

function readParams(
  ctx: ConditionContext,
  entries: Map<string, Entry>,
  metric: MetricName | undefined,
  path: string,
): MetricParams | undefined {
  const r = ctx.reader;
  const before = r.errors.length;
  const params: MetricParams = {};
  const accepted = metric === undefined ? PARAMS : METRICS[metric].params;
  for (const param of PARAMS) {
    const entry = entries.get(param);
    if (entry === undefined) continue;
    // Special-category values are refused whatever the metric, before anything else.
    // A number is a name here too: `source: 504`.
    if (param === "source" || param === "kind" || param === "cohort_by") {
      const value = r.resolve(entry.node);
      if (value !== null && isScalar(value) && value.value !== null) {
        const written = String(value.source ?? value.value);
        if (r.refuseSpecial(entry.node, written, ctx.owner, `${path}.${param}`)) continue;
      }
    }
    if (!accepted.includes(param)) {
      const takes = accepted.length === 0 ? "takes no parameters" : `takes ${accepted.join(", ")}`;
      r.error(
        entry.keyNode,
        "param_not_accepted",
        `${metric} does not take ${param}`,
        `${metric} ${takes}`,
      );
      continue;
    }
    readParam(ctx, entry, param, metric, params);
  }
  if (metric === "activity_vs_cohort") {
    params.cohortBy ??= "cohort";
    params.measure ??= "share_of_median";
  }
  if (metric === "activity_change" && params.windowDays === undefined && !entries.has("window")) {
    const at = r.slot(entries.get("metric") as Entry).at;
    r.error(
      at,
      "missing_key",
      "activity_change needs a window: it compares that window with the one before it, and both must lie inside the policy window",
      "e.g. window: 10 school days",
    );
  }
  return r.errors.length > before ? undefined : params;
}

function readParam(
  ctx: ConditionContext,
  entry: Entry,
  param: ParamName,
  metric: MetricName | undefined,
  params: MetricParams,
): void {
  const r = ctx.reader;
  switch (param) {
    case "window": {
      const days = r.duration(entry, "window", "school days", 1, 365);
      if (days === undefined) return;
      const limit = ctx.policyWindowDays;
      const span = metric === "activity_change" ? days * 2 : days;
      if (limit !== undefined && span > limit) {
        const what =
          metric === "activity_change"
            ? `window ${days} school days (with the ${days} before it, ${span})`
            : `window ${days} school days`;
        r.error(
          r.slot(entry).at,
          "window_exceeds_policy",
          `${what} reaches back further than the policy window of ${limit} school days: data older than the policy window never counts (clean slate)`,
          `use at most ${metric === "activity_change" ? Math.floor(limit / 2) : limit} school days, or widen the policy's window`,
        );
        return;
      }
      params.windowDays = days;
      return;
    }
    case "source": {
      const source = r.text(entry, "source");
      if (source !== undefined) params.source = source.toLowerCase();
      return;
    }
    case "kind": {
      const kind = r.text(entry, "kind");
      if (kind === undefined) return;
      if (metric === "absences") {
        const allowed = ATTENDANCE_STATUSES.filter((s) => s !== "present");
        if (!(allowed as readonly string[]).includes(kind)) {
          r.error(
            r.slot(entry).at,
            "invalid_value",
            `kind for absences must be an attendance status (${allowed.join(", ")}), got "${kind}"`,
            suggestion(kind, allowed),
          );
          return;
        }
      }
      params.kind = kind;
      return;
    }
    case "absent_statuses": {
      const statuses = readAbsentStatuses(r, entry);
      if (statuses !== undefined) params.absentStatuses = statuses;
      return;
    }
    case "cohort_by": {
      const by = r.oneOf(entry, "cohort_by", COHORT_KEYS);
      if (by !== undefined) params.cohortBy = by;
      return;
    }
    case "measure": {
      const measure = r.oneOf(entry, "measure", COHORT_MEASURES);
      if (measure !== undefined) params.measure = measure;
      return;
    }
  }
}

/** Absent statuses, shared with the policy: a non-empty list that cannot include `present`. */
export function readAbsentStatuses(r: YamlReader, slot: Slot): AttendanceStatus[] | undefined {
  const statuses = r.listOf(
    slot,
    "absent_statuses",
    ATTENDANCE_STATUSES,
    "[unexcused_absence, excused_absence]",
  );
  if (statuses === undefined) return undefined;
  if (statuses.length === 0) {
    r.error(r.slot(slot).at, "invalid_value", "absent_statuses must list at least one status");
    return undefined;
  }
  if (statuses.includes("present")) {
    r.error(
      r.slot(slot).at,
      "invalid_value",
      "absent_statuses cannot include present: a present student is not absent",
    );
    return undefined;
  }
  return statuses;
}
