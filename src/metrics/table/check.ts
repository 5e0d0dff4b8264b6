/**
 * Whether a metrics table holds what a policy's tests need on a date: each test's metric
 * with its canonical parameters, as of that date. The data check (rules/data-check.ts)
 * turns each gap into an error naming the metric and parameters, so a run on a table that
 * lacks a test never evaluates it as "unknown for everyone" without saying so.
 */
import { type DayNumber, formatDay } from "../../data/dates.ts";
import type { MetricName, MetricParams } from "../registry.ts";
import { describeDates, describeMetric, type MetricTable } from "./metric-table.ts";
import { canonicalParams, type PolicyDefaults } from "./params.ts";

export interface TableGap {
  message: string;
  hint?: string;
}

/**
 * Why the table cannot give this test's values (as of `asOf`; without a date, on any date
 * it holds), or undefined when it can.
 */
export function tableGap(
  table: MetricTable,
  metric: MetricName,
  params: MetricParams,
  policy: PolicyDefaults,
  asOf: DayNumber | undefined,
): TableGap | undefined {
  const key = canonicalParams(metric, params, policy);
  const held = table.held();
  const same = held.filter((h) => h.metric === metric && h.params === key);
  if (asOf === undefined ? same.length > 0 : same.some((h) => h.asOf === asOf)) return undefined;
  const what = describeMetric(metric, key);
  if (same.length > 0) {
    return {
      message: `the metrics table has no ${what} as of ${formatDay(asOf as DayNumber)} (it has it as of ${describeDates(same.map((h) => h.asOf))})`,
      hint: "compute the table for the run's date, or evaluate a date it holds",
    };
  }
  const others = [
    ...new Set(held.filter((h) => h.metric === metric).map((h) => `${h.metric} (${h.params})`)),
  ];
  const when = asOf === undefined ? "" : ` as of ${formatDay(asOf)}`;
  return {
    message: `the metrics table has no ${what}${when}`,
    hint:
      others.length > 0
        ? `it has ${others.slice(0, 3).join(", ")}: compute the table with this test's parameters`
        : held.length === 0
          ? "the table is empty"
          : `it has no ${metric} at all: compute it where the table is made (docs/metrics-table.md)`,
  };
}
