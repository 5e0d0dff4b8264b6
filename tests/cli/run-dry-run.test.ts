/**
 * `reach run --dry-run` as a user runs it: the real command in a child process.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const OEA = join(ROOT, "../shared/data/oea-k12");
const POLICY = join(ROOT, "tests/fixtures/policies/oea-below-90.yaml");

async function reach(...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      "node",
      [join(ROOT, "bin/reach.js"), ...args],
      {
        cwd: mkdtempSync(join(tmpdir(), "reach-cli-")),
        maxBuffer: 64 << 20,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const hasOea = existsSync(join(OEA, "studentattendance.csv"));
if (!hasOea)
  console.warn(`skipping the OEA dry run: ${OEA} is absent (../shared/data not beside the clone)`);

describe.skipIf(!hasOea)("reach run --dry-run on the OEA K-12 sample", () => {
  it("finds exactly the 208 students below 90% as of 2022-01-28, as one JSON object", async () => {
    const r = await reach(
      "run",
      "--dry-run",
      "--policy",
      POLICY,
      "--source",
      "oea",
      "--data",
      OEA,
      "--as-of",
      "2022-01-28",
      "--json",
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.findings).toHaveLength(208);
    const ids = new Set(out.findings.map((f: { studentId: string }) => f.studentId));
    expect(ids.size).toBe(208);
    for (const f of out.findings) {
      expect(typeof f.studentId).toBe("string");
      expect(f.ruleIds).toEqual(["below-90"]);
      expect(f.signals[0].conditions[0].value).toBeLessThan(0.9);
      expect(f.signals[0].conditions[0].evidence).toMatch(
        /^attended \d+ of 20 sessions \(\d+(\.\d)?%\) between 2022-01-03 and 2022-01-28$/,
      );
    }
    expect(out.counts).toMatchObject({
      studentsInScope: 600,
      studentsEvaluated: 600,
      findings: 208,
    });
    expect(out.import.partial).toBe(false);
  });

  it("prints a readable table and a summary", async () => {
    const r = await reach(
      "run",
      "--dry-run",
      "--policy",
      POLICY,
      "--source",
      "oea",
      "--data",
      OEA,
      "--as-of",
      "2022-01-28",
      "--limit",
      "3",
    );
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/^student\s+name\s+severity\s+rule\s+evidence$/);
    expect(r.stdout).toContain("… and 205 more students");
    expect(r.stdout).toContain("208 of 600 students evaluated would get a case");
  });
});

describe("reach run --dry-run with bad input", () => {
  it("a partial import still evaluates, lists each bad row on stderr, and exits 3", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reach-data-"));
    writeFileSync(join(dir, "students.csv"), "id,display_name,school\ns1,Ana,sch\ns2,Ben,sch\n");
    writeFileSync(
      join(dir, "attendance.csv"),
      [
        "student_id,date,status",
        "s1,2026-09-07,present",
        "s1,2026-09-08,unexcused_absence",
        "s1,2026-09-31,present", // line 4: no such date
        "s2,2026-09-07,present",
        "s2,2026-09-08,here", // line 6: unknown status
        "s9,2026-09-08,present", // line 7: unknown student
        "",
      ].join("\n"),
    );
    const policy = join(dir, "p.yaml");
    writeFileSync(
      policy,
      `policy: { id: p, name: P, schools: [sch], timezone: Europe/London, schedule: "0 7 * * 1-5" }
rules:
  - { id: low, severity: high, when: { metric: attendance_rate, below: 0.9 } }
`,
    );
    const quarantine = join(dir, "rejected.csv");
    const r = await reach(
      "run",
      "--dry-run",
      "--policy",
      policy,
      "--source",
      "canonical",
      "--data",
      dir,
      "--as-of",
      "2026-09-08",
      "--json",
      "--quarantine",
      quarantine,
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      'attendance.csv:4 date: expected a date as YYYY-MM-DD, got "2026-09-31"',
    );
    expect(r.stderr).toContain('attendance.csv:6 status: "here" is not one of');
    expect(r.stderr).toContain('attendance.csv:7 student_id: unknown student id "s9"');
    const out = JSON.parse(r.stdout);
    // s1: 1 of 2 sessions; s2: 1 of 1.
    expect(out.findings.map((f: { studentId: string }) => f.studentId)).toEqual(["s1"]);
    expect(out.import).toMatchObject({ partial: true, rowsRejected: 3 });
    expect(readFileSync(quarantine, "utf8").split("\n").filter(Boolean)).toHaveLength(4);
  });

  it("an invalid policy stops before any import, with every problem and exit 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reach-data-"));
    const policy = join(dir, "p.yaml");
    writeFileSync(policy, "policy: { id: p }\nrules: []\n");
    const r = await reach(
      "run",
      "--dry-run",
      "--policy",
      policy,
      "--source",
      "canonical",
      "--data",
      dir,
      "--as-of",
      "2026-09-08",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/p\.yaml:1:\d+ /);
    expect(r.stdout).toBe("");
  });

  it("missing arguments are all named at once", async () => {
    const r = await reach("run", "--dry-run", "--as-of", "2026-13-01");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--policy <file> is required");
    expect(r.stderr).toContain("--source is required");
    expect(r.stderr).toContain("--data <dir> is required");
    expect(r.stderr).toContain("--as-of 2026-13-01 is not a date");
  });
});
