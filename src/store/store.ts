/**
 * The `Store` port: everything Reach keeps, behind async methods so that a network store
 * (Azure Cosmos DB) fits as well as the embedded SQLite one. One contract suite
 * (tests/store/store-contract.ts) runs against every adapter; docs/storage.md explains the
 * design.
 *
 * Shaped for a partitioned store without multi-document transactions: every method names
 * the policy (the partition), a case change with its outbox entries and audit records is
 * one request that commits whole, and every write is idempotent by a caller-chosen id, so
 * a retry after a crash completes a change rather than doubling it.
 */
import type { RuleState } from "../rules/index.ts";
import type {
  AppendRequest,
  AppendResult,
  AuditRecord,
  CaseFilter,
  CaseSummary,
  ErasureRecord,
  StoredAuditRecord,
  StoredCase,
} from "./case-records.ts";
import type {
  OutboxCounts,
  OutboxEntry,
  OutboxFilter,
  OutboxKey,
  OutboxSubmission,
} from "./outbox-records.ts";
import type { PolicyVersion, PolicyVersionSubmission } from "./policy-versions.ts";
import type {
  LeaseRequest,
  LeaseResult,
  RunFilter,
  RunRecord,
  SavedRuleState,
  SaveRuleStateResult,
} from "./run-records.ts";
import type {
  BindingPurpose,
  ChannelBinding,
  ConversationFilter,
  ConversationRecord,
} from "./teams-records.ts";

export interface Store {
  // Cases

  getCase(policyId: string, caseId: string): Promise<StoredCase | undefined>;
  /** The student's open (proposed, active or escalated) case under the policy. */
  findOpenCase(policyId: string, studentId: string): Promise<StoredCase | undefined>;
  /**
   * Every open (proposed, active or escalated) case of the policy, in full, in case id
   * order: one read for a run, instead of one per finding.
   */
  listOpenCases(policyId: string): Promise<StoredCase[]>;
  /** Summaries, oldest first (by opened time, then case id). */
  listCases(filter?: CaseFilter): Promise<CaseSummary[]>;
  /**
   * Appends events at `expectedVersion`, with their outbox entries and audit records, all or
   * nothing. Appending an `erased` event also rewrites the stored history with
   * `eraseHistory`, blanks the case's outbox payloads (pending ones are dead-lettered) and
   * records the erasure. Retrying the same events is a no-op that answers `replayed: true`.
   */
  appendCaseEvents(request: AppendRequest): Promise<AppendResult>;
  /**
   * Many independent appends (a run's findings): each commits or fails on its own, exactly
   * as `appendCaseEvents` would; the batch as a whole is not atomic. A request that breaks
   * the contract fails the call with a `StoreError`; requests before it may or may not have
   * been applied, and retrying the batch is safe either way.
   */
  appendManyCaseEvents(requests: readonly AppendRequest[]): Promise<AppendResult[]>;
  listErasures(policyId?: string): Promise<ErasureRecord[]>;

  // Audit (records of allowed changes go with `appendCaseEvents`; refusals and reads here)

  appendAudit(policyId: string, records: readonly AuditRecord[]): Promise<void>;
  /** Oldest first. */
  listAudit(policyId: string, caseId: string): Promise<StoredAuditRecord[]>;

  // Rule state

  loadRuleState(policyId: string): Promise<SavedRuleState | undefined>;
  /** Saves unless a state as of a later date is stored; the same date again overwrites. */
  saveRuleState(policyId: string, asOf: string, state: RuleState): Promise<SaveRuleStateResult>;

  // Runs and leases

  /** Inserts or replaces the run with this `runId`. */
  saveRun(run: RunRecord): Promise<void>;
  /** Newest first (by start time). */
  listRuns(filter?: RunFilter): Promise<RunRecord[]>;
  /**
   * Takes the lease of a policy and date until `now + ttlMs`: granted when nobody holds it,
   * when the holder's lease expired by `now`, or to the holder itself (a renewal).
   */
  acquireLease(request: LeaseRequest): Promise<LeaseResult>;
  /** Gives the lease up; only its owner can. */
  releaseLease(policyId: string, asOf: string, owner: string): Promise<boolean>;

  // Outbox

