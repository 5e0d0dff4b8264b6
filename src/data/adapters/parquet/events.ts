/**
 * The two large tables of a Parquet bundle, attendance and activity, read as columns.
 *
 * DuckDB reads each file and hands back, in batches of 2,048 rows, only numbers: the
 * row's number in the file, the student's index (a join on the roster, which is loaded
 * into DuckDB once), the day, and codes for status, section, source and kind. The codes
 * come from the column's distinct values, each classified once in JavaScript exactly as
 * the CSV path classifies a cell (fast-rows.ts): so a plain row is taken here without a
 * single JavaScript string, and every other row — an unknown student, a blank or
 * malformed date, a status not in the list, a count that is not a whole number — is
 * marked and then read again as text and checked by the CSV path's own row checks
 * (event-rows.ts), which accept it or reject it with its row number, field and reason.
 *
 * The numbers are placed by row number, so the rows are in file order whatever order
 * DuckDB's threads return them in, then grouped by student and handed to the builder as
 * one part (DatasetBuilder.addAttendancePart / addActivityPart), like a worker's part
 * of a CSV file.
 */
import { statSync } from "node:fs";
import type { DuckDBResult, DuckDBVector } from "@duckdb/node-api";
import type { DatasetBuilder } from "../../dataset.ts";
import { idProblem } from "../../ids.ts";
import type { FileTally, ImportReport } from "../../import-report.ts";
import { STATUS_CODE } from "../../statuses.ts";
import type { EntityFile, Progress } from "../canonical-files.ts";
import { type EventKind, type EventSink, eventHandlers } from "../event-rows.ts";
import { studentKeys } from "../fast-bytes.ts";
import { columnIndex } from "../fast-rows.ts";
import {
  type Duck,
  ident,
  isDate,
  isFractional,
  isInteger,
  isText,
  isTimestamp,
  literal,
  type ParquetColumn,
  textOf,
} from "./duck.ts";
import { knownColumns, openPart, type Part, readTextRows } from "./tables.ts";

/** A day that cannot be one: the row takes the text path. */
const NO_DAY = -2147483648;
/** NO_DAY in SQL, typed (the bare literal would be a BIGINT). */
const NO_DAY_SQL = `(${NO_DAY})::INTEGER`;
/** A code or number that the text path must decide. */
const TEXT_PATH = -2;
/** A blank section: a whole-day record. */
const NO_SECTION = -1;
/** Distinct values up to this many are mapped with a CASE; more, with a join. */
const CASE_LIMIT = 256;

const statusCodes = new Map<string, number>(Object.entries(STATUS_CODE));

/** Loads the roster into DuckDB (`reach_roster`: id, index) for the student join. */
export async function loadRoster(duck: Duck, ids: readonly string[]): Promise<void> {
  await duck.connection.run("CREATE OR REPLACE TEMP TABLE reach_roster (id VARCHAR, idx INTEGER)");
  const appender = await duck.connection.createAppender("reach_roster");
  ids.forEach((id, i) => {
    appender.appendVarchar(id);
    appender.appendInteger(i);
    appender.endRow();
  });
  appender.closeSync();
}

/** Reads one event table (all its parts) into the builder. */
export async function readEventTable(
  kind: EventKind,
  duck: Duck,
  parts: readonly Part[],
  spec: EntityFile,
  report: ImportReport,
  b: DatasetBuilder,
  onProgress: Progress,
): Promise<FileTally[]> {
  const students = b.studentIdList().length;
  const tallies: FileTally[] = [];
  for (const part of parts) {
    const tally = report.file(part.label, spec.entity);
    tallies.push(tally);
    const columns = await openPart(duck, part, spec, tally);
    if (!columns) continue;
    const known = knownColumns(spec, columns);
    noteTypes(kind, known, tally);
    const origin = kind === "attendance" ? b.attendanceOrigin(tally) : 255;
    const reader = new PartReader(kind, duck, part, known, b, students, origin);
    let textRows: number[];
    try {
      textRows = await reader.read();
    } catch (error) {
      tally.fail(`${part.label} could not be read: ${(error as Error).message.split("\n")[0]}`);
      continue;
    }
    tally.acceptMany(reader.accepted);
    if (textRows.length > 0) await readByText(kind, duck, part, known, textRows, tally, b, origin);
    const size = statSync(part.path).size;
    onProgress?.({ file: part.label, bytesRead: size, totalBytes: size });
  }
  return tallies;
}

