/**
 * Checks a loaded policy against the data it is about to run on, before anything is
 * evaluated. The loader can only say that a policy is well formed; whether `source: vle`,
 * `schools: [sch2]` or `kind: login` name anything that exists, and whether the data is
 * recent enough to act on, only the data can say. A pure function of (policy, data set,
 * calendars, date): no clock, no I/O.
 *
 * Errors stop a run (nothing is evaluated, no case is opened):
 * - a school of the policy (other than `"*"`) that appears nowhere in the data;
 * - an activity `source` or `kind` that no activity row has (or no row of that source);
 * - a `cohort_by` grouping that no student in scope has a value for;
 * - a stream the rules use whose last date is more than `max_data_age` school days before
 *   the run's date;
 * - with a metrics table (the `metrics` source) instead of events: a metric test the table
 *   does not hold as of the run's date (checked instead of the streams), or a policy that
 *   suppresses fewer circumstance kinds than the data has (the table counts every one out).
 * Warnings do not (the data may legitimately not have these yet): a status the policy
 * counts as absent that the attendance never records, a rule whose metric has no data for
 * any student in scope, no student in scope, no engagement lead, nobody else who may act
 * on a case, and a run's date after the last date of the data.
 *
 * Problems of a disabled rule are warnings: it does not run, but it should be right before
 * it is enabled.
 */
import type { SchoolCalendar } from "../calendar/index.ts";
import type { Dataset } from "../data/dataset.ts";
import { type DayNumber, formatDay, parseIsoDate, weekday } from "../data/dates.ts";
import { ATTENDANCE_STATUSES, type AttendanceStatus } from "../data/statuses.ts";
import type { MetricName, MetricParams, MetricTable } from "../metrics/index.ts";
import { absentMaskOf, metricTableOf, tableGap } from "../metrics/index.ts";
import type { Condition, Place, Policy, Rule, TestPlace } from "./policy.ts";
import { nearest } from "./suggest.ts";

export type DataCheckCode =
  // errors
  | "unknown_school"
  | "unknown_source"
  | "unknown_kind"
  | "no_cohort_values"
  | "stale_data"
  | "metric_not_in_table"
  | "table_circumstances"
  // warnings
  | "status_not_recorded"
  | "no_data_for_metric"
  | "no_students_in_school"
  | "no_students_in_scope"
  | "no_engagement_lead"
  | "no_adviser"
  | "as_of_after_data";

export interface DataProblem {
  code: DataCheckCode;
  message: string;
  /** The policy file. */
  file: string;
  /** Where in it (1-based), when the problem is about something written there. */
  line?: number;
  column?: number;
  /** What to do about it, when there is something specific to say. */
  hint?: string;
}

/** A stream of events whose last date decides whether the data is fresh. */
export type StreamId = "attendance" | "activity" | `activity:${string}` | "submissions";

export interface StreamEnd {
  /** `attendance`, `activity` (every source), `activity:<source>`, `submissions`. */
  stream: StreamId;
  /** The last date of the stream among the policy's students (YYYY-MM-DD); absent when none. */
  last?: string;
  /** Whether an enabled rule of the policy reads it (only those count for freshness). */
  used: boolean;
  /** School days after `last` up to and including the run's date (when a date is given). */
  schoolDaysOld?: number;
}

export interface DataCheck {
  errors: DataProblem[];
  warnings: DataProblem[];
  /** Each stream's last date among the policy's students, for run records and readiness. */
  streams: StreamEnd[];
}

/** A run refused because the policy does not fit its data (see `check.errors`). */
export class DataCheckFailed extends Error {
  readonly code = "data_check_failed";
  constructor(
    readonly policyId: string,
    readonly check: DataCheck,
  ) {
    const first = check.errors[0]?.message ?? "the data check failed";
    const more = check.errors.length > 1 ? ` (and ${check.errors.length - 1} more)` : "";
    super(`policy ${policyId} does not fit its data: ${first}${more}`);
  }
}

