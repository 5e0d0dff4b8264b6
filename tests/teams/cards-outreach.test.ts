/**
 * The cards of messages to students, checked against the official Adaptive Cards 1.5
 * schema: the "Messages to the student" section and "Propose message" button of a case
 * card, the adviser's message form, the card a student gets and the one that thanks them,
 * a student's own data, and an adviser's two-part case list. Each button's data and
 * inputs make a command the case domain accepts; hostile text (markup, template syntax,
 * Markdown, 5,000 characters) shows as typed and nothing more; and the student's card
 * shows nothing of the case it came from.
 */
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import draft6 from "ajv/dist/refs/json-schema-draft-06.json" with { type: "json" };
import { describe, expect, it } from "vitest";
import { DirectoryHolder } from "../../src/app/directory.ts";
import type { MessageDraft, StudentDataView } from "../../src/app/index.ts";
import type { CaseCommand } from "../../src/cases/case-commands.ts";
import { type CaseView, caseView } from "../../src/cases/case-view.ts";
import {
  ENGINE_ACTOR,
  MAX_TEXT_LENGTH,
  STUDENT_ACTOR,
  UNREACHABLE_REASONS,
} from "../../src/cases/case-vocabulary.ts";
import { decide } from "../../src/cases/decide.ts";
import type { Staff, Student } from "../../src/data/schema.ts";
import type { Signal } from "../../src/rules/evaluate.ts";
import type { Policy } from "../../src/rules/index.ts";
import type { CaseSummary } from "../../src/store/index.ts";
import {
  type AdaptiveCard,
  type CaseCardInput,
  formatDayMonth,
  formatLocalTime,
  inert,
  recentEvents,
  renderCaseCard,
  renderCaseList,
  renderMyData,
  renderProposeForm,
  renderStudentMessage,
  renderStudentThanks,
  STUDENT_MESSAGE_FOOTER,
  UNREACHABLE_REASON_LABELS,
} from "../../src/teams/cards/index.ts";
import { createPresenter, firstNameOf } from "../../src/teams/presenter.ts";
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

// --- the official schema, as tests/teams/cards.test.ts checks it ---------------------------

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

function expectSendable(card: AdaptiveCard): string {
  if (!validateSchema(card)) {
    expect.fail(ajv.errorsText(validateSchema.errors, { separator: "\n" }));
  }
  const json = JSON.stringify(card);
  expect(json).not.toContain("${");
  expect(json).not.toContain("{{");
  expect(json).not.toContain("$when");
  expect(json).not.toContain('"$data"');
  expect(json).not.toContain('"refresh":');
  expect(json).not.toContain('"msteams"');
  expect(Buffer.byteLength(json)).toBeLessThan(MAX_CARD_BYTES);
  expect(card.type).toBe("AdaptiveCard");
  expect(card.version).toBe("1.5");
  return json;
}

// --- walking a card ----------------------------------------------------------------------

type Node = Record<string, unknown>;

/** Every element and action of a card (its body and actions), or under any node. */
function nodes(card: Node): Node[] {
  const found: Node[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (value === null || typeof value !== "object") return;
    found.push(value as Node);
    for (const child of Object.values(value as Node)) visit(child);
  };
  if (card.type === "AdaptiveCard") {
    visit(card.body);
    visit(card.actions);
  } else {
    visit(card);
  }
  return found;
}

const executes = (card: Node) => nodes(card).filter((n) => n.type === "Action.Execute");
const inputs = (card: Node) => nodes(card).filter((n) => String(n.type).startsWith("Input."));
const textRuns = (card: Node) => nodes(card).filter((n) => n.type === "TextRun");
const textBlocks = (card: Node) => nodes(card).filter((n) => n.type === "TextBlock");
const byTitle = (card: Node, title: string) => {
  const found = executes(card).find((a) => a.title === title);
  if (found === undefined) expect.fail(`no button "${title}"`);
  return found;
};

/** The text as a person reads it: without the invisible joiners that make syntax inert. */
const visible = (text: unknown) => String(text).replaceAll("\u2060", "");

// --- hostile text ------------------------------------------------------------------------

/** `${expr}`: template syntax a hostile text may carry. */
const binding = (expr: string) => ["$", "{", expr, "}"].join("");

const HOSTILE_PARTS = [
  "<script>alert('x')</script>",
  binding("secret"),
  binding("$root.caseId"),
  "{{DATE(2026-12-07T08:00:00Z, SHORT)}}",
  "[click here](https://evil.example/login)",
  "**urgent**",
];
const HOSTILE = `${HOSTILE_PARTS.join(" ")} ${"a".repeat(5000)}`;

// --- the case card -----------------------------------------------------------------------

