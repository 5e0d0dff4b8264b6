/**
 * Fairness in aggregate (src/run/fairness.ts): rates and ratios worked out by hand on
 * small populations, small cells, complementary suppression, and the quarter view.
 */
import { describe, expect, it } from "vitest";
import type { Demographic } from "../../src/data/schema.ts";
import {
  type FairnessReport,
  fairnessReport,
  MORE_THAN_ONE,
  NOT_RECORDED,
  quarterFairness,
  quarterOf,
} from "../../src/run/index.ts";
import { day } from "../helpers/build-dataset.ts";

/** student-01 … student-NN. */
const ids = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `student-${String(from + i).padStart(2, "0")}`);

const rows = (field: string, value: string, students: string[]): Demographic[] =>
  students.map((studentId) => ({ studentId, field, value }));

const field = (report: FairnessReport, name: string) => {
  const f = report.fields.find((x) => x.field === name);
  if (!f) throw new Error(`no field ${name}`);
  return f;
};
const group = (report: FairnessReport, name: string, g: string) => {
  const found = field(report, name).groups.find((x) => x.group === g);
  if (!found) throw new Error(`no group ${g} in ${name}`);
  return found;
};

describe("fairnessReport: rates and ratios", () => {
  // 50 students; 25 flagged (rate 0.5); 20 with a case (0.4).
  // gender: F = 1–30 (flagged 1–15), M = 31–50 (flagged 31–40).
  // age_band: 0-35 = 1–25 (flagged 1–15), 35-55 = 26–50 (flagged 31–40).
  // disability: Y = 41–50 (none flagged), N = 1–40 (25 flagged).
  // cases: 1–10 and 31–40.
  const students = ids(1, 50);
  const demographics = [
    ...rows("gender", "F", ids(1, 30)),
    ...rows("gender", "M", ids(31, 50)),
    ...rows("age_band", "0-35", ids(1, 25)),
    ...rows("age_band", "35-55", ids(26, 50)),
    ...rows("disability", "N", ids(1, 40)),
    ...rows("disability", "Y", ids(41, 50)),
  ];
  const report = fairnessReport({
    students,
    flagged: new Set([...ids(1, 15), ...ids(31, 40)]),
    withCase: new Set([...ids(1, 10), ...ids(31, 40)]),
    demographics,
  });

  it("counts everyone: 25 of 50 flagged (50%), 20 with a case (40%)", () => {
    expect(report.overall).toEqual({
      inScope: 50,
      flagged: 25,
      rate: 0.5,
      withCase: 20,
      caseRate: 0.4,
    });
    expect(report.cases).toBe(true);
    expect(report.fields.map((f) => f.field)).toEqual(["gender", "age_band", "disability"]);
  });

  it("gives each group's rate and its ratio to everyone's", () => {
    // F: 15/30 = 0.5, ratio 1; cases 10/30 = 1/3, ratio (1/3)/0.4 = 0.8333.
    expect(group(report, "gender", "F")).toEqual({
      group: "F",
      inScope: 30,
      flagged: 15,
      rate: 0.5,
      ratio: 1,
      outside: false,
      withCase: 10,
      caseRate: 10 / 30,
      caseRatio: (10 * 50) / (30 * 20),
      caseOutside: false,
    });
    // M: 10/20 = 0.5, ratio 1; cases 10/20 = 0.5, ratio 1.25 (on the bound: inside).
    expect(group(report, "gender", "M")).toMatchObject({
      inScope: 20,
      flagged: 10,
      ratio: 1,
      withCase: 10,
      caseRatio: 1.25,
      caseOutside: false,
    });
  });

  it("keeps 0.8 and 1.25 inside the bounds and flags what lies outside", () => {
    // 0-35: 15/25 = 0.6, ratio 1.2; 35-55: 10/25 = 0.4, ratio 0.8 (on the bound).
    expect(group(report, "age_band", "0-35")).toMatchObject({ rate: 0.6, outside: false });
    expect(group(report, "age_band", "0-35").ratio).toBeCloseTo(1.2, 12);
    expect(group(report, "age_band", "35-55")).toMatchObject({ rate: 0.4, outside: false });
    expect(group(report, "age_band", "35-55").ratio).toBeCloseTo(0.8, 12);
    // N: 25/40 = 0.625, ratio 1.25, inside; Y: 0 of 10 flagged, shown, ratio 0, outside.
    expect(group(report, "disability", "N")).toMatchObject({ ratio: 1.25, outside: false });
    expect(group(report, "disability", "Y")).toMatchObject({
      inScope: 10,
      flagged: 0,
      rate: 0,
      ratio: 0,
      outside: true,
      withCase: 0,
      caseOutside: true,
    });
  });

  it("holds no student id", () => {
    expect(JSON.stringify(report)).not.toContain("student-");
  });

  it("has no case columns without a set of students with a case", () => {
    const findingsOnly = fairnessReport({ students, flagged: new Set(ids(1, 25)), demographics });
    expect(findingsOnly.cases).toBe(false);
    expect(findingsOnly.overall).toEqual({ inScope: 50, flagged: 25, rate: 0.5 });
    expect(group(findingsOnly, "gender", "F")).not.toHaveProperty("withCase");
  });
});

