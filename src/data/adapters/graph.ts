/**
 * The Microsoft Graph adapter: Microsoft 365 usage as digital activity, from the exports
 * in the Open Education Analytics layout: `Teams_Activity_User_Detail/*.json` (the Teams
 * user activity report, `{"value": [...]}` per document) and
 * `Meeting_Attendance_Report/*.json` (online meeting attendance reports), either or both,
 * with an optional `graph.json` (the tenant's time zone and the school its users belong
 * to). Every event has source `teams`.
 *
 * The students are the users seen: known by their address (userPrincipalName,
 * emailAddress) in lower case, else by their AAD object id (identity.id).
 * docs/adapters/graph.md says what becomes a day of activity and what is left out.
 */
import { DatasetBuilder } from "../dataset.ts";
import { ImportReport } from "../import-report.ts";
import type { Adapter, ImportOptions, ImportResult } from "./adapter.ts";
import { readMeetings } from "./graph/meetings.ts";
import {
  MEETING_ATTENDANCE_DIR,
  SETTINGS_FILE,
  TEAMS_ACTIVITY_DIR,
  TEAMS_SOURCE,
} from "./graph/names.ts";
import { readTeamsActivity } from "./graph/teams-activity.ts";
import { GraphUsers } from "./graph/users.ts";
import { LocalDays, readActivitySettings } from "./moodle/settings.ts";
import { readStaff } from "./staff-files.ts";

export {
  ACTIVE_KIND,
  MEETING_ATTENDANCE_DIR,
  MEETING_MINUTES_KIND,
  TEAMS_ACTIVITY_DIR,
  TEAMS_COUNTS,
  TEAMS_SOURCE,
} from "./graph/names.ts";
export { parseGraphTimestamp } from "./graph/timestamps.ts";

export const graphAdapter: Adapter = {
  name: "graph",
  description:
    "Microsoft Graph usage as digital activity: Teams_Activity_User_Detail/ and " +
    "Meeting_Attendance_Report/ JSON; graph.json (timezone, school) optional",
  import: importGraph,
};

export async function importGraph(dir: string, options: ImportOptions = {}): Promise<ImportResult> {
  const report = new ImportReport(`graph ${dir}`);
  const builder = new DatasetBuilder();
  const read = readActivitySettings(dir, SETTINGS_FILE, report);
  if (read === undefined) {
    const { dataset, monitoring } = builder.build();
    return { dataset, monitoring, report };
  }
  const { settings } = read;
  const users = new GraphUsers();
  const teams = readTeamsActivity(dir, report, users);
  const meetings = readMeetings(dir, report, users, new LocalDays(settings.timezone));
  if (!teams && !meetings) {
    report
      .file(`${TEAMS_ACTIVITY_DIR}/`, "activity")
      .fail(`neither ${TEAMS_ACTIVITY_DIR}/ nor ${MEETING_ATTENDANCE_DIR}/ is in ${dir}`);
  }
  builder.addSchool({
    id: settings.school,
    name: settings.schoolName,
    attendanceRecording: "all_days",
  });
  for (const [id, user] of users.users) {
    builder.addStudent({
      id,
      displayName: user.displayName ?? user.email ?? id,
      preferredName: undefined,
      email: user.email,
      aadObjectId: user.aadObjectId,
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
  }
  let source = -1;
  const kinds = new Map<string, number>();
  for (const e of users.events()) {
    if (source < 0) source = builder.internSource(TEAMS_SOURCE);
    let kind = kinds.get(e.kind);
    if (kind === undefined) {
      kind = builder.internKind(e.kind);
      kinds.set(e.kind, kind);
    }
    builder.addActivity(builder.studentIndexOf(e.user) as number, e.day, source, kind, e.count);
  }
  (meetings ?? teams)?.note(
    `${users.users.size} user(s) with activity, all students of school "${settings.school}"; days in ${settings.timezone}`,
  );
  await readStaff({ dir, report, onProgress: options.onProgress }, builder, {
    whenAbsent: `no staff.csv in ${dir}: nobody can act on a case`,
  });
  const { dataset, monitoring } = builder.build();
  return { dataset, monitoring, report };
}
