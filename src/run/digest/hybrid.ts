/**
 * Hybrid engagement for the weekly digest: in-person attendance and digital activity side
 * by side, by school and by section, for the week against the previous week. Pure: the
 * weeks come in as dates; one pass over each student's own events, so the cost is linear
 * in the events whatever the number of schools and sections.
 *
 * - The students are those the policy covers at the end of the week (`policyScope`: in the
 *   policy's schools, with a calendar, not suppressed), the same students for both weeks,
 *   each counted where they have a record (attendance, or activity) in either week.
 * - Attendance: the share of sessions recorded on school days that were attended (status
 *   not among the policy's absent statuses). Where a school records absences only, a
 *   school day without a record is an attended session, as for the `attendance_rate`
 *   metric. Days covered by an approved circumstance count neither for nor against.
 * - Digital: the share of the students' school days (from enrolment) with any activity, of
 *   any source.
 * - A section is the set of students with an attendance record for it in either week;
 *   a section of fewer than 10 students is not shown (`sectionsSuppressed`).
 */
import type { SchoolCalendar } from "../../calendar/index.ts";
import type { Dataset } from "../../data/dataset.ts";
import type { DayNumber } from "../../data/dates.ts";
import { absentMaskOf, type StudentContext } from "../../metrics/index.ts";
import { type Policy, policyScope } from "../../rules/index.ts";

export interface HybridRow {
  kind: "school" | "section";
  /** The school's or section's id. */
  id: string;
  /** The school's or section's name where the data has one, else the id. */
  name: string;
  /** For a section: its school; for a school: itself. */
  school: string;
  /** Students in scope with a record in either week. */
  students: number;
  /** Share (0–1) of recorded sessions attended; null when none was recorded. */
  attendance: { week: number | null; previous: number | null };
  /** Share (0–1) of the students' school days with any activity; null without school days. */
  digital: { week: number | null; previous: number | null };
}

export interface HybridEngagement {
  /** Every school of the policy, in the policy's order. */
  schools: HybridRow[];
  /** At most {@link SECTIONS_SHOWN}: the largest fall in attendance or digital first. */
  sections: HybridRow[];
  /** Sections shown no room for beyond the first {@link SECTIONS_SHOWN}. */
  sectionsOmitted: number;
  /** Sections with fewer than {@link SECTION_MIN_STUDENTS} students: not shown. */
  sectionsSuppressed: number;
}

export interface HybridInput {
  dataset: Dataset;
  calendars: ReadonlyMap<string, SchoolCalendar>;
  policy: Policy;
  /** The week, both days included. */
  week: { from: DayNumber; to: DayNumber };
  /** The week compared with. */
  previous: { from: DayNumber; to: DayNumber };
}

export const SECTIONS_SHOWN = 12;
export const SECTION_MIN_STUDENTS = 10;

/** Sums for one school or section: index 0 is the week, 1 the previous week. */
class Tally {
  students = 0;
  readonly sessions = [0, 0];
  readonly attended = [0, 0];
  readonly activeDays = [0, 0];
  readonly schoolDays = [0, 0];
}

/** One student's figures for both weeks. */
interface StudentWeeks {
  sessions: [number, number];
  attended: [number, number];
  activeDays: [number, number];
  schoolDays: [number, number];
  recorded: boolean;
}

