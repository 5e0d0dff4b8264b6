/**
 * The metrics table: canonical parameter strings, the `metrics` source's rows (each bad
 * row rejected with its line, field and reason), and the evidence sentences built from the
 * table's numbers. tests/fixtures/metrics-mini: 3 students on a 15-school-day calendar
 * (Mon 2026-09-07 to Fri 09-25), a metrics.csv of 13 rows — 5 good, 8 bad, one per reason.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import { buildCalendars } from "../../src/calendar/index.ts";
import { importMetrics } from "../../src/data/adapters/metrics.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import {
  absentMaskOf,
  canonicalParams,
  computeMetric,
  type MetricName,
  type MetricParams,
  metricTableOf,
  parseParams,
} from "../../src/metrics/index.ts";
import { policyScope } from "../../src/rules/index.ts";
import { loadPolicyText } from "../../src/rules/loader.ts";

const MINI = resolve("tests/fixtures/metrics-mini");
const DEFAULTS = {
  windowDays: 45,
  absentMask: absentMaskOf(["excused_absence", "unexcused_absence"]),
};
const tmp = mkdtempSync(join(tmpdir(), "reach-metrics-mini-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("canonicalParams", () => {
  const key = (metric: MetricName, params: MetricParams = {}) =>
    canonicalParams(metric, params, DEFAULTS);

  it("fills in the policy's window and absent statuses, keys in alphabetical order", () => {
    expect(key("attendance_rate")).toBe(
      "absent_statuses=excused_absence,unexcused_absence;window=45",
    );
    // Written with the policy's own window: the same computation.
    expect(key("attendance_rate", { windowDays: 45 })).toBe(key("attendance_rate"));
    // Never longer than the policy's window (clean slate).
    expect(key("sessions_recorded", { windowDays: 60 })).toBe("window=45");
    expect(key("days_since_activity", { windowDays: 10 })).toBe("window=10");
    // The test's statuses, in Reach's order whatever order they are written in.
    expect(key("attendance_rate", { absentStatuses: ["unexcused_absence", "tardy"] })).toBe(
      "absent_statuses=tardy,unexcused_absence;window=45",
    );
  });

  it("gives each metric the parameters its value depends on", () => {
    // activity_change: each half of the policy window at most (45 → 22).
    expect(key("activity_change")).toBe("window=22");
    expect(key("activity_change", { windowDays: 10, source: "VLE" })).toBe("source=vle;window=10");
    // consecutive_absences takes no window but never looks past the policy's.
    expect(key("consecutive_absences")).toBe(
      "absent_statuses=excused_absence,unexcused_absence;window=45",
    );
    // absences with a kind counts that status only: no absent statuses.
    expect(key("absences", { kind: "tardy" })).toBe("kind=tardy;window=45");
    expect(key("absences")).toBe("absent_statuses=excused_absence,unexcused_absence;window=45");
    expect(key("activity_vs_cohort", { source: "vle", measure: "percentile" })).toBe(
      "cohort_by=cohort;measure=percentile;source=vle;window=45",
    );
    expect(key("tardies")).toBe("window=45");
    // Separators inside a value are escaped.
    expect(key("activity_count", { source: "a;b=c,d%" })).toBe("source=a%3Bb%3Dc%2Cd%25;window=45");
  });

  it("reads a table's parameter string back to the canonical one, or says why not", () => {
    expect(
      parseParams(
        "attendance_rate",
        " window=45 ; absent_statuses=unexcused_absence,excused_absence",
      ),
    ).toEqual({
      canonical: "absent_statuses=excused_absence,unexcused_absence;window=45",
    });
    expect(parseParams("activity_count", "source=a%3Bb%3Dc%2Cd%25;window=45")).toEqual({
      canonical: "source=a%3Bb%3Dc%2Cd%25;window=45",
    });
    expect(parseParams("tardies", "")).toEqual({ problem: "tardies needs window" });
    expect(parseParams("tardies", "window=10;colour=red")).toEqual({
      problem:
        "unknown parameter colour (parameters: absent_statuses, cohort_by, kind, measure, source, window)",
    });
    expect(parseParams("absences", "kind=tardy;absent_statuses=tardy;window=5")).toEqual({
      problem: "absences does not take absent_statuses",
    });
    expect(parseParams("attendance_rate", "absent_statuses=present;window=5")).toEqual({
      problem: 'absent_statuses: "present" is not an absent status',
    });
    expect(parseParams("sessions_recorded", "window=0")).toEqual({
      problem: 'window must be a whole number of school days from 1 to 365, not "0"',
    });
  });
});

describe("the metrics source", () => {
  it("reads the table, rejecting each bad row with its line, field and reason", async () => {
    const { dataset, report } = await importMetrics(MINI);
    const table = metricTableOf(dataset);
    // Lines 2–6 are good; lines 7–14 each break one rule.
    expect(table?.size).toBe(5);
    const file = report.files.find((f) => f.file === "metrics.csv");
    expect([file?.rowsRead, file?.rowsAccepted, file?.rowsRejected]).toEqual([13, 5, 8]);
    expect(report.rejections.map((r) => [r.line, r.code, r.field])).toEqual([
      [7, "unknown_student", "student_id"],
      [8, "invalid_value", "metric"],
      [9, "invalid_value", "params"],
      [10, "invalid_value", "value"],
      [11, "invalid_value", "window_to"],
      [12, "duplicate", "student_id"],
      [13, "invalid_value", "params"],
      [14, "invalid_value", "as_of"],
    ]);
    expect(report.rejections[2]?.reason).toBe(
      "sessions_recorded: sessions_recorded does not take source",
    );
    expect(report.rejections[5]?.reason).toBe(
      'a second row for student "s1", attendance_rate (absent_statuses=excused_absence,unexcused_absence;window=10) as of 2026-09-25 (the first is kept)',
    );
    expect(report.rejections[6]?.reason).toBe("absences: absences needs absent_statuses");
    // No attendance.csv or activity.csv, and that is no problem here; the rows that are
    // bad make the import partial, as in every source.
    expect(report.files.map((f) => f.file)).toEqual([
      "students.csv",
      "calendar.csv",
      "metrics.csv",
    ]);
    expect(file?.notes).toEqual([
      "metric values: activity_change (source=vle;window=5) as of 2026-09-25 for up to 1 student; attendance_rate (absent_statuses=excused_absence,unexcused_absence;window=10) as of 2026-09-25 for up to 3 students; consecutive_absences (absent_statuses=excused_absence,unexcused_absence;window=10) as of 2026-09-25 for up to 1 student",
    ]);
  });

  it("builds the card's sentences from the table's numbers", async () => {
    const { dataset } = await importMetrics(MINI);
    const policy = loadPolicyText(
      `policy:
  id: mini
  name: Mini
  schools: [sch]
  timezone: Europe/London
  schedule: "0 7 * * 1-5"
  window: 10 school days
rules:
  - id: r
    severity: low
    when: { metric: attendance_rate, below: 0.9 }
`,
      "mini.yaml",
    );
    if (!policy.ok) throw new Error(JSON.stringify(policy.errors));
    const asOf = parseIsoDate("2026-09-25") as number;
    const scope = policyScope({
      dataset,
      policy: policy.policy,
      asOf,
      calendars: buildCalendars(dataset),
    });
    const ctx = (id: string) => {
      const c = scope.contextOf(id);
      if (!c) throw new Error(id);
      return c;
    };
    const say = (id: string, metric: MetricName, params: MetricParams = {}) =>
      computeMetric(metric, ctx(id), params, true);
    expect(say("s1", "attendance_rate")).toMatchObject({
      value: 0.7,
      evidence: "attended 7 of 10 sessions (70%) between 2026-09-14 and 2026-09-25",
      window: { size: 10 },
    });
    expect(say("s3", "attendance_rate").value).toBeNaN();
    expect(say("s3", "attendance_rate").evidence).toBe(
      "no attendance recorded between 2026-09-14 and 2026-09-25",
    );
    expect(say("s1", "consecutive_absences").evidence).toBe(
      "absent on each of the last 3 school days (2026-09-23 to 2026-09-25)",
    );
    expect(say("s1", "activity_change", { windowDays: 5, source: "vle" }).evidence).toBe(
      "2 × vle activity between 2026-09-21 and 2026-09-25, against 8 in the previous 5 school days (25%)",
    );
    // A student without a row is unknown for the test, and the sentence says why.
    const missing = say("s2", "consecutive_absences");
    expect(missing.value).toBeNaN();
    expect(missing.evidence).toBe(
      "no value of consecutive_absences (absent_statuses=excused_absence,unexcused_absence;window=10) in the metrics table as of 2026-09-25",
    );
  });

  it("needs the calendar, and one table", async () => {
    const noCalendar = join(tmp, "no-calendar");
    mkdirSync(noCalendar);
    for (const f of ["students.csv", "metrics.csv"])
      copyFileSync(join(MINI, f), join(noCalendar, f));
    const a = await importMetrics(noCalendar);
    expect(a.report.files.find((f) => f.file === "calendar.csv")?.error).toMatch(
      /^no school calendar in .*: with a metrics table Reach counts windows on the calendar/,
    );

    const noTable = join(tmp, "no-table");
    mkdirSync(noTable);
    for (const f of ["students.csv", "calendar.csv"]) copyFileSync(join(MINI, f), join(noTable, f));
    const b = await importMetrics(noTable);
    expect(b.report.files.find((f) => f.file === "metrics.parquet")?.error).toMatch(
      /^no metrics\.parquet or metrics\.csv in /,
    );

    // The same rows as Parquet (written by DuckDB) read alike; both files at once are refused.
    const both = join(tmp, "both");
    mkdirSync(both);
    for (const f of ["students.csv", "calendar.csv", "metrics.csv"]) {
      copyFileSync(join(MINI, f), join(both, f));
    }
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    await connection.run(
      `COPY (SELECT * FROM read_csv('${join(MINI, "metrics.csv")}', header = true, all_varchar = true) LIMIT 6) TO '${join(both, "metrics.parquet")}' (FORMAT parquet)`,
    );
    connection.closeSync();
    instance.closeSync();
    const c = await importMetrics(both);
    expect(c.report.files.find((f) => f.file === "metrics.parquet")?.error).toMatch(
      /^both metrics\.parquet and metrics\.csv are in /,
    );
    rmSync(join(both, "metrics.csv"));
    const d = await importMetrics(both);
    // Rows 1–5 good, row 6 an unknown student (s4), numbered from 1 in the Parquet file.
    expect(metricTableOf(d.dataset)?.size).toBe(5);
    expect(d.report.rejections.map((r) => [r.file, r.line, r.code])).toEqual([
      ["metrics.parquet", 6, "unknown_student"],
    ]);
  });
});
