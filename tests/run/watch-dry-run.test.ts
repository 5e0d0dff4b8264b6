/**
 * `reach run --dry-run` with a watch rule, on the sample school (samples/demo-school) and
 * the watch variant of its policy: watched students in the table (`watched` where the
 * severity would be, the rule marked `(watch)`), in --json, and counted in the summary.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Output } from "../../src/cli/output.ts";
import { EXIT_OK, runCommand } from "../../src/cli/run-command.ts";

const ROOT = join(import.meta.dirname, "../..");

function output() {
  const seen = { stdout: "", stderr: "" };
  const out: Output = {
    log: (line) => {
      seen.stdout += `${line}\n`;
    },
    error: (line) => {
      seen.stderr += `${line}\n`;
    },
    write: (text) => {
      seen.stdout += text;
    },
    progress: () => {},
  };
  return { out, seen };
}

const args = (policy: string, more: { json?: boolean; limit?: number } = {}) => ({
  dryRun: true,
  policy: join(ROOT, policy),
  source: "canonical",
  data: join(ROOT, "samples/demo-school"),
  asOf: "2027-01-29",
  json: false,
  ...more,
});

const WATCH = "tests/fixtures/policies/demo-watch.yaml";

describe("reach run --dry-run with a watch rule", () => {
  it("shows watched students in the table and counts them in the summary", async () => {
    const { out, seen } = output();
    expect(await runCommand(args(WATCH, { limit: 4 }), out)).toBe(EXIT_OK);
    expect(seen.stderr).toBe("");
    const lines = seen.stdout.split("\n").map((l) => l.trimEnd());
    // The first four students by id: a case, one only watched, a case that is also watched,
    // one only watched (values as in tests/rules/watch-evaluate.test.ts).
    expect(lines.slice(0, 9)).toEqual([
      "student  name         severity  rule                evidence",
      `───────  ───────────  ────────  ──────────────────  ${"─".repeat(70)}`,
      "S000002  Hamza Lewis  medium    chronic-absence     ✓ attended 39 of 45 sessions (86.6%) between 2026-11-16 and 2027-01-29",
      "                                                    ✓ 45 sessions recorded between 2026-11-16 and 2027-01-29",
      "S000004  Mason Walsh  watched   gone-quiet (watch)  ✓ no vle activity for 31 school days (last on 2026-12-03)",
      "S000009  Yusuf Khan   medium    chronic-absence     ✓ attended 39 of 45 sessions (86.6%) between 2026-11-16 and 2027-01-29",
      "                                                    ✓ 45 sessions recorded between 2026-11-16 and 2027-01-29",
      "                                gone-quiet (watch)  ✓ no vle activity for 9 school days (last on 2027-01-18)",
      "S000012  Xena Fraser  watched   gone-quiet (watch)  ✓ no vle activity for 14 school days (last on 2027-01-11)",
    ]);
    // 54 with a case + 31 only watched = 85 students listed; 4 shown.
    expect(lines).toContain("… and 81 more students (use --limit or --json)");
    expect(lines).toContain(
      "  54 of 200 students evaluated would get a case (200 in scope, 0 suppressed)",
    );
    expect(lines).toContain(
      "  39 students watched (31 with no case): watch rules never open a case",
    );
    expect(lines).toContain("  by severity: 54 medium");
    expect(lines).toContain(
      "  by rule: chronic-absence 54, absent-in-a-row 1, disengaging 23, gone-quiet 39 watched",
    );
  });

  it("--json: the watched list beside the findings, with names, and the counts", async () => {
    const { out, seen } = output();
    expect(await runCommand(args(WATCH, { json: true }), out)).toBe(EXIT_OK);
    const json = JSON.parse(seen.stdout);
    expect(json.findings).toHaveLength(54);
    expect(json.watched).toHaveLength(39);
    expect(json.watched[0]).toMatchObject({
      studentId: "S000004",
      displayName: "Mason Walsh",
      policyId: "demo-watch",
      asOf: "2027-01-29",
      signals: [{ ruleId: "gone-quiet", severity: "high", watch: true }],
    });
    expect(json.counts).toMatchObject({
      findings: 54,
      watched: 39,
      watchedByRule: { "gone-quiet": 39 },
      byRule: { "chronic-absence": 54, "absent-in-a-row": 1, disengaging: 23 },
    });
    for (const f of json.findings) expect(f.ruleIds).not.toContain("gone-quiet");
  });

  it("a policy without watch rules prints no watch line", async () => {
    const { out, seen } = output();
    expect(await runCommand(args("samples/demo-policy.yaml", { limit: 1 }), out)).toBe(EXIT_OK);
    expect(seen.stdout).not.toContain("watch");
    expect(seen.stdout).toContain(
      "  by rule: chronic-absence 54, absent-in-a-row 1, gone-quiet 39, disengaging 23",
    );
    const { out: jsonOut, seen: json } = output();
    await runCommand(args("samples/demo-policy.yaml", { json: true }), jsonOut);
    expect(JSON.parse(json.stdout)).toMatchObject({ watched: [], counts: { watched: 0 } });
  });
});
