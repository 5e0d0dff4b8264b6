/**
 * Fills a template's placeholders. Each value is put in as given (trimmed), once: a value
 * that holds braces is not read as a placeholder. A value that starts a sentence starts
 * with a capital letter, so `{fact}` may open a sentence or follow "because".
 */
import { PLACEHOLDERS, type Placeholder, type PlaceholderValues } from "./placeholders.ts";
import type { Template } from "./template.ts";

const PLACEHOLDER = new RegExp(`\\{(${PLACEHOLDERS.join("|")})\\}`, "g");

/** Where a sentence starts: the text's start, after . ! or ? (and a closing quote), a new line. */
const SENTENCE_START = /(?:^|[.!?]["'”’)]?\s+|\n[ \t]*)$/;

export function renderTemplate(template: Template, values: PlaceholderValues): string {
  return template.body.replace(PLACEHOLDER, (_match, name: Placeholder, offset: number) => {
    const value = values[name].trim();
    const before = template.body.slice(Math.max(0, offset - 12), offset);
    const starts = offset === 0 || SENTENCE_START.test(before);
    return starts ? value.charAt(0).toUpperCase() + value.slice(1) : value;
  });
}
