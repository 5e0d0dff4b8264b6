import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { importMoodle, moodleAdapter, moodleKind } from "../../src/data/adapters/moodle.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { formatDay } from "../../src/data/dates.ts";

const MINI = join(import.meta.dirname, "../fixtures/moodle-mini");

/** Each student's activity as sorted `date kind count` lines. */
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

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** A copy of the fixture with `moodle.json` set to `settings`. */
function withSettings(settings: string): string {
  const dir = mkdtempSync(join(tmpdir(), "reach-moodle-"));
  temps.push(dir);
  cpSync(MINI, dir, { recursive: true });
  writeFileSync(join(dir, "moodle.json"), settings);
  return dir;
}

describe("Moodle adapter on tests/fixtures/moodle-mini", async () => {
  const result = await importMoodle(MINI);
  const { dataset, report } = result;
  const log = report.files.find((f) => f.file === "logstore_standard_log.csv");

  it("is registered as the moodle source", () => {
    expect(moodleAdapter.name).toBe("moodle");
  });

  it("reads 32 rows: 28 accepted, 4 rejected with line and field", () => {
    // 32 data rows (lines 2–33). Lines 30–32 have a bad timecreated, edulevel 3 and an
    // empty userid; line 33 is cut short after courseid.
    expect(log).toMatchObject({ rowsRead: 32, rowsAccepted: 28, rowsRejected: 4 });
    expect(report.rejections.map((r) => [r.line, r.field, r.code])).toEqual([
      [30, "timecreated", "invalid_value"],
      [31, "edulevel", "invalid_value"],
      [32, "userid", "invalid_value"],
      [33, undefined, "wrong_column_count"],
    ]);
  });

  it("never keeps ip or other, not even in a rejected row", () => {
    for (const r of report.rejections) {
      expect(r.raw ?? "").not.toContain("10.20.");
      expect(r.raw ?? "").not.toContain("null");
    }
  });

  it("counts every row that is not a student's own activity, by reason, with its first line", () => {
    // Lines: failed login 28; guest 23; admin 24, 25; logged in as 26, 27; anonymous 15, 29;
    // teaching 20, 21; other (login, dashboard) 5, 14; the teacher's course view 22.
    const notes = log?.notes.join("\n") ?? "";
    expect(notes).toContain("1 row(s) have userid 0");
    expect(notes).toMatch(/1 row\(s\) are the guest account's \(first at line 23\)/);
    expect(notes).toMatch(/2 row\(s\) are a site administrator's \(first at line 24\)/);
    expect(notes).toMatch(/2 row\(s\) were done by someone "logged in as".*\(first at line 26\)/);
    expect(notes).toMatch(/2 row\(s\) are anonymous .*\(first at line 15\)/);
    expect(notes).toMatch(/2 row\(s\) are teaching \(edulevel 1\) \(first at line 20\)/);
    expect(notes).toMatch(
      /2 row\(s\) are neither teaching nor participating .*\(first at line 5\)/,
    );
    expect(notes).toMatch(
      /1 row\(s\) are participating rows of users who also have teaching rows.*\(first at line 22\)/,
    );
  });

  it("makes students of the users with participating rows, named and addressed from user.csv", () => {
    // 101, 102, 103; not 104 (anonymous only), 105 (logged in as only), 201 (a teacher),
    // 1 (guest), 2 (admin).
    expect(dataset.students.map((s) => [s.id, s.displayName, s.email, s.school])).toEqual([
      ["101", "Amira Haddad", "amira.haddad@northfield.example", "unknown"],
      ["102", "Ben Carter", "Ben.Carter@northfield.example", "unknown"],
      ["103", "Chloe Nguyen", "chloe.nguyen@northfield.example", "unknown"],
    ]);
    expect([...dataset.schools.keys()]).toEqual(["unknown"]);
  });

  it("counts participating rows per student, day (Europe/London) and kind", () => {
    // 15 participating rows → 10 day-and-kind counts.
    expect(dataset.activity.length).toBe(10);
    expect(activityOf(dataset, "101")).toEqual([
      "2024-01-15 moodle/course 1", // 23:59:59 UTC = GMT: still the 15th
      "2024-01-16 moodle/quiz 2", // 00:00:00 and 00:20 UTC on the 16th
      "2024-03-30 moodle/resource 1", // 23:30 UTC, GMT (BST begins 01:00 UTC on the 31st)
      "2024-04-01 moodle/resource 1", // 23:30 UTC on the 31st = 00:30 BST on 1 April
      "2024-10-27 moodle/forum 2", // 23:30 UTC on the 26th (00:30 BST) and on the 27th (GMT)
    ]);
    expect(activityOf(dataset, "102")).toEqual([
      "2024-06-10 moodle/course 1", // 22:59:59 UTC = 23:59:59 BST
      "2024-06-11 moodle/assign 2", // 23:30 UTC on the 10th (00:30 BST) and 08:15 on the 11th
      "2024-06-11 moodle/course 1", // 23:00:00 UTC on the 10th = midnight BST
    ]);
    expect(activityOf(dataset, "103")).toEqual([
      "2024-01-16 moodle/gradereport_user 1",
      "2024-03-31 moodle/page 3", // 00:30, 00:59:59 (GMT) and 01:00 UTC (02:00 BST)
    ]);
  });

  it("counts days in the time zone moodle.json names", async () => {
    const dir = withSettings(
      '{"timezone": "America/New_York", "school": "NFD", "school_name": "Northfield"}',
    );
    const ny = await importMoodle(dir);
    // 23:00 UTC on 10 June is 19:00 in New York: both course views fall on the 10th.
    expect(activityOf(ny.dataset, "102")).toEqual([
      "2024-06-10 moodle/assign 1",
      "2024-06-10 moodle/course 2",
      "2024-06-11 moodle/assign 1",
    ]);
    expect(ny.dataset.students[0]?.school).toBe("NFD");
    expect(ny.dataset.schools.get("NFD")?.name).toBe("Northfield");
  });

  it("takes the guest and administrator ids from moodle.json", async () => {
    // With nobody an administrator, user 2's course view (line 24) is a student's; its
    // loginas row (line 25) is edulevel 0.
    const dir = withSettings('{"admin_user_ids": []}');
    const r = await importMoodle(dir);
    expect(activityOf(r.dataset, "2")).toEqual(["2024-02-01 moodle/course 1"]);
  });

  it("fails on a moodle.json it cannot use, naming the setting", async () => {
    const dir = withSettings('{"timezone": "Europe/Londn", "colour": "red"}');
    const r = await importMoodle(dir);
    const settings = r.report.files.find((f) => f.file === "moodle.json");
    expect(settings?.error).toContain('timezone "Europe/Londn" is not an IANA time zone');
    expect(settings?.error).toContain('unknown setting "colour"');
    expect(r.dataset.students).toHaveLength(0);
  });

  it("fails clearly without the log", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reach-moodle-"));
    temps.push(dir);
    const r = await importMoodle(dir);
    expect(r.report.files[0]?.error).toBe(`logstore_standard_log.csv not found in ${dir}`);
  });

  it("names kinds after the module, or the target of a core event", () => {
    expect(moodleKind("mod_quiz", "attempt", "")).toBe("quiz");
    expect(moodleKind("core", "course", "")).toBe("course");
    expect(moodleKind("", "", "\\mod_forum\\event\\post_created")).toBe("forum");
    expect(moodleKind("gradereport_user", "grade_report", "")).toBe("gradereport_user");
  });

  it("has the fixture's columns in Moodle's order", () => {
    const header = readFileSync(join(MINI, "logstore_standard_log.csv"), "utf8").split("\n")[0];
    expect(header).toBe(
      "id,eventname,component,action,target,objecttable,objectid,crud,edulevel,contextid,contextlevel,contextinstanceid,userid,courseid,relateduserid,anonymous,other,timecreated,origin,ip,realuserid",
    );
  });
});
