/**
 * Hybrid engagement in the weekly digest: in-person attendance and digital activity by
 * school and by section, week over week. Small data sets counted by hand, then the sample
 * school (samples/demo-school) against a plain recount of its CSV files.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCalendars, type SchoolCalendar } from "../../src/calendar/index.ts";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import type { AttendanceStatus, School, Section } from "../../src/data/schema.ts";
import { loadPolicyFile, type Policy } from "../../src/rules/index.ts";
import { loadPolicyText } from "../../src/rules/loader.ts";
import { hybridEngagement } from "../../src/run/digest/hybrid.ts";
import { buildDataset, type DatasetSpec, day, weekdays } from "../helpers/build-dataset.ts";

const ROOT = join(import.meta.dirname, "../..");

function policy(schools: string[]): Policy {
  const loaded = loadPolicyText(
    `policy:
  id: digest
  name: Digest test
  schools: [${schools.join(", ")}]
  timezone: Europe/London
  schedule: "0 7 * * 1-5"
rules:
  - id: low-attendance
    severity: high
    when: { metric: attendance_rate, below: 0.9 }
`,
    "digest.yaml",
  );
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.policy;
}

/** The data set with names for its schools and sections, as a canonical bundle has them. */
function named(spec: DatasetSpec, schools: School[], sections: Section[] = []): Dataset {
  const dataset = buildDataset(spec);
  const all = new Map(dataset.schools);
  for (const s of schools) all.set(s.id, { ...all.get(s.id), ...s });
  return { ...dataset, schools: all, sections };
}

// The digest of Monday 2026-09-21: the week is 14–20 Sep, the previous week 7–13 Sep.
const WEEK = { from: day("2026-09-14"), to: day("2026-09-20") };
const PREVIOUS = { from: day("2026-09-07"), to: day("2026-09-13") };
const DAYS = weekdays("2026-09-07", "2026-09-25");
const PREV_DAYS = weekdays("2026-09-07", "2026-09-11");
const WEEK_DAYS = weekdays("2026-09-14", "2026-09-18");

type Row = [string, string, AttendanceStatus, string?];

/** Present on each of `days` except the absences given (date → status). */
function days(
  id: string,
  list: string[],
  absent: Record<string, AttendanceStatus> = {},
  section?: string,
): Row[] {
  return list.map((d) => [id, d, absent[d] ?? "present", section]);
}

const B_STUDENTS = Array.from({ length: 12 }, (_, i) => `b${String(i + 1).padStart(2, "0")}`);

const SPEC: DatasetSpec = {
  calendar: { A: DAYS, B: DAYS, Z: DAYS },
  students: [
    { id: "a1", school: "A" },
    { id: "a2", school: "A" },
    // No record in either week: not counted.
    { id: "a3", school: "A" },
    // Withdrawn before the week: not in scope.
    { id: "a4", school: "A", status: "withdrawn", statusFrom: "2026-09-01" },
    ...B_STUDENTS.map((id) => ({ id, school: "B" })),
    // Not a school of the policy.
    { id: "z1", school: "Z" },
  ],
  attendance: [
    // A, previous week: 9 of 10 sessions attended; this week 8 of 10 (an excused absence
    // is absent under the default absent statuses).
    ...days("a1", PREV_DAYS),
    ...days("a2", PREV_DAYS, { "2026-09-09": "unexcused_absence" }),
    ...days("a1", WEEK_DAYS, { "2026-09-15": "unexcused_absence" }),
    ...days("a2", WEEK_DAYS, { "2026-09-17": "excused_absence" }),
    ...days("a4", WEEK_DAYS, { "2026-09-14": "unexcused_absence" }),
    ...days("z1", WEEK_DAYS, { "2026-09-14": "unexcused_absence" }),
    // B: every student in the maths section every day; half of them absent on Monday of
    // this week (54 of 60), none the week before (60 of 60).
    ...B_STUDENTS.flatMap((id, i) => [
      ...days(id, PREV_DAYS, {}, "B-maths"),
      ...days(id, WEEK_DAYS, i < 6 ? { "2026-09-14": "unexcused_absence" } : {}, "B-maths"),
    ]),
    // Three of them in art, the previous week: a section too small to show.
    ...B_STUDENTS.slice(0, 3).map((id): Row => [id, "2026-09-08", "present", "B-art"]),
  ],
  activity: [
    // A, this week: a1 on Mon, Tue, Wed (twice on Wed); a2 on Mon, Tue, Thu: 6 of 10
    // student-days. Saturday and a zero count do not count.
    ["a1", "2026-09-14", "vle", 3],
    ["a1", "2026-09-15", "teams", 1],
    ["a1", "2026-09-16", "vle", 1],
    ["a1", "2026-09-16", "teams", 2],
    ["a1", "2026-09-17", "vle", 0],
    ["a2", "2026-09-14", "teams", 1],
    ["a2", "2026-09-15", "vle", 4],
    ["a2", "2026-09-17", "vle", 1],
    ["a2", "2026-09-19", "vle", 5],
    // Previous week: a1 once, on Monday: 1 of 10.
    ["a1", "2026-09-07", "vle", 1],
    // Outside both weeks.
    ["a2", "2026-09-21", "vle", 1],
  ],
};

