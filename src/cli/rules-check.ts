/**
 * `reach rules check <file|dir>…`: checks policy files before they are enabled. Every
 * problem is printed as `file:line:column message (hint)`, each valid policy gets a
 * one-line summary, and the exit code says whether all of them are valid.
 *
 * With `--data <dir> --source <format>`, each valid policy is also checked against that
 * data, as a run would check it (checkPolicyAgainstData): schools, sources and kinds the
 * data does not have are errors; warnings as a run gives them. No date is given, so the
 * freshness of the data is not judged; the last date of each stream the rules read is shown.
 *
 * The message templates are checked too: those of `--templates <dir>`, else the `outreach/`
 * folder of the Reach folder (beside `rules/`). Each problem of a template is printed at its
 * place, and so is each rule whose `outreach:` names no usable template.
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { isMap, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { REACH_HOME } from "../app/index.ts";
import { buildCalendars } from "../calendar/index.ts";
import type { ImportResult } from "../data/adapters/adapter.ts";
import { ADAPTERS, isSourceName } from "../data/adapters/index.ts";
import {
  formatTemplateProblem,
  loadTemplates,
  outreachIdProblem,
  type TemplateProblem,
  type TemplateSet,
} from "../outreach/index.ts";
import {
  checkPolicyAgainstData,
  type DataCheck,
  formatDataProblem,
  formatProblem,
  isDirectory,
  listPolicyFiles,
  loadPolicyFiles,
  type Policy,
  type PolicyProblem,
} from "../rules/index.ts";

/** The message templates `reach rules check` reads unless told otherwise. */
export const DEFAULT_TEMPLATES_DIR = join(REACH_HOME, "outreach");

