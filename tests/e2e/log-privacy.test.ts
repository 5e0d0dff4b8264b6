/**
 * Reach's logs carry no personal data: the whole demo (`npm start`), driven without a
 * browser, with Reach's own logger (`createLogger`, src/log.ts) at its most verbose level
 * writing into memory, and every line scanned for the people in the data.
 *
 * The demo as `npm start` runs it — Reach in local mode on the sample school and the
 * Northfield policy, SQLite, the delivery worker — with the Agents Playground replaced by
 * the fake Bot Framework connector (tests/helpers/fake-connector.ts). Reach's side is the
 * same code either way: the same `startReach`, HTTP server, `TeamsAdapter`, bot, case use
 * cases, delivery worker and connector; only the far end of the connector differs. The
 * adviser does what the demo invites (confirm, log a contact attempt, add notes, `my
 * cases`), and more: a stale card, an adviser of another school, a stranger, bad input.
 * On top of the demo, what a deployment adds: the scheduler (a holiday skipped,
 * Thursday's run, then Monday's after a broken policy change), Teams refusing a post and an update once,
 * `/health` and `/ready`, and Reach removed from the team with cards still to update
 * (dead-lettered).
 *
 * The data is the sample school with two columns it lacks filled in for every student —
 * `preferred_name` and `email` — so that Reach holds those too and could leak them.
 * Searched for, in every log line (and in anything else written to the console meanwhile):
 * each student's display name, preferred name, email and id; each member of staff's name
 * and email; each Playground user's name, principal name and email; the text of the notes
 * an adviser adds; and, on their own, every first name and surname (as written, whole
 * words).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseDocument } from "yaml";
import { runPolicy } from "../../src/app/index.ts";
import { foldCase } from "../../src/cases/index.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { type Clock, realClock } from "../../src/delivery/index.ts";
import { DEMO } from "../../src/demo/demo.ts";
import { createLogger } from "../../src/log.ts";
import { openSqliteStore, type SqliteStore } from "../../src/store/index.ts";
import { type ReachRuntime, startReach } from "../../src/teams/index.ts";
import {
  CASES,
  type FakeConnector,
  GENERAL,
  localConfig,
  personalChatId,
  startFakeConnector,
  TeamsSim,
  USERS,
  until,
} from "../helpers/fake-connector.ts";

const NOTE_TEXT =
  "Spoke with the family on Tuesday: the bus pass lapsed, Quillwort arranging a new one";
const RESTRICTED_NOTE = "Disclosed a private family matter to Ms Marchetti in confidence";

/** One thing that must not be logged, and how it is matched. */
interface Needle {
  what: string;
  value: string;
  /** Names and emails in any case; lone first names and surnames only as written. */
  anyCase: boolean;
}

function needleRegex(n: Needle): RegExp {
  const escaped = n.value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, n.anyCase ? "iu" : "u");
}

/** Every needle found in `lines`: `[needle, line]`. */
function findings(lines: readonly string[], needles: readonly Needle[]): [Needle, string][] {
  const found: [Needle, string][] = [];
  const compiled = needles.map((n) => [n, needleRegex(n)] as const);
  for (const line of lines) {
    for (const [n, re] of compiled) if (re.test(line)) found.push([n, line]);
  }
  return found;
}

/**
 * The system clock moved to the demo's days, as `REACH_NOW` moves it: Reach's one clock
 * (the scheduler, the times runs and card actions record, when outbox entries fall due).
 * `jumpTo` moves it on and wakes the scheduler; the delivery worker gets a view of the same
 * time that `jumpTo` does not wake.
 */
function demoTime(start: string) {
  let offset = Date.parse(start) - Date.now();
  const sleepers = new Set<() => void>();
  const now = () => Date.now() + offset;
  const worker: Clock = { now, sleep: (ms, signal) => realClock.sleep(ms, signal) };
  const scheduler: Clock = {
    now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          sleepers.delete(wake);
          signal?.removeEventListener("abort", wake);
          resolve();
        };
        const timer = setTimeout(wake, ms);
        sleepers.add(wake);
        signal?.addEventListener("abort", wake, { once: true });
      }),
  };
  return {
    worker,
    scheduler,
    get sleeping() {
      return sleepers.size > 0;
    },
    jumpTo(to: string) {
      offset = Date.parse(to) - Date.now();
      for (const wake of [...sleepers]) wake();
    },
  };
}

interface Person {
  names: string[];
  emails: string[];
  /** A student's id in the school's systems (case ids are keyed hashes so as not to hold it). */
  studentId?: string;
}

