/**
 * Cases in Cosmos DB. One document per case in the `cases` container (partition key
 * `/policyId`) holds the summary, the whole history and `pending`: the outbox entries,
 * audit records and erasure steps of the last change that are not yet written out. A change
 * is one conditional write of that document (create at version 0, else replace under
 * `If-Match`), so it commits whole or not at all; the derived documents are written after
 * it with ids made from (case, version), so writing them again is a 409, never a duplicate.
 * Work left by a crash between the two is finished by a retry, by the next change to the
 * case, or by the sweep that `claimDue` runs first.
 *
 * One open case per student and policy: an "open slot" document per (policy, student)
 * names the open case; it is created (or taken over from a case that is no longer open)
 * before the case document is written, and deleted when the case closes.
 */
import { createHmac } from "node:crypto";
import type { Container } from "@azure/cosmos";
import type { CaseEvent } from "../../cases/index.ts";
import { isOpen } from "../../cases/index.ts";
import {
  type AppendPlan,
  auditRecordsOf,
  checkAppendRequest,
  planAppend,
  readStoredCase,
} from "../append-plan.ts";
import type {
  AppendRequest,
  AppendResult,
  CaseFilter,
  CaseSummary,
  ErasureRecord,
  StoredCase,
} from "../case-records.ts";
import {
  bulkWrite,
  createDoc,
  deleteIfMatch,
  mapLimited,
  queryAll,
  readDoc,
  replaceIfMatch,
  type Stored,
  statusOf,
  withoutSystemFields,
} from "./cosmos-common.ts";
import { type CosmosOutbox, type OutboxDoc, outboxDocOf } from "./cosmos-outbox.ts";
import { type AuditDoc, auditDocOf, type CosmosAudit } from "./cosmos-runs.ts";

/** What a committed change still has to write out. */
export interface PendingWork {
  /** The version the change was appended at. */
  version: number;
  outbox: OutboxDoc[];
  audit: AuditDoc[];
  erasure: ErasureRecord | null;
  /** The open slot to delete, if it still names this case: the change closed the case. */
  freeSlot: string | null;
}

export interface CaseDoc {
  id: string;
  docType: "case";
  policyId: string;
  studentId: string;
  school: string;
  status: CaseSummary["status"];
  severity: CaseSummary["severity"];
  assignee: string | null;
  version: number;
  asOf: string;
  openedAt: string;
  updatedAt: string;
  isOpen: boolean;
  events: CaseEvent[];
  pending: PendingWork | null;
  /** Indexed flag for the sweep's query. */
  hasPending: boolean;
}

interface SlotDoc {
  id: string;
  docType: "open-slot";
  policyId: string;
  caseId: string;
}

interface ErasureDoc extends ErasureRecord {
  id: string;
  docType: "erasure";
}

/** Fault injection for tests: a hook that can throw between the steps of an append. */
export interface CosmosFaults {
  /** Called after the case document is written and before its derived documents are. */
  afterCaseWrite?: (caseId: string) => void | Promise<void>;
}

const PARALLEL = 8;

type WritePlan = Extract<AppendPlan, { kind: "write" }>;

export class CosmosCases {
  constructor(
    private readonly container: Container,
    private readonly outbox: CosmosOutbox,
    private readonly audit: CosmosAudit,
    private readonly slotKey: string,
    private readonly faults: CosmosFaults = {},
  ) {}

  async get(policyId: string, caseId: string): Promise<StoredCase | undefined> {
    const doc = await this.readCase(policyId, caseId);
    return doc && storedOf(doc);
  }

  async findOpen(policyId: string, studentId: string): Promise<StoredCase | undefined> {
    const docs = await queryAll<CaseDoc>(
      this.container,
      `SELECT * FROM c WHERE c.docType = "case" AND c.policyId = @policyId
        AND c.studentId = @studentId AND c.isOpen = true`,
      { policyId, studentId },
      policyId,
    );
    return docs.length === 0 ? undefined : storedOf(docs[0]);
  }

  async listOpen(policyId: string): Promise<StoredCase[]> {
    const docs = await queryAll<CaseDoc>(
      this.container,
      `SELECT * FROM c WHERE c.docType = "case" AND c.policyId = @policyId AND c.isOpen = true`,
      { policyId },
      policyId,
    );
    return docs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(storedOf);
  }

