/**
 * The delivery worker: drains the outbox into Teams through a `Planner` (what to send) and
 * a `Connector` (how), at the pace Teams allows, retrying what can be retried, giving up
 * on what cannot, and never posting an entry twice. docs/delivery.md explains the design.
 *
 * Flow: a dispatcher claims due entries (with a lease) and plans each; a send goes into its
 * conversation's lane. Each lane sends one entry at a time, in claim order, as soon as the
 * conversation's windows, a 429 pause and the app-wide gate (the app's windows and the
 * bound on requests in flight) allow; lanes run concurrently. Around each send:
 * `markSending` before, `markSent` after; a claimed entry whose `sendingAt` is set was
 * interrupted in between and is reconciled, not blindly sent again.
 */
import { randomUUID } from "node:crypto";
import type { OutboxEntry, OutboxKey, Store } from "../store/index.ts";
import { type BackoffOptions, DEFAULT_BACKOFF, fullJitter } from "./backoff.ts";
import { type Clock, realClock, WOKEN } from "./clock.ts";
import {
  type Connector,
  ConnectorError,
  type Delivery,
  type Planner,
  type Settled,
} from "./delivery.ts";
import {
  type AttemptRecord,
  attemptRecordOf,
  classifyFailure,
  type Doubt,
  RETRYABLE_STATUSES,
  tagged,
} from "./failures.ts";
import { type Logger, silentLogger } from "./logger.ts";
import { checkWindows, type RateLimits, SendLog, TEAMS_LIMITS } from "./rate-limits.ts";
import { SendGate } from "./send-gate.ts";

export interface DeliveryWorkerOptions {
  store: Store;
  planner: Planner;
  connector: Connector;
  clock?: Clock;
  logger?: Logger;
  /** The claim owner's name (a random one by default). */
  owner?: string;
  /** Teams' published limits by default; either part may be replaced. */
  limits?: Partial<RateLimits>;
  /** Failed sends (429s included) before an entry is dead-lettered. Default 8. */
  maxAttempts?: number;
  /** Planner waits before an entry is dead-lettered. Default 1,000. */
  maxWaits?: number;
  /** Backoff for 412/5xx/network failures and 429s without Retry-After. Default 1 s to 60 s. */
  backoff?: Partial<BackoffOptions>;
  /** In [0, 1), for the backoff's jitter. Default Math.random. */
  random?: () => number;
  /**
   * How long a claim lasts. Default 2 min: long enough for a full queue to drain into one
   * busy channel (60 per 30 s); a dead worker's entries wait this long to be claimed again.
   */
  leaseMs?: number;
  /**
   * A send does not start this close to the end of its claim (after it, another worker may
   * claim the entry): it is let go and claimed again. Default min(10 s, lease / 4).
   */
  sendMarginMs?: number;
  /** Entries per claim. Default 20. */
  batchSize?: number;
  /**
   * Claimed entries held in memory at most. Default 60: about a minute of one busy
   * channel, a second of the app's 50/s; refilled by `batchSize` as it drains.
   */
  maxQueued?: number;
  /** Requests to Teams in flight at most (across conversations). Default 16. */
  maxInFlight?: number;
  /** How often the loop looks for due entries when there were none. Default 1 s. */
  pollMs?: number;
  /** Statuses retried with backoff (besides 429). Default 412, 500, 502, 503, 504. */
  retryableStatuses?: Iterable<number>;
}

export interface DeliveryStats {
  /** Entries claimed from the store (an entry claimed again counts again). */
  claimed: number;
  /** Requests made to Teams (posts, replies, updates), successful or not. */
  requests: number;
  /** Entries sent (successful requests; see `unrecorded`). */
  sent: number;
  /** Entries the planner skipped (marked sent with nothing to send). */
  skipped: number;
  /** Interrupted entries found already posted (`connector.find`), marked sent unsent. */
  reconciled: number;
  /** Planner waits (rescheduled). */
  waited: number;
  /** 429 answers. */
  throttled: number;
  /** Other failed requests (and failed plans). */
  failed: number;
  /** Retries scheduled after a failure. */
  retried: number;
  deadLettered: number;
  /** Entries let go unsent before their claim ran out (or at `stop`): claimed again later. */
  released: number;
  /** Sent, but `markSent` failed: reconciled when next claimed. */
  unrecorded: number;
  /** Entries in memory now, and requests in flight now. */
  queued: number;
  inFlight: number;
  /** Clock times of the first and the last successful send. */
  firstSentAt?: number;
  lastSentAt?: number;
}

