/**
 * One measured digest-benchmark run in its own process, so its peak memory is its own.
 * It reports one line on stdout, `BENCH_RESULT {json}` (bench/engine/child.ts), after the
 * work, so `process.resourceUsage().maxRSS` covers all of it.
 *
 *   node --expose-gc --import tsx bench/digest/child.ts --mode MODE --data DIR --db FILE
 *        --date YYYY-MM-DD [--digest-out FILE]
 *
 * Modes:
 * - `digest`: `weeklyDigest` as the scheduler calls it, importing the data inside (timed
 *   whole);
 * - `digest-imported`: the data imported first (untimed), then `weeklyDigest` with
 *   `imported` passed in (timed): the digest's own work. Then, untimed by the above, each
 *   part of it again on its own (case reads, summariseCaseWeek, hybridEngagement,
 *   helpOutcomes, quarterFairness…), and the case reads split into SQL and validation;
 * - `dry-run`: `dryRun` of the same policy and date over the same folder: the reference.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { weeklyDigest } from "../../src/app/weekly-digest.ts";
import { buildCalendars } from "../../src/calendar/index.ts";
import { type CaseEvent, parseCaseEvents } from "../../src/cases/index.ts";
import type { ImportResult } from "../../src/data/adapters/adapter.ts";
import { ADAPTERS } from "../../src/data/adapters/index.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { policyScope } from "../../src/rules/index.ts";
import { loadPolicyFile } from "../../src/rules/loader.ts";
import { dryRun } from "../../src/run/dry-run.ts";
import {
  helpOutcomes,
  hybridEngagement,
  quarterFairness,
  quarterOf,
  summariseCaseWeek,
} from "../../src/run/index.ts";
import { openSqliteStore } from "../../src/store/index.ts";
import { RESULT_MARKER } from "../engine/child.ts";
import { POLICY_FILE } from "./setup.ts";

export const MODES = ["digest", "digest-imported", "dry-run"] as const;
export type Mode = (typeof MODES)[number];

export interface DigestChildResult {
  mode: Mode;
  /** The measured work, ms. */
  elapsedMs: number;
  /** dry-run: its own split; digest-imported: the untimed import before the digest. */
  importMs?: number;
  evaluateMs?: number;
  /** digest-imported: each part again on its own, ms, in the digest's order. */
  parts?: Record<string, number>;
  /** What the run counted, to check the sides agree across repetitions. */
  answer: Record<string, number>;
  startRssBytes: number;
  /** Peak RSS of the whole process. */
  maxRssBytes: number;
  /** digest-imported: peak RSS when the digest started (after the import and a GC). */
  maxRssBeforeBytes?: number;
  /** Highest V8 heap in use seen by a 5 ms sampler over the measured work (a lower bound). */
  peakHeapBytes: number;
  /** Heap in use when the measured work started (after a GC). */
  heapBeforeBytes: number;
}

const startRssBytes = process.memoryUsage.rss();
const { values } = parseArgs({
  options: {
    mode: { type: "string" },
    data: { type: "string" },
    db: { type: "string" },
    date: { type: "string" },
    "digest-out": { type: "string" },
  },
});
const mode = values.mode as Mode;
const day = values.date === undefined ? undefined : parseIsoDate(values.date);
if (!MODES.includes(mode) || !values.data || !values.db || day === undefined) {
  console.error(
    `usage: child.ts --mode ${MODES.join("|")} --data DIR --db FILE --date YYYY-MM-DD [--digest-out FILE]`,
  );
  process.exit(2);
}
const date: number = day;
const dataDir = values.data;
const loaded = await loadPolicyFile(POLICY_FILE);
if (!loaded.ok) throw new Error(`${POLICY_FILE} does not load`);
const policy = loaded.policy;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** A count the fairness table shows, or -1 when it hides it. */
function shown(count: unknown): number {
  return typeof count === "number" ? count : -1;
}

/** Samples heapUsed every 5 ms while the work awaits (the import's workers, the store). */
class HeapSampler {
  peak = 0;
  private timer: NodeJS.Timeout;
  constructor() {
    this.sample();
    this.timer = setInterval(() => this.sample(), 5);
  }
  sample(): void {
    const used = process.memoryUsage().heapUsed;
    if (used > this.peak) this.peak = used;
  }
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}

const maxRss = () => process.resourceUsage().maxRSS * 1024;
const at = `${values.date}T18:00:00.000Z`;
let result: DigestChildResult;

