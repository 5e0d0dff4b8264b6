/**
 * `reach run --dry-run`: who would get a case on a date under a policy, and why, and whom
 * the policy's watch rules (`action: watch`) would only watch. (Without `--dry-run`,
 * apply-command.ts applies the findings to the case store.)
 *
 * Exit codes: 0 = complete import; 3 = findings computed but some rows or files were
 * rejected (a partial import); 1 = nothing computed (bad arguments, invalid policy,
 * unreadable data folder, or a policy that does not fit the data: a school, source or kind
 * the data does not have, data older than the policy's max_data_age).
 */
import { type Dirent, existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_QUARANTINE_DIR, dryRun } from "../app/index.ts";
import type { ImportProgress } from "../data/adapters/adapter.ts";
import { ADAPTERS, isSourceName, type SourceName } from "../data/adapters/index.ts";
import { type DayNumber, formatDay, parseIsoDate } from "../data/dates.ts";
import type { ImportReport } from "../data/import-report.ts";
import type { DataCheck, Evaluation, Finding, Policy, Watched } from "../rules/index.ts";
import {
  DataCheckFailed,
  formatDataProblem,
  formatProblem,
  loadPolicyFile,
} from "../rules/index.ts";
import { EXIT_ERROR, EXIT_OK, EXIT_PARTIAL_IMPORT } from "./exit-codes.ts";
import { importSummaryLines, printImportProblems } from "./import-summary.ts";
import { megabytes, type Output, table } from "./output.ts";

export { EXIT_ERROR, EXIT_OK, EXIT_PARTIAL_IMPORT };

export interface RunArgs {
  dryRun: boolean;
  policy?: string;
  source?: string;
  data?: string;
  asOf?: string;
  json: boolean;
  limit?: number;
  quarantine?: string;
  runs?: number;
  /** The SQLite file of the case store (default REACH_DB, else data/reach.db). */
  db?: string;
}

export interface CheckedRunArgs {
  policy: Policy;
  source: SourceName;
  dataDir: string;
  asOf: DayNumber;
}

/** Checks `reach run`'s arguments and loads the policy; prints every problem. */
export async function checkRunArgs(
  args: RunArgs,
  out: Output,
): Promise<CheckedRunArgs | undefined> {
  const problems: string[] = [];
  if (!args.policy) problems.push("--policy <file> is required");
  if (!args.source) problems.push(`--source is required (${Object.keys(ADAPTERS).join(", ")})`);
  else if (!isSourceName(args.source)) {
    problems.push(`--source ${args.source} is not one of ${Object.keys(ADAPTERS).join(", ")}`);
  }
  if (!args.data) problems.push("--data <dir> is required");
  else if (!existsSync(args.data) || !statSync(args.data).isDirectory()) {
    problems.push(`--data ${args.data} is not a folder`);
  } else {
    for (const dir of csvDirectories(args.data)) {
      problems.push(`${dir} is a directory, not a CSV file (give the data folder with its files)`);
    }
  }
  const asOf = args.asOf === undefined ? undefined : parseIsoDate(args.asOf);
  if (args.asOf === undefined) problems.push("--as-of <YYYY-MM-DD> is required");
  else if (asOf === undefined) problems.push(`--as-of ${args.asOf} is not a date as YYYY-MM-DD`);
  if (problems.length > 0) {
    for (const p of problems) out.error(`reach run: ${p}`);
    return undefined;
  }
  const loaded = await loadPolicyFile(args.policy as string);
  if (!loaded.ok) {
    for (const p of loaded.errors) out.error(formatProblem(p));
    out.error(`reach run: ${args.policy} is not a valid policy; nothing was evaluated`);
    return undefined;
  }
  return {
    policy: loaded.policy,
    source: args.source as SourceName,
    dataDir: args.data as string,
    asOf: asOf as DayNumber,
  };
}

/**
 * Folders named like a CSV file in the data folder (or one level down, as OEA's roster):
 * the readers would fail on them with a bare EISDIR that names no file.
 */
function csvDirectories(dataDir: string): string[] {
  const found: string[] = [];
  const scan = (dir: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // an unreadable folder is reported by the import itself
    }
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const path = join(dir, entry.name);
      if (/\.(csv|tsv|txt)$/i.test(entry.name)) found.push(path);
      else if (depth > 0) scan(path, depth - 1);
    }
  };
  scan(dataDir, 1);
  return found;
}

/** Writes the quarantine file (when rows were rejected) and prints the import's problems. */
export function reportImport(
  report: ImportReport,
  source: string,
  asOf: DayNumber,
  quarantine: string | undefined,
  out: Output,
): string | undefined {
  const path =
    report.rowsRejected > 0
      ? (quarantine ?? join(DEFAULT_QUARANTINE_DIR, `${source}-${formatDay(asOf)}.csv`))
      : undefined;
  if (path) report.writeQuarantine(path);
  printImportProblems(report, out, path);
  return path;
}

