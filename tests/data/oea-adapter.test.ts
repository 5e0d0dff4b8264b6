import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mayWorkOn, rosterOf } from "../../src/cases/index.ts";
import type { ImportResult } from "../../src/data/adapters/adapter.ts";
import {
  cdmFileName,
  importOea,
  oeaAdapter,
  oeaAttendanceStatus,
  parseCdmSchema,
} from "../../src/data/adapters/oea.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { formatDay, weekday } from "../../src/data/dates.ts";
import { ATTENDANCE_STATUSES } from "../../src/data/schema.ts";

const MINI = join(import.meta.dirname, "../fixtures/oea-mini");
const FULL = join(import.meta.dirname, "../../../shared/data/oea-k12");

const MITCHELL = "ab2a9665-ce87-4120-a8b5-edd392875e42";
const HAMPTON = "79ab1377-61f3-4462-95c8-284cb10201b8";

function student(result: ImportResult, id: string) {
  const index = result.dataset.studentIndex.get(id);
  expect(index, `student ${id}`).toBeDefined();
  return result.dataset.students[index as number];
}

/** Per student: [present records, all records], straight from the attendance columns. */
function presence(dataset: Dataset): Map<number, [number, number]> {
  const present = ATTENDANCE_STATUSES.indexOf("present");
  const counts = new Map<number, [number, number]>();
  const { attendance } = dataset;
  for (let i = 0; i < attendance.length; i++) {
    const s = attendance.student[i] as number;
    const c = counts.get(s) ?? [0, 0];
    if (attendance.status[i] === present) c[0]++;
    c[1]++;
    counts.set(s, c);
  }
  return counts;
}

function belowNinety(dataset: Dataset): number {
  let n = 0;
  for (const [p, all] of presence(dataset).values()) if (p / all < 0.9) n++;
  return n;
}

describe("CDM roster schema", () => {
  const json = JSON.parse(
    readFileSync(join(MINI, "insights-roster/roster.v0.3.2.cdm.json"), "utf8"),
  ) as unknown;
  const entities = parseCdmSchema(json);

  it("reads column names from definitions[].hasAttributes[].name in order", () => {
    expect(entities.get("AadUser")).toEqual([
      "ObjectId",
      "AnchorId",
      "DisplayName",
      "FirstSeenDateTime",
      "GivenName",
      "LastSeenDateTime",
      "Mail",
      "MailNickname",
      "Role",
      "Surname",
      "UserPrincipalName",
      "StudentId",
      "TeacherId",
    ]);
    expect(entities.get("AadUserPersonMapping")).toEqual([
      "ObjectId",
      "FirstSeenDateTime",
      "LastSeenDateTime",
      "PersonId",
    ]);
    expect(entities.get("PersonOrganizationRole")?.indexOf("OrganizationId")).toBe(5);
  });

  it("names an entity's file by its lower-cased name", () => {
    expect(cdmFileName("AadUser")).toBe("aaduser.csv");
    expect(cdmFileName("PersonOrganizationRole")).toBe("personorganizationrole.csv");
  });

  it("ignores documents without definitions", () => {
    expect(parseCdmSchema({}).size).toBe(0);
    expect(parseCdmSchema(null).size).toBe(0);
  });
});

describe("SIS attendance codes", () => {
  it("maps codes and status texts", () => {
    expect(oeaAttendanceStatus("P", "Present")).toBe("present");
    expect(oeaAttendanceStatus("A", "Absent")).toBe("unexcused_absence");
    expect(oeaAttendanceStatus("", "Excused Absence")).toBe("excused_absence");
    expect(oeaAttendanceStatus("", "Unexcused absence")).toBe("unexcused_absence");
    expect(oeaAttendanceStatus("T", "")).toBe("tardy");
    expect(oeaAttendanceStatus("", "Tardy")).toBe("tardy");
    expect(oeaAttendanceStatus("Q", "")).toBeUndefined();
  });
});

