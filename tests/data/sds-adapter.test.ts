import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ADAPTERS } from "../../src/data/adapters/index.ts";
import { importSds, type RosterImportResult } from "../../src/data/adapters/sds.ts";
import { formatDay } from "../../src/data/dates.ts";

const MINI = join(import.meta.dirname, "../fixtures/sds-mini");
const REAL = join(import.meta.dirname, "../../../shared/data/sds-v2.1");

/** The fields of a canonical Student: nothing else (no demographic, no flag) may be on one. */
const STUDENT_KEYS = [
  "id",
  "displayName",
  "preferredName",
  "email",
  "aadObjectId",
  "school",
  "year",
  "programme",
  "cohort",
  "adviserIds",
  "status",
  "statusFrom",
  "enrolledFrom",
  "enrolledUntil",
].sort();

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

/** A copy of the mini fixture with `files` replaced (a null content removes the file). */
function variant(files: Record<string, string | null>): string {
  const dir = mkdtempSync(join(tmpdir(), "reach-sds-"));
  temps.push(dir);
  cpSync(MINI, dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    if (text === null) rmSync(join(dir, name));
    else writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe("sds adapter", () => {
  it("is registered as --source sds", () => {
    expect(ADAPTERS.sds.name).toBe("sds");
  });
});

describe.skipIf(!existsSync(REAL))("SDS adapter on the real SDS v2.1 sample", () => {
  it("imports every row with nothing rejected", async () => {
    const r = await importSds(REAL);
    // orgs 4 + sessions 2 + courses 3 + roles 7 + relationships 3 + users 8 + classes 2
    // + enrollments 6 + demographics 6 + userFlags 3 data rows = 44.
    expect(r.report.rowsAccepted).toBe(44);
    expect(r.report.rowsRejected).toBe(0);
    expect(r.report.files.every((f) => f.error === undefined)).toBe(true);
  });

  it("gives the students, schools, sections, enrolments and staff counted by hand", async () => {
    const r = await importSds(REAL);
    const { dataset } = r;
    // roles.csv rows with role student: 114001, 114003, 114004 (School of TwoDotOne) and
    // 114008 (College of Engineering). 114002 and 114005 are guardian/relative only.
    expect(dataset.students.map((s) => [s.id, s.school])).toEqual([
      ["114001", "110003"],
      ["114003", "110003"],
      ["114004", "110003"],
      ["114008", "110001"],
    ]);
    // The college and the school; the department (110002) and the ministry (110004) are not schools.
    expect([...dataset.schools.values()].map((s) => [s.id, s.name])).toEqual([
      ["110001", "College of Engineering"],
      ["110003", "School of TwoDotOne"],
    ]);
    expect(dataset.sections).toEqual([
      { id: "112001", name: "Computer Science 101", school: "110001" },
      { id: "112002", name: "Biology 10", school: "110003" },
    ]);
    // Four student enrolment rows; dates from the class's session (FS2021HED, SY2021K12).
    expect(
      dataset.enrolments.map((e) => [
        e.studentId,
        e.sectionId,
        formatDay(e.start),
        e.end === undefined ? "" : formatDay(e.end),
      ]),
    ).toEqual([
      ["114008", "112001", "2021-09-01", "2021-12-01"],
      ["114001", "112002", "2021-08-24", "2022-06-11"],
      ["114003", "112002", "2021-08-24", "2022-06-11"],
      ["114004", "112002", "2021-08-24", "2022-06-11"],
    ]);
    // The professor's primary role is at the department, inside the college; the
    // teacher's primary role is at the ministry, so her school is that of her other role.
    expect(dataset.staff.map((s) => [s.id, s.name, s.school, s.roles.length])).toEqual([
      ["114006", "Jason Jonzer", "110001", 0],
      ["114007", "Kristen Fein", "110003", 0],
    ]);
    expect(dataset.attendance.length).toBe(0);
    expect(dataset.activity.length).toBe(0);
  });

  it("keeps the UPN as the email and the keys another source would match on", async () => {
    const r = await importSds(REAL);
    const jack = student(r, "114001");
    expect(jack.email).toBe("jcraig@classrmtest31.org");
    expect(jack.aadObjectId).toBeUndefined(); // activeDirectoryMatchId is a UPN, not an object id
    expect(jack.year).toBe("10");
    expect(formatDay(jack.enrolledFrom as number)).toBe("2021-08-24");
    expect(formatDay(jack.enrolledUntil as number)).toBe("2022-06-11");
    expect(r.studentKeys.get("114001")).toEqual({
      username: "jcraig@classrmtest31.org",
      activeDirectoryMatchId: "jcraig@classrmtest31.org",
    });
    expect(r.studentKeys.size).toBe(4);
  });

  it("puts demographics and flags in monitoring only, for students only", async () => {
    const r = await importSds(REAL);
    const d = r.monitoring.demographics;
    // 4 student rows of demographics.csv: sex 4, birthCountry 4, raceCodes 3 (114001 has
    // none), ethnicityCodes 1 = 12; the rows of 114006 and 114007 (staff) are not loaded.
    // userFlags.csv: 3 flags.
    expect(d.length).toBe(15);
    expect(d.filter((x) => x.field === "flag").map((x) => `${x.studentId}:${x.value}`)).toEqual([
      "114001:iep",
      "114003:freeLunch",
      "114004:504",
    ]);
    expect(d.some((x) => x.studentId === "114006" || x.studentId === "114007")).toBe(false);
    expect(d.some((x) => x.field === "birthDate" || x.value === "2001-07-02")).toBe(false);
    for (const s of r.dataset.students) expect(Object.keys(s).sort()).toEqual(STUDENT_KEYS);
  });
});
if (!existsSync(REAL)) console.log(`skipping the real SDS sample: ${REAL} is absent`);

describe("SDS adapter on sds-mini (the real sample with rows added that must be rejected)", () => {
  it("counts rows per file by hand", async () => {
    const r = await importSds(MINI);
    // roles: 7 + 4 added, of which pupil, 110099 and isPrimary=maybe are rejected.
    expect(counts(r, "roles.csv")).toEqual([11, 8, 3]);
    // users: 8 + 3 added: 114009 is a student, the second 114001 a duplicate, 114010 has no role.
    expect(counts(r, "users.csv")).toEqual([11, 9, 2]);
    // classes: 2 + 2 added: 112003 at the ministry, a second 112001.
    expect(counts(r, "classes.csv")).toEqual([4, 2, 2]);
    // enrollments: 6 + 6 added, of which 114009 in 112002 is accepted.
    expect(counts(r, "enrollments.csv")).toEqual([12, 7, 5]);
    expect(counts(r, "demographics.csv")).toEqual([7, 6, 1]);
    expect(counts(r, "userFlags.csv")).toEqual([5, 4, 1]);
    expect(r.dataset.students.length).toBe(5);
    expect(r.dataset.enrolments.length).toBe(5);
    expect(r.dataset.sections.length).toBe(2);
    expect(r.monitoring.demographics.length).toBe(16); // 12 + 4 flags
  });

  it("positions and explains every rejected row", async () => {
    const r = await importSds(MINI);
    expect(r.report.rejections.map((x) => `${x.file}:${x.line} ${x.field} ${x.code}`)).toEqual([
      "roles.csv:10 role invalid_value", // pupil: not an SDS role
      "roles.csv:11 orgSourcedId unknown_reference", // org 110099
      "roles.csv:12 isPrimary invalid_value", // maybe
      "users.csv:11 sourcedId duplicate", // 114001 again
      "users.csv:12 sourcedId unknown_reference", // 114010: no role, no relationship
      "classes.csv:4 orgSourcedId unknown_reference", // 110004 is a ministry
      "classes.csv:5 sourcedId duplicate", // 112001 again
      "enrollments.csv:9 classSourcedId unknown_reference", // 112099
      "enrollments.csv:10 userSourcedId unknown_student", // 114002 is a guardian
      "enrollments.csv:11 userSourcedId duplicate", // 112002/114001/student again
      "enrollments.csv:12 classSourcedId unknown_reference", // 112003 was rejected
      "enrollments.csv:13 role invalid_value", // mentor
      "demographics.csv:8 userSourcedId unknown_student", // 114099
      "userFlags.csv:6 flag duplicate", // 114001 iep again
    ]);
    const reasons = r.report.rejections.map((x) => x.reason);
    expect(reasons[0]).toContain('unknown role "pupil"');
    expect(reasons[5]).toContain("ministryOfEducation");
    expect(reasons[10]).toContain("was rejected in classes.csv");
  });

  it("never reads a password into anything", async () => {
    const r = await importSds(MINI);
    expect(readFileSync(join(MINI, "users.csv"), "utf8")).toContain("P@ssword123");
    expect(JSON.stringify(r.report.toJSON())).not.toContain("P@ssword123");
    expect(JSON.stringify(r.dataset.students)).not.toContain("P@ssword123");
    expect(JSON.stringify(r.dataset.staff)).not.toContain("P@ssword123");
    const raw = r.report.rejections.find((x) => x.file === "users.csv" && x.line === 11)?.raw;
    expect(raw).toBe("114001,jcraig2@classrmtest31.org,Jack,Craig,,jcraig@classrmtest31.org,,,");
  });

  it("takes an object id from activeDirectoryMatchId only when it is one", async () => {
    const r = await importSds(MINI);
    const tom = student(r, "114009");
    expect(tom.aadObjectId).toBe("3f2504e0-4f89-41d3-9a0c-0305e82c3301");
    expect(tom.email).toBe("tdavis@classrmtest31.org"); // the username, the only address
    expect(tom.year).toBe("11");
    expect(student(r, "114001").aadObjectId).toBeUndefined();
  });

  it("fails a file whose header lacks a required column, and rejects what needed it", async () => {
    const classes = readFileSync(join(MINI, "classes.csv"), "utf8").replace(
      "sourcedId,orgSourcedId,title",
      "sourcedId,schoolId,title",
    );
    const r = await importSds(variant({ "classes.csv": classes }));
    expect(fileReport(r, "classes.csv").error).toBe("line 1: the header lacks column orgSourcedId");
    expect(r.dataset.sections.length).toBe(0);
    // Every enrolment names a class that is not loaded: 12 rows, the one with role mentor
    // rejected for its role first.
    const enrol = r.report.rejections.filter((x) => x.file === "enrollments.csv");
    expect(enrol.length).toBe(12);
    expect(enrol.filter((x) => x.field === "classSourcedId").length).toBe(10);
  });

  it("reports a missing required file clearly", async () => {
    const r = await importSds(variant({ "roles.csv": null }));
    expect(fileReport(r, "roles.csv").error).toMatch(/^roles\.csv not found in /);
    expect(r.dataset.students.length).toBe(0);
    // Without roles only the two relationship contacts are placed (as family, not loaded);
    // the other 8 distinct users are rejected as having no role.
    expect(counts(r, "users.csv")).toEqual([11, 2, 9]);
  });
});
