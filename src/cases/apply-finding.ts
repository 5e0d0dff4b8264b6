/**
 * What a finding means for cases (one open case per student per policy):
 * a student with no open case gets a new one; a student with an open case gets a signal
 * for each rule that is not on it yet; a finding with nothing new changes nothing, so a
 * re-run of the same day is a no-op. The result is a command for `decide`, made by the
 * engine (`ENGINE_ACTOR`), so it is authorised and audited like any other.
 */
import type { Finding } from "../rules/index.ts";
import type { CaseCommandOf } from "./case-commands.ts";
import { type CaseState, isOpen } from "./case-state.ts";

export type FindingCommand = CaseCommandOf<"open"> | CaseCommandOf<"add_signal">;

/**
 * `openCase` is the student's case for the finding's policy, if any. A case that is no
 * longer open (resolved, dismissed, closed, erased) does not absorb new signals: the
 * finding opens a new case (the evaluator's cool-down decides whether one fires at all).
 */
export function applyFinding(
  openCase: CaseState | undefined,
  finding: Finding,
  at: string,
  /** The version of the policy the run evaluated, recorded on a case it opens. */
  policyVersion?: number,
): FindingCommand | undefined {
  if (openCase === undefined || !isOpen(openCase)) {
    return {
      type: "open",
      version: 0,
      at,
      finding,
      ...(policyVersion !== undefined && { policyVersion }),
    };
  }
  if (openCase.studentId !== finding.studentId || openCase.policyId !== finding.policyId) {
    throw new RangeError(
      `case ${openCase.caseId} is for ${openCase.studentId} under ${openCase.policyId}, ` +
        `not for the finding's ${finding.studentId} under ${finding.policyId}`,
    );
  }
  const known = new Set(openCase.signals.map((s) => s.signal.ruleId));
  const signals = finding.signals.filter((s) => !known.has(s.ruleId));
  const inhibited = finding.inhibited.filter((s) => !known.has(s.ruleId));
  if (signals.length === 0 && inhibited.length === 0) return undefined;
  return {
    type: "add_signal",
    version: openCase.version,
    at,
    asOf: finding.asOf,
    signals,
    inhibited,
  };
}
