/**
 * Imports a OneRoster-shaped roster folder (SDS v2.1 or OneRoster 1.x CSV): the files are
 * read in the order their references need (orgs, sessions, courses, roles, relationships,
 * users, classes, enrolments, demographics, flags), then the schools, then `staff.csv` and
 * `advisers.csv` beside the data (staff-files.ts). Neither format has attendance or
 * activity: the data set's are empty, for another source to supply.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DatasetBuilder } from "../../dataset.ts";
import { ImportReport } from "../../import-report.ts";
import type { ImportOptions, ImportResult } from "../adapter.ts";
import { readAdviserLinks, readStaff } from "../staff-files.ts";
import { readClasses, readEnrollments } from "./classes.ts";
import { type Dialect, FILES, type RosterContext, type StudentKeys } from "./context.ts";
import { readDemographics, readUserFlags } from "./demographics.ts";
import { addSchools, readOrgs } from "./orgs.ts";
import { checkRoleUsers, readRelationships, readRoles } from "./roles.ts";
import { readCourses, readManifest, readSessions } from "./sessions.ts";
import { readUsers } from "./users.ts";

export interface RosterImportResult extends ImportResult {
  /**
   * Each student's other identifiers (username, email, SDS activeDirectoryMatchId,
   * OneRoster identifier), by Reach student id (the `sourcedId`), for a combined source
   * whose attendance or activity rows name students another way.
   */
  studentKeys: ReadonlyMap<string, StudentKeys>;
}

const LABEL: Record<Dialect, string> = { sds: "SDS v2.1", oneroster: "OneRoster" };

export async function importRoster(
  dialect: Dialect,
  dir: string,
  options: ImportOptions = {},
): Promise<RosterImportResult> {
  const report = new ImportReport(`${dialect} ${dir}`);
  const builder = new DatasetBuilder();
  const ctx: RosterContext = {
    dir,
    options,
    report,
    dialect,
    builder,
    orgs: new Map(),
    sessions: new Map(),
    roles: new Map(),
    contacts: new Set(),
    users: new Map(),
    students: new Map(),
    staff: [],
    classes: new Map(),
    rejectedClasses: new Set(),
    keys: new Map(),
    partSchools: new Set(),
    deleted: new Map(),
    manifest: new Map(),
    roleLines: new Map(),
    relationshipLines: new Map(),
  };

  if (dialect === "oneroster") await readManifest(ctx);
  await readOrgs(ctx);
  await readSessions(ctx);
  await readCourses(ctx);
  if (
    dialect === "oneroster" &&
    !existsSync(join(dir, FILES.roles)) &&
    ctx.manifest.get(FILES.roles) !== "bulk"
  ) {
    ctx.rolesFromUsers = true;
    report
      .file(FILES.roles, "role")
      .note(
        "no roles.csv: each user's role and orgs are read from users.csv (role, orgSourcedIds), as in OneRoster 1.1",
      );
  } else {
    await readRoles(ctx);
  }
  if (dialect === "sds") await readRelationships(ctx);
  await readUsers(ctx);
  checkRoleUsers(ctx);
  await readClasses(ctx);
  await readEnrollments(ctx);
  await readDemographics(ctx);
  if (dialect === "sds") await readUserFlags(ctx);

  const used = new Set<string>();
  for (const s of ctx.students.values()) used.add(s.school);
  addSchools(ctx, used);

  const side = { dir, report, onProgress: options.onProgress };
  await readStaff(side, builder, {
    fromSource: ctx.staff,
    sourceName: `the ${LABEL[dialect]} roster (users.csv)`,
    whenAbsent:
      ctx.staff.length > 0
        ? `no staff.csv in ${dir}: the roster's ${ctx.staff.length} staff have no Reach role, so nobody can act on a case`
        : `no staff.csv in ${dir} and no staff in the roster: nobody can act on a case`,
  });
  const { dataset, monitoring } = builder.build();
  await readAdviserLinks(side, dataset);
  report.files
    .find((f) => f.file === FILES.users)
    ?.notes.push(
      `${LABEL[dialect]} rosters carry no attendance or activity: the data set has none; ` +
        "combine the roster with a source that does",
    );
  return { dataset, monitoring, report, studentKeys: ctx.keys };
}
