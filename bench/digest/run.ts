/**
 * The digest benchmark (bench/README.md): the engagement leads' weekly digest of a policy
 * with a realistic case load, over the engine benchmark's data set, against a dry run of the
 * same policy and date as the reference, side by side in one run, each repetition of each
 * side in a fresh child process.
 *
 *   node --expose-gc --import tsx bench/digest/run.ts [--students 100000] [--days 90]
 *     [--cases 5000] [--seed 1] [--reps 3] [--keep]
 *
 * Sides: `digest` (weeklyDigest importing the data itself), `digest-imported` (the same with
 * `imported` passed in: the digest's own work) and `dry-run` (import + evaluation). Prints a
 * table and the ratios to the dry run, and writes the result to
 * bench/digest/.data/result-<students>x<days>-c<cases>-s<seed>.json.
 *
 * Exit status: 0 when every side ran and gave the same answer in every repetition (and both
 * digests the same digest); 1 otherwise; 2 on bad usage. There is no target: it reports.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { RESULT_MARKER } from "../engine/child.ts";
import { formatCount, formatMiB, formatMs, intOption } from "../engine/cli.ts";
import { bundleExists, defaultOut, generateBundle, printResult } from "../engine/generate.ts";
import type { DigestChildResult, Mode } from "./child.ts";
import { printSetup, type SetupResult } from "./setup.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CHILD_TIMEOUT_MS = 10 * 60_000;
const MODES: Mode[] = ["digest", "digest-imported", "dry-run"];

const { values } = parseArgs({
  options: {
    students: { type: "string" },
    days: { type: "string" },
    cases: { type: "string" },
    seed: { type: "string" },
    reps: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const students = intOption(values, "students", 100_000);
const days = intOption(values, "days", 90);
const caseCount = intOption(values, "cases", 5000);
const seed = intOption(values, "seed", 1, 0);
const reps = intOption(values, "reps", 3);
const loads = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const loadStart = loads();

const bundleDir = resolve(ROOT, defaultOut(students, days, seed));
if (!bundleExists(bundleDir)) {
  console.log(`generating ${students} students × ${days} school days (seed ${seed})…`);
  printResult(generateBundle({ students, days, seed, out: bundleDir }));
}
const asOf = lastSchoolDay(bundleDir);
const work = mkdtempSync(join(tmpdir(), "reach-bench-digest-"));
const dataDir = join(work, "data");
const dbPath = join(work, "reach.db");

console.log(
  `\ndigest of ${asOf} over ${bundleDir}\n  (${formatCount(students)} students × ${days} school days, ` +
    `linked with demographics.csv into ${dataDir})`,
);
console.log(
  `machine: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ${formatMiB(totalmem())}, ` +
    `Node ${process.version}, load average ${loadStart}\n`,
);

const setup = await runSetup();
printSetup(setup);
console.log("");

const results: Record<Mode, DigestChildResult[]> = {
  digest: [],
  "digest-imported": [],
  "dry-run": [],
};
const digestFiles: string[] = [];
for (let rep = 0; rep < reps; rep++) {
  // Rotate who goes first so drift on a noisy machine hits every side alike.
  const order = MODES.map((_, i) => MODES[(i + rep) % MODES.length] as Mode);
  for (const mode of order) {
    const out = mode === "dry-run" ? undefined : join(work, `digest-${mode}-${rep}.json`);
    if (out) digestFiles.push(out);
    const m = await runChild(mode, out);
    results[mode].push(m);
    console.log(
      `rep ${rep + 1}/${reps} ${mode.padEnd(16)} ${formatMs(m.elapsedMs).padStart(8)}` +
        `  (peak RSS ${formatMiB(m.maxRssBytes)}, peak heap ${formatMiB(m.peakHeapBytes)})`,
    );
  }
}

const agree = checkAgreement();
const summary = printTable();
const loadEnd = loads();
console.log(`load average at the end: ${loadEnd}`);

const resultFile = join(
  ROOT,
  "bench",
  "digest",
  ".data",
  `result-${students}x${days}-c${caseCount}-s${seed}.json`,
);
mkdirSync(dirname(resultFile), { recursive: true });
writeFileSync(
  resultFile,
  `${JSON.stringify(
    {
      at: new Date().toISOString(),
      options: { students, days, cases: caseCount, seed, reps },
      asOf,
      machine: {
        cores: cpus().length,
        model: cpus()[0]?.model,
        totalMemBytes: totalmem(),
        node: process.version,
        loadStart,
        loadEnd,
      },
      setup,
      summary,
      agree,
      runs: results,
    },
    null,
    2,
  )}\n`,
);
console.log(`result written to ${resultFile}`);
if (values.keep) console.log(`data and store kept in ${work}`);
else rmSync(work, { recursive: true, force: true });
if (!agree) process.exit(1);

/** The bundle's last instructional day: the date of the digest and of the dry run. */
function lastSchoolDay(dir: string): string {
  let last = "";
  for (const line of readFileSync(join(dir, "calendar.csv"), "utf8").split("\n").slice(1)) {
    const [, date, instructional] = line.split(",");
    if (date !== undefined && instructional !== "false" && date > last) last = date;
  }
  return last;
}

