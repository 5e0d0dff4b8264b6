/**
 * The delivery worker against the real SQLite store, a limit-enforcing fake connector and
 * simulated time: pacing to the windows, 429s and backoff, dead letters, waits and skips,
 * claims that run out, stop, and crashes between sending and recording. Every expected
 * time here is worked out by hand in the comment above it.
 */
import { describe, expect, it } from "vitest";
import {
  type ConnectorRequest,
  LimitedConnector,
  type LimitedConnectorOptions,
} from "../../bench/delivery/limited-connector.ts";
import { realClock, VirtualClock } from "../../src/delivery/clock.ts";
import { type Connector, ConnectorError } from "../../src/delivery/delivery.ts";
import { deliveryHealth } from "../../src/delivery/health.ts";
import { MemoryLogger } from "../../src/delivery/logger.ts";
import {
  minimumSendTimes,
  type RateLimits,
  type RateWindow,
  TEAMS_LIMITS,
} from "../../src/delivery/rate-limits.ts";
import { DeliveryWorker, type DeliveryWorkerOptions } from "../../src/delivery/worker.ts";
import type { OutboxSubmission } from "../../src/store/outbox-records.ts";
import type { Store } from "../../src/store/store.ts";
import {
  A,
  B,
  cards,
  entry,
  failingStore,
  iso,
  newStore,
  POLICY,
  SECRET,
  T0,
  testPlanner,
} from "./fixtures.ts";

interface Setup {
  store: Store;
  clock: VirtualClock;
  connector: LimitedConnector;
  logger: MemoryLogger;
  worker: (options?: Partial<DeliveryWorkerOptions>) => DeliveryWorker;
}

async function setup(
  entries: OutboxSubmission[],
  connectorOptions: Partial<LimitedConnectorOptions> = {},
  workerOptions: Partial<DeliveryWorkerOptions> = {},
): Promise<Setup> {
  const store = newStore();
  await store.enqueueOutbox(entries);
  const clock = new VirtualClock(T0);
  const limits: RateLimits = { ...TEAMS_LIMITS, ...workerOptions.limits };
  const connector = new LimitedConnector({ clock, limits, ...connectorOptions });
  const logger = new MemoryLogger();
  return {
    store,
    clock,
    connector,
    logger,
    worker: (options = {}) =>
      new DeliveryWorker({
        store,
        planner: testPlanner(store),
        connector,
        clock,
        logger,
        owner: "w1",
        random: () => 0.5,
        ...workerOptions,
        ...options,
      }),
  };
}

/** A fault for the first request that carries `outboxId` (or every one, with `always`). */
function failFirst(outboxId: string, error: () => Error, always = false) {
  let seen = false;
  return (request: ConnectorRequest): Error | undefined => {
    if (request.outboxId !== outboxId || (seen && !always)) return undefined;
    seen = true;
    return error();
  };
}

/** Sends of a conversation relative to T0, with the outbox id each carried. */
function timeline(connector: LimitedConnector, conversationId: string) {
  return connector.requests
    .filter((r) => r.conversationId === conversationId)
    .map((r) => ({ at: r.at - T0, id: r.outboxId, outcome: r.outcome }));
}

/** Every window, checked by brute force: no span of `perMs` holds more than `limit` sends. */
function expectWithin(times: number[], windows: readonly RateWindow[]): void {
  for (const w of windows) {
    for (const t of times) {
      const inWindow = times.filter((s) => s > t - w.perMs && s <= t).length;
      expect(inWindow, `${inWindow} sends in the ${w.perMs} ms before ${t}`).toBeLessThanOrEqual(
        w.limit,
      );
    }
  }
}

const TWO_WINDOWS: RateLimits = {
  conversation: [
    { limit: 7, perMs: 1_000 },
    { limit: 8, perMs: 2_000 },
  ],
  app: [{ limit: 50, perMs: 1_000 }],
};

