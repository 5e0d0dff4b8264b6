/**
 * The Ed-Fi adapter on three folders:
 *
 * - tests/fixtures/edfi-mini: seven students of the Grand Bend sample with all 28 of their
 *   attendance events, copied unchanged (tests/fixtures/edfi-mini/NOTICE). Every number
 *   below is counted in its files by hand (or with grep, as each comment says).
 * - tests/fixtures/edfi-malformed: a hand-made interchange in which every bad element
 *   sits at a known line, and one file is not well-formed XML.
 * - ../shared/data/edfi-grand-bend: the whole sample (skipped when absent).
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { ImportResult } from "../../src/data/adapters/adapter.ts";
import { edfiAttendanceStatus, importEdfi } from "../../src/data/adapters/edfi.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { formatDay, parseIsoDate } from "../../src/data/dates.ts";
import { ATTENDANCE_STATUSES } from "../../src/data/schema.ts";
import { evaluate } from "../../src/rules/evaluate.ts";
import { loadPolicyFile, loadPolicyText } from "../../src/rules/loader.ts";
import type { Policy } from "../../src/rules/policy.ts";
import { emptyRuleState } from "../../src/rules/rule-state.ts";

const MINI = join(import.meta.dirname, "../fixtures/edfi-mini");
const MALFORMED = join(import.meta.dirname, "../fixtures/edfi-malformed");
const FULL = join(import.meta.dirname, "../../../shared/data/edfi-grand-bend");
const POLICY = join(import.meta.dirname, "../fixtures/policies/edfi-attendance.yaml");

const day = (iso: string) => parseIsoDate(iso) as number;

function student(result: ImportResult, id: string) {
  const index = result.dataset.studentIndex.get(id);
  expect(index, `student ${id}`).toBeDefined();
  return result.dataset.students[index as number];
}

/** Attendance rows by status name, straight from the columns. */
function byStatus(dataset: Dataset): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(ATTENDANCE_STATUSES.map((s) => [s, 0]));
  for (let i = 0; i < dataset.attendance.length; i++) {
    counts[ATTENDANCE_STATUSES[dataset.attendance.status[i] as number]]++;
  }
  return counts;
}

/** Students per school. */
function placement(dataset: Dataset): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of dataset.students) counts[s.school] = (counts[s.school] ?? 0) + 1;
  return counts;
}

/**
 * What a dry run evaluates, on an imported data set: each finding's first condition's
 * evidence, by student. (Evaluated directly, so that the test does not depend on the
 * other adapters registered beside this one.)
 */
function evidenceOf(result: ImportResult, policy: Policy, asOf: string) {
  const evaluation = evaluate({
    dataset: result.dataset,
    policy,
    asOf: day(asOf),
    previous: emptyRuleState(policy.id),
  });
  return {
    evaluation,
    evidence: Object.fromEntries(
      evaluation.findings.map((f) => [f.studentId, f.signals[0]?.conditions[0]?.evidence]),
    ),
  };
}

function fileReport(result: ImportResult, file: string) {
  const f = result.report.files.find((r) => r.file === file);
  expect(f, file).toBeDefined();
  return f as NonNullable<typeof f>;
}

describe("Ed-Fi attendance event categories", () => {
  it("maps Ed-Fi's standard categories to Reach's statuses, ignoring case and spacing", () => {
    expect(edfiAttendanceStatus("In Attendance")).toBe("present");
    expect(edfiAttendanceStatus("Present")).toBe("present");
    expect(edfiAttendanceStatus("Tardy")).toBe("tardy");
    expect(edfiAttendanceStatus("Early departure")).toBe("early_departure");
    expect(edfiAttendanceStatus("Partial")).toBe("partial");
    expect(edfiAttendanceStatus("Excused Absence")).toBe("excused_absence");
    expect(edfiAttendanceStatus(" unexcused   absence ")).toBe("unexcused_absence");
    expect(edfiAttendanceStatus("Virtual")).toBeUndefined();
  });
});