const DATASET = named(
  SPEC,
  [
    { id: "A", name: "Alder School", attendanceRecording: "all_days" },
    { id: "B", name: "Birch School", attendanceRecording: "all_days" },
  ],
  [{ id: "B-maths", name: "Maths 9", school: "B" }],
);

describe("hybridEngagement on a hand-counted data set", () => {
  const result = hybridEngagement({
    dataset: DATASET,
    calendars: buildCalendars(DATASET),
    policy: policy(["B", "A", "E"]),
    week: WEEK,
    previous: PREVIOUS,
  });

  it("lists every school of the policy in the policy's order, with the data's names", () => {
    expect(result.schools.map((s) => [s.id, s.name, s.kind, s.school])).toEqual([
      ["B", "Birch School", "school", "B"],
      ["A", "Alder School", "school", "A"],
      ["E", "E", "school", "E"],
    ]);
  });

  it("counts attendance and digital activity of school A as counted by hand", () => {
    const a = result.schools[1];
    expect(a.students).toBe(2);
    expect(a.attendance).toEqual({ week: 0.8, previous: 0.9 });
    expect(a.digital).toEqual({ week: 0.6, previous: 0.1 });
  });

  it("counts school B from its section rows, with no activity as 0 and not unknown", () => {
    const b = result.schools[0];
    expect(b.students).toBe(12);
    // The previous week: 60 maths sessions and 3 art sessions, all attended.
    expect(b.attendance).toEqual({ week: 0.9, previous: 1 });
    expect(b.digital).toEqual({ week: 0, previous: 0 });
  });

  it("shows nothing known for a school without students", () => {
    const e = result.schools[2];
    expect(e).toMatchObject({
      students: 0,
      attendance: { week: null, previous: null },
      digital: { week: null, previous: null },
    });
  });

  it("shows a section of 10 or more students, by name, and suppresses a smaller one", () => {
    expect(result.sections).toEqual([
      {
        kind: "section",
        id: "B-maths",
        name: "Maths 9",
        school: "B",
        students: 12,
        attendance: { week: 0.9, previous: 1 },
        digital: { week: 0, previous: 0 },
      },
    ]);
    expect(result.sectionsSuppressed).toBe(1);
    expect(result.sectionsOmitted).toBe(0);
  });

  it("names no student", () => {
    const text = JSON.stringify(result);
    for (const s of DATASET.students) expect(text).not.toContain(`"${s.id}"`);
  });
});

