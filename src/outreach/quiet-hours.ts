/**
 * When a message to a student may go: not in the policy's quiet hours, read on the wall
 * clock of the policy's time zone. The search is done on wall-clock time (a day, a time of
 * day) and only the answer is turned back into an instant, so a change to or from summer
 * time moves nothing: quiet hours that end at 08:00 end at 08:00 local time on either side
 * of it. A time of day that a clock change skips is reached at the change itself.
 */
import type { QuietHours } from "../rules/index.ts";

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** Farther from UTC than any time zone is, so an instant this far off is past any change. */
const BEYOND_ANY_OFFSET_MS = 15 * 60 * MINUTE_MS;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** The wall clock in `timezone` at an instant, as milliseconds since 1970 read as UTC. */
function wallClock(instant: number, timezone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timezone).formatToParts(new Date(instant))) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  const ms = ((instant % 1000) + 1000) % 1000;
  return (
    Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour % 24, parts.minute, parts.second) +
    ms
  );
}

const isWeekend = (day: number): boolean => {
  const weekday = (((day + 4) % 7) + 7) % 7;
  return weekday === 0 || weekday === 6;
};

/** When the daily quiet hours that hold at `time` (ms after midnight) end; undefined if none. */
function quietUntil(time: number, quiet: QuietHours): number | undefined {
  const from = quiet.fromMinute * MINUTE_MS;
  const to = quiet.toMinute * MINUTE_MS;
  if (from === to) return undefined;
  if (from < to) return time >= from && time < to ? to : undefined;
  if (time >= from) return DAY_MS + to;
  return time < to ? to : undefined;
}

/** The first wall-clock time at or after `wall` outside the quiet hours. */
function nextAllowedWall(wall: number, quiet: QuietHours): number {
  let t = wall;
  // Each step ends a weekend day or one quiet span: a handful reach any allowed time.
  for (let step = 0; step < 16; step++) {
    const day = Math.floor(t / DAY_MS);
    if (quiet.weekends && isWeekend(day)) {
      t = (day + 1) * DAY_MS;
      continue;
    }
    const until = quietUntil(t - day * DAY_MS, quiet);
    if (until === undefined) return t;
    t = day * DAY_MS + until;
  }
  return t;
}

/**
 * The first instant at or after `notBefore` whose wall clock in `timezone` reads `wall`;
 * when the clock skips `wall` (a change to summer time), the instant of the change.
 */
function instantOf(wall: number, timezone: string, notBefore: number): number {
  const offsets = [
    wallClock(wall - BEYOND_ANY_OFFSET_MS, timezone) - (wall - BEYOND_ANY_OFFSET_MS),
    wallClock(wall + BEYOND_ANY_OFFSET_MS, timezone) - (wall + BEYOND_ANY_OFFSET_MS),
  ];
  const matching = offsets
    .map((offset) => wall - offset)
    .filter((instant) => wallClock(instant, timezone) === wall)
    .sort((a, b) => a - b);
  if (matching.length > 0) return matching.find((i) => i >= notBefore) ?? matching.at(-1) ?? wall;
  return clockChange(wall, timezone, wall - Math.max(...offsets), wall - Math.min(...offsets));
}

/** The first whole second in [early, late] whose wall clock reads `wall` or later. */
function clockChange(wall: number, timezone: string, early: number, late: number): number {
  let lo = Math.floor(early / 1000);
  let hi = Math.ceil(late / 1000);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallClock(mid * 1000, timezone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi * 1000;
}

/**
 * When a message to a student may be sent: `at` itself when that is outside the quiet
 * hours (or there are none), else the first instant after them in `timezone` (an IANA
 * zone; an unknown one throws a RangeError). Weekends are Saturday and Sunday.
 */
export function nextAllowedTime(at: Date, timezone: string, quiet: QuietHours | null): Date {
  if (quiet === null) return at;
  const wall = wallClock(at.getTime(), timezone);
  const next = nextAllowedWall(wall, quiet);
  if (next === wall) return at;
  return new Date(Math.max(at.getTime(), instantOf(next, timezone, at.getTime())));
}