describe("Ed-Fi adapter on the Grand Bend extract (edfi-mini)", () => {
  let result: ImportResult;
  beforeAll(async () => {
    result = await importEdfi(MINI);
  });

  it("reads the seven students, with names and no demographics on the record", () => {
    // Student.xml: 7 <Student> records (and one <Person>, which is not a student).
    expect(result.dataset.students).toHaveLength(7);
    const lisa = student(result, "604822");
    expect(lisa.displayName).toBe("Lisa Woods");
    expect(lisa.preferredName).toBe("Lisarae");
    expect(Object.keys(lisa)).not.toContain("sex");
    expect(fileReport(result, "Student.xml")).toMatchObject({ rowsRead: 7, rowsAccepted: 7 });
  });

  it("keeps sex and citizenship for monitoring only", () => {
    // BirthSex: 605263 Female, 605464 Male; CitizenshipStatus: 605464 Non-resident alien.
    expect(
      [...result.monitoring.demographics].sort((a, b) =>
        `${a.studentId}${a.field}` < `${b.studentId}${b.field}` ? -1 : 1,
      ),
    ).toEqual([
      { studentId: "605263", field: "sex", value: "Female" },
      { studentId: "605464", field: "citizenship_status", value: "Non-resident alien" },
      { studentId: "605464", field: "sex", value: "Male" },
    ]);
  });

  it("places each student at the school of their events, enrolled over its calendar", () => {
    // Events name 255901001 for 604822, 604968, 605464; 255901044 for 605268; 255901107
    // for 604821 and 604891. 605263 has no event and the extract has no enrolment.
    expect(placement(result.dataset)).toEqual({
      "255901001": 3,
      "255901044": 1,
      "255901107": 2,
      unknown: 1,
    });
    const lisa = student(result, "604822");
    expect(lisa.school).toBe("255901001");
    expect(formatDay(lisa.enrolledFrom as number)).toBe("2021-08-23");
    expect(formatDay(lisa.enrolledUntil as number)).toBe("2022-05-27");
    expect(student(result, "605263").school).toBe("unknown");
    expect(student(result, "605263").enrolledFrom).toBeUndefined();
    expect(result.dataset.schools.get("255901107")).toEqual({
      id: "255901107",
      name: "Grand Bend Elementary School",
      attendanceRecording: "absences_only",
    });
  });

  it("makes each school's calendar the weekdays of its sessions: 189 days", () => {
    // Fall 2021-08-23 (Mon) .. 2021-12-17 (Fri): 17 whole weeks = 85 weekdays. Spring
    // 2022-01-04 (Tue) .. 2022-05-27 (Fri): 4 + 20 weeks × 5 = 104. 85 + 104 = 189 per
    // school, 3 schools. The sessions say 81 + 88 = 169: the report says so.
    expect(result.dataset.calendar).toHaveLength(3 * 189);
    const days = result.dataset.calendar.filter((c) => c.school === "255901044").map((c) => c.date);
    expect(days).toHaveLength(189);
    expect(days).not.toContain(day("2021-12-20")); // winter break, between the sessions
    expect(days).not.toContain(day("2021-09-04")); // a Saturday
    expect(days).toContain(day("2021-09-06")); // Labor Day: the calendar does not name it
    const notes = fileReport(result, "EducationOrgCalendar.xml").notes.join("\n");
    expect(notes).toMatch(
      /school 255901001: 189 instructional days 2021-08-23 to 2022-05-27, .*TotalInstructionalDays say 169/,
    );
  });

  it("imports 26 of the 28 events: 3 tardy, 8 excused and 15 unexcused absences", () => {
    // grep -c in StudentSchoolAttendance.xml: Tardy 4 (604821 ×1, 604891 ×3), Partial 1
    // (604822), Excused Absence 8 (604822 ×4, 605268 ×3, 604968 ×1), Unexcused Absence 15
    // (605464 ×12, 604968 ×3). 604891's tardy on Sunday 2022-05-15 is rejected; 604822's
    // Partial on 2021-12-15 is the same day as an Excused Absence, which is kept.
    expect(byStatus(result.dataset)).toEqual({
      present: 0,
      tardy: 3,
      early_departure: 0,
      partial: 0,
      excused_absence: 8,
      unexcused_absence: 15,
    });
    const att = fileReport(result, "StudentSchoolAttendance.xml");
    expect(att).toMatchObject({ rowsRead: 28, rowsAccepted: 26, rowsRejected: 2 });
    expect(result.report.rejections).toEqual([
      {
        file: "StudentSchoolAttendance.xml",
        line: 759,
        field: "EventDate",
        code: "out_of_range",
        reason:
          "<StudentSchoolAttendanceEvent> at line 759, column 2: 2022-05-15 (a Sunday) is not an instructional day of school 255901107",
        raw: expect.stringContaining("EventDate=2022-05-15"),
      },
      {
        file: "StudentSchoolAttendance.xml",
        line: 90,
        code: "conflict",
        reason: "conflicts with line 61 (excused_absence kept, partial dropped)",
      },
    ]);
  });
});

