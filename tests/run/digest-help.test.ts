/**
 * "Did the help help?" in the weekly digest: the change in the metric that opened a case
 * over the school days after a successful contact, against cases of the same rule not yet
 * contacted. Hand-made case histories on a hand-made data set whose attendance rates are
 * counted by hand (a 10-school-day policy window).
 */
import { describe, expect, it } from "vitest";
import { buildCalendars } from "../../src/calendar/index.ts";
import type { CaseEvent, CaseSignal } from "../../src/cases/index.ts";
import type { AttendanceStatus } from "../../src/data/schema.ts";
import type { MetricName } from "../../src/metrics/index.ts";
import { loadPolicyText } from "../../src/rules/loader.ts";
import { helpOutcomes, metricWords, unitOf } from "../../src/run/digest/help-outcomes.ts";
import { studentValues } from "../../src/run/index.ts";
import { buildDataset, type DatasetSpec, day, weekdays } from "../helpers/build-dataset.ts";

const loaded = loadPolicyText(
  `policy:
  id: help
  name: Help test
  schools: [sch]
  timezone: Europe/London
  schedule: "0 7 * * 1-5"
  window: 10 school days
rules:
  - id: chronic
    name: Missing 10% or more
    severity: high
    when:
      all:
        - { metric: attendance_rate, below: 0.9 }
        - { metric: sessions_recorded, at_least: 5 }
  - id: gone-quiet
    name: No learning-platform activity
    severity: medium
    when: { metric: days_since_activity, source: vle, at_least: 5 }
  - id: late
    name: Late arrivals
    severity: low
    when: { metric: tardies, at_least: 3 }
  - id: late-watch
    name: Some late arrivals
    severity: low
    action: watch
    when: { metric: tardies, at_least: 1 }
`,
  "help.yaml",
);
if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
const POLICY = loaded.policy;

const DAYS = weekdays("2026-09-07", "2026-10-30");
const AS_OF = day("2026-10-09");

/** Present every school day to 2026-10-09 except on the days given. */
function attendance(id: string, absent: string[]): [string, string, AttendanceStatus][] {
  return DAYS.filter((d) => d <= "2026-10-09").map((d) => [
    id,
    d,
    absent.includes(d) ? "unexcused_absence" : "present",
  ]);
}

// Contacted students: 2 absences in the 10 school days to 18 Sep (0.8), 1 in the 10 to
// 2 Oct (0.9): +0.10. Not contacted: 2 absences, then 3 (0.7): -0.10.
const CONTACTED = ["c1", "c2", "c3", "c4", "c5"];
const WAITING = ["n1", "n2", "n3", "n4", "n5", "x1"];
const BETTER = ["2026-09-08", "2026-09-10", "2026-09-22"];
const WORSE = ["2026-09-08", "2026-09-10", "2026-09-22", "2026-09-23", "2026-09-24"];

const SPEC: DatasetSpec = {
  calendar: { sch: DAYS },
  students: [...CONTACTED, ...WAITING, "e1", "g1", "w1"].map((id) => ({ id, school: "sch" })),
  attendance: [
    ...CONTACTED.flatMap((id) => attendance(id, BETTER)),
    ...WAITING.flatMap((id) => attendance(id, WORSE)),
    ...attendance("e1", BETTER),
  ],
  activity: [
    ["g1", "2026-09-10", "vle", 1],
    ["w1", "2026-09-10", "vle", 1],
  ],
};
const DATASET = buildDataset(SPEC);
const CALENDARS = buildCalendars(DATASET);

function signal(ruleId: string, watch = false): CaseSignal {
  return {
    ruleId,
    ruleName: ruleId,
    severity: "high",
    conditions: [],
    runs: 1,
    since: "2026-09-14",
    ...(watch ? { watch: true as const } : {}),
  };
}

interface CaseSpec {
  student: string;
  rule?: string;
  /** A watch signal first, before the case rule's. */
  watchFirst?: boolean;
  policyId?: string;
  /** ISO instants of these events. */
  confirmed?: string;
  contacts?: [at: string, outcome: "reached" | "no_answer"][];
  erased?: boolean;
}

let caseNumber = 0;