/** Notes a date column whose type cannot hold what the table needs (its rows are then rejected). */
function noteTypes(kind: EventKind, columns: readonly ParquetColumn[], tally: FileTally): void {
  const date = columns.find((c) => c.key === "date");
  if (!date || isDate(date.type) || isText(date.type)) return;
  if (kind === "activity" && isTimestamp(date.type)) return;
  tally.note(
    `column date is ${date.type}: Reach reads dates from DATE or text (YYYY-MM-DD)` +
      (kind === "activity" ? " or a timestamp (its date part)" : ""),
  );
}

/** A column's distinct text values, classified once each. */
interface Mapping {
  /** SQL giving each row its code: an index into `values`, or NO_SECTION / TEXT_PATH. */
  expr: string;
  /** A join the expression needs (for columns with many distinct values). */
  join: string;
  /** The value each index stands for, to be interned when a row that uses it is kept. */
  values: string[];
}

class PartReader {
  accepted = 0;
  private readonly byKey: Map<string, ParquetColumn>;

  constructor(
    private readonly kind: EventKind,
    private readonly duck: Duck,
    private readonly part: Part,
    known: readonly ParquetColumn[],
    private readonly b: DatasetBuilder,
    private readonly students: number,
    private readonly origin: number,
  ) {
    this.byKey = new Map(known.map((c) => [c.key, c]));
  }

  private column(key: string): ParquetColumn {
    return this.byKey.get(key) as ParquetColumn;
  }

  /** Reads the plain rows into the builder; returns the (0-based) rows for the text path. */
  async read(): Promise<number[]> {
    const n = await this.duck.rowCount(this.part.path);
    const from = `read_parquet(${literal(this.part.path)}, file_row_number = true) t
      LEFT JOIN reach_roster ro ON ro.id = ${textOf(this.column("student_id"), "t.")}`;
    const day = dayExpr(this.kind, this.column("date"));
    return this.kind === "attendance" ? this.attendance(n, from, day) : this.activity(n, from, day);
  }

  private async attendance(n: number, from: string, day: string): Promise<number[]> {
    const status = await this.mapping("status", (v) => {
      const t = v.trim().toLowerCase();
      return statusCodes.has(t) ? t : TEXT_PATH;
    });
    const section = await this.mapping("section_id", (v) => {
      const t = v.trim();
      if (t === "") return NO_SECTION;
      return idProblem(t, "section_id") === undefined ? t : TEXT_PATH;
    });
    const minutesColumn = this.byKey.get("minutes");
    const minutes = wholeExpr(minutesColumn, -1, 9, "INTEGER");
    const sql = `SELECT file_row_number::INTEGER, coalesce(ro.idx, -1), ${day}, ${status.expr},
      ${section.expr}, ${minutes} FROM ${from} ${status.join} ${section.join}`;

    const cStudent = new Int32Array(n);
    const cDay = new Int32Array(n);
    const cStatus = new Uint16Array(n);
    const cSection = this.byKey.has("section_id") ? new Int32Array(n) : undefined;
    const cMinutes = minutesColumn ? new Int32Array(n) : undefined;
    const bad = new Uint8Array(n);
    await this.scan(sql, (v, rows) => {
      const [vr, vs, vd, vst, vse, vm] = v as [
        DuckDBVector<number>,
        DuckDBVector<number>,
        DuckDBVector<number>,
        DuckDBVector<number>,
        DuckDBVector<number>,
        DuckDBVector<number>,
      ];
      for (let i = 0; i < rows; i++) {
        const r = vr.getItem(i) as number;
        const s = vs.getItem(i) as number;
        const d = vd.getItem(i) as number;
        const st = vst.getItem(i) as number;
        const se = vse.getItem(i) as number;
        const mi = vm.getItem(i) as number;
        if (s < 0 || d === NO_DAY || st < 0 || se === TEXT_PATH || mi === TEXT_PATH) {
          bad[r] = 1;
          continue;
        }
        cStudent[r] = s;
        cDay[r] = d;
        cStatus[r] = st;
        if (cSection) cSection[r] = se;
        if (cMinutes) cMinutes[r] = mi;
      }
    });

    // Group the plain rows by student, in file order within a student (a counting sort
    // straight from the row-numbered columns), mapping codes to status codes and sections.
    const statusOf = Int32Array.from(status.values, (name) => statusCodes.get(name) as number);
    const sections = new Compact(section.values);
    const { start, next, kept, textRows } = offsets(this.students, cStudent, bad);
    const g = {
      start,
      day: new Int32Array(kept),
      status: new Uint8Array(kept),
      line: new Int32Array(kept),
      origin: new Uint8Array(kept),
      minutes: cMinutes && hasAny(cMinutes, bad, -1) ? new Int32Array(kept) : undefined,
      section: cSection && hasAny(cSection, bad, -1) ? new Int32Array(kept) : undefined,
    };
    for (let r = 0; r < n; r++) {
      if (bad[r]) continue;
      const k = next[cStudent[r]]++;
      g.day[k] = cDay[r];
      g.status[k] = statusOf[cStatus[r]];
      g.line[k] = r + 1;
      if (g.minutes) g.minutes[k] = (cMinutes as Int32Array)[r];
      if (g.section) {
        const se = (cSection as Int32Array)[r];
        g.section[k] = se < 0 ? -1 : sections.index(se);
      }
    }
    if (kept > 0) this.b.addAttendancePart(g, sections.list, 0, this.origin);
    this.accepted = kept;
    return textRows;
  }

