/**
 * Every metric on a small hand-made school: 20 weekdays from Mon 2026-09-07 to
 * Fri 2026-10-02 with a holiday on Mon 2026-09-21, so 19 school days. Expected values
 * are counted by hand in the comments.
 */
import { describe, expect, it } from "vitest";
import { buildCalendars, type SchoolCalendar } from "../../src/calendar/school-calendar.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import type { Circumstance } from "../../src/data/schema.ts";
import { absentMaskOf } from "../../src/metrics/attendance-metrics.ts";
import { CohortStats } from "../../src/metrics/cohort.ts";
import { computeMetric } from "../../src/metrics/compute.ts";
import { type StudentContext, windowFacts } from "../../src/metrics/context.ts";
import type { MetricName, MetricParams } from "../../src/metrics/registry.ts";
import { buildDataset, type DatasetSpec, day, weekdays } from "../helpers/build-dataset.ts";

const HOLIDAY = "2026-09-21";
const DAYS = weekdays("2026-09-07", "2026-10-02", [HOLIDAY]);

function allPresent(
  id: string,
  except: Record<string, "unexcused_absence" | "excused_absence" | "tardy"> = {},
  from = DAYS[0],
) {
  return DAYS.filter((d) => d >= from).map(
    (d) =>
      [id, d, except[d] ?? "present"] as [
        string,
        string,
        "present" | "unexcused_absence" | "excused_absence" | "tardy",
      ],
  );
}

function contexts(spec: DatasetSpec, asOf: string, policyWindow = 45) {
  const dataset: Dataset = buildDataset({ calendar: { sch: DAYS, ao: DAYS }, ...spec });
  const calendars = buildCalendars(dataset);
  const list: StudentContext[] = [];
  const cohorts = new CohortStats(() => list);
  for (const [index, student] of dataset.students.entries()) {
    list.push({
      dataset,
      index,
      student,
      calendar: calendars.get(student.school) as SchoolCalendar,
      asOf: day(asOf),
      policyWindow,
      absentMask: absentMaskOf(["unexcused_absence", "excused_absence"]),
      absencesOnly: dataset.schools.get(student.school)?.attendanceRecording === "absences_only",
      excluded: dataset.circumstances
        .filter((c: Circumstance) => c.studentId === student.id)
        .map((c) => [c.from, c.to] as const),
      submissions: dataset.submissions.filter((s) => s.studentId === student.id),
      cohorts,
    });
  }
  return (id: string, metric: MetricName, params: MetricParams = {}) => {
    const ctx = list.find((c) => c.student.id === id);
    if (!ctx) throw new Error(id);
    const r = computeMetric(metric, ctx, params, true);
    return { value: r.value, evidence: r.evidence, window: windowFacts(r.window) };
  };
}

describe("the test calendar", () => {
  it("has 19 school days", () => {
    expect(DAYS).toHaveLength(19);
    expect(DAYS).not.toContain(HOLIDAY);
  });
});

