/**
 * The digest benchmark's inputs, beside the engine benchmark's canonical bundle:
 *
 * - a data folder that links the bundle's four files and adds `demographics.csv` (two
 *   monitoring fields per student, seeded), so the digest's quarter fairness is computed;
 * - a SQLite store (`openSqliteStore`) holding the policy's case load, written through the
 *   store API: cases opened by the real evaluator's findings on each of the last
 *   `openDays` school days, each with a seeded history made by `decide` (so every event is
 *   one the case workflow allows) and appended with `appendManyCaseEvents`; one run record
 *   per school day (`saveRun`, with the watch counts a real run saves), one failed and one
 *   skipped run; and a few dead letters.
 *
 *   node --import tsx bench/digest/setup.ts --data DIR --db FILE [--cases 5000] [--seed 1]
 */
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildCalendars } from "../../src/calendar/index.ts";
import {
  type CaseCommand,
  type CaseEvent,
  decide,
  ENGINE_ACTOR,
  rosterOf,
} from "../../src/cases/index.ts";
import type { ImportResult } from "../../src/data/adapters/adapter.ts";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import { type DayNumber, formatDay, parseIsoDate } from "../../src/data/dates.ts";
import type { Staff } from "../../src/data/schema.ts";
import { emptyRuleState, evaluate, type Finding, type Policy } from "../../src/rules/index.ts";
import { loadPolicyFile } from "../../src/rules/loader.ts";
import { type AppendRequest, caseIdFor, openSqliteStore } from "../../src/store/index.ts";
import { formatCount, formatMs, intOption, isMain } from "../engine/cli.ts";
import { mulberry32 } from "../engine/prng.ts";

export const POLICY_FILE = "bench/digest/policy.yaml";
const BUNDLE_FILES = ["students.csv", "calendar.csv", "attendance.csv", "activity.csv"] as const;
const HOUR = 3_600_000;

export interface SetupOptions {
  /** The engine benchmark's bundle (read only). */
  bundleDir: string;
  /** Made here: the bundle's files linked, plus demographics.csv. */
  dataDir: string;
  dbPath: string;
  policy: Policy;
  /** The last school day of the bundle: runs and histories end on it. */
  asOf: DayNumber;
  cases: number;
  seed: number;
  /** School days on which cases open (and runs are recorded), ending on `asOf`. */
  openDays?: number;
}

export interface SetupResult {
  cases: number;
  events: number;
  /** Cases by their status at the end. */
  byStatus: Record<string, number>;
  /** Events by type. */
  byType: Record<string, number>;
  runs: number;
  deadLetters: number;
  demographics: number;
  /** Decisions `decide` refused while building histories (expected 0). */
  refused: number;
  ms: number;
  importMs: number;
  evaluateMs: number;
  appendMs: number;
}

/** The data folder the digest and the dry run read: the bundle plus demographics.csv. */
export function makeDataDir(bundleDir: string, dataDir: string, seed: number): number {
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  for (const f of BUNDLE_FILES) symlinkSync(resolve(bundleDir, f), join(dataDir, f));
  const rng = mulberry32(seed * 7919 + 17);
  const ids = readIds(join(bundleDir, "students.csv"));
  const lines = ["student_id,field,value"];
  // Two monitoring fields: one even split with a few unrecorded, one with small groups.
  const ethnicities = ["White", "Asian", "Black", "Mixed", "Other"];
  const weights = [0.62, 0.18, 0.1, 0.07, 0.03];
  for (const id of ids) {
    const r = rng();
    if (r < 0.98) lines.push(`${id},sex,${r < 0.49 ? "F" : "M"}`);
    let u = rng();
    let g = 0;
    while (g < weights.length - 1 && u >= (weights[g] as number)) u -= weights[g++] as number;
    lines.push(`${id},ethnicity,${ethnicities[g]}`);
  }
  writeFileSync(join(dataDir, "demographics.csv"), `${lines.join("\n")}\n`);
  return lines.length - 1;
}

function readIds(studentsCsv: string): string[] {
  const text = readFileSync(studentsCsv, "utf8");
  const ids: string[] = [];
  let i = text.indexOf("\n") + 1;
  while (i < text.length) {
    const comma = text.indexOf(",", i);
    const end = text.indexOf("\n", i);
    if (comma < 0 || end < 0) break;
    ids.push(text.slice(i, comma));
    i = end + 1;
  }
  return ids;
}

/** Four advisers, an engagement lead and an administrator per school of the policy. */
export function benchStaff(schools: readonly string[]): Staff[] {
  const staff = (id: string, school: string, roles: Staff["roles"]): Staff => ({
    id,
    name: id,
    school,
    roles,
    email: undefined,
    aadObjectId: undefined,
  });
  return schools.flatMap((school) => [
    ...Array.from({ length: 4 }, (_, i) => staff(`${school}-adviser-${i}`, school, ["adviser"])),
    staff(`${school}-lead`, school, ["engagement_lead"]),
    staff(`${school}-admin`, school, ["admin"]),
  ]);
}

