/**
 * The cards, rendered from cases built with the real case domain and checked against the
 * official Adaptive Cards 1.5 schema: what each state shows and offers, that every action
 * carries the case and the version the card shows (and is accepted by `decide` when the
 * form is filled in), and that restricted note text and special-category data never reach
 * a card.
 */
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import draft6 from "ajv/dist/refs/json-schema-draft-06.json" with { type: "json" };
import { describe, expect, it } from "vitest";
import type { CaseCommand } from "../../src/cases/case-commands.ts";
import { caseView } from "../../src/cases/case-view.ts";
import {
  CONTACT_CHANNELS,
  CONTACT_OUTCOMES,
  DISMISS_REASONS,
  ENGINE_ACTOR,
  ESCALATION_DECISIONS,
  NOTE_VISIBILITIES,
  RESOLVE_OUTCOMES,
} from "../../src/cases/case-vocabulary.ts";
import { decide } from "../../src/cases/decide.ts";
import { ALLOWED_IN } from "../../src/cases/transitions.ts";
import type { Signal } from "../../src/rules/evaluate.ts";
import {
  type AdaptiveCard,
  CARD_CONTENT_TYPE,
  type CaseCardInput,
  cardAttachment,
  FORM_KINDS,
  FORM_VERBS,
  type FormKind,
  NOTICE_TONES,
  recentEvents,
  renderCaseCard,
  renderCaseList,
  renderForm,
  renderNoticeCard,
  TEMPLATE_NAMES,
  templateJson,
} from "../../src/teams/cards/index.ts";
import {
  at,
  CASE_ID,
  CaseLog,
  CONTEXT,
  caseIn,
  EVIDENCE,
  type FixtureStatus,
  finding,
  POLICY,
  ROSTER,
  signal,
} from "../cases/case-fixtures.ts";

// --- the official schema -------------------------------------------------------------

const SCHEMA_FILE = new URL("../fixtures/adaptive-card-1.5.schema.json", import.meta.url);
const { id: schemaId, ...schemaBody } = JSON.parse(readFileSync(SCHEMA_FILE, "utf8"));
const ajv = new Ajv({
  strict: false,
  allErrors: true,
  logger: false,
  // The schema names these formats for URLs, which no card of ours carries.
  formats: { uri: true, "uri-reference": true },
});
ajv.addMetaSchema(draft6);
// Draft-06 spells the schema's id `$id`; ajv 8 refuses the draft-04 `id`.
const validateSchema = ajv.compile({ $id: schemaId, ...schemaBody });

/** 28 KB: far under Teams' ~100 KB message limit, with room for the activity around it. */
const MAX_CARD_BYTES = 28 * 1024;

/** Everything a sent card must satisfy, whatever it shows. */
function expectSendable(card: AdaptiveCard): string {
  const valid = validateSchema(card);
  if (!valid) expect.fail(ajv.errorsText(validateSchema.errors, { separator: "\n" }));
  const json = JSON.stringify(card);
  expect(json).not.toContain("${");
  expect(json).not.toContain("$when");
  expect(json).not.toContain('"$data"');
  expect(Buffer.byteLength(json)).toBeLessThan(MAX_CARD_BYTES);
  expect(card.type).toBe("AdaptiveCard");
  expect(card.version).toBe("1.5");
  // No per-user refresh, no full width, no mentions: nothing the Agents Playground lacks.
  // (A button may still use the bot's `refresh` verb: that is a read, not a card refresh.)
  expect(json).not.toContain('"refresh":');
  expect(json).not.toContain('"msteams"');
  expect(json).not.toContain("<at>");
  return json;
}

// --- walking a card ----------------------------------------------------------------------

type Node = Record<string, unknown>;

interface ExecuteAction {
  action: Node;
  /** The inputs the action gathers: its own card's and its parent cards'. */
  inputs: Node[];
}

/** The inputs of a card's body (not of its ShowCards: those are cards of their own). */
function inputsOf(card: Node): Node[] {
  const found: Node[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (value === null || typeof value !== "object") return;
    const node = value as Node;
    if (typeof node.type === "string" && node.type.startsWith("Input.")) found.push(node);
    for (const [key, child] of Object.entries(node)) if (key !== "card") visit(child);
  };
  visit(card.body);
  return found;
}

