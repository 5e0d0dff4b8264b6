/** The calendar module's public surface. */
export { buildCalendars, type SchoolCalendar, type Window } from "./school-calendar.ts";
