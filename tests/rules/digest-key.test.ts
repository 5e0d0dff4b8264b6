/**
 * The `digest:` setting of a policy: when its weekly digest is posted, as a cron expression
 * in the policy's time zone. Monday 08:00 when not written, absent when `off`, and a bad
 * expression reported at its line and column with a hint, as `schedule:` is.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_DIGEST, formatProblem, type Policy } from "../../src/rules/index.ts";
import { loadPolicyText, type PolicyLoadResult } from "../../src/rules/loader.ts";
import { HEADER, yaml } from "./policy-text.ts";

const RULES = ["rules:", "  - { id: a, severity: low, when: { metric: tardies, at_least: 3 } }"];

/** A policy with `lines` after the header (at line 7 on). */
const load = (...lines: string[]): PolicyLoadResult =>
  loadPolicyText(yaml(...HEADER, ...lines, ...RULES), "d.yaml");

function policyOf(result: PolicyLoadResult): Policy {
  if (!result.ok) throw new Error(result.errors.map((e) => formatProblem(e)).join("\n"));
  return result.policy;
}

const errors = (result: PolicyLoadResult): string[] =>
  result.ok ? [] : result.errors.map((e) => formatProblem(e));

describe("digest", () => {
  it("absent: Monday 08:00 in the policy's time zone", () => {
    expect(DEFAULT_DIGEST).toBe("0 8 * * 1");
    expect(policyOf(load()).digest).toBe("0 8 * * 1");
  });

  it("a cron expression of five fields, or six with seconds first", () => {
    expect(policyOf(load('  digest: "30 7 * * 5"')).digest).toBe("30 7 * * 5");
    expect(policyOf(load('  digest: "0 0 9 * * mon"')).digest).toBe("0 0 9 * * mon");
  });

  it("off (or false): no digest, and the key is absent", () => {
    for (const off of ["off", "OFF", "false", '"off"']) {
      const policy = policyOf(load(`  digest: ${off}`));
      expect(policy.digest, off).toBeUndefined();
      expect(Object.hasOwn(policy, "digest"), off).toBe(false);
    }
  });

  it("a bad expression is reported at its line and column, with a hint", () => {
    const result = load('  digest: "0 25 * * 1"');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.line, e.column, e.code])).toEqual([[7, 11, "invalid_cron"]]);
    expect(errors(result)).toEqual([
      'd.yaml:7:11 digest "0 25 * * 1" is not a valid cron expression: the hour field "25" must be 0–23 (e.g. "0 8 * * 1" posts it at 08:00 on Mondays; digest: off for none)',
    ]);
  });

  it("words that are not a schedule, and a value that is not text, are refused", () => {
    const words = errors(load("  digest: every monday"));
    expect(words).toHaveLength(1);
    expect(words[0]).toMatch(/^d\.yaml:7:11 digest "every monday" is not a valid cron expression/);
    const list = load("  digest: [0, 8]");
    expect(list.ok).toBe(false);
    if (!list.ok) expect(list.errors[0]).toMatchObject({ line: 7, column: 11 });
  });

  it("is a key of policy:, not of the file or of a rule", () => {
    const top = loadPolicyText(yaml(...HEADER, ...RULES, 'digest: "0 8 * * 1"'), "d.yaml");
    expect(errors(top)).toEqual([
      expect.stringMatching(/^d\.yaml:9:1 .*digest.*\(digest belongs under policy:\)$/),
    ]);
  });
});
