/**
 * The engine benchmark's own correctness: the generator is deterministic and writes what
 * it says, and the DuckDB reference computes the metrics that plain TypeScript computes
 * from the same rows. If the reference were wrong, the benchmark's agreement check
 * would be worthless.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeWithDuckDb, lastSchoolDay } from "../../bench/engine/duckdb.ts";
import {
  buildCalendar,
  type GenerateResult,
  generateBundle,
  readStaffRoster,
} from "../../bench/engine/generate.ts";

const FILES = ["students.csv", "calendar.csv", "attendance.csv", "activity.csv"] as const;
const STUDENTS = 50;
const DAYS = 12;

let root: string;
let a: GenerateResult;

const rowsOf = (dir: string, file: string): string[][] =>
  readFileSync(join(dir, file), "utf8")
    .split("\n")
    .slice(1)
    .filter((l) => l !== "")
    .map((l) => l.split(","));

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "reach-bench-test-"));
  a = generateBundle({ students: STUDENTS, days: DAYS, seed: 1, out: join(root, "a") });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("generate", () => {
  it("writes identical bytes for the same seed and different bytes for another seed", () => {
    const again = generateBundle({ students: STUDENTS, days: DAYS, seed: 1, out: join(root, "b") });
    const other = generateBundle({ students: STUDENTS, days: DAYS, seed: 2, out: join(root, "c") });
    for (const file of FILES) {
      expect(readFileSync(join(again.out, file)), file).toEqual(readFileSync(join(a.out, file)));
    }
    for (const file of ["students.csv", "attendance.csv", "activity.csv"]) {
      expect(
        readFileSync(join(other.out, file)).equals(readFileSync(join(a.out, file))),
        file,
      ).toBe(false);
    }
  });

  it("lays out 12 school days from Monday 7 Sep 2026 around a half-term week", () => {
    // Week 0 Mon–Fri, week 1 half-term, week 2 Mon–Fri, week 3 Mon–Tue: 12 school days.
    const calendar = buildCalendar(DAYS);
    expect(calendar).toHaveLength(17);
    expect(calendar.filter((c) => c.instructional)).toHaveLength(12);
    expect(calendar.filter((c) => !c.instructional).map((c) => c.date)).toEqual([
      "2026-09-14",
      "2026-09-15",
      "2026-09-16",
      "2026-09-17",
      "2026-09-18",
    ]);
    expect(a.firstDay).toBe("2026-09-07");
    expect(a.asOf).toBe("2026-09-29");
    expect(lastSchoolDay(a.out)).toBe("2026-09-29");
    const full = buildCalendar(90);
    expect(full.filter((c) => c.instructional)).toHaveLength(90);
    expect(full.filter((c) => !c.instructional)).toHaveLength(15); // half-term + Christmas
    expect(full.at(-1)?.date).toBe("2027-01-29");
  });

  it("writes one attendance row per enrolled student per school day, and sane rows", () => {
    const students = rowsOf(a.out, "students.csv");
    const calendar = rowsOf(a.out, "calendar.csv");
    const attendance = rowsOf(a.out, "attendance.csv");
    const activity = rowsOf(a.out, "activity.csv");
    expect(students).toHaveLength(STUDENTS);
    expect(calendar).toHaveLength(5 * 17);
    const schoolDays = buildCalendar(DAYS)
      .filter((c) => c.instructional)
      .map((c) => c.date);
    // Everyone enrolled on the first day has 12 rows; a mid-term joiner one per day since.
    const joiners = students.filter((s) => s[6] !== "2026-09-07");
    const missed = joiners.reduce(
      (n, s) => n + schoolDays.filter((d) => d < (s[6] as string)).length,
      0,
    );
    expect(attendance).toHaveLength(STUDENTS * DAYS - missed);
    // By hand for seed 1: 50 × 12 = 600, less 3 days for S000019 (joins Thu 10 Sep) and
    // 4 for S000044 (joins Fri 11 Sep).
    expect(joiners.map((s) => `${s[0]} ${s[6]}`)).toEqual([
      "S000019 2026-09-10",
      "S000044 2026-09-11",
    ]);
    expect(attendance).toHaveLength(593);
    expect(a.rows).toEqual({
      students: STUDENTS,
      calendar: 85,
      attendance: attendance.length,
      activity: activity.length,
    });

    const enrolled = new Map(students.map(([id = "", , , , , , from = ""]) => [id, from]));
    const seen = new Set<string>();
    for (const [id = "", date = "", status] of attendance) {
      expect(schoolDays).toContain(date);
      expect(date >= (enrolled.get(id) ?? "")).toBe(true);
      expect(["present", "tardy", "excused_absence", "unexcused_absence"]).toContain(status);
      seen.add(`${id},${date}`);
    }
    expect(seen.size).toBe(attendance.length);
    for (const [id = "", date = "", source, kind, count] of activity) {
      expect(schoolDays).toContain(date);
      expect(date >= (enrolled.get(id) ?? "")).toBe(true);
      expect(["vle", "teams"]).toContain(source);
      expect(kind).toBe("login");
      expect(Number(count)).toBeGreaterThanOrEqual(1);
      expect(Number(count)).toBeLessThanOrEqual(20);
    }
    expect(activity.length).toBeGreaterThan(0);
  });
});

describe("generate --staff", () => {
  // sch1 and sch3 have two advisers, the others one; leads and support officers are no
  // one's adviser.
  const STAFF = [
    "id,name,email,aad_object_id,school,roles",
    "A1,Ann,,,sch1,adviser",
    "A2,Abe,,,sch1,adviser;engagement_lead",
    "L1,Lea,,,sch1,engagement_lead",
    "B1,Bo,,,sch2,adviser",
    "C1,Cy,,,sch3,adviser",
    "C2,Cal,,,sch3,adviser",
    "O3,Oli,,,sch3,support_officer",
    "D1,Di,,,sch4,adviser",
    "E1,Eve,,,sch5,adviser",
    "",
  ].join("\n");
  const ADVISERS: Record<string, string[]> = {
    sch1: ["A1", "A2"],
    sch2: ["B1"],
    sch3: ["C1", "C2"],
    sch4: ["D1"],
    sch5: ["E1"],
  };

  it("gives each student one or two advisers of their school; the rest is byte-identical", () => {
    const staffFile = join(root, "staff.csv");
    writeFileSync(staffFile, STAFF);
    const out = join(root, "with-staff");
    const b = generateBundle({ students: STUDENTS, days: DAYS, seed: 1, out, staff: staffFile });
    for (const file of ["calendar.csv", "attendance.csv", "activity.csv"]) {
      expect(readFileSync(join(out, file)), file).toEqual(readFileSync(join(a.out, file)));
    }
    expect(readFileSync(join(out, "staff.csv"), "utf8")).toBe(STAFF);
    expect(b.staffRows).toBe(9);
    const withStaff = rowsOf(out, "students.csv");
    const without = rowsOf(a.out, "students.csv");
    let pairs = 0;
    withStaff.forEach((row, i) => {
      const [id, name, school = "", year, advisers = "", ...rest] = row;
      const before = without[i] as string[];
      // Only the adviser ids differ from the bundle without --staff.
      expect([id, name, school, year, ...rest]).toEqual([
        before[0],
        before[1],
        before[2],
        before[3],
        ...before.slice(5),
      ]);
      const ids = advisers.split(";");
      for (const adviser of ids) expect(ADVISERS[school]).toContain(adviser);
      // Two advisers exactly where the made-up ids had two, and the school has two.
      const madeUpTwo = (before[4] as string).includes(";");
      expect(ids.length).toBe(madeUpTwo && (ADVISERS[school]?.length ?? 0) > 1 ? 2 : 1);
      if (ids.length === 2) pairs++;
    });
    expect(pairs).toBeGreaterThan(0);
    const again = generateBundle({
      students: STUDENTS,
      days: DAYS,
      seed: 1,
      out: join(root, "with-staff-again"),
      staff: staffFile,
    });
    expect(readFileSync(join(again.out, "students.csv"))).toEqual(
      readFileSync(join(out, "students.csv")),
    );
  });

  it("refuses a staff file that leaves a school without an adviser, or has a bad row", () => {
    const noSch5 = join(root, "no-sch5.csv");
    writeFileSync(noSch5, STAFF.replace("E1,Eve,,,sch5,adviser", "E1,Eve,,,sch5,engagement_lead"));
    expect(() => readStaffRoster(noSch5)).toThrow(/lists no adviser for sch5$/);
    const badRole = join(root, "bad-role.csv");
    writeFileSync(badRole, STAFF.replace("D1,Di,,,sch4,adviser", "D1,Di,,,sch4,tutor"));
    expect(() => readStaffRoster(badRole)).toThrow(/bad-role\.csv:9: not a valid staff row/);
  });
});

/** The two metrics, computed the obvious way from the CSV rows. */
function expectedCounts(dir: string, asOf: string, windowDays: number, inactiveAtLeast: number) {
  const windows = new Map<string, string[]>();
  for (const [school = "", date = "", instructional] of rowsOf(dir, "calendar.csv")) {
    if (instructional === "false" || date > asOf) continue;
    windows.set(school, [...(windows.get(school) ?? []), date]);
  }
  for (const [school, dates] of windows) windows.set(school, dates.sort().slice(-windowDays));
  const schoolOf = new Map(
    rowsOf(dir, "students.csv").map(([id = "", , school = ""]) => [id, school]),
  );
  const inWindow = (id: string, date: string) =>
    windows.get(schoolOf.get(id) ?? "")?.includes(date) ?? false;

  const recorded = new Map<string, number>();
  const attended = new Map<string, number>();
  for (const [id = "", date = "", status] of rowsOf(dir, "attendance.csv")) {
    if (!inWindow(id, date)) continue;
    recorded.set(id, (recorded.get(id) ?? 0) + 1);
    if (status === "present" || status === "tardy") attended.set(id, (attended.get(id) ?? 0) + 1);
  }
  const last = new Map<string, string>();
  for (const [id = "", date = ""] of rowsOf(dir, "activity.csv")) {
    if (inWindow(id, date) && date > (last.get(id) ?? "")) last.set(id, date);
  }
  let lowAttendance = 0;
  let noActivity = 0;
  for (const [id, school] of schoolOf) {
    const r = recorded.get(id) ?? 0;
    if (r > 0 && (attended.get(id) ?? 0) / r < 0.9) lowAttendance++;
    const since = (windows.get(school) ?? []).filter((d) => d > (last.get(id) ?? "")).length;
    if (since >= inactiveAtLeast) noActivity++;
  }
  return { students: schoolOf.size, lowAttendance, noActivity };
}

