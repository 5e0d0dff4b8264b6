/**
 * The demo behind `npm start`: Reach with the embedded SQLite store, the bundled sample
 * school, the Northfield policy, and the Agents Playground as the Teams client. Once a
 * Playground page has loaded, it adds the bot to the support team, has the engagement
 * lead link the policy to the team's Cases channel (a real `@Reach link` message, sent as
 * her through the Playground), runs the policy once, and waits until every case card is
 * in the channel; then it starts Reach's scheduler, which runs the policy on its schedule
 * from then on.
 *
 * The demo runs on today's calendar: it writes a copy of the sample school into its work
 * folder with every date moved by whole weeks, so that the data ends today (on a weekend,
 * the Friday before; see shift-dates.ts). Its run is the one the scheduler would have made
 * by now — the policy's latest scheduled time (07:00 London) on a school day — made
 * through the scheduler's own path (`ScheduledRuns`), so when the scheduler starts, its
 * catch-up finds that date done and runs nothing more.
 *
 * The Playground has one signed-in user, so the demo starts a second one for a student:
 * Ben Iqbal (DEMO.student), a Northfield student with a case in the demo run whose adviser
 * is Alex Wilber. It is the same tenant and bot, pointed at the same Reach, with Ben
 * signed in (samples/teams-demo/playground-student.yml). When its page loads it installs
 * Reach in Ben's personal chat; Reach records that chat under his Entra object id (the
 * `aad_object_id` of students.csv), and posts there the messages his adviser approves.
 * `studentReady` settles then; `ready` waits for it only when asked to (a browser test
 * that opens both pages), since a person may open the student's page whenever they like.
 *
 * Why wait for the page: the Playground keeps no message history. It holds what the bot
 * posts while no page is connected and hands it all to the first page that connects, at
 * once — and a page that receives messages before it has read its own conversation list
 * drops them and shows nothing more (which a busy machine makes likely). Posted after the
 * page has loaded, the cards arrive live, as they would in Teams.
 */
import { randomUUID } from "node:crypto";
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import {
  type BotConfig,
  PolicyCatalogue,
  type RunRequest,
  type ScheduledRuns,
} from "../app/index.ts";
import { type Clock, realClock } from "../delivery/index.ts";
import type { Logger } from "../log.ts";
import { CronTimes, localDate } from "../schedule/index.ts";
import { openSqliteStore, type SqliteStore } from "../store/index.ts";
import { type ReachRuntime, startReach } from "../teams/index.ts";
import { freePort, type Playground, startPlayground } from "./playground.ts";
import { shiftCsv, shiftDays, shiftIsoDate } from "./shift-dates.ts";
import { DEMO } from "./tenant.ts";

export { DEMO } from "./tenant.ts";

export interface DemoOptions {
  /** Where the demo keeps its database and the Playgrounds' logs; emptied at start. */
  workDir: string;
  botPort?: number;
  playgroundPort?: number;
  /** The student's Playground's port (default: a free one, never the adviser's). */
  studentPlaygroundPort?: number;
  /**
   * Settle `ready` only once the student's page has loaded too (default false): for a
   * caller that opens it, such as the browser test. `npm start` prints its address instead.
   */
  waitForStudentPage?: boolean;
  log?: Logger;
  /** Progress lines for the person who started it. */
  say?: (line: string) => void;
  /** Reach's clock, whose date is the demo's "today" (default: the system's). */
  clock?: Clock;
}

