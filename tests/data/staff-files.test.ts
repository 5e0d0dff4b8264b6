/**
 * staff.csv and advisers.csv beside any source's data: every adapter reads staff.csv with
 * the canonical validation, and the sources that link no student to an adviser (OULAD
 * here; OEA in oea-adapter.test.ts) read advisers.csv.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import { importOulad } from "../../src/data/adapters/oulad.ts";
import type { ImportReport } from "../../src/data/import-report.ts";

const OULAD_MINI = join(import.meta.dirname, "../fixtures/oulad-mini");
const scratch = mkdtempSync(join(tmpdir(), "reach-staff-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let count = 0;

/** A folder with `from`'s files (when given) and the given files (name → content). */
function folder(files: Record<string, string>, from?: string): string {
  const dir = join(scratch, `d${count++}`);
  if (from) cpSync(from, dir, { recursive: true });
  else mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const fileOf = (report: ImportReport, name: string) => report.files.find((f) => f.file === name);
const rejected = (report: ImportReport, name: string) =>
  report.rejections.filter((r) => r.file === name).map((r) => [r.line, r.code, r.field]);

const STAFF = [
  "id,name,email,aad_object_id,school,roles",
  "T-ANN,Ann Tutor,ann@example.org,aaaa-0001,AAA,adviser",
  "T-BOB,Bob Lead,,aaaa-0002,AAA,engagement_lead",
  "T-CAT,Cat Tutor,,,BBB,tutor", // line 4: not a Reach role
  "T-DAN,Dan Tutor,,AAAA-0001,BBB,adviser", // line 5: Ann's object id, in another case
  "T-ANN,Ann Again,,,AAA,adviser", // line 6: Ann's id
  "",
].join("\n");

describe("OULAD with staff.csv and advisers.csv beside the data", async () => {
  const dir = folder(
    {
      "staff.csv": STAFF,
      "advisers.csv": [
        "student_id,adviser_ids",
        "AAA-2013J-11391,T-ANN",
        "AAA-2013J-28400,T-ANN;T-BOB",
        "AAA-2013J-99999,T-ANN", // line 4: no such registration
        "11391,T-ANN", // line 5: OULAD's id_student is not Reach's student id
        "AAA-2013J-30268,T-ZED", // line 6: no such staff member: accepted, noted
        "",
      ].join("\n"),
    },
    OULAD_MINI,
  );
  const { dataset, report } = await importOulad(dir);
  const adviserIds = (id: string) =>
    dataset.students[dataset.studentIndex.get(id) as number]?.adviserIds;

  it("loads the staff, rejecting bad rows with file, line and field", () => {
    expect(dataset.staff.map((s) => [s.id, s.school, s.roles, s.aadObjectId])).toEqual([
      ["T-ANN", "AAA", ["adviser"], "aaaa-0001"],
      ["T-BOB", "AAA", ["engagement_lead"], "aaaa-0002"],
    ]);
    expect(fileOf(report, "staff.csv")).toMatchObject({ rowsRead: 5, rowsAccepted: 2 });
    expect(rejected(report, "staff.csv")).toEqual([
      [4, "invalid_value", "roles"],
      [5, "duplicate", "aad_object_id"],
      [6, "duplicate", "id"],
    ]);
    expect(report.rejections.find((r) => r.file === "staff.csv" && r.line === 6)?.reason).toBe(
      'staff id "T-ANN" is already on line 2 (the first is kept)',
    );
  });

  it("links registrations to advisers by Reach's student id", () => {
    expect(adviserIds("AAA-2013J-11391")).toEqual(["T-ANN"]);
    expect(adviserIds("AAA-2013J-28400")).toEqual(["T-ANN", "T-BOB"]);
    expect(adviserIds("AAA-2013J-30268")).toEqual(["T-ZED"]);
    expect(adviserIds("BBB-2013B-52899")).toEqual([]);
    expect(rejected(report, "advisers.csv")).toEqual([
      [4, "unknown_student", "student_id"],
      [5, "unknown_student", "student_id"],
    ]);
    expect(fileOf(report, "advisers.csv")?.notes).toEqual([
      "1 adviser id(s) match no staff member (staff.csv): those links let no one act on a case",
    ]);
  });
});

describe("OULAD without staff.csv", () => {
  it("loads no staff and says that nobody can act on a case", async () => {
    const { dataset, report } = await importOulad(OULAD_MINI);
    expect(dataset.staff).toEqual([]);
    expect(fileOf(report, "staff.csv")?.notes).toEqual([
      `no staff.csv in ${OULAD_MINI}: OULAD lists no staff, so nobody can act on a case`,
    ]);
    expect(fileOf(report, "advisers.csv")).toBeUndefined();
  });
});

describe("canonical staff.csv through the same reader", () => {
  const STUDENTS = "id,display_name,school,adviser_ids\nS1,Ada,north,T1\n";
  const ATTENDANCE = "student_id,date,status\nS1,2026-02-02,present\n";

  it("rejects a repeated id or object id; a missing staff.csv is not reported", async () => {
    const { dataset, report } = await importCanonical(
      folder({
        "students.csv": STUDENTS,
        "attendance.csv": ATTENDANCE,
        "staff.csv": [
          "id,name,school,roles,aad_object_id",
          "T1,Tess,north,adviser,obj-1",
          "T1,Tom,north,adviser,obj-2",
          "T2,Tim,north,adviser,OBJ-1",
          "T3,Tia,north,engagement_lead,",
          "",
        ].join("\n"),
      }),
    );
    expect(dataset.staff.map((s) => s.id)).toEqual(["T1", "T3"]);
    expect(rejected(report, "staff.csv")).toEqual([
      [3, "duplicate", "id"],
      [4, "duplicate", "aad_object_id"],
    ]);
    const without = await importCanonical(
      folder({ "students.csv": STUDENTS, "attendance.csv": ATTENDANCE }),
    );
    expect(fileOf(without.report, "staff.csv")).toBeUndefined();
  });

  it("does not read advisers.csv: students.csv has the adviser_ids column", async () => {
    const { dataset, report } = await importCanonical(
      folder({
        "students.csv": STUDENTS,
        "attendance.csv": ATTENDANCE,
        "advisers.csv": "student_id,adviser_ids\nS1,T9\n",
      }),
    );
    expect(dataset.students[0]?.adviserIds).toEqual(["T1"]);
    expect(fileOf(report, "advisers.csv")).toBeUndefined();
  });
});
