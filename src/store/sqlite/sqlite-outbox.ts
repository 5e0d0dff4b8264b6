/**
 * The outbox table's queries: writing entries (with a case change, or on their own),
 * claiming due entries under a time-limited claim, and settling them.
 */
import type Database from "better-sqlite3";
import type { Json } from "../json.ts";
import {
  OUTBOX_KINDS,
  OUTBOX_STATUSES,
  type OutboxCounts,
  type OutboxDraft,
  type OutboxEntry,
  type OutboxFilter,
  type OutboxKey,
  type OutboxKind,
  type OutboxStatus,
  type OutboxSubmission,
} from "../outbox-records.ts";
import { StoreError } from "../store-error.ts";
import { fromMillis, optionalFromMillis, toMillis } from "../timestamps.ts";

interface OutboxRow {
  seq: number;
  id: string;
  policy_id: string;
  case_id: string | null;
  kind: OutboxKind;
  payload: string;
  created_at: number;
  due_at: number;
  attempts: number;
  status: OutboxStatus;
  claimed_by: string | null;
  claimed_until: number | null;
  activity_id: string | null;
  last_error: string | null;
  sent_at: number | null;
  sending_at: number | null;
}

export class SqliteOutbox {
  private readonly insert: Database.Statement;
  private readonly due: Database.Statement;
  private readonly claim: Database.Statement;
  private readonly prepared = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(`INSERT OR IGNORE INTO outbox
      (id, policy_id, case_id, kind, payload, created_at, due_at)
      VALUES (@id, @policyId, @caseId, @kind, @payload, @createdAt, @dueAt)`);
    // An entry waits behind any earlier pending entry of its case: an update or a reply
    // needs the card's activity id, which exists only once the card is sent.
    this.due = db.prepare(`SELECT o.* FROM outbox o
      WHERE o.status = 'pending' AND o.due_at <= @now
        AND (o.claimed_until IS NULL OR o.claimed_until <= @now)
        AND (o.case_id IS NULL OR NOT EXISTS (
          SELECT 1 FROM outbox e
          WHERE e.case_id = o.case_id AND e.status = 'pending' AND e.seq < o.seq))
      ORDER BY o.created_at, o.seq
      LIMIT @limit`);
    this.claim = db.prepare(
      "UPDATE outbox SET claimed_by = @owner, claimed_until = @until WHERE seq = @seq",
    );
  }

  /** Writes entries whose ids are new; returns how many were. Call inside a transaction. */
  write(policyId: string, caseId: string | undefined, drafts: readonly OutboxDraft[]): number {
    let written = 0;
    for (const draft of drafts) {
      written += this.insert.run(draftRow(policyId, caseId, draft)).changes;
    }
    return written;
  }

  enqueue(entries: readonly OutboxSubmission[]): number {
    return this.db
      .transaction(() => entries.reduce((n, e) => n + this.write(e.policyId, e.caseId, [e]), 0))
      .immediate();
  }

  claimDue(now: string, limit: number, leaseMs: number, owner: string): OutboxEntry[] {
    const at = toMillis(now, "now");
    if (!Number.isInteger(limit) || limit < 1) return [];
    return this.db
      .transaction(() => {
        const rows = this.due.all({ now: at, limit }) as OutboxRow[];
        const until = at + leaseMs;
        for (const row of rows) {
          this.claim.run({ owner, until, seq: row.seq });
          row.claimed_by = owner;
          row.claimed_until = until;
        }
        return rows.map(entryOf);
      })
      .immediate();
  }

  /** Records that a pending entry is about to be sent; its claim stays. False if not pending. */
  markSending(key: OutboxKey, at: string): boolean {
    const sql = `UPDATE outbox SET sending_at = @at
      WHERE policy_id = @policyId AND id = @id AND status = 'pending'`;
    const params = { at: toMillis(at, "sendingAt"), policyId: key.policyId, id: key.id };
    return this.statement(sql).run(params).changes === 1;
  }

  markSent(key: OutboxKey, activityId: string | undefined, sentAt: string): boolean {
    return this.settle(key, "status = 'sent', activity_id = @activityId, sent_at = @sentAt", {
      activityId: activityId ?? null,
      sentAt: toMillis(sentAt, "sentAt"),
    });
  }

  reschedule(key: OutboxKey, dueAt: string, error: string): boolean {
    return this.settle(key, "due_at = @dueAt, attempts = attempts + 1, last_error = @error", {
      dueAt: toMillis(dueAt, "dueAt"),
      error,
    });
  }

  deadLetter(key: OutboxKey, error: string): boolean {
    return this.settle(key, "status = 'dead', attempts = attempts + 1, last_error = @error", {
      error,
    });
  }

  /**
   * Changes a pending entry, releases its claim and clears `sending_at` (the attempt's
   * outcome is recorded); false when it is not pending.
   */
  private settle(key: OutboxKey, set: string, params: Record<string, unknown>): boolean {
    const sql = `UPDATE outbox
      SET ${set}, claimed_by = NULL, claimed_until = NULL, sending_at = NULL
      WHERE policy_id = @policyId AND id = @id AND status = 'pending'`;
    return this.statement(sql).run({ ...params, policyId: key.policyId, id: key.id }).changes === 1;
  }

  get(key: OutboxKey): OutboxEntry | undefined {
    const row = this.statement("SELECT * FROM outbox WHERE policy_id = ? AND id = ?").get(
      key.policyId,
      key.id,
    ) as OutboxRow | undefined;
    return row && entryOf(row);
  }

  list(filter: OutboxFilter = {}): OutboxEntry[] {
    const where: string[] = [];
    if (filter.policyId !== undefined) where.push("policy_id = @policyId");
    if (filter.caseId !== undefined) where.push("case_id = @caseId");
    if (filter.status !== undefined) where.push("status = @status");
    const sql = `SELECT * FROM outbox ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY created_at, seq`;
    return (this.db.prepare(sql).all(filter) as OutboxRow[]).map(entryOf);
  }

  count(policyId?: string): OutboxCounts {
    const sql = `SELECT status, COUNT(*) AS n FROM outbox
      ${policyId === undefined ? "" : "WHERE policy_id = ?"} GROUP BY status`;
    const rows = this.db.prepare(sql).all(...(policyId === undefined ? [] : [policyId])) as {
      status: OutboxStatus;
      n: number;
    }[];
    const counts = Object.fromEntries(OUTBOX_STATUSES.map((s) => [s, 0])) as OutboxCounts;
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }

  /**
   * Erasure: the case's payloads (cards and messages about the student) are blanked, what
   * was still to be sent is never sent, and the id of the message in the student's chat goes.
   */
  eraseCase(caseId: string, error: string): void {
    this.db
      .prepare(`UPDATE outbox SET payload = 'null', claimed_by = NULL, claimed_until = NULL,
        sending_at = NULL,
        last_error = CASE WHEN status = 'pending' THEN @error ELSE last_error END,
        status = CASE WHEN status = 'pending' THEN 'dead' ELSE status END,
        activity_id = CASE WHEN kind = 'student_message' THEN NULL ELSE activity_id END
        WHERE case_id = @caseId`)
      .run({ caseId, error });
  }
  /** A statement prepared once per connection (the hot reads and writes prepare once). */
  private statement(sql: string): Database.Statement {
    let statement = this.prepared.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.prepared.set(sql, statement);
    }
    return statement;
  }
}

