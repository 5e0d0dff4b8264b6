/**
 * Special-category data is never a trigger (rules/README.md). A rule that names
 * such a field — as a metric, a key, a grouping, a source or kind, or a `field:` test —
 * is refused at load with the principle, not with a generic "unknown" error, so the
 * engagement lead learns why rather than hunting for the right spelling.
 *
 * The refusal must not be spelled around: names are compared after removing invisible
 * characters and accents, mapping look-alike letters and leetspeak to Latin, and
 * splitting camelCase and separators, both word by word and with every separator removed.
 * The word lists are in special-category-words.ts.
 */

import { own } from "./own.ts";
import {
  AFFIXES,
  ANYWHERE,
  CONFUSABLES,
  LEET,
  ONLY_WHOLE,
  type SpecialCategoryField,
  WHOLE_WORD,
} from "./special-category-words.ts";

export type { SpecialCategoryField } from "./special-category-words.ts";

/** Characters that render as nothing: a zero-width space inside `health` must not hide it. */
const INVISIBLE = /[\p{M}\p{Cf}\u115F\u1160\u3164\uFFA0\u2800]/gu;
const AFFIX_SET: ReadonlySet<string> = new Set(AFFIXES);
/** Affixes long enough to peel off a name written without separators (`hasehcp`). */
const JOINED_AFFIXES = AFFIXES.filter((a) => a.length > 1);
/** Beyond this many ambiguous leet characters (`1` is i or l), only uniform readings are tried. */
const MAX_LEET_CHOICES = 6;
const MAX_LEET_LENGTH = 64;

/** NFKC, then accents and invisible characters dropped and look-alike letters mapped. */
function clean(name: string): string {
  const bare = name.normalize("NFKC").normalize("NFD").replace(INVISIBLE, "");
  let out = "";
  for (const ch of bare) out += own(CONFUSABLES, ch) ?? ch;
  return out;
}

/**
 * Whether each character, read as a letter, should be upper case: as the nearest letter
 * before it, else after it (`S3N` is `SEN`, so the camelCase split keeps it whole).
 * Two passes, not a search from each character: a name can be long.
 */
function upperAround(chars: readonly string[]): boolean[] {
  const caseOf = (ch: string) =>
    /^[A-Z]$/.test(ch) ? true : /^[a-z]$/.test(ch) ? false : undefined;
  const before: (boolean | undefined)[] = [];
  let last: boolean | undefined;
  for (const ch of chars) {
    before.push(last);
    last = caseOf(ch) ?? last;
  }
  const out: boolean[] = new Array(chars.length);
  let next: boolean | undefined;
  for (let i = chars.length - 1; i >= 0; i--) {
    out[i] = before[i] ?? next ?? false;
    next = caseOf(chars[i] as string) ?? next;
  }
  return out;
}

/** The readings of `s` with leet characters as letters; empty when it has none. */
function leetReadings(s: string): string[] {
  const chars = [...s];
  if (!chars.some((ch) => own(LEET, ch) !== undefined)) return [];
  const upper = upperAround(chars);
  const choices = chars.map((ch, i) => {
    const readings = own(LEET, ch);
    if (readings === undefined) return [ch];
    return readings.map((r) => (upper[i] ? r.toUpperCase() : r));
  });
  const ambiguous = choices.filter((c) => c.length > 1).length;
  if (ambiguous <= MAX_LEET_CHOICES && chars.length <= MAX_LEET_LENGTH) {
    let out = [""];
    for (const c of choices) out = out.flatMap((prefix) => c.map((r) => prefix + r));
    return out;
  }
  const widest = choices.reduce((most, c) => Math.max(most, c.length), 1);
  return Array.from({ length: widest }, (_, n) =>
    choices.map((c) => c[Math.min(n, c.length - 1)]).join(""),
  );
}

/**
 * The words of `s`, split at separators, letter/digit boundaries and camelCase. An
 * upper-case run before lower case splits two ways (`IEP|Flag`, `SEND|status`), so both.
 */
function wordings(s: string): string[][] {
  const apart = s
    .replace(/([A-Za-z])(?=[0-9])|([0-9])(?=[A-Za-z])/g, "$1$2_")
    .replace(/([a-z])(?=[A-Z])/g, "$1_");
  // Fixed-width patterns: `[A-Z]+` before a lookahead backtracks quadratically on a long
  // upper-case run, and names come from files anyone can write.
  const a = apart.replace(/([A-Z])(?=[A-Z][a-z])/g, "$1_");
  const b = apart.replace(/([A-Z][A-Z])(?=[a-z])/g, "$1_");
  const split = (x: string) =>
    x
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean);
  return a === b ? [split(a)] : [split(a), split(b)];
}