  async list(filter: CaseFilter = {}): Promise<CaseSummary[]> {
    const where = ['c.docType = "case"'];
    const params: Record<string, unknown> = {};
    const add = (sql: string, name: string, value: unknown) => {
      where.push(sql);
      params[name] = value;
    };
    if (filter.policyId !== undefined) add("c.policyId = @policyId", "policyId", filter.policyId);
    if (filter.caseId !== undefined) add("c.id = @caseId", "caseId", filter.caseId);
    if (filter.studentId !== undefined) {
      add("c.studentId = @studentId", "studentId", filter.studentId);
    }
    if (filter.assignee !== undefined) add("c.assignee = @assignee", "assignee", filter.assignee);
    if (filter.status !== undefined) {
      const statuses = typeof filter.status === "string" ? [filter.status] : [...filter.status];
      add("ARRAY_CONTAINS(@statuses, c.status)", "statuses", statuses);
    }
    const docs = await queryAll<CaseDoc>(
      this.container,
      `SELECT * FROM c WHERE ${where.join(" AND ")}`,
      params,
      filter.policyId,
    );
    docs.sort((a, b) => compareText(a.openedAt, b.openedAt) || compareText(a.id, b.id));
    return docs.map(summaryOf);
  }

  async listErasures(policyId?: string): Promise<ErasureRecord[]> {
    const docs = await queryAll<ErasureDoc>(
      this.container,
      `SELECT * FROM c WHERE c.docType = "erasure"
        ${policyId === undefined ? "" : "AND c.policyId = @policyId"}`,
      policyId === undefined ? {} : { policyId },
      policyId,
    );
    docs.sort((a, b) => compareText(a.at, b.at) || compareText(a.caseId, b.caseId));
    return docs.map(({ policyId, caseId, actor, at, events }) => ({
      policyId,
      caseId,
      actor,
      at,
      events,
    }));
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    return this.write(request, checkAppendRequest(request));
  }

  /**
   * Each request on its own; a case's requests in order, different cases side by side.
   * New cases (a run's usual work) are written in bulk, in the same steps as `write`;
   * any that meets something already there (a slot, the case itself) takes `write`'s way.
   */
  async appendMany(requests: readonly AppendRequest[]): Promise<AppendResult[]> {
    const checked = requests.map((r, i) => ({ request: r, events: checkAppendRequest(r), i }));
    const byCase = new Map<string, typeof checked>();
    for (const item of checked) {
      const key = `${item.request.policyId}\n${item.request.caseId}`;
      byCase.set(key, [...(byCase.get(key) ?? []), item]);
    }
    const results = new Array<AppendResult>(requests.length);
    const fresh = [...byCase.values()]
      .filter((g) => g.length === 1 && g[0].request.expectedVersion === 0)
      .map((g) => g[0]);
    const done = await this.createInBulk(fresh, results);
    const rest = [...byCase.values()].filter((g) => !(g.length === 1 && done.has(g[0].i)));
    await mapLimited(rest, PARALLEL, async (group) => {
      for (const { request, events, i } of group) results[i] = await this.write(request, events);
    });
    return results;
  }

