/**
 * Policy limits: size, rule-count and nesting limits refused with one
 * positioned problem; reserved JavaScript names are ordinary unknown names; special files
 * are refused before they are opened; and the loader never throws, whatever it is given.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { rulesCheck } from "../../src/cli/rules-check.ts";
import {
  MAX_CONDITION_DEPTH,
  MAX_FILE_BYTES,
  MAX_RULES,
  MAX_YAML_DEPTH,
} from "../../src/rules/limits.ts";
import {
  formatProblem,
  loadPolicyDir,
  loadPolicyFile,
  loadPolicyText,
  type PolicyLoadResult,
  type PolicyProblem,
} from "../../src/rules/loader.ts";
import { HEADER, yaml } from "./policy-text.ts";

const RULE = "{ id: a, severity: high, when: { metric: tardies, above: 1 } }";

function errorsOf(result: PolicyLoadResult): PolicyProblem[] {
  if (result.ok) throw new Error("expected errors, the policy loaded");
  return result.errors;
}

/** Exactly one error, with a hint; returns it. */
function onlyError(result: PolicyLoadResult): PolicyProblem {
  const errors = errorsOf(result);
  expect(errors.map((e) => formatProblem(e))).toHaveLength(1);
  const [error] = errors as [PolicyProblem];
  expect(error.hint ?? "").not.toBe("");
  return error;
}