const STUDENT = { displayName: "Ben Walker", firstName: "Ben", school: "Northfield" };
const SCHEDULED = "2026-12-07T08:00:00.000Z";

/** The channel card; `student` null when the student's record is not available. */
function cardFor(
  log: CaseLog,
  student: typeof STUDENT | null = STUDENT,
  extra: Partial<CaseCardInput> = {},
) {
  const view = caseView(log.state, null, ROSTER);
  const card = renderCaseCard({
    view,
    student: student ?? undefined,
    policyName: "Northfield engagement",
    timezone: "Europe/London",
    recent: recentEvents(log.events, ROSTER),
    ...extra,
  });
  return { view, card, json: expectSendable(card) };
}

/**
 * An active case with a message at every stage: o1 proposed, o2 approved then undelivered
 * (no Teams account), o3 sent and answered three ways, o4 held back by quiet hours.
 */
function withMessages(): CaseLog {
  return caseIn("active")
    .do(
      { type: "record_outreach_failed", outreachId: "o2", reason: "no_teams_account" },
      ENGINE_ACTOR,
    )
    .do(
      { type: "record_student_reply", outreachId: "o3", reply: "would_like_to_talk" },
      STUDENT_ACTOR,
    )
    .do({ type: "record_student_reply", outreachId: "o3", reply: "doing_ok" }, STUDENT_ACTOR)
    .do(
      { type: "record_student_reply", outreachId: "o3", reply: "other", text: "Can we meet?" },
      STUDENT_ACTOR,
    )
    .do(
      {
        type: "approve_outreach",
        outreachId: "o4",
        text: "Hi Ben, just checking in before Monday.",
        scheduledFor: SCHEDULED,
      },
      "ada",
    );
}

const stageLines = (card: Node) =>
  textBlocks(card)
    .filter((b) => b.size === "small" && b.weight === "bolder")
    .map((b) => b.text);

