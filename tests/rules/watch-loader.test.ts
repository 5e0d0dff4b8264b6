/**
 * The `action` key of a rule: `case` (the default) or `watch`, anything else refused at its
 * line and column; a policy whose enabled rules are all watch rules is warned about.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatProblem, loadPolicyFile, loadPolicyText } from "../../src/rules/loader.ts";

const HEAD = `policy:
  id: w
  name: Watch test
  schools: [sch]
  timezone: Europe/London
  schedule: "0 7 * * 1-5"
rules:
`;

const LOW = `  - id: low
    severity: medium
    when: { metric: attendance_rate, below: 0.9 }
`;

function load(rules: string) {
  return loadPolicyText(HEAD + rules, "w.yaml");
}

function errorsOf(rules: string): string[] {
  const loaded = load(rules);
  if (loaded.ok) throw new Error("expected the policy to be refused");
  return loaded.errors.map((e) => formatProblem(e));
}

describe("a rule's action", () => {
  it("is case when absent, and case or watch as written", () => {
    const loaded = load(`${LOW}  - id: quiet
    severity: low
    action: watch
    when: { metric: days_since_activity, at_least: 5 }
  - id: explicit
    severity: high
    action: case
    when: { metric: consecutive_absences, at_least: 3 }
`);
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => formatProblem(e)).join("\n"));
    expect(loaded.policy.rules.map((r) => [r.id, r.action])).toEqual([
      ["low", "case"],
      ["quiet", "watch"],
      ["explicit", "case"],
    ]);
    expect(loaded.warnings).toEqual([]);
  });

  it("refuses any other value at its line and column, with a suggestion when one is near", () => {
    // Line 8 is the first rule's first line; `action:` is its third key (line 10), the
    // value starts at column 13.
    expect(
      errorsOf(`  - id: a
    severity: low
    action: alert
    when: { metric: attendance_rate, below: 0.9 }
`),
    ).toEqual([
      'w.yaml:10:13 action must be one of case, watch, got "alert" (see rules/README.md for the values this key takes)',
    ]);
    expect(
      errorsOf(`  - id: a
    severity: low
    action: wach
    when: { metric: attendance_rate, below: 0.9 }
`),
    ).toEqual(['w.yaml:10:13 action must be one of case, watch, got "wach" (did you mean watch?)']);
  });

  it("refuses a value that is not a word, and a misspelt key", () => {
    expect(
      errorsOf(`  - id: a
    severity: low
    action: [watch]
    when: { metric: attendance_rate, below: 0.9 }
`),
    ).toEqual([
      "w.yaml:10:13 action must be one of case, watch, got a list (see rules/README.md for what this key takes)",
    ]);
    expect(
      errorsOf(`  - id: a
    severity: low
    actoin: watch
    when: { metric: attendance_rate, below: 0.9 }
`),
    ).toEqual(['w.yaml:10:5 unknown key "actoin" in rule "a" (did you mean action?)']);
  });

  it("every error of a file is reported, the action's among them", () => {
    expect(
      errorsOf(`  - id: a
    severity: loww
    action: never
    when: { metric: attendance_rate, below: 0.9 }
`),
    ).toEqual([
      'w.yaml:9:15 severity must be one of low, medium, high, got "loww" (did you mean low?)',
      'w.yaml:10:13 action must be one of case, watch, got "never" (see rules/README.md for the values this key takes)',
    ]);
  });

  it("warns when every enabled rule is a watch rule: the policy never opens a case", () => {
    const loaded = load(`  - id: quiet
    severity: low
    action: watch
    when: { metric: days_since_activity, at_least: 5 }
  - id: off
    severity: high
    enabled: false
    when: { metric: attendance_rate, below: 0.9 }
`);
    if (!loaded.ok) throw new Error("expected the policy to load");
    expect(loaded.warnings.map((w) => formatProblem(w, "warning"))).toEqual([
      "w.yaml:8:3 warning: every enabled rule is action: watch: this policy counts and shows signals but never opens a case (give the rules that should open a case action: case (the default))",
    ]);
  });

  it("the watch variant of the sample school's policy loads", async () => {
    const loaded = await loadPolicyFile(
      join(import.meta.dirname, "../fixtures/policies/demo-watch.yaml"),
    );
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => formatProblem(e)).join("\n"));
    expect(loaded.policy.rules.map((r) => `${r.id}:${r.action}`)).toEqual([
      "chronic-absence:case",
      "absent-in-a-row:case",
      "gone-quiet:watch",
      "disengaging:case",
    ]);
    expect(loaded.warnings).toEqual([]);
  });
});
