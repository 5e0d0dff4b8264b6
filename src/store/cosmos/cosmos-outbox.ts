/**
 * The outbox in Cosmos DB: one document per entry in the `outbox` container (partition key
 * `/policyId`). Claims and settlements are replaces under `If-Match`, so two workers never
 * both change the same version of an entry.
 */
import type { Container } from "@azure/cosmos";
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
import { fromMillis, toMillis } from "../timestamps.ts";
import {
  bulkWrite,
  createDoc,
  nextSeq,
  queryAll,
  readDoc,
  replaceIfMatch,
  type Stored,
  withoutSystemFields,
} from "./cosmos-common.ts";

/** An outbox entry as stored; times are epoch milliseconds so that queries compare instants. */
export interface OutboxDoc {
  id: string;
  policyId: string;
  caseId: string | null;
  kind: OutboxKind;
  payload: Json;
  createdAt: number;
  dueAt: number;
  attempts: number;
  status: OutboxStatus;
  claimedBy: string | null;
  claimedUntil: number | null;
  activityId: string | null;
  lastError: string | null;
  sentAt: number | null;
  /**
   * Set by `markSending` just before a send, cleared when its outcome is recorded. Absent
   * from documents written before it existed, which reads as null.
   */
  sendingAt?: number | null;
  /** Write order, for entries created at the same instant. */
  seq: number;
  /** Order within the case: version × 1000 + index for a change's entries; null otherwise. */
  ordinal: number | null;
}

const ERASED_OUTBOX_ERROR = "case erased: not sent";

/** The stored document of a draft: written later, but with its seq fixed now. */
export function outboxDocOf(
  policyId: string,
  caseId: string | undefined,
  draft: OutboxDraft,
  ordinal: number | null,
): OutboxDoc {
  if (!OUTBOX_KINDS.includes(draft.kind)) {
    throw new StoreError("invalid_request", `outbox ${draft.id}: unknown kind "${draft.kind}"`);
  }
  if (JSON.stringify(draft.payload) === undefined) {
    throw new StoreError("invalid_request", `outbox ${draft.id}: the payload is not JSON`);
  }
  const createdAt = toMillis(draft.createdAt, `outbox ${draft.id} createdAt`);
  return {
    id: draft.id,
    policyId,
    caseId: caseId ?? null,
    kind: draft.kind,
    payload: draft.payload,
    createdAt,
    dueAt:
      draft.dueAt === undefined ? createdAt : toMillis(draft.dueAt, `outbox ${draft.id} dueAt`),
    attempts: 0,
    status: "pending",
    claimedBy: null,
    claimedUntil: null,
    activityId: null,
    lastError: null,
    sentAt: null,
    sendingAt: null,
    seq: nextSeq(),
    ordinal,
  };
}

export class CosmosOutbox {
  constructor(private readonly container: Container) {}

  /** Creates the document unless its id exists; true when it was new. */
  write(doc: OutboxDoc): Promise<boolean> {
    return createDoc(this.container, doc);
  }

  /** `write` for many documents of one policy, in bulk (an existing id is left as it is). */
  async writeMany(policyId: string, docs: readonly OutboxDoc[]): Promise<void> {
    await bulkWrite(
      this.container,
      policyId,
      docs.map((doc) => ({ kind: "create" as const, doc })),
    );
  }

  async enqueue(entries: readonly OutboxSubmission[]): Promise<number> {
    const docs = entries.map((e) => outboxDocOf(e.policyId, e.caseId, e, null));
    let written = 0;
    // In order, so that the write order of entries created at the same instant is the caller's.
    for (const doc of docs) if (await this.write(doc)) written++;
    return written;
  }

