/**
 * "Did the help help?" for the weekly digest: for the cases of a policy with a successful
 * contact, how the metric that opened the case moved over the following school days,
 * against comparable cases of the same rule not yet contacted. Pure: the cases, the data
 * and the date come in; no clock, no I/O.
 *
 * - A case's rule is the rule of the first signal of its opening event that is not a
 *   watch signal; its metric is that rule's first metric test (depth first, as written),
 *   computed with the same parameters, for the same student, as the evaluator would on a
 *   given date.
 * - **Contacted**: the case's first `contact_attempted` with outcome `reached`, on day c
 *   (the policy-local date of the event). Change = the value on the `schoolDaysAfter`-th
 *   school day after c (in the student's school's calendar) minus the value on c.
 * - **Not yet contacted**: a case confirmed on day d (its first confirmation) with no
 *   successful contact up to and including the `schoolDaysAfter`-th school day after d.
 *   Change = the value on that day minus the value on d.
 * - A change counts only when its later day is on or before `asOf` and both values are
 *   known. Erased cases, and cases whose student is no longer in the data, are left out.
 * - The median of each group is shown from {@link MIN_CASES} cases; the count always.
 *
 * Each value reads one student's own events only, so the cost is linear in the cases'
 * students' events, not in the whole data set per case. A cohort metric
 * (`activity_vs_cohort`) needs the cohort on the date it is computed: the policy's scope
 * on that date is built once per date, and only when such a metric is asked for.
 */
import type { SchoolCalendar } from "../../calendar/index.ts";
import { type CaseEvent, localDay } from "../../cases/index.ts";
import type { Dataset } from "../../data/dataset.ts";
import type { DayNumber } from "../../data/dates.ts";
import type { Circumstance, Submission } from "../../data/schema.ts";
import {
  absentMaskOf,
  CohortStats,
  computeMetric,
  METRICS,
  type MetricName,
  type MetricParams,
  type StudentContext,
} from "../../metrics/index.ts";
import { type Policy, policyScope } from "../../rules/index.ts";

export interface HelpOutcomeRow {
  ruleId: string;
  ruleName: string;
  /** The rule's first metric test, in plain words ("attendance rate"). */
  metric: string;
  /** How to show a change: a share in percentage points, days, a count, or a score. */
  unit: "share" | "days" | "count" | "score";
  /** Median change; null when fewer than {@link MIN_CASES} cases. */
  contacted: { cases: number; medianChange: number | null };
  notYetContacted: { cases: number; medianChange: number | null };
}

export interface HelpOutcomes {
  schoolDaysAfter: number;
  /** One per case rule with at least one case counted in either group, in the policy's order. */
  rows: HelpOutcomeRow[];
}

export interface HelpOutcomesInput {
  /** Each case's events, as stored (the policy's cases; others are passed over). */
  cases: readonly (readonly CaseEvent[])[];
  dataset: Dataset;
  calendars: ReadonlyMap<string, SchoolCalendar>;
  policy: Policy;
  /** The last day a later value may be taken on. */
  asOf: DayNumber;
  /** School days after the contact (or confirmation) the change is measured over; 10 by default. */
  schoolDaysAfter?: number;
}

export const DEFAULT_SCHOOL_DAYS_AFTER = 10;
/** Fewer cases than this in a group: the median is not shown. */
export const MIN_CASES = 5;

type Condition = Policy["rules"][number]["when"];
type MetricTest = Extract<Condition, { kind: "metric" }>;

/** What a value needs of one student, whatever the date. */
interface StudentBase {
  index: number;
  student: Dataset["students"][number];
  calendar: SchoolCalendar;
  absencesOnly: boolean;
  excluded: ReadonlyArray<readonly [DayNumber, DayNumber]>;
  submissions: readonly Submission[];
}

