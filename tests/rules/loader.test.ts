import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { rulesCheck } from "../../src/cli/rules-check.ts";
import { METRIC_NAMES } from "../../src/metrics/registry.ts";
import {
  formatProblem,
  loadPolicyDir,
  loadPolicyFile,
  loadPolicyText,
  type PolicyLoadResult,
  type PolicyProblem,
} from "../../src/rules/loader.ts";
import type { Condition, Policy } from "../../src/rules/policy.ts";
import { specialCategoryField } from "../../src/rules/special-category.ts";
import { HEADER, yaml } from "./policy-text.ts";

const FIXTURES = "tests/fixtures/rules";

function policyOf(result: PolicyLoadResult): Policy {
  if (!result.ok)
    throw new Error(
      `expected a policy, got:\n${result.errors.map((e) => formatProblem(e)).join("\n")}`,
    );
  return result.policy;
}

function errorsOf(result: PolicyLoadResult): PolicyProblem[] {
  if (result.ok) throw new Error("expected errors, the policy loaded");
  return result.errors;
}

/** line, column and code of each error: what a person uses to find the mistake. */
const where = (problems: PolicyProblem[]) =>
  problems.map(({ line, column, code }) => ({ line, column, code }));

function collect(): {
  lines: { stream: "log" | "error"; text: string }[];
  out: { log(s: string): void; error(s: string): void };
} {
  const lines: { stream: "log" | "error"; text: string }[] = [];
  return {
    lines,
    out: {
      log: (text) => lines.push({ stream: "log", text }),
      error: (text) => lines.push({ stream: "error", text }),
    },
  };
}

describe("the example policies", () => {
  it("k12-attendance.yaml loads with the Attendance Works tiers", async () => {
    const result = await loadPolicyFile("rules/k12-attendance.yaml");
    const policy = policyOf(result);
    expect(result.warnings).toEqual([]);
    expect(policy.id).toBe("k12-attendance");
    expect(policy.schools).toHaveLength(5);
    expect(policy.timezone).toBe("America/New_York");
    expect(policy.schedule).toBe("0 6 * * 1-5");
    expect(policy.windowDays).toBe(45);
    expect(policy.cooldownDays).toBe(10);
    expect(policy.access).toBe("advisees");
    expect(policy.absentStatuses).toEqual(["unexcused_absence", "excused_absence"]);
    expect(policy.severityInhibition).toBe(true);
    expect(policy.suppress).toEqual({
      circumstances: ["extenuating_circumstances", "leave", "placement"],
      withdrawn: true,
      onLeave: true,
      firstDaysOfEnrolment: 10,
    });
    expect(policy.escalation).toEqual({
      noContactAfterDays: 10,
      unansweredAttempts: 3,
      to: "attendance-officer",
      remindUnconfirmedAfterDays: 3,
    });

    const byId = new Map(policy.rules.map((r) => [r.id, r]));
    const tier = (id: string) => {
      const rule = byId.get(id);
      const when = rule?.when as Extract<Condition, { kind: "all" }>;
      return { severity: rule?.severity, forRuns: rule?.forRuns, of: when.of };
    };
    const sessions: Condition = {
      kind: "metric",
      metric: "sessions_recorded",
      params: {},
      op: "at_least",
      threshold: 10,
    };
    const rate = (threshold: number): Condition => ({
      kind: "metric",
      metric: "attendance_rate",
      params: {},
      op: "below",
      threshold,
    });
    expect(tier("severe-chronic-absence")).toEqual({
      severity: "high",
      forRuns: 2,
      of: [rate(0.8), sessions],
    });
    expect(tier("moderate-chronic-absence")).toEqual({
      severity: "medium",
      forRuns: 2,
      of: [rate(0.9), sessions],
    });
    expect(tier("at-risk-attendance")).toEqual({
      severity: "low",
      forRuns: 2,
      of: [rate(0.95), sessions],
    });
    expect(byId.get("consecutive-absences")).toMatchObject({
      severity: "medium",
      forRuns: 1,
      enabled: true,
      name: "Absent three school days in a row",
      when: {
        kind: "metric",
        metric: "consecutive_absences",
        params: {},
        op: "at_least",
        threshold: 3,
      },
      position: { file: "rules/k12-attendance.yaml", line: 72, column: 5 },
    });
    expect(byId.get("severe-chronic-absence")?.outreach).toBe("attendance-checkin");
  });

  it("university-engagement.yaml loads with VLE, submission and cohort rules", async () => {
    const result = await loadPolicyFile("rules/university-engagement.yaml");
    const policy = policyOf(result);
    expect(result.warnings).toEqual([]);
    expect(policy.schools).toEqual(["AAA", "BBB", "DDD", "EEE", "GGG"]);
    expect(policy.timezone).toBe("Europe/London");
    expect(policy.windowDays).toBe(45);
    expect(policy.access).toBe("school");
    expect(policy.suppress.firstDaysOfEnrolment).toBe(5);
    const when = Object.fromEntries(
      policy.rules.map((r) => [r.id, [r.severity, r.forRuns, r.when]]),
    );
    expect(when).toEqual({
      "missed-submission": [
        "medium",
        3,
        { kind: "metric", metric: "missed_submissions", params: {}, op: "at_least", threshold: 1 },
      ],
      "low-mark": [
        "medium",
        1,
        { kind: "metric", metric: "assessment_score", params: {}, op: "below", threshold: 55 },
      ],
      "far-below-cohort": [
        "low",
        10,
        {
          kind: "metric",
          metric: "activity_vs_cohort",
          params: { source: "vle", cohortBy: "cohort", measure: "percentile" },
          op: "below",
          threshold: 10,
        },
      ],
      "below-cohort-three-weeks": [
        "low",
        15,
        {
          kind: "metric",
          metric: "activity_vs_cohort",
          params: { source: "vle", cohortBy: "cohort", measure: "percentile" },
          op: "below",
          threshold: 15,
        },
      ],
    });
  });

  it("loadPolicyDir loads the whole rules folder", async () => {
    const result = await loadPolicyDir("rules");
    expect(result.ok).toBe(true);
    expect(result.policies.map((p) => p.id)).toEqual(["k12-attendance", "university-engagement"]);
  });
});

