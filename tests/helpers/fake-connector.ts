/**
 * A recording fake of the Bot Framework connector service (the `serviceUrl` Teams hands a
 * bot), on loopback, for tests that run the bot through the real `TeamsAdapter`. It
 * implements the routes Reach uses:
 *
 * - `POST /v3/conversations/:conversationId/activities` — a new message (a new thread in a
 *   channel); answers `{ id }` with a fresh activity id;
 * - `POST /v3/conversations/:conversationId/activities/:activityId` — a reply;
 * - `PUT /v3/conversations/:conversationId/activities/:activityId` — an update (edit);
 * - `GET /v3/teams/:teamId/conversations` — the team's channels (see `addTeam`);
 *
 * and answers anything else with 404, recorded too. Path segments are percent-decoded one
 * by one, so conversation ids with `;messageid=`, `:` and `@` come back as Teams wrote them.
 *
 * Also here: the Teams side of a conversation with the bot — activities built as Teams
 * sends them (`TeamsSim`), posted to the bot's `/api/messages`.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { BotConfig } from "../../src/app/config.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { silentLogger } from "../../src/log.ts";
import { type ApplyRunResult, applyRun } from "../../src/run/apply-run.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import { type ReachRuntime, type RuntimeOptions, startReach } from "../../src/teams/runtime.ts";

const ROOT = resolve(new URL("../..", import.meta.url).pathname);

export type RouteKind = "post" | "reply" | "update" | "channels" | "unknown";

export interface Recorded {
  seq: number;
  method: string;
  /** The raw (encoded) path as requested. */
  path: string;
  route: RouteKind;
  /** Decoded. */
  conversationId?: string;
  /** The activity replied to or updated (decoded). */
  activityId?: string;
  teamId?: string;
  authorization?: string;
  // biome-ignore lint/suspicious/noExplicitAny: a recorded JSON body, inspected by tests
  body: any;
  status: number;
  /** The id this fake answered with (posts and replies: a new one; updates: the same). */
  answeredId?: string;
}

export interface FakeConnector {
  url: string;
  /** Every request, in arrival order. */
  readonly requests: Recorded[];
  posts(conversationId?: string): Recorded[];
  replies(conversationId?: string): Recorded[];
  updates(conversationId?: string): Recorded[];
  /** Messages of any kind (post or reply) sent into a conversation (or its threads). */
  messagesIn(channelId: string): Recorded[];
  addTeam(teamId: string, channels: { id: string; name?: string }[]): void;
  /** Answer the next `count` requests of `route` with `status` (default once). */
  /** The next `count` requests of `route` fail with `status` (and Teams' error `code`). */
  failNext(route: RouteKind, status: number, count?: number, code?: string): void;
  clear(): void;
  close(): Promise<void>;
}

