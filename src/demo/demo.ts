/**
 * The demo behind `npm start`: Reach with the embedded SQLite store, the bundled sample
 * school, the Northfield policy, and the Agents Playground as the Teams client. Once a
 * Playground page has loaded, it adds the bot to the support team, has the engagement
 * lead link the policy to the team's Cases channel (a real `@Reach link` message, sent as
 * her through the Playground), runs the engine once, and waits until every case card is
 * in the channel.
 *
 * Why wait for the page: the Playground keeps no message history. It holds what the bot
 * posts while no page is connected and hands it all to the first page that connects, at
 * once — and a page that receives messages before it has read its own conversation list
 * drops them and shows nothing more (which a busy machine makes likely). Posted after the
 * page has loaded, the cards arrive live, as they would in Teams.
 */
import { randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type BotConfig, runPolicy } from "../app/index.ts";
import { parseIsoDate } from "../data/dates.ts";
import type { Logger } from "../log.ts";

import { openSqliteStore, type SqliteStore } from "../store/index.ts";
import { type ReachRuntime, startReach } from "../teams/index.ts";
import { type Playground, startPlayground } from "./playground.ts";

const ROOT = resolve(new URL("../..", import.meta.url).pathname);

/** The mock tenant's ids (samples/teams-demo/playground.yml). */
export const DEMO = {
  policyPath: join(ROOT, "samples/teams-demo/northfield-policy.yaml"),
  playgroundConfig: join(ROOT, "samples/teams-demo/playground.yml"),
  dataDir: join(ROOT, "samples/demo-school"),
  policyId: "northfield",
  asOf: "2027-01-29",
  tenantId: "00000000-0000-0000-0000-000000000001",
  teamId: "team-northfield-support",
  teamName: "Northfield Student Support",
  channelId: "channel-cases",
  channelName: "Cases",
  /** The signed-in user's personal chat with the bot: a page opens it when it loads. */
  personalChatId: "personal-chat-alex",
  botId: "00000000-0000-0000-0000-000000000011",
  botName: "Reach",
  users: {
    adviser: { id: "user-alex", name: "Alex Wilber" },
    otherSchoolAdviser: { id: "user-megan", name: "Megan Bowen" },
    lead: { id: "user-adele", name: "Adele Vance", aad: "00000000-0000-0000-0000-000000000022" },
  },
} as const;

export interface DemoOptions {
  /** Where the demo keeps its database and the Playground's log; emptied at start. */
  workDir: string;
  botPort?: number;
  playgroundPort?: number;
  log?: Logger;
  /** Progress lines for the person who started it. */
  say?: (line: string) => void;
}

export interface Demo {
  reach: ReachRuntime;
  playground: Playground;
  /**
   * Settles once a Playground page has loaded and the demo has set the team up, run the
   * engine and posted every card: the number of cards posted into the channel.
   */
  ready: Promise<number>;
  close(): Promise<void>;
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const say = options.say ?? (() => {});
  await rm(options.workDir, { recursive: true, force: true });
  await mkdir(options.workDir, { recursive: true });
  const store = openSqliteStore({ path: join(options.workDir, "reach.db") });
  const config: BotConfig = {
    auth: undefined,
    port: options.botPort ?? 0,
    host: "127.0.0.1",
    dataDir: DEMO.dataDir,
    source: "canonical",
    policies: DEMO.policyPath,
    directoryRefreshMinutes: 0,
    store: "sqlite",
    logLevel: "warn",
  };
  say("Starting Reach (SQLite store, sample school, Northfield policy)…");
  const reach = await startReach(config, { store, ...(options.log && { log: options.log }) });
  let playground: Playground | undefined;
  try {
    say("Starting the Microsoft 365 Agents Playground…");
    playground = await startPlayground({
      botEndpoint: `${reach.url}/api/messages`,
      configPath: DEMO.playgroundConfig,
      cwd: options.workDir,
      ...(options.playgroundPort !== undefined && { port: options.playgroundPort }),
    });
    const started = playground;
    const ready = setUp(started.url, reach, store, say);
    // The caller may not await `ready` before closing; its failure is theirs to read.
    ready.catch(() => {});
    return {
      reach,
      playground: started,
      ready,
      async close() {
        await started.stop();
        await reach.close();
        await store.close();
      },
    };
  } catch (error) {
    await playground?.stop();
    await reach.close();
    await store.close();
    throw error;
  }
}

/** A page has loaded when it has opened its personal chat: the Playground installs the bot there. */
async function setUp(
  pg: string,
  reach: ReachRuntime,
  store: SqliteStore,
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
  // The Playground speaks as its signed-in user (the adviser); the lead's message is
  // sent through its custom-activity endpoint, so the bot hears it from her.
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
    text: `${mention} link ${DEMO.policyId}`,
    textFormat: "plain",
  });
  await until(
    async () => (await store.getBinding(DEMO.policyId))?.conversationId === DEMO.channelId,
    "the policy to be linked",
  );

  say(`Running the engine for ${DEMO.asOf}…`);
  const policy = reach.policies.find((p) => p.id === DEMO.policyId);
  const dataset = reach.dataset;
  if (policy === undefined || dataset === undefined)
    throw new Error("the demo's policy or data did not load");
  const run = await runPolicy({
    store,
    policy,
    dataset,
    asOf: parseIsoDate(DEMO.asOf) as number,
    at: new Date().toISOString(),
    owner: "demo",
  });
  reach.worker.wake();
  await until(
    async () => (await store.countOutbox(DEMO.policyId)).pending === 0,
    "the case cards to be posted",
    120_000,
  );
  const counts = await store.countOutbox(DEMO.policyId);
  say(`${run.opened} cases opened; ${counts.sent} cards posted, ${counts.dead} undeliverable.`);
  return run.opened;
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
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
