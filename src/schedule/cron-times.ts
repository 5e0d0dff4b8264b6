/**
 * When a policy's schedule fires: its cron expression (five fields, or six with seconds
 * first) read by node-cron in the policy's IANA time zone, so "0 7 * * 1-5" in
 * Europe/London is 07:00 London time on either side of a clock change. Times are epoch
 * milliseconds; the search steps through whole minutes (at each second the expression's
 * seconds field allows), which is exact for the schedules a school sets.
 */
import { createTask, parse, type ScheduledTask } from "node-cron";
import { localDate } from "../data/dates.ts";

const MINUTE = 60_000;

export class CronTimes {
  private readonly task: ScheduledTask;
  /** Offsets (ms) within a minute at which the expression may fire. */
  private readonly secondOffsets: number[];

  constructor(
    readonly expression: string,
    readonly timezone: string,
  ) {
    // A task that is never started: only its matcher is used, so nothing keeps time here.
    this.task = createTask(expression, () => undefined, { timezone });
    this.task.destroy();
    const fields = expression.trim().split(/\s+/);
    this.secondOffsets =
      fields.length === 6
        ? [...parse(expression).second].sort((a, b) => a - b).map((s) => s * 1000)
        : [0];
  }

  /** Does the schedule fire at exactly this instant? */
  matches(at: number): boolean {
    return this.task.match(new Date(at));
  }

  /** The latest firing at or before `at`, looking back at most `lookbackMs`. */
  latestAtOrBefore(at: number, lookbackMs: number): number | undefined {
    const floor = at - lookbackMs;
    for (let minute = Math.floor(at / MINUTE) * MINUTE; minute >= floor; minute -= MINUTE) {
      for (let i = this.secondOffsets.length - 1; i >= 0; i--) {
        const t = minute + this.secondOffsets[i];
        if (t <= at && t >= floor && this.matches(t)) return t;
      }
    }
    return undefined;
  }

  /** The firings in `(after, until]`, oldest first, at most `limit` of them. */
  between(after: number, until: number, limit = Number.POSITIVE_INFINITY): number[] {
    const found: number[] = [];
    for (let minute = Math.floor(after / MINUTE) * MINUTE; minute <= until; minute += MINUTE) {
      for (const offset of this.secondOffsets) {
        const t = minute + offset;
        if (t > after && t <= until && this.matches(t)) {
          found.push(t);
          if (found.length >= limit) return found;
        }
      }
    }
    return found;
  }

  /** The first firing after `after`, looking ahead at most `horizonMs`. */
  nextAfter(after: number, horizonMs: number): number | undefined {
    return this.between(after, after + horizonMs, 1)[0];
  }

  /** The calendar date (YYYY-MM-DD) of an instant in the schedule's time zone. */
  localDate(at: number): string {
    return localDate(at, this.timezone);
  }
}

/** The calendar date (YYYY-MM-DD) of an instant in an IANA time zone. */
export { localDate };
