import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { graphAdapter, importGraph, parseGraphTimestamp } from "../../src/data/adapters/graph.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { formatDay } from "../../src/data/dates.ts";

const MINI = join(import.meta.dirname, "../fixtures/graph-mini");
const FULL = join(import.meta.dirname, "../../../shared/data/oea-graph");

/** A student's activity as sorted `date kind count` lines. */
function activityOf(dataset: Dataset, id: string): string[] {
  const s = dataset.studentIndex.get(id);
  if (s === undefined) return [];
  const a = dataset.activity;
  const rows: string[] = [];
  for (let r = a.start[s] as number; r < (a.start[s + 1] as number); r++) {
    rows.push(
      `${formatDay(a.day[r] as number)} ${dataset.kinds[a.kind[r] as number]} ${a.count[r]}`,
    );
  }
  return rows.sort();
}

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe("Graph timestamps", () => {
  it("reads the export's unpadded timestamps as UTC", () => {
    expect(parseGraphTimestamp("2022-1-13T9:5:00.00Z")).toBe(Date.UTC(2022, 0, 13, 9, 5));
    expect(parseGraphTimestamp("2022-01-13T16:30:00.00Z")).toBe(Date.UTC(2022, 0, 13, 16, 30));
    expect(parseGraphTimestamp("2022-01-13T16:30:00+01:00")).toBe(Date.UTC(2022, 0, 13, 15, 30));
    expect(parseGraphTimestamp("2024-13-31T23:00:00.00Z")).toBeUndefined();
    expect(parseGraphTimestamp("2024-2-30T10:00:00Z")).toBeUndefined();
    expect(parseGraphTimestamp("13/01/2022 09:05")).toBeUndefined();
  });
});

