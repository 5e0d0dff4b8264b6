import { csvLine } from "../../csv.ts";
import { formatDay } from "../../dates.ts";
import type { Student } from "../../schema.ts";
import { readHeadedCsv } from "../headed-csv.ts";
import { requiredText } from "../row-fields.ts";
import type { Context } from "./context.ts";
import { FILES } from "./names.ts";
import {
  ouladStudentId,
  PRESENTATION_COLUMNS,
  type Presentation,
  presentationOf,
} from "./presentation.ts";
import { wholeField } from "./whole-number.ts";

/** studentRegistration.csv: one student per registration, enrolled from its registration day. */
export async function readRegistrations(
  ctx: Context,
  presentations: Map<string, Presentation>,
): Promise<void> {
  let noRegistrationDate = 0;
  let withdrawn = 0;
  const tally = await readHeadedCsv(
    ctx,
    FILES.registration,
    "students",
    {
      required: [
        ...PRESENTATION_COLUMNS,
        "id_student",
        "date_registration",
        "date_unregistration",
      ] as const,
    },
    (fields, line, c, tally) => {
      const presentation = presentationOf(presentations, fields, line, c, tally);
      if (!presentation) return;
      const idStudent = requiredText(tally, fields, line, c.id_student, "id_student");
      if (idStudent === undefined) return;
      let registered = presentation.start;
      if ((fields[c.date_registration] as string).trim() === "") {
        noRegistrationDate++;
      } else {
        const offset = wholeField(tally, fields, line, c.date_registration, "date_registration");
        if (Number.isNaN(offset)) return;
        registered += offset;
      }
      let unregistered: number | undefined;
      if ((fields[c.date_unregistration] as string).trim() !== "") {
        const offset = wholeField(
          tally,
          fields,
          line,
          c.date_unregistration,
          "date_unregistration",
        );
        if (Number.isNaN(offset)) return;
        unregistered = presentation.start + offset;
      }
      const student = registrationStudent(presentation, idStudent, registered, unregistered);
      if (!ctx.builder.addStudent(student)) {
        tally.reject(
          line,
          "duplicate",
          `student ${idStudent} is registered on ${presentation.key} twice (the first row is kept)`,
          "id_student",
          csvLine(fields),
        );
        return;
      }
      const index = ctx.builder.studentIndexOf(student.id) as number;
      if (unregistered !== undefined) {
        withdrawn++;
        ctx.unregisteredOn[index] = unregistered;
      }
      presentation.students.set(idStudent, index);
      tally.accept();
    },
  );
  if (!tally) return;
  if (noRegistrationDate > 0) {
    tally.note(
      `${noRegistrationDate} registration(s) have no date_registration: enrolled from the presentation start`,
    );
  }
  tally.note(
    `${withdrawn} registration(s) have a date_unregistration: status withdrawn from that date`,
  );
  for (const p of presentations.values()) {
    tally.note(`${p.key}: ${p.students.size} registrations, day 0 = ${formatDay(p.start)}`);
  }
}

/** The student of one registration; the data set is anonymised, so the name is the id. */
function registrationStudent(
  presentation: Presentation,
  idStudent: string,
  registered: number,
  unregistered: number | undefined,
): Student {
  return {
    id: ouladStudentId(presentation.module, presentation.code, idStudent),
    displayName: `Student ${idStudent}`,
    preferredName: undefined,
    email: undefined,
    aadObjectId: undefined,
    school: presentation.module,
    year: undefined,
    programme: presentation.module,
    cohort: presentation.key,
    adviserIds: [],
    status: unregistered === undefined ? "active" : "withdrawn",
    statusFrom: unregistered,
    enrolledFrom: registered,
    enrolledUntil: presentation.start + presentation.length,
  };
}
