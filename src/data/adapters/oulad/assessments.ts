import { csvLine } from "../../csv.ts";
import { readHeadedCsv } from "../headed-csv.ts";
import { requiredText } from "../row-fields.ts";
import type { Context } from "./context.ts";
import { FILES } from "./names.ts";
import {
  type Assessment,
  PRESENTATION_COLUMNS,
  type Presentation,
  presentationOf,
} from "./presentation.ts";
import { wholeField } from "./whole-number.ts";

/** assessments.csv: each assessment's presentation and due day. */
export async function readAssessments(
  ctx: Context,
  presentations: Map<string, Presentation>,
  assessments: Map<string, Assessment>,
): Promise<void> {
  let undated = 0;
  const undatedTypes = new Set<string>();
  const tally = await readHeadedCsv(
    ctx,
    FILES.assessments,
    "assessments",
    { required: [...PRESENTATION_COLUMNS, "id_assessment", "assessment_type", "date"] as const },
    (fields, line, c, tally) => {
      const presentation = presentationOf(presentations, fields, line, c, tally);
      if (!presentation) return;
      const id = requiredText(tally, fields, line, c.id_assessment, "id_assessment");
      if (id === undefined) return;
      if (assessments.has(id)) {
        tally.reject(
          line,
          "duplicate",
          `assessment ${id} is listed twice`,
          "id_assessment",
          csvLine(fields),
        );
        return;
      }
      const type = (fields[c.assessment_type] as string).trim();
      let due: number | undefined;
      if ((fields[c.date] as string).trim() === "") {
        undated++;
        undatedTypes.add(type || "(no type)");
      } else {
        due = wholeField(tally, fields, line, c.date, "date");
        if (Number.isNaN(due)) return;
      }
      assessments.set(id, { id, presentation, type, due });
      tally.accept();
    },
  );
  if (tally && undated > 0) {
    tally.note(
      `${undated} assessment(s) have no date (${[...undatedTypes].join(", ")}): no submission is ` +
        "expected for them and their studentAssessment rows are not loaded",
    );
  }
}
