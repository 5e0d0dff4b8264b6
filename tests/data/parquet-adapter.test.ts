/**
 * The Parquet adapter (src/data/adapters/parquet.ts). Its fixtures are made at test time
 * with DuckDB from the CSV fixtures (tests/fixtures/canonical-small) or from SQL VALUES,
 * so no binary file is kept in the repository: the same data as Parquet must import to
 * the same data set and the same counts as the CSV bundle, and bad rows must be rejected
 * with their row number and field while the others are kept.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ImportResult } from "../../src/data/adapters/adapter.ts";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import { ADAPTERS } from "../../src/data/adapters/index.ts";
import { importParquet } from "../../src/data/adapters/parquet.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { parseIsoDate } from "../../src/data/dates.ts";

const SMALL = fileURLToPath(new URL("../fixtures/canonical-small/", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "reach-parquet-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const q = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** Runs SQL statements in a fresh in-memory DuckDB. */
async function sql(...statements: string[]): Promise<void> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    for (const s of statements) await connection.run(s);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** `COPY (query) TO path` as Parquet. */
const copy = (query: string, path: string) => `COPY (${query}) TO ${q(path)} (FORMAT parquet)`;
/** A CSV fixture read with every column as text, as written (blank cells are NULL). */
const csv = (file: string) =>
  `SELECT * FROM read_csv(${q(join(SMALL, file))}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')`;

const TEXT = join(scratch, "text");
const TYPED = join(scratch, "typed");

beforeAll(async () => {
  mkdirSync(TEXT);
  mkdirSync(TYPED);
  const files = readdirSync(SMALL).filter((f) => f.endsWith(".csv"));
  // Every column as text: the closest copy of the CSV bundle.
  await sql(...files.map((f) => copy(csv(f), join(TEXT, f.replace(".csv", ".parquet")))));
  // The same data with the types a lake export would use: DATE dates, whole numbers as
  // INTEGER, adviser ids as a list; activity dates stay text (some are timestamps).
  const typed: Record<string, string> = {
    "students.csv": `SELECT * REPLACE (string_split_regex("adviser_ids", '[;|]') AS "adviser_ids", "enrolled_from"::DATE AS "enrolled_from") FROM (${csv("students.csv")})`,
    "attendance.csv": `SELECT * REPLACE (date::DATE AS date, minutes::INTEGER AS minutes) FROM (${csv("attendance.csv")})`,
    "activity.csv": `SELECT * REPLACE (count::BIGINT AS count) FROM (${csv("activity.csv")})`,
    "calendar.csv": `SELECT * REPLACE (date::DATE AS date) FROM (${csv("calendar.csv")})`,
    "submissions.csv": `SELECT * REPLACE (due_date::DATE AS due_date, submitted_date::DATE AS submitted_date) FROM (${csv("submissions.csv")})`,
  };
  await sql(
    ...files.map((f) => copy(typed[f] ?? csv(f), join(TYPED, f.replace(".csv", ".parquet")))),
  );
});

function columns(ds: Dataset) {
  const a = ds.attendance;
  const v = ds.activity;
  return {
    students: ds.students,
    staff: ds.staff,
    calendar: ds.calendar,
    sectionKeys: ds.sectionKeys,
    sources: ds.sources,
    kinds: ds.kinds,
    submissions: ds.submissions,
    circumstances: ds.circumstances,
    attendance: {
      start: Array.from(a.start),
      student: Array.from(a.student),
      day: Array.from(a.day),
      status: Array.from(a.status),
      minutes: a.minutes ? Array.from(a.minutes) : "not recorded",
      section: a.section ? Array.from(a.section) : "not recorded",
    },
    activity: {
      start: Array.from(v.start),
      student: Array.from(v.student),
      day: Array.from(v.day),
      source: Array.from(v.source),
      kind: Array.from(v.kind),
      count: Array.from(v.count),
    },
  };
}

/** Each file's counts, by table (`students`), whatever the file's extension. */
function counts(result: ImportResult) {
  return Object.fromEntries(
    result.report.files.map((f) => [
      f.file.replace(/\.(csv|parquet)$/, ""),
      [f.rowsRead, f.rowsAccepted, f.rowsRejected, f.error],
    ]),
  );
}

describe("the canonical-small bundle as Parquet", () => {
  it("imports to the same data set and counts as the CSV bundle (columns as text)", async () => {
    const fromCsv = await importCanonical(SMALL);
    const fromParquet = await importParquet(TEXT);
    expect(columns(fromParquet.dataset)).toEqual(columns(fromCsv.dataset));
    expect(fromParquet.monitoring).toEqual(fromCsv.monitoring);
    expect(counts(fromParquet)).toEqual(counts(fromCsv));
    // canonical-small: 4 students, 8 attendance rows, 5 activity rows, 7 calendar days
    // (the lines of each CSV less the header), and no rejected row.
    expect(fromParquet.dataset.students).toHaveLength(4);
    expect(fromParquet.dataset.attendance.length).toBe(8);
    expect(fromParquet.dataset.activity.length).toBe(5);
    expect(fromParquet.dataset.calendar).toHaveLength(7);
    expect(fromParquet.report.rejections).toEqual([]);
  });

  it("imports typed columns (DATE, INTEGER, a list of adviser ids) to the same data set", async () => {
    const fromCsv = await importCanonical(SMALL);
    const fromParquet = await importParquet(TYPED);
    expect(columns(fromParquet.dataset)).toEqual(columns(fromCsv.dataset));
    expect(counts(fromParquet)).toEqual(counts(fromCsv));
    expect(fromParquet.dataset.students[3]?.adviserIds).toEqual(["T3", "T1"]);
  });

  it("is the `parquet` source", () => {
    expect(ADAPTERS.parquet.name).toBe("parquet");
  });
});