if (mode === "dry-run") {
  gc();
  const heapBeforeBytes = process.memoryUsage().heapUsed;
  const sampler = new HeapSampler();
  const t = performance.now();
  const run = await dryRun({ policy, source: "canonical", dataDir, asOf: date });
  const elapsedMs = performance.now() - t;
  const peakHeapBytes = sampler.stop();
  result = {
    mode,
    elapsedMs,
    importMs: run.timings.importMs,
    evaluateMs: run.timings.evaluateMs,
    answer: {
      findings: run.findings.length,
      watched: run.evaluation.counts.watched,
      students: run.dataset.students.length,
    },
    startRssBytes,
    maxRssBytes: maxRss(),
    peakHeapBytes,
    heapBeforeBytes,
  };
} else {
  const store = openSqliteStore({ path: values.db });
  let imported: ImportResult | undefined;
  let importMs: number | undefined;
  if (mode === "digest-imported") {
    const t = performance.now();
    imported = await ADAPTERS.canonical.import(dataDir);
    importMs = performance.now() - t;
  }
  gc();
  const heapBeforeBytes = process.memoryUsage().heapUsed;
  const maxRssBeforeBytes = maxRss();
  const sampler = new HeapSampler();
  const t = performance.now();
  const digest = await weeklyDigest({
    store,
    policy,
    source: "canonical",
    dataDir,
    date,
    at,
    actor: "bench",
    ...(imported !== undefined && { imported }),
  });
  const elapsedMs = performance.now() - t;
  const peakHeapBytes = sampler.stop();
  const maxRssBytes = maxRss();
  if (values["digest-out"]) writeFileSync(values["digest-out"], `${JSON.stringify(digest)}\n`);
  const parts = imported === undefined ? undefined : await timeParts(imported);
  await store.close();
  result = {
    mode,
    elapsedMs,
    ...(importMs !== undefined && { importMs }),
    ...(parts !== undefined && { parts }),
    answer: {
      opened: digest.cases.opened,
      confirmed: digest.cases.confirmed,
      dismissed: digest.cases.dismissed,
      resolved: digest.cases.resolved,
      openNow: digest.cases.openNow,
      firstContacts: digest.firstContact.cases,
      runsSucceeded: digest.runs.succeeded,
      helpRows: digest.help.rows.length,
      fairnessFields: digest.fairness?.fields.length ?? -1,
      fairnessFlagged: shown(digest.fairness?.overall.flagged),
    },
    startRssBytes,
    // The parts run after the digest: its peak is the one measured before them.
    maxRssBytes,
    ...(mode === "digest-imported" && { maxRssBeforeBytes }),
    peakHeapBytes,
    heapBeforeBytes,
  };

  /** The digest's steps one by one, as weekly-digest.ts makes them, each timed. */
  async function timeParts(data: ImportResult): Promise<Record<string, number>> {
    const p: Record<string, number> = {};
    const time = async <T>(name: string, f: () => T | Promise<T>): Promise<T> => {
      const s = performance.now();
      const r = await f();
      p[name] = performance.now() - s;
      return r;
    };
    const summaries = await time("listCases", () => store.listCases({ policyId: policy.id }));
    const cases = await time("getCase × n", async () => {
      const out: CaseEvent[][] = [];
      for (const summary of summaries) {
        const stored = await store.getCase(policy.id, summary.caseId);
        if (stored !== undefined && stored.events.length > 0) out.push(stored.events);
      }
      return out;
    });
    // The same reads split: the SQL alone (one query per case, as getCase does, then one
    // query for all), and validating the histories with parseCaseEvents.
    const byCase = store.db
      .prepare("SELECT body FROM case_events WHERE case_id = ? ORDER BY version")
      .pluck();
    const raw = await time("  sql per case", () =>
      summaries.map((s) => byCase.all(s.caseId) as string[]),
    );
    await time("  sql one query", () =>
      store.db
        .prepare(
          "SELECT e.case_id, e.body FROM case_events e JOIN cases c ON c.case_id = e.case_id " +
            "WHERE c.policy_id = ? ORDER BY e.case_id, e.version",
        )
        .raw()
        .all(policy.id),
    );
    await time("  JSON.parse", () => raw.map((bodies) => bodies.map((b) => JSON.parse(b))));
    const parsed = raw.map((bodies) => bodies.map((b) => JSON.parse(b)));
    await time("  parseCaseEvents", () => parsed.map((events) => parseCaseEvents(events)));
    const runs = await time("listRuns", () => store.listRuns({ policyId: policy.id }));
    const dead = await time("listOutbox dead", () =>
      store.listOutbox({ policyId: policy.id, status: "dead" }),
    );
    const calendars = await time("buildCalendars", () => buildCalendars(data.dataset));
    await time("summariseCaseWeek", () =>
      summariseCaseWeek({ policy, date, cases, runs, deadLetters: dead }),
    );
    await time("hybridEngagement", () =>
      hybridEngagement({
        dataset: data.dataset,
        calendars,
        policy,
        week: { from: date - 6, to: date },
        previous: { from: date - 13, to: date - 7 },
      }),
    );
    await time("helpOutcomes", () =>
      helpOutcomes({ cases, dataset: data.dataset, calendars, policy, asOf: date }),
    );
    const scope = await time("policyScope", () =>
      policyScope({ dataset: data.dataset, policy, asOf: date, calendars }),
    );
    await time("quarterFairness", () =>
      quarterFairness({
        quarter: quarterOf(date),
        through: date,
        students: scope.contexts.map((c) => c.student.id),
        findings: cases.map((events) => {
          const opened = events[0] as CaseEvent & { type: "opened" };
          return { studentId: opened.studentId, day: parseIsoDate(opened.asOf) as number };
        }),
        demographics: data.monitoring.demographics,
      }),
    );
    return p;
  }
}

process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