/** Every Action.Execute in the card, in ShowCards and ActionSets too, with its inputs. */
function executeActions(card: Node, parentInputs: Node[] = []): ExecuteAction[] {
  const inputs = [...parentInputs, ...inputsOf(card)];
  const found: ExecuteAction[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (value === null || typeof value !== "object") return;
    const node = value as Node;
    if (node.type === "Action.Execute") found.push({ action: node, inputs });
    if (node.type === "Action.ShowCard") {
      found.push(...executeActions(node.card as Node, inputs));
      return;
    }
    for (const child of Object.values(node)) visit(child);
  };
  visit(card.body);
  visit(card.actions);
  return found;
}

const verbsOf = (card: Node) => executeActions(card).map((e) => e.action.verb as string);
const topTitles = (card: Node) => ((card.actions ?? []) as Node[]).map((a) => a.title);

// --- cases -------------------------------------------------------------------------------

const STUDENT = {
  displayName: "Megan Bowen",
  school: "Sefton High School",
  programme: "Sciences",
  year: "10",
};

function cardFor(log: CaseLog, extra: Partial<CaseCardInput> = {}, reader: string | null = null) {
  const view = caseView(log.state, reader, ROSTER);
  const card = renderCaseCard({
    view,
    student: STUDENT,
    policyName: "Sefton engagement",
    recent: recentEvents(log.events, ROSTER),
    ...extra,
  });
  return { view, card, json: expectSendable(card) };
}

const ALL_STATUSES: FixtureStatus[] = [
  "proposed",
  "active",
  "escalated",
  "resolved",
  "dismissed",
  "closed",
  "erased",
];

const EXPECTED_ACTIONS: Record<FixtureStatus, { titles: string[]; verbs: string[] }> = {
  proposed: {
    titles: ["Confirm and take it", "Dismiss…", "Snooze…"],
    verbs: ["confirm", "dismiss", "snooze"],
  },
  active: {
    titles: ["Propose message", "Log contact…", "Add note…", "Resolve…", "Escalate…", "Snooze…"],
    verbs: [
      "propose_message",
      "log_contact",
      "add_note",
      "resolve",
      "propose_escalation",
      "snooze",
    ],
  },
  escalated: {
    titles: ["Propose message", "Log contact…", "Add note…", "Resolve…", "Snooze…", "Close"],
    verbs: ["propose_message", "log_contact", "add_note", "resolve", "snooze", "close"],
  },
  resolved: { titles: ["Add note…", "Close", "Reopen"], verbs: ["add_note", "close", "reopen"] },
  dismissed: { titles: ["Add note…", "Reopen"], verbs: ["add_note", "reopen"] },
  closed: { titles: ["Reopen"], verbs: ["reopen"] },
  erased: { titles: [], verbs: [] },
};

/**
 * Verbs the bot answers with a form rather than a case change, and the command that form
 * makes: "Propose message" opens the message form, whose Send approves a message.
 */
const FORM_VERBS_OF_BOT: Record<string, keyof typeof ALLOWED_IN> = {
  propose_message: "approve_outreach",
};

/** A value a person could pick or type into each input. */
function fill(input: Node): unknown {
  if (input.type === "Input.ChoiceSet") {
    // "other" would need a note; the first choice never does.
    return (input.choices as { value: string }[])[0].value;
  }
  if (input.type === "Input.Date") return "2026-12-01";
  return `Typed into ${input.id as string}`;
}

/** The command a card click makes, as the bot builds it: verb, data, inputs, time, ids. */
function commandOf({ action, inputs }: ExecuteAction): CaseCommand {
  const fields = Object.fromEntries(inputs.map((i) => [i.id, fill(i)]));
  const body = { type: action.verb, ...(action.data as Node), ...fields, at: at(50) };
  return (action.verb === "add_note" ? { ...body, noteId: "n-card" } : body) as CaseCommand;
}

