/**
 * One student's values under a policy, on the sample school (samples/demo-school with the
 * Teams demo's Northfield policy, as of 2027-01-29): the values a run computes, checked
 * against the evaluator and against the CSV files read here by hand.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCalendars, type SchoolCalendar } from "../../src/calendar/index.ts";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { emptyRuleState, evaluate, loadPolicyFile, type Policy } from "../../src/rules/index.ts";
import { loadPolicyText } from "../../src/rules/loader.ts";
import { studentValues } from "../../src/run/index.ts";

const ROOT = join(import.meta.dirname, "../..");
const SAMPLE = join(ROOT, "samples/demo-school");
const POLICY = join(ROOT, "samples/teams-demo/northfield-policy.yaml");
const AS_OF = parseIsoDate("2027-01-29") as number;
/** Zoe Brown, sch1: an open chronic-absence case on the sample at 2027-01-29. */
const ZOE = "S000039";

/** A reader of the sample's plain CSV files (no quoted fields), independent of Reach's. */
function readCsv(file: string): Record<string, string>[] {
  const text = readFileSync(join(SAMPLE, file), "utf8");
  if (text.includes('"')) throw new Error(`${file} has quoted fields: this reader does not`);
  const [head, ...lines] = text.split(/\r?\n/).filter((l) => l !== "");
  const columns = head.split(",");
  return lines.map((line) => {
    const cells = line.split(",");
    return Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? ""]));
  });
}

/** The last `n` instructional days of `school` on or before `asOf`, from calendar.csv. */
function lastSchoolDays(school: string, asOf: string, n: number): string[] {
  const days = readCsv("calendar.csv")
    .filter((r) => r.school === school && r.instructional === "true" && r.date <= asOf)
    .map((r) => r.date)
    .sort();
  return days.slice(-n);
}

let dataset: Dataset;
let calendars: Map<string, SchoolCalendar>;
let policy: Policy;

beforeAll(async () => {
  dataset = (await importCanonical(SAMPLE)).dataset;
  calendars = buildCalendars(dataset);
  const loaded = await loadPolicyFile(POLICY);
  if (!loaded.ok) throw new Error(`${POLICY} does not load`);
  policy = loaded.policy;
});

function policyText(rules: string): Policy {
  const loaded = loadPolicyText(
    `policy:
  id: extra
  name: Extra
  schools: [sch1]
  timezone: Europe/London
  schedule: "0 7 * * 1-5"
  window: 45 school days
rules:
${rules}`,
    "extra.yaml",
  );
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.policy;
}