function draftRow(policyId: string, caseId: string | undefined, draft: OutboxDraft) {
  if (!OUTBOX_KINDS.includes(draft.kind)) {
    throw new StoreError("invalid_request", `outbox ${draft.id}: unknown kind "${draft.kind}"`);
  }
  const payload = JSON.stringify(draft.payload);
  if (payload === undefined) {
    throw new StoreError("invalid_request", `outbox ${draft.id}: the payload is not JSON`);
  }
  const createdAt = toMillis(draft.createdAt, `outbox ${draft.id} createdAt`);
  return {
    id: draft.id,
    policyId,
    caseId: caseId ?? null,
    kind: draft.kind,
    payload,
    createdAt,
    dueAt:
      draft.dueAt === undefined ? createdAt : toMillis(draft.dueAt, `outbox ${draft.id} dueAt`),
  };
}

function entryOf(row: OutboxRow): OutboxEntry {
  const entry: OutboxEntry = {
    id: row.id,
    policyId: row.policy_id,
    kind: row.kind,
    payload: JSON.parse(row.payload) as Json,
    createdAt: fromMillis(row.created_at),
    dueAt: fromMillis(row.due_at),
    attempts: row.attempts,
    status: row.status,
  };
  if (row.case_id !== null) entry.caseId = row.case_id;
  if (row.activity_id !== null) entry.activityId = row.activity_id;
  if (row.last_error !== null) entry.lastError = row.last_error;
  if (row.sent_at !== null) entry.sentAt = optionalFromMillis(row.sent_at);
  if (row.sending_at !== null) entry.sendingAt = optionalFromMillis(row.sending_at);
  if (row.claimed_by !== null) entry.claimedBy = row.claimed_by;
  if (row.claimed_until !== null) entry.claimedUntil = optionalFromMillis(row.claimed_until);
  return entry;
}
