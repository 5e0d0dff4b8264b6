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

/**
 * What a rule's firing does: `case` opens a case (or adds to the student's open one);
 * `watch` is counted and shown — in a dry run, on the student's open case — but never
 * opens a case and never sets a case's severity.
 */
export const RULE_ACTIONS = ["case", "watch"] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

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
  /**
   * `case` (the default, also when absent in a rule built in code) or `watch`: evaluated and
   * counted like any rule, but its firing never opens a case nor raises a case's severity.
   */
  action?: RuleAction;
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

/**
 * When Reach's engine proposes an escalation of a confirmed case, and reminds the team of a
 * case nobody has taken (src/cases/sweep.ts). The engine only proposes; a lead decides.
 */
export interface Escalation {
  /** School days without a successful contact since confirmation (or the last one). */
  noContactAfterDays?: number;
  /** Contact attempts in a row without an answer since the last successful contact. */
  unansweredAttempts?: number;
  to: string;
  /**
   * School days a proposed case may wait to be taken before one reminder in its card's
   * thread; 3 when not written, absent when written `off`.
   */
  remindUnconfirmedAfterDays?: number;
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
  /**
   * When the weekly digest is posted for the policy's leads: a cron expression in
   * `timezone` ("0 8 * * 1", Monday 08:00, when not written); absent when `digest: off`.
   */
  digest?: string;
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
