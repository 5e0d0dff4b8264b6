/** Dispatches a metric by name. */
import { activeDays } from "./active-days.ts";
import { activityChange, activityCount, daysSinceActivity } from "./activity-metrics.ts";
import { assessmentScore } from "./assessment-metrics.ts";
import {
  absences,
  attendanceRate,
  consecutiveAbsences,
  sessionsRecorded,
  tardies,
} from "./attendance-metrics.ts";
import { activityVsCohort } from "./cohort.ts";
import type { MetricResult, StudentContext } from "./context.ts";
import { hybridEngagement, missedSubmissions } from "./engagement-metrics.ts";
import type { MetricName, MetricParams } from "./registry.ts";
import { type MetricSource, tableSourceOf } from "./table/source.ts";

type MetricFn = (ctx: StudentContext, params: MetricParams, withEvidence?: boolean) => MetricResult;

export const METRIC_FUNCTIONS: Readonly<Record<MetricName, MetricFn>> = {
  attendance_rate: attendanceRate,
  absences,
  consecutive_absences: consecutiveAbsences,
  tardies,
  days_since_activity: daysSinceActivity,
  activity_count: activityCount,
  activity_change: activityChange,
  activity_vs_cohort: activityVsCohort,
  missed_submissions: missedSubmissions,
  hybrid_engagement: hybridEngagement,
  sessions_recorded: sessionsRecorded,
  active_days: activeDays,
  assessment_score: assessmentScore,
};

/** Metric values computed from the student's events: the default source. */
export const EVENT_METRICS: MetricSource = {
  kind: "events",
  metric: (name, ctx, params, withEvidence) => METRIC_FUNCTIONS[name](ctx, params, withEvidence),
};

/** Where the data set's metric values come from: its metrics table, or else its events. */
export function metricSourceOf(dataset: StudentContext["dataset"]): MetricSource {
  return tableSourceOf(dataset) ?? EVENT_METRICS;
}

/**
 * The metric's value; with `withEvidence`, also the sentence that explains it. Computed
 * from the events, or read from the metrics table the data set came with (table/source.ts).
 */
export function computeMetric(
  name: MetricName,
  ctx: StudentContext,
  params: MetricParams,
  withEvidence = false,
): MetricResult {
  return metricSourceOf(ctx.dataset).metric(name, ctx, params, withEvidence);
}