describe("pacing", () => {
  it("sends 20 entries of one conversation as fast as 7/1 s and 8/2 s allow, in order", async () => {
    const entries = cards(20);
    const t = await setup(entries, {}, { limits: TWO_WINDOWS });
    const stats = await t.worker().drainUntilIdle();

    // 7 at once; the 8th when the first leaves the 1 s window; then the 8 per 2 s window
    // lets 8 through every 2 s: 7 at 2 s and 1 at 3 s, and the last 4 at 4 s.
    const sends = timeline(t.connector, A);
    expect(sends.map((s) => s.at)).toEqual([
      ...Array(7).fill(0),
      1_000,
      ...Array(7).fill(2_000),
      3_000,
      ...Array(4).fill(4_000),
    ]);
    expect(sends.map((s) => s.id)).toEqual(entries.map((e) => e.id));
    expectWithin(
      sends.map((s) => s.at),
      TWO_WINDOWS.conversation,
    );
    expect(sends.at(-1)?.at).toBe(minimumSendTimes(20, TWO_WINDOWS.conversation).at(-1));
    expect(t.connector.count("over_limit")).toBe(0);
    expect(stats).toMatchObject({ claimed: 20, sent: 20, requests: 20, deadLettered: 0 });
    expect(await t.store.countOutbox()).toEqual({ pending: 0, sent: 20, dead: 0 });
  });

  it("keeps Teams' four conversation windows over 130 entries", async () => {
    const t = await setup(cards(130));
    await t.worker().drainUntilIdle();
    const times = timeline(t.connector, A).map((s) => s.at);
    // 60 per 30 s: entries 61-120 go 30 s after 1-60, 121-130 60 s after 1-10; within
    // each 30 s, 8 per 2 s: 7 at +0 s and 1 at +1 s, … so entry 130 (the 10th of the third
    // 30 s) is at 60 s + 2 s.
    expect(times.at(-1)).toBe(62_000);
    expectWithin(times, [
      { limit: 7, perMs: 1_000 },
      { limit: 8, perMs: 2_000 },
      { limit: 60, perMs: 30_000 },
    ]);
  });

  it("paces conversations independently, and all of them together to the app's window", async () => {
    // 7/1 s per conversation alone: A and B each send 7 at 0 s and 7 at 1 s, as if alone.
    const interleaved = cards(14, A, 0).flatMap((a, i) => [a, cards(1, B, 100 + i)[0]]);
    const alone = await setup(
      interleaved,
      {},
      { limits: { conversation: [{ limit: 7, perMs: 1_000 }] } },
    );
    await alone.worker().drainUntilIdle();
    for (const c of [A, B]) {
      expect(timeline(alone.connector, c).map((s) => s.at)).toEqual([
        ...Array(7).fill(0),
        ...Array(7).fill(1_000),
      ]);
    }

    // With the app at 10/1 s, the 28 sends take 0, 1 and 2 s: 10, 10 and 8.
    const limits = {
      conversation: [{ limit: 7, perMs: 1_000 }],
      app: [{ limit: 10, perMs: 1_000 }],
    };
    const shared = await setup(interleaved, {}, { limits });
    await shared.worker().drainUntilIdle();
    const all = shared.connector.requests.map((r) => r.at - T0);
    expect(all.filter((at) => at === 0)).toHaveLength(10);
    expect(all.filter((at) => at === 1_000)).toHaveLength(10);
    expect(all.filter((at) => at === 2_000)).toHaveLength(8);
    expectWithin(all, limits.app);
    for (const c of [A, B])
      expectWithin(
        timeline(shared.connector, c).map((s) => s.at),
        limits.conversation,
      );
    expect(shared.connector.count("over_limit")).toBe(0);
  });
});

