/**
 * A dry run: import a data folder, evaluate one policy for one date, and return who would
 * get a case and why, without touching any case or store.
 */
import { performance } from "node:perf_hooks";
import type { ImportOptions, ImportResult } from "../data/adapters/adapter.ts";
import { ADAPTERS, type SourceName } from "../data/adapters/index.ts";
import type { DayNumber } from "../data/dates.ts";
import { type Evaluation, evaluate } from "../rules/evaluate.ts";
import type { Policy } from "../rules/policy.ts";
import { emptyRuleState, type RuleState } from "../rules/rule-state.ts";

export interface DryRunOptions {
  policy: Policy;
  source: SourceName;
  dataDir: string;
  asOf: DayNumber;
  /** Rule state from earlier runs (`for: N runs` streaks, cool-downs, snoozes). */
  previous?: RuleState;
  onProgress?: ImportOptions["onProgress"];
}

export interface DryRunResult extends ImportResult {
  evaluation: Evaluation;
  findings: Evaluation["findings"];
  timings: { importMs: number; evaluateMs: number };
}

export async function dryRun(options: DryRunOptions): Promise<DryRunResult> {
  const t0 = performance.now();
  const imported = await ADAPTERS[options.source].import(options.dataDir, {
    onProgress: options.onProgress,
  });
  const t1 = performance.now();
  const evaluation = evaluate({
    dataset: imported.dataset,
    policy: options.policy,
    asOf: options.asOf,
    previous: options.previous ?? emptyRuleState(options.policy.id),
  });
  const t2 = performance.now();
  return {
    ...imported,
    evaluation,
    findings: evaluation.findings,
    timings: { importMs: t1 - t0, evaluateMs: t2 - t1 },
  };
}
