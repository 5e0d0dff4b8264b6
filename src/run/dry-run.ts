/**
 * A dry run: import a data folder, check the policy against it (data-check.ts in rules/),
 * evaluate one policy for one date, and return who would get a case and why, without
 * touching any case or store. A policy that does not fit the data — a source, school or
 * kind the data does not have, data older than `max_data_age` — is refused before anything
 * is evaluated (`DryRunRefused`).
 */
import { performance } from "node:perf_hooks";
import { buildCalendars, type SchoolCalendar } from "../calendar/index.ts";
import type { ImportOptions, ImportResult } from "../data/adapters/adapter.ts";
import { ADAPTERS, type SourceName } from "../data/adapters/index.ts";
import type { DayNumber } from "../data/dates.ts";
import type { DataCheck, Policy } from "../rules/index.ts";
import {
  checkPolicyAgainstData,
  DataCheckFailed,
  type Evaluation,
  emptyRuleState,
  evaluate,
  type RuleState,
} from "../rules/index.ts";

export interface DryRunOptions {
  policy: Policy;
  source: SourceName;
  dataDir: string;
  asOf: DayNumber;
  /** Rule state from earlier runs (`for: N runs` streaks, cool-downs, snoozes). */
  previous?: RuleState;
  /**
   * Evaluate as if the policy had also run on the school days just before `asOf`: this
   * many runs in all, ending on `asOf` (default 1). Lets a dry run show what rules with
   * `for: N runs` would do.
   */
  runs?: number;
  onProgress?: ImportOptions["onProgress"];
}

export interface DryRunResult extends ImportResult {
  /** The policy checked against the data: its warnings, and each stream's last date. */
  check: DataCheck;
  evaluation: Evaluation;
  findings: Evaluation["findings"];
  timings: { importMs: number; evaluateMs: number };
}

/** A dry run refused after the import: the policy does not fit the data; nothing was evaluated. */
export class DryRunRefused extends DataCheckFailed {
  constructor(
    policyId: string,
    check: DataCheck,
    readonly imported: ImportResult,
  ) {
    super(policyId, check);
  }
}

/**
 * The evaluation dates of a dry run: the last `runs - 1` school days before `asOf` (any
 * school of the policy's) and `asOf` itself.
 */
export function runDays(
  calendars: Map<string, SchoolCalendar>,
  policy: Policy,
  asOf: DayNumber,
  runs: number,
): DayNumber[] {
  const all = policy.schools.includes("*");
  const days = new Set<DayNumber>();
  for (const [school, calendar] of calendars) {
    if (!all && !policy.schools.includes(school)) continue;
    for (const d of calendar.days) if (d < asOf) days.add(d);
  }
  const before = [...days].sort((a, b) => a - b).slice(Math.max(0, days.size - (runs - 1)));
  return [...(runs > 1 ? before : []), asOf];
}

export async function dryRun(options: DryRunOptions): Promise<DryRunResult> {
  const t0 = performance.now();
  const imported = await ADAPTERS[options.source].import(options.dataDir, {
    onProgress: options.onProgress,
  });
  const t1 = performance.now();
  const calendars = buildCalendars(imported.dataset);
  const check = checkPolicyAgainstData(options.policy, imported.dataset, calendars, options.asOf);
  if (check.errors.length > 0) throw new DryRunRefused(options.policy.id, check, imported);
  let previous = options.previous ?? emptyRuleState(options.policy.id);
  let evaluation: Evaluation | undefined;
  for (const asOf of runDays(calendars, options.policy, options.asOf, options.runs ?? 1)) {
    evaluation = evaluate({
      dataset: imported.dataset,
      policy: options.policy,
      asOf,
      previous,
      calendars,
    });
    previous = evaluation.state;
  }
  const t2 = performance.now();
  if (!evaluation) throw new Error("no evaluation date");
  return {
    ...imported,
    check,
    evaluation,
    findings: evaluation.findings,
    timings: { importMs: t1 - t0, evaluateMs: t2 - t1 },
  };
}