describe("retries", () => {
  it("waits a 429's Retry-After and pauses that conversation alone", async () => {
    const a = cards(5, A, 0);
    const b = cards(5, B, 10);
    const t = await setup([...a, ...b], {
      fault: failFirst(a[2].id, () => new ConnectorError("Too Many Requests", 429, 3_000)),
    });
    const stats = await t.worker().drainUntilIdle();

    // A: two sent at 0 s, the third throttled at 0 s; A waits 3 s, then the throttled
    // one goes first and the other two follow at once. B is not held up.
    expect(timeline(t.connector, A)).toEqual([
      { at: 0, id: a[0].id, outcome: "ok" },
      { at: 0, id: a[1].id, outcome: "ok" },
      { at: 0, id: a[2].id, outcome: "fault" },
      { at: 3_000, id: a[2].id, outcome: "ok" },
      { at: 3_000, id: a[3].id, outcome: "ok" },
      { at: 3_000, id: a[4].id, outcome: "ok" },
    ]);
    expect(timeline(t.connector, B).map((s) => s.at)).toEqual([0, 0, 0, 0, 0]);
    expect(await t.store.getOutboxEntry({ policyId: POLICY, id: a[2].id })).toMatchObject({
      status: "sent",
      attempts: 1,
      activityId: t.connector.requests.find((r) => r.outboxId === a[2].id && r.outcome === "ok")
        ?.activityId,
    });
    expect(stats).toMatchObject({ throttled: 1, retried: 1, sent: 10 });
  });

  it("retries a 503 after a jittered backoff, and the entry is posted once", async () => {
    const entries = cards(3);
    const t = await setup(entries, {
      fault: failFirst(entries[0].id, () => new ConnectorError("Service Unavailable", 503)),
    });
    await t.worker().drainUntilIdle();

    // Full jitter with random() = 0.5: the first retry waits 0.5 × 1 s.
    expect(timeline(t.connector, A)).toEqual([
      { at: 0, id: entries[0].id, outcome: "fault" },
      { at: 0, id: entries[1].id, outcome: "ok" },
      { at: 0, id: entries[2].id, outcome: "ok" },
      { at: 500, id: entries[0].id, outcome: "ok" },
    ]);
    expect(t.connector.deliveries().get(entries[0].id)).toBe(1);
    const stored = await t.store.getOutboxEntry({ policyId: POLICY, id: entries[0].id });
    expect(stored).toMatchObject({ status: "sent", attempts: 1 });
    expect(stored?.lastError).toContain("HTTP 503");
    expect(stored?.sendingAt).toBeUndefined();
  });

  it("dead-letters a 400 at once with one log line and no payload in it", async () => {
    const entries = cards(2);
    const t = await setup(entries, {
      fault: failFirst(entries[0].id, () => new ConnectorError("Bad Request: card too big", 400)),
    });
    await t.worker().drainUntilIdle();

    expect(timeline(t.connector, A).filter((r) => r.id === entries[0].id)).toHaveLength(1);
    expect(await t.store.getOutboxEntry({ policyId: POLICY, id: entries[0].id })).toMatchObject({
      status: "dead",
      attempts: 1,
      lastError: "HTTP 400: Bad Request: card too big",
    });
    expect(t.logger.lines).toEqual([
      {
        level: "warn",
        message: "delivery dead-lettered",
        fields: {
          outboxId: entries[0].id,
          policyId: POLICY,
          kind: "case_card",
          attempts: 1,
          error: "HTTP 400: Bad Request: card too big",
        },
      },
    ]);
    expect(JSON.stringify(t.logger.lines)).not.toContain(SECRET);
    expect(await deliveryHealth(t.store)).toEqual({ pending: 0, sent: 1, dead: 1 });
  });

  it("dead-letters after maxAttempts failures, backing off 0.5, 1, 2 and 4 s between them", async () => {
    const [only] = cards(1);
    const t = await setup(
      [only],
      { fault: failFirst(only.id, () => new ConnectorError("Bad Gateway", 502), true) },
      { maxAttempts: 5 },
    );
    const stats = await t.worker().drainUntilIdle();

    expect(timeline(t.connector, A).map((r) => r.at)).toEqual([0, 500, 1_500, 3_500, 7_500]);
    expect(await t.store.getOutboxEntry({ policyId: POLICY, id: only.id })).toMatchObject({
      status: "dead",
      attempts: 5,
      lastError: "gave up after 5 failed attempts; last: HTTP 502: Bad Gateway",
    });
    expect(stats).toMatchObject({ failed: 5, retried: 4, deadLettered: 1, sent: 0 });
    const dead = t.logger.lines.filter((l) => l.message === "delivery dead-lettered");
    expect(dead).toHaveLength(1);
    expect(dead[0].fields).toMatchObject({ outboxId: only.id, attempts: 5 });
  });

  it("backs off a 429 without Retry-After, and retries network errors", async () => {
    const entries = cards(2);
    const t = await setup(entries, {
      fault: (r) =>
        r.n === 1
          ? new ConnectorError("Too Many Requests", 429)
          : r.n === 3
            ? new TypeError("fetch failed")
            : undefined,
    });
    await t.worker().drainUntilIdle();
    // 1: entry 0 throttled at 0 s without Retry-After: A pauses 0.5 s. 2: entry 0 again at
    // 0.5 s (ok). 3: entry 1 at 0.5 s fails on the network, retried 0.5 s later.
    expect(timeline(t.connector, A)).toEqual([
      { at: 0, id: entries[0].id, outcome: "fault" },
      { at: 500, id: entries[0].id, outcome: "ok" },
      { at: 500, id: entries[1].id, outcome: "fault" },
      { at: 1_000, id: entries[1].id, outcome: "ok" },
    ]);
    expect(await deliveryHealth(t.store)).toEqual({ pending: 0, sent: 2, dead: 0 });
  });
});

