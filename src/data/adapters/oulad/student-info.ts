import { csvLine } from "../../csv.ts";
import { readHeadedCsv } from "../headed-csv.ts";
import type { Context } from "./context.ts";
import { FILES, OULAD_DEMOGRAPHIC_FIELDS } from "./names.ts";
import {
  ouladStudentId,
  PRESENTATION_COLUMNS,
  type Presentation,
  presentationOf,
} from "./presentation.ts";

/**
 * studentInfo.csv: demographics only, kept in monitoring so that rules and cards cannot see
 * them. final_result is an outcome, not an input: it goes to `ctx.outcomes` (beside the data
 * set, for a backtest), dated on the day of unregistration for a withdrawal and on the
 * presentation's last day otherwise.
 */
export async function readStudentInfo(
  ctx: Context,
  presentations: Map<string, Presentation>,
): Promise<void> {
  const outcomes = new Map<string, number>();
  let imdMissing = 0;
  let imdRepaired = 0;
  const tally = await readHeadedCsv(
    ctx,
    FILES.info,
    "demographics",
    {
      required: [...PRESENTATION_COLUMNS, "id_student", ...OULAD_DEMOGRAPHIC_FIELDS] as const,
      optional: ["final_result"] as const,
    },
    (fields, line, c, tally) => {
      const presentation = presentationOf(presentations, fields, line, c, tally);
      if (!presentation) return;
      const idStudent = (fields[c.id_student] as string).trim();
      if (!presentation.students.has(idStudent)) {
        tally.reject(
          line,
          "unknown_student",
          `student ${idStudent} has no registration on ${presentation.key} in ${FILES.registration}`,
          "id_student",
          csvLine(fields),
        );
        return;
      }
      const studentId = ouladStudentId(presentation.module, presentation.code, idStudent);
      for (const field of OULAD_DEMOGRAPHIC_FIELDS) {
        let value = (fields[c[field]] as string).trim();
        if (value === "") {
          if (field === "imd_band") imdMissing++;
          continue;
        }
        // OULAD writes one band as "10-20" where every other band ends in "%".
        if (field === "imd_band" && /^\d+-\d+$/.test(value)) {
          value = `${value}%`;
          imdRepaired++;
        }
        ctx.builder.addDemographic({ studentId, field, value });
      }
      const finalResult = c.final_result < 0 ? "" : (fields[c.final_result] as string).trim();
      if (finalResult !== "") {
        outcomes.set(finalResult, (outcomes.get(finalResult) ?? 0) + 1);
        const index = presentation.students.get(idStudent) as number;
        const end = presentation.start + presentation.length;
        const date = finalResult === "Withdrawn" ? (ctx.unregisteredOn[index] ?? end) : end;
        ctx.outcomes.push({ studentId, date, outcome: finalResult });
      }
      tally.accept();
    },
  );
  if (!tally) return;
  tally.note(
    `loaded as demographics (monitoring only, never on the student record): ${OULAD_DEMOGRAPHIC_FIELDS.join(", ")}; ` +
      "not loaded: region, highest_education, num_of_prev_attempts, studied_credits",
  );
  if (imdMissing > 0) tally.note(`${imdMissing} row(s) have no imd_band (no demographic recorded)`);
  if (imdRepaired > 0) tally.note(`${imdRepaired} imd_band value(s) "10-20" read as "10-20%"`);
  if (outcomes.size > 0) {
    tally.note(
      `final_result (an outcome for backtests, not on the student record): ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(", ")}`,
    );
  }
}
