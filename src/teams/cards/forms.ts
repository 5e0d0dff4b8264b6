/**
 * The action forms: one small card per command that needs input, each with inputs named
 * exactly as the command's fields and one `Action.Execute` whose verb is the command type
 * and whose data names the case and the version the form was shown on. On a case card
 * they open from an `Action.ShowCard`; a chat may send one on its own.
 */
import type { CaseCommandType } from "../../cases/index.ts";
import {
  CONTACT_CHANNELS,
  CONTACT_OUTCOMES,
  DISMISS_REASONS,
  deepFreeze,
  ESCALATION_DECISIONS,
  MAX_TEXT_LENGTH,
  NOTE_VISIBILITIES,
  RESOLVE_OUTCOMES,
} from "../../cases/index.ts";
import type { AdaptiveCard } from "./attachment.ts";
import {
  CONTACT_CHANNEL_LABELS,
  CONTACT_OUTCOME_LABELS,
  choicesOf,
  DISMISS_REASON_LABELS,
  ESCALATION_DECISION_LABELS,
  NOTE_VISIBILITY_LABELS,
  RESOLVE_OUTCOME_LABELS,
} from "./labels.ts";
import { expandTemplate, type TemplateName } from "./templates.ts";

/** What every case action carries back: the case, and the version the card showed. */
export interface CaseActionData {
  caseId: string;
  policyId: string;
  version: number;
}

export const FORM_KINDS = [
  "dismiss",
  "snooze",
  "contact",
  "note",
  "resolve",
  "escalate",
  "decideEscalation",
] as const;
export type FormKind = (typeof FORM_KINDS)[number];

/** The command each form submits, which is its `Action.Execute` verb. */
export const FORM_VERBS: Readonly<Record<FormKind, CaseCommandType>> = {
  dismiss: "dismiss",
  snooze: "snooze",
  contact: "log_contact",
  note: "add_note",
  resolve: "resolve",
  escalate: "propose_escalation",
  decideEscalation: "decide_escalation",
};

const TEMPLATES: Readonly<Record<FormKind, TemplateName>> = {
  dismiss: "forms/dismiss",
  snooze: "forms/snooze",
  contact: "forms/contact",
  note: "forms/note",
  resolve: "forms/resolve",
  escalate: "forms/escalate",
  decideEscalation: "forms/decide-escalation",
};

const CHOICES = {
  reasons: choicesOf(DISMISS_REASONS, DISMISS_REASON_LABELS),
  channels: choicesOf(CONTACT_CHANNELS, CONTACT_CHANNEL_LABELS),
  visibilities: choicesOf(NOTE_VISIBILITIES, NOTE_VISIBILITY_LABELS),
  decisions: choicesOf(ESCALATION_DECISIONS, ESCALATION_DECISION_LABELS),
};

/** The form for `kind`, for the case and version in `action`. */
export function renderForm(kind: FormKind, action: CaseActionData): AdaptiveCard {
  const outcomes =
    kind === "contact"
      ? choicesOf(CONTACT_OUTCOMES, CONTACT_OUTCOME_LABELS)
      : choicesOf(RESOLVE_OUTCOMES, RESOLVE_OUTCOME_LABELS);
  return expandTemplate(TEMPLATES[kind], {
    caseId: action.caseId,
    policyId: action.policyId,
    version: action.version,
    maxTextLength: MAX_TEXT_LENGTH,
    ...CHOICES,
    outcomes,
  });
}

/** How many cases' forms are kept: a card is rendered for the clicker and for the channel. */
const KEPT_FORMS = 256;
const keptForms = new Map<string, Readonly<Record<FormKind, AdaptiveCard>>>();

/**
 * Every form for one case and version, keyed as the case card template binds them. They
 * depend on nothing else, so the last few cases' are kept (frozen: shared by every card
 * that shows them, and copied into each).
 */
export function renderForms(action: CaseActionData): Readonly<Record<FormKind, AdaptiveCard>> {
  const key = JSON.stringify([action.caseId, action.policyId, action.version]);
  let forms = keptForms.get(key);
  if (forms === undefined) {
    forms = deepFreeze(
      Object.fromEntries(FORM_KINDS.map((kind) => [kind, renderForm(kind, action)])) as Record<
        FormKind,
        AdaptiveCard
      >,
    );
    if (keptForms.size >= KEPT_FORMS) {
      const oldest = keptForms.keys().next();
      if (!oldest.done) keptForms.delete(oldest.value);
    }
    keptForms.set(key, forms);
  }
  return forms;
}