describe("planner answers", () => {
  it("marks a skip sent without sending anything", async () => {
    const t = await setup([entry({ n: 1, plan: "skip" })]);
    const stats = await t.worker().drainUntilIdle();
    expect(t.connector.requests).toEqual([]);
    const [stored] = await t.store.listOutbox();
    expect(stored).toMatchObject({ status: "sent", attempts: 0 });
    expect(stored.activityId).toBeUndefined();
    expect(stats.skipped).toBe(1);
  });

  it("reschedules a wait, and waits do not count against the failure budget", async () => {
    // Waits 3 times (at 0, 5 and 10 s), then its post at 15 s fails once (503) and is
    // retried at 15.5 s. Four attempts in all, with maxAttempts 2: still sent.
    const waiting = entry({ n: 1, plan: { waitTimes: 3, retryAfterMs: 5_000 } });
    const t = await setup(
      [waiting],
      { fault: failFirst(waiting.id, () => new ConnectorError("Service Unavailable", 503)) },
      { maxAttempts: 2 },
    );
    const stats = await t.worker().drainUntilIdle({ waitForLater: true });
    expect(timeline(t.connector, A).map((r) => [r.at, r.outcome])).toEqual([
      [15_000, "fault"],
      [15_500, "ok"],
    ]);
    expect(await t.store.getOutboxEntry({ policyId: POLICY, id: waiting.id })).toMatchObject({
      status: "sent",
      attempts: 4,
    });
    expect(stats).toMatchObject({ waited: 3, failed: 1, deadLettered: 0 });
  });

  it("without waitForLater, a drain stops when what is left is due later", async () => {
    const waiting = entry({ n: 1, plan: { waitTimes: 1, retryAfterMs: 60_000 } });
    const t = await setup([waiting]);
    await t.worker().drainUntilIdle();
    expect(t.clock.now()).toBe(T0);
    expect(await t.store.getOutboxEntry({ policyId: POLICY, id: waiting.id })).toMatchObject({
      status: "pending",
      attempts: 1,
      dueAt: iso(T0 + 60_000),
      lastError: "[failures 0] waiting: no channel bound yet",
    });
  });
});

