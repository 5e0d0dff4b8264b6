import { csvLine } from "../../csv.ts";
import type { Student } from "../../schema.ts";
import { requiredText } from "../row-fields.ts";
import type { Context, Roster } from "./context.ts";
import { UNKNOWN_SCHOOL } from "./names.ts";
import { readRoster } from "./roster-file.ts";
import { kindOfUser } from "./roster-staff.ts";
import { rejectRepeat } from "./row-checks.ts";

/**
 * aaduser.csv: a student per user whose Role is student, placed in the school of their
 * roster role. Those the roster does not place go into `unplaced` for the data files to
 * place. Other users are staff (into `roster.staff`, without Reach roles) unless the
 * roster makes them family or alumni (roster-staff.ts).
 */
export async function readUsers(
  ctx: Context,
  entities: Map<string, string[]>,
  roster: Roster,
  unplaced: Set<Student>,
): Promise<void> {
  const notStaff = new Map<string, number>();
  const staffByRole = new Map<string, number>();
  let staffUnplaced = 0;
  let upnNotAddress = 0;
  const users = new Set<string>();
  const needed = [
    "ObjectId",
    "DisplayName",
    "GivenName",
    "Surname",
    "Mail",
    "Role",
    "UserPrincipalName",
  ] as const;
  const tally = await readRoster(ctx, entities, "AadUser", needed, (f, line, c, tally) => {
    const userRole = (f[c.Role] as string).trim();
    const id = requiredText(tally, f, line, c.ObjectId, "ObjectId");
    if (id === undefined) return;
    const person = roster.personOfUser.get(id);
    const isStudent = userRole.toLowerCase() === "student";
    const kind = isStudent
      ? undefined
      : kindOfUser(userRole, (person && roster.otherRolesOfPerson.get(person)) || []);
    if (kind?.kind === "not_staff") {
      notStaff.set(kind.why, (notStaff.get(kind.why) ?? 0) + 1);
      tally.accept();
      return;
    }
    const given = (f[c.GivenName] as string).trim();
    const displayName =
      (f[c.DisplayName] as string).trim() || `${given} ${(f[c.Surname] as string).trim()}`.trim();
    if (displayName === "") {
      return tally.reject(
        line,
        "missing_field",
        "DisplayName, GivenName and Surname are all empty",
        "DisplayName",
        csvLine(f),
      );
    }
    const upn = (f[c.UserPrincipalName] as string).trim();
    const mail = (f[c.Mail] as string).trim();
    if (upn !== "" && !upn.includes("@")) upnNotAddress++;
    const email = upn.includes("@") ? upn : mail.includes("@") ? mail : undefined;
    if (users.has(id)) {
      return rejectRepeat(tally, f, line, `ObjectId ${id} is listed twice`, "ObjectId");
    }
    users.add(id);
    if (kind?.kind === "staff") {
      roster.staff.push({
        id,
        name: displayName,
        email,
        aadObjectId: id,
        school: kind.school,
        roles: [],
      });
      staffByRole.set(kind.role, (staffByRole.get(kind.role) ?? 0) + 1);
      if (kind.school === UNKNOWN_SCHOOL) staffUnplaced++;
      tally.accept();
      return;
    }
    const role_ = person === undefined ? undefined : roster.roleOfPerson.get(person);
    const student: Student = {
      id,
      displayName,
      preferredName: given || undefined,
      email,
      aadObjectId: id,
      school: role_?.organization ?? "",
      year: role_?.grade || undefined,
      programme: undefined,
      cohort: undefined,
      adviserIds: [],
      status: "active",
      statusFrom: undefined,
      enrolledFrom: undefined,
      enrolledUntil: undefined,
    };
    if (!ctx.builder.addStudent(student)) {
      return rejectRepeat(tally, f, line, `ObjectId ${id} is listed twice`, "ObjectId");
    }
    ctx.students[ctx.builder.studentIndexOf(id) as number] = student;
    if (student.school === "") unplaced.add(student);
    tally.accept();
  });
  if (!tally) return;
  const staff = roster.staff.length;
  if (staff > 0) {
    const byRole = [...staffByRole].map(([role, n]) => `${role} ${n}`).join(", ");
    tally.note(
      `${staff} staff user(s) loaded as staff with no Reach role (by roster role: ${byRole}): ` +
        "staff.csv gives Reach roles",
    );
  }
  if (staffUnplaced > 0) {
    tally.note(
      `${staffUnplaced} staff user(s) have no role in an organisation (PersonOrganizationRole): ` +
        `school "${UNKNOWN_SCHOOL}" unless staff.csv gives one`,
    );
  }
  for (const [why, n] of notStaff) {
    tally.note(`${n} ${why} user(s) not loaded: neither students nor staff`);
  }
  if (upnNotAddress > 0) {
    tally.note(
      `${upnNotAddress} UserPrincipalName value(s) are not addresses (no "@"): Mail used as the email`,
    );
  }
  if (unplaced.size > 0) {
    tally.note(
      `${unplaced.size} student(s) have no school in the roster (AadUserPersonMapping → ` +
        "PersonOrganizationRole): school taken from their attendance or Clever rows",
    );
  }
}
