/**
 * The `{fact}` of a message: what happened, as one plain, non-judgemental clause the
 * student can recognise ("we noticed you haven't been on the learning platform since
 * Monday 4 January"). It is built from a case's signals — the metric of each test, its
 * value, and the dates in the evidence sentence the metric wrote — and never holds a
 * score, a rate or a threshold. Dates are facts, written in words.
 */
import type { MetricName } from "../metrics/index.ts";
import { FALLBACK_TEMPLATE_ID } from "./template.ts";

/** What `factFor` reads of a metric test on a signal (a `CaseSignal`'s conditions fit). */
export interface FactCondition {
  readonly metric: MetricName;
  readonly params: { readonly source?: string };
  readonly value: number | null;
  readonly met: boolean | null;
  readonly evidence: string;
  readonly window: { readonly from: string; readonly to: string };
}

/** What `factFor` and `suggestedTemplateId` read of a signal (a `CaseSignal` fits). */
export interface FactSignal {
  readonly outreach?: string;
  readonly conditions: readonly FactCondition[];
}

/** The fact when no test says anything a student would recognise. */
export const GENERAL_FACT = "we wanted to check in and see how things are going";

const MISSED_DAYS = "we noticed you've missed some school days over the last few weeks";

type FactOf = (c: FactCondition) => string | undefined;

const atLeastOne = (c: FactCondition): boolean => c.value !== null && c.value >= 1;

const FACTS: Readonly<Partial<Record<MetricName, FactOf>>> = {
  consecutive_absences: (c) => {
    if (!atLeastOne(c)) return undefined;
    const since = dayInWords(datesIn(c.evidence)[0], c.window.to);
    return since === undefined
      ? "we noticed you haven't been able to be in school for the last few days"
      : `we noticed you haven't been able to be in school since ${since}`;
  },
  days_since_activity: (c) => {
    if (!atLeastOne(c)) return undefined;
    const last = /last on (\d{4}-\d{2}-\d{2})/.exec(c.evidence)?.[1];
    const since = dayInWords(last, c.window.to);
    return `we noticed you haven't been ${onlineWhere(c.params.source)} ${since === undefined ? "for a while" : `since ${since}`}`;
  },
  missed_submissions: (c) => {
    if (!atLeastOne(c)) return undefined;
    const due = [...c.evidence.matchAll(/\(due (\d{4}-\d{2}-\d{2})\)/g)].map((m) => m[1]);
    const latest = dayInWords(due.at(-1), c.window.to);
    if (c.value === 1) {
      return latest === undefined
        ? "we noticed an assignment hasn't come in yet"
        : `we noticed an assignment due on ${latest} hasn't come in yet`;
    }
    return latest === undefined
      ? "we noticed some assignments haven't come in yet"
      : `we noticed some assignments haven't come in yet, the most recent due on ${latest}`;
  },
  absences: (c) => (atLeastOne(c) ? MISSED_DAYS : undefined),
  attendance_rate: (c) => (c.value !== null && c.value < 1 ? MISSED_DAYS : undefined),
  tardies: (c) => {
    if (!atLeastOne(c)) return undefined;
    return c.value === 1
      ? "we noticed you arrived after the start of the school day recently"
      : "we noticed you've arrived after the start of the school day a few times recently";
  },
  hybrid_engagement: (c) =>
    c.value !== null && c.value < 1
      ? "we noticed there have been some days over the last few weeks when we haven't seen you in school or online"
      : undefined,
  activity_change: (c) => lessActive(c.params.source),
  activity_vs_cohort: (c) => lessActive(c.params.source),
  activity_count: (c) => lessActive(c.params.source),
};

/** Most specific first: a date the student knows beats a general impression. */
const SPECIFICITY: readonly MetricName[] = [
  "consecutive_absences",
  "days_since_activity",
  "missed_submissions",
  "absences",
  "attendance_rate",
  "tardies",
  "hybrid_engagement",
  "activity_change",
  "activity_vs_cohort",
  "activity_count",
];

/** "on the learning platform", "on Teams", or "active online" for every source. */
function onlineWhere(source: string | undefined): string {
  if (source === undefined) return "active online";
  return source.toLowerCase() === "teams" ? "on Teams" : "on the learning platform";
}

function lessActive(source: string | undefined): string {
  return source === undefined
    ? "we noticed you haven't been as active online lately"
    : `we noticed you haven't been ${onlineWhere(source)} as much lately`;
}

const datesIn = (text: string): string[] => text.match(/\d{4}-\d{2}-\d{2}/g) ?? [];

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/**
 * "2027-01-04" → "Monday 4 January", with the year when it is not the year of
 * `reference` (the window's last day); undefined for anything but a real date.
 */
export function dayInWords(iso: string | undefined, reference: string): string | undefined {
  const m = iso === undefined ? null : /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (m === null) return undefined;
  const [, year, month, day] = m;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (date.getUTCDate() !== Number(day) || date.getUTCMonth() !== Number(month) - 1) {
    return undefined;
  }
  const words = `${WEEKDAYS[date.getUTCDay()]} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}`;
  return reference.startsWith(year) ? words : `${words} ${year}`;
}

/** The fact of one test, with how specific it is (lower first), or undefined. */
function factOf(c: FactCondition): { fact: string; rank: number } | undefined {
  if (!Object.hasOwn(FACTS, c.metric)) return undefined;
  const fact = FACTS[c.metric]?.(c);
  if (fact === undefined) return undefined;
  // A test that held counts before one that did not (a part of `any`, say).
  return { fact, rank: SPECIFICITY.indexOf(c.metric) + (c.met === true ? 0 : SPECIFICITY.length) };
}

/**
 * The `{fact}` for a case: from the first signal that has one (the signal whose template
 * is suggested), its most specific test, preferring tests that held; else `GENERAL_FACT`.
 */
export function factFor(signals: readonly FactSignal[]): string {
  for (const signal of signals) {
    const facts = signal.conditions.flatMap((c) => factOf(c) ?? []);
    facts.sort((a, b) => a.rank - b.rank);
    if (facts.length > 0) return facts[0].fact;
  }
  return GENERAL_FACT;
}

/**
 * The template to suggest for a case: the first signal's `outreach`, else
 * `general-checkin`; when `available` is given, an id it does not have falls back too.
 */
export function suggestedTemplateId(
  signals: readonly FactSignal[],
  available?: { has(id: string): boolean },
): string {
  const named = signals[0]?.outreach;
  if (named === undefined || named === "") return FALLBACK_TEMPLATE_ID;
  if (available !== undefined && !available.has(named)) return FALLBACK_TEMPLATE_ID;
  return named;
}
