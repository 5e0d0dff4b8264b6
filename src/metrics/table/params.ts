/**
 * The canonical parameter string of a metric test: what identifies one computation of a
 * metric in a metrics table (docs/metrics-table.md). It holds every parameter the value
 * depends on, with the policy's settings filled in — so `{ metric: attendance_rate }` in a
 * policy with a 45-day window and the default absent statuses, and the same test written
 * with `window: 45 school days`, are the same row of the table:
 *
 *   absent_statuses=excused_absence,unexcused_absence;window=45
 *
 * Keys in alphabetical order, `key=value` joined with `;`, only the keys the metric takes:
 * - `window`: the window in school days the value is computed over — the test's own, never
 *   longer than the policy's; for `activity_change` each of its two halves; for
 *   `consecutive_absences` (which takes no window) the policy's clean-slate window;
 * - `absent_statuses`: for the metrics that count absences (`attendance_rate`,
 *   `consecutive_absences`, `hybrid_engagement`, and `absences` without a `kind`), the
 *   statuses that count as absent — the test's, else the policy's — in the order of
 *   Reach's status list (present … unexcused_absence), joined with `,`;
 * - `source`, `kind`: when the test names one (lower case); absent means all;
 * - `cohort_by` (default `cohort`) and `measure` (default `share_of_median`) for
 *   `activity_vs_cohort`.
 * In values, `%`, `;`, `=` and `,` are written `%25`, `%3B`, `%3D` and `%2C`.
 */
import { ATTENDANCE_STATUSES, type AttendanceStatus } from "../../data/statuses.ts";
import {
  COHORT_KEYS,
  COHORT_MEASURES,
  METRICS,
  type MetricName,
  type MetricParams,
} from "../registry.ts";

/** The policy settings a metric's value depends on. */
export interface PolicyDefaults {
  /** The policy's clean-slate window, in school days. */
  windowDays: number;
  /** Bit i set when ATTENDANCE_STATUSES[i] counts as absent under the policy. */
  absentMask: number;
}

export const CANONICAL_KEYS = [
  "absent_statuses",
  "cohort_by",
  "kind",
  "measure",
  "source",
  "window",
] as const;
export type CanonicalKey = (typeof CANONICAL_KEYS)[number];

/** The school days a test's value is computed over (metricWindow and activityChange). */
export function effectiveWindow(
  metric: MetricName,
  params: MetricParams,
  policyWindow: number,
): number {
  if (metric === "activity_change") {
    const half = Math.floor(policyWindow / 2);
    return Math.min(params.windowDays ?? half, half);
  }
  if (metric === "consecutive_absences") return policyWindow;
  return Math.min(params.windowDays ?? policyWindow, policyWindow);
}

/** Whether the metric's value depends on which statuses count as absent. */
export function countsAbsences(metric: MetricName, params: MetricParams): boolean {
  if (metric === "absences") return params.kind === undefined;
  return (
    metric === "attendance_rate" ||
    metric === "consecutive_absences" ||
    metric === "hybrid_engagement"
  );
}

function maskOf(statuses: readonly string[]): number {
  let mask = 0;
  for (const s of statuses) {
    const i = ATTENDANCE_STATUSES.indexOf(s as AttendanceStatus);
    if (i >= 0) mask |= 1 << i;
  }
  return mask;
}

function statusesOf(mask: number): string[] {
  return ATTENDANCE_STATUSES.filter((_, i) => (mask & (1 << i)) !== 0);
}

