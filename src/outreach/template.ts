/**
 * A message template: one file of the templates folder (`outreach/<id>.md`), an optional
 * front matter with a title, then the text the student will read with placeholders in
 * braces. `checkTemplate` reads and checks one; a template with any problem is not usable.
 */
import { findBraceProblems } from "./placeholders.ts";
import type { TemplateProblem, TemplateProblemCode } from "./problems.ts";
import { findControlCharacters, findLanguageProblems } from "./text-check.ts";
import { type Found, positionOf, toProblems } from "./text-position.ts";

/** A template id: the file's name without `.md`, as rule ids are written. */
export const TEMPLATE_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** The template suggested when a signal names none; every templates folder needs it. */
export const FALLBACK_TEMPLATE_ID = "general-checkin";
/** The largest template file, in bytes (checked before the file is read). */
export const MAX_TEMPLATE_BYTES = 16 * 1024;
/** The longest template text, in characters: filled in, it stays a short message. */
export const MAX_TEMPLATE_CHARS = 3000;
const MAX_TITLE_CHARS = 100;

export interface Template {
  id: string;
  /** For the adviser choosing a template; never sent to the student. */
  title: string;
  /** The text with its placeholders, line breaks as "\n", trimmed. */
  body: string;
  file: string;
}

export type TemplateCheck =
  | { ok: true; template: Template }
  | { ok: false; problems: TemplateProblem[] };

/** The problem with a template id, or undefined when it is one. */
export function templateIdProblem(id: string): string | undefined {
  if (TEMPLATE_ID.test(id)) return undefined;
  const shown = id.length > 60 ? `${id.slice(0, 60)}…` : id;
  return `"${shown}" is not a template id: lower-case letters, digits and single dashes`;
}

/**
 * Checks a template's text; `file` names it in problems, each at its line and column (a
 * byte order mark at the start is not counted). Never throws.
 */
export function checkTemplate(id: string, text: string, file = `${id}.md`): TemplateCheck {
  const content = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const refusal = refusalOf(id, content);
  if (refusal !== undefined) return { ok: false, problems: [{ file, ...refusal }] };
  const front = readFrontMatter(content);
  const bodyText = content.slice(front.bodyStart);
  const body = bodyText.replace(/\r\n?/g, "\n").trim();
  const found: Found<TemplateProblemCode>[] = [
    ...front.found,
    ...findControlCharacters(content),
    ...[...findLanguageProblems(bodyText), ...findBraceProblems(bodyText)].map((f) =>
      shifted(f, front.bodyStart),
    ),
    ...bodyLengthProblems(body, front.bodyStart),
  ];
  if (found.length > 0) {
    return { ok: false, problems: toProblems(content, found).map((p) => ({ file, ...p })) };
  }
  return { ok: true, template: { id, title: front.title ?? titleOf(id), body, file } };
}

const shifted = <C extends TemplateProblemCode>(f: Found<C>, by: number): Found<C> => ({
  ...f,
  at: f.at + by,
});

/** A problem that makes every other check pointless: not text, too large, a bad id. */
function refusalOf(id: string, text: string): Omit<TemplateProblem, "file"> | undefined {
  const notText = notTextProblem(text);
  if (notText !== undefined) return notText;
  if (text.length > MAX_TEMPLATE_BYTES || Buffer.byteLength(text) > MAX_TEMPLATE_BYTES) {
    return tooLarge(Buffer.byteLength(text));
  }
  const idProblem = templateIdProblem(id);
  if (idProblem === undefined) return undefined;
  return {
    line: 1,
    column: 1,
    code: "invalid_id",
    message: `the file name ${idProblem}`,
    hint: "rename the file, e.g. attendance-checkin.md",
  };
}

