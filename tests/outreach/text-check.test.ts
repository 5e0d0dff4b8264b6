/**
 * The checks of what a student will read, on an adviser's finished text
 * (`checkMessageText`): sanction and deficit words from the maintained list, whole words
 * in any case with hyphen and space variants; scores and thresholds; placeholders left in;
 * invisible and control characters; each at its line and column.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkMessageText,
  MAX_MESSAGE_CHARS,
  SANCTION_AND_DEFICIT_WORDS,
  SCORE_WORDS,
  type TextProblem,
} from "../../src/outreach/index.ts";

const codes = (text: string) => checkMessageText(text).map((p) => p.code);
const at = (problems: TextProblem[]) => problems.map((p) => [p.line, p.column, p.code]);

/** The brief's list: each must be refused wherever it appears. */
const REQUIRED = [
  "fail",
  "failing",
  "failed",
  "failure",
  "warning",
  "warn",
  "penalty",
  "penalise",
  "disciplinary",
  "discipline",
  "sanction",
  "at risk",
  "at-risk",
  "non-compliance",
  "non-compliant",
  "truant",
  "truancy",
  "detention",
  "exclusion",
  "excluded",
  "consequences",
  "unacceptable",
  "lazy",
  "poor attendance",
];

describe("sanction and deficit language", () => {
  it.each(REQUIRED)("refuses %s", (word) => {
    const problems = checkMessageText(`Hi Ben, this is about ${word} this term.`);
    expect(problems.map((p) => p.code)).toEqual(["sanction_language"]);
    expect(problems[0]).toMatchObject({ line: 1, column: 23 });
    expect(problems[0].message).toContain(`"${word}"`);
    expect(problems[0].hint).toBeTruthy();
  });

  it("in any case, and with a hyphen, a space, a line break or nothing between the words", () => {
    for (const written of [
      "AT RISK",
      "At-Risk",
      "atrisk",
      "at\u2011risk",
      "at\nrisk",
      "Non Compliance",
      "noncompliance",
      "POOR-ATTENDANCE",
      "Failing",
    ]) {
      expect(codes(`You are ${written} now.`), written).toEqual(["sanction_language"]);
    }
  });

  it("only as whole words", () => {
    for (const fine of [
      "a failsafe plan",
      "unwarned",
      "the warmth of the team",
      "lazybones",
      "a poorly timed bus",
      "wellbeing",
    ]) {
      expect(codes(`It is ${fine}.`), fine).toEqual([]);
    }
  });

  it("every term of the maintained list is refused", () => {
    for (const group of SANCTION_AND_DEFICIT_WORDS) {
      for (const term of group.terms) {
        expect(codes(`About ${term}.`), term).toEqual(["sanction_language"]);
      }
    }
  });
});

describe("scores and thresholds", () => {
  it.each([
    ["85%", "your attendance is 85% this term"],
    ["85 %", "your attendance is 85 % this term"],
    ["90 per cent", "below 90 per cent"],
    ["a decimal", "you are at 0.9 now"],
    ["a bare decimal", "you are at .85 now"],
    ["N out of M", "you came in 7 out of 10 days"],
    ["a fraction", "you came in 9/10 days"],
  ])("refuses %s", (_what, text) => {
    expect(codes(text)).toEqual(["score_or_threshold"]);
  });

  it("refuses the words of scores and thresholds", () => {
    for (const word of SCORE_WORDS) {
      expect(codes(`Your ${word} is low.`), word).toEqual(["score_or_threshold"]);
    }
  });

  it("leaves dates, times and ordinary numbers alone", () => {
    for (const fine of [
      "since Monday 4 January",
      "since Monday 4 January 2027",
      "on 4/1/2027",
      "at 8:30 tomorrow",
      "in room 12",
      "3 days in a row",
      "call 0161 496 0000",
      "separate, accurate, rating-free",
    ]) {
      expect(codes(`We noticed it ${fine}.`), fine).toEqual([]);
    }
  });

  it("reports `at risk` once, not also as `risk`", () => {
    const problems = checkMessageText("You are at risk.");
    expect(at(problems)).toEqual([[1, 9, "sanction_language"]]);
  });
});

