/**
 * Watch rules in a real run on the SQLite store: a student only watched gets no case; on a
 * student's open case (one the run opens, or one opened before) the watched signal is
 * recorded as `signal_added` flagged `watch`, without raising the case's severity, and the
 * card shows it under "Also watching"; the run record counts the watched students. Then the
 * sample school (samples/demo-school) under the watch variant of its policy.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import draft6 from "ajv/dist/refs/json-schema-draft-06.json" with { type: "json" };
import { describe, expect, it } from "vitest";
import { rosterOf } from "../../src/cases/authorise.ts";
import type { CaseEvent } from "../../src/cases/case-events.ts";
import { CaseSignalSchema } from "../../src/cases/case-signal.ts";
import { foldCase } from "../../src/cases/case-state.ts";
import { caseView } from "../../src/cases/case-view.ts";
import { redactEvent } from "../../src/cases/erasure.ts";
import { ADAPTERS } from "../../src/data/adapters/index.ts";
import { loadPolicyFile, loadPolicyText } from "../../src/rules/loader.ts";
import { applyRun } from "../../src/run/apply-run.ts";
import type { Store } from "../../src/store/index.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { type AdaptiveCard, recentEvents, renderCaseCard } from "../../src/teams/cards/index.ts";
import { buildDataset, type DatasetSpec, day, weekdays } from "../helpers/build-dataset.ts";

const DAYS = weekdays("2026-09-07", "2026-10-02", ["2026-09-21"]);

function policy(rules: string) {
  const loaded = loadPolicyText(
    `policy: { id: p, name: P, schools: [sch], timezone: Europe/London, schedule: "0 7 * * 1-5" }\nrules:\n${rules}`,
    "p.yaml",
  );
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.policy;
}

const LOW = `  - id: low-attendance
    name: Missing 10% or more
    severity: low
    when: { metric: attendance_rate, below: 0.9 }
`;
const QUIET = `  - id: quiet
    name: Quiet online
    severity: high
    action: watch
    when: { metric: days_since_activity, at_least: 5 }
`;

// "poor" misses 4 of 19 school days (78.9%) and is never active online; "quiet" misses none
// and is never active online; "fine" misses none and is active on the last two days.
const ABSENT = ["2026-09-08", "2026-09-09", "2026-09-10", "2026-09-11"];
const SPEC: DatasetSpec = {
  calendar: { sch: DAYS },
  students: [{ id: "poor" }, { id: "fine" }, { id: "quiet" }],
  attendance: DAYS.flatMap((d) => [
    ["poor", d, ABSENT.includes(d) ? "unexcused_absence" : "present"],
    ["fine", d, "present"],
    ["quiet", d, "present"],
  ]) as DatasetSpec["attendance"],
  activity: [
    ["fine", "2026-10-01", "vle", 3],
    ["fine", "2026-10-02", "vle", 3],
  ],
};

function tempStore(): Store {
  return openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), "reach-watch-")), "reach.db") });
}

const AT = (date: string) => `${date}T07:00:00.000Z`;

/** The events of the student's case under policy p, by type and the signal's rule. */
async function eventsOf(store: Store, studentId: string, policyId = "p") {
  const [summary] = (await store.listCases({ policyId })).filter((c) => c.studentId === studentId);
  if (summary === undefined) return undefined;
  const stored = await store.getCase(policyId, summary.caseId);
  return stored?.events as CaseEvent[];
}

function shape(events: CaseEvent[]) {
  return events.map((e) =>
    e.type === "opened"
      ? ["opened", e.severity, e.signals.map((s) => s.ruleId)]
      : e.type === "signal_added"
        ? ["signal_added", e.signal.ruleId, e.signal.watch ?? false]
        : [e.type],
  );
}

