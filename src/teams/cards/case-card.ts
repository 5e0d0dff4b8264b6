/**
 * The case card posted in a support team's channel (and shown in an adviser's chat). The
 * renderer builds the template's data model field by field from the named inputs only, so
 * nothing else a caller's objects carry (demographics, special-category data) can reach
 * the card. Restricted notes appear only as "Restricted note by …", whatever the view
 * holds: a card is shared, and a reader who may see the text reads it elsewhere.
 */
import type { CaseView, NoteView, SignalView } from "../../cases/index.ts";
import type { AdaptiveCard } from "./attachment.ts";
import { messagesOf } from "./case-messages.ts";
import { eventLine, type RecentEvent } from "./describe-event.ts";
import { formatDate, formatWindow, shorten } from "./format.ts";
import { type CaseActionData, renderForms } from "./forms.ts";
import {
  CONTACT_CHANNEL_LABELS,
  CONTACT_OUTCOME_LABELS,
  DISMISS_REASON_LABELS,
  labelOf,
  phraseOf,
  RESOLVE_OUTCOME_LABELS,
  SEVERITY_LABELS,
  STATUS_LABELS,
} from "./labels.ts";
import { type NoticeTone, noticeStyle } from "./notice-card.ts";
import { expandTemplate } from "./templates.ts";

export interface CaseCardStudent {
  displayName: string;
  /** What the card calls the student in sentences ("Ben replied: …"). */
  firstName?: string;
  school: string;
  programme?: string;
  year?: string;
}

export interface CaseCardInput {
  view: CaseView;
  /** Undefined when the student is no longer in the data: the card says so. */
  student: CaseCardStudent | undefined;
  policyName?: string;
  /** The policy's IANA time zone, for the times of messages to the student; UTC when none. */
  timezone?: string;
  /** A line at the top: why the clicker's action was refused, or that the card was stale. */
  notice?: { tone: NoticeTone; text: string };
  /** Already-phrased event lines, newest first (see `recentEvents`); the card shows 5. */
  recent: RecentEvent[];
}

/** How much of the history and of each person's text a card shows. */
export const CARD_LIMITS = { recent: 5, notes: 3, text: 500 } as const;

const SEVERITY_COLORS: Readonly<Record<string, string>> = {
  high: "attention",
  medium: "warning",
  low: "default",
};

export function renderCaseCard(input: CaseCardInput): AdaptiveCard {
  const { view } = input;
  const action: CaseActionData = {
    caseId: view.caseId,
    policyId: view.policyId,
    version: view.version,
  };
  const statusLabel = labelOf(STATUS_LABELS, view.status);
  const severityLabel = labelOf(SEVERITY_LABELS, view.severity);
  const erased = view.erased || view.status === "erased";
  // Watch rules' signals never explain the case: they are listed apart, "Also watching".
  const watching = view.signals.filter((s) => s.watch === true);
  const shown = view.signals.filter((s) => !s.inhibited && s.watch !== true);
  const hidden = view.signals.length - shown.length - watching.length;
  const notes = [...view.notes].reverse().slice(0, CARD_LIMITS.notes);
  const earlier = view.notes.length - notes.length;
  const outcome = outcomeOf(view);
  const escalation = escalationOf(view);
  const heading = headingOf(input.student, view, erased);
  return expandTemplate("case-card", {
    ...action,
    status: view.status,
    fallbackText: `Reach case ${view.caseId}: ${statusLabel}, ${severityLabel.toLowerCase()} severity. Update Teams to see it and act on it.`,
    hasNotice: input.notice !== undefined,
    notice: input.notice && {
      style: noticeStyle(input.notice.tone),
      text: input.notice.text,
    },
    title: heading.title,
    hasSubtitle: heading.subtitle !== "",
    subtitle: heading.subtitle,
    statusLabel,
    severityLabel,
    severityColor: SEVERITY_COLORS[view.severity] ?? "default",
    hasAssignee: view.assignee !== undefined,
    assigneeName: view.assignee?.name ?? "Nobody yet",
    isSnoozed: view.snoozedUntil !== undefined,
    snoozedUntil: view.snoozedUntil === undefined ? "" : formatDate(view.snoozedUntil),
    asOf: formatDate(view.asOf),
    openedAt: formatDate(view.openedAt),
    hasLastContact: view.lastContact !== undefined,
    lastContact:
      view.lastContact === undefined
        ? ""
        : `${labelOf(CONTACT_CHANNEL_LABELS, view.lastContact.channel)}, ${phraseOf(CONTACT_OUTCOME_LABELS, view.lastContact.outcome)}, by ${view.lastContact.by.name} on ${formatDate(view.lastContact.at)}`,
    policyName: input.policyName ?? view.policyId,
    hasOutcome: outcome !== undefined,
    outcome: outcome ?? {},
    hasEscalation: escalation !== undefined,
    escalation: escalation ?? {},
    hasSignals: shown.length > 0,
    signals: shown.map((s) => signalModel(s)),
    hasHiddenSignals: hidden > 0,
    hiddenSignals:
      hidden === 1
        ? "1 less severe signal also matched; it is recorded but not shown."
        : `${hidden} less severe signals also matched; they are recorded but not shown.`,
    hasWatching: watching.length > 0,
    watching: watching.map((s) => signalModel(s)),
    hasNotes: notes.length > 0,
    notes: notes.map(noteModel),
    hasEarlierNotes: earlier > 0,
    earlierNotes: earlier === 1 ? "and 1 earlier note" : `and ${earlier} earlier notes`,
    hasRecent: input.recent.length > 0,
    recent: input.recent.slice(0, CARD_LIMITS.recent).map((e) => ({ line: eventLine(e) })),
    escalationPending: view.escalation?.status === "pending",
    ...messagesOf({ view, firstName: input.student?.firstName, timezone: input.timezone }),
    canPropose:
      !erased &&
      view.optedOut === undefined &&
      (view.status === "active" || view.status === "escalated"),
    forms: renderForms(action),
  });
}

