/**
 * Rule state, run records, leases and the audit trail in Cosmos DB. Rule state and leases
 * live in the `cases` container (partition = policy) and change only by create or by
 * replace under `If-Match`; runs are upserted; audit records are created by id.
 */
import { randomUUID } from "node:crypto";
import type { Container } from "@azure/cosmos";
import { isIsoDate } from "../../data/dates.ts";
import type { RuleState } from "../../rules/index.ts";
import type { AuditRecord, StoredAuditRecord } from "../case-records.ts";
import { parseRuleState } from "../rule-state-schema.ts";
import type {
  Lease,
  LeaseRequest,
  LeaseResult,
  RunFilter,
  RunRecord,
  SavedRuleState,
  SaveRuleStateResult,
} from "../run-records.ts";
import { StoreError } from "../store-error.ts";
import { fromMillis, toMillis } from "../timestamps.ts";
import {
  bulkWrite,
  createDoc,
  deleteIfMatch,
  mapLimited,
  nextSeq,
  queryAll,
  readDoc,
  replaceIfMatch,
} from "./cosmos-common.ts";

const RULE_STATE_ID = "rule-state";

interface RuleStateDoc {
  id: typeof RULE_STATE_ID;
  docType: "rule-state";
  policyId: string;
  asOf: string;
  state: RuleState;
}

interface LeaseDoc {
  id: string;
  docType: "lease";
  policyId: string;
  asOf: string;
  owner: string;
  expiresAt: number;
  /** Seconds after the last write that Cosmos deletes the document (container TTL is on). */
  ttl: number;
}

interface RunDoc {
  id: string;
  docType: "run";
  policyId: string;
  run: RunRecord;
  startedAtMs: number;
}

/** An audit record as stored in the `audit` container. */
export interface AuditDoc extends StoredAuditRecord {
  atMs: number;
  seq: number;
}

/** A lease document outlives its expiry by a day, then Cosmos removes it. */
const LEASE_TTL_SLACK_S = 86_400;

export function auditDocOf(policyId: string, record: AuditRecord): AuditDoc {
  const doc: AuditDoc = {
    id: record.id ?? randomUUID(),
    policyId,
    actor: record.actor,
    at: record.at,
    action: record.action,
    caseId: record.caseId,
    allowed: record.allowed,
    why: record.why,
    atMs: toMillis(record.at, `audit ${record.id ?? ""} at`),
    seq: nextSeq(),
  };
  if (record.refusal !== undefined) doc.refusal = record.refusal;
  return doc;
}

export class CosmosAudit {
  constructor(private readonly container: Container) {}

  write(doc: AuditDoc): Promise<boolean> {
    return createDoc(this.container, doc);
  }

  /** `write` for many records of one policy, in bulk (an existing id is left as it is). */
  async writeMany(policyId: string, docs: readonly AuditDoc[]): Promise<void> {
    await bulkWrite(
      this.container,
      policyId,
      docs.map((doc) => ({ kind: "create" as const, doc })),
    );
  }

  async append(policyId: string, records: readonly AuditRecord[]): Promise<void> {
    const docs = records.map((r) => auditDocOf(policyId, r));
    await mapLimited(docs, 8, (doc) => this.write(doc));
  }

  async list(policyId: string, caseId: string): Promise<StoredAuditRecord[]> {
    const docs = await queryAll<AuditDoc>(
      this.container,
      "SELECT * FROM c WHERE c.policyId = @policyId AND c.caseId = @caseId",
      { policyId, caseId },
      policyId,
    );
    docs.sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
    return docs.map((doc) => {
      const record: StoredAuditRecord = {
        id: doc.id,
        policyId: doc.policyId,
        actor: doc.actor,
        at: doc.at,
        action: doc.action,
        caseId: doc.caseId,
        allowed: doc.allowed,
        why: doc.why,
      };
      if (doc.refusal !== undefined && doc.refusal !== null) record.refusal = doc.refusal;
      return record;
    });
  }
}

export class CosmosRuns {
  constructor(private readonly container: Container) {}

  async loadRuleState(policyId: string): Promise<SavedRuleState | undefined> {
    const doc = await readDoc<RuleStateDoc>(this.container, RULE_STATE_ID, policyId);
    if (doc === undefined) return undefined;
    const parsed = parseRuleState(doc.state);
    if (!parsed.ok) {
      throw new StoreError("corrupt_record", `rule state of policy ${policyId}: ${parsed.message}`);
    }
    return { asOf: doc.asOf, state: parsed.state };
  }

