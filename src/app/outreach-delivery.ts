/**
 * What happened to a message an adviser approved for a student, recorded on the case by
 * Reach's engine: delivered (with the Teams activity), or not — and why, in words the
 * adviser can act on (the approved text stays on the case, to send another way). Each
 * record updates the case's card; an undelivered message also says so in its thread.
 */
import {
  type CaseCommand,
  decide,
  ENGINE_ACTOR,
  foldCase,
  type UnreachableReason,
} from "../cases/index.ts";
import type { Store } from "../store/index.ts";
import { caseFollowUps, studentOf } from "./act-on-case.ts";
import type { Directory } from "./directory.ts";

export interface DeliveryRecord {
  policyId: string;
  caseId: string;
  outreachId: string;
  at: string;
}

export type DeliveryOutcome =
  | { kind: "sent"; activityId?: string }
  | { kind: "unreachable"; reason: UnreachableReason; detail?: string };

/**
 * Records the outcome unless the message is no longer waiting for one (recorded already,
 * the case erased): answers whether anything was written.
 */
export async function recordDelivery(
  store: Store,
  directory: Directory,
  record: DeliveryRecord,
  outcome: DeliveryOutcome,
  describe: (text: string) => string = (text) => text,
): Promise<boolean> {
  const { policyId, caseId, outreachId, at } = record;
  const policy = directory.policies.get(policyId);
  const stored = await store.getCase(policyId, caseId);
  if (policy === undefined || stored === undefined) return false;
  const state = foldCase(stored.events);
  const message = state?.outreach.find((o) => o.outreachId === outreachId);
  if (state === undefined || state.erased || message?.stage !== "approved") return false;
  const command = (
    outcome.kind === "sent"
      ? { type: "record_outreach_sent", outreachId, activityId: outcome.activityId }
      : {
          type: "record_outreach_failed",
          outreachId,
          reason: outcome.reason,
          ...(outcome.detail && { detail: outcome.detail.slice(0, 300) }),
        }
  ) as Record<string, unknown>;
  const decision = decide(
    stored.events,
    { ...command, version: stored.version, at } as CaseCommand,
    ENGINE_ACTOR,
    {
      caseId,
      student: directory.students.get(studentOf(stored)),
      policy,
      roster: directory.roster,
    },
  );
  if (!decision.ok) {
    await store.appendAudit(policyId, [decision.audit]);
    return false;
  }
  // An undelivered message is said in the thread too: someone must send it another way.
  const line =
    outcome.kind === "unreachable"
      ? describe(
          "The message could not reach the student in Teams; the approved text is on the card, to send another way.",
        )
      : undefined;
  const outbox = caseFollowUps(caseId, stored.version, at, line);
  const result = await store.appendCaseEvents({
    policyId,
    caseId,
    expectedVersion: stored.version,
    events: decision.events,
    outbox,
    audit: [decision.audit],
  });
  return result.ok;
}

/**
 * Why Teams refused a message, from the failure the delivery worker recorded: the app is
 * blocked for the user (403 `MessageWritesBlocked`), the chat is not allowed (another 403),
 * the user is unknown to Teams (404), or something else.
 */
export function unreachableReasonOf(error: string): UnreachableReason {
  if (/MessageWritesBlocked/i.test(error)) return "app_blocked";
  if (/\b403\b/.test(error)) return "chat_blocked";
  if (/\b404\b/.test(error)) return "no_teams_account";
  return "other";
}
