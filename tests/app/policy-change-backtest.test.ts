/**
 * A preview's backtest (src/app/policy-change.ts): where the data has outcome history of its
 * own (OULAD's final results), previewing a change scores the policy before and after it at
 * day 28, and each side equals `reach backtest --at 28` of that policy's file on the same
 * data; where the data has none (the canonical sample school), the preview has no backtest.
 *
 * The change: the university policy's low-mark rule flags marks below 70 instead of 55, so
 * it can only flag more students: recall cannot fall, and cases opened cannot fall.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { PREVIEW_BACKTEST_AT, previewPolicyChange } from "../../src/app/index.ts";
import { rosterOf } from "../../src/cases/index.ts";
import type { ImportResult } from "../../src/data/adapters/adapter.ts";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import { importOulad } from "../../src/data/adapters/oulad.ts";
import { type DayNumber, parseIsoDate } from "../../src/data/dates.ts";
import type { Staff } from "../../src/data/schema.ts";
import { applyPolicyChange, loadPolicyFile } from "../../src/rules/index.ts";
import { backtest, parseAtPoints } from "../../src/run/index.ts";
import { renderPolicyPreview } from "../../src/teams/cards/index.ts";

const ROOT = join(import.meta.dirname, "../..");
const OULAD = join(ROOT, "tests/fixtures/oulad-mini");
const LEAD = {
  id: "T-LEAD",
  name: "Module lead",
  school: "AAA",
  roles: ["engagement_lead"],
} as unknown as Staff;
const CHANGE = { kind: "threshold", ruleId: "low-mark", value: 70 } as const;

let dir: string;
let policyFile: string;
let imported: ImportResult;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "reach-preview-backtest-"));
  policyFile = join(dir, "university-engagement.yaml");
  // The extract has three of the five modules, and its activity ends on 2 October 2013,
  // before day 28 of the autumn presentations: the data may be older than the default 3 days.
  const text = readFileSync(join(ROOT, "rules/university-engagement.yaml"), "utf8");
  writeFileSync(
    policyFile,
    text
      .replace("schools: [AAA, BBB, DDD, EEE, GGG]", "schools: [AAA, BBB, DDD]")
      .replace(
        "  window: 45 school days\n",
        "  window: 45 school days\n  max_data_age: 60 school days\n",
      ),
  );
  imported = await importOulad(OULAD);
});

async function backtestAt28(file: string) {
  const loaded = await loadPolicyFile(file);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const result = await backtest({
    policy: loaded.policy,
    source: "oulad",
    dataDir: OULAD,
    at: parseAtPoints("28").points,
  });
  return result.points[0].policy;
}

describe("a preview's backtest", () => {
  it("scores the policy before and after at day 28, as reach backtest does each file", async () => {
    const outcome = await previewPolicyChange({
      policyFile,
      dataset: imported.dataset,
      change: CHANGE,
      asOf: parseIsoDate("2013-10-02") as DayNumber,
      viewer: { staffId: LEAD.id, roster: rosterOf([LEAD]) },
      imported: { source: "oulad", result: imported },
    });
    if (outcome.kind !== "previewed") throw new Error(JSON.stringify(outcome));
    const bt = outcome.backtest;
    if (bt === undefined) throw new Error("no backtest on the preview");
    expect(bt.at).toBe(PREVIEW_BACKTEST_AT);
    expect(bt.outcomesFrom).toBe("oulad data (final_result)");

    const applied = applyPolicyChange(readFileSync(policyFile, "utf8"), policyFile, CHANGE);
    if (!applied.ok) throw new Error("the change does not apply");
    const changedFile = join(dir, "changed.yaml");
    writeFileSync(changedFile, applied.text);
    expect(bt.before).toEqual(await backtestAt28(policyFile));
    expect(bt.after).toEqual(await backtestAt28(changedFile));
    // A lower bar for "low" flags a superset: never fewer students, never lower recall.
    expect(bt.after.flagged).toBeGreaterThanOrEqual(bt.before.flagged);
    expect(bt.after.casesOpened).toBeGreaterThanOrEqual(bt.before.casesOpened);
    expect(bt.after.recall ?? 0).toBeGreaterThanOrEqual(bt.before.recall ?? 0);
    expect(bt.before.scored).toBeGreaterThan(0);

    // The card shows both sides of each figure.
    const card = renderPolicyPreview({
      policyId: "university-engagement",
      policyName: "Open University modules",
      asOf: outcome.preview.asOf,
      words: ["threshold (assessment score below): 55 → 70"],
      summary: "low-mark",
      preview: outcome.preview,
      backtest: bt,
      diff: outcome.diff,
      warnings: [],
      save: {
        policyId: "university-engagement",
        ruleId: "low-mark",
        threshold: 70,
        why: "x",
        hash: "0".repeat(64),
      },
    });
    const text = JSON.stringify(card);
    const rate = (v: number | null) => (v === null ? "—" : v.toFixed(2));
    expect(text).toContain("Backtest on the outcome history: day 28 of each student's course");
    expect(text).toContain(
      `"title":"Precision","value":"${rate(bt.before.precision)} → ${rate(bt.after.precision)}"`,
    );
    expect(text).toContain(
      `"title":"Recall","value":"${rate(bt.before.recall)} → ${rate(bt.after.recall)}"`,
    );
  }, 60_000);

  it("has no backtest where the data has no outcome history", async () => {
    const { dataset } = await importCanonical(join(ROOT, "samples/demo-school"));
    const canonical = await importCanonical(join(ROOT, "samples/demo-school"));
    const northfield = join(dir, "northfield-policy.yaml");
    copyFileSync(join(ROOT, "samples/teams-demo/northfield-policy.yaml"), northfield);
    const outcome = await previewPolicyChange({
      policyFile: northfield,
      dataset: canonical.dataset,
      change: { kind: "threshold", ruleId: "chronic-absence", value: 0.85 },
      asOf: parseIsoDate("2027-01-29") as DayNumber,
      viewer: { staffId: "T-ADELE", roster: rosterOf(dataset.staff) },
      imported: { source: "canonical", result: canonical },
    });
    if (outcome.kind !== "previewed") throw new Error(JSON.stringify(outcome));
    expect(outcome.backtest).toBeUndefined();
  });
});
