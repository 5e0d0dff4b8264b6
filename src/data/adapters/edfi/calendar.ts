/**
 * EducationOrgCalendar.xml → each school's instructional days.
 *
 * Ed-Fi gives a school's year as `<Session>`s (begin and end dates, and how many
 * instructional days they hold) and, optionally, a `<CalendarDate>` per day with its
 * events ("Instructional day", "Holiday"…). A school's school days are:
 *
 * - its instructional CalendarDates, when they are a complete calendar: at least as many
 *   as its sessions' TotalInstructionalDays (or the school has no session);
 * - otherwise Monday to Friday within its sessions, plus any instructional CalendarDate
 *   (a Saturday make-up day), less every day a CalendarDate marks non-instructional.
 *
 * The report notes, per school, which was used and how the count compares with the
 * sessions' TotalInstructionalDays. GradingPeriods are not read: they do not change
 * which days are school days.
 */
import { type DayNumber, formatDay, parseIsoDate, weekday } from "../../dates.ts";
import { echo } from "../../ids.ts";
import type { FileTally } from "../../import-report.ts";
import type { EdfiSource } from "./context.ts";
import { FILES } from "./names.ts";
import {
  codeValue,
  field,
  fieldElements,
  placeOf,
  readXmlRecords,
  recordText,
  type XmlElement,
} from "./xml-records.ts";

/** CalendarEventDescriptor code values (lower case) that make a day a school day. */
const INSTRUCTIONAL_EVENTS = new Set([
  "instructional day",
  "make-up day",
  "student late arrival/early dismissal",
]);
/** … and those that make it a day without school. */
const NON_INSTRUCTIONAL_EVENTS = new Set([
  "holiday",
  "non-instructional day",
  "teacher only day",
  "weather day",
  "emergency day",
  "strike",
]);

interface Session {
  name: string;
  from: DayNumber;
  to: DayNumber;
  totalDays: number | undefined;
}

interface SchoolDates {
  sessions: Session[];
  /** Dates a CalendarDate marks instructional (true) or not (false). */
  dates: Map<DayNumber, boolean>;
}

const SCHOOL_OF_SESSION = "SchoolReference/SchoolIdentity/SchoolId";
const SCHOOL_OF_DATE = "CalendarReference/CalendarIdentity/SchoolReference/SchoolIdentity/SchoolId";

/**
 * Each school's instructional days (sorted). `schools` is the set of known school ids, or
 * undefined to accept any.
 */