describe("placeholders left in", () => {
  it("refuses any {…} with a hint for a known placeholder", () => {
    const problems = checkMessageText("Hi {first_name},\nI noticed {fact}.\nFrom {someone}");
    expect(at(problems)).toEqual([
      [1, 4, "placeholder_left_in"],
      [2, 11, "placeholder_left_in"],
      [3, 6, "placeholder_left_in"],
    ]);
    expect(problems[0].message).toBe(
      "a placeholder {first_name} was left in: the student would see it as written",
    );
    expect(problems[0].hint).toBe("replace it with the student's preferred first name");
    expect(problems[2].hint).toBe("replace it with the words it stands for");
  });
});

describe("invisible and control characters", () => {
  it.each([
    ["U+0000 NUL", "\u0000"],
    ["U+0007 bell", "\u0007"],
    ["U+001B escape", "\u001b"],
    ["U+200B zero width space", "\u200b"],
    ["U+202E right-to-left override", "\u202e"],
    ["U+00AD soft hyphen", "\u00ad"],
    ["U+FEFF zero width no-break space", "\ufeff"],
    ["U+0085", "\u0085"],
    ["U+D800", "\ud800"],
  ])("refuses %s at its place", (name, char) => {
    const problems = checkMessageText(`Hi Ben,\nsee you ${char}soon`);
    expect(at(problems)).toEqual([[2, 9, "control_character"]]);
    expect(problems[0].message).toContain(`(${name})`);
  });

  it("hides no flagged word: f\u200bailing is refused for its character", () => {
    expect(codes("You are f\u200bailing.")).toEqual(["control_character"]);
  });

  it("keeps tabs, line breaks (\\n and \\r\\n) and emoji, joined ones too", () => {
    expect(codes("Hi Ben,\r\n\tsee you soon 👋\n👨‍👩‍👧 🧑🏽‍🏫")).toEqual([]);
  });
});

describe("the whole message", () => {
  it("an empty or blank message is refused", () => {
    expect(codes("")).toEqual(["empty"]);
    expect(codes(" \n\t ")).toEqual(["empty"]);
  });

  it(`a message over ${MAX_MESSAGE_CHARS} characters is refused at once, unread`, () => {
    const huge = "failing 0.9 {fact} ".repeat(200_000);
    const started = Date.now();
    expect(checkMessageText(huge)).toEqual([
      expect.objectContaining({ line: 1, column: 1, code: "too_long" }),
    ]);
    expect(Date.now() - started).toBeLessThan(500);
    expect(codes("a".repeat(MAX_MESSAGE_CHARS))).toEqual([]);
  });

  it("lists at most 20 problems and then how many more", () => {
    const problems = checkMessageText("fail ".repeat(30));
    expect(problems).toHaveLength(21);
    expect(problems[20]).toMatchObject({ code: "too_many_problems", line: 1, column: 101 });
    expect(problems[20].message).toBe("10 more problems from here on, not listed");
  });

  it("positions count lines and columns from 1", () => {
    const text = "Hi Ben,\n\nWe noticed you are failing.\nYou are at 80%.";
    expect(at(checkMessageText(text))).toEqual([
      [3, 20, "sanction_language"],
      [4, 12, "score_or_threshold"],
    ]);
  });

  it("never throws, and every problem is inside the text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: "binary" }), (text) => {
        const lines = text.split("\n");
        const outside = checkMessageText(text).filter(
          (p) =>
            p.line < 1 ||
            p.line > lines.length ||
            p.column < 1 ||
            p.column > (lines[p.line - 1]?.length ?? 0) + 1 ||
            p.message === "",
        );
        expect(outside).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