  private async activity(n: number, from: string, day: string): Promise<number[]> {
    const source = await this.mapping("source", (v) => {
      const t = v.trim();
      return t === "" ? TEXT_PATH : t.toLowerCase();
    });
    const kindMap = await this.mapping("kind", (v) => {
      const t = v.trim();
      return t === "" ? "activity" : t;
    });
    const count = wholeExpr(this.byKey.get("count"), 1, 15, "DOUBLE");
    const sql = `SELECT file_row_number::INTEGER, coalesce(ro.idx, -1), ${day}, ${source.expr},
      ${kindMap.expr}, ${count} FROM ${from} ${source.join} ${kindMap.join}`;

    const cStudent = new Int32Array(n);
    const cDay = new Int32Array(n);
    const cSource = new Int32Array(n);
    const cKind = new Int32Array(n);
    const cCount = new Float64Array(n);
    const bad = new Uint8Array(n);
    await this.scan(sql, (v, rows) => {
      const [vr, vs, vd, vso, vk, vc] = v as [
        DuckDBVector<number>,
        DuckDBVector<number>,
        DuckDBVector<number>,
        DuckDBVector<number>,
        DuckDBVector<number>,
        DuckDBVector<number>,
      ];
      for (let i = 0; i < rows; i++) {
        const r = vr.getItem(i) as number;
        const s = vs.getItem(i) as number;
        const d = vd.getItem(i) as number;
        const so = vso.getItem(i) as number;
        const c = vc.getItem(i) as number;
        if (s < 0 || d === NO_DAY || so < 0 || c === TEXT_PATH) {
          bad[r] = 1;
          continue;
        }
        cStudent[r] = s;
        cDay[r] = d;
        cSource[r] = so;
        cKind[r] = vk.getItem(i) as number;
        cCount[r] = c;
      }
    });

    const sources = new Compact(source.values);
    const kinds = new Compact(kindMap.values);
    const { start, next, kept, textRows } = offsets(this.students, cStudent, bad);
    const g = {
      start,
      day: new Int32Array(kept),
      source: new Uint16Array(kept),
      kind: new Uint16Array(kept),
      count: new Float64Array(kept),
    };
    for (let r = 0; r < n; r++) {
      if (bad[r]) continue;
      const k = next[cStudent[r]]++;
      g.day[k] = cDay[r];
      g.source[k] = sources.index(cSource[r]);
      g.kind[k] = kinds.index(cKind[r]);
      g.count[k] = cCount[r];
    }
    if (kept > 0) this.b.addActivityPart(g, sources.list, kinds.list);
    this.accepted = kept;
    return textRows;
  }