describe("strict loading: every mistake, each at its line and column", () => {
  it("reports three different mistakes in one pass", async () => {
    const errors = errorsOf(await loadPolicyFile(`${FIXTURES}/three-mistakes.yaml`));
    // Line 6 `  schedule: "0 25 * * 1-5"`: the value starts at column 13.
    // Line 9 `    severty: high`: the key starts at column 5.
    // Line 12 `        - { metric: attendence_rate, …`: the metric name starts at column 21.
    expect(errors.map((e) => formatProblem(e))).toEqual([
      `${FIXTURES}/three-mistakes.yaml:6:13 schedule "0 25 * * 1-5" is not a valid cron expression: the hour field "25" must be 0–23 (e.g. "0 7 * * 1-5" runs at 07:00 Monday to Friday)`,
      `${FIXTURES}/three-mistakes.yaml:9:5 unknown key "severty" in rule "chronic-absence" (did you mean severity?)`,
      `${FIXTURES}/three-mistakes.yaml:12:21 unknown metric "attendence_rate" (did you mean attendance_rate?)`,
    ]);
    expect(errors.map((e) => e.code)).toEqual(["invalid_cron", "unknown_key", "unknown_metric"]);
  });

  it("reports a missing required key at the mapping that should hold it", () => {
    const errors = errorsOf(
      loadPolicyText(
        yaml(
          "policy:",
          "  id: sef",
          "  schools: [sef]",
          "rules:",
          "  - id: a",
          "    when: { metric: tardies, at_least: 3 }",
        ),
        "f.yaml",
      ),
    );
    expect(errors.map((e) => [e.line, e.column, e.message])).toEqual([
      [2, 3, 'policy is missing required keys "name", "timezone", "schedule"'],
      [5, 5, 'rule "a" is missing required key "severity"'],
    ]);
  });

  it("reports wrong types and bad values with hints", () => {
    const text = yaml(
      "policy:",
      "  id: Engineering_School",
      "  name: x",
      "  schools: sef",
      "  timezone: Europe/London",
      '  schedule: "0 7 * * 1-5"',
      "  window: 9 weeks",
      "  severity_inhibition: yes",
      "  access: everyone",
      "rules:",
      "  - id: a",
      "    severity: urgent",
      "    when: { metric: tardies, at_least: 3 }",
      "    for: 2 days",
    );
    const errors = errorsOf(loadPolicyText(text, "f.yaml"));
    expect(errors.map((e) => [e.line, e.column, e.code, e.hint])).toEqual([
      [2, 7, "invalid_id", "e.g. engineering-school"],
      [4, 12, "wrong_type", "write schools: [sef]"],
      [7, 11, "invalid_value", 'durations are in school days: write "45 school days"'],
      [8, 24, "wrong_type", "write true or false"],
      // Nothing near to suggest: the default hint for the code.
      [9, 11, "invalid_value", "see rules/README.md for the values this key takes"],
      [12, 15, "invalid_value", "see rules/README.md for the values this key takes"],
      [14, 10, "invalid_value", '"for" counts runs of the policy\'s schedule: write "2 runs"'],
    ]);
  });

  it("refuses a bad time zone, suggesting the nearest one", () => {
    const text = yaml(
      ...HEADER.slice(0, 4),
      "  timezone: Europe/Londn",
      HEADER[5] as string,
      "rules:",
      "  - { id: a, severity: low, when: { metric: tardies, at_least: 3 } }",
    );
    const [error, ...rest] = errorsOf(loadPolicyText(text, "f.yaml"));
    expect(rest).toEqual([]);
    expect(error).toEqual({
      file: "f.yaml",
      line: 5,
      column: 13,
      code: "invalid_timezone",
      message: 'timezone "Europe/Londn" is not an IANA time zone',
      hint: "did you mean Europe/London?",
    });
    const city = errorsOf(loadPolicyText(text.replace("Europe/Londn", "London"), "f.yaml"));
    expect(city[0]?.hint).toBe("did you mean Europe/London?");
  });

  it("hints that a ratio is a share when a percentage is written", () => {
    const text = yaml(
      ...HEADER,
      "rules:",
      "  - id: a",
      "    severity: high",
      "    when:",
      "      any:",
      "        - { metric: attendance_rate, below: 90 }",
      '        - { metric: hybrid_engagement, below: "85%" }',
    );
    const errors = errorsOf(loadPolicyText(text, "f.yaml"));
    expect(errors).toEqual([
      {
        file: "f.yaml",
        line: 12,
        column: 45,
        code: "threshold_out_of_range",
        message: "attendance_rate threshold 90 is out of range: expected 0 to 1",
        hint: "attendance_rate is a share between 0 and 1; did you mean 0.9?",
      },
      {
        file: "f.yaml",
        line: 13,
        column: 47,
        code: "wrong_type",
        message: 'the below threshold must be a number, got the text "85%"',
        hint: "hybrid_engagement is a share between 0 and 1; did you mean 0.85?",
      },
    ]);
  });

  it("refuses a metric window longer than the policy window (clean slate)", () => {
    const text = yaml(
      ...HEADER,
      "  window: 30 school days",
      "rules:",
      "  - id: a",
      "    severity: low",
      "    when: { metric: absences, window: 45 school days, at_least: 3 }",
      "  - id: b",
      "    severity: low",
      "    when: { metric: activity_change, window: 20 school days, below: 0.5 }",
      "  - id: c",
      "    severity: low",
      "    when: { metric: absences, window: 30, at_least: 3 }",
    );
    const errors = errorsOf(loadPolicyText(text, "f.yaml"));
    expect(where(errors)).toEqual([
      { line: 11, column: 39, code: "window_exceeds_policy" },
      { line: 14, column: 46, code: "window_exceeds_policy" },
    ]);
    expect(errors[0]?.message).toBe(
      "window 45 school days reaches back further than the policy window of 30 school days: data older than the policy window never counts (clean slate)",
    );
    expect(errors[1]?.hint).toBe("use at most 15 school days, or widen the policy's window");
  });

  it("refuses duplicate rule ids, pointing at the second and naming the first", () => {
    const text = yaml(
      ...HEADER,
      "rules:",
      "  - id: chronic-absence",
      "    severity: high",
      "    when: { metric: attendance_rate, below: 0.9 }",
      "  - id: chronic-absence",
      "    severity: low",
      "    when: { metric: attendance_rate, below: 0.95 }",
    );
    const errors = errorsOf(loadPolicyText(text, "f.yaml"));
    expect(errors).toEqual([
      {
        file: "f.yaml",
        line: 11,
        column: 9,
        code: "duplicate_rule_id",
        message: 'rule id "chronic-absence" is used twice',
        hint: "first used at line 8; rule ids must be unique",
      },
    ]);
  });

  it("reports a YAML syntax error with its position", async () => {
    const errors = errorsOf(await loadPolicyFile(`${FIXTURES}/syntax-error.yaml`));
    // Line 6 `  schedule: * * * * 1-5`: the unquoted * at column 13.
    expect(errors).toEqual([
      {
        file: `${FIXTURES}/syntax-error.yaml`,
        line: 6,
        column: 13,
        code: "yaml_syntax",
        message: "YAML syntax: a value starting with * is read as an alias",
        hint: 'quote a value that starts with * or &, e.g. schedule: "0 7 * * 1-5"',
      },
    ]);
    const duplicate = errorsOf(loadPolicyText(yaml("policy:", "  id: a", "  id: b"), "f.yaml"));
    expect(where(duplicate)).toEqual([{ line: 3, column: 3, code: "yaml_syntax" }]);
    const tab = errorsOf(loadPolicyText("policy:\n\tid: a\n", "f.yaml"));
    expect(where(tab)).toEqual([{ line: 2, column: 1, code: "yaml_syntax" }]);
  });

  it("requires exactly one comparator in a metric test", () => {
    const text = yaml(
      ...HEADER,
      "rules:",
      "  - id: a",
      "    severity: low",
      "    when:",
      "      all:",
      "        - { metric: tardies }",
      "        - { metric: tardies, above: 1, below: 5 }",
      "        - { metric: tardies, less_than: 5 }",
    );
    const errors = errorsOf(loadPolicyText(text, "f.yaml"));
    expect(errors.map((e) => [e.line, e.column, e.code, e.hint])).toEqual([
      [12, 11, "comparator", "e.g. { metric: attendance_rate, below: 0.9 }"],
      [13, 40, "comparator", "for a range, combine two tests with all: [ … ]"],
      [
        14,
        30,
        "unknown_key",
        "comparators are below, at_most, above, at_least, equals: write below",
      ],
    ]);
  });

  it("refuses parameters a metric does not take, and unknown keys with the nearest key", () => {
    const text = yaml(
      ...HEADER,
      "  suppress: { withdrawn: true, circumstance: [leave] }",
      "rules:",
      "  - id: a",
      "    severity: low",
      "    when: { metric: tardies, source: vle, at_least: 2 }",
      "    cooldwn: 5 school days",
      "escalation:",
      "  to: lead",
      "  unanswered_atempts: 3",
    );
    const errors = errorsOf(loadPolicyText(text, "f.yaml"));
    expect(errors.map((e) => [e.line, e.column, e.code, e.message, e.hint])).toEqual([
      [
        7,
        32,
        "unknown_key",
        'unknown key "circumstance" in suppress',
        "did you mean circumstances?",
      ],
      [11, 30, "param_not_accepted", "tardies does not take source", "tardies takes window"],
      [12, 5, "unknown_key", 'unknown key "cooldwn" in rule "a"', "did you mean cooldown?"],
      [
        15,
        3,
        "unknown_key",
        'unknown key "unanswered_atempts" in escalation',
        "did you mean unanswered_attempts?",
      ],
    ]);
  });
});

