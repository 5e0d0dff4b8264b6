/**
 * What a metric needs to know about one student on one evaluation date. Built by the
 * evaluator; metric functions read it and never look at a clock or any global state.
 */
import type { SchoolCalendar, Window } from "../calendar/index.ts";
import type { Dataset } from "../data/dataset.ts";
import { type DayNumber, formatDay } from "../data/dates.ts";
import type { Student, Submission } from "../data/schema.ts";
import type { CohortStats } from "./cohort.ts";

export interface StudentContext {
  readonly dataset: Dataset;
  /** The student's index in `dataset.students`. */
  readonly index: number;
  readonly student: Student;
  readonly calendar: SchoolCalendar;
  readonly asOf: DayNumber;
  /** The policy's clean-slate window, in school days. */
  readonly policyWindow: number;
  /** Bit i set when ATTENDANCE_STATUSES[i] counts as absent under the policy. */
  readonly absentMask: number;
  /** The school records absences only: a school day without a record is a present day. */
  readonly absencesOnly: boolean;
  /** Days covered by approved circumstances: they count neither for nor against. */
  readonly excluded: ReadonlyArray<readonly [DayNumber, DayNumber]>;
  readonly submissions: readonly Submission[];
  readonly cohorts: CohortStats;
}

export interface MetricResult {
  /** NaN when the data cannot say (no sessions recorded, nothing to compare with). */
  value: number;
  /**
   * One sentence a person reads on the case card; empty unless asked for (most values
   * never reach a card, and a nightly run computes millions of them).
   */
  evidence: string;
  window: Window;
}

export interface WindowFacts {
  from: string;
  to: string;
  schoolDays: number;
}

export function isExcluded(ctx: StudentContext, day: DayNumber): boolean {
  for (const [from, to] of ctx.excluded) if (day >= from && day <= to) return true;
  return false;
}

/** The first day that may count for this student: enrolment start, if later than `from`. */
export function countsFrom(ctx: StudentContext, from: DayNumber): DayNumber {
  const enrolled = ctx.student.enrolledFrom;
  return enrolled !== undefined && enrolled > from ? enrolled : from;
}

export function metricWindow(ctx: StudentContext, days: number | undefined): Window {
  return ctx.calendar.window(ctx.asOf, Math.min(days ?? ctx.policyWindow, ctx.policyWindow));
}

export function windowFacts(window: Window): WindowFacts {
  return { from: formatDay(window.from), to: formatDay(window.to), schoolDays: window.size };
}

export function between(window: Window): string {
  return window.size === 0
    ? "(no school days yet)"
    : `between ${formatDay(window.from)} and ${formatDay(window.to)}`;
}

/** 0.82 → "82%", 0.8996 → "89.9%": rounded down, so a rate below a threshold never reads as equal to it. */
export function percent(ratio: number): string {
  const tenths = Math.floor(ratio * 1000 + 1e-9) / 10;
  return `${Number.isInteger(tenths) ? tenths.toFixed(0) : tenths.toFixed(1)}%`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
