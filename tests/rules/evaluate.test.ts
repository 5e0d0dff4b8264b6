/**
 * Rule semantics of the evaluator on small hand-made data: pending → firing, one finding
 * per student, cool-down, suppressions, severity inhibition, unknown values, and
 * determinism under shuffled input.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AttendanceStatus } from "../../src/data/schema.ts";
import { evaluate } from "../../src/rules/evaluate.ts";
import { loadPolicyText } from "../../src/rules/loader.ts";
import type { Policy } from "../../src/rules/policy.ts";
import { emptyRuleState, type RuleState } from "../../src/rules/rule-state.ts";
import { buildDataset, type DatasetSpec, day, weekdays } from "../helpers/build-dataset.ts";

const DAYS = weekdays("2026-09-07", "2026-10-02", ["2026-09-21"]);

function policy(rules: string, extra = ""): Policy {
  const text = `policy:
  id: test
  name: Test policy
  schools: [sch]
  timezone: Europe/London
  schedule: "0 7 * * 1-5"
${extra}rules:
${rules}`;
  const loaded = loadPolicyText(text, "test.yaml");
  if (!loaded.ok)
    throw new Error(loaded.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join("\n"));
  return loaded.policy;
}

const LOW_ATTENDANCE = `  - id: low-attendance
    severity: high
    when: { metric: attendance_rate, below: 0.9 }
`;
const NO_ACTIVITY = `  - id: no-activity
    severity: medium
    when: { metric: days_since_activity, at_least: 5 }
`;

/** Present every school day except the listed absences. */
function attendance(
  id: string,
  absent: string[],
  upTo = "2026-10-02",
): [string, string, AttendanceStatus][] {
  return DAYS.filter((d) => d <= upTo).map((d) => [
    id,
    d,
    absent.includes(d) ? "unexcused_absence" : "present",
  ]);
}

// "poor" misses 4 of 19 (78.9%), "fine" misses 1 (94.7%); neither has any activity.
const BASE: DatasetSpec = {
  calendar: { sch: DAYS },
  students: [{ id: "poor" }, { id: "fine" }],
  attendance: [
    ...attendance("poor", ["2026-09-08", "2026-09-09", "2026-09-10", "2026-09-11"]),
    ...attendance("fine", ["2026-09-08"]),
  ],
  activity: [["fine", "2026-10-01", "vle", 3]],
};

function run(
  p: Policy,
  spec: DatasetSpec,
  asOf: string,
  previous: RuleState = emptyRuleState(p.id),
) {
  return evaluate({ dataset: buildDataset(spec), policy: p, asOf: day(asOf), previous });
}

