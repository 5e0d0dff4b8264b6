/** Row checks that several OEA files share; each rejects the row in its file's tally. */
import { csvLine } from "../../csv.ts";
import type { DatasetBuilder } from "../../dataset.ts";
import { type DayNumber, parseIsoDay } from "../../dates.ts";
import type { FileTally } from "../../import-report.ts";

/** The day `text` names (`YYYY-MM-DD`); undefined when the row is rejected (`invalid_value`). */
export function isoDayField(
  tally: FileTally,
  fields: string[],
  line: number,
  text: string,
  field: string,
): DayNumber | undefined {
  const day = parseIsoDay(text);
  if (day === undefined) {
    tally.reject(
      line,
      "invalid_value",
      `${field} must be a date (YYYY-MM-DD), got "${text}"`,
      field,
      csvLine(fields),
    );
  }
  return day;
}

/**
 * The builder index of the roster student `id` names, or undefined when the row is
 * rejected as `unknown_student`. `label` names the id in the reason (`student`, `sis_id`).
 */
export function rosterStudentIndex(
  builder: DatasetBuilder,
  tally: FileTally,
  fields: string[],
  line: number,
  id: string,
  field: string,
  label: string,
): number | undefined {
  const index = builder.studentIndexOf(id);
  if (index === undefined) {
    tally.reject(
      line,
      "unknown_student",
      `${label} ${id} is not in the roster (AadUser ObjectId)`,
      field,
      csvLine(fields),
    );
  }
  return index;
}

/** Rejects a row whose id an earlier row of the file already gave (`duplicate`). */
export function rejectRepeat(
  tally: FileTally,
  fields: string[],
  line: number,
  what: string,
  field: string,
): void {
  tally.reject(line, "duplicate", `${what} (the first is kept)`, field, csvLine(fields));
}
