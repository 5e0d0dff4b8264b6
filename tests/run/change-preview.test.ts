/**
 * The preview of a policy change (src/run/change-preview.ts) against real dry runs: on the
 * sample school as of 2027-01-29 with the Northfield policy, the preview's counts and
 * student ids per rule equal the differences between `reach run --dry-run --json` on the
 * policy file and on the changed text written to a file (issue 14: "the preview's counts
 * equal a dry run's on the same data"). A change to a watch rule moves no case.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCalendars, type SchoolCalendar } from "../../src/calendar/index.ts";
import { main } from "../../src/cli/main.ts";
import type { Output } from "../../src/cli/output.ts";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { type DayNumber, parseIsoDate } from "../../src/data/dates.ts";
import {
  applyPolicyChange,
  DataCheckFailed,
  type Policy,
  type PolicyChange,
} from "../../src/rules/index.ts";
import { type ChangePreview, previewChange } from "../../src/run/index.ts";

const ROOT = join(import.meta.dirname, "../..");
const POLICY = join(ROOT, "samples/teams-demo/northfield-policy.yaml");
const DATA = join(ROOT, "samples/demo-school");
const AS_OF = "2027-01-29";

interface DryRunJson {
  findings: { studentId: string; ruleIds: string[] }[];
  watched: { studentId: string; signals: { ruleId: string }[] }[];
  counts: { findings: number; byRule: Record<string, number>; watched: number };
}

/** `reach run --dry-run --json` through the command line's entry point, in-process. */
async function dryRunJson(policyFile: string, runs?: number): Promise<DryRunJson> {
  let stdout = "";
  let stderr = "";
  const out: Output = {
    log: (line) => {
      stdout += `${line}\n`;
    },
    error: (line) => {
      stderr += `${line}\n`;
    },
    write: (text) => {
      stdout += text;
    },
    progress: () => {},
  };
  const argv = [
    "run",
    "--dry-run",
    "--json",
    "--policy",
    policyFile,
    "--source",
    "canonical",
    "--data",
    DATA,
    "--as-of",
    AS_OF,
    ...(runs === undefined ? [] : ["--runs", String(runs)]),
  ];
  const code = await main(argv, out);
  if (code !== 0) throw new Error(`reach run exited ${code}: ${stderr}`);
  return JSON.parse(stdout) as DryRunJson;
}

/** The students a rule fired for in a dry run's JSON: findings' rules, and watch signals. */
function firing(run: DryRunJson, ruleId: string): Set<string> {
  const ids = new Set<string>();
  for (const f of run.findings) if (f.ruleIds.includes(ruleId)) ids.add(f.studentId);
  for (const w of run.watched) {
    if (w.signals.some((s) => s.ruleId === ruleId)) ids.add(w.studentId);
  }
  return ids;
}

const minus = (a: Set<string>, b: Set<string>) => [...a].filter((id) => !b.has(id)).sort();

let dir: string;
let dataset: Dataset;
let calendars: Map<string, SchoolCalendar>;
const asOf = parseIsoDate(AS_OF) as DayNumber;
const text = readFileSync(POLICY, "utf8");

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "reach-change-preview-"));
  ({ dataset } = await importCanonical(DATA));
  calendars = buildCalendars(dataset);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The change applied to the file's text, previewed, and the changed text dry-run too. */
