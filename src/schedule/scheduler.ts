/**
 * Keeps time for Reach: fires each policy's run when its schedule says, in the policy's
 * time zone, and catches up once at start on a run missed while the service was down.
 *
 * The scheduler decides *when*; what a run does (import, check, evaluate, apply, record)
 * and the guarantee that a policy and date run once across instances (a lease in the
 * store, and a finished run is not repeated) belong to the run it calls. It is a front
 * end like the bot and the command line.
 *
 * - **Catch-up.** At start, for each policy, the latest firing up to now whose local date
 *   is a school day is run unless a run of that date already finished: down at 07:00 and
 *   up at 09:00 runs today's once; down for a week runs the latest school day once.
 * - **Overlap.** A firing that comes while the policy's previous run is still going is
 *   skipped and recorded; the two never run side by side.
 * - **Slept through.** If the process was suspended past several firings, only the latest
 *   runs.
 * - **Time.** All waiting goes through a `Clock`, so tests run schedules on a clock they
 *   set and advance.
 * - **Weekly digest.** A policy with a `digest` cron has its digest posted when that fires,
 *   dated the policy's local date, school day or not. At start, the latest digest time of
 *   the last 7 days is posted unless the port says that date's digest exists already.
 */
import type { Clock } from "../delivery/index.ts";
import { CronTimes } from "./cron-times.ts";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export interface PolicySchedule {
  policyId: string;
  /** Cron expression (five fields, or six with seconds first). */
  schedule: string;
  /** IANA time zone the expression is read in. */
  timezone: string;
  /** When the policy's weekly digest is posted (a cron in the same time zone); absent: never. */
  digest?: string;
}

export interface ScheduledRun {
  policyId: string;
  /** When the schedule fired (ISO 8601, UTC): the run's time on what it records. */
  scheduledAt: string;
  /** The policy's local date at that instant: the run's as-of date. */
  asOf: string;
  reason: "scheduled" | "catch-up";
}

/** What the scheduler needs from the rest of Reach. */
export interface SchedulerPort {
  /** The policies and their schedules now (read at every wake, so a reload shows). */
  schedules(): readonly PolicySchedule[];
  /** Whether the date is a school day for any of the policy's schools, as far as known. */
  isSchoolDay(policyId: string, asOf: string): Promise<boolean>;
  /** Whether a run of this policy and date has finished (succeeded, or recorded as skipped). */
  hasRun(policyId: string, asOf: string): Promise<boolean>;
  /** Does the run. Resolves when it has finished or handed its work back (on `signal`). */
  run(request: ScheduledRun, signal: AbortSignal): Promise<void>;
  /** Records a firing that did not run, and why. */
  skip(request: ScheduledRun, reason: string): Promise<void>;
  /**
   * Posts the policy's weekly digest of `date` (its local date, YYYY-MM-DD) made at `at`
   * (ISO). Once per policy and date: a second call for the same date posts nothing new.
   * Without it, no digest fires.
   */
  digest?(policyId: string, date: string, at: string): Promise<void>;
  /** Whether the digest of this policy and date has been posted (for catch-up at start). */
  hasDigest?(policyId: string, date: string): Promise<boolean>;
}

export interface SchedulerOptions {
  clock: Clock;
  port: SchedulerPort;
  /** How far back catch-up looks for a missed school day (default 14 days). */
  catchUpDays?: number;
  /** How far back catch-up looks for a digest not yet posted (default 7 days). */
  digestCatchUpDays?: number;
  /** Longest sleep between looks at the schedules (default one minute). */
  maxSleepMs?: number;
  /** Called with what went wrong in the scheduler itself (never with personal data). */
  onError?: (error: unknown, policyId: string) => void;
}

export interface PolicyTimes {
  policyId: string;
  /** The next firing (ISO), if one is within a week. */
  nextRunAt?: string;
  /** The run in progress, if any. */
  running?: ScheduledRun;
  /** The last firing the scheduler acted on. */
  lastFired?: ScheduledRun;
  /** The next weekly digest (ISO), if one is within eight days. */
  nextDigestAt?: string;
}

