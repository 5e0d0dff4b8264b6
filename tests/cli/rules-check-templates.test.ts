/**
 * `reach rules check` and the message templates, run as the command line runs it
 * (`main(argv, out)`, and once through bin/reach.js): the templates folder beside `rules/`
 * by default or `--templates <dir>`, each template problem at its place, each rule whose
 * `outreach:` names no usable template at the place of that id, and hostile folders — a
 * huge template, binary data, control characters, an id that is a path, an empty or
 * missing folder — each an error with exit 1, never a crash or a hang.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT_ERROR, EXIT_OK } from "../../src/cli/exit-codes.ts";
import { main } from "../../src/cli/main.ts";
import type { Output } from "../../src/cli/output.ts";

const ROOT = join(import.meta.dirname, "../..");
const SHIPPED = join(ROOT, "outreach");
const dir = mkdtempSync(join(tmpdir(), "reach-rules-check-templates-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Ran {
  code: number;
  stdout: string[];
  stderr: string[];
}

async function reach(...argv: string[]): Promise<Ran> {
  const ran: Ran = { code: -1, stdout: [], stderr: [] };
  const out: Output = {
    log: (line) => ran.stdout.push(line),
    error: (line) => ran.stderr.push(line),
    write: (text) => ran.stdout.push(text),
    progress: () => {},
  };
  ran.code = await main(argv, out);
  return ran;
}

/** A policy file whose rules (from line 8 on) are `rules`. */
function policy(name: string, ...rules: string[]): string {
  const path = join(dir, name);
  const text = [
    "policy:",
    `  id: ${name.replace(/\.yaml$/, "")}`,
    "  name: P",
    "  schools: [sch]",
    "  timezone: Europe/London",
    '  schedule: "0 7 * * 1-5"',
    "rules:",
    ...rules,
    "",
  ].join("\n");
  writeFileSync(path, text);
  return path;
}

let folders = 0;
/** A copy of the shipped templates with `files` added (text, or null to remove one). */
function templates(files: Record<string, string | Buffer | null> = {}): string {
  const folder = join(dir, `templates-${folders++}`);
  cpSync(SHIPPED, folder, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    if (text === null) rmSync(join(folder, name));
    else writeFileSync(join(folder, name), text);
  }
  return folder;
}

const RULE = (id: string, outreach: string) => [
  `  - id: ${id}`,
  "    severity: low",
  "    when: { metric: tardies, at_least: 3 }",
  `    outreach: ${outreach}`,
];

describe("reach rules check: the shipped templates", () => {
  it("the shipped policies pass with the outreach/ folder of the Reach folder", async () => {
    const r = await reach(
      "rules",
      "check",
      join(ROOT, "rules"),
      join(ROOT, "samples/teams-demo/northfield-policy.yaml"),
    );
    expect(r.stderr).toEqual([]);
    expect(r.code).toBe(EXIT_OK);
    expect(r.stdout).toHaveLength(3);
  });

  it("--templates names the folder, and says how many templates it holds", async () => {
    const r = await reach("rules", "check", "--templates", SHIPPED, join(ROOT, "rules"));
    expect(r.code, r.stderr.join("\n")).toBe(EXIT_OK);
    expect(r.stdout.at(-1)).toBe(`${SHIPPED}: OK — 5 message templates`);
  });

  it("through bin/reach.js, as a person runs it, from another working folder", async () => {
    const ran = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(
        process.execPath,
        [join(ROOT, "bin/reach.js"), "rules", "check", join(ROOT, "rules")],
        { cwd: dir, timeout: 60_000 },
        (error, stdout, stderr) =>
          done({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr }),
      );
    });
    expect(ran.stderr).toBe("");
    expect(ran.code).toBe(EXIT_OK);
    expect(ran.stdout).toContain("OK — policy k12-attendance, 4 rules");
  }, 70_000);
});

