import { csvLine } from "../../csv.ts";
import { readHeadedCsv } from "../headed-csv.ts";
import { requiredText } from "../row-fields.ts";
import type { Context } from "./context.ts";
import { FILES } from "./names.ts";
import { type Presentation, presentationStart } from "./presentation.ts";
import { wholeField } from "./whole-number.ts";

/** courses.csv: the presentations, and a school per module. */
export async function readCourses(
  ctx: Context,
  presentations: Map<string, Presentation>,
): Promise<void> {
  await readHeadedCsv(
    ctx,
    FILES.courses,
    "presentations",
    { required: ["code_module", "code_presentation", "module_presentation_length"] as const },
    (fields, line, c, tally) => {
      const module = requiredText(tally, fields, line, c.code_module, "code_module");
      if (module === undefined) return;
      const code = (fields[c.code_presentation] as string).trim();
      const start = presentationStart(code);
      if (start === undefined) {
        tally.reject(
          line,
          "invalid_value",
          `code_presentation must be a year and B or J (like 2013J), got "${code}"`,
          "code_presentation",
          csvLine(fields),
        );
        return;
      }
      const length = wholeField(
        tally,
        fields,
        line,
        c.module_presentation_length,
        "module_presentation_length",
        0,
      );
      if (Number.isNaN(length)) return;
      const key = `${module}-${code}`;
      if (presentations.has(key)) {
        tally.reject(
          line,
          "duplicate",
          `presentation ${key} is listed twice`,
          undefined,
          csvLine(fields),
        );
        return;
      }
      presentations.set(key, { module, code, key, start, length, students: new Map() });
      ctx.builder.addSchool({
        id: module,
        name: `Open University module ${module}`,
        attendanceRecording: "all_days",
      });
      tally.accept();
    },
  );
}
