/**
 * users.csv: students, staff, and the users Reach does not load (guardians, relatives,
 * alumni). What a user is comes from their roles (roles.csv, or in the OneRoster 1.1
 * layout the row's own `role` and `orgSourcedIds`): a user with a student role is a
 * student; else one with a staff role is staff (without Reach roles: staff.csv gives
 * those); guardians, parents, relatives and alumni are not loaded. The `password` column
 * is never read and is blanked in the quarantine copy of a rejected row.
 */
import { echo } from "../../ids.ts";
import type { Student } from "../../schema.ts";
import {
  FILES,
  isDeleted,
  type RosterContext,
  type StudentKeys,
  UNKNOWN_SCHOOL,
  type UserRole,
} from "./context.ts";
import { schoolOf } from "./orgs.ts";
import { expectedRoles, kindOfRole } from "./roles.ts";
import { type Row, readTable } from "./table.ts";
import { booleanCell, isAddress, isGuid, listCell } from "./values.ts";

const SDS_USER_COLUMNS = [
  "givenName",
  "familyName",
  "activeDirectoryMatchId",
  "email",
  "phone",
  "sms",
  "password",
];
const ONEROSTER_USER_COLUMNS = [
  "status",
  "enabledUser",
  "userIds",
  "middleName",
  "identifier",
  "email",
  "sms",
  "phone",
  "agentSourcedIds",
  "grades",
  "password",
  "userMasterIdentifier",
  "preferredGivenName",
  "preferredMiddleName",
  "preferredFamilyName",
  "preferredFirstName",
  "preferredLastName",
  "primaryOrgSourcedId",
  "pronouns",
];

/** `userIds` types taken to carry an Entra (Azure AD) object id. */
const ENTRA_ID_TYPE =
  /^(aad|azure ?ad|(microsoft ?)?entra( ?id)?|(aad|entra) ?object ?id|object ?id)$/i;

/** The Entra object id among OneRoster `userIds` (`{LDAP:jdoe},{Entra:0c4…}`), when one is a GUID. */
export function entraObjectId(userIds: string): string | undefined {
  for (const m of userIds.matchAll(/\{\s*([^:{}]+?)\s*:\s*([^{}]+?)\s*\}/g)) {
    const type = m[1] as string;
    const value = m[2] as string;
    if (ENTRA_ID_TYPE.test(type) && isGuid(value)) return value;
  }
  return undefined;
}

interface Counts {
  family: number;
  former: number;
  extension: number;
  staffByRole: Map<string, number>;
  studentsUnplaced: number;
  staffUnplaced: number;
  studentAndStaff: number;
  otherSchools: number;
  disabled: number;
  emailFromUsername: number;
  objectIds: number;
}

