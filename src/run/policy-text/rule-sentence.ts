/**
 * A rule as one sentence a lead can read without knowing the file format: "Missing more
 * than 10% of recorded sessions over the last 45 school days, with at least 10 sessions
 * recorded → high severity". Built from the rule's condition tree: each metric test in
 * words (the metric, its parameters, the comparator and threshold in the metric's unit),
 * `all` as "and", `any` as "either … or", and `not` pushed down to the tests it covers
 * (De Morgan holds for Reach's three-valued conditions, and "not below" is "at least":
 * an unknown value meets neither). Pure: no I/O, no clock.
 *
 * Every metric of the registry has words here; one added later without them still reads
 * as its registry description with the comparator ({@link metricTestWords}' fallback).
 */
import { METRICS, type MetricName, type MetricParams } from "../../metrics/index.ts";
import type { Policy } from "../../rules/index.ts";
import { metricWords } from "../digest/help-outcomes.ts";
import { listWords } from "./cron-words.ts";

type Condition = Policy["rules"][number]["when"];
type Rule = Policy["rules"][number];
type MetricTest = Extract<Condition, { kind: "metric" }>;

/** A comparator as a condition means it, with the negation of `equals`. */
export type Comparison = MetricTest["op"] | "not_equals";

/** What a test's words need besides the test: the policy's window. */
export interface SentenceContext {
  /** The policy's window in school days (a test's own `window` overrides it). */
  windowDays: number;
}

/** One rule in words. */
export interface RuleWords {
  /** The condition, with "on N runs in a row" when `for` asks for more than one. */
  when: string;
  /** "high severity", or "watch only: counted, never opens a case". */
  outcome: string;
  /** `when → outcome`, with "(disabled: Reach does not check it)" for a disabled rule. */
  sentence: string;
}

export const WATCH_OUTCOME = "watch only: counted, never opens a case";
export const DISABLED_NOTE = "disabled: Reach does not check it";

export function ruleWords(rule: Rule, context: SentenceContext): RuleWords {
  const condition = capitalise(conditionWords(rule.when, context));
  const when = rule.forRuns > 1 ? `${condition}, on ${rule.forRuns} runs in a row` : condition;
  const outcome = rule.action === "watch" ? WATCH_OUTCOME : `${rule.severity} severity`;
  const sentence = `${when} → ${outcome}${rule.enabled ? "" : ` (${DISABLED_NOTE})`}`;
  return { when, outcome, sentence };
}

/** A condition tree in words (lower-case first letter). */
export function conditionWords(condition: Condition, context: SentenceContext): string {
  return phrase(normalise(condition, false), context, new Set(), false);
}

// ---------------------------------------------------------------------------------------
// Negation pushed down to the tests

type Node =
  | { kind: "all" | "any"; of: Node[] }
  | { kind: "test"; test: MetricTest; op: Comparison };

const INVERSE: Readonly<Record<Comparison, Comparison>> = {
  below: "at_least",
  at_least: "below",
  above: "at_most",
  at_most: "above",
  equals: "not_equals",
  not_equals: "equals",
};

function normalise(condition: Condition, negated: boolean): Node {
  switch (condition.kind) {
    case "metric":
      return { kind: "test", test: condition, op: negated ? INVERSE[condition.op] : condition.op };
    case "not":
      return normalise(condition.of, !negated);
    case "all":
    case "any": {
      const kind = negated ? (condition.kind === "all" ? "any" : "all") : condition.kind;
      const of = condition.of.map((c) => normalise(c, negated));
      // A group of one is its member; a group inside a group of its kind joins it.
      if (of.length === 1) return of[0];
      return { kind, of: of.flatMap((n) => (n.kind === kind ? n.of : [n])) };
    }
  }
}

/**
 * `said` holds the windows already named in the sentence, so that a second test over the
 * same school days does not repeat "over the last 45 school days".
 */
function phrase(node: Node, context: SentenceContext, said: Set<number>, nested: boolean): string {
  if (node.kind === "test") return metricTestWords(node.test, node.op, context, said).text;
  if (node.kind === "any") {
    const parts = node.of.map((n) => phrase(n, context, said, true));
    return parts.length === 2
      ? `either ${parts[0]} or ${parts[1]}`
      : `any of: ${parts.slice(0, -1).join("; ")}; or ${parts[parts.length - 1]}`;
  }
  // `all`: the tests that only say how much data there is come last, as "with …", and are
  // phrased last, so that the window is named by the test that matters.
  const isQualifier = (n: Node) => n.kind === "test" && QUALIFIERS.has(n.test.metric);
  const main = node.of.filter((n) => !isQualifier(n)).map((n) => phrase(n, context, said, true));
  const qualifiers = node.of
    .filter(isQualifier)
    .map((n) => (n.kind === "test" ? metricTestWords(n.test, n.op, context, said) : undefined))
    .map((w) => w?.qualifier ?? w?.text ?? "");
  if (main.length === 0) return listWords(qualifiers.map((q) => q.replace(/^with /, "")));
  const body =
    nested && main.length === 2
      ? `both ${main[0]} and ${main[1]}`
      : nested && main.length > 2
        ? `all of: ${main.slice(0, -1).join("; ")}; and ${main[main.length - 1]}`
        : listWords(main);
  return qualifiers.length === 0 ? body : `${body}, ${listWords(qualifiers)}`;
}

