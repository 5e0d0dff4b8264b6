/**
 * StudentSchoolAttendance.xml → attendance events. Ed-Fi schools record exceptions only
 * (absences and tardies; an explicit "In Attendance" event is rare): each instructional
 * day of the student's school without an event is a present day, which Reach counts when
 * it evaluates (the schools are `absences_only`) rather than storing a row per day.
 *
 * An event is rejected, with the element's line and column, when its student is not in
 * Student.xml, its school has no calendar, its date is not an instructional day of that
 * school (a weekend, a holiday) or outside the student's enrolment, or its category is not
 * a known AttendanceEventCategoryDescriptor with a Reach status. Two events of one student
 * on one day are one session: the most serious status is kept and the other reported
 * (DatasetBuilder).
 */
import { STATUS_CODE } from "../../dataset.ts";
import { type DayNumber, formatDay, parseIsoDate, weekday } from "../../dates.ts";
import { echo } from "../../ids.ts";
import type { FileTally, RejectionCode } from "../../import-report.ts";
import { ATTENDANCE_STATUSES } from "../../schema.ts";
import type { Context } from "./context.ts";
import { type Descriptors, descriptorKeyOf } from "./descriptors.ts";
import type { Association } from "./enrolments.ts";
import { FILES } from "./names.ts";
import {
  codeValue,
  field,
  placeOf,
  readXmlRecords,
  recordText,
  type XmlElement,
} from "./xml-records.ts";

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** The school of a student's latest event (by date), for students placed by their events. */
export interface EventSchools {
  school: Map<number, string>;
  lastDay: Map<number, DayNumber>;
}

export async function readAttendance(
  ctx: Context,
  descriptors: Descriptors,
  calendars: ReadonlyMap<string, readonly DayNumber[]>,
  enrolled: ReadonlyMap<number, Association> | undefined,
): Promise<EventSchools> {
  const { builder } = ctx;
  const schoolDays = new Map([...calendars].map(([s, days]) => [s, new Set(days)]));
  const placed: EventSchools = { school: new Map(), lastDay: new Map() };
  const byStatus = new Array<number>(ATTENDANCE_STATUSES.length).fill(0);
  let otherSchool = 0;
  let origin = -1;

  const tally = await readXmlRecords(
    ctx,
    FILES.attendance,
    new Set(["StudentSchoolAttendanceEvent"]),
    (record, t) => {
      if (origin < 0) origin = builder.attendanceOrigin(t);
      const reject = (code: RejectionCode, name: string, reason: string) =>
        t.reject(record.line, code, `${placeOf(record)}: ${reason}`, name, recordText(record));

      const id = field(record, "StudentReference/StudentIdentity/StudentUniqueId") ?? "";
      if (id === "") return reject("missing_field", "StudentUniqueId", "no StudentReference");
      const index = builder.studentIndexOf(id);
      if (index === undefined) {
        return reject(
          "unknown_student",
          "StudentUniqueId",
          `student ${echo(id)} is not in ${FILES.students.file}`,
        );
      }
      const school = field(record, "SchoolReference/SchoolIdentity/SchoolId") ?? "";
      if (school === "") return reject("missing_field", "SchoolId", "no SchoolReference");
      const days = schoolDays.get(school);
      if (!days) {
        return reject(
          "unknown_reference",
          "SchoolId",
          `school ${echo(school)} has no instructional days in ${FILES.calendar.file}`,
        );
      }
      const dateText = eventField(record, "EventDate") ?? "";
      if (dateText === "") return reject("missing_field", "EventDate", "no EventDate");
      const day = parseIsoDate(dateText);
      if (day === undefined) {
        return reject(
          "invalid_value",
          "EventDate",
          `EventDate "${echo(dateText)}" is not a date as YYYY-MM-DD`,
        );
      }
      const category = eventField(record, "AttendanceEventCategory") ?? "";
      if (category === "") {
        return reject("missing_field", "AttendanceEventCategory", "no AttendanceEventCategory");
      }
      const key = descriptorKeyOf(category);
      const status = descriptors.attendance.get(key);
      if (status === undefined) {
        return reject(
          descriptors.absence.has(key) ? "invalid_value" : "unknown_reference",
          "AttendanceEventCategory",
          descriptors.absence.has(key)
            ? `"${echo(category)}" is a staff leave category (AbsenceEventCategoryDescriptor), not a student attendance category`
            : `"${echo(category)}" is not an AttendanceEventCategoryDescriptor of ${FILES.attendanceDescriptors.file}`,
        );
      }
      if (status === null) {
        return reject(
          "invalid_value",
          "AttendanceEventCategory",
          `category "${echo(codeValue(category))}" has no Reach status (Reach knows ${ATTENDANCE_STATUSES.join(", ")}; see docs/adapters/edfi.md)`,
        );
      }
      if (!days.has(day)) {
        const wd = weekday(day);
        return reject(
          "out_of_range",
          "EventDate",
          `${formatDay(day)}${wd === 0 || wd === 6 ? ` (a ${WEEKDAYS[wd]})` : ""} is not an instructional day of school ${echo(school)}`,
        );
      }
      const enrolment = enrolled?.get(index);
      if (enrolment) {
        if (
          (enrolment.from !== undefined && day < enrolment.from) ||
          (enrolment.until !== undefined && day > enrolment.until)
        ) {
          return reject(
            "out_of_range",
            "EventDate",
            `${formatDay(day)} is outside the student's enrolment (${FILES.enrolments.file} line ${enrolment.line})`,
          );
        }
        if (enrolment.school !== school) otherSchool++;
      }
      builder.addAttendance(index, day, STATUS_CODE[status], -1, -1, record.line, origin);
      byStatus[STATUS_CODE[status]]++;
      const last = placed.lastDay.get(index);
      if (last === undefined || day >= last) {
        placed.lastDay.set(index, day);
        placed.school.set(index, school);
      }
      t.accept();
    },
  );
  if (!tally) return placed;
  noteAttendance(tally, byStatus, otherSchool);
  return placed;
}

/** An AttendanceEvent field: inside `<AttendanceEvent>` (Ed-Fi 3 and later) or on the event itself. */
function eventField(record: XmlElement, name: string): string | undefined {
  return field(record, `AttendanceEvent/${name}`) ?? field(record, name);
}

function noteAttendance(tally: FileTally, byStatus: number[], otherSchool: number): void {
  tally.note(
    `events read by status (before duplicates are removed): ${ATTENDANCE_STATUSES.map((s, i) => `${s} ${byStatus[i]}`).join(", ")}`,
  );
  tally.note(
    "present days are not events: each instructional day of the student's school without an event counts as present (the schools record absences only)",
  );
  tally.note(
    "not read: AttendanceEventReason (free text), EventDuration, SchoolAttendanceDuration, ArrivalTime, SessionReference",
  );
  if (otherSchool > 0) {
    tally.note(
      `${otherSchool} event(s) name a school other than the student's enrolment school: they are kept for the student`,
    );
  }
}
