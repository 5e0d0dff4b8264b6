/**
 * One measured Reach run in its own process: the policy's dry run over the canonical
 * bundle (or, with `--source parquet`, its Parquet copy), exactly what a nightly
 * evaluation does before it touches cases.
 *
 *   node --import tsx bench/engine/reach-child.ts --data DIR --as-of YYYY-MM-DD
 *        [--source canonical|parquet] [--policy bench/engine/policy.yaml] [--ids-out FILE]
 */
import { parseArgs } from "node:util";
import { parseIsoDate } from "../../src/data/dates.ts";
import { formatProblem, loadPolicyFile } from "../../src/rules/loader.ts";
import { dryRun } from "../../src/run/dry-run.ts";
import { reportResult, writeIds } from "./child.ts";

const { values } = parseArgs({
  options: {
    data: { type: "string" },
    "as-of": { type: "string" },
    policy: { type: "string", default: "bench/engine/policy.yaml" },
    "ids-out": { type: "string" },
    source: { type: "string", default: "canonical" },
  },
});
const source = values.source === "parquet" ? "parquet" : "canonical";
const asOf = values["as-of"] === undefined ? undefined : parseIsoDate(values["as-of"]);
if (values.data === undefined || asOf === undefined) {
  console.error(
    "usage: reach-child.ts --data DIR --as-of YYYY-MM-DD [--policy FILE] [--ids-out FILE]",
  );
  process.exit(2);
}

const loaded = await loadPolicyFile(values.policy);
if (!loaded.ok) {
  for (const error of loaded.errors) console.error(formatProblem(error));
  process.exit(1);
}

const started = performance.now();
const result = await dryRun({
  policy: loaded.policy,
  source,
  dataDir: values.data,
  asOf,
});
const elapsedMs = performance.now() - started;

const lowAttendance: string[] = [];
const noActivity7: string[] = [];
for (const finding of result.findings) {
  if (finding.ruleIds.includes("low-attendance")) lowAttendance.push(finding.studentId);
  if (finding.ruleIds.includes("no-activity-7")) noActivity7.push(finding.studentId);
}
writeIds(values["ids-out"], {
  lowAttendance: lowAttendance.sort(),
  noActivity7: noActivity7.sort(),
});
reportResult({
  engine: source === "parquet" ? "parquet" : "reach",
  elapsedMs,
  importMs: result.timings.importMs,
  evaluateMs: result.timings.evaluateMs,
  lowAttendance: lowAttendance.length,
  noActivity7: noActivity7.length,
  findings: result.findings.length,
});
