/**
 * `reach rules test` as a user runs it: the real command (`npx reach`) in a child process.
 * The shipped policies' tests pass (exit 0); a test that fails prints its diff and exits 1;
 * a test file with problems prints each at its line and column and exits 1; --json is one
 * JSON document.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_ERROR, EXIT_OK } from "../../src/cli/exit-codes.ts";

const ROOT = join(import.meta.dirname, "../..");
const TIMEOUT = 60_000;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function reach(...args: string[]): Promise<Ran> {
  return new Promise((done) => {
    execFile(
      "npx",
      ["reach", ...args],
      { cwd: ROOT, timeout: TIMEOUT, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "reach-rules-test-"));
  copyFileSync(join(ROOT, "rules/k12-attendance.yaml"), join(dir, "k12.yaml"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("reach rules test", () => {
  it(
    "passes the tests of the shipped policies (rules/)",
    async () => {
      const ran = await reach("rules", "test", "rules/");
      expect(ran.code, ran.stdout + ran.stderr).toBe(EXIT_OK);
      expect(ran.stdout).toContain("rules/k12-attendance.test.yaml — policy k12-attendance");
      expect(ran.stdout).toContain("rules/university-engagement.test.yaml — policy");
      expect(ran.stdout).not.toContain("FAIL");
      expect(ran.stdout.trim().split("\n").at(-1)).toBe("6 tests in 2 files: 6 passed, 0 failed");
      expect(ran.stderr).toBe("");
    },
    TIMEOUT,
  );

  it(
    "passes the tests of the Teams demo's policy (samples/teams-demo/)",
    async () => {
      const ran = await reach("rules", "test", "samples/teams-demo/");
      expect(ran.code, ran.stdout + ran.stderr).toBe(EXIT_OK);
      expect(ran.stdout.trim().split("\n").at(-1)).toBe("2 tests in 1 file: 2 passed, 0 failed");
    },
    TIMEOUT,
  );

  it(
    "prints what differs when a test fails, and exits 1",
    async () => {
      // dan: absent on days 11 and 16 of 20, exactly 90%: at risk, not chronic.
      const file = join(dir, "k12.test.yaml");
      writeFileSync(
        file,
        `policy: k12.yaml
calendar: { from: 2027-01-04, holidays: [2027-01-18] }
tests:
  - name: dan is chronically absent
    students: { dan: {} }
    attendance: { dan: "PPPPP PPPPP APPP PAPPP P" }
    expect:
      - date: 2027-02-01
        fires: { dan: moderate-chronic-absence }
`,
      );
      const ran = await reach("rules", "test", file);
      expect(ran.code).toBe(EXIT_ERROR);
      expect(ran.stdout.split("\n")).toEqual([
        `${file} — policy k12-attendance (${join(dir, "k12.yaml")})`,
        "  FAIL dan is chronically absent",
        `    2027-02-01 (${file}:8:15):`,
        "      - dan fires moderate-chronic-absence",
        "      + dan fires at-risk-attendance",
        "1 test in 1 file: 0 passed, 1 failed  (- expected, did not happen; + happened, not expected)",
        "",
      ]);
      expect(ran.stderr).toBe(
        `${file}: warning: rules severe-chronic-absence, moderate-chronic-absence, consecutive-absences of policy k12-attendance fire on no expected date\n`,
      );

      const json = await reach("rules", "test", "--json", file);
      expect(json.code).toBe(EXIT_ERROR);
      const report = JSON.parse(json.stdout);
      expect(report).toMatchObject({ ok: false, passed: 0, failed: 1 });
      expect(report.files[0].cases[0].dates[0]).toMatchObject({
        date: "2027-02-01",
        passed: false,
        missing: [{ student: "dan", outcome: "fires", rule: "moderate-chronic-absence" }],
        unexpected: [{ student: "dan", outcome: "fires", rule: "at-risk-attendance" }],
      });
    },
    TIMEOUT,
  );

  it(
    "prints each problem of a test file at its line and column, and exits 1",
    async () => {
      const file = join(dir, "broken.test.yaml");
      writeFileSync(
        file,
        `policy: k12.yaml
calendar: { from: 2027-01-04 }
tests:
  - name: broken
    students: { dan: {} }
    attendance: { dna: "PPPPP" }
    expect:
      - date: 2027-01-05
        fires: { dan: chronic-absence }
`,
      );
      const ran = await reach("rules", "test", file);
      expect(ran.code).toBe(EXIT_ERROR);
      expect(ran.stderr.trim().split("\n")).toEqual([
        `${file}:6:19 student "dna" is not in this test's students (did you mean dan?)`,
        `${file}:9:23 rule "chronic-absence" is not in policy k12-attendance (its rules: severe-chronic-absence, moderate-chronic-absence, at-risk-attendance, consecutive-absences)`,
        "2 problems",
      ]);
      expect(ran.stdout).toContain(`${file}: not run (2 problems)`);
    },
    TIMEOUT,
  );

  it(
    "answers --help, and refuses an option it does not take",
    async () => {
      const [help, wrong, none] = await Promise.all([
        reach("rules", "test", "--help"),
        reach("rules", "test", "--db", "x.db", "rules/"),
        reach("rules", "test"),
      ]);
      expect(help.code).toBe(EXIT_OK);
      expect(help.stdout).toContain("reach rules test [--json] <file|dir>...");
      expect(wrong.code).toBe(EXIT_ERROR);
      expect(wrong.stderr).toContain("--db is not an option of reach rules test");
      expect(none.code).toBe(EXIT_ERROR);
      expect(none.stderr).toContain("give a rule test file or a folder");
    },
    TIMEOUT,
  );
});