describe("Ed-Fi adapter on a malformed interchange (edfi-malformed)", () => {
  let result: ImportResult;
  beforeAll(async () => {
    result = await importEdfi(MALFORMED);
  });

  it("reports every rejected element with its file, line, column, field and reason", () => {
    const seen = result.report.rejections.map(
      (r) => `${r.file}:${r.line} ${r.field ?? "-"} ${r.code}: ${r.reason}`,
    );
    expect(seen).toEqual([
      "AttendanceEventCategoryDescriptor.xml:51 CodeValue missing_field: <AttendanceEventCategoryDescriptor> at line 51, column 2: no CodeValue",
      "EducationOrganization.xml:11 SchoolId missing_field: <School> at line 11, column 2: no SchoolId",
      'EducationOrgCalendar.xml:34 CalendarEvent invalid_value: <CalendarDate> at line 34, column 2: unknown CalendarEvent "Pizza day" (known: instructional day, make-up day, student late arrival/early dismissal, holiday, non-instructional day, teacher only day, weather day, emergency day, strike)',
      "EducationOrgCalendar.xml:39 SchoolId unknown_reference: <Session> at line 39, column 2: school 255901999 is not a <School> in EducationOrganization.xml",
      "EducationOrgCalendar.xml:47 EndDate out_of_range: <Session> at line 47, column 2: EndDate is before BeginDate",
      "Student.xml:44 StudentUniqueId missing_field: <Student> at line 44, column 2: no StudentUniqueId",
      "Student.xml:53 StudentUniqueId duplicate: <Student> at line 53, column 2: student 604822 is listed twice (the first is kept)",
      "Student.xml:63 Name missing_field: <Student> at line 63, column 2: student 605000 has no Name/FirstName or Name/LastSurname",
      "StudentEnrollment.xml:9 StudentUniqueId unknown_student: <StudentSchoolAssociation> at line 9, column 2: student 999999 is not in Student.xml",
      "StudentSchoolAttendance.xml:39 EventDate out_of_range: <StudentSchoolAttendanceEvent> at line 39, column 2: 2021-09-06 is not an instructional day of school 255901001",
      "StudentSchoolAttendance.xml:48 EventDate out_of_range: <StudentSchoolAttendanceEvent> at line 48, column 2: 2021-09-11 (a Saturday) is not an instructional day of school 255901001",
      "StudentSchoolAttendance.xml:57 StudentUniqueId unknown_student: <StudentSchoolAttendanceEvent> at line 57, column 2: student 999999 is not in Student.xml",
      'StudentSchoolAttendance.xml:66 AttendanceEventCategory invalid_value: <StudentSchoolAttendanceEvent> at line 66, column 2: category "Virtual" has no Reach status (Reach knows present, tardy, early_departure, partial, excused_absence, unexcused_absence; see docs/adapters/edfi.md)',
      'StudentSchoolAttendance.xml:75 AttendanceEventCategory unknown_reference: <StudentSchoolAttendanceEvent> at line 75, column 2: "uri://ed-fi.org/AttendanceEventCategoryDescriptor#Remote" is not an AttendanceEventCategoryDescriptor of AttendanceEventCategoryDescriptor.xml',
      'StudentSchoolAttendance.xml:84 AttendanceEventCategory invalid_value: <StudentSchoolAttendanceEvent> at line 84, column 2: "uri://ed-fi.org/AbsenceEventCategoryDescriptor#Jury duty" is a staff leave category (AbsenceEventCategoryDescriptor), not a student attendance category',
      'StudentSchoolAttendance.xml:93 EventDate invalid_value: <StudentSchoolAttendanceEvent> at line 93, column 2: EventDate "2021-02-30" is not a date as YYYY-MM-DD',
      "StudentSchoolAttendance.xml:102 AttendanceEventCategory missing_field: <StudentSchoolAttendanceEvent> at line 102, column 2: no AttendanceEventCategory",
      "StudentSchoolAttendance.xml:110 SchoolId unknown_reference: <StudentSchoolAttendanceEvent> at line 110, column 2: school 255901999 has no instructional days in EducationOrgCalendar.xml",
      "StudentSchoolAttendance.xml:119 EventDate out_of_range: <StudentSchoolAttendanceEvent> at line 119, column 2: 2021-09-07 is outside the student's enrolment (StudentEnrollment.xml line 3)",
      "StudentSchoolAttendance.xml:146 EventDate out_of_range: <StudentSchoolAttendanceEvent> at line 146, column 2: 2021-09-08 is not an instructional day of school 255901044",
      "StudentSchoolAttendance.xml:21 - duplicate: duplicate of line 12",
    ]);
    expect(fileReport(result, "StudentSchoolAttendance.xml")).toMatchObject({
      rowsRead: 17,
      rowsAccepted: 5,
      rowsRejected: 12,
    });
    expect(result.report.partial).toBe(true);
  });

  it("fails a file that is not well-formed at the first error, keeping what came before", () => {
    // Line 10: <CodeValue>Sick leave</Code>. Jury duty (before it) is read; Vacation is not.
    const absence = fileReport(result, "AbsenceEventCategoryDescriptor.xml");
    expect(absence.error).toBe(
      "line 10, column 31: not well-formed XML (unexpected close tag.); nothing after it was read",
    );
    expect(absence.rowsAccepted).toBe(1);
  });

  it("builds a complete calendar from CalendarDates, and otherwise weekdays less holidays", () => {
    // 255901001: Mon 09-06 .. Fri 09-10, less the Holiday on 09-06 → 4 days (= the
    // session's 4). 255901044: two instructional CalendarDates = the session's 2.
    const days = (school: string) =>
      result.dataset.calendar.filter((c) => c.school === school).map((c) => formatDay(c.date));
    expect(days("255901001")).toEqual(["2021-09-07", "2021-09-08", "2021-09-09", "2021-09-10"]);
    expect(days("255901044")).toEqual(["2021-09-07", "2021-09-09"]);
  });

  it("places a student by StudentSchoolAssociation, with entry date and grade", () => {
    const justin = student(result, "605464");
    expect(justin.school).toBe("255901044");
    expect(formatDay(justin.enrolledFrom as number)).toBe("2021-09-08");
    expect(justin.enrolledUntil).toBeUndefined();
    expect(justin.year).toBe("Ninth grade");
    expect(placement(result.dataset)).toEqual({ "255901001": 2, "255901044": 1, unknown: 1 });
    // Kept: 604822 excused 09-07 and unexcused 09-08; 604823 tardy 09-09 and present
    // ("In Attendance") 09-10; 605464 unexcused 09-09.
    expect(byStatus(result.dataset)).toEqual({
      present: 1,
      tardy: 1,
      early_departure: 0,
      partial: 0,
      excused_absence: 1,
      unexcused_absence: 2,
    });
  });

  it("counts each instructional day without an event as present when evaluated", () => {
    const loaded = loadPolicyText(
      `policy:
  id: edfi-small
  name: Below 90%
  schools: ["255901001", "255901044"]
  timezone: America/Chicago
  schedule: "0 7 * * 1-5"
  window: 45 school days
rules:
  - id: below-90
    name: Below 90%
    severity: high
    when: { metric: attendance_rate, below: 0.90 }
`,
      "edfi-small.yaml",
    );
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const { evidence } = evidenceOf(result, loaded.policy, "2021-09-10");
    // 604822: absent 09-07 and 09-08, present (no event) 09-09 and 09-10: 2 of 4.
    // 604823: tardy, present, and two days without an event: 4 of 4, no finding.
    // 605464: enrolled from 09-08; the school's only day since is 09-09, absent: 0 of 1.
    expect(evidence).toEqual({
      "604822": "attended 2 of 4 sessions (50%) between 2021-09-07 and 2021-09-10",
      "605464": "attended 0 of 1 session (0%) between 2021-09-07 and 2021-09-09",
    });
  });
});

