/**
 * Killed mid-delivery (nothing lost, nothing doubled): the bot process (`src/teams/serve.ts`,
 * as `npm run serve` starts it) is posting a run's cards through Bot Framework's connector
 * when it is killed with SIGKILL while a post is in flight — Teams has the card, Reach
 * never heard its id. Started again, it finishes the rest. No card is posted twice; the
 * interrupted one is dead-lettered with the reason (Bot Framework cannot look a posted
 * activity up), so it shows on /health instead of being doubled; nothing is lost silently.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { loadPolicyFile } from "../../src/rules/loader.ts";
import { applyRun } from "../../src/run/apply-run.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { linkChannel } from "../helpers/channel.ts";
import { until } from "../helpers/fake-connector.ts";

const CHANNEL = "19:cases@thread.tacv2";
const POLICY = "samples/teams-demo/northfield-policy.yaml";
const DATA = "samples/demo-school";

/** A Bot Connector that takes its time answering posts, and remembers what it received. */
function slowConnector(holdMs: number) {
  const received: string[] = [];
  const answered = new Map<string, string>();
  let inFlight = 0;
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const outboxId = JSON.parse(body || "{}")?.channelData?.reachOutboxId ?? "";
      received.push(outboxId);
      inFlight++;
      const activityId = `activity-${received.length}`;
      setTimeout(() => {
        inFlight--;
        answered.set(outboxId, activityId);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ id: activityId }));
      }, holdMs);
    });
  });
  return {
    server,
    received,
    answered,
    inFlight: () => inFlight,
    async start() {
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    },
  };
}

function startServe(db: string): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", "src/teams/serve.ts"], {
    env: {
      ...process.env,
      REACH_DB: db,
      REACH_STORE: "sqlite",
      REACH_DATA: DATA,
      REACH_POLICIES: POLICY,
      PORT: "0",
      REACH_LOG_LEVEL: "silent",
      REACH_DELIVERY_LEASE_SECONDS: "2",
      REACH_SCHEDULER: "off",
      MicrosoftAppId: "",
    },
    stdio: "ignore",
  });
}

describe("the bot killed with SIGKILL while posting a run's cards", () => {
  const dir = mkdtempSync(join(tmpdir(), "reach-crash-"));
  const connector = slowConnector(250);
  const children: ChildProcess[] = [];

  afterAll(() => {
    for (const child of children) child.kill("SIGKILL");
    connector.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("posts no card twice, and dead-letters the interrupted one instead of losing it", async () => {
    const db = join(dir, "reach.db");
    const serviceUrl = await connector.start();
    const store = openSqliteStore({ path: db });
    const at = new Date().toISOString();
    await linkChannel(store, { channelId: CHANNEL, serviceUrl, policyId: "northfield", at });
    const loaded = await loadPolicyFile(POLICY);
    if (!loaded.ok) throw new Error("the demo policy does not load");
    const { dataset } = await importCanonical(DATA);
    const run = await applyRun({
      store,
      policy: loaded.policy,
      dataset,
      asOf: parseIsoDate("2027-01-29") as number,
      at,
      owner: "test",
    });
    expect(run.opened).toBe(15);

    // Killed while a post is in flight, after a few were answered and recorded.
    const first = startServe(db);
    children.push(first);
    await until(
      () => connector.answered.size >= 3 && connector.inFlight() > 0,
      "a post in flight after three answered",
      30_000,
    );
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));
    const receivedAtKill = connector.received.length;
    expect(receivedAtKill).toBeLessThan(15);

    // Started again: it finishes the run's cards.
    children.push(startServe(db));
    await until(
      async () => (await store.countOutbox("northfield")).pending === 0,
      "every card to be settled",
      60_000,
    );

    const entries = await store.listOutbox({ policyId: "northfield" });
    expect(entries).toHaveLength(15);
    // No card was posted twice.
    expect(new Set(connector.received).size).toBe(connector.received.length);
    const sent = entries.filter((e) => e.status === "sent");
    const dead = entries.filter((e) => e.status === "dead");
    expect(sent.length + dead.length).toBe(15);
    // Every sent entry records the id Teams gave its one post.
    for (const e of sent) expect(e.activityId).toBe(connector.answered.get(e.id));
    // The interrupted post(s): received by Teams before the kill, never recorded, not sent
    // again, dead-lettered with the reason.
    expect(dead.length).toBeGreaterThanOrEqual(1);
    for (const e of dead) {
      expect(connector.received.filter((id) => id === e.id)).toHaveLength(1);
      expect(e.lastError).toMatch(/interrupted/);
    }
    // Nothing lost: every card reached the channel once (the interrupted one before the kill).
    expect(new Set(connector.received)).toEqual(new Set(entries.map((e) => e.id)));
    await store.close();
  }, 120_000);
});
