/** Rule tests as data (`reach rules test`): the format, its reader and the runner. */
export { formatTestProblem, type TestProblem } from "./reader.ts";
export {
  type RuleTestFileResult,
  type RuleTestReport,
  runRuleTests,
  TEST_FILE,
} from "./rule-tests.ts";
export {
  type CaseResult,
  type DateResult,
  describeOutcome,
  type OutcomeItem,
} from "./run-case.ts";
