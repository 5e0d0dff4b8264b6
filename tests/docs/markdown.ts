/**
 * Just enough Markdown for the documentation tests: fenced code blocks, links outside
 * code, headings and their GitHub anchors, and the shell commands of a code block split
 * into words the way a POSIX shell would.
 */

export interface Fence {
  /** The info string's first word, lower-cased: `sh`, `yaml`, `text`, or "". */
  lang: string;
  /** Line number (1-based) of the first line inside the fence. */
  line: number;
  lines: string[];
  /** The paragraph just before the fence (its lines joined by spaces). */
  before: string;
}

export interface Link {
  target: string;
  line: number;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)/;

/** The fenced code blocks, and the text with every fence's lines blanked out. */
export function splitFences(text: string): { fences: Fence[]; prose: string } {
  const lines = text.split("\n");
  const fences: Fence[] = [];
  const prose: string[] = [];
  let open: { marker: string; fence: Fence } | undefined;
  for (const [i, line] of lines.entries()) {
    if (open) {
      const close = new RegExp(`^ {0,3}${open.marker[0]}{${open.marker.length},}\\s*$`);
      if (close.test(line)) open = undefined;
      else open.fence.lines.push(line);
      prose.push("");
      continue;
    }
    const m = FENCE_OPEN.exec(line);
    if (m) {
      const fence: Fence = {
        lang: m[2].toLowerCase(),
        line: i + 2,
        lines: [],
        before: paragraphBefore(lines, i),
      };
      fences.push(fence);
      open = { marker: m[1], fence };
      prose.push("");
      continue;
    }
    prose.push(line);
  }
  return { fences, prose: prose.join("\n") };
}

function paragraphBefore(lines: string[], index: number): string {
  const out: string[] = [];
  for (let i = index - 1; i >= 0; i--) {
    if (lines[i].trim() === "") {
      if (out.length > 0) break;
      continue;
    }
    out.unshift(lines[i].trim());
  }
  return out.join(" ");
}

/** Inline code spans replaced by spaces (line breaks kept, so line numbers stay right). */
export function withoutCodeSpans(prose: string): string {
  return prose.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (span) => span.replace(/[^\n]/g, " "));
}

/** The contents of the inline code spans of `prose`. */
export function codeSpans(prose: string): string[] {
  return [...prose.matchAll(/(`+)([\s\S]*?[^`])\1(?!`)/g)].map((m) => m[2].replace(/\s+/g, " "));
}

const INLINE_LINK =
  /!?\[(?:[^[\]]|\[[^[\]]*\])*\]\(\s*(<[^>\n]*>|[^\s()]+(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g;
const REFERENCE_DEFINITION = /^ {0,3}\[[^\]]+\]:\s*(<[^>\n]*>|\S+)/gm;
const AUTOLINK = /<((?:https?|mailto):[^\s<>]+)>/g;
const BARE_URL = /\bhttps?:\/\/[^\s<>()[\]`*]+[^\s<>()[\]`*.,:;!?'"]/g;

/** Every link target outside code: inline links and images, definitions, URLs. */
export function linksOf(text: string): Link[] {
  const prose = withoutCodeSpans(splitFences(text).prose);
  const lineOf = (index: number) => prose.slice(0, index).split("\n").length;
  const links: Link[] = [];
  const taken: [number, number][] = [];
  const add = (target: string, index: number, length: number) => {
    links.push({ target: target.replace(/^<|>$/g, ""), line: lineOf(index) });
    taken.push([index, index + length]);
  };
  for (const m of prose.matchAll(INLINE_LINK)) add(m[1], m.index, m[0].length);
  for (const m of prose.matchAll(REFERENCE_DEFINITION)) add(m[1], m.index, m[0].length);
  for (const m of prose.matchAll(AUTOLINK)) add(m[1], m.index, m[0].length);
  for (const m of prose.matchAll(BARE_URL)) {
    if (taken.some(([from, to]) => m.index >= from && m.index < to)) continue;
    add(m[0], m.index, m[0].length);
  }
  return links;
}

/**
 * The anchors GitHub gives a file's headings: the heading's text as rendered, lower-cased,
 * with everything but letters, digits, `_`, `-` and spaces dropped and spaces turned into
 * hyphens; a repeated anchor gets `-1`, `-2`… Explicit `id`/`name` attributes count too.
 */
export function anchorsOf(text: string): Set<string> {
  const { prose } = splitFences(text);
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of prose.split("\n")) {
    const m = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (m) {
      const base = slug(renderedText(m[1]));
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const a of line.matchAll(/<a\s[^>]*\b(?:id|name)="([^"]+)"/g)) anchors.add(a[1]);
  }
  return anchors;
}

function renderedText(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .replace(/`/g, "")
    .replace(/(\*\*|__)(.+?)\1/g, "$2")
    .replace(/(^|\W)[*_](.+?)[*_](?=\W|$)/g, "$1$2");
}

export function slug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replace(/ /g, "-");
}