describe("escalation: remind_unconfirmed_after", () => {
  const RULES = [
    "rules:",
    "  - id: a",
    "    severity: low",
    "    when: { metric: tardies, at_least: 2 }",
  ];
  const load = (...lines: string[]) =>
    loadPolicyText(yaml(...HEADER, ...RULES, "escalation:", "  to: lead", ...lines), "f.yaml");

  it("is 3 school days when not written, the days written, or absent when off", () => {
    const reminder = (...lines: string[]) =>
      policyOf(load(...lines)).escalation?.remindUnconfirmedAfterDays;
    expect(reminder("  no_contact_after: 10 school days")).toBe(3);
    expect(reminder("  unanswered_attempts: 2", "  remind_unconfirmed_after: 5 school days")).toBe(
      5,
    );
    expect(reminder("  unanswered_attempts: 2", "  remind_unconfirmed_after: 1")).toBe(1);
    expect(reminder("  unanswered_attempts: 2", "  remind_unconfirmed_after: off")).toBeUndefined();
  });

  it("refuses a bad value at its line and column, and is no trigger on its own", () => {
    const bad = errorsOf(load("  unanswered_attempts: 2", "  remind_unconfirmed_after: 2 weeks"));
    expect(bad.map((e) => [e.line, e.column, e.code])).toEqual([[14, 29, "invalid_value"]]);
    expect(bad[0].message).toMatch(/^remind_unconfirmed_after: /);
    const alone = errorsOf(load("  remind_unconfirmed_after: 2"));
    expect(alone.map((e) => [e.line, e.code])).toEqual([[12, "missing_key"]]);
  });
});

