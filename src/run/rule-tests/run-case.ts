/**
 * Runs one rule test case through the real engine: its rows go through the DatasetBuilder
 * the adapters use, the policy is checked against that data and evaluated on every school
 * day of the test's calendar up to its last expected date (so `for: N runs` streaks build up
 * as they do when the policy runs each school morning), and what happened on each expected
 * date is compared with what the test expects.
 */
import { buildCalendars } from "../../calendar/index.ts";
import { DatasetBuilder, STATUS_CODE } from "../../data/dataset.ts";
import { type DayNumber, formatDay } from "../../data/dates.ts";
import {
  checkPolicyAgainstData,
  type Evaluation,
  emptyRuleState,
  evaluate,
  type Policy,
  type RuleState,
} from "../../rules/index.ts";
import { runDays } from "../dry-run.ts";
import { type CaseSpec, type ExpectedItem, type Outcome, schoolDays } from "./format.ts";
import type { Place, TestProblem } from "./reader.ts";

/** What happened to one student on a date (or what a test expected to). */
export interface OutcomeItem {
  student: string;
  outcome: Outcome;
  rule?: string;
  /** Pending: the runs the condition has held, and the runs it needs. */
  runs?: number;
  needed?: number;
  reason?: string;
  /** Fires: the rule is an `action: watch` rule (counted and shown, never a case). */
  watch?: true;
}

export interface DateResult {
  date: string;
  /** Where the date is written in the test file. */
  at: Place;
  passed: boolean;
  /** Expected, and did not happen. */
  missing: OutcomeItem[];
  /** Happened, and not expected. */
  unexpected: OutcomeItem[];
  /** Everything that happened on the date (empty when the run was refused). */
  outcomes: OutcomeItem[];
  /** The run of this date was refused (the policy does not fit the data): why. */
  refused?: string[];
}

export interface CaseResult {
  name: string;
  at: Place;
  passed: boolean;
  dates: DateResult[];
  /** The rules that fired on an expected date. */
  fired: string[];
}

/** The most school days a test's calendar may have. */
export const MAX_SCHOOL_DAYS = 1000;

/** A case ready to run: its school days known and every reference checked. */
export interface ResolvedCase {
  spec: CaseSpec;
  days: DayNumber[];
}

/**
 * The school days of a case, and the problems of marks past the calendar's end or expected
 * dates that are not school days.
 */
export function resolveCase(
  spec: CaseSpec,
  fallback: CaseSpec["calendar"],
  file: string,
  problems: TestProblem[],
): ResolvedCase | undefined {
  const calendar = spec.calendar ?? fallback;
  if (!calendar) return undefined;
  const problem = (at: Place, message: string, hint?: string) => {
    const p: TestProblem = { file, ...at, message };
    if (hint !== undefined) p.hint = hint;
    problems.push(p);
  };
  const lastExpected = Math.max(...spec.expect.map((e) => e.date), Number.NEGATIVE_INFINITY);
  let marks = 0;
  for (const line of [...spec.attendance, ...spec.activity]) {
    for (const m of line.marks) marks = Math.max(marks, m.index + 1);
  }
  // Without an end: enough weekdays for the longest line of marks and the last expected date.
  let days = schoolDays(calendar, Number.NaN, MAX_SCHOOL_DAYS);
  if (calendar.kind === "weekdays" && calendar.to === undefined) {
    days = schoolDays(calendar, calendar.from + 10 * 366, MAX_SCHOOL_DAYS);
    const enough = days.findIndex((d, i) => i + 1 >= marks && d >= lastExpected);
    if (enough >= 0) days = days.slice(0, enough + 1);
  }
  if (days.length === 0) {
    problem(calendar.at, "this calendar has no school days");
    return undefined;
  }
  const before = problems.length;
  const onCalendar = new Set(days);
  const last = formatDay(days[days.length - 1]);
  for (const line of [...spec.attendance, ...spec.activity]) {
    const over = line.marks.find((m) => m.index >= days.length);
    if (over) {
      problem(
        over.at,
        `this mark is for school day ${over.index + 1}, after the calendar's last school day (${last}, day ${days.length})`,
        "shorten the line, or move the calendar's to: later",
      );
    }
  }
  for (const e of spec.expect) {
    if (onCalendar.has(e.date)) continue;
    problem(
      e.at,
      e.date < days[0] || e.date > days[days.length - 1]
        ? `${formatDay(e.date)} is outside this test's calendar (${formatDay(days[0])} to ${last})`
        : `${formatDay(e.date)} is not a school day of this test's calendar`,
      "the policy runs on school days: expect outcomes on one",
    );
  }
  if (spec.expect.length === 0) problem(spec.at, `test "${spec.name}" expects nothing`);
  return problems.length === before ? { spec, days } : undefined;
}

