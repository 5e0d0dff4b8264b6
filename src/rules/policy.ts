/**
 * A loaded policy: what the YAML file in rules/ says, validated and normalised (durations
 * in school days, defaults filled in). The loader (loader.ts) produces it; the evaluator
 * consumes it. rules/README.md documents the file format.
 */
import type { AttendanceStatus, CIRCUMSTANCE_KINDS } from "../data/schema.ts";
import type { MetricName, MetricParams } from "../metrics/index.ts";

export const SEVERITIES = ["low", "medium", "high"] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { low: 1, medium: 2, high: 3 };

export const COMPARATORS = ["below", "at_most", "above", "at_least", "equals"] as const;
export type Comparator = (typeof COMPARATORS)[number];

export type Condition =
  | { kind: "all"; of: Condition[] }
  | { kind: "any"; of: Condition[] }
  | { kind: "not"; of: Condition }
  | {
      kind: "metric";
      metric: MetricName;
      params: MetricParams;
      op: Comparator;
      threshold: number;
    };

export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** A line and column (1-based) in the policy's own file. */
export interface Place {
  line: number;
  column: number;
}

/**
 * Where a metric test and the parameters that name values in the data are written, so a
 * check against the data (data-check.ts) can point at them.
 */
export interface TestPlace {
  at: Place;
  params: Partial<Record<"source" | "kind" | "cohort_by" | "absent_statuses", Place>>;
}

export interface Rule {
  id: string;
  name: string;
  description?: string;
  severity: Severity;
  when: Condition;
  /** Consecutive runs the condition must hold before the rule fires (1 = at once). */
  forRuns: number;
  /** School days after a case closes before this rule may open another; overrides the policy. */
  cooldownDays?: number;
  /** Message template suggested to the adviser. */
  outreach?: string;
  enabled: boolean;
  position: SourcePosition;
  /** Each metric test of `when`, depth first in the order written (absent when built in code). */
  testPlaces?: TestPlace[];
}

export interface Suppressions {
  /** Circumstance kinds whose dates suppress findings. */
  circumstances: (typeof CIRCUMSTANCE_KINDS)[number][];
  withdrawn: boolean;
  onLeave: boolean;
  /** No findings during a student's first N school days of enrolment. */
  firstDaysOfEnrolment: number;
}

export interface Escalation {
  noContactAfterDays?: number;
  unansweredAttempts?: number;
  to: string;
}

/**
 * When Reach does not send a student a message, in the policy's time zone: every day from
 * `fromMinute` to `toMinute` (minutes after midnight; the span may cross midnight), and all
 * of Saturday and Sunday when `weekends` is true.
 */
export interface QuietHours {
  fromMinute: number;
  toMinute: number;
  weekends: boolean;
}

export interface Policy {
  id: string;
  name: string;
  schools: string[];
  timezone: string;
  schedule: string;
  channel?: string;
  /** The clean-slate window: only these last school days count. */
  windowDays: number;
  /**
   * The oldest data a run accepts: school days from the last date of a stream the rules
   * use (attendance, an activity source, submissions) to the run's date.
   */
  maxDataAgeDays: number;
  absentStatuses: AttendanceStatus[];
  access: "advisees" | "school";
  suppress: Suppressions;
  cooldownDays: number;
  /** A high-severity signal hides lower ones on the card. */
  severityInhibition: boolean;
  /** When messages to students wait; null when they may go at any time (`quiet_hours: off`). */
  quietHours: QuietHours | null;
  rules: Rule[];
  escalation?: Escalation;
  file: string;
  /** Where settings that name values in the data are written (absent when built in code). */
  places?: PolicyPlaces;
}

export interface PolicyPlaces {
  /** One per entry of `schools`, in the same order. */
  schools: Place[];
  access?: Place;
  absentStatuses?: Place;
  maxDataAge?: Place;
}
