/**
 * The delivery benchmark (Reach's delivery target, bench/README.md): new case cards into
 * one channel, drained by the real worker from a real SQLite store through
 * `LimitedConnector`, which enforces Teams' limits and injects 429s and 503s, on simulated
 * time. Shared by `run.ts` and the test that runs a smaller version.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VirtualClock } from "../../src/delivery/clock.ts";
import type { Delivery, Planner } from "../../src/delivery/delivery.ts";
import {
  findViolation,
  minimumSendTimes,
  type RateWindow,
  SendLog,
  TEAMS_LIMITS,
} from "../../src/delivery/rate-limits.ts";
import { type DeliveryStats, DeliveryWorker } from "../../src/delivery/worker.ts";
import { outboxIdFor } from "../../src/store/ids.ts";
import type { OutboxEntry, OutboxSubmission } from "../../src/store/outbox-records.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { mulberry32 } from "../engine/prng.ts";
import { LimitedConnector } from "./limited-connector.ts";

export const CHANNEL = "19:bench-leads@thread.tacv2";
const POLICY = "bench-policy";
const START = Date.UTC(2026, 0, 5, 8, 0);

export interface DeliveryBenchOptions {
  cards: number;
  seed: number;
  /** Share of requests answered 429 on purpose. */
  throttleRate: number;
  /** The Retry-After of those 429s, ms. */
  throttleRetryAfterMs: number;
  /** Share of requests answered 503 on purpose. */
  unavailableRate: number;
}

export const DEFAULT_BENCH: DeliveryBenchOptions = {
  cards: 1_000,
  seed: 1,
  throttleRate: 0.02,
  throttleRetryAfterMs: 1_000,
  unavailableRate: 0.02,
};

export interface DeliveryBenchResult {
  cards: number;
  /** Outbox ids posted at least once. */
  delivered: number;
  /** Entries never posted. */
  lost: number;
  /** Outbox ids posted more than once. */
  duplicated: number;
  /** The store's counts at the end. */
  store: { pending: number; sent: number; dead: number };
  /** From the start to the last successful post, simulated. */
  simulatedMs: number;
  /** The last post of the fastest schedule the limits allow for `cards` posts. */
  minimumMs: number;
  ratio: number;
  /**
   * The last post of the fastest schedule of the same requests with the same faults: what
   * any sender could do against this connector (see `faultFloorMs`).
   */
  floorMs: number;
  wallMs: number;
  requests: number;
  /** Injected 429s and 503s. */
  throttled: number;
  unavailable: number;
  /** Requests the connector refused for breaking a limit (must be 0). */
  overLimit: number;
  /** A window the accepted requests broke, as the benchmark re-checks them (must be none). */
  violation?: string;
  worker: DeliveryStats;
}

/** Posts every case card to the one channel, marked with its outbox id. */
export const channelPlanner: Planner = {
  async plan(entry: OutboxEntry): Promise<Delivery> {
    if (entry.kind !== "case_card")
      return { op: "skip", reason: `no ${entry.kind} in the benchmark` };
    return {
      op: "post",
      conversationId: CHANNEL,
      activity: {
        type: "message",
        attachments: [
          { contentType: "application/vnd.microsoft.card.adaptive", content: entry.payload },
        ],
        channelData: { reachOutboxId: entry.id },
      },
    };
  },
};

export async function runDeliveryBench(
  options: DeliveryBenchOptions = DEFAULT_BENCH,
): Promise<DeliveryBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "reach-delivery-bench-"));
  const store = openSqliteStore({ path: join(dir, "reach.db") });
  try {
    const createdAt = new Date(START).toISOString();
    const entries: OutboxSubmission[] = Array.from({ length: options.cards }, (_, i) => {
      const caseId = `${POLICY}-20260105-${String(i).padStart(6, "0")}`;
      return {
        id: outboxIdFor(caseId, 1, "case_card"),
        policyId: POLICY,
        caseId,
        kind: "case_card" as const,
        payload: { caseId, title: `Case ${i + 1}`, status: "proposed" },
        createdAt,
      };
    });
    await store.enqueueOutbox(entries);

    const clock = new VirtualClock(START);
    const connector = new LimitedConnector({
      clock,
      seed: options.seed,
      throttleRate: options.throttleRate,
      throttleRetryAfterMs: options.throttleRetryAfterMs,
      unavailableRate: options.unavailableRate,
      // Like Bot Framework's connector: it cannot look a posted activity up.
      lookup: "absent",
    });
    const worker = new DeliveryWorker({
      store,
      planner: channelPlanner,
      connector,
      clock,
      owner: "bench",
      random: mulberry32(options.seed + 1),
    });

    const wallStart = performance.now();
    const stats = await worker.drainUntilIdle({ waitForLater: true });
    const wallMs = performance.now() - wallStart;

    const posts = connector.deliveries();
    const ids = new Set(entries.map((e) => e.id));
    const delivered = [...posts.keys()].filter((id) => ids.has(id)).length;
    const duplicated = [...posts.values()].filter((n) => n > 1).length;
    const okTimes = connector.requests.filter((r) => r.outcome === "ok").map((r) => r.at);
    const last = okTimes.length === 0 ? START : Math.max(...okTimes);
    const minimum = minimumSendTimes(options.cards, [
      ...TEAMS_LIMITS.conversation,
      ...TEAMS_LIMITS.app,
    ]);
    const minimumMs = minimum[minimum.length - 1] ?? 0;
    const broken = findViolation(connector.acceptedTimes(CHANNEL), TEAMS_LIMITS.conversation);
    const simulatedMs = last - START;
    return {
      cards: options.cards,
      delivered,
      lost: options.cards - delivered,
      duplicated,
      store: await store.countOutbox(),
      simulatedMs,
      minimumMs,
      ratio: minimumMs === 0 ? 1 : simulatedMs / minimumMs,
      floorMs: faultFloorMs(
        connector.requests.map((r) => r.outcome),
        [...TEAMS_LIMITS.conversation, ...TEAMS_LIMITS.app],
        options.throttleRetryAfterMs,
      ),
      wallMs,
      requests: connector.requests.length,
      throttled: connector.count("throttled"),
      unavailable: connector.count("unavailable"),
      overLimit: connector.count("over_limit"),
      violation: broken
        ? `${broken.sends} sends in ${broken.window.perMs} ms from ${broken.from} (limit ${broken.window.limit})`
        : undefined,
      worker: stats,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The fastest any sender could post through the connector with the faults it injected:
 * the connector decides each accepted request's answer by its order (a seeded roll per
 * request), not its time, so the same answers in the same order, each request as early as
 * the windows and the last 429's Retry-After allow, is the best schedule there is (greedy,
 * as in `minimumSendTimes`). Answers the time of the last successful request.
 */
export function faultFloorMs(
  outcomes: readonly string[],
  windows: readonly RateWindow[],
  retryAfterMs: number,
): number {
  const log = new SendLog(windows);
  let now = 0;
  let blockedUntil = 0;
  let last = 0;
  for (const outcome of outcomes) {
    if (outcome === "over_limit") continue; // not counted by the connector: not needed
    now = Math.max(log.earliest(now), blockedUntil);
    log.record(now);
    if (outcome === "ok") last = now;
    if (outcome === "throttled") blockedUntil = now + retryAfterMs;
  }
  return last;
}
