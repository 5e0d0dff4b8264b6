/**
 * The `quiet_hours:` setting of a policy: its default, `off`, the mapping form, and every
 * wrong value reported at its line and column with a hint.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_QUIET_HOURS, formatProblem, type Policy } from "../../src/rules/index.ts";
import { loadPolicyFile, loadPolicyText, type PolicyLoadResult } from "../../src/rules/loader.ts";
import { HEADER, yaml } from "./policy-text.ts";

const RULES = ["rules:", "  - { id: a, severity: low, when: { metric: tardies, at_least: 3 } }"];

/** A policy with `lines` after the header (at line 7 on). */
const load = (...lines: string[]): PolicyLoadResult =>
  loadPolicyText(yaml(...HEADER, ...lines, ...RULES), "q.yaml");

function policyOf(result: PolicyLoadResult): Policy {
  if (!result.ok) throw new Error(result.errors.map((e) => formatProblem(e)).join("\n"));
  return result.policy;
}

const errors = (result: PolicyLoadResult): string[] =>
  result.ok ? [] : result.errors.map((e) => formatProblem(e));

describe("quiet_hours", () => {
  it("absent: 18:00 to 08:00 and weekends", () => {
    expect(policyOf(load()).quietHours).toEqual({
      fromMinute: 1080,
      toMinute: 480,
      weekends: true,
    });
    expect(DEFAULT_QUIET_HOURS).toEqual({ fromMinute: 1080, toMinute: 480, weekends: true });
  });

  it("each loaded policy has its own copy of the default", () => {
    const a = policyOf(load());
    const b = policyOf(load());
    expect(a.quietHours).not.toBe(b.quietHours);
    expect(Object.isFrozen(DEFAULT_QUIET_HOURS)).toBe(true);
  });

  it("off (or false): no quiet hours", () => {
    expect(policyOf(load("  quiet_hours: off")).quietHours).toBeNull();
    expect(policyOf(load("  quiet_hours: OFF")).quietHours).toBeNull();
    expect(policyOf(load("  quiet_hours: false")).quietHours).toBeNull();
  });

  it("in flow or block style; weekends defaults to true", () => {
    expect(
      policyOf(load('  quiet_hours: { from: "19:30", to: "07:05", weekends: false }')).quietHours,
    ).toEqual({ fromMinute: 19 * 60 + 30, toMinute: 7 * 60 + 5, weekends: false });
    expect(
      policyOf(load("  quiet_hours:", '    from: "12:00"', "    to: 13:00")).quietHours,
    ).toEqual({ fromMinute: 720, toMinute: 780, weekends: true });
    expect(policyOf(load('  quiet_hours: { from: "0:00", to: "6:00" }')).quietHours).toEqual({
      fromMinute: 0,
      toMinute: 360,
      weekends: true,
    });
  });

  it("bad times, keys and values, each at its place", () => {
    expect(
      errors(
        load(
          "  quiet_hours:",
          '    from: "24:00"',
          "    to: 8am",
          "    weekends: sometimes",
          "    form: x",
        ),
      ),
    ).toEqual([
      'q.yaml:8:11 quiet_hours from must be a time of day from 00:00 to 23:59, as HH:MM, got "24:00" (a 24-hour time in quotes, e.g. "18:00" for 6 pm)',
      'q.yaml:9:9 quiet_hours to must be a time of day from 00:00 to 23:59, as HH:MM, got "8am" (a 24-hour time in quotes, e.g. "18:00" for 6 pm)',
      'q.yaml:10:15 quiet_hours weekends must be true or false, got the text "sometimes" (see rules/README.md for what this key takes)',
      'q.yaml:11:5 unknown key "form" in quiet_hours (did you mean from?)',
    ]);
  });

  it("from and to missing, or the same", () => {
    expect(errors(load("  quiet_hours: { weekends: true }"))).toEqual([
      'q.yaml:7:16 quiet_hours is missing required keys "from", "to" (add it; rules/README.md lists the keys each section requires)',
    ]);
    expect(errors(load('  quiet_hours: { from: "18:00", to: "18:00" }'))).toEqual([
      "q.yaml:7:37 quiet_hours from and to are both 18:00: quiet hours need a start and a different end (to switch quiet hours off, write quiet_hours: off)",
    ]);
  });

  it("anything but a mapping or off", () => {
    for (const value of ["on", "true", "18:00-08:00", "[18:00, 08:00]", ""]) {
      const problems = errors(load(`  quiet_hours: ${value}`));
      expect(problems, value).toHaveLength(1);
      expect(problems[0], value).toMatch(
        /^q\.yaml:7:\d+ quiet_hours must be from, to and weekends, or off, got .* \(write quiet_hours: \{ from: "18:00", to: "08:00", weekends: true \}, or quiet_hours: off\)$/,
      );
    }
  });

  it("under rules: it is a misplaced key, not a rule key", () => {
    const result = loadPolicyText(
      yaml(
        ...HEADER,
        "rules:",
        "  - { id: a, severity: low, when: { metric: tardies, at_least: 3 }, quiet_hours: off }",
      ),
      "q.yaml",
    );
    expect(result.ok).toBe(false);
  });

  it("the shipped policies keep the default", async () => {
    for (const file of ["rules/k12-attendance.yaml", "rules/university-engagement.yaml"]) {
      expect(policyOf(await loadPolicyFile(file)).quietHours, file).toEqual(DEFAULT_QUIET_HOURS);
    }
  });
});