describe("reach rules check: a rule's outreach id", () => {
  it("an unknown id, at the id, with the nearest template", async () => {
    const file = policy("typo.yaml", ...RULE("a", "engagment-checkin"));
    const folder = templates();
    const r = await reach("rules", "check", "--templates", folder, file);
    expect(r.code).toBe(EXIT_ERROR);
    expect(r.stderr).toEqual([
      `${file}:11:15 rule "a": outreach template "engagment-checkin" is not in ${folder} (did you mean engagement-checkin?)`,
      "1 error in 1 file",
    ]);
    expect(r.stdout).toEqual([`${folder}: OK — 5 message templates`]);
  });

  it("in a flow-style rule, and in several rules and files at once", async () => {
    const one = policy(
      "flow.yaml",
      "  - { id: a, severity: low, when: { metric: tardies, at_least: 3 }, outreach: welcome }",
      ...RULE("b", "general-checkin"),
      ...RULE("c", "goodbye"),
    );
    const two = policy("other.yaml", ...RULE("d", "welcome"));
    const folder = templates();
    const r = await reach("rules", "check", "--templates", folder, one, two);
    expect(r.code).toBe(EXIT_ERROR);
    expect(r.stderr).toEqual([
      `${one}:8:79 rule "a": outreach template "welcome" is not in ${folder} (add welcome.md to ${folder}, or name one of its templates)`,
      `${one}:16:15 rule "c": outreach template "goodbye" is not in ${folder} (add goodbye.md to ${folder}, or name one of its templates)`,
      `${two}:11:15 rule "d": outreach template "welcome" is not in ${folder} (add welcome.md to ${folder}, or name one of its templates)`,
      "3 errors in 2 files",
    ]);
  });

  it.each(["../x", "../../etc/passwd", "/etc/passwd", '"general-checkin.md"', '"..\\\\x"'])(
    "a path is no template id: %s",
    async (id) => {
      const file = policy("path.yaml", ...RULE("a", id));
      const r = await reach("rules", "check", "--templates", templates(), file);
      expect(r.code).toBe(EXIT_ERROR);
      expect(r.stderr[0]).toMatch(
        new RegExp(
          `^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:11:15 rule "a": outreach ".+" is not a template id: lower-case letters, digits and single dashes \\(an outreach id names a template file in .+, without \\.md\\)$`,
        ),
      );
      expect(r.stderr.at(-1)).toBe("1 error in 1 file");
    },
  );

  it("a template with problems: its problems, and the rule that names it", async () => {
    const file = policy("uses-broken.yaml", ...RULE("a", "attendance-checkin"));
    const folder = templates({
      "attendance-checkin.md":
        "---\ntitle: Attendance\n---\nHi {first_name},\nyour attendance rate is poor.\n",
    });
    const template = join(folder, "attendance-checkin.md");
    const r = await reach("rules", "check", "--templates", folder, file);
    expect(r.code).toBe(EXIT_ERROR);
    expect(r.stderr).toEqual([
      `${template}:5:17 "rate" is about scores or thresholds: a message to a student states facts, never scores or thresholds (say what happened in words, e.g. "you've missed some school days"; write a time as 8:30 and a date in words)`,
      `${file}:11:15 rule "a": outreach template "attendance-checkin" has problems (listed with its file) and cannot be used (fix the template, then check again)`,
      "2 errors in 2 files",
    ]);
    expect(r.stdout).toEqual([]);
  });

  it("a policy with errors of its own is reported as before, its templates unchecked", async () => {
    const file = policy("broken.yaml", ...RULE("a", "nope"), "    severty: low");
    const r = await reach("rules", "check", "--templates", templates(), file);
    expect(r.code).toBe(EXIT_ERROR);
    expect(r.stderr).toEqual([
      `${file}:12:5 unknown key "severty" in rule "a" (did you mean severity?)`,
      "1 error in 1 file",
    ]);
  });
});

