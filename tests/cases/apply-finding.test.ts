/**
 * applyFinding: one open case per student per policy. A new case when there is none, a
 * signal for each new rule on the open case, nothing when nothing is new.
 */
import { describe, expect, it } from "vitest";
import { applyFinding } from "../../src/cases/apply-finding.ts";
import { ENGINE_ACTOR } from "../../src/cases/case-vocabulary.ts";
import { decide } from "../../src/cases/decide.ts";
import { at, CaseLog, CONTEXT, caseIn, finding, signal } from "./case-fixtures.ts";

describe("applyFinding", () => {
  it("opens a case for a student with none", () => {
    const f = finding([signal("low-attendance")]);
    const command = applyFinding(undefined, f, at(0));
    expect(command).toEqual({ type: "open", version: 0, at: at(0), finding: f });
    if (command === undefined) throw new Error("expected a command");
    const d = decide([], command, ENGINE_ACTOR, CONTEXT);
    if (!d.ok) expect.fail(d.refusal.message);
    expect(d.events).toHaveLength(1);
    expect(d.state).toMatchObject({
      status: "proposed",
      studentId: "stu-4821",
      policyId: "sef-eng",
    });
  });

  it("adds only the rules not yet on the open case, on its current version", () => {
    const log = new CaseLog().open().do({ type: "confirm" }, "ada");
    const f = finding(
      [signal("low-attendance"), signal("no-vle", "high")],
      [signal("late", "low")],
      "2026-11-21",
    );
    const command = applyFinding(log.state, f, at(30));
    expect(command).toEqual({
      type: "add_signal",
      version: 2,
      at: at(30),
      asOf: "2026-11-21",
      signals: [signal("no-vle", "high")],
      inhibited: [signal("late", "low")],
    });
    if (command === undefined) throw new Error("expected a command");
    const d = decide(log.events, command, ENGINE_ACTOR, CONTEXT);
    if (!d.ok) expect.fail(d.refusal.message);
    expect(
      d.events.map((e) => [e.type, e.version, e.type === "signal_added" && e.signal.ruleId]),
    ).toEqual([
      ["signal_added", 2, "no-vle"],
      ["signal_added", 3, "late"],
    ]);
    expect(d.state.signals.map((s) => [s.signal.ruleId, s.inhibited])).toEqual([
      ["low-attendance", false],
      ["no-vle", false],
      ["late", true],
    ]);
    expect(d.state.status).toBe("active");
  });

  it("does nothing when every rule is already on the case (a re-run of the same day)", () => {
    const log = new CaseLog().open();
    expect(applyFinding(log.state, finding([signal("low-attendance")]), at(40))).toBeUndefined();
  });

  it("opens a new case when the student's case is no longer open", () => {
    for (const status of ["resolved", "dismissed", "closed"] as const) {
      const command = applyFinding(
        caseIn(status).state,
        finding([signal("low-attendance")]),
        at(50),
      );
      expect(command?.type).toBe("open");
    }
  });

  it("refuses a case of another student", () => {
    const other = { ...finding([signal("x")]), studentId: "stu-9" };
    expect(() => applyFinding(new CaseLog().open().state, other, at(1))).toThrow(RangeError);
  });
});