describe("applyRun with a watch rule", () => {
  it("opens no case for a student only watched; records the watched signal on the case it opens", async () => {
    const store = tempStore();
    const options = {
      store,
      policy: policy(LOW + QUIET),
      dataset: buildDataset(SPEC),
      asOf: day("2026-10-02"),
      at: AT("2026-10-02"),
      owner: "t",
    };
    const result = await applyRun(options);
    expect(result).toMatchObject({
      opened: 1,
      signalsAdded: 0,
      unchanged: 0,
      watchedOnCases: 1,
      refused: [],
    });
    const cases = await store.listCases({ policyId: "p" });
    // quiet is only watched: no case. poor's case is low although the watched signal is high.
    expect(cases.map((c) => [c.studentId, c.status, c.severity, c.version])).toEqual([
      ["poor", "proposed", "low", 2],
    ]);
    const events = (await eventsOf(store, "poor")) ?? [];
    expect(shape(events)).toEqual([
      ["opened", "low", ["low-attendance"]],
      ["signal_added", "quiet", true],
    ]);
    // One card for the new case, whatever it holds.
    const outbox = await store.listOutbox({ policyId: "p" });
    expect(outbox.map((o) => [o.kind, o.caseId])).toEqual([["case_card", cases[0].caseId]]);
    const [run] = await store.listRuns({ policyId: "p" });
    expect(run.counts).toMatchObject({
      studentsEvaluated: 3,
      findings: 1,
      casesOpened: 1,
      signalsAdded: 0,
      watched: 2,
      watchedOnCases: 1,
      "watched:quiet": 2,
    });

    // The same date again changes nothing.
    const again = await applyRun({ ...options, at: "2026-10-02T09:30:00.000Z" });
    expect(again).toMatchObject({ opened: 0, signalsAdded: 0, unchanged: 1, watchedOnCases: 0 });
    expect(await store.listCases({ policyId: "p" })).toEqual(cases);
    expect(await store.listOutbox({ policyId: "p" })).toHaveLength(1);
    await store.close();
  });

  it("adds a watched signal to a case opened before, without raising its severity", async () => {
    const store = tempStore();
    const dataset = buildDataset(SPEC);
    const base = { store, dataset, owner: "t" };
    // 10-01 without the watch rule: poor's case opens.
    await applyRun({ ...base, policy: policy(LOW), asOf: day("2026-10-01"), at: AT("2026-10-01") });
    // 10-02 with it: the finding holds nothing new; the watched signal is added to the case.
    const result = await applyRun({
      ...base,
      policy: policy(LOW + QUIET),
      asOf: day("2026-10-02"),
      at: AT("2026-10-02"),
    });
    expect(result).toMatchObject({
      opened: 0,
      signalsAdded: 0,
      unchanged: 1,
      watchedOnCases: 1,
      refused: [],
    });
    const cases = await store.listCases({ policyId: "p" });
    expect(cases.map((c) => [c.studentId, c.severity, c.version])).toEqual([["poor", "low", 2]]);
    const events = (await eventsOf(store, "poor")) ?? [];
    expect(shape(events)).toEqual([
      ["opened", "low", ["low-attendance"]],
      ["signal_added", "quiet", true],
    ]);
    expect(events[1]).toMatchObject({ actor: "reach", asOf: "2026-10-02", inhibited: false });
    // The change goes in front of the team as an update of the card.
    const outbox = await store.listOutbox({ policyId: "p" });
    expect(outbox.map((o) => o.kind)).toEqual(["case_card", "card_update"]);
    await store.close();
  });

  it("never opens a case from watch rules alone, also after a student's case was dismissed", async () => {
    const store = tempStore();
    const dataset = buildDataset(SPEC);
    const result = await applyRun({
      store,
      policy: policy(QUIET),
      dataset,
      asOf: day("2026-10-02"),
      at: AT("2026-10-02"),
      owner: "t",
    });
    expect(result).toMatchObject({ opened: 0, signalsAdded: 0, unchanged: 0, watchedOnCases: 0 });
    expect(result.evaluation.counts).toMatchObject({ findings: 0, watched: 2 });
    expect(await store.listCases({ policyId: "p" })).toEqual([]);
    expect(await store.listOutbox({ policyId: "p" })).toEqual([]);
    const [run] = await store.listRuns({ policyId: "p" });
    expect(run.counts).toMatchObject({ findings: 0, casesOpened: 0, watched: 2 });
    await store.close();
  });

  it("a policy without watch rules records no watch counts", async () => {
    const store = tempStore();
    await applyRun({
      store,
      policy: policy(LOW),
      dataset: buildDataset(SPEC),
      asOf: day("2026-10-02"),
      at: AT("2026-10-02"),
      owner: "t",
    });
    const [run] = await store.listRuns({ policyId: "p" });
    expect(Object.keys(run.counts).filter((k) => k.startsWith("watched"))).toEqual([]);
    await store.close();
  });
});

describe("a watched signal as a case keeps it", () => {
  const signal = {
    ruleId: "quiet",
    ruleName: "Quiet online",
    severity: "high",
    conditions: [],
    runs: 1,
    since: "2026-10-02",
  };

  it("reads back with its flag; a signal stored before watch rules reads back as it was", () => {
    expect(CaseSignalSchema.parse({ ...signal, watch: true })).toEqual({ ...signal, watch: true });
    expect(CaseSignalSchema.parse(signal)).toEqual(signal);
    expect(CaseSignalSchema.safeParse({ ...signal, watch: false }).success).toBe(false);
  });

  it("keeps the flag when the student's data is erased", () => {
    const event = {
      type: "signal_added",
      actor: "reach",
      at: "2026-10-02T07:00:00.000Z",
      version: 1,
      inhibited: false,
      asOf: "2026-10-02",
      signal: { ...signal, watch: true },
    } as CaseEvent;
    expect(redactEvent(event)).toMatchObject({ signal: { ruleId: "quiet", watch: true } });
  });
});

