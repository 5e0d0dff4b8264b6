/**
 * The engine benchmark (Reach's engine speed target, bench/README.md): Reach's import and
 * evaluation of bench/engine/policy.yaml against DuckDB computing the same metrics from
 * the same CSV files, side by side in one run, each repetition in fresh child processes.
 * Reach's `parquet` source over the same tables as Parquet (`<data>-parquet/`) runs
 * beside them, reported against both.
 *
 *   npm run bench:engine -- [--students 100000] [--days 90] [--seed 1] [--reps 3]
 *                           [--data DIR] [--only duckdb,reach,parquet] [--fail-on-bar]
 *
 * Exit status: 0 when both sides ran and agree (the bar verdict is printed; with
 * --fail-on-bar a missed bar exits 3), 1 on a mismatch or a failed child, 2 on bad usage.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type ChildResult, RESULT_MARKER } from "./child.ts";
import { formatCount, formatMiB, formatMs, intOption } from "./cli.ts";
import { lastSchoolDay } from "./duckdb.ts";
import {
  type BundleRows,
  bundleExists,
  defaultOut,
  generateBundle,
  manifestPath,
  printParquet,
  printResult,
} from "./generate.ts";
import { parquetDir, parquetExists, writeParquetCopy } from "./parquet.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const POLICY = "bench/engine/policy.yaml";
/** Reach's time over DuckDB's (medians), at most. */
const BAR_RATIO = 1.0;
/** Reach's peak RSS over DuckDB's (highest of each), under. */
const BAR_RSS_RATIO = 0.6;
const CHILD_TIMEOUT_MS = 20 * 60_000;

type Engine = ChildResult["engine"];

interface Measured extends ChildResult {
  /** Spawn to exit as the parent sees it: includes Node start-up and module loading. */
  processMs: number;
}

const { values } = parseArgs({
  options: {
    students: { type: "string" },
    days: { type: "string" },
    seed: { type: "string" },
    reps: { type: "string" },
    data: { type: "string" },
    only: { type: "string" },
    "fail-on-bar": { type: "boolean", default: false },
  },
});
const students = intOption(values, "students", 100_000);
const days = intOption(values, "days", 90);
const seed = intOption(values, "seed", 1, 0);
const reps = intOption(values, "reps", 3);
const ENGINES: Engine[] = ["duckdb", "reach", "parquet"];
const only = values.only?.split(",").map((e) => e.trim());
if (only !== undefined && !only.every((e) => (ENGINES as string[]).includes(e))) {
  console.error(
    `--only takes duckdb, reach, parquet or a comma list of them, got "${values.only}"`,
  );
  process.exit(2);
}
const dataDir = resolve(ROOT, values.data ?? defaultOut(students, days, seed));

const reachAvailable = existsSync(join(ROOT, "src", "run", "dry-run.ts"));
const engines: Engine[] = ENGINES.filter(
  (e) => (only === undefined || only.includes(e)) && (e === "duckdb" || reachAvailable),
);
if (!reachAvailable) {
  console.error("! src/run/dry-run.ts does not exist yet: measuring DuckDB only.");
}

if (!bundleExists(dataDir)) {
  if (values.data !== undefined) {
    console.error(`no canonical bundle in ${dataDir}`);
    process.exit(2);
  }
  console.log(`generating ${students} students × ${days} school days (seed ${seed})…`);
  printResult(generateBundle({ students, days, seed, out: dataDir }));
  globalThis.gc?.();
}
if (engines.includes("parquet") && !parquetExists(dataDir)) {
  console.log("writing the Parquet copy of the bundle…");
  printParquet(await writeParquetCopy(dataDir));
}
const asOf = readManifest()?.asOf ?? lastSchoolDay(dataDir);
const rows = readManifest()?.rows ?? countRows();
const totalRows = rows.students + rows.calendar + rows.attendance + rows.activity;

console.log(
  `\ndata ${dataDir}\n  ${formatCount(rows.students)} students, ${formatCount(rows.attendance)} attendance + ` +
    `${formatCount(rows.activity)} activity rows (${formatCount(totalRows)} rows in all), as of ${asOf}`,
);
console.log(
  `machine: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ${formatMiB(totalmem())}, ` +
    `Node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}\n`,
);

