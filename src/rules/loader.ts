/**
 * Loads policy files (rules/*.yaml) into `Policy` values. Loading is strict and complete:
 * YAML syntax, unknown keys, unknown metrics, wrong types, bad cron or time zone,
 * special-category fields… every problem in a file is reported in one pass with its
 * line and column, and a file with any error yields no policy at all.
 *
 * Syntax errors are reported alone: until the file parses, what the rest of it means is
 * guesswork, and guessed errors would mislead more than help.
 */
import { constants, type Stats } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import {
  ALIAS_NODE_ALLOWANCE,
  MAX_FILE_BYTES,
  MAX_YAML_DEPTH,
  measureYaml,
  sizeHint,
} from "./limits.ts";
import type { Policy } from "./policy.ts";
import { readPolicyDocument } from "./policy-reader.ts";
import { type PolicyProblem, type ProblemCode, sortProblems, withHints } from "./problems.ts";
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

const refused = (error: PolicyProblem): Loaded => ({
  result: { ok: false, errors: [error], warnings: [] },
});

/**
 * Parses and validates one policy file's text. Never throws; every error has a line and
 * column (1-based) and a hint.
 */
export function loadPolicyText(text: string, file: string): PolicyLoadResult {
  return load(text, file).result;
}

/** The text each loaded policy came from (a policy built in code has none). */
const sourceTexts = new WeakMap<Policy, string>();

/**
 * The file text this policy was loaded from, exactly as read: what a version of the policy
 * records, so that the version a run used is the text it evaluated even when the file has
 * changed since. Undefined for a policy not made by the loader.
 */
export function policySourceText(policy: Policy): string | undefined {
  return sourceTexts.get(policy);
}

function load(text: string, file: string): Loaded {
  const loaded = loadGuarded(text, file);
  if (loaded.result.ok) {
    sourceTexts.set(loaded.result.policy, text);
    return loaded;
  }
  return { ...loaded, result: { ...loaded.result, errors: withHints(loaded.result.errors) } };
}

function loadGuarded(text: string, file: string): Loaded {
  try {
    // Each character is at least one byte: the exact count only for text near the limit.
    if (text.length > MAX_FILE_BYTES || Buffer.byteLength(text, "utf8") > MAX_FILE_BYTES) {
      return refused(tooLarge(file, Buffer.byteLength(text, "utf8")));
    }
    const shape = measureYaml(text);
    if (shape.tooDeepAt !== undefined) {
      return refused({
        file,
        ...positionIn(text, shape.tooDeepAt),
        code: "too_deep",
        message: `the YAML here is nested more than ${MAX_YAML_DEPTH} levels deep (mappings and lists inside one another)`,
        hint: `a policy file may nest at most ${MAX_YAML_DEPTH} levels; check for an unclosed [ or {`,
      });
    }
    return loadUnsafe(text, file, ALIAS_NODE_ALLOWANCE + 10 * shape.nodes);
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

function tooLarge(file: string, bytes: number): PolicyProblem {
  const size = bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${bytes} bytes`;
  return {
    file,
    line: 1,
    column: 1,
    code: "too_large",
    message: `the file is ${size}: too large for a policy file`,
    hint: sizeHint(),
  };
}

/** Line and column (1-based) of an offset in `text`. */
function positionIn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: Math.max(1, offset - start + 1) };
}

function loadUnsafe(text: string, file: string, nodeBudget: number): Loaded {
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

  const reader = new YamlReader(file, lines, doc, nodeBudget);
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

/** What a path is, for "… is a named pipe, not a policy file". */
function kindOf(info: Stats): string {
  if (info.isDirectory()) return "a folder";
  if (info.isFIFO()) return "a named pipe (FIFO)";
  if (info.isSocket()) return "a socket";
  if (info.isCharacterDevice()) return "a character device";
  if (info.isBlockDevice()) return "a block device";
  return "not a regular file";
}

function notAFile(path: string, info: Stats): PolicyProblem {
  const kind = kindOf(info);
  return {
    file: path,
    line: 1,
    column: 1,
    code: "not_a_file",
    message: `${path} is ${kind}, not a policy file`,
    hint: info.isDirectory()
      ? "give a policy file, or check the whole folder: reach rules check <folder>"
      : "a policy is an ordinary .yaml file; pipes, sockets and devices are never read",
  };
}

/** Opening never waits (a pipe swapped in after the check would otherwise block). */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * The text of a policy file, read only when it is a regular file of at most
 * `MAX_FILE_BYTES`: it is checked with stat before it is opened, checked again once open,
 * and at most one byte more than the limit is ever read.
 */
export async function readPolicyFile(
  path: string,
): Promise<{ text: string } | { problem: PolicyProblem }> {
  const unreadable = (error: unknown) => ({
    problem: problem(
      path,
      "unreadable",
      `cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    ),
  });
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    return unreadable(error);
  }
  if (!info.isFile()) return { problem: notAFile(path, info) };
  if (info.size > MAX_FILE_BYTES) return { problem: tooLarge(path, info.size) };
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, OPEN_FLAGS);
    const opened = await handle.stat();
    if (!opened.isFile()) return { problem: notAFile(path, opened) };
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_FILE_BYTES) return { problem: tooLarge(path, Math.max(length, opened.size)) };
    return { text: buffer.toString("utf8", 0, length) };
  } catch (error) {
    return unreadable(error);
  } finally {
    await handle?.close();
  }
}

async function loadFile(path: string): Promise<Loaded> {
  const read = await readPolicyFile(path);
  if ("problem" in read) {
    return refused({
      ...read.problem,
      hint: read.problem.hint ?? "check the path and that you may read it",
    });
  }
  return load(read.text, path);
}

/** Reads and loads one policy file. Never throws. */
export async function loadPolicyFile(path: string): Promise<PolicyLoadResult> {
  return (await loadFile(path)).result;
}

const POLICY_FILE = /\.ya?ml$/i;
/** A policy's tests (`reach rules test`), kept beside it: not a policy. */
const TEST_FILE = /\.test\.ya?ml$/i;

/**
 * The policy files directly inside `dir` (`*.yaml`, `*.yml`, but not the rule test files
 * `*.test.yaml`), sorted by name. Sub-folders are skipped; anything else with a policy
 * file's name (a link, a named pipe…) is listed, so that loading it follows a link to a
 * file and refuses the rest by name.
 */
export async function listPolicyFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory() && POLICY_FILE.test(e.name) && !TEST_FILE.test(e.name))
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
