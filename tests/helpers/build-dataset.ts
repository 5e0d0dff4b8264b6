/**
 * Builds small data sets for tests from readable literals, through the same
 * DatasetBuilder the adapters use.
 */
import { DatasetBuilder, STATUS_CODE } from "../../src/data/dataset.ts";
import { type DayNumber, parseIsoDate, weekday } from "../../src/data/dates.ts";
import type { AttendanceStatus, Circumstance, Student, Submission } from "../../src/data/schema.ts";

export function day(iso: string): DayNumber {
  const d = parseIsoDate(iso);
  if (d === undefined) throw new Error(`bad date in test: ${iso}`);
  return d;
}

/** Weekdays from `from` to `to` inclusive, minus `holidays`. */
export function weekdays(from: string, to: string, holidays: string[] = []): string[] {
  const skip = new Set(holidays.map(day));
  const out: string[] = [];
  for (let d = day(from); d <= day(to); d++) {
    if (weekday(d) >= 1 && weekday(d) <= 5 && !skip.has(d))
      out.push(new Date(d * 86_400_000).toISOString().slice(0, 10));
  }
  return out;
}

export interface StudentSpec extends Partial<Omit<Student, "enrolledFrom" | "statusFrom">> {
  id: string;
  enrolledFrom?: string;
  statusFrom?: string;
}

export interface DatasetSpec {
  students: StudentSpec[];
  /** school → instructional dates */
  calendar?: Record<string, string[]>;
  attendance?: [studentId: string, date: string, status: AttendanceStatus, section?: string][];
  activity?: [studentId: string, date: string, source: string, count?: number, kind?: string][];
  submissions?: [studentId: string, assessmentId: string, due: string, submitted?: string][];
  circumstances?: [studentId: string, from: string, to: string, kind: Circumstance["kind"]][];
  absencesOnly?: string[];
}

export function buildDataset(spec: DatasetSpec) {
  const b = new DatasetBuilder();
  for (const school of spec.absencesOnly ?? []) {
    b.addSchool({ id: school, name: school, attendanceRecording: "absences_only" });
  }
  for (const s of spec.students) {
    b.addStudent({
      displayName: `Student ${s.id}`,
      school: "sch",
      adviserIds: [],
      status: "active",
      ...s,
      enrolledFrom: s.enrolledFrom === undefined ? undefined : day(s.enrolledFrom),
      statusFrom: s.statusFrom === undefined ? undefined : day(s.statusFrom),
    } as Student);
  }
  for (const [school, dates] of Object.entries(spec.calendar ?? {})) {
    for (const d of dates) b.addCalendarDay({ school, date: day(d), instructional: true });
  }
  for (const [id, date, status, section] of spec.attendance ?? []) {
    const i = b.studentIndexOf(id);
    if (i === undefined) throw new Error(`unknown student in test: ${id}`);
    b.addAttendance(
      i,
      day(date),
      STATUS_CODE[status],
      -1,
      section === undefined ? -1 : b.internSection(section),
    );
  }
  for (const [id, date, source, count = 1, kind = "login"] of spec.activity ?? []) {
    const i = b.studentIndexOf(id);
    if (i === undefined) throw new Error(`unknown student in test: ${id}`);
    b.addActivity(i, day(date), b.internSource(source), b.internKind(kind), count);
  }
  for (const [studentId, assessmentId, due, submitted] of spec.submissions ?? []) {
    const s: Submission = {
      studentId,
      assessmentId,
      dueDate: day(due),
      submittedDate: submitted === undefined ? undefined : day(submitted),
      late: submitted !== undefined && day(submitted) > day(due),
    };
    b.addSubmission(s);
  }
  for (const [studentId, from, to, kind] of spec.circumstances ?? []) {
    b.addCircumstance({ studentId, from: day(from), to: day(to), kind, approvedBy: "lead" });
  }
  return b.build().dataset;
}
