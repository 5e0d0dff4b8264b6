/**
 * What an append means for a case, decided the same way by every adapter from the stored
 * history: a retry of events already stored, a conflict, or the new history to write (with
 * its summary, and the erasure record when the change erases the case).
 */
import { z } from "zod/v4";
import {
  type CaseEvent,
  CaseEventSchema,
  type CaseState,
  ENGINE_ACTOR,
  eraseHistory,
  foldCase,
  parseCaseEvents,
} from "../cases/index.ts";
import type {
  AppendRequest,
  CaseSummary,
  ErasureRecord,
  StoredAuditRecord,
  StoredCase,
} from "./case-records.ts";
import { caseSummary } from "./case-summary.ts";
import { auditIdFor } from "./ids.ts";
import { canonicalJson } from "./json.ts";
import { OUTBOX_KINDS } from "./outbox-records.ts";
import { StoreError } from "./store-error.ts";
import { toMillis } from "./timestamps.ts";

export type AppendPlan =
  | { kind: "replay" }
  | { kind: "stale" }
  | { kind: "not_found" }
  | {
      kind: "write";
      /** The whole history to store: the old events and the new, erased when it ends so. */
      history: CaseEvent[];
      state: CaseState;
      summary: CaseSummary;
      erasure?: ErasureRecord;
    };

/**
 * Validates a request before anything is read: a request that breaks these rules is a bug
 * in the caller, not a conflict, so it throws. Returns the events as the schema reads them.
 */
export function checkAppendRequest(request: AppendRequest): CaseEvent[] {
  const { caseId, policyId, expectedVersion } = request;
  const fail = (why: string): never => {
    throw new StoreError("invalid_request", `append to case ${caseId}: ${why}`);
  };
  if (!Number.isInteger(expectedVersion) || expectedVersion < 0) {
    fail(`expectedVersion must be a whole number ≥ 0, not ${expectedVersion}`);
  }
  if (request.events.length === 0) fail("no events to append");
  const parsed = z.array(CaseEventSchema).safeParse(request.events);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(`event ${issue.path.join(".")}: ${issue.message}`);
  }
  const events = parsed.data as CaseEvent[];
  events.forEach((event, i) => {
    if (event.version !== expectedVersion + i) {
      fail(`event ${i} has version ${event.version}, expected ${expectedVersion + i}`);
    }
    if (event.type === "opened") {
      if (event.version !== 0) fail(`"opened" can only be the first event`);
      if (event.caseId !== caseId || event.policyId !== policyId) {
        fail(`"opened" names case ${event.caseId} of policy ${event.policyId}`);
      }
    }
    if (event.type === "erased" && i !== events.length - 1) fail("events follow the erasure");
  });
  if (expectedVersion === 0 && events[0].type !== "opened") fail(`a case starts with "opened"`);
  checkOutboxDrafts(request, fail);
  checkStudentMessages(request, events, fail);
  for (const entry of request.audit ?? []) {
    if (entry.caseId !== caseId) fail(`an audit record names case ${entry.caseId}`);
  }
  return events;
}

function checkOutboxDrafts(request: AppendRequest, fail: (why: string) => never): void {
  const ids = new Set<string>();
  for (const draft of request.outbox ?? []) {
    if (draft.id === "" || ids.has(draft.id)) fail(`outbox id "${draft.id}" is empty or repeated`);
    ids.add(draft.id);
    if (!OUTBOX_KINDS.includes(draft.kind)) fail(`outbox kind "${draft.kind}" is unknown`);
    toMillis(draft.createdAt, `outbox ${draft.id} createdAt`);
    if (draft.dueAt !== undefined) toMillis(draft.dueAt, `outbox ${draft.id} dueAt`);
  }
}

/**
 * No message reaches a student without a person's approval of its exact text: a
 * `student_message` entry is stored only with the `outreach_approved` event of the same
 * change, made by a member of staff (not Reach's engine), for the same message id and
 * word for word the same text.
 */
