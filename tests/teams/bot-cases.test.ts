/**
 * Cases end to end through the real `TeamsAdapter` and HTTP: the engine's cases are posted
 * as cards into the bound channel by the delivery worker; card buttons (Action.Execute
 * invokes) become case commands by the person who clicked, answered at once with the new
 * card, then the card is updated for everyone and a line goes into its thread; refusals,
 * stale cards and bad input change nothing; advisers read their cases in personal chat.
 * The tests run in order on one Reach.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { foldCase } from "../../src/cases/case-state.ts";
import type { OutboxEntry } from "../../src/store/outbox-records.ts";
import {
  CASES,
  drained,
  GENERAL,
  type Harness,
  personalChatId,
  type Recorded,
  runEngine,
  SAMPLE,
  staffUser,
  startHarness,
  textOf,
  turn,
  USERS,
} from "../helpers/fake-connector.ts";

const CARD_TYPE = "application/vnd.microsoft.card.adaptive";
const RESTRICTED_TEXT = "Disclosed a family illness in confidence (do not share)";

describe("cases in the channel and in personal chat", () => {
  let h: Harness;
  /** The posted case cards, by case id. */
  const cards = new Map<string, { entry: OutboxEntry; post: Recorded }>();
  let caseA: string;
  let caseB: string;

  beforeAll(async () => {
    h = await startHarness();
    await h.teams.installInTeam(GENERAL, USERS.adele);
    await h.teams.channelMessage(CASES, USERS.adele, `link ${SAMPLE.policyId}`);
    if ((await h.store.getBinding(SAMPLE.policyId)) === undefined) throw new Error("not linked");
  });
  afterAll(async () => {
    await h?.close();
  });

  async function stored(caseId: string) {
    const c = await h.store.getCase(SAMPLE.policyId, caseId);
    if (c === undefined) throw new Error(`no case ${caseId}`);
    return c;
  }
  async function state(caseId: string) {
    const s = foldCase((await stored(caseId)).events);
    if (s === undefined) throw new Error(`no state for ${caseId}`);
    return s;
  }
  function studentName(studentId: string): string {
    const s = h.reach.dataset?.students.find((x) => x.id === studentId);
    if (s === undefined) throw new Error(`no student ${studentId}`);
    return s.preferredName ?? s.displayName ?? s.id;
  }
  /** A click on the case's card in the channel, with the version the store has now. */
  async function click(
    user: typeof USERS.alex,
    verb: string,
    caseId: string,
    form: Record<string, unknown> = {},
    version?: number,
  ) {
    const v = version ?? (await stored(caseId)).version;
    return h.teams.channelInvoke(
      CASES,
      user,
      verb,
      { caseId, policyId: SAMPLE.policyId, version: v, ...form },
      cards.get(caseId)?.post.answeredId,
    );
  }
  /** Everything the store knows about a case that a refused action must not change. */
  async function snapshot(caseId: string) {
    const outbox = await h.store.listOutbox({ policyId: SAMPLE.policyId, caseId });
    return { case: await stored(caseId), outbox: outbox.map((e) => e.id).sort() };
  }

  describe("delivery", () => {
    it("posts one card per case into the bound channel, as new threads", async () => {
      const run = await runEngine(h);
      expect(run.opened).toBe(15);
      await drained(h.store);

      const posts = h.fake.posts(CASES.id);
      expect(posts).toHaveLength(15);
      // Nothing else went anywhere but the greeting and the link confirmation.
      expect(h.fake.posts().length).toBe(15);
      expect(h.fake.updates()).toEqual([]);

      const entries = await h.store.listOutbox({ policyId: SAMPLE.policyId });
      expect(entries).toHaveLength(15);
      for (const entry of entries) {
        expect(entry).toMatchObject({ kind: "case_card", status: "sent" });
        const post = posts.find((p) => p.body.channelData?.reachOutboxId === entry.id);
        expect(post, entry.id).toBeDefined();
        if (post === undefined || entry.caseId === undefined) continue;
        expect(entry.activityId).toBe(post.answeredId);
        expect(post.body.replyToId).toBeUndefined();
        expect(post.body.conversation.id).toBe(CASES.id);
        expect(post.body.attachments).toHaveLength(1);
        expect(post.body.attachments[0].contentType).toBe(CARD_TYPE);
        const opened = (await stored(entry.caseId)).events[0];
        if (opened.type !== "opened") throw new Error("first event is not opened");
        expect(textOf(post.body.attachments[0].content)).toContain(studentName(opened.studentId));
        // The notification line carries no personal data.
        expect(post.body.summary).toMatch(/^New (high|medium|low) case for the support team$/);
        cards.set(entry.caseId, { entry, post });
      }
      expect(cards.size).toBe(15);
      const ids = [...cards.keys()].sort();
      [caseA, caseB] = ids;
    });
  });

  describe("card actions", () => {
    let confirmedAt: number;

    it("confirms a case for the adviser who clicked, answering with the new card", async () => {
      confirmedAt = (await stored(caseA)).version;
      const response = await click(USERS.alex, "confirm", caseA);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ statusCode: 200, type: CARD_TYPE });
      const card = textOf(response.body.value);
      expect(card).toContain("Active");
      expect(card).toContain("Alex Wilber");
      expect(card).toContain("Done: Alex Wilber confirmed the case and took it.");

      const s = await state(caseA);
      expect(s.status).toBe("active");
      expect(s.assignee).toBe("T-ALEX");
      expect(s.version).toBe(confirmedAt + 1);
    });

    it("then updates the card for everyone and says so in its thread", async () => {
      await drained(h.store);
      const activityId = cards.get(caseA)?.post.answeredId;
      const updates = h.fake.updates(CASES.id);
      expect(updates).toHaveLength(1);
      expect(updates[0].activityId).toBe(activityId);
      expect(updates[0].body.id).toBe(activityId);
      const updated = textOf(updates[0].body.attachments[0].content);
      expect(updated).toContain("Active");
      expect(updated).toContain("Alex Wilber");
      // The channel's card carries no clicker's notice.
      expect(updated).not.toContain("Done:");

      const replies = h.fake.replies(`${CASES.id};messageid=${activityId}`);
      expect(replies).toHaveLength(1);
      expect(replies[0].activityId).toBe(activityId);
      expect(replies[0].body.text).toBe("Alex Wilber confirmed the case and took it.");
      expect(replies[0].body.replyToId).toBe(activityId);

      const outbox = await h.store.listOutbox({ policyId: SAMPLE.policyId, caseId: caseA });
      expect(outbox.map((e) => [e.kind, e.status]).sort()).toEqual([
        ["card_update", "sent"],
        ["case_card", "sent"],
        ["thread_reply", "sent"],
      ]);
      expect(outbox.find((e) => e.kind === "card_update")?.activityId).toBe(activityId);
    });

    it("shows a stale card the case as it is now, and changes nothing", async () => {
      const before = await snapshot(caseA);
      const requests = h.fake.requests.length;
      const response = await click(USERS.isaiah, "confirm", caseA, {}, confirmedAt);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ statusCode: 200, type: CARD_TYPE });
      const card = textOf(response.body.value);
      expect(card).toContain("out of date");
      expect(card).toContain("Alex Wilber"); // the fresh case: already Alex's
      expect(await snapshot(caseA)).toEqual(before);
      await drained(h.store);
      expect(h.fake.requests.length).toBe(requests);
      const audit = await h.store.listAudit(SAMPLE.policyId, caseA);
      expect(audit.at(-1)).toMatchObject({
        actor: "T-ISAIAH",
        action: "confirm",
        allowed: false,
        refusal: "stale_version",
      });
    });

    it("refuses an adviser of another school politely, changes nothing, and audits it", async () => {
      const before = await snapshot(caseB);
      const auditBefore = await h.store.listAudit(SAMPLE.policyId, caseB);
      const response = await click(USERS.megan, "confirm", caseB);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ statusCode: 200, type: CARD_TYPE });
      const card = textOf(response.body.value);
      expect(card).toContain("Sorry, Megan Bowen");
      expect(card).toContain("Nothing has changed.");
      expect(await snapshot(caseB)).toEqual(before);
      expect((await state(caseB)).status).toBe("proposed");
      const audit = await h.store.listAudit(SAMPLE.policyId, caseB);
      // The engine's opening (and, where a watch rule also fired, its added signal), then
      // Megan's refusal: one record more.
      expect(auditBefore.map((a) => [a.actor, a.allowed])).toContainEqual(["reach", true]);
      expect(auditBefore.every((a) => a.actor === "reach" && a.allowed)).toBe(true);
      expect(audit).toHaveLength(auditBefore.length + 1);
      expect(audit.at(-1)).toMatchObject({
        actor: "T-MEGAN",
        action: "confirm",
        caseId: caseB,
        allowed: false,
        refusal: "not_authorised",
      });
    });

    it("refuses someone not on the staff roster, and audits it by their Entra id", async () => {
      const stranger = staffUser("Patti Fernandez", 24);
      const before = await snapshot(caseB);
      const response = await click(stranger, "confirm", caseB);
      expect(response.status).toBe(200);
      const card = textOf(response.body.value);
      expect(card).toContain("Reach doesn't know you as a member of staff");
      expect(await snapshot(caseB)).toEqual(before);
      const audit = await h.store.listAudit(SAMPLE.policyId, caseB);
      expect(audit.at(-1)).toMatchObject({
        actor: `aad:${stranger.aadObjectId}`,
        action: "confirm",
        allowed: false,
        refusal: "not_authorised",
      });
    });

    it("answers a click without a case id with a notice, and changes nothing", async () => {
      const counts = await h.store.countOutbox(SAMPLE.policyId);
      const response = await h.teams.channelInvoke(CASES, USERS.alex, "confirm", {
        policyId: SAMPLE.policyId,
        version: 1,
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ statusCode: 200, type: CARD_TYPE });
      const card = textOf(response.body.value);
      expect(card).toContain("This button could not be used");
      expect(card).toContain("caseId is missing");
      expect(await h.store.countOutbox(SAMPLE.policyId)).toEqual(counts);
      expect((await state(caseB)).status).toBe("proposed");
    });

    it("answers a verb the card cannot do politely, and changes nothing", async () => {
      const before = await snapshot(caseB);
      const response = await click(USERS.alex, "erase", caseB);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ statusCode: 200, type: CARD_TYPE });
      expect(textOf(response.body.value)).toContain(
        "“erase” is not something this card can do. Nothing was changed.",
      );
      expect(await snapshot(caseB)).toEqual(before);
    });

    it("answers a click on a case that does not exist with a notice", async () => {
      const response = await h.teams.channelInvoke(CASES, USERS.alex, "confirm", {
        caseId: "northfield-20270129-0000000000000000",
        policyId: SAMPLE.policyId,
        version: 1,
      });
      expect(response.status).toBe(200);
      expect(textOf(response.body.value)).toContain("Case not found");
    });

    it("refreshes a channel card without reading the case in full", async () => {
      const audit = (await h.store.listAudit(SAMPLE.policyId, caseA)).length;
      const response = await click(USERS.megan, "refresh", caseA);
      expect(response.status).toBe(200);
      const card = textOf(response.body.value);
      expect(card).toContain("Active");
      expect(card).toContain("Alex Wilber");
      // A channel card is not a full-detail read: nothing audited.
      expect(await h.store.listAudit(SAMPLE.policyId, caseA)).toHaveLength(audit);
    });

    it("logs a contact attempt from the card's form", async () => {
      const response = await click(USERS.alex, "log_contact", caseA, {
        channel: "phone",
        outcome: "no_answer",
        note: "",
      });
      expect(response.status).toBe(200);
      expect(textOf(response.body.value)).toContain("Phone, no answer, by Alex Wilber");
      const s = await state(caseA);
      expect(s.contacts).toHaveLength(1);
      expect(s.contacts[0]).toMatchObject({ channel: "phone", outcome: "no_answer" });
      expect(s.contacts[0].note).toBeUndefined(); // the form's empty note is "not given"

      await drained(h.store);
      const activityId = cards.get(caseA)?.post.answeredId;
      const last = h.fake.updates(CASES.id).at(-1);
      expect(last?.activityId).toBe(activityId);
      expect(textOf(last?.body.attachments[0].content)).toContain(
        "Phone, no answer, by Alex Wilber",
      );
      const thread = h.fake.replies(`${CASES.id};messageid=${activityId}`);
      expect(thread).toHaveLength(2);
      expect(thread[1].body.text).toContain("Alex Wilber");
    });

    it("refuses a contact with an unknown channel, naming the field, and changes nothing", async () => {
      const before = await snapshot(caseA);
      const response = await click(USERS.alex, "log_contact", caseA, {
        channel: "carrier_pigeon",
        outcome: "no_answer",
      });
      expect(response.status).toBe(200);
      const card = textOf(response.body.value);
      expect(card).toContain(
        "That didn't go through: channel: the contact channel must be one of email, phone, teams_chat, in_person, letter",
      );
      expect(card).toContain("Nothing has changed.");
      expect(await snapshot(caseA)).toEqual(before);
    });

    it("keeps a restricted note's text off the channel's card", async () => {
      const updatesBefore = h.fake.updates(CASES.id).length;
      const response = await click(USERS.alex, "add_note", caseA, {
        text: RESTRICTED_TEXT,
        visibility: "restricted",
      });
      expect(response.status).toBe(200);
      expect(response.body.value.type).toBe("AdaptiveCard");
      // The note is stored, with its text, for those who may read it.
      const s = await state(caseA);
      expect(s.notes.at(-1)).toMatchObject({ visibility: "restricted", text: RESTRICTED_TEXT });
      // The clicker's card in the channel is a channel card too: the text is not on it.
      expect(JSON.stringify(response.body)).not.toContain(RESTRICTED_TEXT);
      expect(textOf(response.body.value)).toContain("Restricted note by Alex Wilber");

      await drained(h.store);
      const updates = h.fake.updates(CASES.id).slice(updatesBefore);
      expect(updates).toHaveLength(1);
      expect(textOf(updates[0].body)).toContain("Restricted note by Alex Wilber");
      for (const r of h.fake.requests)
        expect(JSON.stringify(r.body ?? "")).not.toContain("illness");
    });
  });

  describe("personal chat", () => {
    const chat = (user: typeof USERS.alex, text: string) =>
      turn(h, () => h.teams.personalMessage(user, text));

    it("answers `help` with the personal help", async () => {
      const t = await chat(USERS.alex, "help");
      expect(t.response.status).toBe(200);
      expect(t.said).toHaveLength(1);
      expect(t.said[0].conversationId).toBe(personalChatId(USERS.alex));
      expect(t.texts[0]).toContain("`my cases`");
      expect(t.texts[0]).toContain("`case CASE-ID`");
      // The chat is recorded on first contact.
      expect((await h.store.getConversation(personalChatId(USERS.alex)))?.userAadObjectId).toBe(
        USERS.alex.aadObjectId,
      );
    });

    it("lists the adviser's active case with `my cases`", async () => {
      const t = await chat(USERS.alex, "my cases");
      expect(t.said).toHaveLength(1);
      const [attachment] = t.said[0].body.attachments;
      expect(attachment.contentType).toBe(CARD_TYPE);
      const list = textOf(attachment.content);
      expect(list).toContain("Cases for Alex Wilber");
      expect(list).toContain(caseA);
      expect(list).toContain("Active");
      const opened = (await stored(caseA)).events[0];
      if (opened.type !== "opened") throw new Error("first event is not opened");
      expect(list).toContain(studentName(opened.studentId));
      // Alex is the only adviser of sch1 in the sample's staff.csv, so every Northfield
      // student is his advisee: besides caseA (his), the other 14 cases, still proposed,
      // are listed too.
      const students = h.reach.dataset?.students.filter((s) => s.school === "sch1") ?? [];
      expect(students.every((s) => s.adviserIds.join(";") === "T-ALEX")).toBe(true);
      expect(list).toContain("15 cases");
      for (const id of cards.keys()) expect(list).toContain(id);
      // The listing named each student to him: it is in each case's audit trail.
      for (const id of [caseA, caseB]) {
        const audit = await h.store.listAudit(SAMPLE.policyId, id);
        expect(audit.at(-1)).toMatchObject({ actor: "T-ALEX", action: "list", allowed: true });
      }
    });

    it("shows a case in full with `case <id>`, and audits the read", async () => {
      const t = await chat(USERS.alex, `case ${caseA}`);
      expect(t.said).toHaveLength(1);
      const card = textOf(t.said[0].body.attachments[0].content);
      expect(card).toContain("Alex Wilber");
      expect(card).toContain("Active");
      const audit = await h.store.listAudit(SAMPLE.policyId, caseA);
      expect(audit.at(-1)).toMatchObject({
        actor: "T-ALEX",
        action: "read",
        caseId: caseA,
        allowed: true,
      });
    });

    it("refuses `case <id>` to an adviser of another school, and audits it", async () => {
      const t = await chat(USERS.megan, `case ${caseB}`);
      expect(t.said).toHaveLength(1);
      const card = textOf(t.said[0].body.attachments[0].content);
      expect(card).toContain("Not one of your cases");
      expect(card).toContain("Sorry, Megan Bowen");
      const opened = (await stored(caseB)).events[0];
      if (opened.type !== "opened") throw new Error("first event is not opened");
      expect(card).not.toContain(studentName(opened.studentId));
      const audit = await h.store.listAudit(SAMPLE.policyId, caseB);
      expect(audit.at(-1)).toMatchObject({ actor: "T-MEGAN", action: "read", allowed: false });
    });

    it("shows a case from the list's Show button to its adviser, audited", async () => {
      const response = await h.teams.personalInvoke(USERS.alex, "show", {
        caseId: caseA,
        policyId: SAMPLE.policyId,
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ statusCode: 200, type: CARD_TYPE });
      const card = textOf(response.body.value);
      expect(card).toContain("Alex Wilber");
      expect(card).toContain("Active");
      const audit = await h.store.listAudit(SAMPLE.policyId, caseA);
      expect(audit.at(-1)).toMatchObject({ actor: "T-ALEX", action: "read", allowed: true });

      const refused = await h.teams.personalInvoke(USERS.megan, "show", {
        caseId: caseB,
        policyId: SAMPLE.policyId,
      });
      expect(textOf(refused.body.value)).toContain("Sorry, Megan Bowen");
    });

    it("a refused click in a personal chat does not show the case to someone who may not read it", async () => {
      const stored = await h.store.getCase(SAMPLE.policyId, caseB);
      const opened = stored?.events[0];
      if (opened?.type !== "opened") throw new Error("case B has no history");
      const response = await h.teams.personalInvoke(USERS.megan, "confirm", {
        caseId: caseB,
        policyId: SAMPLE.policyId,
        version: stored?.version,
      });
      expect(response.status).toBe(200);
      const card = textOf(response.body.value);
      expect(card).toContain("Sorry, Megan Bowen");
      expect(card).not.toContain(studentName(opened.studentId));
      expect((await h.store.getCase(SAMPLE.policyId, caseB))?.version).toBe(stored?.version);
      // The refusal is audited; the case was never read for her.
      const audit = await h.store.listAudit(SAMPLE.policyId, caseB);
      expect(audit.at(-1)).toMatchObject({ actor: "T-MEGAN", action: "confirm", allowed: false });
    });

    it("says so when there is no such case", async () => {
      const t = await chat(USERS.alex, "case northfield-nope");
      expect(t.texts[0]).toBe("There is no case `northfield-nope`.");
    });

    it("says group chats are not supported", async () => {
      const activity = h.teams.personalActivity(USERS.alex, { type: "message", text: "my cases" });
      const t = await turn(h, () =>
        h.teams.send({
          ...activity,
          conversation: { id: "19:group-chat@thread.v2", conversationType: "groupChat" },
        }),
      );
      expect(t.texts).toEqual([
        "I work in a team's channel (cases) and in a personal chat (`my cases`, `case CASE-ID`, `my data`). Group chats aren't supported.",
      ]);
    });

    it("politely refuses someone not on the staff roster", async () => {
      const t = await chat(USERS.patti, "my cases");
      expect(t.said).toHaveLength(1);
      expect(t.texts[0]).toContain("Sorry — Reach doesn't know you as a member of staff");
      expect(t.said[0].body.attachments ?? []).toEqual([]);
    });
  });
});
