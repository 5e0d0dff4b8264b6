/**
 * The weekly digest card: what a lead reads, from a hand-built Digest (the words and
 * numbers), and from a digest made of the sample school with real runs (no student named
 * or identified). Every card is valid Adaptive Cards 1.5 once the chart is replaced by its
 * fallback, as a host without charts renders it, and stays under 28 KB.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import draft6 from "ajv/dist/refs/json-schema-draft-06.json" with { type: "json" };
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Digest, runPolicy, weeklyDigest } from "../../src/app/index.ts";
import { ADAPTERS } from "../../src/data/adapters/index.ts";
import { type DayNumber, parseIsoDate } from "../../src/data/dates.ts";
import { loadPolicyFile } from "../../src/rules/index.ts";
import { openSqliteStore, type Store } from "../../src/store/index.ts";
import {
  type AdaptiveCard,
  formatRange,
  pointsChange,
  renderDigestCard,
  templateJson,
} from "../../src/teams/cards/index.ts";

// --- the official schema, as in cards.test.ts ----------------------------------------------

const SCHEMA_FILE = new URL("../fixtures/adaptive-card-1.5.schema.json", import.meta.url);
const { id: schemaId, ...schemaBody } = JSON.parse(readFileSync(SCHEMA_FILE, "utf8"));
const ajv = new Ajv({
  strict: false,
  allErrors: true,
  logger: false,
  formats: { uri: true, "uri-reference": true },
});
ajv.addMetaSchema(draft6);
const validateSchema = ajv.compile({ $id: schemaId, ...schemaBody });

const MAX_CARD_BYTES = 28 * 1024;
const CHART = "Chart.VerticalBar.Grouped";

type Node = Record<string, unknown>;

/** Every element of the card, depth first (tables' cells and columns' items included). */
function elements(node: unknown): Node[] {
  if (Array.isArray(node)) return node.flatMap(elements);
  if (node === null || typeof node !== "object") return [];
  const found = [node as Node];
  for (const value of Object.values(node)) found.push(...elements(value));
  return found;
}

/** The card as a host without chart elements renders it: each chart replaced by its fallback. */
function withoutCharts(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutCharts);
  if (node === null || typeof node !== "object") return node;
  const element = node as Node;
  if (element.type === CHART) return withoutCharts(element.fallback);
  return Object.fromEntries(Object.entries(element).map(([k, v]) => [k, withoutCharts(v)]));
}

function expectSendable(card: AdaptiveCard): string {
  const hostView = withoutCharts(card);
  if (!validateSchema(hostView)) {
    expect.fail(ajv.errorsText(validateSchema.errors, { separator: "\n" }));
  }
  const json = JSON.stringify(card);
  expect(json).not.toContain("${");
  expect(json).not.toContain("$when");
  expect(json).not.toContain('"$data"');
  expect(Buffer.byteLength(json)).toBeLessThan(MAX_CARD_BYTES);
  expect(card.type).toBe("AdaptiveCard");
  expect(card.version).toBe("1.5");
  expect(json).not.toContain('"msteams"');
  return json;
}

/** Texts of the card's TextBlocks, in order. */
function texts(card: AdaptiveCard): string[] {
  return elements(card.body)
    .filter((e) => e.type === "TextBlock")
    .map((e) => String(e.text));
}

/** A table's rows as arrays of cell texts (header first). */
function rowsOf(tableNode: Node): string[][] {
  return (tableNode.rows as Node[]).map((row) =>
    (row.cells as Node[]).map((cell) => String(((cell.items as Node[])[0] as Node).text)),
  );
}

/** The table whose header starts with `first`. */
function tableHeaded(card: unknown, first: string): Node {
  const found = elements(card).find((e) => e.type === "Table" && rowsOf(e)[0]?.[0] === first);
  if (found === undefined) throw new Error(`no table headed ${first}`);
  return found;
}

