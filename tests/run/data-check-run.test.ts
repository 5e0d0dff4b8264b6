/**
 * Runs check their policy against the data before evaluating: a real run on stale data is
 * recorded as failed with the reason and opens no case; a run with warnings keeps them,
 * and the data's last dates, on its record; a dry run on stale data is refused after the
 * import, with nothing evaluated.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Staff } from "../../src/data/schema.ts";
import { DataCheckFailed } from "../../src/rules/data-check.ts";
import { loadPolicyText } from "../../src/rules/loader.ts";
import { applyRun } from "../../src/run/apply-run.ts";
import { DryRunRefused, dryRun } from "../../src/run/dry-run.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { buildDataset, type DatasetSpec, day, weekdays } from "../helpers/build-dataset.ts";

/** Two school weeks, Mon 2026-09-07 to Fri 2026-09-18. */
const DAYS = weekdays("2026-09-07", "2026-09-18");

function policy(extra = "") {
  const loaded = loadPolicyText(
    `policy: { id: p, name: P, schools: [sch], timezone: Europe/London, schedule: "0 7 * * 1-5"${extra} }
rules:
  - { id: low, severity: high, when: { metric: attendance_rate, below: 0.9 } }
`,
    "p.yaml",
  );
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.policy;
}

/** a: absent from 09-14 on (5 of 10, 50%); b: present every day. */
const SPEC: DatasetSpec = {
  calendar: { sch: DAYS },
  students: [
    { id: "a", adviserIds: ["t-adv"] },
    { id: "b", adviserIds: ["t-adv"] },
  ],
  attendance: DAYS.flatMap((d) => [
    ["a", d, d >= "2026-09-14" ? "unexcused_absence" : "present"],
    ["b", d, "present"],
  ]) as DatasetSpec["attendance"],
};

const STAFF = [
  { id: "t-lead", name: "Lead", school: "sch", roles: ["engagement_lead"] },
  { id: "t-adv", name: "Adviser", school: "sch", roles: ["adviser"] },
] as Staff[];

function store() {
  return openSqliteStore({
    path: join(mkdtempSync(join(tmpdir(), "reach-check-run-")), "reach.db"),
  });
}

describe("a real run checks its policy against the data first", () => {
  it("on stale data: records a failed run with the reason, opens no case, writes no card", async () => {
    const s = store();
    // The calendar ends on Fri 09-18; to Fri 10-02 are ten weekdays after it.
    const run = applyRun({
      store: s,
      policy: policy(),
      dataset: { ...buildDataset(SPEC), staff: STAFF },
      asOf: day("2026-10-02"),
      at: "2026-10-02T07:00:00.000Z",
      owner: "t",
    });
    await expect(run).rejects.toBeInstanceOf(DataCheckFailed);
    await expect(run).rejects.toThrow(
      "policy p does not fit its data: attendance data ends 2026-09-18, 10 school days before 2026-10-02 (max_data_age: 3 school days)",
    );
    const runs = await s.listRuns({ policyId: "p" });
    expect(runs).toEqual([
      {
        runId: "p:2026-10-02:2026-10-02T07:00:00.000Z:t",
        policyId: "p",
        asOf: "2026-10-02",
        startedAt: "2026-10-02T07:00:00.000Z",
        finishedAt: "2026-10-02T07:00:00.000Z",
        status: "failed",
        counts: {},
        errors: [
          "p.yaml: attendance data ends 2026-09-18, 10 school days before 2026-10-02 (max_data_age: 3 school days) (import newer data, or evaluate a date the data reaches)",
        ],
        dataThrough: [{ stream: "attendance", last: "2026-09-18" }],
        // The policy's text is its first version, recorded even for a run that fails.
        policyVersion: 1,
      },
    ]);
    expect(await s.listCases({ policyId: "p" })).toEqual([]);
    expect(await s.listOutbox({ policyId: "p" })).toEqual([]);
    expect(await s.loadRuleState("p")).toBeUndefined();
    await s.close();
  });

  it("on the same data with a wider max_data_age: runs, and keeps the warning on the record", async () => {
    const s = store();
    const result = await applyRun({
      store: s,
      policy: policy(", max_data_age: 10 school days"),
      dataset: { ...buildDataset(SPEC), staff: STAFF },
      asOf: day("2026-10-02"),
      at: "2026-10-02T07:00:00.000Z",
      owner: "t",
    });
    // a attended 5 of the 10 days recorded in the window.
    expect(result).toMatchObject({ opened: 1, refused: [] });
    expect(result.check.warnings.map((w) => w.code)).toEqual(["as_of_after_data"]);
    const [record] = await s.listRuns({ policyId: "p" });
    // At max_data_age's value: `policy: { … schedule: "0 7 * * 1-5", ` is 106 characters.
    expect(record).toMatchObject({
      status: "succeeded",
      warnings: [
        "p.yaml:1:107 warning: attendance data ends 2026-09-18, 10 school days before 2026-10-02 (within max_data_age: 10 school days)",
      ],
      dataThrough: [{ stream: "attendance", last: "2026-09-18" }],
    });
    await s.close();
  });

  it("with no engagement lead: runs, and says so on the record", async () => {
    const s = store();
    await applyRun({
      store: s,
      policy: policy(),
      dataset: { ...buildDataset(SPEC), staff: STAFF.slice(1) },
      asOf: day("2026-09-18"),
      at: "2026-09-18T07:00:00.000Z",
      owner: "t",
    });
    const [record] = await s.listRuns({ policyId: "p" });
    expect(record.status).toBe("succeeded");
    // At the first school: `policy: { id: p, name: P, schools: [` is 36 characters.
    expect(record.warnings).toEqual([
      "p.yaml:1:37 warning: no member of staff of sch has the role engagement_lead: nobody may decide the policy's escalations (add an engagement lead to the staff data)",
    ]);
    expect(record.counts).toMatchObject({ findings: 1, casesOpened: 1 });
    await s.close();
  });
});

describe("a dry run checks its policy against the data first", () => {
  function folder(): string {
    const dir = mkdtempSync(join(tmpdir(), "reach-check-dry-"));
    writeFileSync(join(dir, "students.csv"), "id,display_name,school\na,Ana,sch\n");
    writeFileSync(
      join(dir, "attendance.csv"),
      "student_id,date,status\na,2026-09-07,present\na,2026-09-08,unexcused_absence\n",
    );
    return dir;
  }

  it("refuses stale data after the import, with the reason and the import", async () => {
    const run = dryRun({
      policy: policy(),
      source: "canonical",
      dataDir: folder(),
      // After Tue 09-08 (the attendance days' calendar ends there): Wed 9 … Mon 14, 4 days.
      asOf: day("2026-09-14"),
    });
    await expect(run).rejects.toBeInstanceOf(DryRunRefused);
    const refused = (await run.catch((e: unknown) => e)) as DryRunRefused;
    expect(refused.check.errors.map((e) => e.message)).toEqual([
      "attendance data ends 2026-09-08, 4 school days before 2026-09-14 (max_data_age: 3 school days)",
    ]);
    expect(refused.imported.report.rowsAccepted).toBe(3);
  });

  it("evaluates fresh data, and returns the check's warnings", async () => {
    const result = await dryRun({
      policy: policy(),
      source: "canonical",
      dataDir: folder(),
      asOf: day("2026-09-08"),
    });
    // a attended 1 of 2.
    expect(result.findings.map((f) => f.studentId)).toEqual(["a"]);
    expect(result.check.errors).toEqual([]);
    expect(result.check.warnings.map((w) => w.code)).toEqual(["no_engagement_lead", "no_adviser"]);
  });
});