/** The sample school, with a preferred name and an email for every student. */
function writeSchool(dir: string): Person[] {
  mkdirSync(dir, { recursive: true });
  for (const file of [
    "activity.csv",
    "attendance.csv",
    "calendar.csv",
    "schools.csv",
    "staff.csv",
  ]) {
    copyFileSync(join(DEMO.dataDir, file), join(dir, file));
  }
  const rows = parseCsv(readFileSync(join(DEMO.dataDir, "students.csv"), "utf8"), {
    columns: true,
  }) as Record<string, string>[];
  const columns = [...new Set([...Object.keys(rows[0]), "preferred_name", "email"])];
  const people: Person[] = [];
  const lines = rows.map((row) => {
    const [first, ...rest] = row.display_name.split(" ");
    const preferred = `${first}ie`;
    const email = `${first}.${rest.join("")}.${row.id}@students.example.org`.toLowerCase();
    people.push({ names: [row.display_name, preferred], emails: [email], studentId: row.id });
    return columns.map((c) => ({ ...row, preferred_name: preferred, email })[c] ?? "").join(",");
  });
  writeFileSync(join(dir, "students.csv"), `${[columns.join(","), ...lines].join("\n")}\n`);
  return people;
}

function staffPeople(): Person[] {
  const rows = parseCsv(readFileSync(join(DEMO.dataDir, "staff.csv"), "utf8"), {
    columns: true,
  }) as Record<string, string>[];
  return rows.map((r) => ({ names: [r.name], emails: [r.email] }));
}

function playgroundPeople(): Person[] {
  const doc = parseDocument(readFileSync(DEMO.playgroundConfig, "utf8")).toJS() as {
    currentUser: Record<string, string>;
    users: Record<string, string>[];
  };
  return [doc.currentUser, ...doc.users].map((u) => ({
    names: [u.name, `${u.givenName} ${u.surname}`],
    emails: [u.userPrincipleName, u.email],
  }));
}

function needlesFor(people: readonly Person[], notes: readonly string[]): Needle[] {
  const needles = new Map<string, Needle>();
  const add = (what: string, value: string, anyCase: boolean) => {
    const v = value.trim();
    if (v !== "" && !needles.has(`${anyCase}:${v}`))
      needles.set(`${anyCase}:${v}`, { what, value: v, anyCase });
  };
  for (const p of people) {
    for (const name of p.names) {
      add("name", name, true);
      for (const part of name.split(/\s+/)) add("first name or surname", part, false);
    }
    for (const email of p.emails) add("email", email, true);
    if (p.studentId !== undefined) add("student id", p.studentId, true);
  }
  for (const note of notes) add("note text", note, true);
  return [...needles.values()];
}

