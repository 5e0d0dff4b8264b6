/**
 * Messages to students end to end, through the real `TeamsAdapter`, HTTP, the delivery
 * worker and SQLite: an adviser proposes a message on a case card, edits and sends it;
 * Reach delivers it in the student's 1:1 chat (the chat they opened, or one Graph makes by
 * installing Reach for them, against a local fake of those Graph endpoints); the student
 * answers; the case, the channel card and the adviser's personal chat show it. Students
 * Teams cannot reach are recorded on the case with the approved text kept. Nobody but the
 * student answers their message. The tests run in order on one Reach, on a clock set to a
 * Friday noon in London (outside quiet hours).
 *
 * The data is the sample school with Entra ids given to a few Northfield students who get
 * a case on 2027-01-29:
 * - S000056 Ben Iqbal (the sample's own id …050): opened Reach himself (a personal chat);
 * - S000025 Tara Jones (…061): never opened Reach; Graph installs it for her;
 * - S000039 Zoe Brown (…062): the school's Teams blocks Reach for her (Graph 403);
 * - S000078 Vera Murphy (…064): Teams refuses the message (403 MessageWritesBlocked);
 * - S000063 Vera Fraser: no Entra id in the data.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { foldCase } from "../../src/cases/case-state.ts";
import { clockFrom } from "../../src/schedule/index.ts";
import { GraphClient } from "../../src/teams/graph.ts";
import {
  CASES,
  drained,
  GENERAL,
  type Harness,
  localConfig,
  personalChatId,
  runEngine,
  SAMPLE,
  startHarness,
  type TeamsUser,
  textOf,
  turn,
  USERS,
} from "../helpers/fake-connector.ts";
import { type FakeGraph, startFakeGraph } from "../helpers/fake-graph.ts";

const CARD_TYPE = "application/vnd.microsoft.card.adaptive";
const APP_ID = "00000000-0000-0000-0000-000000000011";

function aad(n: number): string {
  return `00000000-0000-0000-0000-${String(n).padStart(12, "0")}`;
}
function student(name: string, n: number): TeamsUser {
  return { id: `29:student-${n}`, name, aadObjectId: aad(n) };
}
const BEN = { id: "S000056", user: student("Ben Iqbal", 50) };
const TARA = { id: "S000025", user: student("Tara Jones", 61) };
const ZOE = { id: "S000039", user: student("Zoe Brown", 62) };
const VERA_M = { id: "S000078", user: student("Vera Murphy", 64) };
const VERA_F = { id: "S000063" };

/** The sample school with the Entra ids above added to students.csv. */
function dataWithStudentIds(dir: string): string {
  const data = join(dir, "data");
  cpSync(SAMPLE.dataDir, data, { recursive: true });
  const file = join(data, "students.csv");
  const ids = new Map([
    [TARA.id, TARA.user.aadObjectId],
    [ZOE.id, ZOE.user.aadObjectId],
    [VERA_M.id, VERA_M.user.aadObjectId],
  ]);
  const lines = readFileSync(file, "utf8").trimEnd().split("\n");
  const header = lines[0].split(",");
  const at = header.indexOf("aad_object_id");
  if (at < 0) throw new Error("students.csv has no aad_object_id column");
  const out = lines.map((line, i) => {
    if (i === 0) return line;
    const cells = line.split(",");
    const id = ids.get(cells[0]);
    if (id !== undefined) cells[at] = id;
    return cells.join(",");
  });
  writeFileSync(file, `${out.join("\n")}\n`);
  return data;
}

