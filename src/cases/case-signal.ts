/**
 * A signal as a case keeps it: the evaluator's `Signal` (which rule fired, and every
 * metric test with its value, window and evidence sentence), validated so that a case
 * read back from a store or a card payload holds exactly this shape and nothing else.
 */
import { z } from "zod/v4";
import { isIsoDate } from "../data/dates.ts";
import { ATTENDANCE_STATUSES } from "../data/schema.ts";
import { COHORT_KEYS, COHORT_MEASURES, METRIC_NAMES } from "../metrics/index.ts";
import { COMPARATORS, SEVERITIES } from "../rules/index.ts";

export const IsoDateSchema = z
  .string({ error: "a date as YYYY-MM-DD is required" })
  .refine(isIsoDate, {
    error: (issue) => `expected a date as YYYY-MM-DD, got ${show(issue.input)}`,
  });

const MetricParamsSchema = z.object({
  windowDays: z.number().int().positive().optional(),
  source: z.string().optional(),
  kind: z.string().optional(),
  absentStatuses: z.array(z.enum(ATTENDANCE_STATUSES)).optional(),
  cohortBy: z.enum(COHORT_KEYS).optional(),
  measure: z.enum(COHORT_MEASURES).optional(),
});

const ConditionEvidenceSchema = z.object({
  metric: z.enum(METRIC_NAMES),
  params: MetricParamsSchema,
  op: z.enum(COMPARATORS),
  threshold: z.number(),
  value: z.number().nullable(),
  met: z.boolean().nullable(),
  evidence: z.string(),
  window: z.object({ from: z.string(), to: z.string(), schoolDays: z.number().int() }),
});

export const CaseSignalSchema = z.object({
  ruleId: z.string().min(1),
  ruleName: z.string(),
  severity: z.enum(SEVERITIES),
  conditions: z.array(ConditionEvidenceSchema),
  runs: z.number().int().nonnegative(),
  since: z.string(),
  outreach: z.string().optional(),
  /**
   * A watch rule's signal (`action: watch`): recorded on an open case and shown apart, under
   * "Also watching"; it never opens a case nor raises its severity. Absent on every other
   * signal, and so on every history stored before watch rules.
   */
  watch: z.literal(true).optional(),
});
export type CaseSignal = z.output<typeof CaseSignalSchema>;

/** The evaluator's `Finding`, as the engine hands it to the case workflow. */
export const FindingSchema = z.object({
  studentId: z.string().min(1),
  policyId: z.string().min(1),
  asOf: IsoDateSchema,
  severity: z.enum(SEVERITIES),
  ruleIds: z.array(z.string()),
  signals: z.array(CaseSignalSchema).min(1, "a finding needs at least one signal"),
  inhibited: z.array(CaseSignalSchema),
});

/** A signal without the numbers and sentences about the student (right to erasure). */
export function redactSignal(signal: CaseSignal): CaseSignal {
  const kept: CaseSignal = {
    ruleId: signal.ruleId,
    ruleName: signal.ruleName,
    severity: signal.severity,
    conditions: [],
    runs: signal.runs,
    since: signal.since,
  };
  if (signal.outreach !== undefined) kept.outreach = signal.outreach;
  if (signal.watch === true) kept.watch = true;
  return kept;
}

export function show(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}
