/**
 * The Open University Learning Analytics Dataset (OULAD) adapter.
 *
 * OULAD describes module *presentations* (`AAA` + `2013J`): registrations, daily VLE click
 * totals per site, assessments and submissions, with every date an integer day offset from
 * the presentation's start. One canonical student is made per registration (a person may
 * be registered on two presentations), a school per module, and a calendar in which every
 * day of a presentation is a study day (distance learning has no term breaks in the data).
 *
 * studentVle.csv has millions of rows, so it is validated by hand: no zod and no object per
 * row, only the field array the CSV reader hands over. Each file has its reader in
 * `oulad/`; docs/adapters/oulad.md describes the mapping in full.
 *
 * OULAD has no staff and no advisers: `staff.csv` and `advisers.csv` beside the data, in
 * Reach's canonical columns, give them (staff-files.ts).
 */
import { DatasetBuilder } from "../dataset.ts";
import { ImportReport } from "../import-report.ts";
import type { Adapter, ImportOptions, ImportResult } from "./adapter.ts";
import { readAssessments } from "./oulad/assessments.ts";
import { addCalendar } from "./oulad/calendar.ts";
import type { Context } from "./oulad/context.ts";
import { readCourses } from "./oulad/courses.ts";
import type { Assessment, Presentation } from "./oulad/presentation.ts";
import { readRegistrations } from "./oulad/registrations.ts";
import { readSites } from "./oulad/sites.ts";
import { readStudentInfo } from "./oulad/student-info.ts";
import { readStudentVle } from "./oulad/student-vle.ts";
import { readSubmissions } from "./oulad/submissions.ts";
import { readAdviserLinks, readStaff } from "./staff-files.ts";

export {
  OULAD_ADVERSE_OUTCOMES,
  OULAD_DEFAULT_KIND,
  OULAD_DEMOGRAPHIC_FIELDS,
  OULAD_SOURCE,
} from "./oulad/names.ts";
export { ouladDate, ouladStudentId, presentationStart } from "./oulad/presentation.ts";
export { parseWholeNumber } from "./oulad/whole-number.ts";

export const ouladAdapter: Adapter = {
  name: "oulad",
  description:
    "Open University Learning Analytics Dataset: studentRegistration, studentInfo, studentVle, " +
    "assessments, studentAssessment, courses (vle.csv, staff.csv and advisers.csv optional)",
  import: importOulad,
};

/** Imports an OULAD folder. Every rejected row is in the report with its file, line and field. */
export async function importOulad(dir: string, options: ImportOptions = {}): Promise<ImportResult> {
  const report = new ImportReport(`oulad ${dir}`);
  const builder = new DatasetBuilder();
  const presentations = new Map<string, Presentation>();
  const assessments = new Map<string, Assessment>();
  const ctx: Context = { dir, options, report, builder, unregisteredOn: [], outcomes: [] };

  await readCourses(ctx, presentations);
  await readAssessments(ctx, presentations, assessments);
  await readRegistrations(ctx, presentations);
  await readStudentInfo(ctx, presentations);
  const siteKinds = await readSites(ctx);
  await readStudentVle(ctx, presentations, siteKinds);
  await readSubmissions(ctx, presentations, assessments);
  addCalendar(builder, presentations);
  const side = { dir, report, onProgress: options.onProgress };
  await readStaff(side, builder, {
    whenAbsent: `no staff.csv in ${dir}: OULAD lists no staff, so nobody can act on a case`,
  });

  const { dataset, monitoring } = builder.build();
  await readAdviserLinks(side, dataset);
  return { dataset, monitoring, report, outcomes: ctx.outcomes };
}
