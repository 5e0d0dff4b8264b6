/** Prints an import report for a person: per-file counts, then each rejected row. */
import { formatRejection, type ImportReport } from "../data/import-report.ts";
import type { Output } from "./output.ts";

const LISTED = 50;

export function printImportProblems(
  report: ImportReport,
  out: Output,
  quarantinePath?: string,
): void {
  for (const f of report.files) {
    if (f.error) out.error(`${f.file}: ${f.error}`);
  }
  const shown = report.rejections.slice(0, LISTED);
  for (const r of shown) out.error(formatRejection(r));
  const more = report.rowsRejected - shown.length;
  if (more > 0) out.error(`… and ${more} more rejected rows`);
  if (report.rowsRejected > 0 && quarantinePath) {
    out.error(`${report.rowsRejected} rejected rows written to ${quarantinePath}`);
  }
}

export function importSummaryLines(report: ImportReport): string[] {
  const lines: string[] = [];
  for (const f of report.files) {
    const reasons = Object.entries(f.byReason)
      .map(([code, n]) => `${n} ${code.replace(/_/g, " ")}`)
      .join(", ");
    const status = f.error
      ? `not read: ${f.error}`
      : `${f.rowsAccepted} accepted, ${f.rowsRejected} rejected${reasons ? ` (${reasons})` : ""}`;
    lines.push(`  ${f.file.padEnd(36)} ${status}`);
    for (const note of f.notes) lines.push(`  ${"".padEnd(36)} note: ${note}`);
  }
  return lines;
}
