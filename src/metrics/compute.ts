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

/** The metric's value; with `withEvidence`, also the sentence that explains it. */
export function computeMetric(
  name: MetricName,
  ctx: StudentContext,
  params: MetricParams,
  withEvidence = false,
): MetricResult {
  return METRIC_FUNCTIONS[name](ctx, params, withEvidence);
}