describe("messages to students", () => {
  let h: Harness;
  let graph: FakeGraph;
  let dir: string;
  /** Case ids by student id, and each case card's activity id. */
  const caseOf = new Map<string, string>();
  const cardOf = new Map<string, string>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "reach-outreach-"));
    graph = await startFakeGraph({ appExternalId: APP_ID });
    graph.addUser(TARA.user.aadObjectId, "ok");
    graph.addUser(ZOE.user.aadObjectId, "app_blocked");
    const client = new GraphClient({
      getToken: async () => graph.token,
      appExternalId: APP_ID,
      baseUrl: graph.graphUrl,
      catalogueAppId: graph.catalogueAppId,
    });
    h = await startHarness(localConfig({ dataDir: dataWithStudentIds(dir) }), {
      clock: clockFrom(Date.parse("2027-01-29T12:00:00Z")),
      graph: client,
    });
    await h.teams.installInTeam(GENERAL, USERS.adele);
    await h.teams.channelMessage(CASES, USERS.adele, `link ${SAMPLE.policyId}`);
    // Alex and Ben have each opened Reach in a personal chat; Tara and the others have not.
    await h.teams.installPersonal(USERS.alex);
    await h.teams.installPersonal(BEN.user);
    const run = await runEngine(h);
    expect(run.opened).toBe(15);
    await drained(h.store);
    for (const entry of await h.store.listOutbox({ policyId: SAMPLE.policyId })) {
      if (entry.kind !== "case_card" || entry.caseId === undefined) continue;
      const stored = await h.store.getCase(SAMPLE.policyId, entry.caseId);
      const opened = stored?.events[0];
      if (opened?.type !== "opened") continue;
      caseOf.set(opened.studentId, entry.caseId);
      if (entry.activityId) cardOf.set(entry.caseId, entry.activityId);
    }
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await graph?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function state(studentId: string) {
    const caseId = caseOf.get(studentId) as string;
    const stored = await h.store.getCase(SAMPLE.policyId, caseId);
    const s = stored && foldCase(stored.events);
    if (s === undefined) throw new Error(`no case for ${studentId}`);
    return s;
  }
  async function click(
    user: TeamsUser,
    verb: string,
    studentId: string,
    form: Record<string, unknown> = {},
  ) {
    const caseId = caseOf.get(studentId) as string;
    const version = (await state(studentId)).version;
    const response = await h.teams.channelInvoke(
      CASES,
      user,
      verb,
      { caseId, policyId: SAMPLE.policyId, version, ...form },
      cardOf.get(caseId),
    );
    expect(response.status).toBe(200);
    return response.body as { type: string; value: unknown };
  }
  /** Confirms, proposes and sends the proposed text as it stands; answers the draft's text. */
  async function confirmAndSend(studentId: string): Promise<string> {
    await click(USERS.alex, "confirm", studentId);
    const form = await click(USERS.alex, "propose_message", studentId);
    const text = draftText(form.value);
    await click(USERS.alex, "send_message", studentId, { text, template: "general-checkin" });
    return text;
  }
  /** The editable text of a propose form (its Input.Text `text`). */
  function draftText(card: unknown): string {
    const found: string[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        const n = node as Record<string, unknown>;
        if (n.type === "Input.Text" && n.id === "text" && typeof n.value === "string") {
          found.push(n.value);
        }
        Object.values(n).forEach(walk);
      }
    };
    walk(card);
    if (found.length !== 1) throw new Error(`expected one text input, found ${found.length}`);
    return found[0];
  }
  /** The message card posted to a conversation, with its buttons' data. */
  function messagePostedTo(conversationId: string) {
    const posts = h.fake.posts(conversationId);
    expect(posts).toHaveLength(1);
    return posts[0].body;
  }
  function studentInvoke(user: TeamsUser, verb: string, data: Record<string, unknown>) {
    return h.teams.personalInvoke(user, verb, data);
  }

  describe("an adviser writes to a student who opened Reach", () => {
    let sent: string;

    it("proposes the suggested template, filled in for the student, without changing the case", async () => {
      await click(USERS.alex, "confirm", BEN.id);
      const before = await state(BEN.id);
      const form = await click(USERS.alex, "propose_message", BEN.id);
      expect(form.type).toBe(CARD_TYPE);
      const text = draftText(form.value);
      expect(text).toContain("Ben");
      expect(text).toContain("Alex Wilber");
      expect(text).not.toMatch(/\{[a-z_]+\}/);
      // Ben's case: no learning-platform activity since 12 January (the sample's dates).
      expect(text).toMatch(/learning platform/i);
      expect(text).not.toMatch(/\d+(\.\d+)?%|threshold|score/i);
      expect(textOf(form.value)).toContain("Send to Ben");
      expect((await state(BEN.id)).version).toBe(before.version);
    });

    it("sends the adviser's edited text back with the problems, positioned, when it reads as a sanction", async () => {
      const before = await state(BEN.id);
      const form = await click(USERS.alex, "send_message", BEN.id, {
        text: "Hi Ben,\nthis is a final warning about your attendance.",
        template: "online-activity-checkin",
      });
      const shown = textOf(form.value);
      expect(shown).toMatch(/Line 2, column \d+/);
      expect(shown).toContain("warning");
      expect(draftText(form.value)).toBe("Hi Ben,\nthis is a final warning about your attendance.");
      expect((await state(BEN.id)).version).toBe(before.version);
      const entries = await h.store.listOutbox({ caseId: caseOf.get(BEN.id) });
      expect(entries.filter((e) => e.kind === "student_message")).toEqual([]);
    });

    it("records who approved which exact text, and delivers it in Ben's chat", async () => {
      sent =
        "Hi Ben, it's Alex. We haven't seen you on the learning platform lately. Fancy a chat?";
      const answer = await click(USERS.alex, "send_message", BEN.id, {
        text: sent,
        template: "online-activity-checkin",
      });
      expect(textOf(answer.value)).toContain("approved a message to the student");
      const approved = (await state(BEN.id)).outreach;
      expect(approved).toHaveLength(1);
      expect(approved[0]).toMatchObject({ text: sent, approvedBy: "T-ALEX" });
      await drained(h.store);
      const message = messagePostedTo(personalChatId(BEN.user));
      const card = textOf(message.attachments[0].content);
      expect(card).toContain(sent);
      expect(card).toContain("Alex Wilber");
      expect(card).toContain("I'd like to talk");
      expect(card).toContain("Stop these messages");
      // Nothing else of the case reaches the student: no rule, no evidence, no severity.
      expect(card).not.toMatch(/gone-quiet|No learning-platform activity for 7|school days \(last/);
      expect(JSON.stringify(message)).not.toMatch(/severity|chronic|S000056|Iqbal/);
      expect(card).toContain("your adviser at Northfield");
      const after = (await state(BEN.id)).outreach[0];
      expect(after.stage).toBe("sent");
      expect(after.activityId).toBe(h.fake.posts(personalChatId(BEN.user))[0].answeredId);
    });

    it("refuses another student's answer on Ben's message, and records nothing", async () => {
      const s = await state(BEN.id);
      const data = {
        caseId: s.caseId,
        policyId: SAMPLE.policyId,
        outreachId: s.outreach[0].outreachId,
        reply: "doing_ok",
      };
      for (const user of [TARA.user, USERS.alex, USERS.patti]) {
        const response = await studentInvoke(user, "student_reply", data);
        expect(response.status).toBe(200);
        expect(textOf((response.body as { value: unknown }).value)).toContain(
          "This button isn't for you",
        );
      }
      expect((await state(BEN.id)).version).toBe(s.version);
      const audit = await h.store.listAudit(SAMPLE.policyId, s.caseId);
      const refusals = audit.filter((a) => a.action === "student_reply" && !a.allowed);
      expect(refusals.length).toBeGreaterThanOrEqual(2);
    });

    it("records Ben's 'I'd like to talk' on the case, the card and in Alex's personal chat", async () => {
      const s = await state(BEN.id);
      const response = await studentInvoke(BEN.user, "student_reply", {
        caseId: s.caseId,
        policyId: SAMPLE.policyId,
        outreachId: s.outreach[0].outreachId,
        reply: "would_like_to_talk",
      });
      expect(textOf((response.body as { value: unknown }).value)).toContain(
        "Alex Wilber will be in touch",
      );
      const after = await state(BEN.id);
      expect(after.outreach[0].replies).toMatchObject([{ reply: "would_like_to_talk" }]);
      await drained(h.store);
      const toAlex = h.fake.posts(personalChatId(USERS.alex));
      expect(toAlex.map((p) => String(p.body.text))).toEqual([
        expect.stringContaining("I'd like to talk"),
      ]);
      const updates = h.fake.updates().filter((u) => u.activityId === cardOf.get(s.caseId));
      expect(textOf(updates.at(-1)?.body.attachments[0].content)).toContain("I'd like to talk");
    });

    it("takes Ben's opt-out, after which no message can be sent to him", async () => {
      const s = await state(BEN.id);
      await studentInvoke(BEN.user, "opt_out", {
        caseId: s.caseId,
        policyId: SAMPLE.policyId,
        outreachId: s.outreach[0].outreachId,
      });
      expect((await state(BEN.id)).optedOut).toBeDefined();
      const form = await click(USERS.alex, "send_message", BEN.id, { text: "Hi Ben!" });
      expect(textOf(form.value)).toContain("asked Reach not to message them");
      expect((await state(BEN.id)).outreach).toHaveLength(1);
    });
  });

  describe("a student who never opened Reach", () => {
    it("gets Reach installed through Graph, and the message in the chat that makes", async () => {
      const text = await confirmAndSend(TARA.id);
      await drained(h.store);
      expect(graph.requestsOf("install", TARA.user.aadObjectId)).toHaveLength(1);
      const chatId = graph.chatIdOf(TARA.user.aadObjectId) as string;
      const recorded = await h.store.getConversation(chatId);
      expect(recorded).toMatchObject({ kind: "personal", userAadObjectId: TARA.user.aadObjectId });
      expect(textOf(messagePostedTo(chatId).attachments[0].content)).toContain(text);
      expect((await state(TARA.id)).outreach[0].stage).toBe("sent");
    });
  });

  describe("a student's own words", () => {
    async function reply(text: string | undefined) {
      const s = await state(TARA.id);
      const response = await studentInvoke(TARA.user, "student_reply", {
        caseId: s.caseId,
        policyId: SAMPLE.policyId,
        outreachId: s.outreach[0].outreachId,
        reply: "other",
        ...(text !== undefined && { text }),
      });
      return textOf((response.body as { value: unknown }).value);
    }

    it("takes hostile text as text, word for word", async () => {
      // Template syntax a card renderer could bind: `$` + `{DATE()}`, `{{x}}`, markup, a link.
      const hostile = `<script>alert(1)</script> ${"$"}{DATE()} {{x}} [link](http://example.com)`;
      expect(await reply(hostile)).toContain("Thanks, Tara");
      expect((await state(TARA.id)).outreach[0].replies).toMatchObject([
        { reply: "other", text: hostile },
      ]);
    });

    it("sends back an empty or over-long reply, recording nothing", async () => {
      const before = await state(TARA.id);
      expect(await reply("   ")).toContain("Please write your reply in the box first.");
      expect(await reply("x".repeat(1001))).toContain("1,000 characters or fewer");
      // Beyond what any case text may hold: refused without a word about the case.
      expect(await reply("x".repeat(5000))).toContain("couldn't record that");
      expect((await state(TARA.id)).version).toBe(before.version);
    });
  });

  describe("students Teams cannot reach", () => {
    it("records a Graph refusal on the case and keeps the approved text on the card", async () => {
      const text = await confirmAndSend(ZOE.id);
      await drained(h.store);
      const message = (await state(ZOE.id)).outreach[0];
      expect(message).toMatchObject({ stage: "failed", text, failure: { reason: "app_blocked" } });
      const caseId = caseOf.get(ZOE.id) as string;
      const card = textOf(
        h.fake
          .updates()
          .filter((u) => u.activityId === cardOf.get(caseId))
          .at(-1)?.body.attachments[0].content,
      );
      expect(card).toContain("Couldn't reach");
      expect(card).toContain(text);
    });

    it("records Teams' 403 MessageWritesBlocked as the app being blocked", async () => {
      // Vera Murphy has a chat with Reach, but Teams refuses to write into it.
      await h.teams.installPersonal(VERA_M.user);
      h.fake.failNext("post", 403, 1, "MessageWritesBlocked");
      await confirmAndSend(VERA_M.id);
      await drained(h.store);
      expect((await state(VERA_M.id)).outreach[0]).toMatchObject({
        stage: "failed",
        failure: { reason: "app_blocked" },
      });
    });

    it("records a student with no Microsoft 365 account in the data", async () => {
      await confirmAndSend(VERA_F.id);
      await drained(h.store);
      expect((await state(VERA_F.id)).outreach[0]).toMatchObject({
        stage: "failed",
        failure: { reason: "not_in_data" },
      });
    });
  });

  describe("personal chat", () => {
    /** What the bot answered a personal message with (its cards' text, or its text). */
    async function ask(user: TeamsUser, text: string): Promise<string[]> {
      const said = await turn(h, () => h.teams.personalMessage(user, text));
      return said.said.map((r) =>
        r.body.attachments?.length ? textOf(r.body.attachments[0].content) : String(r.body.text),
      );
    }

    it("shows a student their own data, and nobody else's", async () => {
      const [card] = await ask(TARA.user, "my data");
      expect(card).toContain("Tara");
      expect(card).toContain("Alex Wilber");
      expect(card).not.toMatch(/Zoe|Ben Iqbal|S000039|S000056|chronic-absence|severity/);
    });

    it("shows a member of staff no student's data", async () => {
      const [text] = await ask(USERS.alex, "my data");
      expect(text).toContain("`my data` is for students");
    });

    it("lists an adviser's cases: assigned to him, and new ones he may take", async () => {
      const [card] = await ask(USERS.alex, "my cases");
      // Five confirmed by Alex above; the other ten of his school wait for someone to take them.
      expect(card).toContain("Assigned to you (5)");
      expect(card).toContain("New cases you may take (10)");
    });

    it("writes help without escaped angle brackets", async () => {
      const [text] = await ask(USERS.alex, "help");
      expect(text).toContain("`case CASE-ID`");
      expect(text).not.toMatch(/[<>]|&lt;/);
    });

    it("answers a student's help with what a student can do", async () => {
      const [text] = await ask(TARA.user, "hello");
      expect(text).toContain("`my data`");
      expect(text).not.toContain("my cases");
    });
  });
});