describe("attendance metrics", () => {
  const m = contexts(
    {
      students: [{ id: "s1" }, { id: "s2", enrolledFrom: HOLIDAY }, { id: "s5" }, { id: "empty" }],
      attendance: [
        ...allPresent("s1", {
          "2026-09-10": "unexcused_absence",
          "2026-09-24": "excused_absence",
          "2026-09-15": "tardy",
        }),
        ...allPresent("s2", {}, "2026-09-22"),
        ["s5", "2026-10-01", "present"],
        ["s5", "2026-10-02", "unexcused_absence"],
      ],
    },
    "2026-10-02",
  );

  it("attendance_rate counts tardy as attended and both absences as absent", () => {
    // 19 sessions, 2 absences → 17/19 = 0.8947…, shown rounded down.
    const r = m("s1", "attendance_rate");
    expect(r.value).toBeCloseTo(17 / 19, 12);
    expect(r.evidence).toBe("attended 17 of 19 sessions (89.4%) between 2026-09-07 and 2026-10-02");
    expect(r.window).toEqual({ from: "2026-09-07", to: "2026-10-02", schoolDays: 19 });
  });

  it("a shorter window skips the holiday when counting back", () => {
    // Last 10 school days: 09-18, 09-22 … 10-02 (09-21 is the holiday); one excused absence.
    const r = m("s1", "attendance_rate", { windowDays: 10 });
    expect(r.value).toBe(0.9);
    expect(r.evidence).toBe("attended 9 of 10 sessions (90%) between 2026-09-18 and 2026-10-02");
  });

  it("absent_statuses override: only unexcused counts", () => {
    expect(m("s1", "attendance_rate", { absentStatuses: ["unexcused_absence"] }).value).toBeCloseTo(
      18 / 19,
      12,
    );
  });

  it("absences counts by kind", () => {
    const all = m("s1", "absences");
    expect(all.value).toBe(2);
    expect(all.evidence).toBe(
      "2 absences (1 excused absence, 1 unexcused absence) between 2026-09-07 and 2026-10-02",
    );
    expect(m("s1", "absences", { kind: "excused_absence" }).value).toBe(1);
  });

  it("tardies", () => {
    const r = m("s1", "tardies");
    expect(r.value).toBe(1);
    expect(r.evidence).toBe("late once between 2026-09-07 and 2026-10-02");
  });

  it("a student enrolled mid-window is measured on the sessions since enrolment", () => {
    // Enrolled on the holiday; records 09-22 … 10-02 = 9 school days, all present.
    const r = m("s2", "attendance_rate");
    expect(r.value).toBe(1);
    expect(m("s2", "sessions_recorded").value).toBe(9);
  });

  it("thin data: two sessions recorded, and none at all is unknown rather than zero", () => {
    expect(m("s5", "sessions_recorded").value).toBe(2);
    expect(m("s5", "attendance_rate").value).toBe(0.5);
    const none = m("empty", "attendance_rate");
    expect(Number.isNaN(none.value)).toBe(true);
    expect(none.evidence).toBe("no attendance recorded between 2026-09-07 and 2026-10-02");
  });
});

describe("consecutive_absences", () => {
  const absent = "unexcused_absence" as const;
  const spec: DatasetSpec = {
    students: [
      { id: "run4" },
      { id: "holiday" },
      { id: "gap" },
      { id: "lagging" },
      { id: "ao", school: "ao" },
    ],
    absencesOnly: ["ao"],
    attendance: [
      ...allPresent("run4", {
        "2026-09-29": absent,
        "2026-09-30": absent,
        "2026-10-01": absent,
        "2026-10-02": absent,
      }),
      // Absent Thu 09-17, Fri 09-18, (holiday Mon 09-21), Tue 09-22: a run of 3 as of 09-22.
      ...allPresent("holiday", {
        "2026-09-17": absent,
        "2026-09-18": absent,
        "2026-09-22": absent,
      }),
      // No record on 09-30: the run after it is 2 (10-01, 10-02); the gap ends the run.
      ...allPresent("gap", {
        "2026-09-29": absent,
        "2026-10-01": absent,
        "2026-10-02": absent,
      }).filter(([, d]) => d !== "2026-09-30"),
      // Data only up to 09-30 (the last two days not in yet): the run ending 09-30 counts.
      ...allPresent("lagging", { "2026-09-29": absent, "2026-09-30": absent }).filter(
        ([, d]) => d <= "2026-09-30",
      ),
      // Absences only: 10-01 and 10-02 recorded absent; days without a record are present.
      ["ao", "2026-10-01", absent],
      ["ao", "2026-10-02", absent],
      ["ao", "2026-09-29", absent],
    ],
  };

  it("counts the current run back from the latest school day", () => {
    const m = contexts(spec, "2026-10-02");
    const r = m("run4", "consecutive_absences");
    expect(r.value).toBe(4);
    expect(r.evidence).toBe("absent on each of the last 4 school days (2026-09-29 to 2026-10-02)");
  });

  it("a holiday does not break a run", () => {
    const r = contexts(spec, "2026-09-22")("holiday", "consecutive_absences");
    expect(r.value).toBe(3);
    expect(r.evidence).toBe("absent on each of the last 3 school days (2026-09-17 to 2026-09-22)");
  });

  it("a school day without any record ends the run", () => {
    expect(contexts(spec, "2026-10-02")("gap", "consecutive_absences").value).toBe(2);
  });

  it("days not yet recorded at the end are skipped", () => {
    expect(contexts(spec, "2026-10-02")("lagging", "consecutive_absences").value).toBe(2);
  });

  it("where only absences are recorded, a day without a record is a present day", () => {
    const m = contexts(spec, "2026-10-02");
    expect(m("ao", "consecutive_absences").value).toBe(2);
    // 19 school days, 3 absences recorded, 16 implied present days.
    expect(m("ao", "attendance_rate").value).toBeCloseTo(16 / 19, 12);
    expect(m("ao", "sessions_recorded").value).toBe(19);
  });
});