export async function readUsers(ctx: RosterContext): Promise<void> {
  const sds = ctx.dialect === "sds";
  const counts: Counts = {
    family: 0,
    former: 0,
    extension: 0,
    staffByRole: new Map(),
    studentsUnplaced: 0,
    staffUnplaced: 0,
    studentAndStaff: 0,
    otherSchools: 0,
    disabled: 0,
    emailFromUsername: 0,
    objectIds: 0,
  };
  const tally = await readTable(
    ctx,
    {
      file: FILES.users,
      entity: "user",
      required: sds
        ? ["sourcedId", "username"]
        : [
            "sourcedId",
            "username",
            "givenName",
            "familyName",
            ...(ctx.rolesFromUsers ? ["role", "orgSourcedIds"] : []),
          ],
      optional: sds ? SDS_USER_COLUMNS : ONEROSTER_USER_COLUMNS,
      key: "sourcedId",
      redact: ["password"],
    },
    (r) => readUser(ctx, r, counts),
  );
  if (!tally) return;
  const students = [...ctx.users.values()].filter((k) => k === "student").length;
  tally.note(`${students} student(s) loaded; the password column is never read`);
  if (ctx.staff.length > 0) {
    const byRole = [...counts.staffByRole].map(([role, n]) => `${role} ${n}`).join(", ");
    tally.note(
      `${ctx.staff.length} staff user(s) loaded as staff with no Reach role (by role: ${byRole}): ` +
        "staff.csv gives Reach roles",
    );
  }
  if (counts.family > 0) {
    tally.note(
      `${counts.family} guardian, parent or relative user(s) not loaded: neither students nor staff`,
    );
  }
  if (counts.former > 0) tally.note(`${counts.former} alumni user(s) not loaded`);
  if (counts.extension > 0) {
    tally.note(
      `${counts.extension} user(s) with only ext: roles not loaded (Reach cannot tell what they are)`,
    );
  }
  if (counts.studentAndStaff > 0) {
    tally.note(
      `${counts.studentAndStaff} user(s) with both student and staff roles loaded as students only`,
    );
  }
  if (counts.otherSchools > 0) {
    tally.note(
      `${counts.otherSchools} student(s) have student roles in more than one school: placed in ` +
        "the school of their primary role, the others not used",
    );
  }
  if (counts.studentsUnplaced > 0) {
    tally.note(
      `${counts.studentsUnplaced} student(s) have no student role in a school or a department of one: school "${UNKNOWN_SCHOOL}"`,
    );
  }
  if (counts.staffUnplaced > 0) {
    tally.note(
      `${counts.staffUnplaced} staff user(s) have no role in a school or a department of one: school "${UNKNOWN_SCHOOL}" unless staff.csv gives one`,
    );
  }
  if (counts.disabled > 0) {
    tally.note(`${counts.disabled} user(s) with enabledUser=false loaded all the same`);
  }
  if (counts.objectIds > 0) {
    tally.note(`${counts.objectIds} user(s) carry an Entra object id (aadObjectId)`);
  }
  if (counts.emailFromUsername > 0) {
    tally.note(
      `${counts.emailFromUsername} user(s) have no address but their username: used as the email`,
    );
  }
}

/** The roles a OneRoster 1.1 users.csv row gives (`role`, `orgSourcedIds`), or undefined when rejected. */
function rolesOfRow(ctx: RosterContext, r: Row): UserRole[] | undefined {
  const role = r.get("role").toLowerCase();
  if (role === "") {
    r.reject("missing_field", "role", "role is empty");
    return undefined;
  }
  const kind = kindOfRole(ctx.dialect, role);
  if (kind === undefined) {
    r.reject(
      "invalid_value",
      "role",
      `unknown role "${echo(r.get("role"))}" (expected ${expectedRoles(ctx.dialect)})`,
    );
    return undefined;
  }
  const orgs = listCell(r, "orgSourcedIds").filter((o) => !isDeleted(ctx, FILES.orgs, o));
  const unknown = orgs.find((o) => !ctx.orgs.has(o));
  if (unknown !== undefined) {
    r.reject("unknown_reference", "orgSourcedIds", `org "${echo(unknown)}" is not in orgs.csv`);
    return undefined;
  }
  const grade = listCell(r, "grades")[0] ?? "";
  return orgs.map((org, i) => ({ org, role, kind, primary: i === 0, grade, line: r.line }));
}

/** The role whose org places the user in a school (primary first), and that school. */
function placement(
  ctx: RosterContext,
  roles: readonly UserRole[],
  primaryOrg: string,
): { role?: UserRole; school?: string } {
  const placed = (role: UserRole | undefined) => {
    const school = role && schoolOf(ctx, role.org);
    return school === undefined ? undefined : { role, school };
  };
  const primary = placed(roles.find((r) => r.primary && schoolOf(ctx, r.org) !== undefined));
  if (primary) return primary;
  if (primaryOrg !== "") {
    const school = schoolOf(ctx, primaryOrg);
    if (school !== undefined) return { role: roles.find((r) => r.org === primaryOrg), school };
  }
  return placed(roles.find((r) => schoolOf(ctx, r.org) !== undefined)) ?? { role: roles[0] };
}

