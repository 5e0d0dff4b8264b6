import { csvLine } from "../../csv.ts";
import { STATUS_CODE } from "../../dataset.ts";
import type { DayNumber } from "../../dates.ts";
import type { Student } from "../../schema.ts";
import { readHeadedCsv } from "../headed-csv.ts";
import { rowAttendanceStatus } from "./attendance-status.ts";
import type { Context } from "./context.ts";
import { ATTENDANCE_FILE } from "./names.ts";
import { placeStudent } from "./placement.ts";
import { isoDayField, rosterStudentIndex } from "./row-checks.ts";

/**
 * studentattendance.csv → attendance events. Returns each school's recorded dates, which
 * become its calendar (OEA has no calendar file).
 */
export async function readAttendance(
  ctx: Context,
  unplaced: Set<Student>,
): Promise<Map<string, Set<DayNumber>>> {
  const { builder } = ctx;
  const schoolDays = new Map<string, Set<DayNumber>>();
  const seen = new Set<string>();
  let otherSchool = 0;
  const tally = await readHeadedCsv(
    ctx,
    ATTENDANCE_FILE,
    "attendance",
    {
      required: ["student_id", "attendance_date"] as const,
      optional: ["school_id", "section_id", "attendancecode", "attendance_status"] as const,
      oneOf: ["attendancecode", "attendance_status"] as const,
      fileOptional: true,
    },
    (f, line, c, tally) => {
      const studentId = (f[c.student_id] as string).trim();
      const index = rosterStudentIndex(builder, tally, f, line, studentId, "student_id", "student");
      if (index === undefined) return;
      const dateText = (f[c.attendance_date] as string).trim();
      const day = isoDayField(tally, f, line, dateText, "attendance_date");
      if (day === undefined) return;
      const code = c.attendancecode < 0 ? "" : (f[c.attendancecode] as string);
      const text = c.attendance_status < 0 ? "" : (f[c.attendance_status] as string);
      const status = rowAttendanceStatus(tally, f, line, code, text);
      if (status === undefined) return;
      const sectionText = c.section_id < 0 ? "" : (f[c.section_id] as string).trim();
      const key = `${index}|${day}|${sectionText}|${status}`;
      if (seen.has(key)) {
        return tally.reject(
          line,
          "duplicate",
          `a second ${status} record for ${studentId} on ${dateText}${sectionText ? ` in section ${sectionText}` : ""} (the first is kept)`,
          undefined,
          csvLine(f),
        );
      }
      seen.add(key);
      const section = sectionText === "" ? -1 : builder.internSection(sectionText);
      builder.addAttendance(index, day, STATUS_CODE[status], -1, section);

      const student = ctx.students[index] as Student;
      const rowSchool = c.school_id < 0 ? "" : (f[c.school_id] as string).trim();
      const placed = placeStudent(unplaced, student, rowSchool);
      if (!placed && rowSchool !== "" && rowSchool !== student.school) otherSchool++;
      const school = student.school || rowSchool;
      if (school !== "") {
        let days = schoolDays.get(school);
        if (days === undefined) {
          days = new Set();
          schoolDays.set(school, days);
        }
        days.add(day);
      }
      tally.accept();
    },
  );
  if (!tally) {
    ctx.report
      .file(ATTENDANCE_FILE, "attendance")
      .note(`${ATTENDANCE_FILE} is absent: no attendance and no calendar`);
    return schoolDays;
  }
  if (otherSchool > 0) {
    tally.note(
      `${otherSchool} row(s) name a school_id other than the student's roster school: the roster school is used`,
    );
  }
  for (const [school, days] of schoolDays) {
    tally.note(`calendar for school ${school}: ${days.size} day(s) with attendance recorded`);
  }
  return schoolDays;
}