export function helpOutcomes(input: HelpOutcomesInput): HelpOutcomes {
  const { dataset, calendars, policy, asOf } = input;
  const after = input.schoolDaysAfter ?? DEFAULT_SCHOOL_DAYS_AFTER;
  if (!Number.isInteger(after) || after < 1) {
    throw new Error(`schoolDaysAfter must be a whole number of school days from 1, got ${after}`);
  }

  const caseRules = policy.rules.filter((r) => r.action !== "watch");
  const testOf = new Map<string, MetricTest>();
  for (const rule of caseRules) {
    const test = firstMetricTest(rule.when);
    if (test !== undefined && !testOf.has(rule.id)) testOf.set(rule.id, test);
  }

  // What each case is about, from its own events.
  interface Reading {
    ruleId: string;
    studentId: string;
    reached?: DayNumber;
    confirmed?: DayNumber;
  }
  const readings: Reading[] = [];
  for (const events of input.cases) {
    const reading = readCase(events, policy, testOf);
    if (reading !== undefined) readings.push(reading);
  }

  const bases = studentBases(dataset, calendars, policy, new Set(readings.map((r) => r.studentId)));
  const absentMask = absentMaskOf(policy.absentStatuses);
  const cohortsOn = new Map<DayNumber, CohortStats>();
  const cohorts = (day: DayNumber): CohortStats => {
    let stats = cohortsOn.get(day);
    if (stats === undefined) {
      let members: StudentContext[] | undefined;
      stats = new CohortStats(() => {
        members ??= policyScope({ dataset, policy, asOf: day, calendars }).contexts;
        return members;
      });
      cohortsOn.set(day, stats);
    }
    return stats;
  };
  const valueOn = (base: StudentBase, test: MetricTest, day: DayNumber): number => {
    const ctx: StudentContext = {
      dataset,
      index: base.index,
      student: base.student,
      calendar: base.calendar,
      asOf: day,
      policyWindow: policy.windowDays,
      absentMask,
      absencesOnly: base.absencesOnly,
      excluded: base.excluded,
      submissions: base.submissions,
      cohorts: test.metric === "activity_vs_cohort" ? cohorts(day) : NO_COHORTS,
    };
    return computeMetric(test.metric, ctx, test.params).value;
  };
  /** The change from `from` to the `after`-th school day after it, when it can be known by `asOf`. */
  const change = (base: StudentBase, test: MetricTest, from: DayNumber) => {
    const later = schoolDayAfter(base.calendar, from, after);
    if (later === undefined || later > asOf) return undefined;
    const before = valueOn(base, test, from);
    const now = valueOn(base, test, later);
    if (!Number.isFinite(before) || !Number.isFinite(now)) return undefined;
    return { later, change: now - before };
  };

  const contacted = new Map<string, number[]>();
  const notYet = new Map<string, number[]>();
  for (const r of readings) {
    const base = bases.get(r.studentId);
    const test = testOf.get(r.ruleId);
    if (base === undefined || test === undefined) continue;
    if (r.reached !== undefined) {
      const c = change(base, test, r.reached);
      if (c !== undefined) push(contacted, r.ruleId, c.change);
    }
    if (r.confirmed !== undefined) {
      const later = schoolDayAfter(base.calendar, r.confirmed, after);
      if (later !== undefined && (r.reached === undefined || r.reached > later)) {
        const c = change(base, test, r.confirmed);
        if (c !== undefined) push(notYet, r.ruleId, c.change);
      }
    }
  }

  const rows: HelpOutcomeRow[] = [];
  const seen = new Set<string>();
  for (const rule of caseRules) {
    const test = testOf.get(rule.id);
    if (test === undefined || seen.has(rule.id)) continue;
    seen.add(rule.id);
    const a = contacted.get(rule.id) ?? [];
    const b = notYet.get(rule.id) ?? [];
    if (a.length === 0 && b.length === 0) continue;
    rows.push({
      ruleId: rule.id,
      ruleName: rule.name,
      metric: metricWords(test.metric, test.params),
      unit: unitOf(test.metric, test.params),
      contacted: group(a),
      notYetContacted: group(b),
    });
  }
  return { schoolDaysAfter: after, rows };
}

/** The case's rule, student and days of first successful contact and first confirmation. */
function readCase(
  events: readonly CaseEvent[],
  policy: Policy,
  testOf: ReadonlyMap<string, MetricTest>,
): { ruleId: string; studentId: string; reached?: DayNumber; confirmed?: DayNumber } | undefined {
  const opened = events[0];
  if (opened === undefined || opened.type !== "opened" || opened.policyId !== policy.id) {
    return undefined;
  }
  const signal = opened.signals.find((s) => s.watch !== true);
  if (signal === undefined || !testOf.has(signal.ruleId)) return undefined;
  let reached: DayNumber | undefined;
  let confirmed: DayNumber | undefined;
  for (const event of events) {
    if (event.type === "erased") return undefined;
    if (event.type === "confirmed" && confirmed === undefined) {
      confirmed = localDay(event.at, policy.timezone);
    } else if (
      event.type === "contact_attempted" &&
      event.outcome === "reached" &&
      reached === undefined
    ) {
      reached = localDay(event.at, policy.timezone);
    }
  }
  return { ruleId: signal.ruleId, studentId: opened.studentId, reached, confirmed };
}

/**
 * What the evaluator's context holds of each student asked for (as `policyScope` builds
 * it), from one pass over the circumstances and submissions. Students not in the data,
 * not in the policy's schools or without a calendar are left out.
 */
