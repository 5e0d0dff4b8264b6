/**
 * The case side of a weekly digest, pure: from the policy's case histories, its run
 * records and its dead letters, the figures the digest shows about the week (docs/digest.md
 * defines each one). Times come in as ISO instants and are counted on the policy-local date
 * they fall on (`localDate` in the policy's time zone); nothing is read, no clock is asked.
 *
 * Erased cases are counted like any other: their histories keep the events (redacted),
 * and the figures here are counts and durations only.
 */
import {
  type CaseEvent,
  type CaseEventOf,
  type CaseState,
  DISMISS_REASONS,
  foldCase,
  isOpen,
  RESOLVE_OUTCOMES,
} from "../../cases/index.ts";
import { type DayNumber, formatDay, localDate } from "../../data/dates.ts";
import type { Policy } from "../../rules/index.ts";
import type { RunStatus } from "../../store/index.ts";
import type { DayRange, Digest } from "./digest.ts";

/** A rule needs this many decided cases in the period before it can be called noisy. */
export const NOISY_MIN_DECIDED = 5;
/** …and at least this share of them dismissed. */
export const NOISY_DISMISSAL_RATE = 0.5;
/** Failed runs listed in a digest, at most. */
export const MAX_FAILURES = 5;
/** A failed run's errors, joined, are clipped to this many characters. */
export const MAX_ERROR_LENGTH = 200;

const MS_PER_DAY = 86_400_000;

/** The spans a digest made on `date` covers. */
export interface DigestWeeks {
  /** date-6 … date: the last seven days, the day it is made on included. */
  week: DayRange;
  /** date-13 … date-7. */
  previousWeek: DayRange;
  /** date-27 … date: the rules' dismissal rates. */
  rulePeriod: DayRange;
}

export function digestWeeks(date: DayNumber): DigestWeeks {
  const range = (from: number, to: number): DayRange => ({
    from: formatDay(date - from),
    to: formatDay(date - to),
  });
  return { week: range(6, 0), previousWeek: range(13, 7), rulePeriod: range(27, 0) };
}

/** What a digest needs of a run record. */
export interface DigestRun {
  asOf: string;
  status: RunStatus;
  counts: Readonly<Record<string, number>>;
  errors: readonly string[];
  /** Tells apart two runs of the same date (the later one counts as the last). */
  startedAt?: string;
}

export interface CaseWeekInput {
  policy: Pick<Policy, "timezone" | "rules">;
  /** The policy-local date the digest is made on. */
  date: DayNumber;
  /** Every case of the policy: each one's events (a stored case's history). */
  cases: readonly (readonly CaseEvent[])[];
  /** The policy's run records (any order). */
  runs: readonly DigestRun[];
  /** The policy's dead-lettered outbox entries: when each was created (ISO). */
  deadLetters: readonly { createdAt: string }[];
}

export type CaseWeek = Pick<
  Digest,
  | "week"
  | "previousWeek"
  | "cases"
  | "firstContact"
  | "rulePeriod"
  | "rules"
  | "escalationsAwaiting"
  | "runs"
  | "deadLetters"
  | "watch"
>;

type Counted = { opened: number; confirmed: number; dismissed: number; resolved: number };

const within = (day: string, range: DayRange) => day >= range.from && day <= range.to;

