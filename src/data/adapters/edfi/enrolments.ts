/**
 * StudentEnrollment.xml (optional) → each student's school and enrolment dates, from
 * `<StudentSchoolAssociation>`: EntryDate, ExitWithdrawDate and EntryGradeLevel. A student
 * with several associations is placed by the one with the latest EntryDate. Without the
 * file, a student's school is that of their attendance events (see edfi.ts).
 */
import { type DayNumber, formatDay, parseIsoDate } from "../../dates.ts";
import { echo } from "../../ids.ts";
import type { FileTally } from "../../import-report.ts";
import type { Context, Enrolment } from "./context.ts";
import { FILES } from "./names.ts";
import {
  codeValue,
  field,
  placeOf,
  readXmlRecords,
  recordText,
  type XmlElement,
} from "./xml-records.ts";

export interface Association extends Enrolment {
  year: string | undefined;
  line: number;
}

/** Student index → the association that places them; undefined when the file is absent. */
export async function readEnrolments(
  ctx: Context,
  schools: ReadonlyMap<string, unknown>,
): Promise<Map<number, Association> | undefined> {
  const placed = new Map<number, Association>();
  let replaced = 0;
  const tally = await readXmlRecords(
    ctx,
    FILES.enrolments,
    new Set(["StudentSchoolAssociation"]),
    (record, t) => {
      const reject = (
        code:
          | "missing_field"
          | "invalid_value"
          | "out_of_range"
          | "unknown_reference"
          | "unknown_student",
        name: string,
        reason: string,
      ) => t.reject(record.line, code, `${placeOf(record)}: ${reason}`, name, recordText(record));
      const id = field(record, "StudentReference/StudentIdentity/StudentUniqueId") ?? "";
      if (id === "") return reject("missing_field", "StudentUniqueId", "no StudentReference");
      const index = ctx.builder.studentIndexOf(id);
      if (index === undefined) {
        return reject(
          "unknown_student",
          "StudentUniqueId",
          `student ${echo(id)} is not in ${FILES.students.file}`,
        );
      }
      const school = field(record, "SchoolReference/SchoolIdentity/SchoolId") ?? "";
      if (school === "") return reject("missing_field", "SchoolId", "no SchoolReference");
      if (!schools.has(school)) {
        return reject(
          "unknown_reference",
          "SchoolId",
          `school ${echo(school)} has no instructional days in ${FILES.calendar.file}`,
        );
      }
      const from = dateOf(record, "EntryDate", t, true);
      if (from === null) return;
      const until = dateOf(record, "ExitWithdrawDate", t, false);
      if (until === null) return;
      if (from !== undefined && until !== undefined && until < from) {
        return reject(
          "out_of_range",
          "ExitWithdrawDate",
          `ExitWithdrawDate ${formatDay(until)} is before EntryDate ${formatDay(from)}`,
        );
      }
      const grade = field(record, "EntryGradeLevel");
      const association: Association = {
        school,
        from,
        until,
        year: grade ? codeValue(grade) : undefined,
        line: record.line,
      };
      const earlier = placed.get(index);
      if (earlier) {
        replaced++;
        if ((earlier.from ?? 0) > (from ?? 0)) {
          t.accept();
          return;
        }
      }
      placed.set(index, association);
      t.accept();
    },
  );
  if (!tally) return undefined;
  if (replaced > 0) {
    tally.note(
      `${replaced} student(s) have more than one association: the one with the latest EntryDate places them`,
    );
  }
  return placed;
}

/** A date field: the day, undefined when absent and optional, null when rejected. */
function dateOf(
  record: XmlElement,
  name: string,
  tally: FileTally,
  required: boolean,
): DayNumber | undefined | null {
  const text = field(record, name) ?? "";
  if (text === "") {
    if (!required) return undefined;
    tally.reject(
      record.line,
      "missing_field",
      `${placeOf(record)}: no ${name}`,
      name,
      recordText(record),
    );
    return null;
  }
  const day = parseIsoDate(text);
  if (day === undefined) {
    tally.reject(
      record.line,
      "invalid_value",
      `${placeOf(record)}: ${name} "${echo(text)}" is not a date as YYYY-MM-DD`,
      name,
      recordText(record),
    );
    return null;
  }
  return day;
}
