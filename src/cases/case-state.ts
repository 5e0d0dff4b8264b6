/**
 * A case's state is a fold of its events (evolve.ts applies one): nothing is stored that
 * the history cannot rebuild.
 */
import type { Severity } from "../rules/index.ts";
import type { CaseEvent } from "./case-events.ts";
import type { CaseSignal } from "./case-signal.ts";
import type {
  CaseStatus,
  ContactChannel,
  ContactOutcome,
  DismissReason,
  NoteVisibility,
  ResolveOutcome,
  StudentReply,
  UnreachableReason,
} from "./case-vocabulary.ts";
import { OPEN_STATUSES } from "./case-vocabulary.ts";
import { evolve } from "./evolve.ts";

export interface CaseSignalEntry {
  signal: CaseSignal;
  /** Hidden on the card by severity inhibition, but recorded. */
  inhibited: boolean;
  /** The "data as of" date of the finding that brought it. */
  asOf: string;
  addedAt: string;
}

export interface ContactEntry {
  at: string;
  by: string;
  channel: ContactChannel;
  outcome: ContactOutcome;
  note?: string;
}

export interface CaseNote {
  noteId: string;
  author: string;
  at: string;
  visibility: NoteVisibility;
  text: string;
}

export interface OutreachEntry {
  outreachId: string;
  stage: "proposed" | "approved" | "sent" | "failed";
  /** The proposed text until approved, then the approved text. */
  text: string;
  template?: string;
  proposedBy: string;
  proposedAt: string;
  approvedBy?: string;
  approvedAt?: string;
  /** When quiet hours hold an approved message back: the instant it may go. */
  scheduledFor?: string;
  sentAt?: string;
  activityId?: string;
  /** Why it could not be delivered; its text stays, to send another way. */
  failure?: { at: string; reason: UnreachableReason; detail?: string };
  replies: { at: string; reply: StudentReply; text?: string }[];
}

export interface EscalationEntry {
  /** `withdrawn`: the case was resolved or closed before a lead decided. */
  status: "pending" | "accepted" | "declined" | "withdrawn";
  reason: string;
  proposedBy: string;
  proposedAt: string;
  decidedBy?: string;
  decidedAt?: string;
  note?: string;
}

export interface CaseCounts {
  signals: number;
  contactAttempts: number;
  contactsReached: number;
  notes: number;
  restrictedNotes: number;
  outreachProposed: number;
  outreachSent: number;
  studentReplies: number;
  snoozes: number;
  reassignments: number;
  escalationsProposed: number;
  dismissals: number;
  resolutions: number;
  reopened: number;
}

export interface CaseState {
  caseId: string;
  policyId: string;
  studentId: string;
  school: string;
  status: CaseStatus;
  /** The number of events: the version the next command must be made on. */
  version: number;
  /** The most severe signal on the case. */
  severity: Severity;
  /** The "data as of" date of the newest evidence. */
  asOf: string;
  openedAt: string;
  /** The version of the policy whose run opened the case (absent for cases opened before versions). */
  policyVersion?: number;
  updatedAt: string;
  assignee?: string;
  /** A flag, not a status: the case keeps its status while snoozed. */
  snoozedUntil?: string;
  signals: CaseSignalEntry[];
  contacts: ContactEntry[];
  lastContact?: ContactEntry;
  notes: CaseNote[];
  outreach: OutreachEntry[];
  escalation?: EscalationEntry;
  dismissal?: { reason: DismissReason; text?: string; by: string; at: string };
  resolution?: { outcome: ResolveOutcome; note?: string; by: string; at: string };
  /** The student asked Reach not to message them. */
  optedOut?: { at: string };
  erased: boolean;
  counts: CaseCounts;
}

/** The state of a case, or `undefined` for a case with no events yet. */
export function foldCase(events: readonly CaseEvent[]): CaseState | undefined {
  let state: CaseState | undefined;
  for (const e of events) state = evolve(state, e);
  return state;
}

export function isOpen(state: CaseState): boolean {
  return OPEN_STATUSES.includes(state.status);
}

/** Snoozed on `day` (YYYY-MM-DD) when the snooze runs to that day or later. */
export function isSnoozed(state: CaseState, day: string): boolean {
  return state.snoozedUntil !== undefined && state.snoozedUntil >= day;
}