export function escapeValue(value: string): string {
  return value.replace(/[%;=,]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function unescapeValue(value: string): string {
  return value.replace(/%(25|3B|3D|2C)/gi, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/** The canonical parameters of a test as key → value (values unescaped). */
export function effectiveParams(
  metric: MetricName,
  params: MetricParams,
  policy: PolicyDefaults,
): Map<CanonicalKey, string> {
  const out = new Map<CanonicalKey, string>();
  const takes = METRICS[metric].params;
  if (countsAbsences(metric, params)) {
    const mask = params.absentStatuses ? maskOf(params.absentStatuses) : policy.absentMask;
    out.set("absent_statuses", statusesOf(mask).join(","));
  }
  if (metric === "activity_vs_cohort") {
    out.set("cohort_by", params.cohortBy ?? "cohort");
    out.set("measure", params.measure ?? "share_of_median");
  }
  if (params.kind !== undefined && takes.includes("kind"))
    out.set("kind", params.kind.toLowerCase());
  if (params.source !== undefined && takes.includes("source")) {
    out.set("source", params.source.toLowerCase());
  }
  out.set("window", String(effectiveWindow(metric, params, policy.windowDays)));
  return out;
}

/** The canonical parameter string of a metric test under a policy's settings. */
export function canonicalParams(
  metric: MetricName,
  params: MetricParams,
  policy: PolicyDefaults,
): string {
  return formatParams(effectiveParams(metric, params, policy));
}

export function formatParams(values: ReadonlyMap<CanonicalKey, string>): string {
  return CANONICAL_KEYS.filter((k) => values.has(k))
    .map((k) => {
      const v = values.get(k) as string;
      // A list keeps its commas; its items are escaped one by one.
      const text =
        k === "absent_statuses" ? v.split(",").map(escapeValue).join(",") : escapeValue(v);
      return `${k}=${text}`;
    })
    .join(";");
}

/**
 * Reads a parameter string as a metrics table holds it (keys in any order, spaces around
 * parts allowed) and checks it against what the metric takes. Returns the canonical
 * string, or why it cannot be one.
 */
export function parseParams(
  metric: MetricName,
  text: string,
): { canonical: string } | { problem: string } {
  const values = new Map<CanonicalKey, string>();
  const parts = text.trim() === "" ? [] : text.split(";");
  for (const raw of parts) {
    const part = raw.trim();
    const eq = part.indexOf("=");
    if (eq <= 0) return { problem: `"${part}" is not key=value` };
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!(CANONICAL_KEYS as readonly string[]).includes(key)) {
      return { problem: `unknown parameter ${key} (parameters: ${CANONICAL_KEYS.join(", ")})` };
    }
    if (values.has(key as CanonicalKey)) return { problem: `${key} is given twice` };
    values.set(key as CanonicalKey, value);
  }
  const expected = expectedKeys(metric, values);
  for (const key of values.keys()) {
    if (!expected.allowed.has(key)) return { problem: `${metric} does not take ${key}` };
  }
  for (const key of expected.required) {
    if (!values.has(key)) return { problem: `${metric} needs ${key}` };
  }
  const window = values.get("window") as string;
  if (!/^\d+$/.test(window) || Number(window) < 1 || Number(window) > 365) {
    return {
      problem: `window must be a whole number of school days from 1 to 365, not "${window}"`,
    };
  }
  values.set("window", String(Number(window)));
  const statuses = values.get("absent_statuses");
  if (statuses !== undefined) {
    const list = statuses.split(",").map((s) => unescapeValue(s.trim()));
    const bad = list.filter(
      (s) => s === "present" || !ATTENDANCE_STATUSES.includes(s as AttendanceStatus),
    );
    if (bad.length > 0 || list.length === 0) {
      return { problem: `absent_statuses: "${bad[0] ?? ""}" is not an absent status` };
    }
    values.set("absent_statuses", statusesOf(maskOf(list)).join(","));
  }
  const by = values.get("cohort_by");
  if (by !== undefined && !(COHORT_KEYS as readonly string[]).includes(by)) {
    return { problem: `cohort_by must be one of ${COHORT_KEYS.join(", ")}` };
  }
  const measure = values.get("measure");
  if (measure !== undefined && !(COHORT_MEASURES as readonly string[]).includes(measure)) {
    return { problem: `measure must be one of ${COHORT_MEASURES.join(", ")}` };
  }
  for (const key of ["source", "kind"] as const) {
    const v = values.get(key);
    if (v !== undefined) values.set(key, unescapeValue(v).toLowerCase());
  }
  return { canonical: formatParams(values) };
}

/** The keys a row of `metric` must and may have (`absences` takes a kind or absent statuses). */
function expectedKeys(
  metric: MetricName,
  values: ReadonlyMap<CanonicalKey, string>,
): { required: CanonicalKey[]; allowed: Set<CanonicalKey> } {
  const takes = METRICS[metric].params;
  const required: CanonicalKey[] = ["window"];
  const allowed = new Set<CanonicalKey>(["window"]);
  if (takes.includes("source")) allowed.add("source");
  if (takes.includes("kind")) allowed.add("kind");
  if (metric === "activity_vs_cohort") {
    required.push("cohort_by", "measure");
    allowed.add("cohort_by").add("measure");
  }
  const absences = countsAbsences(metric, { kind: values.get("kind") });
  if (absences) {
    required.push("absent_statuses");
    allowed.add("absent_statuses");
  }
  return { required, allowed };
}
