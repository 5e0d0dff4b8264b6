/** The run module's public surface: a real run applied to the store, and a dry run. */
export {
  AlreadyRun,
  type ApplyRunOptions,
  type ApplyRunResult,
  applyRun,
  RunInProgress,
} from "./apply-run.ts";
export {
  type AtPoint,
  type BacktestImportedOptions,
  BacktestImpossible,
  type BacktestOptions,
  type BacktestOutcomes,
  type BacktestPoint,
  BacktestRefused,
  type BacktestResult,
  backtest,
  backtestImported,
  outcomesOfImport,
  parseAtPoints,
  type RuleScore,
} from "./backtest.ts";
export { OutcomesFileInvalid, readOutcomesFile } from "./backtest-outcomes.ts";
export { type Score, type ScoredStudent, scoreFindings } from "./backtest-score.ts";
export {
  type ChangePreview,
  type ChangePreviewInput,
  type Movement,
  previewChange,
  type RuleMovement,
} from "./change-preview.ts";
export {
  type CaseWeek,
  type CaseWeekInput,
  type DayRange,
  type Digest,
  type DigestRun,
  type DigestWeeks,
  digestWeeks,
  type HelpOutcomeRow,
  type HelpOutcomes,
  type HybridEngagement,
  type HybridRow,
  helpOutcomes,
  hybridEngagement,
  summariseCaseWeek,
} from "./digest/index.ts";
export { type DryRunOptions, DryRunRefused, type DryRunResult, dryRun } from "./dry-run.ts";
export {
  type DatedStudent,
  type FairnessField,
  type FairnessGroup,
  type FairnessInput,
  type FairnessOverall,
  type FairnessReport,
  fairnessReport,
  MORE_THAN_ONE,
  NOT_RECORDED,
  type Quarter,
  type QuarterFairness,
  type QuarterFairnessInput,
  quarterFairness,
  quarterOf,
  RATIO_HIGH,
  RATIO_LOW,
  type ShownCount,
  SMALL_CELL,
} from "./fairness.ts";
export {
  cronInWords,
  describePolicy,
  type PolicyDescription,
  type RuleDescription,
  type RuleWeek,
  type RuleWeekRow,
  ruleWords,
  summariseRuleWeek,
} from "./policy-text/index.ts";
export { notePolicyVersion, policyTextHash } from "./policy-version.ts";
export {
  type CaseResult,
  type DateResult,
  describeOutcome,
  formatTestProblem,
  type OutcomeItem,
  type RuleTestFileResult,
  type RuleTestReport,
  runRuleTests,
  type TestProblem,
} from "./rule-tests/index.ts";
export {
  type StudentValue,
  type StudentValues,
  type StudentValuesInput,
  studentValues,
  type ValueTest,
} from "./student-values.ts";
