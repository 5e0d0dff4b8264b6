/**
 * Applies one event to a case's state. Returns a new object and shares what did not
 * change, so a state handed out is never changed behind its holder's back.
 */
import { SEVERITY_RANK } from "../rules/index.ts";
import type { CaseEvent } from "./case-events.ts";
import type { CaseSignal } from "./case-signal.ts";
import type {
  CaseCounts,
  CaseSignalEntry,
  CaseState,
  ContactEntry,
  EscalationEntry,
  OutreachEntry,
} from "./case-state.ts";
import { redactState } from "./erasure.ts";

const ZERO_COUNTS: Readonly<CaseCounts> = {
  signals: 0,
  contactAttempts: 0,
  contactsReached: 0,
  notes: 0,
  restrictedNotes: 0,
  outreachProposed: 0,
  outreachSent: 0,
  studentReplies: 0,
  snoozes: 0,
  reassignments: 0,
  escalationsProposed: 0,
  dismissals: 0,
  resolutions: 0,
  reopened: 0,
};

export function evolve(state: CaseState | undefined, event: CaseEvent): CaseState {
  if (state === undefined) {
    if (event.type !== "opened")
      throw new Error(`a case starts with "opened", not "${event.type}"`);
    return {
      caseId: event.caseId,
      policyId: event.policyId,
      studentId: event.studentId,
      school: event.school,
      status: "proposed",
      version: 1,
      severity: event.severity,
      asOf: event.asOf,
      openedAt: event.at,
      ...(event.policyVersion !== undefined && { policyVersion: event.policyVersion }),
      updatedAt: event.at,
      signals: [
        ...event.signals.map((signal) => entry(signal, false, event.asOf, event.at)),
        ...event.inhibited.map((signal) => entry(signal, true, event.asOf, event.at)),
      ],
      contacts: [],
      notes: [],
      outreach: [],
      erased: false,
      counts: { ...ZERO_COUNTS, signals: event.signals.length + event.inhibited.length },
    };
  }
  const next: CaseState = { ...state, version: state.version + 1, updatedAt: event.at };
  const count = (key: keyof CaseCounts, by = 1) => {
    next.counts = { ...next.counts, [key]: next.counts[key] + by };
  };
  switch (event.type) {
    case "opened":
      throw new Error(`case ${state.caseId} is already open`);
    case "signal_added":
      next.signals = [...state.signals, entry(event.signal, event.inhibited, event.asOf, event.at)];
      // A watch rule's signal is shown on the case but never raises its severity.
      if (
        event.signal.watch !== true &&
        SEVERITY_RANK[event.signal.severity] > SEVERITY_RANK[state.severity]
      ) {
        next.severity = event.signal.severity;
      }
      if (event.asOf > state.asOf) next.asOf = event.asOf;
      count("signals");
      return next;
    case "confirmed":
      next.status = "active";
      next.assignee = event.assignee;
      return next;
    case "reassigned":
      next.assignee = event.assignee;
      count("reassignments");
      return next;
    case "dismissed":
      next.status = "dismissed";
      next.dismissal = { reason: event.reason, text: event.text, by: event.actor, at: event.at };
      count("dismissals");
      return next;
    case "contact_attempted": {
      const contact: ContactEntry = {
        at: event.at,
        by: event.actor,
        channel: event.channel,
        outcome: event.outcome,
        note: event.note,
      };
      next.contacts = [...state.contacts, contact];
      next.lastContact = contact;
      count("contactAttempts");
      if (event.outcome === "reached") count("contactsReached");
      return next;
    }
    case "note_added":
      next.notes = [
        ...state.notes,
        {
          noteId: event.noteId,
          author: event.actor,
          at: event.at,
          visibility: event.visibility,
          text: event.text,
        },
      ];
      count("notes");
      if (event.visibility === "restricted") count("restrictedNotes");
      return next;
    case "outreach_proposed":
      next.outreach = [
        ...state.outreach,
        {
          outreachId: event.outreachId,
          stage: "proposed",
          text: event.text,
          template: event.template,
          proposedBy: event.actor,
          proposedAt: event.at,
          replies: [],
        },
      ];
      count("outreachProposed");
      return next;
    case "outreach_approved": {
      const approved = (o: OutreachEntry): OutreachEntry => ({
        ...o,
        stage: "approved",
        text: event.text,
        template: event.template ?? o.template,
        approvedBy: event.actor,
        approvedAt: event.at,
        scheduledFor: event.scheduledFor,
      });
      const proposed = state.outreach.some((o) => o.outreachId === event.outreachId);
      if (proposed) {
        next.outreach = updateOutreach(state, event.outreachId, approved);
      } else {
        // Written and sent by the same person: proposed and approved at once.
        next.outreach = [
          ...state.outreach,
          approved({
            outreachId: event.outreachId,
            stage: "proposed",
            text: event.text,
            proposedBy: event.actor,
            proposedAt: event.at,
            replies: [],
          }),
        ];
        count("outreachProposed");
      }
      return next;
    }
    case "outreach_failed":
      next.outreach = updateOutreach(state, event.outreachId, (o) => ({
        ...o,
        stage: "failed",
        failure: { at: event.at, reason: event.reason, detail: event.detail },
      }));
      return next;
    case "student_opted_out":
      next.optedOut = { at: event.at };
      return next;
    case "outreach_sent":
      next.outreach = updateOutreach(state, event.outreachId, (o) => ({
        ...o,
        stage: "sent",
        sentAt: event.at,
        activityId: event.activityId,
      }));
      count("outreachSent");
      return next;
    case "student_replied":
      next.outreach = updateOutreach(state, event.outreachId, (o) => ({
        ...o,
        replies: [...o.replies, { at: event.at, reply: event.reply, text: event.text }],
      }));
      count("studentReplies");
      return next;
    case "snoozed":
      next.snoozedUntil = event.until;
      count("snoozes");
      return next;
    case "escalation_proposed":
      next.escalation = {
        status: "pending",
        reason: event.reason,
        proposedBy: event.actor,
        proposedAt: event.at,
      };
      count("escalationsProposed");
      return next;
    case "escalation_decided":
      if (state.escalation === undefined) throw new Error("an escalation decided unproposed");
      next.escalation = {
        ...state.escalation,
        status: event.decision === "accept" ? "accepted" : "declined",
        decidedBy: event.actor,
        decidedAt: event.at,
        note: event.note,
      };
      if (event.decision === "accept") next.status = "escalated";
      return next;
    case "resolved":
      next.status = "resolved";
      next.resolution = { outcome: event.outcome, note: event.note, by: event.actor, at: event.at };
      next.escalation = withdrawn(state.escalation);
      count("resolutions");
      return next;
    case "reopened":
      // A dismissed case was never taken by anyone: it goes back to the team as proposed.
      next.status = state.assignee === undefined ? "proposed" : "active";
      next.dismissal = undefined;
      next.resolution = undefined;
      count("reopened");
      return next;
    case "closed":
      next.status = "closed";
      next.escalation = withdrawn(state.escalation);
      return next;
    case "erased":
      return { ...redactState(next), status: "erased", erased: true };
  }
}

function entry(signal: CaseSignal, inhibited: boolean, asOf: string, at: string): CaseSignalEntry {
  return { signal, inhibited, asOf, addedAt: at };
}

function updateOutreach(
  state: CaseState,
  outreachId: string,
  change: (o: OutreachEntry) => OutreachEntry,
): OutreachEntry[] {
  return state.outreach.map((o) => (o.outreachId === outreachId ? change(o) : o));
}

function withdrawn(escalation: EscalationEntry | undefined): EscalationEntry | undefined {
  return escalation?.status === "pending" ? { ...escalation, status: "withdrawn" } : escalation;
}
