/**
 * A policy's weekly digest for its engagement leads (docs/digest.md): how the week went
 * for the policy's cases, runs and deliveries, hybrid engagement school by school and
 * section by section, whether the help helped, and the quarter's fairness in aggregate.
 * The figures are worked out by the pure functions of `src/run/digest/`; here the store
 * and the data folder are read.
 *
 * Reading the policy's cases for the digest is a read of case data in aggregate: it is
 * recorded as one audit record of the policy (action `digest`, no case id), saying which
 * week was counted and for whom, not one record per case. No student is named or
 * identified in the digest, and nothing about one is logged.
 *
 * `postWeeklyDigest` queues the digest for Teams once per policy and date (outbox kind
 * `digest`, id `digest:<policy id>:<date>`): the delivery worker posts it to the policy's
 * leads' channel, or its own channel where no leads' channel is linked.
 */
import { buildCalendars } from "../calendar/index.ts";
import { type CaseEvent, ERASED_STUDENT_ID } from "../cases/index.ts";
import type { ImportOptions, ImportResult } from "../data/adapters/adapter.ts";
import { ADAPTERS, type SourceName } from "../data/adapters/index.ts";
import { type DayNumber, formatDay, parseIsoDate } from "../data/dates.ts";
import { type Policy, policyScope } from "../rules/index.ts";
import {
  type DatedStudent,
  type Digest,
  digestWeeks,
  helpOutcomes,
  hybridEngagement,
  type QuarterFairness,
  quarterFairness,
  quarterOf,
  summariseCaseWeek,
} from "../run/index.ts";
import type { Json, Store } from "../store/index.ts";

export type {
  DayRange,
  Digest,
  HelpOutcomeRow,
  HelpOutcomes,
  HybridEngagement,
  HybridRow,
} from "../run/index.ts";

export interface DigestOptions {
  store: Store;
  policy: Policy;
  source: SourceName;
  dataDir: string;
  /** The policy-local date it is made on. */
  date: DayNumber;
  /** ISO time, recorded on the outbox entry and the audit record. */
  at: string;
  /** "reach" for the scheduler; a staff id or an operator label otherwise. */
  actor: string;
  /** The data already imported from `source` and `dataDir` (a caller that holds it); else read now. */
  imported?: ImportResult;
  onProgress?: ImportOptions["onProgress"];
  /** Told what the import found (rows rejected, files refused), when this call imported. */
  onImported?: (imported: ImportResult) => void;
}

/**
 * Lets the event loop take what is waiting (a card action, a delivery) between the digest's
 * stages: in the bot's process, a digest of a large school is a second or two of work.
 */
/** Lets the event loop run other work (a card action) between long synchronous stages. */
export const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The outbox id of a policy's digest of a date: one digest per policy and date. */
export function digestOutboxId(policyId: string, date: string): string {
  return `digest:${policyId}:${date}`;
}

/** The digest of the policy for the seven days up to `date`. Reads the store and the data. */
export async function weeklyDigest(options: DigestOptions): Promise<Digest> {
  const { store, policy, date, at, actor } = options;
  const weeks = digestWeeks(date);
  const lastDay = date;

  const summaries = await store.listCases({ policyId: policy.id });
  const cases: CaseEvent[][] = [];
  for (const [i, summary] of summaries.entries()) {
    const stored = await store.getCase(policy.id, summary.caseId);
    if (stored !== undefined && stored.events.length > 0) cases.push(stored.events);
    if (i % 250 === 249) await breathe();
  }
  const runs = await store.listRuns({ policyId: policy.id });
  const dead = await store.listOutbox({ policyId: policy.id, status: "dead" });

  const imported = options.imported ?? (await importData(options));
  const { dataset, monitoring } = imported;
  const calendars = buildCalendars(dataset);

  await breathe();
  const caseWeek = summariseCaseWeek({ policy, date, cases, runs, deadLetters: dead });
  await breathe();
  const hybrid = hybridEngagement({
    dataset,
    calendars,
    policy,
    week: { from: date - 6, to: lastDay },
    previous: { from: date - 13, to: date - 7 },
  });
  await breathe();
  const help = helpOutcomes({ cases, dataset, calendars, policy, asOf: lastDay });
  await breathe();

  let fairness: QuarterFairness | undefined;
  if (monitoring.demographics.length > 0) {
    const scope = policyScope({ dataset, policy, asOf: lastDay, calendars });
    fairness = quarterFairness({
      quarter: quarterOf(lastDay),
      through: lastDay,
      students: scope.contexts.map((c) => c.student.id),
      findings: caseOpenings(cases),
      demographics: monitoring.demographics,
    });
  }

  await store.appendAudit(policy.id, [
    {
      actor,
      at,
      action: "digest",
      caseId: "",
      allowed: true,
      why:
        `the policy's ${cases.length} case(s) counted, none shown, in its weekly digest of ` +
        `${formatDay(date)} (the week ${weeks.week.from} to ${weeks.week.to})`,
    },
  ]);

  return {
    policyId: policy.id,
    policyName: policy.name,
    date: formatDay(date),
    ...caseWeek,
    hybrid,
    help,
    ...(fairness !== undefined && { fairness }),
  };
}

/**
 * Builds the digest and queues it for Teams (outbox kind `digest`, id
 * `digest:<policyId>:<date>`, payload the Digest). Once per policy and date: when the
 * entry is there already, its digest is answered with `queued: false`, and nothing is
 * read or counted again.
 */
export async function postWeeklyDigest(
  options: DigestOptions,
): Promise<{ digest: Digest; queued: boolean; outboxId: string }> {
  const { store, policy, at } = options;
  const outboxId = digestOutboxId(policy.id, formatDay(options.date));
  const existing = await store.getOutboxEntry({ policyId: policy.id, id: outboxId });
  if (existing !== undefined) {
    return { digest: existing.payload as unknown as Digest, queued: false, outboxId };
  }
  const digest = await weeklyDigest(options);
  const added = await store.enqueueOutbox([
    {
      id: outboxId,
      policyId: policy.id,
      kind: "digest",
      payload: JSON.parse(JSON.stringify(digest)) as Json,
      createdAt: at,
    },
  ]);
  return { digest, queued: added > 0, outboxId };
}

async function importData(options: DigestOptions): Promise<ImportResult> {
  const imported = await ADAPTERS[options.source].import(options.dataDir, {
    onProgress: options.onProgress,
  });
  options.onImported?.(imported);
  return imported;
}

/** Each case as its student and the "data as of" date it opened on; erased cases left out. */
function caseOpenings(cases: readonly (readonly CaseEvent[])[]): DatedStudent[] {
  const openings: DatedStudent[] = [];
  for (const events of cases) {
    const opened = events[0];
    if (opened?.type !== "opened" || opened.studentId === ERASED_STUDENT_ID) continue;
    const day = parseIsoDate(opened.asOf);
    if (day !== undefined) openings.push({ studentId: opened.studentId, day });
  }
  return openings;
}
