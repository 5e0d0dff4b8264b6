/**
 * Calendar dates as whole day numbers (days since 1970-01-01, UTC). School data is about
 * days, not instants: using integers keeps window arithmetic exact, avoids time-zone drift,
 * and lets millions of events sit in typed arrays.
 */
export type DayNumber = number;

const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses `YYYY-MM-DD`; returns `undefined` for anything else, including 2026-02-30. */
export function parseIsoDate(text: string): DayNumber | undefined {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) {
    return undefined;
  }
  const y = digits(text, 0, 4);
  const m = digits(text, 5, 7);
  const d = digits(text, 8, 10);
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return undefined;
  return Math.floor(Date.UTC(y, m - 1, d) / MS_PER_DAY);
}

/** Like {@link parseIsoDate} but also accepts an ISO timestamp and keeps its date part. */
export function parseIsoDay(text: string): DayNumber | undefined {
  if (text.length > 10 && (text[10] === "T" || text[10] === " ")) {
    return parseIsoDate(text.slice(0, 10));
  }
  return parseIsoDate(text);
}

const formatted = new Map<DayNumber, string>();

/** `YYYY-MM-DD`; memoised, since evidence repeats the same few dates many times. */
export function formatDay(day: DayNumber): string {
  let text = formatted.get(day);
  if (text === undefined) {
    text = new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
    if (formatted.size < 100_000) formatted.set(day, text);
  }
  return text;
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(day: DayNumber): number {
  return (day + 4) % 7 < 0 ? ((day + 4) % 7) + 7 : (day + 4) % 7;
}

export function isIsoDate(text: string): boolean {
  return parseIsoDate(text) !== undefined;
}

export { ISO_DATE };

function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * The calendar date (YYYY-MM-DD) of an instant — epoch milliseconds, an ISO timestamp or a
 * Date — in an IANA time zone: the policy's local date of a run, a click or an event.
 */
export function localDate(at: number | string | Date, timezone: string): string {
  let format = dateFormats.get(timezone);
  if (format === undefined) {
    // en-CA writes dates as YYYY-MM-DD.
    format = new Intl.DateTimeFormat("en-CA", {
      timeZone: timezone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    dateFormats.set(timezone, format);
  }
  return format.format(at instanceof Date ? at : new Date(at));
}