  /**
   * Classifies the distinct text values of a column (absent: as a blank cell). `classify`
   * gives the value a kept row gets, or NO_SECTION / TEXT_PATH.
   */
  private async mapping(
    key: string,
    classify: (text: string) => string | number,
  ): Promise<Mapping> {
    const column = this.byKey.get(key);
    const values: string[] = [];
    const codeOf = (text: string): number => {
      const c = classify(text);
      if (typeof c === "number") return c;
      values.push(c);
      return values.length - 1;
    };
    if (!column) return { expr: String(codeOf("")), join: "", values };
    const distinct = await this.duck.all(
      `SELECT DISTINCT ${textOf(column)} FROM read_parquet(${literal(this.part.path)})`,
    );
    const texts: string[] = [];
    for (let k = 0; k < distinct.chunkCount; k++) {
      const chunk = distinct.getChunk(k);
      const vector = chunk.getColumnVector(0);
      for (let i = 0; i < chunk.rowCount; i++) texts.push(vector.getItem(i) as string);
    }
    const codes = texts.map(codeOf);
    const text = textOf(column, "t.");
    if (texts.length === 0) return { expr: String(TEXT_PATH), join: "", values };
    if (texts.length <= CASE_LIMIT && !texts.some((t) => t.includes("\0"))) {
      const cases = texts.map((t, i) => `WHEN ${literal(t)} THEN ${codes[i]}`).join(" ");
      return { expr: `CASE ${text} ${cases} ELSE ${TEXT_PATH} END`, join: "", values };
    }
    const table = `reach_map_${key}`;
    await this.duck.connection.run(
      `CREATE OR REPLACE TEMP TABLE ${table} (v VARCHAR, code INTEGER)`,
    );
    const appender = await this.duck.connection.createAppender(table);
    texts.forEach((t, i) => {
      appender.appendVarchar(t);
      appender.appendInteger(codes[i] as number);
      appender.endRow();
    });
    appender.closeSync();
    return {
      expr: `coalesce(m_${key}.code, ${TEXT_PATH})`,
      join: `LEFT JOIN ${table} m_${key} ON m_${key}.v = ${text}`,
      values,
    };
  }

  /** Runs the query and hands each batch's vectors to `onChunk`, batch by batch. */
  private async scan(
    sql: string,
    onChunk: (vectors: DuckDBVector[], rows: number) => void,
  ): Promise<void> {
    const result: DuckDBResult = await this.duck.connection.stream(sql);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const vectors: DuckDBVector[] = [];
      for (let j = 0; j < chunk.columnCount; j++) vectors.push(chunk.getColumnVector(j));
      onChunk(vectors, chunk.rowCount);
    }
  }
}

/** Mapping codes → the part's own numbering of the values kept rows use, in first use. */
class Compact {
  readonly list: string[] = [];
  private readonly to: Int32Array;
  constructor(private readonly values: readonly string[]) {
    this.to = new Int32Array(values.length).fill(-1);
  }
  index(code: number): number {
    let i = this.to[code];
    if (i < 0) {
      i = this.list.length;
      this.list.push(this.values[code] as string);
      this.to[code] = i;
    }
    return i;
  }
}

/** True when a kept row has a value other than `unset` in the column. */
function hasAny(column: Int32Array, bad: Uint8Array, unset: number): boolean {
  for (let r = 0; r < column.length; r++) if (!bad[r] && column[r] !== unset) return true;
  return false;
}

/**
 * Where each student's kept rows start (`start`, length students + 1), a copy to fill
 * from (`next`), how many rows are kept, and the rows left to the text path.
 */
function offsets(students: number, student: Int32Array, bad: Uint8Array) {
  const start = new Int32Array(students + 1);
  const textRows: number[] = [];
  for (let r = 0; r < student.length; r++) {
    if (bad[r]) textRows.push(r);
    else start[student[r] + 1]++;
  }
  for (let s = 0; s < students; s++) start[s + 1] += start[s];
  return { start, next: start.slice(0, students), kept: start[students], textRows };
}

/**
 * The day (days since 1970-01-01) a row's date gives on the fast path, or NO_DAY when the
 * text path must decide: DATE as it is; text only as `YYYY-MM-DD` (activity: also with a
 * time after `T` or a space, as parseIsoDay reads it); for activity, a timestamp's date.
 */