describe("reach rules check: hostile template folders", () => {
  const file = () => policy("uses-attendance.yaml", ...RULE("a", "attendance-checkin"));

  it("a huge template is refused by its size, quickly", async () => {
    const folder = templates({ "huge.md": "" });
    truncateSync(join(folder, "huge.md"), 1024 ** 3);
    const started = Date.now();
    const r = await reach("rules", "check", "--templates", folder, file());
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.code).toBe(EXIT_ERROR);
    expect(r.stderr).toEqual([
      `${join(folder, "huge.md")}:1:1 the file is 1,073,741,824 bytes: a template may be at most 16,384 (a message to a student is a few sentences)`,
      "1 error in 1 file",
    ]);
  });

  it("binary data and control characters, each at its place", async () => {
    const folder = templates({
      "image.md": Buffer.from("GIF89a\u0001\u0000\u0001\u0000\u0080\u00ff", "latin1"),
      "pasted.md": "Hi {first_name},\n\u001b[31mwe\u200bnoticed {fact}.\u0000",
    });
    const r = await reach("rules", "check", "--templates", folder, file());
    expect(r.code).toBe(EXIT_ERROR);
    expect(r.stderr).toEqual([
      `${join(folder, "image.md")}:1:8 the file holds binary data (a NUL byte here), not text (a template is a text file saved as UTF-8)`,
      `${join(folder, "pasted.md")}:2:24 the file holds binary data (a NUL byte here), not text (a template is a text file saved as UTF-8)`,
      "2 errors in 2 files",
    ]);
    const controls = templates({
      "pasted.md": "Hi {first_name},\n\u001b[31mwe\u200bnoticed {fact}.",
    });
    const again = await reach("rules", "check", "--templates", controls, file());
    expect(again.stderr).toEqual([
      `${join(controls, "pasted.md")}:2:1 an invisible or control character (U+001B escape) is in the text (delete it: it often comes with text copied from elsewhere)`,
      `${join(controls, "pasted.md")}:2:8 an invisible or control character (U+200B zero width space) is in the text (delete it: it often comes with text copied from elsewhere)`,
      "2 errors in 1 file",
    ]);
  });

  it("an empty folder: no templates, and every rule that names one", async () => {
    const folder = join(dir, "empty");
    mkdirSync(folder);
    const policyFile = file();
    const r = await reach("rules", "check", "--templates", folder, policyFile);
    expect(r.code).toBe(EXIT_ERROR);
    expect(r.stderr).toEqual([
      `${folder}:1:1 no message templates (*.md) in this folder (Reach needs at least general-checkin.md, the template for a signal that names none)`,
      `${policyFile}:11:15 rule "a": outreach template "attendance-checkin" is not in ${folder} (add attendance-checkin.md to ${folder}, or name one of its templates)`,
      "2 errors in 2 files",
    ]);
  });

  it("a missing folder", async () => {
    const folder = join(dir, "no-such-folder");
    const r = await reach("rules", "check", "--templates", folder, file());
    expect(r.code).toBe(EXIT_ERROR);
    expect(r.stderr[0]).toBe(
      `${folder}:1:1 cannot read the templates folder (ENOENT) (give the folder of message templates with --templates, or check that you may read it)`,
    );
    expect(r.stderr.at(-1)).toBe("2 errors in 2 files");
  });

  it("a folder without general-checkin", async () => {
    const folder = templates({ "general-checkin.md": null });
    const r = await reach("rules", "check", "--templates", folder, file());
    expect(r.code).toBe(EXIT_ERROR);
    expect(r.stderr).toEqual([
      `${folder}:1:1 no general-checkin template in this folder: it is suggested for a signal that names no template (add general-checkin.md)`,
      "1 error in 1 file",
    ]);
  });
});

describe("reach rules check --templates: the option", () => {
  it("needs a value", async () => {
    const r = await reach("rules", "check", join(ROOT, "rules"), "--templates");
    expect(r.code).toBe(EXIT_ERROR);
    expect(r.stderr.join("\n")).toMatch(/--templates/);
  });

  it("belongs to reach rules check only", async () => {
    const r = await reach("cases", "list", "--templates", SHIPPED);
    expect(r.code).toBe(EXIT_ERROR);
    expect(r.stderr).toEqual([
      "reach cases list: --templates is not an option of reach cases list: it is for reach rules check",
    ]);
  });

  it("is in the help of reach rules check", async () => {
    const r = await reach("rules", "check", "--help");
    expect(r.code).toBe(EXIT_OK);
    expect(r.stdout.join("\n")).toContain("[--templates <dir>]");
  });
});
