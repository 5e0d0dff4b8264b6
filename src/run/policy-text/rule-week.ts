/**
 * Last week's figures per rule of a policy, for the `policy` card: how many students each
 * rule flagged, how many cases it opened, how many of its cases were dismissed. Pure: the
 * cases' histories and the run records come in, with the policy-local date; counts only,
 * no student named.
 *
 * The week is the digest's: the seven days up to and including `date`, on the policy's
 * local dates (`digestWeeks`). Run records keep per-rule counts for watch rules only
 * (`watched:<rule id>`, apply-run.ts), so:
 *
 * - **flagged**, for a case rule: the students on whose case a signal of the rule was
 *   recorded in the week — the case it opened, or a signal added to their open case
 *   (shown or hidden by severity inhibition). For a watch rule: the students the last
 *   successful run of the week watched (`watched:<rule id>`), null when no run of the
 *   week counted it.
 * - **opened**: cases opened in the week with the rule among their opening signals (a watch
 *   rule opens none: null).
 * - **dismissed**: dismissals in the week of cases the rule was among the opening signals
 *   of (null for a watch rule).
 */
import { type CaseEvent, ERASED_STUDENT_ID } from "../../cases/index.ts";
import { type DayNumber, localDate } from "../../data/dates.ts";
import type { Policy } from "../../rules/index.ts";
import { type DayRange, type DigestRun, digestWeeks } from "../digest/index.ts";

export interface RuleWeekRow {
  ruleId: string;
  /** Students flagged in the week (see the module's comment); null when not known. */
  flagged: number | null;
  /** Cases opened; null for a watch rule. */
  opened: number | null;
  /** Dismissals; null for a watch rule. */
  dismissed: number | null;
}

export interface RuleWeek {
  week: DayRange;
  /** One per rule of the policy, in its order. */
  rules: RuleWeekRow[];
}

export interface RuleWeekInput {
  policy: Pick<Policy, "timezone" | "rules">;
  /** The policy-local date the week ends on (today). */
  date: DayNumber;
  /** The policy's cases, each one's events. */
  cases: readonly (readonly CaseEvent[])[];
  /** The policy's run records. */
  runs: readonly DigestRun[];
}

export function summariseRuleWeek(input: RuleWeekInput): RuleWeek {
  const { policy } = input;
  const { week } = digestWeeks(input.date);
  const inWeek = (at: string) => {
    const day = localDate(at, policy.timezone);
    return day >= week.from && day <= week.to;
  };
  const flagged = new Map<string, Set<string>>();
  const opened = new Map<string, number>();
  const dismissed = new Map<string, number>();
  const flag = (ruleId: string, who: string) => {
    const set = flagged.get(ruleId) ?? new Set<string>();
    set.add(who);
    flagged.set(ruleId, set);
  };
  const add = (counts: Map<string, number>, ruleId: string) =>
    counts.set(ruleId, (counts.get(ruleId) ?? 0) + 1);

  for (const events of input.cases) {
    const first = events[0];
    if (first === undefined || first.type !== "opened") continue;
    // An erased case keeps its events but not its student: the case stands for them.
    const who = first.studentId === ERASED_STUDENT_ID ? `case:${first.caseId}` : first.studentId;
    const openingRules = new Set(
      [...first.signals, ...first.inhibited].filter((s) => s.watch !== true).map((s) => s.ruleId),
    );
    for (const event of events) {
      if (!inWeek(event.at)) continue;
      if (event.type === "opened") {
        for (const ruleId of openingRules) {
          add(opened, ruleId);
          flag(ruleId, who);
        }
      } else if (event.type === "signal_added" && event.signal.watch !== true) {
        flag(event.signal.ruleId, who);
      } else if (event.type === "dismissed") {
        for (const ruleId of openingRules) add(dismissed, ruleId);
      }
    }
  }

  const lastRun = input.runs
    .filter((r) => r.status === "succeeded" && r.asOf >= week.from && r.asOf <= week.to)
    .sort((a, b) =>
      a.asOf !== b.asOf
        ? a.asOf < b.asOf
          ? -1
          : 1
        : (a.startedAt ?? "") < (b.startedAt ?? "")
          ? -1
          : 1,
    )
    .at(-1);

  return {
    week,
    rules: policy.rules.map((rule) => {
      if (rule.action === "watch") {
        const watched = lastRun?.counts[`watched:${rule.id}`];
        return {
          ruleId: rule.id,
          flagged: typeof watched === "number" ? watched : null,
          opened: null,
          dismissed: null,
        };
      }
      return {
        ruleId: rule.id,
        flagged: flagged.get(rule.id)?.size ?? 0,
        opened: opened.get(rule.id) ?? 0,
        dismissed: dismissed.get(rule.id) ?? 0,
      };
    }),
  };
}
