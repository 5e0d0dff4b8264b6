/**
 * The compiled card templates give exactly what adaptivecards-templating gives (expanded,
 * then round-tripped through JSON): the same JSON text and the same values, or an error
 * from both. Checked on the real renderers for cases in every state (every expansion they
 * make is done both ways), and on every template with generated data models: values of
 * every JSON type and more (undefined, NaN, -0, functions), keys in another case, lists
 * where objects are expected, text with bindings and Teams functions in it.
 */
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { caseView } from "../../src/cases/case-view.ts";
import { CASE_STATUSES, ENGINE_ACTOR } from "../../src/cases/case-vocabulary.ts";
import type * as Templates from "../../src/teams/cards/templates.ts";

const compared = vi.hoisted(() => new Map<string, number>());

vi.mock("../../src/teams/cards/templates.ts", async (importOriginal) => {
  const real = await importOriginal<typeof Templates>();
  return {
    ...real,
    // Every expansion the renderers make, both ways; a difference fails the test.
    expandTemplate(name: Templates.TemplateName, data: object) {
      const fast = real.expandTemplate(name, data);
      const library = real.expandTemplateWithLibrary(name, data);
      expect(JSON.stringify(fast)).toBe(JSON.stringify(library));
      expect(fast).toStrictEqual(library);
      compared.set(name, (compared.get(name) ?? 0) + 1);
      return fast;
    },
  };
});

const {
  expandTemplate,
  expandTemplateWithLibrary,
  isCompiled,
  TEMPLATE_NAMES,
  templateJson,
  recentEvents,
  renderCaseCard,
  renderCaseList,
  renderForm,
  renderForms,
  renderNoticeCard,
  FORM_KINDS,
  NOTICE_TONES,
} = await import("../../src/teams/cards/index.ts").then(async (cards) => ({
  ...cards,
  ...(await vi.importActual<typeof Templates>("../../src/teams/cards/templates.ts")),
}));
const { CaseLog, caseIn, ROSTER, signal, finding } = await import("../cases/case-fixtures.ts");

const STATUSES = CASE_STATUSES;

const STUDENT = {
  displayName: "Megan Bowen",
  firstName: "Megan",
  school: "Sefton High School",
  programme: "Sciences",
  year: "10",
};

describe("the compiled templates", () => {
  it("cover every template (none is left to the library)", () => {
    for (const name of TEMPLATE_NAMES) expect(isCompiled(name), name).toBe(true);
  });

  it("render the case card of every state as the library does, for each reader and notice", () => {
    const before = compared.get("case-card") ?? 0;
    for (const status of STATUSES) {
      const log = caseIn(status);
      for (const reader of [null, "ada", "lee"]) {
        for (const notice of [
          undefined,
          { tone: "success" as const, text: "Done: Ada confirmed the case." },
          { tone: "refusal" as const, text: `Sorry — \${not a binding} {{DATE(2026-01-01)}}` },
        ]) {
          renderCaseCard({
            view: caseView(log.state, reader, ROSTER),
            student: status === "erased" ? undefined : STUDENT,
            policyName: "Sefton engagement",
            timezone: "Europe/London",
            recent: recentEvents(log.events, ROSTER),
            ...(notice && { notice }),
          });
        }
      }
    }
    expect((compared.get("case-card") ?? 0) - before).toBe(STATUSES.length * 9);
  });

  it("render cards with notes, people's text with bindings in it, and several signals", () => {
    const text = `Spoke to \${student} — see {{DATE(2026-11-20T09:00:00Z, SHORT)}} and \`code\` \\ ok`;
    const log = new CaseLog()
      .do(
        {
          type: "open",
          finding: finding(
            [signal("low-attendance"), signal("no-activity", "medium")],
            [signal("late", "low")],
          ),
        },
        ENGINE_ACTOR,
      )
      .do({ type: "confirm" }, "ada")
      .do({ type: "add_note", noteId: "n1", text, visibility: "team" }, "ada")
      .do({ type: "add_note", noteId: "n2", text: "private", visibility: "restricted" }, "ada")
      .do({ type: "log_contact", channel: "phone", outcome: "no_answer", note: text }, "ada")
      .do({ type: "snooze", until: "2026-12-01" }, "ada");
    for (let i = 0; i < 5; i++) {
      log.do({ type: "add_note", noteId: `m${i}`, text: `note ${i}`, visibility: "team" }, "dan");
    }
    for (const reader of [null, "ada"]) {
      renderCaseCard({
        view: caseView(log.state, reader, ROSTER),
        student: { displayName: `\${x}`, school: "S", year: "Y12" },
        recent: recentEvents(log.events, ROSTER),
      });
      renderCaseCard({
        view: caseView(log.state, reader, ROSTER),
        student: undefined,
        recent: [],
      });
    }
  });

  it("render every form, the notice card and the case list as the library does", () => {
    for (const kind of FORM_KINDS) {
      renderForm(kind, { caseId: `case-\${1}`, policyId: "p", version: 7 });
      renderForm(kind, { caseId: "c", policyId: "{{p}}", version: 0 });
    }
    for (const tone of NOTICE_TONES) renderNoticeCard({ title: "T", text: `x \${y}`, tone });
    const view = caseView(caseIn("active").state, null, ROSTER);
    renderCaseList({
      title: "Cases for Ada",
      sections: [
        { heading: "Assigned to you", items: [{ view, studentName: "Megan" }] },
        { heading: "New cases you may take", items: [] },
      ],
      empty: "None.",
    });
    expect(compared.get("notice")).toBeGreaterThan(0);
    expect(compared.get("forms/note")).toBeGreaterThan(0);
    expect(compared.get("case-list")).toBeGreaterThan(0);
  });

  it("keep a case's forms: the same as rendered afresh, frozen, per case and version", () => {
    const action = { caseId: "case-9", policyId: "p", version: 3 };
    const kept = renderForms(action);
    expect(renderForms({ ...action })).toBe(kept);
    expect(kept).toStrictEqual(
      Object.fromEntries(FORM_KINDS.map((k) => [k, renderForm(k, action)])),
    );
    expect(Object.isFrozen(kept.note)).toBe(true);
    expect(renderForms({ ...action, version: 4 }).note).not.toStrictEqual(kept.note);
    expect(renderForms({ ...action, caseId: "case-10" }).note).not.toStrictEqual(kept.note);
  });

  describe("on generated data models, every template", () => {
    for (const name of TEMPLATE_NAMES) {
      it(name, () => {
        const model = modelArbitrary(pathTree(templateJson(name)), wordsOf(templateJson(name)));
        fc.assert(
          fc.property(model, (data) => {
            const fast = attempt(() => expandTemplate(name, data as object));
            const library = attempt(() => expandTemplateWithLibrary(name, data as object));
            expect(fast.ok).toBe(library.ok);
            if (fast.ok && library.ok) {
              expect(JSON.stringify(fast.value)).toBe(JSON.stringify(library.value));
              expect(fast.value).toStrictEqual(library.value);
            }
          }),
          { numRuns: 150, seed: 20261120 },
        );
      });
    }
  });
});

