/**
 * One line of plain English per case event, for the "Latest" list on a case card and for
 * the short reply a bot posts in the case's thread: "Ada Wilson confirmed the case and
 * took it", "Ada Wilson logged a contact attempt: phone, no answer".
 *
 * Lines never quote what a person wrote (notes, reasons, messages, replies): a thread
 * reply is read by the whole channel, and a restricted note is only ever "a restricted
 * note". They also read the same before and after an erasure, which blanks those texts.
 */
import type { CaseEvent } from "../../cases/index.ts";
import { ENGINE_ACTOR } from "../../cases/index.ts";
import { formatDate, formatDateTime } from "./format.ts";
import {
  CONTACT_CHANNEL_LABELS,
  CONTACT_OUTCOME_LABELS,
  DISMISS_REASON_LABELS,
  phraseOf,
  RESOLVE_OUTCOME_LABELS,
  STUDENT_REPLY_LABELS,
  UNREACHABLE_REASON_LABELS,
} from "./labels.ts";

/** A staff roster (or any map of id to a named person), or a function from id to name. */
export type NameLookup =
  | ReadonlyMap<string, { readonly name: string }>
  | ((staffId: string) => string | undefined);

/** The display name of `id`: "Reach" for the engine, the id itself for someone unknown. */
export function nameOf(names: NameLookup, id: string): string {
  if (id === ENGINE_ACTOR) return "Reach";
  const name = typeof names === "function" ? names(id) : names.get(id)?.name;
  return name === undefined || name.trim() === "" ? id : name;
}

/** The event as one sentence without a full stop, naming people through `names`. */
export function describeEvent(event: CaseEvent, names: NameLookup): string {
  const who = (id: string) => nameOf(names, id);
  const actor = who(event.actor);
  switch (event.type) {
    case "opened": {
      const rules = event.signals.map((s) => s.ruleName).filter((n) => n.trim() !== "");
      return rules.length === 0
        ? `${actor} opened the case`
        : `${actor} opened the case: ${rules.join(", ")}`;
    }
    case "signal_added":
      if (event.signal.watch === true) {
        return `${actor} recorded a watched signal: ${event.signal.ruleName}`;
      }
      return event.inhibited
        ? `${actor} recorded a less severe signal: ${event.signal.ruleName}`
        : `${actor} added a signal: ${event.signal.ruleName}`;
    case "confirmed":
      return event.assignee === event.actor
        ? `${actor} confirmed the case and took it`
        : `${actor} confirmed the case and assigned it to ${who(event.assignee)}`;
    case "reassigned":
      return event.assignee === event.actor
        ? `${actor} took the case over from ${who(event.from)}`
        : `${actor} reassigned the case from ${who(event.from)} to ${who(event.assignee)}`;
    case "dismissed":
      return `${actor} dismissed the case: ${phraseOf(DISMISS_REASON_LABELS, event.reason)}`;
    case "contact_attempted":
      return `${actor} logged a contact attempt: ${phraseOf(CONTACT_CHANNEL_LABELS, event.channel)}, ${phraseOf(CONTACT_OUTCOME_LABELS, event.outcome)}`;
    case "note_added":
      return event.visibility === "restricted"
        ? `${actor} added a restricted note`
        : `${actor} added a note`;
    case "outreach_proposed":
      return `${actor} proposed a message to the student`;
    case "outreach_approved":
      return event.scheduledFor === undefined
        ? `${actor} approved a message to the student`
        : `${actor} approved a message to the student, to go ${formatDateTime(event.scheduledFor)}`;
    case "outreach_sent":
      return "The message was sent to the student";
    case "outreach_failed":
      return `The message could not reach the student in Teams (${phraseOf(UNREACHABLE_REASON_LABELS, event.reason)})`;
    case "student_opted_out":
      return "The student asked Reach not to message them again";
    case "student_replied":
      return event.reply === "other"
        ? "The student replied with a message"
        : `The student replied: "${phraseOf(STUDENT_REPLY_LABELS, event.reply)}"`;
    case "snoozed":
      return `${actor} snoozed the case until ${formatDate(event.until)}`;
    case "escalation_proposed":
      return `${actor} proposed an escalation to the engagement lead`;
    case "escalation_decided":
      return event.decision === "accept"
        ? `${actor} accepted the escalation`
        : `${actor} declined the escalation`;
    case "resolved":
      return `${actor} resolved the case: ${phraseOf(RESOLVE_OUTCOME_LABELS, event.outcome)}`;
    case "reopened":
      return `${actor} reopened the case`;
    case "closed":
      return `${actor} closed the case`;
    case "erased":
      return `${actor} erased the student's personal data from the case`;
  }
}

export interface RecentEvent {
  /** The event's ISO timestamp. */
  at: string;
  text: string;
}

/** The last `limit` events described, newest first: the `recent` of a case card. */
export function recentEvents(
  events: readonly CaseEvent[],
  names: NameLookup,
  limit = 5,
): RecentEvent[] {
  return events
    .slice(-limit)
    .reverse()
    .map((event) => ({ at: event.at, text: describeEvent(event, names) }));
}

/** "Ada Wilson confirmed the case and took it · 20 Nov 2026, 09:12" */
export function eventLine(event: RecentEvent): string {
  return `${event.text} · ${formatDateTime(event.at)}`;
}