function singular(word: string): string {
  if (word.length > 4 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && /(ss|x|ch|sh|us)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith("s") && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

/** A whole word, or its singular (`ieps`), in `WHOLE_WORD` or `ONLY_WHOLE`. */
function wholeWord(word: string): SpecialCategoryField | undefined {
  return own(ONLY_WHOLE, word) ?? own(WHOLE_WORD, word) ?? own(WHOLE_WORD, singular(word));
}

/** Longer than any whole word, even in the plural. */
const LONGEST_WHOLE =
  Math.max(...[...Object.keys(WHOLE_WORD), ...Object.keys(ONLY_WHOLE)].map((w) => w.length)) + 2;

/**
 * A whole word left once affixes are peeled off either end of a name written without
 * separators (`issenyn` → `sen`). Marks where a run of affixes can end from the left and
 * start from the right, then tries what lies between: linear, however many affixes.
 */
function peeledWord(joined: string): SpecialCategoryField | undefined {
  const n = joined.length;
  const fromLeft = new Uint8Array(n + 1);
  const fromRight = new Uint8Array(n + 1);
  fromLeft[0] = 1;
  fromRight[n] = 1;
  for (let i = 0; i < n; i++) {
    if (fromLeft[i] !== 1) continue;
    for (const affix of JOINED_AFFIXES)
      if (joined.startsWith(affix, i)) fromLeft[i + affix.length] = 1;
  }
  for (let j = n; j > 0; j--) {
    if (fromRight[j] !== 1) continue;
    for (const affix of JOINED_AFFIXES) {
      if (j >= affix.length && joined.startsWith(affix, j - affix.length))
        fromRight[j - affix.length] = 1;
    }
  }
  for (let i = 0; i < n; i++) {
    if (fromLeft[i] !== 1) continue;
    for (let j = i + 1; j <= Math.min(n, i + LONGEST_WHOLE); j++) {
      if (fromRight[j] !== 1 || (i === 0 && j === n)) continue;
      const field = wholeWord(joined.slice(i, j));
      if (field !== undefined) return field;
    }
  }
  return undefined;
}

function matchWords(words: readonly string[]): SpecialCategoryField | undefined {
  const joined = words.join("");
  if (joined === "") return undefined;
  const core = words.filter((w) => !AFFIX_SET.has(w)).join("");
  for (const whole of [core, singular(core), joined]) {
    const field = own(ONLY_WHOLE, whole) ?? own(WHOLE_WORD, whole);
    if (field !== undefined) return field;
  }
  for (const word of words) {
    const field = own(WHOLE_WORD, word) ?? own(WHOLE_WORD, singular(word));
    if (field !== undefined) return field;
  }
  for (const [stem, field] of Object.entries(ANYWHERE)) {
    if (joined.includes(stem)) return field;
  }
  return peeledWord(joined);
}

function find(name: string): SpecialCategoryField | undefined {
  const base = clean(name);
  for (const reading of [base, ...leetReadings(base)]) {
    for (const words of wordings(reading)) {
      const field = matchWords(words);
      if (field !== undefined) return field;
    }
  }
  return undefined;
}

const cache = new Map<string, SpecialCategoryField | null>();

/** The special-category field that `name` refers to, however it is spelt, or undefined. */
export function specialCategoryField(name: string): SpecialCategoryField | undefined {
  const known = cache.get(name);
  if (known !== undefined) return known ?? undefined;
  const field = find(name);
  // Names come from files people write: few and repeated, but a hostile file must not
  // grow the cache without end.
  if (cache.size > 10_000) cache.clear();
  cache.set(name, field ?? null);
  return field;
}

/** `genderIdentity`, `Gender-Identity`, `gender\u200Bidentity` alike become `gender_identity`. */
export function normaliseName(name: string): string {
  return (wordings(clean(name))[0] ?? []).join("_");
}

/** `name` with the characters a reader cannot see written as `\u` escapes (four hex digits), and cut if long. */
export function visible(name: string): string {
  const shown = name.replace(
    /[\p{Cf}\p{Cc}\p{Mn}\p{Me}\u115F\u1160\u3164\uFFA0\u2800]|[^\S ]/gu,
    (ch) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`,
  );
  return shown.length > 80 ? `${shown.slice(0, 80)}…` : shown;
}

const PRINCIPLE = "may be loaded only for aggregate equality monitoring and never triggers a case";

/**
 * The refusal: names what was written (hidden characters shown), where (`rules[0].when.all[1].source`),
 * the category it was read as, and the principle. `owner` is `rule "x"` or `policy`.
 */
export function specialCategoryMessage(
  owner: string,
  written: string,
  field: SpecialCategoryField,
  path?: string,
): string {
  const at = path === undefined || path === "" ? "" : ` at ${path}`;
  const category = field.replaceAll("_", " ");
  return `${owner} uses "${visible(written)}"${at}: that is special-category data (${category}), which ${PRINCIPLE}`;
}

export const SPECIAL_CATEGORY_HINT =
  'remove it from the rule; see "Special-category data" in rules/README.md';