describe("special-category data is never a trigger", () => {
  it("refuses a rule on disability with the principle, not as an unknown metric", async () => {
    const errors = errorsOf(await loadPolicyFile(`${FIXTURES}/special-category.yaml`));
    expect(errors).toHaveLength(1);
    const [error] = errors;
    expect(error).toMatchObject({ line: 13, column: 21, code: "special_category" });
    expect(error?.message).toContain('"disability"');
    expect(error?.message).toContain("special-category");
    expect(error?.message).toContain(
      "may be loaded only for aggregate equality monitoring and never triggers a case",
    );
    expect(error?.message).not.toMatch(/unknown/);
  });

  const ruleWith = (when: string, extra = "") =>
    yaml(
      ...HEADER,
      "rules:",
      "  - id: a",
      "    severity: low",
      `    when: ${when}`,
      ...(extra ? [`    ${extra}`] : []),
    );

  it.each<[string, string, string, string?]>([
    ["a metric name, plural and capitalised", "{ metric: Disabilities, equals: 1 }", "disability"],
    ["a field test", "{ field: ethnicity, equals: white }", "ethnicity"],
    [
      "a cohort_by value",
      "{ metric: activity_vs_cohort, cohort_by: religion, below: 0.2 }",
      "religion",
    ],
    ["a source value", "{ metric: activity_count, source: health-centre, below: 1 }", "health"],
    [
      "a kind value",
      "{ metric: activity_count, kind: Gender Identity, below: 1 }",
      "gender identity",
    ],
    ["a key in a condition", "{ sexual_orientation: x }", "sexual orientation"],
    ["an abbreviation", "{ metric: sen, equals: 1 }", "special educational needs"],
    [
      "a key in the rule",
      "{ metric: tardies, at_least: 1 }",
      "special educational needs",
      "has_ehcp: true",
    ],
  ])("refuses %s", (_what, when, field, extra) => {
    const errors = errorsOf(loadPolicyText(ruleWith(when, extra), "f.yaml"));
    expect(errors.map((e) => e.code)).toEqual(["special_category"]);
    expect(errors[0]?.message).toContain("never triggers a case");
    expect(errors[0]?.message).toContain(field);
  });

  it("recognises the listed fields however they are written, and not ordinary names", () => {
    for (const [written, field] of [
      ["ethnicity", "ethnicity"],
      ["Ethnicities", "ethnicity"],
      ["ethnic_group", "ethnicity"],
      ["disability_status", "disability"],
      ["mentalHealth", "health"],
      ["medical-conditions", "medical"],
      ["gender-identity", "gender_identity"],
      ["genderidentity", "gender_identity"],
      ["trans_status", "trans_status"],
      ["SEND", "special_educational_needs"],
      ["EHCP", "special_educational_needs"],
      ["504", "disability"],
      ["immigration status", "immigration_status"],
      ["religious_belief", "religion"],
      ["beliefs", "belief"],
      ["religious_observance", "religion"],
    ] as const) {
      expect(specialCategoryField(written), written).toBe(field);
    }
    for (const ordinary of [
      ...METRIC_NAMES,
      "vle",
      "teams",
      "clever",
      "login",
      "view",
      "post",
      "cohort",
      "section",
      "programme",
      "tracker",
      "grace",
      "send_message",
      "sessions",
      "transfer",
      // Socio-economic flags are not special-category data: schools target support with them.
      "free school meals",
      "fsm",
      "pupil_premium",
    ]) {
      expect(specialCategoryField(ordinary), ordinary).toBeUndefined();
    }
  });
});

