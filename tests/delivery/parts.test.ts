/**
 * The worker's parts on their own: sliding windows and the minimum schedule, backoff with
 * full jitter, what a failure means, the attempt record kept in the stored error, the
 * virtual clock and the health summary.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fullJitter } from "../../src/delivery/backoff.ts";
import { VirtualClock } from "../../src/delivery/clock.ts";
import { ConnectorError } from "../../src/delivery/delivery.ts";
import { attemptRecordOf, classifyFailure, tagged } from "../../src/delivery/failures.ts";
import { deliveryHealth } from "../../src/delivery/health.ts";
import {
  findViolation,
  minimumSendTimes,
  type RateWindow,
  SendLog,
  TEAMS_LIMITS,
} from "../../src/delivery/rate-limits.ts";
import type { OutboxEntry } from "../../src/store/outbox-records.ts";
import { cards, newStore, POLICY } from "./fixtures.ts";

describe("sliding windows", () => {
  it("allows the next send once the limit-th most recent has left the window", () => {
    const log = new SendLog([{ limit: 2, perMs: 1_000 }]);
    expect(log.earliest(0)).toBe(0);
    log.record(0);
    log.record(300);
    // Two sends in (t − 1 s, t] until the one at 0 leaves: at 1 s exactly.
    expect(log.earliest(400)).toBe(1_000);
    expect(log.allows(999)).toBe(false);
    expect(log.allows(1_000)).toBe(true);
  });

  it("gives the minimum schedule for 7/1 s and 8/2 s", () => {
    const windows = [
      { limit: 7, perMs: 1_000 },
      { limit: 8, perMs: 2_000 },
    ];
    expect(minimumSendTimes(20, windows)).toEqual([
      ...Array(7).fill(0),
      1_000,
      ...Array(7).fill(2_000),
      3_000,
      ...Array(4).fill(4_000),
    ]);
  });

  it("gives 489 s for 1,000 sends into one conversation under Teams' limits", () => {
    // 1,000 = 16 × 60 + 40: the 17th 30 s window opens at 480 s, and its 40 sends go 8
    // per 2 s (7 at +0 s, 1 at +1 s, …): the 40th at 480 + 9 s.
    const times = minimumSendTimes(1_000, [...TEAMS_LIMITS.conversation, ...TEAMS_LIMITS.app]);
    expect(times.at(-1)).toBe(489_000);
    expect(times[59]).toBe(14_000);
    expect(times[60]).toBe(30_000);
    expect(findViolation(times, TEAMS_LIMITS.conversation)).toBeUndefined();
    // One send earlier anywhere breaks a window.
    const earlier = [...times];
    earlier[999] -= 1;
    expect(findViolation(earlier, TEAMS_LIMITS.conversation)).toBeDefined();
  });

  it("agrees with a brute-force count on random schedules", () => {
    const windows: RateWindow[] = [
      { limit: 3, perMs: 100 },
      { limit: 5, perMs: 400 },
    ];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 40 }), (gaps) => {
        const log = new SendLog(windows);
        const sent: number[] = [];
        let t = 0;
        for (const gap of gaps) {
          t += gap;
          const bruteForce = windows.every(
            (w) => sent.filter((s) => s > t - w.perMs).length < w.limit,
          );
          expect(log.allows(t)).toBe(bruteForce);
          if (bruteForce) {
            log.record(t);
            sent.push(t);
          }
        }
        expect(findViolation(sent, windows)).toBeUndefined();
      }),
    );
  });

  it("refuses a window without a positive limit and span", () => {
    expect(() => new SendLog([{ limit: 0, perMs: 1_000 }])).toThrow(RangeError);
    expect(() => new SendLog([{ limit: 1, perMs: 0 }])).toThrow(RangeError);
  });
});

describe("backoff", () => {
  it("waits a random time below min(cap, base × 2^(retry − 1))", () => {
    const options = { baseMs: 1_000, capMs: 60_000 };
    expect(fullJitter(1, options, () => 0.5)).toBe(500);
    expect(fullJitter(2, options, () => 0.5)).toBe(1_000);
    expect(fullJitter(4, options, () => 0.999)).toBe(7_992);
    expect(fullJitter(7, options, () => 0.5)).toBe(30_000);
    expect(fullJitter(40, options, () => 0.5)).toBe(30_000);
    expect(fullJitter(3, options, () => 0)).toBe(0);
  });
});

describe("failures", () => {
  it("retries 429, 412 and 5xx and network errors; gives up on other 4xx", () => {
    expect(classifyFailure(new ConnectorError("slow down", 429, 3_000))).toMatchObject({
      kind: "throttled",
      retryAfterMs: 3_000,
    });
    for (const status of [412, 500, 502, 503, 504]) {
      expect(classifyFailure(new ConnectorError("x", status)).kind).toBe("transient");
    }
    for (const status of [400, 401, 403, 404, 413]) {
      expect(classifyFailure(new ConnectorError("x", status)).kind).toBe("permanent");
    }
    expect(classifyFailure(new TypeError("fetch failed"))).toMatchObject({
      kind: "transient",
      ambiguous: true,
      text: "TypeError: fetch failed",
    });
    expect(classifyFailure(new ConnectorError("x", 503)).ambiguous).toBe(false);
    expect(classifyFailure(new ConnectorError("x", 504)).ambiguous).toBe(true);
  });

  it("keeps failures and doubt in the stored error, and reads them back", () => {
    const entry = (attempts: number, lastError?: string) =>
      ({ attempts, lastError }) as OutboxEntry;
    expect(attemptRecordOf(entry(0))).toEqual({ failures: 0 });
    expect(attemptRecordOf(entry(5, tagged({ failures: 2 }, "HTTP 503: x")))).toEqual({
      failures: 2,
    });
    const ambiguous = tagged({ failures: 1, doubt: { kind: "ambiguous" } }, "TypeError: x");
    expect(ambiguous).toBe("[failures 1, may have been sent] TypeError: x");
    expect(attemptRecordOf(entry(1, ambiguous))).toEqual({
      failures: 1,
      doubt: { kind: "ambiguous" },
    });
    const at = "2026-01-05T08:00:00.000Z";
    const interrupted = tagged({ failures: 0, doubt: { kind: "interrupted", at } }, "waiting: x");
    expect(attemptRecordOf(entry(3, interrupted))).toEqual({
      failures: 0,
      doubt: { kind: "interrupted", at },
    });
    // Someone else's error: every attempt counts as a failure.
    expect(attemptRecordOf(entry(4, "case erased: not sent"))).toEqual({ failures: 4 });
  });
});

describe("virtual clock", () => {
  it("fires timers in time order, at once, and skips aborted ones", async () => {
    const clock = new VirtualClock(1_000);
    const fired: string[] = [];
    const abort = new AbortController();
    const wall = Date.now();
    await Promise.all([
      clock.sleep(3_600_000).then(() => fired.push(`hour@${clock.now()}`)),
      clock.sleep(500).then(() => fired.push(`half@${clock.now()}`)),
      clock.sleep(100_000, abort.signal).then(() => fired.push(`aborted@${clock.now()}`)),
      clock.sleep(500).then(() => {
        fired.push(`half2@${clock.now()}`);
        abort.abort();
      }),
    ]);
    expect(fired).toEqual(["half@1500", "half2@1500", "aborted@1500", "hour@3601000"]);
    expect(Date.now() - wall).toBeLessThan(1_000);
    expect(clock.pending).toBe(0);
  });

  it("advance() moves time on, firing what falls due", async () => {
    const clock = new VirtualClock(0);
    let fired = 0;
    void clock.sleep(10).then(() => fired++);
    await clock.advance(60_000);
    expect(clock.now()).toBe(60_000);
    expect(fired).toBe(1);
  });
});

it("deliveryHealth counts the outbox by status", async () => {
  const store = newStore();
  const entries = cards(3);
  await store.enqueueOutbox(entries);
  await store.markSent({ policyId: POLICY, id: entries[0].id }, "act-1", entries[0].createdAt);
  await store.deadLetter({ policyId: POLICY, id: entries[1].id }, "HTTP 400: Bad Request");
  expect(await deliveryHealth(store)).toEqual({ pending: 1, sent: 1, dead: 1 });
  expect(await deliveryHealth(store, "another-policy")).toEqual({ pending: 0, sent: 0, dead: 0 });
  await store.close();
});
