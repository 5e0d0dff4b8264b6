/**
 * A policy's fairness in aggregate (`reach fairness`): import the data, evaluate the
 * policy as of a date as a dry run does, and count findings — and, with a case store,
 * cases — by group of each monitoring field. The counting and the hiding of small cells
 * are `fairnessReport` in `src/run/fairness.ts`; here the data and the store are read.
 *
 * Reading the store's cases of the policy is a read of case data: each case counted is
 * recorded in its audit trail as read by the operator, as `reach cases list` records a
 * listing, though no case is shown.
 */
import { buildCalendars } from "../calendar/index.ts";
import { ERASED_STUDENT_ID } from "../cases/index.ts";
import type { ImportOptions } from "../data/adapters/adapter.ts";
import type { SourceName } from "../data/adapters/index.ts";
import { type DayNumber, parseIsoDate } from "../data/dates.ts";
import type { ImportReport } from "../data/import-report.ts";
import { type DataCheck, type Policy, policyScope } from "../rules/index.ts";
import { type DatedStudent, dryRun, type FairnessReport, fairnessReport } from "../run/index.ts";
import type { Store } from "../store/index.ts";

export {
  type DatedStudent,
  type FairnessField,
  type FairnessGroup,
  type FairnessOverall,
  type FairnessReport,
  fairnessReport,
  type Quarter,
  type QuarterFairness,
  type QuarterFairnessInput,
  quarterFairness,
  quarterOf,
  RATIO_HIGH,
  RATIO_LOW,
  type ShownCount,
  SMALL_CELL,
} from "../run/index.ts";

export interface FairnessOptions {
  policy: Policy;
  source: SourceName;
  dataDir: string;
  asOf: DayNumber;
  onProgress?: ImportOptions["onProgress"];
  /**
   * The case store and who reads it; without it, or when it holds no case of the policy,
   * finding rates only.
   */
  cases?: { store: Store; operator: string; at: string };
}

export interface CaseCount {
  /** Cases of the policy opened as of the date or before. */
  counted: number;
  /** Of those, cases of students not in scope on the date (not in any group). */
  notInScope: number;
  /** Erased cases: their student is gone, so they are in no group. */
  erased: number;
}

export interface FairnessResult {
  report: FairnessReport;
  /** The policy was evaluated as if it had also run on this many school days before. */
  runsBefore: number;
  check: DataCheck;
  /** The import's report (rows accepted and rejected; never shown row by row here). */
  imported: ImportReport;
  /** What was read of the store, when a store was given. */
  cases?: CaseCount;
}

/**
 * The policy's finding rates (and case rates) by group as of `asOf`. The policy is
 * evaluated on `asOf` after the school days before it that its longest `for: N runs`
 * needs, from no rule state, so a finding is what daily runs would have found. Students
 * in scope are those the policy evaluated on `asOf` (of its schools, not suppressed).
 * Throws `DryRunRefused` when the policy does not fit the data.
 */
export async function fairnessOfPolicy(options: FairnessOptions): Promise<FairnessResult> {
  const { policy, asOf } = options;
  const runs = Math.max(1, ...policy.rules.filter((r) => r.enabled).map((r) => r.forRuns));
  const result = await dryRun({
    policy,
    source: options.source,
    dataDir: options.dataDir,
    asOf,
    runs,
    onProgress: options.onProgress,
  });
  const scope = policyScope({
    dataset: result.dataset,
    policy,
    asOf,
    calendars: buildCalendars(result.dataset),
  });
  const students = new Set(scope.contexts.map((c) => c.student.id));
  const flagged = new Set(result.findings.map((f) => f.studentId));
  let withCase: Set<string> | undefined;
  let cases: CaseCount | undefined;
  if (options.cases !== undefined) {
    const { store, operator, at } = options.cases;
    const openings = await caseOpenings(store, policy.id, { operator, at });
    if (openings.length > 0) {
      const erased = openings.filter((o) => o.studentId === ERASED_STUDENT_ID).length;
      const counted = openings.filter((o) => o.studentId !== ERASED_STUDENT_ID && o.day <= asOf);
      withCase = new Set(counted.map((o) => o.studentId));
      cases = {
        counted: counted.length,
        notInScope: counted.filter((o) => !students.has(o.studentId)).length,
        erased,
      };
    }
  }
  return {
    report: fairnessReport({
      students,
      flagged,
      ...(withCase !== undefined && { withCase }),
      demographics: result.monitoring.demographics,
    }),
    runsBefore: runs - 1,
    check: result.check,
    imported: result.report,
    ...(cases !== undefined && { cases }),
  };
}

/**
 * Every case of the policy as the student it is about and the "data as of" date it was
 * opened on (an erased case's student is `[erased]`), for counting in aggregate. Each case
 * read is recorded in its audit trail as read by `operator`.
 */
export async function caseOpenings(
  store: Store,
  policyId: string,
  audit: { operator: string; at: string },
): Promise<DatedStudent[]> {
  const summaries = await store.listCases({ policyId });
  const openings: DatedStudent[] = [];
  for (const summary of summaries) {
    const stored = await store.getCase(policyId, summary.caseId);
    const first = stored?.events[0];
    const day = first?.type === "opened" ? parseIsoDate(first.asOf) : undefined;
    if (day === undefined) continue;
    openings.push({ studentId: summary.studentId, day });
  }
  if (summaries.length > 0) {
    await store.appendAudit(
      policyId,
      summaries.map((c) => ({
        actor: audit.operator,
        at: audit.at,
        action: "read",
        caseId: c.caseId,
        allowed: true,
        why: "counted, not shown, in a fairness report (reach fairness) on the store's host",
      })),
    );
  }
  return openings;
}
