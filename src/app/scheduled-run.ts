/**
 * A scheduled run of a policy, as the scheduler asks for it: read the policy files again
 * (a change takes effect now; a broken change keeps the previous version and tells the
 * policy's channel once), import the data, and — on a school day — run the policy through
 * the same code and lease as `reach run`, at most once per policy and date across every
 * instance sharing the store. A day that is not a school day for any of the policy's
 * schools is recorded as skipped, with that reason. After its run of a school day (or the
 * data check's refusal of it), the instance sweeps the policy's open cases for the
 * escalations and reminders its `escalation:` block asks for (case-sweep.ts).
 */

import { buildCalendars, type SchoolCalendar } from "../calendar/index.ts";
import { rosterOf } from "../cases/index.ts";
import type { ImportResult } from "../data/adapters/adapter.ts";
import { type DayNumber, parseIsoDate, weekday } from "../data/dates.ts";
import type { Logger } from "../log.ts";
import { DataCheckFailed, formatDataProblem, type Policy } from "../rules/index.ts";
import type { RunRecord, Store } from "../store/index.ts";
import { sweepCases } from "./case-sweep.ts";
import { type PolicyCatalogue, rejectedChangeText } from "./policy-catalogue.ts";
import { AlreadyRun, importCounts, RunInProgress, runPolicy } from "./run-policy.ts";

/** What the scheduler fired (see src/schedule). */
export interface RunRequest {
  policyId: string;
  /** When the schedule fired (ISO): the time the run records. */
  scheduledAt: string;
  /** The policy's local date then (YYYY-MM-DD). */
  asOf: string;
  reason: "scheduled" | "catch-up";
}

export interface ScheduledRunsOptions {
  store: Store;
  catalogue: PolicyCatalogue;
  /** Reads the data folder the deployment names. */
  importData: () => Promise<ImportResult>;
  /** This instance as a runner (see runnerId). */
  owner: string;
  caseIdSecret?: string;
  log: Logger;
  /** After each import (the bot swaps its roster and students). */
  onImported?: (imported: ImportResult) => void;
}

/** Run statuses that mean "this policy and date are done": not run again. */
const FINISHED: ReadonlySet<RunRecord["status"]> = new Set(["succeeded", "skipped"]);

export class ScheduledRuns {
  private calendars: Map<string, SchoolCalendar> | undefined;

  constructor(private readonly options: ScheduledRunsOptions) {}

  schedules(): { policyId: string; schedule: string; timezone: string }[] {
    return this.options.catalogue
      .policies()
      .map((p) => ({ policyId: p.id, schedule: p.schedule, timezone: p.timezone }));
  }

  /** Whether the date is a school day for any of the policy's schools, from the last import. */
  async isSchoolDay(policyId: string, asOf: string): Promise<boolean> {
    const policy = this.options.catalogue.get(policyId);
    if (policy === undefined) return false;
    if (this.calendars === undefined) await this.importData();
    return isSchoolDayFor(policy, this.calendars ?? new Map(), parseIsoDate(asOf) as DayNumber);
  }

  async hasRun(policyId: string, asOf: string): Promise<boolean> {
    const runs = await this.options.store.listRuns({ policyId, asOf });
    return runs.some((r) => FINISHED.has(r.status));
  }

  async run(request: RunRequest, signal: AbortSignal): Promise<void> {
    const { store, log } = this.options;
    await this.refreshPolicies(request.scheduledAt);
    const policy = this.options.catalogue.get(request.policyId);
    if (policy === undefined) return;
    // Another instance may have finished this date already: nothing to import for it.
    if (await this.hasRun(policy.id, request.asOf)) return;
    const imported = await this.importData();
    if (signal.aborted) return;
    const asOf = parseIsoDate(request.asOf) as DayNumber;
    if (!isSchoolDayFor(policy, this.calendars ?? new Map(), asOf)) {
      await this.skip(
        request,
        `${request.asOf} is not a school day for any of the policy's schools`,
      );
      return;
    }
    try {
      const result = await runPolicy({
        store,
        policy,
        dataset: imported.dataset,
        asOf,
        at: request.scheduledAt,
        owner: this.options.owner,
        once: true,
        importCounts: importCounts(imported.report),
        ...(this.options.caseIdSecret !== undefined && { caseIdSecret: this.options.caseIdSecret }),
      });
      log.info(
        {
          policy: policy.id,
          asOf: request.asOf,
          reason: request.reason,
          findings: result.evaluation.counts.findings,
          opened: result.opened,
          signalsAdded: result.signalsAdded,
          warnings: result.check.warnings.length,
        },
        "scheduled run done",
      );
      await this.sweep(policy, request, imported);
    } catch (error) {
      if (error instanceof DataCheckFailed) {
        // Recorded as failed by the run; the policy's channel hears it once per date.
        log.warn(
          { policy: policy.id, asOf: request.asOf, problems: error.check.errors.length },
          "scheduled run refused: the policy does not fit its data",
        );
        await store.enqueueOutbox([
          {
            id: `run-refused:${policy.id}:${request.asOf}`,
            policyId: policy.id,
            kind: "channel_notice",
            payload: { text: refusedRunText(policy.id, request.asOf, error) },
            createdAt: request.scheduledAt,
          },
        ]);
        // Waiting cases are counted in school days, not in data: they are looked at still.
        await this.sweep(policy, request, imported);
        return;
      }
      if (error instanceof RunInProgress || error instanceof AlreadyRun) {
        log.info(
          { policy: policy.id, asOf: request.asOf },
          error instanceof AlreadyRun ? "the run was done already" : "another runner has this run",
        );
        return;
      }
      log.error(
        { policy: policy.id, asOf: request.asOf, error: String(error) },
        "scheduled run failed",
      );
    }
  }

