import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ImportProgress, ImportResult } from "../../src/data/adapters/adapter.ts";
import {
  importOulad,
  ouladAdapter,
  ouladDate,
  ouladStudentId,
  parseWholeNumber,
  presentationStart,
} from "../../src/data/adapters/oulad.ts";
import { formatDay, parseIsoDate } from "../../src/data/dates.ts";

const MINI = join(import.meta.dirname, "../fixtures/oulad-mini");
const FULL = join(import.meta.dirname, "../../../shared/data/oulad-2013");

const day = (iso: string): number => parseIsoDate(iso) as number;

function student(result: ImportResult, id: string) {
  const index = result.dataset.studentIndex.get(id);
  expect(index, `student ${id}`).toBeDefined();
  return result.dataset.students[index as number];
}

/** The activity rows of one student as [date, kind, count]. */
function activityOf(result: ImportResult, id: string): [string, string, number][] {
  const { activity, kinds, studentIndex } = result.dataset;
  const index = studentIndex.get(id);
  const rows: [string, string, number][] = [];
  for (let i = 0; i < activity.length; i++) {
    if (activity.student[i] === index) {
      rows.push([
        formatDay(activity.day[i] as number),
        kinds[activity.kind[i] as number] as string,
        activity.count[i] as number,
      ]);
    }
  }
  return rows;
}

describe("OULAD day offsets", () => {
  it("maps day 0 of a J presentation to 1 October and of a B presentation to 1 February", () => {
    expect(formatDay(presentationStart("2013J") as number)).toBe("2013-10-01");
    expect(formatDay(presentationStart("2014B") as number)).toBe("2014-02-01");
    expect(formatDay(ouladDate("2013J", 0) as number)).toBe("2013-10-01");
    expect(formatDay(ouladDate("2013B", -10) as number)).toBe("2013-01-22");
    expect(formatDay(ouladDate("2013J", 268) as number)).toBe("2014-06-26");
  });

  it("rejects presentation codes that are not a year and B or J", () => {
    expect(presentationStart("2013C")).toBeUndefined();
    expect(presentationStart("13J")).toBeUndefined();
  });

  it("parses whole numbers only", () => {
    expect(parseWholeNumber("-10")).toBe(-10);
    expect(parseWholeNumber("268")).toBe(268);
    for (const bad of ["", "-", "3.5", "1e3", " 7", "many", "+4"]) {
      expect(parseWholeNumber(bad)).toBeNaN();
    }
  });
});

