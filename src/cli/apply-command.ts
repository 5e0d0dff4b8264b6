/**
 * `reach run` (without `--dry-run`): evaluate a policy for a date and apply the findings
 * to the case store — new cases, new signals on open cases — with their outbox entries.
 * Running the same policy and date again changes nothing. A policy that does not fit the
 * data (see checkPolicyAgainstData) is recorded as a failed run with the reasons, opens no
 * case, and exits 1. After a run that succeeded, the policy's open cases are swept as the
 * scheduler sweeps them (app/case-sweep.ts): the escalations its `escalation:` block asks
 * for are proposed, and cases nobody has taken get their reminder.
 */
import {
  importCounts,
  openStore,
  RunInProgress,
  readStoreSettings,
  runnerId,
  runPolicy,
  sweepCases,
} from "../app/index.ts";
import { buildCalendars } from "../calendar/index.ts";
import { rosterOf } from "../cases/index.ts";
import { ADAPTERS } from "../data/adapters/index.ts";
import { formatDay, localDate } from "../data/dates.ts";
import { DataCheckFailed } from "../rules/index.ts";

import type { Output } from "./output.ts";
import {
  checkRunArgs,
  EXIT_ERROR,
  EXIT_OK,
  EXIT_PARTIAL_IMPORT,
  importProgress,
  printDataWarnings,
  printRefusal,
  type RunArgs,
  reportImport,
} from "./run-command.ts";

export async function applyCommand(
  args: RunArgs,
  out: Output,
  now: () => Date = () => new Date(),
): Promise<number> {
  const checked = await checkRunArgs(args, out);
  if (!checked) return EXIT_ERROR;
  const { policy, source, asOf } = checked;
  const { caseIdSecret } = readStoreSettings(args.db);
  // Opened before the import, so that an unusable database fails at once, not after it;
  // a run is the one command that creates the database file.
  const store = await openStore(args.db, process.env, { create: true });
  try {
    const imported = await ADAPTERS[source].import(checked.dataDir, {
      onProgress: importProgress(out),
    });
    out.progress(undefined);
    reportImport(imported.report, source, asOf, args.quarantine, out);

    const at = now().toISOString();
    const result = await runPolicy({
      store,
      policy,
      dataset: imported.dataset,
      asOf,
      at,
      owner: runnerId("cli"),
      importCounts: importCounts(imported.report),
      ...(caseIdSecret !== undefined && { caseIdSecret }),
    });
    const { evaluation, check } = result;
    printDataWarnings(check, out);
    // As after a scheduled run: the escalations the policy's `escalation:` block asks for,
    // and reminders of cases nobody has taken (app/case-sweep.ts). School days are counted
    // from each case's events to the run's date, so only a run of today sweeps: a run of
    // another date (a replay, a date ahead) would count days that have not passed.
    const today = localDate(at, policy.timezone) === formatDay(asOf);
    const { dataset } = imported;
    let swept: { escalationsProposed: number; reminders: number } | null = null;
    if (today) {
      const schoolDays = new Map<string, ArrayLike<number>>();
      for (const [school, calendar] of buildCalendars(dataset)) {
        schoolDays.set(school, calendar.days);
      }
      swept = await sweepCases({
        store,
        policy,
        asOf,
        at,
        schoolDays,
        studentOf: (id) => dataset.students[dataset.studentIndex.get(id) ?? -1],
        roster: rosterOf(dataset.staff),
      });
    }
    if (args.json) {
      out.write(
        `${JSON.stringify({
          policy: { id: policy.id, name: policy.name },
          asOf: evaluation.asOf,
          casesOpened: result.opened,
          signalsAdded: result.signalsAdded,
          unchanged: result.unchanged,
          refused: result.refused,
          sweep: swept && {
            escalationsProposed: swept.escalationsProposed,
            reminders: swept.reminders,
          },
          counts: evaluation.counts,
          warnings: check.warnings,
          dataThrough: check.streams,
          import: {
            partial: imported.report.partial,
            rowsAccepted: imported.report.rowsAccepted,
            rowsRejected: imported.report.rowsRejected,
          },
        })}\n`,
      );
    } else {
      out.log(
        `Policy ${policy.id}, as of ${evaluation.asOf}: ${evaluation.counts.findings} students with findings`,
      );
      out.log(
        `  ${result.opened} case(s) opened, ${result.signalsAdded} open case(s) given new signals, ${result.unchanged} unchanged`,
      );
      for (const r of result.refused)
        out.error(`  not applied for student ${r.studentId}: ${r.message}`);
      out.log(
        swept === null
          ? `  open cases not swept: escalations and reminders count school days up to today, and this run is of ${formatDay(asOf)}`
          : `  open cases swept: escalations proposed ${swept.escalationsProposed}, reminders ${swept.reminders}`,
      );
    }
    return imported.report.partial ? EXIT_PARTIAL_IMPORT : EXIT_OK;
  } catch (error) {
    if (error instanceof RunInProgress) {
      out.error(`reach run: ${error.message}`);
      return EXIT_ERROR;
    }
    // Recorded as a failed run with these reasons (`reach runs list`); no case was opened.
    if (error instanceof DataCheckFailed) return printRefusal(error, checked.dataDir, out);
    throw error;
  } finally {
    await store.close();
  }
}
