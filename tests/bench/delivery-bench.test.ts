/**
 * The delivery benchmark, smaller: 200 case cards into one channel through the
 * limit-enforcing connector with 2% injected 429s and 2% 503s. The ratio is of simulated
 * times, so it is deterministic: this is not a timed test.
 */
import { expect, it } from "vitest";
import { DEFAULT_BENCH, runDeliveryBench } from "../../bench/delivery/bench.ts";

it("delivers 200 cards exactly once within 10% of the minimum time", async () => {
  const result = await runDeliveryBench({ ...DEFAULT_BENCH, cards: 200 });
  expect(result).toMatchObject({
    delivered: 200,
    lost: 0,
    duplicated: 0,
    overLimit: 0,
    store: { pending: 0, sent: 200, dead: 0 },
  });
  expect(result.violation).toBeUndefined();
  // 200 = 3 × 60 + 20: the 4th 30 s window opens at 90 s; its 20 sends go 7 at +0 s,
  // 1 at +1 s, 7 at +2 s, 1 at +3 s and 4 at +4 s.
  expect(result.minimumMs).toBe(94_000);
  expect(result.throttled + result.unavailable).toBeGreaterThan(0);
  expect(result.ratio).toBeLessThanOrEqual(1.1);
});

it("is the same run every time with the same seed", async () => {
  const a = await runDeliveryBench({ ...DEFAULT_BENCH, cards: 120, seed: 7 });
  const b = await runDeliveryBench({ ...DEFAULT_BENCH, cards: 120, seed: 7 });
  expect(b.simulatedMs).toBe(a.simulatedMs);
  expect(b.requests).toBe(a.requests);
});
