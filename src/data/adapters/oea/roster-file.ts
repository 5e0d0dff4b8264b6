import { existsSync } from "node:fs";
import { join } from "node:path";
import { csvLine, readCsvFile } from "../../csv.ts";
import type { FileTally } from "../../import-report.ts";
import { type CsvRow, tallyOptions } from "../headed-csv.ts";
import { cdmFileName } from "./cdm.ts";
import type { Context } from "./context.ts";
import { ROSTER_DIR } from "./names.ts";
import type { RosterEntity } from "./roster-schema.ts";

/** How many rows are read before the file's width is settled. */
const SAMPLE_ROWS = 50;

/**
 * Streams one headerless roster file with the entity's CDM attribute names.
 *
 * Insights exports may omit trailing attributes that a schema version added (the OEA test
 * roster's AadUser rows have 12 fields against 13 attributes: TeacherId is absent). So the
 * file's width is the most common width of its first rows when that is at most the
 * attribute count; the omitted trailing attributes read as empty, and the report says so.
 * Any row of a different width is rejected as `wrong_column_count`.
 */
export async function readRoster<K extends string>(
  ctx: Context,
  entities: Map<string, string[]>,
  entity: RosterEntity,
  needed: readonly K[],
  row: CsvRow<K>,
): Promise<FileTally | undefined> {
  const file = `${ROSTER_DIR}/${cdmFileName(entity)}`;
  const tally = ctx.report.file(file, entity);
  const attributes = entities.get(entity);
  if (attributes === undefined) {
    tally.fail(`the roster schema does not define ${entity}`);
    return tally;
  }
  const cols = {} as Record<K, number>;
  for (const name of needed) {
    const i = attributes.indexOf(name);
    if (i < 0) {
      tally.fail(`the roster schema's ${entity} lacks attribute ${name}`);
      return tally;
    }
    (cols as Record<string, number>)[name] = i;
  }
  let path = join(ctx.dir, file);
  if (!existsSync(path)) path = join(ctx.dir, ROSTER_DIR, entity, cdmFileName(entity));
  if (!existsSync(path)) {
    tally.fail(`${file} not found`);
    return tally;
  }

  const expected = attributes.length;
  let width = -1;
  let failed = false;
  const sample: { fields: string[]; line: number }[] = [];
  const handle = (fields: string[], line: number): void => {
    if (failed) return;
    if (fields.length !== width) {
      tally.reject(
        line,
        "wrong_column_count",
        width === expected
          ? `expected ${expected} columns (${entity} attributes in the CDM), found ${fields.length}`
          : `expected ${width} columns (as the file's other rows; the CDM lists ${expected} ${entity} attributes), found ${fields.length}`,
        undefined,
        csvLine(fields),
      );
      return;
    }
    row(fields, line, cols, tally);
  };
  const settle = (): void => {
    width = fileWidth(
      sample.map((s) => s.fields.length),
      expected,
    );
    if (width < expected) {
      const missing = attributes.slice(width);
      const lacking = needed.filter((n) => (cols[n] as number) >= width);
      if (lacking.length > 0) {
        failed = true;
        tally.fail(
          `rows have ${width} fields, too few for the CDM's ${entity} (${expected} attributes): ` +
            `${lacking.join(", ")} would be missing`,
        );
      } else {
        tally.note(
          `rows have ${width} fields; the CDM lists ${expected} ${entity} attributes: the trailing ` +
            `${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} absent from the export and read as empty`,
        );
      }
    }
    for (const s of sample) handle(s.fields, s.line);
    sample.length = 0;
  };
  await readCsvFile(
    path,
    (fields, line) => {
      if (width < 0) {
        sample.push({ fields, line });
        if (sample.length >= SAMPLE_ROWS) settle();
        return;
      }
      handle(fields, line);
    },
    tallyOptions(ctx, file, tally),
  );
  if (width < 0) {
    if (sample.length === 0) {
      tally.note(`${file} has no rows`);
      return tally;
    }
    settle();
  }
  return tally;
}

/** The most common width not above the attribute count (ties go to the wider). */
function fileWidth(widths: number[], expected: number): number {
  const counts = new Map<number, number>();
  for (const w of widths) if (w <= expected) counts.set(w, (counts.get(w) ?? 0) + 1);
  let best = expected;
  let bestCount = 0;
  for (const [w, n] of counts) {
    if (n > bestCount || (n === bestCount && w > best)) {
      best = w;
      bestCount = n;
    }
  }
  return best;
}
