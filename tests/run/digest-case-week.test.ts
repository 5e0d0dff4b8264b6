/**
 * The case side of the weekly digest (`summariseCaseWeek`) on hand-built histories. The
 * digest is made on Sunday 22 Nov 2026: its week is 16–22 Nov, the week before 9–15 Nov,
 * the rules' period 26 Oct – 22 Nov. Europe/London is on UTC in November, so an event's
 * date is its UTC date there.
 */
import { describe, expect, it } from "vitest";
import {
  type CaseEvent,
  type CaseSignal,
  type DismissReason,
  eraseHistory,
  parseCaseEvents,
} from "../../src/cases/index.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import type { Rule } from "../../src/rules/policy.ts";
import {
  type DigestRun,
  digestWeeks,
  medianOf,
  summariseCaseWeek,
} from "../../src/run/digest/case-week.ts";

const DATE = parseIsoDate("2026-11-22") as number;

function rule(id: string, extra: Partial<Rule> = {}): Rule {
  return {
    id,
    name: `Rule ${id}`,
    severity: "medium",
    when: { kind: "all", of: [] },
    forRuns: 1,
    enabled: true,
    position: { file: "p.yaml", line: 1, column: 1 },
    ...extra,
  };
}

const RULES = [
  rule("chronic"),
  rule("quiet"),
  rule("slow"),
  rule("drift", { action: "watch" }),
  rule("old", { enabled: false }),
];
const LONDON = { timezone: "Europe/London", rules: RULES };

function sig(ruleId: string, watch = false): CaseSignal {
  return {
    ruleId,
    ruleName: `Rule ${ruleId}`,
    severity: "medium",
    conditions: [],
    runs: 1,
    since: "2026-11-01",
    ...(watch && { watch: true as const }),
  };
}

type Step =
  | { type: "confirmed"; at: string }
  | { type: "dismissed"; at: string; reason: DismissReason }
  | { type: "contact"; at: string; outcome?: "reached" | "no_answer" }
  | { type: "resolved"; at: string }
  | { type: "escalation_proposed"; at: string }
  | { type: "escalation_decided"; at: string }
  | { type: "erased"; at: string };

let caseNo = 0;

/** A valid history: opened at `at` with these signals, then the steps in order. */
function history(
  at: string,
  signals: CaseSignal[],
  steps: Step[] = [],
  inhibited: CaseSignal[] = [],
): CaseEvent[] {
  const id = `case-${++caseNo}`;
  const raw: object[] = [
    {
      type: "opened",
      actor: "reach",
      at,
      caseId: id,
      policyId: "p",
      studentId: `stu-${caseNo}`,
      school: "sch1",
      severity: "medium",
      signals,
      inhibited,
      asOf: at.slice(0, 10),
    },
  ];
  for (const step of steps) {
    const base = { actor: "ada", at: step.at };
    switch (step.type) {
      case "confirmed":
        raw.push({ ...base, type: "confirmed", assignee: "ada" });
        break;
      case "dismissed":
        raw.push({ ...base, type: "dismissed", reason: step.reason });
        break;
      case "contact":
        raw.push({
          ...base,
          type: "contact_attempted",
          channel: "phone",
          outcome: step.outcome ?? "reached",
        });
        break;
      case "resolved":
        raw.push({ ...base, type: "resolved", outcome: "re_engaged" });
        break;
      case "escalation_proposed":
        raw.push({ ...base, type: "escalation_proposed", reason: "no contact" });
        break;
      case "escalation_decided":
        raw.push({ ...base, actor: "lee", type: "escalation_decided", decision: "accept" });
        break;
      case "erased":
        raw.push({ ...base, actor: "adm", type: "erased" });
        break;
    }
  }
  const parsed = parseCaseEvents(raw.map((e, version) => ({ ...e, version })));
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.events;
}

const t = (date: string, time = "09:00") => `${date}T${time}:00Z`;

