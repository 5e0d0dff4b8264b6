/**
 * Merging the parts of a combined source into one data set: the roster's people and
 * calendar, the attendance part's attendance and calendar, the activity parts' activity,
 * every event re-keyed to the roster student its part's student matches.
 */
import type { Dataset, DatasetBuilder } from "../../dataset.ts";
import type { FileTally, ImportReport } from "../../import-report.ts";
import type { ImportResult } from "../adapter.ts";
import type { MatchKey, Part } from "./manifest.ts";

/** How the roster's students are found by each key (lower case for addresses and object ids). */
export class RosterKeys {
  private readonly byEmail = new Map<string, number>();
  private readonly byAad = new Map<string, number>();
  /** Keys that two roster students share: no part student is matched by them. */
  readonly shared = { email: 0, aad_object_id: 0 };

  constructor(private readonly roster: Dataset) {
    const seen = { email: new Set<string>(), aad_object_id: new Set<string>() };
    roster.students.forEach((s, i) => {
      this.index(this.byEmail, seen.email, s.email, i, "email");
      this.index(this.byAad, seen.aad_object_id, s.aadObjectId, i, "aad_object_id");
    });
  }

  private index(
    map: Map<string, number>,
    seen: Set<string>,
    value: string | undefined,
    i: number,
    key: "email" | "aad_object_id",
  ): void {
    const v = value?.trim().toLowerCase();
    if (!v) return;
    if (seen.has(v)) {
      if (map.get(v) !== -1) this.shared[key]++;
      map.set(v, -1);
      return;
    }
    seen.add(v);
    map.set(v, i);
  }

  /** The roster index of the part's student, or -1. */
  find(student: Dataset["students"][number], match: MatchKey): number {
    if (match === "id") return this.roster.studentIndex.get(student.id) ?? -1;
    const value = (match === "email" ? student.email : student.aadObjectId)?.trim().toLowerCase();
    if (!value) return -1;
    return (match === "email" ? this.byEmail : this.byAad).get(value) ?? -1;
  }
}

/** Each part student's roster index (-1: none), and how many matched. */
function studentMap(part: Dataset, keys: RosterKeys, match: MatchKey) {
  const map = new Int32Array(part.students.length);
  let matched = 0;
  part.students.forEach((s, i) => {
    map[i] = keys.find(s, match);
    if (map[i] >= 0) matched++;
  });
  return { map, matched };
}

/**
 * Reports the part's rows matched and not matched, as one entry named after the part's
 * folder. No student is named: only counts.
 */
function reportMatch(
  report: ImportReport,
  part: Part,
  what: string,
  rows: { matched: number; unmatched: number },
  students: { total: number; matched: number; unmatchedWithRows: number },
  rosterSize: number,
): FileTally {
  const tally = report.file(`${part.folder}/ (${part.label}, ${part.format})`, what);
  tally.acceptMany(rows.matched);
  const by = part.match === "id" ? "id" : part.match === "email" ? "email" : "aad_object_id";
  if (rows.unmatched > 0) {
    const r = tally.report;
    r.rowsRead += rows.unmatched;
    r.rowsRejected += rows.unmatched;
    r.byReason.unknown_student = (r.byReason.unknown_student ?? 0) + rows.unmatched;
    report.record({
      file: `${part.folder}/`,
      line: 0,
      field: by,
      code: "unknown_student",
      reason: `${rows.unmatched} ${what} row(s) of ${students.unmatchedWithRows} ${part.format} student(s) match no roster student by ${by} (${part.label})`,
    });
  }
  tally.note(
    `${students.matched} of the part's ${students.total} student(s) match a roster student by ${by}; ` +
      `${rosterSize} roster student(s)`,
  );
  return tally;
}

