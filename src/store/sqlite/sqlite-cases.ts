/**
 * Cases in SQLite: the `cases` summary row and the `case_events` history. An append runs in
 * one immediate transaction: it reads the case's version under the write lock, checks it,
 * and writes the events, the summary, the outbox entries and the audit records together.
 */
import type Database from "better-sqlite3";
import type { CaseEvent } from "../../cases/index.ts";
import { CaseEventSchema, deepFreeze, historyProblem, isOpen } from "../../cases/index.ts";
import { auditRecordsOf, checkAppendRequest, planAppend, readStoredCase } from "../append-plan.ts";
import type {
  AppendRequest,
  AppendResult,
  CaseFilter,
  CaseSummary,
  StoredCase,
} from "../case-records.ts";
import { StoreError } from "../store-error.ts";
import type { SqliteAudit } from "./sqlite-audit.ts";
import type { SqliteOutbox } from "./sqlite-outbox.ts";

interface SummaryRow {
  case_id: string;
  policy_id: string;
  student_id: string;
  school: string;
  status: CaseSummary["status"];
  severity: CaseSummary["severity"];
  assignee: string | null;
  version: number;
  as_of: string;
  opened_at: string;
  updated_at: string;
}

const ERASED_OUTBOX_ERROR = "case erased: not sent";

/** A case's history as last read: its rows' text, and the events that text validated to. */
interface ReadHistory {
  bodies: string[];
  events: CaseEvent[];
}

/** How many cases' histories are kept as last read (the oldest read is dropped first). */
const KEPT_HISTORIES = 5000;

export class SqliteCases {
  private readonly policyOf: Database.Statement;
  private readonly events: Database.Statement;
  private readonly openCase: Database.Statement;
  private readonly upsert: Database.Statement;
  private readonly insertEvent: Database.Statement;
  private readonly rewriteEvent: Database.Statement;
  private erasedSinceCheckpoint = false;
  /**
   * Cases' histories as last read, so that a read validates only the rows whose text it has
   * not validated before (a card action reads its case two or three times). Keyed by the
   * text itself: whoever wrote a row, the same text always validates to the same event.
   */
  private readonly histories = new Map<string, ReadHistory>();
  /** `write` in a savepoint of the transaction it is called in. */
  private readonly writeAlone: (request: AppendRequest, events: CaseEvent[]) => AppendResult;

  constructor(
    private readonly db: Database.Database,
    private readonly outbox: SqliteOutbox,
    private readonly audit: SqliteAudit,
  ) {
    this.policyOf = db.prepare("SELECT policy_id FROM cases WHERE case_id = ?").pluck();
    this.events = db
      .prepare("SELECT body FROM case_events WHERE case_id = ? ORDER BY version")
      .pluck();
    this.openCase = db
      .prepare("SELECT case_id FROM cases WHERE policy_id = ? AND student_id = ? AND is_open = 1")
      .pluck();
    this.upsert = db.prepare(`INSERT INTO cases
      (case_id, policy_id, student_id, school, status, is_open, severity, assignee, version,
       as_of, opened_at, updated_at)
      VALUES (@caseId, @policyId, @studentId, @school, @status, @isOpen, @severity, @assignee,
       @version, @asOf, @openedAt, @updatedAt)
      ON CONFLICT (case_id) DO UPDATE SET student_id = excluded.student_id,
       status = excluded.status, is_open = excluded.is_open, severity = excluded.severity,
       assignee = excluded.assignee, version = excluded.version, as_of = excluded.as_of,
       updated_at = excluded.updated_at`);
    this.insertEvent = db.prepare(
      "INSERT INTO case_events (case_id, version, type, at, body) VALUES (?, ?, ?, ?, ?)",
    );
    this.rewriteEvent = db.prepare(
      "UPDATE case_events SET body = ? WHERE case_id = ? AND version = ?",
    );
    this.writeAlone = db.transaction((request: AppendRequest, events: CaseEvent[]) =>
      this.write(request, events),
    );
  }

  get(policyId: string, caseId: string): StoredCase | undefined {
    if (this.policyOf.get(caseId) !== policyId) return undefined;
    return this.readCase(policyId, caseId);
  }