describe("OEA adapter on the mini extract", async () => {
  const result = await oeaAdapter.import(MINI);
  const { dataset, report } = result;

  it("loads the students of the roster with the CDM column mapping", () => {
    expect(dataset.students).toHaveLength(6);
    expect(student(result, "f269ed04def44e788b92acb93e96ef58")).toEqual({
      id: "f269ed04def44e788b92acb93e96ef58",
      displayName: "Carole Benefield",
      preferredName: "Carole",
      // UserPrincipalName holds "Carole Benefield" in this export, so Mail is used.
      email: "CaroleMBenefield@contoso.org",
      aadObjectId: "f269ed04def44e788b92acb93e96ef58",
      school: MITCHELL,
      year: "9",
      programme: undefined,
      cohort: undefined,
      adviserIds: ["T-PAT"], // from advisers.csv: the roster links no student to an adviser
      status: "active",
      statusFrom: undefined,
      enrolledFrom: undefined,
      enrolledUntil: undefined,
    });
    expect(dataset.schools.get(MITCHELL)?.name).toBe("Mitchell High");
    expect(dataset.schools.get(HAMPTON)?.name).toBe("Hampton High");
    expect(dataset.schools.size).toBe(2);
  });

  it("reads rows that omit the trailing TeacherId and rejects a row of another width", () => {
    const aaduser = report.files.find((f) => f.file === "insights-roster/aaduser.csv");
    // 6 students, the broken row, a teacher, an administrator and a guardian.
    expect(aaduser).toMatchObject({ rowsRead: 10, rowsAccepted: 9, rowsRejected: 1 });
    expect(aaduser?.notes.join("\n")).toMatch(/TeacherId is absent/);
    const rejection = report.rejections.find((r) => r.file === "insights-roster/aaduser.csv");
    expect(rejection).toMatchObject({ line: 4, code: "wrong_column_count" });
    expect(rejection?.reason).toMatch(/found 11/);
    expect(dataset.studentIndex.has("1111aaaa2222bbbb3333cccc4444dddd")).toBe(false);
    // The teacher row is read but is not a student.
    expect(dataset.studentIndex.has("0a1b2c3d4e5f60718293a4b5c6d7e8f9")).toBe(false);
  });

  it("loads the roster's teacher and administrator as staff, with roles from staff.csv", () => {
    expect(dataset.staff).toEqual([
      // Matched by aad_object_id (in another case): staff.csv's id, name, school and roles
      // win; its blank email is the roster's.
      {
        id: "T-PAT",
        name: "Pat Teacher",
        email: "PatTeacher@contoso.org",
        aadObjectId: "0A1B2C3D4E5F60718293A4B5C6D7E8F9",
        school: MITCHELL,
        roles: ["engagement_lead", "adviser"],
      },
      // No staff.csv row: listed with no Reach role, at the school of the primary role
      // (Administrator at Hampton; the Teacher role at Mitchell is not primary).
      {
        id: "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        name: "Robin Admin",
        email: "RobinAdmin@contoso.org",
        aadObjectId: "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        school: HAMPTON,
        roles: [],
      },
      // Only in staff.csv.
      {
        id: "C-CASEY",
        name: "Casey Counsellor",
        email: "casey@contoso.org",
        aadObjectId: undefined,
        school: HAMPTON,
        roles: ["support_officer"],
      },
    ]);
    const aaduser = report.files.find((f) => f.file === "insights-roster/aaduser.csv");
    expect(aaduser?.notes).toContain(
      "2 staff user(s) loaded as staff with no Reach role (by roster role: Teacher 1, " +
        "Administrator 1): staff.csv gives Reach roles",
    );
    // The guardian is neither a student nor staff.
    expect(aaduser?.notes).toContain("1 family user(s) not loaded: neither students nor staff");
    expect(dataset.studentIndex.has("5e5e5e5e6f6f6f6f7a7a7a7a8b8b8b8b")).toBe(false);
  });

  it("rejects staff.csv rows as the canonical bundle does, naming file, line and field", () => {
    const staff = report.files.find((f) => f.file === "staff.csv");
    expect(staff).toMatchObject({ rowsRead: 5, rowsAccepted: 2, rowsRejected: 3 });
    expect(
      report.rejections.filter((r) => r.file === "staff.csv").map((r) => [r.line, r.code, r.field]),
    ).toEqual([
      [4, "invalid_value", "roles"], // "teacher" is not a Reach role
      [5, "duplicate", "id"], // T-PAT again
      [6, "duplicate", "id"], // the roster id of the teacher whom line 2 already matched
    ]);
    expect(report.rejections.find((r) => r.file === "staff.csv" && r.line === 6)?.reason).toMatch(
      /matches the same staff member of the Insights roster \(aaduser.csv\) as line 2/,
    );
    expect(staff?.notes.join(" ")).toMatch(/^1 row\(s\) match staff of the Insights roster/);
  });

  it("links students to advisers from advisers.csv, so an adviser can work their cases", () => {
    expect(student(result, "f269ed04def44e788b92acb93e96ef58").adviserIds).toEqual(["T-PAT"]);
    expect(student(result, "27bad028458a48d0a27a129f3d1edee8").adviserIds).toEqual([
      "T-PAT",
      "C-CASEY",
    ]);
    expect(student(result, "d1bb14d359a241d0b27dc2fc2e4f1462").adviserIds).toEqual(["T-NOBODY"]);
    expect(student(result, "e899818aaa00472f9cac0c62be0fa569").adviserIds).toEqual([]);
    expect(
      report.rejections
        .filter((r) => r.file === "advisers.csv")
        .map((r) => [r.line, r.code, r.field]),
    ).toEqual([
      [4, "unknown_student", "student_id"],
      [5, "duplicate", "student_id"], // Carole again: the first row is kept
    ]);
    expect(report.files.find((f) => f.file === "advisers.csv")?.notes).toEqual([
      "1 adviser id(s) match no staff member (staff.csv): those links let no one act on a case",
    ]);

    const roster = rosterOf(dataset.staff);
    const carole = student(result, "f269ed04def44e788b92acb93e96ef58");
    const subject = {
      student: carole,
      school: carole.school,
      policy: { id: "p", schools: [MITCHELL], access: "advisees" as const },
    };
    expect(mayWorkOn("T-PAT", subject, roster)).toMatchObject({ allowed: true, as: "adviser" });
    // The administrator has no Reach role: no OEA role name grants one.
    expect(mayWorkOn("9f8e7d6c5b4a39281706f5e4d3c2b1a0", subject, roster)).toMatchObject({
      allowed: false,
      why: "9f8e7d6c5b4a39281706f5e4d3c2b1a0 has no role that works on cases (roles: none)",
    });
  });

  it("falls back to the attendance school_id when the roster gives no school", () => {
    // Aaron Williams's PersonOrganizationRole row was removed from the extract.
    expect(student(result, "a465befcb5e549378aa9593299468b30")).toMatchObject({
      school: HAMPTON,
      year: undefined,
    });
  });

  it("loads sections and enrolments", () => {
    expect(dataset.sections).toHaveLength(26);
    expect(dataset.enrolments).toHaveLength(36);
    expect(
      dataset.enrolments.filter((e) => e.studentId === "f269ed04def44e788b92acb93e96ef58"),
    ).toHaveLength(6);
  });

  it("loads one attendance event per row and rejects duplicates, unknown students, bad dates", () => {
    expect(dataset.attendance.length).toBe(120);
    const rejected = report.rejections
      .filter((r) => r.file === "studentattendance.csv")
      .map((r) => [r.line, r.code, r.field]);
    expect(rejected).toEqual([
      [122, "duplicate", undefined],
      [123, "unknown_student", "student_id"],
      [124, "invalid_value", "attendance_date"],
    ]);
    // 27bad… 17/20, d1bb… 17/20, e899… 16/20, e8e2… 17/20 are below 90%; a465… is at 18/20.
    expect(belowNinety(dataset)).toBe(4);
  });

  it("turns Clever days with logins into clever/login activity", () => {
    expect(dataset.activity.length).toBe(15);
    expect(dataset.sources).toEqual(["clever"]);
    expect(dataset.kinds).toEqual(["login"]);
    let logins = 0;
    for (let i = 0; i < dataset.activity.length; i++) logins += dataset.activity.count[i] as number;
    expect(logins).toBe(62);
    const clever = report.files.find((f) => f.file === "clever-daily-participation.csv");
    expect(clever).toMatchObject({ rowsAccepted: 30, rowsRejected: 2 });
    expect(clever?.notes).toContain(
      "15 row(s) have num_logins 0 (inactive days): accepted, no activity recorded",
    );
    expect(
      report.rejections
        .filter((r) => r.file === "clever-daily-participation.csv")
        .map((r) => [r.line, r.code, r.field]),
    ).toEqual([
      [32, "unknown_student", "sis_id"],
      [33, "invalid_value", "num_logins"],
    ]);
  });

  it("derives each school's calendar from its recorded attendance dates", () => {
    for (const school of [MITCHELL, HAMPTON]) {
      const days = dataset.calendar.filter((c) => c.school === school).map((c) => c.date);
      expect(days).toHaveLength(20);
      expect(formatDay(days[0] as number)).toBe("2022-01-03");
      expect(formatDay(days.at(-1) as number)).toBe("2022-01-28");
      expect(days.every((d) => weekday(d) >= 1 && weekday(d) <= 5)).toBe(true);
    }
  });

  it("explains why studentsectionmark.csv is not loaded", () => {
    const marks = report.files.find((f) => f.file === "studentsectionmark.csv");
    expect(marks?.rowsAccepted).toBe(0);
    expect(marks?.notes.join(" ")).toMatch(/synthetic: 0 of its 1 student ids match/);
  });
});

