/**
 * The canonical CSV bundle adapter (src/data/adapters/canonical.ts) on hand-written
 * bundles under tests/fixtures/canonical-*: what is imported, what is rejected (file, line,
 * field, code), the quarantine file, and that line endings, a BOM and row order do not
 * change the data set.
 */
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { formatDay, parseIsoDate } from "../../src/data/dates.ts";
import type { ImportReport, Rejection } from "../../src/data/import-report.ts";
import { ATTENDANCE_STATUSES } from "../../src/data/schema.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
const SMALL = join(FIXTURES, "canonical-small");
const MALFORMED = join(FIXTURES, "canonical-malformed");
const MISSING_COLUMN = join(FIXTURES, "canonical-missing-column");

const scratch = mkdtempSync(join(tmpdir(), "reach-canonical-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let scratchCount = 0;
/** A fresh folder under the scratch folder. */
function scratchDir(name: string): string {
  return join(scratch, `${name}-${scratchCount++}`);
}

function day(iso: string): number {
  const d = parseIsoDate(iso);
  if (d === undefined) throw new Error(`bad date in test: ${iso}`);
  return d;
}

interface AttendanceRecord {
  date: string;
  status: string;
  minutes: number | undefined;
  section: string | undefined;
}

/** One student's attendance, in the order of the data set's columns. */
function attendanceOf(ds: Dataset, id: string): AttendanceRecord[] {
  const i = ds.studentIndex.get(id);
  if (i === undefined) throw new Error(`no student ${id}`);
  const a = ds.attendance;
  const out: AttendanceRecord[] = [];
  for (let r = a.start[i] as number; r < (a.start[i + 1] as number); r++) {
    expect(a.student[r]).toBe(i);
    const minutes = a.minutes?.[r] ?? -1;
    const section = a.section?.[r] ?? -1;
    out.push({
      date: formatDay(a.day[r] as number),
      status: ATTENDANCE_STATUSES[a.status[r] as number] as string,
      minutes: minutes < 0 ? undefined : minutes,
      section: section < 0 ? undefined : ds.sectionKeys[section],
    });
  }
  return out;
}

interface ActivityRecord {
  date: string;
  source: string;
  kind: string;
  count: number;
}

function activityOf(ds: Dataset, id: string): ActivityRecord[] {
  const i = ds.studentIndex.get(id);
  if (i === undefined) throw new Error(`no student ${id}`);
  const a = ds.activity;
  const out: ActivityRecord[] = [];
  for (let r = a.start[i] as number; r < (a.start[i + 1] as number); r++) {
    expect(a.student[r]).toBe(i);
    out.push({
      date: formatDay(a.day[r] as number),
      source: ds.sources[a.source[r] as number] as string,
      kind: ds.kinds[a.kind[r] as number] as string,
      count: a.count[r] as number,
    });
  }
  return out;
}

/** Every student's attendance, with sections as their keys, in column order. */
function attendanceByStudent(ds: Dataset): Record<string, AttendanceRecord[]> {
  return Object.fromEntries(ds.students.map((s) => [s.id, attendanceOf(ds, s.id)]));
}

/**
 * Checks the attendance log's shape: segments per student, and within each one (day,
 * section index) strictly increasing, so no duplicate session is left.
 */
function expectGroupedAndSorted(ds: Dataset): void {
  const a = ds.attendance;
  expect(a.start.length).toBe(ds.students.length + 1);
  expect(a.start[0]).toBe(0);
  expect(a.start[ds.students.length]).toBe(a.length);
  for (let i = 0; i < ds.students.length; i++) {
    for (let r = (a.start[i] as number) + 1; r < (a.start[i + 1] as number); r++) {
      const dayDiff = (a.day[r] as number) - (a.day[r - 1] as number);
      expect(
        dayDiff > 0 || (dayDiff === 0 && (a.section?.[r] ?? -1) > (a.section?.[r - 1] ?? -1)),
      ).toBe(true);
    }
  }
}

/**
 * One student's attendance with the sessions of a day in section-key order: which section
 * comes first within a day is the order of section indices, an implementation choice.
 */
function attendanceByDay(ds: Dataset, id: string): AttendanceRecord[] {
  return attendanceOf(ds, id).sort(
    (x, y) => x.date.localeCompare(y.date) || (x.section ?? "").localeCompare(y.section ?? ""),
  );
}

const byKey = (r: AttendanceRecord) =>
  `${r.date}|${r.section ?? ""}|${r.status}|${r.minutes ?? ""}`;

function fileReport(report: ImportReport, file: string) {
  const f = report.files.find((x) => x.file === file);
  if (!f) throw new Error(`no report for ${file}`);
  return f;
}

/** Copies a bundle, rewriting each file's text with `transform`. */
function copyBundle(from: string, transform?: (text: string, file: string) => string): string {
  const to = scratchDir("bundle");
  cpSync(from, to, { recursive: true });
  if (transform) {
    for (const file of readdirSync(to)) {
      const path = join(to, file);
      writeFileSync(path, transform(readFileSync(path, "utf8"), file));
    }
  }
  return to;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Writes `records` (header first) as LF-terminated CSV. */
function toCsv(records: readonly (readonly string[])[]): string {
  return records.map((r) => `${r.map(csvField).join(",")}\n`).join("");
}

/** The attendance.csv records of a bundle: header and data rows (blank lines dropped). */
function attendanceRecords(dir: string): { header: string[]; rows: string[][] } {
  const records = parse(readFileSync(join(dir, "attendance.csv"), "utf8"), {
    relax_column_count: true,
    bom: true,
    skip_empty_lines: true,
  }) as string[][];
  const [header, ...rows] = records;
  return { header: header as string[], rows };
}

/** A copy of `dir` whose attendance.csv has its data rows in the order given by `order`. */
function withAttendanceOrder(dir: string, order: readonly number[]): string {
  const { header, rows } = attendanceRecords(dir);
  const to = copyBundle(dir);
  writeFileSync(
    join(to, "attendance.csv"),
    toCsv([header, ...order.map((i) => rows[i] as string[])]),
  );
  return to;
}

// ---------------------------------------------------------------------------------------

describe("canonical-small: a clean bundle of every file", () => {
  let result: Awaited<ReturnType<typeof importCanonical>>;
  beforeAll(async () => {
    result = await importCanonical(SMALL);
  });

  it("reads every file and rejects nothing", () => {
    const { report } = result;
    expect(report.source).toBe("canonical");
    expect(report.partial).toBe(false);
    expect(report.rejections).toEqual([]);
    expect(
      report.files.map((f) => [f.file, f.rowsRead, f.rowsAccepted, f.rowsRejected, f.error]),
    ).toEqual([
      ["students.csv", 4, 4, 0, undefined],
      ["staff.csv", 3, 3, 0, undefined],
      ["calendar.csv", 7, 7, 0, undefined],
      ["attendance.csv", 8, 8, 0, undefined],
      ["activity.csv", 5, 5, 0, undefined],
      ["submissions.csv", 5, 5, 0, undefined],
      ["circumstances.csv", 2, 2, 0, undefined],
      ["demographics.csv", 3, 3, 0, undefined],
    ]);
    expect(report.rowsAccepted).toBe(37);
    expect(report.rowsRejected).toBe(0);
    for (const f of report.files) expect(f.notes).toEqual([]);
  });

  it("reads students, with header names normalised", () => {
    const { students, studentIndex } = result.dataset;
    expect(students.map((s) => s.id)).toEqual(["S1", "S2", "S3", "S4"]);
    expect([...studentIndex]).toEqual([
      ["S1", 0],
      ["S2", 1],
      ["S3", 2],
      ["S4", 3],
    ]);
    expect(students[0]).toEqual({
      id: "S1",
      displayName: "Ada Lovelace",
      preferredName: "Ada",
      email: "ada@example.org",
      aadObjectId: undefined,
      school: "north",
      year: "10",
      programme: "Maths",
      cohort: undefined,
      adviserIds: ["T1", "T2"],
      status: "active",
      statusFrom: undefined,
      enrolledFrom: day("2025-09-01"),
    });
    expect(students[1]?.status).toBe("active");
    expect(students[1]?.preferredName).toBeUndefined();
    expect(students[2]?.status).toBe("on_leave");
    expect(students[2]?.adviserIds).toEqual([]);
    expect(students[3]?.displayName).toBe('Jones, Dana "DJ"');
    expect(students[3]?.adviserIds).toEqual(["T3", "T1"]);
  });

  it("reads staff and the calendar", () => {
    const { staff, calendar } = result.dataset;
    expect(staff.map((s) => [s.id, s.school, s.roles])).toEqual([
      ["T1", "north", ["adviser"]],
      ["T2", "north", ["engagement_lead", "adviser"]],
      ["T3", "south", ["support_officer"]],
    ]);
    expect(staff[1]?.email).toBeUndefined();
    expect(calendar.map((c) => [c.school, formatDay(c.date), c.instructional])).toEqual([
      ["north", "2026-02-02", true],
      ["north", "2026-02-03", true],
      ["north", "2026-02-04", true],
      ["north", "2026-02-05", false],
      ["north", "2026-02-06", true],
      ["south", "2026-02-02", true],
      ["south", "2026-02-03", false],
    ]);
  });

  it("groups attendance by student, sorted by day then section", () => {
    const ds = result.dataset;
    expect(ds.attendance.length).toBe(8);
    expect([...ds.attendance.start]).toEqual([0, 4, 6, 7, 8]);
    expectGroupedAndSorted(ds);
    expect([...ds.sectionKeys].sort()).toEqual(["ENG-1", "MATH-1", "SCI-1"]);
    expect(attendanceByDay(ds, "S1")).toEqual([
      { date: "2026-02-02", status: "present", minutes: undefined, section: undefined },
      { date: "2026-02-03", status: "tardy", minutes: 50, section: undefined },
      { date: "2026-02-04", status: "unexcused_absence", minutes: undefined, section: "ENG-1" },
      { date: "2026-02-04", status: "present", minutes: 55, section: "MATH-1" },
    ]);
    expect(attendanceOf(ds, "S2")).toEqual([
      { date: "2026-02-02", status: "excused_absence", minutes: undefined, section: undefined },
      { date: "2026-02-03", status: "present", minutes: 60, section: undefined },
    ]);
    expect(attendanceOf(ds, "S3")).toEqual([
      { date: "2026-02-02", status: "early_departure", minutes: 30, section: undefined },
    ]);
    expect(attendanceOf(ds, "S4")).toEqual([
      { date: "2026-02-02", status: "partial", minutes: 20, section: "SCI-1" },
    ]);
  });

  it("reads activity with lower-cased sources, default kind and count, and timestamps", () => {
    const ds = result.dataset;
    expect(ds.activity.length).toBe(5);
    expect([...ds.activity.start]).toEqual([0, 3, 4, 4, 5]);
    // Interned names are numbered in name order, whatever the row order.
    expect(ds.sources).toEqual(["library", "teams", "vle"]);
    expect(ds.kinds).toEqual(["activity", "login", "page_view"]);
    expect(activityOf(ds, "S1")).toEqual([
      { date: "2026-02-02", source: "vle", kind: "login", count: 1 },
      { date: "2026-02-02", source: "vle", kind: "page_view", count: 12 },
      { date: "2026-02-03", source: "teams", kind: "activity", count: 3 },
    ]);
    expect(activityOf(ds, "S2")).toEqual([
      { date: "2026-02-02", source: "library", kind: "activity", count: 1 },
    ]);
    expect(activityOf(ds, "S3")).toEqual([]);
    expect(activityOf(ds, "S4")).toEqual([
      { date: "2026-02-05", source: "vle", kind: "login", count: 0 },
    ]);
  });

  it("reads submissions, circumstances and demographics", () => {
    const { dataset, monitoring } = result;
    expect(
      dataset.submissions.map((s) => [
        s.studentId,
        s.assessmentId,
        formatDay(s.dueDate),
        s.submittedDate === undefined ? undefined : formatDay(s.submittedDate),
      ]),
    ).toEqual([
      ["S1", "ESSAY-1", "2026-02-06", "2026-02-05"],
      ["S1", "QUIZ-1", "2026-02-10", "2026-02-12"],
      ["S2", "ESSAY-1", "2026-02-06", undefined],
      ["S3", "ESSAY-1", "2026-02-06", "2026-02-09"],
      ["S4", "ESSAY-1", "2026-02-06", "2026-02-06"],
    ]);
    // Given explicitly: S3 handed in after the deadline but `late` says no (an extension);
    // S4 handed in on the day but `late` says yes.
    expect(dataset.submissions[3]?.late).toBe(false);
    expect(dataset.submissions[4]?.late).toBe(true);
    expect(dataset.circumstances).toEqual([
      {
        studentId: "S3",
        from: day("2026-02-01"),
        to: day("2026-03-31"),
        kind: "leave",
        approvedBy: "T3",
      },
      {
        studentId: "S2",
        from: day("2026-02-02"),
        to: day("2026-02-02"),
        kind: "extenuating_circumstances",
        approvedBy: undefined,
      },
    ]);
    expect(monitoring.demographics).toEqual([
      { studentId: "S1", field: "free_school_meals", value: "yes" },
      { studentId: "S2", field: "ethnicity", value: "White British" },
      { studentId: "S4", field: "disability", value: "" },
    ]);
    // Demographics never reach the data set.
    expect(JSON.stringify(Object.keys(dataset))).not.toMatch(/demographic/i);
  });

  it("derives lateness from the dates when the late cell is blank", () => {
    // submissions.csv has a `late` column, blank on the first three rows: a blank cell is
    // an absent value (data-contract: "late (derived from the dates when absent)").
    expect(result.dataset.submissions.map((s) => s.late)).toEqual([
      false,
      true,
      false,
      false,
      true,
    ]);
  });

  it("imports identically from CRLF files with a BOM", async () => {
    const dir = copyBundle(SMALL, (text) => `\uFEFF${text.replace(/\n/g, "\r\n")}`);
    expect(readFileSync(join(dir, "students.csv"), "utf8").slice(0, 3)).toBe("\uFEFFID");
    const crlf = await importCanonical(dir);
    expect(crlf.dataset).toEqual(result.dataset);
    expect(crlf.monitoring).toEqual(result.monitoring);
    expect(crlf.report.files).toEqual(result.report.files);
    expect(crlf.report.rejections).toEqual([]);
  });

  it("gives identical data set columns whatever the order of attendance rows", async () => {
    // S1 has two sections on 2026-02-04 (MATH-1 then ENG-1 in the file): their order in the
    // columns, like everything else, must not depend on the order of the rows.
    const n = attendanceRecords(SMALL).rows.length;
    const identity = Array.from({ length: n }, (_, i) => i);
    const permutation = fc.shuffledSubarray(identity, { minLength: n, maxLength: n });
    await fc.assert(
      fc.asyncProperty(permutation, async (order) => {
        const shuffled = await importCanonical(withAttendanceOrder(SMALL, order));
        expect(shuffled.report.rejections).toEqual([]);
        expect(attendanceByStudent(shuffled.dataset)).toEqual(attendanceByStudent(result.dataset));
      }),
      { numRuns: 15, examples: [[[...identity].reverse()]] },
    );
  });
});

// ---------------------------------------------------------------------------------------

describe("canonical-malformed: bad attendance rows are quarantined, good ones imported", () => {
  let result: Awaited<ReturnType<typeof importCanonical>>;
  beforeAll(async () => {
    result = await importCanonical(MALFORMED);
  });

  const STATUSES = ATTENDANCE_STATUSES.join(", ");

  it("lists each bad row with its line, field and code", () => {
    const rejections = result.report.rejections.map(({ file, line, field, code, reason }) => ({
      file,
      line,
      field,
      code,
      reason,
    }));
    expect(rejections).toEqual([
      {
        file: "attendance.csv",
        line: 4,
        field: "date",
        code: "invalid_value",
        reason: 'expected a date as YYYY-MM-DD, got "2026-02-30"',
      },
      {
        file: "attendance.csv",
        line: 7,
        field: "status",
        code: "invalid_value",
        reason: `"sick" is not one of ${STATUSES}`,
      },
      {
        file: "attendance.csv",
        line: 9,
        field: undefined,
        code: "wrong_column_count",
        reason: "expected 6 columns, found 5",
      },
      {
        file: "attendance.csv",
        line: 11,
        field: "student_id",
        code: "unknown_student",
        reason: 'unknown student id "S9"',
      },
      {
        file: "attendance.csv",
        line: 12,
        field: undefined,
        code: "duplicate",
        reason: "duplicate of line 2",
      },
      {
        file: "attendance.csv",
        line: 13,
        field: undefined,
        code: "conflict",
        reason: "conflicts with line 3 (unexcused_absence kept, present dropped)",
      },
    ]);
  });

  it("keeps the raw row of rows rejected while reading", () => {
    const raw = Object.fromEntries(result.report.rejections.map((r) => [r.line, r.raw]));
    expect(raw[4]).toBe("S2,2026-02-30,present,,,");
    expect(raw[7]).toBe("S2,2026-02-03,Sick,,,");
    expect(raw[9]).toBe("S3,2026-02-02,present,,");
  });

  it("counts the file's rows exactly, by reason", () => {
    const { report } = result;
    expect(report.partial).toBe(true);
    const f = fileReport(report, "attendance.csv");
    expect(f.rowsRead).toBe(13);
    expect(f.rowsAccepted).toBe(7);
    expect(f.rowsRejected).toBe(6);
    expect(f.byReason).toEqual({
      invalid_value: 2,
      wrong_column_count: 1,
      unknown_student: 1,
      duplicate: 1,
      conflict: 1,
    });
    expect(f.error).toBeUndefined();
    expect(f.notes).toEqual(["ignored unknown column(s): note"]);
    const students = fileReport(report, "students.csv");
    expect([students.rowsRead, students.rowsAccepted, students.rowsRejected]).toEqual([3, 3, 0]);
    expect(report.rowsAccepted).toBe(10);
    expect(report.rowsRejected).toBe(6);
    expect(report.toJSON()).toMatchObject({ partial: true, rowsAccepted: 10, rowsRejected: 6 });
  });

  it("imports the good rows, keeping the most serious of two conflicting statuses", () => {
    const ds = result.dataset;
    expect(ds.attendance.length).toBe(7);
    expect([...ds.attendance.start]).toEqual([0, 3, 5, 7]);
    expectGroupedAndSorted(ds);
    expect(attendanceOf(ds, "S1")).toEqual([
      { date: "2026-02-02", status: "present", minutes: undefined, section: undefined },
      { date: "2026-02-03", status: "unexcused_absence", minutes: undefined, section: undefined },
      { date: "2026-02-04", status: "early_departure", minutes: 200, section: undefined },
    ]);
    expect(attendanceByDay(ds, "S2")).toEqual([
      { date: "2026-02-02", status: "tardy", minutes: 40, section: "ENG-1" },
      { date: "2026-02-02", status: "present", minutes: 55, section: "MATH-1" },
    ]);
    expect(attendanceOf(ds, "S3")).toEqual([
      { date: "2026-02-03", status: "excused_absence", minutes: undefined, section: undefined },
      { date: "2026-02-04", status: "present", minutes: 30, section: undefined },
    ]);
  });

  it("writes the quarantine file listing every rejected row", () => {
    const path = join(scratchDir("quarantine"), "nested", "quarantine.csv");
    result.report.writeQuarantine(path);
    const rows = parse(readFileSync(path, "utf8"), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.file, r.line, r.field, r.code])).toEqual([
      ["attendance.csv", "4", "date", "invalid_value"],
      ["attendance.csv", "7", "status", "invalid_value"],
      ["attendance.csv", "9", "", "wrong_column_count"],
      ["attendance.csv", "11", "student_id", "unknown_student"],
      ["attendance.csv", "12", "", "duplicate"],
      ["attendance.csv", "13", "", "conflict"],
    ]);
    expect(rows.map((r) => r.reason)).toEqual(result.report.rejections.map((r) => r.reason));
    expect(rows[0]?.raw).toBe("S2,2026-02-30,present,,,");
    expect(rows[1]?.reason).toContain('"sick"');
  });

  it("quarantines the row as read, so a field with a comma stays one field", () => {
    // Line 11 is `S9,2026-02-02,present,,,"transferred, see email"`: its raw row must
    // read back as the same six fields, not seven.
    const r = result.report.rejections.find((x) => x.line === 11) as Rejection;
    const [fields] = parse(r.raw ?? "", { relax_column_count: true }) as string[][];
    expect(fields).toEqual(["S9", "2026-02-02", "present", "", "", "transferred, see email"]);
  });

  it("reads identically from CRLF files with a BOM (same lines, same rejections)", async () => {
    const dir = copyBundle(MALFORMED, (text) => `\uFEFF${text.replace(/\n/g, "\r\n")}`);
    const crlf = await importCanonical(dir);
    expect(crlf.dataset).toEqual(result.dataset);
    expect(crlf.report.files).toEqual(result.report.files);
    const strip = (rs: readonly Rejection[]) => rs.map(({ raw: _raw, ...r }) => r);
    expect(strip(crlf.report.rejections)).toEqual(strip(result.report.rejections));
  });

  it("keeps the same rows and rejects the same ones whatever the row order", async () => {
    const { rows } = attendanceRecords(MALFORMED);
    const n = rows.length;
    expect(n).toBe(13);
    const expected = attendanceByStudent(result.dataset);
    const sorted = (byStudent: Record<string, AttendanceRecord[]>) =>
      Object.fromEntries(Object.entries(byStudent).map(([id, rs]) => [id, rs.map(byKey).sort()]));
    const codes = (rs: readonly Rejection[]) => rs.map((r) => r.code).sort();
    const permutation = fc.shuffledSubarray(
      Array.from({ length: n }, (_, i) => i),
      { minLength: n, maxLength: n },
    );
    await fc.assert(
      fc.asyncProperty(permutation, async (order) => {
        const shuffled = await importCanonical(withAttendanceOrder(MALFORMED, order));
        expectGroupedAndSorted(shuffled.dataset);
        expect(sorted(attendanceByStudent(shuffled.dataset))).toEqual(sorted(expected));
        expect(codes(shuffled.report.rejections)).toEqual(codes(result.report.rejections));
        expect(fileReport(shuffled.report, "attendance.csv").byReason).toEqual(
          fileReport(result.report, "attendance.csv").byReason,
        );
        // The conflicting pair for S1 on 2026-02-03: the unexcused absence is kept.
        const s1 = attendanceOf(shuffled.dataset, "S1").filter((r) => r.date === "2026-02-03");
        expect(s1.map((r) => r.status)).toEqual(["unexcused_absence"]);
      }),
      { numRuns: 25 },
    );
  });
});

// ---------------------------------------------------------------------------------------

describe("edge cases of the canonical bundle", () => {
  it("a blank student status means the default, active", async () => {
    const dir = scratchDir("blank-status");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "students.csv"),
      "id,display_name,school,status\nS1,Ada,north,\nS2,Ben,north,withdrawn\n",
    );
    const { dataset, report } = await importCanonical(dir);
    expect(report.rejections).toEqual([]);
    expect(dataset.students.map((s) => [s.id, s.status])).toEqual([
      ["S1", "active"],
      ["S2", "withdrawn"],
    ]);
  });

  it("two rows that differ only in minutes: the kept one does not depend on row order", async () => {
    const write = (rows: string[]) => {
      const dir = scratchDir("minutes");
      mkdirSync(dir, { recursive: true });
      cpSync(join(MALFORMED, "students.csv"), join(dir, "students.csv"));
      writeFileSync(
        join(dir, "attendance.csv"),
        `student_id,date,status,minutes\n${rows.map((r) => `${r}\n`).join("")}`,
      );
      return dir;
    };
    const a = "S1,2026-02-02,present,50";
    const b = "S1,2026-02-02,present,55";
    const first = await importCanonical(write([a, b]));
    const second = await importCanonical(write([b, a]));
    expect(first.report.rejections.map((r) => r.code)).toEqual(["duplicate"]);
    expect(second.report.rejections.map((r) => r.code)).toEqual(["duplicate"]);
    expect(attendanceOf(second.dataset, "S1")).toEqual(attendanceOf(first.dataset, "S1"));
  });
});

