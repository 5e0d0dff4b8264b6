/**
 * The Microsoft Open Education Analytics (OEA) K-12 adapter: a Microsoft Education Insights
 * roster (CDM CSVs without header rows, column names in the folder's `.cdm.json`), Contoso
 * SIS daily attendance (`studentattendance.csv`) and Clever daily participation
 * (`clever-daily-participation.csv`).
 *
 * The AAD object id is the student id: it is `ObjectId` in AadUser, `student_id` in the SIS
 * attendance and `sis_id` in Clever. There is no calendar file, so a school's instructional
 * days are the dates on which attendance was recorded for its students. Roster users who
 * are neither students nor family are staff without Reach roles; `staff.csv` beside the
 * data gives the roles and `advisers.csv` the students' advisers (staff-files.ts). Each
 * file has its reader in `oea/`; docs/adapters/oea.md describes the mapping in full.
 */
import { DatasetBuilder } from "../dataset.ts";
import { ImportReport } from "../import-report.ts";
import type { Student } from "../schema.ts";
import type { Adapter, ImportOptions, ImportResult } from "./adapter.ts";
import { readAttendance } from "./oea/attendance.ts";
import { readClever } from "./oea/clever.ts";
import { type Context, emptyRoster } from "./oea/context.ts";
import { UNKNOWN_SCHOOL } from "./oea/names.ts";
import {
  readOrganizations,
  readPersonRoles,
  readRefDefinitions,
  readUserPersonMapping,
} from "./oea/roster-lookups.ts";
import { loadRosterSchema } from "./oea/roster-schema.ts";
import { readEnrollments, readSections } from "./oea/roster-sections.ts";
import { readUsers } from "./oea/roster-students.ts";
import { addSchools } from "./oea/schools.ts";
import { noteSectionMarks } from "./oea/section-marks.ts";
import { readAdviserLinks, readStaff } from "./staff-files.ts";

export { oeaAttendanceStatus } from "./oea/attendance-status.ts";
export { cdmFileName, parseCdmSchema } from "./oea/cdm.ts";
export {
  ATTENDANCE_FILE,
  CLEVER_FILE,
  CLEVER_KIND,
  CLEVER_SOURCE,
  ROSTER_DIR,
  SECTION_MARK_FILE,
  UNKNOWN_SCHOOL,
} from "./oea/names.ts";

export const oeaAdapter: Adapter = {
  name: "oea",
  description:
    "Microsoft OEA K-12: Education Insights roster (insights-roster/, CDM CSVs without headers), " +
    "Contoso SIS studentattendance.csv, Clever clever-daily-participation.csv; staff.csv and " +
    "advisers.csv optional",
  import: importOea,
};

/** Imports an OEA K-12 folder. Every rejected row is in the report with its file, line and field. */
export async function importOea(dir: string, options: ImportOptions = {}): Promise<ImportResult> {
  const report = new ImportReport(`oea ${dir}`);
  const builder = new DatasetBuilder();
  const ctx: Context = { dir, options, report, builder, students: [] };
  const roster = emptyRoster();

  const entities = loadRosterSchema(ctx);
  /** Students the roster could not place in a school, filled in from the data files. */
  const unplaced = new Set<Student>();
  if (entities) {
    await readOrganizations(ctx, entities, roster);
    await readRefDefinitions(ctx, entities, roster);
    await readUserPersonMapping(ctx, entities, roster);
    await readPersonRoles(ctx, entities, roster);
    await readUsers(ctx, entities, roster, unplaced);
    await readSections(ctx, entities, roster);
    await readEnrollments(ctx, entities, roster);
  }
  const schoolDays = await readAttendance(ctx, unplaced);
  await readClever(ctx, unplaced);
  await noteSectionMarks(ctx);

  for (const student of unplaced) student.school = UNKNOWN_SCHOOL;
  addSchools(ctx, roster.organizations);
  for (const [school, days] of schoolDays) {
    for (const date of [...days].sort((a, b) => a - b)) {
      builder.addCalendarDay({ school, date, instructional: true });
    }
  }

  const side = { dir, report, onProgress: options.onProgress };
  await readStaff(side, builder, {
    fromSource: roster.staff,
    sourceName: "the Insights roster (aaduser.csv)",
    whenAbsent:
      roster.staff.length > 0
        ? `no staff.csv in ${dir}: the roster's ${roster.staff.length} staff have no Reach role, so nobody can act on a case`
        : `no staff.csv in ${dir} and no staff in the roster: nobody can act on a case`,
  });

  const { dataset, monitoring } = builder.build();
  await readAdviserLinks(side, dataset);
  return { dataset, monitoring, report };
}
