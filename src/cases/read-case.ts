/**
 * Reading a case's full detail (a `case <id>` chat, `reach cases show`) is authorised like a
 * command and always audited, granted or not (every access has its reason on record).
 * Channel cards are not reads of the full detail: they carry the minimum and go through
 * `caseView(state, null, …)`.
 */
import { type AuditEntry, auditEntry } from "./audit.ts";
import { authorise } from "./authorise.ts";
import type { CaseEvent } from "./case-events.ts";
import { foldCase } from "./case-state.ts";
import { type CaseView, caseView } from "./case-view.ts";
import { type DecideContext, subjectOf } from "./decide.ts";
import type { RefusalCode } from "./refusal.ts";

export type CaseRead =
  | { allowed: true; view: CaseView; audit: AuditEntry }
  | { allowed: false; why: string; audit: AuditEntry };

export function readCase(
  caseEvents: readonly CaseEvent[],
  reader: string,
  at: string,
  context: DecideContext,
): CaseRead {
  const state = foldCase(caseEvents);
  const refused = (why: string, refusal: RefusalCode): CaseRead => ({
    allowed: false,
    why,
    audit: auditEntry(reader, at, "read", context.caseId, { allowed: false, why, refusal }),
  });
  if (state === undefined || state.caseId !== context.caseId) {
    return refused(`there is no case ${context.caseId} in these events`, "invalid_input");
  }
  if (!state.erased && context.student && context.student.id !== state.studentId) {
    return refused(
      `case ${state.caseId} is not about student ${context.student.id}`,
      "invalid_input",
    );
  }
  const access = authorise(reader, "read", subjectOf(state, context), context.roster);
  if (!access.allowed) return refused(access.why, "not_authorised");
  return {
    allowed: true,
    view: caseView(state, reader, context.roster),
    audit: auditEntry(reader, at, "read", context.caseId, { allowed: true, why: access.why }),
  };
}
