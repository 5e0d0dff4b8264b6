/**
 * Module presentations (`AAA` + `2013J`), the unit every OULAD row belongs to, and the
 * dates and ids derived from them.
 */
import { csvLine } from "../../csv.ts";
import { type DayNumber, parseIsoDate } from "../../dates.ts";
import type { FileTally } from "../../import-report.ts";
import type { ColumnIndex } from "../headed-csv.ts";
import { FILES } from "./names.ts";

export interface Presentation {
  module: string;
  code: string;
  /** `AAA-2013J`: the cohort. */
  key: string;
  start: DayNumber;
  length: number;
  /** id_student → index of the registration's student in the builder. */
  students: Map<string, number>;
}

export interface Assessment {
  id: string;
  presentation: Presentation;
  type: string;
  /** Day offset, or undefined when the file gives none (final exams of some modules). */
  due: number | undefined;
}

/** The columns that name a row's presentation, as every per-presentation file has them. */
export const PRESENTATION_COLUMNS = ["code_module", "code_presentation"] as const;

/**
 * The calendar day on which day 0 of a presentation falls: `YYYYB` starts on 1 February,
 * `YYYYJ` on 1 October (OULAD's own convention for its presentation codes).
 */
export function presentationStart(code: string): DayNumber | undefined {
  const match = /^(\d{4})([BJ])$/.exec(code);
  if (!match) return undefined;
  return parseIsoDate(`${match[1]}-${match[2] === "B" ? "02" : "10"}-01`);
}

/** The date of a day offset within a presentation (negative offsets are before the start). */
export function ouladDate(presentation: string, offset: number): DayNumber | undefined {
  const start = presentationStart(presentation);
  return start === undefined ? undefined : start + offset;
}

/** The canonical student id of one registration: `AAA-2013J-11391`. */
export function ouladStudentId(module: string, presentation: string, idStudent: string): string {
  return `${module}-${presentation}-${idStudent}`;
}

/** The presentation a row names, or a rejection (`unknown_reference`) when courses.csv lacks it. */
export function presentationOf(
  presentations: Map<string, Presentation>,
  fields: string[],
  line: number,
  c: ColumnIndex<(typeof PRESENTATION_COLUMNS)[number]>,
  tally: FileTally,
): Presentation | undefined {
  const key = `${fields[c.code_module]}-${fields[c.code_presentation]}`;
  const presentation = presentations.get(key);
  if (presentation === undefined) {
    tally.reject(
      line,
      "unknown_reference",
      `presentation ${key} is not in ${FILES.courses}`,
      "code_presentation",
      csvLine(fields),
    );
  }
  return presentation;
}