describe("Ed-Fi adapter on missing and foreign files", () => {
  it("fails each required file that is absent, saying why it is needed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reach-edfi-"));
    const { report, dataset } = await importEdfi(dir);
    const errors = Object.fromEntries(report.files.map((f) => [f.file, f.error]));
    expect(errors["Student.xml"]).toBe(`no Student.xml in ${dir}: the student roster is required`);
    expect(errors["StudentSchoolAttendance.xml"]).toBe(
      `no StudentSchoolAttendance.xml in ${dir}: the attendance events are required`,
    );
    expect(errors["EducationOrgCalendar.xml"]).toMatch(
      /^no EducationOrgCalendar.xml in .*: the school calendar is required/,
    );
    expect(report.partial).toBe(true);
    expect(dataset.students).toHaveLength(0);
  });

  it("refuses a file whose root element is another interchange", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reach-edfi-"));
    writeFileSync(
      join(dir, "Student.xml"),
      '<?xml version="1.0"?>\n<InterchangeStaffAssociation xmlns="http://ed-fi.org/5.2.0">\n\t<Student><StudentUniqueId>1</StudentUniqueId></Student>\n</InterchangeStaffAssociation>\n',
    );
    const { report, dataset } = await importEdfi(dir);
    expect(report.files.find((f) => f.file === "Student.xml")?.error).toBe(
      "the root element is <InterchangeStaffAssociation>, not <InterchangeStudent>: not an Ed-Fi Student interchange",
    );
    expect(dataset.students).toHaveLength(0);
  });
});