describe("the case card's messages to the student", () => {
  it("shows each message's stage in words, newest first, with the approved text", () => {
    const { card, json } = cardFor(withMessages());
    expect(json).toContain('"Messages to the student (times in Europe/London)"');
    expect(stageLines(card)).toEqual([
      "Approved by Ada Example · scheduled for Mon 7 Dec, 08:00",
      "Sent 23 Nov, 09:07 · approved by Ada Example",
      `Couldn't reach Ben in Teams: ${UNREACHABLE_REASON_LABELS.no_teams_account}. The approved text is below, to send another way.`,
    ]);
    const runs = textRuns(card).map((r) => r.text);
    expect(runs).toContain("Hi Ben, just checking in before Monday.");
    expect(runs).toContain("Hi, checking in.");
    // The undelivered text, whole, to send another way.
    expect(runs).toContain("Hi, can we talk?");
    expect(json).toContain('"and 1 earlier message"');
    expect(json).not.toContain("Hi, how are you getting on?");
  });

  it("colours an undelivered message as needing attention and a held one as a warning", () => {
    const { card } = cardFor(withMessages());
    const color = (start: string) =>
      textBlocks(card).find((b) => String(b.text).startsWith(start))?.color;
    expect(color("Couldn't reach Ben")).toBe("attention");
    expect(color("Approved by Ada Example · scheduled")).toBe("warning");
    expect(color("Sent 23 Nov")).toBe("good");
  });

  it("phrases every reason a message could not be delivered", () => {
    for (const reason of UNREACHABLE_REASONS) {
      const log = caseIn("active").do(
        { type: "record_outreach_failed", outreachId: "o2", reason },
        ENGINE_ACTOR,
      );
      const { json } = cardFor(log);
      expect(json).toContain(
        `Couldn't reach Ben in Teams: ${UNREACHABLE_REASON_LABELS[reason]}. The approved text is below`,
      );
      expect(json).not.toMatch(/no_teams_account|not_in_data|app_blocked|chat_blocked/);
    }
  });

  it("shows the student's replies in words, and a free reply quoted", () => {
    const { card } = cardFor(withMessages());
    const replies = nodes(card)
      .filter((n) => n.type === "RichTextBlock")
      .map((n) => (n.inlines as Node[]).map((i) => i.text).join(""))
      .filter((t) => t.startsWith("Ben replied: "));
    expect(replies).toEqual([
      "Ben replied: I'd like to talk · 23 Nov, 09:09",
      "Ben replied: I'm OK, thanks · 23 Nov, 09:10",
      "Ben replied: “Can we meet?” · 23 Nov, 09:11",
    ]);
  });

  it("shows a message approved to go now as on its way", () => {
    const { card } = cardFor(caseIn("active"));
    expect(stageLines(card)).toEqual([
      "Sent 23 Nov, 09:07 · approved by Ada Example",
      "Approved by Ada Example · sending now",
      "Proposed by Ada Example, not approved yet",
    ]);
  });

  it("says when the student asked Reach not to message them, and offers no message", () => {
    const log = withMessages().do({ type: "opt_out", outreachId: "o3" }, STUDENT_ACTOR);
    const { card, json } = cardFor(log);
    expect(json).toContain('"Ben asked Reach not to message them (23 Nov)."');
    expect(executes(card).map((a) => a.verb)).not.toContain("propose_message");
    expect((card.actions as Node[]).map((a) => a.title)).toEqual([
      "Log contact…",
      "Add note…",
      "Resolve…",
      "Escalate…",
      "Snooze…",
    ]);
  });

  it("calls the student 'the student' when their record is not available", () => {
    const log = withMessages().do({ type: "opt_out" }, STUDENT_ACTOR);
    const { json } = cardFor(log, null);
    expect(json).toContain("Couldn't reach the student in Teams:");
    expect(json).toContain('"The student replied: "');
    expect(json).toContain('"The student asked Reach not to message them (23 Nov)."');
  });

  it("shows no messages on a case without any, nor on an erased case", () => {
    for (const status of ["proposed", "dismissed", "erased"] as const) {
      const { json } = cardFor(caseIn(status));
      expect(json).not.toContain("Messages to the student");
    }
  });

  it("shows a hostile free reply inertly, cut to 200 characters", () => {
    const view: CaseView = caseView(withMessages().state, null, ROSTER);
    view.outreach[2].replies.push({ at: at(40), reply: "other", text: HOSTILE });
    const card = renderCaseCard({ view, student: STUDENT, recent: [] });
    const json = expectSendable(card);
    const quote = textRuns(card).find((r) => visible(r.text).startsWith("“<script>"));
    if (quote === undefined) expect.fail("no quoted reply");
    // Cut at the last word that fits.
    expect(visible(quote.text)).toBe(`“${HOSTILE_PARTS.join(" ")}…”`);
    expect(json).not.toContain("aaaa");
    // Nowhere as a TextBlock, so never read as Markdown.
    expect(textBlocks(card).some((b) => String(b.text).includes("evil.example"))).toBe(false);
  });

  it("stays under 28 KB at its fullest, showing the newest undelivered text whole", () => {
    const { log, long } = fullestCase();
    const { card, json } = cardFor(log, STUDENT, {
      notice: { tone: "stale", text: "y".repeat(400) },
    });
    const runs = textRuns(card).map((r) => String(r.text));
    expect(runs).toContain(long(7));
    expect(runs).not.toContain(long(6));
    expect(runs.filter((r) => r.startsWith("6 word"))).toHaveLength(1);
    expect(runs.filter((r) => r.startsWith("4 word"))).toHaveLength(1);
    expect(runs.filter((r) => r.startsWith("“"))).toHaveLength(3);
    expect(runs.some((r) => r.startsWith("5 word"))).toBe(false);
    for (const n of [0, 1, 2, 3, 4]) expect(json).toContain(`condition 2 of rule ${n}`);
    expect(Buffer.byteLength(json)).toBeLessThan(MAX_CARD_BYTES);
  });
});

/**
 * The most a case card holds: 5 signals of 3 long conditions, long notes, contacts and an
 * escalation reason, then messages of the longest text: two undelivered, one sent and
 * answered ten times at length, and the newest undelivered.
 */
function fullestCase() {
  const long = (n: number) => `${n} ${"word ".repeat(MAX_TEXT_LENGTH / 5 - 1)}`.trim();
  const longSignal = (n: number): Signal => {
    const base = signal(`rule-${n}`, n === 0 ? "high" : "medium");
    return {
      ...base,
      ruleName: `A rule with a long, descriptive name for case reviewers, number ${n}`,
      conditions: [0, 1, 2].map((k) => ({
        ...base.conditions[0],
        evidence: `${EVIDENCE}; and then condition ${k} of rule ${n} with a much longer sentence explaining the figures behind it in plain English`,
      })),
    };
  };
  const log = new CaseLog().do(
    { type: "open", finding: finding([0, 1, 2, 3, 4].map(longSignal), [longSignal(5)]) },
    ENGINE_ACTOR,
  );
  log.do({ type: "confirm" }, "ada");
  for (let i = 0; i < 5; i++) {
    log.do({ type: "log_contact", channel: "phone", outcome: "no_answer", note: long(i) }, "ada");
    log.do({ type: "add_note", noteId: `t${i}`, text: long(i), visibility: "team" }, "ada");
  }
  log.do({ type: "propose_escalation", reason: long(9) }, "ada");
  const undelivered = (n: number) =>
    log
      .do({ type: "approve_outreach", outreachId: `o${n}`, text: long(n) }, "ada")
      .do(
        { type: "record_outreach_failed", outreachId: `o${n}`, reason: "app_blocked" },
        ENGINE_ACTOR,
      );
  undelivered(5);
  undelivered(6);
  log.do({ type: "approve_outreach", outreachId: "o4", text: long(4) }, "ada");
  log.do({ type: "record_outreach_sent", outreachId: "o4" }, ENGINE_ACTOR);
  for (let i = 0; i < 10; i++) {
    log.do(
      { type: "record_student_reply", outreachId: "o4", reply: "other", text: long(i) },
      STUDENT_ACTOR,
    );
  }
  undelivered(7);
  return { log, long };
}

