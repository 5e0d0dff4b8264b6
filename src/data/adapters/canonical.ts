/**
 * Reach's own format: a folder with one CSV per entity, each with a header row
 * (docs/data-contract.md). Every file is optional except students.csv; columns may come
 * in any order, unknown columns are ignored with a note.
 *
 * Attendance and activity are the high-volume files, so their rows are checked by the
 * hand-written field checks in fast-rows.ts (tested to agree with the zod row schemas)
 * instead of a zod parse per row.
 */
import { existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { z } from "zod/v4";
import type { ByteKeyMap } from "../bytes/byte-key-map.ts";
import { readCsvBytes } from "../bytes/csv-bytes.ts";
import { csvLine } from "../csv.ts";
import { DatasetBuilder } from "../dataset.ts";
import { type FileTally, ImportReport } from "../import-report.ts";
import { EventWorkers, readHeaderLine } from "../parallel/event-workers.ts";
import type { PartResult } from "../parallel/messages.ts";
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
import { type EventKind, type EventSink, eventHandlers, type RowHandlers } from "./event-rows.ts";
import { type FastRow, studentKeys } from "./fast-bytes.ts";
import { columnIndex } from "./fast-rows.ts";

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

/** Event files smaller than this are read in one piece: starting workers costs more. */
const PARALLEL_MIN_BYTES = 32 << 20;

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
    const problem = headerProblem(spec, names, line);
    if (problem) {
      tally.fail(problem);
      return false;
    }
    noteUnknownColumns(spec, names, tally);
    const answer = onHeader ? onHeader(names, tally) : true;
    if (typeof answer === "function") fast = answer;
    return answer !== false;
  };
  await readCsvBytes(
    path,
    {
      header: checkHeader,
      fast: (buf, starts, ends, count, line) => fast?.(buf, starts, ends, count, line) ?? false,
      row: (fields, line) => onRow(header as string[], fields, line, tally),
      error: (message, line) => tally.reject(line, "malformed_csv", message),
      rowsExpected: reserve,
    },
    (bytesRead, totalBytes) => onProgress?.({ file: spec.file, bytesRead, totalBytes }),
  );
  if (header === undefined && tally.report.error === undefined) tally.note("empty file");
}

/** Why a header makes the file unreadable (a missing or repeated column), if it does. */
function headerProblem(spec: EntityFile, names: string[], line: number): string | undefined {
  const missing = spec.required.filter((c) => !names.includes(c));
  if (missing.length > 0) {
    return `missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} in the header (line ${line})`;
  }
  const repeated = names.filter((c, i) => c !== "" && names.indexOf(c) !== i);
  if (repeated.length > 0) {
    return `column ${repeated.join(", ")} appears more than once in the header (line ${line})`;
  }
  return undefined;
}

function noteUnknownColumns(spec: EntityFile, names: string[], tally: FileTally): void {
  const known = new Set<string>([...spec.required, ...spec.optional]);
  const unknown = names.filter((c) => !known.has(c));
  if (unknown.length > 0) tally.note(`ignored unknown column(s): ${unknown.join(", ")}`);
}

interface FileInParts {
  names: string[];
  headerLine: number;
  parts: PartResult[];
}

/**
 * Reads a large event file in parts on worker threads. Undefined when the file must be
 * read in one piece instead: a quote in it, a header the sequential reader must report
 * on, or a worker that failed.
 */
async function readInParts(
  kind: EventKind,
  path: string,
  spec: EntityFile,
  workers: EventWorkers,
  onProgress: Progress,
): Promise<FileInParts | undefined> {
  const head = await readHeaderLine(path);
  if (!head) return undefined;
  const names = head.fields.map(headerKey);
  if (headerProblem(spec, names, head.line)) return undefined;
  try {
    const parts = await workers.readParts(
      kind,
      path,
      head.dataStart,
      columnIndex(names),
      (bytesRead, totalBytes) => onProgress?.({ file: spec.file, bytesRead, totalBytes }),
    );
    return parts.some((p) => p.quoted) ? undefined : { names, headerLine: head.line, parts };
  } catch {
    return undefined;
  }
}