export async function readCalendar(
  source: EdfiSource,
  schools: ReadonlyMap<string, string> | undefined,
): Promise<Map<string, DayNumber[]>> {
  const bySchool = new Map<string, SchoolDates>();
  const datesOf = (school: string) => {
    let d = bySchool.get(school);
    if (!d) {
      d = { sessions: [], dates: new Map() };
      bySchool.set(school, d);
    }
    return d;
  };
  const calendarTypes = new Map<string, number>();

  const tally = await readXmlRecords(
    source,
    FILES.calendar,
    new Set(["Session", "CalendarDate", "Calendar"]),
    (record, t) => {
      if (record.name === "Calendar") {
        const type = codeValue(field(record, "CalendarType") ?? "") || "no type";
        calendarTypes.set(type, (calendarTypes.get(type) ?? 0) + 1);
        t.accept();
        return;
      }
      const path = record.name === "Session" ? SCHOOL_OF_SESSION : SCHOOL_OF_DATE;
      const school = schoolOf(record, path, schools, t);
      if (school === undefined) return;
      if (record.name === "Session") {
        const from = dateField(record, "BeginDate", t);
        if (from === undefined) return;
        const to = dateField(record, "EndDate", t);
        if (to === undefined) return;
        if (to < from) {
          reject(t, record, "out_of_range", "EndDate", "EndDate is before BeginDate");
          return;
        }
        const totalText = field(record, "TotalInstructionalDays") ?? "";
        const totalDays = /^\d+$/.test(totalText) ? Number(totalText) : undefined;
        const name = field(record, "SessionName") || `${formatDay(from)} to ${formatDay(to)}`;
        datesOf(school).sessions.push({ name, from, to, totalDays });
        t.accept();
        return;
      }
      const day = dateField(record, "Date", t);
      if (day === undefined) return;
      const events = fieldElements(record, "CalendarEvent").map((e) => codeValue(e.text));
      if (events.length === 0) {
        reject(t, record, "missing_field", "CalendarEvent", "no CalendarEvent");
        return;
      }
      let instructional = true;
      for (const event of events) {
        const e = event.toLowerCase();
        if (NON_INSTRUCTIONAL_EVENTS.has(e)) instructional = false;
        else if (!INSTRUCTIONAL_EVENTS.has(e)) {
          reject(
            t,
            record,
            "invalid_value",
            "CalendarEvent",
            `unknown CalendarEvent "${echo(event)}" (known: ${[...INSTRUCTIONAL_EVENTS, ...NON_INSTRUCTIONAL_EVENTS].join(", ")})`,
          );
          return;
        }
      }
      const dates = datesOf(school).dates;
      // A day marked non-instructional by any record stays so.
      dates.set(day, (dates.get(day) ?? true) && instructional);
      t.accept();
    },
  );

  const calendars = new Map<string, DayNumber[]>();
  for (const [school, { sessions, dates }] of [...bySchool].sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  )) {
    const listed = [...dates].filter(([, on]) => on).map(([d]) => d);
    const stated = sessions.every((s) => s.totalDays !== undefined)
      ? sessions.reduce((n, s) => n + (s.totalDays ?? 0), 0)
      : undefined;
    const complete =
      listed.length > 0 &&
      (sessions.length === 0 || (stated !== undefined && listed.length >= stated));
    let days: DayNumber[];
    let how: string;
    if (complete) {
      days = listed;
      how = `${listed.length} instructional CalendarDate(s)`;
    } else {
      const set = new Set<DayNumber>(listed);
      for (const s of sessions) {
        for (let d = s.from; d <= s.to; d++) {
          if (weekday(d) >= 1 && weekday(d) <= 5 && dates.get(d) !== false) set.add(d);
        }
      }
      days = [...set];
      const off = [...dates.values()].filter((on) => !on).length;
      how =
        `Monday to Friday within ${sessions.length} session(s)` +
        (listed.length > 0 ? `, with ${listed.length} instructional CalendarDate(s)` : "") +
        (off > 0 ? `, less ${off} non-instructional CalendarDate(s)` : "") +
        (listed.length > 0
          ? ` (the CalendarDates are not a complete calendar: fewer than the sessions' instructional days)`
          : "");
    }
    days.sort((a, b) => a - b);
    calendars.set(school, days);
    const span =
      days.length > 0 ? ` ${formatDay(days[0])} to ${formatDay(days[days.length - 1])}` : "";
    let compare = "";
    if (stated !== undefined && sessions.length > 0 && stated !== days.length) {
      compare = `; its sessions' TotalInstructionalDays say ${stated} (${sessions.map((s) => `${s.name} ${s.totalDays}`).join(", ")}): ${
        days.length > stated
          ? `${days.length - stated} of the weekdays counted are days without school the calendar does not name (holidays), counted as present days for students without an event`
          : `${stated - days.length} instructional day(s) are not in the calendar`
      }`;
    }
    tally?.note(
      `school ${school}: ${days.length} instructional days${span}, from ${how}${compare}`,
    );
  }
  if (calendarTypes.size > 0) {
    tally?.note(
      `Calendar records: ${[...calendarTypes].map(([type, n]) => `${n} ${type}`).join(", ")} (their CalendarDates count for their school)`,
    );
  }
  tally?.note("GradingPeriod records are not read: they do not change which days are school days");
  return calendars;
}

function reject(
  tally: FileTally,
  record: XmlElement,
  code: "missing_field" | "invalid_value" | "out_of_range" | "unknown_reference",
  name: string,
  reason: string,
): void {
  tally.reject(record.line, code, `${placeOf(record)}: ${reason}`, name, recordText(record));
}

function dateField(record: XmlElement, name: string, tally: FileTally): DayNumber | undefined {
  const text = field(record, name) ?? "";
  if (text === "") {
    reject(tally, record, "missing_field", name, `no ${name}`);
    return undefined;
  }
  const day = parseIsoDate(text);
  if (day === undefined) {
    reject(
      tally,
      record,
      "invalid_value",
      name,
      `${name} "${echo(text)}" is not a date as YYYY-MM-DD`,
    );
  }
  return day;
}

function schoolOf(
  record: XmlElement,
  path: string,
  schools: ReadonlyMap<string, string> | undefined,
  tally: FileTally,
): string | undefined {
  const school = field(record, path) ?? "";
  const name = path.slice(path.lastIndexOf("/") + 1);
  if (school === "") {
    reject(tally, record, "missing_field", name, `no ${path}`);
    return undefined;
  }
  if (schools && !schools.has(school)) {
    reject(
      tally,
      record,
      "unknown_reference",
      name,
      `school ${echo(school)} is not a <School> in ${FILES.schools.file}`,
    );
    return undefined;
  }
  return school;
}
