/** The audit trail and the erasure records: append-only tables, written idempotently by id. */
import { randomUUID } from "node:crypto";
import type Database from "better-sqlite3";
import type { RefusalCode } from "../../cases/index.ts";
import type { AuditRecord, ErasureRecord, StoredAuditRecord } from "../case-records.ts";

interface AuditRow {
  id: string;
  policy_id: string;
  case_id: string;
  actor: string;
  at: string;
  action: string;
  allowed: number;
  why: string;
  refusal: RefusalCode | null;
}

export class SqliteAudit {
  private readonly insert: Database.Statement;
  private readonly insertErasure: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(`INSERT OR IGNORE INTO audit
      (id, policy_id, case_id, actor, at, action, allowed, why, refusal)
      VALUES (@id, @policyId, @caseId, @actor, @at, @action, @allowed, @why, @refusal)`);
    this.insertErasure = db.prepare(`INSERT OR IGNORE INTO erasures
      (case_id, policy_id, actor, at, events) VALUES (@caseId, @policyId, @actor, @at, @events)`);
  }

  /** Call inside a transaction. */
  write(policyId: string, records: readonly AuditRecord[]): void {
    for (const r of records) {
      this.insert.run({
        id: r.id ?? randomUUID(),
        policyId,
        caseId: r.caseId,
        actor: r.actor,
        at: r.at,
        action: r.action,
        allowed: r.allowed ? 1 : 0,
        why: r.why,
        refusal: r.refusal ?? null,
      });
    }
  }

  append(policyId: string, records: readonly AuditRecord[]): void {
    this.db.transaction(() => this.write(policyId, records)).immediate();
  }

  list(policyId: string, caseId: string): StoredAuditRecord[] {
    const rows = this.db
      .prepare("SELECT * FROM audit WHERE policy_id = ? AND case_id = ? ORDER BY at, seq")
      .all(policyId, caseId) as AuditRow[];
    return rows.map((row) => {
      const record: StoredAuditRecord = {
        id: row.id,
        policyId: row.policy_id,
        actor: row.actor,
        at: row.at,
        action: row.action,
        caseId: row.case_id,
        allowed: row.allowed === 1,
        why: row.why,
      };
      if (row.refusal !== null) record.refusal = row.refusal;
      return record;
    });
  }

  /** Call inside a transaction. */
  recordErasure(erasure: ErasureRecord): void {
    this.insertErasure.run(erasure);
  }

  erasures(policyId?: string): ErasureRecord[] {
    const sql = `SELECT case_id AS caseId, policy_id AS policyId, actor, at, events FROM erasures
      ${policyId === undefined ? "" : "WHERE policy_id = ?"} ORDER BY at, case_id`;
    return this.db
      .prepare(sql)
      .all(...(policyId === undefined ? [] : [policyId])) as ErasureRecord[];
  }
}