function readUser(ctx: RosterContext, r: Row, counts: Counts): void {
  const id = r.get("sourcedId");
  const sds = ctx.dialect === "sds";
  let roles: UserRole[];
  if (ctx.rolesFromUsers) {
    const own = rolesOfRow(ctx, r);
    if (own === undefined) return;
    roles = own;
  } else {
    roles = ctx.roles.get(id) ?? [];
  }
  const isStudent = roles.some((x) => x.kind === "student");
  const staffRoles = roles.filter((x) => x.kind === "staff");
  if (!isStudent && staffRoles.length === 0) {
    if (roles.some((x) => x.kind === "family") || (roles.length === 0 && ctx.contacts.has(id))) {
      counts.family++;
      ctx.users.set(id, "family");
    } else if (roles.some((x) => x.kind === "former")) {
      counts.former++;
      ctx.users.set(id, "other");
    } else if (roles.length > 0) {
      counts.extension++;
      ctx.users.set(id, "other");
    } else {
      r.reject(
        "unknown_reference",
        "sourcedId",
        sds
          ? `user "${echo(id)}" has no role in roles.csv and is no one's contact in relationships.csv: neither a student nor staff, not loaded`
          : `user "${echo(id)}" has no role in roles.csv: neither a student nor staff, not loaded`,
      );
      return;
    }
    r.accept();
    return;
  }
  const given = r.get("preferredGivenName") || r.get("preferredFirstName") || r.get("givenName");
  const family = r.get("preferredFamilyName") || r.get("preferredLastName") || r.get("familyName");
  const name = `${given} ${family}`.trim();
  if (name === "") {
    r.reject("missing_field", "givenName", "givenName and familyName are both empty");
    return;
  }
  const enabled = booleanCell(r, "enabledUser");
  if (enabled === null) return;
  if (enabled === false) counts.disabled++;

  const username = r.get("username");
  const emailCell = r.get("email");
  const adMatch = sds ? r.get("activeDirectoryMatchId") : "";
  let email: string | undefined;
  if (isAddress(adMatch)) email = adMatch;
  else if (isAddress(emailCell)) email = emailCell;
  else if (isAddress(username)) {
    email = username;
    if (!sds) counts.emailFromUsername++;
  }
  const aadObjectId = sds
    ? isGuid(adMatch)
      ? adMatch
      : undefined
    : entraObjectId(r.get("userIds"));
  if (aadObjectId !== undefined) counts.objectIds++;
  const primaryOrg = sds ? "" : r.get("primaryOrgSourcedId");

  if (isStudent) {
    const studentRoles = roles.filter((x) => x.kind === "student");
    const { role, school } = placement(ctx, studentRoles, primaryOrg);
    if (school === undefined) counts.studentsUnplaced++;
    if (staffRoles.length > 0) counts.studentAndStaff++;
    const schools = new Set(
      studentRoles.map((x) => schoolOf(ctx, x.org)).filter((s) => s !== undefined),
    );
    if (schools.size > 1) counts.otherSchools++;
    const year = sds ? role?.grade : (listCell(r, "grades")[0] ?? role?.grade);
    const student: Student = {
      id,
      displayName: name,
      preferredName: given || undefined,
      email,
      aadObjectId,
      school: school ?? UNKNOWN_SCHOOL,
      year: year || undefined,
      programme: undefined,
      cohort: undefined,
      adviserIds: [],
      status: "active",
      statusFrom: undefined,
      enrolledFrom: role?.begin,
      enrolledUntil: role?.end,
    };
    ctx.builder.addStudent(student);
    ctx.students.set(id, student);
    ctx.users.set(id, "student");
    const keys: StudentKeys = {};
    if (username !== "") keys.username = username;
    if (emailCell !== "") keys.email = emailCell;
    if (adMatch !== "") keys.activeDirectoryMatchId = adMatch;
    const identifier = r.get("identifier");
    if (identifier !== "") keys.identifier = identifier;
    const master = r.get("userMasterIdentifier");
    if (master !== "") keys.userMasterIdentifier = master;
    ctx.keys.set(id, keys);
    r.accept();
    return;
  }
  const { role, school } = placement(ctx, staffRoles, primaryOrg);
  if (school === undefined) counts.staffUnplaced++;
  const label = (role ?? (staffRoles[0] as UserRole)).role;
  counts.staffByRole.set(label, (counts.staffByRole.get(label) ?? 0) + 1);
  ctx.staff.push({
    id,
    name,
    email,
    aadObjectId,
    school: school ?? UNKNOWN_SCHOOL,
    roles: [],
  });
  ctx.users.set(id, "staff");
  r.accept();
}
