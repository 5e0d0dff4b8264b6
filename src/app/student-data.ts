/**
 * A student asks Reach what it holds about them ("my data"). They are known by their own
 * Entra object id only (`aad_object_id` in students.csv, as Teams vouches for it); anyone
 * else — an id not in the data, a member of staff — is told nothing, and the refusal is
 * audited like any stranger's.
 *
 * What a student is shown is their own: which kinds of data the policies covering their
 * school read, each value those policies test for them (computed as a run computes it,
 * src/run/student-values.ts), over which school days, and the level the school looks for
 * (the policy's thresholds, in supportive words); whether they have an open support case
 * and since when, and who their adviser is. Never another student, a note, demographics,
 * a comparison with other students' values, a severity or a rule's id.
 *
 * The read is audited in the trail of each open case of the student (actor `student`:
 * the trail outlives an erasure, so it holds no student id). A student without an open
 * case leaves no audit record: every audit record belongs to a case, and the trail of
 * records that name no case holds refusals only.
 */
import { buildCalendars, type SchoolCalendar } from "../calendar/index.ts";
import { auditEntry, STUDENT_ACTOR } from "../cases/index.ts";
import type { Dataset } from "../data/dataset.ts";
import { type DayNumber, formatDay, localDate, parseIsoDate } from "../data/dates.ts";
import type { MetricName, MetricParams } from "../metrics/index.ts";
import type { StreamEnd } from "../rules/index.ts";
import { type StudentValue, studentValues, type ValueTest } from "../run/index.ts";
import type { CaseSummary, Store } from "../store/index.ts";
import { actorLabel, auditRefusal } from "./audit-refusal.ts";
import { type Directory, firstNameOf } from "./directory.ts";

/** How a student gets everything Reach holds about them. */
export const HOW_TO_ASK_FOR_RECORD =
  "To see everything Reach holds about you, ask your school's data protection officer or your adviser for a copy of your record (a subject access request).";

/** What Reach holds about a student, in plain words, for the student. */
export interface StudentDataView {
  firstName: string;
  schoolName: string;
  /** Plain words: "attendance registers", "activity on the learning platform (vle)". */
  sources: string[];
  /**
   * e.g. { label: "Attendance", value: "87% of sessions",
   *        window: "the last 45 school days (2 Nov – 4 Dec)",
   *        expected: "Your school looks for 90% or more" }
   */
  measures: { label: string; value: string; window: string; expected: string }[];
  /** "4 Dec 2026": the date every stream the policies read has reached. */
  dataThrough?: string;
  /** "1 Dec": the student has an open support case since then. */
  openCase?: { since: string };
  /** The adviser's name (names, when the student has more than one). */
  adviser?: string;
  howToAskForRecord: string;
}

export type MyData =
  | { kind: "shown"; view: StudentDataView }
  /** Not a student in the data (or a member of staff): told nothing. */
  | { kind: "not_a_student" }
  /** A student, but no data is loaded for them or no policy served covers their school. */
  | { kind: "no_data" };

export interface MyDataInput {
  store: Store;
  directory: Directory;
  /** The data the engine runs on; undefined before the first import. */
  dataset: Dataset | undefined;
  /** The data set's calendars (built from it when absent). */
  calendars?: ReadonlyMap<string, SchoolCalendar>;
  /** Who is asking, as Teams vouches for them. */
  aadObjectId: string | undefined;
  /** ISO instant of the request. */
  at: string;
  /** YYYY-MM-DD; by default the date of `at` in each policy's time zone (as a run there). */
  asOf?: string;
  /** The school's name; by default the data's schools file, else the school's id. */
  schoolName?: (schoolId: string) => string;
}

const OPEN_STATUSES = ["proposed", "active", "escalated"] as const;
const NOT_ENOUGH_DATA = "not enough data yet";

