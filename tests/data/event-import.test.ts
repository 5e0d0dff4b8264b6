/**
 * The three ways Reach reads the canonical attendance and activity files must give the
 * same data set and the same report: the byte-level fast path, the string path it
 * declines to (fast-rows.ts), and reading in parts on worker threads. This test builds a
 * messy bundle (padding, upper case, CRLF, a BOM, bad values, unknown students,
 * duplicates and conflicts, sections and minutes), imports it in one piece and in parts,
 * and checks both against an oracle written from the zod row schemas and csv-parse
 * alone.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../../bench/engine/prng.ts";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import type { ImportReport } from "../../src/data/import-report.ts";
import { workerCode } from "../../src/data/parallel/event-workers.ts";
import { ActivityRow, ATTENDANCE_STATUSES, AttendanceRow } from "../../src/data/schema.ts";

const scratch = mkdtempSync(join(tmpdir(), "reach-events-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const STUDENTS = 300;
const DAYS = Array.from({ length: 40 }, (_, i) =>
  new Date(Date.UTC(2026, 8, 7 + i)).toISOString().slice(0, 10),
);

function writeBundle(dir: string, seed: number, opts: { crlf: boolean; quote: boolean }): void {
  const r = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const eol = opts.crlf ? "\r\n" : "\n";
  const students = ["id,display_name,school"];
  for (let s = 0; s < STUDENTS; s++) students.push(`S${s},Student ${s},sch`);
  writeFileSync(join(dir, "students.csv"), `${students.join("\n")}\n`);

  const id = () => (r() < 0.01 ? `X${Math.floor(r() * 5)}` : `S${Math.floor(r() * STUDENTS)}`);
  const messy = (v: string) => (r() < 0.03 ? ` ${v} ` : r() < 0.03 ? v.toUpperCase() : v);
  const att = ["student_id,date,section_id,status,minutes"];
  const act = ["student_id,date,source,kind,count"];
  const rows: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    const bad = r();
    const date = bad < 0.01 ? "2026-02-30" : pick(DAYS);
    const status = bad > 0.995 ? "sick" : pick(ATTENDANCE_STATUSES);
    const minutes = r() < 0.7 ? "" : bad > 0.99 ? "1.5" : String(Math.floor(r() * 60));
    const section = r() < 0.6 ? "" : pick(["MATH", "ENG", "SCI"]);
    const row = `${messy(id())},${date},${section},${messy(status)},${minutes}`;
    rows.push(row);
    // Exact duplicates and same-day conflicts, sometimes.
    if (r() < 0.02) rows.push(row);
    if (r() < 0.02)
      rows.push(`${row.split(",").slice(0, 3).join(",")},${pick(ATTENDANCE_STATUSES)},${minutes}`);
  }
  att.push(...rows);
  if (opts.quote) att.splice(5000, 0, `S1,${DAYS[0]},"MA""TH",present,`);
  if (r() < 2) att.splice(7000, 0, "S2,2026-09-08,present"); // wrong column count
  for (let i = 0; i < 10_000; i++) {
    const date = r() < 0.005 ? "09/08/2026" : r() < 0.05 ? `${pick(DAYS)}T10:15:00Z` : pick(DAYS);
    const source = messy(pick(["vle", "teams", "Library"]));
    const kind = r() < 0.2 ? "" : pick(["login", "view"]);
    const count = r() < 0.2 ? "" : r() < 0.005 ? "-3" : String(1 + Math.floor(r() * 20));
    act.push(`${id()},${date},${source},${kind},${count}`);
  }
  writeFileSync(join(dir, "attendance.csv"), `\uFEFF${att.join(eol)}${eol}`);
  writeFileSync(join(dir, "activity.csv"), `${act.join(eol)}${eol}`);
}

/** One student's attendance and activity as sorted text, for comparing data sets. */
function contents(ds: Dataset) {
  const att: string[] = [];
  const act: string[] = [];
  for (let s = 0; s < ds.students.length; s++) {
    const a = ds.attendance;
    for (let i = a.start[s]; i < a.start[s + 1]; i++) {
      const k = a.section?.[i] ?? -1;
      const section = k < 0 ? "" : ds.sectionKeys[k];
      att.push(
        `${ds.students[s].id}|${a.day[i]}|${section}|${ATTENDANCE_STATUSES[a.status[i]]}|${a.minutes?.[i] ?? -1}`,
      );
    }
    const v = ds.activity;
    for (let i = v.start[s]; i < v.start[s + 1]; i++) {
      act.push(
        `${ds.students[s].id}|${v.day[i]}|${ds.sources[v.source[i]]}|${ds.kinds[v.kind[i]]}|${v.count[i]}`,
      );
    }
  }
  return { att: att.sort(), act: act.sort() };
}

function reportOf(report: ImportReport) {
  return {
    files: report.files.map((f) => ({ ...f, notes: [...f.notes].sort() })),
    rejections: [...report.rejections].sort(
      (a, b) => a.file.localeCompare(b.file) || a.line - b.line,
    ),
  };
}

