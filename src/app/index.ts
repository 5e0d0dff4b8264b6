/**
 * The application layer: Reach's use cases, one file each. The front ends (`teams/`,
 * `cli/`, the demo) parse what arrives, call these and render what comes back; who may see
 * or change what is decided here and in `cases/`, and recorded in the audit trail.
 */

// Rule tests (`reach rules test`) run a policy on a test file's own rows: no store, no case.
export {
  describeOutcome,
  formatTestProblem,
  type RuleTestReport,
  runRuleTests,
} from "../run/index.ts";
export {
  type ActionContext,
  type ActionOutcome,
  actOnCase,
  CARD_VERBS,
  type CardVerb,
  type CaseAction,
  type Notice,
  STRANGER_TEXT,
  studentOf,
} from "./act-on-case.ts";
export { UNATTRIBUTED } from "./audit-refusal.ts";
export {
  BacktestImpossible,
  BacktestRefused,
  type BacktestResult,
  backtest,
  OutcomesFileInvalid,
  parseAtPoints,
  type Score,
} from "./backtest.ts";
export {
  askForDigest,
  type BindingChange,
  bindingsOf,
  changeBinding,
  type DigestAnswer,
  type DigestRequest,
} from "./bind-policy.ts";
export { type CaseSweepOptions, type CaseSweepResult, sweepCases } from "./case-sweep.ts";
export {
  type BotAuth,
  type BotConfig,
  ConfigError,
  DEFAULT_OUTREACH_DIR,
  readConfig,
  readDemoSettings,
} from "./config.ts";
export {
  buildDirectory,
  type Directory,
  DirectoryHolder,
  firstNameOf,
} from "./directory.ts";
export {
  AUDIT_DIFF_LENGTH,
  changeWords,
  MAX_REASON_LENGTH,
  POLICY_CHANGE_ACTION,
  POLICY_PREVIEW_ACTION,
  POLICY_PREVIEW_VERB,
  POLICY_SAVE_VERB,
  POLICY_SHOW_VERB,
  type PolicyEditFields,
  type PolicyEditOutcome,
  type PolicyEditPreview,
  type PolicyEditRequest,
  type PolicySavePayload,
  previewPolicyEdit,
  savePolicyEdit,
} from "./edit-policy.ts";
export { eraseStudent } from "./erase-student.ts";
export {
  type CaseCount,
  caseOpenings,
  type DatedStudent,
  type FairnessField,
  type FairnessGroup,
  type FairnessOptions,
  type FairnessOverall,
  type FairnessReport,
  type FairnessResult,
  fairnessOfPolicy,
  fairnessReport,
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
export { openStore } from "./open-store.ts";
export {
  type DraftOutcome,
  type MessageDraft,
  type OutreachContext,
  optedOutAt,
  proposeMessage,
  sendMessage,
} from "./outreach.ts";
export {
  type DeliveryOutcome,
  type DeliveryRecord,
  recordDelivery,
  unreachableReasonOf,
} from "./outreach-delivery.ts";
export {
  type CatalogueRefresh,
  PolicyCatalogue,
  type RejectedChange,
  rejectedChangeText,
} from "./policy-catalogue.ts";
export {
  type PolicyChangePreview,
  type PolicyChangePreviewOutcome,
  type PolicyChangePreviewRequest,
  PREVIEW_BACKTEST_AT,
  type PreviewBacktest,
  policyChangeRefusal,
  policyTextHash,
  previewPolicyChange,
  type RulePreview,
  type ShownMovement,
  type ShownStudent,
} from "./policy-change.ts";
export {
  HISTORY_SHOWN,
  listPolicyVersions,
  POLICY_HISTORY_VERB,
  POLICY_ROLLBACK_VERB,
  type PolicyHistoryRead,
  type PolicyHistoryView,
  type PolicyRollbackRequest,
  type PolicyVersionView,
  policyHistoryView,
  READ_POLICY_HISTORY_ACTION,
  readPolicyHistory,
  rollbackPolicy,
} from "./policy-history.ts";
export {
  type CaseDisplay,
  listCasesForOperator,
  listRuns,
  type MyCases,
  myCases,
  type OperatorRead,
  type StaffRead,
  showCaseTo,
  showCaseToOperator,
  storedIds,
  viewCase,
} from "./read-case.ts";
export {
  type EditableRule,
  type EditableValues,
  editableValues,
  POLICY_STRANGER_TEXT,
  type PolicyRead,
  type PolicyView,
  policyView,
  READ_POLICY_ACTION,
  readPolicy,
} from "./read-policy.ts";
export {
  AlreadyRun,
  type ApplyRunOptions,
  type ApplyRunResult,
  dryRun,
  importCounts,
  isGoneOnThisHost,
  RunInProgress,
  runnerId,
  runPolicy,
} from "./run-policy.ts";
export {
  isSchoolDayFor,
  type RunRequest,
  ScheduledRuns,
  type ScheduledRunsOptions,
} from "./scheduled-run.ts";
export {
  DEFAULT_QUARANTINE_DIR,
  DEFAULT_SQLITE_PATH,
  type EnvVariable,
  REACH_HOME,
  REACH_VARIABLES,
  readStoreSettings,
  type StoreSettings,
} from "./store-settings.ts";
export {
  HOW_TO_ASK_FOR_RECORD,
  type MyData,
  type MyDataInput,
  myData,
  type StudentDataView,
} from "./student-data.ts";
export {
  answerMessage,
  NOT_YOURS,
  STUDENT_VERBS,
  type StudentAction,
  type StudentReplyOutcome,
} from "./student-reply.ts";
export {
  breathe,
  type DayRange,
  type Digest,
  type DigestOptions,
  digestOutboxId,
  type HelpOutcomeRow,
  type HelpOutcomes,
  type HybridEngagement,
  type HybridRow,
  postWeeklyDigest,
  weeklyDigest,
} from "./weekly-digest.ts";
