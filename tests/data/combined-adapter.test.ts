import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  combinedAdapter,
  importCombined,
  ManifestError,
  readManifest,
} from "../../src/data/adapters/combined.ts";
import { ADAPTERS } from "../../src/data/adapters/index.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { formatDay } from "../../src/data/dates.ts";
import { ATTENDANCE_STATUSES } from "../../src/data/schema.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures");
const MINI = join(FIXTURES, "combined-mini");
const OEA_GRAPH = join(FIXTURES, "combined-oea-graph");
const SHARED = join(import.meta.dirname, "../../../shared/data");

/** A student's activity as sorted `date source/kind count` lines. */
function activityOf(dataset: Dataset, id: string): string[] {
  const s = dataset.studentIndex.get(id);
  if (s === undefined) return [];
  const a = dataset.activity;
  const rows: string[] = [];
  for (let r = a.start[s] as number; r < (a.start[s + 1] as number); r++) {
    rows.push(
      `${formatDay(a.day[r] as number)} ${dataset.sources[a.source[r] as number]}/${dataset.kinds[a.kind[r] as number]} ${a.count[r]}`,
    );
  }
  return rows.sort();
}

function attendanceOf(dataset: Dataset, id: string): string[] {
  const s = dataset.studentIndex.get(id) as number;
  const a = dataset.attendance;
  const rows: string[] = [];
  for (let r = a.start[s] as number; r < (a.start[s + 1] as number); r++) {
    rows.push(`${formatDay(a.day[r] as number)} ${ATTENDANCE_STATUSES[a.status[r] as number]}`);
  }
  return rows;
}

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** A folder with `reach-sources.yaml` = `text` and empty part folders `roster/`, `sis/`. */
function manifestDir(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "reach-combined-"));
  temps.push(dir);
  mkdirSync(join(dir, "roster"));
  mkdirSync(join(dir, "sis"));
  writeFileSync(join(dir, "reach-sources.yaml"), text);
  return dir;
}

const FORMATS = Object.keys(ADAPTERS).filter((f) => f !== "combined");

function problemsOf(text: string): string[] {
  try {
    readManifest(manifestDir(text), FORMATS);
  } catch (error) {
    if (error instanceof ManifestError) return error.problems;
    throw error;
  }
  return [];
}

