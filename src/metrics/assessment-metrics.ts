/**
 * assessment_score: the lowest mark (0–100) among the assessments due in the window and
 * handed in, with a mark, by the evaluation date. Early marks say more than activity about
 * who will struggle: a low first mark is a reason to talk while there is time to catch up.
 * Unknown when no marked assessment fell due in the window (nothing to say yet).
 */
import { formatDay } from "../data/dates.ts";
import {
  between,
  isExcluded,
  type MetricResult,
  metricWindow,
  plural,
  type StudentContext,
} from "./context.ts";
import type { MetricParams } from "./registry.ts";

export function assessmentScore(
  ctx: StudentContext,
  params: MetricParams,
  withEvidence = false,
): MetricResult {
  const w = metricWindow(ctx, params.windowDays);
  const marked = ctx.submissions
    .filter(
      (s) =>
        w.size > 0 &&
        s.score !== undefined &&
        s.dueDate >= w.from &&
        s.dueDate <= ctx.asOf &&
        s.submittedDate !== undefined &&
        s.submittedDate <= ctx.asOf &&
        !isExcluded(ctx, s.dueDate),
    )
    .sort((a, b) => a.dueDate - b.dueDate || (a.assessmentId < b.assessmentId ? -1 : 1));
  if (marked.length === 0) {
    return {
      value: Number.NaN,
      evidence: !withEvidence ? "" : `no marked assessment due ${between(w)}`,
      window: w,
    };
  }
  const lowest = Math.min(...marked.map((s) => s.score as number));
  const list = marked
    .map((s) => `${s.assessmentId} ${s.score} (due ${formatDay(s.dueDate)})`)
    .join(", ");
  return {
    value: lowest,
    evidence: !withEvidence
      ? ""
      : `lowest mark ${lowest} of ${plural(marked.length, "marked assessment")} due ${between(w)}: ${list}`,
    window: w,
  };
}
