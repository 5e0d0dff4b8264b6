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
