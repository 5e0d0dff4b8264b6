/**
 * A backtest: replay a policy over history and score its findings against what became of
 * the students (docs/backtest.md).
 *
 * One import and one set of calendars serve the whole replay. Students are replayed in
 * groups that share a start (OULAD: a presentation's day 0; other sources: the first
 * school day of the student's school), each group on every school day from its start to
 * its last `--at` point, carrying the rule state from day to day as the daily runs would
 * (so `for: N runs` streaks and first findings are those a deployment would have seen).
 * Each group is evaluated on a copy of its students' events up to its last point only.
 */
import { performance } from "node:perf_hooks";
import { buildCalendars, type SchoolCalendar } from "../calendar/index.ts";
import type { ImportOptions, ImportResult, Outcome } from "../data/adapters/adapter.ts";
import { ADAPTERS, type SourceName } from "../data/adapters/index.ts";
import { OULAD_ADVERSE_OUTCOMES, presentationStart } from "../data/adapters/oulad.ts";
import type { Dataset } from "../data/dataset.ts";
import { type DayNumber, formatDay, parseIsoDate } from "../data/dates.ts";
import type { DataCheck, Policy } from "../rules/index.ts";
import {
  checkPolicyAgainstData,
  DataCheckFailed,
  emptyRuleState,
  evaluate,
} from "../rules/index.ts";
import { readOutcomesFile } from "./backtest-outcomes.ts";
import { type Score, type ScoredStudent, scoreFindings } from "./backtest-score.ts";
import { subsetDataset } from "./backtest-subset.ts";

/** A point in time to score at: day N of each group's start, or a date. */
export type AtPoint =
  | { kind: "offset"; days: number; text: string }
  | { kind: "date"; day: DayNumber; text: string };

/** The most days after a start an offset may name. */
export const MAX_AT_OFFSET = 3650;

/** `28,56,2013-11-15` → points, or the problem with each part that is neither. */
export function parseAtPoints(text: string): { points: AtPoint[]; problems: string[] } {
  const points: AtPoint[] = [];
  const problems: string[] = [];
  const parts = text.split(",").map((p) => p.trim());
  parts.forEach((part, i) => {
    if (/^\d+$/.test(part) && Number(part) <= MAX_AT_OFFSET) {
      points.push({ kind: "offset", days: Number(part), text: part });
      return;
    }
    const day = parseIsoDate(part);
    if (day !== undefined) {
      points.push({ kind: "date", day, text: part });
      return;
    }
    problems.push(
      `part ${i + 1} of --at, "${part}", is neither a day offset (0 to ${MAX_AT_OFFSET}) nor a date as YYYY-MM-DD`,
    );
  });
  const seen = new Set<string>();
  for (const p of points) {
    if (seen.has(p.text)) problems.push(`--at names ${p.text} twice`);
    seen.add(p.text);
  }
  return { points, problems };
}

export interface BacktestOptions {
  policy: Policy;
  source: SourceName;
  dataDir: string;
  at: readonly AtPoint[];
  /** A CSV of outcomes (docs/backtest.md); required for a source without its own. */
  outcomesFile?: string;
  onProgress?: ImportOptions["onProgress"];
  /** Called after each evaluated day: days done and days in all. */
  onReplay?: (done: number, total: number) => void;
}

export interface RuleScore {
  ruleId: string;
  ruleName: string;
  /** `watch` rules fire without opening a case: their cases opened are those they would open. */
  action: string;
  score: Score;
}

export interface BacktestPoint {
  /** As written in `--at`. */
  at: string;
  /** The dates the point falls on (one per group, in date order). */
  dates: string[];
  policy: Score;
  rules: RuleScore[];
}

export interface BacktestResult extends ImportResult {
  policyId: string;
  check: DataCheck;
  /** Where the outcomes came from, and which of them count as adverse. */
  outcomesFrom: string;
  adverse: string[] | "every row";
  /** Students replayed (in the policy's schools, with a calendar and a start). */
  students: number;
  /** The groups replayed: their start and the days evaluated. */
  groups: { start: string; students: number; days: number }[];
  evaluations: number;
  points: BacktestPoint[];
  timings: { importMs: number; replayMs: number; totalMs: number };
}

/** A backtest refused after the import: the policy does not fit the data; nothing was replayed. */
export class BacktestRefused extends DataCheckFailed {
  constructor(
    policyId: string,
    check: DataCheck,
    readonly imported: ImportResult,
  ) {
    super(policyId, check);
  }
}