export async function buildCaseStore(
  options: SetupOptions,
  imported?: ImportResult,
): Promise<SetupResult> {
  const started = performance.now();
  const { policy, asOf, seed } = options;
  const demographics = makeDataDir(options.bundleDir, options.dataDir, seed);

  const t0 = performance.now();
  const { dataset } = imported ?? (await importCanonical(options.dataDir));
  const importMs = performance.now() - t0;
  const calendars = buildCalendars(dataset);
  const schoolDays = new Set<DayNumber>();
  for (const school of policy.schools) {
    for (const d of calendars.get(school)?.days ?? []) if (d <= asOf) schoolDays.add(d);
  }
  const days = [...schoolDays].sort((a, b) => a - b);
  const openDays = days.slice(-(options.openDays ?? 25));
  const cutoff = Date.parse(`${formatDay(asOf)}T17:00:00.000Z`);

  const staff = benchStaff(policy.schools);
  const roster = rosterOf(staff);
  const casePolicy = { id: policy.id, schools: policy.schools, access: policy.access };
  const store = openSqliteStore({ path: options.dbPath });
  const secret = await store.installationSecret();
  const rng = mulberry32(seed * 104_729 + 3);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;
  const weighted = <T>(pairs: readonly (readonly [T, number])[]): T => {
    let u = rng();
    for (const [value, w] of pairs) {
      if (u < w) return value;
      u -= w;
    }
    return (pairs[pairs.length - 1] as readonly [T, number])[0];
  };

  const result: SetupResult = {
    cases: 0,
    events: 0,
    byStatus: {},
    byType: {},
    runs: 0,
    deadLetters: 0,
    demographics,
    refused: 0,
    ms: 0,
    importMs,
    evaluateMs: 0,
    appendMs: 0,
  };
  const withCase = new Set<string>();
  const caseIds: string[] = [];
  let evaluateMs = 0;
  let appendMs = 0;

  for (const [n, day] of openDays.entries()) {
    const date = formatDay(day);
    const t = performance.now();
    const evaluation = evaluate({
      dataset,
      policy,
      asOf: day,
      previous: emptyRuleState(policy.id),
      calendars,
    });
    evaluateMs += performance.now() - t;
    const runAt = Date.parse(`${date}T07:00:00.000Z`);
    // The cases this date opens: an even share of the case load, picked among the day's
    // findings for students without a case yet (a real run would open them all).
    const quota =
      Math.floor((options.cases * (n + 1)) / openDays.length) -
      Math.floor((options.cases * n) / openDays.length);
    const candidates = evaluation.findings.filter((f) => !withCase.has(f.studentId));
    const chosen: Finding[] = [];
    for (let i = 0; i < candidates.length && chosen.length < quota; i++) {
      const j = i + Math.floor(rng() * (candidates.length - i));
      [candidates[i], candidates[j]] = [candidates[j] as Finding, candidates[i] as Finding];
      chosen.push(candidates[i] as Finding);
    }
    const requests: AppendRequest[] = [];
    for (const finding of chosen) {
      withCase.add(finding.studentId);
      const index = dataset.studentIndex.get(finding.studentId) as number;
      const s = dataset.students[index];
      if (s === undefined) throw new Error(`no student ${finding.studentId}`);
      const caseId = caseIdFor({ policyId: policy.id, studentId: s.id, asOf: date }, secret);
      caseIds.push(caseId);
      const history = new History(caseId, roster, casePolicy, s, runAt, cutoff);
      const opened = history.do(ENGINE_ACTOR, { type: "open", finding }, 2 * 60_000);
      if (!opened) throw new Error(`could not open a case for ${s.id}`);
      writeHistory(history, s.school, rng, pick, weighted);
      result.refused += history.refused;
      requests.push({
        policyId: policy.id,
        caseId,
        expectedVersion: 0,
        events: history.events,
        audit: history.audit,
      });
      result.events += history.events.length;
      for (const e of history.events) result.byType[e.type] = (result.byType[e.type] ?? 0) + 1;
    }
    const ta = performance.now();
    const appended = await store.appendManyCaseEvents(requests);
    appendMs += performance.now() - ta;
    const failed = appended.filter((a) => !a.ok).length;
    if (failed > 0) throw new Error(`${failed} case appends refused on ${date}`);
    result.cases += requests.length;

    // The run record a real run of that date saves (counts as apply-run.ts names them).
    const watched = evaluation.counts.watchedByRule;
    await store.saveRun({
      runId: `bench-run-${date}`,
      policyId: policy.id,
      asOf: date,
      startedAt: new Date(runAt).toISOString(),
      finishedAt: new Date(runAt + 95_000).toISOString(),
      status: "succeeded",
      counts: {
        studentsEvaluated: evaluation.counts.studentsEvaluated,
        findings: evaluation.counts.findings,
        opened: requests.length,
        watched: evaluation.counts.watched,
        watchedOnCases: 0,
        ...Object.fromEntries(Object.entries(watched).map(([id, c]) => [`watched:${id}`, c])),
      },
      errors: [],
    });
    result.runs++;
    // A run that failed in the last week (retried and succeeded above), and a skipped one.
    if (n === openDays.length - 3) {
      await store.saveRun({
        runId: `bench-run-${date}-failed`,
        policyId: policy.id,
        asOf: date,
        startedAt: new Date(runAt - 3_600_000).toISOString(),
        finishedAt: new Date(runAt - 3_590_000).toISOString(),
        status: "failed",
        counts: {},
        errors: ["attendance.csv: the file could not be read (EIO)"],
      });
      await store.saveRun({
        runId: `bench-run-${date}-skipped`,
        policyId: policy.id,
        asOf: formatDay(day - 1),
        startedAt: new Date(runAt - 86_400_000).toISOString(),
        finishedAt: new Date(runAt - 86_400_000 + 50).toISOString(),
        status: "skipped",
        counts: {},
        errors: ["not a school day"],
      });
      result.runs += 2;
    }
  }

  // Dead letters: case cards Teams refused for good, some this week.
  const dead = caseIds.filter((_, i) => i % 250 === 7);
  await store.enqueueOutbox(
    dead.map((caseId, i) => ({
      id: `${caseId}:bench-dead`,
      policyId: policy.id,
      caseId,
      kind: "case_card" as const,
      payload: { caseId },
      createdAt: new Date(cutoff - (i % 10) * 86_400_000).toISOString(),
    })),
  );
  for (const caseId of dead) {
    await store.deadLetter({ policyId: policy.id, id: `${caseId}:bench-dead` }, "403 Forbidden");
  }
  result.deadLetters = dead.length;

  for (const summary of await store.listCases({ policyId: policy.id })) {
    result.byStatus[summary.status] = (result.byStatus[summary.status] ?? 0) + 1;
  }
  await store.close();
  result.evaluateMs = evaluateMs;
  result.appendMs = appendMs;
  result.ms = performance.now() - started;
  return result;
}