function history(spec: CaseSpec): CaseEvent[] {
  const signals = [signal(spec.rule ?? "chronic")];
  if (spec.watchFirst) signals.unshift(signal("late-watch", true));
  const events: CaseEvent[] = [
    {
      type: "opened",
      actor: "reach",
      at: "2026-09-14T06:00:00Z",
      version: 0,
      caseId: `case-${++caseNumber}`,
      policyId: spec.policyId ?? POLICY.id,
      studentId: spec.student,
      school: "sch",
      severity: "high",
      signals,
      inhibited: [],
      asOf: "2026-09-14",
    },
  ];
  const next = () => events.length;
  if (spec.confirmed !== undefined) {
    events.push({
      type: "confirmed",
      actor: "ada",
      at: spec.confirmed,
      version: next(),
      assignee: "ada",
    });
  }
  for (const [at, outcome] of spec.contacts ?? []) {
    events.push({
      type: "contact_attempted",
      actor: "ada",
      at,
      version: next(),
      channel: "phone",
      outcome,
    });
  }
  if (spec.erased)
    events.push({ type: "erased", actor: "dpo", at: "2026-10-06T09:00:00Z", version: next() });
  return events;
}

const CASES: CaseEvent[][] = [
  // Confirmed on 15 Sep, reached on 18 Sep; c5 at 23:30 UTC, which is 19 Sep in London.
  ...CONTACTED.map((student) =>
    history({
      student,
      confirmed: "2026-09-15T09:00:00Z",
      contacts: [
        ["2026-09-16T09:00:00Z", "no_answer"],
        [student === "c5" ? "2026-09-18T23:30:00Z" : "2026-09-18T10:00:00Z", "reached"],
      ],
    }),
  ),
  // Confirmed on 18 Sep, not reached in the 10 school days to 2 Oct; n5 reached on 5 Oct,
  // whose 10 school days after end after the digest's date.
  ...["n1", "n2", "n3", "n4", "n5"].map((student) =>
    history({
      student,
      confirmed: "2026-09-18T09:00:00Z",
      contacts:
        student === "n5"
          ? [["2026-10-05T10:00:00Z", "reached"]]
          : [["2026-09-21T10:00:00Z", "no_answer"]],
    }),
  ),
  // Reached on 1 Oct, within its 10 school days from confirmation: not a comparison case;
  // and 10 school days after that contact are 15 Oct, after the digest's date.
  history({
    student: "x1",
    confirmed: "2026-09-18T09:00:00Z",
    contacts: [["2026-10-01T10:00:00Z", "reached"]],
  }),
  // Erased: left out though its figures are a contacted case's.
  history({
    student: "e1",
    confirmed: "2026-09-15T09:00:00Z",
    contacts: [["2026-09-18T10:00:00Z", "reached"]],
    erased: true,
  }),
  // Another policy's case.
  history({
    student: "c1",
    policyId: "other",
    confirmed: "2026-09-15T09:00:00Z",
    contacts: [["2026-09-18T10:00:00Z", "reached"]],
  }),
  // A student no longer in the data.
  history({
    student: "gone",
    confirmed: "2026-09-15T09:00:00Z",
    contacts: [["2026-09-18T10:00:00Z", "reached"]],
  }),
  // gone-quiet: two contacted cases, one opened with a watch signal first.
  history({
    student: "g1",
    rule: "gone-quiet",
    contacts: [["2026-09-18T10:00:00Z", "reached"]],
  }),
  history({
    student: "w1",
    rule: "gone-quiet",
    watchFirst: true,
    contacts: [["2026-09-18T10:00:00Z", "reached"]],
  }),
];

describe("helpOutcomes", () => {
  const result = helpOutcomes({
    cases: CASES,
    dataset: DATASET,
    calendars: CALENDARS,
    policy: POLICY,
    asOf: AS_OF,
  });

  it("gives the median change after a successful contact against cases not yet contacted", () => {
    expect(result.schoolDaysAfter).toBe(10);
    expect(result.rows[0]).toEqual({
      ruleId: "chronic",
      ruleName: "Missing 10% or more",
      metric: "attendance rate",
      unit: "share",
      contacted: { cases: 5, medianChange: 0.1 },
      notYetContacted: { cases: 5, medianChange: -0.1 },
    });
  });

  it("shows the count but no median under 5 cases, and has a row only for rules with cases", () => {
    expect(result.rows.map((r) => r.ruleId)).toEqual(["chronic", "gone-quiet"]);
    expect(result.rows[1]).toMatchObject({
      metric: "school days since last active on the learning platform",
      unit: "days",
      contacted: { cases: 2, medianChange: null },
      notYetContacted: { cases: 0, medianChange: null },
    });
  });

  it("reads the values the evaluator reads on the contact's day and 10 school days later", () => {
    const on = (asOf: string) =>
      studentValues({
        dataset: DATASET,
        calendars: CALENDARS,
        policy: POLICY,
        asOf: day(asOf),
        studentId: "c1",
      })?.values[0];
    expect(on("2026-09-18")).toMatchObject({ metric: "attendance_rate", value: 0.8 });
    expect(on("2026-10-02")).toMatchObject({ metric: "attendance_rate", value: 0.9 });
  });

  it("measures over the school days asked for, counting the cases whose later day has come", () => {
    const r = helpOutcomes({
      cases: CASES,
      dataset: DATASET,
      calendars: CALENDARS,
      policy: POLICY,
      asOf: AS_OF,
      schoolDaysAfter: 5,
    });
    expect(r.schoolDaysAfter).toBe(5);
    // Contacted: the five as before (0.8 → 0.9 by 25 Sep) and x1, reached on 1 Oct
    // (0.7 → 1 by 8 Oct). Not contacted: 0.8 → 0.7 by 25 Sep, x1 included (reached after).
    expect(r.rows[0]).toMatchObject({
      contacted: { cases: 6, medianChange: 0.1 },
      notYetContacted: { cases: 6, medianChange: -0.1 },
    });
  });

  it("counts nothing before the later days have come", () => {
    // The day before 2 Oct, the 10th school day after both the contacts and the confirmations.
    const r = helpOutcomes({
      cases: CASES,
      dataset: DATASET,
      calendars: CALENDARS,
      policy: POLICY,
      asOf: day("2026-10-01"),
    });
    expect(r.rows).toEqual([]);
  });

  it("names no student", () => {
    const text = JSON.stringify(result);
    for (const s of DATASET.students) expect(text).not.toContain(`"${s.id}"`);
  });
});