describe("activity metrics", () => {
  const spec: DatasetSpec = {
    students: [
      { id: "s1", cohort: "C" },
      { id: "quiet", cohort: "C", enrolledFrom: "2026-09-22" },
      { id: "c20", cohort: "C" },
      { id: "c30", cohort: "C" },
      { id: "fading" },
    ],
    activity: [
      ["s1", "2026-09-10", "vle", 4],
      ["s1", "2026-09-17", "vle", 6],
      ["s1", "2026-09-19", "teams", 3], // a Saturday: counts as activity, not as a school day
      ["c20", "2026-09-15", "vle", 20],
      ["c30", "2026-09-16", "vle", 30],
      ...DAYS.filter((d) => d >= "2026-09-08" && d <= "2026-09-18").map(
        (d) => ["fading", d, "vle", 4] as [string, string, string, number],
      ),
      ...DAYS.filter((d) => d >= "2026-09-22").map(
        (d) => ["fading", d, "vle", 1] as [string, string, string, number],
      ),
    ],
  };

  it("days_since_activity counts school days only, across a holiday and a weekend", () => {
    // Last vle on Thu 09-17; as of Wed 09-23: 09-18, 09-22, 09-23 → 3 (weekend and holiday not counted).
    const r = contexts(spec, "2026-09-23")("s1", "days_since_activity", { source: "vle" });
    expect(r.value).toBe(3);
    expect(r.evidence).toBe("no vle activity for 3 school days (last on 2026-09-17)");
  });

  it("days_since_activity with any source sees the Saturday activity", () => {
    // Last activity Sat 09-19; school days after it up to 09-23: 09-22, 09-23.
    expect(contexts(spec, "2026-09-23")("s1", "days_since_activity").value).toBe(2);
  });

  it("days_since_activity for a student with none counts from enrolment, within the window", () => {
    const m = contexts(spec, "2026-10-02");
    const r = m("quiet", "days_since_activity");
    // Enrolled 09-22: 09-22 … 10-02 = 9 school days.
    expect(r.value).toBe(9);
    expect(r.evidence).toBe(
      "no activity recorded in 9 school days between 2026-09-22 and 2026-10-02",
    );
    // Clean slate: with a 5-day window the value is capped at 5.
    expect(m("quiet", "days_since_activity", { windowDays: 5 }).value).toBe(5);
  });

  it("activity_count sums counts in the window, optionally by source", () => {
    const m = contexts(spec, "2026-10-02");
    expect(m("s1", "activity_count").value).toBe(13);
    expect(m("s1", "activity_count", { source: "vle" }).value).toBe(10);
    expect(m("s1", "activity_count", { source: "library" }).value).toBe(0);
  });

  it("activity_change compares with the window of equal length before it", () => {
    // Last 9 school days (09-22 … 10-02): 9 × 1 = 9. The 9 before (09-08 … 09-18): 9 × 4 = 36.
    const r = contexts(spec, "2026-10-02", 20)("fading", "activity_change", { windowDays: 9 });
    expect(r.value).toBe(0.25);
    expect(r.evidence).toBe(
      "9 × activity between 2026-09-22 and 2026-10-02, against 36 in the previous 9 school days (25%)",
    );
  });

  it("activity_change is unknown when there is not a full window before it", () => {
    // Half of a 19-day policy window is 9 days; as of 09-18 only 0 … the 1 day before exists.
    expect(Number.isNaN(contexts(spec, "2026-09-18", 19)("fading", "activity_change").value)).toBe(
      true,
    );
  });

  it("activity_vs_cohort as a share of the cohort median and as a percentile", () => {
    const m = contexts(spec, "2026-10-02");
    // Cohort C counts: s1 13, quiet 0, c20 20, c30 30 → median (13 + 20) / 2 = 16.5.
    const share = m("s1", "activity_vs_cohort");
    expect(share.value).toBeCloseTo(13 / 16.5, 12);
    expect(share.evidence).toBe(
      "13 × activity between 2026-09-07 and 2026-10-02: 78.7% of the median of cohort C (16.5)",
    );
    // Percentile of quiet (0): nobody below, itself equal → 100 × 0.5 / 4 = 12.5.
    expect(m("quiet", "activity_vs_cohort", { measure: "percentile" }).value).toBe(12.5);
    expect(Number.isNaN(m("fading", "activity_vs_cohort").value)).toBe(true);
  });
});