// --- the sample school and its card -------------------------------------------------------

const ROOT = join(import.meta.dirname, "../..");
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

/** Every TextBlock's text of a card, in order. */
function texts(card: AdaptiveCard): string[] {
  const out: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) for (const item of value) visit(item);
    else if (value !== null && typeof value === "object") {
      const node = value as Record<string, unknown>;
      if (node.type === "TextBlock" && typeof node.text === "string") out.push(node.text);
      for (const [key, child] of Object.entries(node)) if (key !== "actions") visit(child);
    }
  };
  visit((card as unknown as { body: unknown }).body);
  return out;
}

describe("the sample school under the watch variant of its policy", () => {
  it("opens 54 cases, none for the 31 students only watched; the 8 others show it on their card", async () => {
    const { dataset } = await ADAPTERS.canonical.import(join(ROOT, "samples/demo-school"));
    const loaded = await loadPolicyFile(join(ROOT, "tests/fixtures/policies/demo-watch.yaml"));
    if (!loaded.ok) throw new Error("the fixture policy does not load");
    const store = tempStore();
    const result = await applyRun({
      store,
      policy: loaded.policy,
      dataset,
      asOf: day("2027-01-29"),
      at: "2027-01-29T07:00:00.000Z",
      owner: "t",
    });
    // tests/rules/watch-evaluate.test.ts: 54 findings, 39 watched of whom 31 have no finding.
    expect(result).toMatchObject({ opened: 54, signalsAdded: 0, watchedOnCases: 8, refused: [] });
    const cases = await store.listCases({ policyId: "demo-watch" });
    expect(cases).toHaveLength(54);
    expect(new Set(cases.map((c) => c.severity))).toEqual(new Set(["medium"]));
    const withCase = new Set(cases.map((c) => c.studentId));
    const watchedOnly = result.evaluation.watched.filter((w) => !withCase.has(w.studentId));
    expect(watchedOnly.map((w) => w.studentId)).toContain("S000004");
    expect(watchedOnly).toHaveLength(31);
    const [run] = await store.listRuns({ policyId: "demo-watch" });
    expect(run.counts).toMatchObject({
      findings: 54,
      casesOpened: 54,
      watched: 39,
      watchedOnCases: 8,
      "watched:gone-quiet": 39,
    });

    // Yusuf Khan (S000009): a medium case for chronic absence, and gone-quiet watched.
    const events = (await eventsOf(store, "S000009", "demo-watch")) ?? [];
    expect(shape(events)).toEqual([
      ["opened", "medium", ["chronic-absence"]],
      ["signal_added", "gone-quiet", true],
    ]);
    const state = foldCase(events);
    if (state === undefined) throw new Error("no case");
    expect(state.severity).toBe("medium");
    const roster = rosterOf(dataset.staff);
    const card = renderCaseCard({
      view: caseView(state, null, roster),
      student: { displayName: "Yusuf Khan", school: "sch1" },
      policyName: loaded.policy.name,
      recent: recentEvents(events, roster),
    });
    if (!validateSchema(card)) expect.fail(ajv.errorsText(validateSchema.errors));
    const lines = texts(card);
    const why = lines.indexOf("Why this case was opened");
    const also = lines.indexOf("Also watching");
    expect(why).toBeGreaterThan(-1);
    expect(also).toBeGreaterThan(why);
    // The case's own signal under "Why…", the watched one only under "Also watching".
    const reasons = lines.slice(why, also);
    expect(reasons).toContain("Missing 10% or more of school");
    expect(reasons).not.toContain("No learning-platform activity for 7 school days");
    const watching = lines.slice(also);
    expect(watching.slice(0, 4)).toEqual([
      "Also watching",
      "Watch rules the student also meets. They did not open this case and do not set its severity.",
      "No learning-platform activity for 7 school days",
      "High severity · since 29 Jan 2027 · data as of 29 Jan 2027",
    ]);
    expect(watching).toContain("no vle activity for 9 school days (last on 2027-01-18)");
    expect(lines).toContain(
      "Reach recorded a watched signal: No learning-platform activity for 7 school days · 29 Jan 2027, 07:00",
    );
    expect(JSON.stringify(card)).not.toContain("${");

    // A case with no watched signal shows no "Also watching".
    const other = cases.find(
      (c) => !result.evaluation.watched.some((w) => w.studentId === c.studentId),
    );
    const plain = foldCase((await store.getCase("demo-watch", other?.caseId ?? ""))?.events ?? []);
    if (plain === undefined) throw new Error("no case");
    const plainCard = renderCaseCard({
      view: caseView(plain, null, roster),
      student: undefined,
      recent: [],
    });
    if (!validateSchema(plainCard)) expect.fail(ajv.errorsText(validateSchema.errors));
    expect(texts(plainCard)).not.toContain("Also watching");
    await store.close();
  });
});
