/**
 * The evaluator: a pure function of (data set, policy, evaluation date, previous rule
 * state) that returns the findings — one per student, grouping every rule that fired —
 * and the next rule state. No clock, no I/O: the same inputs give the same output, byte
 * for byte, whatever the order of the input rows.
 *
 * Semantics (rules/README.md):
 * - a rule's condition must hold on `for` consecutive runs before it fires (pending → firing);
 * - a metric that cannot be computed (no data) is "unknown": a condition that depends on
 *   it is not met, and `not` of unknown is unknown — thin data never opens a case;
 * - suppressed students (withdrawn, on leave, under an approved circumstance, in their
 *   first N school days, snoozed) get no finding and their streaks restart;
 * - days covered by an approved circumstance count neither for nor against a student;
 * - a rule in cool-down for a student is not evaluated for them;
 * - with severity inhibition, signals below the highest fired severity are kept apart
 *   (`inhibited`) so the card shows the serious one;
 * - a rule with `action: watch` goes through all of the above like any other (`for`,
 *   cool-downs, snoozes), but its firing is a *watched* signal: listed apart from the
 *   findings (`watched`), it never makes a finding, never sets a finding's severity and
 *   never takes part in severity inhibition.
 */
import { buildCalendars, type SchoolCalendar } from "../calendar/index.ts";
import type { Dataset } from "../data/dataset.ts";
import { type DayNumber, formatDay } from "../data/dates.ts";
import type { Circumstance, Submission } from "../data/schema.ts";
import type { MetricName, MetricParams } from "../metrics/index.ts";
import {
  absentMaskOf,
  CohortStats,
  computeMetric,
  type MetricResult,
  type StudentContext,
  type WindowFacts,
  windowFacts,
} from "../metrics/index.ts";
import type { Comparator, Condition, Policy, Rule, Severity } from "./policy.ts";
import { SEVERITY_RANK } from "./policy.ts";
import { byStudentThenRule, type HoldingEntry, type RuleState } from "./rule-state.ts";

export interface ConditionEvidence {
  metric: MetricName;
  params: MetricParams;
  op: Comparator;
  threshold: number;
  /** null when the data cannot say. */
  value: number | null;
  met: boolean | null;
  evidence: string;
  window: WindowFacts;
}

export interface Signal {
  ruleId: string;
  ruleName: string;
  severity: Severity;
  /** Every metric test of the rule, in the order written, with its value and evidence. */
  conditions: ConditionEvidence[];
  /** Consecutive runs the condition has held, and since when. */
  runs: number;
  since: string;
  outreach?: string;
  /** Set (true) on the signal of an `action: watch` rule: shown and counted, never a case. */
  watch?: true;
}

export interface Finding {
  studentId: string;
  policyId: string;
  asOf: string;
  severity: Severity;
  /** Every rule that fired, most severe first. */
  ruleIds: string[];
  /** The signals shown on the card. */
  signals: Signal[];
  /** Signals hidden by severity inhibition (still recorded). */
  inhibited: Signal[];
}

/** A student for whom watch rules fired: counted and shown, never a case. */
export interface Watched {
  studentId: string;
  policyId: string;
  asOf: string;
  /** Every watch rule that fired, in the order of the policy, each with `watch: true`. */
  signals: Signal[];
}

export type SuppressionReason =
  | "withdrawn"
  | "on_leave"
  | "extenuating_circumstances"
  | "leave"
  | "placement"
  | "new_enrolment"
  | "enrolment_ended"
  | "snoozed";

export interface Evaluation {
  policyId: string;
  asOf: string;
  /** One per student for whom a case rule fired; a watch rule never makes a finding. */
  findings: Finding[];
  /**
   * Students for whom an `action: watch` rule fired, by student id, whether or not they also
   * have a finding. Empty when the policy has no watch rule.
   */
  watched: Watched[];
  pending: { studentId: string; ruleId: string; runs: number; needed: number }[];
  suppressed: { studentId: string; reason: SuppressionReason }[];
  counts: {
    studentsInScope: number;
    studentsEvaluated: number;
    suppressed: Partial<Record<SuppressionReason, number>>;
    pending: number;
    findings: number;
    /** Students with a finding, per case rule. */
    byRule: Record<string, number>;
    bySeverity: Partial<Record<Severity, number>>;
    /** Students for whom a watch rule fired (with or without a finding). */
    watched: number;
    /** Students for whom each enabled watch rule fired; empty when the policy has none. */
    watchedByRule: Record<string, number>;
  };
  state: RuleState;
}

