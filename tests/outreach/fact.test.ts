/**
 * The `{fact}` of a case (`factFor`) from the signals the evaluator really writes (a small
 * data set run through `evaluate`), the most specific test first; dates in words and never
 * a score or threshold; and the template suggested for a case (`suggestedTemplateId`).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CaseSignal } from "../../src/cases/index.ts";
import type { AttendanceStatus } from "../../src/data/schema.ts";
import { METRIC_NAMES } from "../../src/metrics/index.ts";
import {
  checkMessageText,
  type FactCondition,
  factFor,
  GENERAL_FACT,
  suggestedTemplateId,
} from "../../src/outreach/index.ts";
import { emptyRuleState, evaluate } from "../../src/rules/index.ts";
import { loadPolicyText } from "../../src/rules/loader.ts";
import { buildDataset, type DatasetSpec, day, weekdays } from "../helpers/build-dataset.ts";

// Monday 4 January to Friday 29 January 2027.
const DAYS = weekdays("2027-01-04", "2027-01-29");
const AS_OF = "2027-01-29";

const attendance = (id: string, absent: (d: string) => boolean) =>
  DAYS.map((d): [string, string, AttendanceStatus] => [
    id,
    d,
    absent(d) ? "unexcused_absence" : "present",
  ]);

const SPEC: DatasetSpec = {
  calendar: { sch: DAYS },
  students: [
    { id: "away" },
    { id: "mondays" },
    { id: "quiet" },
    { id: "offline" },
    { id: "one-due" },
    { id: "two-due" },
  ],
  attendance: [
    // Absent from Monday 25 January on.
    ...attendance("away", (d) => d >= "2027-01-25"),
    // Absent every Monday but in on the last day.
    ...attendance("mondays", (d) => new Date(`${d}T00:00:00Z`).getUTCDay() === 1),
    ...attendance("quiet", () => false),
    ...attendance("offline", () => false),
    ...attendance("one-due", () => false),
    ...attendance("two-due", () => false),
  ],
  activity: [
    ["quiet", "2027-01-14", "vle", 3],
    ...DAYS.flatMap((d): [string, string, string, number][] => [
      ["away", d, "vle", 1],
      ["mondays", d, "vle", 1],
      ["one-due", d, "vle", 1],
      ["two-due", d, "vle", 1],
    ]),
  ],
  submissions: [
    ["one-due", "essay-1", "2027-01-22"],
    ["two-due", "essay-1", "2027-01-15"],
    ["two-due", "essay-2", "2027-01-22"],
  ],
};

const POLICY = `policy:
  id: facts
  name: Facts
  schools: [sch]
  timezone: Europe/London
  schedule: "0 7 * * 1-5"
rules:
  - id: attendance
    severity: high
    outreach: attendance-checkin
    when:
      all:
        - { metric: sessions_recorded, at_least: 10 }
        - any:
            - { metric: attendance_rate, below: 0.95 }
            - { metric: consecutive_absences, at_least: 3 }
  - id: quiet-vle
    severity: medium
    outreach: online-activity-checkin
    when: { metric: days_since_activity, source: vle, at_least: 5 }
  - id: quiet-anywhere
    severity: low
    when: { metric: days_since_activity, at_least: 5 }
  - id: missed
    severity: medium
    outreach: assessment-support
    when: { metric: missed_submissions, at_least: 1 }
`;

function signalsByStudent(): Map<string, CaseSignal[]> {
  const loaded = loadPolicyText(POLICY, "facts.yaml");
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join("\n"));
  const evaluation = evaluate({
    dataset: buildDataset(SPEC),
    policy: loaded.policy,
    asOf: day(AS_OF),
    previous: emptyRuleState("facts"),
  });
  return new Map(evaluation.findings.map((f) => [f.studentId, f.signals]));
}

describe("factFor, on the evaluator's own signals", () => {
  const signals = signalsByStudent();
  const factOf = (id: string) => factFor(signals.get(id) ?? []);

  it.each([
    ["away", "we noticed you haven't been able to be in school since Monday 25 January"],
    ["mondays", "we noticed you've missed some school days over the last few weeks"],
    ["quiet", "we noticed you haven't been on the learning platform since Thursday 14 January"],
    // No activity at all in the window: no date to give.
    ["offline", "we noticed you haven't been on the learning platform for a while"],
    ["one-due", "we noticed an assignment due on Friday 22 January hasn't come in yet"],
    [
      "two-due",
      "we noticed some assignments haven't come in yet, the most recent due on Friday 22 January",
    ],
  ])("%s: %s", (student, fact) => {
    expect(factOf(student)).toBe(fact);
    expect(checkMessageText(fact)).toEqual([]);
  });

  it("the template of the first signal, and the fact of that signal", () => {
    expect(suggestedTemplateId(signals.get("away") ?? [])).toBe("attendance-checkin");
    expect(suggestedTemplateId(signals.get("quiet") ?? [])).toBe("online-activity-checkin");
    expect(suggestedTemplateId(signals.get("two-due") ?? [])).toBe("assessment-support");
  });
});

const condition = (c: Partial<FactCondition> & Pick<FactCondition, "metric">): FactCondition => ({
  params: {},
  value: 1,
  met: true,
  evidence: "",
  window: { from: "2027-01-04", to: "2027-01-29" },
  ...c,
});

describe("factFor, by hand", () => {
  it("a date in another year than the window's end carries its year", () => {
    const fact = factFor([
      {
        conditions: [
          condition({
            metric: "days_since_activity",
            params: { source: "teams" },
            value: 8,
            evidence: "no teams activity for 8 school days (last on 2026-12-18)",
            window: { from: "2026-11-02", to: "2027-01-08" },
          }),
        ],
      },
    ]);
    expect(fact).toBe("we noticed you haven't been on Teams since Friday 18 December 2026");
  });

  it("activity of every source is being active online", () => {
    const quiet = condition({
      metric: "days_since_activity",
      value: 6,
      evidence: "no activity for 6 school days (last on 2027-01-21)",
    });
    expect(factFor([{ conditions: [quiet] }])).toBe(
      "we noticed you haven't been active online since Thursday 21 January",
    );
    expect(
      factFor([{ conditions: [condition({ metric: "activity_vs_cohort", value: 0.1 })] }]),
    ).toBe("we noticed you haven't been as active online lately");
  });

  it("prefers a test that held to a more specific one that did not", () => {
    const fact = factFor([
      {
        conditions: [
          condition({
            metric: "consecutive_absences",
            value: 1,
            met: false,
            evidence: "absent on the latest school day (2027-01-29)",
          }),
          condition({ metric: "attendance_rate", value: 0.8, met: true }),
        ],
      },
    ]);
    expect(fact).toBe("we noticed you've missed some school days over the last few weeks");
  });

  it("skips a signal with nothing to say for the next one", () => {
    const fact = factFor([
      { conditions: [condition({ metric: "sessions_recorded", value: 40 })] },
      { conditions: [condition({ metric: "tardies", value: 4 })] },
    ]);
    expect(fact).toBe(
      "we noticed you've arrived after the start of the school day a few times recently",
    );
  });

  it("unknown values, no signals, or only guards: the general fact", () => {
    expect(factFor([])).toBe(GENERAL_FACT);
    expect(
      factFor([{ conditions: [condition({ metric: "attendance_rate", value: null, met: null })] }]),
    ).toBe(GENERAL_FACT);
    expect(factFor([{ conditions: [condition({ metric: "sessions_recorded" })] }])).toBe(
      GENERAL_FACT,
    );
  });

  it("a date in the evidence that is no real date is left out", () => {
    const fact = factFor([
      {
        conditions: [
          condition({
            metric: "consecutive_absences",
            value: 3,
            evidence: "absent on each of the last 3 school days (2027-02-30 to 2027-03-02)",
          }),
        ],
      },
    ]);
    expect(fact).toBe("we noticed you haven't been able to be in school for the last few days");
  });

  it("whatever the evidence says, the fact holds no score, threshold or number but a date", () => {
    const anyCondition = fc.record({
      metric: fc.constantFrom(...METRIC_NAMES),
      params: fc.record(
        { source: fc.option(fc.string(), { nil: undefined }) },
        { requiredKeys: [] },
      ),
      value: fc.option(fc.double({ noNaN: true }), { nil: null }),
      met: fc.option(fc.boolean(), { nil: null }),
      evidence: fc.oneof(
        fc.string(),
        fc.constantFrom(
          "attended 17 of 20 sessions (85%) between 2027-01-04 and 2027-01-29",
          "no vle activity for 9 school days (last on 2027-01-14)",
          "2 assessments due between 2027-01-04 and 2027-01-29 not submitted: 0.9 (due 2027-01-22), 9/10 (due 2027-13-01)",
        ),
      ),
      window: fc.constant({ from: "2027-01-04", to: "2027-01-29" }),
    });
    fc.assert(
      fc.property(
        fc.array(fc.record({ conditions: fc.array(anyCondition) }), { maxLength: 3 }),
        (signals) => {
          const fact = factFor(signals);
          expect(checkMessageText(fact)).toEqual([]);
          expect(fact.replace(/\b\d{1,2} [A-Z][a-z]+( \d{4})?\b/g, "")).not.toMatch(/\d/);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("suggestedTemplateId", () => {
  it("the first signal's outreach, else general-checkin", () => {
    expect(
      suggestedTemplateId([
        { outreach: "a", conditions: [] },
        { outreach: "b", conditions: [] },
      ]),
    ).toBe("a");
    expect(suggestedTemplateId([{ conditions: [] }, { outreach: "b", conditions: [] }])).toBe(
      "general-checkin",
    );
    expect(suggestedTemplateId([])).toBe("general-checkin");
    expect(suggestedTemplateId([{ outreach: "", conditions: [] }])).toBe("general-checkin");
  });

  it("with the templates at hand, an id they do not have falls back to general-checkin", () => {
    const available = new Set(["general-checkin", "attendance-checkin"]);
    expect(
      suggestedTemplateId([{ outreach: "attendance-checkin", conditions: [] }], available),
    ).toBe("attendance-checkin");
    expect(suggestedTemplateId([{ outreach: "../etc/passwd", conditions: [] }], available)).toBe(
      "general-checkin",
    );
  });
});
