/**
 * `reach fairness`: a policy's finding rates (and case rates, with a case store) by group
 * of each monitoring field, in aggregate only — a table per field, or one JSON object with
 * `--json`. No student id or name is printed, not even for a rejected row: the import's
 * problems are counted, and `reach run --dry-run` lists them. See docs/fairness.md.
 *
 * Exit codes: 0 = done; 3 = done, but some rows or files were rejected on import; 1 =
 * nothing computed (bad arguments, an invalid policy, one that does not fit the data, an
 * unreadable data folder, a `--db` that is not a Reach database).
 */
import { existsSync } from "node:fs";
import {
  type FairnessGroup,
  type FairnessResult,
  fairnessOfPolicy,
  openStore,
  RATIO_HIGH,
  RATIO_LOW,
  readStoreSettings,
  type ShownCount,
  SMALL_CELL,
} from "../app/index.ts";
import type { SourceName } from "../data/adapters/index.ts";
import { type DayNumber, formatDay, parseIsoDate } from "../data/dates.ts";
import {
  DataCheckFailed,
  formatDataProblem,
  formatProblem,
  loadPolicyFile,
} from "../rules/index.ts";
import type { Store } from "../store/index.ts";
import { EXIT_ERROR, EXIT_OK, EXIT_PARTIAL_IMPORT } from "./exit-codes.ts";
import { operatorName, sourceAndDataProblems } from "./operator-args.ts";
import type { Output } from "./output.ts";
import { table } from "./output.ts";
import { importProgress } from "./run-command.ts";

const NAME = "reach fairness";

/** The options `reach fairness` takes (main.ts holds it to them). */
export const FAIRNESS_OPTIONS = ["policy", "source", "data", "as-of", "db", "json"] as const;

/** Its usage: the synopsis lines and the description. */
export const FAIRNESS_USAGE = {
  synopsis: [
    "reach fairness --policy <file> --source <source> --data <dir>",
    "--as-of <YYYY-MM-DD> [--db <file>] [--json]",
  ],
  description: [
    "finding rates by group of each monitoring field",
    "(gender, age band, …), in aggregate only: each",
    "group's rate against everyone's, ratios outside",
    "0.8–1.25 marked; case rates too when the store has",
    "the policy's cases; groups under 10 hidden",
  ],
};

export interface FairnessArgs {
  policy?: string;
  source?: string;
  data?: string;
  asOf?: string;
  db?: string;
  json: boolean;
}

export async function fairnessCommand(
  args: FairnessArgs,
  out: Output,
  now: () => Date = () => new Date(),
): Promise<number> {
  const problems: string[] = [];
  if (!args.policy) problems.push("--policy <file> is required");
  problems.push(...sourceAndDataProblems(args));
  const asOf = args.asOf === undefined ? undefined : parseIsoDate(args.asOf);
  if (args.asOf === undefined) problems.push("--as-of <YYYY-MM-DD> is required");
  else if (asOf === undefined) problems.push(`--as-of ${args.asOf} is not a date as YYYY-MM-DD`);
  if (problems.length > 0) {
    for (const p of problems) out.error(`${NAME}: ${p} (see ${NAME} --help)`);
    return EXIT_ERROR;
  }
  const loaded = await loadPolicyFile(args.policy as string);
  if (!loaded.ok) {
    for (const p of loaded.errors) out.error(formatProblem(p));
    out.error(`${NAME}: ${args.policy} is not a valid policy; nothing was counted`);
    return EXIT_ERROR;
  }
  const { policy } = loaded;

  const found = await findStore(args.db);
  let result: FairnessResult;
  try {
    result = await fairnessOfPolicy({
      policy,
      source: args.source as SourceName,
      dataDir: args.data as string,
      asOf: asOf as DayNumber,
      onProgress: importProgress(out),
      ...(found.store !== undefined && {
        cases: { store: found.store, operator: `cli:${operatorName()}`, at: now().toISOString() },
      }),
    });
  } catch (error) {
    out.progress(undefined);
    if (!(error instanceof DataCheckFailed)) throw error;
    for (const e of error.check.errors) out.error(formatDataProblem(e));
    for (const w of error.check.warnings) out.error(formatDataProblem(w, "warning"));
    out.error(
      `${NAME}: policy ${error.policyId} does not fit the data in ${args.data}; nothing was counted`,
    );
    return EXIT_ERROR;
  } finally {
    await found.store?.close();
  }
  out.progress(undefined);
  for (const w of result.check.warnings) out.error(formatDataProblem(w, "warning"));
  const { imported } = result;
  const refused = imported.files.filter((f) => f.error !== undefined).map((f) => f.file);
  if (imported.rowsRejected > 0 || refused.length > 0) {
    out.error(
      `${NAME}: the import was partial: ${imported.rowsRejected} rows rejected` +
        (refused.length > 0 ? `, not read: ${refused.join(", ")}` : "") +
        " (reach run --dry-run lists each one; none is named here)",
    );
  }
  const caseNote =
    result.report.cases || found.store === undefined
      ? found.note
      : `the case store has no cases of policy ${policy.id}: finding rates only`;

  if (args.json) {
    out.write(
      `${JSON.stringify({
        policy: { id: policy.id, name: policy.name, file: policy.file },
        source: args.source,
        asOf: formatDay(asOf as DayNumber),
        runsBefore: result.runsBefore,
        smallCell: SMALL_CELL,
        ratioBounds: [RATIO_LOW, RATIO_HIGH],
        overall: result.report.overall,
        fields: result.report.fields,
        cases: result.report.cases ? (result.cases ?? null) : null,
        ...(caseNote !== undefined && { caseNote }),
        warnings: result.check.warnings,
        import: {
          partial: imported.partial,
          rowsAccepted: imported.rowsAccepted,
          rowsRejected: imported.rowsRejected,
        },
      })}\n`,
    );
  } else {
    printReport(result, policy, formatDay(asOf as DayNumber), caseNote, out);
  }
  return imported.partial ? EXIT_PARTIAL_IMPORT : EXIT_OK;
}