export interface EvaluateInput {
  dataset: Dataset;
  policy: Policy;
  asOf: DayNumber;
  previous: RuleState;
  /** Precomputed calendars (the evaluator builds them when absent). */
  calendars?: Map<string, SchoolCalendar>;
}

type Truth = 1 | 0 | -1; // met, not met, unknown

/** A metric test compiled to a slot, so each (metric, params) is computed once per student. */
interface Slot {
  metric: MetricName;
  params: MetricParams;
}

type Compiled =
  | { kind: "all" | "any"; of: Compiled[] }
  | { kind: "not"; of: Compiled }
  | {
      kind: "metric";
      slot: number;
      op: Comparator;
      threshold: number;
      source: Condition & { kind: "metric" };
    };

function compile(condition: Condition, slots: Slot[], slotKeys: Map<string, number>): Compiled {
  switch (condition.kind) {
    case "all":
    case "any":
      return { kind: condition.kind, of: condition.of.map((c) => compile(c, slots, slotKeys)) };
    case "not":
      return { kind: "not", of: compile(condition.of, slots, slotKeys) };
    case "metric": {
      const key = slotKey(condition.metric, condition.params);
      let slot = slotKeys.get(key);
      if (slot === undefined) {
        slot = slots.length;
        slots.push({ metric: condition.metric, params: condition.params });
        slotKeys.set(key, slot);
      }
      return {
        kind: "metric",
        slot,
        op: condition.op,
        threshold: condition.threshold,
        source: condition,
      };
    }
  }
}

/**
 * What makes two metric tests the same computation: the metric and its parameters (in
 * any order). The evaluator computes each once per student.
 */
export function slotKey(metric: MetricName, params: MetricParams): string {
  return JSON.stringify([metric, sortedParams(params)]);
}

