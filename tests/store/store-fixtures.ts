/**
 * Cases for the store contract, made by the real case workflow (`decide`), so the store is
 * tested on the histories it will really hold. Policy sef-eng covers school sef and law-ug
 * covers law, both with `access: school`; ada advises in sef, lee leads sef, adm
 * administers sef, cai advises in law.
 */
import { expect } from "vitest";
import { type CasePolicy, rosterOf, type StudentRef } from "../../src/cases/authorise.ts";
import type { CaseCommand } from "../../src/cases/case-commands.ts";
import type { CaseEvent } from "../../src/cases/case-events.ts";
import { ENGINE_ACTOR } from "../../src/cases/case-vocabulary.ts";
import { decide } from "../../src/cases/decide.ts";
import type { Staff } from "../../src/data/schema.ts";
import type { AppendRequest } from "../../src/store/case-records.ts";
import { caseIdFor, outboxIdFor } from "../../src/store/ids.ts";
import type { Json } from "../../src/store/json.ts";
import type { OutboxDraft, OutboxKind } from "../../src/store/outbox-records.ts";
import { signal } from "../cases/case-fixtures.ts";

function staff(id: string, school: string, roles: Staff["roles"]): Staff {
  return { id, name: id, email: undefined, aadObjectId: undefined, school, roles };
}

/** Ada as the directory knows her (her name and Teams id), for tests that render cards. */
export const ADA_STAFF: Staff = {
  id: "ada",
  name: "Ada Wilson",
  email: undefined,
  aadObjectId: "aad-ada",
  school: "sef",
  roles: ["adviser"],
};

const ROSTER = rosterOf([
  staff("ada", "sef", ["adviser"]),
  staff("bea", "sef", ["adviser"]),
  staff("lee", "sef", ["engagement_lead"]),
  staff("adm", "sef", ["admin"]),
  staff("cai", "law", ["adviser"]),
]);

export const SEF: CasePolicy = { id: "sef-eng", schools: ["sef"], access: "school" };
export const LAW: CasePolicy = { id: "law-ug", schools: ["law"], access: "school" };

export { EVIDENCE } from "../cases/case-fixtures.ts";

/** Keys the fixtures' case ids; a store's own secret plays no part in these tests. */
export const CASE_ID_SECRET = "store-contract-case-id-secret-0123456789";

/** Minute `n` after 09:00 on 23 Nov 2026, as an ISO timestamp. */
export function at(n: number): string {
  return new Date(Date.UTC(2026, 10, 23, 9, 0) + n * 60_000).toISOString();
}

type Body = CaseCommand extends infer C
  ? C extends CaseCommand
    ? Omit<C, "version" | "at">
    : never
  : never;

/** One case's history, built command by command; `request` proposes, `accept` records. */
export class CaseScript {
  readonly caseId: string;
  events: CaseEvent[] = [];
  private readonly student: StudentRef;

  constructor(
    readonly policy: CasePolicy,
    readonly studentId: string,
    readonly asOf = "2026-11-20",
    private minute = 0,
  ) {
    this.student = { id: studentId, school: policy.schools[0], adviserIds: [] };
    this.caseId = caseIdFor({ policyId: policy.id, studentId, asOf }, CASE_ID_SECRET);
  }

  /** The append that this command makes on the current version, with outbox entries of `kinds`. */
  request(body: Body, actor: string, kinds: readonly OutboxKind[] = []): AppendRequest {
    const command = { ...body, version: this.events.length, at: at(this.minute++) } as CaseCommand;
    const decision = decide(this.events, command, actor, {
      caseId: this.caseId,
      student: this.student,
      policy: this.policy,
      roster: ROSTER,
      actingStudentId: this.studentId,
    });
    if (!decision.ok) expect.fail(`${body.type} by ${actor}: ${decision.refusal.message}`);
    const version = this.events.length;
    // A message to the student carries the text just approved (the store checks it).
    const approval = decision.events.find((e) => e.type === "outreach_approved");
    const outbox: OutboxDraft[] = kinds.map((kind) => ({
      id: outboxIdFor(this.caseId, version, kind),
      kind,
      payload:
        kind === "student_message" && approval?.type === "outreach_approved"
          ? ({ caseId: this.caseId, outreachId: approval.outreachId, text: approval.text } as Json)
          : {
              caseId: this.caseId,
              student: decision.state.studentId,
              status: decision.state.status,
            },
      createdAt: command.at,
    }));
    return {
      policyId: this.policy.id,
      caseId: this.caseId,
      expectedVersion: version,
      events: decision.events,
      outbox,
      audit: [decision.audit],
    };
  }

  accept(request: AppendRequest): AppendRequest {
    this.events.push(...request.events);
    return request;
  }

  /** Proposes and records at once: for steps that the test expects to be stored. */
  next(body: Body, actor: string, kinds: readonly OutboxKind[] = ["card_update"]): AppendRequest {
    return this.accept(this.request(body, actor, kinds));
  }

  /** The engine's `open` for a finding of these rules, not yet recorded. */
  openRequest(ruleIds: readonly string[] = ["low-attendance"]): AppendRequest {
    const finding = {
      studentId: this.studentId,
      policyId: this.policy.id,
      asOf: this.asOf,
      severity: "high" as const,
      ruleIds: [...ruleIds],
      signals: ruleIds.map((id) => signal(id)),
      inhibited: [],
    };
    return this.request({ type: "open", finding }, ENGINE_ACTOR, ["case_card"]);
  }

  open(ruleIds: readonly string[] = ["low-attendance"]): AppendRequest {
    return this.accept(this.openRequest(ruleIds));
  }
}
