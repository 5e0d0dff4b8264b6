/**
 * The policy in plain words (src/run/policy-text): each rule as a sentence built from its
 * condition tree, the cron schedule in words, the policy's settings, and last week's
 * figures per rule. Every rule of every shipped policy must read as a sentence with no
 * metric id, parameter key or "undefined" in it.
 */
import { describe, expect, it } from "vitest";
import type { CaseEvent } from "../../src/cases/index.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { METRIC_NAMES, type MetricName } from "../../src/metrics/index.ts";
import { loadPolicyFile, loadPolicyText } from "../../src/rules/loader.ts";
import { COMPARATORS, type Condition, type Policy } from "../../src/rules/policy.ts";
import {
  conditionWords,
  cronInWords,
  cronWords,
  describePolicy,
  fallbackTestWords,
  metricTestWords,
  ruleWords,
  summariseRuleWeek,
} from "../../src/run/policy-text/index.ts";
import { HEADER } from "../rules/policy-text.ts";

const SHIPPED = [
  "rules/k12-attendance.yaml",
  "rules/university-engagement.yaml",
  "samples/teams-demo/northfield-policy.yaml",
  "samples/demo-policy.yaml",
];

async function load(path: string): Promise<Policy> {
  const result = await loadPolicyFile(path);
  if (!result.ok) throw new Error(`${path} did not load`);
  return result.policy;
}

function policyOf(text: string): Policy {
  const result = loadPolicyText(text, "test.yaml");
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join("\n"));
  return result.policy;
}

/** A policy with these rules (YAML, indented as list items under `rules:`). */
const withRules = (rules: string, settings = "") =>
  policyOf(`${HEADER.join("\n")}\n${settings}rules:\n${rules}`);