export interface DrainOptions {
  /**
   * Also wait (on the clock) for pending entries that are due later or claimed by someone
   * else, until none is pending or `maxMs` has passed. For tests.
   */
  waitForLater?: boolean;
  /** Bound on the clock time a drain may take with `waitForLater`. Default 1 day. */
  maxMs?: number;
}

type Send = Extract<Delivery, { op: "post" | "reply" | "update" }>;

interface Item {
  entry: OutboxEntry;
  key: OutboxKey;
  delivery: Send;
  /** The store's attempts, kept up to date as this worker adds some. */
  attempts: number;
  /** Failed sends so far. */
  failures: number;
  /** Nobody else can claim the entry before this time (its claim, or its retry's due time). */
  ownedUntil: number;
  /** Not sent before this time (a retry's backoff). */
  notBefore: number;
  /**
   * It may already be in the conversation: look before posting. Interrupted (claimed with
   * `sendingAt` set): if the connector cannot tell, do not post. Ambiguous (a failure that
   * can hide success): if it cannot tell, post (the product's rule for 502/504).
   */
  doubt?: Doubt;
  /** Looked since the last failure (and could not tell): do not look again before sending. */
  looked?: boolean;
}

interface Lane {
  conversationId: string;
  items: Item[];
  log: SendLog;
  pausedUntil: number;
  runner?: Promise<void>;
  wake?: AbortController;
}

const DAY = 86_400_000;

export class DeliveryWorker {
  private readonly store: Store;
  private readonly planner: Planner;
  private readonly connector: Connector;
  private readonly clock: Clock;
  private readonly logger: Logger;
  readonly owner: string;
  private readonly limits: RateLimits;
  private readonly maxAttempts: number;
  private readonly maxWaits: number;
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;
  private readonly leaseMs: number;
  private readonly sendMarginMs: number;
  private readonly batchSize: number;
  private readonly maxQueued: number;
  private readonly pollMs: number;
  private readonly retryable: ReadonlySet<number>;
  private readonly gate: SendGate;

  private readonly lanes = new Map<string, Lane>();
  private readonly runners = new Set<Promise<void>>();
  private queued = 0;
  private counters: Omit<DeliveryStats, "queued" | "inFlight"> = {
    claimed: 0,
    requests: 0,
    sent: 0,
    skipped: 0,
    reconciled: 0,
    waited: 0,
    throttled: 0,
    failed: 0,
    retried: 0,
    deadLettered: 0,
    released: 0,
    unrecorded: 0,
  };
  private active: "loop" | "drain" | undefined;
  private stopping = false;
  private halt = new AbortController();
  private dispatcherNap: AbortController | undefined;
  private loop: Promise<void> | undefined;

  constructor(options: DeliveryWorkerOptions) {
    this.store = options.store;
    this.planner = options.planner;
    this.connector = options.connector;
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? silentLogger;
    this.owner = options.owner ?? `delivery-${randomUUID().slice(0, 8)}`;
    this.limits = {
      conversation: options.limits?.conversation ?? TEAMS_LIMITS.conversation,
      app: options.limits?.app ?? TEAMS_LIMITS.app,
    };
    this.maxAttempts = positiveInt(options.maxAttempts ?? 8, "maxAttempts");
    this.maxWaits = positiveInt(options.maxWaits ?? 1_000, "maxWaits");
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.random = options.random ?? Math.random;
    this.leaseMs = positiveInt(options.leaseMs ?? 120_000, "leaseMs");
    this.sendMarginMs = options.sendMarginMs ?? Math.min(10_000, Math.floor(this.leaseMs / 4));
    if (!(this.sendMarginMs >= 0 && this.sendMarginMs < this.leaseMs)) {
      throw new RangeError("sendMarginMs must be at least 0 and less than leaseMs");
    }
    this.batchSize = positiveInt(options.batchSize ?? 20, "batchSize");
    this.maxQueued = Math.max(this.batchSize, positiveInt(options.maxQueued ?? 60, "maxQueued"));
    this.pollMs = positiveInt(options.pollMs ?? 1_000, "pollMs");
    this.retryable = new Set(options.retryableStatuses ?? RETRYABLE_STATUSES);
    this.gate = new SendGate(this.clock, this.limits.app, options.maxInFlight ?? 16);
    checkWindows(this.limits.conversation);
  }

