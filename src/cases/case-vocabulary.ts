/**
 * The closed word lists of the case workflow: states, reasons, channels, outcomes. They are
 * stored in events and counted in digests, so a value once shipped keeps its spelling.
 */

/** `erased` is terminal: after a right-to-erasure request nothing more is recorded. */
export const CASE_STATUSES = [
  "proposed",
  "active",
  "escalated",
  "resolved",
  "dismissed",
  "closed",
  "erased",
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** Statuses in which the case is the student's one open case for its policy. */
export const OPEN_STATUSES: readonly CaseStatus[] = ["proposed", "active", "escalated"];

export const DISMISS_REASONS = [
  "known_circumstance",
  "data_error",
  "already_in_contact",
  "not_a_concern",
  "other",
] as const;
export type DismissReason = (typeof DISMISS_REASONS)[number];

export const CONTACT_CHANNELS = ["email", "phone", "teams_chat", "in_person", "letter"] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];

export const CONTACT_OUTCOMES = ["reached", "no_answer", "left_message", "wrong_details"] as const;
export type ContactOutcome = (typeof CONTACT_OUTCOMES)[number];

export const NOTE_VISIBILITIES = ["team", "restricted"] as const;
export type NoteVisibility = (typeof NOTE_VISIBILITIES)[number];

export const RESOLVE_OUTCOMES = [
  "re_engaged",
  "referred",
  "circumstances_recorded",
  "withdrew",
  "other",
] as const;
export type ResolveOutcome = (typeof RESOLVE_OUTCOMES)[number];

export const ESCALATION_DECISIONS = ["accept", "decline"] as const;
export type EscalationDecision = (typeof ESCALATION_DECISIONS)[number];

/** The reply buttons of an outreach message ("I'd like to talk", "I'm OK"), or free text. */
export const STUDENT_REPLIES = ["would_like_to_talk", "doing_ok", "other"] as const;
export type StudentReply = (typeof STUDENT_REPLIES)[number];

/**
 * Why an approved message could not reach the student in Teams: no Teams account (or no
 * Entra id in the data), the school's Teams blocks the app, or blocks the chat.
 */
export const UNREACHABLE_REASONS = [
  "no_teams_account",
  "not_in_data",
  "app_blocked",
  "chat_blocked",
  /** Approved before, but the student asked Reach to stop before it went. */
  "opted_out",
  "other",
] as const;
export type UnreachableReason = (typeof UNREACHABLE_REASONS)[number];

/**
 * The actor of what a student does on a message Reach sent them (a reply, opting out). A
 * case is about one student, so the events need no id; which student clicked is checked
 * by the caller against the case (`DecideContext.actingStudentId`), and nothing that
 * outlives an erasure (the audit trail) holds the student's id.
 */
export const STUDENT_ACTOR = "student";

/** The actor of everything the engine and the delivery worker record. Not a staff id. */
export const ENGINE_ACTOR = "reach";

/** What an erased case keeps in place of the student's id. */
export const ERASED_STUDENT_ID = "[erased]";

/** Long enough for a case note, short enough for an Adaptive Card text block. */
export const MAX_TEXT_LENGTH = 4000;
