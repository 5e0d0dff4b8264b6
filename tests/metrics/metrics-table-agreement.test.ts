/**
 * Reach's own metrics and a metrics table computed the way a distributed engine would
 * agree on the benchmark's data (bench/engine/generate.ts, 2,000 students × 60 school
 * days, mid-term joiners and students who stop logging in included):
 *
 * (b) always: spark/reach_metrics.sql — the DuckDB transcription of the PySpark job —
 *     computes the table for the last two school days; for every student, metric and
 *     date, the table's value equals Reach's (exact for counts, 1e-9 for the rate), its
 *     window is Reach's, and the evidence sentence built from its numbers is the one
 *     Reach writes from the events. Dry runs of two policies (the benchmark's; a K-12
 *     tiered one with `for: 2 runs`, severity inhibition and sessions_recorded) give the
 *     same findings, pending streaks and counts on the table (Parquet and CSV) as on the
 *     events. A test the table lacks is a data-check error naming metric and params.
 * (a) where `pyspark` imports: spark/reach_metrics.py on the same bundle writes the same
 *     table as the SQL, row for row.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateBundle } from "../../bench/engine/generate.ts";
import { buildCalendars } from "../../src/calendar/index.ts";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import { importMetrics } from "../../src/data/adapters/metrics.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { type DayNumber, formatDay, parseIsoDate } from "../../src/data/dates.ts";
import {
  canonicalParams,
  computeMetric,
  type MetricName,
  metricTableOf,
} from "../../src/metrics/index.ts";
import { type Policy, policyScope } from "../../src/rules/index.ts";
import { loadPolicyFile, loadPolicyText } from "../../src/rules/loader.ts";
import { DryRunRefused, dryRun } from "../../src/run/dry-run.ts";

const SQL = resolve("spark/reach_metrics.sql");
const JOB = resolve("spark/reach_metrics.py");
const STUDENTS = 2000;
const DAYS = 60;
const WINDOW = 45;
const ABSENT = ["excused_absence", "unexcused_absence"];
const METRICS: MetricName[] = ["attendance_rate", "sessions_recorded", "days_since_activity"];

let tmp: string;
let bundle: string;
/** The roster beside the SQL's table, as Parquet and as CSV. */
let parquetDir: string;
let csvDir: string;
let asOf: string;
let dayBefore: string;

