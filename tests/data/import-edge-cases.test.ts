/**
 * Edge cases of a nightly export: empty and missing files, a stray
 * quote, invisible characters in ids, and huge values in rejection messages.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import { formatRejection, type ImportReport } from "../../src/data/import-report.ts";

const scratch = mkdtempSync(join(tmpdir(), "reach-edge-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let count = 0;

/** A bundle folder with the given files (name → content). */
function bundle(files: Record<string, string>): string {
  const dir = join(scratch, `b${count++}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const STUDENTS = "id,display_name,school\nS1,Ada,north\nS2,Ben,north\n";
const ATTENDANCE = "student_id,date,status\nS1,2026-02-02,present\nS2,2026-02-02,present\n";

const fileOf = (report: ImportReport, name: string) => report.files.find((f) => f.file === name);

describe("empty and missing files", () => {
  it("a 0-byte students.csv fails like a missing one: the import is partial", async () => {
    const empty = await importCanonical(
      bundle({ "students.csv": "", "attendance.csv": ATTENDANCE }),
    );
    const missing = await importCanonical(bundle({ "attendance.csv": ATTENDANCE }));
    for (const { report } of [empty, missing]) {
      expect(report.partial).toBe(true);
      expect(fileOf(report, "students.csv")?.error).toMatch(
        /students\.csv .*: the student roster is required$/,
      );
    }
    expect(fileOf(empty.report, "students.csv")?.error).toMatch(/is empty \(no header row\)/);
  });

  it("a 0-byte or BOM-only attendance.csv fails like a missing one, naming the file", async () => {
    for (const text of ["", "\uFEFF", "\n\n"]) {
      const { report } = await importCanonical(
        bundle({ "students.csv": STUDENTS, "attendance.csv": text }),
      );
      expect(report.partial).toBe(true);
      expect(fileOf(report, "attendance.csv")?.error).toMatch(
        /^attendance\.csv in .* is empty \(no header row\): no attendance was recorded/,
      );
    }
    const { report } = await importCanonical(bundle({ "students.csv": STUDENTS }));
    expect(report.partial).toBe(true);
    expect(fileOf(report, "attendance.csv")?.error).toMatch(
      /^no attendance\.csv in .*: no attendance was recorded/,
    );
  });

  it("a header-only attendance.csv is read, with a note that no attendance was recorded", async () => {
    const { report } = await importCanonical(
      bundle({ "students.csv": STUDENTS, "attendance.csv": "student_id,date,status\n" }),
    );
    const f = fileOf(report, "attendance.csv");
    expect(f?.error).toBeUndefined();
    expect(f?.notes).toEqual([
      "attendance.csv has a header row but no data rows: no attendance events recorded",
    ]);
    expect(report.partial).toBe(false);
  });

  it("an empty optional file is a note, not a failure", async () => {
    const { report } = await importCanonical(
      bundle({ "students.csv": STUDENTS, "attendance.csv": ATTENDANCE, "staff.csv": "" }),
    );
    expect(report.partial).toBe(false);
    expect(fileOf(report, "staff.csv")?.notes).toEqual([
      "empty file (no header row): nothing read",
    ]);
  });
});

describe("a stray quote", () => {
  it("loses only its own line of students.csv; the other students and their events import", async () => {
    const students = ["id,display_name,school"];
    const attendance = ["student_id,date,status"];
    for (let i = 1; i <= 200; i++) {
      students.push(`S${i},Student ${i},north`);
      attendance.push(`S${i},2026-02-02,present`);
    }
    students[101 - 1] = 'S100,"Stray quote,north'; // line 101
    for (const threads of [1, 2]) {
      const { dataset, report } = await importCanonical(
        bundle({
          "students.csv": `${students.join("\n")}\n`,
          "attendance.csv": `${attendance.join("\n")}\n`,
        }),
        { threads, parallelMinBytes: threads > 1 ? 0 : undefined },
      );
      expect(dataset.students).toHaveLength(199);
      expect(dataset.students.some((s) => s.id === "S100")).toBe(false);
      expect(dataset.students.at(-1)?.id).toBe("S200");
      const rejected = report.rejections.map((r) => [r.file, r.line, r.code]);
      expect(rejected).toEqual([
        ["students.csv", 101, "malformed_csv"],
        ["attendance.csv", 101, "unknown_student"],
      ]);
      expect(formatRejection(report.rejections[0] as never)).toMatch(
        /^students\.csv:101: unterminated quoted field/,
      );
      expect(fileOf(report, "attendance.csv")?.rowsAccepted).toBe(199);
    }
  });
});

describe("control and invisible characters in ids", () => {
  it("rejects a student id with NUL bytes before it; the real student keeps their rows", async () => {
    const { dataset, report } = await importCanonical(
      bundle({
        "students.csv":
          "id,display_name,school\n\u0000\u0000S1,Ada,north\nS1,Ada,north\nS2,Ben,north\n",
        "attendance.csv": ATTENDANCE,
      }),
    );
    expect(dataset.students.map((s) => s.id)).toEqual(["S1", "S2"]);
    expect(report.rejections.map((r) => [r.file, r.line, r.field, r.code])).toEqual([
      ["students.csv", 2, "id", "invalid_value"],
    ]);
    expect(report.rejections[0]?.reason).toBe(
      'id contains a control or invisible character (U+0000 at position 1): "\\u0000\\u0000S1"',
    );
    expect(fileOf(report, "attendance.csv")?.rowsAccepted).toBe(2);
  });

  it.each([
    ["zero-width space", "\u200b"],
    ["right-to-left override", "\u202e"],
    ["DEL", "\u007f"],
    ["escape", "\u001b"],
  ])("rejects a %s in a staff, section or event id", async (_name, c) => {
    const { report } = await importCanonical(
      bundle({
        "students.csv": STUDENTS,
        "staff.csv": `id,name,school,roles\nT${c}1,Tess,north,adviser\nT2,Tom,north,adviser\n`,
        "sections.csv": `id,name,school\nM${c}1,Maths,north\n`,
        "attendance.csv": `student_id,date,status,section_id\nS1,2026-02-02,present,M${c}1\nS1${c},2026-02-02,present,\nS2,2026-02-02,present,M1\n`,
      }),
    );
    expect(report.rejections.map((r) => [r.file, r.line, r.field, r.code])).toEqual([
      ["staff.csv", 2, "id", "invalid_value"],
      ["sections.csv", 2, "id", "invalid_value"],
      ["attendance.csv", 2, "section_id", "invalid_value"],
      ["attendance.csv", 3, "student_id", "invalid_value"],
    ]);
  });

  it("keeps a tab inside an id and ordinary non-ASCII letters", async () => {
    const { dataset, report } = await importCanonical(
      bundle({
        "students.csv": "id,display_name,school\nÅsa\t1,Åsa,north\n",
        "attendance.csv": "student_id,date,status\nÅsa\t1,2026-02-02,present\n",
      }),
    );
    expect(report.rejections).toEqual([]);
    expect(dataset.students.map((s) => s.id)).toEqual(["Åsa\t1"]);
  });
});

describe("huge values in rejections", () => {
  it("echoes a 5 MB value as its first 200 characters and its length; the quarantine keeps the row once", async () => {
    const huge = "x".repeat(5 * 1024 * 1024);
    const dir = bundle({
      "students.csv": STUDENTS,
      "attendance.csv": `student_id,date,status\nS1,${huge},present\nS9,2026-02-02,present\n`,
    });
    const { report } = await importCanonical(dir);
    const r = report.rejections[0];
    expect(r?.reason).toBe(
      `expected a date as YYYY-MM-DD, got "${"x".repeat(200)}… (5,242,880 characters)"`,
    );
    expect(formatRejection(r as never).length).toBeLessThan(400);
    const path = join(dir, "quarantine.csv");
    report.writeQuarantine(path);
    const text = readFileSync(path, "utf8");
    expect(text.split(huge).length - 1).toBe(1);
    expect(text.length).toBeLessThan(huge.length + 1000);
  });

  it("cuts a huge unknown student id too", async () => {
    const id = `S${"9".repeat(300)}`;
    const { report } = await importCanonical(
      bundle({
        "students.csv": STUDENTS,
        "attendance.csv": `student_id,date,status\n${id},2026-02-02,present\n`,
      }),
    );
    expect(report.rejections[0]?.reason).toBe(
      `unknown student id "${id.slice(0, 200)}… (301 characters)"`,
    );
  });
});