export function hybridEngagement(input: HybridInput): HybridEngagement {
  const { dataset, calendars, policy } = input;
  const ranges = [input.week, input.previous] as const;
  const scope = policyScope({ dataset, policy, asOf: input.week.to, calendars });

  const schoolOrder = schoolsOf(policy, dataset, scope.contexts);
  const schools = new Map<string, Tally>(schoolOrder.map((s) => [s, new Tally()]));
  const sections = new Map<number, { tally: Tally; school: string }>();

  // Per-day marks, stamped with the student's position so nothing is cleared between
  // students: a day with activity, a day with an attendance record (absences-only
  // schools), a section the student is already counted in.
  const spans = ranges.map((r) => Math.max(0, r.to - r.from + 1));
  const activeStamp = spans.map((n) => new Int32Array(n));
  const recordStamp = spans.map((n) => new Int32Array(n));
  const sectionStamp = new Int32Array(dataset.sectionKeys.length);
  const sectionSessions = new Float64Array(dataset.sectionKeys.length * 4);

  const att = dataset.attendance;
  const act = dataset.activity;
  const absent = absentMaskOf(policy.absentStatuses);

  for (let k = 0; k < scope.contexts.length; k++) {
    const ctx = scope.contexts[k];
    const stamp = k + 1;
    const i = ctx.index;
    const calendar = ctx.calendar;
    const enrolled = ctx.student.enrolledFrom ?? Number.NEGATIVE_INFINITY;
    const excluded = ctx.excluded.length > 0 ? ctx.excluded : undefined;
    const counts = (day: DayNumber) =>
      calendar.isSchoolDay(day) && !(excluded !== undefined && isExcluded(excluded, day));
    const s: StudentWeeks = {
      sessions: [0, 0],
      attended: [0, 0],
      activeDays: [0, 0],
      schoolDays: [0, 0],
      recorded: false,
    };
    const touched: number[] = [];

    for (let r = att.start[i]; r < att.start[i + 1]; r++) {
      const day = att.day[r];
      for (let w = 0; w < 2; w++) {
        const range = ranges[w];
        if (day < range.from || day > range.to || !counts(day)) continue;
        const attended = (absent & (1 << att.status[r])) === 0 ? 1 : 0;
        s.sessions[w]++;
        s.attended[w] += attended;
        s.recorded = true;
        recordStamp[w][day - range.from] = stamp;
        const section = att.section === undefined ? -1 : att.section[r];
        if (section < 0) continue;
        if (sectionStamp[section] !== stamp) {
          sectionStamp[section] = stamp;
          touched.push(section);
          sectionSessions.fill(0, section * 4, section * 4 + 4);
        }
        sectionSessions[section * 4 + w]++;
        sectionSessions[section * 4 + 2 + w] += attended;
      }
    }

    for (let r = act.start[i]; r < act.start[i + 1]; r++) {
      if (act.count[r] <= 0) continue;
      const day = act.day[r];
      for (let w = 0; w < 2; w++) {
        const range = ranges[w];
        if (day < range.from || day > range.to) continue;
        s.recorded = true;
        if (day < enrolled || !counts(day)) continue;
        const at = day - range.from;
        if (activeStamp[w][at] === stamp) continue;
        activeStamp[w][at] = stamp;
        s.activeDays[w]++;
      }
    }

    for (let w = 0; w < 2; w++) {
      const range = ranges[w];
      for (let day = Math.max(range.from, enrolled); day <= range.to; day++) {
        if (!counts(day)) continue;
        s.schoolDays[w]++;
        if (ctx.absencesOnly && recordStamp[w][day - range.from] !== stamp) {
          // A school that records absences only: no record on a school day is a day attended.
          s.sessions[w]++;
          s.attended[w]++;
          s.recorded = true;
        }
      }
    }

    if (!s.recorded) continue;
    const school = schools.get(ctx.student.school);
    if (school !== undefined) add(school, s);
    for (const section of touched) {
      let entry = sections.get(section);
      if (entry === undefined) {
        entry = { tally: new Tally(), school: ctx.student.school };
        sections.set(section, entry);
      }
      add(entry.tally, {
        ...s,
        sessions: [sectionSessions[section * 4], sectionSessions[section * 4 + 1]],
        attended: [sectionSessions[section * 4 + 2], sectionSessions[section * 4 + 3]],
      });
    }
  }

  const schoolNames = dataset.schools;
  const schoolRows = schoolOrder.map((id) =>
    row("school", id, schoolNames.get(id)?.name ?? id, id, schools.get(id) as Tally),
  );

  const sectionInfo = new Map(dataset.sections.map((s) => [s.id, s]));
  const shown: { row: HybridRow; fall: number }[] = [];
  let sectionsSuppressed = 0;
  for (const [index, { tally, school: studentSchool }] of sections) {
    if (tally.students < SECTION_MIN_STUDENTS) {
      sectionsSuppressed++;
      continue;
    }
    const id = dataset.sectionKeys[index];
    const info = sectionInfo.get(id);
    const school = info?.school ?? studentSchool;
    const r = row("section", id, info?.name ?? id, school, tally);
    // Sessions a school that records absences only does not record cannot be shown by section.
    if (dataset.schools.get(school)?.attendanceRecording === "absences_only") {
      r.attendance = { week: null, previous: null };
    }
    shown.push({ row: r, fall: largestFall(r) });
  }
  shown.sort(
    (a, b) =>
      b.fall - a.fall || compareText(a.row.school, b.row.school) || compareText(a.row.id, b.row.id),
  );
  return {
    schools: schoolRows,
    sections: shown.slice(0, SECTIONS_SHOWN).map((s) => s.row),
    sectionsOmitted: Math.max(0, shown.length - SECTIONS_SHOWN),
    sectionsSuppressed,
  };
}

/** The policy's schools in its order; for `*`, every school of the data, by id. */
function schoolsOf(
  policy: Policy,
  dataset: Dataset,
  contexts: readonly StudentContext[],
): string[] {
  if (!policy.schools.includes("*")) return [...new Set(policy.schools)];
  const all = new Set<string>(dataset.schools.keys());
  for (const ctx of contexts) all.add(ctx.student.school);
  return [...all].sort(compareText);
}

function isExcluded(
  excluded: ReadonlyArray<readonly [DayNumber, DayNumber]>,
  day: DayNumber,
): boolean {
  for (const [from, to] of excluded) if (day >= from && day <= to) return true;
  return false;
}

function add(t: Tally, s: StudentWeeks): void {
  t.students++;
  for (let w = 0; w < 2; w++) {
    t.sessions[w] += s.sessions[w];
    t.attended[w] += s.attended[w];
    t.activeDays[w] += s.activeDays[w];
    t.schoolDays[w] += s.schoolDays[w];
  }
}

function row(
  kind: HybridRow["kind"],
  id: string,
  name: string,
  school: string,
  t: Tally,
): HybridRow {
  return {
    kind,
    id,
    name,
    school,
    students: t.students,
    attendance: {
      week: share(t.attended[0], t.sessions[0]),
      previous: share(t.attended[1], t.sessions[1]),
    },
    digital: {
      week: share(t.activeDays[0], t.schoolDays[0]),
      previous: share(t.activeDays[1], t.schoolDays[1]),
    },
  };
}

/** A share rounded to 4 decimals (a hundredth of a percentage point); null for 0 of 0. */
function share(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}

/** The larger fall (previous week minus this week) of the two shares; -Infinity when neither can say. */
function largestFall(r: HybridRow): number {
  let fall = Number.NEGATIVE_INFINITY;
  for (const { week, previous } of [r.attendance, r.digital]) {
    if (week !== null && previous !== null) fall = Math.max(fall, previous - week);
  }
  return fall;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
