/**
 * The canonical import under hostile rows (bad input says what and where): a small bundle whose
 * students.csv and attendance.csv get arbitrary rows mixed in — random cells, quotes,
 * control characters, long values, wrong widths — never throws; every rejection names its
 * file, a line inside that file, and a reason; and each good row still arrives.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { importCanonical } from "../../src/data/adapters/canonical.ts";

const FIXTURE = join(import.meta.dirname, "../fixtures/canonical-small");
const dir = mkdtempSync(join(tmpdir(), "reach-import-fuzz-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cell = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom("", '"', '""', '"a,b"', "\u0000", "\u200b", "2026-02-30", "S1", "present", "-1"),
  fc.string({ unit: "binary", maxLength: 8 }),
  fc.nat({ max: 5000 }).map((n) => "x".repeat(n)),
);
const row = fc.array(cell, { minLength: 0, maxLength: 12 }).map((cells) => cells.join(","));

describe("the canonical import under arbitrary rows", () => {
  it("never throws, positions every rejection, and keeps the good rows", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 6 }),
        fc.array(row, { maxLength: 6 }),
        async (badStudents, badAttendance) => {
          const bundle = join(dir, `b${run++}`);
          cpSync(FIXTURE, bundle, { recursive: true });
          // The bad rows go after the good ones, so a broken quote cannot take a good row.
          const append = (file: string, rows: string[]) => {
            const path = join(bundle, file);
            const text = readFileSync(path, "utf8").replace(/\n?$/, "\n");
            writeFileSync(path, `${text}${rows.join("\n")}${rows.length > 0 ? "\n" : ""}`);
            return text.split("\n").filter((l) => l !== "").length + rows.length;
          };
          const studentLines = append("students.csv", badStudents);
          const attendanceLines = append("attendance.csv", badAttendance);
          const { dataset, report } = await importCanonical(bundle, { threads: 1 });
          for (const r of report.rejections) {
            expect(r.file).toMatch(/\.csv$/);
            expect(r.reason.length).toBeGreaterThan(0);
            const lines = r.file.endsWith("students.csv")
              ? studentLines
              : r.file.endsWith("attendance.csv")
                ? attendanceLines
                : Number.POSITIVE_INFINITY;
            expect(r.line).toBeGreaterThanOrEqual(1);
            expect(r.line).toBeLessThanOrEqual(lines);
          }
          // The fixture's own students are all still there.
          for (const id of ["S1", "S2"]) {
            expect(dataset.students.some((s) => s.id === id)).toBe(true);
          }
          rmSync(bundle, { recursive: true, force: true });
        },
      ),
      { numRuns: 60, seed: 20261205 },
    );
  }, 120_000);
});
