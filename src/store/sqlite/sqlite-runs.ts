/** Rule state, run records and run leases in SQLite. */
import type Database from "better-sqlite3";
import { isIsoDate } from "../../data/dates.ts";
import type { RuleState } from "../../rules/index.ts";
import { parseRuleState } from "../rule-state-schema.ts";
import type {
  DataThrough,
  Lease,
  LeaseRequest,
  LeaseResult,
  RunFilter,
  RunRecord,
  SavedRuleState,
  SaveRuleStateResult,
} from "../run-records.ts";
import { StoreError } from "../store-error.ts";
import { fromMillis, optionalFromMillis, toMillis } from "../timestamps.ts";

interface RunRow {
  run_id: string;
  policy_id: string;
  as_of: string;
  started_at: number;
  finished_at: number | null;
  status: RunRecord["status"];
  counts: string;
  errors: string;
  warnings: string;
  data_through: string;
  policy_version: number | null;
}

export class SqliteRuns {
  constructor(private readonly db: Database.Database) {}

  loadRuleState(policyId: string): SavedRuleState | undefined {
    const row = this.db
      .prepare("SELECT as_of, state FROM rule_state WHERE policy_id = ?")
      .get(policyId) as { as_of: string; state: string } | undefined;
    if (row === undefined) return undefined;
    const parsed = parseRuleState(JSON.parse(row.state));
    if (!parsed.ok) {
      throw new StoreError("corrupt_record", `rule state of policy ${policyId}: ${parsed.message}`);
    }
    return { asOf: row.as_of, state: parsed.state };
  }

  saveRuleState(policyId: string, asOf: string, state: RuleState): SaveRuleStateResult {
    checkDate(asOf);
    const parsed = parseRuleState(state);
    if (!parsed.ok || state.policyId !== policyId) {
      const why = parsed.ok ? `it is the state of policy ${state.policyId}` : parsed.message;
      throw new StoreError("invalid_request", `rule state of policy ${policyId}: ${why}`);
    }
    const result = this.db
      .transaction((): SaveRuleStateResult => {
        const stored = this.db
          .prepare("SELECT as_of FROM rule_state WHERE policy_id = ?")
          .pluck()
          .get(policyId) as string | undefined;
        if (stored !== undefined && stored > asOf) {
          return { ok: false, reason: "newer_state", storedAsOf: stored };
        }
        this.db
          .prepare(`INSERT INTO rule_state (policy_id, as_of, state) VALUES (?, ?, ?)
            ON CONFLICT (policy_id) DO UPDATE SET as_of = excluded.as_of, state = excluded.state`)
          .run(policyId, asOf, JSON.stringify(parsed.state));
        return { ok: true };
      })
      .immediate();
    // The state saved may have dropped an erased student (src/app/erase-student.ts): the
    // old state must not live on in the WAL, nor in the file's pages until a checkpoint
    // copies the new ones over them. Once per run, this is one checkpoint.
    if (result.ok) this.db.pragma("wal_checkpoint(TRUNCATE)");
    return result;
  }

  saveRun(run: RunRecord): void {
    checkDate(run.asOf);
    this.db
      .prepare(`INSERT OR REPLACE INTO runs
        (run_id, policy_id, as_of, started_at, finished_at, status, counts, errors, warnings,
        data_through, policy_version)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(
        run.runId,
        run.policyId,
        run.asOf,
        toMillis(run.startedAt, "startedAt"),
        run.finishedAt === undefined ? null : toMillis(run.finishedAt, "finishedAt"),
        run.status,
        JSON.stringify(run.counts),
        JSON.stringify(run.errors),
        JSON.stringify(run.warnings ?? []),
        JSON.stringify(run.dataThrough ?? []),
        run.policyVersion ?? null,
      );
  }

  listRuns(filter: RunFilter = {}): RunRecord[] {
    const where: string[] = [];
    if (filter.policyId !== undefined) where.push("policy_id = @policyId");
    if (filter.asOf !== undefined) where.push("as_of = @asOf");
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY started_at DESC, run_id DESC ${filter.limit === undefined ? "" : "LIMIT @limit"}`;
    return (this.db.prepare(sql).all(filter) as RunRow[]).map((row) => {
      const run: RunRecord = {
        runId: row.run_id,
        policyId: row.policy_id,
        asOf: row.as_of,
        startedAt: fromMillis(row.started_at),
        status: row.status,
        counts: JSON.parse(row.counts) as Record<string, number>,
        errors: JSON.parse(row.errors) as string[],
      };
      const finishedAt = optionalFromMillis(row.finished_at);
      if (finishedAt !== undefined) run.finishedAt = finishedAt;
      // An empty list is not kept: it reads back as none, as in Cosmos DB.
      const warnings = JSON.parse(row.warnings) as string[];
      if (warnings.length > 0) run.warnings = warnings;
      const dataThrough = JSON.parse(row.data_through) as DataThrough[];
      if (dataThrough.length > 0) run.dataThrough = dataThrough;
      if (row.policy_version !== null) run.policyVersion = row.policy_version;
      return run;
    });
  }

  acquireLease(request: LeaseRequest): LeaseResult {
    const { policyId, asOf, owner } = request;
    const now = toMillis(request.now, "now");
    return this.db
      .transaction((): LeaseResult => {
        const held = this.db
          .prepare("SELECT owner, expires_at FROM leases WHERE policy_id = ? AND as_of = ?")
          .get(policyId, asOf) as { owner: string; expires_at: number } | undefined;
        const yielded = request.takeOverFrom !== undefined && held?.owner === request.takeOverFrom;
        if (held !== undefined && held.owner !== owner && held.expires_at > now && !yielded) {
          return {
            ok: false,
            holder: { policyId, asOf, owner: held.owner, expiresAt: fromMillis(held.expires_at) },
          };
        }
        const lease: Lease = { policyId, asOf, owner, expiresAt: fromMillis(now + request.ttlMs) };
        this.db
          .prepare(`INSERT INTO leases (policy_id, as_of, owner, expires_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (policy_id, as_of) DO UPDATE SET owner = excluded.owner,
            expires_at = excluded.expires_at`)
          .run(policyId, asOf, owner, now + request.ttlMs);
        return { ok: true, lease };
      })
      .immediate();
  }

  releaseLease(policyId: string, asOf: string, owner: string): boolean {
    return (
      this.db
        .prepare("DELETE FROM leases WHERE policy_id = ? AND as_of = ? AND owner = ?")
        .run(policyId, asOf, owner).changes === 1
    );
  }
}

function checkDate(asOf: string): void {
  if (!isIsoDate(asOf)) {
    throw new StoreError("invalid_request", `as-of date must be YYYY-MM-DD, not ${asOf}`);
  }
}