describe("Graph adapter on tests/fixtures/graph-mini", async () => {
  const { dataset, report } = await importGraph(MINI);
  const teams = report.files.find((f) => f.file === "Teams_Activity_User_Detail/");
  const meetings = report.files.find((f) => f.file === "Meeting_Attendance_Report/");

  it("is registered as the graph source", () => {
    expect(graphAdapter.name).toBe("graph");
  });

  it("reads the Teams activity rows: 6 accepted, 4 rejected", () => {
    // part-00000: lines 1–5 accepted (Amira, Ben, Dan, a deleted and a never-active user),
    // line 6 a bad date, line 7 not JSON. part-00001: line 1 Ben from an older report
    // (accepted), line 2 Amira again in the same report with other counts (conflict),
    // line 3 a negative count.
    expect(teams).toMatchObject({ rowsRead: 10, rowsAccepted: 6, rowsRejected: 4 });
    expect(teams?.byReason).toEqual({ invalid_value: 3, conflict: 1 });
  });

  it("reads each meeting attendance interval as a row: 9 accepted, 2 rejected", () => {
    // A.json 5 intervals, B.json 4 (one with month 13), C.json 1, D.json not JSON.
    expect(meetings).toMatchObject({ rowsRead: 11, rowsAccepted: 9, rowsRejected: 2 });
  });

  it("positions every rejection by file, line and field", () => {
    const where = report.rejections.map((r) => `${r.file}:${r.line} ${r.field ?? ""} ${r.code}`);
    expect(where).toEqual([
      "Teams_Activity_User_Detail/part-00000-c000.json:7  invalid_value",
      "Teams_Activity_User_Detail/part-00000-c000.json:6 value[0].lastActivityDate invalid_value",
      "Teams_Activity_User_Detail/part-00001-c000.json:2 value[0].userPrincipalName conflict",
      "Teams_Activity_User_Detail/part-00001-c000.json:3 value[0].teamChatMessageCount invalid_value",
      "Meeting_Attendance_Report/B.json:58 attendanceRecords[2].attendanceIntervals[0].joinDateTime invalid_value",
      "Meeting_Attendance_Report/D.json:5  invalid_value",
    ]);
    // No name or address in a reason.
    for (const r of report.rejections) expect(r.reason).not.toMatch(/@|Haddad|Carter/);
  });

  it("makes students of the users seen, known by address, else by object id", () => {
    expect(dataset.students.map((s) => [s.id, s.displayName, s.aadObjectId, s.school])).toEqual([
      [
        "amira.haddad@northfield.example",
        "Amira Haddad",
        "3f0c1a52-7b8e-4d2a-9c41-6a2e5d7f8b10",
        "unknown",
      ],
      [
        "ben.carter@northfield.example",
        "Ben Carter",
        "8d4e2b61-0c3f-4a7d-b5e2-19f6c8a0d3e4",
        "unknown",
      ],
      ["dan.old@northfield.example", "dan.old@northfield.example", undefined, "unknown"],
      [
        "5b2c8f40-91ad-4e37-a6b1-0d7e3c52f9b8",
        "Guest Student",
        "5b2c8f40-91ad-4e37-a6b1-0d7e3c52f9b8",
        "unknown",
      ],
      [
        "chloe.nguyen@northfield.example",
        "Chloe Nguyen",
        "c7a95e13-2d4b-4f86-8e0a-5b3c71d9f2a6",
        "unknown",
      ],
    ]);
  });

  it("puts a Teams report's counts on the user's last active day", () => {
    // Amira: line 1 of part-00000 (team 3, private 2, call 0, meetings 1) and 42 minutes
    // (2520 s) in A.json; 30 minutes in B.json from 23:30 UTC on 31 March, 00:30 BST on 1 April.
    expect(activityOf(dataset, "amira.haddad@northfield.example")).toEqual([
      "2024-01-16 active 1",
      "2024-01-16 meeting_attended 1",
      "2024-01-16 meeting_minutes 42",
      "2024-01-16 private_chat_message 2",
      "2024-01-16 team_chat_message 3",
      "2024-04-01 meeting_minutes 30",
    ]);
    // Ben: the report of 16 January wins over that of the 15th (private 5, call 1, not
    // private 3); 61 s in A.json is 2 minutes (rounded up); C.json's 23:59:30 UTC on the
    // 15th is still the 15th in London (GMT).
    expect(activityOf(dataset, "ben.carter@northfield.example")).toEqual([
      "2024-01-12 active 1",
      "2024-01-12 call 1",
      "2024-01-12 private_chat_message 5",
      "2024-01-15 meeting_minutes 2",
      "2024-01-16 meeting_minutes 2",
    ]);
    // Dan's last activity (1 December) is before the 7-day report period: active only.
    expect(activityOf(dataset, "dan.old@northfield.example")).toEqual(["2023-12-01 active 1"]);
  });

  it("counts meeting minutes on the join day in the tenant's time zone, across midnight and DST", () => {
    // Chloe joined at 22:59 UTC (23:59 BST, 31 March: 10 min) and 23:10 UTC (00:10 BST, 1 April: 20 min).
    expect(activityOf(dataset, "chloe.nguyen@northfield.example")).toEqual([
      "2024-03-31 meeting_minutes 10",
      "2024-04-01 meeting_minutes 20",
    ]);
  });

  it("leaves out the organiser and attendees without address or id, with notes", () => {
    const notes = meetings?.notes.join("\n") ?? "";
    expect(notes).toContain("1 interval(s) of the meetings' organisers");
    expect(notes).toContain(
      "1 interval(s) of attendees with neither an address nor an identity id",
    );
    expect(dataset.studentIndex.has("g.okafor@northfield.example")).toBe(false);
    expect(dataset.activity.length).toBe(15);
  });

  it("uses the time zone and school of graph.json", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reach-graph-"));
    temps.push(dir);
    cpSync(MINI, dir, { recursive: true });
    writeFileSync(join(dir, "graph.json"), '{"timezone": "America/New_York", "school": "NFD"}');
    const ny = await importGraph(dir);
    // 22:59 and 23:10 UTC on 31 March are 18:59 and 19:10 in New York: one day, 30 minutes.
    expect(activityOf(ny.dataset, "chloe.nguyen@northfield.example")).toEqual([
      "2024-03-31 meeting_minutes 30",
    ]);
    expect(ny.dataset.students.every((s) => s.school === "NFD")).toBe(true);
  });

  it("fails clearly on a folder with neither export", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reach-graph-"));
    temps.push(dir);
    const r = await importGraph(dir);
    expect(r.report.files[0]?.error).toContain(
      "neither Teams_Activity_User_Detail/ nor Meeting_Attendance_Report/",
    );
  });
});

describe.skipIf(!existsSync(FULL))("Graph adapter on the OEA Graph sample", async () => {
  const { dataset, report } = existsSync(FULL) ? await importGraph(FULL) : ({} as never);

  it("imports 497 Teams rows and 10,170 attendance intervals; 6 rejected", () => {
    // 32 JSON-lines files of 497 rows; 6 pairs of rows give the same user and report date
    // with other counts (the second of each rejected as a conflict). 261 reports of 10,170
    // one-interval records.
    const teams = report.files.find((f) => f.file === "Teams_Activity_User_Detail/");
    const meetings = report.files.find((f) => f.file === "Meeting_Attendance_Report/");
    expect(teams).toMatchObject({ rowsRead: 497, rowsAccepted: 491, rowsRejected: 6 });
    expect(teams?.byReason).toEqual({ conflict: 6 });
    expect(meetings).toMatchObject({ rowsRead: 10170, rowsAccepted: 10170, rowsRejected: 0 });
  });

  it("has the 600 students of the attendance reports (the 328 Teams users among them)", () => {
    expect(dataset.students).toHaveLength(600);
    expect(dataset.students.every((s) => s.aadObjectId !== undefined)).toBe(true);
  });
});

if (!existsSync(FULL)) console.log(`skipping the full Graph import: ${FULL} is absent`);