type Body = CaseCommand extends infer C
  ? C extends CaseCommand
    ? Omit<C, "version" | "at">
    : never
  : never;

/** One case's history, made command by command through `decide`, in time order. */
class History {
  events: CaseEvent[] = [];
  audit: NonNullable<AppendRequest["audit"]> = [];
  refused = 0;
  /** Time of the last event (ms). */
  now: number;

  constructor(
    readonly caseId: string,
    readonly roster: ReturnType<typeof rosterOf>,
    readonly policy: { id: string; schools: string[]; access: Policy["access"] },
    readonly student: { id: string; school: string; adviserIds: string[] },
    start: number,
    readonly cutoff: number,
  ) {
    this.now = start;
  }

  /** The command `afterMs` after the last event; false (and nothing done) past the cut-off. */
  do(actor: string, body: Body, afterMs: number): boolean {
    const at = this.now + Math.max(1000, Math.round(afterMs));
    if (at > this.cutoff) return false;
    const command = {
      ...body,
      version: this.events.length,
      at: new Date(at).toISOString(),
    } as CaseCommand;
    const decision = decide(this.events, command, actor, {
      caseId: this.caseId,
      student: this.student,
      policy: this.policy,
      roster: this.roster,
    });
    if (!decision.ok) {
      this.refused++;
      return false;
    }
    this.events.push(...decision.events);
    this.audit.push(decision.audit);
    this.now = at;
    return true;
  }
}

/**
 * A seeded history after the opening, shaped like a school's case load: about a sixth
 * dismissed (mostly within a few days), most of the rest confirmed, with one to four
 * contact attempts until someone is reached; some resolved, some escalated (proposed by
 * Reach, decided by the lead), a few snoozed or reopened, a handful erased. Commands that
 * would fall after the as-of date are not made, so recent cases are still proposed.
 */
