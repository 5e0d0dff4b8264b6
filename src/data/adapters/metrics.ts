/**
 * A metrics source (`--source metrics`, docs/metrics-table.md): a roster beside a metrics
 * table computed where the data lives (a Spark job in Synapse, Fabric or Databricks;
 * spark/reach_metrics.py is the reference). Reach reads the students, staff, schools,
 * calendar and circumstances as the canonical bundle has them — CSV, or Parquet when
 * `students.parquet` is there — and each metric test's value, window and evidence numbers
 * from `metrics.parquet` (a file or a folder of part files) or `metrics.csv`, instead of
 * computing them from attendance and activity. Each row of the table is checked and added
 * or rejected with its line (or row number), field and reason.
 *
 * The calendar is needed: windows are counted in school days and cannot be derived from
 * events that are not there.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  describeDates,
  describeMetric,
  METRIC_NAMES,
  type MetricName,
  type MetricRow,
  MetricTable,
  parseParams,
  withMetricTable,
} from "../../metrics/index.ts";
import { csvLine } from "../csv.ts";
import { type DayNumber, parseIsoDate } from "../dates.ts";
import { echo, idProblem } from "../ids.ts";
import { type FileTally, ImportReport, type RejectionCode } from "../import-report.ts";
import { rowObject } from "../rows.ts";
import type { Adapter, ImportOptions, ImportResult } from "./adapter.ts";
import { importCanonical } from "./canonical.ts";
import { CANONICAL_FILES, type EntityFile, readEntityFile } from "./canonical-files.ts";
import { Duck } from "./parquet/duck.ts";
import { parquetName, readTable, tableParts } from "./parquet/tables.ts";
import { importParquet } from "./parquet.ts";

export const metricsAdapter: Adapter = {
  name: "metrics",
  description:
    "a roster (canonical CSV or Parquet) beside metrics.parquet or metrics.csv: metric values " +
    "computed elsewhere, read instead of events (docs/metrics-table.md)",
  import: importMetrics,
};

export async function importMetrics(
  dir: string,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const parquetRoster = tableParts(dir, CANONICAL_FILES.students) !== undefined;
  const roster = parquetRoster
    ? await importParquet(dir, options)
    : await importCanonical(dir, options);
  const report = new ImportReport("metrics");
  const eventFiles = new Set<string>([
    CANONICAL_FILES.attendance.file,
    CANONICAL_FILES.activity.file,
    parquetName(CANONICAL_FILES.attendance),
    parquetName(CANONICAL_FILES.activity),
  ]);
  for (const f of roster.report.files) {
    const name = f.file.split("/")[0] as string;
    if (eventFiles.has(name)) {
      // No events is the point of a metrics source; events that are there are not used.
      if (!existsSync(join(dir, name))) continue;
      f.notes.push("not used for metric values: they come from the metrics table");
    }
    report.files.push(f);
  }
  for (const r of roster.report.rejections) report.record(r);

  const { dataset } = roster;
  if (dataset.calendar.length === 0) {
    const name = parquetRoster
      ? parquetName(CANONICAL_FILES.calendar)
      : CANONICAL_FILES.calendar.file;
    report
      .file(name, CANONICAL_FILES.calendar.entity)
      .fail(
        `no school calendar in ${dir}: with a metrics table Reach counts windows on the calendar and cannot derive it from events`,
      );
  }

  const table = new MetricTable();
  const onRow = metricRowHandler(table, (id) => dataset.studentIndex.has(id));
  const spec = METRICS_TABLE_FILE;
  const parts = tableParts(dir, spec);
  const hasCsv = existsSync(join(dir, spec.file));
  const name = parquetName(spec);
  if (parts && hasCsv) {
    report
      .file(name, spec.entity)
      .fail(
        `both ${name} and ${spec.file} are in ${dir}: keep one, so that it is clear which is read`,
      );
  } else if (parts && parts.length === 0) {
    report.file(name, spec.entity).fail(`${name} in ${dir} is a folder with no .parquet files`);
  } else if (parts) {
    const duck = await Duck.open(options.threads);
    try {
      await readTable(duck, parts, spec, report, onRow, options.onProgress);
    } finally {
      duck.close();
    }
  } else if (hasCsv) {
    await readEntityFile(dir, spec, report, onRow, options.onProgress);
  } else {
    report.file(name, spec.entity).fail(`no ${name} or ${spec.file} in ${dir}: ${spec.needed}`);
  }
  const tableFiles = report.files.filter((f) => f.entity === spec.entity);
  const first = tableFiles.find((f) => f.error === undefined);
  if (first !== undefined) first.notes.push(summary(table));

  return {
    dataset: withMetricTable(dataset, table),
    monitoring: roster.monitoring,
    report,
    ...(roster.outcomes ? { outcomes: roster.outcomes } : {}),
  };
}

/** What the table holds, for the report: each computation, its dates and students. */
function summary(table: MetricTable): string {
  const held = table.held();
  if (held.length === 0) return "the metrics table holds no values";
  const byComputation = new Map<string, { dates: number[]; students: number }>();
  for (const h of held) {
    const key = describeMetric(h.metric, h.params);
    const entry = byComputation.get(key) ?? { dates: [], students: 0 };
    entry.dates.push(h.asOf);
    entry.students = Math.max(entry.students, h.students);
    byComputation.set(key, entry);
  }
  const parts = [...byComputation].map(
    ([key, e]) =>
      `${key} as of ${describeDates(e.dates)} for up to ${e.students} student${e.students === 1 ? "" : "s"}`,
  );
  return `metric values: ${parts.join("; ")}`;
}

