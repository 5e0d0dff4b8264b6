/**
 * The Parquet copy of a generated bundle, for Reach's `parquet` source: the same four
 * tables, written by DuckDB (`COPY … TO … (FORMAT parquet)`) from the CSVs with the types
 * a lake export would use (DATE dates, BOOLEAN `instructional`, INTEGER `count`).
 * It goes beside the CSV folder, `<folder>-parquet/`, so that neither import sees the
 * other's files.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { SCHEMAS } from "./duckdb.ts";

const TABLES = ["students", "calendar", "attendance", "activity"] as const;

export function parquetDir(csvDir: string): string {
  return `${resolve(csvDir)}-parquet`;
}

/** True when the copy is there and was written after the CSVs (not left from an older bundle). */
export function parquetExists(csvDir: string): boolean {
  return TABLES.every((t) => {
    const file = join(parquetDir(csvDir), `${t}.parquet`);
    return existsSync(file) && statSync(file).mtimeMs >= statSync(join(csvDir, `${t}.csv`)).mtimeMs;
  });
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** Writes `<csvDir>-parquet/`; returns its path, the time taken and the files' sizes. */
export async function writeParquetCopy(
  csvDir: string,
): Promise<{ out: string; ms: number; bytes: Record<string, number> }> {
  const started = performance.now();
  const out = parquetDir(csvDir);
  const partial = `${out}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    mkdirSync(partial, { recursive: true });
    for (const table of TABLES) {
      const columns = Object.entries(SCHEMAS[table])
        .map(([name, type]) => `${quote(name)}: ${quote(type)}`)
        .join(", ");
      const csv = quote(join(csvDir, `${table}.csv`));
      await connection.run(
        `COPY (SELECT * FROM read_csv(${csv}, header = true, auto_detect = false, columns = {${columns}}))
         TO ${quote(join(partial, `${table}.parquet`))} (FORMAT parquet)`,
      );
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  rmSync(out, { recursive: true, force: true });
  renameSync(partial, out);
  const bytes = Object.fromEntries(
    TABLES.map((t) => [t, statSync(join(out, `${t}.parquet`)).size]),
  );
  return { out, ms: performance.now() - started, bytes };
}
