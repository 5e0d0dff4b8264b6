/**
 * A typed change to a policy file's text (src/rules/policy-edit.ts): each kind of change on
 * the shipped policies, every other byte of the file kept (comments, order, quoting), the
 * new text loaded by the policy loader, and every failure — an unknown rule, a value the
 * loader refuses, hostile input — a clear problem with nothing changed, never a throw.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  applyPolicyChange,
  lineDiff,
  loadPolicyText,
  type PolicyChange,
  type PolicyChangeResult,
} from "../../src/rules/index.ts";

const ROOT = join(import.meta.dirname, "../..");
const NORTHFIELD = "samples/teams-demo/northfield-policy.yaml";
const K12 = "rules/k12-attendance.yaml";
const UNIVERSITY = "rules/university-engagement.yaml";
const textOf = (file: string) => readFileSync(join(ROOT, file), "utf8");

function changed(result: PolicyChangeResult) {
  if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.problems)}`);
  return result;
}

/** The lines the diff removes and adds (not its headers). */
function touched(diff: string): { removed: string[]; added: string[] } {
  const lines = diff.split("\n");
  return {
    removed: lines.filter((l) => l.startsWith("-") && !l.startsWith("--- ")).map((l) => l.slice(1)),
    added: lines.filter((l) => l.startsWith("+") && !l.startsWith("+++ ")).map((l) => l.slice(1)),
  };
}

/**
 * The new text is the old with exactly these lines replaced or added in one place, and
 * nothing else: every other line byte-identical and in its place.
 */
function expectOnly(before: string, after: string, removed: string[], added: string[]): void {
  const a = before.split("\n");
  const b = after.split("\n");
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  expect(a.slice(start, endA)).toEqual(removed);
  expect(b.slice(start, endB)).toEqual(added);
}

