/**
 * The card templates in `cards/` (adaptivecards-templating JSON), read once and expanded
 * against a data model the renderers build. Templates bind only to that model, so what a
 * card can show is exactly what a renderer put in it. Every string of the model is made
 * inert first (see `inert.ts`): nothing a person wrote is read as a binding or a function.
 *
 * Each template is compiled once (`compiled-template.ts`) into functions that give what the
 * library's expansion gives, byte for byte; a template the compiler does not know is
 * expanded by the library (`expandTemplateWithLibrary`, which the tests compare with).
 */
import { readFileSync } from "node:fs";
import { Template } from "adaptivecards-templating";
import type { AdaptiveCard } from "./attachment.ts";
import { type CompiledTemplate, compileTemplate, NEEDS_LIBRARY } from "./compiled-template.ts";
import { inertDeep } from "./inert.ts";

export const TEMPLATE_NAMES = [
  "case-card",
  "case-list",
  "notice",
  "propose-form",
  "student-message",
  "student-thanks",
  "my-data",
  "digest",
  "policy",
  "policy-preview",
  "policy-history",
  "forms/dismiss",
  "forms/snooze",
  "forms/contact",
  "forms/note",
  "forms/resolve",
  "forms/escalate",
  "forms/decide-escalation",
  "forms/policy-rule",
  "forms/policy-window",
] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

const CARDS_DIR = new URL("../../../cards/", import.meta.url);

const loaded = new Map<TemplateName, Template>();
const compiled = new Map<TemplateName, CompiledTemplate | null>();

/** The template's JSON as written in `cards/`. */
export function templateJson(name: TemplateName): AdaptiveCard {
  return JSON.parse(readFileSync(new URL(`${name}.json`, CARDS_DIR), "utf8")) as AdaptiveCard;
}

/** Expands template `name` with `data` as `$root`; the result shares nothing with `data`. */
export function expandTemplate(name: TemplateName, data: object): AdaptiveCard {
  let template = compiled.get(name);
  if (template === undefined) {
    template = compileTemplate(templateJson(name)) ?? null;
    compiled.set(name, template);
  }
  if (template === null) return expandTemplateWithLibrary(name, data);
  try {
    return template(data) as AdaptiveCard;
  } catch (error) {
    if (error === NEEDS_LIBRARY) return expandTemplateWithLibrary(name, data);
    throw error;
  }
}

/** Whether template `name` is expanded by its compiled form (else by the library). */
export function isCompiled(name: TemplateName): boolean {
  if (!compiled.has(name)) compiled.set(name, compileTemplate(templateJson(name)) ?? null);
  return compiled.get(name) !== null;
}

/** The straightforward expansion, by adaptivecards-templating itself. */
export function expandTemplateWithLibrary(name: TemplateName, data: object): AdaptiveCard {
  let template = loaded.get(name);
  if (template === undefined) {
    template = new Template(templateJson(name));
    loaded.set(name, template);
  }
  // Round-trip so that objects bound whole (a form spliced into a ShowCard) are copies.
  return JSON.parse(JSON.stringify(template.expand({ $root: inertDeep(data) }))) as AdaptiveCard;
}
