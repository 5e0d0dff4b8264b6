/**
 * `reach rules test`: finds rule test files (`*.test.yaml` beside the policies), reads
 * each with every problem at its line and column, loads the policy it names, and runs its
 * test cases through the real engine (run-case.ts). A file with any problem runs no test.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, normalize } from "node:path";
import { isScalar, LineCounter, parseDocument } from "yaml";
import { loadPolicyFile, type Policy } from "../../rules/index.ts";
import { readTestDocument } from "./format.ts";
import { type TestProblem, TestReader } from "./reader.ts";
import { type CaseResult, type ResolvedCase, resolveCase, runCase } from "./run-case.ts";

/** A rule test file's name: `<policy>.test.yaml` (or `.test.yml`). */
export const TEST_FILE = /\.test\.ya?ml$/i;
const YAML_FILE = /\.ya?ml$/i;
/** The largest test file read, as for a policy file. */
const MAX_TEST_FILE_BYTES = 1024 * 1024;

export interface RuleTestFileResult {
  file: string;
  /** The policy file it tests, as found from the test file's folder. */
  policy?: string;
  policyId?: string;
  problems: TestProblem[];
  cases: CaseResult[];
  /** Enabled rules of the policy that fire on no expected date of any case. */
  neverFired: string[];
}

export interface RuleTestReport {
  files: RuleTestFileResult[];
  /** Problems not of one test file: a path that does not exist, a folder without tests. */
  problems: TestProblem[];
  passed: number;
  failed: number;
  /** True when every case passed and nothing has a problem. */
  ok: boolean;
}

const at1 = (file: string, message: string, hint?: string): TestProblem =>
  hint === undefined
    ? { file, line: 1, column: 1, message }
    : { file, line: 1, column: 1, message, hint };

/** The test files a path names: a folder's `*.test.yaml`, a test file, or a policy's own. */
async function testFilesOf(path: string, problems: TestProblem[]): Promise<string[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    problems.push(at1(path, `${path} does not exist`, "give a rule test file or a folder"));
    return [];
  }
  if (info.isDirectory()) {
    const entries = await readdir(path, { withFileTypes: true });
    const files = entries
      .filter((e) => !e.isDirectory() && TEST_FILE.test(e.name))
      .map((e) => join(path, e.name))
      .sort();
    if (files.length === 0) {
      problems.push(
        at1(path, "no rule test files (*.test.yaml) in this folder", "see rules/README.md"),
      );
    }
    return files;
  }
  if (TEST_FILE.test(path)) return [path];
  if (YAML_FILE.test(path)) {
    // A policy file: its tests are beside it.
    const own = join(dirname(path), basename(path).replace(YAML_FILE, ".test.yaml"));
    try {
      if ((await stat(own)).isFile()) return [own];
    } catch {
      // Reported below.
    }
    problems.push(at1(path, `no test file for this policy (expected ${own})`));
    return [];
  }
  problems.push(at1(path, `${path} is not a rule test file`, "rule test files end in .test.yaml"));
  return [];
}

/** Runs every test file the paths name. */
export async function runRuleTests(paths: readonly string[]): Promise<RuleTestReport> {
  const problems: TestProblem[] = [];
  const files: string[] = [];
  for (const path of paths) files.push(...(await testFilesOf(path, problems)));
  const results: RuleTestFileResult[] = [];
  for (const file of [...new Set(files.map((f) => normalize(f)))]) {
    results.push(await runTestFile(file));
  }
  const cases = results.flatMap((r) => r.cases);
  const passed = cases.filter((c) => c.passed).length;
  return {
    files: results,
    problems,
    passed,
    failed: cases.length - passed,
    ok:
      problems.length === 0 &&
      results.every((r) => r.problems.length === 0) &&
      passed === cases.length,
  };
}

/** Reads, checks and runs one test file. */
export async function runTestFile(file: string): Promise<RuleTestFileResult> {
  const result: RuleTestFileResult = { file, problems: [], cases: [], neverFired: [] };
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) {
      result.problems.push(at1(file, `${file} is not a file`));
      return result;
    }
    if (info.size > MAX_TEST_FILE_BYTES) {
      result.problems.push(at1(file, "the file is larger than 1 MiB: too large for a test file"));
      return result;
    }
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    result.problems.push(at1(file, `cannot read the file (${code})`));
    return result;
  }
  return runTestText(file, text, result);
}

/** Checks and runs a test file's text (the policy it names is read from disk). */
export async function runTestText(
  file: string,
  text: string,
  result: RuleTestFileResult = { file, problems: [], cases: [], neverFired: [] },
): Promise<RuleTestFileResult> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const reader = new TestReader(file, text, lines, doc);
  if (doc.errors.length > 0) {
    const seen = new Set<number>();
    for (const e of doc.errors) {
      const place = reader.placeAt(e.pos[0]);
      if (seen.has(place.line)) continue;
      seen.add(place.line);
      const message = e.message.replace(/\s+at line \d+, column \d+[\s\S]*$/, "");
      result.problems.push({ file, ...place, message: `YAML syntax: ${message}` });
    }
    return result;
  }
  if (doc.contents === null) {
    result.problems.push(at1(file, "the file is empty: a rule test file has policy: and tests:"));
    return result;
  }

  // The policy first: rule ids and the default school come from it.
  let policy: Policy | undefined;
  const policyNode = doc.get("policy", true);
  if (isScalar(policyNode) && typeof policyNode.value === "string" && policyNode.value !== "") {
    const written = policyNode.value;
    const path = normalize(isAbsolute(written) ? written : join(dirname(file), written));
    result.policy = path;
    const loaded = await loadPolicyFile(path);
    if (loaded.ok) {
      policy = loaded.policy;
      result.policyId = policy.id;
    } else if (
      loaded.errors.length === 1 &&
      (loaded.errors[0].code === "unreadable" || loaded.errors[0].code === "not_a_file")
    ) {
      reader.error(
        policyNode,
        `the policy ${path}: ${loaded.errors[0].message}`,
        "policy: is the policy file's path from this file's folder",
      );
    } else {
      reader.error(
        policyNode,
        `the policy ${path} does not load: ${loaded.errors.length} error${loaded.errors.length === 1 ? "" : "s"}`,
        `run reach rules check ${path}`,
      );
      for (const p of loaded.errors) {
        const problem: TestProblem = {
          file: p.file,
          line: p.line,
          column: p.column,
          message: p.message,
        };
        if (p.hint !== undefined) problem.hint = p.hint;
        result.problems.push(problem);
      }
    }
  }

  const spec = readTestDocument(reader, doc.contents, policy);
  const resolved: ResolvedCase[] = [];
  if (spec) {
    for (const c of spec.cases) {
      const r = resolveCase(c, spec.calendar, file, reader.problems);
      if (r) resolved.push(r);
    }
  }
  result.problems.push(...reader.problems);
  result.problems.sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column,
  );
  if (!spec || !policy || result.problems.length > 0) return result;

  result.cases = resolved.map((c) => runCase(policy, c));
  const fired = new Set(result.cases.flatMap((c) => c.fired));
  result.neverFired = policy.rules.filter((r) => r.enabled && !fired.has(r.id)).map((r) => r.id);
  return result;
}
