/**
 * The weekly digest of one policy for its engagement leads (docs/digest.md): how the week
 * went, in counts, rates and medians only. No student is named in it, nor identified by an
 * id. It is plain JSON, so it is stored whole as the payload of its outbox entry and
 * rendered as a card from there.
 *
 * The digest of date D (the policy-local date it is made on) covers the seven days D-6 … D
 * (D included: a Monday 08:00 digest counts that morning's run, and one asked for in Teams
 * counts today) and compares them with the seven before, D-13 … D-7; its rule figures
 * cover D-27 … D.
 */
import type { QuarterFairness } from "../fairness.ts";
import type { HelpOutcomes } from "./help-outcomes.ts";
import type { HybridEngagement } from "./hybrid.ts";

/** A span of policy-local dates (YYYY-MM-DD), both ends included. */
export interface DayRange {
  from: string;
  to: string;
}

export interface Digest {
  policyId: string;
  policyName: string;
  /** The policy-local date it was made on. */
  date: string;
  week: DayRange;
  previousWeek: DayRange;
  cases: {
    opened: number;
    confirmed: number;
    dismissed: number;
    resolved: number;
    previous: { opened: number; confirmed: number; dismissed: number; resolved: number };
    /** DISMISS_REASONS order, zero rows omitted. */
    dismissedByReason: { reason: string; count: number }[];
    /** RESOLVE_OUTCOMES order, zero rows omitted. */
    resolvedByOutcome: { outcome: string; count: number }[];
    /** Open (proposed, active, escalated) at the end of the week. */
    openNow: number;
  };
  /** Cases whose first contact attempt (any outcome) was in the week: days from opening to it. */
  firstContact: { cases: number; medianDays: number | null };
  /** Per case rule (action case), over `rulePeriod` = the last 28 days (D-28 … D-1). */
  rulePeriod: DayRange;
  rules: {
    ruleId: string;
    name: string;
    /** Cases with that rule among their opening signals, confirmed or dismissed in the period. */
    decided: number;
    dismissed: number;
    /** dismissed / decided, null when decided = 0. */
    dismissalRate: number | null;
    /** decided >= 5 and dismissalRate >= 0.5. */
    noisy: boolean;
  }[];
  /** Open cases with an escalation proposed and not decided. */
  escalationsAwaiting: number;
  /** Runs with asOf in the week; failures: at most 5, errors clipped to 200 characters. */
  runs: {
    succeeded: number;
    failed: number;
    skipped: number;
    failures: { asOf: string; error: string }[];
  };
  /** Outbox entries of the policy with status dead: created in the week / all. */
  deadLetters: { week: number; total: number };
  /** Per watch rule: students it fired for on the last run of each week (run counts `watched:<rule id>`). */
  watch: { ruleId: string; name: string; week: number | null; previous: number | null }[];
  hybrid: HybridEngagement;
  help: HelpOutcomes;
  /** Quarter to date (quarterFairness of src/run/fairness.ts, findings = cases opened in the quarter's runs). */
  fairness?: QuarterFairness;
}