function checkStudentMessages(
  request: AppendRequest,
  events: readonly CaseEvent[],
  fail: (why: string) => never,
): void {
  for (const draft of request.outbox ?? []) {
    if (draft.kind !== "student_message") continue;
    const payload = draft.payload as { outreachId?: unknown; text?: unknown } | null;
    const outreachId = typeof payload?.outreachId === "string" ? payload.outreachId : undefined;
    const text = typeof payload?.text === "string" ? payload.text : undefined;
    if (outreachId === undefined || text === undefined) {
      fail(`student message ${draft.id} names no message id or text`);
    }
    const approval = events.find(
      (e) => e.type === "outreach_approved" && e.outreachId === outreachId,
    );
    if (approval?.type !== "outreach_approved") {
      fail(`student message ${draft.id} has no approval of message ${outreachId} in this change`);
    }
    if (approval.actor === ENGINE_ACTOR) {
      fail(`student message ${draft.id} was approved by Reach's engine, not a person`);
    }
    if (approval.text !== text) {
      fail(`student message ${draft.id} is not the text that was approved`);
    }
  }
}

/** Entries written on their own, without a case change: never a message to a student. */
export function checkSubmissions(entries: readonly { id: string; kind: string }[]): void {
  for (const entry of entries) {
    if (entry.kind === "student_message") {
      throw new StoreError(
        "invalid_request",
        `outbox ${entry.id}: a message to a student is stored only with the approval of its text`,
      );
    }
  }
}

/** `stored` is the case's history as stored, or undefined when there is no such case. */
export function planAppend(
  stored: readonly CaseEvent[] | undefined,
  request: AppendRequest,
  events: CaseEvent[],
): AppendPlan {
  const existing = stored ?? [];
  if (existing.length !== request.expectedVersion) {
    if (isReplay(existing, request.expectedVersion, events)) return { kind: "replay" };
    return stored === undefined ? { kind: "not_found" } : { kind: "stale" };
  }
  if (existing.at(-1)?.type === "erased") {
    throw new StoreError(
      "invalid_request",
      `case ${request.caseId} is erased: nothing more is recorded`,
    );
  }
  const appended = [...existing, ...events];
  const newest = events[events.length - 1];
  const erasedBy = newest.type === "erased" ? newest : undefined;
  const history = erasedBy ? eraseHistory(appended) : appended;
  const state = foldCase(history) as CaseState;
  const plan: AppendPlan = { kind: "write", history, state, summary: caseSummary(state) };
  if (erasedBy) {
    plan.erasure = {
      policyId: request.policyId,
      caseId: request.caseId,
      actor: erasedBy.actor,
      at: erasedBy.at,
      events: history.length,
    };
  }
  return plan;
}

/** The same events already stored at the same versions: a retry of a committed append. */
function isReplay(
  existing: readonly CaseEvent[],
  from: number,
  events: readonly CaseEvent[],
): boolean {
  if (existing.length < from + events.length) return false;
  return events.every((e, i) => canonicalJson(existing[from + i]) === canonicalJson(e));
}

/** The request's audit entries with ids that a retry reproduces. */
export function auditRecordsOf(request: AppendRequest): StoredAuditRecord[] {
  return (request.audit ?? []).map((entry, i) => ({
    ...entry,
    id: auditIdFor(request.caseId, request.expectedVersion, i),
    policyId: request.policyId,
  }));
}

/** Reads a stored history, failing loudly when it no longer validates. */
export function readStoredCase(policyId: string, caseId: string, raw: unknown[]): StoredCase {
  const parsed = parseCaseEvents(raw);
  if (!parsed.ok) {
    throw new StoreError(
      "corrupt_record",
      `case ${caseId} of policy ${policyId}: ${parsed.message}`,
    );
  }
  return { policyId, caseId, version: parsed.events.length, events: parsed.events };
}