describe("OULAD adapter on the mini extract", async () => {
  const progress: ImportProgress[] = [];
  const result = await ouladAdapter.import(MINI, { onProgress: (p) => progress.push(p) });
  const { dataset, monitoring, report } = result;

  it("makes one student per registration, also for a person on two presentations", () => {
    expect(dataset.students.map((s) => s.id).sort()).toEqual([
      "AAA-2013J-11391",
      "AAA-2013J-28400",
      "AAA-2013J-30268",
      "BBB-2013B-52899",
      "BBB-2013B-630346",
      "BBB-2013J-52899",
      "DDD-2013B-43284",
    ]);
    expect(ouladStudentId("AAA", "2013J", "11391")).toBe("AAA-2013J-11391");
    const s = student(result, "AAA-2013J-11391");
    expect(s).toMatchObject({
      displayName: "Student 11391",
      school: "AAA",
      programme: "AAA",
      cohort: "AAA-2013J",
      status: "active",
      statusFrom: undefined,
      enrolledFrom: day("2013-04-25"), // day -159
      enrolledUntil: day("2014-06-26"), // day 268, the end of AAA-2013J
    });
    expect([...dataset.schools.keys()].sort()).toEqual(["AAA", "BBB", "DDD"]);
  });

  it("sets withdrawn from the unregistration date and enrols from the registration date", () => {
    // "AAA","2013J","30268","-92","12"
    expect(student(result, "AAA-2013J-30268")).toMatchObject({
      status: "withdrawn",
      statusFrom: day("2013-10-13"),
      enrolledFrom: day("2013-07-01"),
    });
    // Registered on BBB-2013J on day -124 while still on BBB-2013B (withdrawn day 86).
    expect(student(result, "BBB-2013B-52899")).toMatchObject({
      status: "withdrawn",
      statusFrom: day("2013-04-28"),
    });
    expect(student(result, "BBB-2013J-52899")).toMatchObject({
      status: "active",
      enrolledFrom: day("2013-05-30"),
    });
    // No date_registration: enrolled from the presentation start.
    expect(student(result, "BBB-2013B-630346").enrolledFrom).toBe(day("2013-02-01"));
  });

  it("reports each malformed VLE row with its line and field while the good rows import", () => {
    const vle = report.files.find((f) => f.file === "studentVle.csv");
    expect(vle).toMatchObject({ rowsRead: 37, rowsAccepted: 32, rowsRejected: 5 });
    const rejected = report.rejections
      .filter((r) => r.file === "studentVle.csv")
      .map((r) => [r.line, r.code, r.field]);
    expect(rejected).toEqual([
      [15, "invalid_value", "date"],
      [16, "invalid_value", "sum_click"],
      [17, "unknown_student", "id_student"],
      [18, "wrong_column_count", undefined],
      // 630346 is registered on BBB-2013B only.
      [38, "unknown_student", "id_student"],
    ]);
    expect(report.rejections.find((r) => r.line === 15)?.reason).toBe(
      'date must be a whole number of days, got "3.5"',
    );
    expect(dataset.activity.length).toBe(32);
    expect(dataset.sources).toEqual(["vle"]);
  });

  it("turns VLE rows into dated activity with the site's activity type as kind", () => {
    expect(activityOf(result, "AAA-2013J-11391")).toEqual([
      ["2013-09-26", "homepage", 7],
      ["2013-09-26", "forumng", 1],
      ["2013-09-26", "forumng", 1],
      ["2013-10-01", "homepage", 10],
      ["2013-10-01", "forumng", 7],
      ["2013-10-02", "click", 2], // site 999999 is not in vle.csv
    ]);
    // Day -10 of DDD-2013B.
    expect(activityOf(result, "DDD-2013B-43284")).toContainEqual(["2013-01-22", "homepage", 8]);
    expect(report.files.find((f) => f.file === "studentVle.csv")?.notes).toContain(
      '1 row(s) name an id_site that vle.csv does not list: kept with kind "click"',
    );
  });

  it("reports the other files' bad rows", () => {
    const rest = report.rejections
      .filter((r) => r.file !== "studentVle.csv")
      .map((r) => [r.file, r.line, r.code, r.field]);
    expect(rest).toEqual([
      ["studentRegistration.csv", 9, "invalid_value", "date_registration"],
      ["studentInfo.csv", 9, "unknown_student", "id_student"],
      ["studentAssessment.csv", 31, "unknown_reference", "id_assessment"],
    ]);
    expect(report.partial).toBe(true);
  });

  it("keeps demographics out of the student records", () => {
    for (const s of dataset.students) {
      for (const key of [
        "gender",
        "age_band",
        "imd_band",
        "disability",
        "region",
        "final_result",
      ]) {
        expect(Object.keys(s)).not.toContain(key);
      }
    }
    expect(JSON.stringify(dataset.students)).not.toMatch(/disab|North Western|Withdrawn/);
    expect(monitoring.demographics).toHaveLength(7 * 4);
    expect(monitoring.demographics.filter((d) => d.studentId === "AAA-2013J-30268")).toEqual([
      { studentId: "AAA-2013J-30268", field: "gender", value: "F" },
      { studentId: "AAA-2013J-30268", field: "age_band", value: "35-55" },
      { studentId: "AAA-2013J-30268", field: "imd_band", value: "30-40%" },
      { studentId: "AAA-2013J-30268", field: "disability", value: "Y" },
    ]);
  });

  it("expects a submission per registration and dated assessment", () => {
    // AAA-2013J: 5 dated TMAs (the exam has no date) × 3 students; BBB-2013B: 11 × 2;
    // BBB-2013J: 11 × 1; DDD-2013B: 14 × 1.
    expect(dataset.submissions).toHaveLength(5 * 3 + 11 * 2 + 11 + 14);
    expect(dataset.submissions.some((s) => s.assessmentId === "1757")).toBe(false);
    const of = (studentId: string, assessmentId: string) =>
      dataset.submissions.find((s) => s.studentId === studentId && s.assessmentId === assessmentId);
    // Assessment 1752 is due on day 19 = 2013-10-20.
    expect(of("AAA-2013J-11391", "1752")).toEqual({
      studentId: "AAA-2013J-11391",
      assessmentId: "1752",
      dueDate: day("2013-10-20"),
      submittedDate: day("2013-10-19"),
      late: false,
      score: 78,
    });
    expect(of("AAA-2013J-28400", "1752")).toMatchObject({
      submittedDate: day("2013-10-23"),
      late: true,
      score: 70,
    });
    expect(of("AAA-2013J-30268", "1753")).toMatchObject({ submittedDate: undefined, late: false });
  });

  it("makes every day of each presentation a study day of its module", () => {
    const days = (school: string) =>
      dataset.calendar.filter((c) => c.school === school).map((c) => c.date);
    const aaa = days("AAA");
    expect(aaa).toHaveLength(269);
    expect(formatDay(aaa[0] as number)).toBe("2013-10-01");
    expect(formatDay(aaa.at(-1) as number)).toBe("2014-06-26");
    // BBB: 2013B (241 days to 2013-09-29) and 2013J (269 days from 2013-10-01).
    const bbb = days("BBB");
    expect(bbb).toHaveLength(241 + 269);
    expect(bbb).toContain(day("2013-09-29"));
    expect(bbb).not.toContain(day("2013-09-30"));
    expect(dataset.calendar.every((c) => c.instructional)).toBe(true);
  });

  it("reports progress per file", () => {
    const files = new Set(progress.map((p) => p.file));
    expect(files).toContain("studentVle.csv");
    const last = progress.filter((p) => p.file === "studentVle.csv").at(-1);
    expect(last?.bytesRead).toBe(last?.totalBytes);
  });
});