function sortedParams(params: MetricParams): [string, unknown][] {
  return Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

function compare(value: number, op: Comparator, threshold: number): boolean {
  switch (op) {
    case "below":
      return value < threshold;
    case "at_most":
      return value <= threshold;
    case "above":
      return value > threshold;
    case "at_least":
      return value >= threshold;
    case "equals":
      return value === threshold;
  }
}

/** What the evaluator knows of a policy's students on a date, before any metric is computed. */
export interface PolicyScope {
  /** Every student in scope and not suppressed, in data order: the cohort metric's members. */
  contexts: StudentContext[];
  suppressed: { studentId: string; reason: SuppressionReason }[];
  /** Students of the policy's schools (with or without a calendar). */
  inScope: number;
  /**
   * One student's context, as the evaluator builds it: the same object for a student it
   * evaluates; for a suppressed student, one built alike (not a member of any cohort).
   * Undefined when the student is not in the data, not in scope, or their school has no
   * calendar.
   */
  contextOf(studentId: string): StudentContext | undefined;
}

export interface PolicyScopeInput {
  dataset: Dataset;
  policy: Policy;
  asOf: DayNumber;
  calendars: ReadonlyMap<string, SchoolCalendar>;
  /** Snoozed students and until when (from the rule state); none when absent. */
  snoozes?: ReadonlyMap<string, DayNumber>;
}

/** The students a policy evaluates on `asOf`, their contexts, and who is suppressed and why. */
export function policyScope(input: PolicyScopeInput): PolicyScope {
  const { dataset, policy, asOf, calendars } = input;
  const snoozes = input.snoozes ?? NO_SNOOZES;
  const absentMask = absentMaskOf(policy.absentStatuses);
  const schools = new Set(policy.schools);
  const allSchools = schools.has("*");
  const circumstancesByStudent = groupBy(dataset.circumstances, (c) => c.studentId);
  const submissionsByStudent = groupBy(dataset.submissions, (s) => s.studentId);
  const suppressKinds = new Set<string>(policy.suppress.circumstances);
  const circumstancesOf = (studentId: string): readonly Circumstance[] => {
    const all = circumstancesByStudent.get(studentId);
    return all === undefined ? NO_CIRCUMSTANCES : all.filter((c) => suppressKinds.has(c.kind));
  };

  // Contexts of every student in scope and not suppressed: the cohort metric needs them all.
  const contexts: StudentContext[] = [];
  const cohorts = new CohortStats(() => contexts);
  const suppressed: PolicyScope["suppressed"] = [];
  let inScope = 0;

  const contextFor = (
    index: number,
    student: Dataset["students"][number],
    calendar: SchoolCalendar,
    circumstances: readonly Circumstance[],
  ): StudentContext => ({
    dataset,
    index,
    student,
    calendar,
    asOf,
    policyWindow: policy.windowDays,
    absentMask,
    absencesOnly: dataset.schools.get(student.school)?.attendanceRecording === "absences_only",
    excluded:
      circumstances.length === 0 ? NO_EXCLUDED : circumstances.map((c) => [c.from, c.to] as const),
    submissions: submissionsByStudent.get(student.id) ?? EMPTY,
    cohorts,
  });

  for (let index = 0; index < dataset.students.length; index++) {
    const student = dataset.students[index];
    if (!allSchools && !schools.has(student.school)) continue;
    inScope++;
    const calendar = calendars.get(student.school);
    if (!calendar) continue;
    const circumstances = circumstancesOf(student.id);
    const reason = suppression(policy, student, asOf, calendar, circumstances, snoozes);
    if (reason) {
      suppressed.push({ studentId: student.id, reason });
      continue;
    }
    contexts.push(contextFor(index, student, calendar, circumstances));
  }

  return {
    contexts,
    suppressed,
    inScope,
    contextOf(studentId) {
      const index = dataset.studentIndex.get(studentId);
      if (index === undefined) return undefined;
      const student = dataset.students[index];
      if (!allSchools && !schools.has(student.school)) return undefined;
      const calendar = calendars.get(student.school);
      if (!calendar) return undefined;
      return (
        contexts.find((c) => c.index === index) ??
        contextFor(index, student, calendar, circumstancesOf(studentId))
      );
    },
  };
}

const NO_SNOOZES: ReadonlyMap<string, DayNumber> = new Map();

export function evaluate(input: EvaluateInput): Evaluation {
  const { dataset, policy, asOf, previous } = input;
  const calendars = input.calendars ?? buildCalendars(dataset);
  const rules = policy.rules.filter((r) => r.enabled);
  const slots: Slot[] = [];
  const slotKeys = new Map<string, number>();
  const compiled = rules.map((r) => compile(r.when, slots, slotKeys));
  const watching = rules.map((r) => r.action === "watch");

  const previousHolding = new Map<string, HoldingEntry>();
  for (const e of previous.policyId === policy.id ? previous.holding : []) {
    previousHolding.set(`${e.studentId}\u0000${e.ruleId}`, e);
  }
  const cooldowns = new Map<string, DayNumber>();
  for (const c of previous.cooldowns) {
    if (c.until < asOf) continue;
    const key = `${c.studentId}\u0000${c.ruleId ?? "*"}`;
    cooldowns.set(key, Math.max(cooldowns.get(key) ?? c.until, c.until));
  }
  const snoozes = new Map<string, DayNumber>();
  for (const s of previous.snoozes) if (s.until >= asOf) snoozes.set(s.studentId, s.until);

  const scope = policyScope({ dataset, policy, asOf, calendars, snoozes });
  const { contexts, suppressed } = scope;

  const findings: Finding[] = [];
  const watched: Watched[] = [];
  const pending: Evaluation["pending"] = [];
  const holding: HoldingEntry[] = [];
  const results: (MetricResult | undefined)[] = new Array(slots.length);

  for (const ctx of contexts) {
    results.fill(undefined);
    const memo: Memo = { ctx, slots, results };
    const fired: Signal[] = [];
    let watchFired: Signal[] | undefined;
    for (let k = 0; k < rules.length; k++) {
      const rule = rules[k];
      const sid = ctx.student.id;
      // (A first run, or a dry run, has no cool-downs or holdings: no keys to make.)
      if (
        cooldowns.size > 0 &&
        (cooldowns.has(`${sid}\u0000${rule.id}`) || cooldowns.has(`${sid}\u0000*`))
      )
        continue;
      const before =
        previousHolding.size > 0 ? previousHolding.get(`${sid}\u0000${rule.id}`) : undefined;
      if (truth(compiled[k], memo) !== 1) {
        if (before && before.lastDay > asOf) holding.push(before);
        continue;
      }
      const entry = advance(before, sid, rule.id, asOf);
      holding.push(entry.stored);
      if (entry.runs < rule.forRuns) {
        pending.push({ studentId: sid, ruleId: rule.id, runs: entry.runs, needed: rule.forRuns });
        continue;
      }
      const signal = signalOf(rule, compiled[k], memo, entry.runs, entry.since);
      if (watching[k]) {
        signal.watch = true;
        if (watchFired === undefined) watchFired = [signal];
        else watchFired.push(signal);
      } else fired.push(signal);
    }
    if (fired.length > 0) findings.push(findingOf(policy, ctx.student.id, asOf, fired));
    if (watchFired !== undefined) {
      watched.push({
        studentId: ctx.student.id,
        policyId: policy.id,
        asOf: formatDay(asOf),
        signals: watchFired,
      });
    }
  }

  findings.sort((a, b) => (a.studentId < b.studentId ? -1 : a.studentId > b.studentId ? 1 : 0));
  pending.sort((a, b) =>
    byStudentThenRule(a as unknown as HoldingEntry, b as unknown as HoldingEntry),
  );
  suppressed.sort((a, b) => (a.studentId < b.studentId ? -1 : a.studentId > b.studentId ? 1 : 0));
  watched.sort((a, b) => (a.studentId < b.studentId ? -1 : a.studentId > b.studentId ? 1 : 0));
  holding.sort(byStudentThenRule);

  const byRule: Record<string, number> = {};
  const watchedByRule: Record<string, number> = {};
  for (let k = 0; k < rules.length; k++) {
    if (watching[k]) watchedByRule[rules[k].id] = 0;
    else byRule[rules[k].id] = 0;
  }
  const bySeverity: Evaluation["counts"]["bySeverity"] = {};
  for (const f of findings) {
    for (const id of f.ruleIds) byRule[id]++;
    bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  }
  for (const w of watched) for (const s of w.signals) watchedByRule[s.ruleId]++;
  const suppressedCounts: Evaluation["counts"]["suppressed"] = {};
  for (const s of suppressed) suppressedCounts[s.reason] = (suppressedCounts[s.reason] ?? 0) + 1;

  return {
    policyId: policy.id,
    asOf: formatDay(asOf),
    findings,
    watched,
    pending,
    suppressed,
    counts: {
      studentsInScope: scope.inScope,
      studentsEvaluated: contexts.length,
      suppressed: suppressedCounts,
      pending: pending.length,
      findings: findings.length,
      byRule,
      bySeverity,
      watched: watched.length,
      watchedByRule,
    },
    state: {
      policyId: policy.id,
      holding,
      cooldowns: previous.cooldowns.filter((c) => c.until >= asOf),
      snoozes: previous.snoozes.filter((s) => s.until >= asOf),
    },
  };
}

const EMPTY: readonly Submission[] = [];
const NO_CIRCUMSTANCES: readonly Circumstance[] = [];
const NO_EXCLUDED: readonly (readonly [DayNumber, DayNumber])[] = [];

/**
 * Moves a (student, rule) streak on to `asOf`. A re-run of the same date starts from the
 * count before that date, so running a day twice never counts it twice. A date earlier
 * than the last one seen (a back-fill) is evaluated as a first run and leaves the stored
 * streak as it was.
 */
function advance(
  before: HoldingEntry | undefined,
  studentId: string,
  ruleId: string,
  asOf: DayNumber,
): { runs: number; since: DayNumber; stored: HoldingEntry } {
  if (!before) {
    const stored = { studentId, ruleId, runs: 1, runsBefore: 0, since: asOf, lastDay: asOf };
    return { runs: 1, since: asOf, stored };
  }
  if (asOf > before.lastDay) {
    const stored = {
      studentId,
      ruleId,
      runs: before.runs + 1,
      runsBefore: before.runs,
      since: before.since,
      lastDay: asOf,
    };
    return { runs: stored.runs, since: stored.since, stored };
  }
  if (asOf === before.lastDay) {
    const runs = before.runsBefore + 1;
    const since = before.runsBefore === 0 ? asOf : before.since;
    const stored = { studentId, ruleId, runs, runsBefore: before.runsBefore, since, lastDay: asOf };
    return { runs, since, stored };
  }
  return { runs: 1, since: asOf, stored: before };
}

function suppression(
  policy: Policy,
  student: Dataset["students"][number],
  asOf: DayNumber,
  calendar: SchoolCalendar,
  circumstances: readonly Circumstance[],
  snoozes: ReadonlyMap<string, DayNumber>,
): SuppressionReason | undefined {
  const { suppress } = policy;
  const from = student.statusFrom ?? Number.NEGATIVE_INFINITY;
  if (suppress.withdrawn && student.status === "withdrawn" && from <= asOf) return "withdrawn";
  if (student.enrolledUntil !== undefined && student.enrolledUntil < asOf) return "enrolment_ended";
  if (suppress.onLeave && student.status === "on_leave" && from <= asOf) return "on_leave";
  for (const c of circumstances) if (c.from <= asOf && asOf <= c.to) return c.kind;
  if (
    suppress.firstDaysOfEnrolment > 0 &&
    student.enrolledFrom !== undefined &&
    calendar.countBetween(student.enrolledFrom, asOf) <= suppress.firstDaysOfEnrolment
  ) {
    return "new_enrolment";
  }
  if (snoozes.has(student.id)) return "snoozed";
  return undefined;
}

/** One student's metric values, each computed at most once per evaluation. */
interface Memo {
  ctx: StudentContext;
  slots: readonly Slot[];
  results: (MetricResult | undefined)[];
}

function metricOf(memo: Memo, slot: number): MetricResult {
  let r = memo.results[slot];
  if (r === undefined) {
    r = computeMetric(memo.slots[slot].metric, memo.ctx, memo.slots[slot].params);
    memo.results[slot] = r;
  }
  return r;
}

/** Kleene logic: a test on an unknown value is unknown, and so is `not` of it. */
function truth(c: Compiled, memo: Memo): Truth {
  switch (c.kind) {
    case "metric": {
      const v = metricOf(memo, c.slot).value;
      return Number.isNaN(v) ? -1 : compare(v, c.op, c.threshold) ? 1 : 0;
    }
    case "not": {
      const t = truth(c.of, memo);
      return t === -1 ? -1 : t === 1 ? 0 : 1;
    }
    case "all": {
      let unknown = false;
      for (const part of c.of) {
        const t = truth(part, memo);
        if (t === 0) return 0;
        if (t === -1) unknown = true;
      }
      return unknown ? -1 : 1;
    }
    case "any": {
      let unknown = false;
      for (const part of c.of) {
        const t = truth(part, memo);
        if (t === 1) return 1;
        if (t === -1) unknown = true;
      }
      return unknown ? -1 : 0;
    }
  }
}

function signalOf(
  rule: Rule,
  condition: Compiled,
  memo: Memo,
  runs: number,
  since: DayNumber,
): Signal {
  const conditions: ConditionEvidence[] = [];
  const walk = (c: Compiled) => {
    if (c.kind === "metric") {
      // Computed again, now with the sentence for the card (only for signals that fire).
      const r = computeMetric(c.source.metric, memo.ctx, c.source.params, true);
      const known = !Number.isNaN(r.value);
      conditions.push({
        metric: c.source.metric,
        params: c.source.params,
        op: c.op,
        threshold: c.threshold,
        value: known ? r.value : null,
        met: known ? compare(r.value, c.op, c.threshold) : null,
        evidence: r.evidence,
        window: windowFacts(r.window),
      });
    } else if (c.kind === "not") walk(c.of);
    else for (const part of c.of) walk(part);
  };
  walk(condition);
  const signal: Signal = {
    ruleId: rule.id,
    ruleName: rule.name,
    severity: rule.severity,
    conditions,
    runs,
    since: formatDay(since),
  };
  if (rule.outreach !== undefined) signal.outreach = rule.outreach;
  return signal;
}

function findingOf(policy: Policy, studentId: string, asOf: DayNumber, fired: Signal[]): Finding {
  const order = new Map(policy.rules.map((r, i) => [r.id, i]));
  fired.sort(
    (a, b) =>
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      (order.get(a.ruleId) ?? 0) - (order.get(b.ruleId) ?? 0),
  );
  const top = fired[0].severity;
  const shown = policy.severityInhibition ? fired.filter((s) => s.severity === top) : fired;
  const inhibited = policy.severityInhibition ? fired.filter((s) => s.severity !== top) : [];
  return {
    studentId,
    policyId: policy.id,
    asOf: formatDay(asOf),
    severity: top,
    ruleIds: fired.map((s) => s.ruleId),
    signals: shown,
    inhibited,
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}