// ---------------------------------------------------------------------------------------

describe("canonical-missing-column: a header without a required column", () => {
  let result: Awaited<ReturnType<typeof importCanonical>>;
  beforeAll(async () => {
    result = await importCanonical(MISSING_COLUMN);
  });

  it("fails that file with a message naming the column, reading none of its rows", () => {
    const activity = fileReport(result.report, "activity.csv");
    expect(activity.error).toBe("missing column source in the header (line 1)");
    expect([activity.rowsRead, activity.rowsAccepted, activity.rowsRejected]).toEqual([0, 0, 0]);
    expect(result.dataset.activity.length).toBe(0);
    expect(result.dataset.sources).toEqual([]);

    const circumstances = fileReport(result.report, "circumstances.csv");
    expect(circumstances.error).toBe("missing columns from, to in the header (line 1)");
    expect(circumstances.rowsRead).toBe(0);
    expect(result.dataset.circumstances).toEqual([]);

    expect(result.report.partial).toBe(true);
    expect(result.report.rejections).toEqual([]);
  });

  it("still imports the rest of the bundle", () => {
    const { dataset, report } = result;
    expect(dataset.students.map((s) => s.id)).toEqual(["S1", "S2"]);
    expect(attendanceOf(dataset, "S1")).toEqual([
      { date: "2026-02-02", status: "present", minutes: undefined, section: undefined },
    ]);
    expect(attendanceOf(dataset, "S2")).toEqual([
      { date: "2026-02-02", status: "unexcused_absence", minutes: undefined, section: undefined },
    ]);
    expect(dataset.submissions.map((s) => [s.studentId, s.assessmentId, s.late])).toEqual([
      ["S1", "ESSAY-1", false],
    ]);
    expect(
      report.files.map((f) => [f.file, f.rowsAccepted, f.error === undefined ? "ok" : "failed"]),
    ).toEqual([
      ["students.csv", 2, "ok"],
      ["attendance.csv", 2, "ok"],
      ["activity.csv", 0, "failed"],
      ["submissions.csv", 1, "ok"],
      ["circumstances.csv", 0, "failed"],
    ]);
  });
});
