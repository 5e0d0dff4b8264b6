/**
 * A case as a reader may see it. Built field by field from the state, so nothing that is
 * not named here (demographics, or any field a future state might carry) can reach a
 * card or a chat by accident.
 *
 * Restricted notes: the text is shown only to the note's author, the case's assignee, and
 * an engagement lead of the case's school; everyone else sees that a restricted note
 * exists, who wrote it and when, but not what it says. A channel card (reader `null`)
 * never shows restricted text.
 */
import type { Staff } from "../data/schema.ts";
import type { Roster } from "./authorise.ts";
import type { CaseNote, CaseState } from "./case-state.ts";
import { ENGINE_ACTOR } from "./case-vocabulary.ts";

export interface StaffRef {
  id: string;
  name: string;
}

export interface NoteView {
  noteId: string;
  author: StaffRef;
  at: string;
  visibility: CaseNote["visibility"];
  /** null when redacted for this reader. */
  text: string | null;
  redacted: boolean;
}

export interface ConditionView {
  metric: string;
  op: string;
  threshold: number;
  value: number | null;
  met: boolean | null;
  evidence: string;
  window: { from: string; to: string; schoolDays: number };
}

export interface SignalView {
  ruleId: string;
  ruleName: string;
  severity: string;
  inhibited: boolean;
  /** A watch rule's signal: shown apart ("Also watching"), never the reason for the case. */
  watch?: true;
  asOf: string;
  runs: number;
  since: string;
  conditions: ConditionView[];
}

export interface ContactView {
  at: string;
  by: StaffRef;
  channel: string;
  outcome: string;
  note?: string;
}

export interface OutreachView {
  outreachId: string;
  stage: string;
  text: string;
  proposedBy: StaffRef;
  approvedBy?: StaffRef;
  sentAt?: string;
  /** When quiet hours hold the approved message back: the instant it may go. */
  scheduledFor?: string;
  /** Why it could not be delivered (the approved text stays, to send another way). */
  failure?: { at: string; reason: string };
  replies: { at: string; reply: string; text?: string }[];
}

export interface CaseView {
  caseId: string;
  policyId: string;
  studentId: string;
  school: string;
  status: CaseState["status"];
  version: number;
  severity: string;
  asOf: string;
  openedAt: string;
  updatedAt: string;
  assignee?: StaffRef;
  snoozedUntil?: string;
  signals: SignalView[];
  contacts: ContactView[];
  lastContact?: ContactView;
  notes: NoteView[];
  outreach: OutreachView[];
  escalation?: { status: string; reason: string; proposedBy: StaffRef; decidedBy?: StaffRef };
  dismissal?: { reason: string; text?: string; by: StaffRef; at: string };
  resolution?: { outcome: string; note?: string; by: StaffRef; at: string };
  /** The student asked Reach not to message them. */
  optedOut?: { at: string };
  erased: boolean;
  counts: CaseState["counts"];
}

/** May `reader` (a staff id, or null for a channel card) read this restricted note's text? */
export function mayReadRestricted(
  note: Pick<CaseNote, "author">,
  state: Pick<CaseState, "assignee" | "school">,
  reader: string | null,
  roster: Roster,
): boolean {
  if (reader === null) return false;
  if (reader === note.author || reader === state.assignee) return true;
  const staff = roster.get(reader);
  return staff !== undefined && isLeadOf(staff, state.school);
}

export function caseView(state: CaseState, reader: string | null, roster: Roster): CaseView {
  const who = (id: string): StaffRef => ({
    id,
    name: id === ENGINE_ACTOR ? "Reach" : (roster.get(id)?.name ?? id),
  });
  const contact = (c: CaseState["contacts"][number]): ContactView => ({
    at: c.at,
    by: who(c.by),
    channel: c.channel,
    outcome: c.outcome,
    ...(c.note !== undefined && { note: c.note }),
  });
  const view: CaseView = {
    caseId: state.caseId,
    policyId: state.policyId,
    studentId: state.studentId,
    school: state.school,
    status: state.status,
    version: state.version,
    severity: state.severity,
    asOf: state.asOf,
    openedAt: state.openedAt,
    updatedAt: state.updatedAt,
    signals: state.signals.map(({ signal, inhibited, asOf }) => ({
      ruleId: signal.ruleId,
      ruleName: signal.ruleName,
      severity: signal.severity,
      inhibited,
      ...(signal.watch === true && { watch: true as const }),
      asOf,
      runs: signal.runs,
      since: signal.since,
      conditions: signal.conditions.map((c) => ({
        metric: c.metric,
        op: c.op,
        threshold: c.threshold,
        value: c.value,
        met: c.met,
        evidence: c.evidence,
        window: { from: c.window.from, to: c.window.to, schoolDays: c.window.schoolDays },
      })),
    })),
    contacts: state.contacts.map(contact),
    notes: state.notes.map((n) => {
      const visible = n.visibility === "team" || mayReadRestricted(n, state, reader, roster);
      return {
        noteId: n.noteId,
        author: who(n.author),
        at: n.at,
        visibility: n.visibility,
        text: visible ? n.text : null,
        redacted: !visible,
      };
    }),
    outreach: state.outreach.map((o) => ({
      outreachId: o.outreachId,
      stage: o.stage,
      text: o.text,
      proposedBy: who(o.proposedBy),
      ...(o.approvedBy !== undefined && { approvedBy: who(o.approvedBy) }),
      ...(o.sentAt !== undefined && { sentAt: o.sentAt }),
      ...(o.scheduledFor !== undefined && { scheduledFor: o.scheduledFor }),
      ...(o.failure !== undefined && { failure: { at: o.failure.at, reason: o.failure.reason } }),
      replies: o.replies.map((r) => ({
        at: r.at,
        reply: r.reply,
        ...(r.text !== undefined && { text: r.text }),
      })),
    })),
    erased: state.erased,
    counts: { ...state.counts },
  };
  if (state.assignee !== undefined) view.assignee = who(state.assignee);
  if (state.snoozedUntil !== undefined) view.snoozedUntil = state.snoozedUntil;
  if (state.lastContact !== undefined) view.lastContact = contact(state.lastContact);
  if (state.optedOut !== undefined) view.optedOut = { at: state.optedOut.at };
  const { escalation, dismissal, resolution } = state;
  if (escalation !== undefined) {
    view.escalation = {
      status: escalation.status,
      reason: escalation.reason,
      proposedBy: who(escalation.proposedBy),
      ...(escalation.decidedBy !== undefined && { decidedBy: who(escalation.decidedBy) }),
    };
  }
  if (dismissal !== undefined) {
    view.dismissal = {
      reason: dismissal.reason,
      ...(dismissal.text !== undefined && { text: dismissal.text }),
      by: who(dismissal.by),
      at: dismissal.at,
    };
  }
  if (resolution !== undefined) {
    view.resolution = {
      outcome: resolution.outcome,
      ...(resolution.note !== undefined && { note: resolution.note }),
      by: who(resolution.by),
      at: resolution.at,
    };
  }
  return view;
}

function isLeadOf(staff: Staff, school: string): boolean {
  return staff.roles.includes("engagement_lead") && staff.school === school;
}
