/**
 * Text from people (an adviser's message, a student's reply, a note) shown on a card as
 * written, and nothing more. Two kinds of syntax in a card's strings are not shown as
 * written: `${…}` is a binding for whatever expands the card as a template, and `{{DATE(…)}}`
 * / `{{TIME(…)}}` are functions Teams evaluates in text. An invisible word joiner (U+2060)
 * between `$` and `{`, and between two `{`, leaves the text looking the same and makes
 * both inert. Markdown is the other surprise: texts people write go into `TextRun`s, which
 * Adaptive Cards never read as Markdown, so a link or `**bold**` shows as typed.
 */

const JOINER = "\u2060";

/** The text with every `${` and `{{` broken by an invisible word joiner. */
export function inert(text: string): string {
  // Both patterns need a `{`: most text has none and is returned as it is.
  if (!text.includes("{")) return text;
  return text.replace(/\$(?=\{)/g, `$&${JOINER}`).replace(/\{(?=\{)/g, `$&${JOINER}`);
}

/** A copy of `value` with `inert` applied to every string in it, keys excepted. */
export function inertDeep<T>(value: T): T {
  if (typeof value === "string") return inert(value) as T;
  if (Array.isArray(value)) return value.map((v) => inertDeep(v)) as T;
  if (value === null || typeof value !== "object") return value;
  const source = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    setOwn(copy, key, inertDeep(source[key]));
  }
  return copy as T;
}

/**
 * `target[key] = value`, except that an own "__proto__" key stays a key (as
 * Object.fromEntries makes it), not a prototype.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}