// --- a hand-built digest ---------------------------------------------------------------------

const school = (id: string, name: string, a: [number, number], d: [number, number]) => ({
  kind: "school" as const,
  id,
  name,
  school: id,
  students: 120,
  attendance: { week: a[0], previous: a[1] },
  digital: { week: d[0], previous: d[1] },
});

const section = (i: number) => ({
  kind: "section" as const,
  id: `sec-${i}`,
  name: `Year 9 set ${i}`,
  school: i % 2 === 0 ? "sch1" : "sch2",
  students: 20 + i,
  attendance: { week: 0.8 + i / 100, previous: 0.9 },
  digital: { week: i === 3 ? null : 0.5, previous: 0.5 },
});

const rule = (i: number) => ({
  ruleId: `rule-${i}`,
  name: `Rule number ${i} with a longer name`,
  decided: i === 0 ? 6 : i,
  dismissed: i === 0 ? 4 : Math.min(1, i),
  dismissalRate: i === 0 ? 4 / 6 : i === 0 ? null : Math.min(1, i) / i,
  noisy: i === 0,
});

function digest(overrides: Partial<Digest> = {}): Digest {
  return {
    policyId: "sef-eng",
    policyName: "SEF engagement",
    date: "2026-11-23",
    week: { from: "2026-11-16", to: "2026-11-22" },
    previousWeek: { from: "2026-11-09", to: "2026-11-15" },
    cases: {
      opened: 3,
      confirmed: 2,
      dismissed: 3,
      resolved: 1,
      previous: { opened: 1, confirmed: 0, dismissed: 2, resolved: 1 },
      dismissedByReason: [
        { reason: "known_circumstance", count: 1 },
        { reason: "data_error", count: 2 },
      ],
      resolvedByOutcome: [{ outcome: "referred", count: 1 }],
      openNow: 9,
    },
    firstContact: { cases: 3, medianDays: 1.5 },
    rulePeriod: { from: "2026-10-26", to: "2026-11-22" },
    rules: [
      {
        ruleId: "low-attendance",
        name: "Low attendance",
        decided: 6,
        dismissed: 4,
        dismissalRate: 4 / 6,
        noisy: true,
      },
      {
        ruleId: "quiet-online",
        name: "Quiet online",
        decided: 5,
        dismissed: 1,
        dismissalRate: 0.2,
        noisy: false,
      },
      {
        ruleId: "new-rule",
        name: "New rule",
        decided: 0,
        dismissed: 0,
        dismissalRate: null,
        noisy: false,
      },
    ],
    escalationsAwaiting: 1,
    runs: { succeeded: 5, failed: 0, skipped: 2, failures: [] },
    deadLetters: { week: 0, total: 0 },
    watch: [
      { ruleId: "watch-late", name: "Often late", week: 12, previous: 9 },
      { ruleId: "watch-new", name: "New watch", week: 4, previous: null },
    ],
    hybrid: {
      schools: [
        school("sch1", "Northfield", [0.8, 0.9], [0.62, 0.59]),
        school("sch2", "Southfield", [0.93, 0.93], [0.4, 0.5]),
      ],
      sections: [section(1), section(2)],
      sectionsOmitted: 0,
      sectionsSuppressed: 0,
    },
    help: {
      schoolDaysAfter: 10,
      rows: [
        {
          ruleId: "low-attendance",
          ruleName: "Low attendance",
          metric: "attendance rate",
          unit: "share",
          contacted: { cases: 7, medianChange: 0.04 },
          notYetContacted: { cases: 3, medianChange: null },
        },
        {
          ruleId: "quiet-online",
          ruleName: "Quiet online",
          metric: "days since last activity",
          unit: "days",
          contacted: { cases: 5, medianChange: -1.5 },
          notYetContacted: { cases: 0, medianChange: null },
        },
      ],
    },
    ...overrides,
  };
}

