/**
 * Where a Parquet bundle's tables are (`students.parquet` as one file, or as a folder of
 * part files as Spark writes it) and the reader for every table but the two large event
 * tables: each cell becomes the text the CSV bundle would hold (duck.ts `textOf`) and
 * each row goes to the same handler, with the same zod row schema, as in canonical.ts.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { DuckDBVector } from "@duckdb/node-api";
import type { FileTally, ImportReport } from "../../import-report.ts";
import type { EntityFile, Progress } from "../canonical-files.ts";
import { noteUnknownColumns } from "../canonical-files.ts";
import { type Duck, literal, notParquet, type ParquetColumn, textOf } from "./duck.ts";

/** One Parquet file of a table: where it is and how the report names it. */
export interface Part {
  path: string;
  /** `students.parquet`, or `students.parquet/part-00000.parquet` for a part of a folder. */
  label: string;
}

/** `students.csv` → `students.parquet`. */
export function parquetName(spec: EntityFile): string {
  return spec.file.replace(/\.csv$/, ".parquet");
}

/**
 * The Parquet files of a table, in name order: the file itself, or every `*.parquet`
 * file under the folder of that name. Undefined when there is no such file or folder.
 */
export function tableParts(dir: string, spec: EntityFile): Part[] | undefined {
  const name = parquetName(spec);
  const path = join(dir, name);
  if (!existsSync(path)) return undefined;
  if (!statSync(path).isDirectory()) return [{ path, label: name }];
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".parquet") && !entry.name.startsWith(".")) files.push(full);
    }
  };
  walk(path);
  return files.sort().map((file) => ({
    path: file,
    label: `${name}/${relative(path, file).replaceAll("\\", "/")}`,
  }));
}

/** Why the file's columns do not fit the table, if they do not. */
export function schemaProblem(
  spec: EntityFile,
  columns: readonly ParquetColumn[],
): string | undefined {
  const keys = columns.map((c) => c.key);
  const missing = spec.required.filter((c) => !keys.includes(c));
  if (missing.length > 0) {
    return `missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} (the file has ${keys.join(", ") || "no columns"})`;
  }
  const repeated = keys.filter((c, i) => c !== "" && keys.indexOf(c) !== i);
  if (repeated.length > 0) return `column ${repeated.join(", ")} appears more than once`;
  return undefined;
}

/** The columns of the file that the table knows, in file order. */
export function knownColumns(spec: EntityFile, columns: readonly ParquetColumn[]): ParquetColumn[] {
  const known = new Set<string>([...spec.required, ...spec.optional]);
  return columns.filter((c) => known.has(c.key));
}

/**
 * Opens one part for reading: checks that it is Parquet and that its columns fit.
 * Undefined (and the failure on the tally) when it cannot be read.
 */
export async function openPart(
  duck: Duck,
  part: Part,
  spec: EntityFile,
  tally: FileTally,
): Promise<ParquetColumn[] | undefined> {
  const bad = notParquet(part.path);
  if (bad) {
    tally.fail(`${part.label} ${bad}`);
    return undefined;
  }
  let columns: ParquetColumn[];
  try {
    columns = await duck.columns(part.path);
  } catch (error) {
    tally.fail(`${part.label} could not be read: ${messageOf(error)}`);
    return undefined;
  }
  const problem = schemaProblem(spec, columns);
  if (problem) {
    tally.fail(`${part.label}: ${problem}`);
    return undefined;
  }
  noteUnknownColumns(
    spec,
    columns.map((c) => c.key),
    tally,
  );
  return columns;
}

export type RowHandler = (
  header: string[],
  fields: string[],
  line: number,
  tally: FileTally,
) => void;

/**
 * Reads every part of a table, each row as the canonical bundle's text cells, to
 * `onRow` with its row number in the part (the first row is 1). Returns the tallies.
 */
export async function readTable(
  duck: Duck,
  parts: readonly Part[],
  spec: EntityFile,
  report: ImportReport,
  onRow: RowHandler,
  onProgress: Progress,
): Promise<FileTally[]> {
  const tallies: FileTally[] = [];
  for (const part of parts) {
    const tally = report.file(part.label, spec.entity);
    tallies.push(tally);
    const columns = await openPart(duck, part, spec, tally);
    if (!columns) continue;
    const known = knownColumns(spec, columns);
    const header = known.map((c) => c.key);
    await readTextRows(duck, part, known, "", tally, (fields, line) =>
      onRow(header, fields, line, tally),
    );
    const size = statSync(part.path).size;
    onProgress?.({ file: part.label, bytesRead: size, totalBytes: size });
  }
  return tallies;
}

/**
 * Reads the text cells of `columns` for the rows of a part (all of them, or those the
 * `where` clause keeps, on `file_row_number`), in file order, to `onRow` with row numbers
 * from 1. A DuckDB error fails the part on its tally.
 */
export async function readTextRows(
  duck: Duck,
  part: Part,
  columns: readonly ParquetColumn[],
  where: string,
  tally: FileTally,
  onRow: (fields: string[], line: number) => void,
): Promise<void> {
  const cells = columns.map((c) => textOf(c)).join(", ");
  let result: Awaited<ReturnType<Duck["all"]>>;
  try {
    result = await duck.all(
      `SELECT file_row_number::BIGINT::DOUBLE AS r${cells ? `, ${cells}` : ""}
       FROM read_parquet(${literal(part.path)}, file_row_number = true) ${where}
       ORDER BY file_row_number`,
    );
  } catch (error) {
    tally.fail(`${part.label} could not be read: ${messageOf(error)}`);
    return;
  }
  for (let k = 0; k < result.chunkCount; k++) {
    const chunk = result.getChunk(k);
    const vectors: DuckDBVector[] = [];
    for (let j = 0; j < chunk.columnCount; j++) vectors.push(chunk.getColumnVector(j));
    const rowNumber = vectors[0] as DuckDBVector;
    for (let i = 0; i < chunk.rowCount; i++) {
      const fields: string[] = [];
      for (let j = 1; j < vectors.length; j++) fields.push(vectors[j]?.getItem(i) as string);
      onRow(fields, (rowNumber.getItem(i) as number) + 1);
    }
  }
}

export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? text;
}
