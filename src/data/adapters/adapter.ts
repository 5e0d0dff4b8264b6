/**
 * An adapter reads one source format from a data folder and yields the canonical records,
 * streaming its files and reporting every rejected row.
 */
import type { Dataset, Monitoring } from "../dataset.ts";
import type { ImportReport } from "../import-report.ts";

export interface ImportProgress {
  file: string;
  bytesRead: number;
  totalBytes: number;
}

export interface ImportOptions {
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportResult {
  dataset: Dataset;
  monitoring: Monitoring;
  report: ImportReport;
}

export interface Adapter {
  readonly name: string;
  readonly description: string;
  import(dir: string, options?: ImportOptions): Promise<ImportResult>;
}