function dayExpr(kind: EventKind, column: ParquetColumn): string {
  const c = `t.${ident(column.name)}`;
  const days = (date: string) => `(${date} - DATE '1970-01-01')::INTEGER`;
  if (isDate(column.type)) {
    return `CASE WHEN year(${c}) BETWEEN 1000 AND 9999 THEN ${days(c)} ELSE ${NO_DAY_SQL} END`;
  }
  if (isText(column.type)) {
    const head = `left(${c}, 10)`;
    const shape = `regexp_full_match(${head}, '[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}')`;
    const tail =
      kind === "activity"
        ? `(length(${c}) = 10 OR substr(${c}, 11, 1) IN ('T', ' '))`
        : `length(${c}) = 10`;
    return `coalesce(CASE WHEN ${shape} AND ${tail} THEN ${days(`TRY_CAST(${head} AS DATE)`)} END, ${NO_DAY_SQL})`;
  }
  if (kind === "activity" && isTimestamp(column.type)) {
    return `CASE WHEN year(${c}) BETWEEN 1000 AND 9999 THEN ${days(`${c}::DATE`)} ELSE ${NO_DAY_SQL} END`;
  }
  return NO_DAY_SQL;
}

/**
 * A whole number ≥ 0 on the fast path (`blank` for a null or blank cell), or TEXT_PATH:
 * integers, whole FLOAT/DOUBLE/DECIMAL values, or text of up to `digits` digits.
 */
function wholeExpr(
  column: ParquetColumn | undefined,
  blank: number,
  digits: number,
  type: "INTEGER" | "DOUBLE",
): string {
  if (!column) return String(blank);
  const c = `t.${ident(column.name)}`;
  const max = 10 ** digits - 1;
  if (isInteger(column.type)) {
    return `CASE WHEN ${c} IS NULL THEN ${blank} WHEN ${c} >= 0 AND ${c} <= ${max} THEN ${c}::${type} ELSE ${TEXT_PATH} END`;
  }
  if (isFractional(column.type)) {
    const d = `${c}::DOUBLE`;
    return `CASE WHEN ${c} IS NULL THEN ${blank} WHEN isfinite(${d}) AND ${d} >= 0 AND ${d} = floor(${d}) AND ${d} <= ${max} THEN ${d}::${type} ELSE ${TEXT_PATH} END`;
  }
  if (isText(column.type)) {
    return `CASE WHEN ${c} IS NULL OR ${c} = '' THEN ${blank} WHEN regexp_full_match(${c}, '[0-9]{1,${digits}}') THEN ${c}::${type} ELSE ${TEXT_PATH} END`;
  }
  return `CASE WHEN ${c} IS NULL THEN ${blank} ELSE ${TEXT_PATH} END`;
}

/**
 * Reads the rows the fast path left (0-based row numbers) as text and checks them with
 * the CSV path's row checks: each is added to the builder or rejected with its row number.
 */
async function readByText(
  kind: EventKind,
  duck: Duck,
  part: Part,
  known: readonly ParquetColumn[],
  rows: readonly number[],
  tally: FileTally,
  b: DatasetBuilder,
  origin: number,
): Promise<void> {
  await duck.connection.run("CREATE OR REPLACE TEMP TABLE reach_rows (r BIGINT)");
  const appender = await duck.connection.createAppender("reach_rows");
  for (const r of rows) {
    appender.appendBigInt(BigInt(r));
    appender.endRow();
  }
  appender.closeSync();
  let accepted = 0;
  const sink: EventSink = {
    students: studentKeys([]),
    studentIndexOf: (id) => b.studentIndexOf(id),
    internSection: (id) => b.internSection(id),
    internSource: (source) => b.internSource(source),
    internKind: (k) => b.internKind(k),
    addAttendance: (student, day, status, minutes, section, line) => {
      b.addAttendance(student, day, status, minutes, section, line, origin);
      accepted++;
    },
    addActivity: (student, day, source, k, count) => {
      b.addActivity(student, day, source, k, count);
      accepted++;
    },
    reject: (line, code, reason, field, raw) => tally.reject(line, code, reason, field, raw),
  };
  const handlers = eventHandlers(kind, sink, columnIndex(known.map((c) => c.key)));
  await readTextRows(
    duck,
    part,
    known,
    "WHERE file_row_number IN (SELECT r FROM reach_rows)",
    tally,
    (fields, line) => handlers.row(fields, line),
  );
  tally.acceptMany(accepted);
}