/** Binary data (a NUL byte) or bytes that were not UTF-8, at the first of them. */
function notTextProblem(text: string): Omit<TemplateProblem, "file"> | undefined {
  const nul = text.indexOf("\0");
  const broken = text.indexOf("\uFFFD");
  if (nul === -1 && broken === -1) return undefined;
  const binary = nul !== -1 && (broken === -1 || nul < broken);
  return {
    ...positionOf(text, binary ? nul : broken),
    code: "not_text",
    message: binary
      ? "the file holds binary data (a NUL byte here), not text"
      : "the file is not valid UTF-8 text here",
    hint: binary ? "a template is a text file saved as UTF-8" : "save the template as UTF-8",
  };
}

export function tooLarge(bytes: number): Omit<TemplateProblem, "file"> {
  return {
    line: 1,
    column: 1,
    code: "too_large",
    message: `the file is ${bytes.toLocaleString("en-GB")} bytes: a template may be at most ${MAX_TEMPLATE_BYTES.toLocaleString("en-GB")}`,
    hint: "a message to a student is a few sentences",
  };
}

function bodyLengthProblems(body: string, at: number): Found[] {
  if (body === "") {
    return [{ at, length: 0, code: "empty", message: "the template has no text" }];
  }
  if (body.length <= MAX_TEMPLATE_CHARS) return [];
  return [
    {
      at,
      length: 0,
      code: "too_long",
      message: `the text is ${body.length.toLocaleString("en-GB")} characters: a template may have at most ${MAX_TEMPLATE_CHARS.toLocaleString("en-GB")}`,
      hint: "a message to a student is a few sentences",
    },
  ];
}

/** "attendance-checkin" → "Attendance checkin", for a template without a title. */
function titleOf(id: string): string {
  const words = id.replace(/-/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

interface FrontMatter {
  title?: string;
  /** Where the text after the front matter starts (0 when there is none). */
  bodyStart: number;
  found: Found<"front_matter">[];
}

const FENCE = /^---[ \t]*\r?$/;
const FRONT_LINE = /^([A-Za-z_][\w-]*)[ \t]*:[ \t]*(.*?)[ \t]*\r?$/;

/** `---`, `title: …` lines, `---`: the front matter, when the file starts with one. */
function readFrontMatter(text: string): FrontMatter {
  const firstEnd = lineEnd(text, 0);
  if (!FENCE.test(text.slice(0, firstEnd))) return { bodyStart: 0, found: [] };
  const front: FrontMatter = { bodyStart: 0, found: [] };
  for (let at = firstEnd + 1; at < text.length; at = lineEnd(text, at) + 1) {
    const line = text.slice(at, lineEnd(text, at));
    if (FENCE.test(line)) {
      front.bodyStart = Math.min(text.length, lineEnd(text, at) + 1);
      return front;
    }
    readFrontLine(line, at, front);
  }
  front.found.push({
    at: 0,
    length: 3,
    code: "front_matter",
    message: "the front matter that starts here is not closed with a line ---",
    hint: "end the title lines with a line holding only ---",
  });
  front.bodyStart = text.length;
  return front;
}

function lineEnd(text: string, from: number): number {
  const end = text.indexOf("\n", from);
  return end === -1 ? text.length : end;
}

function readFrontLine(line: string, at: number, front: FrontMatter): void {
  if (line.trim() === "" || line.trimStart().startsWith("#")) return;
  const match = FRONT_LINE.exec(line);
  const problem = (message: string, hint: string): void => {
    front.found.push({ at, length: line.length, code: "front_matter", message, hint });
  };
  if (match === null) {
    problem("this front matter line is not key: value", "write title: Attendance check-in");
    return;
  }
  const [, key, raw] = match;
  if (key !== "title") {
    problem(`unknown front matter key "${key}": a template takes title: only`, "remove it");
    return;
  }
  const title = raw.replace(/^(["'])(.*)\1$/, "$2").trim();
  if (front.title !== undefined) problem("title is given twice", "keep one title line");
  else if (title === "") problem("title is empty", "write title: Attendance check-in");
  else if (title.length > MAX_TITLE_CHARS)
    problem(`the title is longer than ${MAX_TITLE_CHARS} characters`, "shorten it");
  else front.title = title;
}
