/**
 * Reach's own format: a folder with one CSV per entity, each with a header row
 * (docs/data-contract.md). Every file is optional except students.csv; columns may come
 * in any order, unknown columns are ignored with a note.
 *
 * Attendance and activity are the high-volume files: canonical-events.ts reads them.
 */
import { existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { z } from "zod/v4";
import { csvLine } from "../csv.ts";
import { DatasetBuilder } from "../dataset.ts";
import { echo } from "../ids.ts";
import { type FileTally, ImportReport } from "../import-report.ts";
import { EventWorkers, estimateRows } from "../parallel/event-workers.ts";
import { validateRow } from "../rows.ts";
import {
  CalendarRow,
  CircumstanceRow,
  DemographicRow,
  EnrolmentRow,
  SchoolRow,
  SectionRow,
  StudentRow,
  SubmissionRow,
} from "../schema.ts";
import type { Adapter, ImportOptions, ImportResult } from "./adapter.ts";
import { PARALLEL_MIN_BYTES, readEventFiles } from "./canonical-events.ts";
import {
  CANONICAL_FILES,
  type EntityFile,
  noteNoRows,
  type Progress,
  readEntityFile,
  reportMissingFile,
} from "./canonical-files.ts";
import { fastStudentReader } from "./fast-students.ts";
import { readStaff } from "./staff-files.ts";

export { CANONICAL_FILES } from "./canonical-files.ts";

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
    if (workers && has(F.attendance)) {
      // While the roster is read here, each worker writes once the memory of the columns
      // its attendance part will fill (with room to spare: a part may be a little larger
      // than its share, and outgrowing the columns would mean fresh memory again).
      const path = join(dir, F.attendance.file);
      if (statSync(path).size >= parallelMinBytes) {
        workers.prepare({
          type: "prepare",
          attendanceRows: Math.ceil((estimateRows(path) * 1.1) / threads),
        });
      }
    }
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

  if (!has(F.students)) reportMissingFile(dir, F.students, report);

  const knownStudent = (id: string, line: number, tally: FileTally, raw: string[]): boolean => {
    if (b.hasStudent(id)) return true;
    tally.reject(
      line,
      "unknown_student",
      `unknown student id "${echo(id)}"`,
      "student_id",
      csvLine(raw),
    );
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
    // Plain rows are read by hand (fast-students.ts); the schema decides the rest.
    let fastStudent: ReturnType<typeof fastStudentReader>;
    await readEntityFile(
      dir,
      F.students,
      report,
      (header, fields, line, tally) => {
        const s = fastStudent?.(fields) ?? validateRow(StudentRow, header, fields, line, tally);
        if (s === undefined) return;
        if (b.addStudent(s)) tally.accept();
        else
          tally.reject(
            line,
            "duplicate",
            `student id "${echo(s.id)}" appears more than once`,
            "id",
          );
      },
      progress,
      (header) => {
        fastStudent = fastStudentReader(header);
        return true;
      },
    );
  }
  await readStaff({ dir, report, onProgress: progress }, b);
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

  await readEventFiles(dir, has, b, report, progress, workers, parallelMinBytes);

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

  noteNoRows(F.students, report);
  noteNoRows(F.attendance, report);

  const { dataset, monitoring } = b.build();
  return { dataset, monitoring, report };

  /** For rows validated by zod: accept when the student is known, otherwise reject. */
  function knownStudentRetract(id: string, line: number, tally: FileTally, raw: string[]): boolean {
    if (!knownStudent(id, line, tally, raw)) return false;
    tally.accept();
    return true;
  }
}

export const canonicalAdapter: Adapter = {
  name: "canonical",
  description: "Reach's canonical CSV bundle (docs/data-contract.md)",
  import: importCanonical,
};