function runSetup(): Promise<SetupResult> {
  const args = ["--import", "tsx", "bench/digest/setup.ts"];
  args.push("--bundle", bundleDir, "--data", dataDir, "--db", dbPath, "--as-of", asOf);
  args.push("--cases", String(caseCount), "--seed", String(seed));
  return spawnNode(args, "setup", "SETUP_RESULT ") as Promise<SetupResult>;
}

function runChild(mode: Mode, digestOut?: string): Promise<DigestChildResult> {
  const args = ["--expose-gc", "--import", "tsx", "bench/digest/child.ts", "--mode", mode];
  args.push("--data", dataDir, "--db", dbPath, "--date", asOf);
  if (digestOut) args.push("--digest-out", digestOut);
  return spawnNode(args, mode, RESULT_MARKER) as Promise<DigestChildResult>;
}

function spawnNode(args: string[], label: string, marker: string): Promise<unknown> {
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
      const lines = out.split("\n");
      const line = lines.find((l) => l.startsWith(marker));
      if (label !== "setup") {
        for (const l of lines) if (l !== "" && l !== line) console.error(`  [${label}] ${l}`);
      }
      if (code !== 0 || line === undefined) {
        console.error(`\n!!! ${label} child failed (exit ${code ?? signal}); no result`);
        process.exit(1);
      }
      resolvePromise(JSON.parse(line.slice(marker.length)));
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

/** Every side gives the same answer in every repetition, and both digests are the same. */
function checkAgreement(): boolean {
  let ok = true;
  for (const mode of MODES) {
    const answers = results[mode].map((m) => JSON.stringify(m.answer));
    if (new Set(answers).size > 1) {
      console.error(`!!! MISMATCH: ${mode} answered differently across repetitions:`);
      for (const a of answers) console.error(`  ${a}`);
      ok = false;
    }
  }
  // The digests must be identical, but for nothing (the date is fixed, the store the same).
  const digests = digestFiles.map((f) => readFileSync(f, "utf8"));
  if (new Set(digests).size > 1) {
    console.error("!!! MISMATCH: the digests differ between sides or repetitions");
    ok = false;
  }
  const d = results.digest[0]?.answer;
  const open =
    (setup.byStatus.proposed ?? 0) + (setup.byStatus.active ?? 0) + (setup.byStatus.escalated ?? 0);
  if (d && d.openNow !== open) {
    console.error(
      `!!! MISMATCH: the digest counts ${d.openNow} open cases, the store holds ${open}`,
    );
    ok = false;
  }
  if (ok && d) {
    const r = results["dry-run"][0]?.answer;
    console.log(
      `\nagreement: the digests are identical in every repetition: opened ${d.opened}, confirmed ${d.confirmed}, ` +
        `dismissed ${d.dismissed}, resolved ${d.resolved} this week, ${formatCount(d.openNow ?? 0)} open ` +
        `(as the store's summaries), first contacts ${d.firstContacts}, fairness ` +
        `${d.fairnessFields} fields, ${formatCount(d.fairnessFlagged ?? 0)} students with a case this quarter; dry run ${formatCount(r?.findings ?? 0)} findings, ` +
        `${formatCount(r?.watched ?? 0)} watched`,
    );
  }
  return ok;
}

interface Summary {
  medianMs: Record<Mode, number>;
  peakRssBytes: Record<Mode, number>;
  peakHeapBytes: Record<Mode, number>;
  ratios: Record<string, number>;
  parts: Record<string, number>;
  importMs: { digestImported: number; dryRun: number };
  dryRunEvaluateMs: number;
  digestOwnRssGrowthBytes: number;
}

function printTable(): Summary {
  const med = (mode: Mode, f: (m: DigestChildResult) => number) => median(results[mode].map(f));
  const max = (mode: Mode, f: (m: DigestChildResult) => number) =>
    Math.max(...results[mode].map(f));
  console.log(
    `\n${"side".padEnd(18)}${"median".padStart(9)}${"min".padStart(9)}${"max".padStart(9)}` +
      `${"peak RSS".padStart(10)}${"peak heap".padStart(11)}${"÷ dry run".padStart(11)}`,
  );
  const dry = med("dry-run", (m) => m.elapsedMs);
  const medianMs = {} as Record<Mode, number>;
  const peakRssBytes = {} as Record<Mode, number>;
  const peakHeapBytes = {} as Record<Mode, number>;
  for (const mode of MODES) {
    const ms = results[mode].map((m) => m.elapsedMs);
    medianMs[mode] = median(ms);
    peakRssBytes[mode] = max(mode, (m) => m.maxRssBytes);
    peakHeapBytes[mode] = max(mode, (m) => m.peakHeapBytes);
    console.log(
      `${mode.padEnd(18)}${formatMs(medianMs[mode]).padStart(9)}${formatMs(Math.min(...ms)).padStart(9)}` +
        `${formatMs(Math.max(...ms)).padStart(9)}${formatMiB(peakRssBytes[mode]).padStart(10)}` +
        `${formatMiB(peakHeapBytes[mode]).padStart(11)}${`${(medianMs[mode] / dry).toFixed(2)}×`.padStart(11)}`,
    );
  }
  const dryImport = med("dry-run", (m) => m.importMs ?? 0);
  const dryEvaluate = med("dry-run", (m) => m.evaluateMs ?? 0);
  const ownImport = med("digest-imported", (m) => m.importMs ?? 0);
  const growth = max("digest-imported", (m) => m.maxRssBytes - (m.maxRssBeforeBytes ?? 0));
  console.log(
    `dry run split (median): import ${formatMs(dryImport)}, evaluate ${formatMs(dryEvaluate)}; ` +
      `digest-imported's untimed import ${formatMs(ownImport)}`,
  );
  const ratios = {
    "digest / dry run": medianMs.digest / dry,
    "digest-imported / dry run": medianMs["digest-imported"] / dry,
    "digest-imported / dry run's evaluate": medianMs["digest-imported"] / dryEvaluate,
    "digest - digest-imported (its import) / dry run's import":
      (medianMs.digest - medianMs["digest-imported"]) / dryImport,
    "digest peak RSS / dry run peak RSS": peakRssBytes.digest / peakRssBytes["dry-run"],
  };
  console.log("\nratios (medians; compare within this run only)");
  for (const [k, v] of Object.entries(ratios)) console.log(`  ${k.padEnd(58)} ${v.toFixed(2)}×`);
  console.log(
    `  the digest's own work raised the peak RSS of an imported process by ${formatMiB(Math.max(0, growth))}`,
  );

  const partNames = Object.keys(results["digest-imported"][0]?.parts ?? {});
  const parts: Record<string, number> = {};
  console.log("\nparts of the digest, each again on its own after it (median, digest-imported)");
  for (const name of partNames) {
    parts[name] = med("digest-imported", (m) => m.parts?.[name] ?? 0);
    const share = parts[name] / medianMs["digest-imported"];
    console.log(
      `  ${name.padEnd(20)} ${formatMs(parts[name]).padStart(8)}  ${`${(share * 100).toFixed(0)}%`.padStart(4)} of the digest`,
    );
  }
  const perCase = (parts["getCase × n"] ?? 0) / Math.max(1, setup.cases);
  console.log(
    `  (case reads: ${(perCase * 1000).toFixed(0)} µs a case for ${formatCount(setup.cases)} cases, ` +
      `${formatCount(setup.events)} events; the indented lines split them)`,
  );
  const start = results.digest[0];
  if (start)
    console.log(`(a child's RSS at start, Node + modules: ~${formatMiB(start.startRssBytes)})`);
  return {
    medianMs,
    peakRssBytes,
    peakHeapBytes,
    ratios,
    parts,
    importMs: { digestImported: ownImport, dryRun: dryImport },
    dryRunEvaluateMs: dryEvaluate,
    digestOwnRssGrowthBytes: growth,
  };
}
