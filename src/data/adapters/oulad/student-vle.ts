import { csvLine } from "../../csv.ts";
import { readHeadedCsv } from "../headed-csv.ts";
import type { Context } from "./context.ts";
import { FILES, OULAD_DEFAULT_KIND, OULAD_SOURCE } from "./names.ts";
import { PRESENTATION_COLUMNS, type Presentation, presentationOf } from "./presentation.ts";
import { parseWholeNumber } from "./whole-number.ts";

/**
 * studentVle.csv → activity. The hot loop: ~2.8 M rows, so fields are checked by hand
 * with no object per row. Rows of one presentation and one student are contiguous in the
 * file, so the presentation and student lookups are cached across rows.
 */
export async function readStudentVle(
  ctx: Context,
  presentations: Map<string, Presentation>,
  siteKinds: Map<string, number> | undefined,
): Promise<void> {
  const builder = ctx.builder;
  const source = builder.internSource(OULAD_SOURCE);
  const defaultKind = siteKinds === undefined ? builder.internKind(OULAD_DEFAULT_KIND) : -1;
  const unregisteredOn = ctx.unregisteredOn;
  let unknownSites = 0;
  let unknownSiteKind = -1;
  let afterUnregistration = 0;
  let lastModule = "";
  let lastCode = "";
  let presentation: Presentation | undefined;
  let lastStudent: string | undefined;
  let studentIndex: number | undefined;
  const tally = await readHeadedCsv(
    ctx,
    FILES.studentVle,
    "activity",
    { required: [...PRESENTATION_COLUMNS, "id_student", "id_site", "date", "sum_click"] as const },
    (fields, line, c, tally) => {
      const module = fields[c.code_module] as string;
      const code = fields[c.code_presentation] as string;
      if (module !== lastModule || code !== lastCode || presentation === undefined) {
        presentation = presentationOf(presentations, fields, line, c, tally);
        if (!presentation) return;
        lastModule = module;
        lastCode = code;
        lastStudent = undefined;
      }
      const idStudent = fields[c.id_student] as string;
      if (idStudent !== lastStudent) {
        studentIndex = presentation.students.get(idStudent);
        lastStudent = idStudent;
      }
      if (studentIndex === undefined) {
        tally.reject(
          line,
          "unknown_student",
          `student ${idStudent} is not registered on ${presentation.key}`,
          "id_student",
          csvLine(fields),
        );
        return;
      }
      const offset = parseWholeNumber(fields[c.date] as string);
      if (Number.isNaN(offset)) {
        tally.reject(
          line,
          "invalid_value",
          `date must be a whole number of days, got "${fields[c.date]}"`,
          "date",
          csvLine(fields),
        );
        return;
      }
      const clicks = parseWholeNumber(fields[c.sum_click] as string);
      if (!(clicks >= 0)) {
        tally.reject(
          line,
          "invalid_value",
          `sum_click must be a whole number ≥ 0, got "${fields[c.sum_click]}"`,
          "sum_click",
          csvLine(fields),
        );
        return;
      }
      let kind = defaultKind;
      if (siteKinds !== undefined) {
        const k = siteKinds.get(fields[c.id_site] as string);
        if (k === undefined) {
          if (unknownSiteKind < 0) unknownSiteKind = builder.internKind(OULAD_DEFAULT_KIND);
          kind = unknownSiteKind;
          unknownSites++;
        } else {
          kind = k;
        }
      }
      const date = presentation.start + offset;
      const gone = unregisteredOn[studentIndex];
      if (gone !== undefined && date > gone) afterUnregistration++;
      builder.addActivity(studentIndex, date, source, kind, clicks);
      tally.accept();
    },
  );
  if (tally && afterUnregistration > 0) {
    tally.note(
      `${afterUnregistration} row(s) are dated after the student's unregistration: kept (the status says withdrawn from then)`,
    );
  }
  if (tally && unknownSites > 0) {
    tally.note(
      `${unknownSites} row(s) name an id_site that ${FILES.vle} does not list: kept with kind "${OULAD_DEFAULT_KIND}"`,
    );
  }
}