export async function startFakeConnector(): Promise<FakeConnector> {
  const requests: Recorded[] = [];
  const teams = new Map<string, { id: string; name?: string }[]>();
  const failures: { route: RouteKind; status: number; code: string }[] = [];
  let seq = 0;
  let ids = 0;
  const newId = () => `1700000000${String(++ids).padStart(3, "0")}`;

  const server: Server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const url = new URL(req.url ?? "/", "http://fake");
      // Split first, then decode each segment: an encoded "/" stays inside its segment.
      const segments = url.pathname
        .split("/")
        .filter((s) => s !== "")
        .map(safeDecode);
      const method = req.method ?? "GET";
      let body: unknown;
      try {
        body = raw === "" ? undefined : JSON.parse(raw);
      } catch {
        body = raw;
      }
      const rec: Recorded = {
        seq: ++seq,
        method,
        path: url.pathname,
        route: "unknown",
        body,
        status: 404,
        ...(req.headers.authorization !== undefined && {
          authorization: req.headers.authorization,
        }),
      };
      const [v3, collection, id, sub, activityId, ...rest] = segments;
      if (v3 === "v3" && collection === "conversations" && sub === "activities" && !rest.length) {
        rec.conversationId = id;
        if (activityId === undefined && method === "POST") rec.route = "post";
        else if (activityId !== undefined && method === "POST") rec.route = "reply";
        else if (activityId !== undefined && method === "PUT") rec.route = "update";
        if (activityId !== undefined) rec.activityId = activityId;
      } else if (
        v3 === "v3" &&
        collection === "teams" &&
        sub === "conversations" &&
        activityId === undefined &&
        method === "GET"
      ) {
        rec.route = "channels";
        rec.teamId = id;
      }
      requests.push(rec);
      const send = (status: number, payload: unknown) => {
        rec.status = status;
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(payload));
      };
      const failure = failures.findIndex((f) => f.route === rec.route);
      if (failure >= 0) {
        const [f] = failures.splice(failure, 1);
        send(f.status, { error: { code: f.code, message: `injected ${f.status} ${f.code}` } });
        return;
      }
      switch (rec.route) {
        case "post":
        case "reply":
          rec.answeredId = newId();
          send(200, { id: rec.answeredId });
          return;
        case "update":
          rec.answeredId = rec.activityId;
          send(200, { id: rec.activityId });
          return;
        case "channels": {
          const channels = teams.get(rec.teamId ?? "");
          if (channels === undefined) {
            send(404, { error: { code: "NotFound", message: "no such team" } });
            return;
          }
          send(200, { conversations: channels });
          return;
        }
        default:
          send(404, { error: { code: "NotFound", message: `${method} ${url.pathname}` } });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const of = (route: RouteKind, conversationId?: string) =>
    requests.filter(
      (r) =>
        r.route === route && (conversationId === undefined || r.conversationId === conversationId),
    );
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    posts: (c) => of("post", c),
    replies: (c) => of("reply", c),
    updates: (c) => of("update", c),
    messagesIn: (channelId) =>
      requests.filter(
        (r) =>
          (r.route === "post" || r.route === "reply") &&
          r.conversationId !== undefined &&
          r.conversationId.split(";")[0] === channelId,
      ),
    addTeam: (teamId, channels) => teams.set(teamId, channels),
    failNext: (route, status, count = 1, code = "Injected") => {
      for (let i = 0; i < count; i++) failures.push({ route, status, code });
    },
    clear: () => {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

// The Teams side

export interface TeamsUser {
  /** The Teams user id ("29:…"). */
  id: string;
  name: string;
  aadObjectId: string;
}

export interface TeamsChannel {
  teamId: string;
  teamName: string;
  /** The channel's conversation id. */
  id: string;
  name?: string;
}

export interface BotResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the bot's JSON (or text) answer
  body: any;
  text: string;
}

export const TENANT_ID = "00000000-0000-0000-0000-000000000001";
export const BOT = { id: "28:00000000-0000-0000-0000-000000000011", name: "Reach" } as const;

/** A Teams user of the sample school (staff.csv's aad ids end in 20–23). */
export function staffUser(name: string, n: number): TeamsUser {
  const suffix = String(n).padStart(12, "0");
  return { id: `29:user-${n}`, name, aadObjectId: `00000000-0000-0000-0000-${suffix}` };
}

export const USERS = {
  alex: staffUser("Alex Wilber", 20),
  megan: staffUser("Megan Bowen", 21),
  adele: staffUser("Adele Vance", 22),
  isaiah: staffUser("Isaiah Langer", 23),
  /** Not on the staff roster. */
  patti: staffUser("Patti Fernandez", 24),
} as const;

let messages = 0;

/** Builds activities as Teams sends them, and posts them to the bot. */
export class TeamsSim {
  constructor(
    /** The bot's base URL (`reach.url`). */
    readonly botUrl: string,
    /** The fake connector's URL, given to the bot as `serviceUrl`. */
    readonly serviceUrl: string,
  ) {}

  private base(conversation: Record<string, unknown>, channelData: Record<string, unknown>) {
    return {
      id: `f:${randomUUID()}`,
      timestamp: new Date().toISOString(),
      localTimestamp: new Date().toISOString(),
      channelId: "msteams",
      serviceUrl: this.serviceUrl,
      recipient: { id: BOT.id, name: BOT.name },
      conversation: { tenantId: TENANT_ID, ...conversation },
      channelData: { tenant: { id: TENANT_ID }, ...channelData },
    };
  }

  channelActivity(channel: TeamsChannel, from: TeamsUser, extra: Record<string, unknown>) {
    return {
      ...this.base(
        { id: channel.id, conversationType: "channel", isGroup: true },
        {
          team: { id: channel.teamId, name: channel.teamName },
          channel: { id: channel.id, ...(channel.name && { name: channel.name }) },
        },
      ),
      from: { id: from.id, name: from.name, aadObjectId: from.aadObjectId },
      ...extra,
    };
  }

  personalActivity(from: TeamsUser, extra: Record<string, unknown>) {
    return {
      ...this.base({ id: personalChatId(from), conversationType: "personal" }, {}),
      from: { id: from.id, name: from.name, aadObjectId: from.aadObjectId },
      ...extra,
    };
  }

  /** Reach added to a team: Teams sends a conversationUpdate in the team's General channel. */
  installInTeam(general: TeamsChannel, by: TeamsUser) {
    return this.send({
      ...this.channelActivity(general, by, {
        type: "conversationUpdate",
        membersAdded: [{ id: BOT.id }],
      }),
      channelData: {
        tenant: { id: TENANT_ID },
        team: { id: general.teamId, name: general.teamName },
        eventType: "teamMemberAdded",
      },
    });
  }

  /** …and, for the same install, an installationUpdate. */
  installationUpdate(general: TeamsChannel, by: TeamsUser, action: "add" | "remove") {
    return this.send({
      ...this.channelActivity(general, by, { type: "installationUpdate", action }),
      channelData: {
        tenant: { id: TENANT_ID },
        team: { id: general.teamId, name: general.teamName },
      },
    });
  }

  removeFromTeam(general: TeamsChannel, by: TeamsUser) {
    return this.send({
      ...this.channelActivity(general, by, {
        type: "conversationUpdate",
        membersRemoved: [{ id: BOT.id }],
      }),
      channelData: {
        tenant: { id: TENANT_ID },
        team: { id: general.teamId, name: general.teamName },
        eventType: "teamMemberRemoved",
      },
    });
  }

  installPersonal(user: TeamsUser, action: "add" | "remove" = "add") {
    return this.send(this.personalActivity(user, { type: "installationUpdate", action }));
  }

  /**
   * A new post in a channel that @mentions Reach: Teams puts the new thread's id in the
   * conversation id (`<channel>;messageid=<id>`).
   */
  channelMessage(channel: TeamsChannel, from: TeamsUser, text: string) {
    const messageId = `${Date.now()}${String(++messages).padStart(3, "0")}`;
    const mention = `<at>${BOT.name}</at>`;
    const activity = this.channelActivity({ ...channel }, from, {
      type: "message",
      id: messageId,
      text: `${mention} ${text}`,
      textFormat: "plain",
      entities: [{ type: "mention", mentioned: { id: BOT.id, name: BOT.name }, text: mention }],
    });
    return this.send({
      ...activity,
      conversation: { ...activity.conversation, id: `${channel.id};messageid=${messageId}` },
    });
  }

  personalMessage(from: TeamsUser, text: string) {
    return this.send(this.personalActivity(from, { type: "message", text, textFormat: "plain" }));
  }

  /** An Action.Execute click on a card in a channel (`replyToId`: the card's activity id). */
  channelInvoke(
    channel: TeamsChannel,
    from: TeamsUser,
    verb: string,
    data: Record<string, unknown>,
    cardActivityId?: string,
  ) {
    return this.send(
      this.channelActivity(channel, from, {
        type: "invoke",
        name: "adaptiveCard/action",
        value: { action: { type: "Action.Execute", verb, data } },
        ...(cardActivityId !== undefined && { replyToId: cardActivityId }),
      }),
    );
  }

  personalInvoke(from: TeamsUser, verb: string, data: Record<string, unknown>) {
    return this.send(
      this.personalActivity(from, {
        type: "invoke",
        name: "adaptiveCard/action",
        value: { action: { type: "Action.Execute", verb, data } },
      }),
    );
  }

  /** POSTs an activity (or any body) to the bot's /api/messages. */
  async send(activity: unknown, headers: Record<string, string> = {}): Promise<BotResponse> {
    return postRaw(
      `${this.botUrl}/api/messages`,
      typeof activity === "string" ? activity : JSON.stringify(activity),
      headers,
    );
  }
}

export function personalChatId(user: TeamsUser): string {
  return `a:1personal-${user.aadObjectId}`;
}

export async function postRaw(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<BotResponse> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed, text };
}