/** A shell word, or an operator (`|`, `>`, `&&`, `2>`…). */
export type ShellToken = { word: string } | { op: string };

/**
 * Splits one command line (continuations already joined, comment already removed) as a
 * POSIX shell would split it into words: quotes and backslashes, and the operators.
 * Returns undefined for what it does not read (an unterminated quote, `$(…)`, backquotes).
 */
export function shellWords(command: string): ShellToken[] | undefined {
  const tokens: ShellToken[] = [];
  let word: string | undefined;
  const end = () => {
    if (word !== undefined) tokens.push({ word });
    word = undefined;
  };
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === " " || c === "\t") {
      end();
    } else if (c === "'") {
      const close = command.indexOf("'", i + 1);
      if (close < 0) return undefined;
      word = (word ?? "") + command.slice(i + 1, close);
      i = close;
    } else if (c === '"') {
      let j = i + 1;
      let text = "";
      for (; j < command.length && command[j] !== '"'; j++) {
        if (command[j] === "$" || command[j] === "`") return undefined;
        if (command[j] === "\\" && '"\\$`'.includes(command[j + 1] ?? "")) j++;
        text += command[j];
      }
      if (j >= command.length) return undefined;
      word = (word ?? "") + text;
      i = j;
    } else if (c === "\\") {
      word = (word ?? "") + (command[i + 1] ?? "");
      i++;
    } else if (c === "$" || c === "`") {
      return undefined;
    } else if ("|&;<>()".includes(c)) {
      const op = /^(?:\d?>>|\d?>&\d|\d?>|<<|<|\|\||\||&&|&|;|\(|\))/.exec(command.slice(i))?.[0];
      if (c === ">" && word !== undefined && /^\d$/.test(word)) {
        word = undefined;
        tokens.push({ op: `${command[i - 1]}${op}` });
      } else {
        end();
        tokens.push({ op: op ?? c });
      }
      i += (op ?? c).length - 1;
    } else {
      word = (word ?? "") + c;
    }
  }
  end();
  return tokens;
}

export interface Command {
  /** The command as written, continuations joined, without its comment. */
  text: string;
  /** The comment at the end of its line, if any. */
  comment: string;
  /** Line number (1-based) in the Markdown file. */
  line: number;
}

/**
 * The commands of a shell code block: `\` continuations joined, comments taken off, blank
 * lines skipped; in a `console` block only the lines after a `$ ` prompt.
 */
export function commandsOf(fence: Fence): Command[] {
  const commands: Command[] = [];
  let current: Command | undefined;
  for (const [i, raw] of fence.lines.entries()) {
    let line = raw;
    if (current === undefined && fence.lang === "console") {
      const m = /^\s*\$\s+(.*)$/.exec(line);
      if (!m) continue;
      line = m[1];
    }
    const { code, comment } = splitComment(line);
    if (current === undefined) {
      if (code.trim() === "") continue;
      current = { text: "", comment: "", line: fence.line + i };
    }
    const continued = /\\\s*$/.test(code) && comment === "";
    current.text += ` ${continued ? code.replace(/\\\s*$/, "") : code}`;
    if (comment !== "") current.comment = comment;
    if (!continued) {
      current.text = current.text.trim().replace(/\s+/g, " ");
      commands.push(current);
      current = undefined;
    }
  }
  if (current) commands.push({ ...current, text: current.text.trim() });
  return commands;
}

/** A `#` that starts a word, outside quotes, starts a comment. */
function splitComment(line: string): { code: string; comment: string } {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === "\\") {
      i++;
    } else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]))) {
      return { code: line.slice(0, i).trimEnd(), comment: line.slice(i + 1).trim() };
    }
  }
  return { code: line, comment: "" };
}
