/**
 * Every refusal is audited, whatever it was about. A refusal about a case Reach holds
 * goes into that case's audit trail; one that names no such case (a made-up id, an
 * unknown policy, a broken payload) goes into the `UNATTRIBUTED` trail, with what was
 * claimed, clipped, so that probing leaves a record too. Audit records hold ids and
 * reasons only: never a student's data.
 */
import type { RefusalCode } from "../cases/index.ts";
import type { Store } from "../store/index.ts";
import type { Directory } from "./directory.ts";

/** The audit trail of refusals that name no case Reach holds. */
export const UNATTRIBUTED = "_unattributed";

/** At most `max` characters of something a client sent, with control characters shown as "?". */
export function clip(text: string, max: number): string {
  const clean = text.replace(/[\p{Cc}\p{Cf}]/gu, "?");
  return clean.length <= max ? clean : `${clean.slice(0, max)}… (${clean.length} characters)`;
}

/** How an actor who is not on the roster is recorded: their Entra object id, or "unknown". */
export function actorLabel(aadObjectId: string | undefined): string {
  return aadObjectId ? `aad:${clip(aadObjectId, 64)}` : "unknown";
}

export interface Refused {
  actor: string;
  at: string;
  action: string;
  why: string;
  refusal: RefusalCode;
  /** What the request named, if anything (unchecked). */
  policyId?: string | undefined;
  caseId?: string | undefined;
}

export async function auditRefusal(
  store: Store,
  directory: Directory,
  refused: Refused,
): Promise<void> {
  const { policyId, caseId } = refused;
  const known =
    policyId !== undefined &&
    caseId !== undefined &&
    directory.policies.has(policyId) &&
    (await store.getCase(policyId, caseId)) !== undefined;
  const record = {
    actor: refused.actor,
    at: refused.at,
    action: clip(refused.action, 40),
    allowed: false,
    refusal: refused.refusal,
  };
  if (known) {
    await store.appendAudit(policyId, [{ ...record, caseId, why: refused.why }]);
    return;
  }
  const named = [
    policyId !== undefined ? `policy “${clip(policyId, 100)}”` : undefined,
    caseId !== undefined ? `case “${clip(caseId, 200)}”` : undefined,
  ].filter(Boolean);
  await store.appendAudit(UNATTRIBUTED, [
    {
      ...record,
      caseId: "",
      why: named.length > 0 ? `${refused.why} (named ${named.join(", ")})` : refused.why,
    },
  ]);
}