describe("combined source on tests/fixtures/combined-mini", async () => {
  const { dataset, report } = await importCombined(MINI);
  const entry = (file: string) => report.files.find((f) => f.file === file);

  it("is registered as the combined source", () => {
    expect(combinedAdapter.name).toBe("combined");
    expect(ADAPTERS.combined).toBe(combinedAdapter);
  });

  it("has the roster's students, schools, staff and calendar", () => {
    expect(dataset.students.map((s) => s.id)).toEqual(["S1001", "S1002", "S1003", "S1004"]);
    expect([...dataset.schools.keys()]).toEqual(["NFD"]);
    expect(dataset.staff.map((s) => s.id)).toEqual(["T1", "T2"]);
    // roster/calendar.csv: 5 days; sis/calendar.csv adds NFD 2024-01-22 (the 15th is
    // there already; OTH is not a roster school).
    expect(dataset.calendar.map((c) => `${c.school} ${formatDay(c.date)}`)).toEqual([
      "NFD 2024-01-15",
      "NFD 2024-01-16",
      "NFD 2024-01-17",
      "NFD 2024-01-18",
      "NFD 2024-01-19",
      "NFD 2024-01-22",
    ]);
  });

  it("takes the attendance part's rows of roster students (by id) and counts the rest", () => {
    // sis/attendance.csv: 7 rows; S1999's 2 are not in the roster.
    expect(entry("sis/ (attendance, canonical)")).toMatchObject({
      rowsAccepted: 5,
      rowsRejected: 2,
      byReason: { unknown_student: 2 },
    });
    expect(dataset.attendance.length).toBe(5);
    expect(attendanceOf(dataset, "S1002")).toEqual([
      "2024-01-15 unexcused_absence",
      "2024-01-16 present",
    ]);
    const rejection = report.rejections.find((r) => r.file === "sis/");
    expect(rejection).toMatchObject({ code: "unknown_student", field: "id" });
    expect(rejection?.reason).toBe(
      "2 attendance row(s) of 1 canonical student(s) match no roster student by id (attendance)",
    );
  });

  it("matches each activity part by its key and counts the rows of students it cannot match", () => {
    // roster/activity.csv: 2 rows, both roster students.
    expect(entry("roster/ (activity[0], canonical)")).toMatchObject({
      rowsAccepted: 2,
      rowsRejected: 0,
    });
    // graph-mini: 15 day-and-kind rows; by AAD object id Amira (6), Ben (5) and Chloe (2)
    // match (Ben's id is upper case in the roster); dan.old (no id, 1 row) and the guest
    // (an id the roster lacks, 1 row) do not.
    expect(entry("../graph-mini/ (activity[1], graph)")).toMatchObject({
      rowsAccepted: 13,
      rowsRejected: 2,
    });
    // moodle-mini: 10 rows of users 101–103, matched by the address in user.csv
    // (Ben.Carter@… in Moodle, ben.carter@… in the roster).
    expect(entry("../moodle-mini/ (activity[2], moodle)")).toMatchObject({
      rowsAccepted: 10,
      rowsRejected: 0,
    });
    expect(dataset.activity.length).toBe(2 + 13 + 10);
    for (const r of report.rejections) expect(r.reason).not.toMatch(/@/);
  });

  it("gives each roster student the activity of every part, per day", () => {
    expect(activityOf(dataset, "S1001")).toEqual([
      "2024-01-15 moodle/course 1",
      "2024-01-15 vle/login 2",
      "2024-01-16 moodle/quiz 2",
      "2024-01-16 teams/active 1",
      "2024-01-16 teams/meeting_attended 1",
      "2024-01-16 teams/meeting_minutes 42",
      "2024-01-16 teams/private_chat_message 2",
      "2024-01-16 teams/team_chat_message 3",
      "2024-03-30 moodle/resource 1",
      "2024-04-01 moodle/resource 1",
      "2024-04-01 teams/meeting_minutes 30",
      "2024-10-27 moodle/forum 2",
    ]);
    expect(activityOf(dataset, "S1003")).toEqual([
      "2024-01-16 moodle/gradereport_user 1",
      "2024-03-31 moodle/page 3",
      "2024-03-31 teams/meeting_minutes 10",
      "2024-04-01 teams/meeting_minutes 20",
    ]);
    expect(activityOf(dataset, "S1004")).toEqual(["2024-01-17 vle/login 1"]);
  });

  it("keeps the parts' own rejections, positioned under the part's folder", () => {
    const files = report.rejections.map((r) => `${r.file}:${r.line}`);
    expect(files).toContain("../graph-mini/Meeting_Attendance_Report/B.json:58");
    expect(files).toContain("../moodle-mini/logstore_standard_log.csv:30");
  });

  it("leaves out the roster folder's missing attendance.csv: no part takes attendance from it", () => {
    expect(entry("roster/attendance.csv")).toBeUndefined();
    expect(entry("reach-sources.yaml")?.notes.join("\n")).toContain(
      "not used, since no attendance or activity part names them: roster/attendance.csv",
    );
  });
});

describe("combined source: matching the graph part by email", async () => {
  const dir = manifestDir(`roster: { format: canonical, folder: ${join(MINI, "roster")} }
activity: { format: graph, folder: ${join(FIXTURES, "graph-mini")}, match: email }
`);
  const { dataset, report } = await importCombined(dir);

  it("matches Amira, Ben and Chloe by address; Dan (not on the roster) and the guest (no address) are counted", () => {
    const entry = report.files.find((f) => f.file.endsWith("(activity, graph)"));
    expect(entry).toMatchObject({ rowsAccepted: 13, rowsRejected: 2 });
    expect(dataset.attendance.length).toBe(0);
    expect(entry?.notes[0]).toBe(
      "3 of the part's 5 student(s) match a roster student by email; 4 roster student(s)",
    );
  });
});