describe("each kind of change on the Northfield policy", () => {
  const text = textOf(NORTHFIELD);

  it("a threshold in shorthand: one line, its decimals kept, the new policy loaded", () => {
    const r = changed(
      applyPolicyChange(text, NORTHFIELD, {
        kind: "threshold",
        ruleId: "chronic-absence",
        value: 0.85,
      }),
    );
    expect(r.changed).toBe(true);
    expect(touched(r.diff)).toEqual({
      removed: ["        - { metric: attendance_rate, below: 0.90 }"],
      added: ["        - { metric: attendance_rate, below: 0.85 }"],
    });
    expectOnly(
      text,
      r.text,
      ["        - { metric: attendance_rate, below: 0.90 }"],
      ["        - { metric: attendance_rate, below: 0.85 }"],
    );
    const rule = r.policy.rules.find((x) => x.id === "chronic-absence");
    expect(rule?.when).toMatchObject({
      kind: "all",
      of: [{ metric: "attendance_rate", op: "below", threshold: 0.85 }, { threshold: 10 }],
    });
    expect(r.before.rules[0]?.when).toMatchObject({ of: [{ threshold: 0.9 }, { threshold: 10 }] });
    // The diff says where: a unified hunk header with the line numbers.
    expect(r.diff).toMatch(/^--- northfield-policy\.yaml\n\+\+\+ northfield-policy\.yaml\n/);
    expect(r.diff).toContain("@@ -17,7 +17,7 @@");
    // Loading the new text again gives the same policy.
    const again = loadPolicyText(r.text, NORTHFIELD);
    expect(again.ok && again.policy).toEqual(r.policy);
  });

  it("keeps as many decimals as the old threshold was written with", () => {
    const r = changed(
      applyPolicyChange(text, NORTHFIELD, {
        kind: "threshold",
        ruleId: "chronic-absence",
        value: 1,
      }),
    );
    expect(touched(r.diff).added).toEqual(["        - { metric: attendance_rate, below: 1.00 }"]);
    const finer = changed(
      applyPolicyChange(text, NORTHFIELD, {
        kind: "threshold",
        ruleId: "chronic-absence",
        value: 0.875,
      }),
    );
    expect(touched(finer.diff).added).toEqual([
      "        - { metric: attendance_rate, below: 0.875 }",
    ]);
  });

  it("another test of the rule by its index, depth first as written", () => {
    const r = changed(
      applyPolicyChange(text, NORTHFIELD, {
        kind: "threshold",
        ruleId: "chronic-absence",
        value: 12,
        test: 1,
      }),
    );
    expect(touched(r.diff)).toEqual({
      removed: ["        - { metric: sessions_recorded, at_least: 10 }"],
      added: ["        - { metric: sessions_recorded, at_least: 12 }"],
    });
    const missing = applyPolicyChange(text, NORTHFIELD, {
      kind: "threshold",
      ruleId: "chronic-absence",
      value: 12,
      test: 2,
    });
    expect(missing).toMatchObject({
      ok: false,
      stage: "change",
      problems: [
        { line: 19, message: expect.stringMatching(/has 2 metric tests; there is no test 2/) },
      ],
    });
  });

  it("a threshold in a one-line `when:` of a watch rule", () => {
    const r = changed(
      applyPolicyChange(text, NORTHFIELD, {
        kind: "threshold",
        ruleId: "fewer-days-online",
        value: 3,
      }),
    );
    expect(touched(r.diff)).toEqual({
      removed: ["    when: { metric: active_days, source: vle, window: 10 school days, below: 4 }"],
      added: ["    when: { metric: active_days, source: vle, window: 10 school days, below: 3 }"],
    });
  });

  it("`for` added to a rule that has none, under its `when`", () => {
    const r = changed(
      applyPolicyChange(text, NORTHFIELD, { kind: "for", ruleId: "chronic-absence", runs: 2 }),
    );
    expectOnly(text, r.text, [], ["    for: 2 runs"]);
    const lines = r.text.split("\n");
    const at = lines.indexOf("    for: 2 runs");
    expect(lines[at - 1]).toBe("        - { metric: sessions_recorded, at_least: 10 }");
    expect(lines[at + 1]).toBe(
      "    outreach: attendance-checkin # a message template in outreach/",
    );
    expect(r.policy.rules.find((x) => x.id === "chronic-absence")?.forRuns).toBe(2);
    // One run is written in the singular.
    const one = changed(
      applyPolicyChange(text, NORTHFIELD, { kind: "for", ruleId: "gone-quiet", runs: 3 }),
    );
    expect(touched(one.diff).added).toEqual(["    for: 3 runs"]);
  });

  it("severity, in place", () => {
    const r = changed(
      applyPolicyChange(text, NORTHFIELD, {
        kind: "severity",
        ruleId: "gone-quiet",
        severity: "high",
      }),
    );
    expect(touched(r.diff)).toEqual({
      removed: ["    severity: medium"],
      added: ["    severity: high"],
    });
    expect(r.policy.rules.find((x) => x.id === "gone-quiet")?.severity).toBe("high");
  });

  it("enabled: false added at the end of the rule; true again changes nothing", () => {
    const r = changed(
      applyPolicyChange(text, NORTHFIELD, {
        kind: "enabled",
        ruleId: "gone-quiet",
        enabled: false,
      }),
    );
    expectOnly(text, r.text, [], ["    enabled: false"]);
    const lines = r.text.split("\n");
    expect(lines[lines.indexOf("    enabled: false") - 1]).toBe(
      "    outreach: online-activity-checkin",
    );
    expect(r.policy.rules.find((x) => x.id === "gone-quiet")?.enabled).toBe(false);
    const back = changed(
      applyPolicyChange(r.text, NORTHFIELD, {
        kind: "enabled",
        ruleId: "gone-quiet",
        enabled: true,
      }),
    );
    expect(touched(back.diff)).toEqual({
      removed: ["    enabled: false"],
      added: ["    enabled: true"],
    });
    const same = changed(
      applyPolicyChange(text, NORTHFIELD, { kind: "enabled", ruleId: "gone-quiet", enabled: true }),
    );
    expect(same).toMatchObject({ changed: false, diff: "", text });
  });

  it("action: watch added after the severity; and a watch rule back to case, in place", () => {
    const r = changed(
      applyPolicyChange(text, NORTHFIELD, {
        kind: "action",
        ruleId: "gone-quiet",
        action: "watch",
      }),
    );
    expectOnly(text, r.text, [], ["    action: watch"]);
    const lines = r.text.split("\n");
    expect(lines[lines.indexOf("    action: watch") - 1]).toBe("    severity: medium");
    expect(r.policy.rules.find((x) => x.id === "gone-quiet")?.action).toBe("watch");
    const back = changed(
      applyPolicyChange(text, NORTHFIELD, {
        kind: "action",
        ruleId: "fewer-days-online",
        action: "case",
      }),
    );
    expect(touched(back.diff)).toEqual({
      removed: ["    action: watch"],
      added: ["    action: case"],
    });
  });

  it("the window, its unit kept", () => {
    const r = changed(applyPolicyChange(text, NORTHFIELD, { kind: "window", days: 30 }));
    expect(touched(r.diff)).toEqual({
      removed: ["  window: 45 school days"],
      added: ["  window: 30 school days"],
    });
    expect(r.policy.windowDays).toBe(30);
  });
});

