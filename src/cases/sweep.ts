/**
 * The engine's daily look at a policy's open cases, after each scheduled run: what the
 * policy's `escalation:` block asks Reach to propose, and which cases have waited too long
 * for someone to take them. Pure: the run's date, the school days and the time zone come
 * in as data; nothing is read, and nothing is decided that a person must decide — an
 * escalation is only proposed (an engagement lead accepts or declines it on the card), and
 * a reminder is one line in the card's thread.
 *
 * - **Escalation.** An active case whose current *episode* — since it was confirmed, since
 *   it was reopened, or since its last successful contact (`contact_attempted`, outcome
 *   `reached`), whichever is latest — has gone `no_contact_after` school days without a
 *   successful contact, or has had `unanswered_attempts` contact attempts in a row without
 *   one, gets one proposal. Not another in the same episode: not while one is pending, nor
 *   after a lead declined it (or anyone proposed one by hand); a new successful contact, or
 *   reopening the case, starts a new episode.
 * - **Reminder.** A proposed case that has waited `remind_unconfirmed_after` school days
 *   since it was opened (or reopened as proposed) gets one reminder per wait; the caller
 *   keys it by `since`, so a second sweep repeats nothing.
 * - A snoozed case gets neither until its snooze ends; the days keep counting meanwhile.
 *
 * School days are counted after the event's date (its `at` as a date in the policy's time
 * zone) up to and including the run's date, in the case's school's calendar. A school with
 * no calendar, and any day past the last one its calendar lists (a calendar derived from
 * attendance ends with the data), count Monday to Friday.
 */
import { type DayNumber, formatDay, localDate, parseIsoDate, weekday } from "../data/dates.ts";
import type { Escalation } from "../rules/index.ts";
import type { CaseEvent } from "./case-events.ts";
import { type CaseState, isSnoozed } from "./case-state.ts";
import { evolve } from "./evolve.ts";

export interface SweepCase {
  caseId: string;
  events: readonly CaseEvent[];
}

export interface SweepInput {
  /** The policy's open cases (others are passed over). */
  cases: readonly SweepCase[];
  /** The policy's `escalation:` block; without one, the sweep proposes and reminds nothing. */
  escalation: Escalation | undefined;
  /** The policy's time zone: events' times are read as dates there. */
  timezone: string;
  /** The run's date. */
  asOf: DayNumber;
  /** Each school's school days, sorted and distinct. */
  schoolDays: ReadonlyMap<string, ArrayLike<number>>;
}

export type SweepAction =
  | {
      kind: "propose_escalation";
      caseId: string;
      /** The case's version the proposal is made on. */
      version: number;
      /** Why, in words, for the card and the thread. */
      reason: string;
      /** Who decides, as the policy names them (`to:`). */
      to: string;
    }
  | {
      kind: "remind";
      caseId: string;
      /** The version of the event that made the case proposed: one reminder per wait. */
      since: number;
      /** School days waited so far. */
      waited: number;
      /** The line for the card's thread. */
      text: string;
    };

/** What the sweep proposes for each case, in the order of `input.cases`. */
export function planSweep(input: SweepInput): SweepAction[] {
  const { escalation } = input;
  if (escalation === undefined) return [];
  const actions: SweepAction[] = [];
  for (const c of input.cases) {
    const action = planCase(c, escalation, input);
    if (action !== undefined) actions.push(action);
  }
  return actions;
}

/** Where a case stands for the sweep, from one pass over its events. */
interface Trail {
  state: CaseState;
  /** When the case last became proposed (opened, or reopened before anyone took it). */
  proposedAt?: { version: number; at: string };
  /** The current episode's start. */
  episode?: { at: string; from: "confirmed" | "reopened" | "contact" };
  /** Contact attempts without an answer since the episode started. */
  unanswered: number;
  /** An escalation was proposed in the current episode (by anyone). */
  proposedInEpisode: boolean;
}

function trailOf(events: readonly CaseEvent[]): Trail | undefined {
  let state: CaseState | undefined;
  let trail: Omit<Trail, "state"> = { unanswered: 0, proposedInEpisode: false };
  for (const event of events) {
    state = evolve(state, event);
    const startEpisode = (from: "confirmed" | "reopened" | "contact") => {
      trail = {
        ...trail,
        episode: { at: event.at, from },
        unanswered: 0,
        proposedInEpisode: false,
      };
    };
    switch (event.type) {
      case "opened":
        trail = { ...trail, proposedAt: { version: event.version, at: event.at } };
        break;
      case "reopened":
        if (state.status === "proposed") {
          trail = { ...trail, proposedAt: { version: event.version, at: event.at } };
        } else startEpisode("reopened");
        break;
      case "confirmed":
        startEpisode("confirmed");
        break;
      case "contact_attempted":
        if (event.outcome === "reached") startEpisode("contact");
        else trail = { ...trail, unanswered: trail.unanswered + 1 };
        break;
      case "escalation_proposed":
        trail = { ...trail, proposedInEpisode: true };
        break;
      default:
        break;
    }
  }
  return state && { state, ...trail };
}

