/**
 * Reach's canonical tables as Parquet files (`--source parquet`, docs/adapters/parquet.md):
 * what a data-lake export or an OEA pipeline writes. The same tables and columns as the
 * canonical CSV bundle (docs/data-contract.md), `students.parquet` instead of
 * `students.csv` — one file, or a folder of part files as Spark writes it.
 *
 * Every row goes through the checks of the CSV path: each cell is read as the text the
 * CSV bundle would hold (parquet/duck.ts) and validated by the same zod row schemas, or,
 * for attendance and activity, by the same row checks behind a columnar fast path
 * (parquet/events.ts). A rejected row is reported with its file, its row number in the
 * file (the first row is 1) and the field.
 *
 * A table with no `.parquet` may come as the bundle's `.csv` instead (a hand-kept
 * `staff.csv`, say), read exactly as the canonical adapter reads it; attendance and
 * activity, the large tables, are read from Parquet only.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod/v4";
import { csvLine } from "../csv.ts";
import { DatasetBuilder } from "../dataset.ts";
import { echo } from "../ids.ts";
import { type FileTally, ImportReport } from "../import-report.ts";
import { validateRow } from "../rows.ts";
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
import {
  CANONICAL_FILES,
  type EntityFile,
  type Progress,
  readEntityFile,
} from "./canonical-files.ts";
import { Duck } from "./parquet/duck.ts";
import { loadRoster, readEventTable } from "./parquet/events.ts";
import { parquetName, type RowHandler, readTable, tableParts } from "./parquet/tables.ts";
import { readStaff } from "./staff-files.ts";

function simple<S extends z.ZodType>(
  schema: S,
  add: (value: z.output<S>, line: number, tally: FileTally) => void,
): RowHandler {
  return (header, fields, line, tally) => {
    const value = validateRow(schema, header, fields, line, tally);
    if (value !== undefined) add(value, line, tally);
  };
}

export async function importParquet(
  dir: string,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const duck = await Duck.open(options.threads);
  try {
    return await importInto(dir, duck, options.onProgress);
  } finally {
    duck.close();
  }
}

async function importInto(dir: string, duck: Duck, progress: Progress): Promise<ImportResult> {
  const report = new ImportReport("parquet");
  const b = new DatasetBuilder();
  const F = CANONICAL_FILES;
  /** Tallies of each needed table, to note one read with no rows. */
  const read = new Map<EntityFile, FileTally[]>();

  /**
   * Reads a table from its Parquet file(s), or else (`csv`) from the bundle's CSV file.
   * Reports a needed table that is not there.
   */
  const table = async (spec: EntityFile, onRow: RowHandler, csv = true): Promise<void> => {
    const parts = tableParts(dir, spec);
    const name = parquetName(spec);
    const hasCsv = csv && existsSync(join(dir, spec.file));
    if (parts && hasCsv) {
      report
        .file(name, spec.entity)
        .fail(
          `both ${name} and ${spec.file} are in ${dir}: keep one, so that it is clear which is read`,
        );
      return;
    }
    if (parts && parts.length === 0) {
      const message = `${name} in ${dir} is a folder with no .parquet files`;
      if (spec.needed) report.file(name, spec.entity).fail(`${message}: ${spec.needed}`);
      else report.file(name, spec.entity).note(`${message}: nothing read`);
      return;
    }
    if (parts) {
      read.set(spec, await readTable(duck, parts, spec, report, onRow, progress));
      return;
    }
    if (hasCsv) {
      let tally: FileTally | undefined;
      await readEntityFile(dir, spec, report, onRow, progress, (_h, t) => {
        tally = t;
        return true;
      });
      if (tally) read.set(spec, [tally]);
      return;
    }
    if (spec.needed) report.file(name, spec.entity).fail(`no ${name} in ${dir}: ${spec.needed}`);
  };

  const knownStudent = (id: string, line: number, tally: FileTally, raw: string[]): boolean => {
    if (b.hasStudent(id)) {
      tally.accept();
      return true;
    }
    tally.reject(
      line,
      "unknown_student",
      `unknown student id "${echo(id)}"`,
      "student_id",
      csvLine(raw),
    );
    return false;
  };

  await table(
    F.schools,
    simple(SchoolRow, (s, _l, t) => {
      b.addSchool(s);
      t.accept();
    }),
  );
  await table(
    F.students,
    simple(StudentRow, (s, line, t) => {
      if (b.addStudent(s)) t.accept();
      else t.reject(line, "duplicate", `student id "${echo(s.id)}" appears more than once`, "id");
    }),
  );
  await readStaffTable(dir, duck, report, b, progress);
  await table(
    F.sections,
    simple(SectionRow, (s, _l, t) => {
      b.addSection(s);
      t.accept();
    }),
  );
  await table(F.enrolments, (header, fields, line, tally) => {
    const e = validateRow(EnrolmentRow, header, fields, line, tally);
    if (e && knownStudent(e.studentId, line, tally, fields)) b.addEnrolment(e);
  });
  await table(
    F.calendar,
    simple(CalendarRow, (d, _l, t) => {
      b.addCalendarDay(d);
      t.accept();
    }),
  );

  await loadRoster(duck, b.studentIdList());
  for (const kind of ["attendance", "activity"] as const) {
    const spec: EntityFile = F[kind];
    const parts = tableParts(dir, spec);
    const name = parquetName(spec);
    if (parts === undefined || parts.length === 0) {
      const why = existsSync(join(dir, spec.file))
        ? `${spec.file} is there, but a Parquet bundle reads ${kind} from ${name} only`
        : parts
          ? `${name} is a folder with no .parquet files`
          : `no ${name} in ${dir}`;
      if (spec.needed) report.file(name, spec.entity).fail(`${why}: ${spec.needed}`);
      else if (parts || existsSync(join(dir, spec.file))) report.file(name, spec.entity).note(why);
      continue;
    }
    read.set(spec, await readEventTable(kind, duck, parts, spec, report, b, progress));
  }

  await table(F.submissions, (header, fields, line, tally) => {
    const s = validateRow(SubmissionRow, header, fields, line, tally);
    if (s && knownStudent(s.studentId, line, tally, fields)) b.addSubmission(s);
  });
  await table(F.circumstances, (header, fields, line, tally) => {
    const c = validateRow(CircumstanceRow, header, fields, line, tally);
    if (c && knownStudent(c.studentId, line, tally, fields)) b.addCircumstance(c);
  });
  await table(F.demographics, (header, fields, line, tally) => {
    const d = validateRow(DemographicRow, header, fields, line, tally);
    if (d && knownStudent(d.studentId, line, tally, fields)) b.addDemographic(d);
  });

  for (const spec of [F.students, F.attendance]) {
    const tallies = read.get(spec) ?? [];
    const failed = tallies.some((t) => t.report.error !== undefined);
    if (tallies.length > 0 && !failed && tallies.every((t) => t.report.rowsRead === 0)) {
      tallies[0]?.report.notes.push(
        `${parquetName(spec)} has no rows: no ${spec.entity}s recorded`,
      );
    }
  }

  const { dataset, monitoring } = b.build();
  return { dataset, monitoring, report };
}

