/**
 * The checks of what a student will read: no sanction or deficit language, no score or
 * threshold, no invisible or control characters. A template gets them (template.ts), and
 * so does the text an adviser approves after editing it (`checkMessageText`), which may
 * also not keep a placeholder.
 */
import { type FlaggedGroup, SANCTION_AND_DEFICIT_WORDS, SCORE_WORDS } from "./flagged-words.ts";
import { findPlaceholdersLeftIn } from "./placeholders.ts";
import type { TextProblem } from "./problems.ts";
import { type Found, toProblems } from "./text-position.ts";

/** The longest message Reach sends a student, in characters. */
export const MAX_MESSAGE_CHARS = 4000;

/** Letters, digits and `_` do not end a word; anything else (a hyphen, an apostrophe) does. */
const BEFORE_WORD = "(?<![\\p{L}\\p{N}_])";
const AFTER_WORD = "(?![\\p{L}\\p{N}_])";
/** Between the words of a term: spaces, hyphens and dashes, or nothing. */
const BETWEEN = "[\\s\\u00A0\\-\\u2010\\u2011\\u2012\\u2013]*";

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function termPattern(term: string): string {
  return term
    .split(/[\s-]+/)
    .map(escapeRegExp)
    .join(BETWEEN);
}

/** One alternation of whole words, longest first; with one capture group per group of terms. */
function wordsRegExp(groups: readonly (readonly string[])[]): RegExp {
  const alternatives = groups.map(
    (terms) =>
      `(${[...terms]
        .sort((a, b) => b.length - a.length)
        .map(termPattern)
        .join("|")})`,
  );
  return new RegExp(`${BEFORE_WORD}(?:${alternatives.join("|")})${AFTER_WORD}`, "giu");
}

const SANCTION = wordsRegExp(SANCTION_AND_DEFICIT_WORDS.map((g) => g.terms));
const SCORE = wordsRegExp([SCORE_WORDS]);

const shown = (s: string): string => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** Sanction and deficit language (flagged-words.ts). */
export function findSanctionLanguage(text: string): Found[] {
  return [...text.matchAll(SANCTION)].map((m) => {
    const group = groupOf(m);
    return {
      at: m.index,
      length: m[0].length,
      code: "sanction_language",
      message: `"${shown(m[0])}" reads as ${group.reads}: a message from Reach states facts and offers help`,
      hint: group.instead,
    };
  });
}

function groupOf(m: RegExpMatchArray): FlaggedGroup {
  const index = m.findIndex((part, i) => i > 0 && part !== undefined) - 1;
  return SANCTION_AND_DEFICIT_WORDS[index] ?? SANCTION_AND_DEFICIT_WORDS[0];
}

const SCORE_HINT =
  'say what happened in words, e.g. "you\'ve missed some school days"; write a time as 8:30 and a date in words';

/** A percentage, a decimal, "N out of M" or "N/M" (not a date such as 4/1/2027). */
const NUMBERS: readonly RegExp[] = [
  /(?<![\p{L}\p{N}.])\d+(?:[.,]\d+)?\s?(?:%|per\s?cent(?!\p{L})|percent(?!\p{L}))/giu,
  /(?<![\p{L}\p{N}])\d+\s+out\s+of\s+\d+(?!\p{N})/giu,
  /(?<![\p{N}/.])\d+\s*\/\s*\d+(?!\p{N}|\s*\/\s*\d)/gu,
  /(?<![\p{L}\p{N}.])\d*\.\d+(?!\p{N})/gu,
];

/** Scores and thresholds: numbers that read as a rate, and words about them. */
export function findScoresAndThresholds(text: string): Found[] {
  const found: Found[] = [];
  for (const pattern of NUMBERS) {
    for (const m of text.matchAll(pattern)) {
      found.push({
        at: m.index,
        length: m[0].length,
        code: "score_or_threshold",
        message: `"${shown(m[0])}" reads as a score or threshold: a message to a student states facts, never scores or thresholds`,
        hint: SCORE_HINT,
      });
    }
  }
  for (const m of text.matchAll(SCORE)) {
    found.push({
      at: m.index,
      length: m[0].length,
      code: "score_or_threshold",
      message: `"${shown(m[0])}" is about scores or thresholds: a message to a student states facts, never scores or thresholds`,
      hint: SCORE_HINT,
    });
  }
  return found;
}

/** Names of the characters people most often paste in without seeing them. */
const CHARACTER_NAMES: Readonly<Record<number, string>> = {
  0: "NUL",
  7: "bell",
  8: "backspace",
  27: "escape",
  127: "delete",
  173: "soft hyphen",
  8203: "zero width space",
  8204: "zero width non-joiner",
  8205: "zero width joiner",
  8206: "left-to-right mark",
  8207: "right-to-left mark",
  8238: "right-to-left override",
  8288: "word joiner",
  65279: "zero width no-break space",
  65533: "replacement character",
};

/** Invisible and control characters; tab, line feed and carriage return are text. */
function isForbidden(code: number): boolean {
  return (
    (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0xad ||
    code === 0x061c ||
    code === 0x180e ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2060 && code <= 0x2064) ||
    (code >= 0x2066 && code <= 0x2069) ||
    code === 0xfeff ||
    (code >= 0xfff9 && code <= 0xfffd) ||
    (code >= 0xd800 && code <= 0xdfff)
  );
}

const EMOJI_PART = /^(?:\p{Extended_Pictographic}|\u{FE0F}|[\u{1F3FB}-\u{1F3FF}])$/u;

/** A zero width joiner inside an emoji sequence (a family, a profession) is part of the emoji. */
function joinsEmoji(previous: string | undefined): boolean {
  return previous !== undefined && EMOJI_PART.test(previous);
}

export function describeCharacter(code: number): string {
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  const name = CHARACTER_NAMES[code];
  return name === undefined ? hex : `${hex} ${name}`;
}

/** Invisible and control characters, each at its place. */
export function findControlCharacters(text: string): Found[] {
  const found: Found[] = [];
  let offset = 0;
  let previous: string | undefined;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (isForbidden(code) && !(code === 0x200d && joinsEmoji(previous))) {
      found.push({
        at: offset,
        length: char.length,
        code: "control_character",
        message: `an invisible or control character (${describeCharacter(code)}) is in the text`,
        hint: "delete it: it often comes with text copied from elsewhere",
      });
    }
    previous = char;
    offset += char.length;
  }
  return found;
}

/** The checks a template's body and an approved message share. */
export function findLanguageProblems(text: string): Found[] {
  return [...findSanctionLanguage(text), ...findScoresAndThresholds(text)];
}

/**
 * The problems of a message an adviser is about to approve (filled in, perhaps edited),
 * each at its line and column in `text`: empty or too long, invisible or control
 * characters, sanction or deficit language, scores or thresholds, a placeholder left in.
 */
export function checkMessageText(text: string): TextProblem[] {
  if (text.length > MAX_MESSAGE_CHARS) {
    return [
      {
        line: 1,
        column: 1,
        code: "too_long",
        message: `the message is ${text.length.toLocaleString("en-GB")} characters: at most ${MAX_MESSAGE_CHARS.toLocaleString("en-GB")}`,
        hint: "a message to a student is a few sentences",
      },
    ];
  }
  if (text.trim() === "") {
    return [{ line: 1, column: 1, code: "empty", message: "the message is empty" }];
  }
  return toProblems(text, [
    ...findControlCharacters(text),
    ...findLanguageProblems(text),
    ...findPlaceholdersLeftIn(text),
  ]);
}
