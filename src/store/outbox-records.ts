/**
 * The outbox: every message bound for Teams, written with the case change that causes it
 * (docs/delivery.md) and drained by the delivery worker. An entry's `id` is its idempotency key:
 * an entry whose id is already stored is not written again.
 */
import type { Json } from "./json.ts";

export const OUTBOX_KINDS = [
  "case_card",
  "card_update",
  "thread_reply",
  "student_message",
  /** A message to the policy's channel about the policy itself (a change that was not taken). */
  "channel_notice",
  /** A message to one member of staff in their personal chat (a student's reply to their case). */
  "staff_message",
  /** A policy's weekly digest (payload: the `Digest`), to its leads' channel. */
  "digest",
  /** A case's card in the policy's leads' channel (payload `{ caseId }`): an escalation. */
  "leads_card",
] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

export const OUTBOX_STATUSES = ["pending", "sent", "dead"] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** An entry as a change writes it; the store adds policy, case, attempts and status. */
export interface OutboxDraft {
  id: string;
  kind: OutboxKind;
  payload: Json;
  createdAt: string;
  /** When it may first be sent; `createdAt` when absent. */
  dueAt?: string;
}

/** An entry written on its own, not with a case change (a digest, a run-failure alert). */
export interface OutboxSubmission extends OutboxDraft {
  policyId: string;
  caseId?: string;
}

export interface OutboxEntry {
  id: string;
  policyId: string;
  caseId?: string;
  kind: OutboxKind;
  payload: Json;
  createdAt: string;
  dueAt: string;
  /** Failed attempts so far (each `reschedule` and `deadLetter` adds one). */
  attempts: number;
  status: OutboxStatus;
  /** The Teams activity posted, so that a later update edits it instead of posting again. */
  activityId?: string;
  lastError?: string;
  sentAt?: string;
  /** Set by `markSending` just before a send; cleared when the attempt's outcome is recorded. */
  sendingAt?: string;
  /** Who holds the entry and until when; expired claims are free to take. */
  claimedBy?: string;
  claimedUntil?: string;
}

/** Names one entry; the policy id is its partition in a partitioned store. */
export interface OutboxKey {
  policyId: string;
  id: string;
}

export interface OutboxFilter {
  policyId?: string;
  caseId?: string;
  status?: OutboxStatus;
}

export type OutboxCounts = Record<OutboxStatus, number>;
