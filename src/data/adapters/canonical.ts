/**
 * Reach's own format: a folder with one CSV per entity, each with a header row
 * (docs/data-contract.md). Every file is optional except students.csv; columns may come
 * in any order, unknown columns are ignored with a note.
 *
 * Attendance and activity are the high-volume files, so their rows are checked by the
 * hand-written field checks in fast-rows.ts (tested to agree with the zod row schemas)
 * instead of a zod parse per row.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod/v4";
import type { ByteKeyMap } from "../bytes/byte-key-map.ts";
import { readCsvBytes } from "../bytes/csv-bytes.ts";
import { csvLine } from "../csv.ts";
import { DatasetBuilder } from "../dataset.ts";
import { type FileTally, ImportReport } from "../import-report.ts";
import { headerKey, validateRow } from "../rows.ts";
import {
  CalendarRow,
  CircumstanceRow,
  DemographicRow,
  EnrolmentRow,
  SchoolRow,
  SectionRow,
  StaffRow,
  StudentRow,
  SubmissionRow,
} from "../schema.ts";
import type { Adapter, ImportOptions, ImportResult } from "./adapter.ts";
import { activityFastPath, attendanceFastPath, studentKeys } from "./fast-bytes.ts";
import { checkActivity, checkAttendance, columnIndex, type FastColumns } from "./fast-rows.ts";

interface EntityFile {
  file: string;
  entity: string;
  required: readonly string[];
  optional: readonly string[];
}

export const CANONICAL_FILES = {
  schools: {
    file: "schools.csv",
    entity: "school",
    required: ["id", "name"],
    optional: ["attendance_recording"],
  },
  students: {
    file: "students.csv",
    entity: "student",
    required: ["id", "display_name", "school"],
    optional: [
      "preferred_name",
      "email",
      "aad_object_id",
      "year",
      "programme",
      "cohort",
      "adviser_ids",
      "status",
      "status_from",
      "enrolled_from",
      "enrolled_until",
    ],
  },
  staff: {
    file: "staff.csv",
    entity: "staff",
    required: ["id", "name", "school", "roles"],
    optional: ["email", "aad_object_id"],
  },
  sections: {
    file: "sections.csv",
    entity: "section",
    required: ["id", "name", "school"],
    optional: [],
  },
  enrolments: {
    file: "enrolments.csv",
    entity: "enrolment",
    required: ["student_id", "section_id", "start"],
    optional: ["end"],
  },
  calendar: {
    file: "calendar.csv",
    entity: "calendar day",
    required: ["school", "date"],
    optional: ["instructional"],
  },
  attendance: {
    file: "attendance.csv",
    entity: "attendance event",
    required: ["student_id", "date", "status"],
    optional: ["section_id", "minutes"],
  },
  activity: {
    file: "activity.csv",
    entity: "activity event",
    required: ["student_id", "date", "source"],
    optional: ["kind", "count"],
  },
  submissions: {
    file: "submissions.csv",
    entity: "submission",
    required: ["student_id", "assessment_id", "due_date"],
    optional: ["submitted_date", "late"],
  },
  circumstances: {
    file: "circumstances.csv",
    entity: "circumstance",
    required: ["student_id", "from", "to", "kind"],
    optional: ["approved_by"],
  },
  demographics: {
    file: "demographics.csv",
    entity: "demographic",
    required: ["student_id", "field", "value"],
    optional: [],
  },
} as const satisfies Record<string, EntityFile>;

type Progress = ImportOptions["onProgress"];

/** A byte-level handler for a file's plain rows (see fast-bytes.ts). */
type FastRow = (
  buf: Uint8Array,
  starts: Int32Array,
  ends: Int32Array,
  count: number,
  line: number,
) => boolean;

/**
 * Reads one CSV file with a header row. The header is checked first: a missing or
 * repeated column fails the file (reported, nothing read); unknown columns get a note.
 * `onHeader` may return a fast path for the rows (or false to skip the file).
 */
