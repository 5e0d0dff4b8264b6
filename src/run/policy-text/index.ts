/** A policy in plain words, and last week's figures per rule, pure (the `policy` card). */
export { cronInWords, cronWords } from "./cron-words.ts";
export {
  type DescribeOptions,
  describePolicy,
  type PolicyDescription,
  type RuleDescription,
} from "./policy-words.ts";
export {
  type Comparison,
  conditionWords,
  DISABLED_NOTE,
  fallbackTestWords,
  metricTestWords,
  type RuleWords,
  ruleWords,
  WATCH_OUTCOME,
} from "./rule-sentence.ts";
export {
  type RuleWeek,
  type RuleWeekInput,
  type RuleWeekRow,
  summariseRuleWeek,
} from "./rule-week.ts";