describe("the shipped policies in rules/", () => {
  it("k12: a threshold among comments and blank lines, one line changed", () => {
    const text = textOf(K12);
    const r = changed(
      applyPolicyChange(text, K12, {
        kind: "threshold",
        ruleId: "moderate-chronic-absence",
        value: 0.85,
      }),
    );
    expect(touched(r.diff)).toEqual({
      removed: ["        - { metric: attendance_rate, below: 0.90 }"],
      added: ["        - { metric: attendance_rate, below: 0.85 }"],
    });
    // The other tiers, written alike, are not touched.
    expect(r.text).toContain("below: 0.80 }");
    expect(r.text).toContain("below: 0.95 }");
    expect(r.text.split("\n").length).toBe(text.split("\n").length);
  });

  it("k12: `for: 2 runs` in place, the comments of the lines around kept", () => {
    const text = textOf(K12);
    const r = changed(
      applyPolicyChange(text, K12, { kind: "for", ruleId: "severe-chronic-absence", runs: 1 }),
    );
    expect(touched(r.diff)).toEqual({ removed: ["    for: 2 runs"], added: ["    for: 1 run"] });
    expect(r.text).toContain("at_least: 10 } # not on a handful of days\n    for: 1 run\n");
  });

  it("k12: each rule's severity, enabled and action, and the window with its comment", () => {
    const text = textOf(K12);
    const changes: PolicyChange[] = [
      { kind: "severity", ruleId: "at-risk-attendance", severity: "medium" },
      { kind: "enabled", ruleId: "consecutive-absences", enabled: false },
      { kind: "action", ruleId: "at-risk-attendance", action: "watch" },
      { kind: "window", days: 60 },
    ];
    for (const change of changes) {
      const r = changed(applyPolicyChange(text, K12, change));
      const { removed, added } = touched(r.diff);
      expect(added.length, JSON.stringify(change)).toBe(1);
      expect(removed.length).toBeLessThanOrEqual(1);
      expectOnly(text, r.text, removed, added);
    }
    const window = changed(applyPolicyChange(text, K12, { kind: "window", days: 60 }));
    expect(touched(window.diff).added).toEqual([
      "  window: 60 school days # clean slate: older absences never open a case",
    ]);
    // The last rule of the file, then the blank line and `escalation:` after the new key.
    const last = changed(
      applyPolicyChange(text, K12, {
        kind: "enabled",
        ruleId: "consecutive-absences",
        enabled: false,
      }),
    );
    expect(last.text).toContain(
      "    outreach: attendance-checkin\n    enabled: false\n\nescalation:",
    );
  });

  it("university: block-style tests (a percentile threshold) and `for` with its unit", () => {
    const text = textOf(UNIVERSITY);
    const r = changed(
      applyPolicyChange(text, UNIVERSITY, {
        kind: "threshold",
        ruleId: "far-below-cohort",
        value: 12.5,
      }),
    );
    expect(touched(r.diff)).toEqual({ removed: ["      below: 10"], added: ["      below: 12.5"] });
    // Only far-below-cohort's `below: 10`: the other rule's `below: 15` is untouched.
    expect(r.text).toContain("      below: 15\n");
    const runs = changed(
      applyPolicyChange(text, UNIVERSITY, { kind: "for", ruleId: "missed-submission", runs: 5 }),
    );
    expect(touched(runs.diff)).toEqual({
      removed: ["    for: 3 runs"],
      added: ["    for: 5 runs"],
    });
    const mark = changed(
      applyPolicyChange(text, UNIVERSITY, { kind: "threshold", ruleId: "low-mark", value: 50 }),
    );
    expect(touched(mark.diff).added).toEqual(["    when: { metric: assessment_score, below: 50 }"]);
    // A percentile threshold above 100 is refused by the loader, at its line.
    const over = applyPolicyChange(text, UNIVERSITY, {
      kind: "threshold",
      ruleId: "far-below-cohort",
      value: 150,
    });
    expect(over).toMatchObject({
      ok: false,
      stage: "validation",
      problems: [{ code: "threshold_out_of_range", line: 55 }],
    });
  });
});

