/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): the n-th retry waits a uniformly random time in [0, min(cap, base × 2^(n-1))),
 * so that many failed senders do not come back in step.
 */

export interface BackoffOptions {
  /** The ceiling of the first retry's delay (1 s by default). */
  baseMs: number;
  /** The largest ceiling (60 s by default). */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, capMs: 60_000 };

/**
 * The delay before retry number `retry` (1 for the first retry after one failure).
 * `random` answers in [0, 1), like Math.random; inject a seeded one for repeatable runs.
 */
export function fullJitter(
  retry: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(retry - 1, 0), 30);
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}