describe("the Propose message button", () => {
  const EXPECTED: Record<FixtureStatus, boolean> = {
    proposed: false,
    active: true,
    escalated: true,
    resolved: false,
    dismissed: false,
    closed: false,
    erased: false,
  };

  for (const [status, offered] of Object.entries(EXPECTED) as [FixtureStatus, boolean][]) {
    it(`${offered ? "is" : "is not"} on a ${status} case`, () => {
      const { view, card } = cardFor(caseIn(status));
      const button = executes(card).filter((a) => a.verb === "propose_message");
      if (!offered) {
        expect(button).toEqual([]);
        return;
      }
      expect(button).toEqual([
        {
          type: "Action.Execute",
          title: "Propose message",
          verb: "propose_message",
          data: { caseId: CASE_ID, policyId: POLICY.id, version: view.version },
        },
      ]);
    });
  }
});

// --- the message form --------------------------------------------------------------------

const DRAFT: MessageDraft = {
  caseId: CASE_ID,
  policyId: POLICY.id,
  version: 8,
  template: "general-checkin",
  text: "Hi Ben,\n\nI noticed you've missed a few sessions lately. How are things going?",
  firstName: "Ben",
  adviserName: "Alex Wilber",
  schoolName: "Northfield",
};

describe("the message form", () => {
  it("shows who it goes to, the editable text, that it goes now, and a preview", () => {
    const card = renderProposeForm(DRAFT);
    const json = expectSendable(card);
    expect(json).toContain('"Message to Ben"');
    expect(inputs(card)).toEqual([
      expect.objectContaining({
        type: "Input.Text",
        id: "text",
        isMultiline: true,
        value: DRAFT.text,
        maxLength: MAX_TEXT_LENGTH,
        isRequired: true,
      }),
    ]);
    expect(textBlocks(card).find((b) => b.text === "Goes now")).toMatchObject({ color: "good" });
    const preview = nodes(card).find((n) => n.type === "Container" && n.style === "emphasis");
    if (preview === undefined) expect.fail("no preview");
    expect(JSON.stringify(preview)).toContain(
      '"A message from Alex Wilber, your adviser at Northfield"',
    );
    expect(textRuns(preview).map((r) => r.text)).toEqual([DRAFT.text]);
    expect(JSON.stringify(preview)).toContain(JSON.stringify(STUDENT_MESSAGE_FOOTER));
    expect(json).toContain('"What Ben will see"');
  });

  it("sends with the case, its version and the template; cancels to the case", () => {
    const card = renderProposeForm(DRAFT);
    expect(card.actions).toEqual([
      {
        type: "Action.Execute",
        title: "Send to Ben",
        verb: "send_message",
        style: "positive",
        associatedInputs: "auto",
        data: { caseId: CASE_ID, policyId: POLICY.id, version: 8, template: "general-checkin" },
      },
      {
        type: "Action.Execute",
        title: "Cancel",
        verb: "refresh",
        associatedInputs: "none",
        data: { caseId: CASE_ID, policyId: POLICY.id },
      },
    ]);
  });

  it("carries everything an approve_outreach needs, which the case domain accepts", () => {
    const log = caseIn("active");
    const card = renderProposeForm({ ...DRAFT, version: log.events.length });
    const send = byTitle(card, "Send to Ben");
    const data = send.data as { version: number; template: string };
    const typed = `${DRAFT.text}\nSee you soon.`;
    const command = {
      type: "approve_outreach",
      outreachId: "o-new",
      text: typed,
      template: data.template,
      scheduledFor: SCHEDULED,
      version: data.version,
      at: at(50),
    } as CaseCommand;
    const decision = decide(log.events, command, "ada", CONTEXT);
    if (!decision.ok) expect.fail(decision.refusal.message);
    expect(decision.events[0]).toMatchObject({ type: "outreach_approved", text: typed });
  });

  it("says when quiet hours hold the message back", () => {
    const card = renderProposeForm({
      ...DRAFT,
      scheduledFor: SCHEDULED,
      scheduledLabel: "Monday 7 December, 08:00 (Europe/London)",
    });
    expectSendable(card);
    const line = textBlocks(card).find((b) => String(b.text).startsWith("Scheduled for"));
    expect(line).toMatchObject({
      text: "Scheduled for Monday 7 December, 08:00 (Europe/London) — quiet hours",
      color: "warning",
    });
    expect(textBlocks(card).some((b) => b.text === "Goes now")).toBe(false);
  });

  it("lists the problems of an edited text in the attention colour", () => {
    const problems = [
      "line 1, column 12: “warning” sounds alarming; try “a note”",
      "line 3, column 1: {{name}} was not filled in",
    ];
    const card = renderProposeForm({ ...DRAFT, problems });
    const json = expectSendable(card);
    for (const p of problems) {
      const block = textBlocks(card).find((b) => visible(b.text) === p);
      expect(block).toMatchObject({ color: "attention" });
    }
    expect(json).toContain("Check the message before sending it:");
    expect(executes(card).map((a) => a.verb)).toEqual(["send_message", "refresh"]);
    expect(JSON.stringify(renderProposeForm(DRAFT))).not.toContain("Check the message");
  });

  it("offers no input and no Send button when the student opted out", () => {
    const optedOut = "Ben asked Reach not to message them (on 5 Dec). Contact them another way.";
    const card = renderProposeForm({ ...DRAFT, optedOut });
    const json = expectSendable(card);
    expect(json).toContain(JSON.stringify(optedOut));
    expect(inputs(card)).toEqual([]);
    expect(executes(card).map((a) => a.verb)).toEqual(["refresh"]);
    expect(json).not.toContain(DRAFT.text.slice(0, 20));
    expect(json).not.toContain("Goes now");
  });

  it("shows a notice at the top", () => {
    const card = renderProposeForm(DRAFT, { tone: "refusal", text: "Write the message first." });
    expectSendable(card);
    expect((card.body as Node[])[0]).toMatchObject({ type: "Container", style: "attention" });
  });

  it("shows a hostile text as typed, in the input and the preview", () => {
    const card = renderProposeForm({ ...DRAFT, text: HOSTILE });
    expectSendable(card);
    expect(visible(inputs(card)[0].value)).toBe(HOSTILE);
    expect(textRuns(card).map((r) => visible(r.text))).toEqual([HOSTILE]);
  });
});

