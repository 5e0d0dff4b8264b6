/** The weekly digest of a policy, pure: its type and the parts it is made of (docs/digest.md). */
export {
  type CaseWeek,
  type CaseWeekInput,
  type DigestRun,
  type DigestWeeks,
  digestWeeks,
  MAX_ERROR_LENGTH,
  MAX_FAILURES,
  medianOf,
  NOISY_DISMISSAL_RATE,
  NOISY_MIN_DECIDED,
  summariseCaseWeek,
} from "./case-week.ts";
export type { DayRange, Digest } from "./digest.ts";
export {
  type HelpOutcomeRow,
  type HelpOutcomes,
  helpOutcomes,
} from "./help-outcomes.ts";
export { type HybridEngagement, type HybridRow, hybridEngagement } from "./hybrid.ts";
