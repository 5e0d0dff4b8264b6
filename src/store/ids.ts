/**
 * Ids that make retries idempotent: the same change made again after a crash gets the same
 * ids, so the store recognises it instead of writing it twice.
 *
 * Case ids come from policy, student and the day the case opens, but must not contain the
 * student's id (an erased case keeps its id, docs/cases.md), so the student part is a keyed
 * hash keyed by a secret: the installation's (`Store.installationSecret`) or one the
 * deployment supplies. With a known key, anyone could recompute every case id from the
 * (often sequential) student ids and so tell whose case an id is; there is no default key.
 */
import { createHmac } from "node:crypto";
import type { OutboxKind } from "./outbox-records.ts";

/** Sixteen hex digits: 64 bits keep collisions away even for 100,000 students a day. */
const HASH_LENGTH = 16;

export interface CaseIdParts {
  policyId: string;
  studentId: string;
  /** The evaluation date (YYYY-MM-DD) of the finding that opens the case. */
  asOf: string;
}

/** E.g. `sef-eng-20261120-3f9a1c2b7d4e5f60`: readable policy and day, then the hash. */
export function caseIdFor(parts: CaseIdParts, secret: string): string {
  // An empty key would be a public one again.
  if (secret.length === 0) throw new Error("caseIdFor needs a secret key");
  const hash = createHmac("sha256", secret)
    .update(`${parts.policyId}\n${parts.studentId}\n${parts.asOf}`)
    .digest("hex")
    .slice(0, HASH_LENGTH);
  return `${parts.policyId}-${parts.asOf.replaceAll("-", "")}-${hash}`;
}

/**
 * The outbox entry of a change: the change is the append at `version` (the first new
 * event's version); `index` tells apart several entries of one kind in one change.
 */
export function outboxIdFor(caseId: string, version: number, kind: OutboxKind, index = 0): string {
  return `${caseId}:v${version}:${kind}${index === 0 ? "" : `:${index}`}`;
}

/**
 * The version of the change a `card_update` entry was written for (`outboxIdFor`'s
 * `version`), or undefined for any other id.
 */
export function cardUpdateVersionOf(id: string): number | undefined {
  const match = /:v(\d{1,9}):card_update$/.exec(id);
  return match ? Number(match[1]) : undefined;
}

/** The audit record number `index` written with the append at `version`. */
export function auditIdFor(caseId: string, version: number, index: number): string {
  return `${caseId}:v${version}:audit:${index}`;
}