describe("bad rows and bad files", () => {
  const day = (iso: string) => parseIsoDate(iso) as number;

  it("rejects bad rows with their row number and field, and keeps the rest", async () => {
    const dir = join(scratch, "malformed");
    mkdirSync(dir);
    await sql(
      copy(csv("students.csv"), join(dir, "students.parquet")),
      // Rows 1–6; 2: unknown student, 3: a status not in the list, 4: a date not as
      // YYYY-MM-DD, 6: blank student id. Rows 1 and 5 are kept (5 after trimming, as CSV).
      copy(
        `SELECT * FROM (VALUES
          ('S1', '2026-02-02', 'present'),
          ('S9', '2026-02-02', 'present'),
          ('S1', '2026-02-03', 'sick'),
          ('S2', '03/02/2026', 'present'),
          (' S2 ', '2026-02-03', ' Tardy '),
          (NULL, '2026-02-04', 'present')) t(student_id, date, status)`,
        join(dir, "attendance.parquet"),
      ),
      // count as text: row 2 is not a whole number, row 3 has no source; rows 1 and 4 kept.
      copy(
        `SELECT * FROM (VALUES
          ('S1', DATE '2026-02-02', 'vle', 'login', '3'),
          ('S1', DATE '2026-02-03', 'vle', 'login', '2.5'),
          ('S2', DATE '2026-02-03', NULL, 'login', '1'),
          ('S3', DATE '2026-02-04', 'Teams', NULL, NULL)) t(student_id, date, source, kind, count)`,
        join(dir, "activity.parquet"),
      ),
    );
    const { dataset, report } = await importParquet(dir);
    const attendance = report.files.find((f) => f.file === "attendance.parquet");
    expect(attendance).toMatchObject({ rowsRead: 6, rowsAccepted: 2, rowsRejected: 4 });
    const rejected = report.rejections.map((r) => [r.file, r.line, r.field, r.code, r.reason]);
    expect(rejected).toEqual([
      ["attendance.parquet", 2, "student_id", "unknown_student", 'unknown student id "S9"'],
      [
        "attendance.parquet",
        3,
        "status",
        "invalid_value",
        expect.stringContaining('"sick" is not one of present'),
      ],
      [
        "attendance.parquet",
        4,
        "date",
        "invalid_value",
        'expected a date as YYYY-MM-DD, got "03/02/2026"',
      ],
      ["attendance.parquet", 6, "student_id", "invalid_value", "student_id is required"],
      ["activity.parquet", 2, "count", "invalid_value", "count must be a whole number ≥ 0"],
      ["activity.parquet", 3, "source", "invalid_value", "source is required"],
    ]);
    const s2 = dataset.studentIndex.get("S2") as number;
    const a = dataset.attendance;
    expect(Array.from(a.day.subarray(a.start[s2], a.start[s2 + 1]))).toEqual([day("2026-02-03")]);
    expect(a.status[a.start[s2]]).toBe(1); // tardy
    const s3 = dataset.studentIndex.get("S3") as number;
    const v = dataset.activity;
    expect(dataset.sources[v.source[v.start[s3]]]).toBe("teams");
    expect(dataset.kinds[v.kind[v.start[s3]]]).toBe("activity");
    expect(v.count[v.start[s3]]).toBe(1);
    expect(v.length).toBe(2);
  });

  it("rejects every row of a column of the wrong type, with a note, and fails a missing column", async () => {
    const dir = join(scratch, "wrong-type");
    mkdirSync(dir);
    await sql(
      copy(csv("students.csv"), join(dir, "students.parquet")),
      // date as a number: both rows rejected.
      copy(
        "SELECT * FROM (VALUES ('S1', 20260202, 'present'), ('S2', 20260203, 'tardy')) t(student_id, date, status)",
        join(dir, "attendance.parquet"),
      ),
      // no source column: the file cannot be read.
      copy("SELECT 'S1' AS student_id, DATE '2026-02-02' AS date", join(dir, "activity.parquet")),
    );
    const { report } = await importParquet(dir);
    const attendance = report.files.find((f) => f.file === "attendance.parquet");
    expect(attendance).toMatchObject({ rowsRead: 2, rowsAccepted: 0, rowsRejected: 2 });
    expect(attendance?.notes.join(" ")).toContain("column date is INTEGER");
    expect(report.rejections.map((r) => [r.line, r.field, r.reason])).toEqual([
      [1, "date", 'expected a date as YYYY-MM-DD, got "20260202"'],
      [2, "date", 'expected a date as YYYY-MM-DD, got "20260203"'],
    ]);
    const activity = report.files.find((f) => f.file === "activity.parquet");
    expect(activity?.error).toBe(
      "activity.parquet: missing column source (the file has student_id, date)",
    );
  });

  it("gives a clear error for a file named .parquet that is not Parquet", async () => {
    const dir = join(scratch, "not-parquet");
    mkdirSync(dir);
    await sql(copy(csv("students.csv"), join(dir, "students.parquet")));
    writeFileSync(
      join(dir, "attendance.parquet"),
      "student_id,date,status\nS1,2026-02-02,present\n",
    );
    const { report } = await importParquet(dir);
    const attendance = report.files.find((f) => f.file === "attendance.parquet");
    expect(attendance?.error).toBe(
      "attendance.parquet is not a Parquet file (it does not begin and end with PAR1; it starts like a text file: a CSV should be named .csv)",
    );
    expect(report.partial).toBe(true);
  });

  it("reads a folder of part files, each reported with its own row numbers", async () => {
    const dir = join(scratch, "parts");
    mkdirSync(join(dir, "attendance.parquet"), { recursive: true });
    await sql(
      copy(csv("students.csv"), join(dir, "students.parquet")),
      copy(
        "SELECT 'S1' AS student_id, DATE '2026-02-02' AS date, 'present' AS status",
        join(dir, "attendance.parquet", "part-0.parquet"),
      ),
      copy(
        "SELECT * FROM (VALUES ('S1', DATE '2026-02-03', 'tardy'), ('S7', DATE '2026-02-03', 'tardy')) t(student_id, date, status)",
        join(dir, "attendance.parquet", "part-1.parquet"),
      ),
    );
    const { dataset, report } = await importParquet(dir);
    expect(report.files.map((f) => [f.file, f.rowsAccepted, f.rowsRejected])).toEqual([
      ["students.parquet", 4, 0],
      ["attendance.parquet/part-0.parquet", 1, 0],
      ["attendance.parquet/part-1.parquet", 1, 1],
    ]);
    expect(report.rejections.map((r) => [r.file, r.line, r.code])).toEqual([
      ["attendance.parquet/part-1.parquet", 2, "unknown_student"],
    ]);
    expect(dataset.attendance.length).toBe(2);
  });

  it("fails a table given both as .csv and .parquet, and reads a .csv given alone", async () => {
    const dir = join(scratch, "mixed");
    mkdirSync(dir);
    await sql(
      copy(csv("students.csv"), join(dir, "students.parquet")),
      copy(csv("attendance.csv"), join(dir, "attendance.parquet")),
      copy(csv("calendar.csv"), join(dir, "calendar.parquet")),
    );
    writeFileSync(join(dir, "calendar.csv"), "school,date\nnorth,2026-02-02\n");
    writeFileSync(join(dir, "staff.csv"), "id,name,school,roles\nT1,Tom,north,adviser\n");
    const { dataset, report } = await importParquet(dir);
    expect(report.files.find((f) => f.file === "calendar.parquet")?.error).toMatch(
      /^both calendar.parquet and calendar.csv are in /,
    );
    expect(dataset.staff.map((s) => s.id)).toEqual(["T1"]);
    expect(dataset.calendar).toHaveLength(0);
  });
});

