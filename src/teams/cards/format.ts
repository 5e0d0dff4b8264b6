/**
 * Dates and times as cards show them: "20 Nov 2026", "20 Nov 2026, 09:12", always in UTC
 * so that a card reads the same for everyone and in every test. A value that is not a
 * date is shown as it is, never dropped and never an exception.
 */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function parse(value: string): Date | undefined {
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const dayMonth = (d: Date) => `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
const pad = (n: number) => String(n).padStart(2, "0");

/** "20 Nov 2026", from a YYYY-MM-DD date or an ISO timestamp. */
export function formatDate(value: string): string {
  const d = parse(value);
  return d === undefined ? value : `${dayMonth(d)} ${d.getUTCFullYear()}`;
}

/** "20 Nov 2026, 09:12" (UTC), from an ISO timestamp. */
export function formatDateTime(value: string): string {
  const d = parse(value);
  if (d === undefined) return value;
  return `${formatDate(value)}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** "8 Sep – 20 Nov 2026 (50 school days)"; both years shown when they differ. */
export function formatWindow(window: { from: string; to: string; schoolDays: number }): string {
  const from = parse(window.from);
  const to = parse(window.to);
  const days = `${window.schoolDays} school ${window.schoolDays === 1 ? "day" : "days"}`;
  if (from === undefined || to === undefined) return `${window.from} – ${window.to} (${days})`;
  const start =
    from.getUTCFullYear() === to.getUTCFullYear() ? dayMonth(from) : formatDate(window.from);
  return `${start} – ${formatDate(window.to)} (${days})`;
}

/** The text cut at a word to at most `max` characters, with "…" when cut. */
export function shorten(text: string, max: number): string {
  const flat = text.trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock parts of an instant in `timezone` (UTC when none or not a zone). */
function localParts(date: Date, timezone: string | undefined) {
  const zone = timezone ?? "UTC";
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat("en-GB", {
        timeZone: zone,
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        hourCycle: "h23",
      });
    } catch {
      return localParts(date, undefined);
    }
    formatters.set(zone, formatter);
  }
  const parts = formatter.formatToParts(date);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const [year, month, day] = [part("year"), part("month"), part("day")];
  return {
    day,
    month: MONTHS[month - 1],
    weekday: WEEKDAYS[new Date(Date.UTC(year, month - 1, day)).getUTCDay()],
    time: `${pad(part("hour"))}:${pad(part("minute"))}`,
  };
}

/** "5 Dec" in `timezone` (UTC when none), from an ISO timestamp. */
export function formatDayMonth(value: string, timezone?: string): string {
  const d = parse(value);
  if (d === undefined) return value;
  const p = localParts(d, timezone);
  return `${p.day} ${p.month}`;
}

/** "5 Dec, 12:03", or "Mon 7 Dec, 08:00" with `weekday`, in `timezone` (UTC when none). */
export function formatLocalTime(value: string, timezone?: string, weekday = false): string {
  const d = parse(value);
  if (d === undefined) return value;
  const p = localParts(d, timezone);
  return `${weekday ? `${p.weekday} ` : ""}${p.day} ${p.month}, ${p.time}`;
}
