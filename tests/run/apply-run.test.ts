/**
 * Applying a run's findings to the SQLite store: new cases,
 * new signals on open cases, a repeated run that changes nothing, the lease, erasure —
 * on small hand-made data, and on the public OEA sample (208 cases, twice the same).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { foldCase } from "../../src/cases/case-state.ts";
import { loadPolicyText } from "../../src/rules/loader.ts";
import { applyRun, RunInProgress } from "../../src/run/apply-run.ts";
import { caseIdFor } from "../../src/store/ids.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { buildDataset, type DatasetSpec, day, weekdays } from "../helpers/build-dataset.ts";

const DAYS = weekdays("2026-09-07", "2026-09-18");

function policy(rules: string) {
  const loaded = loadPolicyText(
    `policy: { id: p, name: P, schools: [sch], timezone: Europe/London, schedule: "0 7 * * 1-5" }\nrules:\n${rules}`,
    "p.yaml",
  );
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.policy;
}

const LOW = "  - { id: low, severity: high, when: { metric: attendance_rate, below: 0.9 } }\n";
const QUIET =
  "  - { id: quiet, severity: medium, when: { metric: days_since_activity, at_least: 5 } }\n";

/** a: absent from 09-14 on and no activity; b: present every day and active on the last. */
const SPEC: DatasetSpec = {
  calendar: { sch: DAYS },
  students: [{ id: "a" }, { id: "b" }],
  attendance: DAYS.flatMap((d) => [
    ["a", d, d >= "2026-09-14" ? "unexcused_absence" : "present"],
    ["b", d, "present"],
  ]) as DatasetSpec["attendance"],
  activity: [["b", "2026-09-18", "vle", 2]],
};

function store() {
  return openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), "reach-apply-")), "reach.db") });
}

describe("applyRun", () => {
  it("opens a case per student with findings, with its card in the outbox; a repeat changes nothing", async () => {
    const s = store();
    const dataset = buildDataset(SPEC);
    const p = policy(LOW);
    const options = {
      store: s,
      policy: p,
      dataset,
      asOf: day("2026-09-18"),
      at: "2026-09-18T07:00:00.000Z",
      owner: "t",
    };
    const first = await applyRun(options);
    // a attended 5 of 10 (50%): one case; b 100%: none.
    expect(first).toMatchObject({ opened: 1, signalsAdded: 0, unchanged: 0, refused: [] });
    const cases = await s.listCases({ policyId: "p" });
    expect(cases.map((c) => [c.studentId, c.status, c.severity, c.version])).toEqual([
      ["a", "proposed", "high", 1],
    ]);
    const outbox = await s.listOutbox({ policyId: "p" });
    expect(outbox.map((o) => [o.kind, o.caseId, o.status])).toEqual([
      ["case_card", cases[0].caseId, "pending"],
    ]);

    const again = await applyRun({ ...options, at: "2026-09-18T09:30:00.000Z" });
    expect(again).toMatchObject({ opened: 0, signalsAdded: 0, unchanged: 1 });
    expect(await s.listCases({ policyId: "p" })).toEqual(cases);
    expect(await s.listOutbox({ policyId: "p" })).toHaveLength(1);
    const runs = await s.listRuns({ policyId: "p" });
    expect(runs.map((r) => r.status)).toEqual(["succeeded", "succeeded"]);
    await s.close();
  });

  it("adds a newly fired rule to the open case instead of opening a second one", async () => {
    const s = store();
    const dataset = buildDataset(SPEC);
    const base = {
      store: s,
      dataset,
      asOf: day("2026-09-18"),
      at: "2026-09-18T07:00:00.000Z",
      owner: "t",
    };
    await applyRun({ ...base, policy: policy(LOW) });
    const next = await applyRun({
      ...base,
      policy: policy(LOW + QUIET),
      at: "2026-09-18T08:00:00.000Z",
    });
    expect(next).toMatchObject({ opened: 0, signalsAdded: 1 });
    const [summary] = await s.listCases({ policyId: "p" });
    const stored = await s.getCase("p", summary.caseId);
    const state = stored && foldCase(stored.events);
    expect(state?.signals.map((x) => x.signal.ruleId).sort()).toEqual(["low", "quiet"]);
    expect((await s.listOutbox({ policyId: "p" })).map((o) => o.kind)).toEqual([
      "case_card",
      "card_update",
    ]);
    await s.close();
  });

  it("keys case ids with the store's installation secret, or with the deployment's", async () => {
    const run = async (caseIdSecret?: string) => {
      const s = store();
      await applyRun({
        store: s,
        policy: policy(LOW),
        dataset: buildDataset(SPEC),
        asOf: day("2026-09-18"),
        at: "2026-09-18T07:00:00.000Z",
        owner: "t",
        ...(caseIdSecret !== undefined && { caseIdSecret }),
      });
      const [summary] = await s.listCases();
      const secret = await s.installationSecret();
      await s.close();
      return { caseId: summary.caseId, secret };
    };
    const parts = { policyId: "p", studentId: "a", asOf: "2026-09-18" };
    const first = await run();
    const second = await run();
    expect(first.caseId).toBe(caseIdFor(parts, first.secret));
    // Another installation: the same student and day, another id nobody can recompute.
    expect(second.caseId).not.toBe(first.caseId);
    const supplied = "a deployment secret of at least 32 characters";
    expect((await run(supplied)).caseId).toBe(caseIdFor(parts, supplied));
    // No key is public: an empty one is refused rather than used.
    expect(() => caseIdFor(parts, "")).toThrow("secret");
  });

  it("refuses a second runner of the same policy and date while the first holds the lease", async () => {
    const s = store();
    await s.acquireLease({
      policyId: "p",
      asOf: "2026-09-18",
      owner: "other",
      now: "2026-09-18T07:00:00.000Z",
      ttlMs: 60_000,
    });
    const run = applyRun({
      store: s,
      policy: policy(LOW),
      dataset: buildDataset(SPEC),
      asOf: day("2026-09-18"),
      at: "2026-09-18T07:00:30.000Z",
      owner: "me",
    });
    await expect(run).rejects.toBeInstanceOf(RunInProgress);
    expect(await s.listCases()).toEqual([]);
    await s.close();
  });
});

