/**
 * active_days: on how many days of the window the student did anything at all. A student
 * who works in one long session a week and one who looks in every day may click as often;
 * the number of days active says which habit they have, and a drop to one or two days a
 * fortnight is an early sign of drifting away. Days count from the window's first school
 * day to the evaluation date, weekends included (as for activity_count).
 */
import { filterIndex } from "./activity-metrics.ts";
import {
  between,
  isExcluded,
  type MetricResult,
  metricWindow,
  plural,
  type StudentContext,
} from "./context.ts";
import type { MetricParams } from "./registry.ts";

export function activeDays(
  ctx: StudentContext,
  params: MetricParams,
  withEvidence = false,
): MetricResult {
  const w = metricWindow(ctx, params.windowDays);
  const source = filterIndex(ctx.dataset.sources, params.source);
  const kind = filterIndex(ctx.dataset.kinds, params.kind);
  const a = ctx.dataset.activity;
  const days = new Set<number>();
  if (w.size > 0) {
    for (let r = a.start[ctx.index]; r < a.start[ctx.index + 1]; r++) {
      const day = a.day[r];
      if (day < w.from || day > ctx.asOf || a.count[r] <= 0) continue;
      if (source !== -1 && a.source[r] !== source) continue;
      if (kind !== -1 && a.kind[r] !== kind) continue;
      if (ctx.excluded.length > 0 && isExcluded(ctx, day)) continue;
      days.add(day);
    }
  }
  const what = [params.source, params.kind ?? "activity"].filter(Boolean).join(" ");
  return {
    value: days.size,
    evidence: !withEvidence ? "" : `${what} on ${plural(days.size, "day")} ${between(w)}`,
    window: w,
  };
}