  /**
   * After this instance's run of a school day: the engine proposes the escalations the
   * policy asks for and reminds the team of cases nobody has taken (app/case-sweep.ts).
   * A failure is logged; the next school day's sweep sees the same cases again.
   */
  private async sweep(policy: Policy, request: RunRequest, imported: ImportResult): Promise<void> {
    if (policy.escalation === undefined) return;
    const { dataset } = imported;
    try {
      const schoolDays = new Map<string, ArrayLike<number>>();
      for (const [school, calendar] of this.calendars ?? []) schoolDays.set(school, calendar.days);
      const swept = await sweepCases({
        store: this.options.store,
        policy,
        asOf: parseIsoDate(request.asOf) as DayNumber,
        at: request.scheduledAt,
        schoolDays,
        studentOf: (id) => dataset.students[dataset.studentIndex.get(id) ?? -1],
        roster: rosterOf(dataset.staff),
      });
      this.options.log.info(
        {
          policy: policy.id,
          asOf: request.asOf,
          escalationsProposed: swept.escalationsProposed,
          reminders: swept.reminders,
          passed: swept.passed.length,
        },
        "open cases swept",
      );
    } catch (error) {
      this.options.log.error(
        { policy: policy.id, asOf: request.asOf, error: String(error) },
        "sweeping the open cases failed",
      );
    }
  }

  /** Records a firing that did not run. Its id is the firing's, so instances record it once. */
  async skip(request: RunRequest, reason: string): Promise<void> {
    await this.options.store.saveRun({
      runId: `${request.policyId}:${request.asOf}:${request.scheduledAt}:skipped`,
      policyId: request.policyId,
      asOf: request.asOf,
      startedAt: request.scheduledAt,
      finishedAt: request.scheduledAt,
      status: "skipped",
      counts: {},
      errors: [reason],
    });
    this.options.log.info({ policy: request.policyId, asOf: request.asOf, reason }, "run skipped");
  }

  private async importData(): Promise<ImportResult> {
    const imported = await this.options.importData();
    this.calendars = buildCalendars(imported.dataset);
    this.options.onImported?.(imported);
    return imported;
  }

  /** Reads the policy files again; a change that was not taken is told to its channel once. */
  private async refreshPolicies(at: string): Promise<void> {
    const { store, log, catalogue } = this.options;
    const refresh = await catalogue.refresh();
    if (refresh.changed.length > 0 || refresh.removed.length > 0) {
      log.info({ changed: refresh.changed, removed: refresh.removed }, "policies read again");
    }
    for (const change of refresh.rejected) {
      log.warn(
        { file: change.file, policy: change.policyId, problems: change.problems.length },
        "a policy change was not taken",
      );
      if (change.policyId === undefined) continue;
      await store.enqueueOutbox([
        {
          id: `policy-notice:${change.policyId}:${change.version.slice(0, 32)}`,
          policyId: change.policyId,
          kind: "channel_notice",
          payload: { text: rejectedChangeText(change) },
          createdAt: at,
        },
      ]);
    }
  }
}

/** What the policy's channel is told when a scheduled run was refused by the data check. */
export function refusedRunText(policyId: string, asOf: string, error: DataCheckFailed): string {
  const problems = error.check.errors;
  return [
    `Reach did not run policy ${policyId} for ${asOf}: the data does not fit the policy, so no case was opened on it.`,
    ...problems.slice(0, 10).map((p) => `- ${formatDataProblem(p)}`),
    ...(problems.length > 10 ? [`- … and ${problems.length - 10} more`] : []),
    "Stale data usually means the nightly export has stopped; the next run tries again.",
  ].join("\n");
}

/**
 * A school day for any of the policy's schools ("*": any school in the data). Past the end
 * of what a school's calendar covers (a calendar derived from attendance ends with the
 * data), Monday to Friday count.
 */
export function isSchoolDayFor(
  policy: Pick<Policy, "schools">,
  calendars: ReadonlyMap<string, SchoolCalendar>,
  day: DayNumber,
): boolean {
  const all = policy.schools.includes("*");
  let known = false;
  for (const [school, calendar] of calendars) {
    if (!all && !policy.schools.includes(school)) continue;
    known = true;
    const last = calendar.days.length > 0 ? calendar.days[calendar.days.length - 1] : -Infinity;
    if (day <= last ? calendar.isSchoolDay(day) : isWeekday(day)) return true;
  }
  return !known && isWeekday(day);
}

function isWeekday(day: DayNumber): boolean {
  const w = weekday(day);
  return w >= 1 && w <= 5;
}
