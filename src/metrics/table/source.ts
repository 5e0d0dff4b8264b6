/**
 * Where a metric's value comes from. Every metric Reach computes goes through
 * `computeMetric` (compute.ts), which asks the data set's metric source:
 *
 * - **events** (the default): the metric functions compute the value from the student's
 *   attendance, activity and submissions;
 * - **table**: the value, its window and the numbers behind its evidence are read from a
 *   metrics table computed elsewhere (a Spark job where the data lives). The `metrics`
 *   source (`--source metrics`, data/adapters/metrics.ts) attaches the table to the data
 *   set it imports.
 *
 * The evaluator does not know which: thresholds, `for` runs, suppressions, severity and
 * cases work alike. A student without a row for a test is "unknown" for it (a condition on
 * it is not met), as a metric without data is; a test the table lacks altogether is a
 * data-check error before anything is evaluated (rules/data-check.ts).
 */
import type { Window } from "../../calendar/index.ts";
import type { Dataset } from "../../data/dataset.ts";
import { formatDay } from "../../data/dates.ts";
import {
  between,
  countsFrom,
  type MetricResult,
  percent,
  plural,
  type StudentContext,
} from "../context.ts";
import { METRICS, type MetricName, type MetricParams } from "../registry.ts";
import type { MetricRow, MetricTable } from "./metric-table.ts";
import { canonicalParams, effectiveWindow } from "./params.ts";

export interface MetricSource {
  readonly kind: "events" | "table";
  /** The metric's value; with `withEvidence`, also the sentence that explains it. */
  metric(
    name: MetricName,
    ctx: StudentContext,
    params: MetricParams,
    withEvidence: boolean,
  ): MetricResult;
}

/** The property of a data set that holds its metrics table (set by the `metrics` source). */
export const METRIC_TABLE: unique symbol = Symbol.for("reach.metricTable");

type WithTable = Dataset & { readonly [METRIC_TABLE]?: TableMetricSource };

/** The same data set, its metric values read from `table` instead of computed from events. */
export function withMetricTable(dataset: Dataset, table: MetricTable): Dataset {
  const attached: WithTable = { ...dataset, [METRIC_TABLE]: new TableMetricSource(table) };
  return attached;
}

/** The metrics table attached to a data set, if any. */
export function metricTableOf(dataset: Dataset): MetricTable | undefined {
  return (dataset as WithTable)[METRIC_TABLE]?.table;
}

/** The table source of a data set that has one; undefined for one computed from events. */
export function tableSourceOf(dataset: Dataset): MetricSource | undefined {
  return (dataset as WithTable)[METRIC_TABLE];
}

export class TableMetricSource implements MetricSource {
  readonly kind = "table";
  constructor(readonly table: MetricTable) {}

  metric(
    name: MetricName,
    ctx: StudentContext,
    params: MetricParams,
    withEvidence: boolean,
  ): MetricResult {
    const policy = { windowDays: ctx.policyWindow, absentMask: ctx.absentMask };
    const key = canonicalParams(name, params, policy);
    const row = this.table.get(ctx.asOf, name, key, ctx.student.id);
    if (row === undefined) {
      const w = ctx.calendar.window(ctx.asOf, effectiveWindow(name, params, ctx.policyWindow));
      return {
        value: Number.NaN,
        evidence: withEvidence
          ? `no value of ${name} (${key}) in the metrics table as of ${formatDay(ctx.asOf)}`
          : "",
        window: w,
      };
    }
    const window = windowOf(ctx, row);
    return {
      value: row.value,
      evidence: withEvidence ? evidenceOf(name, params, row, window, ctx) : "",
      window,
    };
  }
}