describe("fairnessReport: small cells", () => {
  it("hides a group under 10 and, to protect it, the smallest other group's size", () => {
    // F = 1–30 (flagged 1–20), M = 31–45 (flagged 31–34: 4), no gender = 46–50 (flagged 46).
    const report = fairnessReport({
      students: ids(1, 50),
      flagged: new Set([...ids(1, 20), ...ids(31, 34), "student-46"]),
      demographics: [...rows("gender", "F", ids(1, 30)), ...rows("gender", "M", ids(31, 45))],
    });
    expect(report.overall).toEqual({ inScope: 50, flagged: 25, rate: 0.5 });
    const gender = field(report, "gender");
    expect(gender.groups.map((g) => [g.group, g.inScope, g.flagged, g.rate, g.ratio])).toEqual([
      // 20/30; ratio (20/30)/(25/50) = 4/3, outside.
      ["F", 30, 20, 20 / 30, (20 * 50) / (30 * 25)],
      // Shown, M's size (15) would give the 5 without a gender as 50 − 30 − 15.
      ["M", "suppressed", "suppressed", null, null],
      [NOT_RECORDED, "<10", "<10", null, null],
    ]);
    expect(gender.groups[0].outside).toBe(true);
    expect(gender.withheld).toEqual([]);
    const json = JSON.stringify(report);
    expect(json).not.toContain("student-");
    // Neither hidden count is in the report: 15 (M) and 5 (no gender); 4 and 1 flagged.
    expect(json).not.toMatch(/:(15|5|4|1)[,}]/);
  });

  it("protects a small count with the smallest count above zero, not with a zero", () => {
    // 0-35: 20 students, 5 flagged (small); 35-55: 40, none; 55-65: 40, 20; 65<=: 60, 25.
    // Total flagged 50 of 160 (0.3125). Hiding 35-55's 0 would not help (5 = 50 − 20 − 25
    // when the other hidden count is known to be 0 or at least 10); 55-65's 20 does:
    // the two hidden counts then add up to 25, so 0-35's is anything from 1 to 9.
    const report = fairnessReport({
      students: ids(1, 160).map((s) => s),
      flagged: new Set([...ids(1, 5), ...ids(61, 80), ...ids(101, 125)]),
      demographics: [
        ...rows("age", "0-35", ids(1, 20)),
        ...rows("age", "35-55", ids(21, 60)),
        ...rows("age", "55-65", ids(61, 100)),
        ...rows("age", "65<=", ids(101, 160)),
      ],
    });
    expect(report.overall).toEqual({ inScope: 160, flagged: 50, rate: 0.3125 });
    expect(field(report, "age").groups.map((g) => [g.group, g.inScope, g.flagged])).toEqual([
      ["0-35", 20, "<10"],
      ["35-55", 40, 0],
      ["55-65", 40, "suppressed"],
      ["65<=", 60, 25],
    ]);
    // 25/60 over 50/160 = 4/3: outside; 0 of 40 is shown, rate 0, outside.
    expect(group(report, "age", "65<=").ratio).toBeCloseTo(4 / 3, 12);
    expect(group(report, "age", "65<=").outside).toBe(true);
    expect(group(report, "age", "35-55")).toMatchObject({ rate: 0, ratio: 0, outside: true });
    expect(group(report, "age", "55-65")).toMatchObject({ rate: null, ratio: null });
  });

  it("withholds a field's column when no other count can protect its small ones", () => {
    // Two groups of 15 with 9 flagged each, total 18: shown as "<10" both would be 9.
    const report = fairnessReport({
      students: ids(1, 30),
      flagged: new Set([...ids(1, 9), ...ids(16, 24)]),
      demographics: [...rows("gender", "F", ids(1, 15)), ...rows("gender", "M", ids(16, 30))],
    });
    expect(report.overall).toEqual({ inScope: 30, flagged: 18, rate: 0.6 });
    const gender = field(report, "gender");
    expect(gender.withheld).toEqual(["flagged"]);
    expect(gender.groups.map((g) => [g.inScope, g.flagged, g.rate, g.ratio])).toEqual([
      [15, "suppressed", null, null],
      [15, "suppressed", null, null],
    ]);
  });

  it("hides the case count as it hides the finding count, column by column", () => {
    // F = 1–30, M = 31–50; flagged 1–15 and 31–40; cases 1–12 (F) and 31–38 (M: 8, small).
    const report = fairnessReport({
      students: ids(1, 50),
      flagged: new Set([...ids(1, 15), ...ids(31, 40)]),
      withCase: new Set([...ids(1, 12), ...ids(31, 38)]),
      demographics: [...rows("gender", "F", ids(1, 30)), ...rows("gender", "M", ids(31, 50))],
    });
    expect(report.overall).toMatchObject({ withCase: 20, caseRate: 0.4 });
    expect(
      field(report, "gender").groups.map((g) => [g.group, g.flagged, g.ratio, g.withCase]),
    ).toEqual([
      ["F", 15, 1, "suppressed"],
      ["M", 10, 1, "<10"],
    ]);
    expect(group(report, "gender", "F")).toMatchObject({ caseRate: null, caseRatio: null });
  });

  it("shows nothing by group when fewer than 10 students are in scope", () => {
    const report = fairnessReport({
      students: ids(1, 9),
      flagged: new Set(ids(1, 3)),
      demographics: rows("gender", "F", ids(1, 9)),
    });
    expect(report).toEqual({
      overall: { inScope: "<10", flagged: "<10", rate: null },
      fields: [],
      cases: false,
    });
  });

  it("hides the total and every ratio when 1–9 students are flagged in all", () => {
    const report = fairnessReport({
      students: ids(1, 20),
      flagged: new Set(ids(1, 3)),
      demographics: [...rows("gender", "F", ids(1, 10)), ...rows("gender", "M", ids(11, 20))],
    });
    expect(report.overall).toEqual({ inScope: 20, flagged: "<10", rate: null });
    expect(field(report, "gender").groups.map((g) => [g.flagged, g.rate, g.ratio])).toEqual([
      ["<10", null, null],
      [0, 0, null],
    ]);
  });
});

