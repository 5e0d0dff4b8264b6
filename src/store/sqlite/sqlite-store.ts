/**
 * The embedded `Store`: one SQLite file (better-sqlite3). The driver is synchronous, so the
 * async methods complete in the call, except case appends, committed in groups at the end
 * of the event loop's turn (`appendCaseEvents`); a transaction is never held across an
 * `await`, and other processes on the same file are serialised by SQLite's write lock
 * (`BEGIN IMMEDIATE` with a busy timeout).
 */
import { randomBytes } from "node:crypto";
import type Database from "better-sqlite3";
import type { RuleState } from "../../rules/index.ts";
import { checkSubmissions } from "../append-plan.ts";
import type {
  AppendRequest,
  AppendResult,
  AuditRecord,
  CaseFilter,
  CaseSummary,
  ErasureRecord,
  StoredAuditRecord,
  StoredCase,
} from "../case-records.ts";
import type {
  OutboxCounts,
  OutboxEntry,
  OutboxFilter,
  OutboxKey,
  OutboxSubmission,
} from "../outbox-records.ts";
import type { PolicyVersion, PolicyVersionSubmission } from "../policy-versions.ts";
import type {
  LeaseRequest,
  LeaseResult,
  RunFilter,
  RunRecord,
  SavedRuleState,
  SaveRuleStateResult,
} from "../run-records.ts";
import type { Store } from "../store.ts";
import type {
  BindingPurpose,
  ChannelBinding,
  ConversationFilter,
  ConversationRecord,
} from "../teams-records.ts";
import { migrate, schemaVersion } from "./migrate.ts";
import { openDatabase, type SqliteOptions } from "./open-database.ts";
import { SqliteAudit } from "./sqlite-audit.ts";
import { type Settled, SqliteCases } from "./sqlite-cases.ts";
import { SqliteOutbox } from "./sqlite-outbox.ts";
import { SqlitePolicyVersions } from "./sqlite-policy-versions.ts";
import { SqliteRuns } from "./sqlite-runs.ts";
import { SqliteTeams } from "./sqlite-teams.ts";