  /**
   * New cases in bulk, per policy: 1. hold each student's open slot, 2. create the case
   * documents with their follow-ups pending, 3. write the follow-ups, 4. clear `pending`.
   * Each step is safe alone (creates that find the id taken change nothing; a crash
   * leaves pending work that a retry or the sweep finishes), so the bulk API's lack of
   * atomicity costs nothing. Returns the indexes it settled.
   */
  private async createInBulk(
    items: readonly { request: AppendRequest; events: CaseEvent[]; i: number }[],
    results: AppendResult[],
  ): Promise<Set<number>> {
    const settled = new Set<number>();
    const byPolicy = new Map<string, { request: AppendRequest; plan: WritePlan; i: number }[]>();
    for (const { request, events, i } of items) {
      const plan = planAppend(undefined, request, events);
      if (plan.kind !== "write" || !isOpen(plan.state)) continue;
      byPolicy.set(request.policyId, [
        ...(byPolicy.get(request.policyId) ?? []),
        { request, plan, i },
      ]);
    }
    for (const [policyId, group] of byPolicy) {
      const slots = await bulkWrite(
        this.container,
        policyId,
        group.map(({ request, plan }) => ({
          kind: "create" as const,
          doc: {
            id: this.slotIdFor(policyId, plan.state.studentId),
            docType: "open-slot",
            policyId,
            caseId: request.caseId,
          } satisfies SlotDoc,
        })),
      );
      const held = group.filter((_, k) => slots[k].status === 201);
      const docs = held.map(({ request, plan }) => this.caseDocFor(request, plan, null));
      const created = await bulkWrite(
        this.container,
        policyId,
        docs.map((doc) => ({ kind: "create" as const, doc })),
      );
      const written = held.flatMap((item, k) =>
        created[k].status === 201
          ? [{ ...item, doc: docs[k], etag: created[k].etag as string }]
          : [],
      );
      for (const { request } of written) await this.faults.afterCaseWrite?.(request.caseId);
      await this.outbox.writeMany(
        policyId,
        written.flatMap((w) => w.doc.pending?.outbox ?? []),
      );
      await this.audit.writeMany(
        policyId,
        written.flatMap((w) => w.doc.pending?.audit ?? []),
      );
      // A 412 means a newer change took over the case; it finished this work first.
      await bulkWrite(
        this.container,
        policyId,
        written.map((w) => ({
          kind: "replace" as const,
          doc: { ...w.doc, pending: null, hasPending: false },
          ifMatch: w.etag,
        })),
      );
      for (const { request, plan, i } of written) {
        settled.add(i);
        results[i] = {
          ok: true,
          replayed: false,
          case: {
            policyId,
            caseId: request.caseId,
            version: plan.history.length,
            events: plan.history,
          },
        };
      }
    }
    return settled;
  }

  /** Finishes every case's pending work: what a crash between the two steps left. */
  async sweep(): Promise<number> {
    const docs = await queryAll<Stored<CaseDoc>>(
      this.container,
      'SELECT * FROM c WHERE c.docType = "case" AND c.hasPending = true',
    );
    await mapLimited(docs, PARALLEL, (doc) => this.finish(doc));
    return docs.length;
  }

  private async write(request: AppendRequest, events: CaseEvent[]): Promise<AppendResult> {
    const { policyId, caseId } = request;
    for (;;) {
      const doc = await this.readCase(policyId, caseId);
      if (doc?.pending) {
        // An earlier change is committed but not written out: finish it before deciding.
        await this.finish(doc);
        continue;
      }
      const stored = doc && storedOf(doc);
      const plan = planAppend(stored?.events, request, events);
      if (plan.kind === "replay") return { ok: true, replayed: true, case: stored as StoredCase };
      if (plan.kind === "not_found") return { ok: false, reason: "not_found" };
      if (plan.kind === "stale") {
        return { ok: false, reason: "stale_version", current: stored as StoredCase };
      }

      const open = isOpen(plan.state);
      if (open) {
        const other = await this.holdSlot(policyId, plan.state.studentId, caseId);
        if (other) return { ok: false, reason: "open_case_exists", current: other };
      }
      const closes = !open && doc?.isOpen === true;
      const next = this.caseDocFor(
        request,
        plan,
        closes && doc ? this.slotIdFor(policyId, doc.studentId) : null,
      );
      const written =
        doc === undefined
          ? await this.create(next)
          : await replaceIfMatch(this.container, policyId, next, doc._etag);
      // Lost a race: the re-read tells a replay from a conflict.
      if (written === undefined) continue;

      await this.faults.afterCaseWrite?.(caseId);
      await this.finish(written);
      return {
        ok: true,
        replayed: false,
        case: { policyId, caseId, version: plan.history.length, events: plan.history },
      };
    }
  }

