/**
 * Right to erasure: the student's id, the evidence and every text a person wrote are
 * gone from the state and from the rewritten history; counts, reasons and outcomes stay.
 */
import { describe, expect, it } from "vitest";
import { parseCaseEvents } from "../../src/cases/case-events.ts";
import { foldCase } from "../../src/cases/case-state.ts";
import { ENGINE_ACTOR, ERASED_STUDENT_ID, STUDENT_ACTOR } from "../../src/cases/case-vocabulary.ts";
import { eraseHistory } from "../../src/cases/erasure.ts";
import { CaseLog, EVIDENCE } from "./case-fixtures.ts";

function fullCase() {
  return new CaseLog()
    .open()
    .do({ type: "confirm" }, "ada")
    .do(
      { type: "log_contact", channel: "phone", outcome: "reached", note: "PRIVATE call note" },
      "ada",
    )
    .do(
      { type: "add_note", noteId: "n1", text: "PRIVATE restricted", visibility: "restricted" },
      "ada",
    )
    .do({ type: "add_note", noteId: "n2", text: "PRIVATE team", visibility: "team" }, "dan")
    .do({ type: "propose_outreach", outreachId: "o1", text: "PRIVATE message" }, "ada")
    .do({ type: "approve_outreach", outreachId: "o1" }, "ada")
    .do(
      { type: "record_outreach_sent", outreachId: "o1", activityId: "PRIVATE-activity" },
      ENGINE_ACTOR,
    )
    .do(
      { type: "record_student_reply", outreachId: "o1", reply: "other", text: "PRIVATE reply" },
      STUDENT_ACTOR,
    )
    .do({ type: "propose_escalation", reason: "PRIVATE reason" }, "ada")
    .do({ type: "resolve", outcome: "circumstances_recorded", note: "PRIVATE outcome" }, "ada");
}

describe("erase", () => {
  it("removes personal data and note text, keeps the counts", () => {
    const log = fullCase();
    const before = log.state;
    log.do({ type: "erase" }, "adm");
    const after = log.state;
    expect(after).toMatchObject({ status: "erased", erased: true, studentId: ERASED_STUDENT_ID });
    expect(after.counts).toEqual(before.counts);
    expect(after.counts).toMatchObject({
      contactAttempts: 1,
      notes: 2,
      restrictedNotes: 1,
      studentReplies: 1,
    });
    expect(after.notes.map((n) => [n.noteId, n.visibility, n.text])).toEqual([
      ["n1", "restricted", ""],
      ["n2", "team", ""],
    ]);
    expect(after.resolution).toMatchObject({ outcome: "circumstances_recorded", note: undefined });
    expect(after.signals[0].signal).toMatchObject({ ruleId: "low-attendance", conditions: [] });
    const text = JSON.stringify(after);
    for (const secret of ["PRIVATE", "stu-4821", EVIDENCE]) expect(text).not.toContain(secret);
  });

  it("the rewritten history holds none of it, reads back, and folds to the same state", () => {
    const log = fullCase().do({ type: "erase" }, "adm");
    const kept = eraseHistory(log.events);
    const text = JSON.stringify(kept);
    for (const secret of ["PRIVATE", "stu-4821", EVIDENCE]) expect(text).not.toContain(secret);
    const read = parseCaseEvents(JSON.parse(text));
    if (!read.ok) expect.fail(read.message);
    expect(foldCase(read.events)).toEqual(log.state);
  });

  it("is for an administrator of the student's school or the engine, not an adviser", () => {
    const log = fullCase();
    const d = log.try({ type: "erase" }, "ada");
    expect(d.ok ? "" : d.refusal.code).toBe("not_authorised");
    expect(log.try({ type: "erase" }, ENGINE_ACTOR).ok).toBe(true);
  });
});
