/**
 * `reach backtest`: replay a policy over history and score its findings against what became
 * of the students (docs/backtest.md). Reads and writes no case store.
 *
 * Exit codes: 0 = scored on a complete import; 3 = scored, but some rows or files were
 * rejected; 1 = nothing scored (bad arguments, invalid policy or outcomes file, a policy
 * that does not fit the data, no outcomes).
 */
import { existsSync, statSync } from "node:fs";
import {
  BacktestImpossible,
  BacktestRefused,
  type BacktestResult,
  backtest,
  OutcomesFileInvalid,
  parseAtPoints,
  type Score,
} from "../app/index.ts";
import { ADAPTERS, isSourceName, type SourceName } from "../data/adapters/index.ts";
import { formatDataProblem, formatProblem, loadPolicyFile } from "../rules/index.ts";
import { EXIT_ERROR, EXIT_OK, EXIT_PARTIAL_IMPORT } from "./exit-codes.ts";
import { type Output, table } from "./output.ts";

export interface BacktestArgs {
  policy?: string;
  source?: string;
  data?: string;
  at?: string;
  outcomes?: string;
  json: boolean;
}

const NAME = "reach backtest";

export async function backtestCommand(args: BacktestArgs, out: Output): Promise<number> {
  const problems: string[] = [];
  if (!args.policy) problems.push("--policy <file> is required");
  if (!args.source) problems.push(`--source is required (${Object.keys(ADAPTERS).join(", ")})`);
  else if (!isSourceName(args.source)) {
    problems.push(`--source ${args.source} is not one of ${Object.keys(ADAPTERS).join(", ")}`);
  }
  if (!args.data) problems.push("--data <dir> is required");
  else if (!existsSync(args.data) || !statSync(args.data).isDirectory()) {
    problems.push(`--data ${args.data} is not a folder`);
  }
  if (args.outcomes !== undefined && !existsSync(args.outcomes)) {
    problems.push(`--outcomes ${args.outcomes}: no such file`);
  }
  const at = args.at === undefined ? undefined : parseAtPoints(args.at);
  if (at === undefined) problems.push("--at <day offsets or dates, comma-separated> is required");
  else problems.push(...at.problems);
  if (problems.length > 0) {
    for (const p of problems) out.error(`${NAME}: ${p}`);
    return EXIT_ERROR;
  }
  const loaded = await loadPolicyFile(args.policy as string);
  if (!loaded.ok) {
    for (const p of loaded.errors) out.error(formatProblem(p));
    out.error(`${NAME}: ${args.policy} is not a valid policy; nothing was replayed`);
    return EXIT_ERROR;
  }
  let result: BacktestResult;
  try {
    result = await backtest({
      policy: loaded.policy,
      source: args.source as SourceName,
      dataDir: args.data as string,
      at: at?.points ?? [],
      outcomesFile: args.outcomes,
      onReplay: (done, total) => out.progress(`replaying: day ${done} of ${total}`),
    });
  } catch (error) {
    out.progress(undefined);
    if (error instanceof OutcomesFileInvalid) {
      for (const p of error.problems) out.error(p);
      out.error(`${NAME}: ${error.path} is not a valid outcomes file; nothing was scored`);
      return EXIT_ERROR;
    }
    if (error instanceof BacktestRefused) {
      for (const p of error.check.errors) out.error(formatDataProblem(p));
      out.error(`${NAME}: the policy does not fit the data; nothing was replayed`);
      return EXIT_ERROR;
    }
    if (error instanceof BacktestImpossible) {
      out.error(`${NAME}: ${error.message}`);
      return EXIT_ERROR;
    }
    throw error;
  }
  out.progress(undefined);
  const partial = result.report.partial;
  if (args.json) {
    const { dataset: _d, monitoring: _m, report, outcomes: _o, ...rest } = result;
    out.write(`${JSON.stringify({ ...rest, import: report.toJSON() }, null, 2)}\n`);
  } else {
    for (const line of backtestLines(result)) out.log(line);
    if (partial) {
      out.error(
        `${NAME}: the import was partial (${result.report.rowsRejected} rows rejected; reach run --dry-run lists them)`,
      );
    }
  }
  return partial ? EXIT_PARTIAL_IMPORT : EXIT_OK;
}

const share = (v: number | null): string => (v === null ? "–" : v.toFixed(2));
const days = (v: number | null): string => (v === null ? "–" : String(v));

function row(name: string, s: Score): string[] {
  return [
    name,
    String(s.flagged),
    String(s.truePositives),
    share(s.precision),
    share(s.recall),
    days(s.medianLeadDays),
    String(s.casesOpened),
  ];
}

/** The backtest as text: one table per `--at` point. */
export function backtestLines(r: BacktestResult): string[] {
  const lines: string[] = [
    `Backtest of ${r.policyId}: ${r.students} students replayed on every school day up to each point (${r.evaluations} evaluations)`,
    `Outcomes: ${r.outcomesFrom}; counted: ${r.adverse === "every row" ? "every row" : r.adverse.join(", ")}`,
  ];
  for (const p of r.points) {
    const s = p.policy;
    lines.push(
      "",
      `At ${p.at} (${p.dates.join(", ")}): ${s.scored} students scored, ${s.positives} with an outcome after the point`,
    );
    const notScored: string[] = [];
    if (s.excluded.withdrawn > 0) notScored.push(`${s.excluded.withdrawn} had already withdrawn`);
    if (s.excluded.outcomeBefore > 0) {
      notScored.push(`${s.excluded.outcomeBefore} already had their outcome`);
    }
    if (notScored.length > 0) lines.push(`Not scored: ${notScored.join("; ")} by then.`);
    lines.push(
      ...table(
        [
          "rule",
          "flagged",
          "with outcome",
          "precision",
          "recall",
          "median lead (school days)",
          "cases opened",
        ],
        [
          ...p.rules.map((x) =>
            row(x.action === "watch" ? `${x.ruleId} (watch: no case)` : x.ruleId, x.score),
          ),
          row("whole policy", s),
        ],
      ),
    );
    const by = Object.entries(s.medianLeadDaysByOutcome)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    if (by !== "") lines.push(`Median lead by outcome (school days): ${by}`);
  }
  lines.push(
    "",
    `Time: import ${(r.timings.importMs / 1000).toFixed(1)} s, replay ${(r.timings.replayMs / 1000).toFixed(1)} s, total ${(r.timings.totalMs / 1000).toFixed(1)} s`,
  );
  return lines;
}
