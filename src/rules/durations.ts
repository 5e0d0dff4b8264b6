/**
 * Durations in policy files. Everything in a policy is counted in school days (days the
 * calendar marks instructional) or in runs; a plain integer means the same unit.
 * `45 school days`, `45 days` and `45` are one value: "days" in a policy always means
 * school days, so a holiday never counts against a student.
 */

export type DurationUnit = "school days" | "runs";

export type DurationResult =
  | { ok: true; value: number }
  | { ok: false; message: string; hint?: string };

const SCHOOL_DAYS = /^(\d+)\s*(?:(?:school|instructional|teaching)[\s_-]*)?days?$/i;
const RUNS = /^(\d+)\s*runs?$/i;
const OTHER_UNIT = /^(\d+(?:\.\d+)?)\s*([a-z][a-z\s_-]*)$/i;

const PER_WEEK = 5;

/** Reads `N school days` / `N days` / `N` (or `N runs` / `N`) within `min..max`. */
export function parseDuration(
  value: unknown,
  unit: DurationUnit,
  min: number,
  max: number,
): DurationResult {
  const example = unit === "runs" ? "2 runs" : "10 school days";
  let n: number | undefined;
  if (typeof value === "number") {
    if (!Number.isInteger(value)) {
      return { ok: false, message: `expected a whole number of ${unit}, got ${value}` };
    }
    n = value;
  } else if (typeof value === "string") {
    const text = value.trim();
    const match = (unit === "runs" ? RUNS : SCHOOL_DAYS).exec(text);
    if (match?.[1] !== undefined) {
      n = Number(match[1]);
    } else {
      return {
        ok: false,
        message: `expected ${unit} like "${example}", got "${value}"`,
        ...unitHint(text, unit),
      };
    }
  } else {
    return { ok: false, message: `expected ${unit} like "${example}"` };
  }
  if (n < min || n > max) {
    return {
      ok: false,
      message: `${n} ${unit} is out of range: expected ${min} to ${max}`,
    };
  }
  return { ok: true, value: n };
}

function unitHint(text: string, unit: DurationUnit): { hint?: string } {
  const match = OTHER_UNIT.exec(text);
  const amount = Number(match?.[1]);
  const word = match?.[2]?.toLowerCase().trim() ?? "";
  if (unit === "runs") {
    if (/^(school\s+)?days?$/.test(word)) {
      return { hint: `"for" counts runs of the policy's schedule: write "${amount} runs"` };
    }
    return {};
  }
  if (/^(school\s+)?weeks?$/.test(word) && Number.isFinite(amount)) {
    return { hint: `durations are in school days: write "${amount * PER_WEEK} school days"` };
  }
  if (/^(calendar\s+days?|hours?|minutes?|months?|years?|terms?|semesters?)$/.test(word)) {
    return { hint: "durations are counted in school days, e.g. 20 school days" };
  }
  if (/^runs?$/.test(word)) return { hint: "runs are only for `for`; here write school days" };
  return {};
}
