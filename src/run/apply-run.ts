/**
 * A real run of one policy for one date: check the policy against the data (a source,
 * school or kind the data does not have, or data older than the policy's `max_data_age`,
 * and the run is recorded as failed with the reasons, nothing evaluated, no case opened),
 * evaluate, then apply the findings to the store —
 * a new case for a student without an open one, new signals on an open case — with the
 * outbox entry that will put each change in front of the team, and save the rule state.
 * A watch rule's signals (`action: watch`) never open a case: they are recorded on the
 * student's open case (one opened by this run included) as `signal_added` events flagged
 * `watch`, and counted on the run record (`watched`, `watched:<rule id>`).
 *
 * Safe to repeat and to resume: case ids come from (policy, student, date) and outbox
 * ids from (case, version, kind), so applying the same date again, or again after a
 * crash half-way, changes nothing that was already applied. A lease keeps two runners
 * from applying the same policy and date at once.
 */

import { buildCalendars } from "../calendar/index.ts";
import {
  type AuditEntry,
  applyFinding,
  type CaseCommand,
  type CaseCommandOf,
  type CaseEvent,
  type CaseState,
  decide,
  ENGINE_ACTOR,
  foldCase,
  isOpen,
  rosterOf,
} from "../cases/index.ts";
import type { Dataset } from "../data/dataset.ts";
import { type DayNumber, formatDay } from "../data/dates.ts";
import type { DataCheck, Finding, Policy, Watched } from "../rules/index.ts";
import {
  checkPolicyAgainstData,
  DataCheckFailed,
  type Evaluation,
  emptyRuleState,
  evaluate,
  formatDataProblem,
} from "../rules/index.ts";
import type { AppendRequest, RunRecord, Store, StoredCase } from "../store/index.ts";
import { caseIdFor, outboxIdFor } from "../store/index.ts";
import { notePolicyVersion } from "./policy-version.ts";

export interface ApplyRunOptions {
  store: Store;
  policy: Policy;
  dataset: Dataset;
  asOf: DayNumber;
  /**
   * The run's time, recorded on every event it writes. A fixed time per policy and date
   * (the scheduled time) keeps a repeated run byte-identical.
   */
  at: string;
  /** Who holds the run's lease (a process or instance id). */
  owner: string;
  /**
   * Keys case ids, so they cannot be recomputed from a student id without it: a secret the
   * deployment supplies (REACH_CASE_ID_SECRET); the store's installation secret when absent.
   */
  caseIdSecret?: string;
  /**
   * How long the lease lasts without a heartbeat (default 2 minutes); the run renews it
   * every third of that while it works, so a runner that died frees the date soon even
   * where nobody can tell that it died.
   */
  leaseMs?: number;
  /**
   * Whether the runner named by a lease's owner is known to be gone (a process on this host
   * that no longer exists): then its lease is taken over at once instead of waited out.
   */
  isGone?: (owner: string) => boolean;
  /** The clock for heartbeats (default: the system clock). */
  clock?: () => Date;
  /**
   * Run the date at most once: when a run of this policy and date already succeeded (or was
   * recorded as skipped), do nothing and throw `AlreadyRun`. Checked under the lease, so two
   * runners racing for a date cannot both pass it. The scheduler asks for this; a person
   * running `reach run` again gets the repeat, which changes nothing.
   */
  once?: boolean;
  /**
   * What the import that produced `dataset` counted (rows accepted and rejected, files
   * rejected): kept with the run's own counts on its record, so a run shows every step.
   */
  importCounts?: Record<string, number>;
}

export interface ApplyRunResult {
  /** The policy checked against the data: its warnings, and each stream's last date. */
  check: DataCheck;
  evaluation: Evaluation;
  opened: number;
  signalsAdded: number;
  /** Findings whose case already held every signal (or was applied before). */
  unchanged: number;
  /** Open cases on which this run recorded watch rules' signals ("Also watching"). */
  watchedOnCases: number;
  /** Findings the case domain refused, with why (should be none for the engine). */
  refused: { studentId: string; message: string }[];
}

export class RunInProgress extends Error {
  readonly code = "run_in_progress";
}

/** The date was run before and `once` was asked for: nothing was done. */
export class AlreadyRun extends Error {
  readonly code = "already_run";
}