describe("fairnessReport: groups", () => {
  it("puts a student with two values in one group of their own, and skips fields nobody in scope has", () => {
    const demographics = [
      ...rows("ethnicity", "A", ids(1, 10)),
      ...rows("ethnicity", "A", ["student-01"]),
      ...rows("ethnicity", "B", ids(11, 20)),
      ...rows("ethnicity", "A", ids(21, 30)),
      ...rows("ethnicity", "B", ids(21, 30)),
      ...rows("ethnicity", "", ids(31, 40)),
      ...rows("religion", "X", ["someone-else"]),
    ];
    const report = fairnessReport({ students: ids(1, 40), flagged: new Set(), demographics });
    expect(report.fields.map((f) => f.field)).toEqual(["ethnicity"]);
    expect(
      field(report, "ethnicity").groups.map((g) => [g.group, g.inScope, g.flagged, g.ratio]),
    ).toEqual([
      ["A", 10, 0, null],
      ["B", 10, 0, null],
      [MORE_THAN_ONE, 10, 0, null],
      [NOT_RECORDED, 10, 0, null],
    ]);
    expect(report.overall).toEqual({ inScope: 40, flagged: 0, rate: 0 });
  });

  it("orders bands by their numbers", () => {
    const report = fairnessReport({
      students: ids(1, 30),
      flagged: new Set(),
      demographics: [
        ...rows("imd_band", "90-100%", ids(1, 10)),
        ...rows("imd_band", "0-10%", ids(11, 20)),
        ...rows("imd_band", "10-20%", ids(21, 30)),
      ],
    });
    expect(field(report, "imd_band").groups.map((g) => g.group)).toEqual([
      "0-10%",
      "10-20%",
      "90-100%",
    ]);
  });
});

