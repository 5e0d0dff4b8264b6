/**
 * The outreach module's public surface: the message templates a school edits (loaded and
 * checked), the checks of a message an adviser approves, filling a template in, the
 * `{fact}` of a case, and when a message may go (quiet hours).
 */
export {
  type FactCondition,
  type FactSignal,
  factFor,
  GENERAL_FACT,
  suggestedTemplateId,
} from "./fact.ts";
export {
  type FlaggedGroup,
  SANCTION_AND_DEFICIT_WORDS,
  SCORE_WORDS,
} from "./flagged-words.ts";
export { loadTemplates, MAX_TEMPLATES } from "./load-templates.ts";
export {
  PLACEHOLDER_MEANINGS,
  PLACEHOLDERS,
  type Placeholder,
  type PlaceholderValues,
} from "./placeholders.ts";
export {
  formatTemplateProblem,
  type TemplateProblem,
  type TemplateProblemCode,
  type TextProblem,
  type TextProblemCode,
} from "./problems.ts";
export { nextAllowedTime } from "./quiet-hours.ts";
export { renderTemplate } from "./render.ts";
export {
  checkTemplate,
  FALLBACK_TEMPLATE_ID,
  MAX_TEMPLATE_BYTES,
  MAX_TEMPLATE_CHARS,
  type Template,
  type TemplateCheck,
  templateIdProblem,
} from "./template.ts";
export { type OutreachIdProblem, outreachIdProblem, type TemplateSet } from "./template-set.ts";
export { checkMessageText, MAX_MESSAGE_CHARS } from "./text-check.ts";
