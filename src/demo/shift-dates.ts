/**
 * The demo on today's calendar: the sample school's data moved by a whole number of weeks
 * so that its last school day is the first day on or after today with the same weekday
 * (for the sample, a Friday), then cut at today. Weekdays stay weekdays and the calendar's
 * breaks keep their shape; on a weekday the data ends today, on a weekend the Friday
 * before.
 *
 * What is cut: rows that record something that happened after today — attendance and
 * activity by their date, circumstances by the date they start; a submission made after
 * today is shown as not yet submitted. What keeps its future dates, as a real export
 * does: the calendar's school days, the roster (students' enrolment and status dates,
 * staff, sections, class enrolments) and assessments not yet due.
 *
 * Pure: text in, text out. demo.ts reads and writes the files.
 */
import { CsvParser, csvLine } from "../data/csv.ts";
import { formatDay, parseIsoDate, weekday } from "../data/dates.ts";

/**
 * Days to add to every date so that `last` lands on the first day on or after `today`
 * with its weekday: a multiple of 7 (negative when the data is in the future).
 */
export function shiftDays(last: string, today: string): number {
  const from = day(last);
  const to = day(today);
  const ahead = (weekday(from) - weekday(to) + 7) % 7;
  return to + ahead - from;
}

/** A `YYYY-MM-DD` date, or an ISO timestamp's date part, moved by `days`; anything else as it is. */
export function shiftIsoDate(text: string, days: number): string {
  const date = parseIsoDate(text.slice(0, 10));
  if (date === undefined) return text;
  if (text.length > 10 && text[10] !== "T" && text[10] !== " ") return text;
  return formatDay(date + days) + text.slice(10);
}

/** Per canonical file: the column whose date says when a row happened (dropped after today). */
const HAPPENED_ON: Readonly<Record<string, string>> = {
  "attendance.csv": "date",
  "activity.csv": "date",
  "circumstances.csv": "from",
};

/**
 * One CSV file of the bundle (`file` is its name, e.g. "attendance.csv"), every date in it
 * moved by `days`, and the rows that happen after `today` dropped (see the file's comment).
 * Records come back one a line (LF), quoted where they need it.
 */
export function shiftCsv(file: string, text: string, days: number, today: string): string {
  const cut = day(today);
  const records: string[][] = [];
  const parser = new CsvParser(
    (fields) => records.push(fields),
    (message, line) => {
      throw new Error(`${file} line ${line}: ${message}`);
    },
  );
  parser.push(text);
  parser.end();
  const [header, ...rows] = records;
  if (header === undefined) return text;
  const column = (name: string) => header.findIndex((h) => h.trim().toLowerCase() === name);
  const after = (cell: string | undefined) => {
    const d = cell === undefined ? undefined : parseIsoDate(cell.trim().slice(0, 10));
    return d !== undefined && d > cut;
  };
  const happened = file in HAPPENED_ON ? column(HAPPENED_ON[file]) : -1;
  const submitted = file === "submissions.csv" ? column("submitted_date") : -1;
  const late = file === "submissions.csv" ? column("late") : -1;
  const out = [csvLine(header)];
  for (const row of rows) {
    const moved = row.map((cell) => {
      const moved = shiftIsoDate(cell.trim(), days);
      return moved === cell.trim() ? cell : moved;
    });
    if (happened >= 0 && after(moved[happened])) continue;
    if (submitted >= 0 && after(moved[submitted])) {
      // Not submitted yet, as of today: whether it will be late is not known either.
      moved[submitted] = "";
      if (late >= 0) moved[late] = "";
    }
    out.push(csvLine(moved));
  }
  return `${out.join("\n")}\n`;
}

function day(text: string): number {
  const d = parseIsoDate(text);
  if (d === undefined) throw new Error(`not a date (YYYY-MM-DD): ${text}`);
  return d;
}