describe("claims", () => {
  it("lets go of what it cannot send before its claim runs out, and sends it on a later claim", async () => {
    // 1 send a second, a 10 s claim and a 2 s margin: sends at 0…8 s (8 s + 2 s ≤ 10 s);
    // the other 11 are let go at 9 s. Claimed again when the claim runs out at 10 s: sent
    // at 10…18 s, the last 2 let go at 19 s, claimed again at 20 s and sent at 20 and 21 s.
    const entries = cards(20);
    const limits = { conversation: [{ limit: 1, perMs: 1_000 }] };
    const t = await setup(
      entries,
      {},
      { limits, leaseMs: 10_000, sendMarginMs: 2_000, batchSize: 20 },
    );
    const worker = t.worker();
    const first = await worker.drainUntilIdle();
    expect(first).toMatchObject({ claimed: 20, sent: 9, released: 11 });
    expect(await deliveryHealth(t.store)).toEqual({ pending: 11, sent: 9, dead: 0 });

    await worker.drainUntilIdle({ waitForLater: true });
    const sends = timeline(t.connector, A);
    const seconds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 21];
    expect(sends.map((s) => s.at)).toEqual(seconds.map((s) => s * 1_000));
    expect(sends.map((s) => s.id)).toEqual(entries.map((e) => e.id));
    expect(await deliveryHealth(t.store)).toEqual({ pending: 0, sent: 20, dead: 0 });
  });

  it("start() delivers in the background; stop() waits for the send in flight", async () => {
    const entries = cards(5);
    const store = newStore();
    await store.enqueueOutbox(entries);
    const clock = new VirtualClock(T0);
    const limited = new LimitedConnector({ clock });
    // Each post takes 300 ms.
    const slow: Connector = {
      post: async (c, a) => {
        await clock.sleep(300);
        return limited.post(c, a);
      },
      reply: (c, t, a) => limited.reply(c, t, a),
      update: (c, id, a) => limited.update(c, id, a),
    };
    const worker = new DeliveryWorker({
      store,
      planner: testPlanner(store),
      connector: slow,
      clock,
      limits: { conversation: [{ limit: 1, perMs: 1_000 }] },
    });
    worker.start();
    expect(() => worker.start()).toThrow(/already running/);
    // Sends start at 0 and 1 s; at 1.1 s the second is in flight.
    await clock.sleep(1_100);
    expect(worker.stats().inFlight).toBe(1);
    await worker.stop();
    expect(clock.now()).toBe(T0 + 1_300);
    expect(worker.stats()).toMatchObject({ sent: 2, inFlight: 0, queued: 0, released: 3 });
    expect(await deliveryHealth(store)).toEqual({ pending: 3, sent: 2, dead: 0 });
    await clock.advance(10_000);
    expect(limited.requests).toHaveLength(2);
  });
});

