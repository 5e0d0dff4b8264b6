/**
 * Backtest scoring on a hand-made school: 10 school days, Mon 2026-09-07 to Fri 2026-09-18,
 * one rule ("no VLE activity for 3 school days"), seven students whose first findings,
 * outcomes and lead times are counted by hand below.
 *
 *   A  active every day                 never flagged   no outcome          true negative
 *   B  active on 09-07 only             flagged 09-10   withdrew 09-17      lead 5 (11,14,15,16,17)
 *   C  never active                     flagged 09-09   outcome 09-18       lead 7 (10,11,14…18)
 *   D  active on 09-07 and 09-08        flagged 09-11   no outcome          false positive at 09-11
 *   E  active every day                 never flagged   outcome 09-18       missed
 *   F  withdrawn from 09-09, never active                                   not scored (withdrawn)
 *   G  active every day                 never flagged   outcome 09-10       not scored at 09-11
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { backtestCommand } from "../../src/cli/backtest-command.ts";
import { loadPolicyText } from "../../src/rules/loader.ts";
import {
  backtest,
  OutcomesFileInvalid,
  parseAtPoints,
  scoreFindings,
} from "../../src/run/index.ts";

const DAYS = [
  "2026-09-07",
  "2026-09-08",
  "2026-09-09",
  "2026-09-10",
  "2026-09-11",
  "2026-09-14",
  "2026-09-15",
  "2026-09-16",
  "2026-09-17",
  "2026-09-18",
];
const POLICY = `policy:
  id: quiet
  name: Quiet students
  schools: [north]
  timezone: Europe/London
  schedule: "0 7 * * 1-5"
  window: 10 school days
rules:
  - id: quiet-3
    severity: medium
    when: { metric: days_since_activity, source: vle, at_least: 3 }
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "reach-backtest-"));
  const write = (name: string, lines: string[]) =>
    writeFileSync(join(dir, name), `${lines.join("\n")}\n`);
  writeFileSync(join(dir, "policy.yaml"), POLICY);
  write("students.csv", [
    "id,display_name,school,status,status_from",
    ...["A", "B", "C", "D", "E", "G"].map((id) => `${id},Student ${id},north,active,`),
    "F,Student F,north,withdrawn,2026-09-09",
  ]);
  write("attendance.csv", ["student_id,date,status"]);
  write("calendar.csv", ["school,date,instructional", ...DAYS.map((d) => `north,${d},yes`)]);
  const active = (id: string, days: string[]) => days.map((d) => `${id},${d},vle,view,1`);
  write("activity.csv", [
    "student_id,date,source,kind,count",
    ...active("A", DAYS),
    ...active("B", DAYS.slice(0, 1)),
    ...active("D", DAYS.slice(0, 2)),
    ...active("E", DAYS),
    ...active("G", DAYS),
  ]);
  write("outcomes.csv", [
    "student_id,outcome_date,outcome",
    "B,2026-09-17,withdrawn",
    "C,2026-09-18,failed",
    "E,2026-09-18,failed",
    "G,2026-09-10,withdrawn",
  ]);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(at: string) {
  const loaded = loadPolicyText(POLICY, "policy.yaml");
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return backtest({
    policy: loaded.policy,
    source: "canonical",
    dataDir: dir,
    at: parseAtPoints(at).points,
    outcomesFile: join(dir, "outcomes.csv"),
  });
}

describe("reach backtest scoring", () => {
  it("scores the first findings at a date: precision, recall, lead time, cases", async () => {
    const result = await run("2026-09-11");
    const [point] = result.points;
    expect(point.dates).toEqual(["2026-09-11"]);
    expect(point.policy).toEqual({
      scored: 5, // A B C D E
      positives: 3, // B C E
      flagged: 3, // B C D
      truePositives: 2, // B C
      precision: 2 / 3,
      recall: 2 / 3,
      medianLeadDays: 6, // (5 + 7) / 2
      medianLeadDaysByOutcome: { failed: 7, withdrawn: 5 },
      casesOpened: 3,
      excluded: { withdrawn: 1, outcomeBefore: 1 }, // F; G
    });
    expect(point.rules.map((r) => [r.ruleId, r.score.flagged])).toEqual([["quiet-3", 3]]);
    // One group from the first school day, replayed on the 5 school days up to 09-11.
    expect(result.groups).toEqual([{ start: "2026-09-07", students: 7, days: 5 }]);
  });

  it("takes a day offset from the first school day, and several points in one replay", async () => {
    const result = await run("2,2026-09-11");
    const [early, late] = result.points;
    // Day 2 = Wed 09-09: only C is flagged yet; F withdrew that day; G's outcome is still ahead.
    expect(early.dates).toEqual(["2026-09-09"]);
    expect(early.policy).toMatchObject({
      scored: 6,
      positives: 4,
      flagged: 1,
      truePositives: 1,
      precision: 1,
      recall: 0.25,
      medianLeadDays: 7,
      casesOpened: 1,
      excluded: { withdrawn: 1, outcomeBefore: 0 },
    });
    expect(late.policy.precision).toBe(2 / 3);
    expect(result.evaluations).toBe(5);
  });

  it("scoreFindings: nobody flagged gives no precision, an even count a mean median", () => {
    const between = (from: number, to: number) => to - from;
    const students = [
      { studentId: "x", at: 10, withdrawnBy: false, schoolDaysBetween: between },
      {
        studentId: "y",
        at: 10,
        withdrawnBy: false,
        outcome: { date: 20, outcome: "w" },
        schoolDaysBetween: between,
      },
    ];
    expect(scoreFindings(students, new Map())).toMatchObject({
      flagged: 0,
      precision: null,
      recall: 0,
      medianLeadDays: null,
    });
    // A finding after the point does not count.
    expect(scoreFindings(students, new Map([["y", 11]])).flagged).toBe(0);
    expect(scoreFindings(students, new Map([["y", 4]])).medianLeadDays).toBe(16);
  });
});

describe("the outcomes file", () => {
  it("reports every problem at its line and scores nothing", async () => {
    writeFileSync(
      join(dir, "outcomes.csv"),
      "student_id,outcome_date,outcome\nB,2026-13-01,withdrawn\n,2026-09-18,failed\nC,2026-09-18,\nB,2026-09-17,withdrawn\nB,2026-09-18,failed\n",
    );
    const error = await run("4").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutcomesFileInvalid);
    const path = join(dir, "outcomes.csv");
    expect((error as OutcomesFileInvalid).problems).toEqual([
      `${path}:2: outcome_date "2026-13-01" is not a date as YYYY-MM-DD`,
      `${path}:3: student_id is empty`,
      `${path}:4: outcome is empty`,
      `${path}:6: student B already has an outcome at line 5 (one outcome per student)`,
    ]);
  });

  it("reach backtest prints the table and says who was not scored", async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const out = {
      log: (l: string) => lines.push(l),
      error: (l: string) => errors.push(l),
      write: (t: string) => lines.push(t),
      progress: () => {},
    };
    const code = await backtestCommand(
      {
        policy: join(dir, "policy.yaml"),
        source: "canonical",
        data: dir,
        at: "4",
        outcomes: join(dir, "outcomes.csv"),
        json: false,
      },
      out,
    );
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    expect(lines).toContain(
      "Not scored: 1 had already withdrawn; 1 already had their outcome by then.",
    );
    const policyRow = lines.find((l) => l.startsWith("whole policy")) ?? "";
    expect(policyRow.split(/\s{2,}/)).toEqual(["whole policy", "3", "2", "0.67", "0.67", "6", "3"]);
  });

  it("refuses --at parts that are neither offsets nor dates", () => {
    expect(parseAtPoints("28,soon,2013-02-30").problems).toEqual([
      'part 2 of --at, "soon", is neither a day offset (0 to 3650) nor a date as YYYY-MM-DD',
      'part 3 of --at, "2013-02-30", is neither a day offset (0 to 3650) nor a date as YYYY-MM-DD',
    ]);
  });
});
