import { csvLine } from "../../csv.ts";
import { requiredText } from "../row-fields.ts";
import type { Context, Roster } from "./context.ts";
import { UNKNOWN_SCHOOL } from "./names.ts";
import { readRoster } from "./roster-file.ts";
import { refCode } from "./roster-lookups.ts";
import { isoDayField, rejectRepeat } from "./row-checks.ts";

export async function readSections(
  ctx: Context,
  entities: Map<string, string[]>,
  roster: Roster,
): Promise<void> {
  const needed = ["Id", "Name", "OrganizationId"] as const;
  await readRoster(ctx, entities, "Section", needed, (f, line, c, tally) => {
    const id = requiredText(tally, f, line, c.Id, "Id");
    if (id === undefined) return;
    if (roster.sectionIds.has(id)) {
      return rejectRepeat(tally, f, line, `section ${id} is listed twice`, "Id");
    }
    roster.sectionIds.add(id);
    const name = (f[c.Name] as string).trim() || id;
    const school = (f[c.OrganizationId] as string).trim() || UNKNOWN_SCHOOL;
    ctx.builder.addSection({ id, name, school });
    tally.accept();
  });
}

/** enrollment.csv: the students' enrolments; teachers' and others' are counted, not loaded. */
export async function readEnrollments(
  ctx: Context,
  entities: Map<string, string[]>,
  roster: Roster,
): Promise<void> {
  let notStudents = 0;
  const needed = [
    "PersonId",
    "SectionId",
    "RefSectionRoleId",
    "EntryDate",
    "ExitDate",
    "FirstSeenDateTime",
  ] as const;
  const tally = await readRoster(ctx, entities, "Enrollment", needed, (f, line, c, tally) => {
    const role = refCode(roster, f[c.RefSectionRoleId] as string).toLowerCase();
    if (role !== "student") {
      notStudents++;
      tally.accept();
      return;
    }
    const person = (f[c.PersonId] as string).trim();
    const studentId = roster.userOfPerson.get(person);
    if (studentId === undefined || !ctx.builder.hasStudent(studentId)) {
      return tally.reject(
        line,
        "unknown_student",
        `person ${person} is not a student of the roster (AadUserPersonMapping, AadUser)`,
        "PersonId",
        csvLine(f),
      );
    }
    const sectionId = (f[c.SectionId] as string).trim();
    if (!roster.sectionIds.has(sectionId)) {
      return tally.reject(
        line,
        "unknown_reference",
        `section ${sectionId} is not in section.csv`,
        "SectionId",
        csvLine(f),
      );
    }
    const entry = (f[c.EntryDate] as string).trim();
    const startText = entry || (f[c.FirstSeenDateTime] as string).trim();
    const start = isoDayField(tally, f, line, startText, entry ? "EntryDate" : "FirstSeenDateTime");
    if (start === undefined) return;
    const exitText = (f[c.ExitDate] as string).trim();
    const end = exitText === "" ? undefined : isoDayField(tally, f, line, exitText, "ExitDate");
    if (exitText !== "" && end === undefined) return;
    ctx.builder.addEnrolment({ studentId, sectionId, start, end });
    tally.accept();
  });
  if (tally && notStudents > 0) tally.note(`${notStudents} non-student enrolment(s) not loaded`);
}
