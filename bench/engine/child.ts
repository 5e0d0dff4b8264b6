/**
 * How a measured child process reports back to bench/engine/run.ts: one line on stdout,
 * `BENCH_RESULT {json}`, written after the work so the child's own peak memory
 * (`process.resourceUsage().maxRSS`) covers all of it. Anything else the engine prints
 * is passed through by the parent.
 */
import { writeFileSync } from "node:fs";

export const RESULT_MARKER = "BENCH_RESULT ";

export interface ChildResult {
  /** `reach` reads the CSV bundle, `parquet` the same tables as Parquet (`--source parquet`). */
  engine: "duckdb" | "reach" | "parquet";
  /** Time of the measured work inside the child: reading the files through to the counts. */
  elapsedMs: number;
  /** Reach only: the split that dryRun reports. */
  importMs?: number;
  evaluateMs?: number;
  lowAttendance: number;
  noActivity7: number;
  /** DuckDB: students evaluated; Reach: findings (students with at least one fired rule). */
  students?: number;
  findings?: number;
  /** Resident set size when the child started (Node + module loading), for reference. */
  startRssBytes: number;
  /** Peak resident set size of the child over its whole life. */
  maxRssBytes: number;
}

export const startRssBytes = process.memoryUsage.rss();

export function reportResult(result: Omit<ChildResult, "maxRssBytes" | "startRssBytes">): void {
  const full: ChildResult = {
    ...result,
    startRssBytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(full)}\n`);
}

/** Writes the student ids behind each count, for diagnosing a mismatch. */
export function writeIds(
  path: string | undefined,
  ids: { lowAttendance: string[]; noActivity7: string[] },
): void {
  if (path !== undefined) writeFileSync(path, `${JSON.stringify(ids)}\n`);
}
