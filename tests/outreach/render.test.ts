/**
 * Filling a template in (`renderTemplate`), and the shipped templates of `outreach/`: each
 * loads without a problem, and filled in with any fact Reach writes it passes the check of
 * a message ready to send.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  checkMessageText,
  checkTemplate,
  FALLBACK_TEMPLATE_ID,
  GENERAL_FACT,
  loadTemplates,
  renderTemplate,
  type Template,
  type TemplateSet,
} from "../../src/outreach/index.ts";

const template = (body: string): Template => {
  const check = checkTemplate("t", body);
  if (!check.ok) throw new Error(check.problems.map((p) => p.message).join("\n"));
  return check.template;
};

const VALUES = {
  first_name: "Ben",
  adviser_name: "Alex Wilber",
  fact: "we noticed an assignment hasn't come in yet",
  school: "Northfield",
};

describe("renderTemplate", () => {
  it("fills every placeholder, as often as it appears", () => {
    const t = template("Hi {first_name}, I'm {adviser_name} at {school}; {first_name}, bye.");
    expect(renderTemplate(t, VALUES)).toBe("Hi Ben, I'm Alex Wilber at Northfield; Ben, bye.");
  });

  it("capitalises a value that starts a sentence, and only then", () => {
    const t = template("Hi {first_name},\n\n{fact}. So: because {fact}! {fact}?\n  {fact}");
    expect(renderTemplate(t, VALUES)).toBe(
      [
        "Hi Ben,",
        "",
        "We noticed an assignment hasn't come in yet. So: because we noticed an assignment hasn't come in yet! We noticed an assignment hasn't come in yet?",
        "  We noticed an assignment hasn't come in yet",
      ].join("\n"),
    );
  });

  it("puts values in once: braces in a value are not placeholders", () => {
    const t = template("{first_name} and {fact}");
    expect(renderTemplate(t, { ...VALUES, first_name: "{fact}", fact: " {school} " })).toBe(
      "{fact} and {school}",
    );
  });
});

describe("the shipped templates (outreach/)", () => {
  let set: TemplateSet;
  beforeAll(async () => {
    set = await loadTemplates(join(import.meta.dirname, "../../outreach"));
  });

  const FACTS = [
    GENERAL_FACT,
    "we noticed you haven't been able to be in school since Monday 4 January",
    "we noticed you haven't been on the learning platform since Monday 4 January 2027",
    "we noticed you've missed some school days over the last few weeks",
    "we noticed some assignments haven't come in yet, the most recent due on Friday 8 January",
  ];

  it("load, every one usable, general-checkin among them", () => {
    expect(set.problems).toEqual([]);
    expect([...set.templates.keys()].sort()).toEqual([
      "assessment-support",
      "attendance-checkin",
      "engagement-checkin",
      "general-checkin",
      "online-activity-checkin",
    ]);
    expect(set.templates.has(FALLBACK_TEMPLATE_ID)).toBe(true);
  });

  it("each names the adviser, greets the student and states the fact", () => {
    for (const t of set.templates.values()) {
      expect(t.body, t.id).toContain("{adviser_name}");
      expect(t.body, t.id).toContain("{first_name}");
      expect(t.body, t.id).toContain("{fact}");
      expect(t.title, t.id).not.toBe("");
    }
  });

  it("filled in with any fact, each passes the check of a message ready to send", () => {
    for (const t of set.templates.values()) {
      for (const fact of FACTS) {
        const message = renderTemplate(t, { ...VALUES, fact });
        expect(checkMessageText(message), `${t.id}: ${message}`).toEqual([]);
        expect(message).toContain(`because ${fact}.`);
      }
    }
  });
});