/** Metrics that only say how much data there is: "with at least 10 sessions recorded". */
const QUALIFIERS: ReadonlySet<MetricName> = new Set(["sessions_recorded"]);

// ---------------------------------------------------------------------------------------
// One metric test

export interface TestWords {
  /** The test as a clause: "missing more than 10% of recorded sessions over the last 45 school days". */
  text: string;
  /** Set for tests that only say how much data there is: "with at least 10 sessions recorded". */
  qualifier?: string;
}

/** "at least 3", "fewer than 4", "more than 10%", "other than 2". */
export function comparisonWords(op: Comparison, value: string, countable = true): string {
  switch (op) {
    case "below":
      return `${countable ? "fewer" : "less"} than ${value}`;
    case "at_most":
      return `at most ${value}`;
    case "above":
      return `more than ${value}`;
    case "at_least":
      return `at least ${value}`;
    case "equals":
      return `exactly ${value}`;
    case "not_equals":
      return `other than ${value}`;
  }
}

/** A number as people write it: up to two decimals, no trailing zeros. */
export function numberWords(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const rounded = Math.round(n * 100) / 100;
  return Number.isInteger(rounded) ? rounded.toLocaleString("en-GB") : String(rounded);
}

/** A share (0–1) as a percentage: 0.9 → "90%", 0.125 → "12.5%". */
export function percentWords(share: number): string {
  const value = Math.round(share * 1000) / 10;
  return `${Number.isInteger(value) ? value : value.toFixed(1)}%`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}

/** The noun after a counted threshold: "3 school days", "1 assessment". */
function counted(op: Comparison, n: number, one: string, many = `${one}s`): string {
  return `${comparisonWords(op, numberWords(n))} ${plural(n, one, many)}`;
}