interface PendingAppend {
  request: AppendRequest;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** The first schema written with `secure_delete` on (migration 3 came with it). */
const SECURE_DELETE_SCHEMA = 3;

/** Opens (creating if need be) and migrates the database. */
export function openSqliteStore(options: SqliteOptions = {}): SqliteStore {
  const db = openDatabase(options);
  try {
    const version = schemaVersion(db);
    if (version > 0 && version < SECURE_DELETE_SCHEMA) {
      // Rows deleted before secure_delete (students erased by an older Reach among them)
      // may still lie in free pages and cells: one VACUUM rewrites the file without them.
      // Before migrating, so that a VACUUM that fails is tried again at the next open.
      db.exec("VACUUM");
      db.pragma("wal_checkpoint(TRUNCATE)");
    }
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return new SqliteStore(db);
}

export class SqliteStore implements Store {
  private readonly cases: SqliteCases;
  private readonly outbox: SqliteOutbox;
  private readonly audit: SqliteAudit;
  private readonly runs: SqliteRuns;
  private readonly policyVersions: SqlitePolicyVersions;
  private readonly teams: SqliteTeams;
  private secret: string | undefined;
  private appends: PendingAppend[] = [];

  /** `db` must be migrated; `openSqliteStore` does both. */
  constructor(readonly db: Database.Database) {
    this.outbox = new SqliteOutbox(db);
    this.audit = new SqliteAudit(db);
    this.cases = new SqliteCases(db, this.outbox, this.audit);
    this.runs = new SqliteRuns(db);
    this.teams = new SqliteTeams(db);
    this.policyVersions = new SqlitePolicyVersions(db);
  }

  async getCase(policyId: string, caseId: string): Promise<StoredCase | undefined> {
    return this.cases.get(policyId, caseId);
  }

  async findOpenCase(policyId: string, studentId: string): Promise<StoredCase | undefined> {
    return this.cases.findOpen(policyId, studentId);
  }

  async listOpenCases(policyId: string): Promise<StoredCase[]> {
    return this.cases.listOpen(policyId);
  }

  async listCases(filter?: CaseFilter): Promise<CaseSummary[]> {
    return this.cases.list(filter);
  }

  /**
   * Group commit: the appends asked for in one turn of the event loop (card actions that
   * arrived together) are written in one transaction at the end of the turn, each decided
   * on its own as if alone and answered once the transaction is committed, so the disk sync
   * a commit costs (`synchronous = FULL`) is paid once for them all instead of once each.
   */
  appendCaseEvents(request: AppendRequest): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.appends.push({ request, resolve, reject });
      if (this.appends.length === 1) setImmediate(() => this.flushAppends());
    });
  }

  private flushAppends(): void {
    const group = this.appends;
    this.appends = [];
    if (group.length === 0) return;
    let answers: Settled<AppendResult>[];
    try {
      answers = this.cases.appendEach(group.map((g) => g.request));
    } catch (error) {
      // The transaction itself failed (the disk, the lock): nothing of the group was written.
      for (const g of group) g.reject(error);
      return;
    }
    group.forEach((g, i) => {
      const answer = answers[i];
      if (answer.ok) g.resolve(answer.value);
      else g.reject(answer.error);
    });
  }

  async appendManyCaseEvents(requests: readonly AppendRequest[]): Promise<AppendResult[]> {
    return this.cases.appendMany(requests);
  }

  async listErasures(policyId?: string): Promise<ErasureRecord[]> {
    return this.audit.erasures(policyId);
  }

  async appendAudit(policyId: string, records: readonly AuditRecord[]): Promise<void> {
    this.audit.append(policyId, records);
  }

  async listAudit(policyId: string, caseId: string): Promise<StoredAuditRecord[]> {
    return this.audit.list(policyId, caseId);
  }

  async loadRuleState(policyId: string): Promise<SavedRuleState | undefined> {
    return this.runs.loadRuleState(policyId);
  }

  async saveRuleState(
    policyId: string,
    asOf: string,
    state: RuleState,
  ): Promise<SaveRuleStateResult> {
    return this.runs.saveRuleState(policyId, asOf, state);
  }

  async saveRun(run: RunRecord): Promise<void> {
    this.runs.saveRun(run);
  }

  async listRuns(filter?: RunFilter): Promise<RunRecord[]> {
    return this.runs.listRuns(filter);
  }

  async acquireLease(request: LeaseRequest): Promise<LeaseResult> {
    return this.runs.acquireLease(request);
  }

  async releaseLease(policyId: string, asOf: string, owner: string): Promise<boolean> {
    return this.runs.releaseLease(policyId, asOf, owner);
  }

  async enqueueOutbox(entries: readonly OutboxSubmission[]): Promise<number> {
    checkSubmissions(entries);
    return this.outbox.enqueue(entries);
  }

  async claimDue(
    now: string,
    limit: number,
    leaseMs: number,
    owner: string,
  ): Promise<OutboxEntry[]> {
    return this.outbox.claimDue(now, limit, leaseMs, owner);
  }

  async markSending(key: OutboxKey, at: string): Promise<boolean> {
    return this.outbox.markSending(key, at);
  }

  async markSent(key: OutboxKey, activityId: string | undefined, sentAt: string): Promise<boolean> {
    return this.outbox.markSent(key, activityId, sentAt);
  }

  async reschedule(key: OutboxKey, dueAt: string, error: string): Promise<boolean> {
    return this.outbox.reschedule(key, dueAt, error);
  }

  async deadLetter(key: OutboxKey, error: string): Promise<boolean> {
    return this.outbox.deadLetter(key, error);
  }

  async getOutboxEntry(key: OutboxKey): Promise<OutboxEntry | undefined> {
    return this.outbox.get(key);
  }

  async listOutbox(filter?: OutboxFilter): Promise<OutboxEntry[]> {
    return this.outbox.list(filter);
  }

  async countOutbox(policyId?: string): Promise<OutboxCounts> {
    return this.outbox.count(policyId);
  }

  async saveConversation(conversation: ConversationRecord): Promise<void> {
    this.teams.saveConversation(conversation);
  }

  async deletePersonalConversations(userAadObjectId: string): Promise<number> {
    return this.teams.deletePersonalConversations(userAadObjectId);
  }

  async getConversation(id: string): Promise<ConversationRecord | undefined> {
    return this.teams.getConversation(id);
  }

  async listConversations(filter?: ConversationFilter): Promise<ConversationRecord[]> {
    return this.teams.listConversations(filter);
  }

  async saveBinding(binding: ChannelBinding): Promise<void> {
    this.teams.saveBinding(binding);
  }

  async getBinding(
    policyId: string,
    purpose?: BindingPurpose,
  ): Promise<ChannelBinding | undefined> {
    return this.teams.getBinding(policyId, purpose);
  }

  async listBindings(conversationId?: string): Promise<ChannelBinding[]> {
    return this.teams.listBindings(conversationId);
  }

  async removeBinding(policyId: string, purpose?: BindingPurpose): Promise<boolean> {
    return this.teams.removeBinding(policyId, purpose);
  }

  async addPolicyVersion(
    submission: PolicyVersionSubmission,
    options: { onlyIfNew?: boolean } = {},
  ): Promise<{ version: PolicyVersion; created: boolean }> {
    return this.policyVersions.add(submission, options.onlyIfNew === true);
  }

  async listPolicyVersions(policyId: string, limit?: number): Promise<PolicyVersion[]> {
    return this.policyVersions.list(policyId, limit);
  }

  async getPolicyVersion(policyId: string, version: number): Promise<PolicyVersion | undefined> {
    return this.policyVersions.get(policyId, version);
  }

  /** Read once per store: it never changes. */
  async installationSecret(): Promise<string> {
    const read = () =>
      this.db.prepare("SELECT secret FROM installation WHERE id = 1").pluck().get() as
        | string
        | undefined;
    this.secret ??= read();
    if (this.secret === undefined) {
      // Another process may insert first: the row it kept is the secret for both.
      this.db
        .prepare("INSERT OR IGNORE INTO installation (id, secret) VALUES (1, ?)")
        .run(randomBytes(32).toString("hex"));
      this.secret = read();
    }
    return this.secret as string;
  }

  /** Nothing to finish: every change commits in one transaction. */
  async finishInterrupted(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {
    this.flushAppends();
    if (this.db.open) this.db.close();
  }
}
