/**
 * What an import read, accepted and rejected. A rejected row is never dropped silently:
 * it is kept here (quarantined) with its file, line, field and reason, and counted per
 * reason, so the data manager can fix the export and the rest of the import carries on.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ECHO_LIMIT } from "./ids.ts";

export type RejectionCode =
  | "invalid_value"
  | "missing_field"
  | "wrong_column_count"
  | "unknown_student"
  | "unknown_reference"
  | "duplicate"
  | "conflict"
  | "out_of_range"
  | "malformed_csv";

export interface Rejection {
  file: string;
  line: number;
  field?: string;
  code: RejectionCode;
  reason: string;
  /** The row as read, for the quarantine file. */
  raw?: string;
}

export interface FileReport {
  file: string;
  entity: string;
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  byReason: Partial<Record<RejectionCode, number>>;
  /** A problem with the file as a whole (missing, unreadable, unknown header). */
  error?: string;
  notes: string[];
}

/** Longest reason kept as it is: a message plus a value cut to `ECHO_LIMIT`, with room. */
const REASON_LIMIT = ECHO_LIMIT + 300;

function clipReason(reason: string): string {
  return `${reason.slice(0, REASON_LIMIT)}… (a message of ${reason.length} characters)`;
}

/** Rows kept in memory per report; the counts stay exact beyond it. */
const KEEP_AT_MOST = 100_000;

export class ImportReport {
  readonly files: FileReport[] = [];
  readonly rejections: Rejection[] = [];
  private dropped = 0;

  constructor(readonly source: string) {}

  file(file: string, entity: string): FileTally {
    const report: FileReport = {
      file,
      entity,
      rowsRead: 0,
      rowsAccepted: 0,
      rowsRejected: 0,
      byReason: {},
      notes: [],
    };
    this.files.push(report);
    return new FileTally(report, this);
  }

  record(rejection: Rejection): void {
    // Messages echo values cut short already (ids.ts `echo`); this catches any that do not,
    // so a huge field is never printed whole. The raw row is kept whole, once.
    if (rejection.reason.length > REASON_LIMIT) rejection.reason = clipReason(rejection.reason);
    if (this.rejections.length < KEEP_AT_MOST) this.rejections.push(rejection);
    else this.dropped++;
  }

  get rowsRejected(): number {
    return this.files.reduce((n, f) => n + f.rowsRejected, 0);
  }
  get rowsAccepted(): number {
    return this.files.reduce((n, f) => n + f.rowsAccepted, 0);
  }
  /** True when any row or file could not be used: the import is partial. */
  get partial(): boolean {
    return this.files.some((f) => f.rowsRejected > 0 || f.error !== undefined);
  }
  /** Rejections beyond those kept in memory (still counted in the file reports). */
  get rejectionsNotKept(): number {
    return this.dropped;
  }

  /** Writes every kept rejection as CSV: file, line, field, code, reason, raw row. */
  writeQuarantine(path: string): void {
    mkdirSync(dirname(path), { recursive: true });
    const lines = ["file,line,field,code,reason,raw"];
    for (const r of this.rejections) {
      lines.push(
        [r.file, String(r.line), r.field ?? "", r.code, r.reason, r.raw ?? ""]
          .map(csvField)
          .join(","),
      );
    }
    writeFileSync(path, `${lines.join("\n")}\n`);
  }

  toJSON() {
    return {
      source: this.source,
      partial: this.partial,
      rowsAccepted: this.rowsAccepted,
      rowsRejected: this.rowsRejected,
      files: this.files,
      rejections: this.rejections.slice(0, 1000),
      rejectionsNotListed: Math.max(0, this.rejections.length - 1000) + this.dropped,
    };
  }
}

/** Counts for one file; adapters call `accept` or `reject` once per data row. */
export class FileTally {
  constructor(
    readonly report: FileReport,
    private readonly owner: ImportReport,
  ) {}

  accept(): void {
    this.report.rowsRead++;
    this.report.rowsAccepted++;
  }

  acceptMany(rows: number): void {
    this.report.rowsRead += rows;
    this.report.rowsAccepted += rows;
  }

  reject(line: number, code: RejectionCode, reason: string, field?: string, raw?: string): void {
    this.report.rowsRead++;
    this.report.rowsRejected++;
    this.report.byReason[code] = (this.report.byReason[code] ?? 0) + 1;
    this.owner.record({ file: this.report.file, line, field, code, reason, raw });
  }

  /** Turns a row accepted earlier into a rejection (a duplicate found once all rows are in). */
  retract(line: number, code: RejectionCode, reason: string, field?: string): void {
    this.report.rowsAccepted--;
    this.report.rowsRejected++;
    this.report.byReason[code] = (this.report.byReason[code] ?? 0) + 1;
    this.owner.record({ file: this.report.file, line, field, code, reason });
  }

  /** A problem with the whole file; nothing of it was used. */
  fail(message: string): void {
    this.report.error = message;
  }

  note(message: string): void {
    this.report.notes.push(message);
  }
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** `file:line field: reason` — how a rejection is printed for a person. */
export function formatRejection(r: Rejection): string {
  return `${r.file}:${r.line}${r.field ? ` ${r.field}` : ""}: ${r.reason}`;
}