/** The histories of the main example (see each case's comment). */
function cases(): CaseEvent[][] {
  return [
    // A: opened in the week, contacted 1.0 day later, resolved in the week.
    history(
      t("2026-11-16"),
      [sig("chronic")],
      [
        { type: "confirmed", at: t("2026-11-16", "10:00") },
        { type: "contact", at: t("2026-11-17") },
        { type: "resolved", at: t("2026-11-20") },
      ],
    ),
    // B: opened in the week, first contact 2.5 days later (no answer); resolved after the week.
    history(
      t("2026-11-17"),
      [sig("chronic")],
      [
        { type: "confirmed", at: t("2026-11-17", "11:00") },
        { type: "contact", at: t("2026-11-19", "21:00"), outcome: "no_answer" },
        { type: "contact", at: t("2026-11-20") },
        { type: "resolved", at: t("2026-11-23", "10:00") },
      ],
      [sig("quiet")],
    ),
    // C: opened in the week, contacted 4.0 days later, escalation proposed in the week and
    // decided only after it.
    history(
      t("2026-11-18", "08:00"),
      [sig("quiet"), sig("drift", true)],
      [
        { type: "confirmed", at: t("2026-11-18", "08:30") },
        { type: "contact", at: t("2026-11-22", "08:00") },
        { type: "escalation_proposed", at: t("2026-11-22", "12:00") },
        { type: "escalation_decided", at: t("2026-11-23", "08:00") },
      ],
    ),
    // D: opened and dismissed the week before.
    history(
      t("2026-11-10"),
      [sig("chronic")],
      [{ type: "dismissed", at: t("2026-11-11"), reason: "data_error" }],
    ),
    // E: opened and confirmed earlier, first contact before the week, erased in the week.
    eraseHistory(
      history(
        t("2026-11-02"),
        [sig("chronic")],
        [
          { type: "confirmed", at: t("2026-11-03") },
          { type: "contact", at: t("2026-11-04") },
          { type: "contact", at: t("2026-11-18") },
          { type: "erased", at: t("2026-11-19") },
        ],
      ),
    ),
    // F, G, H: opened earlier, dismissed in the week.
    history(
      t("2026-11-05"),
      [sig("chronic")],
      [{ type: "dismissed", at: t("2026-11-16"), reason: "known_circumstance" }],
    ),
    history(
      t("2026-11-05"),
      [sig("chronic")],
      [{ type: "dismissed", at: t("2026-11-17"), reason: "not_a_concern" }],
    ),
    history(
      t("2026-11-06"),
      [sig("quiet")],
      [{ type: "dismissed", at: t("2026-11-18"), reason: "known_circumstance" }],
    ),
    // I: opened after the week, still proposed: in no figure of the week.
    history(t("2026-11-23", "07:00"), [sig("chronic")]),
  ];
}

const run = (asOf: string, status: DigestRun["status"], counts = {}, errors: string[] = []) => ({
  asOf,
  status,
  counts,
  errors,
  startedAt: `${asOf}T07:00:00Z`,
});

const RUNS: DigestRun[] = [
  run("2026-11-23", "succeeded", { "watched:drift": 99 }),
  run("2026-11-20", "running"),
  run("2026-11-20", "succeeded", { "watched:drift": 7 }),
  run("2026-11-19", "skipped", {}, ["2026-11-19 is not a school day"]),
  run("2026-11-18", "failed", {}, ["x".repeat(150), "y".repeat(150)]),
  run("2026-11-17", "succeeded", { "watched:drift": 5 }),
  run("2026-11-16", "succeeded", { "watched:drift": 4 }),
  run("2026-11-13", "succeeded", { "watched:drift": 2 }),
  run("2026-11-12", "failed", {}, ["the data is 9 school days old"]),
];

const DEAD = [
  { createdAt: t("2026-11-01") },
  { createdAt: t("2026-11-17", "12:00") },
  { createdAt: t("2026-11-23", "00:30") },
];

describe("digestWeeks", () => {
  it("is the seven days up to the date, the seven before those, and 28 days", () => {
    expect(digestWeeks(DATE)).toEqual({
      week: { from: "2026-11-16", to: "2026-11-22" },
      previousWeek: { from: "2026-11-09", to: "2026-11-15" },
      rulePeriod: { from: "2026-10-26", to: "2026-11-22" },
    });
  });
});

describe("medianOf", () => {
  it("takes the middle value, or the mean of the two middle ones", () => {
    expect(medianOf([4, 1, 2.5])).toBe(2.5);
    expect(medianOf([4, 1, 2, 3])).toBe(2.5);
    expect(medianOf([])).toBeNull();
  });
});