function attempt<T>(f: () => T): { ok: true; value: T } | { ok: false } {
  try {
    return { ok: true, value: f() };
  } catch {
    return { ok: false };
  }
}

/** The names a template binds, as a tree: `signals.conditions.evidence`. */
interface PathTree {
  [name: string]: PathTree;
}

function pathTree(template: unknown): PathTree {
  const root: PathTree = {};
  const add = (scope: PathTree, binding: string): PathTree[] =>
    [...binding.matchAll(/\$\{([^}]*)\}/g)].flatMap((m) =>
      [...(m[1] as string).matchAll(/(?<!')\b[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*/g)].map((path) => {
        let node = scope;
        for (const part of path[0].split(".")) node = node[part] ??= {};
        return node;
      }),
    );
  // Bindings inside an object with `$data` are looked up in its items.
  const visit = (value: unknown, scope: PathTree): void => {
    if (typeof value === "string") add(scope, value);
    else if (Array.isArray(value)) for (const item of value) visit(item, scope);
    else if (typeof value === "object" && value !== null) {
      const node = value as Record<string, unknown>;
      const inner = typeof node.$data === "string" ? (add(scope, node.$data)[0] ?? scope) : scope;
      for (const [key, child] of Object.entries(node)) if (key !== "$data") visit(child, inner);
    }
  };
  visit(template, root);
  return root;
}

/** The quoted words a template compares with (`status == 'active'`). */
function wordsOf(template: unknown): string[] {
  return [...JSON.stringify(template).matchAll(/'([^'\\]*)'/g)].map((m) => m[1] as string);
}

function modelArbitrary(tree: PathTree, words: string[]): fc.Arbitrary<unknown> {
  const leaf = fc.oneof(
    fc.constantFrom(...words, "", "text", `a \${b} c`, "{{DATE(2026-01-01)}}", "$", "Ünïcødé ✓"),
    fc.string(),
    fc.constantFrom(0, -0, 1, 7, 2.5, -3, Number.NaN, Number.POSITIVE_INFINITY),
    fc.boolean(),
    fc.constantFrom(null, undefined),
    fc.constant(() => "a function"),
    fc.constant({ nested: "object", n: [1, undefined, null] }),
    fc.constant(["a", undefined, null, { x: 1 }]),
    // Objects that are not plain: inertDeep copies their own enumerable keys only.
    fc.constant(new Map([["title", "in a map"]])),
    fc.constant(new Date(0)),
    fc.constant(Object.assign(["a"], { title: "a list's own key" })),
    fc.constant({ toJSON: () => "what toJSON gives" }),
  );
  const objectOf = (node: PathTree, depth: number): fc.Arbitrary<unknown> => {
    const names = Object.keys(node);
    if (names.length === 0 || depth > 3) return leaf;
    const fields = names.map((name) =>
      fc.tuple(
        // Mostly as written; sometimes in another case, or twice in two cases.
        fc.constantFrom("same", "same", "same", "same", "upper", "both", "absent"),
        arbitraryOf(node[name] as PathTree, depth + 1),
        arbitraryOf(node[name] as PathTree, depth + 1),
      ),
    );
    return fc.tuple(...fields).map((values) => {
      const out: Record<string, unknown> = {};
      values.forEach(([how, v, w], i) => {
        const name = names[i] as string;
        if (how === "absent") return;
        if (how === "upper" || how === "both") out[name.toUpperCase()] = w;
        if (how !== "upper") out[name] = v;
      });
      return out;
    });
  };
  const arbitraryOf = (node: PathTree, depth: number): fc.Arbitrary<unknown> =>
    Object.keys(node).length === 0
      ? leaf
      : fc.oneof(
          { weight: 4, arbitrary: objectOf(node, depth) },
          { weight: 3, arbitrary: fc.array(objectOf(node, depth), { maxLength: 3 }) },
          {
            weight: 1,
            arbitrary: fc.array(fc.oneof(objectOf(node, depth), leaf), { maxLength: 3 }),
          },
          // An undefined item keeps the previous item as `$data`.
          {
            weight: 1,
            arbitrary: fc
              .tuple(objectOf(node, depth), objectOf(node, depth))
              .map(([a, b]) => [a, undefined, b]),
          },
          { weight: 1, arbitrary: leaf },
        );
  return objectOf(tree, 0);
}
