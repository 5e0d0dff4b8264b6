/**
 * Hand-written checks for the two high-volume canonical files (attendance, activity).
 * They accept and reject exactly what the zod row schemas `AttendanceRow` and
 * `ActivityRow` do (tests/data/fast-rows.test.ts checks this with generated rows), at a
 * fraction of the cost, and return a message `field: reason` for a bad row.
 */

import { parseIsoDate, parseIsoDay } from "../dates.ts";
import { echo, idProblem } from "../ids.ts";
import { STATUS_CODE } from "../statuses.ts";

export interface FastColumns {
  width: number;
  student_id: number;
  date: number;
  section_id: number;
  status: number;
  minutes: number;
  source: number;
  kind: number;
  count: number;
}

export function columnIndex(header: readonly string[]): FastColumns {
  // The last copy of a repeated name, as rowObject does (the adapter refuses such headers).
  const at = (name: string) => header.lastIndexOf(name);
  return {
    width: header.length,
    student_id: at("student_id"),
    date: at("date"),
    section_id: at("section_id"),
    status: at("status"),
    minutes: at("minutes"),
    source: at("source"),
    kind: at("kind"),
    count: at("count"),
  };
}

const statusCodes = new Map<string, number>(Object.entries(STATUS_CODE));

function trimmed(value: string | undefined): string {
  if (value === undefined || value === "") return "";
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  // Anything that might be white space (ASCII controls, space, or any non-ASCII) takes
  // the exact String.prototype.trim path that zod uses.
  return first <= 32 || last <= 32 || first >= 0x80 || last >= 0x80 ? value.trim() : value;
}

function wholeNumber(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
  }
  return text.length === 0 ? -1 : Number(text);
}

export interface FastAttendance {
  studentId: string;
  day: number;
  status: number;
  minutes: number;
  sectionId: string | undefined;
}

const attendance: FastAttendance = {
  studentId: "",
  day: 0,
  status: 0,
  minutes: -1,
  sectionId: undefined,
};

/** Checks one attendance row. The returned object is reused: copy what you keep. */
export function checkAttendance(fields: string[], cols: FastColumns): FastAttendance | string {
  if (fields.length !== cols.width) return `expected ${cols.width} columns, found ${fields.length}`;
  const studentId = trimmed(fields[cols.student_id]);
  if (studentId === "") return "student_id: student_id is required";
  const badId = idProblem(studentId, "student_id");
  if (badId) return `student_id: ${badId}`;
  const dateText = trimmed(fields[cols.date]);
  const day = parseIsoDate(dateText);
  if (day === undefined) return `date: expected a date as YYYY-MM-DD, got "${echo(dateText)}"`;
  const statusText = trimmed(fields[cols.status]).toLowerCase();
  const status = statusCodes.get(statusText);
  if (status === undefined) {
    return `status: "${echo(statusText)}" is not one of ${[...statusCodes.keys()].join(", ")}`;
  }
  let minutes = -1;
  if (cols.minutes >= 0) {
    const text = trimmed(fields[cols.minutes]);
    if (text !== "") {
      minutes = wholeNumber(text);
      if (minutes < 0) return "minutes: minutes must be a whole number ≥ 0";
    }
  }
  const section = cols.section_id >= 0 ? trimmed(fields[cols.section_id]) : "";
  const badSection = section === "" ? undefined : idProblem(section, "section_id");
  if (badSection) return `section_id: ${badSection}`;
  attendance.studentId = studentId;
  attendance.day = day;
  attendance.status = status;
  attendance.minutes = minutes;
  attendance.sectionId = section === "" ? undefined : section;
  return attendance;
}

export interface FastActivity {
  studentId: string;
  day: number;
  source: string;
  kind: string;
  count: number;
}

const activity: FastActivity = { studentId: "", day: 0, source: "", kind: "", count: 1 };

/** Checks one activity row. The returned object is reused: copy what you keep. */
export function checkActivity(fields: string[], cols: FastColumns): FastActivity | string {
  if (fields.length !== cols.width) return `expected ${cols.width} columns, found ${fields.length}`;
  const studentId = trimmed(fields[cols.student_id]);
  if (studentId === "") return "student_id: student_id is required";
  const badId = idProblem(studentId, "student_id");
  if (badId) return `student_id: ${badId}`;
  const dateText = trimmed(fields[cols.date]);
  const day = parseIsoDay(dateText);
  if (day === undefined) return `date: expected a date as YYYY-MM-DD, got "${echo(dateText)}"`;
  const source = trimmed(fields[cols.source]);
  if (source === "") return "source: source is required";
  const kind = cols.kind >= 0 ? trimmed(fields[cols.kind]) : "";
  let count = 1;
  if (cols.count >= 0) {
    const text = trimmed(fields[cols.count]);
    if (text !== "") {
      count = wholeNumber(text);
      if (count < 0) return "count: count must be a whole number ≥ 0";
    }
  }
  activity.studentId = studentId;
  activity.day = day;
  activity.source = source.toLowerCase();
  activity.kind = kind === "" ? "activity" : kind;
  activity.count = count;
  return activity;
}