/** A backtest that cannot be scored: no outcomes, or no student to replay. */
export class BacktestImpossible extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BacktestImpossible";
  }
}

/** The day a student's offsets count from: the presentation's day 0 in OULAD, else the school's first school day. */
function startOf(
  source: SourceName,
  student: Dataset["students"][number],
  calendar: SchoolCalendar,
): DayNumber | undefined {
  if (source === "oulad" && student.cohort !== undefined) {
    const start = presentationStart(student.cohort.slice(student.cohort.lastIndexOf("-") + 1));
    if (start !== undefined) return start;
  }
  return calendar.days.length > 0 ? calendar.days[0] : undefined;
}

function resolve(point: AtPoint, start: DayNumber): DayNumber {
  return point.kind === "offset" ? start + point.days : point.day;
}

export async function backtest(options: BacktestOptions): Promise<BacktestResult> {
  const { policy, source, at } = options;
  if (at.length === 0) throw new BacktestImpossible("give at least one --at point");
  const t0 = performance.now();
  const imported = await ADAPTERS[source].import(options.dataDir, {
    onProgress: options.onProgress,
  });
  const t1 = performance.now();
  const outcomes =
    options.outcomesFile !== undefined
      ? {
          rows: await readOutcomesFile(options.outcomesFile),
          from: options.outcomesFile,
          adverse: "every row" as const,
        }
      : outcomesOfImport(imported, source);
  if (outcomes === undefined) {
    throw new BacktestImpossible(
      `the ${source} data has no outcomes of its own: give --outcomes <file> (student_id,outcome_date,outcome)`,
    );
  }
  const result = await backtestImported({
    policy,
    source,
    imported,
    at,
    outcomes,
    ...(options.onReplay !== undefined && { onReplay: options.onReplay }),
  });
  const t3 = performance.now();
  return {
    ...result,
    timings: { importMs: t1 - t0, replayMs: result.timings.replayMs, totalMs: t3 - t0 },
  };
}

/** Outcomes to score against, and where they came from. */
export interface BacktestOutcomes {
  rows: readonly Outcome[];
  from: string;
  adverse: BacktestResult["adverse"];
}

/** The adverse outcomes a source's own data records (OULAD's `final_result`), if any. */
export function outcomesOfImport(
  imported: ImportResult,
  source: SourceName,
): BacktestOutcomes | undefined {
  if (imported.outcomes === undefined) return undefined;
  const wanted = new Set<string>(OULAD_ADVERSE_OUTCOMES);
  return {
    rows: imported.outcomes.filter((o) => wanted.has(o.outcome)),
    from: `${source} data (final_result)`,
    adverse: [...OULAD_ADVERSE_OUTCOMES],
  };
}

export interface BacktestImportedOptions {
  policy: Policy;
  source: SourceName;
  imported: ImportResult;
  at: readonly AtPoint[];
  outcomes: BacktestOutcomes;
  onReplay?: (done: number, total: number) => void;
  /**
   * Called between evaluated days, so a long replay in a serving process lets other work
   * in (a preview in the bot); absent, the replay runs through.
   */
  breathe?: () => Promise<void>;
}

