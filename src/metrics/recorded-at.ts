/**
 * Which school recorded a student's attendance, for the evidence on a card.
 *
 * A student taught partly by a contributing school (a joint programme, a partner college)
 * is evaluated by their home school's policy with all their sessions, on the home school's
 * calendar. A session whose section (`sections.csv`) belongs to a school other than the
 * student's home school is that school's record, and the evidence says so:
 * "attended 10 of 12 sessions (83.3%) between …; at Riverside College (contributing):
 * attended 1 of 3 sessions". A whole-day record, a session of a home-school section and a
 * session whose section is not in `sections.csv` are the home school's. A student taught by
 * their home school only gets the sentence they always had.
 *
 * Only computed for the evidence of a signal that fires, never for a value: the nightly
 * evaluation does not pay for it.
 */
import type { Dataset } from "../data/dataset.ts";
import type { DayNumber } from "../data/dates.ts";
import { isExcluded, type StudentContext } from "./context.ts";

/** One other school's sessions of the student on the days counted. */
export interface RecordedElsewhere {
  school: string;
  /** Sessions counted (school days of the home calendar, in range, not excluded). */
  sessions: number;
  /** Of them, those whose status is in the mask asked for. */
  matched: number;
  /** Distinct days with at least one such session. */
  days: number;
}

/** For each entry of `Dataset.sectionKeys`, the school of that section, if known. */
const sectionSchools = new WeakMap<Dataset, readonly (string | undefined)[]>();

function schoolsOfSections(dataset: Dataset): readonly (string | undefined)[] {
  let schools = sectionSchools.get(dataset);
  if (schools === undefined) {
    const bySection = new Map<string, string>();
    for (const s of dataset.sections) if (!bySection.has(s.id)) bySection.set(s.id, s.school);
    schools = dataset.sectionKeys.map((key) => bySection.get(key));
    sectionSchools.set(dataset, schools);
  }
  return schools;
}

/**
 * The student's sessions in `from..to` recorded at sections of schools other than their
 * home school, by school (in school id order), counted as the attendance metrics count:
 * school days of the student's (home) calendar only, days under an approved circumstance
 * left out. `matched` counts the sessions whose status is in `mask`.
 */
export function recordedElsewhere(
  ctx: StudentContext,
  from: DayNumber,
  to: DayNumber,
  mask: number,
): RecordedElsewhere[] {
  const { attendance } = ctx.dataset;
  const sections = attendance.section;
  // Whole-day records only: no section says where a session was held.
  if (sections === undefined) return [];
  const home = ctx.student.school;
  const schools = schoolsOfSections(ctx.dataset);
  const tallies = new Map<string, RecordedElsewhere & { lastDay: DayNumber }>();
  const end = attendance.start[ctx.index + 1];
  for (let r = attendance.start[ctx.index]; r < end; r++) {
    const section = sections[r];
    if (section < 0) continue;
    const school = schools[section];
    if (school === undefined || school === home) continue;
    const day = attendance.day[r];
    if (day < from || day > to || !ctx.calendar.isSchoolDay(day)) continue;
    if (ctx.excluded.length > 0 && isExcluded(ctx, day)) continue;
    let t = tallies.get(school);
    if (t === undefined) {
      t = { school, sessions: 0, matched: 0, days: 0, lastDay: Number.NaN };
      tallies.set(school, t);
    }
    t.sessions++;
    if ((mask & (1 << attendance.status[r])) !== 0) t.matched++;
    // Rows of a student are sorted by day, so a new day is a change of day.
    if (t.lastDay !== day) {
      t.days++;
      t.lastDay = day;
    }
  }
  return [...tallies.values()]
    .sort((a, b) => (a.school < b.school ? -1 : a.school > b.school ? 1 : 0))
    .map(({ school, sessions, matched, days }) => ({ school, sessions, matched, days }));
}

/** "Riverside College (contributing)": the school's name from `schools.csv`, else its id. */
export function contributingSchool(ctx: StudentContext, school: string): string {
  return `${ctx.dataset.schools.get(school)?.name ?? school} (contributing)`;
}

/**
 * The clause the evidence sentence ends with: "; at Riverside College (contributing): …"
 * for each other school for which `say` has something to say (an empty string: nothing);
 * empty when every session counted is the home school's.
 */
export function atContributingSchools(
  ctx: StudentContext,
  from: DayNumber,
  to: DayNumber,
  mask: number,
  say: (t: RecordedElsewhere) => string,
): string {
  let out = "";
  for (const t of recordedElsewhere(ctx, from, to, mask)) {
    const part = say(t);
    if (part !== "") out += `; at ${contributingSchool(ctx, t.school)}: ${part}`;
  }
  return out;
}