describe("other ways of writing a policy", () => {
  const FLOW = [
    "# a compact policy",
    "policy: { id: compact, name: Compact, schools: [s1], timezone: Europe/London, schedule: '0 7 * * 1-5' }",
    "rules:",
    "  - { id: low, severity: low, when: { metric: attendance_rate, below: 0.9 } } # one line",
    "  - id: deep",
    "    severity: 'medium'",
    "    when:",
    "      any:",
    "        - not: { metric: sessions_recorded, at_least: 5 }",
    "        - all:",
    "            - metric: attendance_rate",
    "              below: 0.8",
    "            - { metric: consecutive_absences, at_least: 3 }",
    "    for: '2 runs'",
    "",
  ].join("\n");

  it("loads as written", () => {
    expect(loadPolicyText(FLOW, "compact.yaml").ok).toBe(true);
  });

  it("adds keys inside a flow mapping, and to a flow policy: section", () => {
    const r = changed(
      applyPolicyChange(FLOW, "compact.yaml", { kind: "for", ruleId: "low", runs: 2 }),
    );
    expect(touched(r.diff).added).toEqual([
      "  - { id: low, severity: low, when: { metric: attendance_rate, below: 0.9 }, for: 2 runs } # one line",
    ]);
    const w = changed(applyPolicyChange(FLOW, "compact.yaml", { kind: "window", days: 20 }));
    expect(w.policy.windowDays).toBe(20);
    expect(touched(w.diff).added[0]).toContain("schedule: '0 7 * * 1-5', window: 20 school days }");
  });

  it("finds nested tests depth first and keeps quotes", () => {
    const tests = [
      { test: 0, line: "        - not: { metric: sessions_recorded, at_least: 6 }", value: 6 },
      { test: 1, line: "              below: 0.75", value: 0.75 },
      { test: 2, line: "            - { metric: consecutive_absences, at_least: 4 }", value: 4 },
    ];
    for (const t of tests) {
      const r = changed(
        applyPolicyChange(FLOW, "compact.yaml", {
          kind: "threshold",
          ruleId: "deep",
          value: t.value,
          test: t.test,
        }),
      );
      expect(touched(r.diff).added).toEqual([t.line]);
    }
    const severity = changed(
      applyPolicyChange(FLOW, "compact.yaml", {
        kind: "severity",
        ruleId: "deep",
        severity: "high",
      }),
    );
    expect(touched(severity.diff).added).toEqual(["    severity: 'high'"]);
    const runs = changed(
      applyPolicyChange(FLOW, "compact.yaml", { kind: "for", ruleId: "deep", runs: 4 }),
    );
    expect(touched(runs.diff).added).toEqual(["    for: '4 runs'"]);
  });

  it("keeps Windows line ends", () => {
    const crlf = FLOW.replace(/\n/g, "\r\n");
    const r = changed(
      applyPolicyChange(crlf, "compact.yaml", { kind: "enabled", ruleId: "deep", enabled: false }),
    );
    expect(r.text).toBe(crlf.replace("'2 runs'\r\n", "'2 runs'\r\n    enabled: false\r\n"));
  });

  it("refuses a test written through an alias or a value with an anchor", () => {
    const aliased = [
      "policy: { id: a, name: A, schools: [s1], timezone: Europe/London, schedule: '0 7 * * 1-5' }",
      "rules:",
      "  - { id: one, severity: low, when: &t { metric: attendance_rate, below: &v 0.9 } }",
      "  - { id: two, severity: low, when: *t }",
      "",
    ].join("\n");
    expect(loadPolicyText(aliased, "a.yaml").ok).toBe(true);
    const viaAlias = applyPolicyChange(aliased, "a.yaml", {
      kind: "threshold",
      ruleId: "two",
      value: 0.8,
    });
    expect(viaAlias).toMatchObject({ ok: false, stage: "change", problems: [{ line: 4 }] });
    expect(viaAlias.ok || viaAlias.problems[0]?.message).toMatch(/alias/);
    const anchored = applyPolicyChange(aliased, "a.yaml", {
      kind: "threshold",
      ruleId: "one",
      value: 0.8,
    });
    expect(anchored.ok || anchored.problems[0]?.message).toMatch(/anchor/);
  });
});