/**
 * The case store, found as `reach cases` finds it: `--db` (which must exist), else
 * `REACH_DB` or the default file when it exists, else Cosmos DB when `REACH_STORE=cosmos`.
 * No store means finding rates only, with a note saying why.
 */
async function findStore(db: string | undefined): Promise<{ store?: Store; note?: string }> {
  const settings = readStoreSettings(db);
  if (settings.kind === "sqlite" && db === undefined && !existsSync(settings.path)) {
    return { note: `no case store at ${settings.path}: finding rates only` };
  }
  return { store: await openStore(db, process.env, { create: false }) };
}

const percent = (rate: number | null | undefined) =>
  rate === null || rate === undefined ? "" : `${(rate * 100).toFixed(1)}%`;

const ratioText = (ratio: number | null | undefined, outside: boolean | undefined) =>
  ratio === null || ratio === undefined ? "" : `${ratio.toFixed(2)}${outside ? " !" : ""}`;

const countText = (count: ShownCount | undefined) => (count === undefined ? "" : String(count));

function printReport(
  result: FairnessResult,
  policy: { id: string; name: string },
  asOf: string,
  caseNote: string | undefined,
  out: Output,
): void {
  const { report } = result;
  const o = report.overall;
  out.log(`Policy ${policy.id} (${policy.name}), as of ${asOf}: fairness in aggregate`);
  const runs =
    result.runsBefore > 0
      ? ` (after runs on the ${result.runsBefore} school day(s) before, for rules with \`for: N runs\`)`
      : "";
  out.log(
    `  students in scope: ${countText(o.inScope)}; with a finding: ${countText(o.flagged)}` +
      (o.rate === null ? "" : ` (${percent(o.rate)})`) +
      runs,
  );
  if (report.cases) {
    out.log(
      `  with a case of the policy: ${countText(o.withCase)}` +
        (o.caseRate === null || o.caseRate === undefined ? "" : ` (${percent(o.caseRate)})`),
    );
  }
  if (caseNote !== undefined) out.log(`  ${caseNote}`);
  if (result.cases !== undefined && report.cases) {
    const { notInScope, erased } = result.cases;
    if (notInScope > 0) out.log(`  ${notInScope} case(s) of students not in scope on this date`);
    if (erased > 0) out.log(`  ${erased} erased case(s) not counted`);
  }
  if (report.fields.length === 0) {
    out.log("");
    out.log(
      o.inScope === "<10"
        ? `Fewer than ${SMALL_CELL} students in scope: no group is shown.`
        : "The data has no monitoring fields for the students in scope.",
    );
    return;
  }
  const header = ["group", "in scope", "flagged", "rate", "ratio"];
  if (report.cases) header.push("with case", "case rate", "case ratio");
  for (const field of report.fields) {
    out.log("");
    out.log(field.field);
    const rows = field.groups.map((g: FairnessGroup) => {
      const row = [g.group, countText(g.inScope), countText(g.flagged)];
      row.push(percent(g.rate), ratioText(g.ratio, g.outside));
      if (report.cases) {
        row.push(countText(g.withCase), percent(g.caseRate), ratioText(g.caseRatio, g.caseOutside));
      }
      return row;
    });
    for (const line of table(header, rows)) out.log(`  ${line}`);
  }
  out.log("");
  out.log(
    `ratio: the group's rate over everyone's; ! outside ${RATIO_LOW}–${RATIO_HIGH}. <10: a small cell (under ${SMALL_CELL} students, or 1–9 counted), hidden;`,
  );
  out.log(
    "suppressed: hidden so that a small cell cannot be worked out from the total. Rules: docs/fairness.md",
  );
}