export function importProgress(out: Output) {
  return (p: ImportProgress) =>
    out.progress(
      `reading ${p.file} ${Math.floor((100 * p.bytesRead) / Math.max(1, p.totalBytes))}% (${megabytes(p.bytesRead)} of ${megabytes(p.totalBytes)})`,
    );
}

/** The warnings of a policy's check against its data, one `file:… warning: …` line each. */
export function printDataWarnings(check: DataCheck, out: Output): void {
  for (const w of check.warnings) out.error(formatDataProblem(w, "warning"));
}

/**
 * A run refused by the check of its policy against the data: one line per problem on
 * stderr (errors, then warnings), then what happened. Returns the exit code.
 */
export function printRefusal(error: DataCheckFailed, dataDir: string, out: Output): number {
  for (const e of error.check.errors) out.error(formatDataProblem(e));
  printDataWarnings(error.check, out);
  const n = error.check.errors.length;
  out.error(
    `reach run: policy ${error.policyId} does not fit the data in ${dataDir} (${n} ${n === 1 ? "problem" : "problems"}); nothing was evaluated`,
  );
  return EXIT_ERROR;
}

/** The streams the policy's rules read, with their last dates: `attendance 2027-01-29, …`. */
export function dataThroughLine(check: DataCheck): string | undefined {
  const used = check.streams.filter((s) => s.used);
  if (used.length === 0) return undefined;
  return used.map((s) => `${s.stream} ${s.last ?? "(none)"}`).join(", ");
}

export async function runCommand(args: RunArgs, out: Output): Promise<number> {
  const checked = await checkRunArgs(args, out);
  if (!checked) return EXIT_ERROR;
  const { policy, source } = checked;
  const asOf: DayNumber = checked.asOf;
  let result: Awaited<ReturnType<typeof dryRun>>;
  try {
    result = await dryRun({
      policy,
      source,
      dataDir: checked.dataDir,
      asOf,
      runs: args.runs,
      onProgress: importProgress(out),
    });
  } catch (error) {
    out.progress(undefined);
    if (!(error instanceof DataCheckFailed)) throw error;
    // A dry run's refusal carries its import: rejected rows may be the reason.
    const imported = (error as { imported?: { report?: ImportReport } }).imported;
    if (imported?.report) reportImport(imported.report, source, asOf, args.quarantine, out);
    return printRefusal(error, checked.dataDir, out);
  }
  out.progress(undefined);
  const { report, evaluation, dataset, check } = result;

  const quarantine = reportImport(report, source, asOf, args.quarantine, out);
  printDataWarnings(check, out);

  if (args.json) {
    const displayName = (studentId: string) =>
      dataset.students[dataset.studentIndex.get(studentId) ?? -1]?.displayName;
    const findings = evaluation.findings.map((f) => ({
      ...f,
      displayName: displayName(f.studentId),
    }));
    const watched = evaluation.watched.map((w) => ({
      ...w,
      displayName: displayName(w.studentId),
    }));
    out.write(
      `${JSON.stringify({
        policy: { id: policy.id, name: policy.name, file: policy.file },
        source,
        asOf: evaluation.asOf,
        findings,
        watched,
        pending: evaluation.pending,
        suppressed: evaluation.suppressed,
        counts: evaluation.counts,
        warnings: check.warnings,
        dataThrough: check.streams,
        import: {
          partial: report.partial,
          rowsAccepted: report.rowsAccepted,
          rowsRejected: report.rowsRejected,
          files: report.files,
          quarantine,
        },
        timings: result.timings,
      })}\n`,
    );
  } else {
    printTable(evaluation, dataset, args.limit ?? 100, out);
    out.log("");
    out.log(
      `Policy ${policy.id} (${policy.name}), as of ${evaluation.asOf}, ${policy.windowDays}-school-day window` +
        ((args.runs ?? 1) > 1 ? `, after ${args.runs} daily runs` : ""),
    );
    const c = evaluation.counts;
    out.log(
      `  ${c.findings} of ${c.studentsEvaluated} students evaluated would get a case` +
        ` (${c.studentsInScope} in scope, ${c.studentsInScope - c.studentsEvaluated} suppressed)`,
    );
    const watchRules = Object.entries(c.watchedByRule);
    if (watchRules.length > 0) {
      const alone = watchedOnly(evaluation);
      out.log(
        `  ${c.watched} ${c.watched === 1 ? "student" : "students"} watched (${alone} with no case): watch rules never open a case`,
      );
    }
    if (c.pending > 0) {
      out.log(
        `  ${c.pending} more signal(s) pending: their rules hold today but must hold on more runs (\`for\`) before a case opens`,
      );
    }
    const bySeverity = Object.entries(c.bySeverity).map(([s, n]) => `${n} ${s}`);
    if (bySeverity.length > 0) out.log(`  by severity: ${bySeverity.join(", ")}`);
    out.log(
      `  by rule: ${[
        ...Object.entries(c.byRule).map(([r, n]) => `${r} ${n}`),
        ...watchRules.map(([r, n]) => `${r} ${n} watched`),
      ].join(", ")}`,
    );
    const suppressed = Object.entries(c.suppressed).map(([r, n]) => `${n} ${r.replace(/_/g, " ")}`);
    if (suppressed.length > 0) out.log(`  suppressed: ${suppressed.join(", ")}`);
    out.log(
      `Import (${source}): ${report.rowsAccepted} rows accepted, ${report.rowsRejected} rejected`,
    );
    for (const line of importSummaryLines(report)) out.log(line);
    const through = dataThroughLine(check);
    if (through !== undefined) out.log(`Data the rules read ends: ${through}`);
    out.log(
      `Took ${(result.timings.importMs / 1000).toFixed(2)} s to import, ${(result.timings.evaluateMs / 1000).toFixed(2)} s to evaluate.`,
    );
  }
  return report.partial ? EXIT_PARTIAL_IMPORT : EXIT_OK;
}