export const METRICS_TABLE_FILE = {
  file: "metrics.csv",
  entity: "metric value",
  needed: "the metrics table is what a metrics source reads instead of events",
  required: ["student_id", "metric", "params", "as_of", "value"],
  optional: ["window_from", "window_to", "numerator", "denominator", "first_date", "last_date"],
} as const satisfies EntityFile;

class RowProblem extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly code: RejectionCode = "invalid_value",
  ) {
    super(message);
  }
}

function date(
  row: Record<string, string>,
  field: string,
  required: boolean,
): DayNumber | undefined {
  const text = (row[field] ?? "").trim();
  if (text === "") {
    if (required) throw new RowProblem(field, `${field} is required`, "missing_field");
    return undefined;
  }
  const day = parseIsoDate(text);
  if (day === undefined) {
    throw new RowProblem(field, `expected a date as YYYY-MM-DD, got "${echo(text)}"`);
  }
  return day;
}

/** A number, or undefined for a blank cell (and NaN, as an engine may write unknown). */
function number(row: Record<string, string>, field: string): number | undefined {
  const text = (row[field] ?? "").trim();
  if (text === "" || text.toLowerCase() === "nan") return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) throw new RowProblem(field, `expected a number, got "${echo(text)}"`);
  return n;
}

/**
 * A handler for the table's rows: adds each valid row to `table` for a student `known`
 * has, and rejects the others on the file's tally.
 */
export function metricRowHandler(table: MetricTable, known: (studentId: string) => boolean) {
  return (header: string[], fields: string[], line: number, tally: FileTally): void => {
    const row = rowObject(header, fields);
    if (typeof row === "string") {
      tally.reject(line, "wrong_column_count", row, undefined, csvLine(fields));
      return;
    }
    try {
      const studentId = (row.student_id ?? "").trim();
      if (studentId === "")
        throw new RowProblem("student_id", "student_id is required", "missing_field");
      const bad = idProblem(studentId, "student_id");
      if (bad) throw new RowProblem("student_id", bad);
      const metric = (row.metric ?? "").trim();
      if (!(METRIC_NAMES as readonly string[]).includes(metric)) {
        throw new RowProblem(
          "metric",
          `unknown metric "${echo(metric)}" (metrics: ${METRIC_NAMES.join(", ")})`,
        );
      }
      const params = parseParams(metric as MetricName, row.params ?? "");
      if ("problem" in params) throw new RowProblem("params", `${metric}: ${params.problem}`);
      const asOf = date(row, "as_of", true) as DayNumber;
      const value = number(row, "value") ?? Number.NaN;
      const entry: MetricRow = { value };
      const from = date(row, "window_from", false);
      const to = date(row, "window_to", false);
      if ((from === undefined) !== (to === undefined)) {
        const field = from === undefined ? "window_from" : "window_to";
        throw new RowProblem(
          field,
          "window_from and window_to go together: give both, or neither for an empty window",
        );
      }
      if (from !== undefined && to !== undefined) {
        if (to < from) throw new RowProblem("window_to", "window_to is before window_from");
        if (to > asOf) throw new RowProblem("window_to", "window_to is after as_of");
        entry.windowFrom = from;
        entry.windowTo = to;
      }
      const numerator = number(row, "numerator");
      const denominator = number(row, "denominator");
      const first = date(row, "first_date", false);
      const last = date(row, "last_date", false);
      if (numerator !== undefined) entry.numerator = numerator;
      if (denominator !== undefined) entry.denominator = denominator;
      if (first !== undefined) entry.firstDate = first;
      if (last !== undefined) entry.lastDate = last;
      if (!known(studentId)) {
        throw new RowProblem(
          "student_id",
          `unknown student id "${echo(studentId)}"`,
          "unknown_student",
        );
      }
      if (!table.add(studentId, metric as MetricName, params.canonical, asOf, entry)) {
        throw new RowProblem(
          "student_id",
          `a second row for student "${echo(studentId)}", ${metric} (${params.canonical}) as of ${(row.as_of ?? "").trim()} (the first is kept)`,
          "duplicate",
        );
      }
      tally.accept();
    } catch (error) {
      if (!(error instanceof RowProblem)) throw error;
      tally.reject(line, error.code, error.message, error.field, csvLine(fields));
    }
  };
}
