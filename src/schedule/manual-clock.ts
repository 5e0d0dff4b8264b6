/**
 * A clock that moves only when told: tests (and a demo that wants to show a schedule) set
 * the time and advance it, and every sleep due on the way wakes in order. Unlike the
 * delivery worker's VirtualClock it never advances by itself, so a run that does real I/O
 * (reading the data folder) cannot let the clock run ahead of it.
 */
import { type Clock, realClock } from "../delivery/index.ts";

interface Sleeper {
  at: number;
  seq: number;
  wake: () => void;
}

export class ManualClock implements Clock {
  private current: number;
  private readonly sleepers: Sleeper[] = [];
  private seq = 0;

  constructor(start: number | string) {
    this.current = typeof start === "string" ? Date.parse(start) : start;
    if (!Number.isFinite(this.current)) throw new Error(`not a time: ${String(start)}`);
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const sleeper: Sleeper = {
        at: this.current + Math.max(0, ms),
        seq: this.seq++,
        wake: () => {
          signal?.removeEventListener("abort", cancel);
          resolve();
        },
      };
      const cancel = () => {
        const i = this.sleepers.indexOf(sleeper);
        if (i >= 0) this.sleepers.splice(i, 1);
        resolve();
      };
      signal?.addEventListener("abort", cancel, { once: true });
      let i = this.sleepers.length;
      while (i > 0 && this.sleepers[i - 1].at > sleeper.at) i--;
      this.sleepers.splice(i, 0, sleeper);
    });
  }

  /** Sleepers waiting (for tests that wait until the code under test has gone to sleep). */
  get waiting(): number {
    return this.sleepers.length;
  }

  /** Moves to `to` (epoch ms or ISO time), waking each sleeper due on the way, in order. */
  async advanceTo(to: number | string): Promise<void> {
    const until = typeof to === "string" ? Date.parse(to) : to;
    while (this.sleepers.length > 0 && this.sleepers[0].at <= until) {
      const next = this.sleepers.shift() as Sleeper;
      this.current = Math.max(this.current, next.at);
      next.wake();
      // Let what the sleeper does next (and the sleeps it starts) happen before the next wakes.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.current = Math.max(this.current, until);
  }

  /**
   * Moves to `to` at once and only then wakes the sleepers due by it, as a machine that was
   * suspended does: each wakes late, seeing the new time.
   */
  async jumpTo(to: number | string): Promise<void> {
    const until = typeof to === "string" ? Date.parse(to) : to;
    this.current = Math.max(this.current, until);
    await this.advanceTo(until);
  }

  advance(ms: number): Promise<void> {
    return this.advanceTo(this.current + ms);
  }
}

/**
 * The system clock moved to start at `start`: time runs at its normal pace from there.
 * `REACH_NOW` sets it, so a deployment's schedule can be tried (and the demo shown) on a
 * chosen day without waiting for it.
 */
export function clockFrom(start: number, base: Clock = realClock): Clock {
  const offset = start - base.now();
  return {
    now: () => base.now() + offset,
    sleep: (ms, signal) => base.sleep(ms, signal),
  };
}
