/**
 * `reach rules test <file|dir>…`: runs the rule test files beside the policies (rules/README.md,
 * "Testing a policy"). Per file, per test: PASS, or FAIL with what was expected and did not
 * happen (`-`) and what happened and was not expected (`+`), date by date. Every problem of
 * a test file is printed as `file:line:column message (hint)`. Exit 0 when every test passed,
 * 1 on a failure or a problem; `--json` prints the whole report as one JSON document.
 */

import {
  describeOutcome,
  formatTestProblem,
  type RuleTestReport,
  runRuleTests,
} from "../app/index.ts";
import { EXIT_ERROR, EXIT_OK } from "./exit-codes.ts";
import type { Output } from "./output.ts";

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

export async function rulesTest(
  paths: string[],
  options: { json: boolean },
  out: Output,
): Promise<number> {
  if (paths.length === 0) {
    out.error(
      "reach rules test: give a rule test file or a folder of them, e.g. reach rules test rules/ (see reach rules test --help)",
    );
    return EXIT_ERROR;
  }
  const report = await runRuleTests(paths);
  if (options.json) {
    out.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.ok ? EXIT_OK : EXIT_ERROR;
  }
  printReport(report, out);
  return report.ok ? EXIT_OK : EXIT_ERROR;
}

function printReport(report: RuleTestReport, out: Output): void {
  for (const p of report.problems) out.error(formatTestProblem(p));
  let problems = report.problems.length;
  for (const file of report.files) {
    if (file.problems.length > 0) {
      for (const p of file.problems) out.error(formatTestProblem(p));
      problems += file.problems.length;
      out.log(`${file.file}: not run (${plural(file.problems.length, "problem")})`);
      continue;
    }
    out.log(`${file.file} — policy ${file.policyId} (${file.policy})`);
    for (const c of file.cases) {
      out.log(`  ${c.passed ? "PASS" : "FAIL"} ${c.name}`);
      for (const d of c.dates) {
        if (d.passed) continue;
        out.log(`    ${d.date} (${file.file}:${d.at.line}:${d.at.column}):`);
        for (const reason of d.refused ?? []) out.log(`      the run is refused: ${reason}`);
        for (const m of d.missing) out.log(`      - ${describeOutcome(m)}`);
        for (const u of d.unexpected) out.log(`      + ${describeOutcome(u)}`);
      }
    }
    if (file.neverFired.length > 0) {
      out.error(
        `${file.file}: warning: ${file.neverFired.length === 1 ? "rule" : "rules"} ${file.neverFired.join(", ")} of policy ${file.policyId} fire${file.neverFired.length === 1 ? "s" : ""} on no expected date`,
      );
    }
  }
  const total = report.passed + report.failed;
  const failing =
    report.failed > 0 ? "  (- expected, did not happen; + happened, not expected)" : "";
  out.log(
    `${plural(total, "test")} in ${plural(report.files.length, "file")}: ${report.passed} passed, ${report.failed} failed${failing}`,
  );
  if (problems > 0) out.error(plural(problems, "problem"));
}