export async function myData(input: MyDataInput): Promise<MyData> {
  const { store, directory, dataset, at } = input;
  const staff = directory.staffByAad(input.aadObjectId);
  const student = directory.studentByAad(input.aadObjectId);
  if (student === undefined || staff !== undefined) {
    await auditRefusal(store, directory, {
      actor: staff?.id ?? actorLabel(input.aadObjectId),
      at,
      action: "student_data",
      why:
        staff === undefined
          ? "the Teams user is not a student in the data"
          : "the Teams user is on the staff roster: a student's own data is shown to the student only",
      refusal: "not_authorised",
    });
    return { kind: "not_a_student" };
  }

  const policies = [...directory.policies.values()]
    .filter((p) => p.schools.includes("*") || p.schools.includes(student.school))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (dataset === undefined || !dataset.studentIndex.has(student.id) || policies.length === 0) {
    return { kind: "no_data" };
  }
  const calendars = input.calendars ?? buildCalendars(dataset);
  const fixedAsOf = input.asOf === undefined ? undefined : parseIsoDate(input.asOf);
  if (input.asOf !== undefined && fixedAsOf === undefined) {
    throw new Error(`asOf must be a date (YYYY-MM-DD), got "${input.asOf}"`);
  }

  const measures: StudentDataView["measures"] = [];
  const seenMeasures = new Set<string>();
  const streams: StreamEnd[] = [];
  let evaluated = false;
  for (const policy of policies) {
    const asOf = fixedAsOf ?? (parseIsoDate(localDate(at, policy.timezone)) as DayNumber);
    const values = studentValues({ dataset, calendars, policy, asOf, studentId: student.id });
    if (values === undefined) continue;
    evaluated = true;
    streams.push(...values.streams);
    for (const value of values.values) {
      const measure = measureOf(value);
      if (measure === undefined) continue;
      const key = JSON.stringify(measure);
      if (seenMeasures.has(key)) continue;
      seenMeasures.add(key);
      measures.push(measure);
    }
  }

  if (!evaluated) return { kind: "no_data" };

  const open = (
    await store.listCases({ studentId: student.id, status: [...OPEN_STATUSES] })
  ).filter((c) => directory.policies.has(c.policyId));
  await auditOwnRead(store, open, at);

  const view: StudentDataView = {
    firstName: firstNameOf(student, "there"),
    schoolName: input.schoolName?.(student.school) ?? schoolNameIn(dataset, student.school),
    sources: sourcesOf(streams, dataset),
    measures,
    howToAskForRecord: HOW_TO_ASK_FOR_RECORD,
  };
  const through = dataThrough(streams);
  if (through !== undefined) view.dataThrough = dayWords(through, true);
  const since = openSince(open, directory);
  if (since !== undefined) view.openCase = { since };
  const advisers = student.adviserIds
    .map((id) => directory.roster.get(id)?.name)
    .filter((name): name is string => name !== undefined && name.trim() !== "");
  if (advisers.length > 0) view.adviser = listWords([...new Set(advisers)]);
  return { kind: "shown", view };
}

/** One record per open case, in each case's own trail (the store's partition is the policy). */
async function auditOwnRead(store: Store, open: readonly CaseSummary[], at: string) {
  const byPolicy = new Map<string, CaseSummary[]>();
  for (const c of open) byPolicy.set(c.policyId, [...(byPolicy.get(c.policyId) ?? []), c]);
  for (const [policyId, cases] of byPolicy) {
    await store.appendAudit(
      policyId,
      cases.map((c) =>
        auditEntry(STUDENT_ACTOR, at, "student_data", c.caseId, {
          allowed: true,
          why: "the student this case is about read what Reach holds about them",
        }),
      ),
    );
  }
}

function schoolNameIn(dataset: Dataset, school: string): string {
  return dataset.schools.get(school)?.name ?? school;
}

/** The earliest open case's opening date, in its policy's time zone: "1 Dec". */
function openSince(open: readonly CaseSummary[], directory: Directory): string | undefined {
  const first = [...open].sort((a, b) => (a.openedAt < b.openedAt ? -1 : 1))[0];
  if (first === undefined) return undefined;
  const zone = directory.policies.get(first.policyId)?.timezone ?? "UTC";
  const day = parseIsoDate(localDate(first.openedAt, zone));
  return day === undefined ? undefined : dayWords(day, false);
}

// ---------------------------------------------------------------------------------------
// Sources and freshness

const SOURCE_WORDS: Readonly<Record<string, string>> = {
  vle: "activity on the learning platform (vle)",
  teams: "activity in Microsoft Teams (teams)",
};

/** The kinds of data the policies read, in plain words, each once. */
function sourcesOf(streams: readonly StreamEnd[], dataset: Dataset): string[] {
  const used = streams.filter((s) => s.used);
  const activity = new Set<string>();
  for (const s of used) {
    if (s.stream.startsWith("activity:")) activity.add(s.stream.slice("activity:".length));
  }
  // A rule on every source reads each source there is.
  if (used.some((s) => s.stream === "activity")) {
    for (const s of streams) {
      if (s.stream.startsWith("activity:") && s.last !== undefined) {
        activity.add(s.stream.slice("activity:".length));
      }
    }
    if (activity.size === 0) for (const source of dataset.sources) activity.add(source);
  }
  const words: string[] = [];
  if (used.some((s) => s.stream === "attendance")) words.push("attendance registers");
  for (const source of [...activity].sort()) {
    words.push(SOURCE_WORDS[source.toLowerCase()] ?? `activity recorded in ${source}`);
  }
  if (used.some((s) => s.stream === "submissions")) words.push("assignment submissions");
  return words;
}