interface Entry {
  schedule: PolicySchedule;
  times: CronTimes;
  /** Cached next firing after `cursor`; recomputed when it passes. */
  next?: number;
  running?: { request: ScheduledRun; done: Promise<void> };
  lastFired?: ScheduledRun;
  /** The digest's times; absent when the policy has no digest. */
  digestTimes?: CronTimes;
  /** Cached next digest time after `cursor`. */
  digestNext?: number;
  /** A digest being posted. */
  posting?: Promise<void>;
}

export class Scheduler {
  private readonly clock: Clock;
  private readonly port: SchedulerPort;
  private readonly entries = new Map<string, Entry>();
  private readonly stopping = new AbortController();
  private loopDone: Promise<void> | undefined;
  /** Firings at or before this instant have been dealt with. */
  private cursor = 0;

  constructor(private readonly options: SchedulerOptions) {
    this.clock = options.clock;
    this.port = options.port;
  }

  /** Catches up, then keeps firing until `stop`. Resolves once catch-up has started its runs. */
  async start(): Promise<void> {
    if (this.loopDone !== undefined) return;
    this.cursor = this.clock.now();
    this.refresh();
    await this.catchUp();
    this.loopDone = this.loop();
  }

  /** Stops firing, tells running runs to hand back, and waits for them. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loopDone;
    await Promise.all([...this.entries.values()].flatMap((e) => [e.running?.done, e.posting]));
  }

  /** Each policy's next firing and what is running (for `/ready`). */
  status(): PolicyTimes[] {
    this.refresh();
    const now = this.clock.now();
    return [...this.entries.values()].map((e) => {
      const next = e.times.nextAfter(Math.max(now, this.cursor), 7 * DAY);
      const digest = e.digestTimes?.nextAfter(Math.max(now, this.cursor), 8 * DAY);
      return {
        policyId: e.schedule.policyId,
        ...(next !== undefined && { nextRunAt: new Date(next).toISOString() }),
        ...(digest !== undefined && { nextDigestAt: new Date(digest).toISOString() }),
        ...(e.running && { running: e.running.request }),
        ...(e.lastFired && { lastFired: e.lastFired }),
      };
    });
  }

  /** Resolves when no run is in progress (for tests and shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.entries.values()].flatMap((e) => [
        ...(e.running ? [e.running.done] : []),
        ...(e.posting ? [e.posting] : []),
      ]);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  /** Brings the entries in line with the port's schedules (a policy added, removed, changed). */
  private refresh(): void {
    const seen = new Set<string>();
    for (const schedule of this.port.schedules()) {
      seen.add(schedule.policyId);
      const entry = this.entries.get(schedule.policyId);
      if (entry === undefined) {
        this.entries.set(schedule.policyId, {
          schedule,
          times: new CronTimes(schedule.schedule, schedule.timezone),
          ...this.digestTimesOf(schedule),
        });
        continue;
      }
      const before = entry.schedule;
      entry.schedule = schedule;
      if (before.schedule !== schedule.schedule || before.timezone !== schedule.timezone) {
        entry.times = new CronTimes(schedule.schedule, schedule.timezone);
        entry.next = undefined;
      }
      if (before.digest !== schedule.digest || before.timezone !== schedule.timezone) {
        entry.digestTimes = this.digestTimesOf(schedule).digestTimes;
        entry.digestNext = undefined;
      }
    }
    for (const [id, entry] of this.entries) {
      if (!seen.has(id) && entry.running === undefined && entry.posting === undefined) {
        this.entries.delete(id);
      }
    }
  }

  /** The digest's times, when the policy has a digest and the port can post one. */
  private digestTimesOf(schedule: PolicySchedule): { digestTimes?: CronTimes } {
    if (schedule.digest === undefined || this.port.digest === undefined) return {};
    try {
      return { digestTimes: new CronTimes(schedule.digest, schedule.timezone) };
    } catch (error) {
      this.options.onError?.(error, schedule.policyId);
      return {};
    }
  }

  private async catchUp(): Promise<void> {
    const now = this.clock.now();
    const lookback = (this.options.catchUpDays ?? 14) * DAY;
    for (const entry of this.entries.values()) {
      const { policyId } = entry.schedule;
      try {
        let at = entry.times.latestAtOrBefore(now, lookback);
        while (at !== undefined) {
          const asOf = entry.times.localDate(at);
          if (await this.port.isSchoolDay(policyId, asOf)) {
            if (!(await this.port.hasRun(policyId, asOf))) {
              this.fire(entry, at, "catch-up");
            }
            break;
          }
          // Not a school day: the one before it, within the look-back.
          at = entry.times.latestAtOrBefore(at - 1, lookback - (now - (at - 1)));
        }
      } catch (error) {
        this.options.onError?.(error, policyId);
      }
    }
    await this.catchUpDigests(now);
  }

