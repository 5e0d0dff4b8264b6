/**
 * decide() accepting: the events, state and audit entry it returns; opening from a
 * finding; messages, contacts and signals through their stages.
 */
import { describe, expect, it } from "vitest";
import { foldCase } from "../../src/cases/case-state.ts";
import { ENGINE_ACTOR, STUDENT_ACTOR } from "../../src/cases/case-vocabulary.ts";
import type { Decision } from "../../src/cases/decide.ts";
import { at, CASE_ID, CaseLog, caseIn, EVIDENCE, finding, signal } from "./case-fixtures.ts";

function refusalOf(decision: Decision) {
  if (decision.ok) expect.fail("expected a refusal");
  return decision.refusal;
}

describe("accepted commands", () => {
  it("return events with actor, time and position as version, the new state and an audit entry", () => {
    const log = caseIn("proposed");
    const d = log.try({ type: "confirm" }, "ada");
    if (!d.ok) expect.fail(d.refusal.message);
    expect(d.events).toEqual([
      { type: "confirmed", actor: "ada", at: at(1), version: 1, assignee: "ada" },
    ]);
    expect(d.state).toEqual(foldCase([...log.events, ...d.events]));
    expect(d.audit).toEqual({
      actor: "ada",
      at: at(1),
      action: "confirm",
      caseId: CASE_ID,
      allowed: true,
      why: "adviser of this student",
    });
  });

  it("open copies the finding's signals and evidence, the school and the data date", () => {
    const log = new CaseLog().open();
    expect(log.events[0]).toMatchObject({
      type: "opened",
      actor: "reach",
      version: 0,
      caseId: CASE_ID,
      studentId: "stu-4821",
      school: "sef",
      severity: "high",
      asOf: "2026-11-20",
    });
    expect(log.state.signals[0].signal.conditions[0].evidence).toBe(EVIDENCE);
    expect(log.state).toMatchObject({ status: "proposed", version: 1, counts: { signals: 1 } });
  });

  it("a message goes proposed → approved (possibly edited) → sent → answered", () => {
    const log = caseIn("proposed").do({ type: "confirm" }, "ada").do(
      {
        type: "propose_outreach",
        outreachId: "m1",
        text: "Hi Sam",
        template: "attendance-checkin",
      },
      "ada",
    );
    expect(
      refusalOf(log.try({ type: "record_outreach_sent", outreachId: "m1" }, ENGINE_ACTOR)).message,
    ).toBe("Message m1 is proposed, so it cannot be sent now.");
    log
      .do({ type: "approve_outreach", outreachId: "m1", text: "Hi Sam, how are things?" }, "ada")
      .do({ type: "record_outreach_sent", outreachId: "m1", activityId: "act-1" }, ENGINE_ACTOR)
      .do(
        { type: "record_student_reply", outreachId: "m1", reply: "would_like_to_talk" },
        STUDENT_ACTOR,
      );
    expect(log.state.outreach[0]).toMatchObject({
      stage: "sent",
      text: "Hi Sam, how are things?",
      approvedBy: "ada",
      activityId: "act-1",
      replies: [{ reply: "would_like_to_talk" }],
    });
    expect(log.state.counts).toMatchObject({
      outreachProposed: 1,
      outreachSent: 1,
      studentReplies: 1,
    });
    expect(refusalOf(log.try({ type: "approve_outreach", outreachId: "m1" }, "ada")).code).toBe(
      "not_allowed_in_state",
    );
  });

  it("contact attempts update the last contact and the counts", () => {
    const log = caseIn("active")
      .do({ type: "log_contact", channel: "phone", outcome: "no_answer" }, "ada")
      .do({ type: "log_contact", channel: "email", outcome: "reached", note: "replied" }, "dan");
    expect(log.state.lastContact).toMatchObject({
      by: "dan",
      channel: "email",
      outcome: "reached",
    });
    expect(log.state.counts).toMatchObject({ contactAttempts: 2, contactsReached: 1 });
  });

  it("a dismissed case takes no contact attempt", () => {
    const r = refusalOf(
      caseIn("dismissed").try({ type: "log_contact", channel: "phone", outcome: "reached" }, "ada"),
    );
    expect(r).toMatchObject({
      code: "not_allowed_in_state",
      message: "You can't log a contact attempt on a case that is dismissed: reopen it first.",
    });
  });

  it("an added signal may raise the case's severity; a rule already on it is refused", () => {
    const log = new CaseLog();
    log.do({ type: "open", finding: finding([signal("quiet", "medium")]) }, ENGINE_ACTOR);
    expect(log.state.severity).toBe("medium");
    log.do(
      {
        type: "add_signal",
        asOf: "2026-11-21",
        signals: [signal("absent", "high")],
        inhibited: [],
      },
      ENGINE_ACTOR,
    );
    expect(log.state).toMatchObject({
      severity: "high",
      asOf: "2026-11-21",
      counts: { signals: 2 },
    });
    const again = log.try(
      { type: "add_signal", asOf: "2026-11-22", signals: [signal("quiet")], inhibited: [] },
      ENGINE_ACTOR,
    );
    expect(refusalOf(again).message).toBe("Rule quiet is already a signal on this case.");
  });
});