function writeHistory(
  h: History,
  school: string,
  rng: () => number,
  pick: <T>(xs: readonly T[]) => T,
  weighted: <T>(pairs: readonly (readonly [T, number])[]) => T,
): void {
  const adviser = `${school}-adviser-${Math.floor(rng() * 4)}`;
  const lead = `${school}-lead`;
  const hours = (lo: number, hi: number) => (lo + rng() * (hi - lo)) * HOUR;
  const r = rng();
  if (r < 0.17) {
    const reason = weighted([
      ["not_a_concern", 0.35],
      ["known_circumstance", 0.25],
      ["already_in_contact", 0.2],
      ["data_error", 0.1],
      ["other", 0.1],
    ] as const);
    h.do(
      adviser,
      {
        type: "dismiss",
        reason,
        ...(reason === "other" && { text: "Moved to a part-time timetable." }),
      },
      hours(2, 96),
    );
    if (rng() < 0.002) h.do(`${school}-admin`, { type: "erase" }, hours(24, 200));
    return;
  }
  if (!h.do(adviser, { type: "confirm" }, hours(1, 120))) return;
  if (rng() < 0.3) {
    h.do(
      adviser,
      {
        type: "add_note",
        noteId: `n${h.events.length}`,
        text: "Spoke to the form tutor; family known to pastoral team.",
        visibility: "team",
      },
      hours(1, 24),
    );
  }
  const attempts = 1 + Math.floor(rng() * 4);
  let reached = false;
  for (let i = 0; i < attempts && !reached; i++) {
    const outcome = weighted([
      ["reached", 0.45],
      ["no_answer", 0.3],
      ["left_message", 0.2],
      ["wrong_details", 0.05],
    ] as const);
    const channel = pick(["phone", "email", "teams_chat", "in_person"] as const);
    if (!h.do(adviser, { type: "log_contact", channel, outcome }, hours(4, 96))) return;
    reached = outcome === "reached";
  }
  const next = rng();
  if (!reached && next < 0.25) {
    if (!h.do(ENGINE_ACTOR, { type: "propose_escalation", reason: "no contact" }, hours(48, 120)))
      return;
    if (rng() < 0.6) {
      const decision = rng() < 0.7 ? "accept" : "decline";
      h.do(lead, { type: "decide_escalation", decision }, hours(2, 72));
    }
    return;
  }
  if (reached && next < 0.55) {
    const outcome = weighted([
      ["re_engaged", 0.55],
      ["referred", 0.2],
      ["circumstances_recorded", 0.15],
      ["withdrew", 0.05],
      ["other", 0.05],
    ] as const);
    if (
      h.do(
        adviser,
        {
          type: "resolve",
          outcome,
          ...(outcome === "other" && { note: "Moved to another provider." }),
        },
        hours(24, 240),
      )
    ) {
      if (rng() < 0.05) h.do(adviser, { type: "reopen", reason: "absent again" }, hours(48, 200));
    }
    return;
  }
  if (next < 0.62)
    h.do(adviser, { type: "snooze", until: formatDay(dayOf(h.now) + 7) }, hours(1, 48));
}

function dayOf(ms: number): DayNumber {
  return Math.floor(ms / 86_400_000);
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      bundle: { type: "string" },
      data: { type: "string" },
      db: { type: "string" },
      "as-of": { type: "string" },
      cases: { type: "string" },
      seed: { type: "string" },
    },
  });
  const asOf = values["as-of"] === undefined ? undefined : parseIsoDate(values["as-of"]);
  if (!values.bundle || !values.data || !values.db || asOf === undefined) {
    console.error(
      "usage: setup.ts --bundle DIR --data DIR --db FILE --as-of YYYY-MM-DD [--cases 5000] [--seed 1]",
    );
    process.exit(2);
  }
  if (existsSync(values.db)) {
    console.error(`${values.db} exists: the store is made from nothing`);
    process.exit(2);
  }
  const loaded = await loadPolicyFile(POLICY_FILE);
  if (!loaded.ok) throw new Error(`${POLICY_FILE} does not load`);
  const r = await buildCaseStore({
    bundleDir: values.bundle,
    dataDir: values.data,
    dbPath: values.db,
    policy: loaded.policy,
    asOf,
    cases: intOption(values, "cases", 5000),
    seed: intOption(values, "seed", 1, 0),
  });
  printSetup(r);
  process.stdout.write(`SETUP_RESULT ${JSON.stringify(r)}\n`);
}

export function printSetup(r: SetupResult): void {
  const list = (o: Record<string, number>) =>
    Object.entries(o)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${formatCount(v)}`)
      .join(", ");
  console.log(
    `store: ${formatCount(r.cases)} cases, ${formatCount(r.events)} events, ${r.runs} run records, ` +
      `${r.deadLetters} dead letters; ${formatCount(r.demographics)} demographic rows ` +
      `(built in ${formatMs(r.ms)}: import ${formatMs(r.importMs)}, evaluations ${formatMs(r.evaluateMs)}, appends ${formatMs(r.appendMs)})`,
  );
  console.log(`  by status: ${list(r.byStatus)}`);
  console.log(`  events: ${list(r.byType)}`);
  if (r.refused > 0) console.log(`  (${r.refused} commands refused by decide and left out)`);
}