// --- the student's card ------------------------------------------------------------------

const MESSAGE = {
  caseId: CASE_ID,
  policyId: POLICY.id,
  outreachId: "o3",
  firstName: "Ben",
  adviserName: "Alex Wilber",
  schoolName: "Northfield",
  text: "Hi Ben,\n\nHow are things going? I'm around on Tuesday if you'd like a chat.",
};

describe("the student's message card", () => {
  it("shows the header, the approved text verbatim and the footer", () => {
    const card = renderStudentMessage(MESSAGE);
    const json = expectSendable(card);
    const body = card.body as Node[];
    expect(body[0]).toMatchObject({
      type: "TextBlock",
      text: "A message from Alex Wilber, your adviser at Northfield",
      wrap: true,
    });
    expect(body[1]).toEqual({
      type: "RichTextBlock",
      spacing: "medium",
      inlines: [{ type: "TextRun", text: MESSAGE.text }],
    });
    expect(body[2]).toMatchObject({ type: "TextBlock", text: STUDENT_MESSAGE_FOOTER });
    expect(STUDENT_MESSAGE_FOOTER).toBe(
      "Sent through Reach, your school's student-support app. Reply below, or choose “Stop these messages” and Reach won't message you again.",
    );
    expect(json).toContain("A message from Alex Wilber, your adviser at Northfield");
  });

  it("offers the replies, a free reply and Stop these messages, each naming the message", () => {
    const card = renderStudentMessage(MESSAGE);
    const ids = { caseId: CASE_ID, policyId: POLICY.id, outreachId: "o3" };
    expect(executes(card).map((a) => [a.title, a.verb, a.data, a.associatedInputs])).toEqual([
      ["I'd like to talk", "student_reply", { ...ids, reply: "would_like_to_talk" }, "none"],
      ["I'm OK, thanks", "student_reply", { ...ids, reply: "doing_ok" }, "none"],
      ["Send reply", "student_reply", { ...ids, reply: "other" }, "auto"],
      ["Stop these messages", "opt_out", ids, "none"],
    ]);
    expect(inputs(card)).toEqual([
      expect.objectContaining({
        type: "Input.Text",
        id: "text",
        placeholder: "Or write a reply…",
        maxLength: 1000,
      }),
    ]);
  });

  it("makes replies and an opt-out the case domain accepts from the student", () => {
    const log = caseIn("active");
    const card = renderStudentMessage(MESSAGE);
    for (const action of executes(card)) {
      const { caseId: _c, policyId: _p, ...data } = action.data as Node;
      const typed = action.associatedInputs === "auto" ? { text: "Can we meet?" } : {};
      const command = {
        type: action.verb === "opt_out" ? "opt_out" : "record_student_reply",
        ...data,
        ...typed,
        version: log.events.length,
        at: at(50),
      } as CaseCommand;
      const decision = decide(log.events, command, STUDENT_ACTOR, CONTEXT);
      if (!decision.ok) expect.fail(`${action.title}: ${decision.refusal.message}`);
    }
  });

  it("shows nothing of the case: no evidence, rule, severity, note or score", () => {
    const SECRET = "Disclosed a family illness.";
    const log = caseIn("escalated")
      .do({ type: "add_note", noteId: "n1", text: SECRET, visibility: "restricted" }, "ada")
      .do({ type: "add_note", noteId: "n2", text: "Team note text.", visibility: "team" }, "ada");
    const view = caseView(log.state, "ada", ROSTER);
    expect(JSON.stringify(view)).toContain(EVIDENCE);
    // A careless caller hands the whole case along with the message.
    const careless = { ...view, ...MESSAGE, riskScore: 0.93, ethnicity: "SECRET-ETHNICITY" };
    const json = expectSendable(renderStudentMessage(careless));
    for (const leak of [
      EVIDENCE,
      "Rule low-attendance",
      "low-attendance",
      SECRET,
      "Team note text.",
      "no contact for three weeks",
      "SECRET",
      "0.93",
      "Ada Example",
      "Lee Example",
    ]) {
      expect(json).not.toContain(leak);
    }
    expect(json).not.toMatch(/severity|\bhigh\b|escalat|risk|score|signal|evidence/i);
  });

  it("shows a hostile text as typed: no markup, no bindings, no Markdown", () => {
    const card = renderStudentMessage({ ...MESSAGE, text: HOSTILE });
    const json = expectSendable(card);
    expect(textRuns(card).map((r) => visible(r.text))).toEqual([HOSTILE]);
    expect(json).not.toContain("${");
    expect(json).not.toContain("{{");
    expect(textBlocks(card).some((b) => String(b.text).includes("evil.example"))).toBe(false);
    // Hostile names cannot bind anything either.
    const named = renderStudentMessage({ ...MESSAGE, adviserName: binding("$root.caseId") });
    expect(expectSendable(named)).not.toContain(`adviser ${CASE_ID}`);
  });
});

