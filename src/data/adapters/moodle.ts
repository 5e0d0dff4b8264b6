/**
 * The Moodle adapter: digital activity from an export of Moodle's standard log
 * (`logstore_standard_log.csv`, the table `mdl_logstore_standard_log` with a header row),
 * with an optional `user.csv` (names and addresses) and `moodle.json` (the site's time
 * zone and the school its users belong to).
 *
 * Only participating events (`edulevel` 2) are a student's activity; each becomes a count
 * for the user's day (in the site's time zone) and a kind taken from the event's component
 * (`mod_quiz` → quiz) or, for core events, its target (course). The students are the users
 * seen in that activity. Teaching and other events, anonymous events, events done by
 * someone "logged in as" the user, and the guest's and administrators' events are counted
 * and left out. docs/adapters/moodle.md describes the mapping in full.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DatasetBuilder } from "../dataset.ts";
import { ImportReport } from "../import-report.ts";
import type { Adapter, ImportOptions, ImportResult } from "./adapter.ts";
import type { CsvSource } from "./headed-csv.ts";
import { readMoodleLog } from "./moodle/log.ts";
import {
  DEFAULT_ADMIN_IDS,
  DEFAULT_GUEST_IDS,
  LOG_FILE,
  MOODLE_SOURCE,
  PREFIXED_LOG_FILE,
  SETTINGS_FILE,
} from "./moodle/names.ts";
import { LocalDays, readActivitySettings } from "./moodle/settings.ts";
import { readMoodleUsers } from "./moodle/users.ts";
import { readStaff } from "./staff-files.ts";

export { moodleKind } from "./moodle/log.ts";
export { LOG_FILE, MOODLE_SOURCE, SETTINGS_FILE, USER_FILE } from "./moodle/names.ts";

export const moodleAdapter: Adapter = {
  name: "moodle",
  description:
    "Moodle standard log export (logstore_standard_log.csv) as digital activity; user.csv " +
    "and moodle.json (timezone, school) optional",
  import: importMoodle,
};

export async function importMoodle(
  dir: string,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const report = new ImportReport(`moodle ${dir}`);
  const builder = new DatasetBuilder();
  const source: CsvSource = { dir, options, report };
  const read = readActivitySettings(dir, SETTINGS_FILE, report, [
    { name: "guest_user_ids", kind: "ids" },
    { name: "admin_user_ids", kind: "ids" },
  ]);
  if (read === undefined) {
    const { dataset, monitoring } = builder.build();
    return { dataset, monitoring, report };
  }
  const { settings, extra } = read;
  const ids = (name: string, fallback: readonly number[]) =>
    new Set((extra.get(name) ?? fallback).map(String));
  const users = await readMoodleUsers(source);
  const guestIds = ids("guest_user_ids", DEFAULT_GUEST_IDS);
  for (const [id, user] of users) if (user.guest) guestIds.add(id);

  const file = existsSync(join(dir, LOG_FILE)) ? LOG_FILE : PREFIXED_LOG_FILE;
  if (!existsSync(join(dir, file))) {
    report.file(LOG_FILE, "activity").fail(`${LOG_FILE} not found in ${dir}`);
  }
  const { activity, tally } = existsSync(join(dir, file))
    ? await readMoodleLog(source, file, {
        days: new LocalDays(settings.timezone),
        guestIds,
        adminIds: ids("admin_user_ids", DEFAULT_ADMIN_IDS),
      })
    : { activity: undefined, tally: undefined };

  // A row of the wrong width cannot say which field is `ip` or `other`: its raw text is
  // not kept at all.
  for (const r of report.rejections) if (r.file === file && r.raw !== undefined) delete r.raw;
  builder.addSchool({
    id: settings.school,
    name: settings.schoolName,
    attendanceRecording: "all_days",
  });
  if (activity) {
    const sourceIndex = builder.internSource(MOODLE_SOURCE);
    const kinds = activity.kinds.map((k) => builder.internKind(k));
    let named = 0;
    for (const [id, days] of activity.users) {
      const user = users.get(id);
      if (user?.displayName) named++;
      builder.addStudent({
        id,
        displayName: user?.displayName ?? `Moodle user ${id}`,
        preferredName: undefined,
        email: user?.email,
        aadObjectId: undefined,
        school: settings.school,
        year: undefined,
        programme: undefined,
        cohort: undefined,
        adviserIds: [],
        status: "active",
        statusFrom: undefined,
        enrolledFrom: undefined,
        enrolledUntil: undefined,
      });
      const index = builder.studentIndexOf(id) as number;
      for (const [key, count] of days) {
        const day = Math.floor(key / 65536);
        builder.addActivity(index, day, sourceIndex, kinds[key - day * 65536] as number, count);
      }
    }
    tally?.note(
      `${activity.users.size} student(s) with participating activity (${
        users.size > 0 ? `${named} named in user.csv` : "no user.csv: no names or addresses"
      }), in school "${settings.school}"; days in ${settings.timezone}`,
    );
  }
  await readStaff({ dir, report, onProgress: options.onProgress }, builder, {
    whenAbsent: `no staff.csv in ${dir}: nobody can act on a case`,
  });
  const { dataset, monitoring } = builder.build();
  return { dataset, monitoring, report };
}
