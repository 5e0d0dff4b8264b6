/**
 * Watch rules (`action: watch`) in the evaluator: their firing is listed in `watched`, never
 * as a finding; a finding's severity, rules and inhibition come from case rules only; `for`,
 * cool-downs and snoozes hold for them as for any rule. Then the sample school
 * (samples/demo-school) under its policy and under the watch variant of it.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ADAPTERS } from "../../src/data/adapters/index.ts";
import { evaluate } from "../../src/rules/evaluate.ts";
import { loadPolicyFile, loadPolicyText } from "../../src/rules/loader.ts";
import type { Policy } from "../../src/rules/policy.ts";
import { emptyRuleState, type RuleState } from "../../src/rules/rule-state.ts";
import { buildDataset, type DatasetSpec, day, weekdays } from "../helpers/build-dataset.ts";

const DAYS = weekdays("2026-09-07", "2026-10-02", ["2026-09-21"]);

function policy(rules: string): Policy {
  const loaded = loadPolicyText(
    `policy: { id: t, name: T, schools: [sch], timezone: Europe/London, schedule: "0 7 * * 1-5" }\nrules:\n${rules}`,
    "t.yaml",
  );
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join("\n"));
  return loaded.policy;
}

/** A case rule of low severity, and a watch rule of high severity. */
const LOW_ATTENDANCE = `  - id: low-attendance
    severity: low
    when: { metric: attendance_rate, below: 0.9 }
`;
const QUIET = `  - id: quiet
    name: Quiet online
    severity: high
    action: watch
    when: { metric: days_since_activity, at_least: 5 }
`;

// "poor" misses 4 of 19 school days (78.9%) and is never active online; "fine" misses none
// and is active on the last day; "quiet" misses none and is never active online.
const ABSENT = ["2026-09-08", "2026-09-09", "2026-09-10", "2026-09-11"];
const SPEC: DatasetSpec = {
  calendar: { sch: DAYS },
  students: [{ id: "poor" }, { id: "fine" }, { id: "quiet" }],
  attendance: DAYS.flatMap((d) => [
    ["poor", d, ABSENT.includes(d) ? "unexcused_absence" : "present"],
    ["fine", d, "present"],
    ["quiet", d, "present"],
  ]) as DatasetSpec["attendance"],
  activity: [["fine", "2026-10-02", "vle", 3]],
};

function run(p: Policy, asOf: string, previous: RuleState = emptyRuleState(p.id)) {
  return evaluate({ dataset: buildDataset(SPEC), policy: p, asOf: day(asOf), previous });
}

describe("a watch rule", () => {
  it("fires into `watched`, never into a finding", () => {
    const e = run(policy(QUIET), "2026-10-02");
    expect(e.findings).toEqual([]);
    expect(e.watched.map((w) => [w.studentId, w.policyId, w.asOf])).toEqual([
      ["poor", "t", "2026-10-02"],
      ["quiet", "t", "2026-10-02"],
    ]);
    const [signal] = e.watched[0].signals;
    expect(signal).toMatchObject({
      ruleId: "quiet",
      ruleName: "Quiet online",
      severity: "high",
      watch: true,
      runs: 1,
      since: "2026-10-02",
    });
    expect(signal.conditions).toHaveLength(1);
    expect(signal.conditions[0]).toMatchObject({ metric: "days_since_activity", met: true });
    expect(e.counts).toMatchObject({
      findings: 0,
      byRule: {},
      bySeverity: {},
      watched: 2,
      watchedByRule: { quiet: 2 },
    });
  });

  it("beside a case rule: the finding, its severity and inhibition come from the case rule only", () => {
    const e = run(policy(LOW_ATTENDANCE + QUIET), "2026-10-02");
    // poor: the case rule (low) and the watch rule (high) fire; quiet: the watch rule only.
    expect(e.findings).toHaveLength(1);
    const [f] = e.findings;
    expect(f).toMatchObject({
      studentId: "poor",
      severity: "low",
      ruleIds: ["low-attendance"],
      inhibited: [],
    });
    // Severity inhibition is on by default: a high watch signal does not hide the low one.
    expect(f.signals.map((s) => [s.ruleId, s.watch])).toEqual([["low-attendance", undefined]]);
    expect(e.watched.map((w) => [w.studentId, w.signals.map((s) => s.ruleId)])).toEqual([
      ["poor", ["quiet"]],
      ["quiet", ["quiet"]],
    ]);
    expect(e.counts).toMatchObject({
      findings: 1,
      byRule: { "low-attendance": 1 },
      bySeverity: { low: 1 },
      watched: 2,
      watchedByRule: { quiet: 2 },
    });
    expect(Object.keys(e.counts.byRule)).toEqual(["low-attendance"]);
  });

  it("waits `for` its runs as any rule: pending first, watched when the streak is long enough", () => {
    const p = policy(`${QUIET}    for: 2 runs\n`);
    const first = run(p, "2026-10-01");
    expect(first.watched).toEqual([]);
    // On 10-01 "fine" has not been active yet either; its activity on 10-02 ends its streak.
    expect(first.pending).toEqual([
      { studentId: "fine", ruleId: "quiet", runs: 1, needed: 2 },
      { studentId: "poor", ruleId: "quiet", runs: 1, needed: 2 },
      { studentId: "quiet", ruleId: "quiet", runs: 1, needed: 2 },
    ]);
    const second = run(p, "2026-10-02", first.state);
    expect(second.pending).toEqual([]);
    expect(second.watched.map((w) => [w.studentId, w.signals[0].runs, w.signals[0].since])).toEqual(
      [
        ["poor", 2, "2026-10-01"],
        ["quiet", 2, "2026-10-01"],
      ],
    );
    expect(second.findings).toEqual([]);
    expect(second.state.holding.map((h) => h.studentId)).toEqual(["poor", "quiet"]);
  });

  it("is not evaluated in a cool-down (its own, or the student's for every rule)", () => {
    const p = policy(LOW_ATTENDANCE + QUIET);
    const until = day("2026-10-02");
    const own = run(p, "2026-10-02", {
      ...emptyRuleState("t"),
      cooldowns: [{ studentId: "quiet", ruleId: "quiet", until }],
    });
    expect(own.watched.map((w) => w.studentId)).toEqual(["poor"]);
    const every = run(p, "2026-10-02", {
      ...emptyRuleState("t"),
      cooldowns: [{ studentId: "poor", until }],
    });
    expect(every.findings).toEqual([]);
    expect(every.watched.map((w) => w.studentId)).toEqual(["quiet"]);
  });

  it("a snoozed student is suppressed: not watched either", () => {
    const e = run(policy(LOW_ATTENDANCE + QUIET), "2026-10-02", {
      ...emptyRuleState("t"),
      snoozes: [{ studentId: "quiet", until: day("2026-10-02") }],
    });
    expect(e.suppressed).toEqual([{ studentId: "quiet", reason: "snoozed" }]);
    expect(e.watched.map((w) => w.studentId)).toEqual(["poor"]);
  });

  it("a disabled watch rule is not evaluated; a policy without watch rules watches no one", () => {
    const off = run(policy(`${LOW_ATTENDANCE + QUIET}    enabled: false\n`), "2026-10-02");
    expect(off.watched).toEqual([]);
    expect(off.counts).toMatchObject({ watched: 0, watchedByRule: {} });
    const none = run(policy(LOW_ATTENDANCE), "2026-10-02");
    expect(none.watched).toEqual([]);
    expect(none.counts).toMatchObject({
      findings: 1,
      byRule: { "low-attendance": 1 },
      watched: 0,
      watchedByRule: {},
    });
    expect(none.findings).toEqual(off.findings);
  });
});

