/**
 * The outcomes file of a backtest for a source without outcomes of its own: a CSV with a
 * header row and the columns `student_id`, `outcome_date` (YYYY-MM-DD) and `outcome` (a
 * label such as `withdrawn`). Every row is an outcome an alert should have foreseen; a
 * student without a row had none. docs/backtest.md describes the format.
 *
 * The file is read whole or not at all: every problem is reported at its line, and one
 * problem refuses the file (a backtest scored on part of its outcomes would mislead).
 */

import type { Outcome } from "../data/adapters/adapter.ts";
import { readCsvFile } from "../data/csv.ts";
import { parseIsoDate } from "../data/dates.ts";

export const OUTCOME_COLUMNS = ["student_id", "outcome_date", "outcome"] as const;

/** An outcomes file that could not be read as a whole; `problems` are `file:line: message`. */
export class OutcomesFileInvalid extends Error {
  constructor(
    readonly path: string,
    readonly problems: readonly string[],
  ) {
    super(`${path}: ${problems.length} problem(s) in the outcomes file`);
    this.name = "OutcomesFileInvalid";
  }
}

function headerKey(name: string): string {
  return name
    .replace(/^\uFEFF/, "")
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
}

export async function readOutcomesFile(path: string): Promise<Outcome[]> {
  const problems: string[] = [];
  const outcomes: Outcome[] = [];
  const firstLine = new Map<string, number>();
  let columns: Record<(typeof OUTCOME_COLUMNS)[number], number> | undefined;
  let width = 0;
  let header = true;
  await readCsvFile(
    path,
    (fields, line) => {
      if (fields.length === 1 && fields[0].trim() === "") return;
      if (header) {
        header = false;
        const keys = fields.map(headerKey);
        width = fields.length;
        const missing = OUTCOME_COLUMNS.filter((c) => !keys.includes(c));
        if (missing.length > 0) {
          problems.push(
            `${path}:${line}: the header lacks ${missing.join(", ")} (expected ${OUTCOME_COLUMNS.join(",")})`,
          );
          return;
        }
        columns = {
          student_id: keys.indexOf("student_id"),
          outcome_date: keys.indexOf("outcome_date"),
          outcome: keys.indexOf("outcome"),
        };
        return;
      }
      if (!columns) return;
      if (fields.length !== width) {
        problems.push(`${path}:${line}: ${fields.length} fields where the header has ${width}`);
        return;
      }
      const studentId = fields[columns.student_id].trim();
      const dateText = fields[columns.outcome_date].trim();
      const outcome = fields[columns.outcome].trim();
      if (studentId === "") problems.push(`${path}:${line}: student_id is empty`);
      const date = parseIsoDate(dateText);
      if (date === undefined) {
        problems.push(`${path}:${line}: outcome_date "${dateText}" is not a date as YYYY-MM-DD`);
      }
      if (outcome === "") problems.push(`${path}:${line}: outcome is empty`);
      if (studentId === "" || date === undefined || outcome === "") return;
      const earlier = firstLine.get(studentId);
      if (earlier !== undefined) {
        problems.push(
          `${path}:${line}: student ${studentId} already has an outcome at line ${earlier} (one outcome per student)`,
        );
        return;
      }
      firstLine.set(studentId, line);
      outcomes.push({ studentId, date, outcome });
    },
    { onError: (message, line) => problems.push(`${path}:${line}: ${message}`) },
  );
  if (header)
    problems.push(
      `${path}:1: the file is empty (expected the header ${OUTCOME_COLUMNS.join(",")})`,
    );
  if (problems.length > 0) throw new OutcomesFileInvalid(path, problems);
  return outcomes;
}
