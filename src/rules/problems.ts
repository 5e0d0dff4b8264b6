/**
 * A problem found in a policy file, with the place a person must look to fix it. The
 * loader collects every problem in one pass; `formatProblem` prints the conventional
 * `file:line:column message (hint)` line that editors and terminals link to.
 */

export type ProblemCode =
  | "yaml_syntax"
  | "empty_file"
  | "unknown_key"
  | "missing_key"
  | "wrong_type"
  | "invalid_value"
  | "invalid_id"
  | "unknown_metric"
  | "param_not_accepted"
  | "comparator"
  | "threshold_out_of_range"
  | "window_exceeds_policy"
  | "invalid_cron"
  | "invalid_timezone"
  | "duplicate_rule_id"
  | "duplicate_policy_id"
  | "special_category"
  | "too_deep"
  | "unreadable"
  | "no_policy_files"
  | "internal_error"
  // warnings
  | "never_holds"
  | "always_holds"
  | "duplicate_value"
  | "yaml_warning";

export interface PolicyProblem {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  message: string;
  /** What to do about it, when there is something specific to say. */
  hint?: string;
  code: ProblemCode;
}

/** `file:line:column message (hint)`; warnings carry `warning:` before the message. */
export function formatProblem(p: PolicyProblem, as: "error" | "warning" = "error"): string {
  const where = `${p.file}:${p.line}:${p.column}`;
  const what = as === "warning" ? `warning: ${p.message}` : p.message;
  return p.hint === undefined ? `${where} ${what}` : `${where} ${what} (${p.hint})`;
}

/** Problems in reading order: by file, then line, then column. */
export function sortProblems(problems: PolicyProblem[]): PolicyProblem[] {
  return [...problems].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column,
  );
}