  /** The latest digest time of the last days whose digest is not posted yet, once. */
  private async catchUpDigests(now: number): Promise<void> {
    const lookback = (this.options.digestCatchUpDays ?? 7) * DAY;
    for (const entry of this.entries.values()) {
      const { policyId } = entry.schedule;
      try {
        const at = entry.digestTimes?.latestAtOrBefore(now, lookback);
        if (entry.digestTimes === undefined || at === undefined) continue;
        const date = entry.digestTimes.localDate(at);
        if (!(await this.port.hasDigest?.(policyId, date))) this.postDigest(entry, date);
      } catch (error) {
        this.options.onError?.(error, policyId);
      }
    }
  }

  private async loop(): Promise<void> {
    const signal = this.stopping.signal;
    const maxSleep = this.options.maxSleepMs ?? MINUTE;
    while (!signal.aborted) {
      this.refresh();
      let wake = this.cursor + maxSleep;
      for (const entry of this.entries.values()) {
        if (entry.next === undefined || entry.next <= this.cursor) {
          entry.next = entry.times.nextAfter(this.cursor, 8 * DAY);
        }
        if (entry.next !== undefined) wake = Math.min(wake, entry.next);
        if (entry.digestTimes !== undefined) {
          if (entry.digestNext === undefined || entry.digestNext <= this.cursor) {
            entry.digestNext = entry.digestTimes.nextAfter(this.cursor, 8 * DAY);
          }
          if (entry.digestNext !== undefined) wake = Math.min(wake, entry.digestNext);
        }
      }
      await this.clock.sleep(Math.max(0, wake - this.clock.now()), signal);
      if (signal.aborted) break;
      const now = this.clock.now();
      for (const entry of this.entries.values()) {
        if (entry.next === undefined || entry.next > now) continue;
        // Slept through several firings (a suspended machine): only the latest counts.
        const latest = entry.times.latestAtOrBefore(now, now - this.cursor) ?? entry.next;
        entry.next = undefined;
        this.fire(entry, latest, "scheduled");
      }
      for (const entry of this.entries.values()) {
        const times = entry.digestTimes;
        if (times === undefined || entry.digestNext === undefined || entry.digestNext > now) {
          continue;
        }
        // Slept through several digest times: the latest is the one worth posting.
        const latest = times.latestAtOrBefore(now, now - this.cursor) ?? entry.digestNext;
        entry.digestNext = undefined;
        this.postDigest(entry, times.localDate(latest));
      }
      this.cursor = Math.max(this.cursor, now);
    }
  }

  /** Posts the digest of `date`, made now; one at a time per policy. */
  private postDigest(entry: Entry, date: string): void {
    const post = this.port.digest;
    if (post === undefined || entry.posting !== undefined) return;
    const { policyId } = entry.schedule;
    const posting = post
      .call(this.port, policyId, date, new Date(this.clock.now()).toISOString())
      .catch((error) => this.options.onError?.(error, policyId))
      .finally(() => {
        if (entry.posting === posting) entry.posting = undefined;
      });
    entry.posting = posting;
  }

  private fire(entry: Entry, at: number, reason: ScheduledRun["reason"]): void {
    const request: ScheduledRun = {
      policyId: entry.schedule.policyId,
      scheduledAt: new Date(at).toISOString(),
      asOf: entry.times.localDate(at),
      reason,
    };
    entry.lastFired = request;
    if (entry.running !== undefined) {
      const previous = entry.running.request;
      this.port
        .skip(
          request,
          `the run of ${previous.asOf} (started for ${previous.scheduledAt}) was still going`,
        )
        .catch((error) => this.options.onError?.(error, request.policyId));
      return;
    }
    const done = this.port
      .run(request, this.stopping.signal)
      .catch((error) => this.options.onError?.(error, request.policyId))
      .finally(() => {
        if (entry.running?.request === request) entry.running = undefined;
        const current = this.entries.get(request.policyId);
        if (current?.running?.request === request) current.running = undefined;
      });
    entry.running = { request, done };
  }
}
