import { csvLine } from "../../csv.ts";
import type { Student } from "../../schema.ts";
import { requiredText } from "../row-fields.ts";
import type { Context, Roster } from "./context.ts";
import { readRoster } from "./roster-file.ts";
import { rejectRepeat } from "./row-checks.ts";

/**
 * aaduser.csv: a student per user whose Role is student, placed in the school of their
 * roster role. Those the roster does not place go into `unplaced` for the data files to
 * place.
 */
export async function readUsers(
  ctx: Context,
  entities: Map<string, string[]>,
  roster: Roster,
  unplaced: Set<Student>,
): Promise<void> {
  let others = 0;
  let upnNotAddress = 0;
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
    const role = (f[c.Role] as string).trim().toLowerCase();
    const id = requiredText(tally, f, line, c.ObjectId, "ObjectId");
    if (id === undefined) return;
    if (role !== "student") {
      others++;
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
    const person = roster.personOfUser.get(id);
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
  if (others > 0) tally.note(`${others} non-student user(s) not loaded as students`);
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
