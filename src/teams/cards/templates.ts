/**
 * The card templates in `cards/` (adaptivecards-templating JSON), read once and expanded
 * against a data model the renderers build. Templates bind only to that model, so what a
 * card can show is exactly what a renderer put in it. Every string of the model is made
 * inert first (see `inert.ts`): nothing a person wrote is read as a binding or a function.
 */
import { readFileSync } from "node:fs";
import { Template } from "adaptivecards-templating";
import type { AdaptiveCard } from "./attachment.ts";
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

/** The template's JSON as written in `cards/`. */
export function templateJson(name: TemplateName): AdaptiveCard {
  return JSON.parse(readFileSync(new URL(`${name}.json`, CARDS_DIR), "utf8")) as AdaptiveCard;
}

/** Expands template `name` with `data` as `$root`; the result shares nothing with `data`. */
export function expandTemplate(name: TemplateName, data: object): AdaptiveCard {
  let template = loaded.get(name);
  if (template === undefined) {
    template = new Template(templateJson(name));
    loaded.set(name, template);
  }
  // Round-trip so that objects bound whole (a form spliced into a ShowCard) are copies.
  return JSON.parse(JSON.stringify(template.expand({ $root: inertDeep(data) }))) as AdaptiveCard;
}
