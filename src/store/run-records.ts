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

export const RUN_STATUSES = ["running", "succeeded", "failed"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunRecord {
  runId: string;
  policyId: string;
  /** The evaluation date (YYYY-MM-DD). */
  asOf: string;
  startedAt: string;
  finishedAt?: string;
  status: RunStatus;
  /** Named counts: students, findings, cases opened, signals added… */
  counts: Record<string, number>;
  errors: string[];
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
