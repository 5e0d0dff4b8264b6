/**
 * One template's text (`checkTemplate`): the front matter, the placeholders and braces,
 * the language and number checks of its body, hostile text (binary, control characters, a
 * huge file), and every problem at its line and column in the file.
 */
import { describe, expect, it } from "vitest";
import {
  checkTemplate,
  MAX_TEMPLATE_BYTES,
  MAX_TEMPLATE_CHARS,
  type TemplateCheck,
  type TemplateProblem,
  templateIdProblem,
} from "../../src/outreach/index.ts";

const text = (...lines: string[]) => `${lines.join("\n")}\n`;

function problemsOf(check: TemplateCheck): TemplateProblem[] {
  if (check.ok) throw new Error(`expected problems, got the template ${check.template.id}`);
  return check.problems;
}

const at = (check: TemplateCheck) =>
  problemsOf(check).map((p) => [p.line, p.column, p.code] as const);

describe("a valid template", () => {
  it("has its id, front-matter title, and trimmed body", () => {
    const check = checkTemplate(
      "attendance-checkin",
      text("---", "title: Attendance check-in", "---", "", "Hi {first_name},", "", "{fact}.", ""),
      "outreach/attendance-checkin.md",
    );
    expect(check).toEqual({
      ok: true,
      template: {
        id: "attendance-checkin",
        title: "Attendance check-in",
        body: "Hi {first_name},\n\n{fact}.",
        file: "outreach/attendance-checkin.md",
      },
    });
  });

  it("without front matter, is titled after its id", () => {
    const check = checkTemplate(
      "general-checkin",
      "Hi {first_name}, from {adviser_name} at {school}.",
    );
    expect(check.ok && check.template.title).toBe("General checkin");
    expect(check.ok && check.template.file).toBe("general-checkin.md");
  });

  it("with Windows line ends and a byte order mark, reads the same", () => {
    const check = checkTemplate(
      "x",
      "\uFEFF---\r\ntitle: 'X'\r\n---\r\nHi {first_name},\r\nbye\r\n",
    );
    expect(check).toMatchObject({
      ok: true,
      template: { title: "X", body: "Hi {first_name},\nbye" },
    });
  });
});

describe("a byte order mark", () => {
  it("is not counted in the columns of the first line", () => {
    expect(at(checkTemplate("x", "\uFEFFHi {name}"))).toEqual([[1, 4, "unknown_placeholder"]]);
  });
});

describe("placeholders and braces", () => {
  it("an unknown placeholder, with what was probably meant", () => {
    const check = checkTemplate(
      "x",
      text("---", "title: X", "---", "Hi {name},", "From {advisor_name}"),
    );
    expect(at(check)).toEqual([
      [4, 4, "unknown_placeholder"],
      [5, 6, "unknown_placeholder"],
    ]);
    const [first, second] = problemsOf(check);
    expect(first.message).toBe(
      "unknown placeholder {name}: a template may use {first_name}, {adviser_name}, {fact}, {school}",
    );
    expect(first.hint).toBe("did you mean {first_name}?");
    expect(second.hint).toBe("did you mean {adviser_name}?");
    expect(first.file).toBe("x.md");
  });

  it("an unclosed brace, on its own line or before another", () => {
    const check = checkTemplate("x", text("Hi {first_name,", "I noticed {fact.", "{fact {fact}"));
    expect(at(check)).toEqual([
      [1, 4, "unclosed_brace"],
      [2, 11, "unclosed_brace"],
      [3, 1, "unclosed_brace"],
    ]);
  });

  it("a stray closing brace", () => {
    expect(at(checkTemplate("x", "Hi first_name}, {fact}."))).toEqual([[1, 14, "stray_brace"]]);
  });

  it("a placeholder does not span lines", () => {
    expect(at(checkTemplate("x", "Hi {first\n_name}"))).toEqual([
      [1, 4, "unclosed_brace"],
      [2, 6, "stray_brace"],
    ]);
  });
});

