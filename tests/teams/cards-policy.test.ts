/**
 * The policy card (`cards/policy.json`, `renderPolicyCard`): a valid Adaptive Card 1.5
 * under Teams' size limit, whatever the policy — 500 rules, long names, text that looks like
 * a template binding — with each rule's sentence, badge and last week's figures.
 */
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import draft6 from "ajv/dist/refs/json-schema-draft-06.json" with { type: "json" };
import { describe, expect, it } from "vitest";
import type { PolicyView } from "../../src/app/index.ts";
import { loadPolicyFile } from "../../src/rules/loader.ts";
import type { Policy } from "../../src/rules/policy.ts";
import { describePolicy, summariseRuleWeek } from "../../src/run/index.ts";
import {
  type AdaptiveCard,
  POLICY_CARD_BUDGET,
  POLICY_CARD_RULES,
  renderPolicyCard,
} from "../../src/teams/cards/index.ts";

const SCHEMA_FILE = new URL("../fixtures/adaptive-card-1.5.schema.json", import.meta.url);
const { id: schemaId, ...schemaBody } = JSON.parse(readFileSync(SCHEMA_FILE, "utf8"));
const ajv = new Ajv({
  strict: false,
  allErrors: true,
  logger: false,
  formats: { uri: true, "uri-reference": true },
});
ajv.addMetaSchema(draft6);
const validateSchema = ajv.compile({ $id: schemaId, ...schemaBody });

function expectSendable(card: AdaptiveCard): string {
  if (!validateSchema(card))
    expect.fail(ajv.errorsText(validateSchema.errors, { separator: "\n" }));
  const json = JSON.stringify(card);
  expect(json).not.toContain("$when");
  expect(json).not.toContain('"$data"');
  expect(Buffer.byteLength(json)).toBeLessThanOrEqual(POLICY_CARD_BUDGET);
  return json;
}

async function northfield(): Promise<Policy> {
  const loaded = await loadPolicyFile("samples/teams-demo/northfield-policy.yaml");
  if (!loaded.ok) throw new Error("northfield did not load");
  return loaded.policy;
}

function viewOf(policy: Policy): PolicyView {
  return {
    policy: describePolicy(policy, { schoolName: (id) => (id === "sch1" ? "Northfield" : id) }),
    week: summariseRuleWeek({ policy, date: 20_000, cases: [], runs: [] }),
  };
}

/** Texts of the card's TextBlocks and facts, in order. */
function textsOf(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(textsOf);
  if (node === null || typeof node !== "object") return [];
  const element = node as Record<string, unknown>;
  const own = [element.text, element.value].filter((t): t is string => typeof t === "string");
  return [...own, ...Object.values(element).flatMap(textsOf)];
}

describe("the policy card", () => {
  it("shows each rule with its badge, sentence and figures, and the settings", async () => {
    const policy = await northfield();
    const view = viewOf(policy);
    view.week.rules[0] = { ruleId: "chronic-absence", flagged: 4, opened: 1, dismissed: 2 };
    const card = renderPolicyCard(view);
    expectSendable(card);
    const texts = textsOf(card.body);
    for (const rule of view.policy.rules) expect(texts).toContain(rule.sentence);
    expect(texts).toContain("Last week: 4 flagged · 1 case opened · 2 dismissed");
    expect(texts).toContain("Last week: 0 flagged · 0 cases opened · 0 dismissed");
    expect(texts).toContain("Last week: no run counted it.");
    expect(texts).toEqual(expect.arrayContaining(["High", "Medium", "Watch"]));
    expect(texts).toContain("Students of Northfield (sch1)");
    expect(texts).toContain("• No case in a student's first 10 school days of enrolment");
    expect(card.fallbackText).toBe(
      "Policy northfield — Northfield (sch1) — attendance and engagement",
    );
  });

  it("marks a disabled rule Off", async () => {
    const policy = await northfield();
    const off = {
      ...policy,
      rules: policy.rules.map((r, i) => (i === 1 ? { ...r, enabled: false } : r)),
    };
    const texts = textsOf(renderPolicyCard(viewOf(off)).body);
    expect(texts).toContain("Off");
    expect(texts.some((t) => t.endsWith("(disabled: Reach does not check it)"))).toBe(true);
  });

  it("stays under the budget with 500 long rules, counting those it leaves out", async () => {
    const policy = await northfield();
    const base = policy.rules[0];
    const rules = Array.from({ length: 500 }, (_, i) => ({
      ...base,
      id: `rule-${i}`,
      name: `${"A very long rule name ".repeat(40)}${i}`,
      description: `${"$"}{student.name} {{DATE(2027-01-01)}} `.repeat(50),
    }));
    const card = renderPolicyCard(viewOf({ ...policy, rules }));
    const json = expectSendable(card);
    const shown = textsOf(card.body).filter((t) => t.startsWith("Rule rule-")).length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThanOrEqual(POLICY_CARD_RULES);
    expect(textsOf(card.body)).toContain(
      `…and ${500 - shown} more rules, not shown here: see the policy file (northfield).`,
    );
    // Text from the file is shown, never bound: `${` and `{{` are broken up.
    expect(json).not.toContain("${student");
    expect(json).not.toContain("{{DATE");
  });
});
