import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ADAPTERS } from "../../src/data/adapters/index.ts";
import {
  entraObjectId,
  importOneRoster,
  type RosterImportResult,
} from "../../src/data/adapters/oneroster.ts";
import { formatDay } from "../../src/data/dates.ts";

/**
 * tests/fixtures/oneroster-mini: a hand-made OneRoster 1.2 CSV set (the published column
 * lists of manifest, orgs, academicSessions, courses, classes, users, roles, enrollments
 * and demographics) for a district with two schools, with rows that must be rejected or
 * passed over (status=tobedeleted). Every expected value below is counted in those files.
 */
const MINI = join(import.meta.dirname, "../fixtures/oneroster-mini");

function fileReport(result: RosterImportResult, file: string) {
  const f = result.report.files.find((r) => r.file === file);
  expect(f, file).toBeDefined();
  return f as NonNullable<typeof f>;
}

function counts(result: RosterImportResult, file: string): [number, number, number] {
  const f = fileReport(result, file);
  return [f.rowsRead, f.rowsAccepted, f.rowsRejected];
}

function student(result: RosterImportResult, id: string) {
  const i = result.dataset.studentIndex.get(id);
  expect(i, `student ${id}`).toBeDefined();
  return result.dataset.students[i as number];
}

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "reach-oneroster-"));
  temps.push(dir);
  return dir;
}

