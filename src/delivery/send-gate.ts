/**
 * The app-wide gate every send passes, first come first served: it bounds the requests in
 * flight and paces them to the app's windows (50/s). A grant records the send in the app's
 * log at that instant, so two conversations can never both take the last slot.
 */
import { type Clock, WOKEN } from "./clock.ts";
import { type RateWindow, SendLog } from "./rate-limits.ts";

interface Waiter {
  grant: (release: (() => void) | undefined) => void;
}

export class SendGate {
  private readonly log: SendLog;
  private readonly waiters: Waiter[] = [];
  private running = 0;
  private pumping = false;
  private nap: AbortController | undefined;

  constructor(
    private readonly clock: Clock,
    windows: readonly RateWindow[],
    private readonly maxInFlight: number,
  ) {
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
      throw new RangeError(`maxInFlight must be a positive integer: ${maxInFlight}`);
    }
    this.log = new SendLog(windows);
  }

  get inFlight(): number {
    return this.running;
  }

  /**
   * Waits for a slot and answers the function that gives it back (call it when the
   * request has finished), or undefined if `signal` aborted first.
   */
  acquire(signal?: AbortSignal): Promise<(() => void) | undefined> {
    if (signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener("abort", abort);
          resolve(release);
        },
      };
      const abort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        if (this.waiters.length === 0) this.nap?.abort(WOKEN);
        resolve(undefined);
      };
      signal?.addEventListener("abort", abort, { once: true });
      this.waiters.push(waiter);
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiters.length > 0 && this.running < this.maxInFlight) {
        const now = this.clock.now();
        const at = this.log.earliest(now);
        if (at > now) {
          this.nap = new AbortController();
          await this.clock.sleep(at - now, this.nap.signal);
          this.nap = undefined;
          continue;
        }
        const waiter = this.waiters.shift() as Waiter;
        this.running++;
        this.log.record(now);
        let released = false;
        waiter.grant(() => {
          if (released) return;
          released = true;
          this.running--;
          void this.pump();
        });
      }
    } finally {
      this.pumping = false;
    }
  }
}