export interface Demo {
  reach: ReachRuntime;
  /** The adviser's Teams: the Playground with Alex Wilber signed in. */
  playground: Playground;
  /** The student's Teams: the Playground with DEMO.student signed in. */
  studentPlayground: Playground;
  /** The policy's local date when the demo started: the moved data ends on or before it. */
  today: string;
  /** The moved copy of the sample school that Reach reads. */
  dataDir: string;
  /** The demo's run: its date (the latest school day on or before today) and scheduled time. */
  run: { asOf: string; scheduledAt: string };
  /**
   * Settles once a Playground page has loaded and the demo has set the team up, run the
   * policy, posted every card and started the scheduler: the number of cases opened (one
   * card each in the channel).
   */
  ready: Promise<number>;
  /**
   * Settles once the student's page has loaded: Reach has recorded his personal chat, with
   * his Entra object id, so it can message him there.
   */
  studentReady: Promise<void>;
  close(): Promise<void>;
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const say = options.say ?? (() => {});
  const clock = options.clock ?? realClock;
  await rm(options.workDir, { recursive: true, force: true });
  await mkdir(options.workDir, { recursive: true });
  // A copy in the work folder: an engagement lead may change the policy from Teams, and
  // that writes the file, which must not be the repository's sample.
  const policyPath = join(options.workDir, basename(DEMO.policyPath));
  await copyFile(DEMO.policyPath, policyPath);
  const policy = (await PolicyCatalogue.open(policyPath)).get(DEMO.policyId);
  if (policy === undefined) throw new Error(`${policyPath} has no policy ${DEMO.policyId}`);
  const today = localDate(clock.now(), policy.timezone);
  const dataDir = join(options.workDir, "school");
  const days = await writeShiftedSchool(DEMO.dataDir, dataDir, today);
  say(
    `The sample school moved to today's calendar (${today}): its last school day, ${DEMO.asOf}, is now ${shiftIsoDate(DEMO.asOf, days)}; nothing after today is kept.`,
  );
  const store = openSqliteStore({ path: join(options.workDir, "reach.db") });
  const config: BotConfig = {
    auth: undefined,
    port: options.botPort ?? 0,
    host: "127.0.0.1",
    dataDir,
    source: "canonical",
    policies: policyPath,
    directoryRefreshMinutes: 0,
    store: "sqlite",
    logLevel: "warn",
  };
  say("Starting Reach (SQLite store, sample school, Northfield policy)…");
  const reach = await startReach(config, {
    store,
    clock,
    // Started once the demo's run is done (see setUp).
    scheduler: "manual",
    ...(options.log && { log: options.log }),
  });
  const stopping = new AbortController();
  let playground: Playground | undefined;
  let studentPlayground: Playground | undefined;
  try {
    const runs = reach.scheduledRuns;
    if (runs === undefined) throw new Error("Reach started without its scheduler");
    const request = await latestScheduledRun(runs, DEMO.policyId, clock.now());
    say("Starting the Microsoft 365 Agents Playground…");
    playground = await startPlayground({
      botEndpoint: `${reach.url}/api/messages`,
      configPath: DEMO.playgroundConfig,
      cwd: options.workDir,
      ...(options.playgroundPort !== undefined && { port: options.playgroundPort }),
    });
    const started = playground;
    say(`${DEMO.users.adviser.name.split(" ")[0]}'s Teams (the adviser): ${started.url}`);
    say(`Starting a second Agents Playground: the Teams of ${DEMO.student.name}, a student…`);
    const studentPort = options.studentPlaygroundPort ?? (await freePortOtherThan(started.port));
    if (studentPort === started.port) {
      throw new Error(`the student's Playground cannot have the adviser's port ${studentPort}`);
    }
    const studentDir = join(options.workDir, "student-playground");
    await mkdir(studentDir, { recursive: true });
    studentPlayground = await startPlayground({
      botEndpoint: `${reach.url}/api/messages`,
      configPath: DEMO.studentPlaygroundConfig,
      cwd: studentDir,
      port: studentPort,
    });
    const student = studentPlayground;
    say(`${DEMO.student.preferredName}'s Teams (the student): ${student.url}`);
    const studentReady = studentPageLoaded(store, stopping.signal);
    const setUpDone = setUp(started.url, reach, store, runs, request, stopping.signal, say);
    const ready = options.waitForStudentPage
      ? setUpDone.then(async (opened) => {
          await studentReady;
          return opened;
        })
      : setUpDone;
    // The caller may not await these before closing; their failures are theirs to read.
    ready.catch(() => {});
    studentReady.catch(() => {});
    return {
      reach,
      playground: started,
      studentPlayground: student,
      today,
      dataDir,
      run: { asOf: request.asOf, scheduledAt: request.scheduledAt },
      ready,
      studentReady,
      async close() {
        stopping.abort();
        await Promise.all([started.stop(), student.stop()]);
        await reach.close();
        await store.close();
      },
    };
  } catch (error) {
    await Promise.all([playground?.stop(), studentPlayground?.stop()]);
    await reach.close();
    await store.close();
    throw error;
  }
}

