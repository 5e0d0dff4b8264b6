/**
 * `reach rules check <file|dir>…`: checks policy files before they are enabled. Every
 * problem is printed as `file:line:column message (hint)`, each valid policy gets a
 * one-line summary, and the exit code says whether all of them are valid.
 */
import {
  formatProblem,
  isDirectory,
  listPolicyFiles,
  loadPolicyFiles,
  type PolicyProblem,
} from "../rules/index.ts";

export interface CheckOutput {
  log(line: string): void;
  error(line: string): void;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Checks files and folders of policies; returns the exit code (0 all valid, 1 otherwise). */
export async function rulesCheck(paths: string[], out: CheckOutput): Promise<number> {
  if (paths.length === 0) {
    out.error(
      "nothing to check: give a policy file or a folder of policies, e.g. reach rules check rules/",
    );
    return 1;
  }
  const files: string[] = [];
  const errors: PolicyProblem[] = [];
  for (const path of paths) {
    if (!(await isDirectory(path))) {
      files.push(path);
      continue;
    }
    let inFolder: string[] = [];
    try {
      inFolder = await listPolicyFiles(path);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      errors.push({
        file: path,
        line: 1,
        column: 1,
        code: "unreadable",
        message: `cannot read the folder (${reason})`,
      });
      continue;
    }
    if (inFolder.length === 0) {
      errors.push({
        file: path,
        line: 1,
        column: 1,
        code: "no_policy_files",
        message: "no policy files (*.yaml, *.yml) in this folder",
      });
    }
    files.push(...inFolder);
  }

  const unique = [...new Set(files)];
  const result = await loadPolicyFiles(unique);
  if (!result.ok) errors.push(...result.errors);

  for (const problem of errors) out.error(formatProblem(problem));
  for (const warning of result.warnings) out.error(formatProblem(warning, "warning"));
  for (const policy of result.policies) {
    const disabled = policy.rules.filter((rule) => !rule.enabled).length;
    const rules =
      plural(policy.rules.length, "rule") + (disabled > 0 ? ` (${disabled} disabled)` : "");
    out.log(`${policy.file}: OK — policy ${policy.id}, ${rules}`);
  }
  if (errors.length > 0) {
    const failing = new Set(errors.map((p) => p.file)).size;
    out.error(`${plural(errors.length, "error")} in ${plural(failing, "file")}`);
    return 1;
  }
  return 0;
}