/** Polls `check` until it holds (or throws after `timeoutMs`). */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every string in a JSON value (a card), joined: for "the card says …" assertions. */
export function textOf(value: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v !== null && typeof v === "object") for (const x of Object.values(v)) walk(x);
  };
  walk(value);
  return out.join("\n");
}

// Reach, started against the fake

export const SAMPLE = {
  dataDir: join(ROOT, "samples/demo-school"),
  policyPath: join(ROOT, "samples/teams-demo/northfield-policy.yaml"),
  policyId: "northfield",
  asOf: "2027-01-29",
} as const;

/** The support team: General (its id is the team's id, Teams gives it no name) and Cases. */
export const TEAM = {
  id: "19:team-northfield@thread.tacv2",
  name: "Northfield Student Support",
} as const;
export const GENERAL: TeamsChannel = { teamId: TEAM.id, teamName: TEAM.name, id: TEAM.id };
export const CASES: TeamsChannel = {
  teamId: TEAM.id,
  teamName: TEAM.name,
  id: "19:cases-channel@thread.tacv2",
  name: "Cases",
};

export interface Harness {
  reach: ReachRuntime;
  fake: FakeConnector;
  teams: TeamsSim;
  store: Store;
  dir: string;
  close(): Promise<void>;
}

export function localConfig(overrides: Partial<BotConfig> = {}): BotConfig {
  return {
    auth: undefined,
    port: 0,
    host: "127.0.0.1",
    dataDir: SAMPLE.dataDir,
    source: "canonical",
    policies: SAMPLE.policyPath,
    directoryRefreshMinutes: 0,
    store: "sqlite",
    logLevel: "silent",
    ...overrides,
  };
}