/** Adds the parts of a file to the data set and their counts and rejections to the report. */
function addParts(
  kind: EventKind,
  spec: EntityFile,
  read: FileInParts,
  report: ImportReport,
  b: DatasetBuilder,
): void {
  const tally = report.file(spec.file, spec.entity);
  noteUnknownColumns(spec, read.names, tally);
  const origin = kind === "attendance" ? b.attendanceOrigin(tally) : 255;
  let line = read.headerLine + 1;
  for (const part of read.parts) {
    for (const r of part.rejections) tally.reject(r.line + line, r.code, r.reason, r.field, r.raw);
    tally.acceptMany(part.accepted);
    const c = part.columns;
    if (c.kind === "attendance") b.addAttendancePart(c, part.sections, line, origin);
    else {
      const rows = { start: c.start, day: c.day, source: c.source, kind: c.kind_, count: c.count };
      b.addActivityPart(rows, part.sources, part.kinds);
    }
    line += part.lines;
  }
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
  const has = (spec: EntityFile) => existsSync(join(dir, spec.file));
  const F = CANONICAL_FILES;

  // Large event files are read in parts on worker threads, started now so that they are
  // ready once the roster is in.
  const threads = options.threads ?? Math.min(2, availableParallelism());
  const parallelMinBytes = options.parallelMinBytes ?? PARALLEL_MIN_BYTES;
  const big = [F.attendance, F.activity].some(
    (spec) => has(spec) && statSync(join(dir, spec.file)).size >= parallelMinBytes,
  );
  const workers = threads > 1 && big ? new EventWorkers(threads) : undefined;
  try {
    return await importInto(dir, options.onProgress, workers, parallelMinBytes);
  } finally {
    await workers?.close();
  }
}

async function importInto(
  dir: string,
  progress: Progress,
  workers: EventWorkers | undefined,
  parallelMinBytes: number,
): Promise<ImportResult> {
  const report = new ImportReport("canonical");
  const b = new DatasetBuilder();
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

  // Both event files are handed to the workers at once; each is then added in order.
  const kinds = ["attendance", "activity"] as const;
  const inParts = new Map<EventKind, Promise<FileInParts | undefined>>();
  if (workers) {
    workers.init(b.studentIdList());
    for (const kind of kinds) {
      const path = join(dir, F[kind].file);
      if (has(F[kind]) && statSync(path).size >= parallelMinBytes) {
        inParts.set(kind, readInParts(kind, path, F[kind], workers, progress));
      }
    }
  }
  let students: ByteKeyMap | undefined;
  let handlers: RowHandlers | undefined;
  for (const kind of kinds) {
    const spec = F[kind];
    if (!has(spec)) continue;
    const read = await inParts.get(kind);
    if (read) {
      addParts(kind, spec, read, report, b);
      const size = statSync(join(dir, spec.file)).size;
      progress?.({ file: spec.file, bytesRead: size, totalBytes: size });
      continue;
    }
    const before = kind === "attendance" ? b.attendanceCount : b.activityCount;
    let fileTally: FileTally | undefined;
    await readEntityFile(
      dir,
      spec,
      report,
      (_header, fields, line) => handlers?.row(fields, line),
      progress,
      (header, tally) => {
        fileTally = tally;
        students ??= studentKeys(b.studentIdList());
        const origin = kind === "attendance" ? b.attendanceOrigin(tally) : 255;
        handlers = eventHandlers(
          kind,
          builderSink(b, tally, origin, students),
          columnIndex(header),
        );
        return handlers.fast;
      },
      (rows) => (kind === "attendance" ? b.reserveAttendance(rows) : b.reserveActivity(rows)),
    );
    handlers = undefined;
    // Every row the sink took was accepted (see EventSink).
    fileTally?.acceptMany((kind === "attendance" ? b.attendanceCount : b.activityCount) - before);
  }
  // The workers' memory goes back before the data set is built.
  await workers?.close();

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

/** Events go straight into the builder; rejections are reported on the file's tally. */
function builderSink(
  b: DatasetBuilder,
  tally: FileTally,
  origin: number,
  students: ByteKeyMap,
): EventSink {
  return {
    students,
    studentIndexOf: (id) => b.studentIndexOf(id),
    internSection: (id) => b.internSection(id),
    internSource: (source) => b.internSource(source),
    internKind: (kind) => b.internKind(kind),
    addAttendance: (student, day, status, minutes, section, line) =>
      b.addAttendance(student, day, status, minutes, section, line, origin),
    addActivity: (student, day, source, kind, count) =>
      b.addActivity(student, day, source, kind, count),
    reject: (line, code, reason, field, raw) => tally.reject(line, code, reason, field, raw),
  };
}

export const canonicalAdapter: Adapter = {
  name: "canonical",
  description: "Reach's canonical CSV bundle (docs/data-contract.md)",
  import: importCanonical,
};