/** Adds the roster part's people, calendar and side records to the builder. */
export function addRoster(builder: DatasetBuilder, roster: ImportResult): void {
  const d = roster.dataset;
  for (const school of d.schools.values()) builder.addSchool(school);
  for (const student of d.students) builder.addStudent(student);
  for (const s of d.staff) builder.addStaff(s);
  for (const s of d.sections) builder.addSection(s);
  for (const e of d.enrolments) builder.addEnrolment(e);
  for (const c of d.calendar) builder.addCalendarDay(c);
  for (const s of d.submissions) builder.addSubmission(s);
  for (const c of d.circumstances) builder.addCircumstance(c);
  for (const m of roster.monitoring.demographics) builder.addDemographic(m);
}

/**
 * The attendance part's attendance (re-keyed) and its calendar days for the roster's
 * schools that the roster's calendar does not already have.
 */
export function addAttendance(
  builder: DatasetBuilder,
  roster: Dataset,
  keys: RosterKeys,
  part: Part,
  imported: ImportResult,
  report: ImportReport,
): void {
  const d = imported.dataset;
  const { map, matched } = studentMap(d, keys, part.match);
  const a = d.attendance;
  const sections = new Map<number, number>();
  const rows = { matched: 0, unmatched: 0 };
  const unmatchedStudents = new Set<number>();
  for (let r = 0; r < a.length; r++) {
    const target = map[a.student[r]] as number;
    if (target < 0) {
      rows.unmatched++;
      unmatchedStudents.add(a.student[r] as number);
      continue;
    }
    let section = -1;
    const s = a.section === undefined ? -1 : (a.section[r] as number);
    if (s >= 0) {
      section = sections.get(s) ?? builder.internSection(d.sectionKeys[s] as string);
      sections.set(s, section);
    }
    const minutes = a.minutes === undefined ? -1 : (a.minutes[r] as number);
    builder.addAttendance(target, a.day[r], a.status[r], minutes, section);
    rows.matched++;
  }
  const tally = reportMatch(
    report,
    part,
    "attendance",
    rows,
    { total: d.students.length, matched, unmatchedWithRows: unmatchedStudents.size },
    roster.students.length,
  );
  const known = new Set(roster.calendar.map((c) => `${c.school}\u0000${c.date}`));
  let otherSchools = 0;
  let added = 0;
  for (const c of d.calendar) {
    if (!roster.schools.has(c.school)) {
      otherSchools++;
      continue;
    }
    const key = `${c.school}\u0000${c.date}`;
    if (known.has(key)) continue;
    known.add(key);
    builder.addCalendarDay(c);
    added++;
  }
  if (added > 0) tally.note(`${added} calendar day(s) taken from this part`);
  if (otherSchools > 0) {
    tally.note(`${otherSchools} calendar day(s) of schools the roster does not have: left out`);
  }
}

/** One activity part's activity, re-keyed to roster students. */
export function addActivity(
  builder: DatasetBuilder,
  roster: Dataset,
  keys: RosterKeys,
  part: Part,
  imported: ImportResult,
  report: ImportReport,
): void {
  const d = imported.dataset;
  const { map, matched } = studentMap(d, keys, part.match);
  const sources = d.sources.map((s) => builder.internSource(s));
  const kinds = d.kinds.map((k) => builder.internKind(k));
  const a = d.activity;
  const rows = { matched: 0, unmatched: 0 };
  const unmatchedStudents = new Set<number>();
  for (let r = 0; r < a.length; r++) {
    const target = map[a.student[r]] as number;
    if (target < 0) {
      rows.unmatched++;
      unmatchedStudents.add(a.student[r] as number);
      continue;
    }
    builder.addActivity(
      target,
      a.day[r],
      sources[a.source[r]] as number,
      kinds[a.kind[r]] as number,
      a.count[r],
    );
    rows.matched++;
  }
  reportMatch(
    report,
    part,
    "activity",
    rows,
    { total: d.students.length, matched, unmatchedWithRows: unmatchedStudents.size },
    roster.students.length,
  );
}
