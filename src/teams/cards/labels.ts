/**
 * Plain-English words for the closed word lists of the case workflow, as cards, forms and
 * thread replies show them. Typed as complete records, so a new value in
 * `case-vocabulary.ts` cannot ship without its label.
 */
import type {
  CaseStatus,
  ContactChannel,
  ContactOutcome,
  DismissReason,
  EscalationDecision,
  NoteVisibility,
  ResolveOutcome,
  StudentReply,
  UnreachableReason,
} from "../../cases/index.ts";
import type { Severity } from "../../rules/index.ts";

export const STATUS_LABELS: Readonly<Record<CaseStatus, string>> = {
  proposed: "Proposed",
  active: "Active",
  escalated: "Escalated",
  resolved: "Resolved",
  dismissed: "Dismissed",
  closed: "Closed",
  erased: "Erased",
};

export const SEVERITY_LABELS: Readonly<Record<Severity, string>> = {
  low: "Low",
  medium: "Medium",
  high: "High",
};

export const DISMISS_REASON_LABELS: Readonly<Record<DismissReason, string>> = {
  known_circumstance: "Known circumstance",
  data_error: "Data error",
  already_in_contact: "Already in contact",
  not_a_concern: "Not a concern",
  other: "Other (say why below)",
};

export const CONTACT_CHANNEL_LABELS: Readonly<Record<ContactChannel, string>> = {
  email: "Email",
  phone: "Phone",
  teams_chat: "Teams chat",
  in_person: "In person",
  letter: "Letter",
};

export const CONTACT_OUTCOME_LABELS: Readonly<Record<ContactOutcome, string>> = {
  reached: "Reached",
  no_answer: "No answer",
  left_message: "Left a message",
  wrong_details: "Wrong contact details",
};

export const RESOLVE_OUTCOME_LABELS: Readonly<Record<ResolveOutcome, string>> = {
  re_engaged: "Re-engaged",
  referred: "Referred to a support service",
  circumstances_recorded: "Circumstances recorded",
  withdrew: "Withdrew",
  other: "Other (say what below)",
};

export const NOTE_VISIBILITY_LABELS: Readonly<Record<NoteVisibility, string>> = {
  team: "Team: everyone who works on this case can read it",
  restricted: "Restricted: only you, the assignee and the engagement lead can read it",
};

export const ESCALATION_DECISION_LABELS: Readonly<Record<EscalationDecision, string>> = {
  accept: "Accept: escalate the case",
  decline: "Decline: keep the case with its adviser",
};

export const STUDENT_REPLY_LABELS: Readonly<Record<StudentReply, string>> = {
  would_like_to_talk: "I'd like to talk",
  doing_ok: "I'm OK",
  other: "a message",
};

export const UNREACHABLE_REASON_LABELS: Readonly<Record<UnreachableReason, string>> = {
  no_teams_account: "they have no Teams account Reach can reach",
  not_in_data: "the school's data has no Microsoft 365 account for them",
  app_blocked: "the school's Teams settings block Reach for them",
  chat_blocked: "the school's Teams settings block chats with them",
  opted_out: "they asked Reach not to message them before it went",
  other: "Teams refused the message",
};

/** The label of `value`, or the value itself when it is not in the list (never throws). */
export function labelOf<K extends string>(
  labels: Readonly<Record<K, string>>,
  value: string,
): string {
  return Object.hasOwn(labels, value) ? labels[value as K] : value.replaceAll("_", " ");
}

/**
 * The label for use inside a sentence: without a form hint such as "(say why below)" and
 * in lower case, except for names ("Teams chat") and the student's own words ("I'm OK").
 */
export function phraseOf<K extends string>(
  labels: Readonly<Record<K, string>>,
  value: string,
): string {
  const label = labelOf(labels, value).replace(/\s*\(.*\)$/, "");
  if (/^(Teams\b|I')/.test(label)) return label;
  return label.charAt(0).toLowerCase() + label.slice(1);
}

/** `{ title, value }` choices for an Input.ChoiceSet, in the vocabulary's order. */
export function choicesOf<K extends string>(
  values: readonly K[],
  labels: Readonly<Record<K, string>>,
): { title: string; value: K }[] {
  return values.map((value) => ({ title: labels[value], value }));
}
