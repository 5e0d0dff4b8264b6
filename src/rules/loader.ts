/**
 * Loads policy files (rules/*.yaml) into `Policy` values. Loading is strict and complete:
 * YAML syntax, unknown keys, unknown metrics, wrong types, bad cron or time zone,
 * special-category fields… every problem in a file is reported in one pass with its
 * line and column, and a file with any error yields no policy at all.
 *
 * Syntax errors are reported alone: until the file parses, what the rest of it means is
 * guesswork, and guessed errors would mislead more than help.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type { Policy } from "./policy.ts";
import { readPolicyDocument } from "./policy-reader.ts";
import { type PolicyProblem, type ProblemCode, sortProblems } from "./problems.ts";
import { YamlReader } from "./yaml-reader.ts";

export { formatProblem, type PolicyProblem, type ProblemCode } from "./problems.ts";

export type PolicyLoadResult =
  | { ok: true; policy: Policy; warnings: PolicyProblem[] }
  | { ok: false; errors: PolicyProblem[]; warnings: PolicyProblem[] };

/**
 * Policies from several files. On failure `policies` still holds the files that loaded
 * cleanly (for `reach rules check`); a runner must not use a partial set.
 */
export type PolicySetResult =
  | { ok: true; policies: Policy[]; warnings: PolicyProblem[] }
  | { ok: false; errors: PolicyProblem[]; warnings: PolicyProblem[]; policies: Policy[] };

interface Loaded {
  result: PolicyLoadResult;
  /** Where the policy id is written, to point at a duplicate across files. */
  idAt?: { line: number; column: number };
}

const problem = (file: string, code: ProblemCode, message: string, hint?: string): PolicyProblem =>
  hint === undefined
    ? { file, line: 1, column: 1, code, message }
    : { file, line: 1, column: 1, code, message, hint };

/** Parses and validates one policy file's text. Never throws. */
export function loadPolicyText(text: string, file: string): PolicyLoadResult {
  return load(text, file).result;
}

function load(text: string, file: string): Loaded {
  try {
    return loadUnsafe(text, file);
  } catch (error) {
    // A defect in the loader must still come out as a problem, never as a crash of the
    // command or of the bot reloading its rules.
    const reason = error instanceof Error ? error.message : String(error);
    return {
      result: {
        ok: false,
        errors: [problem(file, "internal_error", `could not check this file: ${reason}`)],
        warnings: [],
      },
    };
  }
}

function loadUnsafe(text: string, file: string): Loaded {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): { line: number; column: number } => {
    const { line, col } = lines.linePos(offset ?? 0);
    return { line, column: col };
  };
  const warnings: PolicyProblem[] = doc.warnings.map((w) => ({
    file,
    ...at(w.pos[0]),
    code: "yaml_warning",
    message: w.message,
  }));

  if (doc.errors.length > 0) {
    const errors: PolicyProblem[] = [];
    const seenLines = new Set<number>();
    for (const e of doc.errors) {
      const where = at(e.pos[0]);
      // One mistake often trips several parser errors on the same line; the first says it.
      if (seenLines.has(where.line)) continue;
      seenLines.add(where.line);
      const p: PolicyProblem = {
        file,
        ...where,
        code: "yaml_syntax",
        message: syntaxMessage(e.code, e.message),
      };
      const hint = syntaxHint(e.code);
      if (hint !== undefined) p.hint = hint;
      errors.push(p);
    }
    return { result: { ok: false, errors: sortProblems(errors), warnings } };
  }

  if (doc.contents === null) {
    return {
      result: {
        ok: false,
        errors: [
          problem(
            file,
            "empty_file",
            "the file is empty: a policy file has policy: and rules:",
            "see rules/README.md",
          ),
        ],
        warnings,
      },
    };
  }

  const reader = new YamlReader(file, lines, doc);
  const read = readPolicyDocument(reader, { node: doc.contents, at: doc.contents });
  warnings.push(...reader.warnings);
  if (read === undefined || reader.errors.length > 0) {
    const errors =
      reader.errors.length > 0
        ? reader.errors
        : [problem(file, "internal_error", "the policy could not be read")];
    return {
      result: { ok: false, errors: sortProblems(errors), warnings: sortProblems(warnings) },
    };
  }
  return {
    result: { ok: true, policy: read.policy, warnings: sortProblems(warnings) },
    idAt: reader.position(read.idAt),
  };
}

