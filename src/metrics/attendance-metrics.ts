/**
 * Metrics over attendance sessions: attendance_rate, absences, tardies,
 * sessions_recorded and consecutive_absences.
 *
 * A session is one attendance record on a school day of the window (a whole-day record
 * or one per period/section). Where the school records absences only, each school day
 * with no record is one attended session.
 */
import { STATUS_CODE } from "../data/dataset.ts";
import { type DayNumber, formatDay } from "../data/dates.ts";
import { ATTENDANCE_STATUSES } from "../data/schema.ts";
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
import { atContributingSchools } from "./recorded-at.ts";
import type { MetricParams } from "./registry.ts";

const TARDY = STATUS_CODE.tardy;

interface Tally {
  sessions: number;
  attended: number;
  /** Sessions by status code. */
  byStatus: number[];
}

export function absentMaskOf(statuses: readonly string[]): number {
  let mask = 0;
  for (const s of statuses) mask |= 1 << STATUS_CODE[s as keyof typeof STATUS_CODE];
  return mask;
}

function tallySessions(
  ctx: StudentContext,
  from: DayNumber,
  to: DayNumber,
  absentMask: number,
): Tally {
  const { attendance } = ctx.dataset;
  const byStatus = new Array<number>(ATTENDANCE_STATUSES.length).fill(0);
  let sessions = 0;
  let attended = 0;
  const end = attendance.start[ctx.index + 1];
  const hasExcluded = ctx.excluded.length > 0;
  for (let r = attendance.start[ctx.index]; r < end; r++) {
    const day = attendance.day[r];
    if (day < from || day > to || !ctx.calendar.isSchoolDay(day)) continue;
    if (hasExcluded && isExcluded(ctx, day)) continue;
    const status = attendance.status[r];
    sessions++;
    byStatus[status]++;
    if ((absentMask & (1 << status)) === 0) attended++;
  }
  if (ctx.absencesOnly) {
    const implied = schoolDaysWithoutRecord(ctx, countsFrom(ctx, from), to);
    sessions += implied;
    attended += implied;
    byStatus[STATUS_CODE.present] += implied;
  }
  return { sessions, attended, byStatus };
}

/** School days in `from..to` (not excluded) on which the student has no record at all. */
function schoolDaysWithoutRecord(ctx: StudentContext, from: DayNumber, to: DayNumber): number {
  const { attendance } = ctx.dataset;
  const recorded = new Set<DayNumber>();
  for (let r = attendance.start[ctx.index]; r < attendance.start[ctx.index + 1]; r++) {
    recorded.add(attendance.day[r]);
  }
  let n = 0;
  const days = ctx.calendar.days;
  for (let i = ctx.calendar.indexAtOrBefore(to); i >= 0 && days[i] >= from; i--) {
    if (!recorded.has(days[i]) && !isExcluded(ctx, days[i])) n++;
  }
  return n;
}

function absentMask(ctx: StudentContext, params: MetricParams): number {
  return params.absentStatuses ? absentMaskOf(params.absentStatuses) : ctx.absentMask;
}

export function attendanceRate(
  ctx: StudentContext,
  params: MetricParams,
  withEvidence = false,
): MetricResult {
  const w = metricWindow(ctx, params.windowDays);
  const mask = absentMask(ctx, params);
  const t = tallySessions(ctx, w.from, w.to, mask);
  if (t.sessions === 0) {
    return {
      value: Number.NaN,
      evidence: !withEvidence ? "" : `no attendance recorded ${between(w)}`,
      window: w,
    };
  }
  const rate = t.attended / t.sessions;
  return {
    value: rate,
    evidence: !withEvidence
      ? ""
      : `attended ${t.attended} of ${plural(t.sessions, "session")} (${percent(rate)}) ${between(w)}` +
        atContributingSchools(
          ctx,
          w.from,
          w.to,
          mask,
          (e) => `attended ${e.sessions - e.matched} of ${plural(e.sessions, "session")}`,
        ),
    window: w,
  };
}

export function sessionsRecorded(
  ctx: StudentContext,
  params: MetricParams,
  withEvidence = false,
): MetricResult {
  const w = metricWindow(ctx, params.windowDays);
  const t = tallySessions(ctx, w.from, w.to, ctx.absentMask);
  return {
    value: t.sessions,
    evidence: !withEvidence
      ? ""
      : `${plural(t.sessions, "session")} recorded ${between(w)}` +
        atContributingSchools(ctx, w.from, w.to, 0, (e) => plural(e.sessions, "session")),
    window: w,
  };
}

