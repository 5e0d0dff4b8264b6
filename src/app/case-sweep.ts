/**
 * After a scheduled run of a policy: Reach's engine looks at the policy's open cases
 * (`planSweep` in cases/ decides, from their events, the school days and the run's date)
 * and
 * - proposes the escalations the policy's `escalation:` block asks for, through `decide` as
 *   the engine, with a card update (the card shows the proposal, its reason and the lead's
 *   Decide button) and a line in the card's thread: "Reach proposed an escalation to
 *   engagement-lead: No successful contact in 10 school days since it was confirmed on
 *   4 Jan". Only an engagement lead can accept it; the engine never decides.
 * - reminds the team, once per wait, of a case nobody has taken, in the card's thread.
 *
 * Both go to the policy's channel, in the case card's thread: that is where the team and
 * its engagement leads work on the case. A proposed escalation also queues the case's card
 * for the policy's leads' channel (`leads_card`, in the same change), where one is linked.
 *
 * Safe to repeat: a proposal is made on the case's version and is not made again while it
 * is pending; a reminder's outbox id names the case and the wait, so the store keeps one.
 * A case that changed between the read and the write (someone clicked meanwhile) is left
 * to the next sweep.
 */
import {
  type CaseCommand,
  decide,
  ENGINE_ACTOR,
  planSweep,
  type Roster,
  type StudentRef,
} from "../cases/index.ts";
import type { DayNumber } from "../data/dates.ts";
import type { Policy } from "../rules/index.ts";
import { outboxIdFor, type Store } from "../store/index.ts";

export interface CaseSweepOptions {
  store: Store;
  policy: Policy;
  /** The run's date in the policy's time zone. */
  asOf: DayNumber;
  /** The run's time: recorded on every event and outbox entry the sweep writes. */
  at: string;
  /** Each school's school days, sorted and distinct (`SchoolCalendar.days`). */
  schoolDays: ReadonlyMap<string, ArrayLike<number>>;
  /** The student as the data says now (for the engine's authorisation on their case). */
  studentOf: (studentId: string) => StudentRef | undefined;
  roster: Roster;
}

export interface CaseSweepResult {
  escalationsProposed: number;
  reminders: number;
  /** Cases the engine could not act on, and why (changed meanwhile, refused). */
  passed: { caseId: string; why: string }[];
}

export async function sweepCases(options: CaseSweepOptions): Promise<CaseSweepResult> {
  const { store, policy, at } = options;
  const result: CaseSweepResult = { escalationsProposed: 0, reminders: 0, passed: [] };
  if (policy.escalation === undefined) return result;
  const open = await store.listOpenCases(policy.id);
  const byId = new Map(open.map((c) => [c.caseId, c]));
  const actions = planSweep({
    cases: open,
    escalation: policy.escalation,
    timezone: policy.timezone,
    asOf: options.asOf,
    schoolDays: options.schoolDays,
  });
  for (const action of actions) {
    const stored = byId.get(action.caseId);
    if (stored === undefined) continue;
    if (action.kind === "remind") {
      const added = await store.enqueueOutbox([
        {
          id: `${stored.caseId}:reminder:v${action.since}`,
          policyId: policy.id,
          caseId: stored.caseId,
          kind: "thread_reply",
          payload: { caseId: stored.caseId, text: action.text },
          createdAt: at,
        },
      ]);
      result.reminders += added;
      continue;
    }
    const opened = stored.events[0];
    const studentId = opened?.type === "opened" ? opened.studentId : "";
    const command = {
      type: "propose_escalation",
      version: action.version,
      at,
      reason: action.reason,
    } as CaseCommand;
    const decision = decide(stored.events, command, ENGINE_ACTOR, {
      caseId: stored.caseId,
      student: options.studentOf(studentId),
      policy,
      roster: options.roster,
    });
    if (!decision.ok) {
      await store.appendAudit(policy.id, [decision.audit]);
      result.passed.push({ caseId: stored.caseId, why: decision.refusal.message });
      continue;
    }
    const appended = await store.appendCaseEvents({
      policyId: policy.id,
      caseId: stored.caseId,
      expectedVersion: stored.version,
      events: decision.events,
      outbox: [
        {
          id: outboxIdFor(stored.caseId, stored.version, "card_update"),
          kind: "card_update",
          payload: { caseId: stored.caseId },
          createdAt: at,
        },
        {
          id: outboxIdFor(stored.caseId, stored.version, "thread_reply"),
          kind: "thread_reply",
          payload: {
            caseId: stored.caseId,
            text: `Reach proposed an escalation to ${action.to}: ${action.reason}`,
          },
          createdAt: at,
        },
        {
          id: outboxIdFor(stored.caseId, stored.version, "leads_card"),
          kind: "leads_card",
          payload: { caseId: stored.caseId },
          createdAt: at,
        },
      ],
      audit: [decision.audit],
    });
    if (!appended.ok) {
      const why =
        appended.reason === "not_found" ? "the case is gone" : "the case changed meanwhile";
      result.passed.push({ caseId: stored.caseId, why });
    } else if (!appended.replayed) result.escalationsProposed++;
  }
  return result;
}
