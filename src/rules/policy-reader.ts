/**
 * Reads the three top-level sections of a policy file — `policy`, `rules`, `escalation` —
 * into the `Policy` the evaluator uses: keys in camelCase, durations in school days or
 * runs, defaults filled in. Every problem is reported through the reader.
 */
import { isMap, isScalar, type Node } from "yaml";
import { readCondition } from "./condition-reader.ts";
import { MAX_RULES } from "./limits.ts";
import {
  type Escalation,
  type Policy,
  RULE_ACTIONS,
  type Rule,
  SEVERITIES,
  type TestPlace,
} from "./policy.ts";
import { ESCALATION_KEYS, misplacedHint, RULE_KEYS, TOP_KEYS } from "./policy-keys.ts";
import { MAX_DAYS, optional, readId, readSettings } from "./settings-reader.ts";
import { refuseSpecialCategoryNames } from "./special-category-scan.ts";
import type { Slot, YamlReader } from "./yaml-reader.ts";

export interface ReadPolicy {
  policy: Policy;
  /** Where the policy id is written, for errors across files. */
  idAt: Node | null;
}

/** The whole document. Returns a policy only when nothing was reported as an error. */
export function readPolicyDocument(r: YamlReader, root: Slot): ReadPolicy | undefined {
  // First, so each refusal carries the path to the name; the readers then skip it.
  if (root.node !== null) refuseSpecialCategoryNames(r, root.node);
  const top = r.entries(root, "the file", "policy");
  if (top === undefined) return undefined;
  r.checkKeys(top, "the file", TOP_KEYS, misplacedHint("the file"));
  r.requireKeys(top, ["policy", "rules"], "the file", root);
  const policyEntry = top.get("policy");
  const rulesEntry = top.get("rules");
  const escalationEntry = top.get("escalation");

  const { settings, windowDays } = policyEntry ? readSettings(r, policyEntry) : {};
  const rules = rulesEntry && readRules(r, rulesEntry, windowDays);
  const escalation = escalationEntry && readEscalation(r, escalationEntry);

  if (r.errors.length > 0 || !settings || !rules || (escalationEntry && !escalation))
    return undefined;
  const { idAt, ...fields } = settings;
  const policy: Policy = { ...fields, rules, file: r.file };
  if (escalation) policy.escalation = escalation;
  return { policy, idAt };
}

function readRules(
  r: YamlReader,
  slot: Slot,
  policyWindowDays: number | undefined,
): Rule[] | undefined {
  const items = r.list(slot, "rules", "rules: [ { id: …, severity: …, when: … } ]");
  if (items === undefined) return undefined;
  if (items.length === 0) {
    r.error(r.slot(slot).at, "invalid_value", "rules must list at least one rule");
    return undefined;
  }
  if (items.length > MAX_RULES) {
    r.error(
      items[MAX_RULES]?.at ?? r.slot(slot).at,
      "too_many_rules",
      `rules lists ${items.length} rules; this is rule ${MAX_RULES + 1}`,
      `a policy file may have at most ${MAX_RULES} rules — split the policy into several files`,
    );
    return undefined;
  }
  const before = r.errors.length;
  const seen = new Map<string, Node | null>();
  const rules: Rule[] = [];
  items.forEach((item, index) => {
    const rule = readRule(r, item, index, policyWindowDays, seen);
    if (rule) rules.push(rule);
  });
  if (r.errors.length > before) return undefined;
  if (rules.every((rule) => !rule.enabled)) {
    r.warn(
      r.slot(slot).at,
      "never_holds",
      "every rule is disabled: this policy never opens a case",
    );
  } else if (rules.every((rule) => !rule.enabled || rule.action === "watch")) {
    r.warn(
      r.slot(slot).at,
      "never_holds",
      "every enabled rule is action: watch: this policy counts and shows signals but never opens a case",
      "give the rules that should open a case action: case (the default)",
    );
  }
  return rules;
}

