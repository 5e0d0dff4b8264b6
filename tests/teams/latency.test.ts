import { describe, expect, it } from "vitest";
import { LatencyRecord } from "../../src/teams/latency.ts";

describe("LatencyRecord", () => {
  it("reports nearest-rank percentiles of the kept samples", () => {
    const record = new LatencyRecord();
    for (let ms = 1; ms <= 100; ms++) record.add(ms);
    expect(record.summary()).toEqual({ count: 100, p50Ms: 50, p99Ms: 99, maxMs: 100 });
  });

  it("keeps only the last `capacity` samples but counts them all", () => {
    const record = new LatencyRecord(3);
    for (const ms of [500, 400, 1, 2, 3]) record.add(ms);
    expect(record.summary()).toEqual({ count: 5, p50Ms: 2, p99Ms: 3, maxMs: 3 });
  });

  it("has no percentiles before the first sample", () => {
    expect(new LatencyRecord().summary()).toEqual({
      count: 0,
      p50Ms: null,
      p99Ms: null,
      maxMs: null,
    });
  });
});