/**
 * Writes `from` (a canonical bundle) into `to` with every date moved so that the sample's
 * last school day is the first Friday on or after `today`, cut at `today`; the days moved.
 */
async function writeShiftedSchool(from: string, to: string, today: string): Promise<number> {
  const days = shiftDays(DEMO.asOf, today);
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const source = join(from, entry.name);
    if (entry.name.endsWith(".csv")) {
      const text = await readFile(source, "utf8");
      await writeFile(join(to, entry.name), shiftCsv(entry.name, text, days, today));
    } else {
      await copyFile(source, join(to, entry.name));
    }
  }
  return days;
}

/**
 * The run the scheduler would have made of the policy by `now`: its latest scheduled time
 * whose local date is a school day (as its catch-up looks for one, two weeks back).
 */
async function latestScheduledRun(
  runs: ScheduledRuns,
  policyId: string,
  now: number,
): Promise<RunRequest> {
  const schedule = runs.schedules().find((s) => s.policyId === policyId);
  if (schedule === undefined) throw new Error(`no schedule for policy ${policyId}`);
  const times = new CronTimes(schedule.schedule, schedule.timezone);
  const lookback = 14 * 24 * 60 * 60_000;
  let at = times.latestAtOrBefore(now, lookback);
  while (at !== undefined) {
    const asOf = times.localDate(at);
    if (await runs.isSchoolDay(policyId, asOf)) {
      return { policyId, asOf, scheduledAt: new Date(at).toISOString(), reason: "catch-up" };
    }
    at = times.latestAtOrBefore(at - 1, lookback - (now - (at - 1)));
  }
  throw new Error(`no school day with a scheduled run of ${policyId} in the last two weeks`);
}

/** A free port on 127.0.0.1 that is not `taken`. */
async function freePortOtherThan(taken: number): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port !== taken) return port;
  }
}

/**
 * The student's page has loaded when Reach has recorded his personal chat (the Playground
 * installs the bot there), under his Entra object id.
 */
async function studentPageLoaded(store: SqliteStore, signal: AbortSignal): Promise<void> {
  await until(
    async () => (await store.getConversation(DEMO.student.personalChatId)) !== undefined,
    "the student's Playground page to load",
    Number.POSITIVE_INFINITY,
    signal,
  );
  const chat = await store.getConversation(DEMO.student.personalChatId);
  if (chat?.kind !== "personal" || chat.userAadObjectId !== DEMO.student.aad) {
    throw new Error(
      `Reach recorded the student's chat as ${chat?.kind ?? "nothing"} of ${chat?.userAadObjectId ?? "no user"}, not his personal chat`,
    );
  }
}

