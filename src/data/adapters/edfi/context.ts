import type { DatasetBuilder } from "../../dataset.ts";
import type { DayNumber } from "../../dates.ts";
import type { ImportReport } from "../../import-report.ts";
import type { Student } from "../../schema.ts";
import type { ImportOptions } from "../adapter.ts";

/** The data folder of one import and where its files are reported. */
export interface EdfiSource {
  readonly dir: string;
  readonly options: ImportOptions;
  readonly report: ImportReport;
}

/** A student's enrolment at a school, from StudentSchoolAssociation or derived. */
export interface Enrolment {
  school: string;
  from: DayNumber | undefined;
  until: DayNumber | undefined;
}

/** What every Ed-Fi file reader shares during one import. */
export interface Context extends EdfiSource {
  readonly builder: DatasetBuilder;
  /** Students in builder order (their `school` and enrolment dates are set at the end). */
  readonly students: Student[];
}