describe("quarterFairness: a quarter's view for a digest", () => {
  it("knows calendar quarters", () => {
    expect(quarterOf(day("2013-11-12"))).toEqual({
      label: "2013-Q4",
      from: day("2013-10-01"),
      to: day("2013-12-31"),
    });
    expect(quarterOf(day("2024-02-29"))).toEqual({
      label: "2024-Q1",
      from: day("2024-01-01"),
      to: day("2024-03-31"),
    });
    expect(quarterOf(day("2024-01-01")).label).toBe("2024-Q1");
    expect(quarterOf(day("2023-12-31")).label).toBe("2023-Q4");
  });

  // F = 1–20, M = 21–40. Findings: 1–10 on 5 October (Q4), 11–12 on 30 September (Q3),
  // 21–30 on 20 December. Cases: 1–10 on 6 October.
  const input = {
    quarter: quarterOf(day("2013-10-29")),
    students: ids(1, 40),
    findings: [
      ...ids(1, 10).map((studentId) => ({ studentId, day: day("2013-10-05") })),
      ...ids(11, 12).map((studentId) => ({ studentId, day: day("2013-09-30") })),
      ...ids(21, 30).map((studentId) => ({ studentId, day: day("2013-12-20") })),
      { studentId: "student-01", day: day("2013-10-12") },
    ],
    cases: ids(1, 10).map((studentId) => ({ studentId, day: day("2013-10-06") })),
    demographics: [...rows("gender", "F", ids(1, 20)), ...rows("gender", "M", ids(21, 40))],
  };

  it("counts the students with a finding in the quarter to date", () => {
    const q = quarterFairness({ ...input, through: day("2013-11-30") });
    expect(q.quarter).toEqual({
      label: "2013-Q4",
      from: day("2013-10-01"),
      through: day("2013-11-30"),
    });
    // 10 of 40 (0.25); F 10/20 = 0.5, ratio 2; M 0/20, ratio 0.
    expect(q.overall).toEqual({
      inScope: 40,
      flagged: 10,
      rate: 0.25,
      withCase: 10,
      caseRate: 0.25,
    });
    expect(field(q, "gender").groups.map((g) => [g.group, g.flagged, g.ratio, g.outside])).toEqual([
      ["F", 10, 2, true],
      ["M", 0, 0, true],
    ]);
  });

  it("counts the whole quarter without a `through`", () => {
    const q = quarterFairness(input);
    expect(q.quarter.through).toBe(day("2013-12-31"));
    expect(q.overall).toMatchObject({ flagged: 20, rate: 0.5 });
    expect(field(q, "gender").groups.map((g) => [g.group, g.flagged, g.ratio])).toEqual([
      ["F", 10, 1],
      ["M", 10, 1],
    ]);
  });
});