function ordinal(n: number): string {
  if (!Number.isInteger(n)) return numberWords(n);
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${["th", "st", "nd", "rd"][n % 10] ?? "th"}`;
}

/** "online", "on the learning platform", "in Microsoft Teams", "on the learning platform (logins)". */
export function whereWords(params: MetricParams): string {
  const source = params.source?.toLowerCase();
  const place =
    source === undefined
      ? "online"
      : source === "vle"
        ? "on the learning platform"
        : source === "teams"
          ? "in Microsoft Teams"
          : `in ${params.source}`;
  return params.kind === undefined ? place : `${place} (${idWords(params.kind)})`;
}

/** An id from the data as words: `unexcused_absence` → "unexcused absence". */
function idWords(id: string): string {
  return id.replace(/[_-]+/g, " ").trim();
}

const COHORT_WORDS: Readonly<Record<string, string>> = {
  cohort: "their cohort",
  section: "their class",
  year: "their year group",
  school: "their school",
  programme: "their programme",
};

const STATUS_WORDS: Readonly<Record<string, string>> = {
  unexcused_absence: "unexcused absences",
  excused_absence: "excused absences",
  tardy: "late arrivals",
  early_departure: "early departures",
  partial: "partial attendance",
};

/** The statuses a test counts as absent, when it sets its own: "unexcused absences only". */
function absentWords(params: MetricParams): string {
  const statuses = params.absentStatuses;
  if (statuses === undefined || statuses.length === 0) return "";
  return ` (counting ${listWords(statuses.map((s) => STATUS_WORDS[s] ?? idWords(s)))} as absent)`;
}

/**
 * "over the last 45 school days" (or "in", "of" …), once per number of school days in a
 * sentence: a second test over the same days does not repeat it.
 */
function windowOf(days: number, said: Set<number>, preposition = "over"): string {
  if (said.has(days)) return "";
  said.add(days);
  return days === 1
    ? ` ${preposition} the last school day`
    : ` ${preposition} the last ${days} school days`;
}

/** What a metric's words are made from; `window` names the test's window once per sentence. */
interface PhraseInput {
  op: Comparison;
  threshold: number;
  params: MetricParams;
  /** The test's window in school days. */
  days: number;
  window: (preposition?: string) => string;
}

type Phrase = (input: PhraseInput) => string | TestWords;

const PHRASES: Readonly<Partial<Record<MetricName, Phrase>>> = {
  attendance_rate: ({ op, threshold: t, params: p, window }) => {
    const sessions = `of recorded sessions${absentWords(p)}${window()}`;
    // A low attendance rate reads as what is missed: "below 0.90" is missing more than 10%.
    if ((op === "below" || op === "at_most") && t > 0 && t <= 1) {
      const missed = percentWords(1 - t);
      return op === "below"
        ? `missing more than ${missed} ${sessions}`
        : `missing at least ${missed} ${sessions}`;
    }
    return `attending ${comparisonWords(op, percentWords(t), false)} ${sessions}`;
  },
  absences: ({ op, threshold: t, params: p, window }) => {
    const what =
      p.kind === undefined
        ? plural(t, "session missed", "sessions missed")
        : `${plural(t, "session", "sessions")} marked ${idWords(p.kind)}`;
    return `${comparisonWords(op, numberWords(t))} ${what}${absentWords(p)}${window()}`;
  },
  consecutive_absences: ({ op, threshold: t, params: p }) =>
    `absent ${counted(op, t, "school day")} in a row${absentWords(p)}`,
  tardies: ({ op, threshold: t, window }) => `late ${counted(op, t, "time")}${window()}`,
  days_since_activity: ({ op, threshold: t, params: p }) =>
    op === "at_least" || op === "above"
      ? `no activity ${whereWords(p)} for ${counted(op, t, "school day")}`
      : `last active ${whereWords(p)} ${counted(op, t, "school day")} ago`,
  activity_count: ({ op, threshold: t, params: p, window }) =>
    `${counted(op, t, "activity", "activities")} ${whereWords(p)}${window()}`,
  activity_change: ({ op, threshold: t, params: p, days, window }) =>
    `activity ${whereWords(p)}${window()} at ${comparisonWords(op, percentWords(t), false)} of its level in the ${days === 1 ? "school day" : `${days} school days`} before`,
  activity_vs_cohort: ({ op, threshold: t, params: p, window }) => {
    const cohort = COHORT_WORDS[p.cohortBy ?? "cohort"] ?? "their cohort";
    const activity = `activity ${whereWords(p)}${window()}`;
    if (p.measure === "percentile") {
      const at = `the ${ordinal(t)} percentile of ${cohort}`;
      const position: Readonly<Record<Comparison, string>> = {
        below: "below",
        at_most: "at or below",
        above: "above",
        at_least: "at or above",
        equals: "at",
        not_equals: "not at",
      };
      return `${activity} ${position[op]} ${at}`;
    }
    return `${activity} at ${comparisonWords(op, percentWords(t), false)} of ${cohort}'s median`;
  },
  missed_submissions: ({ op, threshold: t, window }) =>
    `${counted(op, t, "assessment")} due${window("in")} and not handed in`,
  hybrid_engagement: ({ op, threshold: t, params: p, window }) => {
    const span = window("of");
    return `in school or active ${whereWords(p)} on ${comparisonWords(op, percentWords(t), false)}${span === "" ? " of school days" : span}${absentWords(p)}`;
  },
  sessions_recorded: ({ op, threshold: t, window }) => {
    const text = `${counted(op, t, "session")} recorded${window()}`;
    return { text, qualifier: `with ${text}` };
  },
  active_days: ({ op, threshold: t, params: p, window }) =>
    `active ${whereWords(p)} on ${counted(op, t, "day")}${window("of")}`,
  assessment_score: ({ op, threshold: t, window }) =>
    `a lowest mark of ${comparisonWords(op, numberWords(t), false)} out of 100 on the assessments due${window("in")}`,
};

/** One metric test in words; a metric without its own words reads as its registry entry. */
export function metricTestWords(
  test: MetricTest,
  op: Comparison,
  context: SentenceContext,
  said: Set<number> = new Set(),
): TestWords {
  const days = test.params.windowDays ?? context.windowDays;
  const takesWindow = METRICS[test.metric]?.params.includes("window") ?? false;
  const window = (preposition?: string) => (takesWindow ? windowOf(days, said, preposition) : "");
  const own = Object.hasOwn(PHRASES, test.metric) ? PHRASES[test.metric] : undefined;
  if (own !== undefined) {
    const words = own({ op, threshold: test.threshold, params: test.params, days, window });
    return typeof words === "string" ? { text: words } : words;
  }
  return { text: fallbackTestWords(test, op, window()) };
}

/**
 * A test of a metric without words of its own: "<what the metric measures> <comparison>
 * <threshold in the metric's unit>", from the registry (and the leads' metric words).
 */
export function fallbackTestWords(test: MetricTest, op: Comparison, window = ""): string {
  const spec = Object.hasOwn(METRICS, test.metric) ? METRICS[test.metric] : undefined;
  const what = spec === undefined ? idWords(test.metric) : metricWords(test.metric, test.params);
  const t = test.threshold;
  const value =
    spec?.unit === "ratio"
      ? percentWords(t)
      : spec?.unit === "school days"
        ? `${numberWords(t)} ${plural(t, "school day")}`
        : spec?.unit === "percentile"
          ? `the ${ordinal(t)} percentile`
          : numberWords(t);
  return `${what} ${comparisonWords(op, value, spec?.unit === "count")}${window}`;
}

function capitalise(text: string): string {
  return text.length === 0 ? text : text[0].toUpperCase() + text.slice(1);
}
