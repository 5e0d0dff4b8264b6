import { csvLine } from "../../csv.ts";
import type { FileTally } from "../../import-report.ts";

/**
 * A whole number written in plain decimal, optionally negative (`-10`, `268`); NaN for
 * anything else, including `3.5`, `1e3`, ` 7` and the empty string. Allocation-free.
 */
export function parseWholeNumber(text: string): number {
  const length = text.length;
  if (length === 0 || length > 10) return Number.NaN;
  let i = 0;
  let sign = 1;
  if (text.charCodeAt(0) === 45) {
    if (length === 1) return Number.NaN;
    sign = -1;
    i = 1;
  }
  let n = 0;
  for (; i < length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number.NaN;
    n = n * 10 + c;
  }
  return sign * n;
}

/**
 * Reads a whole-number field (at least `min`); rejects the row as `invalid_value` naming the
 * field and returns NaN when it is not one.
 */
export function wholeField(
  tally: FileTally,
  fields: string[],
  line: number,
  index: number,
  field: string,
  min = Number.NEGATIVE_INFINITY,
): number {
  const text = fields[index] as string;
  const value = parseWholeNumber(text.trim());
  if (Number.isNaN(value) || value < min) {
    const what = min === 0 ? "a whole number ≥ 0" : "a whole number of days";
    tally.reject(
      line,
      "invalid_value",
      `${field} must be ${what}, got "${text}"`,
      field,
      csvLine(fields),
    );
    return Number.NaN;
  }
  return value;
}
