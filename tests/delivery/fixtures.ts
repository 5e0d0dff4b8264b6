/**
 * Delivery test fixtures: a real SQLite store in a temporary file, outbox entries whose
 * payload names their conversation (and carries a fake personal detail that must never be
 * logged), a tiny planner, and a store wrapper that fails chosen calls (a crash between
 * sending and recording).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import type { Delivery, Planner } from "../../src/delivery/delivery.ts";
import { outboxIdFor } from "../../src/store/ids.ts";
import type { OutboxEntry, OutboxKind, OutboxSubmission } from "../../src/store/outbox-records.ts";
import { openSqliteStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";

export const T0 = Date.UTC(2026, 0, 5, 8, 0);
export const POLICY = "sef-eng";
export const A = "19:leads-a@thread.tacv2";
export const B = "19:leads-b@thread.tacv2";
/** In every payload: a log line that contains it leaked a payload. */
export const SECRET = "Ada Lovelace, 07700 900123";

const dir = mkdtempSync(join(tmpdir(), "reach-delivery-"));
let files = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

export function newStore(): SqliteStore {
  return openSqliteStore({ path: join(dir, `reach-${++files}.db`) });
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export interface EntrySpec {
  /** The case's number: case-<n>. */
  n: number;
  conversationId?: string;
  kind?: OutboxKind;
  version?: number;
  /** Milliseconds after T0. */
  createdAfter?: number;
  /** Tells the test planner what to answer. */
  plan?: "skip" | { waitTimes: number; retryAfterMs: number };
}

export function caseIdOf(n: number): string {
  return `${POLICY}-20260105-${String(n).padStart(4, "0")}`;
}

export function entry(spec: EntrySpec): OutboxSubmission {
  const caseId = caseIdOf(spec.n);
  const kind = spec.kind ?? "case_card";
  return {
    id: outboxIdFor(caseId, spec.version ?? (kind === "case_card" ? 1 : 2), kind),
    policyId: POLICY,
    caseId,
    kind,
    payload: {
      conversationId: spec.conversationId ?? A,
      student: SECRET,
      plan: spec.plan ?? null,
    },
    createdAt: iso(T0 + (spec.createdAfter ?? 0)),
  };
}

/** `count` new case cards into one conversation, all created at T0 (claimed in this order). */
export function cards(count: number, conversationId = A, from = 0): OutboxSubmission[] {
  return Array.from({ length: count }, (_, i) => entry({ n: from + i, conversationId }));
}

/**
 * Case cards are posted, updates update the case's card, replies answer in its thread;
 * the payload's `plan` makes it skip, or wait a number of times first.
 */
export function testPlanner(store: Store): Planner {
  return {
    async plan(e: OutboxEntry): Promise<Delivery> {
      const payload = e.payload as {
        conversationId: string;
        plan: null | "skip" | { waitTimes: number; retryAfterMs: number };
      };
      if (payload.plan === "skip") return { op: "skip", reason: "nothing to send" };
      if (payload.plan && e.attempts < payload.plan.waitTimes) {
        return {
          op: "wait",
          reason: "no channel bound yet",
          retryAfterMs: payload.plan.retryAfterMs,
        };
      }
      const activity = {
        type: "message" as const,
        attachments: [
          { contentType: "application/vnd.microsoft.card.adaptive", content: e.payload },
        ],
        channelData: { reachOutboxId: e.id },
      };
      if (e.kind === "case_card" || e.kind === "student_message") {
        return { op: "post", conversationId: payload.conversationId, activity };
      }
      const card = (await store.listOutbox({ caseId: e.caseId })).find(
        (o) => o.kind === "case_card",
      );
      if (!card || card.status === "dead")
        return { op: "skip", reason: "the card was never posted" };
      if (card.status !== "sent" || card.activityId === undefined) {
        return { op: "wait", reason: "the card is not posted yet", retryAfterMs: 1_000 };
      }
      if (e.kind === "card_update") {
        return {
          op: "update",
          conversationId: payload.conversationId,
          activityId: card.activityId,
          activity,
        };
      }
      return {
        op: "reply",
        conversationId: payload.conversationId,
        threadActivityId: card.activityId,
        activity,
      };
    },
  };
}

type Method = "markSending" | "markSent" | "reschedule" | "deadLetter" | "claimDue";

/**
 * The store, except that the calls of `method` numbered in `failOn` (1 = the first) throw,
 * as if the process died there: nothing is written.
 */
export function failingStore(
  store: Store,
  method: Method,
  failOn: ReadonlySet<number> | ((call: number) => boolean),
): Store & { failures: number } {
  let calls = 0;
  let failures = 0;
  const fails = typeof failOn === "function" ? failOn : (n: number) => failOn.has(n);
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === "failures") return failures;
      const value = Reflect.get(target, property, receiver);
      if (property !== method || typeof value !== "function") {
        return typeof value === "function" ? value.bind(target) : value;
      }
      return async (...args: unknown[]) => {
        calls++;
        if (fails(calls)) {
          failures++;
          throw new Error(`simulated crash in ${method} (call ${calls})`);
        }
        return value.apply(target, args);
      };
    },
  }) as Store & { failures: number };
}
