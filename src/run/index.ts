/** The run module's public surface: a real run applied to the store, and a dry run. */
export {
  AlreadyRun,
  type ApplyRunOptions,
  type ApplyRunResult,
  applyRun,
  RunInProgress,
} from "./apply-run.ts";
export { type DryRunOptions, DryRunRefused, type DryRunResult, dryRun } from "./dry-run.ts";
export {
  type StudentValue,
  type StudentValues,
  type StudentValuesInput,
  studentValues,
  type ValueTest,
} from "./student-values.ts";
