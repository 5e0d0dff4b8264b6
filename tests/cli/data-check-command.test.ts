/**
 * The check of a policy against its data from the command line, in-process: `reach rules
 * check --data --source` prints each problem at its place and exits 1; `reach run` (dry or
 * real) on data that does not fit prints one line per problem on stderr and exits 1 — the
 * real run recorded as failed, with no case — and prints warnings, also in `--json`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyCommand } from "../../src/cli/apply-command.ts";
import { EXIT_ERROR, EXIT_OK } from "../../src/cli/exit-codes.ts";
import type { Output } from "../../src/cli/output.ts";
import { rulesCheck } from "../../src/cli/rules-check.ts";
import { runCommand } from "../../src/cli/run-command.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

let dir: string;
let data: string;

/** Policy text: the value of `source` is at line 8, column 78. */
const policyText = (id: string, source: string) =>
  [
    "policy:",
    `  id: ${id}`,
    "  name: P",
    "  schools: [sch]",
    "  timezone: Europe/London",
    '  schedule: "0 7 * * 1-5"',
    "rules:",
    `  - { id: quiet, severity: low, when: { metric: days_since_activity, source: ${source}, at_least: 3 } }`,
    "",
  ].join("\n");

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "reach-data-check-cli-"));
  data = join(dir, "data");
  mkdirSync(data);
  // One school week, Mon 2026-09-07 to Fri 2026-09-11: a present every day, active on vle
  // and teams on Friday; an engagement lead and a's adviser.
  const days = ["2026-09-07", "2026-09-08", "2026-09-09", "2026-09-10", "2026-09-11"];
  const files: Record<string, string[]> = {
    "students.csv": ["id,display_name,school,adviser_ids", "a,Ana,sch,t-adv"],
    "staff.csv": [
      "id,name,school,roles",
      "t-lead,Lee,sch,engagement_lead",
      "t-adv,Ada,sch,adviser",
    ],
    "attendance.csv": ["student_id,date,status", ...days.map((d) => `a,${d},present`)],
    "activity.csv": [
      "student_id,date,source,kind,count",
      "a,2026-09-11,vle,login,1",
      "a,2026-09-11,teams,login,1",
    ],
  };
  for (const [name, lines] of Object.entries(files)) {
    writeFileSync(join(data, name), `${lines.join("\n")}\n`);
  }
  writeFileSync(join(dir, "good.yaml"), policyText("good", "vle"));
  writeFileSync(join(dir, "typo.yaml"), policyText("typo", "teamz"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

const lines = (text: string) => text.split("\n").filter((l) => l !== "");

describe("reach rules check --data --source", () => {
  it("prints a value the data does not have at its place, and exits 1", async () => {
    const { out, seen } = output();
    const typo = join(dir, "typo.yaml");
    const good = join(dir, "good.yaml");
    const code = await rulesCheck([good, typo], out, { data, source: "canonical" });
    expect(code).toBe(EXIT_ERROR);
    expect(lines(seen.stderr)).toEqual([
      `${typo}:8:78 rule quiet: source "teamz" is not in the data (sources in the data: teams, vle) (did you mean teams?)`,
      "1 error in 1 file",
    ]);
    expect(lines(seen.stdout)).toEqual([
      `${good}: OK — policy good, 1 rule; fits the data in ${data} (data ends: activity:vle 2026-09-11)`,
    ]);
  });

  it("exits 0 when every policy fits", async () => {
    const { out, seen } = output();
    expect(await rulesCheck([join(dir, "good.yaml")], out, { data, source: "canonical" })).toBe(
      EXIT_OK,
    );
    expect(seen.stderr).toBe("");
  });

  it("without --data, checks the files alone", async () => {
    const { out } = output();
    expect(await rulesCheck([join(dir, "typo.yaml")], out)).toBe(EXIT_OK);
  });
});

describe("reach run on data that does not fit", () => {
  const args = (
    policy: string,
    asOf: string,
    more: Partial<Parameters<typeof runCommand>[0]> = {},
  ) => ({
    dryRun: true,
    policy: join(dir, policy),
    source: "canonical",
    data,
    asOf,
    json: false,
    ...more,
  });

  it("a dry run: one line per problem on stderr, nothing on stdout, exit 1", async () => {
    const { out, seen } = output();
    // After Fri 09-11 (the calendar, from the attendance days, ends there) to Fri 09-25:
    // ten weekdays.
    const code = await runCommand(args("good.yaml", "2026-09-25"), out);
    expect(code).toBe(EXIT_ERROR);
    expect(seen.stdout).toBe("");
    expect(lines(seen.stderr)).toEqual([
      `${join(dir, "good.yaml")}: vle activity ends 2026-09-11, 10 school days before 2026-09-25 (max_data_age: 3 school days) (import newer data, or evaluate a date the data reaches)`,
      `reach run: policy good does not fit the data in ${data} (1 problem); nothing was evaluated`,
    ]);
  });

  it("a dry run within max_data_age: the warning on stderr and in --json", async () => {
    const { out, seen } = output();
    const code = await runCommand(args("good.yaml", "2026-09-14", { json: true }), out);
    expect(code).toBe(EXIT_OK);
    const warning =
      "vle activity ends 2026-09-11, 1 school day before 2026-09-14 (within max_data_age: 3 school days)";
    expect(lines(seen.stderr)).toEqual([`${join(dir, "good.yaml")}: warning: ${warning}`]);
    const json = JSON.parse(seen.stdout);
    expect(json.warnings).toEqual([
      { code: "as_of_after_data", file: join(dir, "good.yaml"), message: warning },
    ]);
    expect(json.dataThrough).toContainEqual({
      stream: "activity:vle",
      used: true,
      last: "2026-09-11",
      schoolDaysOld: 1,
    });
  });

  it("a real run: recorded as failed with the reason, no case, exit 1", async () => {
    const { out, seen } = output();
    const db = join(dir, "reach.db");
    const code = await applyCommand(
      args("typo.yaml", "2026-09-11", { dryRun: false, db }),
      out,
      () => new Date("2026-09-11T07:00:00.000Z"),
    );
    expect(code).toBe(EXIT_ERROR);
    const problem = `${join(dir, "typo.yaml")}:8:78 rule quiet: source "teamz" is not in the data (sources in the data: teams, vle) (did you mean teams?)`;
    expect(lines(seen.stderr)).toEqual([
      problem,
      `reach run: policy typo does not fit the data in ${data} (1 problem); nothing was evaluated`,
    ]);
    const store = openSqliteStore({ path: db });
    const runs = await store.listRuns({ policyId: "typo" });
    expect(runs.map((r) => [r.status, r.errors])).toEqual([["failed", [problem]]]);
    expect(await store.listCases()).toEqual([]);
    await store.close();
  });
});