describe("Reach's logs carry no personal data", () => {
  let dir: string;
  let fake: FakeConnector;
  let store: SqliteStore;
  let reach: ReachRuntime;
  let teams: TeamsSim;
  let needles: Needle[];
  /** Log lines, as Reach's logger wrote them. */
  const lines: string[] = [];
  /** Anything else written to the console meanwhile (libraries), one entry per call. */
  const consoleOutput: string[] = [];
  // A summer morning before the school year: nothing to catch up on at start.
  const time = demoTime("2026-08-20T06:30:00Z");

  const pending = async () => (await store.countOutbox(DEMO.policyId)).pending;
  async function drained() {
    try {
      await until(async () => (await pending()) === 0, "the outbox to drain", 90_000);
    } catch (error) {
      const left = (await store.listOutbox({ policyId: DEMO.policyId }))
        .filter((e) => e.status === "pending")
        .map((e) => `${e.kind} ${e.id}: ${e.lastError ?? "not tried"}`);
      throw new Error(`${(error as Error).message}; pending: ${left.join("; ")}`);
    }
  }
  async function stored(caseId: string) {
    const c = await store.getCase(DEMO.policyId, caseId);
    if (c === undefined) throw new Error(`no case ${caseId}`);
    return c;
  }
  /** A click on a case's card in the channel, on the version the store has now. */
  async function click(
    user: typeof USERS.alex,
    verb: string,
    caseId: string,
    form: Record<string, unknown> = {},
    version?: number,
  ) {
    const v = version ?? (await stored(caseId)).version;
    const card = (await store.listOutbox({ policyId: DEMO.policyId, caseId })).find(
      (e) => e.kind === "case_card",
    );
    const response = await teams.channelInvoke(
      CASES,
      user,
      verb,
      { caseId, policyId: DEMO.policyId, version: v, ...form },
      card?.activityId,
    );
    expect(response.status).toBe(200);
    return response;
  }
  async function finishedRun(asOf: string) {
    await until(
      async () =>
        (await store.listRuns({ policyId: DEMO.policyId, asOf })).some(
          (r) => r.status !== "running",
        ),
      `the run of ${asOf}`,
      90_000,
    );
    return (await store.listRuns({ policyId: DEMO.policyId, asOf }))[0];
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "reach-log-privacy-"));
    const students = writeSchool(join(dir, "school"));
    mkdirSync(join(dir, "policies"));
    const policyFile = join(dir, "policies", "northfield.yaml");
    copyFileSync(DEMO.policyPath, policyFile);
    needles = needlesFor(
      [...students, ...staffPeople(), ...playgroundPeople()],
      [NOTE_TEXT, RESTRICTED_NOTE],
    );

    for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        consoleOutput.push(args.map((a) => (typeof a === "string" ? a : String(a))).join(" "));
      });
    }
    // Reach's logger, as `npm start` and `npm run serve` make it, at its most verbose
    // level, writing into memory instead of standard output.
    const log = createLogger("trace");
    let partial = "";
    (log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = {
      write(chunk: string) {
        const parts = (partial + chunk).split("\n");
        partial = parts.pop() ?? "";
        lines.push(...parts.filter((l) => l !== ""));
      },
    };

    fake = await startFakeConnector();
    fake.addTeam(GENERAL.teamId, [{ id: GENERAL.id }, { id: CASES.id, name: CASES.name }]);
    store = openSqliteStore({ path: join(dir, "reach.db") });
    reach = await startReach(
      localConfig({
        dataDir: join(dir, "school"),
        policies: join(dir, "policies"),
        logLevel: "trace",
      }),
      {
        store,
        log,
        clock: time.scheduler,
        scheduler: true,
        delivery: { pollMs: 20, clock: time.worker },
      },
    );
    teams = new TeamsSim(reach.url, fake.url);

    // The demo: Reach joins the team, the engagement lead links the policy to Cases, the
    // engine runs for the demo's date, and every card is posted.
    await teams.installInTeam(GENERAL, USERS.adele);
    await teams.installationUpdate(GENERAL, USERS.adele, "add");
    await teams.installPersonal(USERS.alex);
    await teams.channelMessage(CASES, USERS.megan, `link ${DEMO.policyId}`); // refused
    await teams.channelMessage(CASES, USERS.adele, `link ${DEMO.policyId}`);
    await teams.channelMessage(CASES, USERS.alex, "binding");
    await teams.channelMessage(CASES, USERS.alex, "what can you do");
    const policy = reach.policies.find((p) => p.id === DEMO.policyId);
    const dataset = reach.dataset;
    if (policy === undefined || dataset === undefined) throw new Error("the demo did not load");
    const run = await runPolicy({
      store,
      policy,
      dataset,
      asOf: parseIsoDate(DEMO.asOf) as number,
      at: new Date(time.worker.now()).toISOString(),
      owner: "demo",
    });
    expect(run.opened).toBeGreaterThan(0);
    fake.failNext("post", 503); // one card retried after its backoff
    reach.worker.wake();
    await drained();

    // The adviser works the cards, as the demo invites.
    const proposed = await store.listCases({ policyId: DEMO.policyId, status: "proposed" });
    const [a, b, c] = proposed.map((p) => p.caseId);
    const stale = (await stored(a)).version;
    await click(USERS.alex, "confirm", a);
    await click(USERS.alex, "log_contact", a, { channel: "phone", outcome: "no_answer" });
    await drained();
    fake.failNext("update", 400); // Teams refuses the card's update after the note once
    await click(USERS.alex, "add_note", a, { text: NOTE_TEXT, visibility: "team" });
    await click(USERS.alex, "add_note", a, { text: RESTRICTED_NOTE, visibility: "restricted" });
    await click(USERS.alex, "log_contact", a, { channel: "carrier_pigeon", outcome: "x" });
    await click(USERS.isaiah, "confirm", a, {}, stale); // a stale card
    await click(USERS.megan, "confirm", b); // an adviser of another school
    await click(USERS.patti, "confirm", b); // not on the staff roster
    await click(USERS.alex, "snooze", c, { until: "2027-02-12" });
    await click(USERS.alex, "refresh", b);
    await click(USERS.alex, "confirm", "northfield-20270129-0000000000000000", {}, 1);
    await teams.personalMessage(USERS.alex, "my cases");
    await teams.personalMessage(USERS.alex, `case ${a}`);
    await teams.personalMessage(USERS.megan, `case ${b}`);
    await teams.personalInvoke(USERS.alex, "show", { caseId: a, policyId: DEMO.policyId });
    await teams.personalMessage(USERS.patti, "my cases");
    await drained();
    expect(foldCase((await stored(a)).events)?.notes.map((n) => n.text)).toContain(NOTE_TEXT);

    // The schedule: a day of the Christmas holidays (skipped), Thursday's run, then a
    // broken change to the policy and Monday's run, which keeps to the previous version.
    await until(() => time.sleeping, "the scheduler to wait for its next run");
    time.jumpTo("2026-12-22T07:00:30Z");
    expect((await finishedRun("2026-12-22")).status).toBe("skipped");
    await until(() => time.sleeping, "the scheduler to wait for its next run");
    time.jumpTo("2027-01-28T07:00:30Z");
    expect((await finishedRun("2027-01-28")).status).toBe("succeeded");
    reach.worker.wake();
    await drained();
    writeFileSync(
      policyFile,
      readFileSync(policyFile, "utf8").replace(
        'schedule: "0 7 * * 1-5"',
        'schedule: "0 25 * * 1-5"',
      ),
    );
    await until(() => time.sleeping, "the scheduler to wait for its next run");
    time.jumpTo("2027-02-01T07:00:30Z");
    expect((await finishedRun("2027-02-01")).status).toBe("succeeded");
    reach.worker.wake();
    await drained();

    for (const path of ["/health", "/ready"]) expect((await fetch(reach.url + path)).ok).toBe(true);
    // Reach removed from the team: what a later change queues for the channel is dead.
    await teams.removeFromTeam(GENERAL, USERS.adele);
    await click(USERS.alex, "confirm", b);
    await drained();
    expect((await store.countOutbox(DEMO.policyId)).dead).toBeGreaterThan(0);
    await reach.close();
    if (partial !== "") lines.push(partial);
    vi.restoreAllMocks();
  }, 300_000);

  afterAll(async () => {
    vi.restoreAllMocks();
    await reach?.close();
    await store?.close();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the demo ran and was logged: every line JSON from Reach's logger", async () => {
    // Without these, an empty scan would pass.
    expect(fake.posts(CASES.id).length).toBeGreaterThan(10);
    expect(fake.updates(CASES.id).length).toBeGreaterThan(0);
    expect(fake.replies().length).toBeGreaterThan(0);
    const notice = fake.posts(CASES.id).filter((p) => /keeps running/.test(p.body?.text ?? ""));
    expect(notice, "the channel told of the broken policy change").toHaveLength(1);
    const records = lines.map((l) => JSON.parse(l) as { app: string; level: number; msg: string });
    for (const r of records) expect(r.app).toBe("reach");
    const messages = new Set(records.map((r) => r.msg));
    for (const msg of [
      "Reach is listening",
      "data imported",
      "scheduled run done",
      "recorded a team's channels",
      "policy linked to a channel",
      "binding refused",
      "card action",
      "delivery dead-lettered",
      "a policy change was not taken",
      "run skipped",
      "Reach was removed from a conversation",
    ]) {
      expect(messages, msg).toContain(msg);
    }
    const byLevel = new Map<number, number>();
    for (const r of records) byLevel.set(r.level, (byLevel.get(r.level) ?? 0) + 1);
    console.log(
      `log privacy: ${lines.length} log lines scanned (by level ${JSON.stringify(Object.fromEntries(byLevel))}), ${consoleOutput.length} other console writes, for ${needles.length} names, emails, ids and notes`,
    );
  });

  it("no log line holds a name, an email, a student id or a note's text", () => {
    const found = findings(lines, needles).map(([n, line]) => `${n.what} "${n.value}" in ${line}`);
    expect(found).toEqual([]);
  });

  it("nothing else written to the console holds one either", () => {
    const found = findings(consoleOutput, needles).map(
      ([n, line]) => `${n.what} "${n.value}" in ${line}`,
    );
    expect(found).toEqual([]);
  });

  it("the scan finds each kind of personal data when it is there", () => {
    const record = (fields: Record<string, unknown>) =>
      JSON.stringify({ level: 30, app: "reach", ...fields, msg: "card action" });
    const planted = [
      record({ student: "Ben Young" }),
      record({ who: "alexw@example.com" }),
      record({ note: NOTE_TEXT }),
      record({ error: "no case for Yusuf" }),
      record({ preferred: "benie" }),
      record({ studentId: "S000082" }),
    ];
    const found = findings(planted, needles).map(([n]) => n.what);
    expect(found).toEqual(
      expect.arrayContaining(["name", "email", "note text", "first name or surname", "student id"]),
    );
    // Each planted line is caught; ids and ordinary words are not.
    expect(new Set(findings(planted, needles).map(([, line]) => line)).size).toBe(planted.length);
    expect(
      findings(
        [record({ staff: "T-ALEX", conversation: personalChatId(USERS.alex), young: "will" })],
        needles,
      ),
    ).toEqual([]);
  });
});