describe.skipIf(!existsSync(FULL))("OEA adapter on the full K-12 data", () => {
  it("imports 600 students and 12,000 attendance rows; 208 are present < 90%", async () => {
    const started = performance.now();
    const { dataset, report } = await importOea(FULL);
    console.log(`OEA K-12 full import: ${((performance.now() - started) / 1000).toFixed(2)} s`);
    expect(dataset.students).toHaveLength(600);
    expect(dataset.schools.size).toBe(5);
    expect(dataset.attendance.length).toBe(12_000);
    expect(belowNinety(dataset)).toBe(208);
    // Each student: 20 records over 20 distinct dates, 2022-01-03..2022-01-28.
    const dates = new Map<number, Set<number>>();
    const { attendance } = dataset;
    for (let i = 0; i < attendance.length; i++) {
      const s = attendance.student[i] as number;
      const set = dates.get(s) ?? new Set();
      set.add(attendance.day[i] as number);
      dates.set(s, set);
    }
    expect(dates.size).toBe(600);
    for (const [s, [, all]] of presence(dataset)) {
      expect(all).toBe(20);
      expect(dates.get(s)?.size).toBe(20);
    }
    const allDays = [...new Set(attendance.day)].sort((a, b) => a - b);
    expect(allDays.map(formatDay)).toHaveLength(20);
    expect(formatDay(allDays[0] as number)).toBe("2022-01-03");
    expect(formatDay(allDays.at(-1) as number)).toBe("2022-01-28");
    expect(dataset.calendar).toHaveLength(5 * 20);
    expect(dataset.activity.length).toBe(7500);
    expect(report.rowsRejected).toBe(0);
    // The test roster lists students only, and there is no staff.csv beside it.
    expect(dataset.staff).toHaveLength(0);
    expect(report.files.find((f) => f.file === "staff.csv")?.notes).toEqual([
      `no staff.csv in ${FULL} and no staff in the roster: nobody can act on a case`,
    ]);
  });
});
if (!existsSync(FULL)) console.log(`skipping the full OEA import: ${FULL} is absent`);
