/**
 * A small school for case tests. Student stu-4821 (school sef) is advised by ada (sef)
 * and dan (an adviser in law who still advises her); ben is another sef adviser; lee
 * leads sef, lou leads law; ola is a sef support officer; adm administers sef, amy law;
 * nia is on the roster without a role. Policy sef-eng covers sef, advisees only.
 */
import { expect } from "vitest";
import { type CasePolicy, rosterOf, type StudentRef } from "../../src/cases/authorise.ts";
import type { CaseCommand } from "../../src/cases/case-commands.ts";
import type { CaseEvent } from "../../src/cases/case-events.ts";
import { type CaseState, foldCase } from "../../src/cases/case-state.ts";
import { ENGINE_ACTOR } from "../../src/cases/case-vocabulary.ts";
import { type DecideContext, type Decision, decide } from "../../src/cases/decide.ts";
import type { Staff } from "../../src/data/schema.ts";
import type { Finding, Signal } from "../../src/rules/evaluate.ts";
import type { Severity } from "../../src/rules/policy.ts";

function staff(id: string, school: string, roles: Staff["roles"]): Staff {
  return {
    id,
    name: `${id[0].toUpperCase()}${id.slice(1)} Example`,
    email: undefined,
    aadObjectId: undefined,
    school,
    roles,
  };
}

export const ROSTER = rosterOf([
  staff("ada", "sef", ["adviser"]),
  staff("ben", "sef", ["adviser"]),
  staff("cai", "law", ["adviser"]),
  staff("dan", "law", ["adviser"]),
  staff("lee", "sef", ["engagement_lead"]),
  staff("lou", "law", ["engagement_lead"]),
  staff("ola", "sef", ["support_officer"]),
  staff("adm", "sef", ["admin"]),
  staff("amy", "law", ["admin"]),
  staff("nia", "sef", []),
]);

export const STUDENT: StudentRef = { id: "stu-4821", school: "sef", adviserIds: ["ada", "dan"] };
export const POLICY: CasePolicy = { id: "sef-eng", schools: ["sef"], access: "advisees" };
export const SCHOOL_POLICY: CasePolicy = { id: "sef-eng", schools: ["sef"], access: "school" };
export const CASE_ID = "case-1";
export const CONTEXT: DecideContext = {
  caseId: CASE_ID,
  student: STUDENT,
  policy: POLICY,
  roster: ROSTER,
  actingStudentId: STUDENT.id,
};

export const EVIDENCE = "attended 41 of 50 sessions (82%) between 2026-09-08 and 2026-11-20";

export function signal(ruleId: string, severity: Severity = "high"): Signal {
  return {
    ruleId,
    ruleName: `Rule ${ruleId}`,
    severity,
    conditions: [
      {
        metric: "attendance_rate",
        params: {},
        op: "below",
        threshold: 0.9,
        value: 0.82,
        met: true,
        evidence: EVIDENCE,
        window: { from: "2026-09-08", to: "2026-11-20", schoolDays: 50 },
      },
    ],
    runs: 2,
    since: "2026-11-19",
  };
}

export function finding(signals: Signal[], inhibited: Signal[] = [], asOf = "2026-11-20"): Finding {
  return {
    studentId: STUDENT.id,
    policyId: POLICY.id,
    asOf,
    severity: signals[0].severity,
    ruleIds: [...signals, ...inhibited].map((s) => s.ruleId),
    signals,
    inhibited,
  };
}

/** Minute `n` of 23 Nov 2026, as an ISO timestamp. */
export function at(n: number): string {
  return new Date(Date.UTC(2026, 10, 23, 9, n)).toISOString();
}

/** Distributes Omit over the union, so each command keeps its own fields. */
export type CommandBody = CaseCommand extends infer C
  ? C extends CaseCommand
    ? Omit<C, "version" | "at">
    : never
  : never;

/** A case history built step by step; each step must succeed. */
export class CaseLog {
  events: CaseEvent[] = [];
  private minute = 0;

  constructor(readonly context: DecideContext = CONTEXT) {}

  /** The command as made now, on the current version. */
  command(body: CommandBody): CaseCommand {
    return { ...body, version: this.events.length, at: at(this.minute++) } as CaseCommand;
  }

  try(body: CommandBody, actor: string): Decision {
    return decide(this.events, this.command(body), actor, this.context);
  }

  do(body: CommandBody, actor: string): this {
    const decision = this.try(body, actor);
    if (!decision.ok) {
      expect.fail(`${body.type} by ${actor}: ${decision.refusal.code} ${decision.refusal.message}`);
    }
    this.events.push(...decision.events);
    return this;
  }

  open(): this {
    return this.do({ type: "open", finding: finding([signal("low-attendance")]) }, ENGINE_ACTOR);
  }

  get state(): CaseState {
    const state = foldCase(this.events);
    if (state === undefined) throw new Error("no case yet");
    return state;
  }
}

export type FixtureStatus =
  | "proposed"
  | "active"
  | "escalated"
  | "resolved"
  | "dismissed"
  | "closed"
  | "erased";

/**
 * A case in each status. From `active` on, it holds three messages at each stage:
 * o1 proposed, o2 approved, o3 sent; so every message command has something to act on.
 */
export function caseIn(status: FixtureStatus): CaseLog {
  const log = new CaseLog().open();
  if (status === "proposed") return log;
  if (status === "dismissed") return log.do({ type: "dismiss", reason: "not_a_concern" }, "ada");
  if (status === "erased") return log.do({ type: "erase" }, "adm");
  log
    .do({ type: "confirm" }, "ada")
    .do({ type: "propose_outreach", outreachId: "o1", text: "Hi, how are you getting on?" }, "ada")
    .do({ type: "propose_outreach", outreachId: "o2", text: "Hi, can we talk?" }, "ada")
    .do({ type: "approve_outreach", outreachId: "o2" }, "ada")
    .do({ type: "propose_outreach", outreachId: "o3", text: "Hi, checking in." }, "ada")
    .do({ type: "approve_outreach", outreachId: "o3" }, "ada")
    .do({ type: "record_outreach_sent", outreachId: "o3" }, ENGINE_ACTOR);
  if (status === "active") return log;
  if (status === "escalated") {
    return log
      .do({ type: "propose_escalation", reason: "no contact for three weeks" }, "ada")
      .do({ type: "decide_escalation", decision: "accept" }, "lee");
  }
  log.do({ type: "resolve", outcome: "re_engaged" }, "ada");
  if (status === "resolved") return log;
  return log.do({ type: "close" }, "ada");
}
