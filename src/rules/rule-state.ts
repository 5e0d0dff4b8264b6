/**
 * What the evaluator remembers between runs of one policy: how many consecutive runs
 * each (student, rule) condition has held (for `for: N runs`), cool-downs after a case
 * closed, and snoozes set by advisers. It is plain data, saved by the store and passed
 * back in on the next run, so evaluation stays a pure function.
 */
import type { DayNumber } from "../data/dates.ts";

export interface HoldingEntry {
  studentId: string;
  ruleId: string;
  /** Consecutive runs (distinct evaluation dates) on which the condition held. */
  runs: number;
  /** `runs` before `lastDay`'s run: a re-run of the same date starts from here. */
  runsBefore: number;
  /** The first date of the current streak. */
  since: DayNumber;
  lastDay: DayNumber;
}

export interface Cooldown {
  studentId: string;
  /** One rule, or every rule of the policy when absent. */
  ruleId?: string;
  /** Last day of the cool-down (inclusive). */
  until: DayNumber;
}

export interface Snooze {
  studentId: string;
  until: DayNumber;
}

export interface RuleState {
  policyId: string;
  holding: HoldingEntry[];
  cooldowns: Cooldown[];
  snoozes: Snooze[];
}

export function emptyRuleState(policyId: string): RuleState {
  return { policyId, holding: [], cooldowns: [], snoozes: [] };
}

export function byStudentThenRule(a: HoldingEntry, b: HoldingEntry): number {
  return a.studentId < b.studentId
    ? -1
    : a.studentId > b.studentId
      ? 1
      : a.ruleId < b.ruleId
        ? -1
        : a.ruleId > b.ruleId
          ? 1
          : 0;
}