/** Builds the test's data set as an import would, through the adapters' DatasetBuilder. */
function buildData(policy: Policy, { spec, days }: ResolvedCase) {
  const b = new DatasetBuilder();
  const schools = new Set(policy.schools.filter((s) => s !== "*"));
  for (const s of spec.students) schools.add(s.school);
  // The calendar file of the test's schools: every school has the test's school days.
  for (const school of [...schools].sort()) {
    for (const date of days) b.addCalendarDay({ school, date, instructional: true });
  }
  for (const s of spec.students) b.addStudent(s);
  const index = (id: string) => b.studentIndexOf(id) as number;
  for (const line of spec.attendance) {
    const i = index(line.student);
    for (const m of line.marks) b.addAttendance(i, days[m.index], STATUS_CODE[m.value]);
  }
  const kind = b.internKind("activity");
  for (const line of spec.activity) {
    const i = index(line.student);
    const source = b.internSource(line.source);
    for (const m of line.marks) {
      if (m.value > 0) b.addActivity(i, days[m.index], source, kind, m.value);
    }
  }
  for (const s of spec.submissions) b.addSubmission(s);
  for (const c of spec.circumstances) b.addCircumstance(c);
  return b.build().dataset;
}

/** Evaluates the case on each school day up to its last expected date, and compares. */
export function runCase(policy: Policy, resolved: ResolvedCase): CaseResult {
  const { spec, days } = resolved;
  const dataset = buildData(policy, resolved);
  const calendars = buildCalendars(dataset);
  const last = Math.max(...spec.expect.map((e) => e.date));
  const runs = days.filter((d) => d <= last).length;
  const expected = new Map(spec.expect.map((e) => [e.date, e]));
  let state: RuleState = {
    ...emptyRuleState(policy.id),
    snoozes: spec.snoozes.map((s) => ({ ...s })),
    cooldowns: spec.cooldowns.map((c) => ({ ...c })),
  };
  const dates: DateResult[] = [];
  const fired = new Set<string>();
  const rules: RuleFacts = {
    watch: new Set(policy.rules.filter((r) => r.action === "watch").map((r) => r.id)),
    needed: new Map(policy.rules.map((r) => [r.id, r.forRuns])),
  };
  for (const day of runDays(calendars, policy, last, runs)) {
    const check = checkPolicyAgainstData(policy, dataset, calendars, day);
    const expect = expected.get(day);
    if (check.errors.length > 0) {
      // A refused run evaluates nothing and leaves the rule state as it was.
      if (expect) {
        const items = expect.items.map((e) => outcomeOf(e, rules));
        dates.push({
          date: formatDay(day),
          at: expect.at,
          passed: false,
          missing: items,
          unexpected: [],
          outcomes: [],
          refused: check.errors.map((e) => e.message),
        });
      }
      continue;
    }
    const evaluation = evaluate({ dataset, policy, asOf: day, previous: state, calendars });
    state = evaluation.state;
    if (!expect) continue;
    const got = outcomes(policy, spec, evaluation, day);
    for (const g of got) if (g.outcome === "fires" && g.rule) fired.add(g.rule);
    dates.push({
      date: formatDay(day),
      at: expect.at,
      ...compare(expect.items, got, rules),
      outcomes: got,
    });
  }
  return {
    name: spec.name,
    at: spec.at,
    passed: dates.every((d) => d.passed),
    dates,
    fired: [...fired].sort(),
  };
}

/** What the policy says of its rules, to show an expected outcome as a real one is shown. */
interface RuleFacts {
  watch: ReadonlySet<string>;
  needed: ReadonlyMap<string, number>;
}

function outcomeOf(e: ExpectedItem, rules: RuleFacts): OutcomeItem {
  const o: OutcomeItem = { student: e.student, outcome: e.outcome };
  if (e.outcome === "fires" && e.rule !== undefined && rules.watch.has(e.rule)) o.watch = true;
  if (e.rule !== undefined) o.rule = e.rule;
  if (e.runs !== undefined) {
    o.runs = e.runs;
    const needed = e.rule === undefined ? undefined : rules.needed.get(e.rule);
    if (needed !== undefined) o.needed = needed;
  }
  if (e.reason !== undefined) o.reason = e.reason;
  return o;
}