describe("the thanks card", () => {
  it("has a title, a text and no buttons", () => {
    const card = renderStudentThanks(
      "Thanks, Ben — Alex Wilber will be in touch.",
      "You can still write to Alex here.",
    );
    const json = expectSendable(card);
    expect(json).toContain('"Thanks, Ben — Alex Wilber will be in touch."');
    expect(json).toContain('"You can still write to Alex here."');
    expect(card.actions).toBeUndefined();
    expect(executes(card)).toEqual([]);
    expect(inputs(card)).toEqual([]);
  });

  it("may be a title alone", () => {
    const card = renderStudentThanks("Thanks for letting us know.");
    expectSendable(card);
    expect(textBlocks(card).map((b) => b.text)).toEqual(["Thanks for letting us know."]);
  });
});

// --- a student's own data ----------------------------------------------------------------

const DATA_VIEW: StudentDataView = {
  firstName: "Ben",
  schoolName: "Northfield",
  sources: ["attendance registers", "activity on the learning platform (vle)"],
  measures: [
    {
      label: "Attendance",
      value: "87% of sessions",
      window: "the last 45 school days (2 Nov – 4 Dec)",
      expected: "Your school looks for 90% or more",
    },
    {
      label: "Learning platform",
      value: "3 active days",
      window: "the last 10 school days (23 Nov – 4 Dec)",
      expected: "Your school looks for 5 or more",
    },
  ],
  dataThrough: "4 Dec 2026",
  openCase: { since: "1 Dec" },
  adviser: "Alex Wilber",
  howToAskForRecord: "To see everything Reach holds, ask the school's data protection officer.",
};

