/**
 * Audit entries: every command decision and every read of a case's full detail yields one,
 * allowed or not, and the caller stores it with the case (every access has its reason on
 * record). They hold ids and reasons only, never note text or evidence, so they survive
 * an erasure unchanged.
 */
import type { RefusalCode } from "./refusal.ts";

export interface AuditEntry {
  /** A staff id, or "reach" for the engine. */
  actor: string;
  at: string;
  /** A command type, or "read". */
  action: string;
  caseId: string;
  allowed: boolean;
  /** Why access was granted, or why the action was refused. */
  why: string;
  /** Present when refused. */
  refusal?: RefusalCode;
}

export function auditEntry(
  actor: string,
  at: string,
  action: string,
  caseId: string,
  outcome: { allowed: true; why: string } | { allowed: false; why: string; refusal: RefusalCode },
): AuditEntry {
  const entry: AuditEntry = {
    actor,
    at,
    action,
    caseId,
    allowed: outcome.allowed,
    why: outcome.why,
  };
  if (!outcome.allowed) entry.refusal = outcome.refusal;
  return entry;
}
