/** Policy text for loader tests: line numbers in a test are the array's positions + 1. */

export const yaml = (...lines: string[]): string => `${lines.join("\n")}\n`;

/** The settings part of a valid policy: lines 1–6. */
export const HEADER = [
  "policy:",
  "  id: sef",
  "  name: School of Engineering",
  "  schools: [sef]",
  "  timezone: Europe/London",
  '  schedule: "0 7 * * 1-5"',
];