  /** Runs until `stop()`: claims due entries, sends them, polls every `pollMs` when idle. */
  start(): void {
    this.begin("loop");
    this.loop = this.dispatch(false, {}).catch((error) => {
      this.logger.error({ error: errorText(error) }, "delivery loop failed");
    });
  }

  /**
   * Stops claiming, waits for the requests in flight and records their outcomes, and lets
   * go of the entries claimed but not yet sent (claimed again once their claims run out).
   */
  async stop(): Promise<void> {
    if (this.active === undefined) return;
    this.stopping = true;
    this.halt.abort();
    await this.loop;
    await this.settled();
    this.releaseAll();
    this.end();
  }

  /**
   * New entries were queued (a card action, a run): look for them now rather than at the
   * next poll. Does nothing when the worker is not running or is busy already.
   */
  wake(): void {
    this.dispatcherNap?.abort(WOKEN);
  }

  /** Claims one batch and delivers it (pacing, retries included); answers how many it claimed. */
  async drainOnce(): Promise<number> {
    this.begin("drain");
    try {
      const claimed = await this.claim(this.batchSize);
      await this.settled();
      return claimed;
    } finally {
      this.end();
    }
  }

  /**
   * Claims and delivers until nothing is due and nothing is in memory (with
   * `waitForLater`, until nothing is pending at all). Answers the stats.
   */
  async drainUntilIdle(options: DrainOptions = {}): Promise<DeliveryStats> {
    this.begin("drain");
    try {
      await this.dispatch(true, options);
      await this.settled();
      return this.stats();
    } finally {
      this.end();
    }
  }

  stats(): DeliveryStats {
    return { ...this.counters, queued: this.queued, inFlight: this.gate.inFlight };
  }

  // The dispatcher

