/**
 * The DuckDB side of the Parquet adapter: one in-memory instance per import, the files'
 * schemas, and the SQL that turns a Parquet column into the text the canonical CSV
 * bundle would hold in that cell (so that every row goes through the same checks).
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import {
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBMaterializedResult,
} from "@duckdb/node-api";
import { headerKey } from "../../rows.ts";

export interface ParquetColumn {
  /** The name in the file. */
  name: string;
  /** The name as a canonical column: trimmed, lower case, spaces and dashes as `_`. */
  key: string;
  /** DuckDB's name for the column's type (`VARCHAR`, `DATE`, `DECIMAL(9,2)`, `VARCHAR[]`…). */
  type: string;
}

export class Duck {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  static async open(threads: number | undefined): Promise<Duck> {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    const duck = new Duck(instance, connection);
    if (threads !== undefined) await connection.run(`SET threads = ${Math.max(1, threads)}`);
    // Instants with a time zone are read as UTC dates (documented in docs/adapters/parquet.md).
    try {
      await connection.run("SET TimeZone = 'UTC'");
    } catch {
      // Without the ICU extension DuckDB already works in UTC.
    }
    return duck;
  }

  async all(sql: string): Promise<DuckDBMaterializedResult> {
    return (await this.connection.run(sql)) as DuckDBMaterializedResult;
  }

  async columns(path: string): Promise<ParquetColumn[]> {
    const result = await this.connection.runAndReadAll(
      `DESCRIBE SELECT * FROM read_parquet(${literal(path)})`,
    );
    return result.getRowObjectsJS().map((r) => {
      const name = String(r.column_name);
      return { name, key: headerKey(name), type: String(r.column_type) };
    });
  }

  async rowCount(path: string): Promise<number> {
    const result = await this.connection.runAndReadAll(
      `SELECT count(*)::BIGINT FROM read_parquet(${literal(path)})`,
    );
    return Number(result.getRowsJS()[0]?.[0] ?? 0);
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

const NUMERIC = /^(FLOAT|DOUBLE|REAL|DECIMAL|NUMERIC)/;
const INTEGER =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/;

export function isInteger(type: string): boolean {
  return INTEGER.test(type);
}
export function isFractional(type: string): boolean {
  return NUMERIC.test(type);
}
export function isText(type: string): boolean {
  return type === "VARCHAR";
}
export function isDate(type: string): boolean {
  return type === "DATE";
}
export function isTimestamp(type: string): boolean {
  return type.startsWith("TIMESTAMP");
}

/**
 * The cell's text as the canonical CSV bundle would hold it; NULL is a blank cell.
 * - text as it is; DATE as `YYYY-MM-DD`; a timestamp as `YYYY-MM-DD HH:MM:SS` (UTC for
 *   one with a time zone); BOOLEAN as `true`/`false`; whole numbers as digits;
 * - a FLOAT, DOUBLE or DECIMAL that holds a whole number as digits (3.0 → `3`), any
 *   other as DuckDB writes it (so `2.5` is rejected where a whole number is expected);
 * - a list (`adviser_ids` as `VARCHAR[]`) as its items joined with `;`;
 * - anything else as DuckDB casts it to text.
 */
export function textOf(column: ParquetColumn, table = ""): string {
  const c = `${table}${ident(column.name)}`;
  const t = column.type;
  if (isText(t)) return `coalesce(${c}, '')`;
  if (isFractional(t)) {
    const d = `${c}::DOUBLE`;
    return `coalesce(CASE WHEN isfinite(${d}) AND ${d} = floor(${d}) AND abs(${d}) < 1e15 THEN ${d}::BIGINT::VARCHAR ELSE ${c}::VARCHAR END, '')`;
  }
  if (t.endsWith("[]")) return `coalesce(array_to_string(${c}, ';'), '')`;
  return `coalesce(${c}::VARCHAR, '')`;
}

const PARQUET_MAGIC = Buffer.from("PAR1");

/**
 * Why the file cannot be a Parquet file, if it cannot: Parquet files begin and end with
 * the four bytes `PAR1`. Checked before DuckDB reads it, for a message a person can act on.
 */
export function notParquet(path: string): string | undefined {
  const size = statSync(path).size;
  if (size < 12) return `is not a Parquet file (${size} bytes; a Parquet file is at least 12)`;
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 0);
    readSync(fd, tail, 0, 4, size - 4);
    if (head.equals(PARQUET_MAGIC) && tail.equals(PARQUET_MAGIC)) return undefined;
    // Printable ASCII, white space or a UTF-8 BOM: the start of a text file such as a CSV.
    const text = [...head].every(
      (c) =>
        c === 9 ||
        c === 10 ||
        c === 13 ||
        (c >= 32 && c < 127) ||
        c === 0xef ||
        c === 0xbb ||
        c === 0xbf,
    );
    return (
      "is not a Parquet file (it does not begin and end with PAR1" +
      (text ? "; it starts like a text file: a CSV should be named .csv" : "") +
      (head.equals(PARQUET_MAGIC) ? "; it may have been cut short" : "") +
      ")"
    );
  } finally {
    closeSync(fd);
  }
}
