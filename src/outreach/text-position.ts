/**
 * What the checks find in a text (an offset and a length), and how it becomes a problem
 * at a line and column: the checks work on offsets, people read lines and columns.
 */
import type { TemplateProblemCode, TextProblemCode } from "./problems.ts";

/** Something found in a text, at an offset (0-based, in UTF-16 code units). */
export interface Found<C extends TemplateProblemCode = TextProblemCode> {
  at: number;
  length: number;
  code: C;
  message: string;
  hint?: string;
}

/** A finding at its line and column (1-based). */
export interface Positioned<C extends TemplateProblemCode = TextProblemCode> {
  line: number;
  column: number;
  message: string;
  hint?: string;
  code: C;
}

/** The most problems reported for one text; the rest are counted in one more. */
export const MAX_PROBLEMS = 20;

/** Line and column (1-based) of an offset in `text`; a line ends at "\n". */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/**
 * The findings in reading order, an overlapping one dropped (the first found wins: `at
 * risk` is reported once, not also as `risk`), at most `MAX_PROBLEMS` and then one
 * problem saying how many more there are.
 */
export function toProblems<C extends TemplateProblemCode>(
  text: string,
  found: readonly Found<C>[],
): Positioned<C | "too_many_problems">[] {
  const kept = withoutOverlaps(found);
  const shown: Positioned<C | "too_many_problems">[] = kept
    .slice(0, MAX_PROBLEMS)
    .map((f) => problemAt(text, f));
  const more = kept.length - MAX_PROBLEMS;
  if (more > 0) {
    shown.push(
      problemAt(text, {
        at: kept[MAX_PROBLEMS].at,
        length: 0,
        code: "too_many_problems",
        message: `${more} more problem${more === 1 ? "" : "s"} from here on, not listed`,
        hint: "fix the ones above and check again",
      }),
    );
  }
  return shown;
}

function withoutOverlaps<C extends TemplateProblemCode>(found: readonly Found<C>[]): Found<C>[] {
  const ordered = found
    .map((f, index) => ({ f, index }))
    .sort((a, b) => a.f.at - b.f.at || a.index - b.index);
  const kept: Found<C>[] = [];
  let end = -1;
  for (const { f } of ordered) {
    if (f.at < end) continue;
    kept.push(f);
    end = f.at + Math.max(f.length, 1);
  }
  return kept;
}

function problemAt<C extends TemplateProblemCode>(text: string, f: Found<C>): Positioned<C> {
  const problem: Positioned<C> = { ...positionOf(text, f.at), message: f.message, code: f.code };
  if (f.hint !== undefined) problem.hint = f.hint;
  return problem;
}