/** What the zod row schemas alone say the data set holds. */
function oracle(dir: string) {
  const known = new Set(Array.from({ length: STUDENTS }, (_, s) => `S${s}`));
  const read = (file: string) =>
    parse(readFileSync(join(dir, file), "utf8"), {
      columns: true,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as Record<string, string>[];
  const best = new Map<string, { status: number; minutes: number; row: string }>();
  for (const raw of read("attendance.csv")) {
    const p = AttendanceRow.safeParse(raw);
    if (!p.success || !known.has(p.data.studentId) || Object.keys(raw).length !== 5) continue;
    const v = p.data;
    const key = `${v.studentId}|${v.date}|${v.sectionId ?? ""}`;
    const status = ATTENDANCE_STATUSES.indexOf(v.status);
    const minutes = v.minutes ?? -1;
    const seen = best.get(key);
    if (!seen || status > seen.status || (status === seen.status && minutes > seen.minutes)) {
      best.set(key, { status, minutes, row: `${key}|${v.status}|${minutes}` });
    }
  }
  const act: string[] = [];
  for (const raw of read("activity.csv")) {
    const p = ActivityRow.safeParse(raw);
    if (!p.success || !known.has(p.data.studentId)) continue;
    const v = p.data;
    act.push(`${v.studentId}|${v.date}|${v.source}|${v.kind}|${v.count}`);
  }
  return { att: [...best.values()].map((b) => b.row).sort(), act: act.sort() };
}

describe.each([
  { name: "LF", crlf: false, quote: false, seed: 1 },
  { name: "CRLF", crlf: true, quote: false, seed: 2 },
  { name: "with a quoted field (parts fall back to one piece)", crlf: false, quote: true, seed: 3 },
])("reading events: $name", ({ crlf, quote, seed }) => {
  const dir = mkdtempSync(join(scratch, "bundle-"));
  writeBundle(dir, seed, { crlf, quote });

  it("in one piece and in parts on worker threads: the same data set and report", async () => {
    const one = await importCanonical(dir, { threads: 1 });
    const parts = await importCanonical(dir, { threads: 2, parallelMinBytes: 1 });
    expect(contents(parts.dataset)).toEqual(contents(one.dataset));
    expect(reportOf(parts.report)).toEqual(reportOf(one.report));
    // Bad rows were there to be found, and every one of them is accounted for.
    const att = one.report.files.find((f) => f.file === "attendance.csv");
    expect(att?.byReason).toMatchObject({
      invalid_value: expect.any(Number),
      unknown_student: expect.any(Number),
      duplicate: expect.any(Number),
      conflict: expect.any(Number),
      wrong_column_count: 1,
    });
    expect(att && att.rowsAccepted + att.rowsRejected).toBe(att?.rowsRead);
  });

  it("agrees with the zod row schemas read through csv-parse", async () => {
    const { dataset } = await importCanonical(dir, { threads: 2, parallelMinBytes: 1 });
    // Both sides write days as day numbers.
    expect(contents(dataset)).toEqual(oracle(dir));
  });
});

describe("reading a clean, date-ordered export in parts", () => {
  // Every student on every day, in the order exports list them: each student's rows are
  // in order in each part and where the parts meet, so the workers' columns are kept as
  // they are (no settling).
  const dir = mkdtempSync(join(scratch, "clean-"));
  const students = ["id,display_name,school"];
  for (let s = 0; s < STUDENTS; s++) students.push(`S${s},Student ${s},sch`);
  writeFileSync(join(dir, "students.csv"), `${students.join("\n")}\n`);
  const att = ["student_id,date,status"];
  const act = ["student_id,date,source,kind,count"];
  DAYS.forEach((day, d) => {
    for (let s = 0; s < STUDENTS; s++) {
      att.push(`S${s},${day},${(s + d) % 9 === 0 ? "unexcused_absence" : "present"}`);
      if ((s * 7 + d) % 3 === 0)
        act.push(`S${s},${day},${s % 2 ? "vle" : "teams"},login,${1 + (s % 4)}`);
    }
  });
  writeFileSync(join(dir, "attendance.csv"), `${att.join("\n")}\n`);
  writeFileSync(join(dir, "activity.csv"), `${act.join("\n")}\n`);

  it("gives the data set of reading in one piece, with nothing rejected", async () => {
    const one = await importCanonical(dir, { threads: 1 });
    const parts = await importCanonical(dir, { threads: 2, parallelMinBytes: 1 });
    expect(contents(parts.dataset)).toEqual(contents(one.dataset));
    expect(reportOf(parts.report)).toEqual(reportOf(one.report));
    expect(parts.report.rejections).toEqual([]);
    // 300 students × 40 days; student 0 is absent on days 0, 9, 18, 27 and 36.
    const a = parts.dataset.attendance;
    expect(a.length).toBe(STUDENTS * DAYS.length);
    expect(
      Array.from(a.status.subarray(a.start[0], a.start[1])).filter((x) => x !== 0),
    ).toHaveLength(5);
    expect(parts.dataset.activity.length).toBe(act.length - 1);
  });
});

describe("an event file that cannot be read", () => {
  it("fails the import and leaves no worker thread running", async () => {
    const dir = mkdtempSync(join(scratch, "unreadable-"));
    writeFileSync(join(dir, "students.csv"), "id,display_name,school\nS1,A,sch\n");
    mkdirSync(join(dir, "attendance.csv")); // a folder where the file should be
    const ports = () => process.getActiveResourcesInfo().filter((r) => r === "MessagePort").length;
    const before = ports();
    await expect(importCanonical(dir, { threads: 2, parallelMinBytes: 1 })).rejects.toThrow(
      /EISDIR/,
    );
    // The workers start once their bundled code is ready: by then they must be gone.
    await workerCode();
    await new Promise((resolve) => setImmediate(resolve));
    expect(ports()).toBe(before);
  });
});

describe("the event workers' code", () => {
  it("is bundled into one script, so a worker starts without the TypeScript loader", async () => {
    const code = await workerCode();
    // Undefined would mean the fallback: workers that register tsx and compile their modules.
    expect(code).toBeDefined();
    // The worker's own message and the byte reader it runs are in it, the loader is not.
    expect(code).toContain("event worker used before init");
    expect(code).toContain("readCsvBytes");
    expect(code).not.toContain("tsx/esm/api");
    // The same promise for every import of the process: bundled once.
    expect(workerCode()).toBe(workerCode());
  });
});