function lit(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * The canonical CSV bundle as the job's typed inputs (spark/reach_metrics.sql, header).
 * The generated bundle has no section_id column, schools.csv or circumstances.csv; the
 * edge-case fixture has all three (`full`).
 */
function inputViews(dir: string, full = false): string {
  const csv = (name: string) =>
    `read_csv(${lit(join(dir, `${name}.csv`))}, header = true, all_varchar = true)`;
  const day = (c: string) => `CAST(NULLIF(trim(${c}), '') AS DATE)`;
  return `
CREATE VIEW students AS SELECT trim(id) AS id, trim(school) AS school, ${day("enrolled_from")} AS enrolled_from FROM ${csv("students")};
CREATE VIEW calendar AS SELECT trim(school) AS school, ${day("date")} AS date,
  CASE WHEN lower(trim(instructional)) IN ('false', 'no', 'n', '0') THEN false
       WHEN lower(trim(instructional)) IN ('true', 'yes', 'y', '1') THEN true END AS instructional
  FROM ${csv("calendar")};
CREATE VIEW attendance AS SELECT trim(student_id) AS student_id, ${day("date")} AS date, trim(status) AS status, ${full ? "NULLIF(trim(section_id), '')" : "NULL::VARCHAR"} AS section_id FROM ${csv("attendance")};
CREATE VIEW activity AS SELECT trim(student_id) AS student_id, ${day("substr(date, 1, 10)")} AS date, trim(source) AS source, trim(kind) AS kind, CAST(NULLIF(trim(count), '') AS DOUBLE) AS count FROM ${csv("activity")};
${
  full
    ? `CREATE VIEW schools AS SELECT trim(id) AS id, lower(trim(attendance_recording)) AS attendance_recording FROM ${csv("schools")};
CREATE VIEW circumstances AS SELECT trim(student_id) AS student_id, ${day('"from"')} AS "from", ${day('"to"')} AS "to", trim(kind) AS kind FROM ${csv("circumstances")};`
    : `CREATE TABLE schools (id VARCHAR, attendance_recording VARCHAR);
CREATE TABLE circumstances (student_id VARCHAR, "from" DATE, "to" DATE, kind VARCHAR);`
}`;
}

/** Runs spark/reach_metrics.sql for each date and writes the union as Parquet and CSV. */
async function computeTable(
  dir: string,
  dates: string[],
  outParquet: string,
  outCsv: string,
  options: { full?: boolean; window?: number } = {},
) {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run(inputViews(dir, options.full));
    const sql = readFileSync(SQL, "utf8");
    for (const [i, date] of dates.entries()) {
      await connection.run(`SET VARIABLE as_of = DATE ${lit(date)};
        SET VARIABLE window_days = ${options.window ?? WINDOW};
        SET VARIABLE absent_statuses = [${ABSENT.map(lit).join(", ")}]::VARCHAR[];`);
      await connection.run(sql);
      await connection.run(
        i === 0
          ? "CREATE TABLE all_metrics AS SELECT * FROM metrics"
          : "INSERT INTO all_metrics SELECT * FROM metrics",
      );
    }
    await connection.run(`COPY all_metrics TO ${lit(outParquet)} (FORMAT parquet)`);
    await connection.run(`COPY all_metrics TO ${lit(outCsv)} (HEADER, DELIMITER ',')`);
    const rows = await connection.runAndReadAll("SELECT count(*)::INTEGER FROM all_metrics");
    return Number(rows.getRowsJS()[0]?.[0]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function rosterInto(folder: string, from = bundle, files = ["students.csv", "calendar.csv"]) {
  mkdirSync(folder, { recursive: true });
  for (const f of files) copyFileSync(join(from, f), join(folder, f));
}

/**
 * For each student and metric: Reach's value, window and evidence from the events, and
 * the same read from the table through the metrics source. Fails on the first difference.
 */
async function compareEveryStudent(
  eventsDir: string,
  tableDir: string,
  policy: Policy,
  dates: string[],
): Promise<{ compared: number; unknown: number; values: Map<string, (number | string)[]> }> {
  const events = await importCanonical(eventsDir);
  const table = await importMetrics(tableDir);
  expect(table.report.partial).toBe(false);
  const rows = metricTableOf(table.dataset);
  let compared = 0;
  let unknown = 0;
  const values = new Map<string, (number | string)[]>();
  for (const date of dates) {
    const day = parseIsoDate(date) as DayNumber;
    const scopeOf = (dataset: Dataset) =>
      policyScope({ dataset, policy, asOf: day, calendars: buildCalendars(dataset) });
    const fromEvents = scopeOf(events.dataset);
    const fromTable = scopeOf(table.dataset);
    for (const student of events.dataset.students) {
      const a = fromEvents.contextOf(student.id);
      const b = fromTable.contextOf(student.id);
      if (!a || !b) throw new Error(`no context for ${student.id}`);
      for (const metric of METRICS) {
        const reach = computeMetric(metric, a, {}, true);
        const read = computeMetric(metric, b, {}, true);
        const key = canonicalParams(
          metric,
          {},
          {
            windowDays: policy.windowDays,
            absentMask: a.absentMask,
          },
        );
        const at = `${student.id} ${metric} ${date}`;
        expect(rows?.get(day, metric, key, student.id), at).toBeDefined();
        if (Number.isNaN(reach.value)) {
          unknown++;
          expect(read.value, at).toBeNaN();
        } else if (metric === "attendance_rate") {
          expect(Math.abs(read.value - reach.value), at).toBeLessThanOrEqual(1e-9);
        } else {
          expect(read.value, at).toBe(reach.value);
        }
        expect(
          [formatDay(read.window.from), formatDay(read.window.to), read.window.size],
          at,
        ).toEqual([formatDay(reach.window.from), formatDay(reach.window.to), reach.window.size]);
        expect(read.evidence, at).toBe(reach.evidence);
        if (date === dates[dates.length - 1]) {
          values.set(student.id, [...(values.get(student.id) ?? []), reach.value]);
        }
        compared++;
      }
    }
  }
  return { compared, unknown, values };
}

function loaded(text: string, file: string): Policy {
  const result = loadPolicyText(text, file);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.policy;
}

const K12 = `policy:
  id: k12-tiers
  name: Tiers on the benchmark data
  schools: [sch1, sch2, sch3, sch4, sch5]
  timezone: Europe/London
  schedule: "0 7 * * 1-5"
  window: 45 school days
  severity_inhibition: true
rules:
  - id: severe
    severity: high
    when:
      all:
        - { metric: attendance_rate, below: 0.80 }
        - { metric: sessions_recorded, at_least: 10 }
    for: 2 runs
  - id: moderate
    severity: medium
    when:
      all:
        - { metric: attendance_rate, below: 0.90 }
        - { metric: sessions_recorded, at_least: 10 }
    for: 2 runs
  - id: quiet
    severity: low
    when: { not: { metric: days_since_activity, below: 5, window: 45 school days } }
`;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "reach-metrics-table-"));
  bundle = join(tmp, "bundle");
  const generated = generateBundle({
    students: STUDENTS,
    days: DAYS,
    seed: 3,
    out: bundle,
    manifest: false,
  });
  asOf = generated.asOf;
  const calendar = readFileSync(join(bundle, "calendar.csv"), "utf8")
    .split("\n")
    .filter((l) => l.startsWith("sch1,") && l.endsWith(",true"))
    .map((l) => l.split(",")[1] as string);
  dayBefore = calendar[calendar.length - 2] as string;
  parquetDir = join(tmp, "table-parquet");
  csvDir = join(tmp, "table-csv");
  rosterInto(parquetDir);
  rosterInto(csvDir);
  const rows = await computeTable(
    bundle,
    [dayBefore, asOf],
    join(parquetDir, "metrics.parquet"),
    join(csvDir, "metrics.csv"),
  );
  // Three metrics for every student on each of two dates.
  expect(rows).toBe(STUDENTS * 3 * 2);
}, 120_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("the DuckDB transcription of the PySpark job agrees with Reach's metrics", () => {
  it("gives every student the value, window and evidence Reach computes from the events", async () => {
    const bench = await loadPolicyFile("bench/engine/policy.yaml");
    if (!bench.ok) throw new Error("bench policy");
    const { compared, unknown } = await compareEveryStudent(bundle, parquetDir, bench.policy, [
      dayBefore,
      asOf,
    ]);
    expect(compared).toBe(STUDENTS * 3 * 2);
    // Every student has attendance in the window here, so nothing is unknown.
    expect(unknown).toBe(0);
    // Both evidence sentences of days_since_activity occur: most students were active in
    // the window, some (those who stopped logging in) were not.
    const table = metricTableOf((await importMetrics(parquetDir)).dataset);
    const day = parseIsoDate(asOf) as DayNumber;
    let active = 0;
    for (let i = 1; i <= STUDENTS; i++) {
      const id = `S${String(i).padStart(6, "0")}`;
      if (table?.get(day, "days_since_activity", "window=45", id)?.lastDate !== undefined) active++;
    }
    expect(active).toBeGreaterThan(STUDENTS / 2);
    expect(active).toBeLessThan(STUDENTS);
  }, 120_000);

  it("dry runs on the table give the findings of dry runs on the events", async () => {
    const bench = await loadPolicyFile("bench/engine/policy.yaml");
    if (!bench.ok) throw new Error("bench policy");
    const policies = [bench.policy, loaded(K12, "k12-tiers.yaml")];
    const day = parseIsoDate(asOf) as DayNumber;
    for (const policy of policies) {
      const base = { policy, asOf: day, runs: 2 };
      const events = await dryRun({ ...base, source: "canonical", dataDir: bundle });
      for (const dataDir of [parquetDir, csvDir]) {
        const table = await dryRun({ ...base, source: "metrics", dataDir });
        expect(table.check.errors).toEqual([]);
        expect(table.findings).toEqual(events.findings);
        expect(table.evaluation.pending).toEqual(events.evaluation.pending);
        expect(table.evaluation.suppressed).toEqual(events.evaluation.suppressed);
        expect(table.evaluation.counts).toEqual(events.evaluation.counts);
      }
      // Findings there are, of every rule, so the comparison is not vacuous.
      for (const [rule, n] of Object.entries(events.evaluation.counts.byRule)) {
        expect(n, `${policy.id} ${rule}`).toBeGreaterThan(0);
      }
      console.log(
        `metrics table vs events, ${policy.id} as of ${asOf}: ${events.findings.length} findings, ${events.evaluation.pending.length} pending — identical`,
      );
    }
  }, 120_000);

  it("refuses a policy whose tests the table lacks, naming the metric and params", async () => {
    const text = (rule: string) => `policy:
  id: lacks
  name: Lacks
  schools: [sch1]
  timezone: Europe/London
  schedule: "0 7 * * 1-5"
rules:
  - id: r
    severity: low
    when: ${rule}
`;
    const day = parseIsoDate(asOf) as DayNumber;
    const refusal = async (rule: string, date = day) => {
      try {
        await dryRun({
          policy: loaded(text(rule), "lacks.yaml"),
          source: "metrics",
          dataDir: parquetDir,
          asOf: date,
        });
      } catch (error) {
        if (error instanceof DryRunRefused) return error.check.errors.map((e) => e.message);
        throw error;
      }
      throw new Error("not refused");
    };
    expect(await refusal("{ metric: activity_count, source: vle, below: 3 }")).toEqual([
      `rule r: the metrics table has no activity_count (source=vle;window=45) as of ${asOf}`,
    ]);
    expect(
      await refusal("{ metric: attendance_rate, window: 30 school days, below: 0.9 }"),
    ).toEqual([
      `rule r: the metrics table has no attendance_rate (absent_statuses=excused_absence,unexcused_absence;window=30) as of ${asOf}`,
    ]);
    expect(
      await refusal(
        "{ metric: attendance_rate, absent_statuses: [unexcused_absence], below: 0.9 }",
      ),
    ).toEqual([
      `rule r: the metrics table has no attendance_rate (absent_statuses=unexcused_absence;window=45) as of ${asOf}`,
    ]);
    // A date the table does not hold: the table is not as recent as the run.
    expect(await refusal("{ metric: sessions_recorded, below: 1 }", day + 3)).toEqual([
      `rule r: the metrics table has no sessions_recorded (window=45) as of ${formatDay(day + 3)} (it has it as of ${dayBefore}, ${asOf})`,
    ]);
  }, 60_000);
});