describe("evaluate", () => {
  it("finds the student below the threshold, with evidence", () => {
    const e = run(policy(LOW_ATTENDANCE), BASE, "2026-10-02");
    expect(e.findings.map((f) => f.studentId)).toEqual(["poor"]);
    const [f] = e.findings;
    expect(f.ruleIds).toEqual(["low-attendance"]);
    expect(f.signals[0].conditions[0]).toMatchObject({
      metric: "attendance_rate",
      op: "below",
      threshold: 0.9,
      met: true,
      evidence: "attended 15 of 19 sessions (78.9%) between 2026-09-07 and 2026-10-02",
    });
    expect(e.counts).toMatchObject({
      studentsInScope: 2,
      studentsEvaluated: 2,
      findings: 1,
      byRule: { "low-attendance": 1 },
    });
  });

  it("groups every fired rule in one finding and inhibits the lower severity", () => {
    const e = run(policy(LOW_ATTENDANCE + NO_ACTIVITY), BASE, "2026-10-02");
    expect(e.findings).toHaveLength(1);
    const [f] = e.findings;
    expect(f.ruleIds).toEqual(["low-attendance", "no-activity"]);
    expect(f.severity).toBe("high");
    expect(f.signals.map((s) => s.ruleId)).toEqual(["low-attendance"]);
    expect(f.inhibited.map((s) => s.ruleId)).toEqual(["no-activity"]);

    const shown = run(
      policy(LOW_ATTENDANCE + NO_ACTIVITY, "  severity_inhibition: false\n"),
      BASE,
      "2026-10-02",
    );
    expect(shown.findings[0].signals.map((s) => s.ruleId)).toEqual([
      "low-attendance",
      "no-activity",
    ]);
  });

  it("a rule with `for: 2 runs` is pending on the first run and fires on the second", () => {
    const p = policy(`${LOW_ATTENDANCE}    for: 2 runs\n`);
    const first = run(p, BASE, "2026-10-01");
    expect(first.findings).toEqual([]);
    expect(first.pending).toEqual([
      { studentId: "poor", ruleId: "low-attendance", runs: 1, needed: 2 },
    ]);

    const second = run(p, BASE, "2026-10-02", first.state);
    expect(second.findings.map((f) => f.studentId)).toEqual(["poor"]);
    expect(second.findings[0].signals[0]).toMatchObject({ runs: 2, since: "2026-10-01" });

    // Re-running the same day with its own output state changes nothing.
    const again = run(p, BASE, "2026-10-02", second.state);
    expect(again.findings).toEqual(second.findings);
    expect(again.state).toEqual(second.state);

    // Re-running the first day twice never counts it twice.
    const rerun = run(p, BASE, "2026-10-01", first.state);
    expect(rerun.findings).toEqual([]);
    expect(rerun.state).toEqual(first.state);
  });

  it("a streak is broken when the condition stops holding", () => {
    const p = policy(`${LOW_ATTENDANCE}    for: 2 runs\n`);
    const first = run(p, BASE, "2026-10-01");
    // The next day the data says otherwise (absences corrected): the streak restarts.
    const corrected: DatasetSpec = { ...BASE, attendance: attendance("poor", []) };
    const second = run(p, corrected, "2026-10-02", first.state);
    expect(second.findings).toEqual([]);
    expect(second.state.holding).toEqual([]);
    const third = run(p, BASE, "2026-10-05", second.state);
    expect(third.pending).toHaveLength(1);
  });

  it("a rule in cool-down for a student is not evaluated for them", () => {
    const p = policy(LOW_ATTENDANCE);
    const state: RuleState = {
      ...emptyRuleState("test"),
      cooldowns: [{ studentId: "poor", ruleId: "low-attendance", until: day("2026-10-02") }],
    };
    expect(run(p, BASE, "2026-10-02", state).findings).toEqual([]);
    // The day after the cool-down ends, the rule can fire again; the expired cool-down is dropped.
    const later = run(p, BASE, "2026-10-05", state);
    expect(later.findings).toHaveLength(1);
    expect(later.state.cooldowns).toEqual([]);
  });

  it("thin data never fires: an unknown value makes the condition unknown, also under `not`", () => {
    const p = policy(`  - id: not-attending
    severity: low
    when: { not: { metric: attendance_rate, at_least: 0.9 } }
`);
    const spec: DatasetSpec = {
      calendar: { sch: DAYS },
      students: [{ id: "nodata" }, { id: "poor" }],
      attendance: BASE.attendance?.filter(([id]) => id === "poor"),
    };
    expect(run(p, spec, "2026-10-02").findings.map((f) => f.studentId)).toEqual(["poor"]);
  });

  it("any / all combine conditions", () => {
    const p = policy(`  - id: combined
    severity: medium
    when:
      all:
        - { metric: sessions_recorded, at_least: 10 }
        - any:
            - { metric: attendance_rate, below: 0.8 }
            - { metric: days_since_activity, at_least: 15 }
`);
    // poor: 19 sessions, rate 0.789 → fires. fine: rate 0.947, active 10-01 → does not.
    expect(run(p, BASE, "2026-10-02").findings.map((f) => f.studentId)).toEqual(["poor"]);
  });
});

