/**
 * Right to erasure. An `erased` event ends a case; from then on the case keeps what the
 * digests count (how many contacts, notes, messages; reasons, outcomes, rules, severity,
 * who did what and when) and nothing about the student: not their id, not the evidence
 * numbers and sentences, not any free text a person wrote (notes, contact notes, message
 * texts, replies, reasons given in words), not the Teams id of a message in their chat.
 *
 * The fold applies this when it meets the `erased` event (`redactState`); the store must
 * also rewrite the stored history with `eraseHistory`, and the fold of the rewritten
 * history is the same state (a property test checks it).
 */
import type { CaseEvent } from "./case-events.ts";
import { redactSignal } from "./case-signal.ts";
import type { CaseState } from "./case-state.ts";
import { ERASED_STUDENT_ID } from "./case-vocabulary.ts";

/** The history as it may be kept after an erasure. */
export function eraseHistory(events: readonly CaseEvent[]): CaseEvent[] {
  return events.map(redactEvent);
}

export function redactEvent(event: CaseEvent): CaseEvent {
  switch (event.type) {
    case "opened":
      return {
        ...event,
        studentId: ERASED_STUDENT_ID,
        signals: event.signals.map(redactSignal),
        inhibited: event.inhibited.map(redactSignal),
      };
    case "signal_added":
      return { ...event, signal: redactSignal(event.signal) };
    case "dismissed":
      return { ...event, text: undefined };
    case "contact_attempted":
      return { ...event, note: undefined };
    case "note_added":
    case "outreach_proposed":
    case "outreach_approved":
      return { ...event, text: "" };
    case "outreach_sent":
      return { ...event, activityId: undefined };
    case "student_replied":
      return { ...event, text: undefined };
    case "outreach_failed":
      return { ...event, detail: undefined };
    case "student_opted_out":
      return event;
    case "escalation_proposed":
      return { ...event, reason: "" };
    case "escalation_decided":
    case "resolved":
      return { ...event, note: undefined };
    case "reopened":
      return { ...event, reason: undefined };
    case "confirmed":
    case "reassigned":
    case "snoozed":
    case "closed":
    case "erased":
      return event;
  }
}

/** The state as the fold of a redacted history would give it. */
export function redactState(state: CaseState): CaseState {
  const { escalation, dismissal, resolution } = state;
  return {
    ...state,
    studentId: ERASED_STUDENT_ID,
    signals: state.signals.map((s) => ({ ...s, signal: redactSignal(s.signal) })),
    contacts: state.contacts.map((c) => ({ ...c, note: undefined })),
    lastContact: state.lastContact && { ...state.lastContact, note: undefined },
    notes: state.notes.map((n) => ({ ...n, text: "" })),
    outreach: state.outreach.map((o) => ({
      ...o,
      text: "",
      activityId: undefined,
      failure: o.failure && { ...o.failure, detail: undefined },
      replies: o.replies.map((r) => ({ ...r, text: undefined })),
    })),
    escalation: escalation && { ...escalation, reason: "", note: undefined },
    dismissal: dismissal && { ...dismissal, text: undefined },
    resolution: resolution && { ...resolution, note: undefined },
  };
}
