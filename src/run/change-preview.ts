/**
 * What a change to a policy would do on a date's data, before it is saved: the policy as
 * it is and as it would be are both evaluated as a dry run evaluates them (the same
 * evaluator, the same run dates, the same carried rule state), and the two outcomes
 * compared student by student. Pure: the data, the calendars, the two policies and the
 * rule state in; counts and student ids out. The ids are kept apart from the counts so
 * that a caller decides whose names a person may see (app/policy-change.ts).
 *
 * A student "has" a rule when it fired for them: a case rule among their finding's rules
 * (those hidden by severity inhibition included), a watch rule among their watched
 * signals. A rule switched between `case` and `watch` still fires for the same students;
 * what moves is `cases` — the students who would get a case — and `watched`.
 */
import type { SchoolCalendar } from "../calendar/index.ts";
import type { Dataset } from "../data/dataset.ts";
import type { DayNumber } from "../data/dates.ts";
import {
  checkPolicyAgainstData,
  DataCheckFailed,
  type Evaluation,
  emptyRuleState,
  evaluate,
  type Policy,
  type RuleAction,
  type RuleState,
} from "../rules/index.ts";
import { runDays } from "./dry-run.ts";

export interface ChangePreviewInput {
  dataset: Dataset;
  calendars: Map<string, SchoolCalendar>;
  /** The policy as it is. */
  before: Policy;
  /** The policy as the change would make it (the same policy id). */
  after: Policy;
  asOf: DayNumber;
  /**
   * The rule state the next run would start from (the store's, for `for: N runs` streaks,
   * cool-downs and snoozes); none when absent, as a dry run without state.
   */
  previousState?: RuleState;
  /** Evaluate on this many school days ending on `asOf`, as `reach run --dry-run --runs N`. */
  runs?: number;
}

/** Students who would gain or lose something, as a count and as their ids (sorted). */
export interface Movement {
  /** Students before and after the change. */
  before: number;
  after: number;
  gained: number;
  lost: number;
  gainedIds: string[];
  lostIds: string[];
}

export interface RuleMovement extends Movement {
  ruleId: string;
  /** The rule's name after the change (before, for a rule only the old policy has). */
  ruleName: string;
  /** `case` or `watch`, before and after; absent or disabled on a side it does not run. */
  actionBefore?: RuleAction;
  actionAfter?: RuleAction;
}

export interface ChangePreview {
  policyId: string;
  asOf: string;
  /** Per rule of either policy, in the new policy's order, then rules only the old one has. */
  rules: RuleMovement[];
  /** Students who would get a case (a finding). */
  cases: Movement;
  /** Students whom watch rules would watch. */
  watched: Movement;
  /** Students evaluated (in scope, not suppressed), before and after. */
  evaluated: { before: number; after: number };
}

/**
 * The preview of changing `before` into `after` on `asOf`. Throws `DataCheckFailed` when
 * the changed policy does not fit the data (then a dry run of it would be refused too).
 */
export function previewChange(input: ChangePreviewInput): ChangePreview {
  const { dataset, calendars, before, after, asOf } = input;
  const check = checkPolicyAgainstData(after, dataset, calendars, asOf);
  if (check.errors.length > 0) throw new DataCheckFailed(after.id, check);
  const runs = Math.max(1, Math.floor(input.runs ?? 1));
  const old = evaluateOver(input, before, runDays(calendars, before, asOf, runs));
  const now = evaluateOver(input, after, runDays(calendars, after, asOf, runs));

  const oldFiring = firingByRule(old);
  const newFiring = firingByRule(now);
  const ids = [
    ...after.rules.map((r) => r.id),
    ...before.rules.map((r) => r.id).filter((id) => !after.rules.some((r) => r.id === id)),
  ];
  const rules = ids.map((ruleId): RuleMovement => {
    const was = before.rules.find((r) => r.id === ruleId);
    const is = after.rules.find((r) => r.id === ruleId);
    const movement: RuleMovement = {
      ruleId,
      ruleName: is?.name ?? was?.name ?? ruleId,
      ...moved(oldFiring.get(ruleId), newFiring.get(ruleId)),
    };
    if (was?.enabled) movement.actionBefore = was.action ?? "case";
    if (is?.enabled) movement.actionAfter = is.action ?? "case";
    return movement;
  });
  return {
    policyId: after.id,
    asOf: now.asOf,
    rules,
    cases: moved(
      new Set(old.findings.map((f) => f.studentId)),
      new Set(now.findings.map((f) => f.studentId)),
    ),
    watched: moved(
      new Set(old.watched.map((w) => w.studentId)),
      new Set(now.watched.map((w) => w.studentId)),
    ),
    evaluated: { before: old.counts.studentsEvaluated, after: now.counts.studentsEvaluated },
  };
}

/** Evaluates `policy` on `days` in turn, carrying the rule state, as a dry run does. */
function evaluateOver(input: ChangePreviewInput, policy: Policy, days: DayNumber[]): Evaluation {
  let previous = input.previousState ?? emptyRuleState(policy.id);
  let evaluation: Evaluation | undefined;
  for (const asOf of days) {
    evaluation = evaluate({
      dataset: input.dataset,
      policy,
      asOf,
      previous,
      calendars: input.calendars,
    });
    previous = evaluation.state;
  }
  if (evaluation === undefined) throw new Error("no evaluation date");
  return evaluation;
}

/** The students each rule fired for: case rules from the findings, watch rules from watched. */
function firingByRule(evaluation: Evaluation): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (ruleId: string, studentId: string) => {
    let students = out.get(ruleId);
    if (students === undefined) {
      students = new Set();
      out.set(ruleId, students);
    }
    students.add(studentId);
  };
  for (const f of evaluation.findings) for (const id of f.ruleIds) add(id, f.studentId);
  for (const w of evaluation.watched) for (const s of w.signals) add(s.ruleId, w.studentId);
  return out;
}

const NONE: ReadonlySet<string> = new Set();

function moved(
  before: ReadonlySet<string> | undefined = NONE,
  after: ReadonlySet<string> | undefined = NONE,
): Movement {
  const gainedIds = [...after].filter((id) => !before.has(id)).sort(byId);
  const lostIds = [...before].filter((id) => !after.has(id)).sort(byId);
  return {
    before: before.size,
    after: after.size,
    gained: gainedIds.length,
    lost: lostIds.length,
    gainedIds,
    lostIds,
  };
}

function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
