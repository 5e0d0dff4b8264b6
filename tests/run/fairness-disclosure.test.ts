/**
 * Small cells cannot be worked out: for random populations, a reader who has only the
 * report (the totals, the counts shown, which cells are "<10" and which "suppressed", and
 * the rule that made them so) tries every value of the hidden counts that fits; every
 * hidden count must keep at least two possible values.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Demographic } from "../../src/data/schema.ts";
import { type FairnessGroup, fairnessReport, type ShownCount } from "../../src/run/index.ts";

interface Spec {
  n: number;
  f: number;
}

/** Students and demographics for groups g0, g1, … of the given sizes and flagged counts. */
function population(groups: Spec[]) {
  const students: string[] = [];
  const flagged = new Set<string>();
  const demographics: Demographic[] = [];
  groups.forEach((g, i) => {
    for (let k = 0; k < g.n; k++) {
      const id = `s${i}-${k}`;
      students.push(id);
      if (k < g.f) flagged.add(id);
      demographics.push({ studentId: id, field: "group", value: `g${i}` });
    }
  });
  return { students, flagged, demographics };
}

/** The values a reader allows a cell, from the report alone. */
function readerDomain(count: ShownCount, size: ShownCount, withheld: boolean, max: number) {
  if (typeof count === "number") return [count];
  const upTo = (lo: number, hi: number) =>
    Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => lo + i);
  if (typeof size !== "number") return upTo(0, size === "<10" ? 9 : max);
  if (withheld) return upTo(0, size);
  if (count === "<10") return upTo(1, Math.min(9, size));
  return [0, ...upTo(10, size)];
}

/** For each cell, the number of its values that some full assignment summing to `total` allows. */
function possibleValues(domains: number[][], total: number): number[] {
  const counts: Set<number>[] = domains.map(() => new Set());
  const walk = (i: number, sum: number, chosen: number[]) => {
    if (sum > total) return;
    if (i === domains.length) {
      if (sum === total) {
        chosen.forEach((v, j) => {
          counts[j].add(v);
        });
      }
      return;
    }
    for (const v of domains[i]) walk(i + 1, sum + v, [...chosen, v]);
  };
  walk(0, 0, []);
  return counts.map((c) => c.size);
}

describe("complementary suppression, from the reader's side", () => {
  it("leaves every hidden flagged count at least two possible values", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc
            .integer({ min: 1, max: 40 })
            .chain((n) => fc.integer({ min: 0, max: n }).map((f) => ({ n, f }))),
          { minLength: 2, maxLength: 4 },
        ),
        (groups) => {
          const report = fairnessReport(population(groups));
          const o = report.overall;
          if (typeof o.inScope !== "number" || typeof o.flagged !== "number") return;
          const table = report.fields[0];
          const withheld = table.withheld.includes("flagged");
          const cells: FairnessGroup[] = table.groups;
          // Sizes first: every hidden size keeps two values.
          const all = o.inScope;
          const sizesWithheld = table.withheld.includes("inScope");
          const sizeDomains = cells.map((g) =>
            typeof g.inScope === "number"
              ? [g.inScope]
              : g.inScope === "<10"
                ? [1, 2, 3, 4, 5, 6, 7, 8, 9]
                : Array.from({ length: all }, (_, i) => i + 1).filter(
                    (v) => sizesWithheld || v >= 10,
                  ),
          );
          const sizes = possibleValues(sizeDomains, o.inScope);
          cells.forEach((g, i) => {
            if (typeof g.inScope !== "number") expect(sizes[i]).toBeGreaterThanOrEqual(2);
          });
          const domains = cells.map((g) =>
            readerDomain(g.flagged, g.inScope, withheld, o.flagged as number),
          );
          const possible = possibleValues(domains, o.flagged);
          cells.forEach((g, i) => {
            // Nobody or everybody flagged: the overall figures already say so.
            const everyOrNone = o.flagged === 0 || o.flagged === o.inScope;
            if (typeof g.flagged !== "number" && !everyOrNone) {
              expect(possible[i]).toBeGreaterThanOrEqual(2);
            }
          });
        },
      ),
      { numRuns: 300, seed: 12 },
    );
  });
});