describe("the case card in each state", () => {
  for (const status of ALL_STATUSES) {
    describe(status, () => {
      const log = caseIn(status);
      const { view, card } = cardFor(log);

      it("is a valid Adaptive Card 1.5 with everything bound and under 28 KB", () => {
        expectSendable(card);
        expect(card.$schema).toBe("http://adaptivecards.io/schemas/adaptive-card.json");
      });

      it("offers the actions of its state, and only commands the state allows", () => {
        expect(topTitles(card)).toEqual(EXPECTED_ACTIONS[status].titles);
        expect(verbsOf(card)).toEqual(EXPECTED_ACTIONS[status].verbs);
        for (const verb of verbsOf(card)) {
          const command = FORM_VERBS_OF_BOT[verb] ?? (verb as keyof typeof ALLOWED_IN);
          expect(ALLOWED_IN[command]).toContain(status);
        }
      });

      it("carries the case and the version it shows in every action", () => {
        for (const { action } of executeActions(card)) {
          expect(action.data).toEqual({
            caseId: CASE_ID,
            policyId: POLICY.id,
            version: view.version,
          });
        }
      });

      it("gathers no input id twice for any action", () => {
        for (const { inputs } of executeActions(card)) {
          const ids = inputs.map((i) => i.id);
          expect(new Set(ids).size).toBe(ids.length);
        }
      });

      it("makes commands the case domain accepts when its forms are filled in", () => {
        for (const execute of executeActions(card)) {
          if (FORM_VERBS_OF_BOT[execute.action.verb as string] !== undefined) continue;
          const decision = decide(log.events, commandOf(execute), "ada", CONTEXT);
          if (!decision.ok) {
            expect.fail(`${execute.action.verb}: ${decision.refusal.message}`);
          }
        }
      });
    });
  }

  it("proposed: shows the student, the evidence verbatim, its window and the data date", () => {
    const { json } = cardFor(caseIn("proposed"));
    expect(json).toContain('"Megan Bowen"');
    expect(json).toContain("Sefton High School · Sciences · Year 10");
    expect(json).toContain(JSON.stringify(EVIDENCE));
    expect(json).toContain("8 Sep – 20 Nov 2026 (50 school days)");
    expect(json).toContain('{"title":"Data as of","value":"20 Nov 2026"}');
    expect(json).toContain('"Rule low-attendance"');
    expect(json).toContain("High severity · since 19 Nov 2026 · data as of 20 Nov 2026");
    expect(json).toContain('"Proposed"');
    expect(json).toContain("Nobody has taken this case yet.");
    expect(json).toContain("Reach opened the case: Rule low-attendance · 23 Nov 2026, 09:00");
    expect(json).not.toContain("Assigned to");
  });

  it("active: names the assignee and the latest events, newest first", () => {
    const log = caseIn("active").do(
      { type: "log_contact", channel: "phone", outcome: "no_answer" },
      "ada",
    );
    const { card, json } = cardFor(log);
    expect(json).toContain('{"title":"Assigned to","value":"Ada Example"}');
    expect(json).toContain("Ada Example is working on this case.");
    expect(json).toContain('"Phone, no answer, by Ada Example on 23 Nov 2026"');
    const lines = (card.body as Node[]).filter((b) => b.size === "small" && b.spacing === "none");
    expect(lines.map((l) => l.text)).toEqual([
      "Ada Example logged a contact attempt: phone, no answer · 23 Nov 2026, 09:08",
      "The message was sent to the student · 23 Nov 2026, 09:07",
      "Ada Example approved a message to the student · 23 Nov 2026, 09:06",
      "Ada Example proposed a message to the student · 23 Nov 2026, 09:05",
      "Ada Example approved a message to the student · 23 Nov 2026, 09:04",
    ]);
  });

  it("dismissed: says who dismissed it and why, and offers no confirm", () => {
    const log = new CaseLog()
      .open()
      .do({ type: "dismiss", reason: "already_in_contact", text: "Her tutor is on it." }, "dan");
    const { card, json } = cardFor(log);
    expect(json).toContain("Dismissed by Dan Example on 23 Nov 2026: already in contact.");
    expect(json).toContain('"Her tutor is on it."');
    expect(verbsOf(card)).not.toContain("confirm");
  });

  it("resolved: says who resolved it with which outcome", () => {
    const { json } = cardFor(caseIn("resolved"));
    expect(json).toContain("Resolved by Ada Example on 23 Nov 2026: re-engaged.");
  });

  it("escalated: shows the accepted escalation and its reason", () => {
    const { json } = cardFor(caseIn("escalated"));
    expect(json).toContain("Escalation accepted by Lee Example, proposed by Ada Example.");
    expect(json).toContain('"no contact for three weeks"');
    expect(json).toContain('"Escalated"');
  });

  it("a pending escalation offers the lead's decision instead of a second escalation", () => {
    const log = caseIn("active").do(
      { type: "propose_escalation", reason: "no reply to three calls" },
      "ada",
    );
    const { card, json } = cardFor(log);
    expect(topTitles(card)).toEqual([
      "Propose message",
      "Log contact…",
      "Add note…",
      "Resolve…",
      "Decide escalation…",
      "Snooze…",
    ]);
    expect(json).toContain("Ada Example proposed an escalation. Waiting for an engagement lead");
    const decideAction = executeActions(card).find((e) => e.action.verb === "decide_escalation");
    if (decideAction === undefined) expect.fail("no decide_escalation action");
    const decision = decide(log.events, commandOf(decideAction), "lee", CONTEXT);
    expect(decision.ok).toBe(true);
  });

  it("snoozed: shows until when", () => {
    const log = caseIn("proposed").do({ type: "snooze", until: "2026-11-30" }, "ada");
    const { json } = cardFor(log);
    expect(json).toContain('{"title":"Snoozed until","value":"30 Nov 2026"}');
    expect(json).toContain("Snoozed until 30 Nov 2026.");
  });

  it("erased: shows no student and offers nothing", () => {
    const { card, json } = cardFor(caseIn("erased"));
    expect(json).toContain('"Erased case"');
    expect(json).not.toContain("Megan Bowen");
    expect(json).not.toContain(EVIDENCE);
    expect(card.actions).toEqual([]);
  });

  it("says so when the student record is not available", () => {
    const { json } = cardFor(caseIn("proposed"), { student: undefined });
    expect(json).toContain('"Student record not available"');
    expect(json).toContain('"School: sef"');
  });

  it("shows a notice at the top in the tone's style", () => {
    const styles = { refusal: "attention", stale: "warning", info: "accent", success: "good" };
    for (const tone of NOTICE_TONES) {
      const text = `This case changed while you were looking (${tone}).`;
      const { card } = cardFor(caseIn("active"), { notice: { tone, text } });
      const first = (card.body as Node[])[0];
      expect(first).toMatchObject({ type: "Container", style: styles[tone] });
      expect(JSON.stringify(first)).toContain(text);
    }
    const { card } = cardFor(caseIn("active"));
    expect((card.body as Node[])[0].type).toBe("ColumnSet");
  });

  it("opens a form from each ShowCard, spliced in whole", () => {
    const { card } = cardFor(caseIn("active"));
    const showCards = (card.actions as Node[]).filter((a) => a.type === "Action.ShowCard");
    const forms = showCards.map((a) => a.card as Node);
    expect(forms.map((f) => (f.actions as Node[])[0].verb)).toEqual([
      "log_contact",
      "add_note",
      "resolve",
      "propose_escalation",
      "snooze",
    ]);
    expect(forms[0]).toEqual(
      renderForm("contact", { caseId: CASE_ID, policyId: POLICY.id, version: 8 }),
    );
  });
});