describe.skipIf(!existsSync(FULL))("Ed-Fi adapter on the Grand Bend sample", () => {
  let result: ImportResult;
  beforeAll(async () => {
    const started = performance.now();
    result = await importEdfi(FULL);
    console.log(`Ed-Fi Grand Bend import: ${((performance.now() - started) / 1000).toFixed(2)} s`);
  });

  it("imports 960 students and 1,913 of the 1,917 events", () => {
    // grep -c '<Student>' Student.xml = 960; grep -c '<StudentSchoolAttendanceEvent>' = 1917.
    // By category (grep -c '#Excused Absence' etc.): Excused Absence 1077, Unexcused
    // Absence 773, Tardy 66, Partial 1. Rejected: three Tardy events on Sunday 2022-05-15
    // at 255901107, and the Partial (same day as 604822's Excused Absence, kept).
    const { dataset, report, monitoring } = result;
    expect(dataset.students).toHaveLength(960);
    expect(byStatus(dataset)).toEqual({
      present: 0,
      tardy: 63,
      early_departure: 0,
      partial: 0,
      excused_absence: 1077,
      unexcused_absence: 773,
    });
    expect(fileReport(result, "StudentSchoolAttendance.xml")).toMatchObject({
      rowsRead: 1917,
      rowsAccepted: 1913,
      rowsRejected: 4,
      byReason: { out_of_range: 3, conflict: 1 },
    });
    expect(report.rejections.map((r) => `${r.line} ${r.code}`)).toEqual([
      "35467 out_of_range",
      "35789 out_of_range",
      "36227 out_of_range",
      "90 conflict",
    ]);
    // 3 Schools; 6 Sessions, 1 Calendar, 2 CalendarDates; 19 descriptors.
    expect(fileReport(result, "EducationOrganization.xml").rowsAccepted).toBe(3);
    expect(fileReport(result, "EducationOrgCalendar.xml").rowsAccepted).toBe(9);
    expect(dataset.calendar).toHaveLength(3 * 189);
    // 227 students have events (115 at the elementary, 64 high, 48 middle school); the
    // other 733 have none and the sample has no StudentSchoolAssociation.
    expect(placement(dataset)).toEqual({
      "255901001": 64,
      "255901044": 48,
      "255901107": 115,
      unknown: 733,
    });
    // BirthSex for 3 students, CitizenshipStatus for 2.
    expect(monitoring.demographics).toHaveLength(5);
  });

  it("gives findings that can be checked by hand", async () => {
    const loaded = await loadPolicyFile(POLICY);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const { evaluation, evidence } = evidenceOf(result, loaded.policy, "2022-05-27");
    // The window is the 45 weekdays 2022-03-28 .. 2022-05-27. 604907 has 5 Excused
    // Absence events in it (04-01, 04-11, 04-15, 04-28, 05-03): 40 of 45 attended.
    // 605253 has 8 (03-31, 04-12, 04-13, 04-14, 04-29, 05-05, 05-11, 05-27): 37 of 45.
    expect(Object.keys(evidence).sort()).toEqual([
      "604907",
      "604995",
      "605047",
      "605073",
      "605106",
      "605250",
      "605253",
      "605579",
      "605638",
      "605765",
    ]);
    expect(evidence["604907"]).toBe(
      "attended 40 of 45 sessions (88.8%) between 2022-03-28 and 2022-05-27",
    );
    expect(evidence["605253"]).toBe(
      "attended 37 of 45 sessions (82.2%) between 2022-03-28 and 2022-05-27",
    );
    expect(evaluation.findings.every((f) => f.ruleIds.join() === "chronic-absence")).toBe(true);
    // In scope: the 227 students of the three schools (the 733 "unknown" are not).
    expect(evaluation.counts.studentsInScope).toBe(227);
  });
});
if (!existsSync(FULL)) console.log(`skipping the Ed-Fi Grand Bend import: ${FULL} is absent`);