async function readEntityFile(
  dir: string,
  spec: EntityFile,
  report: ImportReport,
  onRow: (header: string[], fields: string[], line: number, tally: FileTally) => void,
  onProgress: Progress,
  onHeader?: (header: string[], tally: FileTally) => boolean | FastRow,
  reserve?: (rows: number) => void,
): Promise<void> {
  const path = join(dir, spec.file);
  const tally = report.file(spec.file, spec.entity);
  let header: string[] | undefined;
  let fast: FastRow | undefined;
  const checkHeader = (fields: string[], line: number): boolean => {
    const names = fields.map(headerKey);
    header = names;
    const missing = spec.required.filter((c) => !names.includes(c));
    if (missing.length > 0) {
      tally.fail(
        `missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} in the header (line ${line})`,
      );
      return false;
    }
    const repeated = names.filter((c, i) => c !== "" && names.indexOf(c) !== i);
    if (repeated.length > 0) {
      tally.fail(
        `column ${repeated.join(", ")} appears more than once in the header (line ${line})`,
      );
      return false;
    }
    const known = new Set<string>([...spec.required, ...spec.optional]);
    const unknown = names.filter((c) => !known.has(c));
    if (unknown.length > 0) tally.note(`ignored unknown column(s): ${unknown.join(", ")}`);
    const answer = onHeader ? onHeader(names, tally) : true;
    if (typeof answer === "function") fast = answer;
    return answer !== false;
  };
  await readCsvBytes(
    path,
    {
      header: checkHeader,
      fast: (buf, starts, ends, count, line) =>
        fast !== undefined && fast(buf, starts, ends, count, line),
      row: (fields, line) => onRow(header as string[], fields, line, tally),
      error: (message, line) => tally.reject(line, "malformed_csv", message),
      rowsExpected: reserve,
    },
    (bytesRead, totalBytes) => onProgress?.({ file: spec.file, bytesRead, totalBytes }),
  );
  if (header === undefined && tally.report.error === undefined) tally.note("empty file");
}

function simple<S extends z.ZodType>(
  schema: S,
  add: (value: z.output<S>, line: number, tally: FileTally) => void,
) {
  return (header: string[], fields: string[], line: number, tally: FileTally) => {
    const value = validateRow(schema, header, fields, line, tally);
    if (value !== undefined) add(value, line, tally);
  };
}

