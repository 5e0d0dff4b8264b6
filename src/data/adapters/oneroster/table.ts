/**
 * Streams one roster CSV with a header row. Columns are found by name in any order
 * (compared case-insensitively). Each record reaches the caller as a `Row` that can be
 * accepted or rejected with its line and field; the file's `sourcedId` (or another key)
 * is checked for repeats, and OneRoster's `status` column is handled here: a row marked
 * `tobedeleted` is accepted but not loaded, its id remembered so that rows referring to
 * it are passed over rather than rejected.
 *
 * Columns listed in `redact` (users.csv's `password`) are never read: they are blanked in
 * the copy of the row kept for the quarantine file.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { csvLine, readCsvFile } from "../../csv.ts";
import { echo, idProblem } from "../../ids.ts";
import type { FileTally, RejectionCode } from "../../import-report.ts";
import { headerKey } from "../../rows.ts";
import { tallyOptions } from "../headed-csv.ts";
import type { RosterContext } from "./context.ts";

export interface TableSpec {
  file: string;
  entity: string;
  /** Columns the header must have (their names as the format spells them). */
  required: readonly string[];
  /** Columns read when present. */
  optional?: readonly string[];
  /** Sets of alternative spellings: the header must have at least one of each set. */
  oneOf?: readonly (readonly string[])[];
  /** An absent file is not an error (nothing is reported). */
  fileOptional?: boolean;
  /** The column whose value identifies the row and must not repeat (`sourcedId`). */
  key?: string;
  /**
   * Makes a key from several columns when the file has no id column (SDS enrollments),
   * worded for the reason of a duplicate (`class 1, user 2, role student`).
   */
  compositeKey?: (row: Row) => string;
  /** The field a duplicate of the composite key is reported against. */
  compositeField?: string;
  /** Columns never read and blanked in the quarantine copy. */
  redact?: readonly string[];
}

/** One record of the file, with the helpers to accept or reject it. */
export class Row {
  constructor(
    readonly fields: string[],
    readonly line: number,
    private readonly cols: Map<string, number>,
    private readonly redacted: readonly number[],
    readonly tally: FileTally,
  ) {}

  /** The trimmed value of `column` (as the format spells it); "" when the file lacks it. */
  get(column: string): string {
    const i = this.cols.get(headerKey(column));
    return i === undefined ? "" : (this.fields[i] as string).trim();
  }

  has(column: string): boolean {
    return this.cols.has(headerKey(column));
  }

  /** The record as a CSV line, with redacted columns blanked. */
  raw(): string {
    if (this.redacted.length === 0) return csvLine(this.fields);
    const copy = [...this.fields];
    for (const i of this.redacted) copy[i] = "";
    return csvLine(copy);
  }

  accept(): void {
    this.tally.accept();
  }

  reject(code: RejectionCode, field: string | undefined, reason: string): void {
    this.tally.reject(this.line, code, reason, field, this.raw());
  }

  /** The value of a required id column, or undefined when the row was rejected. */
  id(column: string): string | undefined {
    const v = this.get(column);
    if (v === "") {
      this.reject("missing_field", column, `${column} is empty`);
      return undefined;
    }
    const problem = idProblem(v, column);
    if (problem) {
      this.reject("invalid_value", column, problem);
      return undefined;
    }
    return v;
  }
}

/**
 * Reads `spec.file` from the data folder; `row` is called for each active record. Returns
 * the file's tally, or undefined for an absent optional file. A missing required file or
 * a header without a required column fails the file in the report, and nothing of it is
 * read. A file the OneRoster manifest declares `delta` or `absent` is not read either.
 */
