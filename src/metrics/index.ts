/** The metrics module's public surface. */
export { absentMaskOf } from "./attendance-metrics.ts";
export { CohortStats } from "./cohort.ts";
export { computeMetric } from "./compute.ts";
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