describe("a change that cannot be made changes nothing", () => {
  const text = textOf(NORTHFIELD);
  const refused = (change: unknown) =>
    applyPolicyChange(text, NORTHFIELD, change as PolicyChange) as Extract<
      PolicyChangeResult,
      { ok: false }
    >;

  it("an unknown rule id: a clear problem at rules:, with the nearest id", () => {
    const r = refused({ kind: "threshold", ruleId: "chronic-absense", value: 0.85 });
    expect(r).toMatchObject({ ok: false, stage: "change" });
    expect(r.problems).toEqual([
      {
        file: NORTHFIELD,
        line: 14,
        column: 1,
        code: "invalid_value",
        message: 'policy northfield has no rule "chronic-absense"',
        hint: "did you mean chronic-absence?",
      },
    ]);
    const far = refused({ kind: "severity", ruleId: "nothing-like-it", severity: "low" });
    expect(far.problems[0]?.hint).toBe(
      "its rules are chronic-absence, absent-in-a-row, gone-quiet, fewer-days-online",
    );
  });

  it("an attendance share above 1: the loader's positioned problem", () => {
    const r = refused({ kind: "threshold", ruleId: "chronic-absence", value: 1.5 });
    expect(r).toMatchObject({
      ok: false,
      stage: "validation",
      problems: [
        {
          line: 20,
          column: 45,
          code: "threshold_out_of_range",
          message: "attendance_rate threshold 1.5 is out of range: expected 0 to 1",
        },
      ],
    });
  });

  it("a negative or fractional `for`, and a window narrower than a rule's", () => {
    expect(refused({ kind: "for", ruleId: "chronic-absence", runs: -1 })).toMatchObject({
      stage: "validation",
      problems: [{ line: 22, column: 10, code: "invalid_value" }],
    });
    expect(refused({ kind: "for", ruleId: "chronic-absence", runs: 2.5 })).toMatchObject({
      stage: "validation",
    });
    expect(refused({ kind: "for", ruleId: "chronic-absence", runs: 0 })).toMatchObject({
      stage: "validation",
      problems: [{ message: "for: 0 runs is out of range: expected 1 to 365" }],
    });
    expect(refused({ kind: "window", days: 5 })).toMatchObject({
      stage: "validation",
      problems: [{ line: 38, code: "window_exceeds_policy" }],
    });
  });

  it("hostile input: a clear problem, never a throw", () => {
    const hostile: unknown[] = [
      { kind: "threshold", ruleId: "chronic-absence: {x: 1}\n- id: y", value: 0.8 },
      { kind: "threshold", ruleId: "*alias", value: 0.8 },
      { kind: "threshold", ruleId: "&anchor [a, b]", value: 0.8 },
      { kind: "severity", ruleId: "x".repeat(100_000), severity: "low" },
      { kind: "threshold", ruleId: "chronic-absence", value: Number.NaN },
      { kind: "threshold", ruleId: "chronic-absence", value: Number.POSITIVE_INFINITY },
      { kind: "threshold", ruleId: "chronic-absence", value: Number.NEGATIVE_INFINITY },
      { kind: "threshold", ruleId: "chronic-absence", value: 1e308 },
      { kind: "threshold", ruleId: "chronic-absence", value: -1e-308 },
      { kind: "threshold", ruleId: "chronic-absence", value: "0.8" },
      { kind: "threshold", ruleId: "chronic-absence", value: 0.8, test: -1 },
      { kind: "threshold", ruleId: "chronic-absence", value: 0.8, test: 0.5 },
      { kind: "threshold", ruleId: "chronic-absence", value: 0.8, test: 1e308 },
      { kind: "for", ruleId: "chronic-absence", runs: Number.NaN },
      { kind: "for", ruleId: "chronic-absence", runs: 1e308 },
      { kind: "window", days: Number.POSITIVE_INFINITY },
      { kind: "window", days: 1e308 },
      { kind: "window", days: "30\nrules: []" },
      { kind: "severity", ruleId: "gone-quiet", severity: "high\n  action: watch" },
      { kind: "severity", ruleId: "gone-quiet", severity: "critical" },
      { kind: "action", ruleId: "gone-quiet", action: "delete" },
      { kind: "enabled", ruleId: "gone-quiet", enabled: "false" },
      { kind: "drop-table", ruleId: "gone-quiet" },
      { kind: "threshold", ruleId: 42, value: 0.8 },
      { kind: "threshold", ruleId: { toString: () => "chronic-absence" }, value: 0.8 },
      { kind: "threshold", ruleId: "chronic-absence", value: 10n },
      null,
      "threshold",
      {},
    ];
    for (const change of hostile) {
      let r: PolicyChangeResult | undefined;
      expect(
        () => {
          r = applyPolicyChange(text, NORTHFIELD, change as PolicyChange);
        },
        String(JSON.stringify(change, (_, v) => (typeof v === "bigint" ? `${v}n` : v))),
      ).not.toThrow();
      expect(
        r?.ok,
        JSON.stringify(change, (_, v) => (typeof v === "bigint" ? `${v}n` : v)),
      ).toBe(false);
      if (r !== undefined && !r.ok) {
        expect(r.problems.length).toBeGreaterThan(0);
        for (const p of r.problems) {
          expect(p.line).toBeGreaterThanOrEqual(1);
          expect(p.column).toBeGreaterThanOrEqual(1);
          expect(p.message.length).toBeLessThan(400);
        }
      }
    }
    const nan = refused({ kind: "threshold", ruleId: "chronic-absence", value: Number.NaN });
    expect(nan).toMatchObject({
      stage: "change",
      problems: [
        { line: 20, column: 45, message: "the below threshold must be a finite number, got NaN" },
      ],
    });
    const huge = refused({ kind: "threshold", ruleId: "chronic-absence", value: 1e308 });
    expect(huge).toMatchObject({
      stage: "validation",
      problems: [{ code: "threshold_out_of_range", line: 20 }],
    });
  });

  it("a file that does not load is reported as it stands", () => {
    const broken = text.replace("severity: high", "severity: severe");
    const r = applyPolicyChange(broken, NORTHFIELD, {
      kind: "threshold",
      ruleId: "chronic-absence",
      value: 0.85,
    });
    expect(r).toMatchObject({ ok: false, stage: "current", problems: [{ line: 17 }] });
    expect(
      applyPolicyChange(42 as unknown as string, NORTHFIELD, { kind: "window", days: 30 }).ok,
    ).toBe(false);
  });
});

describe("lineDiff", () => {
  it("is empty for the same text, and marks removed and added lines in hunks", () => {
    expect(lineDiff("a\nb\n", "a\nb\n")).toBe("");
    const before = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"].join("\n");
    const after = before.replace("2", "two").replace("11", "eleven\nand more");
    expect(lineDiff(before, after, { file: "f", context: 1 })).toBe(
      [
        "--- f",
        "+++ f",
        "@@ -1,3 +1,3 @@",
        " 1",
        "-2",
        "+two",
        " 3",
        "@@ -10,3 +10,4 @@",
        " 10",
        "-11",
        "+eleven",
        "+and more",
        " 12",
        "",
      ].join("\n"),
    );
  });

  it("is a longest common subsequence in the middle", () => {
    const d = lineDiff("a\nx\nb\ny\nc\n", "a\nb\nz\nc\n", { context: 0 });
    const { removed, added } = touched(d);
    expect(removed).toEqual(["x", "y"]);
    expect(added).toEqual(["z"]);
  });
});
