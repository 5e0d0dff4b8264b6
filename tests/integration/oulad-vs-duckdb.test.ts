/**
 * "No VLE activity in the last 14 days" as of day 28 of the real OULAD 2013J
 * presentations (AAA, BBB, DDD, EEE and GGG, day 0 = 2013-10-01), checked against an
 * independent DuckDB SQL count over the same CSV files. BBB and DDD also ran a 2013B
 * presentation, which had ended by then: those registrations must not be counted.
 *
 * The SQL states the rule directly in OULAD's own day offsets: a registration counts when
 * it was not withdrawn by day 28 and none of the 14 days 15..28 has a VLE click and the
 * student was registered throughout them (registered on or before day 15, or before
 * the presentation began).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { parseIsoDate } from "../../src/data/dates.ts";
import { loadPolicyText } from "../../src/rules/loader.ts";
import { dryRun } from "../../src/run/dry-run.ts";

const DIR = join(import.meta.dirname, "../../../shared/data/oulad-2013");
const present = existsSync(join(DIR, "studentVle.csv"));
if (!present)
  console.warn(`skipping OULAD vs DuckDB: ${DIR} is absent (../shared/data not beside the clone)`);

const POLICY = `policy:
  id: no-vle
  name: No VLE activity for 14 days
  schools: [AAA, BBB, DDD, EEE, GGG]
  timezone: Europe/London
  schedule: "0 7 * * 1-5"
  window: 45 school days
rules:
  - id: no-vle-14
    severity: high
    when: { metric: days_since_activity, source: vle, at_least: 14 }
`;

const SQL = (dir: string) => `
WITH reg AS (
  SELECT code_module, id_student, TRY_CAST(date_registration AS INTEGER) AS r, TRY_CAST(date_unregistration AS INTEGER) AS u
  FROM read_csv('${dir}/studentRegistration.csv', header = true, all_varchar = true)
  WHERE code_presentation = '2013J'
),
clicks AS (
  SELECT DISTINCT code_module, id_student
  FROM read_csv('${dir}/studentVle.csv', header = true, all_varchar = true)
  WHERE code_presentation = '2013J'
    AND CAST(date AS INTEGER) BETWEEN 15 AND 28 AND CAST(sum_click AS INTEGER) > 0
)
SELECT code_module AS module, count(*) AS n, list(id_student) AS ids
FROM reg ANTI JOIN clicks USING (code_module, id_student)
WHERE (u IS NULL OR u > 28) AND coalesce(r, 0) <= 15
GROUP BY code_module
ORDER BY code_module
`;

describe.skipIf(!present)("OULAD 2013J: no VLE activity in the last 14 days, as of day 28", () => {
  it("Reach finds the same students as DuckDB", async () => {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(SQL(DIR));
    const rows = reader.getRowObjectsJS() as { module: string; n: bigint; ids: string[] }[];
    connection.closeSync();
    const perModule = Object.fromEntries(rows.map((r) => [r.module, Number(r.n)]));
    const expected = rows.flatMap((r) => r.ids.map((id) => `${r.module}-2013J-${id}`)).sort();

    const loaded = loadPolicyText(POLICY, "no-vle.yaml");
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const result = await dryRun({
      policy: loaded.policy,
      source: "oulad",
      dataDir: DIR,
      asOf: parseIsoDate("2013-10-29") as number,
    });
    const found = result.findings.map((f) => f.studentId);
    expect(found).toEqual(expected);
    // A real signal in every presentation, not an empty agreement.
    expect(Object.keys(perModule)).toEqual(["AAA", "BBB", "DDD", "EEE", "GGG"]);
    // The 2013B presentations of BBB and DDD (3,070 registrations) had ended by 2013-10-29:
    // 936 of those students had withdrawn, the other 2,134 finished the module.
    expect(result.evaluation.counts.suppressed.enrolment_ended).toBe(2134);
  });
});
