/**
 * A fake Teams connector for tests and the delivery benchmark: it enforces the rate
 * windows itself (a request over any of them, or back before a 429's Retry-After, is
 * answered 429 and counted as a violation), injects 429s (with Retry-After) and 503s at
 * seeded random rates or by an explicit rule, records every request with the outbox id it
 * carried (`activity.channelData.reachOutboxId`), and can `find` a posted activity.
 *
 * What counts in its windows: every request it let through the limit check, including
 * those it then failed on purpose (a throttled or failed request still reached Teams).
 * Requests it refused for breaking a limit do not count.
 */
import type { Clock } from "../../src/delivery/clock.ts";
import {
  type Connector,
  ConnectorError,
  type OutgoingActivity,
} from "../../src/delivery/delivery.ts";
import { type RateLimits, type RateWindow, TEAMS_LIMITS } from "../../src/delivery/rate-limits.ts";
import { mulberry32 } from "../engine/prng.ts";

export type RequestOp = "post" | "reply" | "update";

export interface ConnectorRequest {
  /** 1, 2, 3… in arrival order. */
  n: number;
  at: number;
  op: RequestOp;
  conversationId: string;
  outboxId?: string;
  /** For a reply, the thread; for an update, the activity updated. */
  targetId?: string;
}

export type RequestOutcome =
  | "ok"
  /** Refused: the request broke a window or came before a Retry-After (a worker bug). */
  | "over_limit"
  /** Injected 429. */
  | "throttled"
  /** Injected 503. */
  | "unavailable"
  /** From the `fault` rule. */
  | "fault";

export interface RecordedRequest extends ConnectorRequest {
  outcome: RequestOutcome;
  /** The activity posted (post, reply) or updated (update), when ok. */
  activityId?: string;
}

export interface PostedActivity {
  id: string;
  conversationId: string;
  outboxId?: string;
  threadActivityId?: string;
  /** The number of successful updates. */
  updates: number;
}

export interface LimitedConnectorOptions {
  clock: Clock;
  limits?: RateLimits;
  /** Seed of the fault PRNG. Default 1. */
  seed?: number;
  /** Share of requests answered 429 on purpose. Default 0. */
  throttleRate?: number;
  /** The Retry-After of an injected 429, ms. Default 1,000. */
  throttleRetryAfterMs?: number;
  /** Share of requests answered 503 on purpose. Default 0. */
  unavailableRate?: number;
  /**
   * `find`: "find" looks activities up (default); "unknown" has `find` answer null (it
   * cannot look); "absent" has no `find` at all, like Bot Framework's connector.
   */
  lookup?: "find" | "unknown" | "absent";
  /** Explicit faults, decided before the random ones (after the limit check). */
  fault?: (request: ConnectorRequest) => Error | undefined;
}

export class LimitedConnector implements Connector {
  readonly requests: RecordedRequest[] = [];
  readonly activities = new Map<string, PostedActivity>();
  readonly find?: (conversationId: string, outboxId: string) => Promise<string | undefined | null>;

  private readonly clock: Clock;
  private readonly limits: RateLimits;
  private readonly random: () => number;
  private readonly throttleRate: number;
  private readonly throttleRetryAfterMs: number;
  private readonly unavailableRate: number;
  private readonly fault?: (request: ConnectorRequest) => Error | undefined;
  /** Accepted request times per conversation, and for the app. */
  private readonly conversationTimes = new Map<string, number[]>();
  private readonly appTimes: number[] = [];
  private readonly blockedUntil = new Map<string, number>();
  private nextActivity = 1;

  constructor(options: LimitedConnectorOptions) {
    this.clock = options.clock;
    this.limits = options.limits ?? TEAMS_LIMITS;
    this.random = mulberry32(options.seed ?? 1);
    this.throttleRate = options.throttleRate ?? 0;
    this.throttleRetryAfterMs = options.throttleRetryAfterMs ?? 1_000;
    this.unavailableRate = options.unavailableRate ?? 0;
    this.fault = options.fault;
    const lookup = options.lookup ?? "find";
    if (lookup === "find") {
      this.find = async (conversationId, outboxId) => {
        for (const activity of this.activities.values()) {
          if (activity.conversationId === conversationId && activity.outboxId === outboxId) {
            return activity.id;
          }
        }
        return undefined;
      };
    } else if (lookup === "unknown") {
      this.find = async () => null;
    }
  }

