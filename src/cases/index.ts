/** The case workflow's public surface: pure functions and their types (docs/cases.md). */
export { applyFinding, type FindingCommand } from "./apply-finding.ts";
export { type AuditEntry, auditEntry } from "./audit.ts";
export {
  type AccessRole,
  type Authorisation,
  authorise,
  type CaseAction,
  type CasePolicy,
  type CaseSubject,
  mayWorkOn,
  type Roster,
  rosterOf,
  type StudentRef,
} from "./authorise.ts";
export {
  CASE_COMMAND_TYPES,
  type CaseCommand,
  type CaseCommandOf,
  CaseCommandSchema,
  type CaseCommandType,
  parseCaseCommand,
} from "./case-commands.ts";
export {
  type CaseEvent,
  type CaseEventOf,
  CaseEventSchema,
  type CaseEventType,
  deepFreeze,
  historyProblem,
  parseCaseEvents,
} from "./case-events.ts";
export { type CaseSignal, CaseSignalSchema, FindingSchema } from "./case-signal.ts";
export {
  type CaseCounts,
  type CaseState,
  foldCase,
  isOpen,
  isSnoozed,
} from "./case-state.ts";
export {
  type CaseView,
  caseView,
  mayReadRestricted,
  type NoteView,
  type SignalView,
} from "./case-view.ts";
export * from "./case-vocabulary.ts";
export { type DecideContext, type Decision, decide, subjectOf } from "./decide.ts";
export { eraseHistory, redactEvent, redactState } from "./erasure.ts";
export { evolve } from "./evolve.ts";
export {
  type CaseId,
  MAX_ID_LENGTH,
  type PolicyId,
  parseCaseId,
  parsePolicyId,
  parseStaffId,
  parseStudentId,
  type StaffId,
  type StudentId,
} from "./ids.ts";
export { type CaseRead, readCase } from "./read-case.ts";
export { REFUSAL_CODES, type Refusal, type RefusalCode } from "./refusal.ts";
export {
  countSchoolDays,
  localDay,
  planSweep,
  proposalAfterAttempt,
  type SweepAction,
  type SweepCase,
  type SweepInput,
} from "./sweep.ts";
export { ALLOWED_IN, transitionRefusal } from "./transitions.ts";