/** Rejects when `promise` takes longer than `ms`: a hang fails the test instead of stalling it. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "reach-limits-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("size and count limits", () => {
  it("refuses a file over 1 MiB from its size, before reading it", async () => {
    const path = join(dir, "huge.yaml");
    // 20 MB of a valid-looking policy: the size alone refuses it.
    const rules = `  - ${RULE}\n`.repeat(Math.ceil((20 * 1024 * 1024) / (RULE.length + 5)));
    await writeFile(path, yaml(...HEADER, "rules:") + rules);
    const started = Date.now();
    const error = onlyError(await loadPolicyFile(path));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toMatchObject({ file: path, line: 1, column: 1, code: "too_large" });
    expect(error.message).toMatch(/^the file is 20\.\d MiB: too large for a policy file$/);
    expect(error.hint).toContain("at most 1 MiB");
  });

  it("refuses text over the limit given to loadPolicyText, and accepts a file at the limit", () => {
    const big = "#".repeat(MAX_FILE_BYTES + 1);
    expect(onlyError(loadPolicyText(big, "f.yaml")).code).toBe("too_large");
    // Multi-byte characters count as bytes: 600,000 × "é" is 1.2 MB in 600,000 characters.
    expect(onlyError(loadPolicyText(`# ${"é".repeat(600_000)}`, "f.yaml")).code).toBe("too_large");
    const padded = yaml(...HEADER, "rules:", `  - ${RULE}`);
    const atLimit = padded + "#".repeat(MAX_FILE_BYTES - Buffer.byteLength(padded));
    expect(loadPolicyText(atLimit, "f.yaml").ok).toBe(true);
  });

  it(`loads ${MAX_RULES} rules and refuses one more at the first rule over the limit`, () => {
    const rules = (n: number) =>
      Array.from(
        { length: n },
        (_, i) => `  - { id: r${i}, severity: high, when: { metric: tardies, above: 1 } }`,
      );
    const ok = loadPolicyText(yaml(...HEADER, "rules:", ...rules(MAX_RULES)), "f.yaml");
    expect(ok.ok && ok.policy.rules.length).toBe(MAX_RULES);
    for (const n of [MAX_RULES + 1, 2000]) {
      const error = onlyError(loadPolicyText(yaml(...HEADER, "rules:", ...rules(n)), "f.yaml"));
      expect(error).toMatchObject({
        line: HEADER.length + 2 + MAX_RULES,
        column: 5,
        code: "too_many_rules",
        message: `rules lists ${n} rules; this is rule ${MAX_RULES + 1}`,
      });
      expect(error.hint).toContain(`at most ${MAX_RULES} rules`);
    }
  });

  it(`refuses a condition nested more than ${MAX_CONDITION_DEPTH} levels, saying the limit`, () => {
    const lines = [...HEADER, "rules:", "  - id: a", "    severity: high", "    when:"];
    for (let level = 0; level <= MAX_CONDITION_DEPTH; level++) {
      lines.push(`${"  ".repeat(level + 3)}not:`);
    }
    lines.push(`${"  ".repeat(MAX_CONDITION_DEPTH + 4)}{ metric: tardies, above: 1 }`);
    const error = onlyError(loadPolicyText(yaml(...lines), "f.yaml"));
    expect(error).toMatchObject({ code: "too_deep", line: lines.length, column: 41 });
    expect(error.hint).toContain(`at most ${MAX_CONDITION_DEPTH} levels`);
  });

  it.each<[string, string]>([
    ["100,000 [", "[".repeat(100_000)],
    ["100,000 {", "{a: ".repeat(100_000)],
    ["100,000 [{", "[{a: ".repeat(100_000)],
    ["100,000 compact list items", "- ".repeat(100_000)],
    [
      "1,000 indented mappings",
      Array.from({ length: 1000 }, (_, i) => `${" ".repeat(i)}a:`).join("\n"),
    ],
    [
      "1,000 indented lists",
      Array.from({ length: 1000 }, (_, i) => `${" ".repeat(i)}-`).join("\n"),
    ],
  ])("refuses YAML nested deeper than the limit (%s) without overflowing the stack", (_, text) => {
    const error = onlyError(loadPolicyText(text, "f.yaml"));
    expect(error.code).toBe("too_deep");
    expect(error.message).toContain(`more than ${MAX_YAML_DEPTH} levels`);
    expect(error.line).toBeGreaterThanOrEqual(1);
    expect(error.column).toBeGreaterThanOrEqual(1);
  });

  it("stops aliases of aliases expanding exponentially, quickly", () => {
    const lines = [
      ...HEADER,
      "rules:",
      "  - id: a",
      "    severity: high",
      "    when:",
      "      all:",
    ];
    lines.push("        - &c0 { metric: tardies, above: 1 }");
    for (let level = 1; level <= 9; level++) {
      lines.push(
        `        - &c${level} { all: [${Array(10)
          .fill(`*c${level - 1}`)
          .join(", ")}] }`,
      );
    }
    const started = Date.now();
    const errors = errorsOf(loadPolicyText(yaml(...lines), "f.yaml"));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(errors.map((e) => e.code)).toContain("too_deep");
  });
});

describe("reserved JavaScript names are ordinary names", () => {
  const NAMES = ["constructor", "__proto__", "prototype", "toString", "hasOwnProperty", "valueOf"];
  const noPrototypeLeak = (p: PolicyProblem) => {
    expect(p.code).not.toBe("internal_error");
    expect(formatProblem(p)).not.toMatch(/\[object|function|native code|is not a function/);
  };

  it.each(NAMES)(
    "%s is an unknown key at the top, in policy:, in a rule and in conditions",
    (name) => {
      const cases: [string, string[], number, number, RegExp][] = [
        ["top", [...HEADER, `${name}: 1`, "rules:", `  - ${RULE}`], 7, 1, /in the file/],
        ["policy", [...HEADER, `  ${name}: 1`, "rules:", `  - ${RULE}`], 7, 3, /in policy$/],
        [
          "rule",
          [
            ...HEADER,
            "rules:",
            `  - { id: a, ${name}: 1, severity: high, when: { metric: tardies, above: 1 } }`,
          ],
          8,
          15,
          /in rule "a"$/,
        ],
        [
          "metric test",
          [
            ...HEADER,
            "rules:",
            `  - { id: a, severity: high, when: { metric: tardies, ${name}: 1, above: 1 } }`,
          ],
          8,
          56,
          /in a metric test$/,
        ],
        [
          "condition",
          [...HEADER, "rules:", `  - { id: a, severity: high, when: { ${name}: 1 } }`],
          8,
          38,
          /in a condition$/,
        ],
        [
          "next to all",
          [
            ...HEADER,
            "rules:",
            `  - { id: a, severity: high, when: { all: [{ metric: tardies, above: 1 }], ${name}: 1 } }`,
          ],
          8,
          74,
          /next to all$/,
        ],
        [
          "suppress",
          [...HEADER, "  suppress:", `    ${name}: true`, "rules:", `  - ${RULE}`],
          8,
          5,
          /in suppress$/,
        ],
        [
          "escalation",
          [
            ...HEADER,
            "rules:",
            `  - ${RULE}`,
            "escalation:",
            "  to: lead",
            "  unanswered_attempts: 2",
            `  ${name}: 1`,
          ],
          12,
          3,
          /in escalation$/,
        ],
      ];
      for (const [where, lines, , , message] of cases) {
        // Where the name is written: its line, and its column on that line (1-based).
        const index = lines.findIndex((l) => l.includes(`${name}:`));
        const line = index + 1;
        const column = (lines[index] ?? "").indexOf(`${name}:`) + 1;
        const error = onlyError(loadPolicyText(yaml(...lines), "f.yaml"));
        noPrototypeLeak(error);
        expect(error, where).toMatchObject({ code: "unknown_key", line, column });
        expect(error.message, where).toContain(`unknown key "${name}"`);
        expect(error.message, where).toMatch(message);
      }
    },
  );

  it.each(NAMES)("%s is an unknown metric, an unknown cohort_by and a source name", (name) => {
    const metric = onlyError(
      loadPolicyText(
        yaml(
          ...HEADER,
          "rules:",
          `  - { id: a, severity: high, when: { metric: ${name}, above: 1 } }`,
        ),
        "f.yaml",
      ),
    );
    noPrototypeLeak(metric);
    expect(metric).toMatchObject({ code: "unknown_metric", line: 8, column: 46 });
    expect(metric.hint).toMatch(/^metrics are: attendance_rate, /);

    const cohort = onlyError(
      loadPolicyText(
        yaml(
          ...HEADER,
          "rules:",
          `  - { id: a, severity: high, when: { metric: activity_vs_cohort, cohort_by: ${name}, below: 1 } }`,
        ),
        "f.yaml",
      ),
    );
    noPrototypeLeak(cohort);
    expect(cohort).toMatchObject({ code: "invalid_value", line: 8, column: 77 });

    // A source is any name your data uses: a reserved word is just a name.
    const source = loadPolicyText(
      yaml(
        ...HEADER,
        "rules:",
        `  - { id: a, severity: high, when: { metric: activity_count, source: ${name}, below: 1 } }`,
      ),
      "f.yaml",
    );
    if (!source.ok) throw new Error(source.errors.map((e) => formatProblem(e)).join("\n"));
    expect(source.policy.rules[0]?.when).toMatchObject({ params: { source: name.toLowerCase() } });
  });
});

describe("special files are refused by name, never opened", () => {
  const hasMkfifo = process.platform !== "win32" && existsSync("/usr/bin/mkfifo");

  it.skipIf(!hasMkfifo)("refuses a named pipe given as a file, without waiting on it", async () => {
    const fifo = join(dir, "pipe.yaml");
    execFileSync("mkfifo", [fifo]);
    const error = onlyError(await within(2000, loadPolicyFile(fifo)));
    expect(error).toMatchObject({ file: fifo, line: 1, column: 1, code: "not_a_file" });
    expect(error.message).toBe(`${fifo} is a named pipe (FIFO), not a policy file`);
  });

  it.skipIf(!existsSync("/dev/zero"))("refuses /dev/zero, a character device", async () => {
    const error = onlyError(await within(2000, loadPolicyFile("/dev/zero")));
    expect(error.code).toBe("not_a_file");
    expect(error.message).toBe("/dev/zero is a character device, not a policy file");
  });

  it("refuses a folder given where a file is expected", async () => {
    const error = onlyError(await loadPolicyFile(dir));
    expect(error.code).toBe("not_a_file");
    expect(error.message).toBe(`${dir} is a folder, not a policy file`);
    expect(error.hint).toContain("reach rules check <folder>");
  });

  it.skipIf(!hasMkfifo)(
    "rules check on a folder loads its policy files and refuses a pipe among them",
    async () => {
      const folder = join(dir, "mixed");
      await mkdir(folder);
      await writeFile(join(folder, "good.yaml"), yaml(...HEADER, "rules:", `  - ${RULE}`));
      execFileSync("mkfifo", [join(folder, "pipe.yaml")]);
      execFileSync("mkfifo", [join(folder, "not-a-policy")]);
      await mkdir(join(folder, "sub.yaml"));
      const lines: string[] = [];
      const out = { log: (s: string) => lines.push(s), error: (s: string) => lines.push(s) };
      expect(await within(5000, rulesCheck([folder], out))).toBe(1);
      const pipe = join(folder, "pipe.yaml");
      expect(lines).toEqual([
        `${pipe}:1:1 ${pipe} is a named pipe (FIFO), not a policy file (a policy is an ordinary .yaml file; pipes, sockets and devices are never read)`,
        `${join(folder, "good.yaml")}: OK — policy sef, 1 rule`,
        "1 error in 1 file",
      ]);
      const set = await within(5000, loadPolicyDir(folder));
      expect(set.ok).toBe(false);
      expect(set.policies.map((p) => p.id)).toEqual(["sef"]);
    },
  );
});

describe("fuzz: the loader never throws and every problem is placed and hinted", () => {
  const check = (text: string) => {
    const result = loadPolicyText(text, "f.yaml");
    if (result.ok) {
      expect(result.policy.rules.length).toBeGreaterThan(0);
      return;
    }
    expect(result.errors.length).toBeGreaterThan(0);
    for (const e of result.errors) {
      expect(e.line, formatProblem(e)).toBeGreaterThanOrEqual(1);
      expect(e.column, formatProblem(e)).toBeGreaterThanOrEqual(1);
      expect((e.hint ?? "").trim(), formatProblem(e)).not.toBe("");
      expect(e.code, formatProblem(e)).not.toBe("internal_error");
    }
  };
  const PIECES = [
    "policy:",
    "rules:",
    "escalation:",
    "\n",
    "\n  ",
    "\n    ",
    "  ",
    "- ",
    "? ",
    ": ",
    ", ",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "!!str ",
    "!!map ",
    "|",
    ">",
    "#",
    "'",
    '"',
    "\t",
    "---",
    "...",
    "%YAML 1.2",
    "id",
    "metric",
    "all:",
    "any:",
    "not:",
    "below",
    "0.9",
    "tardies",
    "constructor",
    "__proto__",
    "toString",
    "hasOwnProperty",
    "valueOf",
    "prototype",
    "health",
    "null",
    "~",
    "true",
    "1e999",
    "-.inf",
    "\u200b",
    "é",
    "\uFEFF",
  ];
  const yamlish = fc.oneof(
    fc.array(fc.constantFrom(...PIECES), { maxLength: 120 }).map((parts) => parts.join("")),
    fc.string({ maxLength: 400 }),
    fc
      .tuple(fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }), fc.string({ maxLength: 20 }))
      .map(([parts, tail]) => yaml(...HEADER, "rules:", `  - ${RULE}`) + parts.join("") + tail),
  );
  const key = fc.oneof(
    fc.constantFrom("policy", "rules", "when", "metric", "all", "not", "__proto__", "constructor"),
    fc.string({ maxLength: 12 }),
  );
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.jsonValue({ maxDepth: 2 }),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(key, tie("value"), { maxKeys: 5 }),
    ),
  }));

  it("for arbitrary YAML-ish text", () => {
    fc.assert(fc.property(yamlish, check), { numRuns: 300, seed: 20240904 });
  });

  it("for arbitrary JSON objects written as YAML", () => {
    fc.assert(
      fc.property(value, (v) => check(stringify(v))),
      { numRuns: 300, seed: 20240904 },
    );
  });
});