describe("the metric in plain words", () => {
  it("names every metric and its unit", () => {
    const cases: [MetricName, Record<string, string>, string, string][] = [
      ["attendance_rate", {}, "attendance rate", "share"],
      ["absences", { kind: "unexcused_absence" }, "sessions marked unexcused absence", "count"],
      ["consecutive_absences", {}, "days absent in a row", "days"],
      ["active_days", { source: "teams" }, "days active in Microsoft Teams", "days"],
      [
        "activity_vs_cohort",
        { measure: "percentile" },
        "activity online, percentile in the cohort",
        "score",
      ],
      ["assessment_score", {}, "lowest mark on recent assessments", "score"],
    ];
    for (const [metric, params, words, unit] of cases) {
      expect(metricWords(metric, params)).toBe(words);
      expect(unitOf(metric, params)).toBe(unit);
    }
  });
});

describe("helpOutcomes with a cohort metric", () => {
  it("compares with the cohort as a run on each date does", () => {
    const cohortPolicy = loadPolicyText(
      `policy:
  id: help
  name: Help test
  schools: [sch]
  timezone: Europe/London
  schedule: "0 7 * * 1-5"
  window: 10 school days
rules:
  - id: quiet
    name: Quieter than the school
    severity: medium
    when: { metric: activity_vs_cohort, cohort_by: school, measure: percentile, below: 25 }
`,
      "cohort.yaml",
    );
    if (!cohortPolicy.ok) throw new Error(JSON.stringify(cohortPolicy.errors));
    const policy = cohortPolicy.policy;
    const ids = Array.from({ length: 12 }, (_, i) => `s${i}`);
    // Student i logs in i times a week in September and 12 - i times a week in October.
    const activity: [string, string, string, number][] = [];
    for (const [i, id] of ids.entries()) {
      for (const d of DAYS.filter((d) => d <= "2026-10-16")) {
        const weekday = new Date(`${d}T00:00:00Z`).getUTCDay();
        const perWeek = d < "2026-10-01" ? i : 12 - i;
        if (weekday === 1 && perWeek > 0) activity.push([id, d, "vle", perWeek]);
      }
    }
    const dataset = buildDataset({
      calendar: { sch: DAYS },
      students: ids.map((id) => ({ id, school: "sch" })),
      activity,
    });
    const calendars = buildCalendars(dataset);
    const contacted = ids.slice(0, 5);
    const cases = contacted.map((student) =>
      history({
        student,
        rule: "quiet",
        contacts: [["2026-09-25T10:00:00Z", "reached"]],
      }),
    );
    const r = helpOutcomes({ cases, dataset, calendars, policy, asOf: day("2026-10-16") });
    // The evaluator's own values on 25 Sep and 10 school days later, 9 Oct.
    const value = (studentId: string, asOf: string) =>
      studentValues({ dataset, calendars, policy, asOf: day(asOf), studentId })?.values[0]
        .value as number;
    const changes = contacted
      .map((s) => value(s, "2026-10-09") - value(s, "2026-09-25"))
      .sort((a, b) => a - b);
    expect(changes[2]).toBeGreaterThan(0);
    expect(r.rows).toEqual([
      {
        ruleId: "quiet",
        ruleName: "Quieter than the school",
        metric: "activity online, percentile in the school",
        unit: "score",
        contacted: { cases: 5, medianChange: Math.round(changes[2] * 10_000) / 10_000 },
        notYetContacted: { cases: 0, medianChange: null },
      },
    ]);
  });
});
