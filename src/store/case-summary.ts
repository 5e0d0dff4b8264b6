/** The summary row of a case, from its folded state: what lists show without reading events. */
import type { CaseState } from "../cases/index.ts";
import type { CaseSummary } from "./case-records.ts";

export function caseSummary(state: CaseState): CaseSummary {
  const summary: CaseSummary = {
    caseId: state.caseId,
    policyId: state.policyId,
    studentId: state.studentId,
    school: state.school,
    status: state.status,
    severity: state.severity,
    version: state.version,
    asOf: state.asOf,
    openedAt: state.openedAt,
    updatedAt: state.updatedAt,
  };
  if (state.assignee !== undefined) summary.assignee = state.assignee;
  return summary;
}
