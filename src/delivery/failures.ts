/**
 * What a failed send means for the entry: wait and retry (throttled, or a transient server
 * or network failure) or give up at once (any other client error). And the count of failed
 * sends, kept in the error text the worker stores, because the store's single `attempts`
 * counter also counts the planner's waits (`reschedule` always adds one).
 */
import type { OutboxEntry } from "../store/index.ts";
import { ConnectorError } from "./delivery.ts";

/** Statuses retried with backoff (429 is handled on its own, with its Retry-After). */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([412, 500, 502, 503, 504]);

export interface Failure {
  kind: "throttled" | "transient" | "permanent";
  status?: number;
  retryAfterMs?: number;
  /**
   * The request may have been carried out although it failed (a gateway timeout, a
   * dropped connection): before posting again, look if the connector can.
   */
  ambiguous: boolean;
  /** One line for the store and the log: the status and message, never the payload. */
  text: string;
}

const MAX_TEXT = 300;

export function classifyFailure(
  error: unknown,
  retryable: ReadonlySet<number> = RETRYABLE_STATUSES,
): Failure {
  if (error instanceof ConnectorError) {
    const text = clip(`HTTP ${error.status}: ${error.message}`);
    if (error.status === 429) {
      return {
        kind: "throttled",
        status: 429,
        retryAfterMs: error.retryAfterMs,
        ambiguous: false,
        text,
      };
    }
    const ambiguous = error.status === 500 || error.status === 502 || error.status === 504;
    if (retryable.has(error.status)) {
      return { kind: "transient", status: error.status, ambiguous, text };
    }
    return { kind: "permanent", status: error.status, ambiguous: false, text };
  }
  // Anything else is the network (refused, reset, timed out) or the connector's own bug:
  // retried, within the budget.
  const text =
    error instanceof Error ? clip(`${error.name}: ${error.message}`) : clip(String(error));
  return { kind: "transient", ambiguous: true, text };
}

/**
 * Why an entry may already be in the conversation although it is not recorded as sent:
 * an attempt failed in a way that can hide success (a gateway timeout, a dropped
 * connection), or an attempt was interrupted between the request and its record.
 */
export type Doubt = { kind: "ambiguous" } | { kind: "interrupted"; at: string };

/**
 * What the worker keeps in the stored error from one attempt to the next, across restarts
 * and workers: the failed sends so far, and any doubt not yet cleared, so that whoever
 * claims the entry next looks before it posts again.
 */
export interface AttemptRecord {
  failures: number;
  doubt?: Doubt;
}

const TAG = /^\[failures (\d+)(?:, (may have been sent|interrupted at (\S+)))?\] /;

/**
 * `[failures 3] HTTP 503: …`, `[failures 3, may have been sent] TypeError: …` or
 * `[failures 0, interrupted at 2026-01-05T08:00:00.000Z] waiting: …`.
 */
export function tagged(record: AttemptRecord, text: string): string {
  const doubt =
    record.doubt === undefined
      ? ""
      : record.doubt.kind === "ambiguous"
        ? ", may have been sent"
        : `, interrupted at ${record.doubt.at}`;
  return `[failures ${record.failures}${doubt}] ${text}`;
}

/**
 * From the tag of the last error the worker stored; else (an error written by someone
 * else, or none) the entry's attempts, which are never fewer than its failures.
 */
export function attemptRecordOf(entry: OutboxEntry): AttemptRecord {
  const match = entry.lastError === undefined ? null : TAG.exec(entry.lastError);
  if (!match) return { failures: entry.attempts };
  const failures = Math.min(Number(match[1]), entry.attempts);
  if (match[3] !== undefined) return { failures, doubt: { kind: "interrupted", at: match[3] } };
  if (match[2] !== undefined) return { failures, doubt: { kind: "ambiguous" } };
  return { failures };
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > MAX_TEXT ? `${line.slice(0, MAX_TEXT - 1)}…` : line;
}