/** `file:line:column message (hint)`, or `file: message (hint)` without a place. */
export function formatDataProblem(p: DataProblem, as: "error" | "warning" = "error"): string {
  const where = p.line === undefined ? `${p.file}:` : `${p.file}:${p.line}:${p.column ?? 1}`;
  const what = as === "warning" ? `warning: ${p.message}` : p.message;
  return p.hint === undefined ? `${where} ${what}` : `${where} ${what} (${p.hint})`;
}

type StreamKind = "attendance" | "activity" | "submissions";

/** The streams each metric reads: the compiler keeps this in step with the metrics. */
const STREAMS_OF: Readonly<Record<MetricName, readonly StreamKind[]>> = {
  attendance_rate: ["attendance"],
  absences: ["attendance"],
  consecutive_absences: ["attendance"],
  tardies: ["attendance"],
  sessions_recorded: ["attendance"],
  days_since_activity: ["activity"],
  activity_count: ["activity"],
  activity_change: ["activity"],
  activity_vs_cohort: ["activity"],
  missed_submissions: ["submissions"],
  hybrid_engagement: ["attendance", "activity"],
  active_days: ["activity"],
  assessment_score: ["submissions"],
};

/** Metrics that count the policy's absent statuses (unless the test gives its own). */
const COUNTS_ABSENCES: ReadonlySet<MetricName> = new Set<MetricName>([
  "attendance_rate",
  "absences",
  "consecutive_absences",
  "hybrid_engagement",
]);

const MAX_LISTED = 12;

