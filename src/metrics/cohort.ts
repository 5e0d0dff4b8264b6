/**
 * activity_vs_cohort: a student's activity relative to their cohort (module presentation,
 * section, year group…), as a share of the cohort median or as a percentile. The cohort's
 * figures are computed once per evaluation for each distinct set of parameters.
 */

import { activityCount } from "./activity-metrics.ts";
import {
  between,
  type MetricResult,
  metricWindow,
  percent,
  type StudentContext,
} from "./context.ts";
import type { MetricParams } from "./registry.ts";

interface Cohort {
  /** Sorted activity counts of the cohort's members. */
  counts: Float64Array;
  median: number;
}

/**
 * Cohort statistics for one evaluation. `members` lists the students in scope; a cohort
 * is computed from the contexts of its members the first time one of them asks.
 */
export class CohortStats {
  private readonly cache = new Map<string, Map<string, Cohort>>();

  constructor(private readonly contexts: () => Iterable<StudentContext>) {}

  cohortOf(ctx: StudentContext, params: MetricParams): { key: string; cohort: Cohort } | undefined {
    const by = params.cohortBy ?? "cohort";
    const key = cohortKey(ctx, by);
    if (key === undefined) return undefined;
    const paramsKey = JSON.stringify([by, params.windowDays, params.source, params.kind]);
    let cohorts = this.cache.get(paramsKey);
    if (!cohorts) {
      cohorts = this.compute(by, params);
      this.cache.set(paramsKey, cohorts);
    }
    const cohort = cohorts.get(key);
    return cohort ? { key, cohort } : undefined;
  }

  private compute(
    by: NonNullable<MetricParams["cohortBy"]>,
    params: MetricParams,
  ): Map<string, Cohort> {
    const values = new Map<string, number[]>();
    for (const ctx of this.contexts()) {
      const key = cohortKey(ctx, by);
      if (key === undefined) continue;
      let list = values.get(key);
      if (!list) {
        list = [];
        values.set(key, list);
      }
      list.push(activityCount(ctx, params).value);
    }
    const cohorts = new Map<string, Cohort>();
    for (const [key, list] of values) {
      const counts = Float64Array.from(list).sort();
      const mid = counts.length >> 1;
      const median = counts.length % 2 === 1 ? counts[mid] : (counts[mid - 1] + counts[mid]) / 2;
      cohorts.set(key, { counts, median });
    }
    return cohorts;
  }
}

function cohortKey(
  ctx: StudentContext,
  by: NonNullable<MetricParams["cohortBy"]>,
): string | undefined {
  const s = ctx.student;
  switch (by) {
    case "cohort":
      return s.cohort;
    case "year":
      return s.year;
    case "school":
      return s.school;
    case "programme":
      return s.programme;
    case "section": {
      let first: string | undefined;
      for (const e of ctx.dataset.enrolments) {
        if (e.studentId === s.id && (first === undefined || e.sectionId < first))
          first = e.sectionId;
      }
      return first;
    }
  }
}

export function activityVsCohort(
  ctx: StudentContext,
  params: MetricParams,
  withEvidence = false,
): MetricResult {
  const w = metricWindow(ctx, params.windowDays);
  const own = activityCount(ctx, params).value;
  const found = ctx.cohorts.cohortOf(ctx, params);
  const by = params.cohortBy ?? "cohort";
  if (!found) {
    return {
      value: Number.NaN,
      evidence: !withEvidence ? "" : `no ${by} recorded to compare with`,
      window: w,
    };
  }
  const { key, cohort } = found;
  const what = [params.source, params.kind ?? "activity"].filter(Boolean).join(" ");
  if (params.measure === "percentile") {
    let below = 0;
    let equal = 0;
    for (const c of cohort.counts) {
      if (c < own) below++;
      else if (c === own) equal++;
    }
    const pct = (100 * (below + equal / 2)) / cohort.counts.length;
    return {
      value: pct,
      evidence: !withEvidence
        ? ""
        : `${own} × ${what} ${between(w)}: percentile ${Math.floor(pct)} of ${by} ${key} (${cohort.counts.length} students)`,
      window: w,
    };
  }
  if (cohort.median === 0) {
    return {
      value: Number.NaN,
      evidence: !withEvidence
        ? ""
        : `${own} × ${what} ${between(w)}; the median of ${by} ${key} is 0, nothing to compare with`,
      window: w,
    };
  }
  const share = own / cohort.median;
  return {
    value: share,
    evidence: !withEvidence
      ? ""
      : `${own} × ${what} ${between(w)}: ${percent(share)} of the median of ${by} ${key} (${cohort.median})`,
    window: w,
  };
}
