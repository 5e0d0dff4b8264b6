/**
 * Turning CSV records into validated canonical records, with every failure reported as a
 * rejection naming the file, line and field.
 */
import type { z } from "zod/v4";
import { csvLine } from "./csv.ts";
import { echo } from "./ids.ts";
import type { FileTally } from "./import-report.ts";

/** Normalises a header cell: trimmed, lower case, spaces and dashes as underscores. */
export function headerKey(cell: string): string {
  return cell
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
}

/** Builds `{column: value}` for one record; returns an error when the width is wrong. */
export function rowObject(
  header: readonly string[],
  fields: readonly string[],
): Record<string, string> | string {
  if (fields.length !== header.length) {
    return `expected ${header.length} columns, found ${fields.length}`;
  }
  const row: Record<string, string> = {};
  for (let i = 0; i < header.length; i++) row[header[i] as string] = fields[i] as string;
  return row;
}

/** Validates one row with a schema; on failure rejects it on the tally and returns undefined. */
export function validateRow<S extends z.ZodType>(
  schema: S,
  header: readonly string[],
  fields: readonly string[],
  line: number,
  tally: FileTally,
): z.output<S> | undefined {
  const row = rowObject(header, fields);
  if (typeof row === "string") {
    tally.reject(line, "wrong_column_count", row, undefined, csvLine(fields));
    return undefined;
  }
  const parsed = schema.safeParse(row);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? String(issue.path[0]) : undefined;
  const missing = field !== undefined && row[field] === undefined;
  tally.reject(
    line,
    missing ? "missing_field" : "invalid_value",
    missing ? `column ${field} is missing` : describeIssue(issue, row, field),
    field,
    csvLine(fields),
  );
  return undefined;
}

function describeIssue(
  issue: z.core.$ZodIssue | undefined,
  row: Record<string, string>,
  field: string | undefined,
): string {
  if (!issue) return "invalid row";
  if (issue.code === "invalid_value" && "values" in issue) {
    return `"${echo(field ? (row[field] ?? "") : "")}" is not one of ${(issue.values as unknown[]).join(", ")}`;
  }
  return issue.message;
}