  async post(conversationId: string, activity: OutgoingActivity): Promise<{ activityId: string }> {
    const request = this.receive("post", conversationId, activity);
    const id = `act-${this.nextActivity++}`;
    this.activities.set(id, { id, conversationId, outboxId: request.outboxId, updates: 0 });
    request.activityId = id;
    return { activityId: id };
  }

  async reply(
    conversationId: string,
    threadActivityId: string,
    activity: OutgoingActivity,
  ): Promise<{ activityId: string }> {
    const request = this.receive("reply", conversationId, activity, threadActivityId);
    const thread = this.activities.get(threadActivityId);
    if (!thread || thread.conversationId !== conversationId) {
      request.outcome = "fault";
      throw new ConnectorError(`no activity ${threadActivityId} to reply to`, 404);
    }
    const id = `act-${this.nextActivity++}`;
    this.activities.set(id, {
      id,
      conversationId,
      outboxId: request.outboxId,
      threadActivityId,
      updates: 0,
    });
    request.activityId = id;
    return { activityId: id };
  }

  async update(
    conversationId: string,
    activityId: string,
    activity: OutgoingActivity,
  ): Promise<void> {
    const request = this.receive("update", conversationId, activity, activityId);
    const target = this.activities.get(activityId);
    if (!target || target.conversationId !== conversationId) {
      request.outcome = "fault";
      throw new ConnectorError(`no activity ${activityId} to update`, 404);
    }
    target.updates++;
    request.activityId = activityId;
  }

  // What happened

  /** Successful posts and replies per outbox id. */
  deliveries(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.requests) {
      if (r.outcome === "ok" && r.op !== "update" && r.outboxId !== undefined) {
        counts.set(r.outboxId, (counts.get(r.outboxId) ?? 0) + 1);
      }
    }
    return counts;
  }

  count(outcome: RequestOutcome): number {
    return this.requests.filter((r) => r.outcome === outcome).length;
  }

  /** The accepted request times of a conversation (what its windows were checked on). */
  acceptedTimes(conversationId: string): number[] {
    return [...(this.conversationTimes.get(conversationId) ?? [])];
  }

  /**
   * Checks the request and answers with the record to complete, or throws the 429, 503 or
   * explicit fault it decided on.
   */
  private receive(
    op: RequestOp,
    conversationId: string,
    activity: OutgoingActivity,
    targetId?: string,
  ): RecordedRequest {
    const at = this.clock.now();
    const marker = activity.channelData?.reachOutboxId;
    const request: RecordedRequest = {
      n: this.requests.length + 1,
      at,
      op,
      conversationId,
      outboxId: typeof marker === "string" ? marker : undefined,
      targetId,
      outcome: "ok",
    };
    this.requests.push(request);

    const times = this.conversationTimes.get(conversationId) ?? [];
    const wait = Math.max(
      (this.blockedUntil.get(conversationId) ?? 0) - at,
      waitFor(times, this.limits.conversation, at),
      waitFor(this.appTimes, this.limits.app, at),
    );
    if (wait > 0) {
      request.outcome = "over_limit";
      throw new ConnectorError("Too Many Requests (over a limit)", 429, wait);
    }
    times.push(at);
    this.conversationTimes.set(conversationId, times);
    this.appTimes.push(at);

    const fault = this.fault?.(request);
    if (fault) {
      request.outcome = "fault";
      throw fault;
    }
    const roll = this.random();
    if (roll < this.throttleRate) {
      request.outcome = "throttled";
      this.blockedUntil.set(conversationId, at + this.throttleRetryAfterMs);
      throw new ConnectorError("Too Many Requests", 429, this.throttleRetryAfterMs);
    }
    if (roll < this.throttleRate + this.unavailableRate) {
      request.outcome = "unavailable";
      throw new ConnectorError("Service Unavailable", 503);
    }
    return request;
  }
}

/** How long until one more request fits every window (0: now), counted on its own. */
function waitFor(times: readonly number[], windows: readonly RateWindow[], at: number): number {
  let wait = 0;
  for (const w of windows) {
    let inWindow = 0;
    for (let i = times.length - 1; i >= 0 && times[i] > at - w.perMs; i--) inWindow++;
    if (inWindow >= w.limit) {
      // Allowed again once the limit-th most recent request has left the window.
      wait = Math.max(wait, times[times.length - w.limit] + w.perMs - at);
    }
  }
  return wait;
}
