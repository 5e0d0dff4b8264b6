/**
 * The placeholders a template may use, and the checks of braces: in a template every
 * `{` opens a known placeholder that is closed on the same line; in a message ready to
 * send no `{…}` may be left.
 */
import { nearestName } from "./edit-distance.ts";
import type { Found } from "./text-position.ts";

export const PLACEHOLDERS = ["first_name", "adviser_name", "fact", "school"] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** The values a template is filled with. */
export type PlaceholderValues = Readonly<Record<Placeholder, string>>;

/** What each placeholder stands for, in the words of a hint. */
export const PLACEHOLDER_MEANINGS: Readonly<Record<Placeholder, string>> = {
  first_name: "the student's preferred first name",
  adviser_name: "the adviser's name",
  fact: "what happened, as a plain fact",
  school: "the school's name",
};

const LISTED = PLACEHOLDERS.map((p) => `{${p}}`).join(", ");

/** Names people write for a placeholder, folded (lower case, `_` between words). */
const ALIASES: Readonly<Record<string, Placeholder>> = {
  name: "first_name",
  firstname: "first_name",
  student: "first_name",
  student_name: "first_name",
  preferred_name: "first_name",
  adviser: "adviser_name",
  advisor: "adviser_name",
  advisername: "adviser_name",
  tutor: "adviser_name",
  tutor_name: "adviser_name",
  school_name: "school",
  reason: "fact",
};

const isPlaceholder = (name: string): name is Placeholder =>
  (PLACEHOLDERS as readonly string[]).includes(name);

const fold = (name: string): string =>
  name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");

/** The placeholder someone probably meant by `name`, if any. */
export function placeholderMeant(name: string): Placeholder | undefined {
  const folded = fold(name);
  if (isPlaceholder(folded)) return folded;
  if (Object.hasOwn(ALIASES, folded)) return ALIASES[folded];
  return nearestName(folded, PLACEHOLDERS, 2) as Placeholder | undefined;
}

const shown = (name: string): string => (name.length > 40 ? `${name.slice(0, 40)}…` : name);

/** Unknown placeholders, unclosed `{` and stray `}` in a template's text. */
export function findBraceProblems(text: string): Found[] {
  const found: Found[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "}") {
      found.push({
        at: i,
        length: 1,
        code: "stray_brace",
        message: '"}" has no "{" before it',
        hint: `braces are only written around a placeholder: ${LISTED}`,
      });
    }
    if (c !== "{") {
      i++;
      continue;
    }
    const end = closingBrace(text, i);
    if (end === undefined) {
      found.push(unclosed(i));
      i++;
      continue;
    }
    const name = text.slice(i + 1, end);
    if (!isPlaceholder(name)) found.push(unknownPlaceholder(i, end - i + 1, name));
    i = end + 1;
  }
  return found;
}

/** The `}` that closes the `{` at `open`, on the same line and before another `{`. */
function closingBrace(text: string, open: number): number | undefined {
  for (let j = open + 1; j < text.length; j++) {
    const c = text[j];
    if (c === "}") return j;
    if (c === "{" || c === "\n" || c === "\r") return undefined;
  }
  return undefined;
}

function unclosed(at: number): Found {
  return {
    at,
    length: 1,
    code: "unclosed_brace",
    message: '"{" is not closed: a placeholder is written like {first_name}, on one line',
    hint: 'close it with "}", or remove the "{"',
  };
}

function unknownPlaceholder(at: number, length: number, name: string): Found {
  const meant = placeholderMeant(name);
  return {
    at,
    length,
    code: "unknown_placeholder",
    message: `unknown placeholder {${shown(name)}}: a template may use ${LISTED}`,
    hint:
      meant === undefined ? "use one of these, or remove the braces" : `did you mean {${meant}}?`,
  };
}

const LEFT_IN = /\{[^{}\r\n]{0,60}\}/g;

/** Placeholders (or anything in braces) left in a message that is ready to send. */
export function findPlaceholdersLeftIn(text: string): Found[] {
  return [...text.matchAll(LEFT_IN)].map((m) => {
    const meant = placeholderMeant(m[0].slice(1, -1));
    return {
      at: m.index,
      length: m[0].length,
      code: "placeholder_left_in",
      message: `a placeholder ${shown(m[0])} was left in: the student would see it as written`,
      hint:
        meant === undefined
          ? "replace it with the words it stands for"
          : `replace it with ${PLACEHOLDER_MEANINGS[meant]}`,
    };
  });
}
