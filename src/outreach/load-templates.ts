/**
 * Loads the templates folder (`outreach/` beside `rules/`): each `<id>.md` file directly in
 * it is a template (README.md is its documentation; other files and sub-folders are not
 * read). A file is read only when it is a regular file of at most `MAX_TEMPLATE_BYTES`;
 * a pipe, socket or device named `*.md` is refused by name without being opened. Every
 * problem is returned with its place; a template with any is left out.
 */
import { constants, type Stats } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { TemplateProblem, TemplateProblemCode } from "./problems.ts";
import { sortTemplateProblems } from "./problems.ts";
import {
  checkTemplate,
  FALLBACK_TEMPLATE_ID,
  MAX_TEMPLATE_BYTES,
  type Template,
  tooLarge,
} from "./template.ts";
import type { TemplateSet } from "./template-set.ts";

/** The most templates one folder may hold; a real one has a handful. */
export const MAX_TEMPLATES = 200;

const TEMPLATE_FILE = /\.md$/i;
const DOCUMENTATION = /^readme\.md$/i;

const atStart = (
  file: string,
  code: TemplateProblemCode,
  message: string,
  hint?: string,
): TemplateProblem =>
  hint === undefined
    ? { file, line: 1, column: 1, code, message }
    : { file, line: 1, column: 1, code, message, hint };

/** Loads every template in `dir`. Never throws. */
export async function loadTemplates(dir: string): Promise<TemplateSet> {
  const templates = new Map<string, Template>();
  const refused = new Set<string>();
  const problems: TemplateProblem[] = [];
  const set = (): TemplateSet => ({
    dir,
    templates,
    refused,
    problems: sortTemplateProblems(problems),
  });
  const listed = await listTemplateFiles(dir);
  if ("problem" in listed) {
    problems.push(listed.problem);
    return set();
  }
  if (listed.names.length > MAX_TEMPLATES) {
    problems.push(
      atStart(
        dir,
        "too_many_templates",
        `the folder holds ${listed.names.length} templates: at most ${MAX_TEMPLATES} are read (the first by name)`,
        "remove the templates no rule uses",
      ),
    );
  }
  for (const name of listed.names.slice(0, MAX_TEMPLATES)) {
    const id = name.replace(TEMPLATE_FILE, "");
    const file = join(dir, name);
    const checked = await loadTemplateFile(id, file);
    if (checked.ok) templates.set(id, checked.template);
    else {
      refused.add(id);
      problems.push(...checked.problems);
    }
  }
  problems.push(...fallbackProblems(dir, listed.names.length, templates, refused));
  return set();
}

async function listTemplateFiles(
  dir: string,
): Promise<{ names: string[] } | { problem: TemplateProblem }> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) {
      return { problem: atStart(dir, "not_a_file", `${dir} is not a folder of templates`) };
    }
    const entries = await readdir(dir, { withFileTypes: true });
    const names = entries
      .filter((e) => !e.isDirectory() && TEMPLATE_FILE.test(e.name) && !DOCUMENTATION.test(e.name))
      .map((e) => e.name)
      .sort();
    return { names };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return {
      problem: atStart(
        dir,
        "unreadable",
        `cannot read the templates folder (${reason})`,
        "give the folder of message templates with --templates, or check that you may read it",
      ),
    };
  }
}

function fallbackProblems(
  dir: string,
  count: number,
  templates: ReadonlyMap<string, Template>,
  refused: ReadonlySet<string>,
): TemplateProblem[] {
  if (count === 0) {
    return [
      atStart(
        dir,
        "no_templates",
        "no message templates (*.md) in this folder",
        `Reach needs at least ${FALLBACK_TEMPLATE_ID}.md, the template for a signal that names none`,
      ),
    ];
  }
  if (templates.has(FALLBACK_TEMPLATE_ID) || refused.has(FALLBACK_TEMPLATE_ID)) return [];
  return [
    atStart(
      dir,
      "missing_fallback",
      `no ${FALLBACK_TEMPLATE_ID} template in this folder: it is suggested for a signal that names no template`,
      `add ${FALLBACK_TEMPLATE_ID}.md`,
    ),
  ];
}

/** Opening never waits (a pipe swapped in after the check would otherwise block). */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

async function loadTemplateFile(
  id: string,
  file: string,
): Promise<{ ok: true; template: Template } | { ok: false; problems: TemplateProblem[] }> {
  const read = await readTemplateFile(file);
  if ("problem" in read) return { ok: false, problems: [read.problem] };
  return checkTemplate(id, read.text, file);
}

/** The text of a template file, read only when it is a regular file within the limit. */
async function readTemplateFile(
  file: string,
): Promise<{ text: string } | { problem: TemplateProblem }> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    const info = await stat(file);
    if (!info.isFile()) return { problem: notAFile(file, info) };
    if (info.size > MAX_TEMPLATE_BYTES) return { problem: { file, ...tooLarge(info.size) } };
    handle = await open(file, OPEN_FLAGS);
    const opened = await handle.stat();
    if (!opened.isFile()) return { problem: notAFile(file, opened) };
    const buffer = Buffer.alloc(MAX_TEMPLATE_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_TEMPLATE_BYTES)
      return { problem: { file, ...tooLarge(Math.max(length, opened.size)) } };
    return { text: buffer.toString("utf8", 0, length) };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return { problem: atStart(file, "unreadable", `cannot read the template (${reason})`) };
  } finally {
    await handle?.close();
  }
}

function notAFile(file: string, info: Stats): TemplateProblem {
  const kind = info.isFIFO()
    ? "a named pipe (FIFO)"
    : info.isSocket()
      ? "a socket"
      : info.isCharacterDevice() || info.isBlockDevice()
        ? "a device"
        : "not a regular file";
  return atStart(
    file,
    "not_a_file",
    `${file} is ${kind}, not a template`,
    "a template is an ordinary text file; pipes, sockets and devices are never read",
  );
}
