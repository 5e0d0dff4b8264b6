/**
 * Metrics over digital activity: days_since_activity, activity_count, activity_change.
 * Activity counts on any day from the window's first school day to the evaluation date
 * (a login on a Saturday is still a login); "days since" counts school days only.
 */
import type { Window } from "../calendar/index.ts";
import { type DayNumber, formatDay } from "../data/dates.ts";
import {
  between,
  countsFrom,
  isExcluded,
  type MetricResult,
  metricWindow,
  percent,
  plural,
  type StudentContext,
} from "./context.ts";
import type { MetricParams } from "./registry.ts";

/** Index of a source or kind in the data set: -1 = any, -2 = named but absent from the data. */
export function filterIndex(values: readonly string[], wanted: string | undefined): number {
  if (wanted === undefined) return -1;
  for (const candidate of [wanted.toLowerCase(), wanted]) {
    const i = values.indexOf(candidate);
    if (i >= 0) return i;
  }
  return -2;
}

interface ActivityFilter {
  source: number;
  kind: number;
}

function filterOf(ctx: StudentContext, params: MetricParams): ActivityFilter {
  return {
    source: filterIndex(ctx.dataset.sources, params.source),
    kind: filterIndex(ctx.dataset.kinds, params.kind),
  };
}

/** "vle activity", "teams login", "activity". */
function label(params: MetricParams): string {
  return [params.source, params.kind ?? "activity"].filter(Boolean).join(" ");
}

/** Sum of activity counts on days `from..to` (excluded days left out). */
export function sumActivity(
  ctx: StudentContext,
  filter: ActivityFilter,
  from: DayNumber,
  to: DayNumber,
): number {
  const a = ctx.dataset.activity;
  let sum = 0;
  const hasExcluded = ctx.excluded.length > 0;
  for (let r = a.start[ctx.index]; r < a.start[ctx.index + 1]; r++) {
    const day = a.day[r];
    if (day < from || day > to) continue;
    if (filter.source !== -1 && a.source[r] !== filter.source) continue;
    if (filter.kind !== -1 && a.kind[r] !== filter.kind) continue;
    if (hasExcluded && isExcluded(ctx, day)) continue;
    sum += a.count[r];
  }
  return sum;
}

/** The last day on or before `asOf` with matching activity, or undefined. */
function lastActivity(ctx: StudentContext, filter: ActivityFilter): DayNumber | undefined {
  const a = ctx.dataset.activity;
  let last: DayNumber | undefined;
  for (let r = a.start[ctx.index]; r < a.start[ctx.index + 1]; r++) {
    const day = a.day[r];
    if (day > ctx.asOf || (last !== undefined && day <= last) || a.count[r] <= 0) continue;
    if (filter.source !== -1 && a.source[r] !== filter.source) continue;
    if (filter.kind !== -1 && a.kind[r] !== filter.kind) continue;
    last = day;
  }
  return last;
}

/** School days of the window from `after` (exclusive) on, not before enrolment, not excluded. */
function schoolDaysAfter(ctx: StudentContext, w: Window, after: DayNumber): number {
  const first = countsFrom(ctx, w.from);
  let n = 0;
  const days = ctx.calendar.days;
  for (let i = w.endIndex; i >= w.startIndex && days[i] > after; i--) {
    if (days[i] >= first && !isExcluded(ctx, days[i])) n++;
  }
  return n;
}

export function daysSinceActivity(
  ctx: StudentContext,
  params: MetricParams,
  withEvidence = false,
): MetricResult {
  const w = metricWindow(ctx, params.windowDays);
  const what = label(params);
  const last = lastActivity(ctx, filterOf(ctx, params));
  if (last !== undefined && last >= w.from) {
    const n = schoolDaysAfter(ctx, w, last);
    return {
      value: n,
      evidence: !withEvidence
        ? ""
        : n === 0
          ? `${what} on ${formatDay(last)}`
          : `no ${what} for ${plural(n, "school day")} (last on ${formatDay(last)})`,
      window: w,
    };
  }
  const n = schoolDaysAfter(ctx, w, Number.NEGATIVE_INFINITY);
  const since = countsFrom(ctx, w.from);
  return {
    value: n,
    evidence: !withEvidence
      ? ""
      : `no ${what} recorded in ${plural(n, "school day")} ${between({ ...w, from: Math.max(since, w.from) })}`,
    window: w,
  };
}

export function activityCount(
  ctx: StudentContext,
  params: MetricParams,
  withEvidence = false,
): MetricResult {
  const w = metricWindow(ctx, params.windowDays);
  const n = w.size === 0 ? 0 : sumActivity(ctx, filterOf(ctx, params), w.from, ctx.asOf);
  return {
    value: n,
    evidence: !withEvidence ? "" : `${n} × ${label(params)} ${between(w)}`,
    window: w,
  };
}

/**
 * Activity in the window against the window of equal length just before it. Both windows
 * lie inside the policy's window (clean slate), so without an explicit `window` each is
 * half of it.
 */
export function activityChange(
  ctx: StudentContext,
  params: MetricParams,
  withEvidence = false,
): MetricResult {
  const size = Math.min(
    params.windowDays ?? Math.floor(ctx.policyWindow / 2),
    Math.floor(ctx.policyWindow / 2),
  );
  const w = ctx.calendar.window(ctx.asOf, size);
  const p = ctx.calendar.previous(w, size);
  const filter = filterOf(ctx, params);
  const now = w.size === 0 ? 0 : sumActivity(ctx, filter, w.from, ctx.asOf);
  const before = p.size === 0 ? 0 : sumActivity(ctx, filter, p.from, w.from - 1);
  const what = label(params);
  if (p.size < size || before === 0) {
    return {
      value: Number.NaN,
      evidence: !withEvidence
        ? ""
        : `${now} × ${what} ${between(w)}; nothing to compare with in the ${plural(size, "school day")} before`,
      window: w,
    };
  }
  const ratio = now / before;
  return {
    value: ratio,
    evidence: !withEvidence
      ? ""
      : `${now} × ${what} ${between(w)}, against ${before} in the previous ${plural(p.size, "school day")} (${percent(ratio)})`,
    window: w,
  };
}