export async function applyRun(options: ApplyRunOptions): Promise<ApplyRunResult> {
  const { store, policy, dataset, at, owner } = options;
  const asOf = formatDay(options.asOf);
  const calendars = buildCalendars(dataset);
  const check = checkPolicyAgainstData(policy, dataset, calendars, options.asOf);
  const ttlMs = options.leaseMs ?? 2 * 60_000;
  const clock = options.clock ?? (() => new Date());
  const request = { policyId: policy.id, asOf, owner, now: at, ttlMs };
  let lease = await store.acquireLease(request);
  if (!lease.ok && options.isGone?.(lease.holder.owner)) {
    lease = await store.acquireLease({ ...request, takeOverFrom: lease.holder.owner });
  }
  if (!lease.ok) {
    throw new RunInProgress(
      `policy ${policy.id} is already being run for ${asOf} (by ${lease.holder.owner} until ${lease.holder.expiresAt})`,
    );
  }
  const heartbeat = setInterval(() => {
    const now = new Date(Math.max(clock().getTime(), Date.parse(at))).toISOString();
    store.acquireLease({ ...request, now }).catch(() => {
      // A missed heartbeat only shortens the lease; the run itself goes on.
    });
  }, ttlMs / 3);
  heartbeat.unref();
  const runId = `${policy.id}:${asOf}:${at}:${owner}`;
  const started: Omit<RunRecord, "status"> = {
    runId,
    policyId: policy.id,
    asOf,
    startedAt: at,
    counts: { ...options.importCounts },
    errors: [],
    ...checkRecord(check),
  };
  try {
    if (options.once) {
      const done = (await store.listRuns({ policyId: policy.id, asOf })).find(
        (r) => r.status === "succeeded" || r.status === "skipped",
      );
      if (done !== undefined) {
        throw new AlreadyRun(`policy ${policy.id} was already run for ${asOf} (${done.runId})`);
      }
    }
    await closeAbandonedRuns(store, policy.id, asOf, runId, owner, at);
    // The text evaluated is a version in the policy's history; the cases it opens name it.
    const version = await notePolicyVersion(store, policy, at);
    if (version !== undefined) started.policyVersion = version.version;
    if (check.errors.length > 0) {
      // Refused before anything is evaluated: no case opens on numbers the data cannot back.
      await store.saveRun({
        ...started,
        status: "failed",
        finishedAt: at,
        errors: check.errors.map((e) => formatDataProblem(e)),
      });
      throw new DataCheckFailed(policy.id, check);
    }
    await store.saveRun({ ...started, status: "running" });
    // A run that crashed may have left follow-up writes undone: finish them first.
    await store.finishInterrupted();
    const saved = await store.loadRuleState(policy.id);
    const evaluation = evaluate({
      dataset,
      policy,
      asOf: options.asOf,
      previous: saved?.state ?? emptyRuleState(policy.id),
      calendars,
    });
    const result = await applyFindings(options, evaluation, check, version?.version);
    await store.saveRuleState(policy.id, asOf, evaluation.state);
    await store.saveRun({
      ...started,
      status: "succeeded",
      finishedAt: at,
      counts: {
        ...options.importCounts,
        studentsEvaluated: evaluation.counts.studentsEvaluated,
        findings: evaluation.counts.findings,
        casesOpened: result.opened,
        signalsAdded: result.signalsAdded,
        unchanged: result.unchanged,
        refused: result.refused.length,
        ...watchCounts(evaluation, result),
      },
    });
    return result;
  } catch (error) {
    if (!(error instanceof DataCheckFailed) && !(error instanceof AlreadyRun)) {
      await store.saveRun({
        ...started,
        status: "failed",
        finishedAt: at,
        errors: [String(error)],
      });
    }
    throw error;
  } finally {
    clearInterval(heartbeat);
    await store.releaseLease(policy.id, asOf, owner);
  }
}

/**
 * The run record's counts of watch rules, only when the policy has any: students watched,
 * open cases that recorded their signals, and students watched per rule (`watched:<id>`).
 */
function watchCounts(evaluation: Evaluation, result: ApplyRunResult): Record<string, number> {
  const perRule = Object.entries(evaluation.counts.watchedByRule);
  if (perRule.length === 0) return {};
  const counts: Record<string, number> = {
    watched: evaluation.counts.watched,
    watchedOnCases: result.watchedOnCases,
  };
  for (const [ruleId, n] of perRule) counts[`watched:${ruleId}`] = n;
  return counts;
}

/** What a run record keeps of the data check: its warnings and the data's last dates. */
function checkRecord(check: DataCheck): Pick<RunRecord, "warnings" | "dataThrough"> {
  const record: Pick<RunRecord, "warnings" | "dataThrough"> = {};
  if (check.warnings.length > 0) {
    record.warnings = check.warnings.map((w) => formatDataProblem(w, "warning"));
  }
  const through = check.streams.flatMap((s) =>
    s.last === undefined ? [] : [{ stream: s.stream, last: s.last }],
  );
  if (through.length > 0) record.dataThrough = through;
  return record;
}

/**
 * A run record still `running` for this policy and date, other than ours, belongs to a
 * runner that stopped before it finished (we hold the lease, so no other is at work): it
 * is closed as failed, saying so. What it left half done, this run finishes.
 */
async function closeAbandonedRuns(
  store: Store,
  policyId: string,
  asOf: string,
  runId: string,
  owner: string,
  at: string,
): Promise<void> {
  for (const run of await store.listRuns({ policyId, asOf })) {
    if (run.status !== "running" || run.runId === runId) continue;
    await store.saveRun({
      ...run,
      status: "failed",
      finishedAt: at,
      errors: [
        ...run.errors,
        `stopped before it finished (its runner was gone); ${owner} took the run over and finished it`,
      ],
    });
  }
}

