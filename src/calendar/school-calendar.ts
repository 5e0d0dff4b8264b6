/**
 * School days per school. A window is counted in school days ("the last 45 school days"),
 * so holidays and weekends never count against a student: "days since last activity"
 * does not grow over a Christmas break.
 *
 * Where the data has no calendar for a school, one is derived (and the report says how):
 *   1. from explicit calendar rows (`instructional = false` removes a day);
 *   2. else the distinct days on which the school recorded any attendance;
 *   3. else Monday–Friday between the school's first and last recorded event.
 */
import type { Dataset } from "../data/dataset.ts";
import { type DayNumber, formatDay, weekday } from "../data/dates.ts";

export type CalendarOrigin = "calendar file" | "attendance days" | "weekdays";

export interface Window {
  /** Index of the first and last school day of the window in `SchoolCalendar.days`. */
  startIndex: number;
  endIndex: number;
  from: DayNumber;
  to: DayNumber;
  /** School days in the window (0 when there are none). */
  size: number;
}

export class SchoolCalendar {
  private readonly first: DayNumber;
  private readonly isDay: Uint8Array;

  constructor(
    readonly school: string,
    /** Sorted, distinct school days. */
    readonly days: Int32Array,
    readonly origin: CalendarOrigin,
  ) {
    this.first = days.length > 0 ? days[0] : 0;
    const span = days.length > 0 ? days[days.length - 1] - this.first + 1 : 0;
    this.isDay = new Uint8Array(span);
    for (const d of days) this.isDay[d - this.first] = 1;
  }

  isSchoolDay(day: DayNumber): boolean {
    const i = day - this.first;
    return i >= 0 && i < this.isDay.length && this.isDay[i] === 1;
  }

  /** Index of the last school day on or before `day`, or -1. */
  indexAtOrBefore(day: DayNumber): number {
    let lo = 0;
    let hi = this.days.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.days[mid] <= day) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** The last `size` school days on or before `asOf`. */
  window(asOf: DayNumber, size: number): Window {
    const endIndex = this.indexAtOrBefore(asOf);
    if (endIndex < 0 || size <= 0)
      return { startIndex: 0, endIndex: -1, from: asOf, to: asOf, size: 0 };
    const startIndex = Math.max(0, endIndex - size + 1);
    return {
      startIndex,
      endIndex,
      from: this.days[startIndex],
      to: this.days[endIndex],
      size: endIndex - startIndex + 1,
    };
  }

  /** The `size` school days just before `window` (for comparing a window with the previous one). */
  previous(window: Window, size: number): Window {
    const endIndex = window.startIndex - 1;
    if (window.size === 0 || endIndex < 0) {
      return { startIndex: 0, endIndex: -1, from: window.from, to: window.from, size: 0 };
    }
    const startIndex = Math.max(0, endIndex - size + 1);
    return {
      startIndex,
      endIndex,
      from: this.days[startIndex],
      to: this.days[endIndex],
      size: endIndex - startIndex + 1,
    };
  }

  /** School days in `from..to`, both included. */
  countBetween(from: DayNumber, to: DayNumber): number {
    if (to < from) return 0;
    return this.indexAtOrBefore(to) - this.indexAtOrBefore(from - 1);
  }

  describe(): string {
    if (this.days.length === 0) return `${this.school}: no school days (${this.origin})`;
    return `${this.school}: ${this.days.length} school days ${formatDay(this.days[0])} to ${formatDay(this.days[this.days.length - 1])} (from ${this.origin})`;
  }
}

/** Builds the calendar of every school that has students or calendar rows. */
export function buildCalendars(dataset: Dataset): Map<string, SchoolCalendar> {
  const explicit = new Map<string, Map<DayNumber, boolean>>();
  for (const row of dataset.calendar) {
    let days = explicit.get(row.school);
    if (!days) {
      days = new Map();
      explicit.set(row.school, days);
    }
    // A day marked non-instructional anywhere in the file stays non-instructional.
    days.set(row.date, (days.get(row.date) ?? true) && row.instructional);
  }

  const schools = new Set<string>(explicit.keys());
  for (const s of dataset.students) schools.add(s.school);

  // Derive from the events only for schools without calendar rows: one pass over each
  // stream with the student's school as a small integer, days as bits in one bitmap.
  const derivedNames = [...schools].filter((s) => !explicit.has(s));
  const derivedIndex = new Map(derivedNames.map((s, i) => [s, i]));
  const schoolOf = Int32Array.from(dataset.students, (s) => derivedIndex.get(s.school) ?? -1);
  const attendanceDays = collectDays(derivedNames.length, schoolOf, dataset.attendance);
  const activityDays = collectDays(derivedNames.length, schoolOf, dataset.activity);

  const calendars = new Map<string, SchoolCalendar>();
  for (const school of [...schools].sort()) {
    const rows = explicit.get(school);
    if (rows) {
      const days = [...rows].filter(([, on]) => on).map(([d]) => d);
      calendars.set(school, new SchoolCalendar(school, sorted(days), "calendar file"));
      continue;
    }
    const k = derivedIndex.get(school) as number;
    const seen = attendanceDays[k];
    if (seen.length > 0) {
      calendars.set(school, new SchoolCalendar(school, Int32Array.from(seen), "attendance days"));
      continue;
    }
    const active = activityDays[k];
    const days: DayNumber[] = [];
    if (active.length > 0) {
      for (let d = active[0]; d <= active[active.length - 1]; d++) {
        if (weekday(d) >= 1 && weekday(d) <= 5) days.push(d);
      }
    }
    calendars.set(school, new SchoolCalendar(school, Int32Array.from(days), "weekdays"));
  }
  return calendars;
}

function sorted(days: DayNumber[]): Int32Array {
  return Int32Array.from(days).sort();
}

/** For each school, the sorted distinct days on which its students have an event. */
function collectDays(
  schools: number,
  schoolOf: Int32Array,
  events: { length: number; start: Int32Array; day: Int32Array },
): DayNumber[][] {
  const result: DayNumber[][] = Array.from({ length: schools }, () => []);
  if (schools === 0 || events.length === 0) return result;
  // Events are grouped by student: a student of a school with a calendar file is skipped whole.
  const { start, day } = events;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let s = 0; s < schoolOf.length; s++) {
    if (schoolOf[s] < 0) continue;
    for (let i = start[s]; i < start[s + 1]; i++) {
      const d = day[i];
      if (d < min) min = d;
      if (d > max) max = d;
    }
  }
  if (min > max) return result;
  const span = max - min + 1;
  const bits = new Uint8Array(span * schools);
  for (let s = 0; s < schoolOf.length; s++) {
    const k = schoolOf[s];
    if (k < 0) continue;
    for (let i = start[s]; i < start[s + 1]; i++) bits[k * span + day[i] - min] = 1;
  }
  for (let k = 0; k < schools; k++) {
    for (let d = 0; d < span; d++) if (bits[k * span + d] === 1) result[k].push(min + d);
  }
  return result;
}
