/** Branded ids come only from parsing: what a front end received, checked. */
import { describe, expect, it } from "vitest";
import { parseCaseId, parsePolicyId, parseStudentId } from "../../src/cases/ids.ts";

describe("parsing ids", () => {
  it.each([
    ["northfield-20270129-3f9a1c2b7d4e5f60", true],
    ["S0001", true],
    ["AAA-2013J-11391", true],
    ["x".repeat(200), true],
    ["x".repeat(201), false],
    ["", false],
    [" S0001", false],
    ["S0001 ", false],
    ["S0\u0000001", false],
    ["S0001\u200b", false],
    ["north\u202efield", false],
    ["line\nbreak", false],
    ["tab\there", false],
  ])("%j → %s", (text, ok) => {
    for (const parse of [parseCaseId, parsePolicyId, parseStudentId]) {
      expect(parse(text)).toBe(ok ? text : undefined);
    }
  });

  it("refuses what is not a string", () => {
    for (const value of [undefined, null, 42, ["S1"], { id: "S1" }]) {
      expect(parseCaseId(value)).toBeUndefined();
    }
  });
});