/** Reach (SQLite in a temporary folder) and a fake connector that knows the team's channels. */
export async function startHarness(
  config: BotConfig = localConfig(),
  options: Omit<RuntimeOptions, "store" | "log"> = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "reach-bot-"));
  const fake = await startFakeConnector();
  fake.addTeam(TEAM.id, [{ id: GENERAL.id }, { id: CASES.id, name: CASES.name }]);
  const store = openSqliteStore({ path: join(dir, "reach.db") });
  let reach: ReachRuntime;
  try {
    reach = await startReach(config, {
      store,
      log: silentLogger(),
      ...options,
      delivery: { pollMs: 20, ...options.delivery },
    });
  } catch (error) {
    await store.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    reach,
    fake,
    teams: new TeamsSim(reach.url, fake.url),
    store,
    dir,
    async close() {
      await reach.close();
      await store.close();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until the worker has nothing pending (sent or dead-lettered everything). */
export async function drained(store: Store, policyId = SAMPLE.policyId): Promise<void> {
  await until(async () => (await store.countOutbox(policyId)).pending === 0, "the outbox to drain");
}

/** Runs the engine for the sample date, as the demo does. */
export async function runEngine(h: Harness): Promise<ApplyRunResult> {
  const policy = h.reach.policies.find((p) => p.id === SAMPLE.policyId);
  const dataset = h.reach.dataset;
  if (policy === undefined || dataset === undefined) throw new Error("sample data not loaded");
  return applyRun({
    store: h.store,
    policy,
    dataset,
    asOf: parseIsoDate(SAMPLE.asOf) as number,
    at: new Date().toISOString(),
    owner: "test",
  });
}

/** What the bot said (texts, and cards) while handling one activity. */
export interface Turn {
  response: BotResponse;
  said: Recorded[];
  texts: string[];
}

/** Sends one activity and collects the messages the bot sent while handling it. */
export async function turn(h: Harness, send: () => Promise<BotResponse>): Promise<Turn> {
  const before = h.fake.requests.length;
  const response = await send();
  const said = h.fake.requests
    .slice(before)
    .filter((r) => r.route === "post" || r.route === "reply");
  return { response, said, texts: said.map((r) => String(r.body?.text ?? "")) };
}
