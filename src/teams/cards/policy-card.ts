/**
 * A policy as a card (`@Reach policy`): who it covers, when it runs, its window and access;
 * each rule as a sentence with its severity (or "Watch", or "Off" when disabled) and last
 * week's figures; when no case is opened; what happens after a case (cool-down,
 * escalation, quiet hours, the digest). Built from the app's `PolicyView`, which holds
 * words and counts only: the card names no student.
 *
 * A policy may have up to 500 rules; the card shows them in the policy's order while it
 * stays under {@link POLICY_CARD_BUDGET} bytes (and at most {@link POLICY_CARD_RULES}),
 * and counts the rest in a line.
 */
import { type EditableRule, MAX_REASON_LENGTH, type PolicyView } from "../../app/index.ts";
import { SEVERITIES } from "../../rules/index.ts";
import type { AdaptiveCard } from "./attachment.ts";
import { formatRange } from "./digest-card.ts";
import { shorten } from "./format.ts";
import { choicesOf, SEVERITY_LABELS } from "./labels.ts";
import { type NoticeTone, noticeStyle } from "./notice-card.ts";
import { expandTemplate } from "./templates.ts";

/** Teams' limit is about 28 KB; the card keeps clear of it. */
export const POLICY_CARD_BUDGET = 27 * 1024;
/** Rules shown at most; the rest are counted in a line. */
export const POLICY_CARD_RULES = 40;
/** Text from the policy file (names, descriptions) is cut to this many characters. */
const TEXT_LENGTH = 300;

const SEVERITY_COLORS: Readonly<Record<string, string>> = {
  high: "attention",
  medium: "warning",
  low: "default",
};

/**
 * The policy card. With `view.editable`, each rule has a "Change…" form (its first metric
 * test's threshold, runs in a row, severity, watch only, on) and the card a "Change the
 * window…" form, each with a reason and a Preview button (`policy_preview`). The card is the
 * same for everyone: who may change the policy is checked when Preview is pressed.
 */
export function renderPolicyCard(
  view: PolicyView,
  notice?: { tone: NoticeTone; text: string },
): AdaptiveCard {
  let shown = Math.min(view.policy.rules.length, POLICY_CARD_RULES);
  for (;;) {
    const card = expandTemplate("policy", {
      ...policyModel(view, shown),
      hasNotice: notice !== undefined,
      noticeStyle: notice === undefined ? "default" : noticeStyle(notice.tone),
      noticeText: notice?.text ?? "",
    });
    if (shown === 0 || Buffer.byteLength(JSON.stringify(card)) <= POLICY_CARD_BUDGET) return card;
    shown = Math.floor(shown * 0.75);
  }
}

function policyModel(view: PolicyView, shown: number): object {
  const { policy, week } = view;
  const counts = new Map(week.rules.map((r) => [r.ruleId, r]));
  const range = formatRange(week.week.from, week.week.to);
  const hidden = policy.rules.length - shown;
  const editable = new Map((view.editable?.rules ?? []).map((r, index) => [r.id, { r, index }]));
  return {
    fallbackText: `Policy ${policy.id} — ${shorten(policy.name, 120)}`,
    policyId: policy.id,
    title: shorten(policy.name, TEXT_LENGTH),
    subtitle: `Policy ${policy.id}, in plain words`,
    about: [
      { title: "Covers", value: shorten(capitalise(policy.covers), 1000) },
      { title: "Runs", value: policy.runs },
      { title: "Window", value: `${capitalise(policy.window)}: older data never opens a case` },
      { title: "Who acts", value: capitalise(policy.access) },
      { title: "Absent", value: capitalise(policy.absent) },
      { title: "Data", value: capitalise(policy.dataAge) },
    ],
    rules: policy.rules.slice(0, shown).map((rule) => {
      const row = counts.get(rule.id);
      const badge = !rule.enabled
        ? "Off"
        : rule.action === "watch"
          ? "Watch"
          : SEVERITY_LABELS[rule.severity];
      return {
        name: shorten(rule.name, TEXT_LENGTH),
        badge,
        badgeColor:
          !rule.enabled || rule.action === "watch" ? "default" : SEVERITY_COLORS[rule.severity],
        sentence: shorten(rule.sentence, 1000),
        hasDescription: rule.description !== undefined && rule.description.trim() !== "",
        description: shorten(rule.description ?? "", TEXT_LENGTH),
        counts: countsWords(rule.action, row),
        ruleId: `Rule ${rule.id}`,
        ...formOf(policy.id, editable.get(rule.id)),
      };
    }),
    hasMoreRules: hidden > 0,
    moreRules: `…and ${hidden} more ${hidden === 1 ? "rule" : "rules"}, not shown here: see the policy file (${policy.id}).`,
    suppressions: policy.suppressions.map((line) => ({ line: capitalise(line) })),
    settings: [
      { title: "Several signals", value: capitalise(policy.severityInhibition) },
      { title: "Cool-down", value: capitalise(policy.cooldown) },
      { title: "Escalation", value: capitalise(policy.escalation) },
      { title: "Quiet hours", value: capitalise(policy.quietHours) },
      { title: "Weekly digest", value: capitalise(policy.digest) },
    ],
    hasWindowForm: view.editable !== undefined,
    windowForm:
      view.editable === undefined
        ? {}
        : expandTemplate("forms/policy-window", {
            policyId: policy.id,
            windowDays: view.editable.windowDays,
            maxReasonLength: MAX_REASON_LENGTH,
          }),
    footer: `Last week is ${range}. Flagged: students a rule newly flagged on their case; for a watch rule, students watched on the week's last run. Counts only: no student is named.`,
  };
}

const SEVERITY_CHOICES = choicesOf(SEVERITIES, SEVERITY_LABELS);

/** A rule's "Change…" form; its inputs are named `r<index>_…`, unique on the card. */
function formOf(
  policyId: string,
  editable: { r: EditableRule; index: number } | undefined,
): { hasForm: boolean; form: object } {
  if (editable === undefined) return { hasForm: false, form: {} };
  const { r, index } = editable;
  const form = `r${index}`;
  return {
    hasForm: true,
    form: expandTemplate("forms/policy-rule", {
      policyId,
      ruleId: r.id,
      form,
      prefix: `${form}_`,
      hasThreshold: r.test !== undefined,
      thresholdLabel:
        r.test === undefined
          ? ""
          : `Threshold: ${r.test.metric.replaceAll("_", " ")} ${r.test.op.replaceAll("_", " ")}`,
      threshold: r.test?.threshold ?? 0,
      forRuns: r.forRuns,
      severity: r.severity,
      severities: SEVERITY_CHOICES,
      watch: String(r.watch),
      on: String(r.enabled),
      maxReasonLength: MAX_REASON_LENGTH,
    }),
  };
}

type Row = PolicyView["week"]["rules"][number] | undefined;

function countsWords(action: "case" | "watch", row: Row): string {
  if (action === "watch") {
    return row?.flagged === null || row?.flagged === undefined
      ? "Last week: no run counted it."
      : `Last week: ${row.flagged} watched on the last run · never opens a case.`;
  }
  const flagged = row?.flagged ?? 0;
  const opened = row?.opened ?? 0;
  const dismissed = row?.dismissed ?? 0;
  return `Last week: ${flagged} flagged · ${opened} ${opened === 1 ? "case" : "cases"} opened · ${dismissed} dismissed`;
}

function capitalise(text: string): string {
  return text.length === 0 ? text : text[0].toUpperCase() + text.slice(1);
}
