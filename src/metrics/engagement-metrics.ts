/** missed_submissions and hybrid_engagement. */
import { type DayNumber, formatDay } from "../data/dates.ts";
import { filterIndex } from "./activity-metrics.ts";
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

/** Assessments due in the window, on or before the evaluation date, not submitted by then. */
export function missedSubmissions(
  ctx: StudentContext,
  params: MetricParams,
  withEvidence = false,
): MetricResult {
  const w = metricWindow(ctx, params.windowDays);
  const missed = ctx.submissions
    .filter(
      (s) =>
        w.size > 0 &&
        s.dueDate >= w.from &&
        s.dueDate <= ctx.asOf &&
        !isExcluded(ctx, s.dueDate) &&
        (s.submittedDate === undefined || s.submittedDate > ctx.asOf),
    )
    .sort((a, b) => a.dueDate - b.dueDate || (a.assessmentId < b.assessmentId ? -1 : 1));
  const list = missed.map((s) => `${s.assessmentId} (due ${formatDay(s.dueDate)})`).join(", ");
  return {
    value: missed.length,
    evidence: !withEvidence
      ? ""
      : missed.length === 0
        ? `no assessment due ${between(w)} is missing`
        : `${plural(missed.length, "assessment")} due ${between(w)} not submitted: ${list}`,
    window: w,
  };
}

/**
 * Share of school days on which the student attended in person or was active digitally
 * (the OEA hybrid view). Days before enrolment and excluded days do not count.
 */
export function hybridEngagement(
  ctx: StudentContext,
  params: MetricParams,
  withEvidence = false,
): MetricResult {
  const w = metricWindow(ctx, params.windowDays);
  const mask = ctx.absentMask;
  const present = new Set<DayNumber>();
  const recorded = new Set<DayNumber>();
  const att = ctx.dataset.attendance;
  for (let r = att.start[ctx.index]; r < att.start[ctx.index + 1]; r++) {
    recorded.add(att.day[r]);
    if ((mask & (1 << att.status[r])) === 0) present.add(att.day[r]);
  }
  const active = new Set<DayNumber>();
  const act = ctx.dataset.activity;
  const source = filterIndex(ctx.dataset.sources, params.source);
  for (let r = act.start[ctx.index]; r < act.start[ctx.index + 1]; r++) {
    if (act.count[r] > 0 && (source === -1 || act.source[r] === source)) active.add(act.day[r]);
  }
  const first = countsFrom(ctx, w.from);
  let days = 0;
  let engaged = 0;
  const cal = ctx.calendar.days;
  for (let i = w.startIndex; i <= w.endIndex; i++) {
    const day = cal[i];
    if (day < first || isExcluded(ctx, day)) continue;
    days++;
    const inPerson = present.has(day) || (ctx.absencesOnly && !recorded.has(day));
    if (inPerson || active.has(day)) engaged++;
  }
  if (days === 0) {
    return {
      value: Number.NaN,
      evidence: !withEvidence ? "" : `no school days ${between(w)}`,
      window: w,
    };
  }
  const share = engaged / days;
  return {
    value: share,
    evidence: !withEvidence
      ? ""
      : `attended or active online on ${engaged} of ${plural(days, "school day")} (${percent(share)}) ${between(w)}`,
    window: w,
  };
}
