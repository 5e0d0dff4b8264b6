/**
 * `decide`: the one entry point for changing a case. It takes the case's history, a
 * command, who makes it and the setting (case id, student, policy, roster), and returns
 * either the events to append or a refusal — always with the audit entry to store.
 *
 * Checks run in this order, each refusing with its own code:
 * 1. the payload is a valid command (`invalid_input`);
 * 2. the actor may make it on this student's case (`not_authorised`), before anything
 *    about the case is revealed;
 * 3. it was made on the current version (`stale_version`): of two people acting on the
 *    same card, the second is told to look at the fresh case rather than that the case
 *    moved on;
 * 4. the case's status allows it (`not_allowed_in_state`);
 * 5. what it says makes sense for this case (`invalid_input`).
 *
 * Pure: no clock (the command carries `at`), no ids made here, nothing mutated.
 */
import type { AuditEntry } from "./audit.ts";
import { auditEntry } from "./audit.ts";
import {
  type Authorisation,
  authorise,
  type CasePolicy,
  type CaseSubject,
  type Roster,
  type StudentRef,
} from "./authorise.ts";
import { type CaseCommand, parseCaseCommand } from "./case-commands.ts";
import type { CaseEvent } from "./case-events.ts";
import { type CaseState, foldCase } from "./case-state.ts";
import { eventsFor } from "./command-events.ts";
import { evolve } from "./evolve.ts";
import { type Refusal, refusal } from "./refusal.ts";
import { transitionRefusal } from "./transitions.ts";

export interface DecideContext {
  /** The case acted on; for `open`, the id the caller chose for the new case. */
  caseId: string;
  /** The student as the data says now; undefined when they are no longer in it. */
  student: StudentRef | undefined;
  policy: CasePolicy;
  roster: Roster;
  /** When the actor is the student: which student clicked (see `authorise`). */
  actingStudentId?: string;
}

export type Decision =
  | { ok: true; events: CaseEvent[]; state: CaseState; audit: AuditEntry }
  | { ok: false; refusal: Refusal; audit: AuditEntry };

/**
 * `command` is typed for callers that build commands, and validated again here because
 * most arrive as a card's JSON payload.
 */
export function decide(
  caseEvents: readonly CaseEvent[],
  command: CaseCommand,
  actor: string,
  context: DecideContext,
): Decision {
  const raw = command as Partial<Record<string, unknown>> | null;
  const action = typeof raw?.type === "string" ? raw.type : "unknown";
  const at = typeof raw?.at === "string" ? raw.at : "";
  const refuse = (r: Refusal): Decision => ({
    ok: false,
    refusal: r,
    audit: auditEntry(actor, at, action, context.caseId, {
      allowed: false,
      why: r.why ?? r.message,
      refusal: r.code,
    }),
  });

  const parsed = parseCaseCommand(command);
  if (!parsed.ok) return refuse(refusal("invalid_input", parsed.message));
  const valid = parsed.command;

  const state = foldCase(caseEvents);
  if (state !== undefined && state.caseId !== context.caseId) {
    return refuse(
      refusal("invalid_input", `These events are of case ${state.caseId}, not ${context.caseId}.`),
    );
  }

  // Access is decided on the student given; it must be this case's student (an erased
  // case no longer says whose it was, so it cannot be checked there).
  if (
    state !== undefined &&
    !state.erased &&
    context.student &&
    context.student.id !== state.studentId
  ) {
    return refuse(
      refusal("invalid_input", `Case ${state.caseId} is not about student ${context.student.id}.`),
    );
  }

  const subject = subjectOf(state, context);
  const access: Authorisation = authorise(
    actor,
    valid.type,
    subject,
    context.roster,
    context.actingStudentId,
  );
  if (!access.allowed) {
    return refuse(refusal("not_authorised", "Sorry, you can't do that on this case.", access.why));
  }

  if (valid.version !== caseEvents.length) {
    return refuse(
      refusal(
        "stale_version",
        "Someone else changed this case just now; here it is as it stands.",
        `made on version ${valid.version}; the case is at version ${caseEvents.length}`,
      ),
    );
  }

  const notNow = transitionRefusal(state, valid);
  if (notNow) return refuse(notNow);

  const made = eventsFor(state, valid, actor, {
    caseId: context.caseId,
    subject,
    roster: context.roster,
  });
  if (!made.ok) return refuse(made.refusal);

  let next = state;
  for (const e of made.events) next = evolve(next, e);
  return {
    ok: true,
    events: made.events,
    state: next as CaseState,
    audit: auditEntry(actor, at, action, context.caseId, { allowed: true, why: access.why }),
  };
}

/**
 * Access is decided on the student as the data says now (a new adviser gains access, a
 * former one loses it); the case's recorded school stands in when the student is gone.
 */
export function subjectOf(state: CaseState | undefined, context: DecideContext): CaseSubject {
  return {
    student: context.student,
    school: context.student?.school ?? state?.school ?? "",
    policy: context.policy,
  };
}
