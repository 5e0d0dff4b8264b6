import { csvLine } from "../../csv.ts";
import type { Student } from "../../schema.ts";
import { readHeadedCsv } from "../headed-csv.ts";
import type { Context } from "./context.ts";
import { CLEVER_FILE, CLEVER_KIND, CLEVER_SOURCE } from "./names.ts";
import { placeStudent } from "./placement.ts";
import { isoDayField, rosterStudentIndex } from "./row-checks.ts";

/** clever-daily-participation.csv → `clever`/`login` activity for days with logins. */
export async function readClever(ctx: Context, unplaced: Set<Student>): Promise<void> {
  const { builder } = ctx;
  let source = -1;
  let kind = -1;
  let noLogins = 0;
  const tally = await readHeadedCsv(
    ctx,
    CLEVER_FILE,
    "activity",
    {
      required: ["date", "sis_id", "num_logins"] as const,
      optional: ["clever_school_id"] as const,
      fileOptional: true,
    },
    (f, line, c, tally) => {
      const sisId = (f[c.sis_id] as string).trim();
      const index = rosterStudentIndex(builder, tally, f, line, sisId, "sis_id", "sis_id");
      if (index === undefined) return;
      const day = isoDayField(tally, f, line, (f[c.date] as string).trim(), "date");
      if (day === undefined) return;
      const loginsText = (f[c.num_logins] as string).trim();
      if (!/^\d{1,9}$/.test(loginsText)) {
        return tally.reject(
          line,
          "invalid_value",
          `num_logins must be a whole number ≥ 0, got "${loginsText}"`,
          "num_logins",
          csvLine(f),
        );
      }
      const logins = Number(loginsText);
      if (unplaced.size > 0 && c.clever_school_id >= 0) {
        const school = (f[c.clever_school_id] as string).trim();
        placeStudent(unplaced, ctx.students[index] as Student, school);
      }
      if (logins === 0) {
        noLogins++;
      } else {
        // Interned on first use, so that a file of inactive days adds no source or kind.
        if (kind < 0) {
          source = builder.internSource(CLEVER_SOURCE);
          kind = builder.internKind(CLEVER_KIND);
        }
        builder.addActivity(index, day, source, kind, logins);
      }
      tally.accept();
    },
  );
  if (!tally) {
    ctx.report.file(CLEVER_FILE, "activity").note(`${CLEVER_FILE} is absent: no Clever activity`);
    return;
  }
  if (noLogins > 0) {
    tally.note(
      `${noLogins} row(s) have num_logins 0 (inactive days): accepted, no activity recorded`,
    );
  }
}