const EDGE = resolve("tests/fixtures/metrics-edge");
const EDGE_POLICY = `policy:
  id: edge
  name: Edge cases
  schools: [A, B, C]
  timezone: Europe/London
  schedule: "0 7 * * 1-5"
  window: 10 school days
rules:
  - id: low-rate
    severity: high
    when:
      all:
        - { metric: attendance_rate, below: 0.95 }
        - { metric: sessions_recorded, at_least: 1 }
  - id: inactive
    severity: medium
    when: { metric: days_since_activity, at_least: 5 }
`;

describe("the DuckDB transcription on the edge cases of tests/fixtures/metrics-edge", () => {
  it("agrees with Reach on closures, conflicts, sections, joiners, circumstances and absences-only schools", async () => {
    const dir = join(tmp, "edge");
    rosterInto(dir, EDGE, ["students.csv", "schools.csv", "calendar.csv", "circumstances.csv"]);
    const dates = ["2026-03-19", "2026-03-20"];
    await computeTable(EDGE, dates, join(dir, "metrics.parquet"), join(tmp, "edge.csv"), {
      full: true,
      window: 10,
    });
    const policy = loaded(EDGE_POLICY, "edge.yaml");
    const { compared, unknown, values } = await compareEveryStudent(EDGE, dir, policy, dates);
    expect(compared).toBe(8 * 3 * 2);
    // a5 and c1 have no attendance in the window, on both dates.
    expect(unknown).toBe(4);
    // As of 2026-03-20, window 2026-03-06 … 03-20 (10 school days; 03-11 is a closure).
    // [attendance_rate, sessions_recorded, days_since_activity], counted by hand:
    expect(Object.fromEntries(values)).toEqual({
      // 8 of 10: absent 03-17; 03-18 present and excused (the excused kept); the record
      // on the closure day does not count. Last activity Sat 03-14 (03-19 has count 0,
      // 03-21 is after the date): 16–20 → 5.
      a1: [0.8, 10, 5],
      // Joined 03-16: 5 of 5; no activity, 5 school days since joining.
      a2: [1, 5, 5],
      // Leave 03-09–03-13 counts neither way: 6 sessions left, the tardy one attended;
      // last activity 03-10 (a timestamp), the excluded 12 and 13 skipped: 16–20 → 5.
      a3: [1, 6, 5],
      // Two sections a day: 20 sessions, one absence (03-16 s2); active on the date.
      a4: [0.95, 20, 0],
      // No attendance; activity only before the window: all 10 days.
      a5: [Number.NaN, 0, 10],
      // Absences only, 03-16 excused by a circumstance: 9 days, absent on 03-17 only
      // (03-05 is before the window); active 03-18: 19, 20 → 2.
      b1: [8 / 9, 9, 2],
      // Absences only, joined 03-12: 7 days, none absent; no activity: 7.
      b2: [1, 7, 7],
      // School C starts in April: an empty window.
      c1: [Number.NaN, 0, 0],
    });
    const day = parseIsoDate("2026-03-20") as DayNumber;
    const base = { policy, asOf: day, runs: 2 };
    const events = await dryRun({ ...base, source: "canonical", dataDir: EDGE });
    const table = await dryRun({ ...base, source: "metrics", dataDir: dir });
    expect(table.findings).toEqual(events.findings);
    expect(table.evaluation.counts).toEqual(events.evaluation.counts);
    // low-rate: a1 (80%), b1 (88.8%); inactive: a1, a2, a3, a5, b2.
    expect(events.findings.map((f) => [f.studentId, f.ruleIds.join("+")])).toEqual([
      ["a1", "low-rate+inactive"],
      ["a2", "inactive"],
      ["a3", "inactive"],
      ["a5", "inactive"],
      ["b1", "low-rate"],
      ["b2", "inactive"],
    ]);
    expect(table.findings[0]?.signals[0]?.conditions[0]?.evidence).toBe(
      "attended 8 of 10 sessions (80%) between 2026-03-06 and 2026-03-20",
    );
  }, 60_000);

  it("refuses a policy that lets circumstance days count: the table counts them all out", async () => {
    const dir = join(tmp, "edge");
    const text = EDGE_POLICY.replace(
      "  window: 10 school days\n",
      "  window: 10 school days\n  suppress:\n    circumstances: [extenuating_circumstances]\n",
    );
    const policy = loaded(text, "edge.yaml");
    await expect(
      dryRun({
        policy,
        asOf: parseIsoDate("2026-03-20") as DayNumber,
        source: "metrics",
        dataDir: dir,
      }),
    ).rejects.toThrow(/suppress\.circumstances leaves out leave/);
  });
});