describe("hybridEngagement: sections shown", () => {
  // 14 sections of 10 students each: section k has k absences this week (a fall of k/50),
  // none the week before.
  const sections = Array.from({ length: 14 }, (_, k) => `S${String(k).padStart(2, "0")}`);
  const students = sections.flatMap((s) =>
    Array.from({ length: 10 }, (_, j) => ({ id: `${s}-${j}`, school: "A", section: s })),
  );
  const spec: DatasetSpec = {
    calendar: { A: DAYS },
    students: students.map(({ id, school }) => ({ id, school })),
    attendance: students.flatMap(({ id, section }, n) => {
      const k = Number(section.slice(1));
      const j = n % 10;
      const absent: Record<string, AttendanceStatus> = {};
      WEEK_DAYS.forEach((d, m) => {
        if (j + 10 * m < k) absent[d] = "unexcused_absence";
      });
      return [...days(id, PREV_DAYS, {}, section), ...days(id, WEEK_DAYS, absent, section)];
    }),
  };
  const dataset = buildDataset(spec);
  const result = hybridEngagement({
    dataset,
    calendars: buildCalendars(dataset),
    policy: policy(["A"]),
    week: WEEK,
    previous: PREVIOUS,
  });

  it("shows the 12 with the largest fall first and counts the rest as omitted", () => {
    expect(result.sections.map((s) => s.id)).toEqual(sections.slice(2).reverse());
    expect(result.sectionsOmitted).toBe(2);
    expect(result.sectionsSuppressed).toBe(0);
    expect(result.sections[0].attendance).toEqual({ week: 0.74, previous: 1 });
    // Without a sections file, a section is named by its id and placed in its students' school.
    expect(result.sections[0]).toMatchObject({ name: "S13", school: "A", students: 10 });
  });

  it("ranks a fall in digital activity alike", () => {
    const withActivity: DatasetSpec = {
      ...spec,
      // Every student of S00 active every day of the previous week, none this week.
      activity: students
        .filter((s) => s.section === "S00")
        .flatMap(({ id }) => PREV_DAYS.map((d): [string, string, string] => [id, d, "vle"])),
    };
    const data = buildDataset(withActivity);
    const r = hybridEngagement({
      dataset: data,
      calendars: buildCalendars(data),
      policy: policy(["A"]),
      week: WEEK,
      previous: PREVIOUS,
    });
    expect(r.sections[0]).toMatchObject({ id: "S00", digital: { week: 0, previous: 1 } });
    expect(r.sections[0].attendance).toEqual({ week: 1, previous: 1 });
  });
});

describe("hybridEngagement: a school that records absences only", () => {
  it("counts a school day without a record as a session attended", () => {
    const dataset = buildDataset({
      calendar: { C: DAYS },
      absencesOnly: ["C"],
      students: [
        { id: "c1", school: "C" },
        { id: "c2", school: "C" },
      ],
      attendance: [["c1", "2026-09-15", "unexcused_absence"]],
    });
    const r = hybridEngagement({
      dataset,
      calendars: buildCalendars(dataset),
      policy: policy(["C"]),
      week: WEEK,
      previous: PREVIOUS,
    });
    // This week: 10 sessions (one recorded absence, nine days without a record); last week 10 of 10.
    expect(r.schools[0]).toMatchObject({
      students: 2,
      attendance: { week: 0.9, previous: 1 },
      digital: { week: 0, previous: 0 },
    });
  });

  it("counts days from a student's enrolment only", () => {
    const dataset = buildDataset({
      calendar: { A: DAYS },
      students: [{ id: "late", school: "A", enrolledFrom: "2026-09-16" }],
      attendance: days("late", ["2026-09-16", "2026-09-17", "2026-09-18"]),
      activity: [
        ["late", "2026-09-14", "vle", 1],
        ["late", "2026-09-17", "vle", 1],
      ],
    });
    const r = hybridEngagement({
      dataset,
      calendars: buildCalendars(dataset),
      policy: policy(["A"]),
      week: WEEK,
      previous: PREVIOUS,
    });
    // Three school days enrolled this week, one of them active; none the week before.
    expect(r.schools[0]).toMatchObject({
      students: 1,
      attendance: { week: 1, previous: null },
      digital: { week: 0.3333, previous: null },
    });
  });
});

// ---------------------------------------------------------------------------------------
// The sample school, against a recount of its CSV files

const SAMPLE = join(ROOT, "samples/demo-school");
const POLICY = join(ROOT, "samples/teams-demo/northfield-policy.yaml");

/** A reader of the sample's plain CSV files (no quoted fields), independent of Reach's. */
function readCsv(file: string): Record<string, string>[] {
  const text = readFileSync(join(SAMPLE, file), "utf8");
  if (text.includes('"')) throw new Error(`${file} has quoted fields: this reader does not`);
  const [head, ...lines] = text.split(/\r?\n/).filter((l) => l !== "");
  const columns = head.split(",");
  return lines.map((line) => {
    const cells = line.split(",");
    return Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? ""]));
  });
}