export interface CheckOutput {
  log(line: string): void;
  error(line: string): void;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Checks files and folders of policies; returns the exit code (0 all valid, 1 otherwise). */
export async function rulesCheck(
  paths: string[],
  out: CheckOutput,
  options: { data?: string; source?: string; templates?: string } = {},
): Promise<number> {
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
  const templates = await loadTemplates(options.templates ?? DEFAULT_TEMPLATES_DIR);

  for (const problem of errors) out.error(formatProblem(problem));
  for (const problem of templates.problems) out.error(formatTemplateProblem(problem));
  for (const warning of result.warnings) out.error(formatProblem(warning, "warning"));

  // The data is read only when there is a valid policy to check against it.
  const against =
    options.data === undefined || result.policies.length === 0
      ? undefined
      : await readData(options, out);
  if (against === null) return 1;
  const failing = new Set([...errors, ...templates.problems].map((p) => p.file));
  let count = errors.length + templates.problems.length;
  for (const policy of result.policies) {
    const found = await checkPolicy(policy, { against, templates, data: options.data }, out);
    if (found > 0) {
      count += found;
      failing.add(policy.file);
    }
  }
  if (options.templates !== undefined && templates.problems.length === 0) {
    out.log(`${templates.dir}: OK — ${plural(templates.templates.size, "message template")}`);
  }
  if (count > 0) {
    out.error(`${plural(count, "error")} in ${plural(failing.size, "file")}`);
    return 1;
  }
  return 0;
}

/** What a policy is checked against: the data (when given) and the message templates. */
interface CheckedAgainst {
  against: Data | undefined;
  templates: TemplateSet;
  /** The data folder, as given. */
  data: string | undefined;
}

/**
 * One valid policy: its rules' templates and, when given, the data. Prints each problem,
 * or the policy's one-line summary when there is none; returns the number of errors.
 */
async function checkPolicy(
  policy: Policy,
  { against, templates, data }: CheckedAgainst,
  out: CheckOutput,
): Promise<number> {
  const disabled = policy.rules.filter((rule) => !rule.enabled).length;
  const rules =
    plural(policy.rules.length, "rule") + (disabled > 0 ? ` (${disabled} disabled)` : "");
  const missing = await templateProblems(policy, templates);
  for (const problem of missing) out.error(formatTemplateProblem(problem));
  if (against === undefined) {
    if (missing.length === 0) out.log(`${policy.file}: OK — policy ${policy.id}, ${rules}`);
    return missing.length;
  }
  const check = checkPolicyAgainstData(policy, against.dataset, against.calendars);
  for (const e of check.errors) out.error(formatDataProblem(e));
  for (const w of check.warnings) out.error(formatDataProblem(w, "warning"));
  const found = missing.length + check.errors.length;
  if (found === 0) {
    out.log(
      `${policy.file}: OK — policy ${policy.id}, ${rules}; fits the data in ${data}${endsOf(check)}`,
    );
  }
  return found;
}

/** Each rule whose `outreach:` names no usable template, at the place the id is written. */
async function templateProblems(
  policy: Policy,
  templates: TemplateSet,
): Promise<TemplateProblem[]> {
  const wrong = policy.rules.flatMap((rule, index) => {
    const problem =
      rule.outreach === undefined ? undefined : outreachIdProblem(templates, rule.outreach);
    return problem === undefined ? [] : [{ rule, index, problem }];
  });
  if (wrong.length === 0) return [];
  const places = await outreachPlaces(policy.file);
  return wrong.map(({ rule, index, problem }) => ({
    file: policy.file,
    ...(places.get(index) ?? { line: rule.position.line, column: rule.position.column }),
    code: problem.code,
    message: `rule "${rule.id}": ${problem.message}`,
    hint: problem.hint,
  }));
}

/**
 * Where each rule's `outreach:` value is written, by the rule's index: the loader keeps
 * the place of each rule, not of this value, so the file (already loaded without error) is
 * read again. A rule missing from the map is reported at its own place.
 */
async function outreachPlaces(
  file: string,
): Promise<Map<number, { line: number; column: number }>> {
  const places = new Map<number, { line: number; column: number }>();
  try {
    const lines = new LineCounter();
    const doc = parseDocument(await readFile(file, "utf8"), { lineCounter: lines });
    const rules = doc.get("rules", true);
    if (!isSeq(rules)) return places;
    rules.items.forEach((item, index) => {
      const value = isMap(item) ? (item.get("outreach", true) as Node | undefined) : undefined;
      const offset = value?.range?.[0];
      if (offset === undefined) return;
      const { line, col } = lines.linePos(offset);
      places.set(index, { line, column: col });
    });
  } catch {
    // The rules' own places are used.
  }
  return places;
}

interface Data {
  dataset: ImportResult["dataset"];
  calendars: ReturnType<typeof buildCalendars>;
}

/** The data to check against, or null (after saying why) when it cannot be read. */
async function readData(
  options: { data?: string; source?: string },
  out: CheckOutput,
): Promise<Data | null> {
  const { data, source } = options;
  if (source === undefined || !isSourceName(source)) {
    out.error(
      `reach rules check: --source ${source ?? "<format>"} is needed with --data: one of ${Object.keys(ADAPTERS).join(", ")}`,
    );
    return null;
  }
  if (data === undefined || !existsSync(data) || !statSync(data).isDirectory()) {
    out.error(`reach rules check: --data ${data} is not a folder`);
    return null;
  }
  const imported = await ADAPTERS[source].import(data);
  const unread = imported.report.files.filter((f) => f.error !== undefined);
  for (const f of unread) out.error(`${f.file}: ${f.error}`);
  if (imported.report.rowsRejected > 0) {
    out.error(
      `note: ${plural(imported.report.rowsRejected, "row")} of ${data} could not be imported (reach run --dry-run lists them); the policies are checked against the rest`,
    );
  }
  return { dataset: imported.dataset, calendars: buildCalendars(imported.dataset) };
}

/** ` (data ends: attendance 2027-01-29, activity:vle 2027-01-29)` for the streams read. */
function endsOf(check: DataCheck): string {
  const used = check.streams.filter((s) => s.used);
  if (used.length === 0) return "";
  return ` (data ends: ${used.map((s) => `${s.stream} ${s.last ?? "none"}`).join(", ")})`;
}
