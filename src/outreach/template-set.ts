/**
 * The templates of a folder as loaded, and what is wrong with a rule's `outreach:` id
 * against them: no such template, a template that has problems, or no template id at all
 * (`../x` is refused by its name; ids are looked up, never turned into paths).
 */
import { nearestName } from "./edit-distance.ts";
import type { TemplateProblem } from "./problems.ts";
import { type Template, templateIdProblem } from "./template.ts";

export interface TemplateSet {
  /** The folder, as given. */
  dir: string;
  /** The usable templates by id. */
  templates: ReadonlyMap<string, Template>;
  /** Every problem of the folder and its files; a file with one is not in `templates`. */
  problems: TemplateProblem[];
  /** The ids of template files that have problems. */
  refused: ReadonlySet<string>;
}

export interface OutreachIdProblem {
  code: "unknown_template" | "unusable_template";
  message: string;
  hint: string;
}

/** Why `id` names no usable template of `set`, or undefined when it does. */
export function outreachIdProblem(set: TemplateSet, id: string): OutreachIdProblem | undefined {
  if (set.templates.has(id)) return undefined;
  const notAnId = templateIdProblem(id);
  if (notAnId !== undefined) {
    return {
      code: "unknown_template",
      message: `outreach ${notAnId}`,
      hint: `an outreach id names a template file in ${set.dir}, without .md`,
    };
  }
  if (set.refused.has(id)) {
    return {
      code: "unusable_template",
      message: `outreach template "${id}" has problems (listed with its file) and cannot be used`,
      hint: "fix the template, then check again",
    };
  }
  const near = nearestName(id, [...set.templates.keys()], Math.max(2, Math.floor(id.length / 4)));
  return {
    code: "unknown_template",
    message: `outreach template "${id}" is not in ${set.dir}`,
    hint:
      near === undefined
        ? `add ${id}.md to ${set.dir}, or name one of its templates`
        : `did you mean ${near}?`,
  };
}