describe("suppressions", () => {
  const p = policy(LOW_ATTENDANCE, "  suppress:\n    first_days_of_enrolment: 5\n");
  const absences = ["2026-09-29", "2026-09-30", "2026-10-01", "2026-10-02"];
  const spec = (
    students: DatasetSpec["students"],
    circumstances: DatasetSpec["circumstances"] = [],
  ): DatasetSpec => ({
    calendar: { sch: DAYS },
    students,
    attendance: students.flatMap((s) => attendance(s.id, absences)),
    circumstances,
  });

  it("withdrawn from a date on or before the evaluation date: suppressed; from a later date: not", () => {
    const e = run(
      p,
      spec([
        { id: "gone", status: "withdrawn", statusFrom: "2026-10-01" },
        { id: "leaving", status: "withdrawn", statusFrom: "2026-10-09" },
      ]),
      "2026-10-02",
    );
    expect(e.suppressed).toEqual([{ studentId: "gone", reason: "withdrawn" }]);
    expect(e.findings.map((f) => f.studentId)).toEqual(["leaving"]);
  });

  it("on leave, an approved circumstance covering the date, and the first school days of enrolment", () => {
    const e = run(
      p,
      spec(
        [
          { id: "leave", status: "on_leave", statusFrom: "2026-09-28" },
          { id: "ec", status: "active" },
          // Enrolled 09-28: as of 10-02 that is 5 school days → still within the first 5.
          { id: "new", enrolledFrom: "2026-09-28" },
          // Enrolled 09-25: 6 school days → evaluated.
          { id: "settled", enrolledFrom: "2026-09-25" },
        ],
        [["ec", "2026-09-29", "2026-10-09", "extenuating_circumstances"]],
      ),
      "2026-10-02",
    );
    expect(e.suppressed).toEqual([
      { studentId: "ec", reason: "extenuating_circumstances" },
      { studentId: "leave", reason: "on_leave" },
      { studentId: "new", reason: "new_enrolment" },
    ]);
    expect(e.findings.map((f) => f.studentId)).toEqual(["settled"]);
    expect(e.counts.suppressed).toEqual({
      extenuating_circumstances: 1,
      on_leave: 1,
      new_enrolment: 1,
    });
  });

  it("a snooze suppresses until its date", () => {
    const state: RuleState = {
      ...emptyRuleState("test"),
      snoozes: [{ studentId: "a", until: day("2026-10-02") }],
    };
    const students = [{ id: "a" }];
    expect(run(p, spec(students), "2026-10-02", state).suppressed).toEqual([
      { studentId: "a", reason: "snoozed" },
    ]);
    expect(run(p, spec(students), "2026-10-05", state).findings).toHaveLength(1);
  });
});

describe("determinism", () => {
  it("shuffled input rows give byte-identical output", () => {
    const statuses: AttendanceStatus[] = [
      "present",
      "tardy",
      "excused_absence",
      "unexcused_absence",
    ];
    const p = policy(
      `${LOW_ATTENDANCE}${NO_ACTIVITY}  - id: vs-cohort
    severity: low
    when: { metric: activity_vs_cohort, below: 0.5 }
  - id: streak
    severity: medium
    when: { metric: consecutive_absences, at_least: 2 }
`,
    );
    const row = fc.record({
      student: fc.integer({ min: 0, max: 7 }),
      day: fc.integer({ min: 0, max: DAYS.length - 1 }),
      status: fc.constantFrom(...statuses),
      count: fc.integer({ min: 0, max: 5 }),
      source: fc.constantFrom("vle", "teams"),
    });
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 120 }),
        fc.array(row, { maxLength: 60 }),
        fc.integer(),
        (att, act, seed) => {
          const students = Array.from({ length: 8 }, (_, i) => ({
            id: `s${i}`,
            cohort: i % 2 === 0 ? "A" : "B",
          }));
          const spec: DatasetSpec = {
            calendar: { sch: DAYS },
            students,
            attendance: att.map(
              (r) => [`s${r.student}`, DAYS[r.day], r.status] as [string, string, AttendanceStatus],
            ),
            activity: act.map(
              (r) =>
                [`s${r.student}`, DAYS[r.day], r.source, r.count] as [
                  string,
                  string,
                  string,
                  number,
                ],
            ),
          };
          const shuffled: DatasetSpec = {
            ...spec,
            students: shuffle(students, seed),
            attendance: shuffle(spec.attendance ?? [], seed + 1),
            activity: shuffle(spec.activity ?? [], seed + 2),
          };
          const a = JSON.stringify(run(p, spec, "2026-10-02"));
          const b = JSON.stringify(run(p, shuffled, "2026-10-02"));
          expect(b).toBe(a);
        },
      ),
      { numRuns: 200 },
    );
  });
});

function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
