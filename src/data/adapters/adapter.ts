/**
 * An adapter reads one source format from a data folder and yields the canonical records,
 * streaming its files and reporting every rejected row.
 */
import type { Dataset, Monitoring } from "../dataset.ts";
import type { DayNumber } from "../dates.ts";
import type { ImportReport } from "../import-report.ts";

export interface ImportProgress {
  file: string;
  bytesRead: number;
  totalBytes: number;
}

export interface ImportOptions {
  onProgress?: (progress: ImportProgress) => void;
  /** Threads for reading large files in parts (default: up to 2 cores); 1 reads in one piece. */
  threads?: number;
  /** Files at least this large are read in parts (default 32 MiB). */
  parallelMinBytes?: number;
}

/**
 * What became of a student (`Withdrawn` on a date, `Fail` at the end of the module): what a
 * backtest compares alerts with. Kept beside the data set, never in it, so no rule can read it.
 */
export interface Outcome {
  studentId: string;
  date: DayNumber;
  outcome: string;
}

export interface ImportResult {
  dataset: Dataset;
  monitoring: Monitoring;
  report: ImportReport;
  /** Each student's recorded result, when the source has one (OULAD's `final_result`). */
  outcomes?: readonly Outcome[];
}

export interface Adapter {
  readonly name: string;
  readonly description: string;
  import(dir: string, options?: ImportOptions): Promise<ImportResult>;
}
