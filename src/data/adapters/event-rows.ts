/**
 * Reading the canonical attendance and activity rows into an `EventSink`: the data set
 * builder when a file is read in this thread, or a worker's own columns when it is read
 * in parts (parallel/). Both go through the same handlers, so both give the same rows,
 * rejections and messages.
 */
import type { ByteKeyMap } from "../bytes/byte-key-map.ts";
import { csvLine } from "../csv.ts";
import { echo } from "../ids.ts";
import type { RejectionCode } from "../import-report.ts";
import { activityFastPath, attendanceFastPath, type FastRow } from "./fast-bytes.ts";
import { checkActivity, checkAttendance, type FastColumns } from "./fast-rows.ts";

export interface EventSink {
  /** Student ids (UTF-8 bytes) → index. */
  readonly students: ByteKeyMap;
  studentIndexOf(id: string): number | undefined;
  internSection(id: string): number;
  internSource(source: string): number;
  internKind(kind: string): number;
  /** Adds an accepted row (every row added is an accepted one: the caller counts them). */
  addAttendance(
    student: number,
    day: number,
    status: number,
    minutes: number,
    section: number,
    line: number,
  ): void;
  addActivity(student: number, day: number, source: number, kind: number, count: number): void;
  reject(line: number, code: RejectionCode, reason: string, field?: string, raw?: string): void;
}

export interface RowHandlers {
  /** Plain rows, straight from the file's bytes. */
  fast: FastRow;
  /** Every other row, as strings. */
  row(fields: string[], line: number): void;
}

export type EventKind = "attendance" | "activity";

export function eventHandlers(kind: EventKind, sink: EventSink, cols: FastColumns): RowHandlers {
  return kind === "attendance" ? attendanceHandlers(sink, cols) : activityHandlers(sink, cols);
}

function attendanceHandlers(sink: EventSink, cols: FastColumns): RowHandlers {
  return {
    fast: attendanceFastPath(sink, cols),
    row(fields, line) {
      const row = checkAttendance(fields, cols);
      if (typeof row === "string") return rejectChecked(sink, line, row, fields);
      const student = sink.studentIndexOf(row.studentId);
      if (student === undefined) return rejectUnknown(sink, line, row.studentId, fields);
      const section = row.sectionId === undefined ? -1 : sink.internSection(row.sectionId);
      sink.addAttendance(student, row.day, row.status, row.minutes, section, line);
    },
  };
}

function activityHandlers(sink: EventSink, cols: FastColumns): RowHandlers {
  return {
    fast: activityFastPath(sink, cols),
    row(fields, line) {
      const row = checkActivity(fields, cols);
      if (typeof row === "string") return rejectChecked(sink, line, row, fields);
      const student = sink.studentIndexOf(row.studentId);
      if (student === undefined) return rejectUnknown(sink, line, row.studentId, fields);
      sink.addActivity(
        student,
        row.day,
        sink.internSource(row.source),
        sink.internKind(row.kind),
        row.count,
      );
    },
  };
}

/** Rejects a row with a fast-row message (`field: reason`, or a column-count message). */
function rejectChecked(sink: EventSink, line: number, message: string, fields: string[]): void {
  const m = /^([a-z_]+): (.*)$/s.exec(message);
  if (m) sink.reject(line, "invalid_value", m[2], m[1], csvLine(fields));
  else sink.reject(line, "wrong_column_count", message, undefined, csvLine(fields));
}

function rejectUnknown(sink: EventSink, line: number, id: string, fields: string[]): void {
  sink.reject(
    line,
    "unknown_student",
    `unknown student id "${echo(id)}"`,
    "student_id",
    csvLine(fields),
  );
}