function syntaxMessage(code: string, message: string): string {
  const text = message.replace(/\s+at line \d+, column \d+[\s\S]*$/, "");
  if (code === "MULTIPLE_DOCS") return "the file holds more than one YAML document (---)";
  if (code === "BAD_ALIAS") return "YAML syntax: a value starting with * is read as an alias";
  return `YAML syntax: ${text}`;
}

function syntaxHint(code: string): string | undefined {
  switch (code) {
    case "BAD_ALIAS":
    case "UNEXPECTED_TOKEN":
      return 'quote a value that starts with * or &, e.g. schedule: "0 7 * * 1-5"';
    case "TAB_AS_INDENT":
      return "indent with spaces, not tabs";
    case "DUPLICATE_KEY":
      return "each key may appear once in a mapping";
    case "MULTIPLE_DOCS":
      return "one policy per file";
    case "BAD_INDENT":
    case "MISSING_CHAR":
      return "check the indentation and closing brackets or quotes";
    default:
      return undefined;
  }
}

async function loadFile(path: string): Promise<Loaded> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return {
      result: {
        ok: false,
        errors: [problem(path, "unreadable", `cannot read the file (${reason})`)],
        warnings: [],
      },
    };
  }
  return load(text, path);
}

/** Reads and loads one policy file. Never throws. */
export async function loadPolicyFile(path: string): Promise<PolicyLoadResult> {
  return (await loadFile(path)).result;
}

const POLICY_FILE = /\.ya?ml$/i;

/** The policy files directly inside `dir` (`*.yaml`, `*.yml`), sorted by name. */
export async function listPolicyFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && POLICY_FILE.test(e.name))
    .map((e) => e.name)
    .sort()
    .map((name) => join(dir, name));
}

/**
 * Loads several policy files as one set: each file is checked in full, and a policy id
 * used by two files is an error at the later one.
 */
export async function loadPolicyFiles(paths: readonly string[]): Promise<PolicySetResult> {
  const errors: PolicyProblem[] = [];
  const warnings: PolicyProblem[] = [];
  const policies: Policy[] = [];
  const firstFile = new Map<string, string>();
  for (const path of paths) {
    const { result, idAt } = await loadFile(path);
    warnings.push(...result.warnings);
    if (!result.ok) {
      errors.push(...result.errors);
      continue;
    }
    const earlier = firstFile.get(result.policy.id);
    if (earlier !== undefined) {
      errors.push({
        file: path,
        ...(idAt ?? { line: 1, column: 1 }),
        code: "duplicate_policy_id",
        message: `policy id "${result.policy.id}" is already used by ${earlier}`,
        hint: "each policy file needs its own id",
      });
      continue;
    }
    firstFile.set(result.policy.id, path);
    policies.push(result.policy);
  }
  return errors.length === 0
    ? { ok: true, policies, warnings }
    : { ok: false, errors, warnings, policies };
}

/** Loads every policy file directly inside `dir`. A folder with none is an error. */
export async function loadPolicyDir(dir: string): Promise<PolicySetResult> {
  let files: string[];
  try {
    files = await listPolicyFiles(dir);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return {
      ok: false,
      errors: [problem(dir, "unreadable", `cannot read the folder (${reason})`)],
      warnings: [],
      policies: [],
    };
  }
  if (files.length === 0) {
    return {
      ok: false,
      errors: [problem(dir, "no_policy_files", "no policy files (*.yaml, *.yml) in this folder")],
      warnings: [],
      policies: [],
    };
  }
  return loadPolicyFiles(files);
}

/** Whether `path` is a folder (false when it does not exist: it is then reported as a file). */
export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
