/**
 * The files of Reach's canonical CSV bundle (docs/data-contract.md) and the reader every
 * one of them goes through: header checked first (a missing or repeated column fails the
 * file, unknown columns get a note), then each row to a handler.
 */
import { join } from "node:path";
import { readCsvBytes } from "../bytes/csv-bytes.ts";
import type { FileTally, ImportReport } from "../import-report.ts";
import { headerKey } from "../rows.ts";
import type { ImportOptions } from "./adapter.ts";
import type { FastRow } from "./fast-bytes.ts";

export interface EntityFile {
  file: string;
  entity: string;
  required: readonly string[];
  optional: readonly string[];
  /**
   * Set for the files a bundle cannot do without: why. Such a file missing or empty (no
   * header row) fails the import's report for it, so the import is partial.
   */
  needed?: string;
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
    needed: "the student roster is required",
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
    needed: "no attendance was recorded, so attendance cannot be evaluated",
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

export type Progress = ImportOptions["onProgress"];

/**
 * Reads one CSV file with a header row. The header is checked first: a missing or
 * repeated column fails the file (reported, nothing read); unknown columns get a note.
 * `onHeader` may return a fast path for the rows (or false to skip the file).
 */
export async function readEntityFile(
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
  if (header === undefined && tally.report.error === undefined) {
    // A 0-byte file (or one of blank lines only) has not even a header row: a failed
    // export, as good as no file at all.
    if (spec.needed) tally.fail(`${spec.file} in ${dir} is empty (no header row): ${spec.needed}`);
    else tally.note("empty file (no header row): nothing read");
  }
}

/** Reports a file of the bundle that is not there: a failure when the file is needed. */
export function reportMissingFile(dir: string, spec: EntityFile, report: ImportReport): void {
  if (spec.needed)
    report.file(spec.file, spec.entity).fail(`no ${spec.file} in ${dir}: ${spec.needed}`);
}

/**
 * Notes a needed file that was read but had no data rows (a header only): not an error,
 * but never silent either.
 */
export function noteNoRows(spec: EntityFile, report: ImportReport): void {
  const f = report.files.find((r) => r.file === spec.file);
  if (spec.needed && f && f.error === undefined && f.rowsRead === 0) {
    f.notes.push(`${spec.file} has a header row but no data rows: no ${spec.entity}s recorded`);
  }
}

/** Why a header makes the file unreadable (a missing or repeated column), if it does. */
export function headerProblem(spec: EntityFile, names: string[], line: number): string | undefined {
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

export function noteUnknownColumns(spec: EntityFile, names: string[], tally: FileTally): void {
  const known = new Set<string>([...spec.required, ...spec.optional]);
  const unknown = names.filter((c) => !known.has(c));
  if (unknown.length > 0) tally.note(`ignored unknown column(s): ${unknown.join(", ")}`);
}