  /** Writes entries that go with no case change; an id already stored is skipped. Returns how many were new. */
  enqueueOutbox(entries: readonly OutboxSubmission[]): Promise<number>;
  /**
   * Claims up to `limit` pending entries due by `now` that nobody holds, oldest first, for
   * `leaseMs`: until then no other claimer sees them. An entry waits while an earlier entry
   * of the same case is still pending, so a card is posted before its updates and replies.
   */
  claimDue(now: string, limit: number, leaseMs: number, owner: string): Promise<OutboxEntry[]>;
  /**
   * Records that a claimed entry is about to be sent (`sendingAt`), before the request to
   * Teams: an entry claimed again with `sendingAt` set was interrupted between sending
   * and recording, so the worker reconciles before it sends again. `reschedule`,
   * `markSent` and `deadLetter` clear it. False (and no change) if not pending.
   */
  markSending(key: OutboxKey, at: string): Promise<boolean>;
  /** pending → sent with the posted activity id; false (and no change) if not pending. */
  markSent(key: OutboxKey, activityId: string | undefined, sentAt: string): Promise<boolean>;
  /** Another try at `dueAt`: attempts + 1, the claim released; false if not pending. */
  reschedule(key: OutboxKey, dueAt: string, error: string): Promise<boolean>;
  /** pending → dead: attempts + 1, never tried again; false if not pending. */
  deadLetter(key: OutboxKey, error: string): Promise<boolean>;
  getOutboxEntry(key: OutboxKey): Promise<OutboxEntry | undefined>;
  /** Oldest first. */
  listOutbox(filter?: OutboxFilter): Promise<OutboxEntry[]>;
  countOutbox(policyId?: string): Promise<OutboxCounts>;

  // Teams conversations and channel bindings (not partitioned by policy)

  /** Inserts or replaces the conversation with this id. */
  saveConversation(conversation: ConversationRecord): Promise<void>;
  getConversation(id: string): Promise<ConversationRecord | undefined>;
  /** In id order. */
  listConversations(filter?: ConversationFilter): Promise<ConversationRecord[]>;
  /**
   * Forgets the personal chats of one user (their Entra object id) altogether: erasure of
   * a student. Answers how many were deleted.
   */
  deletePersonalConversations(userAadObjectId: string): Promise<number>;
  /** Inserts or replaces the binding of (`binding.policyId`, `binding.purpose`). */
  saveBinding(binding: ChannelBinding): Promise<void>;
  /** The policy's cases channel, or with `purpose` its channel for that purpose. */
  getBinding(policyId: string, purpose?: BindingPurpose): Promise<ChannelBinding | undefined>;
  /**
   * Every purpose, in policy id order (a policy's cases binding before its leads' one);
   * with a conversation id, the bindings of that channel. Callers that mean the cases
   * channel keep those without a `purpose`.
   */
  listBindings(conversationId?: string): Promise<ChannelBinding[]>;
  /** True if there was a binding to remove: the cases one, or the one of `purpose`. */
  removeBinding(policyId: string, purpose?: BindingPurpose): Promise<boolean>;

  // Policy versions (policy-versions.ts)

  /**
   * Records a version numbered one after the policy's latest. With `onlyIfNew`, nothing is
   * written when the latest version has the same hash: the answer is that version, with
   * `created: false` (a run or a read noticing a file that has not changed).
   */
  addPolicyVersion(
    submission: PolicyVersionSubmission,
    options?: { onlyIfNew?: boolean },
  ): Promise<{ version: PolicyVersion; created: boolean }>;
  /** Newest first; at most `limit`. */
  listPolicyVersions(policyId: string, limit?: number): Promise<PolicyVersion[]>;
  getPolicyVersion(policyId: string, version: number): Promise<PolicyVersion | undefined>;

  // The installation

  /**
   * The installation's secret (32 random bytes as 64 hex digits), made on first use and
   * kept in the store, so that every process on the same database keys case ids alike:
   * two processes asking a new store at once both get the one that was kept.
   */
  installationSecret(): Promise<string>;

  /**
   * Finishes what interrupted changes left undone and returns how many it finished: a
   * store without multi-record transactions (Cosmos DB) writes a change's outbox and
   * audit records after its case record, and a crash in between leaves them to this. A
   * run calls it first, so running again after a crash completes the crashed run.
   */
  finishInterrupted(): Promise<number>;

  close(): Promise<void>;
}