/** What no sentence may hold: a metric id, a parameter key, an unfilled value. */
function expectPlain(text: string): void {
  // `absences` and `tardies` are words too; every other id has an underscore.
  for (const metric of METRIC_NAMES) if (metric.includes("_")) expect(text).not.toContain(metric);
  expect(text).not.toContain("tardies");
  expect(text).not.toMatch(/undefined|null|NaN|Infinity|\[object|_/);
  expect(text).not.toMatch(/\b(window_days|windowDays|cohortBy|absentStatuses|at_least|at_most)\b/);
  expect(text).not.toMatch(/ {2}|\s[,.]/);
}

const context = { windowDays: 45 };
const metric = (
  name: MetricName,
  op: (typeof COMPARATORS)[number],
  threshold: number,
  params: Record<string, unknown> = {},
): Extract<Condition, { kind: "metric" }> => ({
  kind: "metric",
  metric: name,
  params,
  op,
  threshold,
});

describe("every rule of every shipped policy as a sentence", () => {
  it.each(SHIPPED)("%s", async (path) => {
    const policy = await load(path);
    const described = describePolicy(policy);
    expect(described.rules).toHaveLength(policy.rules.length);
    for (const rule of described.rules) {
      expect(rule.sentence.length).toBeGreaterThan(20);
      expect(rule.sentence).toMatch(/^[A-Z]/);
      expect(rule.sentence).toContain(" → ");
      expectPlain(rule.sentence);
    }
    for (const value of [
      described.covers,
      described.runs,
      described.window,
      described.access,
      described.absent,
      described.dataAge,
      described.severityInhibition,
      described.cooldown,
      described.escalation,
      described.quietHours,
      described.digest,
      ...described.suppressions,
    ]) {
      expect(value).not.toMatch(/undefined|NaN|\[object/);
      expect(value.trim()).not.toBe("");
    }
  });

  it("reads the Northfield policy's rules as a lead would say them", async () => {
    const policy = await load("samples/teams-demo/northfield-policy.yaml");
    expect(describePolicy(policy).rules.map((r) => r.sentence)).toEqual([
      "Missing more than 10% of recorded sessions over the last 45 school days, with at least 10 sessions recorded → high severity",
      "Absent at least 3 school days in a row → medium severity",
      "No activity on the learning platform for at least 7 school days → medium severity",
      "Active on the learning platform on fewer than 4 days of the last 10 school days → watch only: counted, never opens a case",
    ]);
  });

  it("says `for` as runs in a row, and the cohort tests in percentiles", async () => {
    const k12 = describePolicy(await load("rules/k12-attendance.yaml"));
    expect(k12.rules[0].sentence).toBe(
      "Missing more than 20% of recorded sessions over the last 45 school days, with at least 10 sessions recorded, on 2 runs in a row → high severity",
    );
    const ou = describePolicy(await load("rules/university-engagement.yaml"));
    expect(ou.rules.map((r) => r.sentence)).toEqual([
      "At least 1 assessment due in the last 45 school days and not handed in, on 3 runs in a row → medium severity",
      "A lowest mark of less than 55 out of 100 on the assessments due in the last 45 school days → medium severity",
      "Activity on the learning platform over the last 45 school days below the 10th percentile of their cohort, on 10 runs in a row → low severity",
      "Activity on the learning platform over the last 45 school days below the 15th percentile of their cohort, on 15 runs in a row → low severity",
    ]);
    const demo = describePolicy(await load("samples/demo-policy.yaml"));
    expect(demo.rules[3].sentence).toBe(
      "In school or active online on less than 80% of the last 45 school days → low severity",
    );
  });
});

describe("conditions in words", () => {
  it("pushes `not` down to the tests: not below is at least, not all is either … or", () => {
    expect(conditionWords({ kind: "not", of: metric("tardies", "below", 3) }, context)).toBe(
      "late at least 3 times over the last 45 school days",
    );
    expect(
      conditionWords(
        {
          kind: "not",
          of: {
            kind: "all",
            of: [metric("consecutive_absences", "at_least", 3), metric("tardies", "above", 2)],
          },
        },
        context,
      ),
    ).toBe(
      "either absent fewer than 3 school days in a row or late at most 2 times over the last 45 school days",
    );
    expect(
      conditionWords(
        { kind: "not", of: { kind: "not", of: metric("absences", "equals", 2) } },
        context,
      ),
    ).toBe("exactly 2 sessions missed over the last 45 school days");
    expect(conditionWords({ kind: "not", of: metric("absences", "equals", 2) }, context)).toBe(
      "other than 2 sessions missed over the last 45 school days",
    );
  });

  it("nests any inside all with either … or, and all inside any with both … and", () => {
    const tree: Condition = {
      kind: "all",
      of: [
        metric("attendance_rate", "below", 0.9),
        {
          kind: "any",
          of: [
            metric("consecutive_absences", "at_least", 3),
            {
              kind: "all",
              of: [
                metric("days_since_activity", "at_least", 10, { source: "vle" }),
                metric("missed_submissions", "at_least", 1),
              ],
            },
          ],
        },
      ],
    };
    expect(conditionWords(tree, context)).toBe(
      "missing more than 10% of recorded sessions over the last 45 school days and either absent at least 3 school days in a row or both no activity on the learning platform for at least 10 school days and at least 1 assessment due and not handed in",
    );
  });

  it("lists three or more alternatives, and keeps data-amount tests last", () => {
    const any: Condition = {
      kind: "any",
      of: [
        metric("tardies", "at_least", 5),
        metric("absences", "at_least", 4, { kind: "unexcused_absence" }),
        metric("hybrid_engagement", "below", 0.5),
      ],
    };
    expect(conditionWords(any, context)).toBe(
      "any of: late at least 5 times over the last 45 school days; at least 4 sessions marked unexcused absence; or in school or active online on less than 50% of school days",
    );
    const all: Condition = {
      kind: "all",
      of: [metric("sessions_recorded", "at_least", 10), metric("attendance_rate", "at_most", 0.8)],
    };
    expect(conditionWords(all, context)).toBe(
      "missing at least 20% of recorded sessions over the last 45 school days, with at least 10 sessions recorded",
    );
    // Only data-amount tests: said plainly.
    expect(
      conditionWords({ kind: "all", of: [metric("sessions_recorded", "at_least", 5)] }, context),
    ).toBe("at least 5 sessions recorded over the last 45 school days");
  });

  it("names a test's own window, and each window once", () => {
    const tree: Condition = {
      kind: "all",
      of: [
        metric("activity_count", "below", 3, { source: "teams", windowDays: 10 }),
        metric("active_days", "below", 2, { windowDays: 10 }),
        metric("absences", "at_least", 1, { windowDays: 1 }),
      ],
    };
    expect(conditionWords(tree, context)).toBe(
      "fewer than 3 activities in Microsoft Teams over the last 10 school days, active online on fewer than 2 days and at least 1 session missed over the last school day",
    );
  });

  it("has words for every metric with every comparator, without ids", () => {
    for (const name of METRIC_NAMES) {
      for (const op of [...COMPARATORS, "not_equals" as const]) {
        for (const params of [
          {},
          { source: "vle", kind: "login", windowDays: 10 },
          { cohortBy: "year", measure: "percentile" },
          { absentStatuses: ["unexcused_absence", "tardy"] },
        ]) {
          for (const threshold of [0.3, 3]) {
            const test = metric(name, op === "not_equals" ? "equals" : op, threshold, params);
            const words = metricTestWords(test, op, context).text;
            expectPlain(words);
            expectPlain(fallbackTestWords(test, op));
            expect(words).toMatch(/\d/);
          }
        }
      }
    }
  });

  it("falls back to the registry's words for a metric without its own", () => {
    expect(fallbackTestWords(metric("attendance_rate", "below", 0.9), "below")).toBe(
      "attendance rate less than 90%",
    );
    expect(fallbackTestWords(metric("tardies", "below", 3), "below")).toBe(
      "late arrivals fewer than 3",
    );
    expect(fallbackTestWords(metric("consecutive_absences", "at_least", 1), "at_least")).toBe(
      "days absent in a row at least 1 school day",
    );
  });

  it("says the counted statuses of a test that sets its own, and percentages exactly", () => {
    expect(
      metricTestWords(
        metric("attendance_rate", "below", 0.875, { absentStatuses: ["unexcused_absence"] }),
        "below",
        context,
      ).text,
    ).toBe(
      "missing more than 12.5% of recorded sessions (counting unexcused absences as absent) over the last 45 school days",
    );
    expect(
      metricTestWords(metric("activity_change", "below", 0.5, { windowDays: 10 }), "below", context)
        .text,
    ).toBe(
      "activity online over the last 10 school days at less than 50% of its level in the 10 school days before",
    );
    expect(
      metricTestWords(
        metric("activity_vs_cohort", "below", 0.25, { source: "vle", cohortBy: "section" }),
        "below",
        context,
      ).text,
    ).toBe(
      "activity on the learning platform over the last 45 school days at less than 25% of their class's median",
    );
  });
});

describe("a rule's outcome", () => {
  it("marks watch rules, disabled rules and `for`", () => {
    const policy = withRules(`  - id: quiet
    severity: low
    action: watch
    enabled: false
    when: { metric: activity_count, below: 3 }
    for: 2 runs
`);
    const words = ruleWords(policy.rules[0], { windowDays: policy.windowDays });
    expect(words).toEqual({
      when: "Fewer than 3 activities online over the last 45 school days, on 2 runs in a row",
      outcome: "watch only: counted, never opens a case",
      sentence:
        "Fewer than 3 activities online over the last 45 school days, on 2 runs in a row → watch only: counted, never opens a case (disabled: Reach does not check it)",
    });
  });
});

describe("the schedule in words", () => {
  it.each([
    ["0 7 * * 1-5", "07:00 on weekdays"],
    ["30 6 * * MON-FRI", "06:30 on weekdays"],
    ["0 8 * * 1", "08:00 on Mondays"],
    ["0 8 * * mon,wed,fri", "08:00 on Mondays, Wednesdays and Fridays"],
    ["0 7 * * 1-4", "07:00 Monday to Thursday"],
    ["0 7 * * *", "07:00 every day"],
    ["0 9 * * 0,6", "09:00 at weekends"],
    ["0 9 * * 6,7", "09:00 at weekends"],
    ["0 7,12 * * 1-5", "07:00 and 12:00 on weekdays"],
    ["0 0 7 * * 1-5", "07:00 on weekdays"],
    ["0 6 1 * *", "06:00 on the 1st of each month"],
    ["0 6 22 * *", "06:00 on the 22nd of each month"],
    ["0 6 11 * *", "06:00 on the 11th of each month"],
  ])("%s is %s", (cron, words) => {
    expect(cronWords(cron)).toBe(words);
  });

  it.each([
    "*/15 * * * *",
    "0 7-9 * * 1-5",
    "0 7 * 9 1-5",
    "0 7 1 * 1",
    "15 0 7 * * 1-5",
    "0 7 * * 5-1",
    "0 25 * * *",
    "nonsense",
    "",
  ])("%s is shown as the expression", (cron) => {
    expect(cronWords(cron)).toBeUndefined();
    expect(cronInWords(cron)).toBe(`on the cron schedule “${cron.trim()}”`);
  });
});

describe("the policy's settings in words", () => {
  it("names the schools where the data has names, and says every other setting", async () => {
    const policy = await load("samples/teams-demo/northfield-policy.yaml");
    const names: Record<string, string> = { sch1: "Northfield" };
    const described = describePolicy(policy, { schoolName: (id) => names[id] ?? id });
    expect(described).toMatchObject({
      id: "northfield",
      covers: "students of Northfield (sch1)",
      runs: "07:00 on weekdays, Europe/London",
      window: "the last 45 school days",
      access: "any adviser of the student's school may act on a case",
      absent: "unexcused and excused absences count as absent",
      dataAge: "a run needs data at most 3 school days old",
      suppressions: [
        "no case for the dates of approved extenuating circumstances, leave or a placement",
        "no case for a withdrawn student",
        "no case for a student on leave",
        "no case in a student's first 10 school days of enrolment",
      ],
      escalation:
        "Reach proposes an escalation to an engagement lead when a confirmed case has had no successful contact for 5 school days, or when 2 contact attempts in a row go unanswered; a case nobody has taken gets a reminder after 3 school days",
      quietHours: "messages to students wait from 18:00 to 08:00, and all weekend (Europe/London)",
      digest: "08:00 on Mondays, Europe/London",
    });
    expect(described.cooldown).toContain("10 school days after a case closes");
  });

  it("says when a setting is off or absent", () => {
    const policy = withRules(
      `  - id: r
    severity: low
    cooldown: 20 school days
    when: { metric: tardies, at_least: 3 }
`,
      `  quiet_hours: off
  digest: off
  severity_inhibition: false
  max_data_age: 0 school days
  absent_statuses: [unexcused_absence, tardy]
  suppress:
    circumstances: []
    withdrawn: false
    on_leave: false
`,
    );
    const described = describePolicy({ ...policy, schools: ["*"] });
    expect(described).toMatchObject({
      covers: "every school in the data",
      quietHours: "off: messages to students may go at any time",
      digest: "no weekly digest",
      escalation: "Reach proposes no escalations and sends no reminders",
      suppressions: ["none: every student in scope is checked"],
      severityInhibition: "a case shows every signal, whatever its severity",
      dataAge: "a run needs data up to its own date",
      absent: "unexcused absences and late arrivals count as absent",
    });
    expect(described.cooldown).toContain("(r: 20 school days)");
  });
});

describe("last week's figures per rule", () => {
  const signal = (ruleId: string, watch = false) => ({
    ruleId,
    ruleName: ruleId,
    severity: "high" as const,
    conditions: [],
    runs: 1,
    since: "2027-01-25",
    ...(watch && { watch: true as const }),
  });
  const opened = (
    caseId: string,
    studentId: string,
    at: string,
    rules: string[],
    inhibited: string[] = [],
  ) =>
    ({
      type: "opened",
      actor: "reach",
      at,
      version: 0,
      caseId,
      policyId: "northfield",
      studentId,
      school: "sch1",
      severity: "high",
      signals: rules.map((r) => signal(r)),
      inhibited: inhibited.map((r) => signal(r)),
      asOf: at.slice(0, 10),
    }) as CaseEvent;
  const later = (type: string, at: string, version: number, extra: object = {}) =>
    ({ type, actor: "T-ALEX", at, version, ...extra }) as unknown as CaseEvent;

  it("counts students flagged, cases opened and dismissals in the week, watch rules from the last run", async () => {
    const policy = await load("samples/teams-demo/northfield-policy.yaml");
    const cases: CaseEvent[][] = [
      // Opened this week by two rules, one hidden by inhibition; dismissed this week.
      [
        opened("c1", "S1", "2027-01-29T07:00:00Z", ["chronic-absence"], ["absent-in-a-row"]),
        later("dismissed", "2027-01-30T10:00:00Z", 1, { reason: "data_error" }),
      ],
      // Opened before the week; a signal added this week.
      [
        opened("c2", "S2", "2027-01-10T07:00:00Z", ["gone-quiet"]),
        later("signal_added", "2027-01-28T07:00:00Z", 1, {
          signal: signal("absent-in-a-row"),
          inhibited: false,
          asOf: "2027-01-28",
        }),
        later("signal_added", "2027-01-28T07:00:00Z", 2, {
          signal: signal("fewer-days-online", true),
          inhibited: false,
          asOf: "2027-01-28",
        }),
        later("dismissed", "2027-01-20T07:00:00Z", 3, { reason: "other" }),
      ],
      // An erased case opened this week counts too.
      [opened("c3", "[erased]", "2027-02-01T08:00:00Z", ["chronic-absence"])],
      // Opened after the week.
      [opened("c4", "S4", "2027-02-02T08:00:00Z", ["chronic-absence"])],
    ];
    const runs = [
      {
        asOf: "2027-01-28",
        status: "succeeded" as const,
        counts: { "watched:fewer-days-online": 9 },
        errors: [],
      },
      {
        asOf: "2027-01-29",
        status: "succeeded" as const,
        counts: { "watched:fewer-days-online": 7 },
        errors: [],
      },
      {
        asOf: "2027-01-29",
        status: "failed" as const,
        counts: { "watched:fewer-days-online": 1 },
        errors: ["x"],
      },
      {
        asOf: "2027-01-20",
        status: "succeeded" as const,
        counts: { "watched:fewer-days-online": 3 },
        errors: [],
      },
    ];
    const week = summariseRuleWeek({
      policy,
      date: parseIsoDate("2027-02-01") as number,
      cases,
      runs,
    });
    expect(week.week).toEqual({ from: "2027-01-26", to: "2027-02-01" });
    expect(week.rules).toEqual([
      { ruleId: "chronic-absence", flagged: 2, opened: 2, dismissed: 1 },
      { ruleId: "absent-in-a-row", flagged: 2, opened: 1, dismissed: 1 },
      { ruleId: "gone-quiet", flagged: 0, opened: 0, dismissed: 0 },
      { ruleId: "fewer-days-online", flagged: 7, opened: null, dismissed: null },
    ]);
  });

  it("says nothing is known of a watch rule no run of the week counted", async () => {
    const policy = await load("samples/teams-demo/northfield-policy.yaml");
    const week = summariseRuleWeek({
      policy,
      date: parseIsoDate("2027-02-01") as number,
      cases: [],
      runs: [],
    });
    expect(week.rules.at(-1)).toEqual({
      ruleId: "fewer-days-online",
      flagged: null,
      opened: null,
      dismissed: null,
    });
    expect(week.rules[0]).toEqual({
      ruleId: "chronic-absence",
      flagged: 0,
      opened: 0,
      dismissed: 0,
    });
  });
});