describe("columns with many distinct values", () => {
  it("maps more than 256 kinds and sections through a join, as it does a few", async () => {
    const dir = join(scratch, "many");
    mkdirSync(dir);
    await sql(
      copy(csv("students.csv"), join(dir, "students.parquet")),
      // 300 days of S1, each with its own section (and a blank one on day 0), 300 kinds.
      copy(
        "SELECT 'S1' AS student_id, DATE '2026-01-01' + i::INTEGER AS date, 'present' AS status, CASE WHEN i = 0 THEN NULL ELSE 'SEC-' || i END AS section_id FROM range(300) t(i)",
        join(dir, "attendance.parquet"),
      ),
      copy(
        "SELECT 'S2' AS student_id, DATE '2026-01-01' + i::INTEGER AS date, 'vle' AS source, 'k' || i AS kind, i AS count FROM range(300) t(i)",
        join(dir, "activity.parquet"),
      ),
    );
    const { dataset, report } = await importParquet(dir);
    expect(report.rejections).toEqual([]);
    expect(dataset.attendance.length).toBe(300);
    expect(dataset.sectionKeys).toHaveLength(299);
    expect(dataset.kinds).toHaveLength(300);
    const a = dataset.attendance;
    // Day 0 has no section; day 5 has SEC-5.
    expect(a.section?.[0]).toBe(-1);
    expect(dataset.sectionKeys[a.section?.[5] ?? -1]).toBe("SEC-5");
    const v = dataset.activity;
    expect(dataset.kinds[v.kind[7]]).toBe("k7");
    expect(v.count[7]).toBe(7);
  });
});
