/**
 * The application layer: Reach's use cases, one file each. The front ends (`teams/`,
 * `cli/`, the demo) parse what arrives, call these and render what comes back; who may see
 * or change what is decided here and in `cases/`, and recorded in the audit trail.
 */
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
export { type BindingChange, bindingsOf, changeBinding } from "./bind-policy.ts";
export {
  type BotAuth,
  type BotConfig,
  ConfigError,
  readConfig,
  readDemoSettings,
} from "./config.ts";
export { buildDirectory, type Directory, DirectoryHolder } from "./directory.ts";
export { eraseStudent } from "./erase-student.ts";
export { openStore } from "./open-store.ts";
export {
  type CatalogueRefresh,
  PolicyCatalogue,
  type RejectedChange,
  rejectedChangeText,
} from "./policy-catalogue.ts";
export {
  type CaseDisplay,
  listCasesForOperator,
  listRuns,
  myCases,
  type OperatorRead,
  type StaffRead,
  showCaseTo,
  showCaseToOperator,
  storedIds,
  viewCase,
} from "./read-case.ts";
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