describe("OULAD adapter without files", () => {
  it("fails the missing files in the report instead of throwing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "oulad-empty-"));
    try {
      const { dataset, report } = await importOulad(dir);
      expect(dataset.students).toHaveLength(0);
      expect(report.files.find((f) => f.file === "studentVle.csv")?.error).toMatch(/not found/);
      expect(report.partial).toBe(true);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe.skipIf(!existsSync(FULL))("OULAD adapter on the full 2013 data", () => {
  it("imports 9,632 registrations and all 2,756,786 VLE rows", async () => {
    const started = performance.now();
    const { dataset, monitoring, report } = await importOulad(FULL);
    const seconds = (performance.now() - started) / 1000;
    console.log(`OULAD full import: ${seconds.toFixed(2)} s`);
    expect(dataset.students).toHaveLength(9632);
    expect(new Set(dataset.students.map((s) => s.cohort)).size).toBe(7);
    expect(dataset.students.filter((s) => s.status === "withdrawn")).toHaveLength(2635);
    expect(dataset.activity.length).toBe(2_756_786);
    let clicks = 0;
    for (let i = 0; i < dataset.activity.length; i++) clicks += dataset.activity.count[i] as number;
    expect(clicks).toBe(8_564_786);
    expect(dataset.submissions).toHaveLength(92_547);
    expect(dataset.submissions.filter((s) => s.submittedDate !== undefined)).toHaveLength(54_407);
    expect(report.rowsRejected).toBe(0);
    expect(monitoring.demographics.filter((d) => d.field === "disability")).toHaveLength(9632);
  });
});
if (!existsSync(FULL)) console.log(`skipping the full OULAD import: ${FULL} is absent`);