describe("what a card never shows", () => {
  const SECRET = "Disclosed a family illness.";

  /** Active case assigned to ada; dan writes a restricted note, then a team note. */
  function withNotes() {
    return caseIn("active")
      .do({ type: "add_note", noteId: "n1", text: SECRET, visibility: "restricted" }, "dan")
      .do({ type: "add_note", noteId: "n2", text: "Left a voicemail.", visibility: "team" }, "dan");
  }

  it("restricted note text, on a channel card or for a reader who may read it", () => {
    for (const reader of [null, "dan", "ada", "lee"]) {
      const { view, json } = cardFor(withNotes(), {}, reader);
      if (reader !== null) expect(view.notes[0].text).toBe(SECRET);
      expect(json).not.toContain("family illness");
      expect(json).toContain("Restricted note by Dan Example · 23 Nov 2026");
      expect(json).toContain('"Left a voicemail."');
      expect(json).toContain("Dan Example added a restricted note");
    }
  });

  it("restricted note text, however many notes and events follow", () => {
    let log = withNotes();
    for (let i = 0; i < 6; i++) {
      log = log.do(
        { type: "add_note", noteId: `r${i}`, text: `${SECRET} ${i}`, visibility: "restricted" },
        "ada",
      );
    }
    const { json } = cardFor(log, {}, "ada");
    expect(json).not.toContain("family illness");
    expect(json).toContain("and 5 earlier notes");
  });

  it("special-category data handed to the renderer by mistake", () => {
    const log = caseIn("active");
    const view = {
      ...caseView(log.state, null, ROSTER),
      ethnicity: "SECRET-ETHNICITY",
      disability: "SECRET-DISABILITY",
    };
    const student = {
      ...STUDENT,
      ethnicity: "SECRET-ETHNICITY",
      religion: "SECRET-RELIGION",
      health: { condition: "SECRET-HEALTH" },
    };
    const json = JSON.stringify(
      renderCaseCard({ view, student, recent: recentEvents(log.events, ROSTER) }),
    );
    expect(json).toContain("Megan Bowen");
    expect(json).not.toContain("SECRET");
    expect(json).not.toMatch(/ethnicity|disability|religion|health/i);
  });

  it("a risk score: only the rule's own severity and its evidence", () => {
    const { json } = cardFor(caseIn("active"));
    expect(json).not.toMatch(/risk|score/i);
  });
});