/** The earliest last date among the streams the policies read: all of them reach it. */
function dataThrough(streams: readonly StreamEnd[]): DayNumber | undefined {
  let through: DayNumber | undefined;
  for (const s of streams) {
    const last = s.used && s.last !== undefined ? parseIsoDate(s.last) : undefined;
    if (last !== undefined && (through === undefined || last < through)) through = last;
  }
  return through;
}

// ---------------------------------------------------------------------------------------
// Measures in words

type Direction = "low_is_concern" | "high_is_concern";

interface MeasureWords {
  label: (p: MetricParams) => string;
  value: (v: number, p: MetricParams) => string;
  /** Whether a rule worries about a value too low (a rate) or too high (a count). */
  direction: Direction;
  /** The threshold in words: a percentage, or a whole number. */
  ratio: boolean;
  /** "Your school gets in touch after 3 days in a row": the firing test, for counts. */
  reached?: (n: string) => string;
}

const where = (p: MetricParams): string => {
  const source = p.source?.toLowerCase();
  const place =
    source === undefined
      ? "online"
      : source === "vle"
        ? "on the learning platform"
        : source === "teams"
          ? "in Microsoft Teams"
          : `in ${p.source}`;
  return p.kind === undefined ? place : `${place} (${words(p.kind)})`;
};

const activities = (n: number, p: MetricParams): string =>
  p.kind === undefined
    ? `${n} ${n === 1 ? "activity" : "activities"} recorded`
    : `${n} × ${words(p.kind)} recorded`;

const WORDS: Readonly<Record<Exclude<MetricName, "activity_vs_cohort">, MeasureWords>> = {
  attendance_rate: {
    label: () => "Attendance",
    value: (v) => `${percent(v)} of sessions`,
    direction: "low_is_concern",
    ratio: true,
  },
  hybrid_engagement: {
    label: () => "Days you attended or were active online",
    value: (v) => `${percent(v)} of school days`,
    direction: "low_is_concern",
    ratio: true,
  },
  activity_count: {
    label: (p) => `Activity ${where(p)}`,
    value: activities,
    direction: "low_is_concern",
    ratio: false,
  },
  activity_change: {
    label: (p) => `Activity ${where(p)}, compared with the weeks before`,
    value: (v) => `${percent(v)} of your activity in the school days before`,
    direction: "low_is_concern",
    ratio: true,
  },
  sessions_recorded: {
    label: () => "Attendance sessions recorded",
    value: (v) => plural(v, "session"),
    direction: "low_is_concern",
    ratio: false,
  },
  active_days: {
    label: (p) => `Days you were active ${where(p)}`,
    value: (v) => plural(v, "day"),
    direction: "low_is_concern",
    ratio: false,
  },
  assessment_score: {
    label: () => "Your lowest mark on the assessments due recently",
    value: (v) => `${v} out of 100`,
    direction: "low_is_concern",
    ratio: false,
  },
  absences: {
    label: (p) => (p.kind === undefined ? "Sessions missed" : `Sessions marked ${words(p.kind)}`),
    value: (v) => plural(v, "session"),
    direction: "high_is_concern",
    ratio: false,
    reached: (n) => `Your school gets in touch at ${n} or more`,
  },
  consecutive_absences: {
    label: () => "Days in a row absent",
    value: (v) => plural(v, "school day"),
    direction: "high_is_concern",
    ratio: false,
    reached: (n) => `Your school gets in touch after ${n} ${n === "1" ? "day" : "days in a row"}`,
  },
  tardies: {
    label: () => "Late arrivals",
    value: (v) => (v === 0 ? "none" : v === 1 ? "late once" : `late ${v} times`),
    direction: "high_is_concern",
    ratio: false,
    reached: (n) => `Your school gets in touch at ${n} or more late arrivals`,
  },
  days_since_activity: {
    label: (p) => `Days since you were last active ${where(p)}`,
    value: (v) => plural(v, "school day"),
    direction: "high_is_concern",
    ratio: false,
    reached: (n) =>
      `Your school gets in touch after ${n} school ${n === "1" ? "day" : "days"} without activity`,
  },
  missed_submissions: {
    label: () => "Assignments not handed in",
    value: (v) => plural(v, "assignment"),
    direction: "high_is_concern",
    ratio: false,
    reached: (n) =>
      `Your school gets in touch when ${n} or more ${n === "1" ? "is" : "are"} missing`,
  },
};

const COHORT_WORDS: Readonly<Record<string, string>> = {
  cohort: "your group",
  section: "your class",
  year: "your year group",
  school: "your school",
  programme: "your programme",
};