describe("reach-sources.yaml problems", () => {
  it("positions a YAML syntax error", () => {
    // "folder" indented deeper than "format" makes "canonical" a mapping key.
    expect(problemsOf("roster:\n  format: canonical\n   folder: roster\n")).toEqual([
      "reach-sources.yaml:2:11 Nested mappings are not allowed in compact mappings",
      "reach-sources.yaml:2:11 Implicit keys need to be on a single line",
    ]);
  });

  it("names an unknown format at its line and column, with the formats Reach reads", () => {
    const problems = problemsOf(
      "roster: { format: canonical, folder: roster }\nactivity:\n  - format: moodel\n    folder: sis\n",
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^reach-sources\.yaml:3:13 activity\[0\]\.format: "moodel" is not a format Reach reads \(one of canonical, .*moodle.*\)$/,
    );
  });

  it("refuses an unknown match key, a missing folder, an unknown key and a nested combination", () => {
    const problems = problemsOf(`roster: { format: canonical, folder: roster }
attendance: { format: canonical, folder: nowhere, match: upn }
activity:
  - { format: combined, folder: sis }
colour: red
`);
    expect(problems).toEqual([
      expect.stringMatching(/^reach-sources\.yaml:5:1 unknown key "colour"/),
      expect.stringMatching(/^reach-sources\.yaml:2:42 attendance\.folder: no folder .*nowhere$/),
      expect.stringMatching(
        /^reach-sources\.yaml:2:58 attendance\.match: "upn" is not a roster key \(one of id, email, aad_object_id\)$/,
      ),
      expect.stringMatching(
        /^reach-sources\.yaml:4:15 activity\[0\]\.format: a part cannot itself be combined$/,
      ),
    ]);
  });

  it("requires a roster", () => {
    expect(problemsOf("activity: { format: graph, folder: sis }\n")).toEqual([
      "reach-sources.yaml:1:1 the manifest has no roster part",
    ]);
  });

  it("fails the import with the problems, and imports nothing", async () => {
    const dir = manifestDir("roster: { format: csv, folder: roster }\n");
    const { dataset, report } = await importCombined(dir);
    expect(report.files[0]?.file).toBe("reach-sources.yaml");
    expect(report.files[0]?.error).toMatch(
      /^reach-sources\.yaml:1:19 roster\.format: "csv" is not a format/,
    );
    expect(dataset.students).toHaveLength(0);
  });

  it("fails clearly without a manifest", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reach-combined-"));
    temps.push(dir);
    const { report } = await importCombined(dir);
    expect(report.files[0]?.error).toBe(
      `reach-sources.yaml not found in ${dir}: a combined source needs a manifest naming its parts`,
    );
  });
});

const haveShared = existsSync(join(SHARED, "oea-k12")) && existsSync(join(SHARED, "oea-graph"));

describe.skipIf(!haveShared)(
  "combined source: OEA K-12 roster and attendance with the Graph sample",
  async () => {
    const { dataset, report } = haveShared ? await importCombined(OEA_GRAPH) : ({} as never);
    const entry = (suffix: string) => report.files.find((f) => f.file.endsWith(suffix));

    it("matches all 600 Graph users to the OEA roster by address", () => {
      // The Graph identity ids are not the roster's AAD object ids; the addresses are its Mail.
      expect(dataset.students).toHaveLength(600);
      expect(entry("(activity[0], graph)")).toMatchObject({ rowsAccepted: 9315, rowsRejected: 0 });
      expect(entry("(activity[0], graph)")?.notes[0]).toContain("600 of the part's 600 student(s)");
    });

    it("has OEA's 12,000 attendance rows and 7,500 Clever days besides", () => {
      expect(entry("(attendance, oea)")).toMatchObject({ rowsAccepted: 12000, rowsRejected: 0 });
      expect(entry("(activity[1], oea)")).toMatchObject({ rowsAccepted: 7500, rowsRejected: 0 });
      expect(dataset.attendance.length).toBe(12000);
      expect(dataset.activity.length).toBe(9315 + 7500);
      expect(dataset.sources).toEqual(["clever", "teams"]);
    });
  },
);

if (!haveShared)
  console.log(`skipping the OEA + Graph combination: ${SHARED} lacks oea-k12 or oea-graph`);