describe("summariseCaseWeek on a hand-built week", () => {
  const week = summariseCaseWeek({
    policy: LONDON,
    date: DATE,
    cases: cases(),
    runs: RUNS,
    deadLetters: DEAD,
  });

  it("counts the cases opened, confirmed, dismissed and resolved in each week", () => {
    expect(week.week).toEqual({ from: "2026-11-16", to: "2026-11-22" });
    expect(week.cases).toMatchObject({
      opened: 3,
      confirmed: 3,
      dismissed: 3,
      resolved: 1,
      previous: { opened: 1, confirmed: 0, dismissed: 1, resolved: 0 },
    });
    // DISMISS_REASONS order: known_circumstance before not_a_concern; data_error was the week before.
    expect(week.cases.dismissedByReason).toEqual([
      { reason: "known_circumstance", count: 2 },
      { reason: "not_a_concern", count: 1 },
    ]);
    expect(week.cases.resolvedByOutcome).toEqual([{ outcome: "re_engaged", count: 1 }]);
  });

  it("counts the cases open at the end of the week, and the escalations awaiting a decision then", () => {
    // B (resolved only on the 23rd) and C; A resolved, E erased, the rest dismissed, I not yet opened.
    expect(week.cases.openNow).toBe(2);
    // C's escalation was decided on the 23rd: at the end of the week it was waiting.
    expect(week.escalationsAwaiting).toBe(1);
  });

  it("takes the median days from opening to the first contact attempt in the week", () => {
    // A 1.0, B 2.5 (its first attempt, unanswered), C 4.0; E's first attempt was before the week.
    expect(week.firstContact).toEqual({ cases: 3, medianDays: 2.5 });
  });

  it("gives each case rule's decisions over 28 days, and no watch rule's", () => {
    expect(week.rulePeriod).toEqual({ from: "2026-10-26", to: "2026-11-22" });
    // chronic: A, B, E (erased, counted) confirmed; D, F, G dismissed. quiet: B (inhibited), C
    // confirmed; H dismissed. slow: none. old is disabled and decided nothing: not shown.
    expect(week.rules).toEqual([
      {
        ruleId: "chronic",
        name: "Rule chronic",
        decided: 6,
        dismissed: 3,
        dismissalRate: 0.5,
        noisy: true,
      },
      {
        ruleId: "quiet",
        name: "Rule quiet",
        decided: 3,
        dismissed: 1,
        dismissalRate: 1 / 3,
        noisy: false,
      },
      {
        ruleId: "slow",
        name: "Rule slow",
        decided: 0,
        dismissed: 0,
        dismissalRate: null,
        noisy: false,
      },
    ]);
  });

  it("counts the runs of the week by status, and lists the failed ones clipped", () => {
    expect(week.runs.succeeded).toBe(3);
    expect(week.runs.failed).toBe(1);
    expect(week.runs.skipped).toBe(1);
    expect(week.runs.failures).toHaveLength(1);
    const [failure] = week.runs.failures;
    expect(failure.asOf).toBe("2026-11-18");
    expect(failure.error).toHaveLength(200);
    expect(failure.error).toBe(`${"x".repeat(150)}; ${"y".repeat(47)}…`);
  });

  it("counts dead letters created in the week and in all", () => {
    expect(week.deadLetters).toEqual({ week: 1, total: 3 });
  });

  it("takes each watch rule's count from the last succeeded run of each week", () => {
    expect(week.watch).toEqual([{ ruleId: "drift", name: "Rule drift", week: 7, previous: 2 }]);
  });

  it("holds no student id", () => {
    const text = JSON.stringify(week);
    expect(text).not.toMatch(/stu-/);
  });
});

describe("summariseCaseWeek: noisy rules", () => {
  it("calls a rule noisy at 5 or more decided with half or more dismissed", () => {
    const decided = (ruleId: string, n: number, dismissed: number) =>
      Array.from({ length: n }, (_, i) =>
        history(
          t("2026-11-02"),
          [sig(ruleId)],
          [
            i < dismissed
              ? { type: "dismissed", at: t("2026-11-10"), reason: "not_a_concern" }
              : { type: "confirmed", at: t("2026-11-10") },
          ],
        ),
      );
    const week = summariseCaseWeek({
      policy: { timezone: "Europe/London", rules: [rule("six"), rule("four"), rule("few")] },
      date: DATE,
      cases: [
        ...decided("six", 6, 4),
        ...decided("four", 4, 4),
        ...decided("few", 6, 2),
        // Decided before the 28 days: not counted.
        history(
          t("2026-10-01"),
          [sig("few")],
          [{ type: "dismissed", at: t("2026-10-25"), reason: "other" }],
        ),
      ],
      runs: [],
      deadLetters: [],
    });
    expect(week.rules.map((r) => [r.ruleId, r.decided, r.dismissed, r.noisy])).toEqual([
      ["six", 6, 4, true],
      ["four", 4, 4, false],
      ["few", 6, 2, false],
    ]);
    expect(week.rules[0].dismissalRate).toBeCloseTo(4 / 6, 10);
    expect(week.runs).toEqual({ succeeded: 0, failed: 0, skipped: 0, failures: [] });
    expect(week.watch).toEqual([]);
    expect(week.firstContact).toEqual({ cases: 0, medianDays: null });
  });
});

describe("summariseCaseWeek: the policy's time zone", () => {
  it("puts an event on the policy-local date of its instant", () => {
    const week = summariseCaseWeek({
      policy: { timezone: "America/New_York", rules: [rule("chronic")] },
      date: DATE,
      cases: [
        // 22 Nov, 22:00 in New York: in the week.
        history("2026-11-23T03:00:00Z", [sig("chronic")]),
        // 15 Nov, 22:00 in New York: the week before.
        history("2026-11-16T03:00:00Z", [sig("chronic")]),
      ],
      runs: [],
      deadLetters: [{ createdAt: "2026-11-23T04:59:00Z" }, { createdAt: "2026-11-23T05:00:00Z" }],
    });
    expect(week.cases.opened).toBe(1);
    expect(week.cases.previous.opened).toBe(1);
    expect(week.cases.openNow).toBe(2);
    // 23:59 on the 22nd in New York is in the week; midnight on the 23rd is not.
    expect(week.deadLetters).toEqual({ week: 1, total: 2 });
  });
});