describe("language and numbers in the body", () => {
  it("are refused at their place in the file, below the front matter", () => {
    const check = checkTemplate(
      "x",
      text(
        "---",
        "title: Warning letter",
        "---",
        "Hi {first_name},",
        "",
        "You are failing: 85% is below the threshold.",
      ),
    );
    // The title is for the adviser and is not checked for language.
    expect(at(check)).toEqual([
      [6, 9, "sanction_language"],
      [6, 18, "score_or_threshold"],
      [6, 35, "score_or_threshold"],
    ]);
  });
});

describe("front matter", () => {
  it("an unknown key, a line that is not key: value, an empty or repeated title", () => {
    const check = checkTemplate(
      "x",
      text("---", "title: A", "title: B", "author: me", "just words", "---", "Hi."),
    );
    expect(at(check)).toEqual([
      [3, 1, "front_matter"],
      [4, 1, "front_matter"],
      [5, 1, "front_matter"],
    ]);
    expect(problemsOf(check).map((p) => p.message)).toEqual([
      "title is given twice",
      'unknown front matter key "author": a template takes title: only',
      "this front matter line is not key: value",
    ]);
    expect(at(checkTemplate("x", text("---", "title:", "---", "Hi.")))).toEqual([
      [2, 1, "front_matter"],
    ]);
  });

  it("front matter that is never closed", () => {
    const check = checkTemplate("x", text("---", "title: X", "Hi {first_name}."));
    expect(at(check)).toEqual([
      [1, 1, "front_matter"],
      [3, 1, "front_matter"],
      // Nothing after it: the body is empty.
      [4, 1, "empty"],
    ]);
  });
});

describe("ids", () => {
  it.each(["Attendance", "attendance_checkin", "../x", "a/b", "", "-x", "x--y", "x.md"])(
    "%j is not a template id",
    (id) => {
      expect(templateIdProblem(id)).toMatch(/is not a template id/);
      expect(at(checkTemplate(id, "Hi."))).toEqual([[1, 1, "invalid_id"]]);
    },
  );

  it("a very long bad id is shortened in the message", () => {
    expect(templateIdProblem("X".repeat(5000))?.length).toBeLessThan(200);
  });
});

describe("hostile text", () => {
  it("binary data: one problem at the first NUL byte", () => {
    const binary = `Hi\n${String.fromCharCode(...Array.from({ length: 512 }, (_, i) => i % 256))}`;
    expect(at(checkTemplate("x", binary))).toEqual([[2, 1, "not_text"]]);
  });

  it("text that was not UTF-8: one problem where it broke", () => {
    const latin1 = Buffer.from([0x48, 0x69, 0x20, 0xe9, 0x74, 0xe9]).toString("utf8");
    expect(at(checkTemplate("x", latin1))).toEqual([[1, 4, "not_text"]]);
  });

  it("control and invisible characters, each at its place, in the title too", () => {
    const check = checkTemplate(
      "x",
      text("---", "title: A\u0007", "---", "Hi\u200b {first_name}\u001b[31m"),
    );
    expect(at(check)).toEqual([
      [2, 9, "control_character"],
      [4, 3, "control_character"],
      [4, 17, "control_character"],
    ]);
  });

  it(`a file over ${MAX_TEMPLATE_BYTES} bytes is refused whole, quickly`, () => {
    const huge = "failing {nope} ".repeat(1_000_000);
    const started = Date.now();
    expect(at(checkTemplate("x", huge))).toEqual([[1, 1, "too_large"]]);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it(`a body over ${MAX_TEMPLATE_CHARS} characters is too long`, () => {
    expect(at(checkTemplate("x", `Hi ${"a".repeat(MAX_TEMPLATE_CHARS)}`))).toEqual([
      [1, 1, "too_long"],
    ]);
  });

  it("an empty template", () => {
    expect(at(checkTemplate("x", ""))).toEqual([[1, 1, "empty"]]);
    expect(at(checkTemplate("x", text("---", "title: X", "---", "  ")))).toEqual([[4, 1, "empty"]]);
  });

  it("many problems: twenty, then how many more", () => {
    const problems = problemsOf(checkTemplate("x", "{nope} ".repeat(50)));
    expect(problems).toHaveLength(21);
    expect(problems[20]).toMatchObject({
      code: "too_many_problems",
      message: "30 more problems from here on, not listed",
    });
  });
});
