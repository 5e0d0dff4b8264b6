/**
 * What the store keeps about cases: the history itself (`StoredCase`), a summary row per
 * case for lists and look-ups, the append request that changes a case together with the
 * outbox entries and audit records that must commit with it, and erasure records.
 */
import type { AuditEntry, CaseEvent, CaseStatus } from "../cases/index.ts";
import type { Severity } from "../rules/index.ts";
import type { OutboxDraft } from "./outbox-records.ts";

/** A case as stored: its whole history, validated on read. `version` = events.length. */
export interface StoredCase {
  policyId: string;
  caseId: string;
  version: number;
  events: CaseEvent[];
}

/** One line of a case list, kept beside the history so a list never folds events. */
export interface CaseSummary {
  caseId: string;
  policyId: string;
  /** `[erased]` once the case is erased. */
  studentId: string;
  school: string;
  status: CaseStatus;
  severity: Severity;
  assignee?: string;
  version: number;
  /** The "data as of" date of the newest evidence (YYYY-MM-DD). */
  asOf: string;
  openedAt: string;
  updatedAt: string;
}

/** Every field narrows the list; none lists every case, oldest first. */
export interface CaseFilter {
  policyId?: string;
  status?: CaseStatus | readonly CaseStatus[];
  studentId?: string;
  caseId?: string;
  assignee?: string;
}

/** An audit record to store; `id` makes a retried write idempotent (the store makes one when absent). */
export interface AuditRecord extends AuditEntry {
  id?: string;
}

export interface StoredAuditRecord extends AuditEntry {
  id: string;
  policyId: string;
}

/**
 * A change to one case. `events` continue the history at `expectedVersion` (0 creates the
 * case, and then the first event is its `opened`). The outbox entries and audit records
 * commit with the events or not at all.
 */
export interface AppendRequest {
  policyId: string;
  caseId: string;
  expectedVersion: number;
  events: CaseEvent[];
  outbox?: OutboxDraft[];
  audit?: AuditEntry[];
}

export type AppendResult =
  /** `replayed`: these very events were already stored (a retry); nothing was written again. */
  | { ok: true; replayed: boolean; case: StoredCase }
  /** The case is not at `expectedVersion` (or, for a create, already exists): `current` is it now. */
  | { ok: false; reason: "stale_version"; current: StoredCase }
  /** `expectedVersion` > 0 but there is no such case. */
  | { ok: false; reason: "not_found" }
  /** The change would leave the student a second open case under the policy: `current` is the open one. */
  | { ok: false; reason: "open_case_exists"; current: StoredCase };

/** That a case was erased, by whom and when; the case keeps its counts, this keeps the fact. */
export interface ErasureRecord {
  policyId: string;
  caseId: string;
  actor: string;
  at: string;
  /** How many events the erased history holds (they are all kept, redacted). */
  events: number;
}