async function previewAndDryRuns(
  change: PolicyChange,
  runs?: number,
): Promise<{ preview: ChangePreview; before: DryRunJson; after: DryRunJson; policy: Policy }> {
  const applied = applyPolicyChange(text, POLICY, change);
  if (!applied.ok) throw new Error(JSON.stringify(applied.problems));
  const changedFile = join(dir, `${change.kind}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(changedFile, applied.text);
  const preview = previewChange({
    dataset,
    calendars,
    before: applied.before,
    after: applied.policy,
    asOf,
    ...(runs !== undefined && { runs }),
  });
  const [before, after] = [await dryRunJson(POLICY, runs), await dryRunJson(changedFile, runs)];
  return { preview, before, after, policy: applied.policy };
}

/** Every rule's and the totals' movements equal the set differences of the two dry runs. */
function expectSameAsDryRuns(
  preview: ChangePreview,
  before: DryRunJson,
  after: DryRunJson,
  policy: Policy,
) {
  for (const rule of policy.rules) {
    const was = firing(before, rule.id);
    const is = firing(after, rule.id);
    const moved = preview.rules.find((r) => r.ruleId === rule.id);
    expect(moved, rule.id).toMatchObject({
      before: was.size,
      after: is.size,
      gainedIds: minus(is, was),
      lostIds: minus(was, is),
      gained: minus(is, was).length,
      lost: minus(was, is).length,
    });
  }
  const cases = (run: DryRunJson) => new Set(run.findings.map((f) => f.studentId));
  const watched = (run: DryRunJson) => new Set(run.watched.map((w) => w.studentId));
  expect(preview.cases).toEqual({
    before: before.counts.findings,
    after: after.counts.findings,
    gained: minus(cases(after), cases(before)).length,
    lost: minus(cases(before), cases(after)).length,
    gainedIds: minus(cases(after), cases(before)),
    lostIds: minus(cases(before), cases(after)),
  });
  expect(preview.watched).toMatchObject({
    before: before.counts.watched,
    after: after.counts.watched,
    gainedIds: minus(watched(after), watched(before)),
    lostIds: minus(watched(before), watched(after)),
  });
}

describe("the preview of a change equals two dry runs", () => {
  it("attendance threshold 0.90 → 0.85: chronic-absence loses exactly the dry runs' difference", async () => {
    const { preview, before, after, policy } = await previewAndDryRuns({
      kind: "threshold",
      ruleId: "chronic-absence",
      value: 0.85,
    });
    const rule = preview.rules.find((r) => r.ruleId === "chronic-absence");
    // A lower threshold only takes students away from the rule, and takes some on this data.
    expect(rule?.lost).toBeGreaterThan(0);
    expect(rule?.gained).toBe(0);
    expect(rule?.lost).toBe(
      (before.counts.byRule["chronic-absence"] ?? 0) -
        (after.counts.byRule["chronic-absence"] ?? 0),
    );
    expect(rule?.lostIds).toEqual(
      minus(firing(before, "chronic-absence"), firing(after, "chronic-absence")),
    );
    expect(rule).toMatchObject({
      actionBefore: "case",
      actionAfter: "case",
      ruleName: "Missing 10% or more of school",
    });
    expectSameAsDryRuns(preview, before, after, policy);
    // Other rules do not move.
    for (const other of preview.rules.filter((r) => r.ruleId !== "chronic-absence")) {
      expect([other.gained, other.lost], other.ruleId).toEqual([0, 0]);
    }
    expect(preview).toMatchObject({ policyId: "northfield", asOf: AS_OF });
    expect(preview.evaluated.before).toBe(preview.evaluated.after);
  });

  it("a change to the watch rule moves watched students and no case", async () => {
    const { preview, before, after, policy } = await previewAndDryRuns({
      kind: "threshold",
      ruleId: "fewer-days-online",
      value: 6,
    });
    const rule = preview.rules.find((r) => r.ruleId === "fewer-days-online");
    expect(rule?.gained).toBeGreaterThan(0);
    expect(rule).toMatchObject({ actionBefore: "watch", actionAfter: "watch" });
    expect(preview.cases).toMatchObject({ gained: 0, lost: 0, gainedIds: [], lostIds: [] });
    expect(preview.cases.before).toBe(preview.cases.after);
    expect(before.counts.findings).toBe(after.counts.findings);
    expectSameAsDryRuns(preview, before, after, policy);
  });

  it("a rule made a watch rule: it fires for the same students, cases move", async () => {
    const { preview, before, after, policy } = await previewAndDryRuns({
      kind: "action",
      ruleId: "gone-quiet",
      action: "watch",
    });
    const rule = preview.rules.find((r) => r.ruleId === "gone-quiet");
    expect(rule).toMatchObject({ gained: 0, lost: 0, actionBefore: "case", actionAfter: "watch" });
    expect(rule?.before).toBeGreaterThan(0);
    expectSameAsDryRuns(preview, before, after, policy);
  });

  it("a rule disabled loses every student it fired for", async () => {
    const { preview, before, after, policy } = await previewAndDryRuns({
      kind: "enabled",
      ruleId: "gone-quiet",
      enabled: false,
    });
    const rule = preview.rules.find((r) => r.ruleId === "gone-quiet");
    expect(rule?.before).toBeGreaterThan(0);
    expect(rule?.after).toBe(0);
    expect(rule?.lost).toBe(rule?.before);
    expect(rule?.actionAfter).toBeUndefined();
    expectSameAsDryRuns(preview, before, after, policy);
  });

  it("`for: 2 runs` over three runs, as `--runs 3`", async () => {
    const { preview, before, after, policy } = await previewAndDryRuns(
      { kind: "for", ruleId: "chronic-absence", runs: 3 },
      2,
    );
    // Two runs are fewer than three: the rule fires for nobody after the change.
    expect(preview.rules.find((r) => r.ruleId === "chronic-absence")).toMatchObject({ after: 0 });
    expectSameAsDryRuns(preview, before, after, policy);
  });

  it("a window change: students gained and lost", async () => {
    const { preview, before, after, policy } = await previewAndDryRuns({
      kind: "window",
      days: 20,
    });
    const rule = preview.rules.find((r) => r.ruleId === "chronic-absence");
    expect(rule?.gained).toBeGreaterThan(0);
    expect(rule?.lost).toBeGreaterThan(0);
    expectSameAsDryRuns(preview, before, after, policy);
  });
});

describe("a changed policy that does not fit the data", () => {
  it("is refused as a dry run would be", () => {
    const loaded = applyPolicyChange(text, POLICY, { kind: "window", days: 30 });
    if (!loaded.ok) throw new Error("not loaded");
    const after: Policy = { ...loaded.policy, schools: ["no-such-school"] };
    expect(() => previewChange({ dataset, calendars, before: loaded.before, after, asOf })).toThrow(
      DataCheckFailed,
    );
  });
});