/** The table's window as a calendar window (indexes into the school's days). */
function windowOf(ctx: StudentContext, row: MetricRow): Window {
  if (row.windowFrom === undefined || row.windowTo === undefined || row.windowTo < row.windowFrom) {
    return { startIndex: 0, endIndex: -1, from: ctx.asOf, to: ctx.asOf, size: 0 };
  }
  const startIndex = ctx.calendar.indexAtOrBefore(row.windowFrom - 1) + 1;
  const endIndex = ctx.calendar.indexAtOrBefore(row.windowTo);
  return {
    startIndex,
    endIndex,
    from: row.windowFrom,
    to: row.windowTo,
    size: Math.max(0, endIndex - startIndex + 1),
  };
}

/** "vle activity", "teams login", "activity" (as the activity metrics say it). */
function label(params: MetricParams): string {
  return [params.source, params.kind ?? "activity"].filter(Boolean).join(" ");
}

/**
 * The sentence the metric function would write, from the table's numbers. Metrics whose
 * sentence lists things the table does not hold (the assessments missed, the cohort's
 * name) get a plain sentence with the value and its window.
 */
function evidenceOf(
  name: MetricName,
  params: MetricParams,
  row: MetricRow,
  w: Window,
  ctx: StudentContext,
): string {
  const value = row.value;
  const known = !Number.isNaN(value);
  const num = row.numerator;
  const den = row.denominator;
  switch (name) {
    case "attendance_rate":
      if (!known) return `no attendance recorded ${between(w)}`;
      return num !== undefined && den !== undefined
        ? `attended ${num} of ${plural(den, "session")} (${percent(value)}) ${between(w)}`
        : `attended ${percent(value)} of sessions ${between(w)}`;
    case "sessions_recorded":
      return `${plural(value, "session")} recorded ${between(w)}`;
    case "tardies":
      return `late ${value === 1 ? "once" : `${value} times`} ${between(w)}`;
    case "absences": {
      const what = params.kind !== undefined ? params.kind.replace(/_/g, " ") : "absence";
      return `${plural(value, what, params.kind !== undefined ? what : "absences")} ${between(w)}`;
    }
    case "consecutive_absences":
      if (value === 0) return "no current run of absences";
      if (row.lastDate === undefined)
        return `absent on each of the last ${plural(value, "school day")}`;
      if (value === 1) return `absent on the latest school day (${formatDay(row.lastDate)})`;
      return `absent on each of the last ${value} school days (${formatDay(row.firstDate ?? row.lastDate)} to ${formatDay(row.lastDate)})`;
    case "days_since_activity": {
      const what = label(params);
      const last = row.lastDate;
      if (last !== undefined && last >= w.from) {
        return value === 0
          ? `${what} on ${formatDay(last)}`
          : `no ${what} for ${plural(value, "school day")} (last on ${formatDay(last)})`;
      }
      const since = countsFrom(ctx, w.from);
      return `no ${what} recorded in ${plural(value, "school day")} ${between({ ...w, from: Math.max(since, w.from) })}`;
    }
    case "activity_count":
      return `${value} × ${label(params)} ${between(w)}`;
    case "active_days":
      return `${label(params)} on ${plural(value, "day")} ${between(w)}`;
    case "activity_change": {
      const size = effectiveWindow(name, params, ctx.policyWindow);
      const now = num ?? 0;
      if (!known) {
        return `${now} × ${label(params)} ${between(w)}; nothing to compare with in the ${plural(size, "school day")} before`;
      }
      return `${now} × ${label(params)} ${between(w)}, against ${den ?? 0} in the previous ${plural(size, "school day")} (${percent(value)})`;
    }
    case "hybrid_engagement":
      if (!known) return `no school days ${between(w)}`;
      return num !== undefined && den !== undefined
        ? `attended or active online on ${num} of ${plural(den, "school day")} (${percent(value)}) ${between(w)}`
        : `attended or active online on ${percent(value)} of school days ${between(w)}`;
    default:
      return known
        ? `${name.replace(/_/g, " ")} ${formatValue(name, value)} ${between(w)}`
        : `${name.replace(/_/g, " ")} unknown ${between(w)}`;
  }
}

function formatValue(name: MetricName, value: number): string {
  if (METRICS[name].unit === "ratio") return percent(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