const ABSENT = new Set(["unexcused_absence", "excused_absence"]);
const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** The school's figures for two weeks, with plain loops over the CSV rows. */
function recount(school: string, week: [string, string], previous: [string, string]) {
  const students = new Set(
    readCsv("students.csv")
      .filter((s) => s.school === school && s.status === "active")
      .map((s) => s.id),
  );
  const schoolDays = new Set(
    readCsv("calendar.csv")
      .filter((r) => r.school === school && r.instructional === "true")
      .map((r) => r.date),
  );
  const weeks = [week, previous];
  const inWeek = (date: string, w: number) => date >= weeks[w][0] && date <= weeks[w][1];
  const recorded = new Set<string>();
  const sessions = [0, 0];
  const attended = [0, 0];
  for (const r of readCsv("attendance.csv")) {
    if (!students.has(r.student_id) || !schoolDays.has(r.date)) continue;
    for (let w = 0; w < 2; w++) {
      if (!inWeek(r.date, w)) continue;
      recorded.add(r.student_id);
      sessions[w]++;
      if (!ABSENT.has(r.status)) attended[w]++;
    }
  }
  const active = [new Set<string>(), new Set<string>()];
  for (const r of readCsv("activity.csv")) {
    if (!students.has(r.student_id) || Number(r.count) <= 0) continue;
    for (let w = 0; w < 2; w++) {
      if (!inWeek(r.date, w)) continue;
      recorded.add(r.student_id);
      if (schoolDays.has(r.date)) active[w].add(`${r.student_id} ${r.date}`);
    }
  }
  const daysIn = (w: number) => [...schoolDays].filter((d) => inWeek(d, w)).length;
  const share = (part: number, whole: number) => (whole === 0 ? null : round(part / whole));
  return {
    students: recorded.size,
    attendance: {
      week: share(attended[0], sessions[0]),
      previous: share(attended[1], sessions[1]),
    },
    digital: {
      week: share(active[0].size, recorded.size * daysIn(0)),
      previous: share(active[1].size, recorded.size * daysIn(1)),
    },
  };
}

describe("hybridEngagement on the sample school", () => {
  let dataset: Dataset;
  let calendars: Map<string, SchoolCalendar>;
  let northfield: Policy;

  beforeAll(async () => {
    dataset = (await importCanonical(SAMPLE)).dataset;
    calendars = buildCalendars(dataset);
    const loaded = await loadPolicyFile(POLICY);
    if (!loaded.ok) throw new Error(`${POLICY} does not load`);
    northfield = { ...loaded.policy, schools: ["sch1", "sch2"] };
  });

  it("gives each school's shares as a plain recount of the CSV files (digest of 2027-01-25)", () => {
    const r = hybridEngagement({
      dataset,
      calendars,
      policy: northfield,
      week: { from: day("2027-01-18"), to: day("2027-01-24") },
      previous: { from: day("2027-01-11"), to: day("2027-01-17") },
    });
    expect(r.schools.map((s) => [s.id, s.name])).toEqual([
      ["sch1", "Northfield"],
      ["sch2", "Eastbrook"],
    ]);
    for (const row of r.schools) {
      const expected = recount(row.id, ["2027-01-18", "2027-01-24"], ["2027-01-11", "2027-01-17"]);
      expect(expected.students).toBeGreaterThan(0);
      expect(expected.attendance.week).not.toBeNull();
      expect({
        students: row.students,
        attendance: row.attendance,
        digital: row.digital,
      }).toEqual(expected);
    }
    // The sample records whole days: no sections.
    expect(r.sections).toEqual([]);
    expect(r.sectionsSuppressed).toBe(0);
  });

  it("knows nothing of a half-term week and compares it with the week before", () => {
    const r = hybridEngagement({
      dataset,
      calendars,
      policy: northfield,
      week: { from: day("2026-10-26"), to: day("2026-11-01") },
      previous: { from: day("2026-10-19"), to: day("2026-10-25") },
    });
    const sch1 = r.schools[0];
    const expected = recount("sch1", ["2026-10-26", "2026-11-01"], ["2026-10-19", "2026-10-25"]);
    expect(sch1.attendance.week).toBeNull();
    expect(sch1.digital.week).toBeNull();
    expect(sch1.attendance.previous).not.toBeNull();
    expect(sch1).toMatchObject(expected);
  });
});
