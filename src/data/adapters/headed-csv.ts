/**
 * How the OULAD and OEA adapters stream a CSV file into its tally in the import report:
 * progress goes to the caller's `onProgress` under the file's name, and an unreadable record
 * is a `malformed_csv` rejection rather than the end of the import. `readHeadedCsv` adds the
 * header row: columns are found by name, in any order.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { csvLine, type ReadCsvOptions, readCsvFile } from "../csv.ts";
import type { FileTally, ImportReport } from "../import-report.ts";
import { headerKey } from "../rows.ts";
import type { ImportOptions } from "./adapter.ts";

/** The data folder of one import and where its files are reported. */
export interface CsvSource {
  readonly dir: string;
  readonly options: ImportOptions;
  readonly report: ImportReport;
}

/** The index of each column a reader uses (-1 for an optional column that is absent). */
export type ColumnIndex<K extends string> = Record<K, number>;

export type CsvRow<C extends string> = (
  fields: string[],
  line: number,
  cols: ColumnIndex<C>,
  tally: FileTally,
) => void;

export interface HeaderColumns<K extends string, O extends string> {
  required: readonly K[];
  optional?: readonly O[];
  /** Optional columns of which the header must have at least one. */
  oneOf?: readonly O[];
  /** An absent file is not an error: nothing is reported and the result is undefined. */
  fileOptional?: boolean;
}

/** `readCsvFile` options that report `file`'s progress and malformed records. */
export function tallyOptions(source: CsvSource, file: string, tally: FileTally): ReadCsvOptions {
  return {
    onProgress: (bytesRead, totalBytes) =>
      source.options.onProgress?.({ file, bytesRead, totalBytes }),
    onError: (message, line) => tally.reject(line, "malformed_csv", message),
  };
}

/**
 * Streams `file` (relative to the data folder), resolving the header by `headerKey` and
 * calling `row` for every record as wide as the header. A missing required file or a header
 * without a required column fails the file in the report, and nothing of it is read.
 */
export async function readHeadedCsv<K extends string, O extends string = never>(
  source: CsvSource,
  file: string,
  entity: string,
  columns: HeaderColumns<K, O>,
  row: CsvRow<K | O>,
): Promise<FileTally | undefined> {
  const path = join(source.dir, file);
  if (!existsSync(path)) {
    if (columns.fileOptional) return undefined;
    const tally = source.report.file(file, entity);
    tally.fail(`${file} not found in ${source.dir}`);
    return tally;
  }
  const tally = source.report.file(file, entity);
  let cols: ColumnIndex<K | O> | undefined;
  let width = 0;
  let failed = false;
  await readCsvFile(
    path,
    (fields, line) => {
      if (failed) return;
      if (cols === undefined) {
        cols = resolveHeader(fields, columns, line, tally);
        if (cols === undefined) failed = true;
        width = fields.length;
        return;
      }
      if (fields.length !== width) {
        tally.reject(
          line,
          "wrong_column_count",
          `expected ${width} columns (as the header), found ${fields.length}`,
          undefined,
          csvLine(fields),
        );
        return;
      }
      row(fields, line, cols, tally);
    },
    tallyOptions(source, file, tally),
  );
  if (cols === undefined && !failed) tally.fail(`${file} is empty (no header row)`);
  return tally;
}

/** The header's column indexes, or undefined (and the file failed) when one is missing. */
function resolveHeader<K extends string, O extends string>(
  header: string[],
  columns: HeaderColumns<K, O>,
  line: number,
  tally: FileTally,
): ColumnIndex<K | O> | undefined {
  const keys = header.map(headerKey);
  const missing: string[] = columns.required.filter((k) => !keys.includes(k));
  if (columns.oneOf && !columns.oneOf.some((k) => keys.includes(k))) {
    missing.push(`one of ${columns.oneOf.join(" or ")}`);
  }
  if (missing.length > 0) {
    tally.fail(
      `line ${line}: the header lacks column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`,
    );
    return undefined;
  }
  const resolved: Record<string, number> = {};
  for (const k of [...columns.required, ...(columns.optional ?? [])]) {
    resolved[k] = keys.indexOf(k);
  }
  return resolved as ColumnIndex<K | O>;
}