export async function readTable(
  ctx: RosterContext,
  spec: TableSpec,
  row: (r: Row) => void,
): Promise<FileTally | undefined> {
  const path = join(ctx.dir, spec.file);
  const mode = ctx.manifest.get(spec.file);
  if (mode === "absent") {
    if (existsSync(path)) {
      ctx.report
        .file(spec.file, spec.entity)
        .note(`manifest.csv declares ${spec.file} absent: the file is not read`);
    }
    return undefined;
  }
  if (!existsSync(path)) {
    if (spec.fileOptional && mode === undefined) return undefined;
    const tally = ctx.report.file(spec.file, spec.entity);
    tally.fail(
      mode === "bulk"
        ? `${spec.file} not found in ${ctx.dir}, though manifest.csv declares it bulk`
        : `${spec.file} not found in ${ctx.dir}`,
    );
    return tally;
  }
  const tally = ctx.report.file(spec.file, spec.entity);
  if (mode === "delta") {
    tally.fail(
      `manifest.csv declares ${spec.file} a delta (changes since the last export): Reach ` +
        "reads whole rosters, so the file is not read; export it in bulk",
    );
    return tally;
  }
  let cols: Map<string, number> | undefined;
  let redacted: number[] = [];
  let width = 0;
  let failed = false;
  const seen = new Map<string, number>();
  const deleted = new Set<string>();
  let deletedRows = 0;
  await readCsvFile(
    path,
    (fields, line) => {
      if (failed) return;
      if (cols === undefined) {
        cols = resolveHeader(fields, spec, line, tally);
        if (cols === undefined) {
          failed = true;
          return;
        }
        const c = cols;
        redacted = (spec.redact ?? [])
          .map((name) => c.get(headerKey(name)))
          .filter((i): i is number => i !== undefined);
        width = fields.length;
        return;
      }
      const r = new Row(fields, line, cols, redacted, tally);
      if (fields.length !== width) {
        r.reject(
          "wrong_column_count",
          undefined,
          `expected ${width} columns (as the header), found ${fields.length}`,
        );
        return;
      }
      let key: string | undefined;
      if (spec.key !== undefined) {
        key = r.id(spec.key);
        if (key === undefined) return;
      } else if (spec.compositeKey) {
        key = spec.compositeKey(r);
      }
      if (key !== undefined) {
        const earlier = seen.get(key);
        if (earlier !== undefined) {
          const what = spec.key ? `${spec.key} "${echo(key)}"` : echo(key);
          r.reject(
            "duplicate",
            spec.key ?? spec.compositeField,
            `${what} is already on line ${earlier} (the first is kept)`,
          );
          return;
        }
        seen.set(key, line);
      }
      const status = r.get("status").toLowerCase();
      if (status === "tobedeleted") {
        if (key !== undefined) deleted.add(key);
        deletedRows++;
        r.accept();
        return;
      }
      if (status !== "" && status !== "active") {
        r.reject(
          "invalid_value",
          "status",
          `status must be active or tobedeleted (or empty), got "${echo(r.get("status"))}"`,
        );
        return;
      }
      row(r);
    },
    tallyOptions(ctx, spec.file, tally),
  );
  if (cols === undefined && !failed) tally.fail(`${spec.file} is empty (no header row)`);
  if (deletedRows > 0) {
    const into = ctx.deleted.get(spec.file) ?? new Set<string>();
    for (const id of deleted) into.add(id);
    ctx.deleted.set(spec.file, into);
    tally.note(
      `${deletedRows} row(s) marked status=tobedeleted: not loaded (rows of other files ` +
        "that refer to them are passed over, not rejected)",
    );
  }
  return tally;
}

function resolveHeader(
  header: string[],
  spec: TableSpec,
  line: number,
  tally: FileTally,
): Map<string, number> | undefined {
  const cols = new Map<string, number>();
  header.forEach((cell, i) => {
    const k = headerKey(cell);
    if (!cols.has(k)) cols.set(k, i);
  });
  const missing: string[] = spec.required.filter((c) => !cols.has(headerKey(c)));
  for (const set of spec.oneOf ?? []) {
    if (!set.some((c) => cols.has(headerKey(c)))) missing.push(`one of ${set.join(" or ")}`);
  }
  if (missing.length > 0) {
    tally.fail(
      `line ${line}: the header lacks column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`,
    );
    return undefined;
  }
  return cols;
}
