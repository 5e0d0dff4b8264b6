import { csvLine } from "../../csv.ts";
import { readHeadedCsv } from "../headed-csv.ts";
import { requiredText } from "../row-fields.ts";
import type { Context } from "./context.ts";
import { FILES, OULAD_DEFAULT_KIND } from "./names.ts";

/**
 * vle.csv: id_site → interned activity kind (activity_type). Undefined when the file is
 * absent or unreadable, so that every VLE activity takes the default kind.
 */
export async function readSites(ctx: Context): Promise<Map<string, number> | undefined> {
  const kinds = new Map<string, number>();
  const tally = await readHeadedCsv(
    ctx,
    FILES.vle,
    "activity kinds",
    { required: ["id_site", "activity_type"] as const, fileOptional: true },
    (fields, line, c, tally) => {
      const site = requiredText(tally, fields, line, c.id_site, "id_site");
      if (site === undefined) return;
      const type = requiredText(tally, fields, line, c.activity_type, "activity_type");
      if (type === undefined) return;
      if (kinds.has(site)) {
        tally.reject(line, "duplicate", `site ${site} is listed twice`, "id_site", csvLine(fields));
        return;
      }
      kinds.set(site, ctx.builder.internKind(type));
      tally.accept();
    },
  );
  if (tally === undefined) {
    ctx.report
      .file(FILES.vle, "activity kinds")
      .note(`${FILES.vle} is absent: every VLE activity has kind "${OULAD_DEFAULT_KIND}"`);
    return undefined;
  }
  if (tally.report.error !== undefined) {
    tally.note(`every VLE activity has kind "${OULAD_DEFAULT_KIND}"`);
    return undefined;
  }
  return kinds;
}
