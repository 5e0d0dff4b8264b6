/**
 * The words a message to a student may not use, kept in one place so a school (or Reach)
 * can add to them. Each entry is matched as a whole word, case-insensitively; a term of
 * several words also matches with hyphens, other spaces or nothing between them
 * (`at risk`, `at-risk`, `atrisk`). Inflections are listed, not guessed.
 *
 * Sanction and deficit language: words that threaten, label or judge. A message from
 * Reach says what happened and offers help.
 */

export interface FlaggedGroup {
  /** The words and phrases, lower-case. */
  terms: readonly string[];
  /** How a student reads them, completing "… reads as ___". */
  reads: string;
  /** What to write instead. */
  instead: string;
}

export const SANCTION_AND_DEFICIT_WORDS: readonly FlaggedGroup[] = [
  {
    terms: ["fail", "fails", "failing", "failed", "failure", "failures"],
    reads: "a judgement of the student",
    instead: 'say what happened, e.g. "an assignment hasn\'t come in yet"',
  },
  {
    terms: ["warning", "warnings", "warn", "warns", "warned", "final notice"],
    reads: "a sanction",
    instead: "offer help rather than a warning",
  },
  {
    terms: [
      "penalty",
      "penalties",
      "penalise",
      "penalised",
      "penalises",
      "penalize",
      "penalized",
      "penalizes",
      "fined",
      "fines",
    ],
    reads: "a sanction",
    instead: "leave sanctions out of a message from Reach: it offers help",
  },
  {
    terms: ["disciplinary", "discipline", "disciplined"],
    reads: "a sanction",
    instead: "leave discipline out of a message from Reach: it offers help",
  },
  {
    terms: ["sanction", "sanctions", "sanctioned"],
    reads: "a sanction",
    instead: "leave sanctions out of a message from Reach: it offers help",
  },
  {
    terms: ["at risk"],
    reads: "a label put on the student",
    instead: 'say what happened, e.g. "you\'ve missed some school days"',
  },
  {
    terms: ["non compliance", "non compliant", "non attendance", "non engagement"],
    reads: "a label put on the student",
    instead: "say what happened in plain words",
  },
  {
    terms: ["truant", "truants", "truanting", "truancy"],
    reads: "a label put on the student",
    instead: 'say what happened, e.g. "you haven\'t been able to be in school since …"',
  },
  {
    terms: ["detention", "detentions"],
    reads: "a sanction",
    instead: "leave sanctions out of a message from Reach: it offers help",
  },
  {
    terms: ["exclusion", "exclusions", "exclude", "excluded"],
    reads: "a sanction",
    instead: "leave sanctions out of a message from Reach: it offers help",
  },
  {
    terms: ["suspension", "suspend", "suspended", "expel", "expelled", "expulsion"],
    reads: "a sanction",
    instead: "leave sanctions out of a message from Reach: it offers help",
  },
  {
    terms: ["consequence", "consequences"],
    reads: "a threat",
    instead: "say what help is on offer instead",
  },
  {
    terms: ["unacceptable", "disappointing", "disappointed", "disappointment"],
    reads: "a judgement of the student",
    instead: "say what happened and offer help",
  },
  {
    terms: ["lazy", "laziness", "irresponsible", "careless"],
    reads: "a judgement of the student",
    instead: "say what happened and offer help",
  },
  {
    terms: [
      "poor attendance",
      "poor engagement",
      "poor performance",
      "poor behaviour",
      "poor behavior",
      "underperforming",
      "underachieving",
    ],
    reads: "a judgement of the student",
    instead: 'say what happened, e.g. "you\'ve missed some school days over the last few weeks"',
  },
  {
    terms: [
      "persistent absence",
      "persistently absent",
      "chronic absence",
      "chronically absent",
      "chronic absentee",
      "chronic absenteeism",
      "unauthorised absence",
      "unauthorised absences",
      "unauthorized absence",
      "unauthorized absences",
      "unexcused absence",
      "unexcused absences",
    ],
    reads: "a category the school files the student under",
    instead: 'say what happened, e.g. "you haven\'t been able to be in school since …"',
  },
];

/**
 * Words that put a score, a threshold or the policy's arithmetic in front of the student.
 * Numbers written as percentages, decimals and fractions are caught separately.
 */
export const SCORE_WORDS: readonly string[] = [
  "score",
  "scores",
  "scored",
  "scoring",
  "threshold",
  "thresholds",
  "rate",
  "rates",
  "metric",
  "metrics",
  "risk",
  "risks",
  "percent",
  "per cent",
  "percentage",
  "percentages",
  "percentile",
  "ratio",
  "ratios",
];