  async claimDue(now: string, limit: number, leaseMs: number, owner: string) {
    const at = toMillis(now, "now");
    if (!Number.isInteger(limit) || limit < 1) return [];
    const candidates = await queryAll<Stored<OutboxDoc>>(
      this.container,
      `SELECT * FROM c WHERE c.status = "pending" AND c.dueAt <= @now
        AND (IS_NULL(c.claimedUntil) OR c.claimedUntil <= @now)`,
      { now: at },
    );
    candidates.sort(byCreation);
    const caseIds = [...new Set(candidates.flatMap((c) => (c.caseId === null ? [] : [c.caseId])))];
    const blockers =
      caseIds.length === 0
        ? []
        : await queryAll<Pick<OutboxDoc, "id" | "caseId" | "seq" | "ordinal">>(
            this.container,
            `SELECT c.id, c.caseId, c.seq, c.ordinal FROM c
              WHERE c.status = "pending" AND ARRAY_CONTAINS(@caseIds, c.caseId)`,
            { caseIds },
          );
    const claimed: OutboxEntry[] = [];
    for (const candidate of candidates) {
      if (claimed.length >= limit) break;
      const waiting = blockers.some(
        (b) =>
          b.caseId === candidate.caseId && b.id !== candidate.id && caseOrder(b, candidate) < 0,
      );
      if (waiting) continue;
      const next: OutboxDoc = {
        ...withoutSystemFields(candidate),
        claimedBy: owner,
        claimedUntil: at + leaseMs,
      };
      const written = await replaceIfMatch(
        this.container,
        candidate.policyId,
        next,
        candidate._etag,
      );
      if (written) claimed.push(entryOf(written));
    }
    return claimed;
  }

  /** Records that a pending entry is about to be sent; its claim stays. False if not pending. */
  async markSending(key: OutboxKey, at: string): Promise<boolean> {
    const sending = toMillis(at, "sendingAt");
    for (;;) {
      const doc = await readDoc<OutboxDoc>(this.container, key.id, key.policyId);
      if (doc === undefined || doc.status !== "pending") return false;
      const next: OutboxDoc = { ...withoutSystemFields(doc), sendingAt: sending };
      if (await replaceIfMatch(this.container, key.policyId, next, doc._etag)) return true;
    }
  }

  markSent(key: OutboxKey, activityId: string | undefined, sentAt: string): Promise<boolean> {
    const sent = toMillis(sentAt, "sentAt");
    return this.settle(key, (doc) => ({
      ...doc,
      status: "sent",
      activityId: activityId ?? null,
      sentAt: sent,
    }));
  }

  reschedule(key: OutboxKey, dueAt: string, error: string): Promise<boolean> {
    const due = toMillis(dueAt, "dueAt");
    return this.settle(key, (doc) => ({
      ...doc,
      dueAt: due,
      attempts: doc.attempts + 1,
      lastError: error,
    }));
  }

  deadLetter(key: OutboxKey, error: string): Promise<boolean> {
    return this.settle(key, (doc) => ({
      ...doc,
      status: "dead",
      attempts: doc.attempts + 1,
      lastError: error,
    }));
  }

  /**
   * Changes a pending entry, releases its claim and clears `sendingAt` (the attempt's
   * outcome is recorded); false when it is not pending.
   */
  private async settle(key: OutboxKey, change: (doc: OutboxDoc) => OutboxDoc): Promise<boolean> {
    for (;;) {
      const doc = await readDoc<OutboxDoc>(this.container, key.id, key.policyId);
      if (doc === undefined || doc.status !== "pending") return false;
      const next: OutboxDoc = {
        ...change(withoutSystemFields(doc)),
        claimedBy: null,
        claimedUntil: null,
        sendingAt: null,
      };
      if (await replaceIfMatch(this.container, key.policyId, next, doc._etag)) return true;
    }
  }

  async get(key: OutboxKey): Promise<OutboxEntry | undefined> {
    const doc = await readDoc<OutboxDoc>(this.container, key.id, key.policyId);
    return doc && entryOf(doc);
  }