/** `a, b, c` — or the first few and how many more. */
function listOf(values: Iterable<string>): string {
  const all = [...values];
  if (all.length <= MAX_LISTED) return all.join(", ");
  return `${all.slice(0, MAX_LISTED).join(", ")} … and ${all.length - MAX_LISTED} more`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** What one pass over the data says about the students in scope and the values present. */
interface Facts {
  inScope: Uint8Array;
  scopeCount: number;
  /** Schools of the students in scope. */
  scopeSchools: Set<string>;
  /** Attendance statuses recorded anywhere in the data. */
  statuses: Set<AttendanceStatus>;
  attendanceLast?: DayNumber;
  /** Kinds recorded per source (indices into the data set's tables), anywhere in the data. */
  kindsOfSource: Map<number, Set<number>>;
  /** Last activity day per source among the students in scope. */
  sourceLast: Map<number, DayNumber>;
  submissionsInScope: number;
  submissionsLast?: DayNumber;
}

function gatherFacts(policy: Policy, dataset: Dataset): Facts {
  const all = policy.schools.includes("*");
  const schools = new Set(policy.schools);
  const inScope = new Uint8Array(dataset.students.length);
  const scopeSchools = new Set<string>();
  let scopeCount = 0;
  dataset.students.forEach((s, i) => {
    if (!all && !schools.has(s.school)) return;
    inScope[i] = 1;
    scopeCount++;
    scopeSchools.add(s.school);
  });

  const att = dataset.attendance;
  // The statuses recorded: the scan stops once every one has been seen (usually early).
  const statusSeen = new Uint8Array(ATTENDANCE_STATUSES.length);
  let unseen = ATTENDANCE_STATUSES.length;
  for (let r = 0; r < att.length && unseen > 0; r++) {
    const status = att.status[r];
    if (statusSeen[status] === 0) {
      statusSeen[status] = 1;
      unseen--;
    }
  }
  // A student's attendance is in day order: the last row is the latest.
  let anyAttendance = false;
  let latest = 0;
  for (let i = 0; i < inScope.length; i++) {
    const last = att.start[i + 1] - 1;
    if (inScope[i] !== 1 || last < att.start[i]) continue;
    if (!anyAttendance || att.day[last] > latest) {
      latest = att.day[last];
      anyAttendance = true;
    }
  }
  const attendanceLast: DayNumber | undefined = anyAttendance ? latest : undefined;
  const statuses = new Set(ATTENDANCE_STATUSES.filter((_, i) => statusSeen[i] === 1));

  // Sources and kinds are small numbers (indexes into dataset.sources and .kinds): the
  // scan over every activity row fills flat tables, and the maps are made from them at the
  // end, in the order each entry was first seen.
  const act = dataset.activity;
  const nKinds = Math.max(1, dataset.kinds.length);
  const pairSeen = new Uint8Array(Math.max(1, dataset.sources.length) * nKinds);
  const pairOrder: number[] = [];
  const lastOf = new Int32Array(dataset.sources.length);
  const lastSet = new Uint8Array(dataset.sources.length);
  const lastOrder: number[] = [];
  // Student by student (the rows' own order): no per-row student column is needed.
  for (let i = 0; i < inScope.length; i++) {
    const scoped = inScope[i] === 1;
    for (let r = act.start[i]; r < act.start[i + 1]; r++) {
      const source = act.source[r];
      const pair = source * nKinds + act.kind[r];
      if (pairSeen[pair] === 0) {
        pairSeen[pair] = 1;
        pairOrder.push(pair);
      }
      if (!scoped) continue;
      const day = act.day[r];
      if (lastSet[source] === 0) {
        lastSet[source] = 1;
        lastOf[source] = day;
        lastOrder.push(source);
      } else if (day > lastOf[source]) lastOf[source] = day;
    }
  }
  const kindsOfSource = new Map<number, Set<number>>();
  for (const pair of pairOrder) {
    const source = Math.floor(pair / nKinds);
    let kinds = kindsOfSource.get(source);
    if (!kinds) {
      kinds = new Set();
      kindsOfSource.set(source, kinds);
    }
    kinds.add(pair % nKinds);
  }
  const sourceLast = new Map<number, DayNumber>();
  for (const source of lastOrder) sourceLast.set(source, lastOf[source]);

  let submissionsInScope = 0;
  let submissionsLast: DayNumber | undefined;
  for (const s of dataset.submissions) {
    const i = dataset.studentIndex.get(s.studentId);
    if (i === undefined || inScope[i] !== 1) continue;
    submissionsInScope++;
    // A submission export is as recent as the last thing handed in: due dates run ahead.
    const d = s.submittedDate;
    if (d !== undefined && (submissionsLast === undefined || d > submissionsLast))
      submissionsLast = d;
  }

  const facts: Facts = {
    inScope,
    scopeCount,
    scopeSchools,
    statuses,
    kindsOfSource,
    sourceLast,
    submissionsInScope,
  };
  if (attendanceLast !== undefined) facts.attendanceLast = attendanceLast;
  if (submissionsLast !== undefined) facts.submissionsLast = submissionsLast;
  return facts;
}

/** Index of `name` in a data set's table, as the metrics look it up (see filterIndex). */
function indexIn(values: readonly string[], name: string): number {
  const lower = values.indexOf(name.toLowerCase());
  return lower >= 0 ? lower : values.indexOf(name);
}

/** The metric tests of a condition, depth first in the order written. */
function metricTests(condition: Condition, out: (Condition & { kind: "metric" })[] = []) {
  switch (condition.kind) {
    case "metric":
      out.push(condition);
      break;
    case "not":
      metricTests(condition.of, out);
      break;
    default:
      for (const c of condition.of) metricTests(c, out);
  }
  return out;
}

/** The value of `by` for a student, as activity_vs_cohort groups them. */
function hasCohortValue(
  dataset: Dataset,
  index: number,
  by: NonNullable<MetricParams["cohortBy"]>,
  enrolled: Set<string>,
): boolean {
  const s = dataset.students[index];
  switch (by) {
    case "cohort":
      return s.cohort !== undefined;
    case "year":
      return s.year !== undefined;
    case "programme":
      return s.programme !== undefined;
    case "school":
      return true;
    case "section":
      return enrolled.has(s.id);
  }
}

const COHORT_FIELDS = ["cohort", "section", "year", "school", "programme"] as const;

/** Collects problems; those of a disabled rule become warnings. */
class Problems {
  readonly errors: DataProblem[] = [];
  readonly warnings: DataProblem[] = [];
  constructor(private readonly file: string) {}

  add(
    severity: "error" | "warning",
    code: DataCheckCode,
    place: Place | undefined,
    message: string,
    hint?: string,
  ): void {
    const p: DataProblem = { code, message, file: this.file };
    if (place !== undefined) {
      p.line = place.line;
      p.column = place.column;
    }
    if (hint !== undefined) p.hint = hint;
    (severity === "error" ? this.errors : this.warnings).push(p);
  }
}

/**
 * Checks `policy` against `dataset`. With `asOf`, also whether each stream the enabled
 * rules read is recent enough (`max_data_age`); without it (checking a policy file
 * against a data folder, no run), freshness is not judged but the last dates are given.
 */
export function checkPolicyAgainstData(
  policy: Policy,
  dataset: Dataset,
  calendars: ReadonlyMap<string, SchoolCalendar>,
  asOf?: DayNumber,
): DataCheck {
  const out = new Problems(policy.file);
  const facts = gatherFacts(policy, dataset);
  const everySchoolUnknown = checkSchools(policy, dataset, facts, out);
  if (facts.scopeCount === 0 && !everySchoolUnknown) {
    out.add(
      "warning",
      "no_students_in_scope",
      policy.places?.schools[0],
      `no student of the data is in the policy's schools (${listOf(policy.schools)}): a run evaluates nobody`,
    );
  }
  const used = new Set<StreamId>();
  const table = metricTableOf(dataset);
  if (table !== undefined) checkTable(policy, dataset, table, asOf, out);
  else {
    for (const rule of policy.rules) checkRule(rule, dataset, facts, out, used);
    checkPolicyAbsentStatuses(policy, facts, out);
  }
  if (facts.scopeCount > 0) checkStaff(policy, dataset, facts, out);
  const streams = streamEnds(dataset, facts, used);
  if (asOf !== undefined && table === undefined) {
    checkFreshness(policy, calendars, facts, asOf, streams, out);
  }
  return { errors: out.errors, warnings: out.warnings, streams };
}

/**
 * With a metrics table, the values come from the table: each metric test must be in it
 * with its canonical parameters, as of the run's date (which also says the table is
 * fresh). The table counts the days of every approved circumstance out, as Reach does by
 * default; a policy that suppresses fewer kinds than the data has would read other values.
 */
function checkTable(
  policy: Policy,
  dataset: Dataset,
  table: MetricTable,
  asOf: DayNumber | undefined,
  out: Problems,
): void {
  const defaults = {
    windowDays: policy.windowDays,
    absentMask: absentMaskOf(policy.absentStatuses),
  };
  for (const rule of policy.rules) {
    const owner = rule.enabled ? `rule ${rule.id}` : `rule ${rule.id} (disabled)`;
    metricTests(rule.when).forEach((test, i) => {
      const gap = tableGap(table, test.metric, test.params, defaults, asOf);
      if (gap === undefined) return;
      const severity = rule.enabled ? "error" : "warning";
      const at = rule.testPlaces?.[i]?.at;
      out.add(severity, "metric_not_in_table", at, `${owner}: ${gap.message}`, gap.hint);
    });
  }
  const suppressed = new Set<string>(policy.suppress.circumstances);
  const kinds = [...new Set(dataset.circumstances.map((c) => c.kind))].sort();
  const counted = kinds.filter((k) => !suppressed.has(k));
  if (counted.length > 0) {
    out.add(
      "error",
      "table_circumstances",
      undefined,
      `the metrics table counts the days of every approved circumstance out, but this policy's suppress.circumstances leaves out ${listOf(counted)}: those days would count for or against a student`,
      "list every kind in suppress.circumstances, or evaluate this policy from the events",
    );
  }
}

/** Reports unknown schools; true when every school named is unknown. */
function checkSchools(policy: Policy, dataset: Dataset, facts: Facts, out: Problems): boolean {
  const known = new Set<string>(dataset.schools.keys());
  for (const s of dataset.students) known.add(s.school);
  for (const c of dataset.calendar) known.add(c.school);
  for (const s of dataset.staff) known.add(s.school);
  const withStudents = new Set(dataset.students.map((s) => s.school));
  const sorted = [...known].sort();
  let unknown = 0;
  let named = 0;
  policy.schools.forEach((school, i) => {
    if (school === "*") return;
    named++;
    const place = policy.places?.schools[i];
    if (!known.has(school)) {
      unknown++;
      const near = nearest(school, sorted);
      out.add(
        "error",
        "unknown_school",
        place,
        `school "${school}" is not in the data (${sorted.length === 0 ? "the data has no schools" : `schools in the data: ${listOf(sorted)}`})`,
        near === undefined ? undefined : `did you mean ${near}?`,
      );
    } else if (!withStudents.has(school) && facts.scopeCount > 0) {
      out.add(
        "warning",
        "no_students_in_school",
        place,
        `school "${school}" has no students in the data: the policy evaluates nobody there`,
      );
    }
  });
  return named > 0 && unknown === named && !policy.schools.includes("*");
}

function checkRule(
  rule: Rule,
  dataset: Dataset,
  facts: Facts,
  out: Problems,
  used: Set<StreamId>,
): void {
  const owner = rule.enabled ? `rule ${rule.id}` : `rule ${rule.id} (disabled)`;
  // A disabled rule does not run: what would stop a run is only a warning for it.
  const error = rule.enabled ? "error" : "warning";
  const tests = metricTests(rule.when);
  /** Streams without data for the students in scope: stream → metrics, and the first place. */
  const empty = new Map<string, { metrics: Set<MetricName>; place: Place | undefined }>();
  const noData = (what: string, metric: MetricName, place: Place | undefined) => {
    const entry = empty.get(what) ?? { metrics: new Set(), place };
    entry.metrics.add(metric);
    empty.set(what, entry);
  };

  tests.forEach((test, i) => {
    const places: TestPlace | undefined = rule.testPlaces?.[i];
    const at = places?.at;
    const { metric, params } = test;
    const streams = STREAMS_OF[metric];
    let sourceIndex = -1;
    let sourceKnown = true;

    if (streams.includes("attendance")) {
      if (rule.enabled) used.add("attendance");
      if (facts.attendanceLast === undefined) noData("no attendance is recorded", metric, at);
    }
    if (streams.includes("activity")) {
      if (params.source !== undefined) {
        sourceIndex = indexIn(dataset.sources, params.source);
        sourceKnown = sourceIndex >= 0;
        if (!sourceKnown) {
          const near = nearest(params.source, dataset.sources);
          out.add(
            error,
            "unknown_source",
            places?.params.source ?? at,
            `${owner}: source "${params.source}" is not in the data (${dataset.sources.length === 0 ? "the data has no activity" : `sources in the data: ${listOf(dataset.sources)}`})`,
            near === undefined ? undefined : `did you mean ${near}?`,
          );
        } else {
          if (rule.enabled) used.add(`activity:${dataset.sources[sourceIndex]}`);
          if (!facts.sourceLast.has(sourceIndex)) {
            noData(`no ${dataset.sources[sourceIndex]} activity is recorded`, metric, at);
          }
        }
      } else {
        if (rule.enabled) used.add("activity");
        if (facts.sourceLast.size === 0) noData("no activity is recorded", metric, at);
      }
      if (params.kind !== undefined && metric !== "absences" && sourceKnown) {
        checkKind(params.kind, sourceIndex, dataset, facts, owner, error, places, out);
      }
    }
    if (streams.includes("submissions")) {
      if (rule.enabled) used.add("submissions");
      if (facts.submissionsInScope === 0) noData("no submissions are recorded", metric, at);
    }

    if (facts.statuses.size > 0) {
      const written: AttendanceStatus[] = [];
      if (metric === "absences" && params.kind !== undefined)
        written.push(params.kind as AttendanceStatus);
      const overriding = params.absentStatuses ?? [];
      if (COUNTS_ABSENCES.has(metric)) written.push(...overriding);
      const missing = [...new Set(written.filter((s) => !facts.statuses.has(s)))];
      if (missing.length > 0) {
        const place = overriding.includes(missing[0])
          ? places?.params.absent_statuses
          : places?.params.kind;
        out.add(
          "warning",
          "status_not_recorded",
          place ?? at,
          `${owner}: ${listOf(missing)} ${missing.length === 1 ? "is" : "are"} never recorded in the attendance (statuses in the data: ${listOf(facts.statuses)})`,
        );
      }
    }

    if (metric === "activity_vs_cohort" && facts.scopeCount > 0) {
      checkCohort(params, dataset, facts, owner, error, places, out);
    }
  });

  // With nobody in scope, the warning about that says it all.
  if (facts.scopeCount === 0) return;
  for (const [what, { metrics, place }] of empty) {
    out.add(
      "warning",
      "no_data_for_metric",
      place,
      `${owner}: ${what} for the policy's students, so ${listOf(metrics)} ${metrics.size === 1 ? "has" : "have"} no data`,
      metrics.has("days_since_activity") || metrics.has("activity_count")
        ? "without activity every student counts as inactive: check the data before a real run"
        : undefined,
    );
  }
}

function checkKind(
  kind: string,
  sourceIndex: number,
  dataset: Dataset,
  facts: Facts,
  owner: string,
  severity: "error" | "warning",
  places: TestPlace | undefined,
  out: Problems,
): void {
  const place = places?.params.kind ?? places?.at;
  const kindIndex = indexIn(dataset.kinds, kind);
  if (kindIndex < 0) {
    const near = nearest(kind, dataset.kinds);
    out.add(
      severity,
      "unknown_kind",
      place,
      `${owner}: kind "${kind}" is not in the data (${dataset.kinds.length === 0 ? "the data has no activity" : `kinds in the data: ${listOf(dataset.kinds)}`})`,
      near === undefined ? undefined : `did you mean ${near}?`,
    );
    return;
  }
  if (sourceIndex < 0) return;
  const kinds = facts.kindsOfSource.get(sourceIndex) ?? new Set<number>();
  if (kinds.has(kindIndex)) return;
  const source = dataset.sources[sourceIndex];
  const names = [...kinds].map((k) => dataset.kinds[k]).sort();
  out.add(
    severity,
    "unknown_kind",
    place,
    `${owner}: no ${source} activity has kind "${kind}" (kinds of ${source} activity: ${listOf(names)})`,
  );
}

/**
 * `cohort_by` with no value for any student in scope is an error, not a warning: the
 * roster is the stable part of the data (unlike this week's events, it does not "arrive
 * later"), so a grouping nobody has means the rule can never be computed for anyone — a
 * rule that silently never fires, which is what this check exists to catch.
 */
function checkCohort(
  params: MetricParams,
  dataset: Dataset,
  facts: Facts,
  owner: string,
  severity: "error" | "warning",
  places: TestPlace | undefined,
  out: Problems,
): void {
  const by = params.cohortBy ?? "cohort";
  const enrolled = new Set(dataset.enrolments.map((e) => e.studentId));
  const has = (field: (typeof COHORT_FIELDS)[number]) => {
    for (let i = 0; i < facts.inScope.length; i++) {
      if (facts.inScope[i] === 1 && hasCohortValue(dataset, i, field, enrolled)) return true;
    }
    return false;
  };
  if (has(by)) return;
  const others = COHORT_FIELDS.filter((f) => f !== by && has(f));
  out.add(
    severity,
    "no_cohort_values",
    places?.params.cohort_by ?? places?.at,
    `${owner}: no student of the policy's schools has a ${by}, so activity_vs_cohort (cohort_by: ${by}) can never be computed`,
    others.length > 0 ? `group by a field the students have: ${others.join(", ")}` : undefined,
  );
}

/** The policy's own `absent_statuses`, when written and read by an enabled rule. */
function checkPolicyAbsentStatuses(policy: Policy, facts: Facts, out: Problems): void {
  const place = policy.places?.absentStatuses;
  if (place === undefined || facts.statuses.size === 0) return;
  const reads = policy.rules.some(
    (r) =>
      r.enabled &&
      metricTests(r.when).some(
        (t) =>
          COUNTS_ABSENCES.has(t.metric) &&
          t.params.absentStatuses === undefined &&
          !(t.metric === "absences" && t.params.kind !== undefined),
      ),
  );
  if (!reads) return;
  const missing = policy.absentStatuses.filter((s) => !facts.statuses.has(s));
  if (missing.length === 0) return;
  out.add(
    "warning",
    "status_not_recorded",
    place,
    `absent_statuses: ${listOf(missing)} ${missing.length === 1 ? "is" : "are"} never recorded in the attendance (statuses in the data: ${listOf(facts.statuses)})`,
  );
}

/**
 * Who could act on the policy's cases, as src/cases/authorise.ts decides it: an engagement
 * lead of one of the policy's schools works on every case (and alone decides escalations);
 * an adviser or support officer works on their advisees, and with `access: school` on every
 * student of their own school.
 */
function checkStaff(policy: Policy, dataset: Dataset, facts: Facts, out: Problems): void {
  const schools = policy.schools.includes("*")
    ? facts.scopeSchools
    : new Set(policy.schools.filter((s) => s !== "*"));
  const schoolList = listOf([...schools].sort());
  const leads = dataset.staff.filter(
    (s) => s.roles.includes("engagement_lead") && schools.has(s.school),
  );
  const noStaff = dataset.staff.length === 0 ? " (the data has no staff)" : "";
  if (leads.length === 0) {
    out.add(
      "warning",
      "no_engagement_lead",
      policy.places?.schools[0],
      `no member of staff of ${schoolList} has the role engagement_lead${noStaff}: nobody may decide the policy's escalations`,
      "add an engagement lead to the staff data",
    );
  }
  const advisers = dataset.staff.filter(
    (s) => s.roles.includes("adviser") || s.roles.includes("support_officer"),
  );
  if (policy.access === "advisees") {
    const ids = new Set(advisers.map((s) => s.id));
    const advised = dataset.students.some(
      (s, i) => facts.inScope[i] === 1 && s.adviserIds.some((id) => ids.has(id)),
    );
    if (!advised) {
      out.add(
        "warning",
        "no_adviser",
        policy.places?.access ?? policy.places?.schools[0],
        `access: advisees, but no student of the policy has an adviser or support officer on the staff roster${noStaff}: ${leads.length === 0 ? "nobody" : "only an engagement lead"} may act on its cases`,
        "check the students' adviser_ids against the staff ids, or use access: school",
      );
    }
  } else if (!advisers.some((s) => schools.has(s.school))) {
    out.add(
      "warning",
      "no_adviser",
      policy.places?.access ?? policy.places?.schools[0],
      `access: school, but no adviser or support officer works in ${schoolList}${noStaff}: ${leads.length === 0 ? "nobody" : "only an engagement lead"} may act on the policy's cases`,
      "add advisers or support officers of those schools to the staff data",
    );
  }
}

function streamEnds(dataset: Dataset, facts: Facts, used: Set<StreamId>): StreamEnd[] {
  const ends: StreamEnd[] = [];
  const add = (stream: StreamId, last: DayNumber | undefined) => {
    const end: StreamEnd = { stream, used: used.has(stream) };
    if (last !== undefined) end.last = formatDay(last);
    ends.push(end);
  };
  if (facts.attendanceLast !== undefined || used.has("attendance"))
    add("attendance", facts.attendanceLast);
  let any: DayNumber | undefined;
  for (const d of facts.sourceLast.values()) if (any === undefined || d > any) any = d;
  if (any !== undefined || used.has("activity")) add("activity", any);
  const sources = new Set<string>([...facts.sourceLast.keys()].map((i) => dataset.sources[i]));
  for (const s of used) if (s.startsWith("activity:")) sources.add(s.slice("activity:".length));
  for (const source of [...sources].sort()) {
    add(`activity:${source}`, facts.sourceLast.get(dataset.sources.indexOf(source)));
  }
  if (facts.submissionsInScope > 0 || used.has("submissions"))
    add("submissions", facts.submissionsLast);
  return ends;
}

function describeStream(stream: StreamId): string {
  if (stream === "attendance") return "attendance data ends";
  if (stream === "activity") return "activity data ends";
  if (stream === "submissions") return "the last submission recorded is on";
  return `${stream.slice("activity:".length)} activity ends`;
}

/**
 * School days after `last` up to and including `asOf`: a day counts when a calendar of the
 * policy's schools that covers it makes it a school day, and, beyond every calendar (a
 * calendar derived from the attendance ends with it), when it is a weekday. A holiday in a
 * calendar is never "stale"; months past the data are.
 */
export function schoolDaysAfter(
  last: DayNumber,
  asOf: DayNumber,
  calendars: readonly SchoolCalendar[],
): number {
  const spans = calendars
    .filter((c) => c.days.length > 0)
    .map((c) => ({ c, from: c.days[0], to: c.days[c.days.length - 1] }));
  let n = 0;
  for (let d = last + 1; d <= asOf; d++) {
    let covered = false;
    let schoolDay = false;
    for (const { c, from, to } of spans) {
      if (d < from || d > to) continue;
      covered = true;
      if (c.isSchoolDay(d)) {
        schoolDay = true;
        break;
      }
    }
    if (covered ? schoolDay : weekday(d) >= 1 && weekday(d) <= 5) n++;
  }
  return n;
}

function checkFreshness(
  policy: Policy,
  calendars: ReadonlyMap<string, SchoolCalendar>,
  facts: Pick<Facts, "scopeSchools">,
  asOf: DayNumber,
  streams: StreamEnd[],
  out: Problems,
): void {
  const schools = policy.schools.includes("*") ? facts.scopeSchools : new Set(policy.schools);
  const own = [...schools].flatMap((s) => {
    const c = calendars.get(s);
    return c === undefined ? [] : [c];
  });
  const max = policy.maxDataAgeDays;
  const limit = `max_data_age: ${plural(max, "school day")}`;
  const place = policy.places?.maxDataAge;
  const date = formatDay(asOf);
  for (const end of streams) {
    const last = end.last === undefined ? undefined : parseIsoDate(end.last);
    if (last === undefined) continue;
    if (last >= asOf) {
      end.schoolDaysOld = 0;
      continue;
    }
    const age = schoolDaysAfter(last, asOf, own);
    end.schoolDaysOld = age;
    if (!end.used) continue;
    const ends = `${describeStream(end.stream)} ${end.last}`;
    if (age > max) {
      out.add(
        "error",
        "stale_data",
        place,
        `${ends}, ${plural(age, "school day")} before ${date} (${limit})`,
        "import newer data, or evaluate a date the data reaches",
      );
    } else {
      out.add(
        "warning",
        "as_of_after_data",
        place,
        age === 0
          ? `${ends}, before ${date} but with no school day between`
          : `${ends}, ${plural(age, "school day")} before ${date} (within ${limit})`,
      );
    }
  }
}
