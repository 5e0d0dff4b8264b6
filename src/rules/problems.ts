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
  | "too_large"
  | "too_many_rules"
  | "not_a_file"
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

/**
 * What to do, for a problem whose reader had nothing more specific to say: every error
 * a person sees carries a hint, if only where in rules/README.md to look.
 */
const DEFAULT_HINTS: Readonly<Record<ProblemCode, string>> = {
  yaml_syntax: "check the indentation, quotes and brackets here and on the line before",
  empty_file: "see rules/README.md",
  unknown_key: "see rules/README.md for the keys each section takes",
  missing_key: "add it; rules/README.md lists the keys each section requires",
  wrong_type: "see rules/README.md for what this key takes",
  invalid_value: "see rules/README.md for the values this key takes",
  invalid_id: "use lower-case letters, digits and single dashes, e.g. chronic-absence",
  unknown_metric: "rules/README.md lists the metrics",
  param_not_accepted: 'see "Metric parameters" in rules/README.md',
  comparator: "write exactly one of below, at_most, above, at_least, equals",
  threshold_out_of_range: 'see "Metrics" in rules/README.md for each metric\'s range',
  window_exceeds_policy: "use a shorter window, or widen the policy's window",
  invalid_cron: 'e.g. "0 7 * * 1-5" runs at 07:00 Monday to Friday',
  invalid_timezone: "e.g. Europe/London or America/New_York",
  duplicate_rule_id: "rule ids must be unique within a policy",
  duplicate_policy_id: "each policy file needs its own id",
  special_category: 'see "Special-category data" in rules/README.md',
  too_deep: 'see "Limits" in rules/README.md',
  too_large: 'see "Limits" in rules/README.md',
  too_many_rules: 'see "Limits" in rules/README.md',
  not_a_file: "give a policy file (*.yaml) or a folder of them",
  unreadable: "check the path and that you may read it",
  no_policy_files: "policy files end in .yaml or .yml",
  internal_error: "this is a defect in Reach: please report it with the file",
  never_holds: "check the threshold",
  always_holds: "check the threshold",
  duplicate_value: "list each value once",
  yaml_warning: "see rules/README.md",
};

/** The problems, each with a hint: its own, or the default for its code. */
export function withHints(problems: readonly PolicyProblem[]): PolicyProblem[] {
  return problems.map((p) =>
    p.hint !== undefined && p.hint.trim() !== "" ? p : { ...p, hint: DEFAULT_HINTS[p.code] },
  );
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