  async list(filter: OutboxFilter = {}): Promise<OutboxEntry[]> {
    const where = ["true"];
    if (filter.policyId !== undefined) where.push("c.policyId = @policyId");
    if (filter.caseId !== undefined) where.push("c.caseId = @caseId");
    if (filter.status !== undefined) where.push("c.status = @status");
    const docs = await queryAll<OutboxDoc>(
      this.container,
      `SELECT * FROM c WHERE ${where.join(" AND ")}`,
      { ...filter },
      filter.policyId,
    );
    return docs.sort(byCreation).map(entryOf);
  }

  async count(policyId?: string): Promise<OutboxCounts> {
    const statuses = await queryAll<OutboxStatus>(
      this.container,
      `SELECT VALUE c.status FROM c ${policyId === undefined ? "" : "WHERE c.policyId = @policyId"}`,
      policyId === undefined ? {} : { policyId },
      policyId,
    );
    const counts = Object.fromEntries(OUTBOX_STATUSES.map((s) => [s, 0])) as OutboxCounts;
    for (const status of statuses) counts[status]++;
    return counts;
  }

  /**
   * Erasure: the case's payloads are blanked, what was still to be sent is never sent, and
   * the id of the message in the student's chat goes. `keep` are the erasing change's own
   * entries (written afterwards, and about the erased case only).
   */
  async eraseCase(policyId: string, caseId: string, keep: ReadonlySet<string>): Promise<void> {
    const docs = await queryAll<Stored<OutboxDoc>>(
      this.container,
      "SELECT * FROM c WHERE c.caseId = @caseId",
      { caseId },
      policyId,
    );
    for (let doc of docs) {
      if (keep.has(doc.id)) continue;
      for (;;) {
        const pending = doc.status === "pending";
        const next: OutboxDoc = {
          ...withoutSystemFields(doc),
          payload: null,
          claimedBy: null,
          claimedUntil: null,
          sendingAt: null,
          status: pending ? "dead" : doc.status,
          lastError: pending ? ERASED_OUTBOX_ERROR : doc.lastError,
          activityId: doc.kind === "student_message" ? null : doc.activityId,
        };
        if (await replaceIfMatch(this.container, policyId, next, doc._etag)) break;
        const again = await readDoc<OutboxDoc>(this.container, doc.id, policyId);
        if (again === undefined) break;
        doc = again;
      }
    }
  }
}

function byCreation(a: OutboxDoc, b: OutboxDoc): number {
  return a.createdAt - b.createdAt || a.seq - b.seq;
}

/** Order of two entries of one case: a change's entries by ordinal, then write order. */
function caseOrder(
  a: Pick<OutboxDoc, "seq" | "ordinal">,
  b: Pick<OutboxDoc, "seq" | "ordinal">,
): number {
  const oa = a.ordinal ?? Number.MAX_SAFE_INTEGER;
  const ob = b.ordinal ?? Number.MAX_SAFE_INTEGER;
  return oa - ob || a.seq - b.seq;
}

function entryOf(doc: OutboxDoc): OutboxEntry {
  const entry: OutboxEntry = {
    id: doc.id,
    policyId: doc.policyId,
    kind: doc.kind,
    payload: doc.payload,
    createdAt: fromMillis(doc.createdAt),
    dueAt: fromMillis(doc.dueAt),
    attempts: doc.attempts,
    status: doc.status,
  };
  if (doc.caseId !== null) entry.caseId = doc.caseId;
  if (doc.activityId !== null) entry.activityId = doc.activityId;
  if (doc.lastError !== null) entry.lastError = doc.lastError;
  if (doc.sentAt !== null) entry.sentAt = fromMillis(doc.sentAt);
  if (doc.sendingAt !== undefined && doc.sendingAt !== null) {
    entry.sendingAt = fromMillis(doc.sendingAt);
  }
  if (doc.claimedBy !== null) entry.claimedBy = doc.claimedBy;
  if (doc.claimedUntil !== null) entry.claimedUntil = fromMillis(doc.claimedUntil);
  return entry;
}