describe("missed_submissions and hybrid_engagement", () => {
  const absent = "unexcused_absence" as const;
  const m = contexts(
    {
      students: [{ id: "s1" }, { id: "s7" }, { id: "s8" }],
      submissions: [
        ["s1", "A1", "2026-09-15", "2026-09-14"],
        ["s1", "A2", "2026-09-25"],
        ["s1", "A3", "2026-10-05"], // due after the evaluation date
        ["s1", "A4", "2026-09-01"], // due before the window
        ["s1", "A5", "2026-09-30", "2026-10-03"], // submitted after the evaluation date
      ],
      attendance: [
        ...allPresent("s7", {
          "2026-09-29": absent,
          "2026-09-30": absent,
          "2026-10-01": absent,
          "2026-10-02": absent,
        }),
        ...allPresent("s8", {
          "2026-09-28": absent,
          "2026-09-29": absent,
          "2026-09-30": absent,
          "2026-10-01": absent,
          "2026-10-02": absent,
        }),
      ],
      activity: [["s7", "2026-09-30", "teams", 2]],
      circumstances: [["s8", "2026-09-28", "2026-10-01", "extenuating_circumstances"]],
    },
    "2026-10-02",
  );

  it("missed_submissions lists what was due in the window and not in by the date", () => {
    const r = m("s1", "missed_submissions");
    expect(r.value).toBe(2);
    expect(r.evidence).toBe(
      "2 assessments due between 2026-09-07 and 2026-10-02 not submitted: A2 (due 2026-09-25), A5 (due 2026-09-30)",
    );
  });

  it("hybrid_engagement counts a day attended in person or active online", () => {
    // 19 school days, absent on 4, but active online on one of them → 16 of 19.
    const r = m("s7", "hybrid_engagement");
    expect(r.value).toBeCloseTo(16 / 19, 12);
    expect(r.evidence).toBe(
      "attended or active online on 16 of 19 school days (84.2%) between 2026-09-07 and 2026-10-02",
    );
  });

  it("days under an approved circumstance count neither for nor against", () => {
    // 09-28 … 10-01 excluded: 15 sessions remain, one absence (10-02) → 14/15.
    expect(m("s8", "attendance_rate").value).toBeCloseTo(14 / 15, 12);
    expect(m("s8", "consecutive_absences").value).toBe(1);
  });
});
