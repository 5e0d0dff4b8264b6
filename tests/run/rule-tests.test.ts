/**
 * Rule tests as data (`reach rules test`), in-process: the shipped test files pass and cover
 * every rule; every problem of a test file is reported at its line and column; a wrong
 * expectation fails with exactly what differs; a run the data check would refuse is shown;
 * streaks build up over the consecutive school days; folders of policies skip test files.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listPolicyFiles } from "../../src/rules/index.ts";
import { describeOutcome, formatTestProblem, runRuleTests } from "../../src/run/index.ts";

const ROOT = join(import.meta.dirname, "../..");

/** consecutive_absences ≥ 2 at once; attendance below 90% (on 5+ sessions) for 2 runs. */
const POLICY = `policy:
  id: t
  name: T
  schools: [sch]
  timezone: Europe/London
  schedule: "0 7 * * 1-5"
rules:
  - id: two-in-a-row
    severity: medium
    when: { metric: consecutive_absences, at_least: 2 }
  - id: low-rate
    severity: low
    when:
      all:
        - { metric: attendance_rate, below: 0.9 }
        - { metric: sessions_recorded, at_least: 5 }
    for: 2 runs
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "reach-rule-tests-"));
  writeFileSync(join(dir, "p.yaml"), POLICY);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(text: string) {
  const file = join(dir, "p.test.yaml");
  writeFileSync(file, text);
  const report = await runRuleTests([file]);
  return { report, file: report.files[0] };
}

describe("the shipped rule tests", () => {
  it("pass, and every rule of each policy fires on an expected date", async () => {
    const report = await runRuleTests([
      join(ROOT, "rules"),
      join(ROOT, "samples/teams-demo/northfield-policy.yaml"),
    ]);
    expect(report.problems).toEqual([]);
    expect(report.files.map((f) => [f.policyId, f.problems, f.cases.length, f.neverFired])).toEqual(
      [
        ["k12-attendance", [], 3, []],
        ["university-engagement", [], 3, []],
        ["northfield", [], 2, []],
      ],
    );
    expect(report.files.flatMap((f) => f.cases.filter((c) => !c.passed))).toEqual([]);
    expect(report).toMatchObject({ passed: 8, failed: 0, ok: true });
  });
});

describe("problems in a test file", () => {
  it("are all reported, each at its line and column, and no test runs", async () => {
    writeFileSync(join(dir, "p.yaml"), POLICY);
    const { report, file } = await run(`policy: p.yaml
calendr: { from: 2027-01-04 }
calendar: { from: 2027-01-04 }
tests:
  - name: errors
    students:
      ana: { enrolled_from: 2027-02-30 }
      ben: { stauts: active }
    attendance:
      ana: "PPXPP"
      cat: "PPPPP"
    expect:
      - date: 2027-01-32
      - date: 2027-01-09
        fires:
          ana: two-in-row
        pending:
          ben: low-rate 2/2
        suppressed:
          ben: on-leave
`);
    expect(report.ok).toBe(false);
    expect(file.cases).toEqual([]);
    expect(file.problems.map((p) => [p.line, p.column, p.message, p.hint])).toEqual([
      [2, 1, 'unknown key "calendr" in a rule test file', "did you mean calendar?"],
      [7, 29, 'enrolled_from: expected a date as YYYY-MM-DD, got "2027-02-30"', undefined],
      [8, 14, 'unknown key "stauts" in student ben', "did you mean status?"],
      [10, 15, '"X" is not a mark of attendance', expect.stringContaining("P present")],
      [11, 7, 'student "cat" is not in this test\'s students', "add them under students:"],
      [13, 15, 'date: expected a date as YYYY-MM-DD, got "2027-01-32"', undefined],
      [14, 15, "2027-01-09 is not a school day of this test's calendar", expect.any(String)],
      [16, 16, 'rule "two-in-row" is not in policy t', "did you mean two-in-a-row?"],
      [
        18,
        16,
        "pending means held on fewer runs than the rule's for: 2 runs, got 2/2",
        "write 1/2",
      ],
      [20, 16, '"on-leave" is not a reason a student is suppressed', "did you mean on_leave?"],
    ]);
    expect(formatTestProblem(file.problems[0])).toBe(
      `${file.file}:2:1 unknown key "calendr" in a rule test file (did you mean calendar?)`,
    );
  });

  it("a mark past the calendar's end, a date outside it, a missing policy, YAML syntax", async () => {
    const past = await run(`policy: p.yaml
tests:
  - name: short calendar
    calendar: { from: 2027-01-04, to: 2027-01-05 }
    students: { ana: {} }
    attendance: { ana: "PPA" }
    expect:
      - date: 2027-01-06
`);
    expect(past.file.problems.map((p) => [p.line, p.column, p.message])).toEqual([
      [
        6,
        27,
        "this mark is for school day 3, after the calendar's last school day (2027-01-05, day 2)",
      ],
      [8, 15, "2027-01-06 is outside this test's calendar (2027-01-04 to 2027-01-05)"],
    ]);

    const missing = await run(`policy: gone.yaml
calendar: { from: 2027-01-04 }
tests:
  - name: x
    students: { ana: {} }
    expect: [{ date: 2027-01-04 }]
`);
    expect(missing.file.problems.map((p) => [p.line, p.column, p.message])).toEqual([
      [1, 9, `the policy ${join(dir, "gone.yaml")}: cannot read the file (ENOENT)`],
    ]);

    const syntax = await run(`policy: p.yaml
