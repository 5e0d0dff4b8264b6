/**
 * The delivery worker's sense of time, injected so that tests and the benchmark run on
 * simulated time: `realClock` sleeps with timers; `VirtualClock` jumps straight to the next
 * timer once everything else has settled, so an hour of pacing takes milliseconds and
 * every run with the same inputs is the same.
 */

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts (it never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The reason a sleep is cut short (`controller.abort(WOKEN)`). A reason of our own spares
 * the `DOMException`, and its stack, that a bare `abort()` makes: a card action wakes the
 * dispatcher and a lane.
 */
export const WOKEN = "woken";

export const realClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener("abort", done, { once: true });
    });
  },
};

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * Simulated time. `sleep` registers a timer; when the process has nothing else to do (a
 * `setImmediate` runs only after every pending promise continuation has), the clock
 * advances to the earliest timer and fires it, then the next, in (time, registration)
 * order. It assumes the code under test does no real I/O between sleeps (true of the
 * SQLite store, whose driver is synchronous, and of the fake connectors); real I/O would
 * let the clock run ahead of it.
 */
export class VirtualClock implements Clock {
  private current: number;
  private readonly timers: Timer[] = [];
  private seq = 0;
  private ticking = false;

  /** Starts at `start` (epoch ms; 5 Jan 2026 08:00 UTC by default). */
  constructor(start = Date.UTC(2026, 0, 5, 8, 0)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer: Timer = {
        at: this.current + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener("abort", cancel);
          resolve();
        },
      };
      const cancel = () => {
        const i = this.timers.indexOf(timer);
        if (i >= 0) this.timers.splice(i, 1);
        resolve();
      };
      signal?.addEventListener("abort", cancel, { once: true });
      this.insert(timer);
      this.schedule();
    });
  }

  /**
   * Moves time forward by `ms` at once, firing the timers due on the way in order (each
   * fired timer's continuations run before the next fires). For tests: "the lease expires".
   */
  async advance(ms: number): Promise<void> {
    const until = this.current + Math.max(0, ms);
    while (this.timers.length > 0 && this.timers[0].at <= until) {
      this.fireNext();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.current = until;
  }

  /** Timers waiting (for tests). */
  get pending(): number {
    return this.timers.length;
  }

  private insert(timer: Timer): void {
    // Timers are mostly registered in time order: search from the end.
    let i = this.timers.length;
    while (i > 0 && this.timers[i - 1].at > timer.at) i--;
    this.timers.splice(i, 0, timer);
  }

  private schedule(): void {
    if (this.ticking) return;
    this.ticking = true;
    setImmediate(() => this.tick());
  }

  private tick(): void {
    this.ticking = false;
    if (this.timers.length === 0) return;
    this.fireNext();
    if (this.timers.length > 0) this.schedule();
  }

  private fireNext(): void {
    const timer = this.timers.shift() as Timer;
    this.current = Math.max(this.current, timer.at);
    timer.resolve();
  }
}