describe("rules check", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "reach-rules-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("exits 0 and prints one OK line per policy for a valid folder", async () => {
    const { lines, out } = collect();
    expect(await rulesCheck(["rules"], out)).toBe(0);
    expect(lines).toEqual([
      {
        stream: "log",
        text: `${join("rules", "k12-attendance.yaml")}: OK — policy k12-attendance, 4 rules`,
      },
      {
        stream: "log",
        text: `${join("rules", "university-engagement.yaml")}: OK — policy university-engagement, 4 rules`,
      },
    ]);
  });

  it("exits 1 and prints every problem as file:line:column message (hint)", async () => {
    const { lines, out } = collect();
    const file = `${FIXTURES}/three-mistakes.yaml`;
    expect(await rulesCheck([file, "rules/k12-attendance.yaml"], out)).toBe(1);
    expect(lines).toEqual([
      {
        stream: "error",
        text: `${file}:6:13 schedule "0 25 * * 1-5" is not a valid cron expression: the hour field "25" must be 0–23 (e.g. "0 7 * * 1-5" runs at 07:00 Monday to Friday)`,
      },
      {
        stream: "error",
        text: `${file}:9:5 unknown key "severty" in rule "chronic-absence" (did you mean severity?)`,
      },
      {
        stream: "error",
        text: `${file}:12:21 unknown metric "attendence_rate" (did you mean attendance_rate?)`,
      },
      { stream: "log", text: "rules/k12-attendance.yaml: OK — policy k12-attendance, 4 rules" },
      { stream: "error", text: "3 errors in 1 file" },
    ]);
  });

  it("refuses the same policy id in two files, at the later file's id", async () => {
    const folder = join(dir, "duplicates");
    await mkdir(folder);
    const text = yaml(
      ...HEADER,
      "rules:",
      "  - { id: a, severity: low, when: { metric: tardies, at_least: 3 } }",
    );
    await writeFile(join(folder, "a.yaml"), text);
    await writeFile(join(folder, "b.yml"), text);
    await writeFile(join(folder, "notes.txt"), "not a policy");
    const { lines, out } = collect();
    expect(await rulesCheck([folder], out)).toBe(1);
    expect(lines).toEqual([
      {
        stream: "error",
        text: `${join(folder, "b.yml")}:2:7 policy id "sef" is already used by ${join(folder, "a.yaml")} (each policy file needs its own id)`,
      },
      { stream: "log", text: `${join(folder, "a.yaml")}: OK — policy sef, 1 rule` },
      { stream: "error", text: "1 error in 1 file" },
    ]);
    const loaded = await loadPolicyDir(folder);
    expect(loaded.ok).toBe(false);
  });

  it("prints warnings without failing", async () => {
    const file = join(dir, "warning.yaml");
    await writeFile(
      file,
      yaml(
        ...HEADER,
        "rules:",
        "  - { id: a, severity: low, when: { metric: tardies, at_least: 0 } }",
      ),
    );
    const { lines, out } = collect();
    expect(await rulesCheck([file], out)).toBe(0);
    expect(lines).toEqual([
      {
        stream: "error",
        text: `${file}:8:64 warning: tardies at_least 0 always holds, so this test is true for every student`,
      },
      { stream: "log", text: `${file}: OK — policy sef, 1 rule` },
    ]);
  });

  it("exits 1 for a missing file, an empty folder, or nothing to check", async () => {
    const empty = join(dir, "empty");
    await mkdir(empty);
    const { lines, out } = collect();
    expect(await rulesCheck([join(dir, "missing.yaml"), empty], out)).toBe(1);
    expect(lines.map((l) => l.text)).toEqual([
      `${empty}:1:1 no policy files (*.yaml, *.yml) in this folder`,
      `${join(dir, "missing.yaml")}:1:1 cannot read the file (ENOENT) (check the path and that you may read it)`,
      "2 errors in 2 files",
    ]);
    expect(await rulesCheck([], collect().out)).toBe(1);
  });
});