tests:
  - name: [unclosed
`);
    expect(syntax.file.problems).toHaveLength(1);
    expect(syntax.file.problems[0]).toMatchObject({ line: 4, message: /^YAML syntax: / });
  });

  it("a policy that does not load is reported with its own problems", async () => {
    writeFileSync(join(dir, "p.yaml"), POLICY.replace("severity: low", "severty: low"));
    const { file } = await run(`policy: p.yaml
calendar: { from: 2027-01-04 }
tests:
  - name: x
    students: { ana: {} }
    expect: [{ date: 2027-01-04 }]
`);
    expect(file.problems.map((p) => [p.file, p.line, p.column, p.message])).toEqual([
      [file.file, 1, 9, `the policy ${join(dir, "p.yaml")} does not load: 1 error`],
      [join(dir, "p.yaml"), 12, 5, 'unknown key "severty" in rule "low-rate"'],
    ]);
  });
});

describe("a test that fails", () => {
  it("says, date by date, what was expected and did not happen, and what happened", async () => {
    // ana: absent on days 4 and 5 (Thursday and Friday). Rate on day 5: 3 of 5 = 60%.
    const { report, file } = await run(`policy: p.yaml
calendar: { from: 2027-01-04 }
tests:
  - name: right
    students: { ana: {} }
    attendance: { ana: "PPPAA" }
    expect:
      - date: 2027-01-08
        fires: { ana: two-in-a-row }
        pending: { ana: low-rate 1/2 }
  - name: wrong
    students: { ana: {}, ben: {} }
    attendance: { ana: "PPPAA", ben: "PPPPP" }
    expect:
      - date: 2027-01-07
      - date: 2027-01-08
        fires: { ana: [two-in-a-row, low-rate], ben: two-in-a-row }
`);
    expect(file.problems).toEqual([]);
    expect(report).toMatchObject({ passed: 1, failed: 1, ok: false });
    const [right, wrong] = file.cases;
    expect(right.passed).toBe(true);
    expect(wrong.passed).toBe(false);
    expect(wrong.dates).toEqual([
      {
        date: "2027-01-07",
        at: { line: 15, column: 15 },
        passed: true,
        missing: [],
        unexpected: [],
        outcomes: [],
      },
      {
        date: "2027-01-08",
        at: { line: 16, column: 15 },
        passed: false,
        missing: [
          { student: "ana", outcome: "fires", rule: "low-rate" },
          { student: "ben", outcome: "fires", rule: "two-in-a-row" },
        ],
        unexpected: [{ student: "ana", outcome: "pending", rule: "low-rate", runs: 1, needed: 2 }],
        outcomes: [
          { student: "ana", outcome: "fires", rule: "two-in-a-row" },
          { student: "ana", outcome: "pending", rule: "low-rate", runs: 1, needed: 2 },
        ],
      },
    ]);
  });

  it("counts a streak over the consecutive school days, across a weekend and a holiday", async () => {
    // Absent Fri 8, Tue 12 (Mon 11 a holiday), Wed 13: below 90% (on 5+ sessions) from
    // Friday 8 on: 4 of 5 = 80%; pending on the 8th, firing on the 12th, the next run.
    const { file } = await run(`policy: p.yaml
calendar: { from: 2027-01-04, holidays: [2027-01-11] }
tests:
  - name: streak
    students: { ana: {} }
    attendance: { ana: "PPPPA AA" }
    expect:
      - date: 2027-01-08
        pending: { ana: low-rate 1/2 }
      - date: 2027-01-12
        fires: { ana: [two-in-a-row, low-rate] }
      - date: 2027-01-13
        fires: { ana: [two-in-a-row, low-rate] }
`);
    expect(file.problems).toEqual([]);
    expect(file.cases[0].dates.map((d) => [d.date, d.passed])).toEqual([
      ["2027-01-08", true],
      ["2027-01-12", true],
      ["2027-01-13", true],
    ]);
  });

  it("shows a run the data check would refuse (data older than max_data_age)", async () => {
    const { file } = await run(`policy: p.yaml
calendar: { from: 2027-01-04 }
tests:
  - name: stale
    students: { ana: {} }
    attendance: { ana: "PP" }
    expect:
      - date: 2027-01-05
      - date: 2027-01-11
`);
    const [fresh, stale] = file.cases[0].dates;
    expect(fresh.passed).toBe(true);
    expect(stale).toMatchObject({ date: "2027-01-11", passed: false, missing: [], unexpected: [] });
    expect(stale.refused).toEqual([
      "attendance data ends 2027-01-05, 4 school days before 2027-01-11 (max_data_age: 3 school days)",
    ]);
  });
});

describe("a watch rule", () => {
  it("fires (watch): expected like any rule, shown as a watch", async () => {
    writeFileSync(
      join(dir, "p.yaml"),
      POLICY.replace("    for: 2 runs\n", "    for: 2 runs\n    action: watch\n"),
    );
    const { file } = await run(`policy: p.yaml
calendar: { from: 2027-01-04 }
tests:
  - name: watched
    students: { ana: {} }
    attendance: { ana: "PPPPA AA" }
    expect:
      - date: 2027-01-12
        fires: { ana: two-in-a-row }
`);
    expect(file.problems).toEqual([]);
    expect(file.cases[0].dates[0]).toMatchObject({
      passed: false,
      missing: [],
      unexpected: [{ student: "ana", outcome: "fires", rule: "low-rate", watch: true }],
    });
    expect(describeOutcome(file.cases[0].dates[0].unexpected[0])).toBe(
      "ana fires (watch) low-rate",
    );
  });
});

describe("a folder of policies", () => {
  it("lists the policies, not their test files", async () => {
    writeFileSync(join(dir, "p.test.yaml"), "policy: p.yaml\n");
    writeFileSync(join(dir, "q.test.yml"), "policy: p.yaml\n");
    expect(await listPolicyFiles(dir)).toEqual([join(dir, "p.yaml")]);
  });
});