describe("studentValues on the sample school", () => {
  it("gives Zoe's attendance as counted by hand from attendance.csv and calendar.csv", () => {
    const window = lastSchoolDays("sch1", "2027-01-29", 45);
    const inWindow = new Set(window);
    const rows = readCsv("attendance.csv").filter(
      (r) => r.student_id === ZOE && inWindow.has(r.date),
    );
    const absent = new Set<string>(policy.absentStatuses);
    const attended = rows.filter((r) => !absent.has(r.status)).length;
    expect(rows.length).toBe(45);
    expect(attended).toBe(30);

    const values = studentValues({ dataset, calendars, policy, asOf: AS_OF, studentId: ZOE });
    const rate = values?.values.find((v) => v.metric === "attendance_rate");
    expect(rate?.value).toBeCloseTo(attended / rows.length, 12);
    expect(rate?.window).toEqual({ from: window[0], to: window[44], schoolDays: 45 });
    expect(rate?.tests).toEqual([{ op: "below", threshold: 0.9, negated: false }]);
    const sessions = values?.values.find((v) => v.metric === "sessions_recorded");
    expect(sessions?.value).toBe(rows.length);
    expect(sessions?.tests).toEqual([{ op: "at_least", threshold: 10, negated: false }]);
  });

  it("gives the school days since Zoe's last learning-platform activity, counted by hand", () => {
    const window = lastSchoolDays("sch1", "2027-01-29", 45);
    const last = readCsv("activity.csv")
      .filter(
        (r) =>
          r.student_id === ZOE &&
          r.source === "vle" &&
          Number(r.count) > 0 &&
          r.date <= "2027-01-29",
      )
      .map((r) => r.date)
      .sort()
      .at(-1) as string;
    const after = window.filter((d) => d > last).length;

    const values = studentValues({ dataset, calendars, policy, asOf: AS_OF, studentId: ZOE });
    const quiet = values?.values.find((v) => v.metric === "days_since_activity");
    expect(quiet?.params).toEqual({ source: "vle" });
    expect(quiet?.value).toBe(after);
    expect(quiet?.tests).toEqual([{ op: "at_least", threshold: 7, negated: false }]);
  });

  it("lists each value the enabled rules test once, in the order written", () => {
    const values = studentValues({ dataset, calendars, policy, asOf: AS_OF, studentId: ZOE });
    expect(values?.values.map((v) => v.metric)).toEqual([
      "attendance_rate",
      "sessions_recorded",
      "consecutive_absences",
      "days_since_activity",
      "active_days", // the watch rule's: a student sees it too
    ]);
    expect(values).toMatchObject({
      policyId: "northfield",
      studentId: ZOE,
      school: "sch1",
      asOf: "2027-01-29",
    });
    expect(values?.suppressed).toBeUndefined();
  });

  it("agrees with the evaluator on every value of every finding", () => {
    const evaluation = evaluate({
      dataset,
      policy,
      asOf: AS_OF,
      previous: emptyRuleState(policy.id),
      calendars,
    });
    expect(evaluation.findings.length).toBeGreaterThan(0);
    let compared = 0;
    for (const finding of evaluation.findings) {
      const values = studentValues({
        dataset,
        calendars,
        policy,
        asOf: AS_OF,
        studentId: finding.studentId,
      });
      for (const signal of [...finding.signals, ...finding.inhibited]) {
        for (const c of signal.conditions) {
          const mine = values?.values.find(
            (v) => v.metric === c.metric && JSON.stringify(v.params) === JSON.stringify(c.params),
          );
          expect(mine?.value).toBe(c.value);
          expect(mine?.window).toEqual(c.window);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThanOrEqual(evaluation.findings.length);
  });

  it("gives each stream's last date for the student's school, and which the rules read", () => {
    const values = studentValues({ dataset, calendars, policy, asOf: AS_OF, studentId: ZOE });
    const streams = Object.fromEntries((values?.streams ?? []).map((s) => [s.stream, s]));
    const sch1 = new Set(
      readCsv("students.csv")
        .filter((r) => r.school === "sch1")
        .map((r) => r.id),
    );
    const lastOf = (file: string, keep: (r: Record<string, string>) => boolean) =>
      readCsv(file)
        .filter((r) => sch1.has(r.student_id) && keep(r))
        .map((r) => r.date)
        .sort()
        .at(-1);
    expect(streams.attendance).toMatchObject({
      used: true,
      last: lastOf("attendance.csv", () => true),
      schoolDaysOld: 0,
    });
    expect(streams["activity:vle"]).toMatchObject({
      used: true,
      last: lastOf("activity.csv", (r) => r.source === "vle"),
    });
    expect(streams["activity:teams"]?.used).toBe(false);
    expect(streams.submissions).toBeUndefined();
  });

  it("merges tests of the same metric and parameters, keeps negation, skips disabled rules", () => {
    const extra = policyText(`  - id: a
    severity: low
    when: { metric: days_since_activity, source: vle, window: 20 school days, at_least: 5 }
  - id: b
    severity: high
    when:
      not: { metric: days_since_activity, window: 20 school days, source: vle, below: 10 }
  - id: c
    severity: low
    when: { metric: days_since_activity, source: vle, window: 20 school days, at_least: 5 }
  - id: d
    severity: low
    enabled: false
    when: { metric: tardies, at_least: 3 }
  - id: e
    severity: low
    when: { metric: activity_vs_cohort, source: vle, cohort_by: year, below: 0.5 }
`);
    const values = studentValues({
      dataset,
      calendars,
      policy: extra,
      asOf: AS_OF,
      studentId: ZOE,
    });
    expect(values?.values.map((v) => v.metric)).toEqual([
      "days_since_activity",
      "activity_vs_cohort",
    ]);
    const [quiet, cohort] = values?.values ?? [];
    expect(quiet.tests).toEqual([
      { op: "at_least", threshold: 5, negated: false },
      { op: "below", threshold: 10, negated: true },
    ]);
    expect(quiet.window.schoolDays).toBe(20);
    // The student's own count: what activity_count gives for the same parameters.
    const count = studentValues({
      dataset,
      calendars,
      policy: policyText(`  - id: n
    severity: low
    when: { metric: activity_count, source: vle, below: 1 }
`),
      asOf: AS_OF,
      studentId: ZOE,
    });
    expect(cohort.ownActivity).toBe(count?.values[0].value);
    expect(cohort.value).not.toBeNull();
  });

  it("computes the values of a suppressed student alike, and says why a run skips them", () => {
    const early = parseIsoDate("2026-09-10") as number;
    const values = studentValues({ dataset, calendars, policy, asOf: early, studentId: ZOE });
    expect(values?.suppressed).toBe("new_enrolment");
    const rows = readCsv("attendance.csv").filter(
      (r) => r.student_id === ZOE && r.date <= "2026-09-10",
    );
    const absent = new Set<string>(policy.absentStatuses);
    const rate = values?.values.find((v) => v.metric === "attendance_rate");
    expect(rate?.value).toBeCloseTo(
      rows.filter((r) => !absent.has(r.status)).length / rows.length,
      12,
    );
  });

  it("gives nothing for a student outside the policy's schools or not in the data", () => {
    const other = readCsv("students.csv").find((r) => r.school !== "sch1")?.id as string;
    expect(
      studentValues({ dataset, calendars, policy, asOf: AS_OF, studentId: other }),
    ).toBeUndefined();
    expect(
      studentValues({ dataset, calendars, policy, asOf: AS_OF, studentId: "S999999" }),
    ).toBeUndefined();
  });
});
