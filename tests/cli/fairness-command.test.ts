/**
 * `reach fairness` in-process (`main(argv, out)`): its usage and errors, the OULAD mini
 * fixture (too few students to show any group), the sample school with a case store (case
 * rates, each case counted recorded in its audit trail), and the real OULAD 2013 data as of
 * day 28 of the 2013J presentations. No student id appears in any output.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EXIT_ERROR, EXIT_OK, EXIT_PARTIAL_IMPORT } from "../../src/cli/exit-codes.ts";
import { main } from "../../src/cli/main.ts";
import type { Output } from "../../src/cli/output.ts";
import { openSqliteStore } from "../../src/store/index.ts";

const ROOT = join(import.meta.dirname, "../..");
const UNIVERSITY = join(ROOT, "rules/university-engagement.yaml");
const OULAD_MINI = join(ROOT, "tests/fixtures/oulad-mini");
const OULAD_2013 = join(ROOT, "../shared/data/oulad-2013");
const DEMO_POLICY = join(ROOT, "samples/demo-policy.yaml");
const DEMO_SCHOOL = join(ROOT, "samples/demo-school");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "reach-fairness-"));
  // The Reach folder's own store is never read: without --db, this missing file is found.
  vi.stubEnv("REACH_STORE", "sqlite");
  vi.stubEnv("REACH_DB", join(dir, "absent.db"));
});
afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

async function reach(...argv: string[]) {
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
  const code = await main(argv, out);
  return { code, stdout, stderr };
}

describe("reach fairness: usage and errors", () => {
  it("answers --help with its usage", async () => {
    const r = await reach("fairness", "--help");
    expect(r.code).toBe(EXIT_OK);
    expect(r.stdout).toContain("reach fairness --policy <file> --source <source>");
    expect(r.stdout).toContain("--as-of <YYYY-MM-DD> [--db <file>] [--json]");
    const all = await reach("help");
    expect(all.stdout).toContain("reach fairness --policy");
  });

  it("names every missing argument, and an option it does not take", async () => {
    const r = await reach("fairness");
    expect(r.code).toBe(EXIT_ERROR);
    expect(r.stderr.trim().split("\n")).toEqual([
      "reach fairness: --policy <file> is required (see reach fairness --help)",
      "reach fairness: --source is required (canonical, parquet, oulad, oea, sds, oneroster, edfi, moodle, graph, combined, metrics) (see reach fairness --help)",
      "reach fairness: --data <dir> is required (see reach fairness --help)",
      "reach fairness: --as-of <YYYY-MM-DD> is required (see reach fairness --help)",
    ]);
    const runs = await reach("fairness", "--runs", "2");
    expect(runs.code).toBe(EXIT_ERROR);
    expect(runs.stderr).toMatch(/^reach fairness: --runs is not an option of reach fairness/);
  });

  it("refuses a --db that is not there, as reach cases does", async () => {
    const missing = join(dir, "missing.db");
    const r = await reach(
      "fairness",
      ...["--policy", UNIVERSITY, "--source", "oulad", "--data", OULAD_MINI],
      ...["--as-of", "2013-10-29", "--db", missing],
    );
    expect(r.code).toBe(EXIT_ERROR);
    expect(r.stderr).toContain(`reach fairness: no Reach database at ${missing}`);
  });
});

const MINI_POLICY = `policy:
  id: mini-fairness
  name: OULAD mini
  schools: [AAA, BBB, DDD]
  timezone: Europe/London
  schedule: "0 7 * * 1-5"
  window: 45 school days
rules:
  - id: quiet
    severity: medium
    when: { metric: days_since_activity, source: vle, at_least: 1 }
`;

describe("reach fairness on the OULAD mini fixture", () => {
  it("shows no group of fewer than 10 students, and no student id", async () => {
    const policy = join(dir, "mini.yaml");
    writeFileSync(policy, MINI_POLICY);
    const r = await reach(
      "fairness",
      ...["--policy", policy, "--source", "oulad", "--data", OULAD_MINI],
      ...["--as-of", "2013-10-03"],
    );
    // The fixture holds rows the import rejects: counted, none of them shown.
    expect(r.code).toBe(EXIT_PARTIAL_IMPORT);
    expect(r.stderr).toContain(
      "reach fairness: the import was partial: 8 rows rejected (reach run --dry-run lists each one; none is named here)",
    );
    expect(r.stdout).toContain("students in scope: <10; with a finding: <10");
    expect(r.stdout).toContain(`no case store at ${join(dir, "absent.db")}: finding rates only`);
    expect(r.stdout).toContain("Fewer than 10 students in scope: no group is shown.");
    const ids = readFileSync(join(OULAD_MINI, "studentRegistration.csv"), "utf8")
      .split("\n")
      .slice(1)
      .map((line) => line.split(",")[2]?.replace(/"/g, ""))
      .filter((id): id is string => id !== undefined && id !== "");
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(`${r.stdout}${r.stderr}`).not.toContain(id);

    const json = await reach(
      "fairness",
      ...["--policy", policy, "--source", "oulad", "--data", OULAD_MINI],
      ...["--as-of", "2013-10-03", "--json"],
    );
    const report = JSON.parse(json.stdout);
    expect(report.overall).toEqual({ inScope: "<10", flagged: "<10", rate: null });
    expect(report.fields).toEqual([]);
    expect(report.cases).toBeNull();
    expect(report.runsBefore).toBe(0);
    expect(json.stdout).not.toMatch(/[A-Z]{3}-2013[BJ]-\d+/);
  });
});

describe("reach fairness on the sample school with its cases", () => {
  let data: string;
  let db: string;
  beforeAll(async () => {
    data = join(dir, "school");
    db = join(dir, "cases.db");
    cpSync(DEMO_SCHOOL, data, { recursive: true });
    // A monitoring field for the sample school: gender by the student's number.
    const students = readFileSync(join(data, "students.csv"), "utf8").trim().split("\n").slice(1);
    const rows = students.map((line, i) => `${line.split(",")[0]},gender,${i % 2 ? "M" : "F"}`);
    writeFileSync(join(data, "demographics.csv"), `student_id,field,value\n${rows.join("\n")}\n`);
    const run = await reach(
      "run",
      ...["--policy", DEMO_POLICY, "--source", "canonical", "--data", data],
      ...["--as-of", "2027-01-29", "--db", db],
    );
    expect(run.code).toBe(EXIT_OK);
  }, 60_000);

  it("counts the students with a case, and records each case read in its audit trail", async () => {
    const r = await reach(
      "fairness",
      ...["--policy", DEMO_POLICY, "--source", "canonical", "--data", data],
      ...["--as-of", "2027-01-29", "--db", db, "--json"],
    );
    expect(r.code).toBe(EXIT_OK);
    const report = JSON.parse(r.stdout);
    const store = openSqliteStore({ path: db, create: false });
    try {
      const cases = await store.listCases({ policyId: "demo" });
      expect(cases.length).toBeGreaterThan(0);
      expect(report.cases).toEqual({ counted: cases.length, notInScope: 0, erased: 0 });
      // A run's findings open the cases: as many students with a case as with a finding.
      expect(report.overall.withCase).toBe(cases.length);
      expect(report.overall.flagged).toBe(cases.length);
      const gender = report.fields.find((f: { field: string }) => f.field === "gender");
      const shown = gender.groups.filter(
        (g: { inScope: unknown }) => typeof g.inScope === "number",
      );
      expect(shown.reduce((n: number, g: { inScope: number }) => n + g.inScope, 0)).toBe(
        report.overall.inScope,
      );
      for (const c of cases) {
        const audit = await store.listAudit("demo", c.caseId);
        expect(audit.filter((a) => a.why.includes("fairness"))).toEqual([
          expect.objectContaining({ action: "read", allowed: true }),
        ]);
        expect(r.stdout).not.toContain(c.studentId);
      }
    } finally {
      await store.close();
    }
    expect(r.stdout).not.toMatch(/S\d{6}/);
  });

  it("prints a table per field with the case columns", async () => {
    const r = await reach(
      "fairness",
      ...["--policy", DEMO_POLICY, "--source", "canonical", "--data", data],
      ...["--as-of", "2027-01-29", "--db", db],
    );
    expect(r.code).toBe(EXIT_OK);
    expect(r.stdout).toMatch(
      /\ngender\n {2}group +in scope +flagged +rate +ratio +with case +case rate +case ratio\n/,
    );
    expect(r.stdout).not.toMatch(/S\d{6}/);
  });
});

const hasOulad = existsSync(join(OULAD_2013, "studentVle.csv"));
if (!hasOulad) {
  console.warn(`skipping reach fairness on OULAD 2013: ${OULAD_2013} is absent (../shared/data)`);
}

describe.skipIf(!hasOulad)("reach fairness on OULAD 2013, day 28 of 2013J", () => {
  it("prints a table per monitoring field and no student id", async () => {
    // Day 0 of 2013J is 2013-10-01: day 28 is 2013-10-29.
    const r = await reach(
      "fairness",
      ...["--policy", UNIVERSITY, "--source", "oulad", "--data", OULAD_2013],
      ...["--as-of", "2013-10-29"],
    );
    expect(r.code).toBe(EXIT_OK);
    for (const field of ["gender", "age_band", "imd_band", "disability"]) {
      expect(r.stdout).toContain(`\n${field}\n  group  `);
    }
    expect(r.stdout).toMatch(/students in scope: \d+; with a finding: \d+ \(\d+\.\d%\)/);
    // No Reach student id (AAA-2013J-11391), and no OULAD id_student as a word of its own.
    expect(r.stdout).not.toMatch(/[A-Z]{3}-2013[BJ]-\d+/);
    const words = new Set(r.stdout.split(/[^\w%.<=-]+/));
    const ids = readFileSync(join(OULAD_2013, "studentInfo.csv"), "utf8")
      .split("\n")
      .slice(1)
      .map((line) => line.split(",")[2]?.replace(/"/g, ""))
      .filter((id): id is string => id !== undefined && id.length >= 5);
    const leaked = ids.filter((id) => words.has(id));
    expect(leaked).toEqual([]);
  }, 120_000);
});
