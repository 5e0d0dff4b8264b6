/** The metrics module's public surface. */
export { absentMaskOf } from "./attendance-metrics.ts";
export { CohortStats } from "./cohort.ts";
export { computeMetric, EVENT_METRICS, metricSourceOf } from "./compute.ts";
export {
  type MetricResult,
  type StudentContext,
  type WindowFacts,
  windowFacts,
} from "./context.ts";
export {
  COHORT_KEYS,
  COHORT_MEASURES,
  METRIC_NAMES,
  METRICS,
  type MetricName,
  type MetricParams,
  type ParamName,
} from "./registry.ts";
export { type TableGap, tableGap } from "./table/check.ts";
export {
  describeDates,
  describeMetric,
  type HeldMetric,
  type MetricRow,
  MetricTable,
} from "./table/metric-table.ts";
export {
  CANONICAL_KEYS,
  canonicalParams,
  effectiveWindow,
  type PolicyDefaults,
  parseParams,
} from "./table/params.ts";
export {
  METRIC_TABLE,
  type MetricSource,
  metricTableOf,
  TableMetricSource,
  withMetricTable,
} from "./table/source.ts";
