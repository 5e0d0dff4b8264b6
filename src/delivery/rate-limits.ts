/**
 * Teams' published bot limits as sliding windows over the actual send times: a send at `t`
 * is allowed when, for every window, fewer than `limit` sends happened in `(t - perMs, t]`.
 * (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit)
 */

export interface RateWindow {
  /** At most this many sends… */
  limit: number;
  /** …in any span of this many milliseconds. */
  perMs: number;
}

export interface RateLimits {
  /** Per conversation (a channel, a group chat, a personal chat). */
  conversation: readonly RateWindow[];
  /** Per bot (app), across every conversation. */
  app: readonly RateWindow[];
}

/** Per conversation 7/1 s, 8/2 s, 60/30 s, 1,800/hour; per app 50/1 s. */
export const TEAMS_LIMITS: RateLimits = {
  conversation: [
    { limit: 7, perMs: 1_000 },
    { limit: 8, perMs: 2_000 },
    { limit: 60, perMs: 30_000 },
    { limit: 1_800, perMs: 3_600_000 },
  ],
  app: [{ limit: 50, perMs: 1_000 }],
};

export function checkWindows(windows: readonly RateWindow[]): void {
  for (const w of windows) {
    if (!Number.isInteger(w.limit) || w.limit < 1 || !(w.perMs > 0)) {
      throw new RangeError(`a rate window needs a positive limit and span: ${JSON.stringify(w)}`);
    }
  }
}

/** The send times of one key (a conversation, or the app), kept for the longest window. */
export class SendLog {
  private times: number[] = [];
  private readonly horizon: number;

  constructor(private readonly windows: readonly RateWindow[]) {
    checkWindows(windows);
    this.horizon = Math.max(0, ...windows.map((w) => w.perMs));
  }

  /** The earliest time at or after `now` at which one more send is allowed. */
  earliest(now: number): number {
    let at = now;
    const n = this.times.length;
    for (const w of this.windows) {
      // The limit-th most recent send must have left the window: t - perMs ≥ it.
      if (n >= w.limit) at = Math.max(at, this.times[n - w.limit] + w.perMs);
    }
    return at;
  }

  allows(now: number): boolean {
    return this.earliest(now) <= now;
  }

  record(at: number): void {
    let i = this.times.length;
    while (i > 0 && this.times[i - 1] > at) i--;
    this.times.splice(i, 0, at);
    this.prune(at);
  }

  /** True when no recorded send can matter any more at `now` (the log can be dropped). */
  idle(now: number): boolean {
    return this.times.length === 0 || this.times[this.times.length - 1] + this.horizon <= now;
  }

  get size(): number {
    return this.times.length;
  }

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.times.length && this.times[drop] + this.horizon <= now) drop++;
    // Dropping in chunks keeps `record` amortised O(1) for the hour-long window.
    if (drop > 64 || drop === this.times.length) this.times = this.times.slice(drop);
  }
}

/**
 * The fastest schedule the windows allow for `count` sends starting at 0: each send as
 * early as the windows let it be. Greedy is optimal here: moving any send earlier than its
 * greedy time breaks a window, and an earlier send never delays a later one more.
 */
export function minimumSendTimes(count: number, windows: readonly RateWindow[]): number[] {
  const log = new SendLog(windows);
  const times: number[] = [];
  let now = 0;
  for (let i = 0; i < count; i++) {
    now = log.earliest(now);
    log.record(now);
    times.push(now);
  }
  return times;
}

/**
 * The first window that `times` (one key's sends, any order) break, or undefined: for
 * tests and the benchmark, written independently of `SendLog`.
 */
export function findViolation(
  times: readonly number[],
  windows: readonly RateWindow[],
): { window: RateWindow; from: number; sends: number } | undefined {
  const sorted = [...times].sort((a, b) => a - b);
  for (const window of windows) {
    let start = 0;
    for (let end = 0; end < sorted.length; end++) {
      while (sorted[start] <= sorted[end] - window.perMs) start++;
      const sends = end - start + 1;
      if (sends > window.limit) return { window, from: sorted[start], sends };
    }
  }
  return undefined;
}