function readRule(
  r: YamlReader,
  slot: Slot,
  index: number,
  policyWindowDays: number | undefined,
  seen: Map<string, Node | null>,
): Rule | undefined {
  // The id first, so messages about the rest can name the rule.
  const peek = r.resolve(slot.node);
  const rawId = peek !== null && isMap(peek) ? peek.get("id") : undefined;
  const owner = typeof rawId === "string" ? `rule "${rawId}"` : `rule ${index + 1}`;
  const e = r.entries(slot, `rule ${index + 1}`, owner);
  if (e === undefined) return undefined;
  const before = r.errors.length;
  r.checkKeys(e, owner, RULE_KEYS, misplacedHint("a rule"));
  r.requireKeys(e, ["id", "severity", "when"], owner, slot);
  const idEntry = e.get("id");
  const id = idEntry && readId(r, idEntry, "rule id");
  if (id !== undefined && idEntry) {
    const first = seen.get(id);
    if (first !== undefined) {
      r.error(
        r.slot(idEntry).at,
        "duplicate_rule_id",
        `rule id "${id}" is used twice`,
        `first used at line ${r.position(first).line}; rule ids must be unique`,
      );
    } else {
      seen.set(id, r.slot(idEntry).at);
    }
  }
  const name = optional(e, "name", (s) => r.text(s, "name"));
  const description = optional(e, "description", (s) => r.text(s, "description"));
  const severityEntry = e.get("severity");
  const severity = severityEntry && r.oneOf(severityEntry, "severity", SEVERITIES);
  const action = optional(e, "action", (s) => r.oneOf(s, "action", RULE_ACTIONS));
  const whenEntry = e.get("when");
  const testPlaces: TestPlace[] = [];
  const when =
    whenEntry &&
    readCondition(
      { reader: r, owner, policyWindowDays, places: testPlaces },
      whenEntry,
      0,
      `rules[${index}].when`,
    );
  const forRuns = optional(e, "for", (s) => r.duration(s, "for", "runs", 1, MAX_DAYS));
  const cooldown = optional(e, "cooldown", (s) =>
    r.duration(s, "cooldown", "school days", 0, MAX_DAYS),
  );
  const outreach = optional(e, "outreach", (s) => r.text(s, "outreach"));
  const enabled = optional(e, "enabled", (s) => r.boolean(s, "enabled"));
  if (r.errors.length > before || !id || !severity || !when) return undefined;

  const rule: Rule = {
    id,
    name: name.value ?? id,
    severity,
    action: action.value ?? "case",
    when,
    forRuns: forRuns.value ?? 1,
    enabled: enabled.value ?? true,
    position: { file: r.file, ...r.position(r.slot(slot).at) },
    testPlaces,
  };
  if (description.value !== undefined) rule.description = description.value;
  if (cooldown.value !== undefined) rule.cooldownDays = cooldown.value;
  if (outreach.value !== undefined) rule.outreach = outreach.value;
  return rule;
}

function readEscalation(r: YamlReader, slot: Slot): Escalation | undefined {
  const e = r.entries(slot, "escalation", "policy");
  if (e === undefined) return undefined;
  const before = r.errors.length;
  r.checkKeys(e, "escalation", ESCALATION_KEYS, misplacedHint("escalation"));
  r.requireKeys(e, ["to"], "escalation", slot);
  const toEntry = e.get("to");
  const to = toEntry && r.text(toEntry, "to");
  const after = optional(e, "no_contact_after", (s) =>
    r.duration(s, "no_contact_after", "school days", 1, MAX_DAYS),
  );
  const attempts = optional(e, "unanswered_attempts", (s) =>
    r.integer(s, "unanswered_attempts", 1, 100),
  );
  const remind = optional(e, "remind_unconfirmed_after", (s) => readReminder(r, s));
  const triggers = ["no_contact_after", "unanswered_attempts"];
  if (!triggers.some((key) => e.has(key) || r.misspeltAs(e, key))) {
    r.error(
      r.slot(slot).at,
      "missing_key",
      "escalation needs no_contact_after or unanswered_attempts (or both): when to propose it",
    );
  }
  if (r.errors.length > before || !to) return undefined;
  const escalation: Escalation = { to };
  if (after.value !== undefined) escalation.noContactAfterDays = after.value;
  if (attempts.value !== undefined) escalation.unansweredAttempts = attempts.value;
  const remindAfter = remind.value === undefined ? DEFAULT_REMIND_UNCONFIRMED_DAYS : remind.value;
  if (remindAfter !== null) escalation.remindUnconfirmedAfterDays = remindAfter;
  return escalation;
}

/** School days a proposed case waits before its reminder, when the policy does not say. */
export const DEFAULT_REMIND_UNCONFIRMED_DAYS = 3;

/** `remind_unconfirmed_after:` — school days, or `off` (null: no reminder). */
function readReminder(r: YamlReader, slot: Slot): number | null | undefined {
  const { node } = r.slot(slot);
  if (node !== null && isScalar(node)) {
    const v = node.value;
    if (v === false || (typeof v === "string" && v.trim().toLowerCase() === "off")) return null;
  }
  return r.duration(slot, "remind_unconfirmed_after", "school days", 1, MAX_DAYS);
}