function headingOf(
  student: CaseCardStudent | undefined,
  view: CaseView,
  erased: boolean,
): { title: string; subtitle: string } {
  if (erased) return { title: "Erased case", subtitle: "" };
  if (student === undefined) {
    return { title: "Student record not available", subtitle: `School: ${view.school}` };
  }
  const year = student.year?.trim();
  const parts = [
    student.school,
    student.programme,
    year === undefined || year === "" ? undefined : /^\d+$/.test(year) ? `Year ${year}` : year,
  ];
  return {
    title: student.displayName,
    subtitle: parts.filter((p): p is string => p !== undefined && p.trim() !== "").join(" · "),
  };
}

function signalModel(signal: SignalView) {
  const detail = [
    `${labelOf(SEVERITY_LABELS, signal.severity)} severity`,
    signal.since === "" ? undefined : `since ${formatDate(signal.since)}`,
    `data as of ${formatDate(signal.asOf)}`,
  ];
  return {
    ruleName: signal.ruleName.trim() === "" ? signal.ruleId : signal.ruleName,
    detail: detail.filter((d) => d !== undefined).join(" · "),
    conditions: signal.conditions
      .filter((c) => c.evidence.trim() !== "")
      .map((c) => ({
        evidence: c.evidence,
        window: [
          formatWindow(c.window),
          c.met === false ? "this test was not met" : undefined,
          c.met === null ? "not enough data to say" : undefined,
        ]
          .filter((w) => w !== undefined)
          .join(" · "),
      })),
  };
}

function noteModel(note: NoteView) {
  const when = formatDate(note.at);
  if (note.visibility !== "team" || note.redacted || note.text === null) {
    return {
      heading: `Restricted note by ${note.author.name} · ${when}`,
      hasText: false,
      text: "",
    };
  }
  const text = shorten(note.text, CARD_LIMITS.text);
  return { heading: `${note.author.name} · ${when}`, hasText: text !== "", text };
}

function outcomeOf(view: CaseView) {
  const { dismissal, resolution } = view;
  if (dismissal !== undefined) {
    return withNote(
      `Dismissed by ${dismissal.by.name} on ${formatDate(dismissal.at)}: ${phraseOf(DISMISS_REASON_LABELS, dismissal.reason)}.`,
      dismissal.text,
    );
  }
  if (resolution !== undefined) {
    return withNote(
      `Resolved by ${resolution.by.name} on ${formatDate(resolution.at)}: ${phraseOf(RESOLVE_OUTCOME_LABELS, resolution.outcome)}.`,
      resolution.note,
    );
  }
  return undefined;
}

function escalationOf(view: CaseView) {
  const e = view.escalation;
  if (e === undefined) return undefined;
  const decider = e.decidedBy?.name ?? "an engagement lead";
  switch (e.status) {
    case "pending":
      return {
        style: "warning",
        ...reasonOf(
          `${e.proposedBy.name} proposed an escalation. Waiting for an engagement lead to decide.`,
          e.reason,
        ),
      };
    case "accepted":
      return {
        style: "emphasis",
        ...reasonOf(
          `Escalation accepted by ${decider}, proposed by ${e.proposedBy.name}.`,
          e.reason,
        ),
      };
    case "declined":
      return {
        style: "emphasis",
        ...reasonOf(`Escalation declined by ${decider}; the case stays with its adviser.`, ""),
      };
    default:
      return {
        style: "emphasis",
        ...reasonOf(`The escalation proposed by ${e.proposedBy.name} was withdrawn.`, ""),
      };
  }
}

function withNote(line: string, note: string | undefined) {
  const text = shorten(note ?? "", CARD_LIMITS.text);
  return { line, hasNote: text !== "", note: text };
}

function reasonOf(line: string, reason: string) {
  const text = shorten(reason, CARD_LIMITS.text);
  return { line, hasReason: text !== "", reason: text };
}
