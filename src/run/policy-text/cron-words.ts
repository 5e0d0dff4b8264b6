/**
 * A policy's cron expression in words, for people who do not read cron: "0 7 * * 1-5" is
 * "07:00 on weekdays". Only the shapes a school sets are put into words — fixed minutes and
 * hours (one or a few), any day of the month or one given day, any month, and days of the
 * week as `*`, a number or name, a range or a list. Anything else (steps, ranges of hours,
 * a month, a day of the month and of the week together, seconds other than 0) is shown as
 * the expression itself, so the words never say something the schedule does not do.
 * Pure: no clock; node-cron's own validation happens when the policy is loaded.
 */

const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const DAY_ABBREVIATIONS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** "07:00 on weekdays", "08:00 on Mondays", or `the cron schedule “…”` for other shapes. */
export function cronInWords(expression: string): string {
  return cronWords(expression) ?? `on the cron schedule “${expression.trim()}”`;
}

/** The expression in words, or undefined when it is not one of the shapes put into words. */
export function cronWords(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length === 6) {
    if (fields[0] !== "0" && fields[0] !== "00") return undefined;
    fields.shift();
  }
  if (fields.length !== 5) return undefined;
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  const minutes = numberList(minute, 0, 59);
  const hours = numberList(hour, 0, 23);
  if (minutes === undefined || hours === undefined || month !== "*") return undefined;
  if (minutes.length * hours.length > 4) return undefined;
  const times = hours.flatMap((h) => minutes.map((m) => h * 60 + m)).sort((a, b) => a - b);
  const at = listWords(times.map(clockTime));
  if (dayOfMonth !== "*") {
    if (dayOfWeek !== "*") return undefined;
    const days = numberList(dayOfMonth, 1, 31);
    if (days === undefined || days.length !== 1) return undefined;
    return `${at} on the ${ordinal(days[0])} of each month`;
  }
  const days = weekdaysOf(dayOfWeek);
  if (days === undefined) return undefined;
  return `${at} ${days}`;
}

/** "07:00", from minutes after midnight. */
function clockTime(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
}

/** A field of whole numbers separated by commas, each within bounds; else undefined. */
function numberList(field: string, min: number, max: number): number[] | undefined {
  const values: number[] = [];
  for (const part of field.split(",")) {
    if (!/^\d{1,2}$/.test(part)) return undefined;
    const n = Number(part);
    if (n < min || n > max) return undefined;
    values.push(n);
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

/** The days of the week of a day-of-week field, in words; undefined when not understood. */
function weekdaysOf(field: string): string | undefined {
  if (field === "*" || field === "?") return "every day";
  const days = new Set<number>();
  for (const part of field.split(",")) {
    const range = /^([a-z0-9]+)-([a-z0-9]+)$/i.exec(part);
    if (range !== null) {
      const from = dayNumber(range[1]);
      const to = dayNumber(range[2]);
      if (from === undefined || to === undefined) return undefined;
      // "1-7" is Monday to Sunday; a range that wraps is not a shape schools write.
      const end = to === 0 && from > 0 ? 7 : to;
      if (end < from) return undefined;
      for (let d = from; d <= end; d++) days.add(d % 7);
      continue;
    }
    const day = dayNumber(part);
    if (day === undefined) return undefined;
    days.add(day);
  }
  const sorted = [...days].sort((a, b) => a - b);
  const key = sorted.join(",");
  if (key === "0,1,2,3,4,5,6") return "every day";
  if (key === "1,2,3,4,5") return "on weekdays";
  if (key === "0,6") return "at weekends";
  // Monday first, Sunday last, as a school week reads.
  const ordered = [...sorted.filter((d) => d !== 0), ...sorted.filter((d) => d === 0)];
  const consecutive =
    ordered.length >= 3 &&
    ordered.every(
      (d, i) => i === 0 || (d === 0 ? 7 : d) === (ordered[i - 1] === 0 ? 7 : ordered[i - 1]) + 1,
    );
  if (consecutive) {
    return `${DAY_NAMES[ordered[0]]} to ${DAY_NAMES[ordered[ordered.length - 1]]}`;
  }
  return `on ${listWords(ordered.map((d) => `${DAY_NAMES[d]}s`))}`;
}

/** 0–7 (0 and 7 are Sunday) or a three-letter name; undefined otherwise. */
function dayNumber(text: string): number | undefined {
  if (/^\d$/.test(text)) {
    const n = Number(text);
    return n <= 7 ? n % 7 : undefined;
  }
  const i = DAY_ABBREVIATIONS.indexOf(text.toLowerCase());
  return i < 0 ? undefined : i;
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${["th", "st", "nd", "rd"][n % 10] ?? "th"}`;
}

/** "a", "a and b", "a, b and c". */
export function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