describe("a worst case: 5 signals, long texts and a long history", () => {
  const LONG = "x".repeat(3990);
  const longSignal = (n: number): Signal => {
    const base = signal(`rule-${n}`, n === 0 ? "high" : "medium");
    const condition = base.conditions[0];
    return {
      ...base,
      ruleName: `A rule with a long, descriptive name for case reviewers, number ${n}`,
      conditions: [0, 1, 2].map((k) => ({
        ...condition,
        evidence: `${EVIDENCE}; and then condition ${k} of rule ${n} with a much longer sentence explaining the figures behind it in plain English`,
      })),
    };
  };

  function worstCase(): CaseLog {
    const log = new CaseLog().do(
      {
        type: "open",
        finding: finding([0, 1, 2, 3, 4].map(longSignal), [longSignal(5), longSignal(6)]),
      },
      ENGINE_ACTOR,
    );
    log.do({ type: "confirm" }, "ada");
    for (let i = 0; i < 30; i++) {
      log.do({ type: "log_contact", channel: "phone", outcome: "no_answer", note: LONG }, "ada");
      log.do({ type: "add_note", noteId: `t${i}`, text: LONG, visibility: "team" }, "ada");
      log.do({ type: "add_note", noteId: `r${i}`, text: LONG, visibility: "restricted" }, "dan");
    }
    return log.do({ type: "propose_escalation", reason: LONG }, "ada");
  }

  it("stays valid and under 28 KB, showing every signal's evidence verbatim", () => {
    const log = worstCase();
    const { json } = cardFor(log, {
      notice: { tone: "stale", text: "y".repeat(400) },
      recent: recentEvents(log.events, ROSTER, 100),
    });
    for (const n of [0, 1, 2, 3, 4]) {
      for (const k of [0, 1, 2]) expect(json).toContain(`condition ${k} of rule ${n}`);
    }
    expect(json).not.toContain("rule 5");
    expect(json).toContain("2 less severe signals also matched");
    expect(json).not.toContain(LONG);
    expect(Buffer.byteLength(json)).toBeLessThan(MAX_CARD_BYTES);
  });
});

