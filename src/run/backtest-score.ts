/**
 * Scoring a backtest: the findings of a replayed policy against what became of the
 * students. Pure: every input is given, nothing is read.
 *
 * At one point in time (`--at`), for the policy as a whole or for one rule:
 * - **scored** students are those of the replay who had not withdrawn, and whose outcome
 *   had not already happened, by their point: an alert then could change nothing;
 * - **flagged**: scored students with a finding on or before their point;
 * - **precision** = flagged students with an outcome ÷ flagged students;
 * - **recall** = flagged students with an outcome ÷ scored students with an outcome;
 * - **lead time**: for each flagged student with an outcome, the school days after the
 *   first finding up to the outcome's date; the median is reported;
 * - **cases opened**: every student of the replay (scored or not) with a finding on or
 *   before their point, since each would have had a case opened (one per student and
 *   policy; a backtest assumes no case was closed).
 */
import type { DayNumber } from "../data/dates.ts";

export interface ScoredStudent {
  studentId: string;
  /** The student's point in time (their `--at` date). */
  at: DayNumber;
  /** The adverse outcome and its date, when there was one. */
  outcome?: { date: DayNumber; outcome: string };
  /** Withdrawn on or before `at` (by the data's status): not scored. */
  withdrawnBy: boolean;
  /** School days after `from` up to and including `to`, on the student's calendar. */
  schoolDaysBetween(from: DayNumber, to: DayNumber): number;
}

export interface Score {
  /** Students scored (neither withdrawn nor already with their outcome at the point). */
  scored: number;
  /** Scored students with an adverse outcome after the point. */
  positives: number;
  flagged: number;
  truePositives: number;
  /** null when nobody was flagged. */
  precision: number | null;
  /** null when no scored student had an outcome. */
  recall: number | null;
  /** Median school days from the first finding to the outcome, over the true positives. */
  medianLeadDays: number | null;
  /** The same by outcome label (`Withdrawn`, `Fail`). */
  medianLeadDaysByOutcome: Record<string, number>;
  casesOpened: number;
  /** Not scored: withdrawn by the point, or their outcome already happened by then. */
  excluded: { withdrawn: number; outcomeBefore: number };
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Scores the first finding of each student (`first`: student id → the day of their first
 * finding, of the policy or of one rule) at each student's point.
 */
export function scoreFindings(
  students: readonly ScoredStudent[],
  first: ReadonlyMap<string, DayNumber>,
): Score {
  let scored = 0;
  let positives = 0;
  let flagged = 0;
  let truePositives = 0;
  let casesOpened = 0;
  let withdrawn = 0;
  let outcomeBefore = 0;
  const leads: number[] = [];
  const leadsBy = new Map<string, number[]>();
  for (const s of students) {
    const found = first.get(s.studentId);
    const flaggedBy = found !== undefined && found <= s.at;
    if (flaggedBy) casesOpened++;
    if (s.withdrawnBy) {
      withdrawn++;
      continue;
    }
    if (s.outcome && s.outcome.date <= s.at) {
      outcomeBefore++;
      continue;
    }
    scored++;
    if (s.outcome) positives++;
    if (!flaggedBy) continue;
    flagged++;
    if (!s.outcome) continue;
    truePositives++;
    const lead = s.schoolDaysBetween(found as DayNumber, s.outcome.date);
    leads.push(lead);
    const list = leadsBy.get(s.outcome.outcome) ?? [];
    list.push(lead);
    leadsBy.set(s.outcome.outcome, list);
  }
  const medianLeadDaysByOutcome: Record<string, number> = {};
  for (const [outcome, list] of [...leadsBy].sort(([a], [b]) => (a < b ? -1 : 1))) {
    medianLeadDaysByOutcome[outcome] = median(list) as number;
  }
  return {
    scored,
    positives,
    flagged,
    truePositives,
    precision: flagged === 0 ? null : truePositives / flagged,
    recall: positives === 0 ? null : truePositives / positives,
    medianLeadDays: median(leads),
    medianLeadDaysByOutcome,
    casesOpened,
    excluded: { withdrawn, outcomeBefore },
  };
}