describe("rules/README.md stays true", () => {
  it("documents every metric and shows the real output for its example", async () => {
    const readme = await readFile("rules/README.md", "utf8");
    for (const metric of METRIC_NAMES) expect(readme).toContain(`| \`${metric}\` |`);
    const example = await readFile(`${FIXTURES}/three-mistakes.yaml`, "utf8");
    expect(readme).toContain(example);
    const { lines, out } = collect();
    await rulesCheck([`${FIXTURES}/three-mistakes.yaml`], out);
    const output = lines
      .map((l) => l.text.replace(`${FIXTURES}/three-mistakes.yaml`, "rules/sef.yaml"))
      .join("\n");
    expect(readme).toContain(`\`\`\`text\n${output}\n\`\`\``);
  });
});

describe("loading never throws", () => {
  const assertWellFormed = (result: PolicyLoadResult) => {
    if (result.ok) {
      expect(result.policy.rules.length).toBeGreaterThan(0);
      return;
    }
    expect(result.errors.length).toBeGreaterThan(0);
    for (const e of result.errors) {
      expect(e.code).not.toBe("internal_error");
      expect(e.line).toBeGreaterThanOrEqual(1);
      expect(e.column).toBeGreaterThanOrEqual(1);
      expect(e.message).not.toBe("");
    }
  };

  it("for arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) =>
        assertWellFormed(loadPolicyText(text, "f.yaml")),
      ),
      { numRuns: 500 },
    );
  });

  it("for arbitrary JSON values written as YAML", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) =>
        assertWellFormed(loadPolicyText(stringify(value), "f.yaml")),
      ),
      { numRuns: 500 },
    );
  });

  it("and loads every valid policy it is given, keeping each value", () => {
    const RATIOS = ["attendance_rate", "hybrid_engagement"];
    const test = fc
      .record({
        metric: fc.constantFrom(...METRIC_NAMES),
        op: fc.constantFrom("below", "at_most", "above", "at_least", "equals"),
        share: fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        count: fc.integer({ min: 1, max: 200 }),
        window: fc.integer({ min: 1, max: 22 }),
      })
      .map(({ metric, op, share, count, window }) => {
        const threshold = RATIOS.includes(metric) ? share : count;
        const needsWindow = metric === "activity_change";
        const yamlTest = {
          metric,
          [op]: threshold,
          ...(needsWindow ? { window: `${window} school days` } : {}),
        };
        const params = {
          ...(needsWindow ? { windowDays: window } : {}),
          ...(metric === "activity_vs_cohort"
            ? { cohortBy: "cohort", measure: "share_of_median" }
            : {}),
        };
        return {
          yamlTest,
          expected: { kind: "metric", metric, params, op, threshold } as Condition,
        };
      });
    const rules = fc.uniqueArray(
      fc.record({
        id: fc.stringMatching(/^[a-z0-9]{1,8}(-[a-z0-9]{1,8})?$/),
        severity: fc.constantFrom("low", "medium", "high"),
        tests: fc.array(test, { minLength: 1, maxLength: 3 }),
        forRuns: fc.integer({ min: 1, max: 5 }),
      }),
      { selector: (r) => r.id, minLength: 1, maxLength: 4 },
    );
    fc.assert(
      fc.property(rules, (generated) => {
        const value = {
          policy: {
            id: "sef",
            name: "x",
            schools: ["sef"],
            timezone: "Europe/London",
            schedule: "0 7 * * 1-5",
          },
          rules: generated.map((r) => ({
            id: r.id,
            severity: r.severity,
            when: { all: r.tests.map((t) => t.yamlTest) },
            for: `${r.forRuns} runs`,
          })),
        };
        const policy = policyOf(loadPolicyText(stringify(value), "f.yaml"));
        expect(
          policy.rules.map(({ id, severity, forRuns, when }) => ({ id, severity, forRuns, when })),
        ).toEqual(
          generated.map((r) => ({
            id: r.id,
            severity: r.severity,
            forRuns: r.forRuns,
            when: { kind: "all", of: r.tests.map((t) => t.expected) },
          })),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("for policy-shaped values with known keys and random values", () => {
    const anyValue = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(
        "45 school days",
        "2 runs",
        "0 7 * * 1-5",
        "Europe/London",
        "vle",
        "cohort",
        "percentile",
        0.9,
        90,
        -1,
        "ethnicity",
      ),
    );
    const { condition } = fc.letrec<{ condition: unknown }>((tie) => ({
      condition: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.record(
          {
            metric: fc.constantFrom(...METRIC_NAMES, "disability", "attendence_rate"),
            below: fc.double({ noNaN: false }),
            at_least: fc.integer({ min: -5, max: 500 }),
            window: fc.oneof(fc.integer({ min: -1, max: 400 }), fc.constant("60 school days")),
            source: anyValue,
            kind: anyValue,
            absent_statuses: fc.array(fc.constantFrom("present", "tardy", "excused_absence", "x")),
            cohort_by: fc.constantFrom("cohort", "race", "year", 3),
            measure: fc.constantFrom("percentile", "share_of_median", "mean"),
          },
          { requiredKeys: ["metric"] },
        ),
        fc.record({ all: fc.array(tie("condition"), { maxLength: 3 }) }),
        fc.record({ any: fc.array(tie("condition"), { maxLength: 3 }) }),
        fc.record({ not: tie("condition") }),
        anyValue,
      ),
    }));
    const rule = fc.record(
      {
        id: fc.constantFrom("a", "b", "Bad Id", 7),
        name: anyValue,
        severity: fc.constantFrom("low", "medium", "high", "urgent"),
        when: condition,
        for: fc.constantFrom(1, 2, "2 runs", "2 days", 0),
        cooldown: anyValue,
        enabled: fc.constantFrom(true, false, "yes"),
      },
      { requiredKeys: [] },
    );
    const policy = fc.record(
      {
        policy: fc.record(
          {
            id: fc.constantFrom("sef", "SEF", ""),
            name: anyValue,
            schools: fc.oneof(fc.constant(["sef"]), anyValue),
            timezone: fc.constantFrom("Europe/London", "Mars/Olympus", 5),
            schedule: fc.constantFrom("0 7 * * 1-5", "0 25 * * *", "every day"),
            window: fc.constantFrom(45, "30 days", "9 weeks", 0, 400),
            suppress: fc.oneof(
              anyValue,
              fc.record({ circumstances: fc.array(anyValue, { maxLength: 2 }) }),
            ),
          },
          { requiredKeys: [] },
        ),
        rules: fc.oneof(fc.array(rule, { maxLength: 4 }), anyValue),
        escalation: fc.oneof(anyValue, fc.record({ to: anyValue, unanswered_attempts: anyValue })),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(policy, (value) => {
        const text = stringify(value);
        const first = loadPolicyText(text, "f.yaml");
        assertWellFormed(first);
        // Deterministic: the same text gives the same answer.
        expect(loadPolicyText(text, "f.yaml")).toEqual(first);
      }),
      { numRuns: 500 },
    );
  });
});