const results: Record<Engine, Measured[]> = { duckdb: [], reach: [], parquet: [] };
for (let rep = 0; rep < reps; rep++) {
  // Alternate who goes first so drift on a noisy machine hits both sides alike.
  const order = rep % 2 === 0 ? engines : [...engines].reverse();
  for (const engine of order) {
    const m = await runChild(engine);
    results[engine].push(m);
    console.log(
      `rep ${rep + 1}/${reps} ${engine.padEnd(6)} ${formatMs(m.elapsedMs).padStart(8)}` +
        `  (process ${formatMs(m.processMs)}, peak ${formatMiB(m.maxRssBytes)})` +
        `  low-attendance ${formatCount(m.lowAttendance)}, no-activity-7 ${formatCount(m.noActivity7)}`,
    );
  }
}

printTable();
const agree = checkAgreement();
if (!agree && engines.includes("duckdb") && engines.length > 1) await diagnose();
// Speed without the same answer means nothing: no verdict on a mismatch.
const barMet = agree ? printBar() : undefined;
console.log(
  `load average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
if (!agree) process.exit(1);
if (!reachAvailable) process.exit(1);
if (values["fail-on-bar"] && barMet === false) process.exit(3);

function readManifest(): { asOf?: string; rows?: BundleRows } | undefined {
  try {
    return JSON.parse(readFileSync(manifestPath(dataDir), "utf8"));
  } catch {
    return undefined;
  }
}

function countRows(): BundleRows {
  const lines = (file: string) => {
    const buffer = readFileSync(join(dataDir, file));
    let n = 0;
    for (let i = buffer.indexOf(10); i >= 0; i = buffer.indexOf(10, i + 1)) n++;
    return Math.max(0, n - 1);
  };
  return {
    students: lines("students.csv"),
    calendar: lines("calendar.csv"),
    attendance: lines("attendance.csv"),
    activity: lines("activity.csv"),
  };
}

function runChild(engine: Engine, idsOut?: string): Promise<Measured> {
  const script =
    engine === "duckdb" ? "bench/engine/duckdb-child.ts" : "bench/engine/reach-child.ts";
  const data = engine === "parquet" ? parquetDir(dataDir) : dataDir;
  const args = ["--import", "tsx", script, "--data", data, "--as-of", asOf];
  if (engine !== "duckdb") args.push("--policy", POLICY);
  if (engine === "parquet") args.push("--source", "parquet");
  if (idsOut !== undefined) args.push("--ids-out", idsOut);
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
      timeout: CHILD_TIMEOUT_MS,
    });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const processMs = performance.now() - started;
      const lines = out.split("\n");
      for (const line of lines) {
        if (line !== "" && !line.startsWith(RESULT_MARKER)) console.error(`  [${engine}] ${line}`);
      }
      const line = lines.find((l) => l.startsWith(RESULT_MARKER));
      if (code !== 0 || line === undefined) {
        console.error(`\n!!! ${engine} child failed (exit ${code ?? signal}); no result`);
        process.exit(1);
      }
      resolvePromise({ ...JSON.parse(line.slice(RESULT_MARKER.length)), processMs });
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function printTable(): void {
  console.log(
    `\n${"engine".padEnd(8)}${"median".padStart(10)}${"min".padStart(10)}${"max".padStart(10)}` +
      `${"process".padStart(10)}${"peak RSS".padStart(11)}${"rows/s".padStart(13)}`,
  );
  for (const engine of engines) {
    const ms = results[engine].map((m) => m.elapsedMs);
    const med = median(ms);
    console.log(
      `${engine.padEnd(8)}${formatMs(med).padStart(10)}${formatMs(Math.min(...ms)).padStart(10)}` +
        `${formatMs(Math.max(...ms)).padStart(10)}` +
        `${formatMs(median(results[engine].map((m) => m.processMs))).padStart(10)}` +
        `${formatMiB(Math.max(...results[engine].map((m) => m.maxRssBytes))).padStart(11)}` +
        `${formatCount(Math.round(totalRows / (med / 1000))).padStart(13)}`,
    );
  }
  for (const engine of ["reach", "parquet"] as const) {
    const runs = results[engine];
    if (runs.length > 0 && runs[0]?.importMs !== undefined) {
      console.log(
        `${engine} split (median): import ${formatMs(median(runs.map((m) => m.importMs ?? 0)))}, ` +
          `evaluate ${formatMs(median(runs.map((m) => m.evaluateMs ?? 0)))}`,
      );
    }
  }
  const start = results.duckdb[0] ?? results.reach[0] ?? results.parquet[0];
  if (start)
    console.log(`(a child's RSS at start, Node + modules: ~${formatMiB(start.startRssBytes)})`);
}

function checkAgreement(): boolean {
  const all = [...results.duckdb, ...results.reach, ...results.parquet];
  const first = all[0];
  if (!first) return true;
  const same = all.every(
    (m) => m.lowAttendance === first.lowAttendance && m.noActivity7 === first.noActivity7,
  );
  if (same) {
    const names = { duckdb: "DuckDB", reach: "Reach (CSV)", parquet: "Reach (Parquet)" };
    const sides =
      engines.length > 1
        ? `${engines.map((e) => names[e]).join(", ")} agree`
        : `${engines[0]} is stable across reps`;
    console.log(
      `\nagreement: ${sides}: low-attendance ${formatCount(first.lowAttendance)}, ` +
        `no-activity-7 ${formatCount(first.noActivity7)}`,
    );
    return true;
  }
  console.error("\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
  console.error("!!! MISMATCH: the engines disagree on the same data and date        !!!");
  console.error("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
  for (const m of all) {
    console.error(
      `  ${m.engine.padEnd(6)} low-attendance ${formatCount(m.lowAttendance).padStart(9)}` +
        `   no-activity-7 ${formatCount(m.noActivity7).padStart(9)}`,
    );
  }
  return false;
}

/** Runs each side once more, untimed, writing its student ids; prints who differs from DuckDB. */
async function diagnose(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "reach-bench-"));
  try {
    type Ids = Record<"lowAttendance" | "noActivity7", string[]>;
    const read = (f: string): Ids => JSON.parse(readFileSync(f, "utf8"));
    await runChild("duckdb", join(dir, "duckdb.json"));
    const duck = read(join(dir, "duckdb.json"));
    for (const engine of engines.filter((e) => e !== "duckdb")) {
      await runChild(engine, join(dir, `${engine}.json`));
      const reach = read(join(dir, `${engine}.json`));
      for (const [rule, key] of [
        ["low-attendance", "lowAttendance"],
        ["no-activity-7", "noActivity7"],
      ] as const) {
        const r = new Set(reach[key]);
        const d = new Set(duck[key]);
        const onlyDuck = duck[key].filter((id) => !r.has(id));
        const onlyReach = reach[key].filter((id) => !d.has(id));
        console.error(
          `  ${engine} ${rule}: ${onlyDuck.length} only in DuckDB (${onlyDuck.slice(0, 8).join(" ")}), ` +
            `${onlyReach.length} only in ${engine} (${onlyReach.slice(0, 8).join(" ")})`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Time and peak RSS of `a` over `b` (median time, highest peak), printed on one line. */
function printRatio(label: string, a: Engine, b: Engine): void {
  if (results[a].length === 0 || results[b].length === 0) return;
  const time =
    median(results[a].map((m) => m.elapsedMs)) / median(results[b].map((m) => m.elapsedMs));
  const peak = (e: Engine) => Math.max(...results[e].map((m) => m.maxRssBytes));
  console.log(
    `${label.padEnd(34)} time ${time.toFixed(2)}×   peak RSS ${(peak(a) / peak(b)).toFixed(2)}× ` +
      `(${formatMiB(peak(a))} vs ${formatMiB(peak(b))})`,
  );
}

/** Prints the verdict on Reach's engine speed target; undefined when DuckDB or Reach (CSV) did not run. */
function printBar(): boolean | undefined {
  console.log("");
  printRatio("Reach (CSV) / DuckDB:", "reach", "duckdb");
  printRatio("Reach (Parquet) / DuckDB:", "parquet", "duckdb");
  printRatio("Reach (Parquet) / Reach (CSV):", "parquet", "reach");
  if (results.duckdb.length === 0 || results.reach.length === 0) return undefined;
  const ratio =
    median(results.reach.map((m) => m.elapsedMs)) / median(results.duckdb.map((m) => m.elapsedMs));
  const peak = Math.max(...results.reach.map((m) => m.maxRssBytes));
  const duckPeak = Math.max(...results.duckdb.map((m) => m.maxRssBytes));
  const fast = ratio <= BAR_RATIO;
  const small = peak < BAR_RSS_RATIO * duckPeak;
  console.log(
    `\nReach / DuckDB (median time): ${ratio.toFixed(2)}×   bar ≤ ${BAR_RATIO.toFixed(1)}×   ${fast ? "MET" : "NOT MET"}`,
  );
  console.log(
    `Reach / DuckDB (peak RSS): ${(peak / duckPeak).toFixed(2)}× (${formatMiB(peak)} vs ${formatMiB(duckPeak)})   bar < ${BAR_RSS_RATIO}×   ${small ? "MET" : "NOT MET"}`,
  );
  console.log(`Reach's engine speed target: ${fast && small ? "MET" : "NOT MET"}`);
  return fast && small;
}