/** One value as the student reads it; the comparison with other students stays out. */
function measureOf(v: StudentValue): StudentDataView["measures"][number] | undefined {
  if (v.metric === "activity_vs_cohort") {
    if (v.ownActivity === undefined) return undefined;
    return {
      label: `Activity ${where(v.params)}`,
      value: activities(v.ownActivity, v.params),
      window: windowWords(v),
      expected: `Your school compares this with the usual level in ${COHORT_WORDS[v.params.cohortBy ?? "cohort"]}`,
    };
  }
  const w = WORDS[v.metric];
  return {
    label: w.label(v.params),
    value: v.value === null ? NOT_ENOUGH_DATA : w.value(v.value, v.params),
    window: windowWords(v),
    expected: expectedWords(v, w),
  };
}

function windowWords(v: StudentValue): string {
  const { from, to, schoolDays } = v.window;
  if (schoolDays === 0) return "no school days yet";
  const a = parseIsoDate(from) as DayNumber;
  const b = parseIsoDate(to) as DayNumber;
  const years = from.slice(0, 4) !== to.slice(0, 4);
  const span =
    schoolDays === 1
      ? `the last school day (${dayWords(b, years)})`
      : `the last ${schoolDays} school days (${dayWords(a, years)} – ${dayWords(b, years)})`;
  return v.metric === "activity_change"
    ? `${span}, compared with the ${plural(schoolDays, "school day")} before`
    : span;
}

/** The test a rule applies, as the condition under which the rule's part is met. */
function effective(t: ValueTest): { op: ValueTest["op"] | "not_equals"; threshold: number } {
  if (!t.negated) return t;
  const inverse = {
    below: "at_least",
    at_least: "below",
    above: "at_most",
    at_most: "above",
    equals: "not_equals",
  } as const;
  return { op: inverse[t.op], threshold: t.threshold };
}

/** The school's expected level: the test that speaks first, in supportive words. */
function expectedWords(v: StudentValue, w: MeasureWords): string {
  const tests = v.tests.map(effective);
  const level = (n: number) => (w.ratio ? percent(n) : String(n));
  if (v.metric === "sessions_recorded") {
    const need = tests.find((t) => t.op === "at_least" || t.op === "above");
    if (need !== undefined) {
      const n = need.op === "above" ? Math.floor(need.threshold) + 1 : need.threshold;
      return `Your school looks at attendance once ${plural(n, "session")} ${n === 1 ? "is" : "are"} recorded`;
    }
  }
  if (w.direction === "low_is_concern") {
    // The highest level below which a rule speaks is the one the school looks for.
    const lows = tests.filter((t) => t.op === "below" || t.op === "at_most");
    const top = lows.sort((a, b) => b.threshold - a.threshold)[0];
    if (top !== undefined) {
      return top.op === "below"
        ? `Your school looks for ${level(top.threshold)} or more`
        : `Your school looks for more than ${level(top.threshold)}`;
    }
  } else if (w.reached !== undefined) {
    // The lowest count at which a rule speaks.
    const highs = tests
      .filter((t) => t.op === "at_least" || t.op === "above")
      .map((t) => (t.op === "above" ? Math.floor(t.threshold) + 1 : Math.ceil(t.threshold)));
    if (highs.length > 0) return w.reached(String(Math.min(...highs)));
  }
  const first = tests[0];
  if (first === undefined) return "";
  return `Your school's rules look at whether this is ${OP_WORDS[first.op]} ${level(first.threshold)}`;
}

const OP_WORDS: Readonly<Record<ReturnType<typeof effective>["op"], string>> = {
  below: "below",
  at_most: "at most",
  above: "above",
  at_least: "at least",
  equals: "exactly",
  not_equals: "other than",
};

// ---------------------------------------------------------------------------------------
// Small words

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "2 Nov", or "2 Nov 2026" with the year. */
function dayWords(day: DayNumber, withYear: boolean): string {
  const [y, m, d] = formatDay(day).split("-");
  const text = `${Number(d)} ${MONTHS[Number(m) - 1]}`;
  return withYear ? `${text} ${y}` : text;
}

/** 0.8996 → "89.9%": rounded down, as the evidence on a case card reads it. */
function percent(ratio: number): string {
  const tenths = Math.floor(ratio * 1000 + 1e-9) / 10;
  return `${Number.isInteger(tenths) ? tenths.toFixed(0) : tenths.toFixed(1)}%`;
}

function plural(n: number, one: string): string {
  return `${n} ${n === 1 ? one : `${one}s`}`;
}

function words(id: string): string {
  return id.replace(/_/g, " ");
}

function listWords(items: readonly string[]): string {
  return items.length <= 1
    ? (items[0] ?? "")
    : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