describe("the my data card", () => {
  it("lists the measures, the sources, the case, the adviser and how to ask for more", () => {
    const card = renderMyData(DATA_VIEW);
    const json = expectSendable(card);
    const texts = textBlocks(card).map((b) => b.text);
    for (const text of [
      "Your data in Reach",
      "Hi Ben. Reach is the student-support app Northfield uses. This is what it holds about you, in plain words.",
      "Attendance",
      "87% of sessions",
      "the last 45 school days (2 Nov – 4 Dec)",
      "Your school looks for 90% or more",
      "Learning platform",
      "3 active days",
      "What Reach uses",
      "• attendance registers",
      "• activity on the learning platform (vle)",
      "You have an open support case since 1 Dec.",
      "Your adviser is Alex Wilber.",
      DATA_VIEW.howToAskForRecord,
      "Reach's data about you runs up to 4 Dec 2026.",
    ]) {
      expect(texts).toContain(text);
    }
    expect(executes(card)).toEqual([]);
    expect(json).not.toContain("Reach has no figures");
  });

  it("says so when there is no case, adviser, figure or source", () => {
    const card = renderMyData({
      firstName: "Ben",
      schoolName: "Northfield",
      sources: [],
      measures: [],
      howToAskForRecord: DATA_VIEW.howToAskForRecord,
    });
    const json = expectSendable(card);
    expect(json).toContain("You have no open support case.");
    expect(json).toContain("Reach has no figures about you yet.");
    expect(json).toContain("No data sources yet.");
    expect(json).not.toContain("Your adviser is");
    expect(json).not.toContain("runs up to");
  });

  it("shows no field the view does not name", () => {
    const careless = {
      ...DATA_VIEW,
      studentId: "stu-4821",
      ethnicity: "SECRET-ETHNICITY",
      riskScore: 0.93,
      notes: ["Disclosed a family illness."],
      measures: DATA_VIEW.measures.map((m) => ({ ...m, raw: "SECRET-RAW", ruleId: "low-att" })),
    };
    const json = expectSendable(renderMyData(careless));
    for (const leak of ["stu-4821", "SECRET", "0.93", "family illness", "low-att"]) {
      expect(json).not.toContain(leak);
    }
  });

  it("shows hostile words inertly", () => {
    const card = renderMyData({ ...DATA_VIEW, sources: [HOSTILE], adviser: binding("adviser") });
    const json = expectSendable(card);
    expect(json).toContain("<script>");
    expect(visible(json)).toContain(`Your adviser is ${binding("adviser")}.`);
  });
});

// --- the case list -----------------------------------------------------------------------

function summary(caseId: string, status: CaseSummary["status"], studentId: string): CaseSummary {
  return {
    caseId,
    policyId: POLICY.id,
    studentId,
    school: "sef",
    status,
    severity: "high",
    version: 3,
    asOf: "2026-11-20",
    openedAt: at(0),
    updatedAt: at(1),
  };
}

const STUDENTS = new Map<string, Student>([
  [
    "stu-1",
    { id: "stu-1", displayName: "Ben Walker", preferredName: undefined, school: "sef" } as Student,
  ],
  [
    "stu-4821",
    {
      id: "stu-4821",
      displayName: "Ben Walker",
      preferredName: undefined,
      school: "sef",
    } as Student,
  ],
  [
    "stu-2",
    { id: "stu-2", displayName: "Megan Bowen", preferredName: "Meg", school: "sef" } as Student,
  ],
]);

function presenter() {
  const policy = {
    id: POLICY.id,
    name: "Northfield engagement",
    timezone: "Europe/London",
  } as unknown as Policy;
  return createPresenter(
    new DirectoryHolder({
      policies: new Map([[POLICY.id, policy]]),
      roster: ROSTER,
      students: STUDENTS,
      staffByAad: () => undefined,
      studentByAad: () => undefined,
      loadedAt: "2026-11-20",
    }),
  );
}

const ADA = ROSTER.get("ada") as Staff;