  findOpen(policyId: string, studentId: string): StoredCase | undefined {
    const caseId = this.openCase.get(policyId, studentId) as string | undefined;
    return caseId === undefined ? undefined : this.get(policyId, caseId);
  }

  listOpen(policyId: string): StoredCase[] {
    const ids = this.db
      .prepare("SELECT case_id FROM cases WHERE policy_id = ? AND is_open = 1 ORDER BY case_id")
      .pluck()
      .all(policyId) as string[];
    return ids.map((caseId) => readStoredCase(policyId, caseId, this.rawEvents(caseId)));
  }

  list(filter: CaseFilter = {}): CaseSummary[] {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, ...values: unknown[]) => {
      where.push(sql);
      params.push(...values);
    };
    if (filter.policyId !== undefined) add("policy_id = ?", filter.policyId);
    if (filter.caseId !== undefined) add("case_id = ?", filter.caseId);
    if (filter.studentId !== undefined) add("student_id = ?", filter.studentId);
    if (filter.assignee !== undefined) add("assignee = ?", filter.assignee);
    if (filter.status !== undefined) {
      const statuses = typeof filter.status === "string" ? [filter.status] : [...filter.status];
      add(`status IN (${statuses.map(() => "?").join(", ") || "NULL"})`, ...statuses);
    }
    const sql = `SELECT * FROM cases ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY opened_at, case_id`;
    return (this.db.prepare(sql).all(...params) as SummaryRow[]).map(summaryOf);
  }

  append(request: AppendRequest): AppendResult {
    const events = checkAppendRequest(request);
    const result = this.db.transaction(() => this.write(request, events)).immediate();
    this.checkpointAfterErasure();
    return result;
  }

  /** Each request decided on its own, all in one transaction: one disk sync for a run. */
  appendMany(requests: readonly AppendRequest[]): AppendResult[] {
    const checked = requests.map((r) => [r, checkAppendRequest(r)] as const);
    const results = this.db
      .transaction(() => checked.map(([r, e]) => this.write(r, e)))
      .immediate();
    this.checkpointAfterErasure();
    return results;
  }

  /**
   * Each request decided on its own, in order, all in one transaction (group commit): one
   * disk sync for the card actions that arrived together. A request that throws (a bug in
   * its caller, a broken case) is rolled back alone, to its savepoint, and answered with
   * its error; the others commit. If the transaction itself fails, every request fails.
   */
  appendEach(requests: readonly AppendRequest[]): Settled<AppendResult>[] {
    const answers: Settled<AppendResult>[] = [];
    const checked = requests.map((request, i) => {
      try {
        return checkAppendRequest(request);
      } catch (error) {
        answers[i] = { ok: false, error };
        return undefined;
      }
    });
    this.db
      .transaction(() => {
        requests.forEach((request, i) => {
          const events = checked[i];
          if (events === undefined) return;
          try {
            // Nested: a savepoint, rolled back alone when this request throws.
            answers[i] = { ok: true, value: this.writeAlone(request, events) };
          } catch (error) {
            answers[i] = { ok: false, error };
          }
        });
      })
      .immediate();
    this.checkpointAfterErasure();
    return answers;
  }

  /**
   * The WAL still holds the pages as they were before the erasure (the student's id, notes,
   * evidence) until a checkpoint copies the new ones into the database and TRUNCATE empties
   * the file. It waits (busy timeout) for readers of older snapshots; if one outlasts it,
   * the old frames go at the next erasure's checkpoint or when the last connection closes.
   */
  private checkpointAfterErasure(): void {
    if (!this.erasedSinceCheckpoint) return;
    this.erasedSinceCheckpoint = false;
    this.db.pragma("wal_checkpoint(TRUNCATE)");
  }

  /** Call inside an immediate transaction, so nobody writes between the read and the write. */
  private write(request: AppendRequest, events: CaseEvent[]): AppendResult {
    const { policyId, caseId } = request;
    const owner = this.policyOf.get(caseId) as string | undefined;
    if (owner !== undefined && owner !== policyId) {
      throw new StoreError(
        "invalid_request",
        `case id ${caseId} belongs to policy ${owner}, not ${policyId}`,
      );
    }
    const stored = owner === undefined ? undefined : this.readCase(owner, caseId);
    const plan = planAppend(stored?.events, request, events);
    if (plan.kind === "replay") return { ok: true, replayed: true, case: stored as StoredCase };
    if (plan.kind === "not_found") return { ok: false, reason: "not_found" };
    if (plan.kind === "stale") {
      return { ok: false, reason: "stale_version", current: stored as StoredCase };
    }

    const open = isOpen(plan.state);
    if (open) {
      const other = this.openCase.get(policyId, plan.state.studentId) as string | undefined;
      if (other !== undefined && other !== caseId) {
        return {
          ok: false,
          reason: "open_case_exists",
          current: this.get(policyId, other) as StoredCase,
        };
      }
    }
    const s = plan.summary;
    this.upsert.run({ ...s, isOpen: open ? 1 : 0, assignee: s.assignee ?? null });
    // Stored as the plan has them: erased already when this change erases the case.
    for (const e of plan.history.slice(request.expectedVersion)) {
      this.insertEvent.run(caseId, e.version, e.type, e.at, JSON.stringify(e));
    }
    if (plan.erasure) {
      this.erasedSinceCheckpoint = true;
      // Nothing of the history before its erasure stays in memory either.
      this.histories.delete(caseId);
      for (const e of plan.history.slice(0, request.expectedVersion)) {
        this.rewriteEvent.run(JSON.stringify(e), caseId, e.version);
      }
      this.outbox.eraseCase(caseId, ERASED_OUTBOX_ERROR);
      this.audit.recordErasure(plan.erasure);
    }
    this.outbox.write(policyId, caseId, request.outbox ?? []);
    this.audit.write(policyId, auditRecordsOf(request));
    return {
      ok: true,
      replayed: false,
      case: { policyId, caseId, version: plan.history.length, events: plan.history },
    };
  }

  /**
   * The case's stored history, validated as `readStoredCase` does; the rows whose text is
   * the same as at the last read of the case keep the events they validated to then (frozen,
   * so no reader can change what another is given). Anything that does not validate is read
   * again by `readStoredCase`, for its error.
   */
  private readCase(policyId: string, caseId: string): StoredCase {
    const bodies = this.events.all(caseId) as string[];
    const known = this.histories.get(caseId);
    let same = 0;
    if (known !== undefined) {
      const n = Math.min(known.bodies.length, bodies.length);
      while (same < n && known.bodies[same] === bodies[same]) same++;
    }
    const events = known === undefined ? [] : known.events.slice(0, same);
    for (let i = same; i < bodies.length; i++) {
      const parsed = CaseEventSchema.safeParse(JSON.parse(bodies[i] as string));
      if (!parsed.success) break;
      events.push(deepFreeze(parsed.data as CaseEvent));
    }
    if (events.length !== bodies.length || historyProblem(events) !== undefined) {
      this.histories.delete(caseId);
      return readStoredCase(policyId, caseId, this.rawEvents(caseId));
    }
    this.histories.delete(caseId);
    if (this.histories.size >= KEPT_HISTORIES) {
      const oldest = this.histories.keys().next();
      if (!oldest.done) this.histories.delete(oldest.value);
    }
    this.histories.set(caseId, { bodies, events: [...events] });
    return { policyId, caseId, version: events.length, events };
  }

  private rawEvents(caseId: string): unknown[] {
    return (this.events.all(caseId) as string[]).map((body) => JSON.parse(body) as unknown);
  }
}

/** One request's answer in a group: its result, or what it threw. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function summaryOf(row: SummaryRow): CaseSummary {
  const summary: CaseSummary = {
    caseId: row.case_id,
    policyId: row.policy_id,
    studentId: row.student_id,
    school: row.school,
    status: row.status,
    severity: row.severity,
    version: row.version,
    asOf: row.as_of,
    openedAt: row.opened_at,
    updatedAt: row.updated_at,
  };
  if (row.assignee !== null) summary.assignee = row.assignee;
  return summary;
}