const FAIRNESS: NonNullable<Digest["fairness"]> = {
  quarter: {
    label: "2026-Q4",
    from: parseIsoDate("2026-10-01") as number,
    through: parseIsoDate("2026-11-22") as number,
  },
  cases: false,
  overall: { inScope: 240, flagged: 24, rate: 0.1 },
  fields: [
    {
      field: "gender",
      withheld: [],
      groups: [
        { group: "F", inScope: 118, flagged: 15, rate: 15 / 118, ratio: 1.27, outside: true },
        {
          group: "M",
          inScope: 115,
          flagged: "suppressed",
          rate: null,
          ratio: null,
          outside: false,
        },
        { group: "X", inScope: "<10", flagged: "<10", rate: null, ratio: null, outside: false },
      ],
    },
  ],
};

describe("the digest card, from a hand-built digest", () => {
  it("is titled with the policy and the week, and sendable", () => {
    const card = renderDigestCard(digest());
    expectSendable(card);
    const t = texts(card);
    expect(t[0]).toBe("Weekly digest — SEF engagement");
    expect(t[1]).toBe("The week of 16 – 22 Nov 2026, compared with 9 – 15 Nov 2026.");
    expect(card.fallbackText).toBe("Weekly digest — SEF engagement, 16 – 22 Nov 2026");
    expect(card.$schema).toBe("http://adaptivecards.io/schemas/adaptive-card.json");
  });

  it("shows the week's cases beside last week's, and why they were dismissed or resolved", () => {
    const t = texts(renderDigestCard(digest()));
    expect(t).toContain("3 opened (1 last week)");
    expect(t).toContain("2 confirmed (0 last week)");
    expect(t).toContain("3 dismissed (2 last week)");
    expect(t).toContain("1 resolved (1 last week)");
    expect(t).toContain("9 cases open at the end of the week.");
    expect(t).toContain("Why dismissed: known circumstance (1), data error (2).");
    expect(t).toContain("How resolved: referred to a support service (1).");
    expect(t).toContain("First contact: median 1.5 days from opening (3 cases).");
  });

  it("leaves out the reasons when nothing was dismissed or resolved, and says when no contact was made", () => {
    const quiet = digest({
      cases: {
        ...digest().cases,
        dismissedByReason: [],
        resolvedByOutcome: [],
      },
      firstContact: { cases: 0, medianDays: null },
      escalationsAwaiting: 0,
    });
    const t = texts(renderDigestCard(quiet));
    expect(t.some((x) => x.startsWith("Why dismissed"))).toBe(false);
    expect(t.some((x) => x.startsWith("How resolved"))).toBe(false);
    expect(t).toContain("No case had its first contact attempt this week.");
    expect(t).toContain("No escalation is awaiting a decision.");
  });

  it("puts escalations awaiting a decision in the attention colour", () => {
    const block = elements(renderDigestCard(digest()).body).find(
      (e) => e.text === "1 escalation awaiting your decision.",
    );
    expect(block?.color).toBe("attention");
  });

  it("flags noisy rules with their dismissal rate", () => {
    const card = renderDigestCard(digest());
    expect(texts(card)).toContain("Case rules, 26 Oct – 22 Nov 2026");
    const rules = tableHeaded(card, "Rule");
    expect(rowsOf(rules)).toEqual([
      ["Rule", "Dismissed"],
      ["Low attendance", "Noisy: 4 of 6 dismissed (67%)"],
      ["Quiet online", "1 of 5 dismissed (20%)"],
      ["New rule", "none decided"],
    ]);
    expect((rules.rows as Node[]).map((r) => r.style)).toEqual([
      undefined,
      "attention",
      undefined,
      undefined,
    ]);
  });

  it("counts watch rules, this week and last", () => {
    expect(rowsOf(tableHeaded(renderDigestCard(digest()), "Watch rule"))).toEqual([
      ["Watch rule", "This week", "Last week"],
      ["Often late", "12 students", "9 students"],
      ["New watch", "4 students", "–"],
    ]);
    const none = renderDigestCard(digest({ watch: [] }));
    expect(elements(none).some((e) => e.type === "Table" && rowsOf(e)[0][0] === "Watch rule")).toBe(
      false,
    );
  });

  it("shows runs and dead letters plainly, in the warning colour when something failed", () => {
    const container = (card: AdaptiveCard) =>
      elements(card.body).find(
        (e) => e.type === "Container" && texts({ body: e.items } as AdaptiveCard).length > 0,
      ) as Node;
    const fine = renderDigestCard(digest());
    expect(container(fine).style).toBe("default");
    expect(texts(fine)).toContain("Runs: 5 succeeded, 0 failed, 2 skipped.");
    expect(texts(fine)).toContain("No card or message is stuck undelivered.");

    const failed = renderDigestCard(
      digest({
        runs: {
          succeeded: 4,
          failed: 1,
          skipped: 0,
          failures: [{ asOf: "2026-11-18", error: "the data folder could not be read" }],
        },
      }),
    );
    expect(container(failed).style).toBe("warning");
    expect(texts(failed)).toContain("Runs and deliveries: needs a look");
    expect(texts(failed)).toContain("18 Nov 2026: the data folder could not be read");

    const dead = renderDigestCard(digest({ deadLetters: { week: 2, total: 3 } }));
    expect(container(dead).style).toBe("warning");
    expect(texts(dead)).toContain("Undelivered (dead letters): 2 this week, 3 in all.");
  });

  it("draws hybrid engagement by school as a grouped bar chart of four series", () => {
    const card = renderDigestCard(digest());
    const chart = elements(card.body).find((e) => e.type === CHART) as Node;
    expect(chart).toBeDefined();
    const data = chart.data as { legend: string; color: string; values: Node[] }[];
    expect(data.map((d) => d.legend)).toEqual([
      "Attendance, this week",
      "Attendance, last week",
      "Digital, this week",
      "Digital, last week",
    ]);
    expect(data[0].values).toEqual([
      { x: "Northfield", y: 80 },
      { x: "Southfield", y: 93 },
    ]);
    expect(data[3].values).toEqual([
      { x: "Northfield", y: 59 },
      { x: "Southfield", y: 50 },
    ]);
    for (const d of data) expect(typeof d.color).toBe("string");
  });

  it("falls back to a compact table of the same figures, with changes in points", () => {
    const chart = elements(renderDigestCard(digest()).body).find((e) => e.type === CHART) as Node;
    const fallback = chart.fallback as Node;
    expect(fallback.type).toBe("Table");
    expect(rowsOf(fallback)).toEqual([
      ["School", "Students", "Attendance", "Digital"],
      ["Northfield", "120", "80% (▼ 10 pts)", "62% (▲ 3 pts)"],
      ["Southfield", "120", "93% (no change)", "40% (▼ 10 pts)"],
    ]);
  });

  it("says so, with no chart, when nothing was recorded", () => {
    const empty = digest({
      hybrid: { schools: [], sections: [], sectionsOmitted: 0, sectionsSuppressed: 0 },
    });
    const card = renderDigestCard(empty);
    expectSendable(card);
    expect(elements(card.body).some((e) => e.type === CHART)).toBe(false);
    expect(texts(card)).toContain("No attendance or activity was recorded in these two weeks.");
  });

  it("shows sections as a compact table, naming the school where the policy has several", () => {
    const card = renderDigestCard(
      digest({
        hybrid: { ...digest().hybrid, sectionsOmitted: 4, sectionsSuppressed: 2 },
      }),
    );
    expect(rowsOf(tableHeaded(card, "Section"))).toEqual([
      ["Section", "Students", "Attendance", "Digital"],
      ["Year 9 set 1 · Southfield", "21", "81% (▼ 9 pts)", "50% (no change)"],
      ["Year 9 set 2 · Northfield", "22", "82% (▼ 8 pts)", "50% (no change)"],
    ]);
    expect(texts(card)).toContain(
      "4 more sections with smaller changes not shown; 2 sections with fewer than 10 students left out.",
    );
  });

  it("answers “Did the help help?” with counts, and too few cases as too few", () => {
    const card = renderDigestCard(digest());
    expect(rowsOf(tableHeaded(card, "Rule · measure"))).toEqual([
      ["Rule · measure", "Contacted", "Not yet contacted"],
      ["Low attendance · attendance rate", "▲ 4 pts (7 cases)", "too few to tell (3 cases)"],
      ["Quiet online · days since last activity", "▼ 1.5 days (5 cases)", "no cases"],
    ]);
    const none = renderDigestCard(digest({ help: { schoolDaysAfter: 10, rows: [] } }));
    expect(texts(none)).toContain(
      "No case has a successful contact, or a comparable case, to measure yet.",
    );
  });

  it("shows the quarter's fairness with small cells hidden and ratios outside 0.8–1.25 marked", () => {
    expect(texts(renderDigestCard(digest())).some((t) => t.startsWith("Fairness"))).toBe(false);
    const card = renderDigestCard(digest({ fairness: FAIRNESS }));
    expectSendable(card);
    expect(texts(card)).toContain("Fairness, 2026-Q4 to date (1 Oct – 22 Nov 2026)");
    const fairness = tableHeaded(card, "Group");
    expect(rowsOf(fairness)).toEqual([
      ["Group", "Students", "Flagged"],
      ["All students", "240", "24 (10%)"],
      ["gender: F", "118", "15 (13%) ×1.27 ⚠"],
      ["M", "115", "–"],
      ["X", "<10", "<10"],
    ]);
    expect((fairness.rows as Node[]).map((r) => r.style)).toEqual([
      undefined,
      "emphasis",
      "attention",
      undefined,
      undefined,
    ]);
  });

  it("adds the case columns when the fairness has them", () => {
    const withCases: NonNullable<Digest["fairness"]> = {
      ...FAIRNESS,
      cases: true,
      overall: { ...FAIRNESS.overall, withCase: 20, caseRate: 20 / 240 },
      fields: [
        {
          field: "gender",
          withheld: ["withCase"],
          groups: [
            {
              group: "F",
              inScope: 118,
              flagged: 15,
              rate: 15 / 118,
              ratio: 1.27,
              outside: true,
              withCase: 12,
              caseRate: null,
              caseRatio: null,
              caseOutside: false,
            },
          ],
        },
      ],
    };
    const card = renderDigestCard(digest({ fairness: withCases }));
    expectSendable(card);
    expect(rowsOf(tableHeaded(card, "Group"))).toEqual([
      ["Group", "Students", "Flagged", "With a case"],
      ["All students", "240", "24 (10%)", "20 (8%)"],
      ["gender: F", "118", "15 (13%) ×1.27 ⚠", "–"],
    ]);
    expect(texts(card).at(-1)).toContain("Some columns are withheld whole");
  });

  it("shows names as written: nothing in them binds or evaluates", () => {
    // A binding as a person might type one: `$` then `{policyId}`.
    const binding = ["$", "{policyId}"].join("");
    const hostile = digest({ policyName: `${binding} {{DATE(2026-01-01)}}` });
    const json = expectSendable(renderDigestCard(hostile));
    expect(json).not.toContain("sef-eng {{");
    expect(texts(renderDigestCard(hostile))[0]).toBe(
      "Weekly digest — $\u2060{policyId} {\u2060{DATE(2026-01-01)}}",
    );
  });

  it("stays under 28 KB with 5 schools, 12 sections, 8 rules and the fairness and help tables full", () => {
    const schools = ["sch1", "sch2", "sch3", "sch4", "sch5"].map((id, i) =>
      school(id, `School number ${i + 1}`, [0.9, 0.92], [0.5, 0.45]),
    );
    const big = digest({
      rules: Array.from({ length: 8 }, (_, i) => rule(i)),
      watch: Array.from({ length: 3 }, (_, i) => ({
        ruleId: `w${i}`,
        name: `Watch rule ${i}`,
        week: 10 + i,
        previous: 9,
      })),
      runs: {
        succeeded: 3,
        failed: 2,
        skipped: 0,
        failures: Array.from({ length: 2 }, (_, i) => ({
          asOf: `2026-11-1${i + 6}`,
          error: "the data folder could not be read: ".repeat(5),
        })),
      },
      deadLetters: { week: 3, total: 12 },
      hybrid: {
        schools,
        sections: Array.from({ length: 12 }, (_, i) => ({
          ...section(i),
          name: `Year ${7 + (i % 5)} Mathematics set ${i}`,
        })),
        sectionsOmitted: 40,
        sectionsSuppressed: 6,
      },
      help: {
        schoolDaysAfter: 10,
        rows: Array.from({ length: 8 }, (_, i) => ({
          ruleId: `rule-${i}`,
          ruleName: `Rule number ${i} with a longer name`,
          metric: "attendance rate",
          unit: "share" as const,
          contacted: { cases: 12, medianChange: 0.05 },
          notYetContacted: { cases: 9, medianChange: -0.01 },
        })),
      },
      fairness: {
        ...FAIRNESS,
        cases: true,
        overall: { ...FAIRNESS.overall, withCase: 20, caseRate: 0.08 },
        fields: ["gender", "imd band"].map((field, f) => ({
          field,
          withheld: [],
          groups: Array.from({ length: f === 1 ? 11 : 3 }, (_, g) => ({
            group: `${field} group ${g}`,
            inScope: 100,
            flagged: 12,
            rate: 0.12,
            ratio: 1.2,
            outside: false,
            withCase: 10,
            caseRate: 0.1,
            caseRatio: 1.25,
            caseOutside: false,
          })),
        })),
      },
    });
    const json = expectSendable(renderDigestCard(big));
    // The fairness fits whole: every group is shown.
    for (const shownText of [
      "imd band group 10",
      "Year 8 Mathematics set 11 · School number 2",
      "Rule number 7 with a longer name",
    ]) {
      expect(json.includes(shownText), shownText).toBe(true);
    }
  });

  it("keeps to the marked fairness groups, then to a pointer, when the groups would not fit", () => {
    const groups = (n: number, outsideEvery: number) =>
      Array.from({ length: n }, (_, g) => ({
        group: `group ${g} with a long descriptive name`,
        inScope: 100,
        flagged: 12,
        rate: 0.12,
        ratio: g % outsideEvery === 0 ? 1.4 : 1.1,
        outside: g % outsideEvery === 0,
      }));
    const many = renderDigestCard(
      digest({
        fairness: {
          ...FAIRNESS,
          fields: [{ field: "ethnicity", withheld: [], groups: groups(120, 30) }],
        },
      }),
    );
    expectSendable(many);
    expect(rowsOf(tableHeaded(many, "Group")).map((r) => r[0])).toEqual([
      "Group",
      "All students",
      "ethnicity: group 0 with a long descriptive name",
      "group 30 with a long descriptive name",
      "group 60 with a long descriptive name",
      "group 90 with a long descriptive name",
    ]);
    expect(texts(many).at(-1)).toContain(
      "116 groups within 0.8–1.25 not shown for room: `reach fairness` lists every group.",
    );
    const marked = renderDigestCard(
      digest({
        fairness: {
          ...FAIRNESS,
          fields: [{ field: "ethnicity", withheld: [], groups: groups(600, 1) }],
        },
      }),
    );
    expectSendable(marked);
    expect(elements(marked).some((e) => e.type === "Table" && rowsOf(e)[0][0] === "Group")).toBe(
      false,
    );
    expect(texts(marked).at(-1)).toBe("Too many groups to show here: `reach fairness` lists them.");
  });

  it("shows at most 10 rules, noisy ones first, and counts the rest", () => {
    const rules = Array.from({ length: 30 }, (_, i) => ({
      ...rule(i + 1),
      noisy: i === 25,
      decided: i === 25 ? 5 : i + 1,
    }));
    const card = renderDigestCard(digest({ rules }));
    const names = rowsOf(tableHeaded(card, "Rule"))
      .slice(1)
      .map((r) => r[0]);
    expect(names).toHaveLength(10);
    expect(names).toContain("Rule number 26 with a longer name");
    expect(names.at(-1)).toBe("Rule number 30 with a longer name");
    expect(texts(card)).toContain("20 more rules with fewer cases decided not shown.");
  });
});