/** A page has loaded when it has opened its personal chat: the Playground installs the bot there. */
async function setUp(
  pg: string,
  reach: ReachRuntime,
  store: SqliteStore,
  runs: ScheduledRuns,
  request: RunRequest,
  signal: AbortSignal,
  say: (line: string) => void,
): Promise<number> {
  await until(
    async () => (await store.getConversation(DEMO.personalChatId)) !== undefined,
    "a Playground page to load",
    Number.POSITIVE_INFINITY,
  );

  say("Adding Reach to the Northfield Student Support team…");
  await post(`${pg}/_debug/conversation/${DEMO.channelId}/installation`, {});
  await until(
    async () => (await store.getConversation(DEMO.channelId)) !== undefined,
    "Reach to record the team's channels",
  );

  say(
    `${DEMO.users.lead.name} (engagement lead) links the policy to the ${DEMO.channelName} channel…`,
  );
  await sayAsLead(pg, `link ${DEMO.policyId}`);
  await until(
    async () => (await store.getBinding(DEMO.policyId))?.conversationId === DEMO.channelId,
    "the policy to be linked",
  );

  say(`Running the policy as of ${request.asOf}, as scheduled for ${request.scheduledAt}…`);
  // The scheduler's own run: it reads the policy and the data again, and records the run.
  await runs.run(request, signal);
  const [run] = await store.listRuns({ policyId: DEMO.policyId, asOf: request.asOf, limit: 1 });
  if (run?.status !== "succeeded") {
    throw new Error(
      `the run of ${request.asOf} did not succeed (${run?.status ?? "not recorded"}): ${run?.errors.join("; ") ?? ""}`,
    );
  }
  const opened = run.counts.casesOpened ?? 0;
  reach.worker.wake();
  await until(
    async () => (await store.countOutbox(DEMO.policyId)).pending === 0,
    "the case cards to be posted",
    120_000,
  );
  const counts = await store.countOutbox(DEMO.policyId);
  say(`${opened} cases opened; ${counts.sent} cards posted, ${counts.dead} undeliverable.`);

  // The weekly digest comes on the policy's `digest:` schedule; the lead asks for this
  // week's now, so the demo shows it. No leads' channel is linked: it goes to Cases.
  say(`${DEMO.users.lead.name} asks Reach for this week's digest…`);
  await sayAsLead(pg, "digest");
  await until(
    async () => {
      reach.worker.wake();
      return (await store.listOutbox({ policyId: DEMO.policyId })).some(
        (e) => e.kind === "digest" && e.status !== "pending",
      );
    },
    "the weekly digest to be posted",
    60_000,
  );
  // The policy in plain words, with a Change… form per rule: the lead asks for it, so the
  // channel shows it; she (and only she) can change a threshold from it and see its history.
  say(`${DEMO.users.lead.name} asks Reach for the policy card…`);
  await sayAsLead(pg, "policy");
  await until(
    async () =>
      (await store.listAudit(DEMO.policyId, "")).some(
        (a) => a.action === "read_policy" && a.actor === "T-ADELE" && a.allowed,
      ),
    "the policy card to be posted",
    60_000,
  );
  // Its catch-up finds this date done: from here on it runs the policy on its schedule.
  await reach.startScheduler();
  return opened;
}

/**
 * A message from the engagement lead to Reach in the Cases channel. The Playground speaks
 * as its signed-in user (the adviser); the lead's message goes through its
 * custom-activity endpoint, so the bot hears it from her.
 */
async function sayAsLead(pg: string, command: string): Promise<void> {
  const mention = `<at>${DEMO.botName}</at>`;
  await post(`${pg}/_internal/v1/customActivities`, {
    type: "message",
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    channelId: "msteams",
    serviceUrl: `${pg}/_connector`,
    from: {
      id: DEMO.users.lead.id,
      name: DEMO.users.lead.name,
      aadObjectId: DEMO.users.lead.aad,
    },
    recipient: { id: DEMO.botId, name: DEMO.botName },
    conversation: {
      id: DEMO.channelId,
      conversationType: "channel",
      isGroup: true,
      tenantId: DEMO.tenantId,
    },
    channelData: {
      tenant: { id: DEMO.tenantId },
      team: { id: DEMO.teamId, name: DEMO.teamName },
      channel: { id: DEMO.channelId, name: DEMO.channelName },
    },
    entities: [
      { type: "mention", mentioned: { id: DEMO.botId, name: DEMO.botName }, text: mention },
    ],
    text: `${mention} ${command}`,
    textFormat: "plain",
  });
}

async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`POST ${url} answered ${response.status}: ${await response.text()}`);
  }
}

async function until(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (signal?.aborted) throw new Error(`stopped waiting for ${what}: the demo closed`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
