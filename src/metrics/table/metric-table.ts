/**
 * A per-student metrics table held in memory: values computed elsewhere (a Spark job
 * where the data lives) that Reach reads instead of events. One row per student, metric,
 * canonical parameters (params.ts) and as-of date, with the window it covers and the
 * numbers the evidence sentence needs (docs/metrics-table.md).
 */
import { type DayNumber, formatDay } from "../../data/dates.ts";
import type { MetricName } from "../registry.ts";

export interface MetricRow {
  /** NaN when the engine could not say (no sessions recorded, nothing to compare with). */
  value: number;
  /** The first and last school day of the metric's window; absent for an empty window. */
  windowFrom?: DayNumber;
  windowTo?: DayNumber;
  /** The numbers behind the value (see docs/metrics-table.md, by metric). */
  numerator?: number;
  denominator?: number;
  /** The dates the evidence names (the last activity; a run of absences). */
  firstDate?: DayNumber;
  lastDate?: DayNumber;
}

/** One computation the table holds: a metric with its parameters, as of a date. */
export interface HeldMetric {
  metric: MetricName;
  params: string;
  asOf: DayNumber;
  students: number;
}

function keyOf(asOf: DayNumber, metric: MetricName, params: string): string {
  return `${asOf}\u0000${metric}\u0000${params}`;
}

export class MetricTable {
  private readonly sets = new Map<string, { held: HeldMetric; rows: Map<string, MetricRow> }>();

  /** Adds a row; false (and the first kept) when the table has this student's row already. */
  add(
    studentId: string,
    metric: MetricName,
    params: string,
    asOf: DayNumber,
    row: MetricRow,
  ): boolean {
    const key = keyOf(asOf, metric, params);
    let set = this.sets.get(key);
    if (!set) {
      set = { held: { metric, params, asOf, students: 0 }, rows: new Map() };
      this.sets.set(key, set);
    }
    if (set.rows.has(studentId)) return false;
    set.rows.set(studentId, row);
    set.held.students++;
    return true;
  }

  /** Whether the table holds this metric with these parameters as of `asOf`, for anyone. */
  has(asOf: DayNumber, metric: MetricName, params: string): boolean {
    return this.sets.has(keyOf(asOf, metric, params));
  }

  get(
    asOf: DayNumber,
    metric: MetricName,
    params: string,
    studentId: string,
  ): MetricRow | undefined {
    return this.sets.get(keyOf(asOf, metric, params))?.rows.get(studentId);
  }

  /** Every computation held, by date, metric and parameters. */
  held(): HeldMetric[] {
    return [...this.sets.values()]
      .map((s) => s.held)
      .sort(
        (a, b) =>
          a.asOf - b.asOf ||
          (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0) ||
          (a.params < b.params ? -1 : a.params > b.params ? 1 : 0),
      );
  }

  /** The as-of dates the table holds, in order. */
  dates(): DayNumber[] {
    return [...new Set(this.held().map((h) => h.asOf))];
  }

  get size(): number {
    let n = 0;
    for (const s of this.sets.values()) n += s.rows.size;
    return n;
  }
}

/** `attendance_rate (absent_statuses=…;window=45)`: how a problem names a computation. */
export function describeMetric(metric: MetricName, params: string): string {
  return `${metric} (${params})`;
}

/** `2026-12-18`, or a short list of dates. */
export function describeDates(dates: readonly DayNumber[]): string {
  if (dates.length === 0) return "no dates";
  if (dates.length <= 5) return dates.map(formatDay).join(", ");
  return `${dates.length} dates from ${formatDay(dates[0])} to ${formatDay(dates[dates.length - 1])}`;
}
