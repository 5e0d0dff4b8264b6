import { existsSync } from "node:fs";
import { join } from "node:path";
import { readCsvFile } from "../../csv.ts";
import { headerKey } from "../../rows.ts";
import type { Context } from "./context.ts";
import { SECTION_MARK_FILE } from "./names.ts";

/** studentsectionmark.csv is not loaded; the report says why (its ids match nothing). */
export async function noteSectionMarks(ctx: Context): Promise<void> {
  const path = join(ctx.dir, SECTION_MARK_FILE);
  if (!existsSync(path)) return;
  const tally = ctx.report.file(SECTION_MARK_FILE, "section marks");
  let column = -1;
  let rows = 0;
  const ids = new Set<string>();
  await readCsvFile(path, (fields) => {
    if (column < 0) {
      column = fields.map(headerKey).indexOf("student_id");
      if (column < 0) column = Number.POSITIVE_INFINITY;
      return;
    }
    rows++;
    const id = fields[column];
    if (id !== undefined) ids.add(id.trim());
  });
  const known = [...ids].filter((id) => ctx.builder.hasStudent(id)).length;
  tally.note(
    `not loaded (${rows} rows): marks are not part of Reach's model, and its ids (student_id like ` +
      `"st1", section_id like "sec1") are synthetic: ${known} of its ${ids.size} student ids match the roster`,
  );
}