/** Everything that happened on a date, student by student. */
function outcomes(
  policy: Policy,
  spec: CaseSpec,
  evaluation: Evaluation,
  day: DayNumber,
): OutcomeItem[] {
  const out: OutcomeItem[] = [];
  for (const f of evaluation.findings) {
    for (const rule of f.ruleIds) out.push({ student: f.studentId, outcome: "fires", rule });
  }
  // A watch rule's firing is counted and shown, never a case: it fires (watch).
  for (const w of evaluation.watched ?? []) {
    for (const signal of w.signals) {
      out.push({ student: w.studentId, outcome: "fires", rule: signal.ruleId, watch: true });
    }
  }
  for (const p of evaluation.pending) {
    out.push({
      student: p.studentId,
      outcome: "pending",
      rule: p.ruleId,
      runs: p.runs,
      needed: p.needed,
    });
  }
  const suppressed = new Set<string>();
  for (const s of evaluation.suppressed) {
    suppressed.add(s.studentId);
    out.push({ student: s.studentId, outcome: "suppressed", reason: s.reason });
  }
  // A rule in cool-down is not evaluated for the student: say so while it lasts.
  const all = policy.schools.includes("*");
  const enabled = new Set(policy.rules.filter((r) => r.enabled).map((r) => r.id));
  for (const c of spec.cooldowns) {
    if (c.until < day || suppressed.has(c.studentId)) continue;
    const student = spec.students.find((s) => s.id === c.studentId);
    if (!student || (!all && !policy.schools.includes(student.school))) continue;
    if (c.ruleId !== undefined && !enabled.has(c.ruleId)) continue;
    const o: OutcomeItem = { student: c.studentId, outcome: "suppressed", reason: "cooldown" };
    if (c.ruleId !== undefined) o.rule = c.ruleId;
    out.push(o);
  }
  return out.sort(byStudent);
}

const ORDER: Record<Outcome, number> = { fires: 0, pending: 1, suppressed: 2 };

function byStudent(a: OutcomeItem, b: OutcomeItem): number {
  return (
    (a.student < b.student ? -1 : a.student > b.student ? 1 : 0) ||
    ORDER[a.outcome] - ORDER[b.outcome] ||
    (a.rule ?? "").localeCompare(b.rule ?? "") ||
    (a.reason ?? "").localeCompare(b.reason ?? "")
  );
}

function matches(e: ExpectedItem, g: OutcomeItem): boolean {
  return (
    e.student === g.student &&
    e.outcome === g.outcome &&
    e.rule === g.rule &&
    e.reason === g.reason &&
    (e.runs === undefined || e.runs === g.runs)
  );
}

/** The expected outcomes against those that happened: exactly these, and nothing else. */
function compare(
  expected: readonly ExpectedItem[],
  got: readonly OutcomeItem[],
  rules: RuleFacts,
): Pick<DateResult, "passed" | "missing" | "unexpected"> {
  const used = new Set<number>();
  const missing: OutcomeItem[] = [];
  for (const e of expected) {
    const i = got.findIndex((g, k) => !used.has(k) && matches(e, g));
    if (i >= 0) used.add(i);
    else missing.push(outcomeOf(e, rules));
  }
  const unexpected = got.filter((_, k) => !used.has(k));
  return {
    passed: missing.length === 0 && unexpected.length === 0,
    missing: missing.sort(byStudent),
    unexpected,
  };
}

/** `ana fires at-risk-attendance`, `ben pending x (1 of 2 runs)`, `cara suppressed: leave`. */
export function describeOutcome(o: OutcomeItem): string {
  switch (o.outcome) {
    case "fires":
      return `${o.student} fires${o.watch ? " (watch)" : ""} ${o.rule}`;
    case "pending": {
      const runs =
        o.runs === undefined
          ? ""
          : o.needed === undefined
            ? ` (${o.runs} run${o.runs === 1 ? "" : "s"} held)`
            : ` (${o.runs} of ${o.needed} runs)`;
      return `${o.student} pending ${o.rule}${runs}`;
    }
    case "suppressed":
      return `${o.student} suppressed: ${o.reason}${o.rule === undefined ? "" : ` ${o.rule}`}`;
  }
}