describe("the forms", () => {
  const ACTION = { caseId: CASE_ID, policyId: POLICY.id, version: 7 };

  const FIELDS: Record<FormKind, { id: string; required: boolean }[]> = {
    dismiss: [
      { id: "reason", required: true },
      { id: "text", required: false },
    ],
    snooze: [{ id: "until", required: true }],
    contact: [
      { id: "channel", required: true },
      { id: "outcome", required: true },
      { id: "note", required: false },
    ],
    note: [
      { id: "text", required: true },
      { id: "visibility", required: true },
    ],
    resolve: [
      { id: "outcome", required: true },
      { id: "note", required: false },
    ],
    escalate: [{ id: "reason", required: true }],
    decideEscalation: [
      { id: "decision", required: true },
      { id: "note", required: false },
    ],
  };

  for (const kind of FORM_KINDS) {
    it(`${kind}: inputs named as the command's fields, one Execute with verb and data`, () => {
      const form = renderForm(kind, ACTION);
      expectSendable(form);
      const inputs = inputsOf(form);
      expect(inputs.map((i) => ({ id: i.id, required: i.isRequired === true }))).toEqual(
        FIELDS[kind],
      );
      for (const input of inputs.filter((i) => i.isRequired === true)) {
        expect(input.errorMessage).toMatch(/\w+/);
        expect(input.label).toMatch(/\w+/);
      }
      for (const input of inputs.filter((i) => i.type === "Input.Text")) {
        expect(input.maxLength).toBe(4000);
      }
      expect(form.actions).toEqual([
        expect.objectContaining({ type: "Action.Execute", verb: FORM_VERBS[kind], data: ACTION }),
      ]);
    });
  }

  it("offer exactly the vocabulary's values, with human labels", () => {
    const choices = (kind: FormKind, id: string) => {
      const input = inputsOf(renderForm(kind, ACTION)).find((i) => i.id === id);
      return (input?.choices ?? []) as { title: string; value: string }[];
    };
    expect(choices("dismiss", "reason").map((c) => c.value)).toEqual([...DISMISS_REASONS]);
    expect(choices("contact", "channel").map((c) => c.value)).toEqual([...CONTACT_CHANNELS]);
    expect(choices("contact", "outcome").map((c) => c.value)).toEqual([...CONTACT_OUTCOMES]);
    expect(choices("resolve", "outcome").map((c) => c.value)).toEqual([...RESOLVE_OUTCOMES]);
    expect(choices("note", "visibility").map((c) => c.value)).toEqual([...NOTE_VISIBILITIES]);
    expect(choices("decideEscalation", "decision").map((c) => c.value)).toEqual([
      ...ESCALATION_DECISIONS,
    ]);
    expect(choices("dismiss", "reason")[2].title).toBe("Already in contact");
    expect(choices("contact", "channel")[2].title).toBe("Teams chat");
    expect(choices("resolve", "outcome")[1].title).toBe("Referred to a support service");
    for (const kind of FORM_KINDS) {
      for (const input of inputsOf(renderForm(kind, ACTION))) {
        for (const c of (input.choices ?? []) as { title: string; value: string }[]) {
          expect(c.title).not.toContain("_");
        }
      }
    }
  });

  it("a note is for the team unless its author restricts it", () => {
    const visibility = inputsOf(renderForm("note", ACTION)).find((i) => i.id === "visibility");
    expect(visibility?.value).toBe("team");
  });
});

describe("the notice card", () => {
  it("renders each tone with its title and text", () => {
    const styles = { refusal: "attention", stale: "warning", info: "accent", success: "good" };
    for (const tone of NOTICE_TONES) {
      const card = renderNoticeCard({
        title: "Not done",
        text: "Only an engagement lead of policy sef-eng's schools decides escalations.",
        tone,
      });
      const json = expectSendable(card);
      expect((card.body as Node[])[0]).toMatchObject({ type: "Container", style: styles[tone] });
      expect(json).toContain('"Not done"');
      expect(json).toContain("Only an engagement lead of policy sef-eng's schools decides");
      expect(card.actions).toBeUndefined();
    }
  });
});