export function absences(
  ctx: StudentContext,
  params: MetricParams,
  withEvidence = false,
): MetricResult {
  const w = metricWindow(ctx, params.windowDays);
  const mask =
    params.kind !== undefined
      ? 1 << STATUS_CODE[params.kind as keyof typeof STATUS_CODE]
      : absentMask(ctx, params);
  const t = tallySessions(ctx, w.from, w.to, mask);
  const parts: string[] = [];
  let total = 0;
  ATTENDANCE_STATUSES.forEach((status, code) => {
    if ((mask & (1 << code)) !== 0 && t.byStatus[code] > 0) {
      total += t.byStatus[code];
      parts.push(`${t.byStatus[code]} ${status.replace(/_/g, " ")}`);
    }
  });
  const detail = parts.length > 1 ? ` (${parts.join(", ")})` : "";
  const what = params.kind !== undefined ? params.kind.replace(/_/g, " ") : "absence";
  return {
    value: total,
    evidence: !withEvidence
      ? ""
      : `${plural(total, what, params.kind !== undefined ? what : "absences")}${detail} ${between(w)}` +
        atContributingSchools(ctx, w.from, w.to, mask, (e) =>
          e.matched > 0 ? `${e.matched} of them` : "",
        ),
    window: w,
  };
}

export function tardies(
  ctx: StudentContext,
  params: MetricParams,
  withEvidence = false,
): MetricResult {
  const w = metricWindow(ctx, params.windowDays);
  const t = tallySessions(ctx, w.from, w.to, ctx.absentMask);
  const n = t.byStatus[TARDY];
  return {
    value: n,
    evidence: !withEvidence
      ? ""
      : `late ${n === 1 ? "once" : `${n} times`} ${between(w)}` +
        atContributingSchools(ctx, w.from, w.to, 1 << TARDY, (e) =>
          e.matched > 0 ? `${e.matched} of them` : "",
        ),
    window: w,
  };
}

/**
 * The current run of absent school days, counted back from the most recent school day
 * with data (days at the end with no data yet are skipped). A day is absent when every
 * session recorded that day is an absence. A school day without any record ends the run,
 * unless the school records absences only (then it is a present day). Days covered by an
 * approved circumstance are passed over. The run never reaches past the policy window.
 */
export function consecutiveAbsences(
  ctx: StudentContext,
  params: MetricParams,
  withEvidence = false,
): MetricResult {
  const w = metricWindow(ctx, undefined);
  const mask = absentMask(ctx, params);
  const { attendance } = ctx.dataset;
  const first = countsFrom(ctx, w.from);
  let r = attendance.start[ctx.index + 1] - 1;
  const stop = attendance.start[ctx.index];
  let run = 0;
  let started = false;
  let runFrom = w.to;
  let runTo = w.to;
  const days = ctx.calendar.days;
  for (let i = w.endIndex; i >= w.startIndex && days[i] >= first; i--) {
    const day = days[i];
    let any = false;
    let attended = false;
    while (r >= stop && attendance.day[r] > day) r--;
    while (r >= stop && attendance.day[r] === day) {
      any = true;
      if ((mask & (1 << attendance.status[r])) === 0) attended = true;
      r--;
    }
    if (isExcluded(ctx, day)) continue;
    if (!any && !ctx.absencesOnly) {
      if (started) break;
      continue;
    }
    if (!any || attended) break;
    if (!started) runTo = day;
    started = true;
    run++;
    runFrom = day;
  }
  const evidence = !withEvidence
    ? ""
    : run === 0
      ? "no current run of absences"
      : run === 1
        ? `absent on the latest school day (${formatDay(runTo)})`
        : `absent on each of the last ${run} school days (${formatDay(runFrom)} to ${formatDay(runTo)})`;
  const elsewhere =
    !withEvidence || run === 0
      ? ""
      : atContributingSchools(ctx, runFrom, runTo, mask, (e) =>
          run === 1 ? "absent from its sessions" : `absent from its sessions on ${e.days} of them`,
        );
  return { value: run, evidence: evidence + elsewhere, window: w };
}