describe("on the real clock", () => {
  it("delivers in the background and stops", async () => {
    const store = newStore();
    await store.enqueueOutbox(cards(3));
    const connector = new LimitedConnector({ clock: realClock });
    const worker = new DeliveryWorker({
      store,
      planner: testPlanner(store),
      connector,
      pollMs: 10,
    });
    worker.start();
    const deadline = Date.now() + 5_000;
    while ((await store.countOutbox()).sent < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await worker.stop();
    expect(await deliveryHealth(store)).toEqual({ pending: 0, sent: 3, dead: 0 });
    expect(connector.requests.map((r) => r.outcome)).toEqual(["ok", "ok", "ok"]);
    await store.close();
  });
});

describe("interrupted between sending and recording", () => {
  async function crashAfterSend(lookup: LimitedConnectorOptions["lookup"]) {
    const [card] = cards(1);
    const t = await setup([card], { lookup });
    // The first worker posts, then "dies" before markSent is written.
    const crashing = failingStore(t.store, "markSent", new Set([1]));
    const first = await t.worker({ store: crashing, owner: "w1" }).drainUntilIdle();
    expect(first).toMatchObject({ sent: 1, unrecorded: 1 });
    const interrupted = await t.store.getOutboxEntry({ policyId: POLICY, id: card.id });
    expect(interrupted).toMatchObject({ status: "pending", sendingAt: iso(T0) });
    // A fresh worker, once the dead worker's claim has run out.
    await t.clock.advance(120_000);
    const second = await t.worker({ owner: "w2" }).drainUntilIdle();
    return { ...t, card, second };
  }

  it("with find: marks it sent with the posted activity id, and it is posted once", async () => {
    const { connector, store, card, second } = await crashAfterSend("find");
    const posts = connector.requests.filter((r) => r.op === "post");
    expect(posts).toHaveLength(1);
    expect(await store.getOutboxEntry({ policyId: POLICY, id: card.id })).toMatchObject({
      status: "sent",
      activityId: posts[0].activityId,
    });
    expect(second).toMatchObject({ reconciled: 1, requests: 0 });
  });

  for (const lookup of ["absent", "unknown"] as const) {
    it(`with find ${lookup}: dead-letters it rather than post it again`, async () => {
      const { connector, store, card, logger } = await crashAfterSend(lookup);
      expect(connector.requests.filter((r) => r.op === "post")).toHaveLength(1);
      const stored = await store.getOutboxEntry({ policyId: POLICY, id: card.id });
      expect(stored).toMatchObject({
        status: "dead",
        attempts: 1,
        lastError: `interrupted between sending and recording at ${iso(T0)}; it may already be in the conversation, so it was not sent again`,
      });
      const dead = logger.lines.filter((l) => l.message === "delivery dead-lettered");
      expect(dead).toHaveLength(1);
      expect(dead[0].fields).toMatchObject({ outboxId: card.id, error: stored?.lastError });
      expect(JSON.stringify(logger.lines)).not.toContain(SECRET);
    });
  }

  it("with find answering not found: sends it (the request never left)", async () => {
    const [card] = cards(1);
    const t = await setup([card]);
    // A worker claimed it and marked it sending, then died before the request.
    await t.store.claimDue(iso(T0), 1, 5_000, "dead-worker");
    await t.store.markSending({ policyId: POLICY, id: card.id }, iso(T0));
    await t.clock.advance(5_000);
    await t.worker().drainUntilIdle();
    expect(t.connector.requests.map((r) => [r.at - T0, r.outcome])).toEqual([[5_000, "ok"]]);
    expect(await deliveryHealth(t.store)).toEqual({ pending: 0, sent: 1, dead: 0 });
  });

  it("an interrupted update is simply sent again (updates are idempotent)", async () => {
    const [card] = cards(1);
    const update = entry({ n: 0, kind: "card_update" });
    const t = await setup([card, update], { lookup: "absent" });
    // The card is posted and recorded; the update is sent, then the worker dies.
    const crashing = failingStore(t.store, "markSent", new Set([2]));
    await t.worker({ store: crashing }).drainUntilIdle({ waitForLater: true, maxMs: 10_000 });
    expect(await t.store.getOutboxEntry({ policyId: POLICY, id: update.id })).toMatchObject({
      status: "pending",
    });
    await t.clock.advance(120_000);
    await t.worker({ owner: "w2" }).drainUntilIdle();

    const cardId = t.connector.requests[0].activityId;
    expect(t.connector.requests.map((r) => [r.op, r.outcome, r.activityId])).toEqual([
      ["post", "ok", cardId],
      ["update", "ok", cardId],
      ["update", "ok", cardId],
    ]);
    expect(await t.store.getOutboxEntry({ policyId: POLICY, id: update.id })).toMatchObject({
      status: "sent",
      activityId: cardId,
    });
  });

  it("after an ambiguous failure (a gateway timeout), looks before posting again", async () => {
    const [card] = cards(1);
    const t = await setup([card]);
    // The post reaches Teams, but the answer is lost: a 504.
    const lost: Connector = {
      post: async (c, a) => {
        await t.connector.post(c, a);
        throw new ConnectorError("Gateway Timeout", 504);
      },
      reply: (c, th, a) => t.connector.reply(c, th, a),
      update: (c, id, a) => t.connector.update(c, id, a),
      find: (c, id) => t.connector.find?.(c, id) ?? Promise.resolve(null),
    };
    const stats = await t.worker({ connector: lost }).drainUntilIdle();
    expect(t.connector.requests.filter((r) => r.op === "post")).toHaveLength(1);
    expect(await t.store.getOutboxEntry({ policyId: POLICY, id: card.id })).toMatchObject({
      status: "sent",
      activityId: t.connector.requests[0].activityId,
      attempts: 1,
    });
    expect(stats).toMatchObject({ reconciled: 1, failed: 1 });
  });
});
