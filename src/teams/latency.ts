/**
 * How long the bot takes to answer card actions, from the request's arrival to the end of
 * the response (Reach's target: p99 under 300 ms, bench/README.md). The last `capacity`
 * durations are kept and their percentiles shown on /health, so an operator sees the
 * target being met or missed.
 */
export class LatencyRecord {
  private readonly samples: number[] = [];
  private next = 0;
  private total = 0;

  constructor(private readonly capacity = 2000) {}

  add(ms: number): void {
    if (this.samples.length < this.capacity) this.samples.push(ms);
    else this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.capacity;
    this.total++;
  }

  /** Count since start; percentiles over the kept samples (nearest rank), in ms. */
  summary(): { count: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null } {
    if (this.samples.length === 0) return { count: 0, p50Ms: null, p99Ms: null, maxMs: null };
    const sorted = [...this.samples].sort((a, b) => a - b);
    const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
    const round = (ms: number) => Math.round(ms * 10) / 10;
    return {
      count: this.total,
      p50Ms: round(rank(0.5)),
      p99Ms: round(rank(0.99)),
      maxMs: round(sorted[sorted.length - 1]),
    };
  }
}