/** A copy of the fixture with `files` replaced (a null content removes the file). */
function variant(files: Record<string, string | null>): string {
  const dir = tempDir();
  cpSync(MINI, dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    if (text === null) rmSync(join(dir, name));
    else writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe("OneRoster adapter on oneroster-mini", () => {
  it("is registered as --source oneroster", () => {
    expect(ADAPTERS.oneroster.name).toBe("oneroster");
  });

  it("counts rows per file by hand", async () => {
    const r = await importOneRoster(MINI);
    expect(counts(r, "manifest.csv")).toEqual([25, 25, 0]);
    // orgs: 6 rows; s-old is tobedeleted (accepted, not loaded), s-lake's type is unknown.
    expect(counts(r, "orgs.csv")).toEqual([6, 5, 1]);
    expect(counts(r, "academicSessions.csv")).toEqual([3, 3, 0]);
    expect(counts(r, "courses.csv")).toEqual([3, 3, 0]);
    // roles: 17 rows; lecturer (not a OneRoster role), u-009 (not in users.csv) and
    // s-nowhere (not in orgs.csv) rejected.
    expect(counts(r, "roles.csv")).toEqual([17, 14, 3]);
    // users: 14 rows; the second u-001 and x-001 (no role) rejected.
    expect(counts(r, "users.csv")).toEqual([14, 12, 2]);
    // classes: 6 rows; the second cl-math9a rejected.
    expect(counts(r, "classes.csv")).toEqual([6, 5, 1]);
    // enrollments: 16 rows; cl-hist9, g-001 as a student, u-001 twice in cl-math9a and
    // role mentor rejected.
    expect(counts(r, "enrollments.csv")).toEqual([16, 12, 4]);
    // demographics: 6 rows; "maybe" for a race and u-099 rejected.
    expect(counts(r, "demographics.csv")).toEqual([6, 4, 2]);
  });

  it("positions and explains every rejected row", async () => {
    const r = await importOneRoster(MINI);
    expect(r.report.rejections.map((x) => `${x.file}:${x.line} ${x.field} ${x.code}`)).toEqual([
      "orgs.csv:7 type invalid_value",
      "roles.csv:11 role invalid_value",
      "roles.csv:18 orgSourcedId unknown_reference",
      "users.csv:14 sourcedId duplicate",
      "users.csv:15 sourcedId unknown_reference",
      "roles.csv:16 userSourcedId unknown_reference",
      "classes.csv:6 sourcedId duplicate",
      "enrollments.csv:10 classSourcedId unknown_reference",
      "enrollments.csv:13 userSourcedId unknown_student",
      "enrollments.csv:14 userSourcedId duplicate",
      "enrollments.csv:15 role invalid_value",
      "demographics.csv:6 americanIndianOrAlaskaNative invalid_value",
      "demographics.csv:7 sourcedId unknown_student",
    ]);
    const reason = (file: string, line: number) =>
      r.report.rejections.find((x) => x.file === file && x.line === line)?.reason;
    expect(reason("roles.csv", 11)).toContain('unknown role "lecturer"');
    expect(reason("users.csv", 14)).toBe(
      'sourcedId "u-001" is already on line 2 (the first is kept)',
    );
    expect(reason("enrollments.csv", 10)).toBe('class "cl-hist9" is not in classes.csv');
  });

  it("gives the students, schools, staff, sections and enrolments counted by hand", async () => {
    const r = await importOneRoster(MINI);
    const { dataset } = r;
    // u-006 is tobedeleted; x-001 and the second u-001 are rejected; g-001 is a guardian.
    expect(dataset.students.map((s) => [s.id, s.school])).toEqual([
      ["u-001", "s-north"],
      ["u-002", "s-north"],
      ["u-003", "s-north"],
      ["u-004", "s-south"],
      ["u-005", "s-south"],
      ["u-007", "s-north"], // primary role at s-north, secondary at s-south
    ]);
    // The district is not a school, dep-sci is part of s-north, s-old is tobedeleted.
    expect([...dataset.schools.keys()]).toEqual(["s-north", "s-south"]);
    expect(dataset.staff.map((s) => [s.id, s.school, s.roles.length])).toEqual([
      ["t-001", "s-north", 0],
      ["t-002", "s-north", 0], // teacher in dep-sci, inside s-north
      ["a-001", "s-south", 0],
      ["c-001", "unknown", 0], // counselor of the district only
    ]);
    // cl-art's school is tobedeleted and cl-drama is itself: neither is a section.
    expect(dataset.sections.map((s) => [s.id, s.name, s.school])).toEqual([
      ["cl-math9a", "Mathematics 9A", "s-north"],
      ["cl-sci9", "Science 9", "s-north"],
      ["cl-eng7", "English 7", "s-south"],
    ]);
    expect(
      dataset.enrolments.map((e) =>
        [
          e.studentId,
          e.sectionId,
          formatDay(e.start),
          e.end === undefined ? "" : formatDay(e.end),
        ].join(" "),
      ),
    ).toEqual([
      "u-001 cl-math9a 2024-09-02 2024-12-20", // term t1
      "u-002 cl-math9a 2024-09-02 2024-12-20",
      "u-001 cl-sci9 2024-09-16 2025-04-04", // own beginDate; end of t2
      "u-003 cl-sci9 2024-09-02 2025-04-04", // t1 start to t2 end
      "u-004 cl-eng7 2024-09-02 2024-12-20",
      "u-005 cl-eng7 2024-09-02 2024-12-20",
      "u-007 cl-sci9 2025-01-06 2025-04-04", // own dates
    ]);
    expect(dataset.attendance.length).toBe(0);
    expect(dataset.activity.length).toBe(0);
  });

  it("handles status=tobedeleted rows as documented: not loaded, references passed over", async () => {
    const r = await importOneRoster(MINI);
    expect(r.dataset.studentIndex.has("u-006")).toBe(false);
    expect(r.dataset.schools.has("s-old")).toBe(false);
    expect(r.dataset.sections.some((s) => s.id === "cl-drama" || s.id === "cl-art")).toBe(false);
    // e-010 (u-006), e-011 (cl-drama) and e-015 (itself tobedeleted) are not rejections.
    const enrolRejected = r.report.rejections.filter((x) => x.file === "enrollments.csv");
    expect(enrolRejected.map((x) => x.line)).toEqual([10, 13, 14, 15]);
    expect(fileReport(r, "enrollments.csv").notes).toContain(
      "2 enrolment(s) of classes or users marked tobedeleted passed over",
    );
    // r-006 (u-006's role) and r-016 (a role at s-old) are not rejections either.
    expect(
      r.report.rejections.some((x) => x.file === "roles.csv" && [7, 17].includes(x.line)),
    ).toBe(false);
  });

  it("maps names, addresses, object ids and the keys another source would match on", async () => {
    const r = await importOneRoster(MINI);
    const ava = student(r, "u-001");
    expect(ava.displayName).toBe("Avi Patel"); // preferredGivenName
    expect(ava.preferredName).toBe("Avi");
    expect(ava.email).toBe("ava.patel@riverside.example");
    expect(ava.aadObjectId).toBe("0f8fad5b-d9cb-469f-a165-70867728950e"); // userIds {Entra:…}
    expect(ava.year).toBe("09");
    expect(formatDay(ava.enrolledFrom as number)).toBe("2024-09-02");
    expect(formatDay(ava.enrolledUntil as number)).toBe("2025-07-18");
    expect(student(r, "u-002").email).toBe("ben.okafor@riverside.example"); // from username
    expect(student(r, "u-002").aadObjectId).toBeUndefined();
    expect(r.studentKeys.get("u-001")).toEqual({
      username: "ava.patel",
      email: "ava.patel@riverside.example",
      identifier: "1001",
    });
    expect(r.studentKeys.size).toBe(6);
  });

  it("puts demographics in monitoring only, never on a student", async () => {
    const r = await importOneRoster(MINI);
    const d = r.monitoring.demographics.map((x) => `${x.studentId} ${x.field}=${x.value}`);
    // u-001: 4, u-002: 6 (three races), u-004: 3 (no race given); t-001 is staff.
    expect(d).toEqual([
      "u-001 sex=female",
      "u-001 race=asian",
      "u-001 ethnicity=notHispanicOrLatinoEthnicity",
      "u-001 birth_country=US",
      "u-002 sex=male",
      "u-002 race=blackOrAfricanAmerican",
      "u-002 race=white",
      "u-002 race=demographicRaceTwoOrMoreRaces",
      "u-002 ethnicity=notHispanicOrLatinoEthnicity",
      "u-002 birth_country=NG",
      "u-004 sex=male",
      "u-004 ethnicity=hispanicOrLatinoEthnicity",
      "u-004 birth_country=US",
    ]);
    const text = JSON.stringify(r.dataset.students);
    for (const v of ["female", "asian", "Hispanic", "2010-03-14", "Seattle"]) {
      expect(text).not.toContain(v);
    }
  });

  it("never reads a password into anything", async () => {
    const r = await importOneRoster(MINI);
    expect(readFileSync(join(MINI, "users.csv"), "utf8")).toContain("Winter2024!");
    const everything = JSON.stringify([r.report.toJSON(), r.dataset.students, r.dataset.staff]);
    expect(everything).not.toContain("Spring2025!");
    expect(everything).not.toContain("Winter2024!");
  });

  it("fails users.csv when its header lacks a required column", async () => {
    const users = readFileSync(join(MINI, "users.csv"), "utf8").replace(
      ",familyName,",
      ",surname,",
    );
    const r = await importOneRoster(variant({ "users.csv": users }));
    expect(fileReport(r, "users.csv").error).toBe("line 1: the header lacks column familyName");
    expect(r.dataset.students.length).toBe(0);
    // No user is known: the 14 role rows accepted with a known org are retracted as naming
    // an unknown user (r-016's org is tobedeleted, so it names no one); with r-017's
    // unknown org that makes 15 unknown_reference rows.
    expect(
      r.report.rejections.filter((x) => x.file === "roles.csv" && x.code === "unknown_reference")
        .length,
    ).toBe(15);
  });

  it("does not read a file the manifest declares delta", async () => {
    const manifest = readFileSync(join(MINI, "manifest.csv"), "utf8").replace(
      "file.enrollments,bulk",
      "file.enrollments,delta",
    );
    const r = await importOneRoster(variant({ "manifest.csv": manifest }));
    expect(fileReport(r, "enrollments.csv").error).toContain("delta");
    expect(r.dataset.enrolments.length).toBe(0);
    expect(r.dataset.students.length).toBe(6);
  });

  it("reads the OneRoster 1.1 layout: role and orgSourcedIds in users.csv, no roles.csv", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "orgs.csv"),
      "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n" +
        "d1,,,District,district,,\ns1,,,One School,school,,d1\n",
    );
    writeFileSync(
      join(dir, "users.csv"),
      "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n" +
        "p1,,,true,s1,student,pat,,Pat,Lee,,9001,pat@one.example,,,,10,\n" +
        'p2,,,true,"d1,s1",teacher,kim,,Kim,Ng,,,kim@one.example,,,,,\n' +
        "p3,,,true,s1,parent,lou,,Lou,Lee,,,lou@mail.example,,,,,\n" +
        "p4,,,true,s1,pupil,max,,Max,Roe,,,,,,,,\n",
    );
    const r = await importOneRoster(dir);
    expect(r.dataset.students.map((s) => [s.id, s.school, s.year, s.email])).toEqual([
      ["p1", "s1", "10", "pat@one.example"],
    ]);
    expect(r.dataset.staff.map((s) => [s.id, s.school])).toEqual([["p2", "s1"]]);
    expect(r.report.rejections.map((x) => `${x.file}:${x.line} ${x.field} ${x.code}`)).toEqual([
      "users.csv:5 role invalid_value",
    ]);
  });
});

describe("entraObjectId", () => {
  it("finds an Entra object id among OneRoster userIds", () => {
    expect(entraObjectId("{LDAP:jdoe},{Entra:0F8FAD5B-D9CB-469F-A165-70867728950E}")).toBe(
      "0F8FAD5B-D9CB-469F-A165-70867728950E",
    );
    expect(entraObjectId("{AzureAD:0f8fad5b-d9cb-469f-a165-70867728950e}")).toBe(
      "0f8fad5b-d9cb-469f-a165-70867728950e",
    );
    expect(entraObjectId("{Entra:jdoe@school.example}")).toBeUndefined(); // not an object id
    expect(entraObjectId("{LDAP:0f8fad5b-d9cb-469f-a165-70867728950e}")).toBeUndefined();
    expect(entraObjectId("")).toBeUndefined();
  });
});