  /** The case document a planned change writes, with the change's follow-ups pending. */
  private caseDocFor(request: AppendRequest, plan: WritePlan, freeSlot: string | null): CaseDoc {
    const { policyId, caseId } = request;
    const s = plan.summary;
    return {
      id: caseId,
      docType: "case",
      policyId,
      studentId: s.studentId,
      school: s.school,
      status: s.status,
      severity: s.severity,
      assignee: s.assignee ?? null,
      version: s.version,
      asOf: s.asOf,
      openedAt: s.openedAt,
      updatedAt: s.updatedAt,
      isOpen: isOpen(plan.state),
      events: plan.history,
      pending: {
        version: request.expectedVersion,
        outbox: (request.outbox ?? []).map((draft, i) =>
          outboxDocOf(policyId, caseId, draft, request.expectedVersion * 1000 + i),
        ),
        audit: auditRecordsOf(request).map((r) => auditDocOf(policyId, r)),
        erasure: plan.erasure ?? null,
        freeSlot,
      },
      hasPending: true,
    };
  }

  /** Writes out a committed change's derived documents, then clears `pending`. */
  private async finish(doc: Stored<CaseDoc>): Promise<void> {
    const work = doc.pending;
    if (work === null) return;
    const { policyId, id: caseId } = doc;
    if (work.erasure !== null) {
      await this.outbox.eraseCase(policyId, caseId, new Set(work.outbox.map((o) => o.id)));
    }
    await mapLimited(work.outbox, PARALLEL, (entry) => this.outbox.write(entry));
    await mapLimited(work.audit, PARALLEL, (record) => this.audit.write(record));
    if (work.erasure !== null) {
      const erasure: ErasureDoc = { id: `erasure:${caseId}`, docType: "erasure", ...work.erasure };
      await createDoc(this.container, erasure);
    }
    if (work.freeSlot !== null) {
      const slot = await readDoc<SlotDoc>(this.container, work.freeSlot, policyId);
      if (slot?.caseId === caseId) {
        await deleteIfMatch(this.container, slot.id, policyId, slot._etag);
      }
    }
    // A 412 means a newer change took over; it finished this work before it was written.
    const cleared: CaseDoc = { ...withoutSystemFields(doc), pending: null, hasPending: false };
    await replaceIfMatch(this.container, policyId, cleared, doc._etag);
  }

  /**
   * Holds the student's open slot for `caseId`. Answers the other open case when the
   * student has one; undefined when the slot is (now) this case's.
   */
  private async holdSlot(
    policyId: string,
    studentId: string,
    caseId: string,
  ): Promise<StoredCase | undefined> {
    const slot: SlotDoc = {
      id: this.slotIdFor(policyId, studentId),
      docType: "open-slot",
      policyId,
      caseId,
    };
    for (;;) {
      if (await createDoc(this.container, slot)) return undefined;
      const held = await readDoc<SlotDoc>(this.container, slot.id, policyId);
      if (held === undefined) continue;
      if (held.caseId === caseId) return undefined;
      const other = await this.readCase(policyId, held.caseId);
      if (other?.isOpen) return storedOf(other);
      // The slot names a case that closed (or was never written: a crash): take it over.
      if (await replaceIfMatch(this.container, policyId, slot, held._etag)) return undefined;
    }
  }

  private slotIdFor(policyId: string, studentId: string): string {
    const hash = createHmac("sha256", this.slotKey)
      .update(`${policyId}\n${studentId}`)
      .digest("hex")
      .slice(0, 32);
    return `open:${hash}`;
  }

  private async create(doc: CaseDoc): Promise<Stored<CaseDoc> | undefined> {
    try {
      const { resource } = await this.container.items.create(doc);
      return resource as Stored<CaseDoc>;
    } catch (error) {
      if (statusOf(error) === 409) return undefined;
      throw error;
    }
  }

  private async readCase(policyId: string, caseId: string) {
    const doc = await readDoc<CaseDoc>(this.container, caseId, policyId);
    return doc?.docType === "case" ? doc : undefined;
  }
}

function storedOf(doc: CaseDoc): StoredCase {
  return readStoredCase(doc.policyId, doc.id, doc.events);
}

function summaryOf(doc: CaseDoc): CaseSummary {
  const summary: CaseSummary = {
    caseId: doc.id,
    policyId: doc.policyId,
    studentId: doc.studentId,
    school: doc.school,
    status: doc.status,
    severity: doc.severity,
    version: doc.version,
    asOf: doc.asOf,
    openedAt: doc.openedAt,
    updatedAt: doc.updatedAt,
  };
  if (doc.assignee !== null) summary.assignee = doc.assignee;
  return summary;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