function planCase(
  c: SweepCase,
  escalation: Escalation,
  input: SweepInput,
): SweepAction | undefined {
  const trail = trailOf(c.events);
  if (trail === undefined) return undefined;
  const { state } = trail;
  if (isSnoozed(state, formatDay(input.asOf))) return undefined;
  const days = input.schoolDays.get(state.school);
  const since = (at: string) => {
    const day = localDay(at, input.timezone);
    return { day, count: countSchoolDays(days, day, input.asOf) };
  };

  if (state.status === "proposed") {
    const after = escalation.remindUnconfirmedAfterDays;
    if (after === undefined || trail.proposedAt === undefined) return undefined;
    const waited = since(trail.proposedAt.at).count;
    if (waited < after) return undefined;
    return {
      kind: "remind",
      caseId: c.caseId,
      since: trail.proposedAt.version,
      waited,
      text: `This case has waited ${schoolDays(waited)} for someone to take it.`,
    };
  }

  if (state.status !== "active" || trail.episode === undefined) return undefined;
  if (trail.proposedInEpisode || state.escalation?.status === "pending") return undefined;
  const reasons: string[] = [];
  const limit = escalation.noContactAfterDays;
  if (limit !== undefined) {
    const { day, count } = since(trail.episode.at);
    if (count >= limit) {
      const what = {
        confirmed: "it was confirmed",
        reopened: "it was reopened",
        contact: "the last successful contact",
      }[trail.episode.from];
      reasons.push(
        `No successful contact in ${schoolDays(count)} since ${what} on ${shortDate(day, input.asOf)}`,
      );
    }
  }
  const attempts = escalation.unansweredAttempts;
  if (attempts !== undefined && trail.unanswered >= attempts) {
    reasons.push(unansweredReason(trail.unanswered));
  }
  if (reasons.length === 0) return undefined;
  return {
    kind: "propose_escalation",
    caseId: c.caseId,
    version: state.version,
    reason: reasons.join("; "),
    to: escalation.to,
  };
}

/**
 * The escalation a contact attempt just logged calls for, at once: an active case whose
 * `unanswered_attempts`-th attempt in a row went unanswered (`events` include it). Only
 * that trigger — the days without contact are counted by the daily sweep — and on the
 * same terms as the sweep: once per episode, never while a proposal is pending, never on a
 * snoozed case.
 */
export function proposalAfterAttempt(
  caseId: string,
  events: readonly CaseEvent[],
  escalation: Escalation | undefined,
  today: DayNumber,
): SweepAction | undefined {
  const attempts = escalation?.unansweredAttempts;
  if (escalation === undefined || attempts === undefined) return undefined;
  const last = events.at(-1);
  if (last?.type !== "contact_attempted" || last.outcome === "reached") return undefined;
  const trail = trailOf(events);
  if (trail === undefined || trail.episode === undefined) return undefined;
  const { state } = trail;
  if (state.status !== "active" || isSnoozed(state, formatDay(today))) return undefined;
  if (trail.proposedInEpisode || state.escalation?.status === "pending") return undefined;
  if (trail.unanswered < attempts) return undefined;
  return {
    kind: "propose_escalation",
    caseId,
    version: state.version,
    reason: unansweredReason(trail.unanswered),
    to: escalation.to,
  };
}

function unansweredReason(unanswered: number): string {
  return unanswered === 1
    ? "1 contact attempt without an answer"
    : `${unanswered} contact attempts in a row without an answer`;
}

/**
 * School days after `after` up to and including `upTo`, in `days` (sorted, distinct);
 * without a calendar, and past its last day, Monday to Friday count.
 */
export function countSchoolDays(
  days: ArrayLike<number> | undefined,
  after: DayNumber,
  upTo: DayNumber,
): number {
  if (upTo <= after) return 0;
  if (days === undefined || days.length === 0) return weekdaysBetween(after, upTo);
  const last = days[days.length - 1];
  let count = 0;
  const end = Math.min(upTo, last);
  if (end > after) count += atOrBefore(days, end) - atOrBefore(days, after);
  if (upTo > last) count += weekdaysBetween(Math.max(after, last), upTo);
  return count;
}

/** How many of `days` are on or before `day`. */
function atOrBefore(days: ArrayLike<number>, day: DayNumber): number {
  let lo = 0;
  let hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (days[mid] <= day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Monday-to-Friday days after `after` up to and including `upTo`. */
function weekdaysBetween(after: DayNumber, upTo: DayNumber): number {
  const span = upTo - after;
  let count = Math.floor(span / 7) * 5;
  for (let day = after + Math.floor(span / 7) * 7 + 1; day <= upTo; day++) {
    const w = weekday(day);
    if (w >= 1 && w <= 5) count++;
  }
  return count;
}

/** The date of an ISO instant in an IANA time zone. */
export function localDay(at: string, timezone: string): DayNumber {
  const day = parseIsoDate(localDate(at, timezone));
  if (day === undefined) throw new Error(`not an instant: ${at}`);
  return day;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "4 Jan"; with the year when it is not the year of `today` ("16 Dec 2026"). */
function shortDate(day: DayNumber, today: DayNumber): string {
  const [year, month, date] = formatDay(day).split("-");
  const text = `${Number(date)} ${MONTHS[Number(month) - 1]}`;
  return year === formatDay(today).slice(0, 4) ? text : `${text} ${year}`;
}

function schoolDays(n: number): string {
  return n === 1 ? "1 school day" : `${n} school days`;
}
