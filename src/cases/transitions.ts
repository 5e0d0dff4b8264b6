/**
 * The state machine: in which statuses each command may be made, and the further
 * conditions some commands have (a pending escalation, a message at the right stage).
 * docs/cases.md has the same table for people.
 *
 *   proposed → active       confirm: someone takes it (the assignee)
 *   proposed → dismissed    dismiss, with a reason
 *   active → escalated      an engagement lead accepts a proposed escalation
 *   active → resolved       resolve, with an outcome (also from escalated)
 *   resolved → closed       close (also from escalated)
 *   resolved, closed → active; dismissed → proposed (it was never taken)   reopen
 *   any status → erased     erase; terminal
 */
import type { CaseCommand, CaseCommandType } from "./case-commands.ts";
import type { CaseState } from "./case-state.ts";
import type { CaseStatus } from "./case-vocabulary.ts";
import { type Refusal, refusal } from "./refusal.ts";

const WORKING: readonly CaseStatus[] = ["active", "escalated"];

/** `open` is allowed only on a case with no events, so it has no status. */
export const ALLOWED_IN: Readonly<Record<CaseCommandType, readonly CaseStatus[]>> = {
  open: [],
  add_signal: ["proposed", "active", "escalated"],
  confirm: ["proposed"],
  reassign: WORKING,
  dismiss: ["proposed"],
  snooze: ["proposed", "active", "escalated"],
  log_contact: WORKING,
  // A note may follow the outcome ("spoke to her again"), but a closed case is archived.
  add_note: ["proposed", "active", "escalated", "resolved", "dismissed"],
  propose_outreach: WORKING,
  approve_outreach: WORKING,
  // A message approved before the case was resolved may still be delivered and answered.
  record_outreach_sent: ["active", "escalated", "resolved"],
  record_outreach_failed: ["active", "escalated", "resolved"],
  record_student_reply: ["active", "escalated", "resolved"],
  // A student may always say "stop": even after the case is closed.
  opt_out: ["active", "escalated", "resolved", "closed", "dismissed"],
  propose_escalation: ["active"],
  decide_escalation: ["active"],
  resolve: WORKING,
  reopen: ["resolved", "dismissed", "closed"],
  close: ["resolved", "escalated"],
  erase: ["proposed", "active", "escalated", "resolved", "dismissed", "closed"],
};

/** "You can't … a dismissed case." */
export const VERBS: Readonly<Record<CaseCommandType, string>> = {
  open: "open",
  add_signal: "add a signal to",
  confirm: "confirm",
  reassign: "reassign",
  dismiss: "dismiss",
  snooze: "snooze",
  log_contact: "log a contact attempt on",
  add_note: "add a note to",
  propose_outreach: "propose a message on",
  approve_outreach: "approve a message on",
  record_outreach_sent: "record a message sent on",
  record_outreach_failed: "record an undelivered message on",
  record_student_reply: "record a student's reply on",
  opt_out: "record a student's opt-out on",
  propose_escalation: "propose escalating",
  decide_escalation: "decide an escalation on",
  resolve: "resolve",
  reopen: "reopen",
  close: "close",
  erase: "erase",
};

const HINT: Partial<Record<CaseStatus, string>> = {
  proposed: "confirm it first",
  dismissed: "reopen it first",
  resolved: "reopen it first",
  closed: "a closed case can only be reopened",
  erased: "an erased case keeps no more records",
};

/** Why the command cannot be made in the case's current status, or undefined when it can. */
export function transitionRefusal(
  state: CaseState | undefined,
  command: CaseCommand,
): Refusal | undefined {
  if (state === undefined) {
    return command.type === "open"
      ? undefined
      : refusal("not_allowed_in_state", "This case has not been opened yet.");
  }
  if (command.type === "open") {
    return refusal("not_allowed_in_state", "This case is already open.");
  }
  const allowed = ALLOWED_IN[command.type];
  if (!allowed.includes(state.status)) {
    const hint = HINT[state.status];
    return refusal(
      "not_allowed_in_state",
      `You can't ${VERBS[command.type]} a case that is ${state.status}${hint ? `: ${hint}` : ""}.`,
      `${command.type} is allowed when the case is ${allowed.join(" or ")}`,
    );
  }
  return stageRefusal(state, command);
}

/** Conditions beyond the status: escalations and messages move through their own stages. */
function stageRefusal(state: CaseState, command: CaseCommand): Refusal | undefined {
  switch (command.type) {
    case "propose_escalation":
      return state.escalation?.status === "pending"
        ? refusal(
            "not_allowed_in_state",
            "An escalation of this case is already awaiting a decision.",
          )
        : undefined;
    case "decide_escalation":
      return state.escalation?.status === "pending"
        ? undefined
        : refusal("not_allowed_in_state", "No escalation of this case is awaiting a decision.");
    case "approve_outreach":
      // A new id is written and approved at once; an existing one must be awaiting approval.
      return state.outreach.some((o) => o.outreachId === command.outreachId)
        ? outreachStage(state, command.outreachId, "proposed", "approved")
        : undefined;
    case "record_outreach_sent":
      return outreachStage(state, command.outreachId, "approved", "sent");
    case "record_outreach_failed":
      return outreachStage(state, command.outreachId, "approved", "recorded as undelivered");
    case "record_student_reply":
      return outreachStage(state, command.outreachId, "sent", "answered");
    default:
      return undefined;
  }
}

function outreachStage(
  state: CaseState,
  outreachId: string,
  needed: "proposed" | "approved" | "sent",
  next: string,
): Refusal | undefined {
  const outreach = state.outreach.find((o) => o.outreachId === outreachId);
  if (outreach === undefined) {
    return refusal("invalid_input", `There is no message ${outreachId} on this case.`);
  }
  if (outreach.stage === needed) return undefined;
  return refusal(
    "not_allowed_in_state",
    `Message ${outreachId} is ${outreach.stage}, so it cannot be ${next} now.`,
    `a message is ${next} only when it is ${needed}`,
  );
}