/** The backtest on data already imported: replay and score (no import, no outcomes file read). */
export async function backtestImported(options: BacktestImportedOptions): Promise<BacktestResult> {
  const { policy, source, at, imported } = options;
  if (at.length === 0) throw new BacktestImpossible("give at least one --at point");
  const t1 = performance.now();
  const outcomeRows = options.outcomes.rows;
  const outcomesFrom = options.outcomes.from;
  const adverse = options.outcomes.adverse;
  const outcomes = new Map(outcomeRows.map((o) => [o.studentId, o]));

  const { dataset } = imported;
  const calendars = buildCalendars(dataset);
  const allSchools = policy.schools.includes("*");
  const schools = new Set(policy.schools);

  // Group the policy's students by start.
  const groups = new Map<DayNumber, number[]>();
  const startOfStudent = new Map<number, DayNumber>();
  dataset.students.forEach((student, index) => {
    if (!allSchools && !schools.has(student.school)) return;
    const calendar = calendars.get(student.school);
    if (!calendar) return;
    const start = startOf(source, student, calendar);
    if (start === undefined) return;
    startOfStudent.set(index, start);
    const list = groups.get(start) ?? [];
    list.push(index);
    groups.set(start, list);
  });
  if (groups.size === 0) {
    throw new BacktestImpossible(
      `no student of the policy's schools (${policy.schools.join(", ")}) has a calendar to replay`,
    );
  }

  let lastOfAll = Number.NEGATIVE_INFINITY;
  for (const start of groups.keys()) {
    for (const p of at) lastOfAll = Math.max(lastOfAll, resolve(p, start));
  }
  const check = checkPolicyAgainstData(policy, dataset, calendars, lastOfAll);
  if (check.errors.length > 0) throw new BacktestRefused(policy.id, check, imported);

  // The days each group is evaluated on.
  const plan = [...groups]
    .sort(([a], [b]) => a - b)
    .map(([start, indices]) => {
      const last = Math.max(...at.map((p) => resolve(p, start)));
      const days = new Set<DayNumber>();
      const seenSchools = new Set<string>();
      for (const i of indices) {
        const school = dataset.students[i].school;
        if (seenSchools.has(school)) continue;
        seenSchools.add(school);
        for (const d of (calendars.get(school) as SchoolCalendar).days) {
          if (d >= start && d <= last) days.add(d);
        }
      }
      return { start, indices, last, days: [...days].sort((a, b) => a - b) };
    });
  const totalDays = plan.reduce((n, g) => n + g.days.length, 0);

  // Replay: the first finding of each student, for the policy and for each rule.
  const enabled = policy.rules.filter((r) => r.enabled);
  const firstCase = new Map<string, DayNumber>();
  const firstByRule = new Map<string, Map<string, DayNumber>>(
    enabled.map((r) => [r.id, new Map()]),
  );
  const note = (map: Map<string, DayNumber> | undefined, studentId: string, day: DayNumber) => {
    if (map && !map.has(studentId)) map.set(studentId, day);
  };
  let done = 0;
  for (const group of plan) {
    const part = subsetDataset(dataset, group.indices, group.last);
    let state = emptyRuleState(policy.id);
    for (const day of group.days) {
      const evaluation = evaluate({ dataset: part, policy, asOf: day, previous: state, calendars });
      state = evaluation.state;
      for (const f of evaluation.findings) {
        note(firstCase, f.studentId, day);
        for (const id of f.ruleIds) note(firstByRule.get(id), f.studentId, day);
      }
      for (const w of evaluation.watched ?? []) {
        for (const s of w.signals) note(firstByRule.get(s.ruleId), w.studentId, day);
      }
      options.onReplay?.(++done, totalDays);
      await options.breathe?.();
    }
  }
  const t2 = performance.now();

  // Score at each point.
  const points: BacktestPoint[] = at.map((point) => {
    const students: ScoredStudent[] = [];
    const dates = new Set<DayNumber>();
    for (const group of plan) {
      const pointDay = resolve(point, group.start);
      dates.add(pointDay);
      for (const index of group.indices) {
        const student = dataset.students[index];
        const calendar = calendars.get(student.school) as SchoolCalendar;
        const outcome = outcomes.get(student.id);
        const withdrawnFrom = student.statusFrom ?? Number.NEGATIVE_INFINITY;
        students.push({
          studentId: student.id,
          at: pointDay,
          outcome: outcome && { date: outcome.date, outcome: outcome.outcome },
          withdrawnBy: student.status === "withdrawn" && withdrawnFrom <= pointDay,
          schoolDaysBetween: (from, to) => calendar.countBetween(from + 1, to),
        });
      }
    }
    return {
      at: point.text,
      dates: [...dates].sort((a, b) => a - b).map(formatDay),
      policy: scoreFindings(students, firstCase),
      rules: enabled.map((r) => ({
        ruleId: r.id,
        ruleName: r.name,
        action: (r as { action?: string }).action ?? "case",
        score: scoreFindings(students, firstByRule.get(r.id) as Map<string, DayNumber>),
      })),
    };
  });
  const t3 = performance.now();

  return {
    ...imported,
    policyId: policy.id,
    check,
    outcomesFrom,
    adverse,
    students: startOfStudent.size,
    groups: plan.map((g) => ({
      start: formatDay(g.start),
      students: g.indices.length,
      days: g.days.length,
    })),
    evaluations: totalDays,
    points,
    timings: { importMs: 0, replayMs: t2 - t1, totalMs: t3 - t1 },
  };
}
