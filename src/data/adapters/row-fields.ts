/** Checks on one field of a CSV record that reject the record in its file's tally. */
import { csvLine } from "../csv.ts";
import type { FileTally } from "../import-report.ts";

/** The field's text, trimmed; undefined when it is empty (the row rejected as `missing_field`). */
export function requiredText(
  tally: FileTally,
  fields: string[],
  line: number,
  index: number,
  field: string,
): string | undefined {
  const text = (fields[index] as string).trim();
  if (text !== "") return text;
  tally.reject(line, "missing_field", `${field} is empty`, field, csvLine(fields));
  return undefined;
}