export function summariseCaseWeek(input: CaseWeekInput): CaseWeek {
  const { policy, date } = input;
  const { week, previousWeek, rulePeriod } = digestWeeks(date);
  const dayOf = (at: string) => localDate(at, policy.timezone);

  const counted: Counted = { opened: 0, confirmed: 0, dismissed: 0, resolved: 0 };
  const previous: Counted = { opened: 0, confirmed: 0, dismissed: 0, resolved: 0 };
  const reasons = new Map<string, number>();
  const outcomes = new Map<string, number>();
  const firstContactDays: number[] = [];
  const decided = new Map<string, { decided: number; dismissed: number }>();
  let openNow = 0;
  let escalationsAwaiting = 0;

  for (const events of input.cases) {
    const opened = events[0];
    if (opened === undefined || opened.type !== "opened") continue;
    let firstContact: CaseEvent | undefined;
    // The last decision (confirmed or dismissed) of the case in the rule period.
    let decision: "confirmed" | "dismissed" | undefined;
    let endOfWeek = 0;
    for (const event of events) {
      const day = dayOf(event.at);
      if (day <= week.to) endOfWeek++;
      const bucket = within(day, week) ? counted : within(day, previousWeek) ? previous : undefined;
      switch (event.type) {
        case "opened":
        case "confirmed":
        case "dismissed":
        case "resolved":
          if (bucket !== undefined) bucket[event.type]++;
          break;
        case "contact_attempted":
          firstContact ??= event;
          break;
      }
      if (bucket === counted && event.type === "dismissed") add(reasons, event.reason);
      if (bucket === counted && event.type === "resolved") add(outcomes, event.outcome);
      if ((event.type === "confirmed" || event.type === "dismissed") && within(day, rulePeriod)) {
        decision = event.type;
      }
    }
    if (firstContact !== undefined && within(dayOf(firstContact.at), week)) {
      firstContactDays.push((Date.parse(firstContact.at) - Date.parse(opened.at)) / MS_PER_DAY);
    }
    if (decision !== undefined) {
      for (const ruleId of openingRules(opened)) {
        const row = decided.get(ruleId) ?? { decided: 0, dismissed: 0 };
        row.decided++;
        if (decision === "dismissed") row.dismissed++;
        decided.set(ruleId, row);
      }
    }
    const state: CaseState | undefined = foldCase(events.slice(0, endOfWeek));
    if (state !== undefined && isOpen(state)) {
      openNow++;
      if (state.escalation?.status === "pending") escalationsAwaiting++;
    }
  }

  const median = medianOf(firstContactDays);
  return {
    week,
    previousWeek,
    cases: {
      ...counted,
      previous,
      dismissedByReason: DISMISS_REASONS.filter((r) => reasons.has(r)).map((reason) => ({
        reason,
        count: reasons.get(reason) as number,
      })),
      resolvedByOutcome: RESOLVE_OUTCOMES.filter((o) => outcomes.has(o)).map((outcome) => ({
        outcome,
        count: outcomes.get(outcome) as number,
      })),
      openNow,
    },
    firstContact: {
      cases: firstContactDays.length,
      medianDays: median === null ? null : Math.round(median * 10) / 10,
    },
    rulePeriod,
    rules: policy.rules
      .filter((r) => r.action !== "watch" && (r.enabled || decided.has(r.id)))
      .map((rule) => {
        const row = decided.get(rule.id) ?? { decided: 0, dismissed: 0 };
        const dismissalRate = row.decided === 0 ? null : row.dismissed / row.decided;
        return {
          ruleId: rule.id,
          name: rule.name,
          decided: row.decided,
          dismissed: row.dismissed,
          dismissalRate,
          noisy:
            row.decided >= NOISY_MIN_DECIDED &&
            dismissalRate !== null &&
            dismissalRate >= NOISY_DISMISSAL_RATE,
        };
      }),
    escalationsAwaiting,
    runs: runsOf(input.runs, week),
    deadLetters: {
      week: input.deadLetters.filter((d) => within(dayOf(d.createdAt), week)).length,
      total: input.deadLetters.length,
    },
    watch: watchOf(input, week, previousWeek),
  };
}

function add(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** The rules that opened the case: its signals, shown or inhibited, but not watch rules'. */
function openingRules(opened: CaseEventOf<"opened">): Set<string> {
  return new Set(
    [...opened.signals, ...opened.inhibited].filter((s) => s.watch !== true).map((s) => s.ruleId),
  );
}

/** The median, or null of nothing. */
export function medianOf(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function runsOf(runs: readonly DigestRun[], week: DayRange): Digest["runs"] {
  const inWeek = runs.filter((r) => within(r.asOf, week));
  const failed = inWeek
    .filter((r) => r.status === "failed")
    .sort((a, b) => compareRuns(b, a))
    .slice(0, MAX_FAILURES);
  return {
    succeeded: inWeek.filter((r) => r.status === "succeeded").length,
    failed: inWeek.filter((r) => r.status === "failed").length,
    skipped: inWeek.filter((r) => r.status === "skipped").length,
    failures: failed.map((r) => ({ asOf: r.asOf, error: clip(r.errors.join("; ")) })),
  };
}

/** By date, then by start time. */
function compareRuns(a: DigestRun, b: DigestRun): number {
  if (a.asOf !== b.asOf) return a.asOf < b.asOf ? -1 : 1;
  const x = a.startedAt ?? "";
  const y = b.startedAt ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
}

function clip(text: string): string {
  return text.length <= MAX_ERROR_LENGTH ? text : `${text.slice(0, MAX_ERROR_LENGTH - 1)}…`;
}

function watchOf(input: CaseWeekInput, week: DayRange, previousWeek: DayRange): Digest["watch"] {
  const lastRun = (range: DayRange) =>
    input.runs
      .filter((r) => r.status === "succeeded" && within(r.asOf, range))
      .sort(compareRuns)
      .at(-1);
  const last = lastRun(week);
  const before = lastRun(previousWeek);
  const rows: Digest["watch"] = [];
  for (const rule of input.policy.rules) {
    if (rule.action !== "watch") continue;
    const key = `watched:${rule.id}`;
    const row = {
      ruleId: rule.id,
      name: rule.name,
      week: last?.counts[key] ?? null,
      previous: before?.counts[key] ?? null,
    };
    // A disabled watch rule is shown only while a run of the two weeks still counted it.
    if (rule.enabled || row.week !== null || row.previous !== null) rows.push(row);
  }
  return rows;
}