async function applyFindings(
  options: ApplyRunOptions,
  evaluation: Evaluation,
  check: DataCheck,
  policyVersion: number | undefined,
): Promise<ApplyRunResult> {
  const { store, policy, dataset, at } = options;
  const roster = rosterOf(dataset.staff);
  const result: ApplyRunResult = {
    check,
    evaluation,
    opened: 0,
    signalsAdded: 0,
    unchanged: 0,
    watchedOnCases: 0,
    refused: [],
  };
  const requests: AppendRequest[] = [];
  /** Per request: whether it carries a finding's change, and watched signals. */
  const carries: { finding: boolean; watched: boolean }[] = [];
  // An empty value (an environment variable set to "") supplies no secret.
  const secret = options.caseIdSecret || (await store.installationSecret());
  // The policy's open cases in one read: the store's work then follows what changes.
  const openCases = new Map<string, { stored: StoredCase; state: CaseState }>();
  for (const stored of await store.listOpenCases(policy.id)) {
    const state = foldCase(stored.events);
    if (state) openCases.set(state.studentId, { stored, state });
  }
  for (const { finding, watched } of byStudent(evaluation)) {
    const studentId = finding?.studentId ?? (watched as Watched).studentId;
    const found = openCases.get(studentId);
    // Watched signals alone never open a case: without an open one there is nothing to do.
    if (finding === undefined && found === undefined) continue;
    const open = found?.stored;
    const caseId =
      open?.caseId ??
      caseIdFor({ policyId: policy.id, studentId, asOf: (finding as Finding).asOf }, secret);
    const student = dataset.students[dataset.studentIndex.get(studentId) ?? -1];
    const context = { caseId, student, policy, roster };
    let history: readonly CaseEvent[] = open?.events ?? [];
    let state = found?.state;
    const events: CaseEvent[] = [];
    const audit: AuditEntry[] = [];
    let kind: "case_card" | "card_update" | undefined;
    const apply = (command: CaseCommand): boolean => {
      const decision = decide(history, command, ENGINE_ACTOR, context);
      if (!decision.ok) {
        result.refused.push({ studentId, message: decision.refusal.message });
        return false;
      }
      events.push(...decision.events);
      audit.push(decision.audit);
      history = [...history, ...decision.events];
      state = decision.state;
      kind ??= command.type === "open" ? "case_card" : "card_update";
      return true;
    };
    const findingCommand = finding && applyFinding(state, finding, at, policyVersion);
    if (finding && !findingCommand) result.unchanged++;
    if (findingCommand && !apply(findingCommand)) continue;
    const watchCommand = watched && watchedCommand(state, watched, at);
    if (watchCommand) apply(watchCommand);
    if (kind === undefined) continue; // nothing new, or refused
    const version = open?.version ?? 0;
    requests.push({
      policyId: policy.id,
      caseId,
      expectedVersion: version,
      events,
      outbox: [
        { id: outboxIdFor(caseId, version, kind), kind, payload: { caseId }, createdAt: at },
      ],
      audit,
    });
    carries.push({
      finding: findingCommand !== undefined,
      watched: events.some((e) => e.type === "signal_added" && e.signal.watch === true),
    });
  }
  const appended = await store.appendManyCaseEvents(requests);
  appended.forEach((r, i) => {
    const request = requests[i];
    const carried = carries[i];
    if (r.ok && !r.replayed) {
      if (request.expectedVersion === 0) result.opened++;
      else if (carried.finding) result.signalsAdded++;
      if (carried.watched) result.watchedOnCases++;
    } else if (carried.finding) {
      // Applied before (a repeated or resumed run), or the case moved on meanwhile: the
      // next run sees the case as it is now.
      result.unchanged++;
    }
  });
  return result;
}

/** Each student with a finding, watched signals or both, by student id (both lists are sorted). */
function* byStudent(evaluation: Evaluation): Generator<{ finding?: Finding; watched?: Watched }> {
  const { findings, watched } = evaluation;
  let i = 0;
  let j = 0;
  while (i < findings.length || j < watched.length) {
    const f = findings[i];
    const w = watched[j];
    if (w === undefined || (f !== undefined && f.studentId < w.studentId)) {
      yield { finding: f };
      i++;
    } else if (f === undefined || w.studentId < f.studentId) {
      yield { watched: w };
      j++;
    } else {
      yield { finding: f, watched: w };
      i++;
      j++;
    }
  }
}

/**
 * The watched signals an open case does not hold yet, as a command for `decide`; undefined
 * when the case is not open (watched signals never open one) or already holds them all.
 */
function watchedCommand(
  state: CaseState | undefined,
  watched: Watched,
  at: string,
): CaseCommandOf<"add_signal"> | undefined {
  if (state === undefined || !isOpen(state)) return undefined;
  const known = new Set(state.signals.map((s) => s.signal.ruleId));
  const signals = watched.signals.filter((s) => !known.has(s.ruleId));
  if (signals.length === 0) return undefined;
  return {
    type: "add_signal",
    version: state.version,
    at,
    asOf: watched.asOf,
    signals,
    inhibited: [],
  };
}