/** Students for whom only watch rules fired: watched, with no case. */
function watchedOnly(evaluation: Evaluation): number {
  const withFinding = new Set(evaluation.findings.map((f) => f.studentId));
  return evaluation.watched.filter((w) => !withFinding.has(w.studentId)).length;
}

/**
 * One block of rows per student, by student id: a finding's signals (severity as the case
 * would have it), then any watch rules' signals marked `(watch)`; a student only watched
 * shows `watched` where the severity would be.
 */
function printTable(
  evaluation: Pick<Evaluation, "findings" | "watched">,
  dataset: {
    students: readonly { displayName: string; school: string }[];
    studentIndex: ReadonlyMap<string, number>;
  },
  limit: number,
  out: Output,
): void {
  const students = studentsOf(evaluation.findings, evaluation.watched);
  if (students.length === 0) {
    out.log("No student would get a case.");
    return;
  }
  const rows: string[][] = [];
  for (const { studentId, finding, watched } of students.slice(0, limit)) {
    const student = dataset.students[dataset.studentIndex.get(studentId) ?? -1];
    const lead = [studentId, student?.displayName ?? "", finding?.severity ?? "watched"];
    const row = (rule: string, evidence: string) => {
      rows.push([...lead, rule, evidence]);
      lead.fill(""); // the student's columns on their first row only
    };
    const signalRows = (signal: Finding["signals"][number], label: string) => {
      signal.conditions.forEach((c, j) => {
        row(
          j === 0 ? label : "",
          `${c.met === true ? "✓" : c.met === false ? "·" : "?"} ${c.evidence}`,
        );
      });
    };
    for (const signal of finding?.signals ?? []) signalRows(signal, signal.ruleId);
    if (finding !== undefined && finding.inhibited.length > 0) {
      row(
        `(+ ${finding.inhibited.map((s) => s.ruleId).join(", ")})`,
        "lower-severity signals also fired",
      );
    }
    for (const signal of watched?.signals ?? []) signalRows(signal, `${signal.ruleId} (watch)`);
  }
  if (rows.length > 0) {
    for (const line of table(["student", "name", "severity", "rule", "evidence"], rows)) {
      out.log(line);
    }
  }
  if (students.length > limit) {
    const more = students.length - limit;
    out.log(`… and ${more} more ${more === 1 ? "student" : "students"} (use --limit or --json)`);
  }
}

/** Findings and watched students merged by student id (both lists are sorted by it). */
function studentsOf(
  findings: readonly Finding[],
  watched: readonly Watched[],
): { studentId: string; finding?: Finding; watched?: Watched }[] {
  if (watched.length === 0) return findings.map((f) => ({ studentId: f.studentId, finding: f }));
  const byId = new Map<string, { studentId: string; finding?: Finding; watched?: Watched }>();
  for (const f of findings) byId.set(f.studentId, { studentId: f.studentId, finding: f });
  for (const w of watched) {
    const entry = byId.get(w.studentId);
    if (entry) entry.watched = w;
    else byId.set(w.studentId, { studentId: w.studentId, watched: w });
  }
  return [...byId.values()].sort((a, b) =>
    a.studentId < b.studentId ? -1 : a.studentId > b.studentId ? 1 : 0,
  );
}