describe("the case list", () => {
  const item = (status: FixtureStatus, caseId: string, studentName: string | undefined) => ({
    view: { ...caseView(caseIn(status).state, null, ROSTER), caseId },
    studentName,
  });

  it("shows one row per case with a Show action naming the case", () => {
    const card = renderCaseList({
      items: [
        item("proposed", "case-1", "Megan Bowen"),
        item("active", "case-2", "Alex Wilber"),
        item("escalated", "case-3", undefined),
      ],
    });
    const json = expectSendable(card);
    expect(json).toContain('"My cases"');
    expect(json).toContain('"3 cases"');
    for (const text of [
      "Megan Bowen",
      "Alex Wilber",
      "Student record not available",
      "Proposed · high severity",
      "Active · high severity",
      "Escalated · high severity",
      "Case case-2 · opened 23 Nov 2026",
    ]) {
      expect(json).toContain(text);
    }
    expect(executeActions(card).map((e) => e.action)).toEqual(
      ["case-1", "case-2", "case-3"].map((caseId) => ({
        type: "Action.Execute",
        title: "Show",
        verb: "show",
        data: { caseId, policyId: POLICY.id },
      })),
    );
  });

  it("says when there are no cases, and counts the rows it leaves out", () => {
    const empty = renderCaseList({ items: [] });
    expect(expectSendable(empty)).toContain("You have no cases right now.");
    const many = Array.from({ length: 25 }, (_, i) => item("active", `case-${i}`, `Student ${i}`));
    const card = renderCaseList({ items: many, title: "Cases in sef" });
    const json = expectSendable(card);
    expect(json).toContain('"Cases in sef"');
    expect(json).toContain("and 5 more not shown");
    expect(executeActions(card)).toHaveLength(20);
  });

  it("shows a snooze", () => {
    const log = caseIn("active").do({ type: "snooze", until: "2026-12-04" }, "ada");
    const card = renderCaseList({
      items: [{ view: caseView(log.state, null, ROSTER), studentName: "Megan Bowen" }],
    });
    expect(expectSendable(card)).toContain("Active · high severity · snoozed until 4 Dec 2026");
  });
});

describe("the schema check", () => {
  it("is strict: it rejects misspelt elements, unknown properties and missing text", () => {
    const card = (body: Node[]) => ({ type: "AdaptiveCard", version: "1.5", body });
    expect(validateSchema(card([{ type: "TextBlock", text: "ok", wrap: true }]))).toBe(true);
    expect(validateSchema(card([{ type: "TextBlok", text: "typo" }]))).toBe(false);
    expect(validateSchema(card([{ type: "TextBlock", text: "x", colour: "good" }]))).toBe(false);
    expect(validateSchema(card([{ type: "TextBlock" }]))).toBe(false);
    expect(validateSchema(card([{ type: "Container", items: [], style: "loud" }]))).toBe(false);
    expect(validateSchema({ ...card([]), $when: "true" })).toBe(false);
  });
});

describe("templates and attachments", () => {
  it("every template is an Adaptive Card 1.5 template with the schema named", () => {
    for (const name of TEMPLATE_NAMES) {
      const json = templateJson(name);
      expect(json).toMatchObject({
        $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
        type: "AdaptiveCard",
        version: "1.5",
      });
      expect(JSON.stringify(json)).not.toContain('"refresh":');
    }
  });

  it("wraps a card as a Bot Framework attachment", () => {
    const card = renderNoticeCard({ title: "Done", text: "Case confirmed.", tone: "success" });
    expect(CARD_CONTENT_TYPE).toBe("application/vnd.microsoft.card.adaptive");
    expect(cardAttachment(card)).toEqual({
      contentType: "application/vnd.microsoft.card.adaptive",
      content: card,
    });
  });

  it("renders independent copies: changing one card changes no other", () => {
    const log = caseIn("proposed");
    const input = { view: caseView(log.state, null, ROSTER), student: STUDENT, recent: [] };
    const a = renderCaseCard(input);
    (a.actions as Node[]).length = 0;
    expect((renderCaseCard(input).actions as Node[]).length).toBe(3);
  });
});