const pyspark = spawnSync("python3", ["-c", "import pyspark"], { encoding: "utf8" });
const hasPyspark = pyspark.status === 0;
if (!hasPyspark) {
  console.log(
    `skipping the PySpark run of spark/reach_metrics.py: pyspark does not import here (${(pyspark.stderr || pyspark.error?.message || "").trim().split("\n").pop()})`,
  );
}

describe.skipIf(!hasPyspark)("the PySpark job", () => {
  it("writes the table the DuckDB transcription writes", async () => {
    const out = join(tmp, "spark-out");
    for (const date of [dayBefore, asOf]) {
      const run = spawnSync(
        "python3",
        [
          JOB,
          "--input",
          bundle,
          "--output",
          join(out, date),
          "--as-of",
          date,
          "--window",
          String(WINDOW),
        ],
        { encoding: "utf8", timeout: 600_000 },
      );
      expect(run.status, run.stderr).toBe(0);
    }
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      const columns =
        "student_id, metric, params, value, strftime(window_from, '%Y-%m-%d') AS window_from, strftime(window_to, '%Y-%m-%d') AS window_to, numerator, denominator, strftime(last_date, '%Y-%m-%d') AS last_date, strftime(as_of, '%Y-%m-%d') AS as_of";
      const spark = [dayBefore, asOf]
        .map(
          (d) =>
            `SELECT ${columns} FROM read_parquet(${lit(join(out, d, "metrics.parquet", "*.parquet"))})`,
        )
        .join(" UNION ALL ");
      const sql = `SELECT ${columns} FROM read_parquet(${lit(join(parquetDir, "metrics.parquet"))})`;
      const differ = await connection.runAndReadAll(
        `SELECT count(*)::INTEGER FROM ((${spark}) EXCEPT ALL (${sql})) UNION ALL SELECT count(*)::INTEGER FROM ((${sql}) EXCEPT ALL (${spark}))`,
      );
      expect(differ.getRowsJS().map((r) => Number(r[0]))).toEqual([0, 0]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }, 900_000);
});