  async saveRuleState(
    policyId: string,
    asOf: string,
    state: RuleState,
  ): Promise<SaveRuleStateResult> {
    checkDate(asOf);
    const parsed = parseRuleState(state);
    if (!parsed.ok || state.policyId !== policyId) {
      const why = parsed.ok ? `it is the state of policy ${state.policyId}` : parsed.message;
      throw new StoreError("invalid_request", `rule state of policy ${policyId}: ${why}`);
    }
    const next: RuleStateDoc = {
      id: RULE_STATE_ID,
      docType: "rule-state",
      policyId,
      asOf,
      state: parsed.state,
    };
    for (;;) {
      const stored = await readDoc<RuleStateDoc>(this.container, RULE_STATE_ID, policyId);
      if (stored === undefined) {
        if (await createDoc(this.container, next)) return { ok: true };
        continue;
      }
      if (stored.asOf > asOf) return { ok: false, reason: "newer_state", storedAsOf: stored.asOf };
      if (await replaceIfMatch(this.container, policyId, next, stored._etag)) return { ok: true };
    }
  }

  async saveRun(run: RunRecord): Promise<void> {
    checkDate(run.asOf);
    const startedAtMs = toMillis(run.startedAt, "startedAt");
    const stored: RunRecord = { ...run, startedAt: fromMillis(startedAtMs) };
    // An empty list is not kept: it reads back as none, as in SQLite.
    if (stored.warnings?.length === 0) delete stored.warnings;
    if (stored.dataThrough?.length === 0) delete stored.dataThrough;
    if (run.finishedAt !== undefined) {
      stored.finishedAt = fromMillis(toMillis(run.finishedAt, "finishedAt"));
    }
    const doc: RunDoc = {
      id: `run:${run.runId}`,
      docType: "run",
      policyId: run.policyId,
      run: stored,
      startedAtMs,
    };
    await this.container.items.upsert(doc);
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    const where = ['c.docType = "run"'];
    if (filter.policyId !== undefined) where.push("c.policyId = @policyId");
    if (filter.asOf !== undefined) where.push("c.run.asOf = @asOf");
    const docs = await queryAll<RunDoc>(
      this.container,
      `SELECT * FROM c WHERE ${where.join(" AND ")}`,
      { policyId: filter.policyId, asOf: filter.asOf },
      filter.policyId,
    );
    docs.sort(
      (a, b) =>
        b.startedAtMs - a.startedAtMs ||
        (a.run.runId < b.run.runId ? 1 : a.run.runId > b.run.runId ? -1 : 0),
    );
    const runs = docs.map((d) => d.run);
    return filter.limit === undefined ? runs : runs.slice(0, filter.limit);
  }

  async acquireLease(request: LeaseRequest): Promise<LeaseResult> {
    const { policyId, asOf, owner } = request;
    const now = toMillis(request.now, "now");
    const id = `lease:${asOf}`;
    const next: LeaseDoc = {
      id,
      docType: "lease",
      policyId,
      asOf,
      owner,
      expiresAt: now + request.ttlMs,
      ttl: Math.max(1, Math.ceil(request.ttlMs / 1000)) + LEASE_TTL_SLACK_S,
    };
    const lease: Lease = { policyId, asOf, owner, expiresAt: fromMillis(next.expiresAt) };
    for (;;) {
      const held = await readDoc<LeaseDoc>(this.container, id, policyId);
      if (held === undefined) {
        if (await createDoc(this.container, next)) return { ok: true, lease };
        continue;
      }
      const yielded = request.takeOverFrom !== undefined && held.owner === request.takeOverFrom;
      if (held.owner !== owner && held.expiresAt > now && !yielded) {
        return {
          ok: false,
          holder: { policyId, asOf, owner: held.owner, expiresAt: fromMillis(held.expiresAt) },
        };
      }
      if (await replaceIfMatch(this.container, policyId, next, held._etag)) {
        return { ok: true, lease };
      }
    }
  }

  async releaseLease(policyId: string, asOf: string, owner: string): Promise<boolean> {
    for (;;) {
      const held = await readDoc<LeaseDoc>(this.container, `lease:${asOf}`, policyId);
      if (held === undefined || held.owner !== owner) return false;
      if (await deleteIfMatch(this.container, held.id, policyId, held._etag)) return true;
    }
  }
}

function checkDate(asOf: string): void {
  if (!isIsoDate(asOf)) {
    throw new StoreError("invalid_request", `as-of date must be YYYY-MM-DD, not ${asOf}`);
  }
}