  private async dispatch(untilIdle: boolean, options: DrainOptions): Promise<void> {
    const deadline = this.clock.now() + (options.maxMs ?? DAY);
    while (!this.stopping) {
      this.forgetIdleLanes();
      const room = this.maxQueued - this.queued;
      const asked =
        room >= this.batchSize || this.queued === 0 ? Math.min(room, this.batchSize) : 0;
      const skippedBefore = this.counters.skipped;
      const claimed = asked > 0 ? await this.claim(asked) : 0;
      if (claimed > 0 && claimed === asked) continue; // more may be due now
      // An entry settled without a send (skipped) lets its case's next entry be claimed:
      // claim again, after the event loop's other work (a long run of skips is no stall).
      if (this.counters.skipped !== skippedBefore) {
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      if (untilIdle && this.queued === 0 && claimed < asked) {
        await this.settled();
        if (this.queued > 0) continue;
        if (!options.waitForLater) return;
        const next = await this.nextDue();
        if (next === undefined || next > deadline) return;
        await this.napDispatcher(next - this.clock.now());
        continue;
      }
      await this.napDispatcher(this.pollMs);
    }
  }

  private async claim(limit: number): Promise<number> {
    let entries: OutboxEntry[];
    try {
      entries = await this.store.claimDue(iso(this.clock.now()), limit, this.leaseMs, this.owner);
    } catch (error) {
      this.logger.error({ error: errorText(error) }, "delivery could not claim entries");
      return 0;
    }
    this.counters.claimed += entries.length;
    for (const entry of entries) await this.admit(entry);
    return entries.length;
  }

  /** Plans a claimed entry: settles a skip or a wait at once, else queues it in its lane. */
  private async admit(entry: OutboxEntry): Promise<void> {
    const key = { policyId: entry.policyId, id: entry.id };
    const record = attemptRecordOf(entry);
    if (entry.sendingAt !== undefined) {
      record.doubt = { kind: "interrupted", at: entry.sendingAt };
    }
    let delivery: Delivery;
    try {
      delivery = await this.planner.plan(entry);
    } catch (error) {
      await this.planFailed(entry, record, errorText(error));
      return;
    }
    const now = this.clock.now();
    if (delivery.op === "skip") {
      if (await this.settle(entry, () => this.store.markSent(key, undefined, iso(now)))) {
        this.counters.skipped++;
        this.logger.info({ ...ids(entry), reason: delivery.reason }, "delivery skipped");
      }
      return;
    }
    if (delivery.op === "wait") {
      await this.planWait(entry, record, delivery.reason, delivery.retryAfterMs);
      return;
    }
    const claimedUntil =
      entry.claimedUntil === undefined ? Number.NaN : Date.parse(entry.claimedUntil);
    const item: Item = {
      entry,
      key,
      delivery,
      attempts: entry.attempts,
      failures: record.failures,
      ownedUntil: Number.isNaN(claimedUntil) ? now + this.leaseMs : claimedUntil,
      notBefore: now,
      // Sending an update again changes nothing: no need to look.
      doubt: delivery.op === "update" ? undefined : record.doubt,
    };
    this.enqueue(this.laneOf(delivery.conversationId), item);
  }

  private async planFailed(entry: OutboxEntry, record: AttemptRecord, text: string): Promise<void> {
    this.counters.failed++;
    const key = { policyId: entry.policyId, id: entry.id };
    const failures = record.failures + 1;
    if (failures >= this.maxAttempts) {
      await this.deadLetter(
        entry,
        entry.attempts,
        `planning failed ${failures} times; last: ${text}`,
      );
      return;
    }
    this.logger.warn(
      { ...ids(entry), attempts: entry.attempts + 1, error: text },
      "delivery planning failed",
    );
    const dueAt = this.clock.now() + fullJitter(failures, this.backoff, this.random);
    const error = tagged({ failures, doubt: record.doubt }, `planning failed: ${text}`);
    if (await this.settle(entry, () => this.store.reschedule(key, iso(dueAt), error))) {
      this.counters.retried++;
    }
  }

  private async planWait(
    entry: OutboxEntry,
    record: AttemptRecord,
    reason: string,
    retryAfterMs: number,
  ): Promise<void> {
    const key = { policyId: entry.policyId, id: entry.id };
    const waits = entry.attempts - record.failures + 1;
    if (waits > this.maxWaits) {
      await this.deadLetter(
        entry,
        entry.attempts,
        `still waiting after ${waits - 1} tries: ${reason}`,
      );
      return;
    }
    const dueAt = this.clock.now() + Math.max(0, retryAfterMs);
    // The store counts the wait as an attempt; the tag keeps the failures apart (and an
    // interrupted send's doubt, which rescheduling clears from `sendingAt`).
    const error = tagged(record, `waiting: ${reason}`);
    if (await this.settle(entry, () => this.store.reschedule(key, iso(dueAt), error))) {
      this.counters.waited++;
    }
  }

  // Lanes

  private laneOf(conversationId: string): Lane {
    let lane = this.lanes.get(conversationId);
    if (!lane) {
      lane = {
        conversationId,
        items: [],
        log: new SendLog(this.limits.conversation),
        pausedUntil: 0,
      };
      this.lanes.set(conversationId, lane);
    }
    return lane;
  }

  private enqueue(lane: Lane, item: Item): void {
    lane.items.push(item);
    this.queued++;
    lane.wake?.abort(WOKEN);
    if (!lane.runner) {
      const runner = this.runLane(lane).catch((error) => {
        this.logger.error(
          { conversationId: lane.conversationId, error: errorText(error) },
          "delivery lane failed",
        );
      });
      lane.runner = runner;
      this.runners.add(runner);
      void runner.finally(() => this.runners.delete(runner));
    }
  }

  private async runLane(lane: Lane): Promise<void> {
    try {
      while (!this.stopping) {
        const now = this.clock.now();
        this.releaseLapsed(lane, now);
        if (lane.items.length === 0) return;
        const item = lane.items.find((i) => i.notBefore <= now);
        if (!item) {
          await this.napLane(lane, Math.min(...lane.items.map((i) => i.notBefore)) - now);
          continue;
        }
        if (item.doubt && !item.looked && !(await this.reconcile(lane, item))) continue;
        const at = Math.max(lane.pausedUntil, lane.log.earliest(now));
        if (at > now) {
          await this.napLane(lane, at - now);
          continue;
        }
        const release = await this.gate.acquire(this.halt.signal);
        if (!release) return;
        try {
          // The gate may have made us wait: the lane's windows only loosened meanwhile
          // (nothing else sends in this lane), but the claim may have run out.
          if (!this.owns(item, this.clock.now())) continue;
          await this.send(lane, item);
        } finally {
          release();
        }
      }
    } finally {
      lane.runner = undefined;
    }
  }

  private owns(item: Item, now: number): boolean {
    return now + this.sendMarginMs <= item.ownedUntil;
  }

  /** Lets go of entries whose claim (or retry hold) is about to run out. */
  private releaseLapsed(lane: Lane, now: number): void {
    for (const item of [...lane.items]) {
      if (!this.owns(item, now)) {
        this.remove(lane, item);
        this.counters.released++;
      }
    }
  }

  private releaseAll(): void {
    for (const lane of this.lanes.values()) {
      for (const item of [...lane.items]) {
        this.remove(lane, item);
        this.counters.released++;
      }
    }
  }

  private remove(lane: Lane, item: Item): void {
    const i = lane.items.indexOf(item);
    if (i < 0) return;
    lane.items.splice(i, 1);
    this.queued--;
    if (this.queued === 0 || this.queued === this.maxQueued - this.batchSize) {
      this.dispatcherNap?.abort(WOKEN);
    }
  }

  private forgetIdleLanes(): void {
    const now = this.clock.now();
    for (const [id, lane] of this.lanes) {
      if (
        !lane.runner &&
        lane.items.length === 0 &&
        lane.pausedUntil <= now &&
        lane.log.idle(now)
      ) {
        this.lanes.delete(id);
      }
    }
  }

  // Sending

  private async send(lane: Lane, item: Item): Promise<void> {
    const { key, entry } = item;
    let marked: boolean;
    try {
      marked = await this.store.markSending(key, iso(this.clock.now()));
    } catch (error) {
      this.logger.error(
        { ...ids(entry), error: errorText(error) },
        "delivery could not mark the entry sending; not sent",
      );
      this.remove(lane, item);
      this.counters.released++;
      return;
    }
    if (!marked) {
      this.logger.info(ids(entry), "delivery entry no longer pending; not sent");
      this.remove(lane, item);
      return;
    }
    // The send's time in the conversation's windows: now, as the request leaves. (Time
    // only moved on since the lane checked them, and nothing else sends in this lane.)
    const now = this.clock.now();
    lane.log.record(now);
    this.counters.requests++;
    let activityId: string | undefined;
    try {
      activityId = await this.request(lane.conversationId, item.delivery);
    } catch (error) {
      await this.failed(lane, item, error);
      return;
    }
    const sentAt = this.clock.now();
    this.remove(lane, item);
    this.counters.sent++;
    this.counters.firstSentAt ??= now;
    this.counters.lastSentAt = now;
    try {
      if (!(await this.store.markSent(key, activityId, iso(sentAt)))) {
        this.logger.warn(ids(entry), "delivery sent, but the entry was no longer pending");
      } else {
        await this.tellPlanner(entry, { kind: "sent", activityId });
      }
    } catch (error) {
      this.counters.unrecorded++;
      this.logger.error(
        { ...ids(entry), activityId, error: errorText(error) },
        "delivery sent but not recorded; reconciled when claimed again",
      );
    }
  }

  private async request(conversationId: string, delivery: Send): Promise<string | undefined> {
    switch (delivery.op) {
      case "post":
        return (await this.connector.post(conversationId, delivery.activity)).activityId;
      case "reply":
        return (
          await this.connector.reply(conversationId, delivery.threadActivityId, delivery.activity)
        ).activityId;
      case "update":
        await this.connector.update(conversationId, delivery.activityId, delivery.activity);
        return delivery.activityId;
    }
  }

  /** After a failed request (or look, `sending` false): retry in a while, or give up. */
  private async failed(lane: Lane, item: Item, error: unknown, sending = true): Promise<void> {
    const failure = classifyFailure(error, this.retryable);
    const now = this.clock.now();
    item.failures++;
    if (failure.kind === "throttled") this.counters.throttled++;
    else this.counters.failed++;
    if (sending && failure.ambiguous && item.delivery.op !== "update" && !item.doubt) {
      item.doubt = { kind: "ambiguous" };
    }
    if (failure.kind === "permanent") {
      this.remove(lane, item);
      await this.deadLetter(item.entry, item.attempts, failure.text);
      return;
    }
    if (item.failures >= this.maxAttempts) {
      this.remove(lane, item);
      await this.deadLetter(
        item.entry,
        item.attempts,
        `gave up after ${item.failures} failed attempts; last: ${failure.text}`,
      );
      return;
    }
    const delay =
      failure.kind === "throttled" && failure.retryAfterMs !== undefined
        ? Math.max(0, failure.retryAfterMs)
        : fullJitter(item.failures, this.backoff, this.random);
    const retryAt = now + delay;
    if (failure.kind === "throttled") lane.pausedUntil = Math.max(lane.pausedUntil, retryAt);
    // The retry stays with this worker: the entry is due again only a lease after the
    // retry time, so nobody else claims it meanwhile (and if this worker dies, it is).
    // The doubt goes into the stored error: rescheduling clears `sendingAt`.
    const holdUntil = retryAt + this.leaseMs;
    const text = tagged({ failures: item.failures, doubt: item.doubt }, failure.text);
    if (
      !(await this.settle(item.entry, () => this.store.reschedule(item.key, iso(holdUntil), text)))
    ) {
      this.remove(lane, item);
      return;
    }
    item.attempts++;
    item.ownedUntil = holdUntil;
    item.notBefore = retryAt;
    item.looked = false;
    this.counters.retried++;
  }

  /**
   * Before sending an entry that may already be in the conversation: answers true to send
   * it, false when it is settled (found, or dead-lettered) or waits for a retry.
   */
  private async reconcile(lane: Lane, item: Item): Promise<boolean> {
    const doubt = item.doubt as Doubt;
    const find = this.connector.find;
    let found: string | undefined | null = null;
    if (find) {
      try {
        found = await find.call(this.connector, lane.conversationId, item.entry.id);
      } catch (error) {
        if (
          doubt.kind === "interrupted" &&
          classifyFailure(error, this.retryable).kind !== "permanent"
        ) {
          // Cannot look now: look again after a backoff (a failed attempt).
          await this.failed(lane, item, error, false);
          return false;
        }
        found = null;
      }
    }
    if (typeof found === "string") {
      this.remove(lane, item);
      const activityId = found;
      const sentAt = iso(this.clock.now());
      if (await this.settle(item.entry, () => this.store.markSent(item.key, activityId, sentAt))) {
        await this.tellPlanner(item.entry, { kind: "sent", activityId });
        this.counters.reconciled++;
        this.logger.info(
          { ...ids(item.entry), activityId },
          "delivery found already sent; marked sent",
        );
      }
      return false;
    }
    if (found === undefined) {
      item.doubt = undefined; // shown not to be there
      return true;
    }
    if (doubt.kind === "ambiguous") {
      item.looked = true;
      return true;
    }
    this.remove(lane, item);
    await this.deadLetter(
      item.entry,
      item.attempts,
      `interrupted between sending and recording at ${doubt.at}; it may already be in the conversation, so it was not sent again`,
    );
    return false;
  }

  /** Dead-letters and logs one line (ids, attempts and the error; never the payload). */
  private async deadLetter(entry: OutboxEntry, attempts: number, error: string): Promise<void> {
    const key = { policyId: entry.policyId, id: entry.id };
    if (await this.settle(entry, () => this.store.deadLetter(key, error))) {
      this.counters.deadLettered++;
      this.logger.warn({ ...ids(entry), attempts: attempts + 1, error }, "delivery dead-lettered");
      await this.tellPlanner(entry, { kind: "dead", error });
    }
  }

  /** The planner hears how an entry ended; its failure is logged, the entry stays settled. */
  private async tellPlanner(entry: OutboxEntry, outcome: Settled): Promise<void> {
    if (this.planner.settled === undefined) return;
    try {
      await this.planner.settled(entry, outcome);
    } catch (error) {
      this.logger.error(
        { ...ids(entry), outcome: outcome.kind, error: errorText(error) },
        "delivery settled, but what it was for could not record it",
      );
    }
  }

  /** Runs a store write that settles an entry; false if it was not pending or failed (logged). */
  private async settle(entry: OutboxEntry, write: () => Promise<boolean>): Promise<boolean> {
    try {
      return await write();
    } catch (error) {
      this.logger.error(
        { ...ids(entry), error: errorText(error) },
        "delivery could not record an outcome",
      );
      return false;
    }
  }

  // Waiting

  private async napLane(lane: Lane, ms: number): Promise<void> {
    const wake = new AbortController();
    lane.wake = wake;
    await this.nap(ms, wake);
    if (lane.wake === wake) lane.wake = undefined;
  }

  private async napDispatcher(ms: number): Promise<void> {
    const wake = new AbortController();
    this.dispatcherNap = wake;
    await this.nap(ms, wake);
    if (this.dispatcherNap === wake) this.dispatcherNap = undefined;
  }

  /** Sleeps until `ms` pass, `wake` aborts or the worker stops. */
  private async nap(ms: number, wake: AbortController): Promise<void> {
    const halt = this.halt.signal;
    if (halt.aborted) return;
    const onHalt = () => wake.abort(WOKEN);
    halt.addEventListener("abort", onHalt, { once: true });
    try {
      await this.clock.sleep(Math.max(0, ms), wake.signal);
    } finally {
      halt.removeEventListener("abort", onHalt);
    }
  }

  /** Waits for every lane to finish what it holds. */
  private async settled(): Promise<void> {
    while (this.runners.size > 0) await Promise.all([...this.runners]);
  }

  /**
   * When a pending entry may next become claimable (for `waitForLater`): the earliest due
   * time or claim end still ahead. One due already but not claimed waits behind an earlier
   * entry of its case, which has its own time; failing any, a poll interval from now.
   */
  private async nextDue(): Promise<number | undefined> {
    const pending = await this.store.listOutbox({ status: "pending" });
    if (pending.length === 0) return undefined;
    const now = this.clock.now();
    let next = now + this.pollMs;
    for (const entry of pending) {
      const claimed = entry.claimedUntil === undefined ? 0 : Date.parse(entry.claimedUntil);
      const at = Math.max(Date.parse(entry.dueAt), claimed);
      if (at > now) next = Math.min(next, at);
    }
    return next;
  }

  private begin(mode: "loop" | "drain"): void {
    if (this.active !== undefined)
      throw new Error(`the delivery worker is already running (${this.active})`);
    this.active = mode;
    this.stopping = false;
    this.halt = new AbortController();
  }

  private end(): void {
    this.active = undefined;
    this.loop = undefined;
  }
}

function ids(entry: OutboxEntry): Record<string, unknown> {
  return { outboxId: entry.id, policyId: entry.policyId, kind: entry.kind };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function errorText(error: unknown): string {
  if (error instanceof ConnectorError) return `HTTP ${error.status}: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer: ${value}`);
  return value;
}
