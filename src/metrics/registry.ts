/**
 * The metrics a rule may use, with the parameters each accepts. The policy loader checks
 * rule files against this table; metrics/compute.ts implements them.
 */
import type { AttendanceStatus } from "../data/schema.ts";

export const METRIC_NAMES = [
  "attendance_rate",
  "absences",
  "consecutive_absences",
  "tardies",
  "days_since_activity",
  "activity_count",
  "activity_change",
  "activity_vs_cohort",
  "missed_submissions",
  "hybrid_engagement",
  "sessions_recorded",
  "active_days",
  "assessment_score",
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export const COHORT_KEYS = ["cohort", "section", "year", "school", "programme"] as const;
export const COHORT_MEASURES = ["share_of_median", "percentile"] as const;

/** Parameters a condition may give its metric (YAML keys in snake_case). */
export interface MetricParams {
  /** A shorter window than the policy's, in school days (`window: 14 school days`). */
  windowDays?: number;
  /** One activity source (`vle`, `teams`, `clever`…); all sources when absent. */
  source?: string;
  /** One activity kind (`login`, `view`…), or one attendance status for `absences`. */
  kind?: string;
  /** Overrides the policy's absent statuses for this condition. */
  absentStatuses?: AttendanceStatus[];
  cohortBy?: (typeof COHORT_KEYS)[number];
  measure?: (typeof COHORT_MEASURES)[number];
}

export type ParamName = "window" | "source" | "kind" | "absent_statuses" | "cohort_by" | "measure";

export interface MetricSpec {
  description: string;
  /** What the value is, for evidence and documentation. */
  unit: "ratio" | "count" | "school days" | "percentile" | "mark";
  params: readonly ParamName[];
}

export const METRICS: Readonly<Record<MetricName, MetricSpec>> = {
  attendance_rate: {
    description: "share of recorded sessions attended in the window (0–1)",
    unit: "ratio",
    params: ["window", "absent_statuses"],
  },
  absences: {
    description: "absences in the window; `kind` counts one status only",
    unit: "count",
    params: ["window", "kind", "absent_statuses"],
  },
  consecutive_absences: {
    description: "school days in the current unbroken run of absent days",
    unit: "school days",
    params: ["absent_statuses"],
  },
  tardies: { description: "late arrivals in the window", unit: "count", params: ["window"] },
  days_since_activity: {
    description: "school days since the last digital activity (capped at the window)",
    unit: "school days",
    params: ["window", "source", "kind"],
  },
  activity_count: {
    description: "digital activity in the window",
    unit: "count",
    params: ["window", "source", "kind"],
  },
  activity_change: {
    description: "activity in the window ÷ activity in the preceding window of equal length",
    unit: "ratio",
    params: ["window", "source", "kind"],
  },
  activity_vs_cohort: {
    description:
      "activity in the window relative to the cohort: share of the cohort median, or percentile",
    unit: "ratio",
    params: ["window", "source", "kind", "cohort_by", "measure"],
  },
  missed_submissions: {
    description: "assessments due in the window and not submitted",
    unit: "count",
    params: ["window"],
  },
  hybrid_engagement: {
    description: "share of school days attended in person or active digitally (0–1)",
    unit: "ratio",
    params: ["window", "source", "absent_statuses"],
  },
  sessions_recorded: {
    description: "attendance sessions recorded in the window (how much data there is)",
    unit: "count",
    params: ["window"],
  },
  active_days: {
    description: "days in the window with any digital activity",
    unit: "count",
    params: ["window", "source", "kind"],
  },
  assessment_score: {
    description:
      "the lowest mark (0–100) of the assessments due in the window and handed in with a mark",
    unit: "mark",
    params: ["window"],
  },
};