describe("the case list in two parts", () => {
  it("shows the cases assigned to you and the new ones you may take, each with Show", () => {
    const card = presenter().caseList(ADA, {
      assigned: [summary("case-1", "active", "stu-1")],
      mayTake: [summary("case-2", "proposed", "stu-2"), summary("case-3", "proposed", "gone")],
    });
    const json = expectSendable(card);
    const texts = textBlocks(card).map((b) => b.text);
    expect(texts.slice(0, 2)).toEqual(["Cases for Ada Example", "3 cases"]);
    const headings = textBlocks(card).filter((b) => b.weight === "bolder" && b.separator);
    expect(headings.map((h) => h.text)).toEqual([
      "Assigned to you (1)",
      "New cases you may take (2)",
    ]);
    expect(texts.indexOf("Ben Walker")).toBeGreaterThan(texts.indexOf("Assigned to you (1)"));
    expect(texts.indexOf("Ben Walker")).toBeLessThan(texts.indexOf("New cases you may take (2)"));
    expect(texts.indexOf("Meg")).toBeGreaterThan(texts.indexOf("New cases you may take (2)"));
    expect(json).toContain("Student record not available");
    expect(executes(card).map((a) => [a.title, a.verb, a.data])).toEqual(
      ["case-1", "case-2", "case-3"].map((caseId) => [
        "Show",
        "show",
        { caseId, policyId: POLICY.id },
      ]),
    );
  });

  it("says so when one part is empty", () => {
    const card = presenter().caseList(ADA, {
      assigned: [],
      mayTake: [summary("case-2", "proposed", "stu-2")],
    });
    const texts = textBlocks(card).map((b) => b.text);
    expect(expectSendable(card)).toContain("None right now.");
    expect(texts.indexOf("None right now.")).toBe(texts.indexOf("Assigned to you") + 1);
    expect(texts).toContain("New cases you may take (1)");
  });

  it("says so when both are empty", () => {
    const card = presenter().caseList(ADA, { assigned: [], mayTake: [] });
    const json = expectSendable(card);
    expect(json).toContain('"You have no cases right now and none waiting."');
    expect(json).not.toContain("Assigned to you");
    expect(executes(card)).toEqual([]);
  });

  it("counts what it leaves out in each part", () => {
    const many = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        view: { ...summary(`${prefix}-${i}`, "active", "stu-1") },
        studentName: `Student ${i}`,
      }));
    const card = renderCaseList({
      sections: [
        { heading: "Assigned to you", items: many("a", 7) },
        { heading: "New cases you may take", items: many("t", 2) },
      ],
      limit: 5,
    });
    expectSendable(card);
    expect(JSON.stringify(card)).toContain("and 2 more not shown");
    expect(executes(card)).toHaveLength(7);
  });
});

// --- the presenter's case card and student cards -------------------------------------------

describe("the presenter", () => {
  it("names the student by first name and shows times in the policy's zone", () => {
    const log = withMessages();
    const stored = { caseId: CASE_ID, policyId: POLICY.id, version: 13, events: log.events };
    const json = expectSendable(presenter().caseCard(stored, null));
    expect(json).toContain('"Ben Walker"');
    expect(json).toContain("Couldn't reach Ben in Teams");
    expect(json).toContain('"Ben replied: "');
    expect(json).toContain("(times in Europe/London)");
    expect(json).toContain("scheduled for Mon 7 Dec, 08:00");
  });

  it("takes the first name from the preferred name, else the display name", () => {
    expect(firstNameOf({ preferredName: "Meg", displayName: "Megan Bowen" })).toBe("Meg");
    expect(firstNameOf({ preferredName: undefined, displayName: "Ben Walker" })).toBe("Ben");
    expect(firstNameOf({ preferredName: undefined, displayName: "  " })).toBe("the student");
  });

  it("renders the student cards from their own fields", () => {
    const p = presenter();
    expectSendable(p.studentMessage(MESSAGE));
    expectSendable(p.studentThanks("Thanks for letting us know."));
    expectSendable(p.myData(DATA_VIEW));
    expectSendable(p.proposeForm(DRAFT, { tone: "info", text: "Edited." }));
  });
});

// --- formats and the inert helper ------------------------------------------------------

describe("times of messages, and inert text", () => {
  it("shows times in the policy's zone, summer and winter", () => {
    expect(formatLocalTime("2026-12-07T08:00:00Z", "Europe/London", true)).toBe("Mon 7 Dec, 08:00");
    expect(formatLocalTime("2026-06-01T07:00:00Z", "Europe/London", true)).toBe("Mon 1 Jun, 08:00");
    expect(formatLocalTime("2026-12-05T12:03:00Z", "Europe/London")).toBe("5 Dec, 12:03");
    expect(formatLocalTime("2026-09-05T23:30:00Z", "America/New_York")).toBe("5 Sep, 19:30");
    expect(formatLocalTime("2026-12-05T12:03:00Z", undefined)).toBe("5 Dec, 12:03");
    expect(formatLocalTime("2026-12-05T12:03:00Z", "Not/AZone")).toBe("5 Dec, 12:03");
    expect(formatDayMonth("2026-12-05T23:30:00Z", "Asia/Tokyo")).toBe("6 Dec");
    expect(formatLocalTime("soon", "Europe/London")).toBe("soon");
  });

  it("breaks bindings and date functions without changing what a person reads", () => {
    for (const text of [
      binding("x"),
      "{{DATE(2026-01-01T00:00:00Z)}}",
      "{{{x}}}",
      `$${binding("x")}`,
      binding("{x"),
    ]) {
      const made = inert(text);
      expect(made).not.toContain("${");
      expect(made).not.toContain("{{");
      expect(visible(made)).toBe(text);
      expect(inert(made)).toBe(made);
    }
    expect(inert("Plain words, $5 and {braces}.")).toBe("Plain words, $5 and {braces}.");
  });
});
