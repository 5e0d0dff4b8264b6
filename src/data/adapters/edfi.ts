/**
 * The Ed-Fi adapter: an Ed-Fi Data Standard XML interchange folder (the Grand Bend sample's
 * layout): Student.xml, StudentSchoolAttendance.xml, EducationOrgCalendar.xml,
 * EducationOrganization.xml and the AttendanceEventCategoryDescriptor /
 * AbsenceEventCategoryDescriptor files; StudentEnrollment.xml when present.
 *
 * Every file is streamed with saxes one record at a time (edfi/xml-records.ts). Ed-Fi
 * attendance records exceptions only, so every school is `absences_only`: an instructional
 * day of the student's school with no event is a present day. A student's school and
 * enrolment come from StudentSchoolAssociation when the folder has one; otherwise from the
 * school of the student's latest attendance event, enrolled over that school's whole
 * calendar. A student with neither is placed in school `unknown`. docs/adapters/edfi.md
 * describes the mapping in full.
 */
import { DatasetBuilder } from "../dataset.ts";
import { ImportReport } from "../import-report.ts";
import type { Adapter, ImportOptions, ImportResult } from "./adapter.ts";
import { readAttendance } from "./edfi/attendance.ts";
import { readCalendar } from "./edfi/calendar.ts";
import type { Context } from "./edfi/context.ts";
import { readDescriptors } from "./edfi/descriptors.ts";
import { readEnrolments } from "./edfi/enrolments.ts";
import { FILES, UNKNOWN_SCHOOL } from "./edfi/names.ts";
import { readSchools } from "./edfi/schools.ts";
import { readStudents } from "./edfi/students.ts";
import { readAdviserLinks, readStaff } from "./staff-files.ts";

export { descriptorKeyOf, edfiAttendanceStatus } from "./edfi/descriptors.ts";
export { FILES as EDFI_FILES, UNKNOWN_SCHOOL as EDFI_UNKNOWN_SCHOOL } from "./edfi/names.ts";

export const edfiAdapter: Adapter = {
  name: "edfi",
  description:
    "Ed-Fi Data Standard XML interchanges: Student.xml, StudentSchoolAttendance.xml, " +
    "EducationOrgCalendar.xml, EducationOrganization.xml, AttendanceEventCategoryDescriptor.xml " +
    "(StudentEnrollment.xml, AbsenceEventCategoryDescriptor.xml, staff.csv and advisers.csv optional)",
  import: importEdfi,
};

/** Imports an Ed-Fi folder. Every rejected element is in the report with its file, line, column and field. */
export async function importEdfi(dir: string, options: ImportOptions = {}): Promise<ImportResult> {
  const report = new ImportReport(`edfi ${dir}`);
  const builder = new DatasetBuilder();
  const ctx: Context = { dir, options, report, builder, students: [] };

  const descriptors = await readDescriptors(ctx);
  const schoolNames = await readSchools(ctx);
  const calendars = await readCalendar(ctx, schoolNames);
  await readStudents(ctx);
  const enrolled = await readEnrolments(ctx, calendars);
  const events = await readAttendance(ctx, descriptors, calendars, enrolled);

  // Place every student: by their enrolment, else by the school of their latest event.
  let byEvents = 0;
  let unplaced = 0;
  ctx.students.forEach((student, index) => {
    const association = enrolled?.get(index);
    if (association) {
      student.school = association.school;
      student.enrolledFrom = association.from;
      student.enrolledUntil = association.until;
      student.year = association.year;
      return;
    }
    const school = events.school.get(index);
    const days = school === undefined ? undefined : calendars.get(school);
    if (school === undefined || !days || days.length === 0) {
      student.school = UNKNOWN_SCHOOL;
      unplaced++;
      return;
    }
    student.school = school;
    student.enrolledFrom = days[0];
    student.enrolledUntil = days[days.length - 1];
    byEvents++;
  });
  const studentTally = report.files.find((f) => f.file === FILES.students.file);
  if (byEvents > 0) {
    studentTally?.notes.push(
      `${byEvents} student(s) placed by their attendance events (no StudentSchoolAssociation): the school of their latest event, enrolled from its first to its last instructional day`,
    );
  }
  if (unplaced > 0) {
    studentTally?.notes.push(
      `${unplaced} student(s) have neither an enrolment nor an attendance event: school "${UNKNOWN_SCHOOL}", with no school days, so no rule can judge them`,
    );
  }

  // Every school with a calendar or a student; all record absences only.
  const used = new Set<string>(calendars.keys());
  for (const s of ctx.students) used.add(s.school);
  for (const id of [...used].sort()) {
    builder.addSchool({
      id,
      name:
        id === UNKNOWN_SCHOOL && !schoolNames?.has(id)
          ? "no enrolment or attendance in the interchange"
          : (schoolNames?.get(id) ?? id),
      attendanceRecording: "absences_only",
    });
  }
  for (const [school, days] of calendars) {
    for (const date of days) builder.addCalendarDay({ school, date, instructional: true });
  }

  const side = { dir, report, onProgress: options.onProgress };
  await readStaff(side, builder, {
    whenAbsent: `no staff.csv in ${dir}: the interchange lists no staff with Reach roles, so nobody can act on a case`,
  });
  const { dataset, monitoring } = builder.build();
  await readAdviserLinks(side, dataset);
  return { dataset, monitoring, report };
}
