/**
 * One student's values under a policy, as the evaluator sees them on a date: every
 * distinct metric test of the policy's enabled rules (a metric with the same parameters
 * is one value, however many rules test it), with its value, its window and the tests
 * the rules apply to it; and how recent each data stream of the student's school is.
 *
 * The contexts are the evaluator's own (`policyScope` in rules/evaluate.ts), so a value
 * here is the value a run on the same date computes: the cohort a student is compared with
 * is the same set of students, circumstances are left out alike. The stream dates come
 * from the check a run makes against the data (rules/data-check.ts), narrowed to the
 * student's school. Pure: no clock, no I/O.
 */
import type { SchoolCalendar } from "../calendar/index.ts";
import type { Dataset } from "../data/dataset.ts";
import { type DayNumber, formatDay } from "../data/dates.ts";
import {
  computeMetric,
  type MetricName,
  type MetricParams,
  type WindowFacts,
  windowFacts,
} from "../metrics/index.ts";
import {
  checkPolicyAgainstData,
  type Policy,
  policyScope,
  type StreamEnd,
  type SuppressionReason,
  slotKey,
} from "../rules/index.ts";

type Condition = Policy["rules"][number]["when"];
type MetricCondition = Extract<Condition, { kind: "metric" }>;
export type Comparator = MetricCondition["op"];

/** How a rule tests a value. */
export interface ValueTest {
  op: Comparator;
  threshold: number;
  /** Under an odd number of `not`s: the rule's condition needs this test to fail. */
  negated: boolean;
}

export interface StudentValue {
  metric: MetricName;
  params: MetricParams;
  /** null when the data cannot say (the evaluator's unknown). */
  value: number | null;
  window: WindowFacts;
  /**
   * For `activity_vs_cohort` only: the student's own activity count in the window, the
   * figure the comparison starts from (the comparison itself involves other students).
   */
  ownActivity?: number;
  /** The distinct tests the enabled rules apply to this value, in the order written. */
  tests: ValueTest[];
}

export interface StudentValues {
  policyId: string;
  studentId: string;
  school: string;
  /** YYYY-MM-DD */
  asOf: string;
  /** Why a run on this date would not evaluate the student; the values are computed alike. */
  suppressed?: SuppressionReason;
  /** In the order the enabled rules first test them. */
  values: StudentValue[];
  /** Each data stream's last date among the students of the student's school. */
  streams: StreamEnd[];
}

export interface StudentValuesInput {
  dataset: Dataset;
  calendars: ReadonlyMap<string, SchoolCalendar>;
  policy: Policy;
  asOf: DayNumber;
  studentId: string;
}

/**
 * The student's values under the policy on `asOf`; undefined when the student is not in
 * the data, not in the policy's schools, or their school has no calendar.
 */
export function studentValues(input: StudentValuesInput): StudentValues | undefined {
  const { dataset, calendars, policy, asOf, studentId } = input;
  const scope = policyScope({ dataset, policy, asOf, calendars });
  const ctx = scope.contextOf(studentId);
  if (ctx === undefined) return undefined;

  const values: StudentValue[] = [];
  const byKey = new Map<string, StudentValue>();
  for (const rule of policy.rules) {
    if (!rule.enabled) continue;
    for (const { test, negated } of metricTests(rule.when, false)) {
      const key = slotKey(test.metric, test.params);
      let entry = byKey.get(key);
      if (entry === undefined) {
        const result = computeMetric(test.metric, ctx, test.params);
        entry = {
          metric: test.metric,
          params: test.params,
          value: Number.isNaN(result.value) ? null : result.value,
          window: windowFacts(result.window),
          tests: [],
        };
        if (test.metric === "activity_vs_cohort") {
          entry.ownActivity = computeMetric("activity_count", ctx, test.params).value;
        }
        byKey.set(key, entry);
        values.push(entry);
      }
      const seen = entry.tests.some(
        (t) => t.op === test.op && t.threshold === test.threshold && t.negated === negated,
      );
      if (!seen) entry.tests.push({ op: test.op, threshold: test.threshold, negated });
    }
  }

  const school = ctx.student.school;
  // The run's own check of the policy against the data, for this school alone.
  const check = checkPolicyAgainstData(
    { ...policy, schools: [school], places: undefined },
    dataset,
    calendars,
    asOf,
  );
  const out: StudentValues = {
    policyId: policy.id,
    studentId,
    school,
    asOf: formatDay(asOf),
    values,
    streams: check.streams,
  };
  const suppressed = scope.suppressed.find((s) => s.studentId === studentId);
  if (suppressed !== undefined) out.suppressed = suppressed.reason;
  return out;
}

/** The metric tests of a condition, depth first in the order written, with their negation. */
function metricTests(
  condition: Condition,
  negated: boolean,
  out: { test: MetricCondition; negated: boolean }[] = [],
): { test: MetricCondition; negated: boolean }[] {
  switch (condition.kind) {
    case "metric":
      out.push({ test: condition, negated });
      break;
    case "not":
      metricTests(condition.of, !negated, out);
      break;
    default:
      for (const c of condition.of) metricTests(c, negated, out);
  }
  return out;
}