export async function importCanonical(
  dir: string,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const report = new ImportReport("canonical");
  const b = new DatasetBuilder();
  const progress = options.onProgress;
  const has = (spec: EntityFile) => existsSync(join(dir, spec.file));
  const F = CANONICAL_FILES;

  if (!has(F.students)) {
    report
      .file(F.students.file, F.students.entity)
      .fail(`no ${F.students.file} in ${dir}: the student roster is required`);
  }

  const knownStudent = (id: string, line: number, tally: FileTally, raw: string[]): boolean => {
    if (b.hasStudent(id)) return true;
    tally.reject(line, "unknown_student", `unknown student id "${id}"`, "student_id", csvLine(raw));
    return false;
  };

  if (has(F.schools)) {
    await readEntityFile(
      dir,
      F.schools,
      report,
      simple(SchoolRow, (s, _l, t) => {
        b.addSchool(s);
        t.accept();
      }),
      progress,
    );
  }
  if (has(F.students)) {
    await readEntityFile(
      dir,
      F.students,
      report,
      simple(StudentRow, (s, line, t) => {
        if (b.addStudent(s)) t.accept();
        else t.reject(line, "duplicate", `student id "${s.id}" appears more than once`, "id");
      }),
      progress,
    );
  }
  if (has(F.staff)) {
    await readEntityFile(
      dir,
      F.staff,
      report,
      simple(StaffRow, (s, _l, t) => {
        b.addStaff(s);
        t.accept();
      }),
      progress,
    );
  }
  if (has(F.sections)) {
    await readEntityFile(
      dir,
      F.sections,
      report,
      simple(SectionRow, (s, _l, t) => {
        b.addSection(s);
        t.accept();
      }),
      progress,
    );
  }
  if (has(F.enrolments)) {
    await readEntityFile(
      dir,
      F.enrolments,
      report,
      (header, fields, line, tally) => {
        const e = validateRow(EnrolmentRow, header, fields, line, tally);
        if (e && knownStudentRetract(e.studentId, line, tally, fields)) {
          b.addEnrolment(e);
        }
      },
      progress,
    );
  }
  if (has(F.calendar)) {
    await readEntityFile(
      dir,
      F.calendar,
      report,
      simple(CalendarRow, (d, _l, t) => {
        b.addCalendarDay(d);
        t.accept();
      }),
      progress,
    );
  }

  let students: ByteKeyMap | undefined;
  if (has(F.attendance)) {
    let cols: FastColumns | undefined;
    let origin = 255;
    await readEntityFile(
      dir,
      F.attendance,
      report,
      (_header, fields, line, tally) => {
        const row = checkAttendance(fields, cols as FastColumns);
        if (typeof row === "string") {
          rejectFast(tally, line, row, fields);
          return;
        }
        const student = b.studentIndexOf(row.studentId);
        if (student === undefined) {
          knownStudent(row.studentId, line, tally, fields);
          return;
        }
        const section = row.sectionId === undefined ? -1 : b.internSection(row.sectionId);
        b.addAttendance(student, row.day, row.status, row.minutes, section, line, origin);
        tally.accept();
      },
      progress,
      (header, tally) => {
        cols = columnIndex(header);
        origin = b.attendanceOrigin(tally);
        students ??= studentKeys(b, b.studentIds());
        return attendanceFastPath(b, students, cols, tally, origin);
      },
      (rows) => b.reserveAttendance(rows),
    );
  }

  if (has(F.activity)) {
    let cols: FastColumns | undefined;
    await readEntityFile(
      dir,
      F.activity,
      report,
      (_header, fields, line, tally) => {
        const row = checkActivity(fields, cols as FastColumns);
        if (typeof row === "string") {
          rejectFast(tally, line, row, fields);
          return;
        }
        const student = b.studentIndexOf(row.studentId);
        if (student === undefined) {
          knownStudent(row.studentId, line, tally, fields);
          return;
        }
        b.addActivity(
          student,
          row.day,
          b.internSource(row.source),
          b.internKind(row.kind),
          row.count,
        );
        tally.accept();
      },
      progress,
      (header, tally) => {
        cols = columnIndex(header);
        students ??= studentKeys(b, b.studentIds());
        return activityFastPath(b, students, cols, tally);
      },
      (rows) => b.reserveActivity(rows),
    );
  }

  if (has(F.submissions)) {
    await readEntityFile(
      dir,
      F.submissions,
      report,
      (header, fields, line, tally) => {
        const s = validateRow(SubmissionRow, header, fields, line, tally);
        if (s && knownStudentRetract(s.studentId, line, tally, fields)) b.addSubmission(s);
      },
      progress,
    );
  }
  if (has(F.circumstances)) {
    await readEntityFile(
      dir,
      F.circumstances,
      report,
      (header, fields, line, tally) => {
        const c = validateRow(CircumstanceRow, header, fields, line, tally);
        if (c && knownStudentRetract(c.studentId, line, tally, fields)) b.addCircumstance(c);
      },
      progress,
    );
  }
  if (has(F.demographics)) {
    await readEntityFile(
      dir,
      F.demographics,
      report,
      (header, fields, line, tally) => {
        const d = validateRow(DemographicRow, header, fields, line, tally);
        if (d && knownStudentRetract(d.studentId, line, tally, fields)) b.addDemographic(d);
      },
      progress,
    );
  }

  const { dataset, monitoring } = b.build();
  return { dataset, monitoring, report };

  /** For rows validated by zod: accept when the student is known, otherwise reject. */
  function knownStudentRetract(id: string, line: number, tally: FileTally, raw: string[]): boolean {
    if (!knownStudent(id, line, tally, raw)) return false;
    tally.accept();
    return true;
  }
}

/** Rejects a row with a fast-row message (`field: reason`, or a column-count message). */
function rejectFast(tally: FileTally, line: number, message: string, fields: string[]): void {
  const m = /^([a-z_]+): (.*)$/s.exec(message);
  if (m) tally.reject(line, "invalid_value", m[2], m[1], csvLine(fields));
  else tally.reject(line, "wrong_column_count", message, undefined, csvLine(fields));
}

export const canonicalAdapter: Adapter = {
  name: "canonical",
  description: "Reach's canonical CSV bundle (docs/data-contract.md)",
  import: importCanonical,
};