/**
 * Staff: `staff.parquet` (rows checked by the zod row schema; a repeated id or
 * aad_object_id is rejected as a duplicate, the first kept), or else `staff.csv` read as
 * every adapter reads it (staff-files.ts).
 */
async function readStaffTable(
  dir: string,
  duck: Duck,
  report: ImportReport,
  b: DatasetBuilder,
  progress: Progress,
): Promise<void> {
  const spec = CANONICAL_FILES.staff;
  const parts = tableParts(dir, spec);
  if (parts === undefined) {
    await readStaff({ dir, report, onProgress: progress }, b);
    return;
  }
  if (existsSync(join(dir, spec.file))) {
    report
      .file(parquetName(spec), spec.entity)
      .fail(
        `both ${parquetName(spec)} and ${spec.file} are in ${dir}: keep one, so that it is clear which is read`,
      );
    return;
  }
  const lineOfId = new Map<string, number>();
  const lineOfAad = new Map<string, number>();
  await readTable(
    duck,
    parts,
    spec,
    report,
    (header, fields, line, tally) => {
      const staff = validateRow(StaffRow, header, fields, line, tally);
      if (staff === undefined) return;
      const aad = staff.aadObjectId?.toLowerCase();
      const idLine = lineOfId.get(staff.id);
      const aadLine = aad === undefined ? undefined : lineOfAad.get(aad);
      if (idLine !== undefined) {
        tally.reject(
          line,
          "duplicate",
          `staff id "${echo(staff.id)}" is already on row ${idLine} (the first is kept)`,
          "id",
          csvLine(fields),
        );
        return;
      }
      if (aadLine !== undefined) {
        tally.reject(
          line,
          "duplicate",
          `aad_object_id "${echo(staff.aadObjectId as string)}" is already on row ${aadLine} (the first is kept)`,
          "aad_object_id",
          csvLine(fields),
        );
        return;
      }
      lineOfId.set(staff.id, line);
      if (aad !== undefined) lineOfAad.set(aad, line);
      b.addStaff(staff);
      tally.accept();
    },
    progress,
  );
}

export const parquetAdapter: Adapter = {
  name: "parquet",
  description: "Reach's canonical tables as Parquet files (docs/adapters/parquet.md)",
  import: importParquet,
};