describe("numbers and dates in words", () => {
  it("changes in whole percentage points of the shares as shown", () => {
    expect(pointsChange(0.8, 0.9)).toBe("▼ 10 pts");
    expect(pointsChange(0.934, 0.904)).toBe("▲ 3 pts");
    expect(pointsChange(0.911, 0.904)).toBe("▲ 1 pt");
    expect(pointsChange(0.5, 0.5)).toBe("no change");
  });

  it("a week's range in short form", () => {
    expect(formatRange("2026-11-16", "2026-11-22")).toBe("16 – 22 Nov 2026");
    expect(formatRange("2026-10-26", "2026-11-01")).toBe("26 Oct – 1 Nov 2026");
    expect(formatRange("2026-12-28", "2027-01-03")).toBe("28 Dec 2026 – 3 Jan 2027");
  });

  it("the template is an Adaptive Card 1.5 template", () => {
    expect(templateJson("digest")).toMatchObject({
      $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
      type: "AdaptiveCard",
      version: "1.5",
    });
  });
});

// --- a digest made of the sample school --------------------------------------------------------

describe("the digest card from the sample school's data", () => {
  const ROOT = join(import.meta.dirname, "../..");
  const day = (iso: string) => parseIsoDate(iso) as DayNumber;
  let dir: string;
  let store: Store;
  let made: Digest;
  let studentIds: string[];
  let studentNames: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "reach-digest-card-"));
    const data = join(dir, "school");
    cpSync(join(ROOT, "samples/demo-school"), data, { recursive: true });
    const imported = await ADAPTERS.canonical.import(data);
    studentIds = imported.dataset.students.map((s) => s.id);
    studentNames = imported.dataset.students.map((s) => s.displayName);
    const loaded = await loadPolicyFile(join(ROOT, "samples/teams-demo/northfield-policy.yaml"));
    if (!loaded.ok) throw new Error("the Northfield policy did not load");
    store = openSqliteStore({ path: join(dir, "reach.db") });
    for (const date of ["2027-01-27", "2027-01-29"]) {
      await runPolicy({
        store,
        policy: loaded.policy,
        dataset: imported.dataset,
        asOf: day(date),
        at: `${date}T07:00:00Z`,
        owner: "test:digest-card",
      });
    }
    made = await weeklyDigest({
      store,
      policy: loaded.policy,
      source: "canonical",
      dataDir: data,
      imported,
      date: day("2027-02-01"),
      at: "2027-02-01T08:00:00Z",
      actor: "reach",
    });
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("names no student and holds no student id, whatever the week held", () => {
    expect(made.cases.opened).toBeGreaterThan(0);
    expect(made.hybrid.schools.length).toBeGreaterThan(0);
    const json = expectSendable(renderDigestCard(made));
    for (const id of studentIds) expect(json).not.toContain(id);
    for (const name of studentNames) expect(json).not.toContain(name);
    expect(json).toContain(`${made.cases.opened} opened`);
  });
});
