/**
 * Issue 8, item 6: the special-category refusal cannot be spelled around. Every spelling
 * here goes through the loader's public function as a real policy file, and the refusal
 * must name the category, the path to the name and its line.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatProblem,
  loadPolicyFile,
  loadPolicyText,
  type PolicyLoadResult,
  type PolicyProblem,
} from "../../src/rules/loader.ts";
import { HEADER as POLICY_HEADER, yaml } from "./policy-text.ts";
import { ALLOWED, HOSTILE, SEN } from "./special-category-names.ts";

const HEADER = [...POLICY_HEADER, "rules:", "  - id: a", "    severity: low", "    when:"];

/** A YAML double-quoted scalar; invisible characters as escapes, so the file shows them. */
const quoted = (s: string): string =>
  JSON.stringify(s).replace(
    /[\p{Cf}\p{Mn}]/gu,
    (ch) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`,
  );

const SOURCE_PREFIX = "        - { metric: activity_count, source: ";
/** The rule's second test uses `name` as its source, on line 13. */
const withSource = (name: string): string =>
  yaml(
    ...HEADER,
    "      all:",
    "        - { metric: attendance_rate, below: 0.9 }",
    `${SOURCE_PREFIX}${quoted(name)}, below: 1 }`,
  );
const SOURCE_PATH = "rules[0].when.all[1].source";

function errorsOf(result: PolicyLoadResult): PolicyProblem[] {
  if (result.ok) throw new Error("expected errors, the policy loaded");
  return result.errors;
}

function expectRefused(result: PolicyLoadResult, category: string, path: string, line: number) {
  const errors = errorsOf(result);
  const refusals = errors.filter((e) => e.code === "special_category");
  expect(refusals, errors.map((e) => formatProblem(e)).join("\n")).toHaveLength(1);
  const [refusal] = refusals as [PolicyProblem];
  expect(refusal.line).toBe(line);
  expect(refusal.message).toContain(`(${category})`);
  expect(refusal.message).toContain(` at ${path}: `);
  expect(refusal.message).toContain("never triggers a case");
  expect(refusal.hint).toContain("Special-category data");
}

describe("special-category names cannot be spelled around", () => {
  it("has enough cases", () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(60);
    expect(ALLOWED.length).toBeGreaterThanOrEqual(20);
  });

  it.each(HOSTILE)("refuses source: %j as %s", (name, category) => {
    expectRefused(loadPolicyText(withSource(name), "f.yaml"), category, SOURCE_PATH, 13);
    const refusal = errorsOf(loadPolicyText(withSource(name), "f.yaml"))[0] as PolicyProblem;
    expect(refusal.column).toBe(SOURCE_PREFIX.length + 1);
  });

  it.each(ALLOWED)("allows source: %s", (name) => {
    const result = loadPolicyText(withSource(name), "f.yaml");
    if (!result.ok) throw new Error(result.errors.map((e) => formatProblem(e)).join("\n"));
  });

  it("shows a hidden character in the message", () => {
    const [refusal] = errorsOf(loadPolicyText(withSource("hea\u200Blth"), "f.yaml"));
    expect(refusal?.message).toContain('uses "hea\\u200blth"');
  });

  it("refuses a zero-width space written straight into a plain value", () => {
    const text = yaml(
      ...HEADER,
      "      { metric: activity_count, source: hea\u200Blth, below: 1 }",
    );
    expectRefused(loadPolicyText(text, "f.yaml"), "health", "rules[0].when.source", 11);
  });

  it("refuses a number written as a source", () => {
    const text = yaml(...HEADER, "      { metric: activity_count, source: 504, below: 1 }");
    expectRefused(loadPolicyText(text, "f.yaml"), "disability", "rules[0].when.source", 11);
  });

  it.each<[string, string, string, string]>([
    ["a key", "{ hasEHCP: true }", SEN, "rules[0].when.hasEHCP"],
    ["a field test", "{ field: IEPFlag, equals: 1 }", SEN, "rules[0].when.field"],
    ["a metric", '{ metric: "m3ntal_h3alth", equals: 1 }', "health", "rules[0].when.metric"],
    [
      "a kind",
      "{ metric: activity_count, kind: plan504, below: 1 }",
      "disability",
      "rules[0].when.kind",
    ],
    [
      "a cohort_by",
      '{ metric: activity_vs_cohort, cohort_by: "Relіgion", below: 0.2 }',
      "religion",
      "rules[0].when.cohort_by",
    ],
    [
      "a value in a list",
      "{ metric: absences, absent_statuses: [unexcused_absence, medical_absence], above: 1 }",
      "medical",
      "rules[0].when.absent_statuses[1]",
    ],
    ["a comparator's value", "{ metric: tardies, equals: sen_flag }", SEN, "rules[0].when.equals"],
    ["a key nested in not", "{ not: { has_send: true } }", SEN, "rules[0].when.not.has_send"],
  ])("refuses %s with its path", (_what, condition, category, path) => {
    const text = yaml(...HEADER.slice(0, -1), `    when: ${condition}`);
    expectRefused(loadPolicyText(text, "f.yaml"), category, path, 10);
  });

  it("refuses a key outside the rules with its path", () => {
    const text = yaml(
      ...HEADER.slice(0, 6),
      "  IEP_flag: true",
      ...HEADER.slice(6),
      "      { metric: tardies, above: 1 }",
    );
    expectRefused(loadPolicyText(text, "f.yaml"), SEN, "policy.IEP_flag", 7);
  });

  it("refuses a name reached through an alias, where the alias is used", () => {
    const text = yaml(
      ...HEADER.slice(0, 2),
      "  name: &n Health",
      ...HEADER.slice(3),
      "      { metric: activity_count, source: *n, below: 1 }",
    );
    expectRefused(loadPolicyText(text, "f.yaml"), "health", "rules[0].when.source", 11);
  });

  it("leaves free text outside conditions alone", () => {
    const text = yaml(
      ...HEADER.slice(0, 9),
      "    description: Ask about their health and whether an EHCP review is due",
      '    outreach: "Check in on wellbeing, medical appointments and faith holidays"',
      "    when: { metric: attendance_rate, below: 0.9 }",
    );
    const result = loadPolicyText(text, "f.yaml");
    if (!result.ok) throw new Error(result.errors.map((e) => formatProblem(e)).join("\n"));
  });

  // Deeper than the YAML nesting limit (limits.ts), a file is refused before it is read.
  it.each([17, 40, 58])(
    "names a field nested %i levels deep, and the too-deep condition",
    (depth) => {
      const lines = [...HEADER];
      for (let level = 0; level < depth; level++) lines.push(`${"  ".repeat(level + 3)}not:`);
      lines.push(`${"  ".repeat(depth + 3)}{ metric: activity_count, source: iep_flag, below: 1 }`);
      const result = loadPolicyText(yaml(...lines), "f.yaml");
      const path = `rules[0].when${".not".repeat(depth)}.source`;
      expectRefused(result, SEN, path, HEADER.length + depth + 1);
      const tooDeep = errorsOf(result).find((e) => e.code === "too_deep");
      expect(tooDeep?.message).toContain(`rules[0].when${".not".repeat(17)}`);
      expect(tooDeep?.hint).toBeDefined();
    },
  );

  it("gives every problem a hint", () => {
    for (const [name] of HOSTILE) {
      for (const error of errorsOf(loadPolicyText(withSource(name), "f.yaml"))) {
        expect(error.hint, formatProblem(error)).toBeDefined();
      }
    }
  });

  it("loads every policy Reach ships", async () => {
    for (const file of [
      "rules/k12-attendance.yaml",
      "rules/university-engagement.yaml",
      "samples/demo-policy.yaml",
      "samples/teams-demo/northfield-policy.yaml",
      "tests/fixtures/policies/oea-below-90.yaml",
    ]) {
      const result = await loadPolicyFile(file);
      if (!result.ok) throw new Error(result.errors.map((e) => formatProblem(e)).join("\n"));
    }
  });
});

describe("property: disguising a refused word does not get it through", () => {
  const BASES: [string, string][] = [
    ["disability", "disability"],
    ["ethnicity", "ethnicity"],
    ["religion", "religion"],
    ["health", "health"],
    ["medical", "medical"],
    ["pregnancy", "pregnancy"],
    ["maternity", "pregnancy"],
    ["biometric", "biometric"],
    ["genetic", "genetic"],
    ["sexuality", "sexuality"],
    ["transgender", "gender identity"],
    ["political", "political opinion"],
    ["ehcp", SEN],
    ["iep", SEN],
    ["sen", SEN],
    ["send", SEN],
    ["race", "race"],
    ["faith", "religion"],
  ];
  const INSERTS = [
    "\u200B",
    "\u200C",
    "\u200D",
    "\u200E",
    "\u2060",
    "\u2063",
    "\uFEFF",
    "\u00AD",
    "\u0301",
    "-",
    "_",
    ".",
    " ",
    "/",
    ":",
    "--",
    "_-_",
    " . ",
  ];
  const disguised = fc
    .constantFrom(...BASES)
    .chain(([word, category]) =>
      fc.record({
        word: fc.constant(word),
        category: fc.constant(category),
        upper: fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }),
        inserts: fc.array(fc.option(fc.constantFrom(...INSERTS), { nil: "" }), {
          minLength: word.length + 1,
          maxLength: word.length + 1,
        }),
      }),
    )
    .map(({ word, category, upper, inserts }) => {
      let spelled = inserts[0] ?? "";
      [...word].forEach((ch, i) => {
        spelled += (upper[i] ? ch.toUpperCase() : ch) + (inserts[i + 1] ?? "");
      });
      return { spelled, category };
    });

  it("with zero-width characters, random case and separators inserted", () => {
    fc.assert(
      fc.property(disguised, ({ spelled, category }) => {
        expectRefused(loadPolicyText(withSource(spelled), "f.yaml"), category, SOURCE_PATH, 13);
      }),
      { numRuns: 400 },
    );
  });
});
