/**
 * A problem found in a message template or in a message an adviser edited, with the
 * place (1-based line and column) a person must look to fix it, printed like a policy
 * file's problems: `file:line:column message (hint)`.
 */

export type TextProblemCode =
  | "empty"
  | "too_long"
  | "not_text"
  | "control_character"
  | "sanction_language"
  | "score_or_threshold"
  | "unknown_placeholder"
  | "unclosed_brace"
  | "stray_brace"
  | "placeholder_left_in"
  | "too_many_problems";

export type TemplateProblemCode =
  | TextProblemCode
  | "invalid_id"
  | "front_matter"
  | "too_large"
  | "not_a_file"
  | "unreadable"
  | "no_templates"
  | "too_many_templates"
  | "missing_fallback"
  | "unknown_template"
  | "unusable_template";

/** A problem in a text, at a line and column of that text. */
export interface TextProblem {
  line: number;
  column: number;
  message: string;
  /** What to do about it. */
  hint?: string;
  code: TextProblemCode;
}

/** A problem in a template file (or the templates folder), at a line and column of it. */
export interface TemplateProblem {
  file: string;
  line: number;
  column: number;
  message: string;
  hint?: string;
  code: TemplateProblemCode;
}

/** `file:line:column message (hint)`. */
export function formatTemplateProblem(p: TemplateProblem): string {
  const where = `${p.file}:${p.line}:${p.column}`;
  return p.hint === undefined ? `${where} ${p.message}` : `${where} ${p.message} (${p.hint})`;
}

/** Problems in reading order: by file, then line, then column. */
export function sortTemplateProblems(problems: readonly TemplateProblem[]): TemplateProblem[] {
  return [...problems].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column,
  );
}
