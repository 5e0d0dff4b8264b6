/**
 * What the scheduler keeps: the evaluator's rule state per policy, a record of each run,
 * and the lease that stops two instances running the same policy and date at once.
 */
import type { RuleState } from "../rules/index.ts";

export interface SavedRuleState {
  /** The evaluation date (YYYY-MM-DD) the state is as of. */
  asOf: string;
  state: RuleState;
}

export type SaveRuleStateResult =
  | { ok: true }
  /** A state as of a later date is stored: an older run must not roll it back. */
  | { ok: false; reason: "newer_state"; storedAsOf: string };

/**
 * `skipped`: the schedule fired but the run did not happen, for the reason in `errors` (not
 * a school day; the previous run was still going). Like `succeeded`, it closes the date.
 */
export const RUN_STATUSES = ["running", "succeeded", "failed", "skipped"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunRecord {
  runId: string;
  policyId: string;
  /** The evaluation date (YYYY-MM-DD). */
  asOf: string;
  startedAt: string;
  finishedAt?: string;
  status: RunStatus;
  /**
   * Named counts: students, findings, cases opened, signals added… A policy with watch
   * rules (`action: watch`) adds `watched` (students a watch rule fired for),
   * `watchedOnCases` (open cases that recorded those signals) and `watched:<rule id>` per
   * watch rule. Both stores keep the object as it is (SQLite as JSON, Cosmos DB in the run's
   * document), so new names need no migration.
   */
  counts: Record<string, number>;
  errors: string[];
  /** What the check of the policy against its data warned about (absent when nothing). */
  warnings?: string[];
  /**
   * The last date of each stream of the data among the policy's students (attendance,
   * activity per source, submissions), as the run saw it; absent when not known.
   */
  dataThrough?: DataThrough[];
  /** The version of the policy (policy history) the run evaluated, when known. */
  policyVersion?: number;
}

export interface DataThrough {
  /** `attendance`, `activity`, `activity:<source>` or `submissions`. */
  stream: string;
  /** YYYY-MM-DD. */
  last: string;
}

export interface RunFilter {
  policyId?: string;
  asOf?: string;
  /** At most this many, newest first. */
  limit?: number;
}

export interface Lease {
  policyId: string;
  asOf: string;
  owner: string;
  expiresAt: string;
}

export interface LeaseRequest {
  policyId: string;
  asOf: string;
  owner: string;
  now: string;
  ttlMs: number;
  /**
   * Take the lease over from this holder even before it expires: the caller has found
   * that the holder is gone (a killed process on this host), so waiting would be for
   * nothing. Granted only while that same holder still has it.
   */
  takeOverFrom?: string;
}

export type LeaseResult = { ok: true; lease: Lease } | { ok: false; holder: Lease };
