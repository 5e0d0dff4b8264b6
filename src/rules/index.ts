/** The rules module's public surface. */
export {
  checkPolicyAgainstData,
  type DataCheck,
  type DataCheckCode,
  DataCheckFailed,
  type DataProblem,
  formatDataProblem,
  type StreamEnd,
  type StreamId,
} from "./data-check.ts";
export {
  type Evaluation,
  evaluate,
  type Finding,
  type PolicyScope,
  type PolicyScopeInput,
  policyScope,
  type SuppressionReason,
  slotKey,
  type Watched,
} from "./evaluate.ts";
export { type LineDiffOptions, lineDiff } from "./line-diff.ts";
export {
  formatProblem,
  isDirectory,
  listPolicyFiles,
  loadPolicyDir,
  loadPolicyFile,
  loadPolicyFiles,
  loadPolicyText,
  type PolicyLoadResult,
  type PolicyProblem,
  policySourceText,
  readPolicyFile,
} from "./loader.ts";
export {
  COMPARATORS,
  type Escalation,
  type Policy,
  type QuietHours,
  RULE_ACTIONS,
  type RuleAction,
  SEVERITIES,
  SEVERITY_RANK,
  type Severity,
} from "./policy.ts";
export {
  applyPolicyChange,
  applyPolicyChanges,
  POLICY_CHANGE_KINDS,
  type PolicyChange,
  type PolicyChangeResult,
  type PolicyChangeStage,
  policyFileName,
} from "./policy-edit.ts";
export { emptyRuleState, type RuleState } from "./rule-state.ts";
export { DEFAULT_DIGEST, DEFAULT_QUIET_HOURS } from "./settings-reader.ts";
export { nearest } from "./suggest.ts";
