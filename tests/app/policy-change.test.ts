/**
 * Previewing a policy change for a person (src/app/policy-change.ts), on the sample school
 * and the Northfield policy's file as of 2027-01-29: an engagement lead of the policy's
 * school gets the counts per rule with the names of the students they may read; anyone
 * else is refused before the file is read; a change the loader refuses comes back with
 * its problems, and the file is never written.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { policyChangeRefusal, previewPolicyChange } from "../../src/app/index.ts";
import { rosterOf } from "../../src/cases/index.ts";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { type DayNumber, parseIsoDate } from "../../src/data/dates.ts";
import type { PolicyChange } from "../../src/rules/index.ts";

const ROOT = join(import.meta.dirname, "../..");
const POLICY = join(ROOT, "samples/teams-demo/northfield-policy.yaml");
const asOf = parseIsoDate("2027-01-29") as DayNumber;
/** Engagement lead of sch1 (Northfield). */
const ADELE = "T-ADELE";
/** An adviser of sch1. */
const ALEX = "T-ALEX";
/** Engagement lead of sch2, which the policy does not cover. */
const DIEGO = "T-DIEGO";

let dataset: Dataset;
beforeAll(async () => {
  ({ dataset } = await importCanonical(join(ROOT, "samples/demo-school")));
});

const LOWER: PolicyChange = { kind: "threshold", ruleId: "chronic-absence", value: 0.85 };

function request(staffId: string, change: PolicyChange = LOWER, policyFile = POLICY) {
  return {
    policyFile,
    dataset,
    change,
    asOf,
    viewer: { staffId, roster: rosterOf(dataset.staff) },
  };
}

describe("previewPolicyChange", () => {
  it("shows the lead the counts, the diff and the names of the students who would move", async () => {
    const before = readFileSync(POLICY, "utf8");
    const outcome = await previewPolicyChange(request(ADELE));
    if (outcome.kind !== "previewed") throw new Error(JSON.stringify(outcome));
    expect(outcome.changed).toBe(true);
    expect(outcome.diff).toContain("+        - { metric: attendance_rate, below: 0.85 }");
    const rule = outcome.preview.rules.find((r) => r.ruleId === "chronic-absence");
    expect(rule?.lost).toBeGreaterThan(0);
    expect(rule?.lostShown).toHaveLength(rule?.lost ?? -1);
    expect(rule?.lostNotShown).toBe(0);
    for (const s of rule?.lostShown ?? []) {
      const student = dataset.students[dataset.studentIndex.get(s.studentId) ?? -1];
      expect(s.displayName).toBe(student?.displayName);
      expect(student?.school).toBe("sch1");
    }
    expect(outcome.preview.cases.lost).toBe(rule?.lost);
    // Nothing was saved.
    expect(readFileSync(POLICY, "utf8")).toBe(before);
  });

  it("refuses an adviser and a stranger before reading the file, and a lead of another school", async () => {
    for (const who of [ALEX, "T-NOBODY"]) {
      const outcome = await previewPolicyChange(request(who, LOWER, join(ROOT, "absent.yaml")));
      expect(outcome.kind, who).toBe("refused");
    }
    const diego = await previewPolicyChange(request(DIEGO));
    expect(diego).toEqual({
      kind: "refused",
      why: "only an engagement lead of the policy's schools (sch1) can change policy northfield.",
    });
    expect(policyChangeRefusal(undefined, undefined)).toMatch(/doesn't know you/);
  });

  it("returns the loader's problems for a change it refuses, and an unreadable file", async () => {
    const outcome = await previewPolicyChange(
      request(ADELE, { kind: "threshold", ruleId: "chronic-absence", value: 1.5 }),
    );
    expect(outcome).toMatchObject({
      kind: "invalid",
      stage: "validation",
      problems: [{ line: 20, code: "threshold_out_of_range" }],
    });
    const unknown = await previewPolicyChange(
      request(ADELE, { kind: "for", ruleId: "no-such-rule", runs: 2 }),
    );
    expect(unknown).toMatchObject({ kind: "invalid", stage: "change" });
    const missing = await previewPolicyChange(request(ADELE, LOWER, join(ROOT, "absent.yaml")));
    expect(missing).toMatchObject({ kind: "unreadable", problems: [{ code: "unreadable" }] });
  });

  it("a change that changes nothing previews no movement", async () => {
    const outcome = await previewPolicyChange(
      request(ADELE, { kind: "enabled", ruleId: "gone-quiet", enabled: true }),
    );
    if (outcome.kind !== "previewed") throw new Error(outcome.kind);
    expect(outcome).toMatchObject({ changed: false, diff: "" });
    for (const r of outcome.preview.rules) expect([r.gained, r.lost]).toEqual([0, 0]);
  });
});