const ROOT = join(import.meta.dirname, "../..");

describe("the sample school under its policy's watch variant", () => {
  it("watches the gone-quiet students: cases only from the other rules, at their severity", async () => {
    const { dataset } = await ADAPTERS.canonical.import(join(ROOT, "samples/demo-school"));
    const load = async (file: string) => {
      const loaded = await loadPolicyFile(join(ROOT, file));
      if (!loaded.ok) throw new Error(file);
      return loaded.policy;
    };
    const asOf = day("2027-01-29");
    const original = evaluate({
      dataset,
      policy: await load("samples/demo-policy.yaml"),
      asOf,
      previous: emptyRuleState("demo"),
    });
    const watching = evaluate({
      dataset,
      policy: await load("tests/fixtures/policies/demo-watch.yaml"),
      asOf,
      previous: emptyRuleState("demo-watch"),
    });
    // samples/README.md: the policy finds 85 of the 200 students; 39 of them match gone-quiet.
    expect(original.counts).toMatchObject({ findings: 85, byRule: { "gone-quiet": 39 } });
    // With gone-quiet watched, the 39 are watched; 31 of them matched no other rule and get
    // no case, so 85 - 31 = 54 cases remain, all medium (the variant's case rules are at
    // most medium; gone-quiet, though high, sets none of them).
    expect(watching.counts).toMatchObject({
      findings: 54,
      byRule: { "chronic-absence": 54, "absent-in-a-row": 1, disengaging: 23 },
      bySeverity: { medium: 54 },
      watched: 39,
      watchedByRule: { "gone-quiet": 39 },
    });
    const withCase = new Set(watching.findings.map((f) => f.studentId));
    const watchedOnly = watching.watched.filter((w) => !withCase.has(w.studentId));
    expect(watchedOnly).toHaveLength(31);
    // Every student the original policy found is either a case or only watched now.
    expect([...withCase, ...watchedOnly.map((w) => w.studentId)].sort()).toEqual(
      original.findings.map((f) => f.studentId),
    );
    const gq = original.findings.filter((f) => f.ruleIds.includes("gone-quiet"));
    expect(watching.watched.map((w) => w.studentId)).toEqual(gq.map((f) => f.studentId));
    for (const f of watching.findings) expect(f.ruleIds).not.toContain("gone-quiet");

    // Two students checked by hand in the table of `reach run --dry-run`.
    const mason = watching.watched.find((w) => w.studentId === "S000004");
    expect(withCase.has("S000004")).toBe(false);
    expect(mason?.signals[0].conditions[0].evidence).toBe(
      "no vle activity for 31 school days (last on 2026-12-03)",
    );
    const yusuf = watching.findings.find((f) => f.studentId === "S000009");
    expect(yusuf).toMatchObject({ severity: "medium", ruleIds: ["chronic-absence"] });
    expect(
      watching.watched.find((w) => w.studentId === "S000009")?.signals[0].conditions[0].evidence,
    ).toBe("no vle activity for 9 school days (last on 2027-01-18)");
  });
});