function studentBases(
  dataset: Dataset,
  calendars: ReadonlyMap<string, SchoolCalendar>,
  policy: Policy,
  studentIds: ReadonlySet<string>,
): Map<string, StudentBase> {
  const schools = new Set(policy.schools);
  const allSchools = schools.has("*");
  const suppressKinds = new Set<string>(policy.suppress.circumstances);
  const circumstances = new Map<string, Circumstance[]>();
  for (const c of dataset.circumstances) {
    if (studentIds.has(c.studentId) && suppressKinds.has(c.kind)) {
      push(circumstances, c.studentId, c);
    }
  }
  const submissions = new Map<string, Submission[]>();
  for (const s of dataset.submissions) {
    if (studentIds.has(s.studentId)) push(submissions, s.studentId, s);
  }
  const bases = new Map<string, StudentBase>();
  for (const id of studentIds) {
    const index = dataset.studentIndex.get(id);
    if (index === undefined) continue;
    const student = dataset.students[index];
    if (!allSchools && !schools.has(student.school)) continue;
    const calendar = calendars.get(student.school);
    if (calendar === undefined) continue;
    bases.set(id, {
      index,
      student,
      calendar,
      absencesOnly: dataset.schools.get(student.school)?.attendanceRecording === "absences_only",
      excluded: (circumstances.get(id) ?? []).map((c) => [c.from, c.to] as const),
      submissions: submissions.get(id) ?? [],
    });
  }
  return bases;
}

/** Only `activity_vs_cohort` reads the cohorts; every other metric gets this empty one. */
const NO_COHORTS = new CohortStats(() => []);

/** The `n`-th school day after `day` (day itself not counted); undefined past the calendar. */
function schoolDayAfter(
  calendar: SchoolCalendar,
  day: DayNumber,
  n: number,
): DayNumber | undefined {
  const i = calendar.indexAtOrBefore(day) + n;
  return i < calendar.days.length ? calendar.days[i] : undefined;
}

function firstMetricTest(condition: Condition): MetricTest | undefined {
  switch (condition.kind) {
    case "metric":
      return condition;
    case "not":
      return firstMetricTest(condition.of);
    default:
      for (const c of condition.of) {
        const found = firstMetricTest(c);
        if (found !== undefined) return found;
      }
      return undefined;
  }
}

function group(changes: readonly number[]): { cases: number; medianChange: number | null } {
  return {
    cases: changes.length,
    medianChange: changes.length < MIN_CASES ? null : round(median(changes)),
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** To 4 decimals: a hundredth of a percentage point for a share. */
function round(value: number): number {
  return Math.round(value * 10_000) / 10_000 + 0;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

// ---------------------------------------------------------------------------------------
// The metric in words, for the engagement leads

/** How a change of the metric is shown. */
export function unitOf(metric: MetricName, params: MetricParams): HelpOutcomeRow["unit"] {
  if (metric === "active_days") return "days";
  if (metric === "activity_vs_cohort") return params.measure === "percentile" ? "score" : "share";
  switch (METRICS[metric].unit) {
    case "ratio":
      return "share";
    case "school days":
      return "days";
    case "count":
      return "count";
    case "percentile":
    case "mark":
      return "score";
  }
}

const COHORT_WORDS: Readonly<Record<string, string>> = {
  cohort: "the cohort",
  section: "the class",
  year: "the year group",
  school: "the school",
  programme: "the programme",
};

/** "online", "on the learning platform", "in Microsoft Teams (logins)". */
function where(p: MetricParams): string {
  const source = p.source?.toLowerCase();
  const place =
    source === undefined
      ? "online"
      : source === "vle"
        ? "on the learning platform"
        : source === "teams"
          ? "in Microsoft Teams"
          : `in ${p.source}`;
  return p.kind === undefined ? place : `${place} (${words(p.kind)})`;
}

function words(id: string): string {
  return id.replace(/[_-]+/g, " ");
}

/** The metric as the leads read it: "attendance rate", "school days since last active online". */
export function metricWords(metric: MetricName, params: MetricParams): string {
  switch (metric) {
    case "attendance_rate":
      return "attendance rate";
    case "absences":
      return params.kind === undefined
        ? "sessions missed"
        : `sessions marked ${words(params.kind)}`;
    case "consecutive_absences":
      return "days absent in a row";
    case "tardies":
      return "late arrivals";
    case "days_since_activity":
      return `school days since last active ${where(params)}`;
    case "activity_count":
      return `activity ${where(params)}`;
    case "activity_change":
      return `activity ${where(params)} against the weeks before`;
    case "activity_vs_cohort": {
      const cohort = COHORT_WORDS[params.cohortBy ?? "cohort"];
      return params.measure === "percentile"
        ? `activity ${where(params)}, percentile in ${cohort}`
        : `activity ${where(params)} against ${cohort}'s median`;
    }
    case "missed_submissions":
      return "assignments not handed in";
    case "hybrid_engagement":
      return "days attended or active online";
    case "sessions_recorded":
      return "attendance sessions recorded";
    case "active_days":
      return `days active ${where(params)}`;
    case "assessment_score":
      return "lowest mark on recent assessments";
  }
}