const ROOT = join(import.meta.dirname, "../..");
const OEA = join(ROOT, "../shared/data/oea-k12");
const hasOea = existsSync(join(OEA, "studentattendance.csv"));
if (!hasOea)
  console.warn(`skipping the OEA run: ${OEA} is absent (../shared/data not beside the clone)`);

describe.skipIf(!hasOea)("reach run on the OEA sample", () => {
  it("opens 208 cases, leaves them exactly as they were when run again, and exports them", async () => {
    const db = join(mkdtempSync(join(tmpdir(), "reach-oea-")), "reach.db");
    const reach = (...args: string[]) =>
      promisify(execFile)("node", [join(ROOT, "bin/reach.js"), ...args], {
        cwd: ROOT,
        maxBuffer: 64 << 20,
      });
    const run = [
      "run",
      "--policy",
      "tests/fixtures/policies/oea-below-90.yaml",
      "--source",
      "oea",
      "--data",
      OEA,
      "--as-of",
      "2022-01-28",
      "--db",
      db,
      "--json",
    ];
    const first = JSON.parse((await reach(...run)).stdout);
    expect(first).toMatchObject({ casesOpened: 208, signalsAdded: 0, unchanged: 0 });
    const before = (await reach("cases", "export", "--format", "json", "--db", db)).stdout;
    const second = JSON.parse((await reach(...run)).stdout);
    expect(second).toMatchObject({ casesOpened: 0, signalsAdded: 0, unchanged: 208 });
    const after = (await reach("cases", "export", "--format", "json", "--db", db)).stdout;
    expect(after).toBe(before);
    const cases = JSON.parse(after).cases as { studentId: string; status: string }[];
    expect(cases).toHaveLength(208);
    expect(new Set(cases.map((c) => c.studentId)).size).toBe(208);
    expect(cases.every((c) => c.status === "proposed")).toBe(true);

    // Exporting the cases and reading one's full detail are recorded in its audit trail.
    const shownId = (JSON.parse(after).cases[1] as { caseId: string }).caseId;
    expect((await reach("cases", "show", shownId, "--db", db)).stdout).toContain("attended");
    const s = openSqliteStore({ path: db });
    const audit = await s.listAudit("oea-below-90", shownId);
    await s.close();
    expect(audit.map((a) => [a.action, a.allowed])).toEqual([
      ["open", true],
      ["export", true],
      ["export", true],
      ["read", true],
    ]);
    expect(audit[1].actor).toMatch(/^cli:/);

    // Erasure: the student's id leaves the case; the case and its counts stay.
    const student = cases[0].studentId;
    await reach("erase", "--student", student, "--db", db);
    const erased = JSON.parse(
      (await reach("cases", "export", "--format", "json", "--db", db)).stdout,
    ).cases as {
      studentId: string;
      status: string;
    }[];
    expect(erased).toHaveLength(208);
    expect(erased.filter((c) => c.status === "erased").map((c) => c.studentId)).toEqual([
      "[erased]",
    ]);
    expect(erased.some((c) => c.studentId === student)).toBe(false);
  });
});
