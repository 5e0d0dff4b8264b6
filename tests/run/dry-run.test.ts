/**
 * `dryRun` with `runs`: a rule that must hold on two runs fires in a dry run only when
 * the run before is evaluated too, on the school day before (a holiday is skipped).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildCalendars } from "../../src/calendar/school-calendar.ts";
import { formatDay } from "../../src/data/dates.ts";
import { loadPolicyText } from "../../src/rules/loader.ts";
import { dryRun, runDays } from "../../src/run/dry-run.ts";
import { buildDataset, day, weekdays } from "../helpers/build-dataset.ts";

const POLICY = `policy:
  id: two-runs
  name: Two runs
  schools: [sch]
  timezone: Europe/London
  schedule: "0 7 * * 1-5"
rules:
  - id: low
    severity: high
    when: { metric: attendance_rate, below: 0.9 }
    for: 2 runs
`;

function policy() {
  const loaded = loadPolicyText(POLICY, "two-runs.yaml");
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.policy;
}

describe("runDays", () => {
  it("takes the school days just before the date, skipping holidays and weekends", () => {
    // Mon 2026-09-21 is a holiday; the two school days before Tue 09-22 are Thu 17 and Fri 18.
    const dataset = buildDataset({
      students: [{ id: "a" }],
      calendar: { sch: weekdays("2026-09-07", "2026-10-02", ["2026-09-21"]) },
    });
    const days = runDays(buildCalendars(dataset), policy(), day("2026-09-22"), 3).map(formatDay);
    expect(days).toEqual(["2026-09-17", "2026-09-18", "2026-09-22"]);
  });
});

describe("dryRun with runs", () => {
  it("fires a two-run rule only when the day before is run too", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reach-dry-run-"));
    writeFileSync(join(dir, "students.csv"), "id,display_name,school\na,Ana,sch\nb,Ben,sch\n");
    // a: absent on both days (0 of 1, then 0 of 2); b: present on the first day, absent on the second.
    writeFileSync(
      join(dir, "attendance.csv"),
      "student_id,date,status\na,2026-09-07,unexcused_absence\na,2026-09-08,unexcused_absence\nb,2026-09-07,present\nb,2026-09-08,unexcused_absence\n",
    );
    const base = {
      policy: policy(),
      source: "canonical" as const,
      dataDir: dir,
      asOf: day("2026-09-08"),
    };
    const one = await dryRun(base);
    expect(one.findings).toEqual([]);
    expect(one.evaluation.pending.map((p) => p.studentId)).toEqual(["a", "b"]);
    // On 09-07 only a is below 90% (b attended 1 of 1): only a has held for two runs.
    const two = await dryRun({ ...base, runs: 2 });
    expect(two.findings.map((f) => f.studentId)).toEqual(["a"]);
    expect(two.findings[0].signals[0]).toMatchObject({ runs: 2, since: "2026-09-07" });
    expect(two.evaluation.pending).toEqual([{ studentId: "b", ruleId: "low", runs: 1, needed: 2 }]);
  });
});