describe("duckdb reference", () => {
  it("matches a plain TypeScript computation over the whole calendar", async () => {
    const want = expectedCounts(a.out, a.asOf, 45, 7);
    const got = await computeWithDuckDb(a.out, a.asOf);
    expect({ students: got.students, low: got.lowAttendance, inactive: got.noActivity7 }).toEqual({
      students: want.students,
      low: want.lowAttendance,
      inactive: want.noActivity,
    });
    expect(want.lowAttendance).toBeGreaterThan(0);
  });

  it.each([
    // 8 school days back from 29 Sep reach over the half-term week to Friday 11 Sep.
    { asOf: "2026-09-29", windowDays: 8, inactive: 3 },
    { asOf: "2026-09-24", windowDays: 5, inactive: 2 },
    // An as-of inside half-term evaluates the window that ends on Friday 11 Sep.
    { asOf: "2026-09-16", windowDays: 4, inactive: 1 },
  ])("matches it for a shorter window ($windowDays days to $asOf)", async (c) => {
    const want = expectedCounts(a.out, c.asOf, c.windowDays, c.inactive);
    const got = await computeWithDuckDb(a.out, c.asOf, {
      windowDays: c.windowDays,
      inactiveAtLeast: c.inactive,
      withIds: true,
    });
    expect([got.lowAttendance, got.noActivity7]).toEqual([want.lowAttendance, want.noActivity]);
    expect(got.ids?.lowAttendance).toHaveLength(want.lowAttendance);
    expect(want.lowAttendance + want.noActivity).toBeGreaterThan(0);
  });
});
